"""The conformance check every distribution must pass, built-in or from a plug-in.

Like scikit-learn's ``check_estimator``: one function that exercises the whole
:class:`~datatwin.distributions.Distribution` contract on a single instance, so a
plug-in package can test its families with one line::

    from datatwin.distributions.testing import check_distribution

    def test_my_distribution():
        check_distribution(MyDistribution(alpha=2.0))

Example
-------
>>> from datatwin.distributions import NormalDistribution
>>> check_distribution(NormalDistribution(mu=1.0, sigma=2.0), n=2_000)
"""

from __future__ import annotations

import inspect
import json
import math

import numpy as np

from datatwin.distributions.base import Distribution, distribution_from_dict, get_distribution_class
from datatwin.errors import DistributionError

__all__ = ["check_distribution"]

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

#: slack on the maximum-likelihood property, per observation and relative to |log-likelihood|
#: (numerical optimisers stop near, not at, the maximum)
MLE_RTOL = 1e-6


def check_distribution(dist: Distribution, *, seed: int = 0, n: int = 20_000) -> None:
    """Check that ``dist`` fulfils the distribution contract; raise AssertionError if not.

    Checks, in order:

    1. it is registered under its ``name`` and ``to_dict`` survives a strict JSON
       round trip through :func:`distribution_from_dict` to an equal object;
    2. ``n_parameters`` is a positive int;
    3. ``sample(n, seed)`` is reproducible, has length ``n`` and a dtype that fits one
       of ``dist.kinds``; another seed gives another sample unless the sample has
       probability one (log-likelihood exactly 0, e.g. a constant);
    4. the log-likelihood of the sample is finite and the same when the sample is
       given as distinct values with counts;
    5. if the class can fit with only ``(values, counts)``: fitting on the sample gives
       a finite log-likelihood, at least that of ``dist`` (less ``MLE_RTOL`` slack)
       unless the class sets ``fit_is_maximum_likelihood = False``; fitting on the
       distinct values with counts gives the same; the fitted object round-trips;
    6. ``sample(-1)`` raises :class:`~datatwin.errors.DistributionError`.

    Parameters
    ----------
    dist
        An instance with parameters for which ``n`` draws are representative.
    seed
        Seed of the sample; ``seed + 1`` is used as the "different" seed.
    n
        Sample size; large enough that refitting is meaningful.
    """
    label = f"{type(dist).__name__}({dist.name!r})"
    _check_round_trip(dist, label)
    k = dist.n_parameters
    positive_int = isinstance(k, int) and not isinstance(k, bool) and k > 0
    _require(positive_int, label, f"n_parameters must be a positive int, got {k!r}")

    sample = dist.sample(n, seed)
    _require(isinstance(sample, np.ndarray), label, f"sample must return a numpy array, got {type(sample).__name__}")
    _require(sample.shape == (n,), label, f"sample({n}) has shape {sample.shape}, expected ({n},)")
    allowed = "".join(DTYPE_KINDS.get(kind, "") for kind in dist.kinds)
    _require(
        sample.dtype.kind in allowed,
        label,
        f"sample dtype {sample.dtype} does not fit its kinds {dist.kinds} (expected numpy kind in {allowed!r})",
    )
    _require(_same(sample, dist.sample(n, seed)), label, f"two samples with seed {seed} differ")
    from_generator = dist.sample(n, np.random.default_rng(seed))
    _require(_same(sample, from_generator), label, "an int seed and a Generator made from it give different samples")

    ll = dist.log_likelihood(sample)
    _require(math.isfinite(ll), label, f"log-likelihood of its own sample is {ll}, expected a finite number")
    deterministic = ll == 0.0  # the sample had probability one
    if not deterministic:
        other = dist.sample(n, seed + 1)
        _require(not _same(sample, other), label, f"seeds {seed} and {seed + 1} give the same sample")
    distinct = _distinct(sample)
    if distinct is not None:
        ll_counts = dist.log_likelihood(*distinct)
        _require(
            math.isclose(ll, ll_counts, rel_tol=1e-9, abs_tol=1e-9),
            label,
            f"log-likelihood on values ({ll}) differs from that on distinct values with counts ({ll_counts})",
        )

    if _can_fit(type(dist)):
        _check_fit(dist, sample, ll, distinct, label)

    try:
        dist.sample(-1, seed)
    except DistributionError:
        pass
    else:
        raise AssertionError(f"{label}: sample(-1) must raise DistributionError")


def _check_round_trip(dist: Distribution, label: str) -> None:
    _require(isinstance(dist, Distribution), label, "is not a datatwin Distribution")
    try:
        registered = get_distribution_class(dist.name)
    except DistributionError:
        registered = None
    _require(registered is type(dist), label, f"is not the class registered as {dist.name!r} (use @register)")
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


def _check_fit(dist: Distribution, sample: np.ndarray, ll: float, distinct: tuple | None, label: str) -> None:
    cls = type(dist)
    try:
        fitted = cls.fit(sample)
    except DistributionError as exc:
        raise AssertionError(f"{label}: cannot fit its own sample: {exc}") from None
    _require(type(fitted) is cls, label, f"fit returned a {type(fitted).__name__}, expected a {cls.__name__}")
    ll_fit = fitted.log_likelihood(sample)
    _require(math.isfinite(ll_fit), label, f"fitted {fitted!r} gives its own data log-likelihood {ll_fit}")
    tol = MLE_RTOL * (abs(ll) + len(sample))
    _require(
        ll_fit >= ll - tol or not cls.fit_is_maximum_likelihood,
        label,
        f"fit on its own sample is not maximum likelihood: log-likelihood {ll_fit} of {fitted!r} "
        f"is below {ll} of the true parameters",
    )
    if distinct is not None:
        ll_fit_counts = cls.fit(*distinct).log_likelihood(sample)
        _require(
            abs(ll_fit - ll_fit_counts) <= tol,
            label,
            f"fit on distinct values with counts gives log-likelihood {ll_fit_counts}, on the values {ll_fit}",
        )
    _check_round_trip(fitted, f"{label} fitted as {fitted!r}")


def _can_fit(cls: type[Distribution]) -> bool:
    """True unless ``_fit`` is not implemented or needs arguments beyond values and counts."""
    if cls._fit.__func__ is Distribution._fit.__func__:  # type: ignore[attr-defined]
        return False
    extra = list(inspect.signature(cls._fit).parameters.values())[2:]
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in extra)


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
