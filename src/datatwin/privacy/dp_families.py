"""Distribution families a DP policy can estimate from released statistics, and how well
each explains a released histogram.

Nothing here looks at the data: candidates are built from already released (noisy)
moments and bounds, and scored against an already released (noisy) histogram, so
everything in this module is post-processing and costs no privacy budget.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import stats

from datatwin.distributions import Distribution, get_distribution_class

__all__ = [
    "ESTIMABLE",
    "Moments",
    "bin_probabilities",
    "build_family",
    "candidates",
    "histogram_bic",
    "histogram_moments",
]

#: families each kind can estimate from clamped sums (method "parametric")
ESTIMABLE: dict[str, tuple[str, ...]] = {
    "continuous": ("uniform", "normal", "truncated_normal", "lognormal", "exponential"),
    "discrete": (
        "discrete_uniform",
        "poisson",
        "geometric",
        "negative_binomial",
        "discrete_normal",
        "discrete_truncated_normal",
        "discrete_lognormal",
    ),
    "date": ("date_uniform",),
    "datetime": ("datetime_uniform",),
    "time": ("time_uniform",),
}
#: families that need the sums of logarithms
LOG_FAMILIES = ("lognormal", "discrete_lognormal")
#: a fitted standard deviation is at least this share of the bounds' width (noise can
#: make the released variance negative; a zero width would not be a distribution)
_MIN_SD_SHARE = 1e-3


@dataclasses.dataclass(frozen=True)
class Moments:
    """Released (noisy) moments of the clamped values, already cleaned up.

    ``mean``/``var`` of x in [lower, upper]; ``log_mean``/``log_var`` of log x (of
    log max(x, 1/2) for whole numbers), when released.
    """

    lower: float
    upper: float
    mean: float
    var: float
    log_mean: float | None = None
    log_var: float | None = None


def log_support(lower: float, upper: float, integer: bool) -> tuple[float, float] | None:
    """[log lower, log upper] where log families apply, else ``None``.

    Whole numbers may include 0: the rounded log-normal gives 0 the mass of (0, 1/2],
    so they are logged as max(x, 1/2), as the plain estimator does.
    """
    if integer:
        if lower < 0:
            return None
        lo, hi = math.log(max(lower, 0.5)), math.log(max(upper, 0.5))
    else:
        if lower <= 0:
            return None
        lo, hi = math.log(lower), math.log(upper)
    return (lo, hi) if hi > lo else None


def _two_point(lower: float, upper: float, mean: float, var: float) -> tuple[np.ndarray, np.ndarray]:
    """A three-point pseudo-sample on {lower, mean, upper} with exactly this mean and
    variance (variance capped at the largest one possible in [lower, upper]).

    The truncated normal's maximum-likelihood fit depends on the data only through the
    count, mean, variance, minimum and maximum; fitting it on this pseudo-sample is
    therefore the fit on the released statistics, with no second optimiser to maintain.
    """
    mean = min(max(mean, lower + 1e-9 * (upper - lower)), upper - 1e-9 * (upper - lower))
    cap = (mean - lower) * (upper - mean)
    s = min(max(var / cap, 0.0), 1.0) if cap > 0 else 0.0
    w_lo = s * (upper - mean) / (upper - lower) + 1e-12  # > 0 keeps lower/upper the extremes
    w_hi = s * (mean - lower) / (upper - lower) + 1e-12
    return np.array([lower, mean, upper]), np.array([w_lo, max(1.0 - s, 1e-12), w_hi])


def build_family(name: str, m: Moments, integer: bool) -> Distribution | None:
    """The family ``name`` with parameters from the released moments, or ``None`` where
    it does not apply (e.g. a log-normal for bounds that include negative numbers)."""
    lo, hi = m.lower, m.upper
    width = hi - lo
    sd_min = max(width * _MIN_SD_SHARE, 0.5 if integer else 1e-12)
    # Sheppard's correction: rounding to integers adds 1/12 to the variance.
    sd = math.sqrt(max(m.var - (1 / 12 if integer else 0.0), sd_min * sd_min))
    cls = get_distribution_class(name)
    if name == "uniform":
        return cls(lo, hi)
    if name == "discrete_uniform":
        return cls(int(lo), int(hi))
    if name in ("normal", "discrete_normal"):
        return cls(m.mean, sd)
    if name in ("truncated_normal", "discrete_truncated_normal"):
        pad = 0.5 if integer else 0.0  # the discrete version truncates at lower - 1/2, upper + 1/2
        values, weights = _two_point(lo - pad, hi + pad, m.mean, m.var + (1 / 12 if integer else 0.0))
        fit = get_distribution_class("truncated_normal").fit(values, weights)
        return cls(fit.mu, fit.sigma, lo, hi)
    if name in LOG_FAMILIES:
        if m.log_mean is None or m.log_var is None:
            return None
        support = log_support(lo, hi, integer)
        log_sd_min = max((support[1] - support[0]) * _MIN_SD_SHARE, 1e-6) if support else 1e-6
        return cls(m.log_mean, math.sqrt(max(m.log_var, log_sd_min**2)))
    if name == "exponential":
        return cls(1.0 / m.mean) if lo >= 0 and m.mean > 0 else None
    if name == "poisson":
        return cls(m.mean) if lo >= 0 and m.mean > 0 else None
    if name == "geometric":
        return cls(1.0 / (1.0 + m.mean)) if lo >= 0 and m.mean >= 0 else None
    if name == "negative_binomial":
        var = m.var  # the count's own variance: no rounding correction
        if lo < 0 or m.mean <= 0 or var <= m.mean * 1.001:
            return None
        r = m.mean * m.mean / (var - m.mean)  # method of moments
        return cls(r, r / (r + m.mean))
    return None  # pragma: no cover - ESTIMABLE and this function list the same names


def histogram_moments(bins: list[list[float]], counts: np.ndarray, lower: float, upper: float, integer: bool) -> Moments:
    """Moments of a released histogram, each bin's rows put at its midpoint (post-processing).

    Coarser than released sums, but free once the histogram is out: sample and aggregate
    uses them to choose the family before spending its budget on that family only.
    """
    mid = np.array([(a + b) / 2 for a, b in bins], dtype=float)
    w = np.clip(np.asarray(counts, dtype=float), 0.0, None)
    if w.sum() <= 0:
        w = np.ones(len(mid))
    w = w / w.sum()
    mean = float(np.dot(w, mid))
    # within-bin spread of a uniform bin (Sheppard) on top of the spread of midpoints
    width = np.array([b - a + (1 if integer else 0) for a, b in bins], dtype=float)
    var = float(np.dot(w, (mid - mean) ** 2 + width**2 / 12))
    support = log_support(lower, upper, integer)
    log_mean = log_var = None
    if support is not None:
        z = np.log(np.maximum(mid, 0.5 if integer else 1e-300))
        log_mean = float(np.dot(w, z))
        log_var = float(np.dot(w, (z - log_mean) ** 2))
    return Moments(lower, upper, mean, var, log_mean, log_var)


def candidates(names: tuple[str, ...], m: Moments, integer: bool) -> dict[str, Distribution]:
    """Every family of ``names`` that applies to these moments, built from them."""
    out = {}
    for name in names:
        dist = build_family(name, m, integer)
        if dist is not None:
            out[name] = dist
    return out


def _cdf(dist: Distribution, x: np.ndarray) -> np.ndarray:
    """P(X <= x) for the candidate families (x on the integer grid for discrete ones)."""
    name = dist.name
    if name == "poisson":
        return stats.poisson.cdf(x, dist.mu)
    if name == "geometric":  # failures before the first success
        return np.where(x < 0, 0.0, -np.expm1((np.floor(x) + 1) * math.log1p(-dist.p))) if dist.p < 1 else (x >= 0) * 1.0
    if name == "negative_binomial":
        return stats.nbinom.cdf(x, dist.n, dist.p)
    if name == "discrete_uniform":
        return np.clip((np.floor(x) - dist.lower + 1) / (dist.upper - dist.lower + 1), 0.0, 1.0)
    if name.startswith("discrete_"):  # rounded continuous families: P(X <= k) = F(k + 1/2)
        return dist.cdf(np.floor(x) + 0.5)
    return dist.cdf(x)


def bin_probabilities(dist: Distribution, edges: np.ndarray) -> np.ndarray:
    """P(bin) for bins between ``edges``, the tails folded into the outer bins.

    Values were clamped to the bounds before binning, so the first bin holds everything
    below its upper edge and the last everything above its lower edge.
    """
    inner = _cdf(dist, np.asarray(edges[1:-1], dtype=float))
    cum = np.concatenate([[0.0], np.clip(inner, 0.0, 1.0), [1.0]])
    return np.maximum(np.diff(np.maximum.accumulate(cum)), 0.0)


def histogram_bic(dist: Distribution, edges: np.ndarray, counts: np.ndarray) -> float:
    """BIC of a binned likelihood: -2 Σ counts · log P(bin) + k log n (lower is better).

    ``counts`` are released noisy counts clipped at 0, so the score is post-processing.
    P(bin) is floored at 1e-12: one stray noisy count must not rule a family out.
    """
    p = np.maximum(bin_probabilities(dist, edges), 1e-12)
    n = max(float(counts.sum()), 1.0)
    return float(-2.0 * np.dot(counts, np.log(p)) + dist.n_parameters * math.log(n))
