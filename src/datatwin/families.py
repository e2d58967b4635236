"""The model families, for ``dt.fit(..., family=...)``: what each keeps is in ``docs/families.md``.

>>> import datatwin as dt
>>> "independent" in dt.families.available()
True
"""

from datatwin.models import (
    Cart,
    Copula,
    FittedModel,
    Independent,
    Marginals,
    ModelFamily,
    available,
    get_family_class,
    register_family,
)

__all__ = ["Cart", "Copula", "FittedModel", "Independent", "Marginals", "ModelFamily", "available", "get_family_class", "register_family"]
