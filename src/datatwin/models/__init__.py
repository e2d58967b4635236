"""Multivariate model families composed from univariate distributions."""

from datatwin.models.columns import ColumnModel
from datatwin.models.independent import IndependentModel

__all__ = ["ColumnModel", "IndependentModel"]
