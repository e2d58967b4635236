"""datatwin: privacy-preserving synthetic tabular data.

>>> import datatwin as dt
>>> model = dt.fit("adult.csv", missing_values=["?"])      # doctest: +SKIP
>>> model.save("adult.model.json")                         # doctest: +SKIP
>>> synth = dt.load("adult.model.json").sample(1000, seed=7)  # doctest: +SKIP
"""

from datatwin import (
    evaluate,  # a callable subpackage: dt.evaluate(real, synth, ...)
    families,  # dt.families.available(), dt.families.Copula(...)
    privacy,  # dt.privacy.DifferentialPrivacy(...), dt.privacy.DisclosureControl(...)
)
from datatwin._version import __version__
from datatwin.api import Model, fit, load, validate
from datatwin.errors import (
    ColumnError,
    DataError,
    DatatwinError,
    DatatwinWarning,
    DistributionError,
    InputFileError,
    ModelFileError,
    PrivacyError,
    SamplingError,
    SpecError,
    UnsupportedFormatVersionError,
)
from datatwin.models.dpmarginals import Binning, Count, KeySet, Sum
from datatwin.schema import ColumnSpec, FitSpec

__all__ = [
    "Binning",
    "ColumnError",
    "ColumnSpec",
    "Count",
    "DataError",
    "DatatwinError",
    "DatatwinWarning",
    "DistributionError",
    "FitSpec",
    "InputFileError",
    "KeySet",
    "Model",
    "ModelFileError",
    "PrivacyError",
    "SamplingError",
    "SpecError",
    "Sum",
    "UnsupportedFormatVersionError",
    "__version__",
    "evaluate",
    "families",
    "fit",
    "load",
    "privacy",
    "validate",
]
