"""Loading plug-ins from a Python entry-point group, with one clear error for a broken one,
and the name registry (:class:`Registry`) each pluggable kind keeps.

Distributions (``datatwin.distributions``) and privacy policies (``datatwin.privacy``)
are discovered the same way: a separately installed package lists its class under the
group, and datatwin loads it on first use. A plug-in that fails to import, or is not the
kind of class the group expects, is a DatatwinError naming it, never a traceback from
inside the plug-in.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Generic, TypeVar

from datatwin.errors import DatatwinError

T = TypeVar("T")


def load_plugins(group: str, base: type[T], error: type[DatatwinError], what: str) -> list[tuple[str, type[T]]]:
    """``(entry-point name, class)`` for every plug-in registered under ``group``.

    Raises ``error`` naming the plug-in when it cannot be loaded or is not a subclass of
    ``base``; ``what`` names the kind of plug-in in that message ("privacy", "distribution").
    """
    found: list[tuple[str, type[T]]] = []
    for ep in entry_points(group=group):
        try:
            cls = ep.load()
        except Exception as exc:  # any failure inside a third-party package: say which one
            raise error(f"{what} plug-in {ep.name!r} ({ep.value}) failed to load: {exc}; reinstall or uninstall it") from None
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise error(f"{what} plug-in {ep.name!r} ({ep.value}) is not a {base.__name__} subclass")
        found.append((ep.name, cls))
    return found


class Registry(Generic[T]):
    """Classes by their ``name``: built-ins added by :meth:`register` (a class decorator),
    plug-ins loaded from the entry-point ``group`` the first time a name is not found or
    the whole list is asked for. A built-in keeps its name: a plug-in cannot replace it.

    Distributions, model families and privacy policies each keep one (``what`` names the
    kind in error messages)."""

    def __init__(self, group: str, base: type[T], error: type[DatatwinError], what: str) -> None:
        self.group, self.base, self.error, self.what = group, base, error, what
        self.classes: dict[str, type[T]] = {}
        self.loaded = False

    def register(self, cls: type[T]) -> type[T]:
        """Add ``cls`` under ``cls.name`` (an error naming the class when it has none)."""
        name = getattr(cls, "name", "")
        if not name:
            raise self.error(f"{self.what} class {cls.__qualname__} has no 'name'")
        self.classes[name] = cls
        return cls

    def all(self) -> dict[str, type[T]]:
        """Every class by name, built-in and installed plug-ins."""
        if not self.loaded:
            self.loaded = True
            for name, cls in load_plugins(self.group, self.base, self.error, self.what):
                self.classes.setdefault(getattr(cls, "name", "") or name, cls)
        return dict(self.classes)

    def find(self, name: str) -> type[T] | None:
        """The class registered as ``name``, loading plug-ins only when it is not built in."""
        return self.classes.get(name) or self.all().get(name)

    def fresh(self) -> Registry[T]:
        """A copy that loads the entry points again (for tests that install a plug-in)."""
        copy = Registry(self.group, self.base, self.error, self.what)
        copy.classes = dict(self.classes)
        return copy
