"""Clamping bounds for numeric and temporal columns under differential privacy.

Every DP estimate of a numeric column starts by clamping the values to [lower, upper]:
clamping is what bounds how much one row can move a sum. The bounds are either public
(``bounds = [lower, upper]`` in the column's spec, free) or estimated privately here.

The private estimate is the "approximate bounds" algorithm of Google's differential
privacy library (``ApproxBounds``, cc/docs/algorithms/approx-bounds.md; also OpenDP issue
#659): a noisy histogram over a *fixed, public* grid of bins whose edges grow
geometrically away from zero (here by a factor √2, from 2^-10 to 2^50 on both sides),
then the outermost bins whose noisy count clears a threshold that an empty bin exceeds
only with small probability; beyond those, runs of 2 to 16 adjacent noisy bins reveal
thin tails that no single bin does (post-processing, see :func:`coarse_reach`). The
bounds released are bin edges, so they are grid points chosen with noise, never the
real minimum or maximum. Date and datetime columns use
calendar grids instead (the first of every month, and of every year, from 1900 to 2100);
time-of-day columns need no estimate, a day runs from 00:00 to 24:00.

Temporal values are handled as the integer ticks the distributions use: days since
1970-01-01 for dates, the column's unit since the epoch (UTC) for datetimes, and
nanoseconds since midnight for times (see :mod:`datatwin.prepare.convert`).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from datatwin.distributions.temporal import parse_time
from datatwin.errors import PrivacyError
from datatwin.privacy.dp_column import ColumnBudget

__all__ = ["Bounds", "NumericData", "dp_bounds", "numeric_data", "public_bounds"]

#: chance that an empty bin's noisy count clears the threshold, summed over the grid: small,
#: because one such bin far out would stretch the bounds (and the fitted spread) absurdly,
#: while missing a thin real tail only clamps a few rows
FALSE_BIN_RATE = 1e-3
_NS_PER_DAY = 86_400 * 10**9

TEMPORAL = ("date", "datetime", "time")


@dataclasses.dataclass(frozen=True)
class NumericData:
    """A numeric or temporal column as numbers: distinct ``x`` (float64) with ``counts``.

    ``unit`` is the numpy tick unit of a temporal column (``"D"`` for dates, the
    column's unit for datetimes, ``"ns"`` for times) and ``None`` otherwise.
    ``integer`` says whether values are whole (discrete and temporal kinds).
    """

    kind: str
    x: np.ndarray
    counts: np.ndarray
    unit: str | None

    @property
    def integer(self) -> bool:
        return self.kind != "continuous"


@dataclasses.dataclass(frozen=True)
class Bounds:
    """Clamping bounds and where they came from (``"spec"``, ``"dp"`` or ``"domain"``)."""

    lower: float
    upper: float
    source: str


def numeric_data(kind: str, values: np.ndarray, counts: np.ndarray) -> NumericData:
    """The column's distinct values as float64 numbers (ticks for temporal kinds)."""
    unit = None
    if kind in ("date", "datetime"):
        unit = np.datetime_data(values.dtype)[0] if values.size else ("D" if kind == "date" else "us")
        x = values.view(np.int64).astype(np.float64) if values.size else np.zeros(0)
    elif kind == "time":
        unit = "ns"
        x = values.astype("timedelta64[ns]").view(np.int64).astype(np.float64) if values.size else np.zeros(0)
    else:
        x = values.astype(np.float64) if values.size else np.zeros(0)
    return NumericData(kind, x, counts, unit)


def to_ticks(column: str, kind: str, unit: str | None, value: object) -> float:
    """A bound from the spec as a number on the column's scale (ISO text for temporal)."""
    if kind in TEMPORAL:
        if not isinstance(value, str):
            example = {"date": "'2000-01-01'", "datetime": "'2000-01-01T00:00:00'", "time": "'08:00:00'"}[kind]
            raise PrivacyError(
                f"column {column!r}: bounds of a {kind} column must be ISO 8601 text such as {example}. "
                f"Got {value!r}."
            )
        try:
            if kind == "time":
                return float(parse_time(value))
            return float(np.datetime64(value, unit).astype(np.int64))
        except ValueError:
            raise PrivacyError(
                f"column {column!r}: bound {value!r} is not a valid ISO 8601 {kind}; write e.g. "
                + ("'08:30:00'" if kind == "time" else "'2020-01-31'")
            ) from None
    if isinstance(value, str):
        raise PrivacyError(f"column {column!r}: bounds of a {kind} column must be numbers. Got {value!r}.")
    return float(value)


def public_bounds(column: str, data: NumericData, spec_bounds: tuple[object, object] | None) -> Bounds | None:
    """Bounds known without the data: the spec's, or the whole day for time columns."""
    if spec_bounds is not None:
        lo, hi = (to_ticks(column, data.kind, data.unit, v) for v in spec_bounds)
        if data.kind == "discrete":  # whole numbers inside the bounds
            lo, hi = float(math.ceil(lo)), float(math.floor(hi))
        if lo > hi:
            raise PrivacyError(f"column {column!r}: bounds lower {spec_bounds[0]!r} is after upper {spec_bounds[1]!r}")
        return Bounds(lo, hi, "spec")
    if data.kind == "time":
        return Bounds(0.0, float(_NS_PER_DAY - 10**9), "domain")  # 00:00:00 to 23:59:59
    return None


@functools.cache
def _log_grid(step: float) -> np.ndarray:
    """Edges ±2^k for k from -10 to 50 in steps of ``step``, and 0."""
    positive = 2.0 ** np.arange(-10.0, 50.0 + step / 2, step)
    return np.concatenate([-positive[::-1], [0.0], positive])


@functools.cache
def _calendar_grid(unit: str, months: int) -> np.ndarray:
    """The first of every ``months``-th month from 1900 to 2100, in ticks of ``unit``."""
    edges = np.arange(np.datetime64("1900-01"), np.datetime64("2100-02"), months, dtype="datetime64[M]")
    return edges.astype(f"datetime64[{unit}]").astype(np.int64).astype(np.float64)


def grids_for(data: NumericData) -> list[np.ndarray]:
    """The public grids of bin edges used to estimate this column's bounds, finest first.

    Numbers: edges a factor √2 apart. Dates and datetimes: months, and years for a range
    spread too thinly over months (birth dates over decades). A coarser grid is used only
    where the finer one finds nothing: letting a coarse bin next to the fine bounds widen
    them would stretch an age range to 16 384, and the noise of every clamped sum with it.
    Thin tails beyond the fine bounds are looked for instead in runs of the same noisy
    bins, with thresholds that keep such false alarms rare (:func:`coarse_reach`).
    """
    if data.kind in ("date", "datetime"):
        return [_calendar_grid(data.unit or "D", m) for m in (1, 12)]
    return [_log_grid(0.5)]


def threshold(noise_sd: float, n_bins: int, zcdp: bool) -> float:
    """Count an empty bin's noisy count exceeds with probability FALSE_BIN_RATE / n_bins."""
    p = FALSE_BIN_RATE / n_bins
    if zcdp:  # Gaussian tail: P(N > t) <= exp(-t²/2σ²) / 2
        return noise_sd * math.sqrt(2.0 * math.log(1.0 / (2.0 * p)))
    b = noise_sd / math.sqrt(2.0)  # Laplace scale: P(N > t) = exp(-t/b) / 2
    return b * math.log(1.0 / (2.0 * p))


def group_threshold(noise_sd: float, m: int, n_tests: int, zcdp: bool) -> float:
    """Sum of ``m`` empty bins' noisy counts exceeds this with probability <= FALSE_BIN_RATE / n_tests.

    Gaussian noise: the sum is (sub-)Gaussian with sd ``noise_sd * sqrt(m)`` (a discrete
    Gaussian's moment generating function is at most the continuous one's). Laplace noise:
    the Chernoff bound P(S >= x) <= exp(-t x) M(t)^m with M the discrete Laplace moment
    generating function, minimised over t in (0, 1/scale).
    """
    if zcdp or m == 1:
        return threshold(noise_sd * math.sqrt(m), n_tests, zcdp)
    log_p = math.log(FALSE_BIN_RATE / n_tests)
    scale = noise_sd / math.sqrt(2.0)
    a = math.exp(-1.0 / scale)
    t = np.linspace(1e-3, 1.0 - 1e-3, 2000) / scale
    log_mgf = 2.0 * math.log1p(-a) - np.log1p(-a * np.exp(t)) - np.log1p(-a * np.exp(-t))
    return float(np.min((m * log_mgf - log_p) / t))


#: longest run of fine bins summed when looking for a thin tail beyond the fine bounds (a
#: factor 2^8 in value): a clearing run only says there is mass *somewhere* in it, so longer
#: runs would let the bound overshoot the tail by as much
LONGEST_RUN = 16


def _reach_up(cum: np.ndarray, last: int, levels: list[tuple[int, float]]) -> int:
    """How far past bin ``last`` runs of bins find mass; ``cum`` is the cumulative noisy count.

    At the shortest run length m with any run beyond ``last`` clearing its threshold, the
    outermost such run [s, s + m) is trimmed to its shortest prefix that still clears the
    same threshold (the rest of the run only added noise), and the search starts again
    beyond it. Trimming only moves a bound inward, so it cannot add false alarms.
    """
    n = len(cum) - 1
    found = True
    while found:
        found = False
        for m, tau_m in levels:
            starts = np.arange(last + 1, n - m + 1)
            clear = starts[cum[starts + m] - cum[starts] >= tau_m]
            if clear.size:
                s = int(clear[-1])
                prefix = cum[s + 1 : s + m + 1] - cum[s]
                last, found = s + int(np.argmax(prefix >= tau_m)), True
                break
    return last


def coarse_reach(noisy: np.ndarray, first: int, last: int, noise_sd: float, zcdp: bool) -> tuple[int, int]:
    """Widen the bins ``first..last`` of one grid to mass found beyond them in runs of bins.

    Post-processing of the released noisy histogram ``noisy`` (no extra budget): a thin
    tail spread over many bins (capital gains from 100 to 99 999, 8 % of the rows) clears
    the threshold in no single bin, but does in sums of m = 2, 4, 8, 16 adjacent bins
    (see :func:`_reach_up`). Runs lie wholly outside the current bounds: bins inside are
    never summed.

    False alarms: the runs that can ever be tested are the sliding windows of length
    m = 2, 4, ..., LONGEST_RUN, fewer than n_bins per length, n_bins * n_levels in all.
    Each window's threshold (:func:`group_threshold`) is exceeded by a sum of empty bins
    with probability <= FALSE_BIN_RATE / (n_bins * n_levels), so by Bonferroni an empty
    outside widens the bounds with probability <= FALSE_BIN_RATE, on top of the fine
    bins' own FALSE_BIN_RATE: <= 0.2 % per column in all.
    """
    n = len(noisy)
    sizes = [m for m in (2**j for j in range(1, LONGEST_RUN.bit_length())) if m <= n]
    if not sizes:
        return first, last
    n_tests = n * len(sizes)
    levels = [(m, group_threshold(noise_sd, m, n_tests, zcdp)) for m in sizes]
    up = np.concatenate([[0.0], np.cumsum(noisy, dtype=np.float64)])
    down = np.concatenate([[0.0], np.cumsum(noisy[::-1], dtype=np.float64)])
    last = _reach_up(up, last, levels)
    first = n - 1 - _reach_up(down, n - 1 - first, levels)
    return first, last


def _bin_edges(edges: np.ndarray, i: int) -> tuple[float, float]:
    """[lower, upper) of bin ``i`` of a grid: bin i spans [edges[i-1], edges[i]); the two
    overflow bins end at the grid's ends (values beyond are clamped there)."""
    return float(edges[max(i - 1, 0)]), float(edges[min(i, len(edges) - 1)])


def dp_bounds(
    budget: ColumnBudget, data: NumericData, n_missing: float, fraction: float
) -> tuple[Bounds | None, float, float]:
    """Privately estimated bounds, the noisy missing count released alongside, and the
    threshold a bin's noisy count had to clear.

    One release holds the histograms of every grid of :func:`grids_for`, each with a
    cell for missing values: a row lies in one cell of each grid, so the L1 sensitivity
    is the number of grids (L2: its square root). The bounds are the outer edges of the
    outermost bins that clear the threshold, on the finest grid where any bin does,
    widened to thin tails that only runs of bins beyond them reveal (:func:`coarse_reach`,
    post-processing of the same release); ``None`` when no bin of any grid clears it.
    """
    grids = grids_for(data)
    cells = [
        np.bincount(np.searchsorted(edges, data.x, side="right"), weights=data.counts, minlength=len(edges) + 1)
        for edges in grids
    ]
    # A present row lands in one bin of each grid; a missing row is counted once per grid
    # too (one missing cell per grid), which keeps the sensitivity at len(grids) and lets
    # the average of the copies estimate the missing count with less noise.
    k = len(grids)
    vector = np.concatenate([[n_missing] * k, *cells]).round().astype(np.int64)
    grid_name = "calendar months and years" if data.kind in ("date", "datetime") else "log-scale bins"
    noisy, sd = budget.counts(
        f"missing count and bounds histograms ({vector.size - k} {grid_name})", vector, fraction, k
    )
    tau = threshold(sd, vector.size - k, budget.unit == "zcdp")
    missing = float(np.mean(noisy[:k]))
    start = k
    for edges, level in zip(grids, cells):
        hit = np.flatnonzero(noisy[start : start + len(level)] >= tau)
        start += len(level)
        if hit.size:  # the finest grid that finds anything sets the bounds
            first, last = coarse_reach(
                noisy[start - len(level) : start], int(hit[0]), int(hit[-1]), sd, budget.unit == "zcdp"
            )
            lower, upper = _bin_edges(edges, first)[0], _bin_edges(edges, last)[1]
            break
    else:
        return None, missing, tau
    if data.integer:
        lower, upper = math.floor(lower), math.ceil(upper)
    if upper <= lower:  # both ends in one overflow bin: widen to one step
        upper = lower + 1.0
    return Bounds(float(lower), float(upper), "dp"), missing, tau


class TooFewRowsError(PrivacyError):
    """No bin of the bounds grids cleared the threshold; the session adds its budget advice."""


def too_few_rows(column: str, tau: float | None = None) -> PrivacyError:
    """The error for a column whose values cannot be located at this budget."""
    return TooFewRowsError(
        f"column {column!r}: too few rows to estimate its range privately at this budget"
        + (f" (a value range needs about {tau:.0f} rows to stand out of the noise)" if tau else "")
        + "; give public bounds = [lower, upper] for it in the spec, raise epsilon (or rho), "
        "or raise this column's budget_weight"
    )
