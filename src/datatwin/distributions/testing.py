"""The conformance checks every distribution must pass, built-in or from a plug-in.

Like scikit-learn's estimator checks: :func:`distribution_checks` yields small named
checks that apply to one instance (chosen by the capabilities its class declares:
``ordered``, ``fittable``, ``estimable_from_moments``), :func:`check_distribution` runs
them all and raises at the first failure, and :func:`parametrize_with_checks` makes each
(distribution, check) pair its own pytest test, so a plug-in package tests its families
with one line either way::

    from datatwin.distributions.testing import check_distribution, parametrize_with_checks

    def test_my_distribution():
        check_distribution(MyDistribution(alpha=2.0))

    @parametrize_with_checks([MyDistribution(alpha=2.0)])
    def test_conformance(dist, check):  # ids such as test_conformance[my_dist-check_cdf_matches_sample]
        check(dist)

Statistical checks compare a fixed-seed sample with the distribution's own ``cdf`` and
``ppf`` using the Dvoretzky–Kiefer–Wolfowitz bound at a false-failure rate of
:data:`FALSE_FAILURE_RATE` per check: a correct distribution fails one for at most one
seed in a million.

Example
-------
>>> from datatwin.distributions import NormalDistribution
>>> check_distribution(NormalDistribution(mu=1.0, sigma=2.0), n=2_000)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from datatwin.distributions.base import Distribution, distribution_from_dict, get_distribution_class
from datatwin.distributions.moments import Moments, log_support
from datatwin.errors import DistributionError

__all__ = ["DistributionCheck", "check_distribution", "distribution_checks", "parametrize_with_checks"]

#: numpy dtype kind characters a sample may have, per column kind
DTYPE_KINDS: dict[str, str] = {
    "continuous": "f",
    "discrete": "iu",
    "categorical": "OUS",
    "boolean": "b",
    "date": "M",
    "datetime": "M",
    "time": "m",
    "string": "OUS",
}
#: kinds whose values can lie on a lattice (whole numbers, booleans, ticks of time)
LATTICE_KINDS = ("discrete", "boolean", "date", "datetime", "time")

#: slack on the maximum-likelihood property, per observation and relative to |log-likelihood|
#: (numerical optimisers stop near, not at, the maximum)
MLE_RTOL = 1e-6
#: chance that a statistical check fails a correct distribution (per check and seed)
FALSE_FAILURE_RATE = 1e-6
#: the largest Kolmogorov distance between ``dist`` and the family built from the moments of
#: its sample. Not a bound with a stated rate (moment estimators differ per family): measured
#: at most 0.005 over the built-in families at n = 20,000 and about 0.01 at n = 5,000, while a
#: wrong formula (a scale off by a factor 2) lands over 0.2 away
MOMENTS_KS_TOL = 0.03
#: supports of at most this many lattice points are summed over to check the pmf
MAX_SUPPORT_POINTS = 1_000_000

CheckFunction = Callable[..., None]


def dkw_bound(n: int, rate: float = FALSE_FAILURE_RATE) -> float:
    """ε with P(sup |F_n - F| > ε) <= ``rate`` for the empirical cdf F_n of n draws:
    the Dvoretzky–Kiefer–Wolfowitz inequality with Massart's constant, 2 exp(-2 n ε²)."""
    return math.sqrt(math.log(2.0 / rate) / (2.0 * n))


# -- the suite -----------------------------------------------------------------------


class DistributionCheck:
    """One named check with its settings (``seed``, ``n``); call it with the distribution.

    An exception other than AssertionError becomes an AssertionError that names the
    check, so a missing hook reads as a failed contract, not a crash.
    """

    def __init__(self, func: CheckFunction, *, seed: int, n: int) -> None:
        self.func = func
        self.seed = seed
        self.n = n

    @property
    def name(self) -> str:
        return self.func.__name__

    def __call__(self, dist: Distribution) -> None:
        try:
            self.func(dist, seed=self.seed, n=self.n)
        except AssertionError:
            raise
        except Exception as exc:
            raise AssertionError(f"{_label(dist)}: {self.name} raised {type(exc).__name__}: {exc}") from exc

    def __repr__(self) -> str:
        return self.name


def distribution_checks(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> Iterator[DistributionCheck]:
    """The checks that apply to ``dist``, in order, by its declared capabilities.

    Every distribution: registration, JSON round trip, ``n_parameters``, sampling,
    log-likelihood, ``logpdf``; fitting unless ``fittable`` is False; ``cdf`` and ``ppf``
    (or, unless ``ordered``, that they refuse); the lattice round trips and the pmf for
    kinds whose values can be whole numbers, booleans or ticks of time; ``from_moments``
    (or, unless ``estimable_from_moments``, that it declines).
    """
    cls = type(dist)
    funcs: list[CheckFunction] = [
        check_registered,
        check_json_round_trip,
        check_n_parameters,
        check_sample_shape_and_dtype,
        check_sample_is_reproducible,
        check_log_likelihood_is_finite,
        check_log_likelihood_with_counts,
        check_logpdf_matches_log_likelihood,
    ]
    if cls.fittable:
        funcs += [check_fit_is_maximum_likelihood, check_fit_with_counts, check_fitted_round_trip]
    if cls.ordered:
        funcs += [
            check_cdf_is_monotone,
            check_cdf_matches_sample,
            check_ppf_rejects_bad_q,
            check_ppf_matches_sample,
            check_ppf_inverts_cdf,
        ]
        if any(kind in LATTICE_KINDS for kind in cls.kinds):
            funcs += [check_ppf_cdf_round_trip, check_pmf_sums_to_one, check_pmf_matches_cdf]
    else:
        funcs.append(check_no_order_raises)
    funcs.append(check_from_moments if cls.estimable_from_moments else check_from_moments_declines)
    funcs.append(check_sample_rejects_negative_size)
    for func in funcs:
        yield DistributionCheck(func, seed=seed, n=n)


def check_distribution(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """Check that ``dist`` fulfils the distribution contract; raise AssertionError if not.

    Runs every check of :func:`distribution_checks` and raises at the first failure,
    naming the distribution and what failed. In short:

    1. it is registered under its ``name`` and ``to_dict`` survives a strict JSON
       round trip through :func:`distribution_from_dict` to an equal object;
    2. ``n_parameters`` is a positive int;
    3. ``sample(n, seed)`` is reproducible, has length ``n`` and a dtype that fits one
       of ``dist.kinds``; another seed gives another sample unless the sample has
       probability one (log-likelihood exactly 0, e.g. a constant);
    4. the log-likelihood of the sample is finite, the same when the sample is given as
       distinct values with counts, and the sum of ``logpdf``;
    5. unless the class sets ``fittable = False``: fitting on the sample gives a finite
       log-likelihood, at least that of ``dist`` (less ``MLE_RTOL`` slack) unless the
       class sets ``fit_is_maximum_likelihood = False``; fitting on the distinct values
       with counts gives the same; the fitted object round-trips;
    6. unless the class sets ``ordered = False`` (then ``cdf`` and ``ppf`` must raise
       DistributionError): ``cdf`` is non-decreasing in [0, 1] and matches the sample's
       empirical cdf, ``ppf`` rejects q outside [0, 1], ``ppf`` of fixed-seed uniforms has
       the sample's distribution and dtype, ``ppf`` inverts ``cdf``; on a lattice (whole
       numbers, booleans, ticks of time) ``ppf(cdf(k)) == k`` and ``cdf(ppf(q)) >= q``
       exactly, ``exp(logpdf)`` sums to 1 and equals the steps of ``cdf``;
    7. with ``estimable_from_moments``: ``from_moments`` of the sample's moments gives the
       same family within Kolmogorov distance ``MOMENTS_KS_TOL``; without: it returns None;
    8. ``sample(-1)`` raises :class:`~datatwin.errors.DistributionError`.

    Parameters
    ----------
    dist
        An instance with parameters for which ``n`` draws are representative.
    seed
        Seed of the sample; ``seed + 1`` is used as the "different" seed.
    n
        Sample size; large enough that refitting is meaningful.
    """
    for check in distribution_checks(dist, seed=seed, n=n):
        check(dist)


def parametrize_with_checks(
    distributions: Sequence[Distribution], *, seed: int = 0, n: int = 20_000
) -> Any:
    """A ``pytest.mark.parametrize`` over every (distribution, check) pair, for a test
    ``def test_conformance(dist, check): check(dist)``.

    Test ids are ``<name>-<check>`` (``normal-check_ppf_matches_sample``); a name given
    more than once gets a number from its second instance on (``empirical-2``).
    """
    import pytest  # only where tests run

    seen: dict[str, int] = {}
    params = []
    for dist in distributions:
        seen[dist.name] = seen.get(dist.name, 0) + 1
        label = dist.name if seen[dist.name] == 1 else f"{dist.name}-{seen[dist.name]}"
        for check in distribution_checks(dist, seed=seed, n=n):
            params.append(pytest.param(dist, check, id=f"{label}-{check.name}"))
    return pytest.mark.parametrize(("dist", "check"), params)


# -- a sample shared by the checks of one distribution --------------------------------

_MEMO: dict[tuple[int, int, int], tuple[Distribution, dict[str, Any]]] = {}
_MEMO_SIZE = 4


def _memo(dist: Distribution, seed: int, n: int) -> dict[str, Any]:
    """A small store per (distribution, seed, n), so the checks of one distribution share
    its sample (and its fit) instead of drawing it once per check."""
    key = (id(dist), seed, n)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is dist:
        return hit[1]
    while len(_MEMO) >= _MEMO_SIZE:
        del _MEMO[next(iter(_MEMO))]
    entry: dict[str, Any] = {}
    _MEMO[key] = (dist, entry)
    return entry


def _sample(dist: Distribution, seed: int, n: int) -> np.ndarray:
    memo = _memo(dist, seed, n)
    if "sample" not in memo:
        sample = dist.sample(n, seed)
        if isinstance(sample, np.ndarray):
            sample.setflags(write=False)  # shared by the checks: none may change it
        memo["sample"] = sample
    return memo["sample"]  # type: ignore[no-any-return]


def _distinct_of(dist: Distribution, seed: int, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    memo = _memo(dist, seed, n)
    if "distinct" not in memo:
        memo["distinct"] = _distinct(_sample(dist, seed, n))
    return memo["distinct"]  # type: ignore[no-any-return]


def _fitted(dist: Distribution, seed: int, n: int) -> Distribution:
    memo = _memo(dist, seed, n)
    if "fitted" not in memo:
        try:
            memo["fitted"] = type(dist).fit(_sample(dist, seed, n))
        except DistributionError as exc:
            raise AssertionError(f"{_label(dist)}: cannot fit its own sample: {exc}") from None
    return memo["fitted"]  # type: ignore[no-any-return]


# -- contract and sampling ------------------------------------------------------------


def check_registered(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """The class is a Distribution registered under its ``name``."""
    label = _label(dist)
    _require(isinstance(dist, Distribution), label, "is not a datatwin Distribution")
    try:
        registered = get_distribution_class(dist.name)
    except DistributionError:
        registered = None
    _require(registered is type(dist), label, f"is not the class registered as {dist.name!r} (use @register)")


def check_json_round_trip(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``to_dict`` is strict JSON and rebuilds an equal object."""
    _check_round_trip(dist, _label(dist))


def check_n_parameters(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``n_parameters`` is a positive int."""
    k = dist.n_parameters
    positive_int = isinstance(k, int) and not isinstance(k, bool) and k > 0
    _require(positive_int, _label(dist), f"n_parameters must be a positive int, got {k!r}")


def check_sample_shape_and_dtype(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``sample(n)`` is a numpy array of length ``n`` with a dtype of one of its kinds."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    _require(isinstance(sample, np.ndarray), label, f"sample must return a numpy array, got {type(sample).__name__}")
    _require(sample.shape == (n,), label, f"sample({n}) has shape {sample.shape}, expected ({n},)")
    allowed = "".join(DTYPE_KINDS.get(kind, "") for kind in dist.kinds)
    _require(
        sample.dtype.kind in allowed,
        label,
        f"sample dtype {sample.dtype} does not fit its kinds {dist.kinds} (expected numpy kind in {allowed!r})",
    )


def check_sample_is_reproducible(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """A seed gives the same sample every time, also as a Generator made from it; another
    seed gives another sample unless the sample has probability one."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    _require(_same(sample, dist.sample(n, seed)), label, f"two samples with seed {seed} differ")
    from_generator = dist.sample(n, np.random.default_rng(seed))
    _require(_same(sample, from_generator), label, "an int seed and a Generator made from it give different samples")
    if dist.log_likelihood(sample) != 0.0:  # 0: the sample had probability one
        other = dist.sample(n, seed + 1)
        _require(not _same(sample, other), label, f"seeds {seed} and {seed + 1} give the same sample")


def check_sample_rejects_negative_size(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``sample(-1)`` raises DistributionError."""
    try:
        dist.sample(-1, seed)
    except DistributionError:
        return
    raise AssertionError(f"{_label(dist)}: sample(-1) must raise DistributionError")


# -- likelihood -----------------------------------------------------------------------


def check_log_likelihood_is_finite(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """The log-likelihood of its own sample is finite."""
    ll = dist.log_likelihood(_sample(dist, seed, n))
    _require(math.isfinite(ll), _label(dist), f"log-likelihood of its own sample is {ll}, expected a finite number")


def check_log_likelihood_with_counts(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """The sample as distinct values with counts has the same log-likelihood."""
    distinct = _distinct_of(dist, seed, n)
    if distinct is None:
        return  # values that cannot be sorted have no distinct form here
    ll = dist.log_likelihood(_sample(dist, seed, n))
    ll_counts = dist.log_likelihood(*distinct)
    _require(
        math.isclose(ll, ll_counts, rel_tol=1e-9, abs_tol=1e-9),
        _label(dist),
        f"log-likelihood on values ({ll}) differs from that on distinct values with counts ({ll_counts})",
    )


def check_logpdf_matches_log_likelihood(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``logpdf`` is a float array of one value per input whose (weighted) sum is the
    log-likelihood, and a value with count 0 adds nothing."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    logp = dist.logpdf(sample)
    _require(isinstance(logp, np.ndarray) and logp.shape == sample.shape, label, "logpdf must return one value per input")
    _require(logp.dtype.kind == "f", label, f"logpdf must return floats, got dtype {logp.dtype}")
    ll = dist.log_likelihood(sample)
    _require(
        math.isclose(float(logp.sum()), ll, rel_tol=1e-9, abs_tol=1e-9),
        label,
        f"the sum of logpdf ({float(logp.sum())}) differs from log_likelihood ({ll})",
    )
    distinct = _distinct_of(dist, seed, n)
    if distinct is None:
        return
    values, counts = distinct
    weights = counts.astype(float)
    weights[0] = 0.0
    ll_zero = dist.log_likelihood(values, weights)
    expected = float(np.dot(weights[1:], dist.logpdf(values[1:])))
    _require(
        math.isclose(ll_zero, expected, rel_tol=1e-9, abs_tol=1e-9),
        label,
        f"with one count 0 the log-likelihood is {ll_zero}, expected {expected} (Σ counts · logpdf of the others)",
    )


# -- fitting ----------------------------------------------------------------------------


def check_fit_is_maximum_likelihood(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """Fitting on its own sample gives the same class with a finite log-likelihood, at
    least that of ``dist`` unless ``fit_is_maximum_likelihood`` is False."""
    label = _label(dist)
    cls = type(dist)
    sample = _sample(dist, seed, n)
    fitted = _fitted(dist, seed, n)
    _require(type(fitted) is cls, label, f"fit returned a {type(fitted).__name__}, expected a {cls.__name__}")
    ll = dist.log_likelihood(sample)
    ll_fit = fitted.log_likelihood(sample)
    _require(math.isfinite(ll_fit), label, f"fitted {fitted!r} gives its own data log-likelihood {ll_fit}")
    tol = MLE_RTOL * (abs(ll) + len(sample))
    _require(
        ll_fit >= ll - tol or not cls.fit_is_maximum_likelihood,
        label,
        f"fit on its own sample is not maximum likelihood: log-likelihood {ll_fit} of {fitted!r} "
        f"is below {ll} of the true parameters",
    )


def check_fit_with_counts(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """Fitting on the distinct values with counts gives the fit on the values."""
    distinct = _distinct_of(dist, seed, n)
    if distinct is None:
        return
    sample = _sample(dist, seed, n)
    ll = dist.log_likelihood(sample)
    ll_fit = _fitted(dist, seed, n).log_likelihood(sample)
    ll_fit_counts = type(dist).fit(*distinct).log_likelihood(sample)
    _require(
        abs(ll_fit - ll_fit_counts) <= MLE_RTOL * (abs(ll) + len(sample)),
        _label(dist),
        f"fit on distinct values with counts gives log-likelihood {ll_fit_counts}, on the values {ll_fit}",
    )


def check_fitted_round_trip(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """The fitted object survives the JSON round trip."""
    fitted = _fitted(dist, seed, n)
    _check_round_trip(fitted, f"{_label(dist)} fitted as {fitted!r}")


# -- cdf and ppf ----------------------------------------------------------------------


def check_no_order_raises(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """A distribution declared without an order (``ordered = False``) refuses ``cdf`` and
    ``ppf`` with a DistributionError saying so."""
    sample = _sample(dist, seed, n)
    for method, arg in (("cdf", sample[:3]), ("ppf", np.array([0.5]))):
        try:
            getattr(dist, method)(arg)
        except DistributionError as exc:
            _require("has no order" in str(exc), _label(dist), f"{method} raised {exc!r}; expected 'has no order'")
        else:
            raise AssertionError(f"{_label(dist)}: declares ordered = False, yet {method} did not raise")


def check_cdf_is_monotone(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``cdf`` is a float array in [0, 1], non-decreasing over the sorted sample (and, for
    real numbers, a grid around it)."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    points = np.unique(sample)
    if sample.dtype.kind == "f":
        lo, hi = float(points[0]), float(points[-1])
        span = max(hi - lo, 1.0)
        points = np.unique(np.concatenate([points, np.linspace(lo - span, hi + span, 1001)]))
    c = dist.cdf(points)
    _require(isinstance(c, np.ndarray) and c.shape == points.shape, label, "cdf must return one value per input")
    _require(c.dtype.kind == "f", label, f"cdf must return floats, got dtype {c.dtype}")
    _require(bool(np.all((c >= 0) & (c <= 1))), label, f"cdf leaves [0, 1]: from {c.min()} to {c.max()}")
    drops = np.flatnonzero(np.diff(c) < 0)
    if drops.size:
        i = drops[0]
        raise AssertionError(f"{label}: cdf decreases from {c[i]} at {points[i]!r} to {c[i + 1]} at {points[i + 1]!r}")


def check_cdf_matches_sample(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``cdf`` is within the DKW bound of the sample's empirical cdf at every sampled value."""
    sample = _sample(dist, seed, n)
    values, counts = np.unique(sample, return_counts=True)
    empirical = np.cumsum(counts) / len(sample)
    c = dist.cdf(values)
    gap = np.abs(empirical - c)
    worst = int(np.argmax(gap))
    bound = dkw_bound(len(sample))
    _require(
        gap[worst] <= bound,
        _label(dist),
        f"cdf({values[worst]!r}) = {c[worst]:.6g} but {empirical[worst]:.6g} of the sample is <= it: a gap of "
        f"{gap[worst]:.4g} > {bound:.4g} (DKW bound at a false-failure rate of {FALSE_FAILURE_RATE:g})",
    )


def check_ppf_rejects_bad_q(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``ppf`` accepts 0 and 1 and raises DistributionError naming 'q' for -0.1, 1.1 and NaN."""
    label = _label(dist)
    ends = dist.ppf(np.array([0.0, 1.0]))
    _require(isinstance(ends, np.ndarray) and ends.shape == (2,), label, "ppf must return one value per quantile")
    for bad in (-0.1, 1.1, math.nan):
        try:
            dist.ppf(np.array([0.5, bad]))
        except DistributionError as exc:
            _require("'q'" in str(exc), label, f"ppf({bad}) raised {exc!r}, which does not name the parameter 'q'")
        else:
            raise AssertionError(f"{label}: ppf({bad}) must raise DistributionError")


def check_ppf_matches_sample(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``ppf`` of ``n`` fixed-seed uniforms has the dtype of ``sample`` and the sample's
    distribution: the two empirical cdfs are within twice the DKW bound (each is within
    one of the true cdf, at half the false-failure rate)."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    u = np.random.default_rng([seed, 1]).random(len(sample))
    x = dist.ppf(u)
    _require(isinstance(x, np.ndarray) and x.shape == u.shape, label, "ppf must return one value per quantile")
    _require(x.dtype == sample.dtype, label, f"ppf returns dtype {x.dtype}, sample {sample.dtype}: they must agree")
    a, b = np.sort(sample), np.sort(x)
    grid = np.unique(np.concatenate([a, b]))
    fa = np.searchsorted(a, grid, side="right") / len(a)
    fb = np.searchsorted(b, grid, side="right") / len(b)
    gap = np.abs(fa - fb)
    worst = int(np.argmax(gap))
    bound = 2 * dkw_bound(len(sample), FALSE_FAILURE_RATE / 2)
    _require(
        gap[worst] <= bound,
        label,
        f"ppf of uniforms does not have the distribution of sample: at {grid[worst]!r} their empirical cdfs are "
        f"{fb[worst]:.6g} and {fa[worst]:.6g}, a gap of {gap[worst]:.4g} > {bound:.4g}",
    )


def check_ppf_inverts_cdf(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``ppf`` is non-decreasing in q and ``cdf(ppf(q)) >= q``; for real numbers ``ppf(q)``
    is the smallest such value: the cdf just below it is at most q (both within 1e-9)."""
    label = _label(dist)
    q = np.unique(np.concatenate([np.linspace(0.0, 1.0, 1001), [1e-12, 1e-9, 1e-6, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12]]))
    x = dist.ppf(q)
    _require(bool(np.all(x[1:] >= x[:-1])), label, "ppf decreases somewhere in q")
    c = dist.cdf(x)
    short = np.flatnonzero(c < q - 1e-9)
    if short.size:
        i = short[0]
        raise AssertionError(f"{label}: cdf(ppf(q)) < q: q = {q[i]}, ppf(q) = {x[i]!r}, cdf of that = {c[i]}")
    if x.dtype.kind == "f":
        finite = np.isfinite(x)
        below = dist.cdf(np.nextafter(x[finite], -np.inf))
        over = np.flatnonzero(below > q[finite] + 1e-9)
        if over.size:
            i = over[0]
            raise AssertionError(
                f"{label}: ppf(q) is not the smallest value with cdf >= q: at q = {q[finite][i]} the cdf "
                f"just below ppf(q) = {x[finite][i]!r} is already {below[i]}"
            )


def check_ppf_cdf_round_trip(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """On a lattice, exactly: ``ppf(cdf(k)) == k`` for every sampled ``k`` whose cdf differs
    from the one below it, ``cdf(ppf(q)) >= q`` and ``cdf(ppf(q) - 1 step) < q``."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    if sample.dtype.kind not in "iubMm":
        return  # not on a lattice (real numbers)
    values = np.unique(sample)
    c = dist.cdf(values)
    step = c > dist.cdf(_one_below(values))  # a point the cdf can tell from the one below
    k, ck = values[step], c[step]
    back = dist.ppf(ck)
    wrong = np.flatnonzero(back != k)
    if wrong.size:
        i = wrong[0]
        raise AssertionError(f"{label}: ppf(cdf(k)) != k: k = {k[i]!r}, cdf(k) = {ck[i]!r}, ppf of that = {back[i]!r}")
    q = np.concatenate([np.linspace(0.0, 1.0, 1001), np.random.default_rng([seed, 2]).random(1000)])
    x = dist.ppf(q)
    short = np.flatnonzero(dist.cdf(x) < q)
    if short.size:
        raise AssertionError(f"{label}: cdf(ppf(q)) < q at q = {q[short[0]]!r} (ppf(q) = {x[short[0]]!r})")
    early = np.flatnonzero(dist.cdf(_one_below(x)) >= np.maximum(q, np.nextafter(0.0, 1.0)))
    if early.size:
        i = early[0]
        raise AssertionError(f"{label}: ppf(q) = {x[i]!r} is not the smallest value with cdf >= q = {q[i]!r}")


def check_pmf_sums_to_one(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """On a lattice, ``exp(logpdf)`` sums to 1 (within 1e-6) over the points between the
    1e-12 and 1 - 1e-12 quantiles, the lattice's step being the greatest common divisor of
    the gaps between sampled values. Skipped for supports of over ``MAX_SUPPORT_POINTS``."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    if sample.dtype.kind not in "iubMm":
        return
    ticks = _ticks(np.unique(sample))
    step = int(np.gcd.reduce(np.diff(ticks))) if len(ticks) > 1 else 1
    ends = _ticks(dist.ppf(np.array([1e-12, 1 - 1e-12])))
    lo = int(ticks[0]) - (int(ticks[0]) - int(ends[0])) // step * step
    count = (int(ends[1]) - lo) // step + 1
    if count > MAX_SUPPORT_POINTS:
        return
    points = _from_ticks(lo + step * np.arange(count, dtype=np.int64), sample.dtype)
    total = float(np.exp(dist.logpdf(points)).sum())
    _require(abs(total - 1.0) <= 1e-6, label, f"exp(logpdf) sums to {total} over its {count} support points, not 1")


def check_pmf_matches_cdf(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """On a lattice, ``exp(logpdf(k))`` is ``cdf(k) - cdf(k - 1 step)`` at every sampled ``k``."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    if sample.dtype.kind not in "iubMm":
        return
    values = np.unique(sample)
    pmf = np.exp(dist.logpdf(values))
    steps = dist.cdf(values) - dist.cdf(_one_below(values))
    off = np.flatnonzero(np.abs(pmf - steps) > 1e-9 + 1e-6 * steps)
    if off.size:
        i = off[0]
        raise AssertionError(f"{label}: exp(logpdf({values[i]!r})) = {pmf[i]} but the cdf steps by {steps[i]} there")


# -- released statistics --------------------------------------------------------------


def check_from_moments(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """``from_moments`` of the moments of its sample gives the same family, within
    Kolmogorov distance ``MOMENTS_KS_TOL`` of ``dist`` at the sampled values."""
    label = _label(dist)
    sample = _sample(dist, seed, n)
    _require(sample.dtype.kind in "iuf", label, "declares estimable_from_moments, but its values are not numbers")
    integer = sample.dtype.kind in "iu"
    moments = sample_moments(sample, integer)
    built = type(dist).from_moments(moments, integer)
    _require(built is not None, label, f"from_moments({moments}, integer={integer}) gave None for its own sample")
    assert built is not None
    _require(type(built) is type(dist), label, f"from_moments built a {type(built).__name__}")
    values = np.unique(sample)
    gap = float(np.max(np.abs(built.cdf(values) - dist.cdf(values))))
    _require(
        gap <= MOMENTS_KS_TOL,
        label,
        f"from_moments of its sample's moments gave {built!r}, {gap:.4g} from it in cdf (> {MOMENTS_KS_TOL})",
    )


def check_from_moments_declines(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """Without ``estimable_from_moments``, ``from_moments`` returns None."""
    sample = _sample(dist, seed, n)
    if sample.dtype.kind in "iuf":
        moments = sample_moments(sample, sample.dtype.kind in "iu")
    else:
        moments = Moments(lower=0.0, upper=1.0, mean=0.5, var=1 / 12)
    built = type(dist).from_moments(moments, False)
    _require(
        built is None,
        _label(dist),
        f"from_moments gave {built!r} but the class does not declare estimable_from_moments = True",
    )


def sample_moments(values: np.ndarray, integer: bool) -> Moments:
    """The moments of ``values`` as a privacy policy would release them (exactly, here)."""
    x = values.astype(np.float64)
    lower, upper = float(x.min()), float(x.max())
    log_mean = log_var = None
    if log_support(lower, upper, integer) is not None:
        z = np.log(np.maximum(x, 0.5) if integer else x)
        log_mean, log_var = float(z.mean()), float(z.var())
    return Moments(lower, upper, float(x.mean()), float(x.var()), log_mean, log_var)


# -- helpers --------------------------------------------------------------------------


def _label(dist: Distribution) -> str:
    return f"{type(dist).__name__}({getattr(dist, 'name', '')!r})"


def _check_round_trip(dist: Distribution, label: str) -> None:
    _require(isinstance(dist, Distribution), label, "is not a datatwin Distribution")
    d = dist.to_dict()
    _require(isinstance(d, dict) and d.get("name") == dist.name, label, f"to_dict() lacks name {dist.name!r}: {d!r}")
    try:
        text = json.dumps(d, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{label}: to_dict() is not strict JSON: {exc}") from None
    try:
        back = distribution_from_dict(json.loads(text))
    except DistributionError as exc:
        raise AssertionError(f"{label}: cannot be rebuilt from its own to_dict(): {exc}") from None
    _require(type(back) is type(dist) and back == dist, label, f"JSON round trip gives {back!r}, expected {dist!r}")


def _ticks(values: np.ndarray) -> np.ndarray:
    """Lattice values as int64 counts of their dtype's unit (False/True as 0/1)."""
    return values.astype(np.int64)


def _from_ticks(ticks: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return ticks.astype(dtype) if dtype.kind != "b" else ticks.astype(bool)


def _one_below(values: np.ndarray) -> np.ndarray:
    """One unit of the dtype below each value: the cdf there is P(X < value) on a lattice."""
    below = values.astype(np.int64) - 1
    return below.astype(values.dtype) if values.dtype.kind in "Mm" else below


def _distinct(sample: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The sample as (distinct values, counts), or None where the values cannot be sorted."""
    try:
        values, counts = np.unique(sample, return_counts=True)
    except TypeError:
        return None
    return values, counts


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.all(a == b))


def _require(condition: bool, label: str, message: str) -> None:
    if not condition:
        raise AssertionError(f"{label}: {message}")

