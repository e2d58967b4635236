"""The DP marginals family (``family="marginals"``): noisy 1- and 2-way marginals measured
through the privacy session, made consistent on a tree and sampled from it.

``models/marginals.py`` (a different thing) fits the per-column marginals every family
publishes in the file's ``columns``; this package builds the table-wide model on top."""

from datatwin.models.dpmarginals.binning import Binning
from datatwin.models.dpmarginals.family import Marginals, MarginalsFit
from datatwin.models.dpmarginals.keysets import KeySet
from datatwin.models.dpmarginals.strategy import Count, Sum

__all__ = ["Binning", "Count", "KeySet", "Marginals", "MarginalsFit", "Sum"]
