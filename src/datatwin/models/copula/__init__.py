"""The Gaussian copula family (``family="copula"``): marginals plus one labelled correlation matrix."""

from datatwin.models.copula.correlation import nearest_correlation
from datatwin.models.copula.family import Copula, CopulaFit

__all__ = ["Copula", "CopulaFit", "nearest_correlation"]
