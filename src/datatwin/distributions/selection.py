"""Choose a distribution per column by an information criterion, and keep the scores."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from datatwin.distributions.base import Distribution, DistributionError, get_distribution_class

#: Smooth families tried for each kind, in tie-breaking order.
BASE_CANDIDATES: dict[str, tuple[str, ...]] = {
    "continuous": ("uniform", "normal", "truncated_normal", "lognormal", "exponential", "gamma"),
    "discrete": (
        "discrete_uniform",
        "poisson",
        "geometric",
        "negative_binomial",
        "discrete_normal",
        "discrete_truncated_normal",
        "discrete_lognormal",
        "discrete_gamma",
    ),
    "categorical": ("categorical",),
    "boolean": ("bernoulli",),
    "date": ("date_uniform",),
    "datetime": ("datetime_uniform",),
    "time": ("time_uniform",),
    "string": ("random_string", "pattern"),
}
#: Composite families tried on numeric kinds on top of the smooth ones.
COMPOSITE_CANDIDATES = ("point_mass_mixture",)


@dataclasses.dataclass(frozen=True)
class Selection:
    """The winning distribution and every candidate's score (lower is better)."""

    best: Distribution
    criterion: str
    scores: dict[str, float]


def select_distribution(
    values: np.ndarray,
    counts: np.ndarray,
    kind: str,
    *,
    criterion: str = "bic",
    composite: bool = True,
    empirical: bool = False,
    empirical_bins: int = 20,
    candidates: tuple[str, ...] | None = None,
    literal_threshold: int = 10,
    unique: bool = False,
) -> Selection:
    """Fit every candidate for ``kind`` on distinct ``values`` with ``counts`` and keep
    the one with the lowest criterion. A single distinct value gives ``constant``.
    ``literal_threshold`` is the k-rule of ``pattern``: no text it publishes comes from
    fewer rows (or distinct values). ``unique``: the column must stay unique when sampled
    (``pattern`` then needs room for many more distinct values than the data has)."""
    if criterion not in ("bic", "aic"):
        raise DistributionError(f"criterion must be 'bic' or 'aic'. Got {criterion!r} instead.")
    if len(values) == 1:
        const = get_distribution_class("constant").fit(values, counts)
        return Selection(const, criterion, {"constant": 0.0})
    if candidates is None:
        candidates = BASE_CANDIDATES.get(kind, ())
        if composite and kind in ("continuous", "discrete"):
            candidates = candidates + COMPOSITE_CANDIDATES
        if empirical and kind in ("continuous", "discrete"):
            candidates = candidates + ("empirical",)
    fitted: list[tuple[float, Distribution]] = []
    scores: dict[str, float] = {}
    all_fits: list[tuple[str, Distribution]] = []
    for name in candidates:
        cls = get_distribution_class(name)
        try:
            options = {
                "point_mass_mixture": {"criterion": criterion},
                "empirical": {"n_bins": empirical_bins},
                "pattern": {"k": literal_threshold, "unique": unique},
                "random_string": {"k": literal_threshold},
            }
            dist = cls.fit(values, counts, **options.get(name, {}))
        except DistributionError:
            continue  # outside this family's support (e.g. negative values for Poisson)
        if len(candidates) == 1:
            return Selection(dist, criterion, {name: math.nan})
        all_fits.append((name, dist))
        score = dist.information_criterion(values, counts, criterion)
        if math.isfinite(score):
            scores[name] = score
            fitted.append((score, dist))
    coded = _rows_a_pattern_codes(all_fits, scores, values, counts, literal_threshold)
    if coded is not None:  # compare every candidate on the rows they can all produce
        keep = ~coded
        scores, fitted = {}, []
        for name, dist in all_fits:
            score = dist.information_criterion(values[keep], counts[keep], criterion)
            if math.isfinite(score):
                scores[name] = score
                fitted.append((score, dist))
    if not fitted:
        raise DistributionError(f"no candidate distribution fits this {kind} data (tried {', '.join(candidates)})")
    best = min(fitted, key=lambda t: t[0])[1]  # min keeps the first of equal scores
    return Selection(best, criterion, scores)


def _rows_a_pattern_codes(
    fits: list[tuple[str, Distribution]], scores: dict[str, float], values: np.ndarray, counts: np.ndarray, k: int
) -> np.ndarray | None:
    """The few odd rows ``pattern`` leaves out, when they are all that stands between it and
    a finite score, else None.

    ``pattern`` publishes no format held by fewer than k rows, so a column of 300 codes and
    one odd value has no published form for that value and scores -inf on its own data —
    and would lose to ``random_string``, which keeps only lengths and character classes.
    Those odd rows are top/bottom-coded like the odd lengths of ``random_string``; scoring
    every candidate on the other rows keeps the comparison fair.
    """
    pattern = next((d for name, d in fits if name == "pattern"), None)
    if pattern is None or "pattern" in scores:
        return None
    outside = ~pattern.matches(values)
    odd_rows = float(counts[outside].sum())
    if not outside.any() or odd_rows > max(2 * k, 0.01 * float(counts.sum())) or outside.all():
        return None
    return outside
