"""The copula's dimensions and how each maps between values, normal scores and the latent
Gaussian.

A column joins the copula with up to two dimensions: its **value** and, when some of its
values are missing, its **missing indicator** (so joint missingness, such as Adult's
workclass and occupation, is kept). Every dimension has an ordered marginal taken from the
column's released model:

- a column with a continuous-like distribution: ``cdf``/``ppf`` of the distribution;
- a column of whole numbers: the same, with the mid-probability of each value
  (``P(X < x) + P(X = x) / 2``, the distributional transform's mean);
- a boolean, a categorical column (labels in the order the copula chose) and a missing
  indicator: a few **levels** with probabilities, each a slice of the latent axis.

The **normal score** of a value is ``Φ⁻¹`` of its (mid-)probability, clipped to
``±SCORE_LIMIT``; a missing value has score 0 on its value dimension. Real rows and
synthetic rows are scored by the same maps, so the correlation the copula is calibrated on
is computed the same way on both.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import special

from datatwin.models.columns import ColumnModel

#: normal scores are clipped here (probabilities within about 3e-5 of 0 or 1)
SCORE_LIMIT = 4.0
_U_MIN = float(special.ndtr(-SCORE_LIMIT))
#: families that hold no order a copula could use: they stay independent
UNORDERED = ("faker", "free_text", "pattern", "random_string", "unique_key", "constant")
#: a column's missing indicator joins the copula when at least this share of its values is missing
#: (rarer missingness carries little joint structure, and under differential privacy a share this
#: small is mostly the noise of a column with no missing value at all)
MIN_MISSING_SHARE = 0.01
COPULA_KINDS = ("continuous", "discrete", "date", "datetime", "time", "boolean", "categorical")


def normal_score(u: np.ndarray) -> np.ndarray:
    """Φ⁻¹(u), u clipped away from 0 and 1 so scores stay within ±SCORE_LIMIT."""
    return special.ndtri(np.clip(u, _U_MIN, 1.0 - _U_MIN))


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One axis of the copula: a column's value, or its missing indicator (``missing``).
    ``order`` holds a categorical column's labels in latent order."""

    column: str
    missing: bool = False
    order: tuple[Any, ...] | None = None
    #: a categorical column in groups: the sizes of the consecutive groups of ``order`` (on
    #: the group axis, and copied onto the column's group parts in memory)
    groups: tuple[int, ...] | None = None
    #: the group axis of a categorical column in groups (which group of labels)
    group: bool = False
    #: the axis of one group's labels (its index in ``groups``)
    part: int | None = None

    @property
    def label(self) -> str:
        if self.group:
            return f"{self.column} (group)"
        if self.part is not None:
            return f"{self.column} (group {self.part + 1})"
        return f"{self.column} (missing)" if self.missing else self.column

    @property
    def kind(self) -> str:
        """"value", "missing", "group" or "group N": with the column, what identifies a dimension."""
        return "group" if self.group else f"group {self.part + 1}" if self.part is not None else (
            "missing" if self.missing else "value")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"column": self.column}
        if self.missing:
            d["missing"] = True
        if self.part is not None:
            d["part"] = self.part + 1
            return d  # its labels are the group axis's
        if self.order is not None:
            d["order"] = list(self.order)
        if self.group:
            d["groups"] = list(self.groups or ())
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dimension:
        order, groups, part = d.get("order"), d.get("groups"), d.get("part")
        return cls(d["column"], bool(d.get("missing", False)), tuple(order) if order is not None else None,
                   tuple(int(g) for g in groups) if groups is not None else None, groups is not None,
                   int(part) - 1 if part is not None else None)


def unusable(col: ColumnModel, kinds: Sequence[str], lacks: str, unordered_ok: bool = False) -> str | None:
    """Why a multivariate family leaves ``col`` on its own, for the file's ``independent``
    list: every value missing, a kind outside ``kinds``, or a distribution with no order
    (unless ``unordered_ok``); ``lacks`` says what it has none of ("order a copula could use")."""
    dist = col.distribution
    if dist is None:
        return "every value is missing"
    if col.kind not in kinds:
        return f"a {col.kind} column ({dist.name}) has no {lacks}"
    if dist.name in UNORDERED and not unordered_ok:
        return f"{dist.name}: no {lacks}"
    return None


def why_independent(col: ColumnModel) -> str | None:
    """Why a column cannot join the copula at all (None when it can, with at least one dimension)."""
    return unusable(col, COPULA_KINDS, "order a copula could use", unordered_ok=missing_joins(col))


def missing_joins(col: ColumnModel) -> bool:
    """Whether the column's missing indicator joins the copula."""
    return MIN_MISSING_SHARE <= col.prop_missing < 1.0


def value_joins(col: ColumnModel) -> bool:
    """Whether the column's value (not only its missing indicator) joins the copula."""
    dist = col.distribution
    if dist is None or col.kind not in COPULA_KINDS or dist.name in UNORDERED:
        return False
    if col.kind == "categorical":
        return len(dist.labels) >= 2
    if col.kind == "boolean":
        return 0.0 < float(dist.p) < 1.0
    return True


class Margin:
    """How one dimension maps values to scores and latent draws to values."""

    dimension: Dimension

    def latent_scores(self, w: np.ndarray) -> np.ndarray:
        """Scores of the values that latent draws ``w`` become (what a synthetic row scores)."""
        raise NotImplementedError


#: up to this many cuts, a level is found by comparisons rather than a binary search (measured)
COMPARE_CUTS = 32


class Levels(Margin):
    """Finitely many ordered levels with probabilities: cuts on the latent axis.

    ``probs`` are in latent order; level k is drawn for latent w in (cut[k-1], cut[k]].
    """

    def __init__(self, dimension: Dimension, probs: np.ndarray) -> None:
        self.dimension = dimension
        p = np.clip(np.asarray(probs, dtype=float), 0.0, None)
        self.probs = p / p.sum() if p.sum() > 0 else np.full(len(p), 1.0 / len(p))
        cum = np.cumsum(self.probs)
        self.cuts = special.ndtri(np.clip(cum[:-1], 0.0, 1.0))
        self.scores = normal_score(cum - self.probs / 2)

    def level(self, w: np.ndarray) -> np.ndarray:
        """Level index (in latent order) of each latent draw."""
        if len(self.cuts) > COMPARE_CUTS:
            return np.searchsorted(self.cuts, w, side="left")
        # the number of cuts below w: a few vectorised comparisons beat a binary search per
        # draw by 3-8x for the handful of cuts most columns have (a byte per draw to add up;
        # a cut as a Python float compares in w's own precision)
        w = np.asarray(w)
        level = np.zeros(w.shape, dtype=np.uint8)
        passed = np.empty(w.shape, dtype=bool)
        for cut in self.cuts:
            np.greater(w, float(cut), out=passed)
            level += passed
        return level.astype(np.intp)

    def latent_scores(self, w: np.ndarray) -> np.ndarray:
        return self.scores[self.level(w)]

    @property
    def label_scores(self) -> np.ndarray:
        """The score of each label (or level) in latent order."""
        return self.scores


class GroupAxis(Levels):
    """The group axis of a two-axis categorical column: one level per group of labels."""

    def __init__(self, dimension: Dimension, probs: np.ndarray, sizes: Sequence[int]) -> None:
        p = np.clip(np.asarray(probs, dtype=float), 0.0, None)
        ends = np.cumsum(sizes)
        super().__init__(dimension, np.add.reduceat(p, ends - np.asarray(sizes)) if len(p) else p)
        self.group_of = np.repeat(np.arange(len(sizes)), sizes)

    @property
    def label_scores(self) -> np.ndarray:
        return self.scores[self.group_of]


class Within(Levels):
    """The axis of one group of a two-axis categorical column's labels: the group's labels as
    slices, cut by their shares within the group. A row whose label is in another group scores
    0 here (as a missing value does on its value axis)."""

    def __init__(self, dimension: Dimension, probs: np.ndarray, sizes: Sequence[int], part: int) -> None:
        p = np.clip(np.asarray(probs, dtype=float), 0.0, None)
        self.start = int(np.sum(sizes[:part]))
        self.size = int(sizes[part])
        super().__init__(dimension, p[self.start : self.start + self.size])
        self.n_labels = len(p)

    @property
    def label_scores(self) -> np.ndarray:
        out = np.zeros(self.n_labels)
        out[self.start : self.start + self.size] = self.scores
        return out


#: grid points of the tabulated score map of a margin with atoms (calibration only)
_TABLE_POINTS = 8193
#: families with a density and no atom: the score of ppf(Φ(w)) is w itself
ATOMLESS = ("uniform", "normal", "truncated_normal", "lognormal", "exponential", "gamma")


def just_below(values: np.ndarray) -> np.ndarray:
    """The largest representable values below ``values``: P(X <= just_below(x)) = P(X < x)."""
    kind = values.dtype.kind
    if kind == "f":
        return np.nextafter(values, -np.inf)
    if kind in "iub":  # booleans: bernoulli on a 0/1 number column, False < True as 0 < 1
        return values.astype(np.int64) - 1
    if kind in "Mm":
        unit = np.datetime_data(values.dtype)[0]
        return values - np.timedelta64(1, unit)
    raise TypeError(f"no order on values of dtype {values.dtype}")


class Ordered(Margin):
    """A column value with an ordered distribution (``cdf``/``ppf``). Each value scores the
    normal score of its mid-probability P(X < x) + P(X = x) / 2 (for a density: its cdf)."""

    def __init__(self, dimension: Dimension, col: ColumnModel) -> None:
        self.dimension = dimension
        self.dist = col.distribution
        self.atomless = col.kind == "continuous" and self.dist.name in ATOMLESS
        self._table: tuple[np.ndarray, np.ndarray] | None = None

    def value_scores(self, values: np.ndarray) -> np.ndarray:
        """Scores of values in the distribution's own representation (numbers, datetime64)."""
        values = self._within_support(np.asarray(values))
        upper = np.asarray(self.dist.cdf(values), dtype=float)
        if self.atomless:
            return normal_score(upper)
        lower = np.asarray(self.dist.cdf(just_below(values)), dtype=float)
        return normal_score((lower + upper) / 2)

    def _within_support(self, values: np.ndarray) -> np.ndarray:
        """``values`` clamped to the released support: a real value beyond the released bounds
        (differential privacy clamps to them) scores as the nearest end, not as ±SCORE_LIMIT —
        an outlier that would distort every correlation it enters."""
        if self.atomless or values.size == 0 or values.dtype.kind not in "fiuMm":
            return values
        ends = np.asarray(self.dist.ppf(np.array([0.0, 1.0])))
        if ends.dtype.kind == "f" and not np.isfinite(ends).all():
            return values
        if values.dtype.kind in "fiu" and ends.dtype.kind in "fiu":
            low, high = float(ends[0]), float(ends[1])
            if values.dtype.kind in "iu":  # whole numbers: the ends that are whole numbers inside
                low, high = math.ceil(low), math.floor(high)
                if low > high:
                    return values
            return np.clip(values, low, high).astype(values.dtype, copy=False)
        if ends.dtype != values.dtype:
            return values
        return np.clip(values, ends[0], ends[1])

    def latent_scores(self, w: np.ndarray) -> np.ndarray:
        if self.atomless:
            return np.clip(w, -SCORE_LIMIT, SCORE_LIMIT)
        if self._table is None:
            # the score of ppf(Φ(w)) tabulated once on a grid of w: exact on the plateaus (a value
            # held by many rows, an atom), interpolated across the fine brackets between
            grid = np.linspace(-SCORE_LIMIT, SCORE_LIMIT, _TABLE_POINTS)
            self._table = (grid, self.value_scores(self.dist.ppf(special.ndtr(grid))))
        _, scores = self._table
        return _on_uniform_grid(w, scores)


def _on_uniform_grid(w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``values`` tabulated on the evenly spaced grid from
    -SCORE_LIMIT to SCORE_LIMIT, at ``w`` (clipped to it): ``np.interp`` without its binary
    search, since the cell of an evenly spaced grid is one multiplication away."""
    cells = len(values) - 1
    at = (np.clip(w, -SCORE_LIMIT, SCORE_LIMIT) + SCORE_LIMIT) * (cells / (2 * SCORE_LIMIT))
    i = np.minimum(at.astype(np.intp), cells - 1)
    at -= i  # the fraction of the way across cell i
    low = values[i]
    return low + at * (values[i + 1] - low)


def margin_for(dim: Dimension, col: ColumnModel) -> Margin:
    """The margin of ``dim`` from its column's released model."""
    if dim.missing:
        p = float(col.prop_missing)
        return Levels(dim, np.array([p, 1.0 - p]))  # missing first: the low end of the axis
    dist = col.distribution
    if col.kind == "categorical":
        index = {label: i for i, label in enumerate(dist.labels)}
        probs = np.asarray(dist.probs, dtype=float)
        order = dim.order if dim.order is not None else tuple(dist.labels)
        p = probs[[index[label] for label in order]]
        if dim.groups is None:
            return Levels(dim, p)
        return GroupAxis(dim, p, dim.groups) if dim.part is None else Within(dim, p, dim.groups, dim.part)
    if col.kind == "boolean":
        p = float(dist.p)
        return Levels(dim, np.array([1.0 - p, p]))  # False first
    return Ordered(dim, col)
