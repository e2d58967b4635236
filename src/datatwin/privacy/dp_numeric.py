"""Numeric (continuous, discrete) and temporal columns under differential privacy.

Per column, in order (each step one noisy vector release, see ``docs/privacy.md``):

1. **bounds**: public from the spec, or private (:mod:`datatwin.privacy.dp_bounds`);
   values are clamped to them. The missing count rides along in the first histogram.
2. one of three methods:

   - ``"parametric"``: noisy clamped sums Σy, Σy² (and of the logs) give the moments of
     every candidate family; a noisy histogram of ``n_bins`` equal bins scores the
     candidates (BIC of the binned likelihood) and the best is kept. The family choice is
     post-processing of those two releases: no peeking, and no budget of its own. A family
     forced by the spec skips the histogram.
   - ``"histogram"``: a noisy histogram of ``n_bins`` equal bins between the bounds
     (plus one for exactly 0 when the bounds include it) becomes the ``empirical``
     distribution.
   - ``"sample_and_aggregate"``: the family's parameters are averages over disjoint
     subsets (:mod:`datatwin.privacy.dp_aggregate`); the family is chosen as above.

Temporal columns get the uniform distribution between their bounds (tightened by sample
and aggregate under that method): the model file has no other temporal family yet.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np

from datatwin.distributions import Distribution, Moments, get_distribution_class, log_support
from datatwin.distributions.temporal import format_time
from datatwin.errors import PrivacyError
from datatwin.privacy.dp_aggregate import SA_FAMILIES, sample_and_aggregate
from datatwin.privacy.dp_bounds import Bounds, NumericData, dp_bounds, grids_for, public_bounds, too_few_rows
from datatwin.privacy.dp_column import ColumnBudget
from datatwin.privacy.dp_families import (
    ESTIMABLE,
    bin_probabilities,
    candidates,
    histogram_moments,
    needs_log_moments,
)

__all__ = ["estimable_families", "estimate_numeric"]

#: relative budget weights of a column's releases (normalised over the steps it needs)
STEP_WEIGHTS = {"bounds": 3.0, "missing": 1.0, "histogram": 7.0, "shape": 3.0, "sums": 4.0, "subsets": 4.0}
_TEMPORAL = ("date", "datetime", "time")
#: whole-number columns whose bounds span at most this many values get one bin per value
UNIT_BINS = 128


def estimable_families(kind: str, method: str) -> tuple[str, ...]:
    """Families a spec may force for a ``kind`` column under ``method``."""
    if method == "sample_and_aggregate":
        return SA_FAMILIES.get(kind, ())
    base = ESTIMABLE.get(kind, ())
    return base + ("empirical",) if method == "histogram" and kind in ("continuous", "discrete") else base


def _plan(kind: str, method: str, family: str | None, bounds_public: bool) -> dict[str, float]:
    """The releases a column needs, as fractions of its share."""
    steps = [] if bounds_public else ["bounds"]
    uniform_only = kind in _TEMPORAL or family in ("uniform", "discrete_uniform")
    if method == "histogram" and not uniform_only:
        steps.append("histogram")
    elif method == "sample_and_aggregate":
        if family is None and kind not in _TEMPORAL:
            steps.append("shape")
        steps.append("subsets")
    elif not uniform_only:
        if family is None:
            steps.append("shape")
        steps.append("sums")
    if not any(s in steps for s in ("bounds", "histogram", "shape")):
        steps.insert(0, "missing")  # no histogram to carry the missing count
    total = sum(STEP_WEIGHTS[s] for s in steps)
    return {s: STEP_WEIGHTS[s] / total for s in steps}


def _equal_bins(lo: float, hi: float, n_bins: int, integer: bool) -> tuple[np.ndarray, list[list[float]]]:
    """Edges of ``n_bins`` equal bins on [lo, hi] and the bins as [lo, hi] pairs.

    Whole-number columns get bins of whole numbers (edges at halves), at most one per
    integer.
    """
    if integer:
        starts = np.unique(np.floor(np.linspace(lo, hi + 1, n_bins + 1)))
        edges = starts - 0.5
        return edges, [[int(a), int(b) - 1] for a, b in itertools.pairwise(starts)]
    edges = np.linspace(lo, hi, n_bins + 1)
    return edges, [[float(a), float(b)] for a, b in itertools.pairwise(edges)]


def _bin_counts(x: np.ndarray, counts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    return np.bincount(which, weights=counts, minlength=len(edges) - 1).round().astype(np.int64)


def _zero_atom_histogram(
    x: np.ndarray, counts: np.ndarray, lo: float, hi: float, n_bins: int, integer: bool
) -> tuple[list[list[float]], np.ndarray]:
    """Equal bins plus a bin holding exactly 0, for bounds that include 0.

    Zero is singled out because so many columns pile up there (Adult's capital gains are
    92 % zeros): spread over a bin [0, 100] it would come back as 0..100. The choice
    depends on the public bounds only, never on whether the data hold zeros.
    """
    edges, bins = _equal_bins(lo, hi, n_bins, integer)
    if integer:  # whole-number bins: cut the bin holding 0 at -1/2 and 1/2
        edges = np.unique(np.concatenate([edges, [e for e in (-0.5, 0.5) if edges[0] < e < edges[-1]]]))
        bins = [[int(a + 0.5), int(b - 0.5)] for a, b in itertools.pairwise(edges)]
        return bins, _bin_counts(x, counts, edges)
    zero = x == 0
    cells = _bin_counts(x[~zero], counts[~zero], edges)
    return [[0.0, 0.0], *bins], np.concatenate([[round(float(counts[zero].sum()))], cells])


def _combine(estimates: list[tuple[float, float]]) -> float:
    """Inverse-variance weighted mean of unbiased noisy estimates (value, variance)."""
    weights = [1.0 / max(v, 1e-12) for _, v in estimates]
    return sum(w * e for w, (e, _) in zip(weights, estimates)) / sum(weights)


def _temporal_text(kind: str, unit: str | None, ticks: float, up: bool) -> str:
    """A tick count as the ISO text of the temporal uniforms (seconds precision)."""
    if kind == "time":
        secs = (math.ceil if up else math.floor)(ticks / 1e9)
        return format_time(min(max(secs, 0), 86_399) * 10**9, "s")
    if kind == "date":
        return str(np.datetime64(round(float(ticks)), "D"))
    stamp = np.datetime64(round(float(ticks)), unit or "us")
    secs = stamp.astype("datetime64[s]")
    if up and secs < stamp:
        secs = secs + np.timedelta64(1, "s")
    return str(np.datetime_as_string(secs, unit="s"))


def _temporal_uniform(kind: str, unit: str | None, lo: float, hi: float) -> Distribution:
    name = {"date": "date_uniform", "datetime": "datetime_uniform", "time": "time_uniform"}[kind]
    lower, upper = _temporal_text(kind, unit, lo, False), _temporal_text(kind, unit, hi, True)
    if kind == "date":
        return get_distribution_class(name)(lower, upper, "day")
    return get_distribution_class(name)(lower, upper, "second")


def _constant(data: NumericData, value: float) -> Distribution:
    cls = get_distribution_class("constant")
    if data.kind in _TEMPORAL:
        return cls(_temporal_text(data.kind, data.unit, value, False))
    return cls(int(value) if data.integer else float(value))


def _sums(budget: ColumnBudget, x: np.ndarray, counts: np.ndarray, b: Bounds, logs: bool, integer: bool,
          n_present: float, fraction: float) -> tuple[Moments, _RawSums]:
    """Moments from noisy clamped sums: y = (x - centre) / half-width lies in [-1, 1]."""
    centre, half = (b.lower + b.upper) / 2, (b.upper - b.lower) / 2
    y = (x - centre) / half
    terms = [np.dot(counts, y), np.dot(counts, y * y)]
    support = log_support(b.lower, b.upper, integer) if logs else None
    if support is not None:
        zc, zh = (support[0] + support[1]) / 2, (support[1] - support[0]) / 2
        z = (np.log(np.maximum(x, 0.5) if integer else x) - zc) / zh
        terms += [np.dot(counts, z), np.dot(counts, z * z)]
    label = "clamped sums of x, x²" + (", log x, log² x" if support is not None else "")
    noisy = budget.sums(label, np.array(terms, dtype=float), fraction)
    raw = _RawSums(noisy, b, centre, half, *((zc, zh) if support is not None else (None, None)))
    return _moments(noisy / max(n_present, 1.0), raw, b.lower), raw


@dataclasses.dataclass(frozen=True)
class _RawSums:
    """Released noisy sums of y = (x - centre) / half, y² (and of z, z² for the logs)."""

    noisy: np.ndarray
    bounds: Bounds
    centre: float
    half: float
    log_centre: float | None
    log_half: float | None


def _moments(means: np.ndarray, raw: _RawSums, lower: float) -> Moments:
    """Moments from per-row means of the released sums' terms, cleaned up."""
    centre, half = raw.centre, raw.half
    m1, m2 = float(np.clip(means[0], -1, 1)), float(np.clip(means[1], 0, 1))
    moments: dict[str, Any] = {"mean": centre + half * m1, "var": half * half * max(m2 - m1 * m1, 0.0)}
    if raw.log_centre is not None and raw.log_half is not None:
        zc, zh = raw.log_centre, raw.log_half
        l1, l2 = float(np.clip(means[2], -1, 1)), float(np.clip(means[3], 0, 1))
        moments.update(log_mean=zc + zh * l1, log_var=zh * zh * max(l2 - l1 * l1, 0.0))
    return Moments(lower=lower, upper=raw.bounds.upper, **moments)


def estimate_numeric(
    budget: ColumnBudget,
    data: NumericData,
    n_missing: float,
    n_rows_hat: float,
    n_rows_var: float,
    spec: Any,
    method: str,
    n_bins: int,
    family: str | None,
) -> tuple[Distribution | None, float, dict[str, Any]]:
    """``(distribution, prop_missing, selection)`` for a numeric or temporal column.

    ``family`` is the family forced by the spec (already checked to be estimable);
    ``n_rows_hat`` / ``n_rows_var`` the released row count and its noise variance.
    """
    name = budget.column
    if family == "empirical":
        family = None  # the histogram method's own distribution
    elif family is not None and method == "histogram":
        method = "parametric"  # a family forced by the owner wins over the histogram
    bounds = public_bounds(name, data, spec.bounds)
    if bounds is not None:
        budget.public(
            "bounds " + ("[00:00:00, 23:59:59] (a whole day)" if bounds.source == "domain" else f"{list(spec.bounds)} from the spec")
        )
    plan = _plan(data.kind, method, family, bounds is not None)
    missing: float | None = None
    present: list[tuple[float, float]] = []  # unbiased estimates of the non-missing count
    miss_var = 0.0

    if "bounds" in plan:
        bounds, missing, tau = dp_bounds(budget, data, n_missing, plan["bounds"])
        grids = len(grids_for(data))
        miss_var = budget.count_noise(plan["bounds"], grids) ** 2 / grids  # the mean of the copies
        if bounds is None:
            if missing > max(n_rows_hat / 2, tau):  # (almost) every value is missing
                return None, 1.0, {"method": "dp: no values found"}
            raise too_few_rows(name, tau)
    assert bounds is not None
    integer = data.integer
    x = np.clip(data.x, bounds.lower, bounds.upper)
    counts = data.counts
    if "missing" in plan:
        noisy, sd = budget.counts("missing and non-missing counts", np.array([n_missing, counts.sum()]), plan["missing"])
        missing, miss_var = float(noisy[0]), sd * sd
        present.append((float(noisy[1]), sd * sd))

    hist = None
    layout: _Layout | None = None
    bins: list[list[float]] = []
    step = "histogram" if "histogram" in plan else "shape" if "shape" in plan else None
    if step is not None:
        layout, cells, shape = _histogram(x, counts, bounds, n_bins, integer, data.kind == "discrete")
        bins = layout.bins
        with_missing = missing is None
        vector = np.concatenate([[round(n_missing)], cells]) if with_missing else cells
        what = f"{'missing count and ' if with_missing else ''}histogram ({shape})"
        noisy, sd = budget.counts(what, vector, plan[step])
        if with_missing:
            missing, miss_var, noisy = float(noisy[0]), sd * sd, noisy[1:]
        hist = noisy.astype(float)
        present.append((float(hist.sum()), len(hist) * sd * sd))
    assert missing is not None
    present.append((n_rows_hat - missing, n_rows_var + miss_var))
    n_present = max(_combine(present), 1.0)
    prop_missing = float(min(max(missing, 0.0) / (max(missing, 0.0) + n_present), 1.0))

    if bounds.upper <= bounds.lower:
        return _constant(data, bounds.lower), prop_missing, {"method": "spec: lower bound = upper bound"}
    if step == "histogram":
        return _released_histogram(bins, hist, integer), prop_missing, {"method": "dp: noisy histogram"}
    if data.kind in _TEMPORAL:
        lo, hi = bounds.lower, bounds.upper
        if "subsets" in plan:
            _, (lo, hi) = sample_and_aggregate(
                budget, x, counts, bounds, SA_FAMILIES[data.kind], True, n_present, plan["subsets"]
            )
        return _temporal_uniform(data.kind, data.unit, lo, hi), prop_missing, {
            "method": "dp: uniform between private bounds" if bounds.source == "dp" else "dp: uniform between public bounds"
        }

    names = (family,) if family is not None else (SA_FAMILIES if "subsets" in plan else ESTIMABLE)[data.kind]
    uniform_bounds = (bounds.lower, bounds.upper)
    selection: dict[str, Any] = {"method": "spec"}
    raw = None
    if "subsets" in plan and family is None:
        # choose on the histogram first (free), so the subsets are spent on one family only
        assert hist is not None and layout is not None
        rough = candidates(names, histogram_moments(bins, hist, bounds.lower, bounds.upper, integer), integer)
        family, selection = _choose(rough, layout, hist)
        names = (family,)
    if "subsets" in plan:
        moments, uniform_bounds = sample_and_aggregate(
            budget, x, counts, bounds, names, integer, n_present, plan["subsets"]
        )
    elif "sums" in plan:
        moments, raw = _sums(
            budget, x, counts, bounds, needs_log_moments(names), integer, n_present, plan["sums"]
        )
    else:  # a forced uniform: the bounds are its parameters
        moments = Moments(bounds.lower, bounds.upper, (bounds.lower + bounds.upper) / 2, 0.0)
    fitted = candidates(names, moments, integer)
    for uni in ("uniform", "discrete_uniform"):
        if uni in fitted and uniform_bounds != (bounds.lower, bounds.upper):
            cls = get_distribution_class(uni)
            fitted[uni] = cls(*(map(int, uniform_bounds) if integer else uniform_bounds))
    if family is not None:
        if family not in fitted:
            raise PrivacyError(
                f"column {name!r}: the spec forces the {family!r} distribution, which cannot model values in the "
                f"bounds [{bounds.lower:g}, {bounds.upper:g}] (e.g. a log-normal needs values > 0); give bounds "
                "within its support, or force another distribution"
            )
        return fitted[family], prop_missing, selection
    assert hist is not None and layout is not None
    if "sums" in plan:  # post-processing of the two releases: no budget of its own
        if raw is not None and layout.zero is not None:
            fitted.update(_zero_mixtures(names, raw, hist, layout, n_present, integer))
        fitted["empirical"] = _released_histogram(bins, hist, integer)
    best, selection = _choose(fitted, layout, hist)
    return fitted[best], prop_missing, selection


@dataclasses.dataclass(frozen=True)
class _Layout:
    """The bins of a released histogram, and how to score a family on them.

    ``edges`` delimit the range bins ``ranged`` (indices into ``bins``), in order; ``zero``
    is the index of the bin holding exactly 0, if any. For whole numbers every bin is a
    range bin (the bin of 0 is [-1/2, 1/2]); for real numbers the bin of 0 is a point
    that a family with a density gives no mass.
    """

    bins: list[list[float]]
    edges: np.ndarray
    ranged: np.ndarray
    zero: int | None


def _histogram(
    x: np.ndarray, counts: np.ndarray, bounds: Bounds, n_bins: int, integer: bool, discrete: bool
) -> tuple[_Layout, np.ndarray, str]:
    """The bins of a column's noisy histogram, their true counts, and a ledger phrase.

    The bins depend on the (public or released) bounds only, never on the data:

    - whole numbers whose bounds span at most :data:`UNIT_BINS` values: one bin per value,
      so spikes (Adult's hours-per-week is 47 % exactly 40) come back exact up to noise;
    - otherwise ``n_bins`` equal bins, plus a bin for exactly 0 when the bounds include it
      (Adult's capital gains are 92 % zeros).

    Each row falls in one bin either way: the sensitivity stays 1, whatever the number of bins.
    """
    lo, hi = bounds.lower, bounds.upper
    if discrete and integer and hi - lo + 1 <= UNIT_BINS:
        edges, bins = _equal_bins(lo, hi, max(n_bins, int(hi - lo + 1)), True)
        zero = next((i for i, b in enumerate(bins) if b == [0, 0]), None)
        layout = _Layout(bins, edges, np.arange(len(bins)), zero)
        return layout, _bin_counts(x, counts, edges), f"{len(bins)} bins, one per whole number"
    if lo <= 0 <= hi and lo < hi:
        bins, cells = _zero_atom_histogram(x, counts, lo, hi, n_bins, integer)
        if integer:
            edges = np.array([bins[0][0] - 0.5] + [b[1] + 0.5 for b in bins], dtype=float)
            zero = next(i for i, b in enumerate(bins) if b == [0, 0])
            layout = _Layout(bins, edges, np.arange(len(bins)), zero)
        else:
            edges, _ = _equal_bins(lo, hi, n_bins, False)
            layout = _Layout(bins, edges, np.arange(1, len(bins)), 0)
        return layout, cells, f"{len(cells)} bins: equal ones and one for exactly 0"
    edges, bins = _equal_bins(lo, hi, n_bins, integer)
    return _Layout(bins, edges, np.arange(len(bins)), None), _bin_counts(x, counts, edges), f"{len(bins)} equal bins"


def _released_histogram(bins: list[list[float]], hist: np.ndarray, integer: bool) -> Distribution:
    """The released histogram as a distribution: negative counts clipped to 0, renormalised."""
    probs = np.clip(hist, 0.0, None)
    probs = probs / probs.sum() if probs.sum() > 0 else np.full(len(probs), 1.0 / len(probs))
    # every bin stays, empty ones too: the bins are public, and the file shows the bounds
    return get_distribution_class("empirical")(bins, [float(p) for p in probs], integer)


def _zero_mixtures(
    names: tuple[str, ...], raw: _RawSums, hist: np.ndarray, layout: _Layout, n_present: float, integer: bool
) -> dict[str, Distribution]:
    """Candidates "exactly 0 with the zero bin's share, else a family": post-processing.

    The zero bin's noisy count gives the weight w; every zero adds the same known term to
    each released clamped sum, so the sums of the other rows are the released sums minus
    (w · n) times that term, and the rest's family comes from their moments.
    """
    observed = np.clip(hist, 0.0, None)
    if observed.sum() <= 0 or layout.zero is None:
        return {}
    w = float(observed[layout.zero] / observed.sum())
    n_zero, n_rest = w * n_present, (1.0 - w) * n_present
    if not 0.0 < w < 1.0 or n_rest < 1.0:
        return {}
    b = raw.bounds
    y0 = (0.0 - raw.centre) / raw.half
    terms = [raw.noisy[0] - n_zero * y0, raw.noisy[1] - n_zero * y0 * y0]
    if raw.log_centre is not None and len(raw.noisy) > 2:
        z0 = (math.log(0.5) - raw.log_centre) / raw.log_half  # whole numbers are logged as max(x, 1/2)
        terms += [raw.noisy[2] - n_zero * z0, raw.noisy[3] - n_zero * z0 * z0]
    lower = 1.0 if integer and b.lower == 0 else b.lower
    if lower >= b.upper:  # nothing but 0 and one other value: the histogram says it all
        return {}
    rest = _moments(np.array(terms) / n_rest, raw, lower)
    cls = get_distribution_class("point_mass_mixture")
    return {
        f"point_mass_mixture({name})": cls([0 if integer else 0.0], [w], dist)
        for name, dist in candidates(tuple(n for n in names if n not in ("uniform", "discrete_uniform")), rest, integer).items()
    }


def _bin_probs(dist: Distribution, layout: _Layout) -> np.ndarray:
    """P(bin) of every bin of the layout under a candidate."""
    if dist.name == "empirical":  # the released histogram itself, on the same bins
        return np.asarray(dist.probs, dtype=float)
    if dist.name == "point_mass_mixture":
        assert layout.zero is not None and dist.rest is not None
        rest = _bin_probs(dist.rest, layout)
        rest[layout.zero] = 0.0  # sampling redraws the rest's zeros
        rest = rest / rest.sum() if rest.sum() > 0 else rest
        p = (1.0 - float(dist.weights[0])) * rest
        p[layout.zero] = float(dist.weights[0])
        return p
    p = np.zeros(len(layout.bins))
    p[layout.ranged] = bin_probabilities(dist, layout.edges)
    return p


def _n_parameters(dist: Distribution) -> int:
    """Free parameters, honestly counted: the released histogram has one probability per
    bin less one, plus the two bounds (the bins follow from them), as bounded families count."""
    return len(dist.bins) + 1 if dist.name == "empirical" else dist.n_parameters


def _choose(fitted: dict[str, Distribution], layout: _Layout, hist: np.ndarray) -> tuple[str, dict[str, Any]]:
    """The candidate with the lowest BIC on the released histogram, and the scores.

    BIC of a binned likelihood: -2 Σ counts · log P(bin) + k log n (lower is better), with
    the released counts clipped at 0; P(bin) is floored at 1e-12: one stray noisy count
    must not rule a family out.
    """
    observed = np.clip(hist, 0.0, None)
    n = max(float(observed.sum()), 1.0)
    scores = {}
    for name, dist in fitted.items():
        p = np.maximum(_bin_probs(dist, layout), 1e-12)
        scores[name] = float(-2.0 * np.dot(observed, np.log(p)) + _n_parameters(dist) * math.log(n))
    scores = {n: s for n, s in scores.items() if math.isfinite(s)}
    best = min(scores, key=scores.__getitem__)
    return best, {"method": "dp: bic of a noisy histogram", "scores": {n: round(s, 2) for n, s in scores.items()}}
