"""Draw Faker values in bulk: numpy choices from Faker's own locale data instead of one
Python call per value.

Faker generates one value per call (10-100 µs each, 6 s for 100k names in ``en_US``).
Most of its providers are small recipes over class attributes — "a random element of
``self.first_names``", "a random element of ``self.formats``, parsed", "numerify a random
element of ``self.building_number_formats``". :func:`_plan` reads such a recipe from the
provider's source (with :mod:`ast`, once per provider class and method) and
:class:`FakerDraw` replays it for ``n`` values at once: weighted numpy choices, template
expansion per distinct template, and placeholder filling (``#``, ``%``, ``?``, ...) on a
character grid. Whatever the recipe reader does not understand (a locale override with a
loop, a method with arguments) falls back to calling Faker once per value, so every
provider of every locale works; only the speed differs.

E-mail addresses, URLs, IBANs and IP addresses, whose Faker methods are not simple
recipes, have vectorised versions in :mod:`.fakernet`. Randomness comes from the numpy
``Generator`` only (Faker's own generator, used by the fallback, is seeded from it), so a
seed reproduces the values exactly.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import string
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from datatwin.distributions.fakernet import SPECIAL, to_objects
from datatwin.errors import DistributionError
from datatwin.personal.base import available_locales

#: Faker's template token ``{{ method }}`` or ``{{ method:argument }}``
_TOKEN = re.compile(r"\{\{\s*(\w+)(:\s*\w+?)?\s*\}\}")
#: placeholders filled by Faker's numerify: character -> the digits it becomes; the second
#: group becomes a digit or nothing (half and half, as in Faker)
_DIGITS = "0123456789"
_NUMERIFY = {"#": _DIGITS, "%": _DIGITS[1:], "$": _DIGITS[2:]}
_NUMERIFY_OR_EMPTY = {"!": _DIGITS, "@": _DIGITS[1:]}
_MAX_DEPTH = 8  # templates that name each other stop here and fall back to Faker calls


@functools.lru_cache(maxsize=16)
def faker_for(locale: str) -> Any:
    """A Faker instance for ``locale`` (cached: building one loads every provider).

    Callers seed it before use (:class:`FakerDraw` does), so sharing it is safe within
    one thread."""
    if locale not in available_locales():
        raise DistributionError(
            f"unknown Faker locale {locale!r}; use one of Faker's locales such as 'en_US', 'nl_NL' or 'de_DE'"
        )
    from faker import Faker

    return Faker(locale)


class FakerDraw:
    """Bulk draws of Faker methods in one locale, reproducible from a numpy ``Generator``.

    Parameters
    ----------
    locale
        A Faker locale (``en_US``, ``nl_NL``, ...).
    rng
        The only source of randomness; Faker's own generator is seeded from it.
    """

    def __init__(self, locale: str, rng: np.random.Generator) -> None:
        self.fake = faker_for(locale)
        self.fake.seed_instance(int(rng.integers(2**63)))
        self.rng = rng

    # -- the public entry ------------------------------------------------------------
    def draw(self, method: str, n: int, _depth: int = 0) -> np.ndarray:
        """``n`` values of Faker's ``method`` as an object array of str."""
        if n == 0:
            return np.empty(0, dtype=object)
        special = SPECIAL.get(method)
        if special is not None:
            return special(self, n)
        provider = self._provider(method)
        plan = _plan(type(provider), method) if _depth < _MAX_DEPTH else None
        if plan is None:
            return self.per_value(method, n)
        try:
            return self._run(plan, provider, n, _depth)
        except _CannotVectorise:
            return self.per_value(method, n)

    def per_value(self, method: str, n: int) -> np.ndarray:
        """The fallback: one Faker call per value."""
        fn = getattr(self.fake, method)
        out = np.empty(n, dtype=object)
        out[:] = [str(fn()) for _ in range(n)]
        return out

    def choice(self, elements: Any, n: int) -> np.ndarray:
        """``n`` draws from a Faker element collection: a sequence (uniform) or a mapping of
        element to weight, as Faker's ``random_element`` reads it."""
        values, p = _elements(elements)
        if p is None:
            return values[self.rng.integers(0, len(values), n)]
        return values[np.searchsorted(p, self.rng.random(n), side="right").clip(0, len(values) - 1)]

    def expand(
        self, templates: np.ndarray, _depth: int = 0, transform: Callable[[np.ndarray], np.ndarray] | None = None
    ) -> np.ndarray:
        """Fill the ``{{method}}`` tokens of each template (one per row), as Faker's ``parse``.

        ``transform`` is applied to every token's values before they are joined in."""
        out = np.empty(len(templates), dtype=object)
        distinct, inverse = np.unique(templates.astype(str), return_inverse=True)
        for i, template in enumerate(distinct.tolist()):  # a loop over distinct templates, not rows
            rows = np.flatnonzero(inverse == i)
            out[rows] = self._expand_one(template, len(rows), _depth, transform)
        return out

    def fill(self, texts: np.ndarray, numerify: bool = True, letters: str | None = None) -> np.ndarray:
        """Faker's ``numerify`` (``#``, ``%``, ``$``, ``!``, ``@``) and, given ``letters``,
        ``lexify`` (``?``) on every text at once."""
        if len(texts) == 0:
            return texts
        arr = np.asarray(texts.tolist(), dtype=str)
        width = max(arr.dtype.itemsize // 4, 1)
        grid = np.ascontiguousarray(arr).view("<U1").reshape(len(arr), width).copy()
        vanish = False
        table = {**_NUMERIFY, **_NUMERIFY_OR_EMPTY} if numerify else {}
        if letters is not None:
            table["?"] = letters
        for placeholder, chars in table.items():
            mask = grid == placeholder
            k = int(mask.sum())
            if not k:
                continue
            pool = np.array(list(chars), dtype="<U1")
            drawn = pool[self.rng.integers(0, len(pool), k)]
            if placeholder in _NUMERIFY_OR_EMPTY:  # Faker: a digit or nothing, half and half
                drawn[self.rng.random(k) < 0.5] = "\x00"
                vanish = True
            grid[mask] = drawn
        # numpy drops trailing NULs when the rows are read back as strings; inner ones
        # (vanished placeholders) are removed explicitly
        out = grid.view(f"<U{width}").ravel().astype(object)
        if vanish:
            out = to_objects(pl.Series(out.tolist(), dtype=pl.String).str.replace_all("\x00", "", literal=True))
        return out

    # -- internals ---------------------------------------------------------------------
    def _provider(self, method: str) -> Any:
        try:
            bound = getattr(self.fake, method)
        except AttributeError:
            raise DistributionError(f"Faker has no provider method {method!r}") from None
        return getattr(bound, "__self__", None)

    def _expand_one(self, template: str, n: int, depth: int, transform: Callable | None) -> np.ndarray:
        parts = _TOKEN.split(template)  # literal, name, argument, literal, name, argument, ..., literal
        if any(arg is not None for arg in parts[2::3]):
            out = np.empty(n, dtype=object)
            out[:] = [self.fake.parse(template) for _ in range(n)]
            return out
        acc = np.full(n, parts[0], dtype=object)
        for name, literal in zip(parts[1::3], parts[3::3]):
            values = self.draw(name, n, depth + 1)
            if transform is not None:
                values = transform(values)
            acc = acc + values + literal
        return acc

    def _run(self, node: tuple, provider: Any, n: int, depth: int) -> np.ndarray:
        op = node[0]
        if op == "choice":
            return self.choice(getattr(provider, node[1]), n)
        if op == "method":
            return self.draw(node[1], n, depth + 1)
        inner = self._run(node[1], provider, n, depth)
        if op == "parse":
            return self.expand(inner, depth)
        if op == "numerify":
            return self.fill(inner)
        if op == "lexify":
            return self.fill(inner, numerify=False, letters=string.ascii_letters)
        if op == "bothify":
            return self.fill(inner, letters=string.ascii_letters)
        if op in ("upper", "lower"):
            return to_objects(getattr(pl.Series(inner.tolist(), dtype=pl.String).str, f"to_{op}case")())
        raise _CannotVectorise(op)


class _CannotVectorise(Exception):
    """A recipe step that only Faker itself can run."""


#: provider data -> (the data, values, cumulative probabilities); keyed by id, and the data
#: kept alive, because Faker's element collections are module constants that lru_cache
#: would hash (a dict is not hashable, a long tuple slow to hash) on every call
_ELEMENTS: dict[int, tuple[Any, np.ndarray, np.ndarray | None]] = {}


def _elements(elements: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """(values, cumulative probabilities or None for uniform) of a Faker element collection:
    a sequence, or a mapping of element to weight as Faker's ``random_element`` reads it."""
    hit = _ELEMENTS.get(id(elements))
    if hit is not None and hit[0] is elements:
        return hit[1], hit[2]
    if isinstance(elements, dict):
        if not elements or not all(isinstance(w, (int, float)) and w >= 0 for w in elements.values()):
            raise _CannotVectorise("weights")
        cum = np.cumsum(np.asarray(list(elements.values()), dtype=float))
        if not cum[-1] > 0:
            raise _CannotVectorise("weights")
        p: np.ndarray | None = cum / cum[-1]
    elif isinstance(elements, (list, tuple, str)) and len(elements) > 0:
        p = None
    else:
        raise _CannotVectorise("elements")
    values = np.empty(len(elements), dtype=object)
    values[:] = [str(v) for v in elements]
    if len(_ELEMENTS) > 4096:
        _ELEMENTS.clear()
    _ELEMENTS[id(elements)] = (elements, values, p)
    return values, p


# -- reading Faker's recipes --------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _plan(cls: type, method: str) -> tuple | None:
    """The recipe of ``cls.method`` as a small expression tree, or None if it is not one of
    Faker's simple idioms (then the caller calls Faker per value)::

        ("choice", attr)         random_element(self.attr)
        ("method", name)         self.name()
        ("parse", node)          self.generator.parse(node)
        ("numerify", node)       also "lexify", "bothify" (default letters), "upper", "lower"
    """
    func = getattr(cls, method, None)
    if func is None or not inspect.isfunction(func):
        return None
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return None
    fdef = tree.body[0]
    if not isinstance(fdef, ast.FunctionDef) or fdef.decorator_list:
        return None
    if len(fdef.args.args) != 1 or fdef.args.vararg or fdef.args.kwonlyargs or fdef.args.kwarg:
        return None  # arguments change the recipe; Faker knows best
    try:
        return _statements(fdef.body, cls, {})
    except _CannotVectorise:
        return None


def _statements(body: list[ast.stmt], cls: type, env: dict[str, tuple]) -> tuple:
    for stmt in body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            return _expression(stmt.value, cls, env)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if len(targets) != 1 or not isinstance(targets[0], ast.Name) or stmt.value is None:
                raise _CannotVectorise("assignment")
            env = {**env, targets[0].id: _expression(stmt.value, cls, env)}
            continue
        if isinstance(stmt, ast.If) and _is_hasattr_self(stmt.test):
            # `if hasattr(self, "first_names_male"): ...` is decided by the class, once
            branch = stmt.body if hasattr(cls, stmt.test.args[1].value) else stmt.orelse
            try:
                return _statements(branch, cls, env)
            except _NoReturn as done:
                env = done.env
                continue
        raise _CannotVectorise(type(stmt).__name__)
    raise _NoReturn(env)


class _NoReturn(_CannotVectorise):
    """A branch ended without returning; its assignments carry on."""

    def __init__(self, env: dict[str, tuple]) -> None:
        super().__init__("no return")
        self.env = env


def _is_hasattr_self(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "hasattr"
        and len(test.args) == 2 and _is_self(test.args[0])
        and isinstance(test.args[1], ast.Constant) and isinstance(test.args[1].value, str)
    )


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _self_attr(node: ast.expr) -> str | None:
    """``self.x`` -> "x"."""
    if isinstance(node, ast.Attribute) and _is_self(node.value):
        return node.attr
    return None


def _expression(node: ast.expr, cls: type, env: dict[str, tuple]) -> tuple:
    if isinstance(node, ast.Name) and node.id in env:
        return env[node.id]
    attr = _self_attr(node)
    if attr is not None:
        return ("attr", attr)
    if not isinstance(node, ast.Call) or node.keywords:
        raise _CannotVectorise("expression")
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("upper", "lower") and not node.args:
        return (func.attr, _expression(func.value, cls, env))
    name = _self_attr(func)
    if isinstance(func, ast.Attribute) and _self_attr(func.value) == "generator" and func.attr == "parse":
        name = "parse"
    if name is None:
        raise _CannotVectorise("call")
    if not node.args:
        return ("method", name)
    if len(node.args) != 1:
        raise _CannotVectorise("arguments")
    arg = _expression(node.args[0], cls, env)
    if name == "random_element":
        if arg[0] != "attr":
            raise _CannotVectorise("random_element of an expression")
        return ("choice", arg[1])
    if name in ("parse", "numerify", "lexify", "bothify"):
        if arg[0] == "attr":
            raise _CannotVectorise("a fixed template")
        return (name, arg)
    raise _CannotVectorise(name)
