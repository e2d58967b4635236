"""The k-anonymous histogram: a flexible default that publishes no value held by fewer than k rows.

Quantile bins that each hold at least ``k`` rows; every edge is the roundest number in the
gap between two data values (or a value that at least ``k`` rows hold), and the outer
edges are rounded outward (by at most :data:`EDGE_SLACK` of the outer bin's width), so no
edge is a real minimum, maximum or any value held by 1 to k - 1 rows. Values are uniform
within a bin (whole numbers uniform on the bin's integers). The number of bins is chosen
by BIC among powers of two, so the histogram competes fairly with the parametric
families: it wins where they miss the data's shape (Adult's ``fnlwgt``, flights' delays),
and loses where one of them is right.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from datatwin.distributions.base import Distribution, DistributionError, merge_repeats, register
from datatwin.distributions.categorical import check_probabilities
from datatwin.distributions.inversion import integer_ppf
from datatwin.distributions.lookup import count_cuts
from datatwin.distributions.rounding import roundest

__all__ = ["DEFAULT_K", "EDGE_SLACK", "HistogramDistribution", "k_anonymous_edges"]

#: the fewest rows behind a bin, an edge value or a published value by default (the usual
#: output-checking threshold; the spec's ``rare_threshold``, and k under disclosure control)
DEFAULT_K = 10
#: the outer edges move outward by at most this share of the outer bin's width while being
#: rounded: enough room to reach a round number, little enough that the tails stay where
#: the data are (a top bin of width 1,000,000 ends at most 250,000 above the real maximum)
EDGE_SLACK = 0.25
#: bin counts tried (powers of two), the most bins a histogram has
BIN_CHOICES = (4, 8, 16, 32, 64, 128)


@register
@dataclasses.dataclass(frozen=True)
class HistogramDistribution(Distribution):
    """Bin ``i`` covers ``[edges[i], edges[i + 1])`` (the last one includes its top edge)
    and carries ``probs[i]``; values are uniform within a bin. With ``integer``, bin ``i``
    holds the whole numbers ``x`` with ``edges[i] <= x < edges[i + 1]``, each equally likely
    (an edge such as ``49.5`` lies between two whole numbers), so the top edge lies beyond
    the largest value drawn.

    Fitted as a k-anonymous histogram (see the module docstring); edges and probabilities
    given in a spec or a model file are used as they are.
    """

    name = "histogram"
    kinds = ("continuous", "discrete")
    fit_is_maximum_likelihood = False  # the edges are chosen; only the bin shares are ML
    edges: list
    probs: list
    integer: bool

    def _check(self) -> None:
        if not isinstance(self.edges, list) or len(self.edges) < 2:
            raise DistributionError("histogram: 'edges' must be a list of at least two numbers")
        if not all(isinstance(e, (int, float)) and not isinstance(e, bool) for e in self.edges):
            raise DistributionError(f"histogram: 'edges' must be numbers. Got {self.edges[:5]!r}...")
        e = np.asarray(self.edges, dtype=float)
        if not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
            raise DistributionError("histogram: 'edges' must be finite and strictly increasing")
        if self.integer and np.any(np.diff(np.ceil(e)) <= 0):
            raise DistributionError("histogram: with 'integer', every bin must hold a whole number")
        if not isinstance(self.probs, list) or len(self.probs) != len(self.edges) - 1:
            raise DistributionError(
                f"histogram: 'probs' must hold one probability per bin ({len(self.edges) - 1}). "
                f"Got {len(self.probs) if isinstance(self.probs, list) else self.probs!r}."
            )
        check_probabilities(self.name, "probs", self.probs)

    @classmethod
    def _fit(cls, values, counts, k: int = DEFAULT_K, n_bins: int | None = None):
        values, counts = merge_repeats(values, counts)
        if values.dtype.kind not in "iuf":
            raise DistributionError("histogram: needs numbers")
        order = np.argsort(values, kind="stable")  # distinct input comes back unsorted
        values, counts = values[order], counts[order]
        integer = values.dtype.kind in "iu"
        x = values.astype(float)
        if not np.all(np.isfinite(x)):
            raise DistributionError("histogram: needs finite numbers")
        k = max(int(k), 1)
        n = float(counts.sum())
        if n < k:
            raise DistributionError(f"histogram: needs at least k={k} rows (every bin holds k), but has {n:g}")
        if len(x) < 2:
            raise DistributionError("histogram: all values are equal")
        choices = [n_bins] if n_bins is not None else [m for m in BIN_CHOICES if m * k <= n] or [1]
        best, best_score = None, math.inf
        for m in choices:
            edges, rows = k_anonymous_edges(x, counts, k, m, integer)
            dist = cls([_number(e) for e in edges], [float(r) for r in rows / rows.sum()], integer)
            inside = x >= edges[0]  # without the rows an exact, rare 0 leaves out
            score = dist.information_criterion(values[inside], counts[inside])
            if best is None or score < best_score:
                best, best_score = dist, score
            if len(edges) - 1 < m:  # fewer bins than asked: more would not fit either
                break
        assert best is not None
        return best

    @property
    def n_parameters(self) -> int:
        return len(self.edges) + len(self.probs) - 1

    # -- the bins --------------------------------------------------------------------------
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(edges, normalised probabilities, the cdf at each edge); for whole numbers the
        edges are rounded up, so bin i is the integers in [edges[i], edges[i + 1])."""
        e = np.asarray(self.edges, dtype=float)
        if self.integer:
            e = np.ceil(e)
        p = np.asarray(self.probs, dtype=float)
        p = p / p.sum()
        cum = np.concatenate([[0.0], np.cumsum(p)])
        cum[-1] = 1.0
        return e, p, cum

    def _support(self):
        e, _, _ = self._arrays()
        return (float(e[0]), float(e[-1] - 1.0) if self.integer else float(e[-1]))

    def _sample(self, n, rng):
        return self._ppf_of(rng.random(n))

    def _from_uniforms(self, u: np.ndarray) -> np.ndarray | None:
        # the sampler's own map: ppf but at the cell edges of whole numbers (a null set), 4x cheaper
        return self._ppf_of(u) if self.integer and self.ordered else None

    def _ppf_of(self, u: np.ndarray) -> np.ndarray:
        x = self._continuous_ppf(u)
        if not self.integer:
            return x
        # the continuous histogram on the whole-number edges, floored: uniform on each bin's integers
        lo, hi = self._support()
        return np.clip(np.floor(x), lo, hi).astype(np.int64)

    def _logpdf(self, values):
        e, p, _ = self._arrays()
        x = np.asarray(values).astype(float)
        top = e[-1] - 1.0 if self.integer else e[-1]
        i = np.clip(np.searchsorted(e, x, side="right") - 1, 0, len(p) - 1)
        with np.errstate(divide="ignore"):
            logp = np.log(p[i]) - np.log(e[i + 1] - e[i])
        ok = (x >= e[0]) & (x <= top)
        if self.integer:
            ok &= x == np.floor(x)
        return np.where(ok, logp, -np.inf)

    def _continuous_cdf(self, x: np.ndarray) -> np.ndarray:
        e, _, cum = self._arrays()
        return np.interp(x, e, cum, left=0.0, right=1.0)

    def _continuous_ppf(self, q: np.ndarray) -> np.ndarray:
        e, p, cum = self._arrays()
        q = np.maximum(np.asarray(q, dtype=float), np.nextafter(0.0, 1.0))  # ppf(0): the lowest point
        i = count_cuts(cum[1:-1], q, side="left")  # the first bin reaching q
        # per-bin constants, gathered once per draw: no division and no where over the draws
        with np.errstate(divide="ignore"):
            inverse = np.where(p > 0, 1.0 / p, 0.0)
        frac = (q - cum[i]) * inverse[i]
        np.clip(frac, 0.0, 1.0, out=frac)
        frac *= np.diff(e)[i]
        frac += e[i]
        return frac

    def _cdf(self, x):
        x = np.asarray(x).astype(float)
        if self.integer:  # P(X <= k) is the continuous histogram's cdf at k + 1
            return self._continuous_cdf(np.floor(x) + 1.0)
        return self._continuous_cdf(x)

    def _ppf(self, q):
        if not self.integer:
            return self._continuous_ppf(q)
        guess = np.ceil(self._continuous_ppf(q)) - 1.0
        return integer_ppf(self._cdf, q, self._support(), guess)


def _number(e: float) -> int | float:
    """An edge as the model file writes it: whole numbers as integers."""
    return int(e) if float(e).is_integer() and abs(e) < 2**53 else float(e)


# -- the k-anonymous fit ------------------------------------------------------------------------


def k_anonymous_edges(
    x: np.ndarray, counts: np.ndarray, k: int, n_bins: int, integer: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Edges and row counts of about ``n_bins`` quantile bins of sorted distinct ``x`` with
    ``counts``: every bin holds at least ``k`` rows, and no edge equals a value that 1 to
    k - 1 rows hold.

    A cut between two neighbouring data values is the roundest number in the gap between
    them that stretches neither neighbouring bin by more than :data:`EDGE_SLACK` of the
    width its data span (a value at least k rows hold may be the cut itself); for whole
    numbers without such a number, the half-way point (``49.5`` between 49 and 50). The outer
    edges are a minimum or maximum that at least k rows hold, or else rounded outward by at
    most :data:`EDGE_SLACK` of the outer bin's width (never below 0 for data that are >= 0).
    Whole numbers get an exclusive top edge.

    >>> x = np.arange(1.0, 101.0)  # 1 .. 100
    >>> k_anonymous_edges(x, np.full(100, 12.0), 10, 4, integer=True)[0].tolist()  # 12 rows each
    [1.0, 26.0, 51.0, 76.0, 101.0]
    >>> k_anonymous_edges(x, np.ones(100), 10, 4, integer=True)[0].tolist()  # 1 row each
    [0.0, 25.5, 50.5, 75.5, 105.0]
    >>> k_anonymous_edges(np.array([0.0, 113.0, 401.0]), np.array([300.0, 12.0, 20.0]), 10, 4, True)[0].tolist()
    [0.0, 1.0, 401.0, 402.0]
    """
    c = counts.astype(float)
    # real numbers from an exact 0 that fewer than k rows hold (survey weights): no edge may be
    # 0, and none below it, so those rows are left out (the selection scores every candidate
    # without them, see datatwin.distributions.selection)
    above_zero = not integer and len(x) > 1 and x[0] == 0 and c[0] < k
    if above_zero:
        x, c = x[1:], c[1:]
    n = float(c.sum())
    frequent = c >= k
    cum = np.cumsum(c)  # rows up to and including each value
    # the window of a cut between x[j] and x[j + 1]: numbers no rare value takes
    if integer:
        gap_lo = x[:-1] + 1.0
        gap_hi = np.where(frequent[1:], x[1:], x[1:] - 1.0)
        admissible = np.arange(len(x) - 1)  # a half-way point is always there
    else:
        gap_lo = np.nextafter(x[:-1], np.inf)
        gap_hi = np.where(frequent[1:], x[1:], np.nextafter(x[1:], -np.inf))
        admissible = np.flatnonzero(gap_lo <= gap_hi)
    positions = cum[admissible]
    chosen: list[int] = []  # gaps j: a cut between x[j] and x[j + 1]
    prev_rows = 0.0
    for t in np.arange(1, max(n_bins, 1)) * n / max(n_bins, 1):
        lo_i = int(np.searchsorted(positions, prev_rows + k, side="left"))  # the bin below holds >= k
        hi_i = int(np.searchsorted(positions, n - k, side="right")) - 1  # the rest holds >= k
        if lo_i > hi_i:
            break
        i = int(np.clip(np.searchsorted(positions, t), lo_i, hi_i))
        if i > lo_i and abs(positions[i - 1] - t) <= abs(positions[i] - t):
            i -= 1
        j = int(admissible[i])
        if chosen and j <= chosen[-1]:
            continue
        chosen.append(j)
        prev_rows = float(positions[i])
    unit = 1.0 if integer else 0.0
    starts = [0] + [j + 1 for j in chosen]  # each bin's first value index
    ends = [j for j in chosen] + [len(x) - 1]  # each bin's last value index
    cuts = []
    rows = np.diff(np.concatenate([[0.0], cum[chosen], [n]]))
    for b, j in enumerate(chosen):
        below = (rows[b], float(x[j] - x[starts[b]] + unit))  # the bins' rows and data widths
        above = (rows[b + 1], float(x[ends[b + 1]] - x[j + 1] + unit))
        cuts.append(_cut(x, j, float(gap_lo[j]), float(gap_hi[j]), below, above, integer))
    span_low = x[ends[0]] - x[0] + unit
    span_high = x[-1] - x[starts[-1]] + unit
    lower = _lower_edge(x, frequent, integer, float(span_low), above_zero)
    if frequent[-1]:  # a maximum that k rows hold is safe to publish as it is
        upper = float(x[-1]) + unit
    elif integer:  # exclusive: beyond the largest value, an absent whole number
        upper = roundest(float(x[-1]) + 1.0, float(x[-1]) + 1.0 + math.floor(EDGE_SLACK * span_high))
    else:
        top_lo = float(np.nextafter(x[-1], np.inf))
        upper = roundest(top_lo, max(top_lo, float(x[-1]) + EDGE_SLACK * span_high))
    return np.array([lower, *cuts, upper], dtype=float), rows


def _roundness(c: float) -> int:
    """How round ``c`` is: 3p + 2, 1 or 0 for the coarsest step 5, 2 or 1 × 10^p it is a
    multiple of (higher is rounder; 0 is the roundest number of all)."""
    if c == 0:
        return 10**6
    for p in range(20, -20, -1):
        for rank, d in ((2, 5), (1, 2), (0, 1)):
            q = c / (d * 10.0**p)
            if abs(q - round(q)) < 1e-9 * max(1.0, abs(q)):
                return 3 * p + rank
    return -(10**6)


def _cut(
    x: np.ndarray, j: int, lo: float, hi: float, below: tuple[float, float], above: tuple[float, float], integer: bool
) -> float:
    """The cut between x[j] and x[j + 1]: the roundest number in [lo, hi] (the numbers no rare
    value takes) that stretches the bin below by at most EDGE_SLACK of its data width and
    the bin above likewise (``below``, ``above``: each bin's rows and data width). Where the
    gap is wider than that allows, the cut stays close to the denser bin and the sparser
    one takes the gap (a single-value bin, such as Adult's zero capital gains, is not
    stretched at all); whole numbers without a number there get the half-way point."""
    unit = 1.0 if integer else 0.0
    first, last = float(x[j]) + unit, float(x[j + 1])  # the lower bin's data end, the upper bin's start
    (rows_b, width_b), (rows_a, width_a) = below, above
    if integer:
        room_b, room_a = math.floor(EDGE_SLACK * width_b), math.floor(EDGE_SLACK * width_a)
    else:  # a bin of one real value spans no width: it may take a share of the gap
        room_b, room_a = EDGE_SLACK * max(width_b, last - first), EDGE_SLACK * max(width_a, last - first)
    w_lo, w_hi = max(lo, last - room_a), min(hi, first + room_b)
    if w_lo > w_hi:  # the gap is too wide for both: stretch the sparser bin only
        if rows_b * width_a >= rows_a * width_b:  # the bin below is the denser
            w_lo, w_hi = lo, min(hi, max(first, lo) + room_b)
        else:
            w_lo, w_hi = max(lo, min(last, hi) - room_a), hi
    if w_lo <= w_hi:
        return roundest(w_lo, w_hi)
    if integer:
        return last - 0.5
    return lo


def _lower_edge(x: np.ndarray, frequent: np.ndarray, integer: bool, span: float, above_zero: bool) -> float:
    """The lowest edge: a minimum that k rows hold, or else rounded down from the minimum by
    at most EDGE_SLACK of the first bin's width, never below 0 for data that are >= 0 (above
    0 with ``above_zero``: the data's 0 is held by too few rows to be an edge). Where the
    minimum is 0 held by fewer than k rows, whole numbers start at -0.5: the first bin's
    smallest whole number is still 0."""
    v0 = float(x[0])
    if frequent[0]:  # a minimum that k rows hold is safe to publish as it is
        return v0
    floor_at = float(np.nextafter(0.0, 1.0)) if above_zero else 0.0 if v0 >= 0 else -math.inf
    if integer:
        lo = max(v0 - max(math.floor(EDGE_SLACK * span), 1), floor_at)
        return roundest(lo, v0 - 1.0, prefer="high") if lo <= v0 - 1.0 else v0 - 0.5
    lo, hi = max(v0 - EDGE_SLACK * span, floor_at), float(np.nextafter(v0, -np.inf))
    return roundest(lo, hi, prefer="high") if lo <= hi else hi
