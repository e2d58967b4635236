"""The model families, for ``dt.fit(..., family=...)``: what each keeps is in ``docs/families.md``.

>>> import datatwin as dt
>>> "independent" in dt.families.available()
True
"""

from datatwin.models import (
    Copula,
    FittedModel,
    Independent,
    Marginals,
    ModelFamily,
    available,
    get_family_class,
    register_family,
)

__all__ = ["Copula", "FittedModel", "Independent", "Marginals", "ModelFamily", "available", "get_family_class", "register_family"]
