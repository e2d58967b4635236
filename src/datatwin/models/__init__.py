"""Model families behind one contract (:class:`ModelFamily`): how a table's columns are
fitted together and sampled back. ``independent`` ships here; others register by name."""

from datatwin.models.base import FittedModel, ModelFamily
from datatwin.models.cart import Cart, CartFit
from datatwin.models.columns import ColumnModel
from datatwin.models.copula import Copula, CopulaFit
from datatwin.models.dpmarginals import Count, Marginals, MarginalsFit
from datatwin.models.independent import Independent, IndependentFit
from datatwin.models.registry import available, get_family_class, register_family, registered_families

__all__ = [
    "Cart",
    "CartFit",
    "ColumnModel",
    "Copula",
    "CopulaFit",
    "Count",
    "FittedModel",
    "Independent",
    "IndependentFit",
    "Marginals",
    "MarginalsFit",
    "ModelFamily",
    "available",
    "get_family_class",
    "register_family",
    "registered_families",
]
