"""Loading plug-ins from a Python entry-point group, with one clear error for a broken one.

Distributions (``datatwin.distributions``) and privacy policies (``datatwin.privacy``)
are discovered the same way: a separately installed package lists its class under the
group, and datatwin loads it on first use. A plug-in that fails to import, or is not the
kind of class the group expects, is a DatatwinError naming it, never a traceback from
inside the plug-in.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TypeVar

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
