"""The constraint kinds: plain frozen dataclasses with ``from_dict``/``to_dict``, a check
against the columns' kinds, and a polars expression that is True on rows that satisfy them.

A missing value never breaks a constraint (``inequality``, ``range``, ``implication``): the
rule speaks about values that are there. ``fixed_combinations`` treats missing as a value.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import polars as pl

from datatwin.constraints.expressions import Comparison, comparison_expr, parse_comparisons, parse_formula
from datatwin.errors import ConstraintError, did_you_mean

NUMERIC = ("continuous", "discrete")
TEMPORAL = ("date", "datetime", "time")
ORDERED = NUMERIC + TEMPORAL
#: the kinds a formula may read (booleans count as 0/1)
FORMULA_INPUTS = NUMERIC + ("boolean",)
#: the kinds a fixed combination may hold
COMBINATION_KINDS = ("categorical", "boolean", "discrete", "string")
#: relative tolerance when checking a real row against a formula
FORMULA_RTOL = 1e-9


def _name(value: Any, key: str, kind: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConstraintError(f"a {kind} constraint needs '{key}': a column name. Got {value!r}.")
    return value


def _check_known(constraint: Constraint, kinds: Mapping[str, str], excluded: Sequence[str] = ()) -> None:
    for name in constraint.columns():
        if name in excluded:
            raise ConstraintError(
                f"{constraint.describe()}: column {name!r} was excluded from the model, so the constraint cannot apply; "
                "model the column or remove the constraint"
            )
        if name not in kinds:
            raise ConstraintError(
                f"{constraint.describe()}: unknown column {name!r}{did_you_mean(name, kinds)}; columns are {sorted(kinds)}"
            )


def _family(kind: str) -> str:
    return "number" if kind in NUMERIC else kind


class Constraint:
    """Base of the constraint kinds."""

    kind: ClassVar[str] = ""

    def columns(self) -> tuple[str, ...]:
        """The columns the constraint reads (and, for a formula, writes)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        """Short text naming the constraint, for messages."""
        raise NotImplementedError

    def check(self, kinds: Mapping[str, str], excluded: Sequence[str] = ()) -> None:
        """ConstraintError when a column is unknown, excluded, or of an incompatible kind."""
        _check_known(self, kinds, excluded)

    def ok(self, schema: Mapping[str, pl.DataType]) -> pl.Expr:
        """True on rows that satisfy the constraint (a frame with ``schema``)."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Inequality(Constraint):
    """``low`` < ``high`` (``strict``) or ``low`` <= ``high``, two numeric or two temporal columns."""

    low: str
    high: str
    strict: bool = False
    kind: ClassVar[str] = "inequality"

    def columns(self) -> tuple[str, ...]:
        return (self.low, self.high)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "low": self.low, "high": self.high, "strict": self.strict}

    def describe(self) -> str:
        return f"inequality {self.low} {'<' if self.strict else '<='} {self.high}"

    def check(self, kinds: Mapping[str, str], excluded: Sequence[str] = ()) -> None:
        super().check(kinds, excluded)
        a, b = kinds[self.low], kinds[self.high]
        if a not in ORDERED or b not in ORDERED or _family(a) != _family(b):
            raise ConstraintError(
                f"{self.describe()}: columns {self.low!r} ({a}) and {self.high!r} ({b}) cannot be compared; an "
                "inequality needs two numeric columns or two temporal columns of the same kind"
            )

    def ok(self, schema: Mapping[str, pl.DataType]) -> pl.Expr:
        lo, hi = pl.col(self.low), pl.col(self.high)
        return (lo < hi if self.strict else lo <= hi).fill_null(True)


def _bound(value: Any, dtype: pl.DataType | None) -> Any:
    if isinstance(value, str) and dtype is not None:
        if dtype == pl.Date:
            return _dt.date.fromisoformat(value)
        if isinstance(dtype, pl.Datetime):
            return _dt.datetime.fromisoformat(value)
        if dtype == pl.Time:
            return _dt.time.fromisoformat(value)
    return value


@dataclasses.dataclass(frozen=True)
class Range(Constraint):
    """``low`` <= ``column`` <= ``high`` (either bound may be None: open)."""

    column: str
    low: Any = None
    high: Any = None
    kind: ClassVar[str] = "range"

    def __post_init__(self) -> None:
        for key in ("low", "high"):
            v = getattr(self, key)
            ok = v is None or isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))
            if not ok:
                raise ConstraintError(f"range on {self.column!r}: '{key}' must be a finite number, an ISO date/time text or null. Got {v!r}.")
        if self.low is None and self.high is None:
            raise ConstraintError(f"range on {self.column!r}: give 'low', 'high' or both")
        if self.low is not None and self.high is not None:
            if isinstance(self.low, str) != isinstance(self.high, str):
                raise ConstraintError(f"range on {self.column!r}: 'low' and 'high' must both be numbers or both texts")
            if self.low > self.high:
                raise ConstraintError(
                    f"range on {self.column!r}: low {self.low!r} is greater than high {self.high!r}; no row could satisfy it (swap them)"
                )

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "low": self.low, "high": self.high}

    def describe(self) -> str:
        return f"range {self.low!r} <= {self.column} <= {self.high!r}"

    def check(self, kinds: Mapping[str, str], excluded: Sequence[str] = ()) -> None:
        super().check(kinds, excluded)
        kind = kinds[self.column]
        text = isinstance(self.low, str) or isinstance(self.high, str)
        if kind not in ORDERED or (text and kind not in TEMPORAL) or (not text and kind not in NUMERIC):
            raise ConstraintError(
                f"{self.describe()}: column {self.column!r} is {kind}; a range needs a numeric column with "
                "number bounds or a temporal column with ISO text bounds"
            )

    def ok(self, schema: Mapping[str, pl.DataType]) -> pl.Expr:
        col = pl.col(self.column)
        dtype = schema.get(self.column)
        out = pl.lit(True)
        if self.low is not None:
            out = out & (col >= pl.lit(_bound(self.low, dtype)))
        if self.high is not None:
            out = out & (col <= pl.lit(_bound(self.high, dtype)))
        return out.fill_null(True)


def _key(columns: Sequence[str]) -> pl.Expr:
    """One text key per row for a combination of columns (missing is a value of its own)."""
    return pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("\x00") for c in columns], separator="\x1f"
    )


@dataclasses.dataclass(frozen=True)
class FixedCombinations(Constraint):
    """Only the listed combinations of ``columns`` occur. ``combinations`` is None in a spec
    until fit fills it with the combinations held by at least k real rows (or a declared,
    public list: the only way under differential privacy)."""

    columns_: tuple[str, ...]
    combinations: tuple[tuple[Any, ...], ...] | None = None
    kind: ClassVar[str] = "fixed_combinations"

    def __post_init__(self) -> None:
        if len(self.columns_) < 2 or len(set(self.columns_)) != len(self.columns_):
            raise ConstraintError(f"fixed_combinations needs at least two distinct columns. Got {list(self.columns_)}.")
        for combo in self.combinations or ():
            if len(combo) != len(self.columns_):
                raise ConstraintError(
                    f"{self.describe()}: combination {list(combo)} must have one value per column ({len(self.columns_)})"
                )
        if self.combinations is not None and not self.combinations:
            raise ConstraintError(f"{self.describe()}: the list of combinations is empty; no row could satisfy it")

    def columns(self) -> tuple[str, ...]:
        return self.columns_

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "columns": list(self.columns_)}
        if self.combinations is not None:
            d["combinations"] = [list(c) for c in self.combinations]
        return d

    def describe(self) -> str:
        return f"fixed_combinations of {', '.join(self.columns_)}"

    def check(self, kinds: Mapping[str, str], excluded: Sequence[str] = ()) -> None:
        super().check(kinds, excluded)
        bad = [c for c in self.columns_ if kinds[c] not in COMBINATION_KINDS]
        if bad:
            raise ConstraintError(
                f"{self.describe()}: column {bad[0]!r} is {kinds[bad[0]]}; fixed combinations are for categorical, "
                "boolean or discrete columns"
            )

    def ok(self, schema: Mapping[str, pl.DataType]) -> pl.Expr:
        if self.combinations is None:  # not fitted yet: nothing to check against
            return pl.lit(True)
        allowed = pl.DataFrame(
            [pl.Series(c, [combo[i] for combo in self.combinations], dtype=_list_dtype(schema.get(c)), strict=False)
             for i, c in enumerate(self.columns_)]
        )
        if isinstance(allowed, pl.DataFrame) and any(schema.get(c) is not None for c in self.columns_):
            allowed = allowed.with_columns([pl.col(c).cast(schema[c], strict=False) for c in self.columns_ if c in schema])
        keys = allowed.select(_key(self.columns_).alias("k"))["k"].unique()
        return _key(self.columns_).is_in(keys.implode())


def _list_dtype(dtype: pl.DataType | None) -> Any:
    if dtype is None:
        return None
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        return pl.String
    return dtype


@dataclasses.dataclass(frozen=True)
class FormulaConstraint(Constraint):
    """``column`` = ``expression`` over other numeric columns: computed at sampling, not drawn."""

    column: str
    expression: str
    kind: ClassVar[str] = "formula"

    def __post_init__(self) -> None:
        parsed = parse_formula(self.expression, f"formula for column {self.column!r}")
        if self.column in parsed.columns:
            raise ConstraintError(f"formula for column {self.column!r} reads the column itself; use other columns")

    def inputs(self) -> tuple[str, ...]:
        return parse_formula(self.expression).columns

    def columns(self) -> tuple[str, ...]:
        return (self.column, *self.inputs())

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "expression": self.expression}

    def describe(self) -> str:
        return f"formula {self.column} = {self.expression}"

    def check(self, kinds: Mapping[str, str], excluded: Sequence[str] = ()) -> None:
        super().check(kinds, excluded)
        if kinds[self.column] not in NUMERIC:
            raise ConstraintError(f"{self.describe()}: column {self.column!r} is {kinds[self.column]}; a formula computes a number")
        for name in self.inputs():
            if kinds[name] not in FORMULA_INPUTS:
                raise ConstraintError(f"{self.describe()}: column {name!r} is {kinds[name]}; a formula reads numeric columns only")

    def computed(self) -> pl.Expr:
        """The formula's value (Float64)."""
        return parse_formula(self.expression).expr()

    def ok(self, schema: Mapping[str, pl.DataType]) -> pl.Expr:
        value, col = self.computed(), pl.col(self.column).cast(pl.Float64)
        tol = FORMULA_RTOL * (1.0 + value.abs())
        # an integer column holds the rounded value
        near = (col - value).abs() <= (tol + 0.5 if schema.get(self.column, pl.Float64).is_integer() else tol)
        return near.fill_null(True) | (col.is_null() & value.is_null())


@dataclasses.dataclass(frozen=True)
class Implication(Constraint):
    """If every comparison of ``if_`` holds, every comparison of ``then`` holds."""

    if_: str
    then: str
    kind: ClassVar[str] = "implication"

    def __post_init__(self) -> None:
        self.premises()
        self.conclusions()

    def premises(self) -> tuple[Comparison, ...]:
        return parse_comparisons(self.if_, "implication 'if'")

    def conclusions(self) -> tuple[Comparison, ...]:
        return parse_comparisons(self.then, "implication 'then'")

    def columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.column for c in self.premises() + self.conclusions()))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "if": self.if_, "then": self.then}

    def describe(self) -> str:
        return f"implication if {self.if_} then {self.then}"

    def check(self, kinds: Mapping[str, str], excluded: Sequence[str] = ()) -> None:
        super().check(kinds, excluded)
        for c in self.premises() + self.conclusions():
            check_comparison(c, kinds[c.column], self.describe())

    def ok(self, schema: Mapping[str, pl.DataType]) -> pl.Expr:
        cond = pl.all_horizontal([comparison_expr(c) for c in self.premises()])
        then = pl.all_horizontal([comparison_expr(c) for c in self.conclusions()])
        return ~cond | then


def check_comparison(c: Comparison, kind: str, where: str) -> None:
    """ConstraintError when ``c`` compares a column with a literal of the wrong type."""
    values = c.value if isinstance(c.value, tuple) else (c.value,)
    for v in values:
        if v is None:
            continue
        number = isinstance(v, (int, float)) and not isinstance(v, bool)
        ok = (
            (kind in NUMERIC and number) or (kind == "boolean" and isinstance(v, bool))
            or (kind in ("categorical", "string") and (isinstance(v, str) or number))
            or (kind in TEMPORAL and isinstance(v, str))
        )
        if not ok:
            raise ConstraintError(f"{where}: column {c.column!r} is {kind} and cannot be compared with {v!r}")
    if kind in ("categorical", "string", "boolean") and c.op in ("<", "<=", ">", ">="):
        raise ConstraintError(f"{where}: column {c.column!r} is {kind}, which has no order; use ==, != or in")


KINDS: dict[str, type[Constraint]] = {
    k.kind: k for k in (Inequality, Range, FixedCombinations, FormulaConstraint, Implication)
}


def constraint_from_dict(d: Any, where: str = "constraint") -> Constraint:
    """A constraint from its spec / model-file mapping; ConstraintError naming what is wrong."""
    if not isinstance(d, Mapping):
        raise ConstraintError(f"{where} must be a mapping with a 'kind'. Got {d!r}.")
    kind = d.get("kind")
    if kind not in KINDS:
        raise ConstraintError(
            f"{where}: unknown kind {kind!r}{did_you_mean(str(kind), KINDS)}; kinds are {', '.join(KINDS)}"
        )
    allowed = {
        "inequality": {"low", "high", "strict"}, "range": {"column", "low", "high"},
        "fixed_combinations": {"columns", "combinations"}, "formula": {"column", "expression"},
        "implication": {"if", "then"},
    }[kind] | {"kind"}
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise ConstraintError(f"{where} ({kind}): unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    if kind == "inequality":
        strict = d.get("strict", False)
        if not isinstance(strict, bool):
            raise ConstraintError(f"{where} (inequality): 'strict' must be true or false. Got {strict!r}.")
        return Inequality(_name(d.get("low"), "low", kind), _name(d.get("high"), "high", kind), strict)
    if kind == "range":
        return Range(_name(d.get("column"), "column", kind), d.get("low"), d.get("high"))
    if kind == "fixed_combinations":
        cols = d.get("columns")
        if not isinstance(cols, (list, tuple)) or not all(isinstance(c, str) and c for c in cols):
            raise ConstraintError(f"{where} (fixed_combinations): 'columns' must be a list of column names. Got {cols!r}.")
        combos = d.get("combinations")
        if combos is not None and (not isinstance(combos, (list, tuple)) or not all(isinstance(c, (list, tuple)) for c in combos)):
            raise ConstraintError(f"{where} (fixed_combinations): 'combinations' must be a list of lists of values")
        return FixedCombinations(tuple(cols), None if combos is None else tuple(tuple(c) for c in combos))
    if kind == "formula":
        return FormulaConstraint(_name(d.get("column"), "column", kind), d.get("expression"))  # type: ignore[arg-type]
    for key in ("if", "then"):
        if not isinstance(d.get(key), str):
            raise ConstraintError(f"{where} (implication): '{key}' must be text such as \"age < 18\". Got {d.get(key)!r}.")
    return Implication(d["if"], d["then"])


def parse_constraints(raw: Any, where: str = "spec: constraints") -> tuple[Constraint, ...]:
    """The spec's or file's ``constraints`` list, parsed; ConstraintError naming the entry."""
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raise ConstraintError(f"{where} must be a list of constraints. Got {type(raw).__name__}.")
    out = []
    for i, d in enumerate(raw):
        if isinstance(d, Constraint):
            out.append(d)
            continue
        try:
            out.append(constraint_from_dict(d, f"{where}[{i}]"))
        except ConstraintError as exc:
            text = str(exc)
            raise ConstraintError(text if text.startswith(where) else f"{where}[{i}]: {text}") from None
    formulas = [c.column for c in out if isinstance(c, FormulaConstraint)]
    twice = sorted({c for c in formulas if formulas.count(c) > 1})
    if twice:
        raise ConstraintError(f"{where}: column {twice[0]!r} has two formulas; keep one")
    _check_formula_order(out, where)
    _check_ranges(out, where)
    return tuple(out)


def _check_formula_order(constraints: Sequence[Constraint], where: str) -> None:
    """A formula may read another formula's column only if that one does not read it back (no cycle)."""
    reads = {c.column: set(c.inputs()) for c in constraints if isinstance(c, FormulaConstraint)}
    for col in reads:
        seen, stack = set(), [col]
        while stack:
            for nxt in reads.get(stack.pop(), ()):
                if nxt == col:
                    raise ConstraintError(f"{where}: the formulas for column {col!r} read each other in a cycle")
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)


def _check_ranges(constraints: Sequence[Constraint], where: str) -> None:
    """Two ranges on one column that do not overlap contradict each other."""
    ranges: dict[str, list[Range]] = {}
    for c in constraints:
        if isinstance(c, Range):
            ranges.setdefault(c.column, []).append(c)
    for col, rs in ranges.items():
        lows = [r.low for r in rs if r.low is not None]
        highs = [r.high for r in rs if r.high is not None]
        try:
            if lows and highs and max(lows) > min(highs):
                raise ConstraintError(
                    f"{where}: the ranges on column {col!r} contradict each other (low {max(lows)!r} > high {min(highs)!r})"
                )
        except TypeError:
            raise ConstraintError(f"{where}: the ranges on column {col!r} mix numbers and texts") from None


def formula_order(constraints: Sequence[Constraint]) -> list[FormulaConstraint]:
    """The formulas in an order where each reads only columns computed before it or drawn."""
    formulas = [c for c in constraints if isinstance(c, FormulaConstraint)]
    targets = {f.column for f in formulas}
    done: set[str] = set()
    out: list[FormulaConstraint] = []
    while len(out) < len(formulas):
        for f in formulas:
            if f.column not in done and all(i not in targets or i in done for i in f.inputs()):
                out.append(f)
                done.add(f.column)
    return out
