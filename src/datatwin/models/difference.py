"""Inequalities met by construction: ``low <= high`` (``<`` when strict) is modelled as ``low``
and the non-negative difference ``high - low``, and sampling computes ``high = low +
difference``, so every drawn row meets the inequality without resampling.

Before the family fits (:func:`split_differences`, called by :func:`datatwin.api.fit_prepared`
after the formula columns are taken out), the ``high`` column is replaced, under its own name
and at its place, by its difference from ``low``: a number (``unit`` ``"number"``: the plain
difference), whole days between dates (``"days"``), or seconds between datetimes or times of
day (``"seconds"``). The family fits it as an ordinary numeric column (the copula and CART see
it as a column, so its relations with the others are modelled; under differential privacy it
spends the budget of the column it replaces). Real differences below the inequality's minimum
(rows that break it, kept by ``on_violation = "keep"``) are clamped to it first, and sampling
clamps again, so no distribution can draw a breaking row: the minimum is 0, or one unit for a
strict inequality between whole numbers, dates (one day) and datetimes or times (one tick of
the column's unit); a strict inequality between continuous numbers is met by the next
representable number above ``low`` where the sum would round onto it.

In the model file the entry of ``high`` is the difference's column model (its ``kind`` and
``dtype`` are the difference's: ``discrete``/``Int64`` or ``continuous``/``Float64``) with
``"difference": {"from": low, "unit": ..., "kind": high's kind, "dtype": high's dtype}``.

Missing values: the difference is missing where ``high`` or ``low`` is missing (it cannot be
computed), so the family models that share. At sampling a missing difference gives a missing
``high``; where ``low`` is drawn missing but the difference is not, ``high`` is the difference
added to an anchor drawn from the sample's own non-missing ``low`` values (``high`` keeps a
value, as the fitted missing share says). So ``low``'s missing share is kept exactly as the
family keeps it, and ``high``'s is the share of rows missing either (the two agree when a
missing ``low`` comes with a missing ``high``; see ``docs/constraints.md``).

Which inequalities are built this way (:func:`plan`): a column is the ``high`` of at most one
(the first; a second one on it is met by resampling), no cycle, neither column a formula's
column or a member of a fixed combination, both columns numbers or both of one temporal dtype
(not dates written as text, not unique columns). The rest are met by bounded resampling as
before; every inequality stays in the file's constraints and is still checked when sampling.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from datatwin.constraints.conditions import ColumnCondition, Conditions, parse_conditions
from datatwin.constraints.kinds import Constraint, FixedCombinations, FormulaConstraint, Inequality
from datatwin.errors import ConditionError, ModelFileError
from datatwin.models.columns import column_rng
from datatwin.prepare.convert import KIND_DTYPES
from datatwin.schema import ColumnSpec, dtype_from_str, dtype_to_str, public_kind

#: the difference's unit for each kind of the ``high`` column
UNITS = {"continuous": "number", "discrete": "number", "date": "days", "datetime": "seconds", "time": "seconds"}
_TICKS_PER_SECOND = {"ns": 10**9, "us": 10**6, "ms": 10**3}
_DAY_NS = 86_400 * 10**9


@dataclasses.dataclass(frozen=True)
class DifferenceColumn:
    """``name`` (an inequality's ``high``) drawn as ``low`` + a non-negative difference."""

    name: str
    low: str
    unit: str
    #: the kind and dtype of ``name`` in the output (the file's entry holds the difference's)
    kind: str
    dtype: str
    strict: bool = False

    @property
    def polars_dtype(self) -> pl.DataType:
        return dtype_from_str(self.dtype)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.low, "unit": self.unit, "kind": self.kind, "dtype": self.dtype}

    @classmethod
    def from_dict(cls, name: str, d: Mapping[str, Any]) -> DifferenceColumn:
        return cls(name, d["from"], d["unit"], d["kind"], d["dtype"])

    def minimum(self, diff_kind: str) -> float:
        """The smallest difference a row may hold (in the difference's unit)."""
        if not self.strict:
            return 0.0
        if self.unit == "days" or (self.unit == "number" and diff_kind == "discrete"):
            return 1.0
        if self.unit == "seconds":
            return 1.0 / self._ticks_per_second()
        return 0.0  # continuous numbers: > 0, met at reconstruction (next representable number)

    def _ticks_per_second(self) -> int:
        dtype = self.polars_dtype
        if isinstance(dtype, pl.Datetime):
            return _TICKS_PER_SECOND[dtype.time_unit or "us"]
        return 10**9  # Time: nanoseconds since midnight

    def role(self) -> str:
        sign = ">" if self.strict else ">="
        unit = "" if self.unit == "number" else f" in {self.unit}"
        return f"{self.low} + difference{unit} ({sign} 0)"


def _eligible_dtypes(a: pl.DataType, b: pl.DataType) -> bool:
    if a.is_numeric() and b.is_numeric():
        return not (isinstance(a, pl.Decimal) or isinstance(b, pl.Decimal))
    return a == b and (a == pl.Date or a == pl.Time or isinstance(a, pl.Datetime))


def plan(
    constraints: Sequence[Constraint], schema: Mapping[str, pl.DataType], kinds: Mapping[str, str],
    specs: Mapping[str, ColumnSpec] | None = None,
) -> list[Inequality]:
    """The inequalities to build by construction, in an order where each ``low`` is drawn or
    built before its ``high`` (a chain ``a <= b``, ``b <= c`` builds b, then c). Several
    inequalities on one pair become one (strict if any is)."""
    specs = specs or {}
    formulas = {c.column for c in constraints if isinstance(c, FormulaConstraint)}
    members = {n for c in constraints if isinstance(c, FixedCombinations) for n in c.columns_}
    parent: dict[str, str] = {}
    strict: dict[str, bool] = {}
    for c in constraints:
        if not isinstance(c, Inequality) or c.low == c.high:
            continue
        if c.high in parent:
            if parent[c.high] == c.low:
                strict[c.high] = strict[c.high] or c.strict
            continue  # a second inequality on a built column: resampling
        if c.low not in schema or c.high not in schema or {c.low, c.high} & (formulas | members):
            continue
        if not _eligible_dtypes(schema[c.low], schema[c.high]):
            continue
        kind_low, kind_high = kinds.get(c.low), kinds.get(c.high)
        if kind_high not in UNITS or kind_low not in UNITS:
            continue
        if (kind_high in ("date", "datetime", "time") or kind_low in ("date", "datetime", "time")) and kind_low != kind_high:
            continue
        spec = specs.get(c.high)
        if spec is not None and (spec.unique or isinstance(spec.text_format, str)):
            continue
        node: str | None = c.low  # a cycle: high is already an ancestor of low
        while node is not None and node != c.high:
            node = parent.get(node)
        if node == c.high:
            continue
        parent[c.high] = c.low
        strict[c.high] = c.strict
    out: list[Inequality] = []
    done: set[str] = set()
    while len(out) < len(parent):
        for high, low in parent.items():
            if high not in done and (low not in parent or low in done):
                out.append(Inequality(low, high, strict[high]))
                done.add(high)
    return out


def _physical(series: pl.Series) -> np.ndarray:
    """Float64 values of a numeric or temporal series (its ticks for temporal), NaN for missing."""
    values = series.to_physical() if series.dtype.is_temporal() else series
    return values.cast(pl.Float64).fill_null(float("nan")).to_numpy().astype(np.float64, copy=False)


def _whole(dtype: pl.DataType) -> bool:
    """Whether the dtype counts whole ticks (integers, dates, datetimes, times)."""
    return dtype.is_integer() or dtype.is_temporal()


def _ticks(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(Int64 ticks, present) of an integer or temporal series: exact, where float64 would
    round a nanosecond datetime's ticks."""
    values = (series.to_physical() if series.dtype.is_temporal() else series).cast(pl.Int64, strict=False)
    return values.fill_null(0).to_numpy().astype(np.int64, copy=False), values.is_not_null().to_numpy()


def _difference_values(low: pl.Series, high: pl.Series, d: DifferenceColumn) -> np.ndarray:
    """high - low in the difference's unit (float64, NaN where either is missing)."""
    if _whole(low.dtype) and _whole(high.dtype):
        lo, lo_ok = _ticks(low)
        hi, hi_ok = _ticks(high)
        diff = np.where(lo_ok & hi_ok, (hi - lo).astype(np.float64), np.nan)
    else:
        diff = _physical(high) - _physical(low)
    if d.unit == "seconds":
        diff = diff / d._ticks_per_second()
    return diff


def split_differences(
    frame: pl.DataFrame, constraints: Sequence[Constraint], kinds: Mapping[str, str], specs: Mapping[str, ColumnSpec],
    reads_values: bool = False,
) -> tuple[pl.DataFrame, list[DifferenceColumn], dict[str, ColumnSpec]]:
    """``frame`` with each built ``high`` replaced (same name, same place) by its difference
    from ``low``, the :class:`DifferenceColumn` entries, and the column specs with each such
    ``high``'s replaced by the difference's (its kind, bounds derived from public bounds of
    both columns, its budget weight and description kept).

    The difference of two numbers is ``discrete`` when both columns are whole numbers: by
    the spec's kind where it gives one, else by an integer dtype, else (``reads_values``: a
    policy that lets preparation read the values) by floats that all hold whole numbers."""
    all_kinds: dict[str, str] = {}
    for n in frame.columns:
        k = kinds.get(n) or _kind(frame.schema[n])
        if k is not None:
            all_kinds[n] = k
    chosen = plan(constraints, frame.schema, all_kinds, specs)
    if not chosen:
        return frame, [], dict(specs)
    out: list[DifferenceColumn] = []
    replaced: list[pl.Series] = []
    new_specs = dict(specs)
    for c in chosen:
        kind = all_kinds[c.high]
        d = DifferenceColumn(c.high, c.low, UNITS[kind], kind, dtype_to_str(frame.schema[c.high]), c.strict)
        whole = d.unit == "days" or (d.unit == "number" and all(
            _whole_column(frame[name], specs.get(name), reads_values) for name in (c.low, c.high)))
        diff_kind = "discrete" if whole else "continuous"
        values = _difference_values(frame[c.low], frame[c.high], d)
        # rows that break the inequality (kept by on_violation = "keep") sit at the minimum: nothing to learn below it
        values = np.where(np.isnan(values), values, np.maximum(values, d.minimum(diff_kind)))
        series = pl.Series(c.high, values, dtype=pl.Float64).fill_nan(None)
        replaced.append(series.round(0).cast(pl.Int64) if whole else series)
        out.append(d)
        old = specs.get(c.high, ColumnSpec())
        new_specs[c.high] = ColumnSpec(
            kind=diff_kind, unique=False, description=old.description, budget_weight=old.budget_weight,
            bounds=_bounds(specs.get(c.low), old, d, diff_kind), personal=False,
        )
    return frame.with_columns(replaced), out, new_specs


def _whole_column(series: pl.Series, spec: ColumnSpec | None, reads_values: bool) -> bool:
    if spec is not None and spec.kind is not None:
        return spec.kind == "discrete"
    if series.dtype.is_integer():
        return True
    if not (reads_values and series.dtype.is_float()):
        return False
    values = series.drop_nulls().drop_nans()
    return values.len() > 0 and bool((values == values.round(0)).all())


def _kind(dtype: pl.DataType) -> str | None:
    try:
        return public_kind(dtype)
    except ValueError:
        return None


def _bounds(low: ColumnSpec | None, high: ColumnSpec, d: DifferenceColumn, diff_kind: str) -> tuple[Any, Any] | None:
    """Public bounds of the difference, from public bounds of both columns (0 or the strict
    minimum below; ``high``'s upper minus ``low``'s lower above); None when either is missing."""
    if low is None or low.bounds is None or high.bounds is None:
        return None
    lo, hi = low.bounds[0], high.bounds[1]
    minimum = d.minimum(diff_kind)
    try:
        if d.unit == "number":
            span = float(hi) - float(lo)
        elif d.kind == "date":
            span = float((_dt.date.fromisoformat(str(hi)) - _dt.date.fromisoformat(str(lo))).days)
        elif d.kind == "datetime":
            span = (_dt.datetime.fromisoformat(str(hi)) - _dt.datetime.fromisoformat(str(lo))).total_seconds()
        else:
            span = 86_400.0
    except (TypeError, ValueError):
        return None
    if not math.isfinite(span):
        return None
    upper = max(span, minimum)
    if diff_kind == "discrete":
        return (int(minimum), int(math.ceil(upper)))
    return (minimum, upper)


def with_differences(
    frame: pl.DataFrame, differences: Sequence[DifferenceColumn], seed: np.random.SeedSequence,
    kinds: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """``frame`` (a family's draw, each built ``high`` holding its difference) with each
    ``high`` computed as ``low`` + the difference (clamped at the minimum), in its own dtype,
    in chain order. ``kinds``: the difference columns' modelled kinds (``discrete`` or
    ``continuous``)."""
    kinds = kinds or {}
    for d in differences:
        if d.name not in frame.columns or d.low not in frame.columns:
            continue
        frame = frame.with_columns(_rebuild(frame[d.low], frame[d.name], d, kinds.get(d.name, "continuous"), seed))
    return frame


def _rebuild(low: pl.Series, diff: pl.Series, d: DifferenceColumn, diff_kind: str, seed: np.random.SeedSequence) -> pl.Series:
    dtype = d.polars_dtype
    n = len(diff)
    delta = diff.cast(pl.Float64).fill_null(float("nan")).to_numpy().astype(np.float64, copy=True)
    present = ~np.isnan(delta)
    delta[present] = np.maximum(delta[present], d.minimum(diff_kind))
    exact = _whole(low.dtype) and _whole(dtype)
    if exact:
        base_i, base_ok = _ticks(low)
        base = base_i.astype(np.float64)  # for the float path only; the whole path adds the Int64 ticks
    else:
        base = _physical(low)
        base_ok = ~np.isnan(base)
        base_i = np.zeros(n, dtype=np.int64)
    lost = ~base_ok & present
    if lost.any() and base_ok.any():  # low drawn missing, the difference not: an anchor among the sample's own lows
        rng = column_rng(seed, "\x00difference:" + d.name)
        pick = np.flatnonzero(base_ok)[rng.integers(0, int(base_ok.sum()), int(lost.sum()))]
        base, base_i, base_ok = base.copy(), base_i.copy(), base_ok.copy()
        base[lost], base_i[lost], base_ok[lost] = base[pick], base_i[pick], True
    ok = present & base_ok
    if dtype.is_float():
        np_dtype = np.float32 if dtype == pl.Float32 else np.float64
        lo = base[ok].astype(np_dtype)
        hi = (lo + delta[ok].astype(np_dtype)).astype(np_dtype)
        if d.strict:
            hi = np.where(hi > lo, hi, np.nextafter(lo, np.array(np.inf, dtype=np_dtype)))
        else:
            hi = np.maximum(hi, lo)
        out = np.full(n, np.nan, dtype=np_dtype)
        out[ok] = hi
        return pl.Series(d.name, out).fill_nan(None).cast(dtype)
    scale = d._ticks_per_second() if d.unit == "seconds" else 1
    if exact:  # whole ticks on both sides: add them exactly
        ticks = np.maximum(np.round(delta[ok] * scale), d.minimum(diff_kind) * scale)
        hi_ticks = base_i[ok] + ticks.astype(np.int64)
    else:  # a whole-number high above a fractional low: the next whole number that keeps the inequality
        lo = base[ok]
        hi_f = np.ceil(lo + delta[ok])
        hi_f = np.maximum(hi_f, np.floor(lo) + 1) if d.strict else np.maximum(hi_f, np.ceil(lo))
        hi_ticks = hi_f.astype(np.int64)
    if dtype.is_integer():
        info = np.iinfo(str(dtype).lower())  # 'UInt8' -> numpy's 'uint8'
        hi_ticks = np.clip(hi_ticks, max(int(info.min), -(2**63)), min(int(info.max), 2**63 - 1))
    elif dtype == pl.Time:
        hi_ticks = np.minimum(hi_ticks, _DAY_NS - 1)  # a time of day ends before midnight
    out_ticks = np.zeros(n, dtype=np.int64)
    out_ticks[ok] = hi_ticks
    series = pl.Series(d.name, out_ticks).zip_with(pl.Series(ok), pl.repeat(None, n, dtype=pl.Int64, eager=True))
    if dtype.is_integer():
        return series.cast(dtype)
    if dtype == pl.Date:
        return series.cast(pl.Int32).cast(pl.Date)
    if isinstance(dtype, pl.Datetime):
        return series.cast(dtype)  # the ticks are UTC instants, as a zoned column holds them
    return series.cast(pl.Time)


def entry(column: dict[str, Any], d: DifferenceColumn) -> dict[str, Any]:
    """A modelled column's file entry with its ``difference`` right after its dtype."""
    out: dict[str, Any] = {}
    for key, value in column.items():
        out[key] = value
        if key == "dtype":
            out["difference"] = d.to_dict()
    return out


def read_differences(raw_columns: Sequence[Mapping[str, Any]]) -> list[tuple[int, DifferenceColumn]]:
    """The difference entries of a file's ``columns`` (with their index)."""
    return [(i, DifferenceColumn.from_dict(c["name"], c["difference"]))
            for i, c in enumerate(raw_columns) if isinstance(c, Mapping) and "difference" in c]


def check_differences(
    found: Sequence[tuple[int, DifferenceColumn]], columns: Sequence[Any], computed: Iterable[str],
    constraints: Sequence[Constraint], file: str | None,
) -> list[DifferenceColumn]:
    """Each difference entry names a modelled ``from`` column of a compatible kind, a unit
    that fits its kind, and has its inequality constraint (``strict`` taken from it); no
    cycle. Returns them in chain order; ModelFileError with the JSON path otherwise."""
    by_name = {c.name: c for c in columns}
    computed = set(computed)
    derived = {d.name: (i, d) for i, d in found}
    out: dict[str, DifferenceColumn] = {}
    for i, d in found:
        path = f"$.columns[{i}].difference"
        col = by_name[d.name]
        if d.low == d.name:
            raise ModelFileError(f"column {d.name!r} is drawn as a difference from itself; name another column in 'from'",
                                 path + ".from", file, d.name)
        if d.low not in by_name:
            why = " (it is computed by a formula, so it cannot anchor a difference)" if d.low in computed else ""
            raise ModelFileError(
                f"column {d.name!r} is drawn as {d.low!r} + a difference, but there is no modelled column {d.low!r}{why}; "
                f"columns are {sorted(by_name)}", path + ".from", file, d.name,
            )
        if d.kind not in UNITS:
            raise ModelFileError(f"column {d.name!r}: a difference builds a number, a date, a datetime or a time, not a "
                                 f"{d.kind} column", path + ".kind", file, d.name)
        try:
            dtype = dtype_from_str(d.dtype)
        except ValueError as exc:
            raise ModelFileError(str(exc), path + ".dtype", file, d.name) from None
        if not KIND_DTYPES[d.kind](dtype):
            raise ModelFileError(f"column {d.name!r}: a {d.dtype} column cannot be of kind {d.kind!r}", path + ".dtype",
                                 file, d.name)
        if d.unit != UNITS[d.kind]:
            raise ModelFileError(
                f"column {d.name!r} ({d.kind}) is drawn as {d.low!r} + a difference in {d.unit!r}, which cannot build a "
                f"{d.kind}; the unit of a {d.kind} column's difference is {UNITS[d.kind]!r}", path + ".unit", file, d.name,
            )
        if col.kind not in ("continuous", "discrete"):
            raise ModelFileError(f"column {d.name!r} holds the difference {d.name} - {d.low}, a number: its kind must be "
                                 f"continuous or discrete, not {col.kind!r}", f"$.columns[{i}].kind", file, d.name)
        low_kind, low_dtype = (derived[d.low][1].kind, derived[d.low][1].dtype) if d.low in derived else (
            by_name[d.low].kind, by_name[d.low].dtype)
        same = (low_kind in ("continuous", "discrete")) if d.unit == "number" else (low_kind == d.kind and low_dtype == d.dtype)
        if not same or (d.low in by_name and getattr(by_name[d.low], "text_format", None) is not None):
            raise ModelFileError(
                f"column {d.name!r} ({d.kind}, {d.dtype}) cannot be built from {d.low!r} ({low_kind}, {low_dtype}) plus a "
                f"difference in {d.unit}; 'from' must be a column of the same kind and dtype", path + ".from", file, d.name,
            )
        matching = [c for c in constraints if isinstance(c, Inequality) and c.low == d.low and c.high == d.name]
        if not matching:
            raise ModelFileError(
                f"column {d.name!r} is drawn as {d.low!r} + a non-negative difference, but no inequality constraint says "
                f"{d.low} <= {d.name}; add {{\"kind\": \"inequality\", \"low\": {d.low!r}, \"high\": {d.name!r}}} to the "
                "constraints or fit the model again", path, file, d.name,
            )
        out[d.name] = dataclasses.replace(d, strict=any(c.strict for c in matching))
    order: list[DifferenceColumn] = []
    done: set[str] = set()
    for _ in range(len(out) + 1):
        for name, d in out.items():
            if name not in done and (d.low not in out or d.low in done):
                order.append(d)
                done.add(name)
    if len(order) < len(out):
        name = next(n for n in out if n not in done)
        raise ModelFileError(f"column {name!r}: the difference entries form a cycle ({name} is drawn from itself "
                             "through other differences); remove one", f"$.columns[{derived[name][0]}].difference.from",
                             file, name)
    return order


class DerivedView:
    """What a condition on a built ``high`` is checked against: the column's own kind and
    dtype (its values are ``low`` + difference, so no marginal of its own is published)."""

    unique = False
    text_format = None
    categories = None

    def __init__(self, d: DifferenceColumn, modelled: Any) -> None:
        self.name = d.name
        self.kind = d.kind
        self.dtype = d.dtype
        self.polars_dtype = d.polars_dtype
        self.prop_missing = modelled.prop_missing
        self.distribution = None if modelled.distribution is None else _NoMarginal()


class _NoMarginal:
    """A present distribution with no cdf: the conditions' probability checks are skipped
    (the sampled rows are checked instead)."""


@dataclasses.dataclass(frozen=True)
class DifferenceCondition(ColumnCondition):
    """A condition on a built ``high`` column restated on its difference, which the family
    draws: ``high`` missing (the difference missing), or exact values of both ``high`` and
    ``low`` (the difference is then known row by row)."""


def convert_conditions(conds: Conditions | None, differences: Sequence[DifferenceColumn], columns: Sequence[Any]) -> Conditions | None:
    """``conds`` with each condition on a built ``high`` that a family can draw restated on
    the difference (:class:`DifferenceCondition`): asking ``high`` missing, or exact values
    (a value or a frame's rows) of ``high`` and ``low`` together, when ``high`` counts whole
    ticks (numbers with integer dtypes, dates, datetimes, times). The others stay as they
    are and are met by checking the drawn rows."""
    if conds is None or not differences:
        return conds
    built = {d.name: d for d in differences}
    by_name = {c.name: c for c in columns}
    given = conds.by_column()
    out: list[ColumnCondition] = []
    for c in conds.columns:
        d = built.get(c.column)
        if d is None:
            out.append(c)
            continue
        if c.how == "value" and c.value is None:
            out.append(DifferenceCondition(c.column, "value", value=None))
            continue
        low = given.get(d.low)
        if low is not None and low.how == "value" and low.value is not None and c.how == "range" and not d.polars_dtype.is_float():
            out.append(_range_on_difference(c, low.value, d, by_name[d.name]))
            continue
        if low is None or c.how not in ("value", "rows") or low.how not in ("value", "rows") or d.polars_dtype.is_float():
            out.append(c)
            continue
        m = conds.n_rows or 1
        high_values = c.rows if c.rows is not None else pl.Series([c.value] * m, dtype=d.polars_dtype)
        low_values = low.rows if low.rows is not None else pl.Series([low.value] * m, dtype=d.polars_dtype if d.unit != "number" else None)
        diff = _difference_values(low_values, high_values, d)
        if bool((np.isnan(_physical(low_values)) & ~np.isnan(_physical(high_values))).any()):
            out.append(c)  # low asked missing, high not: no difference to draw, checked on the rows instead
            continue
        col = by_name[d.name]
        whole = col.kind == "discrete"
        minimum = d.minimum(col.kind)
        below = np.flatnonzero(~np.isnan(diff) & (diff < minimum - 1e-12))
        if below.size:
            raise ConditionError(
                f"condition on columns {d.low!r} and {d.name!r}: row {int(below[0])} asks for {d.name} "
                f"{'<=' if d.strict else '<'} {d.low}, which the inequality {d.low} {'<' if d.strict else '<='} "
                f"{d.name} forbids"
            )
        series = pl.Series(d.name, diff, dtype=pl.Float64).fill_nan(None)
        series = series.round(0).cast(pl.Int64) if whole else series
        if c.rows is not None:
            parsed = parse_conditions(series.to_frame(), [col])
        else:
            parsed = parse_conditions({d.name: series[0]}, [col])
        assert parsed is not None
        p = parsed.columns[0]
        out.append(DifferenceCondition(p.column, p.how, value=p.value, rows=p.rows))
    return Conditions(tuple(out), conds.n_rows)


def _range_on_difference(c: ColumnCondition, low: Any, d: DifferenceColumn, col: Any) -> DifferenceCondition:
    """A range on ``high`` given one value of ``low``: the range of the difference."""
    ends: list[float | None] = []
    for end in (c.low, c.high):
        if end is None:
            ends.append(None)
            continue
        diff = _difference_values(pl.Series([low], dtype=d.polars_dtype if d.unit != "number" else None),
                                  pl.Series([end], dtype=d.polars_dtype), d)[0]
        ends.append(int(round(diff)) if col.kind == "discrete" else float(diff))
    minimum = d.minimum(col.kind)
    if ends[1] is not None and ends[1] < minimum - 1e-12:
        raise ConditionError(
            f"condition {c.describe()} with {d.low} == {low!r}: every such {d.name} is "
            f"{'<=' if d.strict else '<'} {d.low}, which the inequality {d.low} {'<' if d.strict else '<='} {d.name} forbids"
        )
    lo = minimum if ends[0] is None or ends[0] < minimum else ends[0]
    parsed = parse_conditions({d.name: (int(lo) if col.kind == "discrete" else lo, ends[1])}, [col])
    assert parsed is not None
    p = parsed.columns[0]
    return DifferenceCondition(p.column, p.how, low=p.low, high=p.high)


def split_conditions(conds: Conditions | None, built: Sequence[str]) -> tuple[Conditions | None, Conditions | None]:
    """(the conditions a family draws by itself, those on built high columns, met by
    checking the drawn rows); a frame's conditions keep their row count in both."""
    if conds is None or not built:
        return conds, None
    names = set(built)
    checked = tuple(c for c in conds.columns if c.column in names and not isinstance(c, DifferenceCondition))
    if not checked:
        return conds, None
    given = tuple(c for c in conds.columns if c not in checked)
    return (Conditions(given, conds.n_rows) if given else None), Conditions(checked, conds.n_rows)


def too_rare(checked: Conditions, differences: Sequence[DifferenceColumn], message: str) -> str:
    """The message of a condition on a built high column that too few drawn rows meet."""
    by_name = {d.name: d for d in differences}
    names = [c.column for c in checked.columns]
    lows = ", ".join(dict.fromkeys(by_name[n].low for n in names if n in by_name))
    return (
        f"condition {checked.describe()}: {', '.join(names)} is drawn as {lows} + a non-negative difference, so a "
        f"condition on it is met by redrawing rows, and too few drawn rows meet it ({message.split(':')[0]}); widen it, or "
        f"condition on {lows} as well"
    )
