"""Model families by name: built-in ones and plug-ins from the ``datatwin.models`` entry points.

A separate package adds a family with nothing but ``pip install``::

    [project.entry-points."datatwin.models"]
    my_family = "my_package:MyFamily"      # a datatwin.models.ModelFamily subclass

and ``dt.fit(..., family="my_family")`` / ``datatwin fit --family my_family`` use it.
"""

from __future__ import annotations

from typing import Any

from datatwin.errors import SpecError, did_you_mean
from datatwin.models.base import ModelFamily
from datatwin.plugins import Registry

ENTRY_POINT_GROUP = "datatwin.models"

_PLUGINS: Registry[ModelFamily] = Registry(ENTRY_POINT_GROUP, ModelFamily, SpecError, "model family")


def register_family(cls: type[ModelFamily]) -> type[ModelFamily]:
    """Class decorator: make a family available by its ``name``."""
    return _PLUGINS.register(cls)


def registered_families() -> dict[str, type[ModelFamily]]:
    """Every family by name: built-in and installed plug-ins."""
    return _PLUGINS.all()


def available() -> list[str]:
    """The names of every family that ``dt.fit(..., family=...)`` accepts, sorted."""
    return sorted(registered_families())


def get_family_class(name: str) -> type[ModelFamily]:
    """The family registered as ``name``; SpecError listing the known ones otherwise."""
    cls = _PLUGINS.find(name)
    if cls is None:
        raise SpecError(
            f"unknown model family {name!r}{did_you_mean(name, available())}; known families: {', '.join(available())} "
            "(a plug-in registers more through the 'datatwin.models' entry-point group)"
        )
    return cls


def make_family(family: Any, options: dict[str, Any] | None = None) -> ModelFamily:
    """A family object from a name (with options), or the object itself."""
    if isinstance(family, ModelFamily):
        if options:
            raise SpecError("give family options either in the family object or in the spec, not both")
        return family
    if isinstance(family, type) and issubclass(family, ModelFamily):
        family = family.name
    if not isinstance(family, str):
        raise SpecError(
            f"family must be a name such as 'copula' or a family object such as dt.families.Copula(). "
            f"Got {type(family).__name__}."
        )
    cls = get_family_class(family)
    try:
        return cls(**(options or {}))
    except TypeError as exc:
        raise SpecError(f"model family {family!r}: {exc}") from None
