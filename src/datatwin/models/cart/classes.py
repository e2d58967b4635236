"""Each CART column as a small set of **classes**, the only values trees split on and predict.

A tree never sees, and the file never holds, a real value. Every modelled column becomes
classes ``0 .. C-1`` built from its *released* marginal (the file's ``columns`` entry):

- a categorical column: one class per published label, in the distribution's order (a rare
  label merged into the distribution's bucket takes the bucket's class);
- a boolean column: ``False``, ``True``;
- an ordered column (continuous, discrete, date, datetime, time): **bins**, slices of the
  marginal's probability axis. ``cuts`` are the interior cut probabilities; bin ``b`` is
  ``(cuts[b-1], cuts[b]]``. They come from an even grid of quantiles of the marginal, an atom
  of the marginal (a value with probability mass) always a whole bin, and — for whole-number
  columns with few values — every value held by at least k rows a bin of its own (so a column
  fully determined by earlier ones, like Adult's ``education-num`` by ``education``, comes out
  consistent);
- and, when values are missing, one more class, last: *missing*.

A real value's class is the bin holding its mid-probability ``P(X < x) + P(X = x) / 2`` under
the marginal; a synthetic row of class ``b`` draws a probability uniformly inside the bin and
takes the marginal's ``ppf`` of it — so numbers are *smoothed*: drawn from the published
distribution within the bin, never copied from a row.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from datatwin.models.columns import ColumnModel
from datatwin.models.copula.margins import just_below, unusable
from datatwin.prepare import PreparedColumn

#: kinds a tree can model (others are drawn on their own)
TREE_KINDS = ("continuous", "discrete", "date", "datetime", "time", "boolean", "categorical")
#: a whole-number column with at most this many values held by >= k rows gives each its own bin
MAX_VALUE_BINS = 64
#: probabilities drawn inside a bin stay this far inside its ends (ppf at an end is the neighbour's value)
_INSIDE = 1e-9


def distribution(col: ColumnModel) -> Any:
    """The column's distribution, with its family's own attributes (``labels``, ``probs``,
    ``p``); only called on modelled columns, which have one."""
    assert col.distribution is not None
    return col.distribution


def why_not_modelled(col: ColumnModel) -> str | None:
    """Why a column is drawn on its own instead of by a tree (None: a tree models it)."""
    reason = unusable(col, TREE_KINDS, "classes a tree could predict")
    if reason is not None:
        return reason
    if col.unique and col.kind in ("categorical", "boolean"):
        return "unique values: drawn on their own so they stay distinct"
    return None


@dataclasses.dataclass(frozen=True, eq=False)
class ColumnClasses:
    """The classes of one column. ``cuts`` (ordered columns only) are interior cut
    probabilities, strictly increasing in (0, 1); ``labels`` are the class values a file
    names (labels, booleans, or bin indices); the missing class, if any, is last."""

    name: str
    ordered: bool
    labels: tuple[Any, ...]
    has_missing: bool
    cuts: np.ndarray | None = None

    @property
    def n_values(self) -> int:
        """Classes of present values (without the missing class)."""
        return len(self.labels)

    @property
    def n_classes(self) -> int:
        return self.n_values + int(self.has_missing)

    @property
    def missing(self) -> int:
        """The missing class (== n_values; only meaningful when ``has_missing``)."""
        return self.n_values

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each bin's lower and upper cut probability (ordered columns)."""
        assert self.cuts is not None
        edges = np.concatenate([[0.0], self.cuts, [1.0]])
        return edges[:-1], edges[1:]

    def marginal(self, col: ColumnModel) -> np.ndarray:
        """Each class's probability under the column's released marginal (sums to 1)."""
        dist = distribution(col)
        if self.ordered:
            lo, hi = self.bounds()
            p = hi - lo
        elif col.kind == "boolean":
            p = np.array([1.0 - float(dist.p), float(dist.p)])
        else:
            p = np.asarray(dist.probs, dtype=float)
        p = p * (1.0 - col.prop_missing) if self.has_missing else p
        out = np.concatenate([p, [col.prop_missing]]) if self.has_missing else p
        return out / out.sum()

    def to_dict(self) -> list[float] | None:
        return None if self.cuts is None else [round(float(c), 12) for c in self.cuts]


def classes_for(col: ColumnModel, prepared: PreparedColumn | None, n_bins: int, k: int) -> ColumnClasses:
    """The classes of a modelled column at fit time (``prepared`` adds the frequent values'
    own bins of a whole-number column; without it, as read back from a file, pass the cuts)."""
    has_missing = col.prop_missing > 0
    dist = distribution(col)
    if col.kind == "categorical":
        return ColumnClasses(col.name, False, tuple(dist.labels), has_missing)
    if col.kind == "boolean":
        return ColumnClasses(col.name, False, (False, True), has_missing)
    cuts = _grid_cuts(col, n_bins)
    if prepared is not None and col.kind == "discrete" and len(prepared.values):
        frequent = prepared.values[prepared.counts >= k]
        if 0 < len(frequent) <= MAX_VALUE_BINS:
            lower, upper = _probabilities(col, frequent)
            cuts = np.concatenate([cuts, lower, upper])
    return ordered_classes(col, _clean(cuts), has_missing)


def ordered_classes(col: ColumnModel, cuts: np.ndarray, has_missing: bool) -> ColumnClasses:
    """An ordered column's classes from its cut probabilities."""
    cuts = np.asarray(cuts, dtype=float)
    return ColumnClasses(col.name, True, tuple(range(len(cuts) + 1)), has_missing, cuts)


def _probabilities(col: ColumnModel, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(X < v) and P(X <= v) under the column's marginal."""
    dist = distribution(col)
    upper = np.asarray(dist.cdf(values), dtype=float)
    lower = np.asarray(dist.cdf(just_below(values)), dtype=float)
    return lower, upper


def _grid_cuts(col: ColumnModel, n_bins: int) -> np.ndarray:
    """Quantile cuts of the marginal; a cut inside an atom moves to both ends of the atom."""
    grid = np.arange(1, n_bins) / n_bins
    values = np.asarray(distribution(col).ppf(grid))
    lower, upper = _probabilities(col, values)
    atom = upper - lower > 1e-12
    return np.concatenate([grid[~atom], lower[atom], upper[atom]])


def _clean(cuts: np.ndarray) -> np.ndarray:
    cuts = np.unique(np.round(cuts[np.isfinite(cuts)], 12))
    return cuts[(cuts > 1e-9) & (cuts < 1.0 - 1e-9)]


def real_classes(cc: ColumnClasses, col: ColumnModel, prepared: PreparedColumn) -> np.ndarray:
    """Each real row's class (int64, row-aligned with the table)."""

    codes = prepared.codes
    values = prepared.values
    if cc.ordered:
        lower, upper = _probabilities(col, values) if len(values) else (np.zeros(0), np.zeros(0))
        assert cc.cuts is not None
        distinct = np.searchsorted(cc.cuts, (lower + upper) / 2, side="left")
    elif col.kind == "boolean":
        distinct = values.astype(bool).astype(np.int64)
    else:
        position = {label: i for i, label in enumerate(cc.labels)}
        bucket = position.get((col.rare_labels or {}).get("into"), 0)
        distinct = np.array([position.get(v, bucket) for v in values.tolist()], dtype=np.int64)
    out = np.where(codes >= 0, distinct[np.maximum(codes, 0)] if len(distinct) else 0, cc.missing)
    return out.astype(np.int64)


def draw_arguments(cc: ColumnClasses, col: ColumnModel, classes: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """What :meth:`ColumnModel.sample` needs to turn drawn classes into values."""
    out: dict[str, Any] = {}
    missing = classes == cc.missing if cc.has_missing else np.zeros(len(classes), dtype=bool)
    out["missing"] = missing
    present = np.where(missing, 0, classes)
    if cc.ordered or col.kind == "boolean":
        if cc.ordered:
            lo, hi = cc.bounds()
        else:
            q = 1.0 - float(distribution(col).p)
            lo, hi = np.array([0.0, q]), np.array([q, 1.0])
        low, width = lo[present], (hi - lo)[present]
        v = rng.random(len(classes))
        out["uniforms"] = np.clip(low + width * (_INSIDE + (1 - 2 * _INSIDE) * v), _INSIDE, 1 - _INSIDE)
    else:
        out["codes"] = present
    return out
