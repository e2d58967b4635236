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
#: Flexible families tried on top of the smooth ones: they follow any shape and publish no
#: value that fewer than k rows hold (the k-anonymous histogram).
FLEXIBLE_CANDIDATES: dict[str, tuple[str, ...]] = {
    "continuous": ("histogram",),
    "discrete": ("histogram",),
    "date": ("date_histogram",),
    "datetime": ("datetime_histogram",),
}
#: Composite families tried on numeric kinds on top of the smooth ones.
COMPOSITE_CANDIDATES = ("point_mass_mixture",)
#: Families whose parameters include a location (``mu``) between bounds (``lower``,
#: ``upper``). One is not chosen when its location lies further outside the bounds than
#: this share of their width: such a fit (mu = 1754 for survey years 1974-2018, or
#: mu = -92159 for prices from 0) is a far tail of a normal, whose parameters mean nothing
#: a steward could edit (moving mu hardly moves the sample's mean).
TRUNCATED_FAMILIES = ("truncated_normal", "discrete_truncated_normal")
READABLE_LOCATION_SLACK = 0.5
#: A family with an unbounded tail is not chosen when a sample the size of the data would
#: put more than this many rows beyond the real range on that side: under the family, a
#: real extreme that low has a chance of exp(-3) = 5 %, so the fit does not justify
#: the tail (a log-normal that draws capital gains of 348,636 where the data stop at 99,999).
TAIL_ROWS = 3.0


@dataclasses.dataclass(frozen=True)
class Selection:
    """The winning distribution and every candidate's score (lower is better)."""

    best: Distribution
    criterion: str
    scores: dict[str, float]
    #: candidates that fitted but were not allowed to win, with the reason
    excluded: dict[str, str] = dataclasses.field(default_factory=dict)
    #: every fitted candidate that was scored, by name
    fits: dict[str, Distribution] = dataclasses.field(default_factory=dict)


def select_distribution(
    values: np.ndarray,
    counts: np.ndarray,
    kind: str,
    *,
    criterion: str = "bic",
    composite: bool = True,
    flexible: bool = True,
    empirical: bool = False,
    empirical_bins: int = 20,
    candidates: tuple[str, ...] | None = None,
    literal_threshold: int = 10,
    unique: bool = False,
) -> Selection:
    """Fit every candidate for ``kind`` on distinct ``values`` with ``counts`` and keep
    the one with the lowest criterion. A single distinct value gives ``constant``.
    ``literal_threshold`` is the k-rule of ``pattern`` and ``histogram``: no text or number
    they publish comes from fewer rows (or distinct values). ``flexible`` adds the
    k-anonymous histogram, ``composite`` the point-mass mixture. ``unique``: the column
    must stay unique when sampled (``pattern`` then needs room for many more distinct values
    than the data has).

    A fitted candidate is not allowed to win (it is listed in ``excluded``) when a truncated
    family's location lies far outside its bounds (:data:`READABLE_LOCATION_SLACK`) or an
    unbounded tail runs past the real range by more than the fit justifies
    (:data:`TAIL_ROWS`), unless no candidate is left."""
    if criterion not in ("bic", "aic"):
        raise DistributionError(f"criterion must be 'bic' or 'aic'. Got {criterion!r} instead.")
    if len(values) == 1:
        const = get_distribution_class("constant").fit(values, counts)
        return Selection(const, criterion, {"constant": 0.0})
    if candidates is None:
        candidates = BASE_CANDIDATES.get(kind, ())
        if flexible:
            candidates = candidates + FLEXIBLE_CANDIDATES.get(kind, ())
        if composite and kind in ("continuous", "discrete"):
            candidates = candidates + COMPOSITE_CANDIDATES
        if empirical and kind in ("continuous", "discrete"):
            candidates = candidates + ("empirical",)
    options = {
        "point_mass_mixture": {"criterion": criterion, "k": literal_threshold},
        "empirical": {"n_bins": empirical_bins},
        "pattern": {"k": literal_threshold, "unique": unique},
        "random_string": {"k": literal_threshold},
        "histogram": {"k": literal_threshold},
        "finite": {"k": literal_threshold},
        "date_histogram": {"k": literal_threshold},
        "datetime_histogram": {"k": literal_threshold},
    }
    all_fits: list[tuple[str, Distribution]] = []
    failures: dict[str, str] = {}
    for name in candidates:
        cls = get_distribution_class(name)
        try:
            dist = cls.fit(values, counts, **options.get(name, {}))
        except DistributionError as exc:
            failures[name] = str(exc)
            continue  # outside this family's support (e.g. negative values for Poisson)
        if len(candidates) == 1:
            return Selection(dist, criterion, {name: math.nan})
        all_fits.append((name, dist))
    scores, fitted = _scores(all_fits, values, counts, criterion, None)
    coded = _rows_a_pattern_codes(all_fits, scores, values, counts, literal_threshold)
    if coded is None:
        coded = _rows_k_rules_leave_out(all_fits, scores, values, counts, literal_threshold)
    if coded is not None:  # compare every candidate on the rows they can all produce
        scores, fitted = _scores(all_fits, values, counts, criterion, ~coded)
    if not fitted:
        if len(candidates) == 1 and failures:  # the one family asked for: say why it cannot
            (name, why), = failures.items()
            why = why.removeprefix(f"{name}: ")
            raise DistributionError(f"no candidate distribution fits this {kind} data (tried {name}: {why})")
        raise DistributionError(f"no candidate distribution fits this {kind} data (tried {', '.join(candidates)})")
    excluded = {name: why for name, dist in all_fits if name in scores and (why := implausible(dist, values, counts))}
    allowed = [(score, dist) for score, dist in fitted if dist.name not in excluded] or fitted
    best = min(allowed, key=lambda t: t[0])[1]  # min keeps the first of equal scores
    return Selection(
        best, criterion, scores, {k: v for k, v in excluded.items() if k != best.name},
        {name: dist for name, dist in all_fits if name in scores},
    )


def _scores(
    fits: list[tuple[str, Distribution]], values: np.ndarray, counts: np.ndarray, criterion: str, keep: np.ndarray | None
) -> tuple[dict[str, float], list[tuple[float, Distribution]]]:
    scores: dict[str, float] = {}
    fitted: list[tuple[float, Distribution]] = []
    for name, dist in fits:
        v, c = (values, counts) if keep is None else (values[keep], counts[keep])
        score = dist.information_criterion(v, c, criterion)
        if math.isfinite(score):
            scores[name] = score
            fitted.append((score, dist))
    return scores, fitted


def implausible(dist: Distribution, values: np.ndarray, counts: np.ndarray) -> str | None:
    """Why ``dist``, fitted to ``values`` with ``counts``, should not be chosen: a truncated
    family located far outside its bounds, or a tail that runs past the real range by more
    than :data:`TAIL_ROWS` rows of a sample the size of the data. None: it may be chosen."""
    if dist.name in TRUNCATED_FAMILIES:
        width = dist.upper - dist.lower
        if not dist.lower - READABLE_LOCATION_SLACK * width <= dist.mu <= dist.upper + READABLE_LOCATION_SLACK * width:
            return "its location lies far outside its bounds (its parameters would mean nothing to edit)"
    if not dist.ordered or values.dtype.kind not in "iuf" or not len(values):
        return None
    lo_s, hi_s = dist._support()
    n = float(counts.sum())
    x = values.astype(float)
    lo, hi = float(x.min()), float(x.max())
    try:
        # only unbounded tails: a bounded family's range is its own published bound
        if math.isinf(hi_s) and n * (1.0 - float(dist.cdf(np.array([hi]))[0])) > TAIL_ROWS:
            return "its upper tail runs far past the real maximum"
        below = np.array([lo - 1.0 if values.dtype.kind in "iu" else np.nextafter(lo, -np.inf)])
        if math.isinf(lo_s) and n * float(dist.cdf(below)[0]) > TAIL_ROWS:
            return "its lower tail runs far past the real minimum"
    except DistributionError:
        return None
    return None


def _rows_k_rules_leave_out(
    fits: list[tuple[str, Distribution]], scores: dict[str, float], values: np.ndarray, counts: np.ndarray, k: int
) -> np.ndarray | None:
    """The few rows a k-anonymous candidate leaves out of its support (the ``histogram`` on
    real numbers from an exact 0 that fewer than k rows hold), when they are all that stands
    between it and a finite score, else None: as for ``pattern``, every candidate is then
    scored on the other rows."""
    hist = next((d for name, d in fits if name == "histogram"), None)
    if hist is None or "histogram" in scores:
        return None
    outside = ~np.isfinite(hist.logpdf(values))
    if not outside.any() or outside.all() or float(counts[outside].sum()) >= k:
        return None
    return outside


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
    # rows outside every published shape, or holding a character or group value fewer than
    # k rows hold (Spaceship Titanic's deck 'T' in 'T/0/P', held by 5 rows)
    outside = ~np.isfinite(pattern.logpdf(values))
    odd_rows = float(counts[outside].sum())
    if not outside.any() or odd_rows > max(2 * k, 0.01 * float(counts.sum())) or outside.all():
        return None
    return outside
