"""Distribution families a DP policy can estimate from released statistics, and how well
each explains a released histogram.

Nothing here looks at the data: candidates are built from already released (noisy)
moments and bounds, and scored against an already released (noisy) histogram, so
everything in this module is post-processing and costs no privacy budget.
"""

from __future__ import annotations

import math

import numpy as np

from datatwin.distributions import Distribution, Moments, get_distribution_class, log_support

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


def needs_log_moments(names: tuple[str, ...]) -> bool:
    """Whether any of the families needs the sums of logarithms released."""
    return any(get_distribution_class(name).needs_log_moments for name in names)


def build_family(name: str, m: Moments, integer: bool) -> Distribution | None:
    """The family ``name`` with parameters from the released moments, or ``None`` where
    it does not apply (e.g. a log-normal for bounds that include negative numbers)."""
    return get_distribution_class(name).from_moments(m, integer)


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


def bin_probabilities(dist: Distribution, edges: np.ndarray) -> np.ndarray:
    """P(bin) for bins between ``edges``, the tails folded into the outer bins.

    Values were clamped to the bounds before binning, so the first bin holds everything
    below its upper edge and the last everything above its lower edge.
    """
    inner = dist.cdf(np.asarray(edges[1:-1], dtype=float))
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
