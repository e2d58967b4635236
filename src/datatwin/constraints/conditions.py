"""Sampling conditions: what ``model.sample(n, conditions=...)`` and ``--where`` ask for.

A condition per column is one of

- ``value``: an exact value (``{"sex": "Female"}``); ``None`` asks for missing;
- ``range``: ``(low, high)``, either end None for open (``{"age": (30, 40)}``);
- ``set``: a list of labels or values (``{"race": ["Black", "Other"]}``);
- ``rows``: one value per synthetic row, from a frame of condition rows (null: missing).

:func:`parse_conditions` normalises and checks them against the model's columns (duck-typed:
``name``, ``kind``, ``distribution``, ``prop_missing``); :func:`cdf_interval` turns a
condition into the (lower, upper) cdf interval a family draws from (the truncated marginal).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from datatwin.constraints.expressions import Comparison, parse_comparisons
from datatwin.errors import ConditionError, ConstraintError, did_you_mean

#: a condition whose probability under the column's marginal is below this is refused
MIN_PROBABILITY = 1e-12


@dataclasses.dataclass(frozen=True)
class Strict:
    """A strict bound from ``--where`` (``age > 30``): on a discrete column the next whole
    number; elsewhere the bound itself (the boundary has probability 0)."""

    value: Any


@dataclasses.dataclass(frozen=True)
class ColumnCondition:
    """One column's condition; see the module docstring for ``how``."""

    column: str
    how: str
    value: Any = None
    low: Any = None
    high: Any = None
    values: tuple[Any, ...] = ()
    rows: pl.Series | None = None

    def take(self, index: np.ndarray) -> ColumnCondition:
        """The condition for the rows ``index`` (only ``rows`` conditions change)."""
        if self.rows is None:
            return self
        return dataclasses.replace(self, rows=self.rows.gather(pl.Series(index.astype(np.int64))))

    def holds(self) -> pl.Expr:
        """True on rows of a frame that meet the condition (``rows``: row by row)."""
        col = pl.col(self.column)
        if self.how == "value":
            return col.is_null() if self.value is None else (col == pl.lit(self.value)).fill_null(False)
        if self.how == "set":
            return col.is_in([v for v in self.values if v is not None]).fill_null(None in self.values)
        if self.how == "range":
            out = col.is_not_null()
            if self.low is not None:
                out = out & (col >= pl.lit(self.low))
            if self.high is not None:
                out = out & (col <= pl.lit(self.high))
            return out.fill_null(False)
        assert self.rows is not None
        given = pl.lit(self.rows)
        return (col == given).fill_null(False) | (col.is_null() & given.is_null())

    def describe(self) -> str:
        if self.how == "value":
            return f"{self.column} == {self.value!r}"
        if self.how == "set":
            return f"{self.column} in {list(self.values)!r}"
        if self.how == "range":
            return f"{self.column} in [{self.low!r}, {self.high!r}]"
        return f"{self.column} as given row by row"


@dataclasses.dataclass(frozen=True)
class Conditions:
    """Conditions on one or several columns; ``n_rows`` is set for a frame of condition rows."""

    columns: tuple[ColumnCondition, ...]
    n_rows: int | None = None

    def take(self, index: np.ndarray) -> Conditions:
        """The conditions of rows ``index`` (a frame's rows are picked; the rest stay)."""
        if self.n_rows is None:
            return self
        return Conditions(tuple(c.take(index) for c in self.columns), len(index))

    def holds(self) -> pl.Expr:
        return pl.all_horizontal([c.holds() for c in self.columns]) if self.columns else pl.lit(True)

    def by_column(self) -> dict[str, ColumnCondition]:
        return {c.column: c for c in self.columns}

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.columns)


def _is_frame(obj: Any) -> bool:
    return isinstance(obj, pl.DataFrame) or type(obj).__name__ == "DataFrame"


def parse_conditions(raw: Any, columns: Sequence[Any], excluded: Sequence[str] = ()) -> Conditions | None:
    """Normalise a mapping, a polars/pandas frame, or ``--where`` comparisons into
    :class:`Conditions`, checked against the model's ``columns``."""
    if raw is None:
        return None
    if isinstance(raw, Conditions):
        return raw
    by_name = {c.name: c for c in columns}
    if _is_frame(raw):
        frame = raw if isinstance(raw, pl.DataFrame) else pl.from_pandas(raw)
        if frame.height == 0 or frame.width == 0:
            raise ConditionError("the frame of condition rows is empty; give at least one row and one column")
        out = []
        for name in frame.columns:
            col = _column(name, by_name, excluded)
            series = _cast_rows(frame[name], col)
            out.append(ColumnCondition(name, "rows", rows=series))
        return Conditions(tuple(out), frame.height)
    if isinstance(raw, (str, Comparison)) or (isinstance(raw, (list, tuple)) and raw and all(isinstance(r, (str, Comparison)) for r in raw)):
        return parse_conditions(conditions_from_where([raw] if isinstance(raw, (str, Comparison)) else list(raw)), columns, excluded)
    if not isinstance(raw, Mapping):
        raise ConditionError(
            "conditions must be a mapping such as {'sex': 'Female', 'age': (30, 40)}, a frame of condition rows, "
            f"or comparisons such as \"age >= 30\". Got {type(raw).__name__}."
        )
    if not raw:
        return None
    out = []
    for name, value in raw.items():
        col = _column(str(name), by_name, excluded)
        fixes = value is not None and not isinstance(value, tuple)  # an exact value or a list, not a range
        if getattr(col, "unique", False) and col.kind != "continuous" and fixes:
            raise ConditionError(
                f"condition on column {col.name!r}: the column is unique (every row a new value), so a condition shared "
                "by many rows would break that; give its values row by row in a frame of condition rows"
            )
        out.append(_one(str(name), value, col))
    return Conditions(tuple(out))


def _column(name: str, by_name: Mapping[str, Any], excluded: Sequence[str]) -> Any:
    if name in excluded:
        raise ConditionError(f"condition on column {name!r}: the column was excluded from the model, so it cannot be conditioned on")
    if name not in by_name:
        raise ConditionError(f"condition on unknown column {name!r}{did_you_mean(name, by_name)}; columns are {list(by_name)}")
    col = by_name[name]
    if col.distribution is None and col.prop_missing >= 1:
        raise ConditionError(f"condition on column {name!r}: every value of it is missing in the model")
    return col


def _cast_rows(series: pl.Series, col: Any) -> pl.Series:
    dtype = _value_dtype(col)
    try:
        out = series.cast(dtype, strict=True) if dtype is not None else series
    except Exception:
        raise ConditionError(
            f"condition rows for column {col.name!r}: values of dtype {series.dtype} cannot be values of the column ({col.dtype})"
        ) from None
    values = [v for v in out.drop_nulls().unique().to_list()]
    for v in values[:10_000]:
        _check_value(col, v)
    if out.null_count() and col.prop_missing <= 0:
        raise ConditionError(f"condition rows for column {col.name!r}: the model never draws it missing, but a row asks for missing")
    return out


def _value_dtype(col: Any) -> Any:
    kind = col.kind
    if kind == "categorical":
        return pl.String if not isinstance(col.polars_dtype, (pl.Int8, pl.Int16, pl.Int32, pl.Int64)) else col.polars_dtype
    if kind == "boolean":
        return pl.Boolean
    if kind == "continuous":
        return pl.Float64
    if kind == "discrete":
        return pl.Int64
    if kind in ("date", "datetime", "time"):
        return col.polars_dtype if getattr(col, "text_format", None) is None else None
    return None


def _one(name: str, value: Any, col: Any) -> ColumnCondition:
    if value is None:
        if col.prop_missing <= 0:
            raise ConditionError(f"condition {name} == None (missing): the model never draws column {name!r} missing")
        return ColumnCondition(name, "value", value=None)
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ConditionError(f"condition on column {name!r}: a range is (low, high), either may be None. Got {value!r}.")
        low, high = (_bound(col, v, step) for v, step in zip(value, (1, -1)))
        if low is not None and high is not None and low > high:
            raise ConditionError(f"condition on column {name!r}: the range low {low!r} is greater than high {high!r}; swap them")
        if col.kind not in ("continuous", "discrete", "date", "datetime", "time"):
            raise ConditionError(f"condition on column {name!r}: a range needs an ordered column; {name!r} is {col.kind} (give a list of labels)")
        cond = ColumnCondition(name, "range", low=low, high=high)
        _check_probability(col, cond)
        return cond
    if isinstance(value, (list, set, frozenset)):
        values = tuple(sorted({_coerce(col, v) if v is not None else None for v in value}, key=repr))
        if not values:
            raise ConditionError(f"condition on column {name!r}: the list of values is empty")
        for v in values:
            if v is None:
                if col.prop_missing <= 0:
                    raise ConditionError(f"condition on column {name!r}: the model never draws it missing, but None is listed")
            else:
                _check_value(col, v)
        return ColumnCondition(name, "set", values=values)
    v = _coerce(col, value)
    _check_value(col, v)
    return ColumnCondition(name, "value", value=v)


def _bound(col: Any, value: Any, step: int) -> Any:
    if value is None:
        return None
    if isinstance(value, Strict):
        v = _coerce(col, value.value)
        return v + step if col.kind == "discrete" else v
    return _coerce(col, value)


def _coerce(col: Any, value: Any) -> Any:
    kind = col.kind
    try:
        if kind == "continuous" and isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ValueError
            return float(value)
        if kind == "discrete" and isinstance(value, (int, float, np.integer)) and not isinstance(value, bool):
            if float(value) != int(value):
                raise ValueError
            return int(value)
        if kind in ("date", "datetime", "time"):
            if isinstance(value, str):
                parse: dict[str, Any] = {"date": _dt.date.fromisoformat, "datetime": _dt.datetime.fromisoformat,
                                         "time": _dt.time.fromisoformat}
                return parse[kind](value)
            if isinstance(value, (_dt.date, _dt.time)):
                return value
            raise ValueError
        if kind == "boolean" and isinstance(value, (bool, np.bool_)):
            return bool(value)
        if kind in ("categorical", "string") and isinstance(value, (str, int)) and not isinstance(value, bool):
            return value
    except (ValueError, TypeError, OverflowError):
        pass
    raise ConditionError(f"condition on column {col.name!r}: {value!r} is not a value of this {kind} column ({col.dtype})")


def _check_value(col: Any, value: Any) -> None:
    """ConditionError when ``value`` lies outside what the column's model knows."""
    dist = col.distribution
    if dist is None:
        raise ConditionError(f"condition on column {col.name!r}: every value is missing in the model")
    if col.kind == "categorical":
        labels = list(dist.labels) if hasattr(dist, "labels") else None
        if labels is not None and value not in labels:
            into = (getattr(col, "rare_labels", None) or {}).get("into")
            hint = f" (rare labels were merged into {into!r})" if into is not None else ""
            raise ConditionError(
                f"condition on column {col.name!r}: {value!r} is not a label the model knows{hint}"
                f"{did_you_mean(str(value), map(str, labels))}; labels are {labels[:20]}"
            )
        return
    if col.kind == "boolean":
        p = float(getattr(dist, "p", 0.5))
        if (value and p <= 0) or (not value and p >= 1):
            raise ConditionError(f"condition on column {col.name!r}: the model never draws {value!r}")
        return
    if col.kind in ("continuous", "discrete", "date", "datetime", "time") and hasattr(dist, "cdf"):
        _check_probability(col, ColumnCondition(col.name, "range", low=value, high=value))


def _to_dist(col: Any, value: Any) -> Any:
    """A condition value in the distribution's own representation (numbers, datetime64)."""
    if col.kind == "date":
        return np.datetime64(value, "D")
    if col.kind == "datetime":
        return np.datetime64(value.replace(tzinfo=None) if isinstance(value, _dt.datetime) else value, "us")
    if col.kind == "time":
        micros = int(value.hour * 3600_000_000 + value.minute * 60_000_000 + value.second * 1_000_000 + value.microsecond)
        return np.timedelta64(micros, "us")
    return value


def _support(col: Any) -> str:
    dist = col.distribution
    try:
        lo, hi = dist.ppf(np.array([1e-9, 1 - 1e-9]))
        return f" (the model's values lie between about {lo} and {hi})"
    except Exception:  # pragma: no cover - a plug-in distribution without ppf
        return ""


def cdf_interval(col: Any, cond: ColumnCondition) -> tuple[np.ndarray, np.ndarray]:
    """The marginal cdf interval (P(X < low), P(X <= high)) of a range or exact value; a
    continuous exact value gives a point."""
    dist = col.distribution
    if cond.how == "value":
        low = high = cond.value
    else:
        low, high = cond.low, cond.high
    a = np.array(0.0) if low is None else np.asarray(dist.cdf(_below(col, _to_dist(col, low))), dtype=float)
    b = np.array(1.0) if high is None else np.asarray(dist.cdf(np.asarray(_to_dist(col, high))), dtype=float)
    if cond.how == "value" and col.kind == "continuous":
        a = b
    return a, b


def _below(col: Any, value: Any) -> Any:
    v = np.asarray(value)
    if v.dtype.kind == "f":
        return np.nextafter(v, -np.inf)
    if v.dtype.kind in "iu":
        return v - 1
    if v.dtype.kind in "Mm":
        return v - np.timedelta64(1, np.datetime_data(v.dtype)[0])  # type: ignore[call-overload]
    return v


def _check_probability(col: Any, cond: ColumnCondition) -> None:
    dist = col.distribution
    if dist is None or not hasattr(dist, "cdf"):
        return
    try:
        a, b = cdf_interval(col, cond)
    except (TypeError, ValueError):
        raise ConditionError(f"condition {cond.describe()}: the values cannot be compared with column {col.name!r}") from None
    if col.kind == "continuous" and cond.how == "range" and cond.low == cond.high:
        a = np.asarray(dist.cdf(np.nextafter(np.asarray(float(cond.low)), -np.inf)), dtype=float)
        b = np.asarray(dist.cdf(np.nextafter(np.asarray(float(cond.low)), np.inf)), dtype=float)
        inside = 0.0 < float(a) < 1.0 or float(b) - float(a) > 0
        if not inside:
            raise ConditionError(
                f"condition on column {col.name!r}: {cond.low!r} lies outside what the model knows{_support(col)}"
            )
        return
    if float(b) - float(a) < MIN_PROBABILITY:
        raise ConditionError(
            f"condition {cond.describe()} has probability about 0 under the model of column {col.name!r}"
            f"{_support(col)}; widen it"
        )


def conditions_from_where(texts: Sequence[str | Comparison]) -> dict[str, Any]:
    """``--where`` comparisons (``"sex == 'Female'"``, ``"age >= 30"``) as a conditions mapping:
    ``==`` an exact value, ``in`` a set, ``< <= > >=`` a range (several on one column intersect)."""
    out: dict[str, Any] = {}
    for text in texts:
        parts = (text,) if isinstance(text, Comparison) else parse_comparisons(text, "--where")
        for c in parts:
            if c.op == "!=":
                raise ConstraintError(f"--where {c.to_text()!r}: != is not a condition; list the values you want with 'in'")
            if c.op in ("==", "in"):
                if c.column in out:
                    raise ConstraintError(f"--where: column {c.column!r} is conditioned twice; give one condition per column")
                out[c.column] = list(c.value) if c.op == "in" else c.value
                continue
            current = out.get(c.column, (None, None))
            if not isinstance(current, tuple):
                raise ConstraintError(f"--where: column {c.column!r} is conditioned twice; give one condition per column")
            low, high = current
            bound = Strict(c.value) if c.op in (">", "<") else c.value
            if (c.op in (">", ">=") and low is not None) or (c.op in ("<", "<=") and high is not None):
                raise ConstraintError(f"--where: column {c.column!r} has two lower or two upper bounds; keep one of each")
            if c.op in (">", ">="):
                low = bound
            else:
                high = bound
            out[c.column] = (low, high)
    return out


def intersects_range(cond: ColumnCondition, low: Any, high: Any) -> bool:
    """Whether a condition can meet a declared range ``[low, high]`` (None: open)."""
    def inside(v: Any) -> bool:
        return v is None or ((low is None or v >= low) and (high is None or v <= high))

    try:
        if cond.how == "value":
            return cond.value is None or inside(cond.value)
        if cond.how == "set":
            return any(v is None or inside(v) for v in cond.values)
        if cond.how == "range":
            return not ((high is not None and cond.low is not None and cond.low > high)
                        or (low is not None and cond.high is not None and cond.high < low))
    except TypeError:
        return True
    return True
