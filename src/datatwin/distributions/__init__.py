"""Univariate distributions: pure numpy in, numpy out, serialisable to the model file.

Every distribution is registered by name; plug-in packages add their own through the
``datatwin.distributions`` entry-point group.
"""

from datatwin.distributions.base import (
    Distribution,
    distribution_from_dict,
    get_distribution_class,
    register,
    registered_distributions,
)
from datatwin.distributions.categorical import (
    BernoulliDistribution,
    CategoricalDistribution,
    ConstantDistribution,
    RandomStringDistribution,
)
from datatwin.distributions.continuous import (
    ExponentialDistribution,
    GammaDistribution,
    LogNormalDistribution,
    NormalDistribution,
    TruncatedNormalDistribution,
    UniformDistribution,
)
from datatwin.distributions.discrete import (
    DiscreteGammaDistribution,
    DiscreteLogNormalDistribution,
    DiscreteNormalDistribution,
    DiscreteTruncatedNormalDistribution,
    DiscreteUniformDistribution,
    GeometricDistribution,
    NegativeBinomialDistribution,
    PoissonDistribution,
    UniqueKeyDistribution,
)
from datatwin.distributions.fake import FakerDistribution, FreeTextDistribution
from datatwin.distributions.finite import FiniteDistribution
from datatwin.distributions.histogram import HistogramDistribution
from datatwin.distributions.mixture import EmpiricalDistribution, PointMassMixtureDistribution
from datatwin.distributions.moments import Moments, log_support
from datatwin.distributions.pattern import PatternDistribution
from datatwin.distributions.selection import Selection, select_distribution
from datatwin.distributions.temporal import (
    DateTimeUniformDistribution,
    DateUniformDistribution,
    TimeUniformDistribution,
)
from datatwin.distributions.temporal_histogram import DateHistogramDistribution, DateTimeHistogramDistribution

__all__ = [
    "BernoulliDistribution",
    "CategoricalDistribution",
    "ConstantDistribution",
    "DateHistogramDistribution",
    "DateTimeHistogramDistribution",
    "DateTimeUniformDistribution",
    "DateUniformDistribution",
    "DiscreteGammaDistribution",
    "DiscreteLogNormalDistribution",
    "DiscreteNormalDistribution",
    "DiscreteTruncatedNormalDistribution",
    "DiscreteUniformDistribution",
    "Distribution",
    "EmpiricalDistribution",
    "ExponentialDistribution",
    "FakerDistribution",
    "FiniteDistribution",
    "FreeTextDistribution",
    "GammaDistribution",
    "GeometricDistribution",
    "HistogramDistribution",
    "LogNormalDistribution",
    "Moments",
    "NegativeBinomialDistribution",
    "NormalDistribution",
    "PatternDistribution",
    "PointMassMixtureDistribution",
    "PoissonDistribution",
    "RandomStringDistribution",
    "Selection",
    "TimeUniformDistribution",
    "TruncatedNormalDistribution",
    "UniformDistribution",
    "UniqueKeyDistribution",
    "distribution_from_dict",
    "get_distribution_class",
    "log_support",
    "register",
    "registered_distributions",
    "select_distribution",
]
