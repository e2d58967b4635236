"""Each modelled column's domain: the cells its marginals count rows in.

- ``labels``: one cell per public value — a categorical column's released labels, a
  boolean's ``False``/``True``, or the owner's public KeySet (any kind);
- ``bins``: numeric, date and datetime columns cut at increasing ``edges`` — the owner's
  ``binning``, else ``DEFAULT_BINS`` bins of equal mass under the column's *released*
  marginal (so the cut points are public: they come from what the file already publishes).

A column that has missing values (a released missing share above 0) gets one more cell,
its last: missingness is a value of the domain. Encoding never reads anything but the
domain: a row whose value lies outside it goes to a fixed cell (the nearest bin or value,
or the label that absorbs unlisted labels), so one row is in exactly one cell of every
marginal. Decoding turns cells back into values of the column's dtype: a label, or a value
drawn uniformly within its bin (the documented public within-bin choice).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from datatwin.errors import SpecError
from datatwin.models.columns import ColumnModel
from datatwin.prepare import PreparedColumn
from datatwin.prepare.convert import cast_series, to_series

__all__ = ["DEFAULT_BINS", "MAX_CELLS", "Domain", "domain_for", "independent_reason"]

#: bins of a numeric or temporal column without public binning: equal mass under its released marginal
DEFAULT_BINS = 16
#: the most cells one marginal may have (a larger one is refused: bin the columns more coarsely)
MAX_CELLS = 1_000_000
#: the released marginal's quantiles the default bins span (its extreme tails are left to the end bins)
_TAIL = 0.001
_NUMERIC = ("continuous", "discrete", "date", "datetime")


@dataclasses.dataclass(frozen=True)
class Domain:
    """The cells of one column: ``labels`` (values) or ``bins`` (``edges``), plus a last
    missing cell when ``missing``."""

    column: str
    type: str  # "labels" | "bins"
    labels: tuple[Any, ...] = ()
    edges: tuple[float, ...] = ()
    integer: bool = False
    missing: bool = False
    unit: str | None = None  # ticks of a date / datetime column's edges: "D", "ms", "us", "ns"
    source: str = "released"  # "released" | "keyset" | "binning" | "default"
    #: cells measured as one (their noisy 1-way counts were within noise of zero), or none
    merged: tuple[int, ...] = ()
    #: values within a bin: "uniform", or "marginal" (the column's released marginal restricted to the bin)
    within: str = "uniform"

    @property
    def n_values(self) -> int:
        return len(self.labels) if self.type == "labels" else len(self.edges) - 1

    @property
    def size(self) -> int:
        return self.n_values + int(self.missing)

    @property
    def measured_size(self) -> int:
        """Cells of this column in its 2- and 3-way measurements (merged cells count once)."""
        return self.size - len(self.merged) + (1 if self.merged else 0)

    # -- the file ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"column": self.column, "type": self.type, "source": self.source}
        if self.type == "labels":
            d["labels"] = list(self.labels)
        else:
            d["edges"] = [int(e) if self.integer else float(e) for e in self.edges]
            d["integer"] = self.integer
            if self.unit is not None:
                d["unit"] = self.unit
            d["within"] = self.within
        d["missing"] = self.missing
        if self.merged:
            d["merged"] = list(self.merged)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Domain:
        return cls(
            column=d["column"], type=d["type"], labels=tuple(d.get("labels", ())),
            edges=tuple(float(e) for e in d.get("edges", ())), integer=bool(d.get("integer", False)),
            missing=bool(d["missing"]), unit=d.get("unit"), source=d.get("source", "released"),
            merged=tuple(int(c) for c in d.get("merged", ())), within=d.get("within", "uniform"),
        )

    def problem(self, col: ColumnModel) -> tuple[str, str] | None:
        """(field, message) of the first semantic problem against the column, or None."""
        if self.merged and (len(set(self.merged)) != len(self.merged) or len(self.merged) < 2
                            or min(self.merged) < 0 or max(self.merged) >= self.size):
            return "merged", f"merged cells must be at least two distinct cells of the domain's {self.size}"
        if self.type == "labels":
            if not self.labels:
                return "labels", "a labels domain needs at least one label"
            if len({repr(v) for v in self.labels}) != len(self.labels):
                return "labels", "a label is listed twice"
            if col.kind in ("categorical", "boolean"):
                want = str if _value_dtype(col) == pl.String else bool if col.kind == "boolean" else None
                if want is not None and not all(isinstance(v, want) for v in self.labels):
                    return "labels", f"the labels of column {col.name!r} must all be {want.__name__} values"
                try:
                    pl.Series(list(self.labels)).cast(_value_dtype(col), strict=True)
                except Exception:
                    return "labels", f"labels {list(self.labels)[:5]} cannot be values of column {col.name!r} ({col.dtype})"
            elif not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.labels):
                return "labels", f"the values of {col.kind} column {col.name!r} must be numbers"
            return None
        if col.kind not in _NUMERIC:
            return "type", f"a {col.kind} column cannot be binned; use a labels domain"
        e = np.asarray(self.edges, dtype=float)
        if e.size < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
            return "edges", "bin edges must be at least two finite numbers, strictly increasing"
        if self.integer and not np.all(e == np.round(e)):
            return "edges", "the edges of whole-number bins must be whole numbers"
        if self.within == "marginal" and col.kind not in ("continuous", "discrete"):
            return "within", f"only numeric columns draw within a bin from their marginal; {col.kind} column {col.name!r}: 'uniform'"
        if col.kind in ("date", "datetime") and self.unit not in ("D", "ms", "us", "ns"):
            return "unit", "a date or datetime column's bins need a 'unit' of D, ms, us or ns"
        return None

    # -- rows -> cells --------------------------------------------------------------------
    def encode(self, prepared: PreparedColumn, col: ColumnModel) -> np.ndarray:
        """Every row's cell (int64); never depends on anything but the domain and the row."""
        codes = prepared.codes
        distinct = self._distinct_cells(prepared.values, col)
        missing_cell = self.n_values if self.missing else 0
        if len(distinct) == 0:
            return np.full(len(codes), missing_cell, dtype=np.int64)
        return np.where(codes >= 0, distinct[np.maximum(codes, 0)], missing_cell).astype(np.int64)

    def _distinct_cells(self, values: np.ndarray, col: ColumnModel) -> np.ndarray:
        if len(values) == 0:
            return np.zeros(0, dtype=np.int64)
        if self.type == "labels" and col.kind in ("categorical", "boolean"):
            position = {label: i for i, label in enumerate(self.labels)}
            fallback = _fallback(self.labels, col)
            return np.array([position.get(v, fallback) for v in values.tolist()], dtype=np.int64)
        x = _ticks(values, self.unit)
        if self.type == "labels":  # public numeric values: the nearest one
            grid = np.asarray(self.labels, dtype=float)
            order = np.argsort(grid, kind="stable")
            g = grid[order]
            pos = np.clip(np.searchsorted(g, x), 1, max(len(g) - 1, 1))
            if len(g) == 1:
                return np.zeros(len(x), dtype=np.int64)
            left = np.abs(x - g[pos - 1]) <= np.abs(g[pos] - x)
            return order[np.where(left, pos - 1, pos)].astype(np.int64)
        e = np.asarray(self.edges, dtype=float)
        return np.clip(np.searchsorted(e, x, side="right") - 1, 0, len(e) - 2).astype(np.int64)

    # -- cells -> values ---------------------------------------------------------------------
    def decode(self, col: ColumnModel, codes: np.ndarray, rng: np.random.Generator) -> pl.Series:
        """The column's values for ``codes``, in its dtype (missing cell: null)."""
        n = len(codes)
        dtype = col.polars_dtype
        fmt = col.parsed_format()
        if fmt is not None:
            dtype = fmt.polars_dtype
        missing = codes >= self.n_values
        cells = np.minimum(codes, self.n_values - 1)
        if self.type == "labels" and col.kind in ("categorical", "boolean"):
            labels = pl.Series(list(self.labels))
            if isinstance(dtype, (pl.Categorical, pl.Enum)) or dtype == pl.String:
                labels = labels.cast(pl.String)
            series = cast_series(labels, dtype, col.name).gather(pl.Series(cells.astype(np.uint32)))
        else:
            if self.type == "labels":
                x = np.asarray(self.labels, dtype=float)[cells]
            else:
                e = np.asarray(self.edges, dtype=float)
                lo, hi = e[cells], e[cells + 1]
                u = rng.random(n)
                if self.integer:  # whole numbers in [lo, hi), the last bin [lo, hi]
                    hi = np.where(cells == self.n_values - 1, hi + 1, hi)
                    x = np.floor(lo + u * (hi - lo))
                else:
                    x = lo + u * (hi - lo)
                if self.within == "marginal" and col.distribution is not None:
                    x = _within_marginal(col, lo, hi, u, x, self.integer)
            series = to_series(_from_ticks(x, col.kind, self.unit), col.kind, dtype, col.name)
        if fmt is not None:
            series = fmt.render(series)
        if missing.any():
            series = pl.select(pl.when(pl.Series(missing)).then(None).otherwise(series)).to_series()
        return series.alias(col.name)


def _within_marginal(col: ColumnModel, lo: np.ndarray, hi: np.ndarray, u: np.ndarray, uniform: np.ndarray,
                     integer: bool) -> np.ndarray:
    """Values drawn from the column's released marginal restricted to each row's bin (``[lo, hi)``;
    whole numbers: ``lo … hi - 1``); a bin the marginal gives no mass keeps its uniform draw."""
    dist = col.distribution
    shift = 1.0 if integer else 0.0
    a = np.asarray(dist.cdf(lo - shift), dtype=float)  # type: ignore[union-attr]
    b = np.asarray(dist.cdf(hi - shift), dtype=float)  # type: ignore[union-attr]
    ok = b - a > 1e-12
    x = uniform.copy()
    if ok.any():
        drawn = np.asarray(dist.ppf(np.clip(a[ok] + u[ok] * (b[ok] - a[ok]), 1e-12, 1 - 1e-12)), dtype=float)  # type: ignore[union-attr]
        top = hi[ok] - shift if integer else hi[ok]
        x[ok] = np.clip(drawn, lo[ok], top)
    return x


# -- choosing a column's domain ------------------------------------------------------------
def independent_reason(col: ColumnModel, identifiers: Sequence[str]) -> str | None:
    """Why the column is left out of the measured marginals (drawn on its own), or None."""
    if col.name in identifiers:
        return "identifier: left out of measurement, refilled from its own model"
    if col.distribution is None:
        return "every value missing"
    if col.unique and col.kind != "continuous":  # distinct floats are no identifier: draws stay distinct
        return "unique values: drawn from its own model"
    if col.kind in ("string", "time"):
        return f"{col.kind} column: drawn from its own model"
    if col.kind == "categorical" and not hasattr(col.distribution, "labels"):
        return f"{col.distribution.name} values: drawn from their own model"
    return None


def domain_for(col: ColumnModel, keyset: Any = None, edges: Any = None, n_bins: int = DEFAULT_BINS,
               within: str | None = None) -> Domain:
    """The column's domain: its KeySet, its binning, or the default from its released marginal:
    a whole-number column whose released support spans at most ``2 * n_bins`` values gets one
    cell per value, any other numeric column ``n_bins`` bins of equal released mass. Values in
    the default bins are drawn from the marginal (``within`` None: "marginal"), in given bins
    uniformly (``within`` None: "uniform")."""
    missing = col.prop_missing > 0
    unit = _unit(col)
    if keyset is not None:
        return Domain(col.name, "labels", labels=_keyset_values(col, keyset), missing=missing, source="keyset",
                      unit=unit)
    e = _edges(col, edges, unit) if edges is not None else None
    if col.kind in ("categorical", "boolean"):
        labels = tuple(col.distribution.labels) if col.kind == "categorical" else (False, True)  # type: ignore[union-attr]
        return Domain(col.name, "labels", labels=labels, missing=missing)
    integer = col.kind in ("discrete", "date")
    if e is not None:
        integer = integer and bool(np.all(e == np.round(e)))
        return Domain(col.name, "bins", edges=tuple(float(v) for v in e), integer=integer, missing=missing,
                      unit=unit, source="binning", within=_within(col, within or "uniform"))
    dist = col.distribution
    if col.kind == "discrete":
        ends = np.asarray(dist.ppf(np.array([0.0, 1.0])), dtype=float)  # type: ignore[union-attr]
        if np.all(np.isfinite(ends)) and ends[1] - ends[0] < 2 * n_bins:
            # few whole numbers (a grade, a count of children): each value its own cell, so no
            # relation is averaged away inside a bin; a value beyond them takes the nearest one
            values = tuple(int(v) for v in np.arange(round(ends[0]), round(ends[1]) + 1))
            return Domain(col.name, "labels", labels=values, missing=missing, source="default")
    q = np.linspace(_TAIL, 1 - _TAIL, n_bins + 1)
    raw: np.ndarray = _ticks(np.asarray(dist.ppf(q)), unit)  # type: ignore[union-attr]
    raw = raw[np.isfinite(raw)]
    if integer:
        raw = np.round(raw)
    e = np.unique(raw)
    if e.size < 2:
        base = float(e[0]) if e.size else 0.0
        e = np.array([base, base + 1.0]) if integer else np.array([base, base + max(abs(base) * 1e-9, 1e-9)])
    return Domain(col.name, "bins", edges=tuple(float(v) for v in e), integer=integer, missing=missing, unit=unit,
                  source="default", within=_within(col, within or "marginal"))


def _within(col: ColumnModel, within: str) -> str:
    return within if col.kind in ("continuous", "discrete") else "uniform"


def _unit(col: ColumnModel) -> str | None:
    if col.kind == "date":
        return "D"
    if col.kind == "datetime":
        fmt = col.parsed_format()
        dtype = fmt.polars_dtype if fmt is not None else col.polars_dtype
        return str(getattr(dtype, "time_unit", None) or "us")
    return None


def _value_dtype(col: ColumnModel) -> pl.DataType:
    dtype = col.polars_dtype
    return pl.String() if isinstance(dtype, (pl.Categorical, pl.Enum)) else dtype


def _fallback(labels: Sequence[Any], col: ColumnModel) -> int:
    """The cell of a value the domain does not list: the label that absorbs unlisted ones
    (the rare labels' target, 'other'), else the most probable released label."""
    position = {label: i for i, label in enumerate(labels)}
    into = (col.rare_labels or {}).get("into")
    if into in position:
        return position[into]
    other = (col.selection or {}).get("other_label", "other")
    if other in position:
        return position[other]
    dist = col.distribution
    if dist is not None and hasattr(dist, "labels") and hasattr(dist, "probs"):
        best = [lab for _, lab in sorted(zip(np.asarray(dist.probs).tolist(), dist.labels), key=lambda t: -t[0])]
        for lab in best:
            if lab in position:
                return position[lab]
    return 0


def _ticks(values: np.ndarray, unit: str | None) -> np.ndarray:
    """Numbers to bin: temporal values as ticks of ``unit``, durations as their integers."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype(f"datetime64[{unit or 'us'}]").astype(np.int64).astype(float)
    if arr.dtype.kind == "m":
        return arr.astype(np.int64).astype(float)
    return arr.astype(float)


def _from_ticks(x: np.ndarray, kind: str, unit: str | None) -> np.ndarray:
    if kind in ("date", "datetime"):
        return np.floor(x).astype(np.int64).astype(f"datetime64[{unit or 'us'}]")
    return x


def _edges(col: ColumnModel, edges: Any, unit: str | None) -> np.ndarray:
    """The owner's bin edges as numbers (dates and datetimes as ticks), checked."""
    where = f"binning[{col.name!r}]"
    if isinstance(edges, (str, bytes)) or not isinstance(edges, Sequence) or len(edges) < 2:
        raise SpecError(f"{where}: give at least two bin edges, in increasing order, e.g. [0, 10, 20]. Got {edges!r}.")
    if col.kind not in _NUMERIC:
        raise SpecError(f"{where}: column {col.name!r} is {col.kind}; only numeric, date and datetime columns are binned "
                        "(give a categorical column a keyset instead)")
    try:
        if col.kind in ("date", "datetime"):
            vals = np.array([np.datetime64(e if not isinstance(e, _dt.date) else e.isoformat()) for e in edges])
            e = _ticks(vals, unit)
        else:
            if any(isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) for v in edges):
                raise TypeError
            e = np.asarray(edges, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{where}: bin edges of a {col.kind} column must be "
                        f"{'dates' if col.kind in ('date', 'datetime') else 'numbers'}. Got {list(edges)[:5]}.") from None
    if not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        raise SpecError(f"{where}: bin edges must be finite and strictly increasing. Got {list(edges)}.")
    return e


def _keyset_values(col: ColumnModel, keyset: Any) -> tuple[Any, ...]:
    where = f"keysets[{col.name!r}]"
    if isinstance(keyset, (str, bytes)) or not hasattr(keyset, "__iter__"):
        raise SpecError(f"{where}: a keyset is a list (or range) of the column's public values. Got {keyset!r}.")
    values = list(keyset)
    if not values:
        raise SpecError(f"{where}: a keyset needs at least one value")
    if len({repr(v) for v in values}) != len(values):
        raise SpecError(f"{where}: a value is listed twice")
    if col.kind == "categorical":
        bad = [v for v in values if not isinstance(v, str)] if _value_dtype(col) == pl.String else []
        if bad:
            raise SpecError(f"{where}: column {col.name!r} holds text; the keyset value(s) {bad[:5]} are not text")
        try:
            pl.Series(values).cast(_value_dtype(col), strict=True)
        except Exception:
            raise SpecError(f"{where}: values {values[:5]} cannot be values of column {col.name!r} ({col.dtype})") from None
        return tuple(values)
    if col.kind == "boolean":
        if not all(isinstance(v, bool) for v in values):
            raise SpecError(f"{where}: column {col.name!r} is boolean; its keyset holds True and False only")
        return tuple(values)
    if col.kind in ("continuous", "discrete"):
        bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating))]
        if bad:
            raise SpecError(f"{where}: column {col.name!r} is numeric; the keyset value(s) {bad[:5]} are not numbers")
        return tuple(int(v) if float(v).is_integer() and col.kind == "discrete" else float(v) for v in values)
    raise SpecError(f"{where}: a {col.kind} column takes binning, not a keyset (e.g. binning={{{col.name!r}: [...]}})")
