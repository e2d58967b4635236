"""Discrete (integer) families. All fits work on distinct values with counts.

Each family writes its probabilities once (``_logpdf``: -inf off the integers of its
support) and has a closed-form ``_cdf``; ``_ppf`` starts from a closed form and makes it
exact with :func:`~datatwin.distributions.inversion.integer_ppf`, so ``ppf(cdf(k)) == k``
holds in floating point.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import ClassVar

import numpy as np
from scipy import optimize, special, stats

from datatwin.distributions.base import (
    Distribution,
    DistributionError,
    merge_repeats,
    register,
    weighted_mean_var,
)
from datatwin.distributions.continuous import (
    GammaDistribution,
    LogNormalDistribution,
    NormalDistribution,
    TruncatedNormalDistribution,
)
from datatwin.distributions.inversion import integer_ppf, tabulated_guess


def _require_integers(name: str, values: np.ndarray, minimum: int | None = None) -> None:
    if values.dtype.kind == "f" and not np.all(np.mod(values, 1) == 0):
        raise DistributionError(f"{name}: needs integer values")
    if minimum is not None and values.min() < minimum:
        raise DistributionError(f"{name}: needs values >= {minimum}")


def _on_support(
    values: np.ndarray, x: np.ndarray, logp: np.ndarray, lower: float = -math.inf, upper: float = math.inf
) -> np.ndarray:
    """``logp`` where ``x`` (``values`` as floats) is a whole number in [lower, upper], else -inf.

    Fast path for what fitting passes, integers inside the support: no mask, one
    reduction per finite bound (this runs in every step of the rounded families' search)."""
    if (
        len(x)
        and values.dtype.kind in "iub"
        and (lower == -math.inf or x.min() >= lower)
        and (upper == math.inf or x.max() <= upper)
    ):
        return logp
    inside = x == np.floor(x)
    if lower > -math.inf:
        inside &= x >= lower
    if upper < math.inf:
        inside &= x <= upper
    return logp if inside.all() else np.where(inside, logp, -np.inf)


class DiscreteDistribution(Distribution):
    kinds = ("discrete",)

    def _refine(self, q: np.ndarray, guess: np.ndarray) -> np.ndarray:  # noqa: D401
        """The exact quantiles from a closed-form guess."""
        return integer_ppf(self._cdf, q, self._support(), guess)


@register
@dataclasses.dataclass(frozen=True)
class DiscreteUniformDistribution(DiscreteDistribution):
    """Every integer in [lower, upper] equally likely."""

    name = "discrete_uniform"
    estimable_from_moments = True
    lower: int
    upper: int

    def _check(self) -> None:
        if self.upper < self.lower:
            raise DistributionError(
                f"discrete_uniform: 'upper' must be >= 'lower'. Got lower={self.lower}, upper={self.upper}."
            )

    @classmethod
    def _fit(cls, values, counts):
        _require_integers(cls.name, values)
        return cls(int(values.min()), int(values.max()))

    @classmethod
    def _from_moments(cls, moments, integer):
        return cls(int(moments.lower), int(moments.upper))

    def _sample(self, n, rng):
        return rng.integers(self.lower, self.upper, n, endpoint=True)

    def _support(self):
        return (self.lower, self.upper)

    def _logpdf(self, values):
        x = np.asarray(values, float)
        return _on_support(values, x, np.full(len(x), -math.log(self.upper - self.lower + 1)), self.lower, self.upper)

    def _cdf(self, x):
        return np.clip((np.floor(np.asarray(x, float)) - self.lower + 1) / (self.upper - self.lower + 1), 0.0, 1.0)

    def _ppf(self, q):
        return self._refine(q, self.lower - 1 + np.ceil(q * (self.upper - self.lower + 1)))


@register
@dataclasses.dataclass(frozen=True)
class PoissonDistribution(DiscreteDistribution):
    """Poisson with mean ``mu``; support 0, 1, 2, ..."""

    name = "poisson"
    estimable_from_moments = True
    mu: float

    def _check(self) -> None:
        if not self.mu > 0:
            raise DistributionError(f"poisson: parameter 'mu' must be > 0. Got {self.mu} instead.")

    @classmethod
    def _fit(cls, values, counts):
        _require_integers(cls.name, values, 0)
        _, mean, _ = weighted_mean_var(values, counts)
        if mean <= 0:
            raise DistributionError("poisson: all values are zero")
        return cls(mean)

    @classmethod
    def _from_moments(cls, moments, integer):
        return cls(moments.mean) if moments.lower >= 0 and moments.mean > 0 else None

    def _sample(self, n, rng):
        return rng.poisson(self.mu, n)

    def _support(self):
        return (0.0, math.inf)

    def _logpdf(self, values):
        x = np.asarray(values, float)
        return _on_support(values, x, x * math.log(self.mu) - self.mu - special.gammaln(x + 1), 0.0)

    def _cdf(self, x):
        k = np.floor(np.asarray(x, float))
        return np.where(k >= 0, special.pdtr(np.maximum(k, 0.0), self.mu), 0.0)

    def _ppf(self, q):
        with np.errstate(invalid="ignore"):
            return self._refine(q, np.ceil(special.pdtrik(q, self.mu)))


@register
@dataclasses.dataclass(frozen=True)
class GeometricDistribution(DiscreteDistribution):
    """Number of failures before the first success, success probability ``p``; support 0, 1, 2, ..."""

    name = "geometric"
    estimable_from_moments = True
    p: float

    def _check(self) -> None:
        if not 0 < self.p <= 1:
            raise DistributionError(f"geometric: parameter 'p' must be in (0, 1]. Got {self.p} instead.")

    @classmethod
    def _fit(cls, values, counts):
        _require_integers(cls.name, values, 0)
        _, mean, _ = weighted_mean_var(values, counts)
        return cls(1.0 / (1.0 + mean))

    @classmethod
    def _from_moments(cls, moments, integer):
        return cls(1.0 / (1.0 + moments.mean)) if moments.lower >= 0 and moments.mean >= 0 else None

    def _sample(self, n, rng):
        return rng.geometric(self.p, n) - 1  # numpy counts trials, we count failures

    def _support(self):
        return (0.0, 0.0 if self.p == 1 else math.inf)

    def _logpdf(self, values):
        x = np.asarray(values, float)
        if self.p == 1:
            return np.where(x == 0, 0.0, -np.inf)
        return _on_support(values, x, math.log(self.p) + x * math.log1p(-self.p), 0.0)

    def _cdf(self, x):
        x = np.asarray(x, float)
        if self.p == 1:
            return (x >= 0) * 1.0
        return np.where(x < 0, 0.0, -np.expm1((np.floor(x) + 1) * math.log1p(-self.p)))

    def _ppf(self, q):
        if self.p == 1:
            return np.zeros(len(q), dtype=np.int64)
        with np.errstate(divide="ignore"):
            return self._refine(q, np.ceil(np.log1p(-q) / math.log1p(-self.p)) - 1)


@register
@dataclasses.dataclass(frozen=True)
class NegativeBinomialDistribution(DiscreteDistribution):
    """Failures before ``n`` successes with success probability ``p`` (scipy's nbinom)."""

    name = "negative_binomial"
    estimable_from_moments = True
    n: float
    p: float

    def _check(self) -> None:
        if not self.n > 0:
            raise DistributionError(f"negative_binomial: parameter 'n' must be > 0. Got {self.n} instead.")
        if not 0 < self.p < 1:
            raise DistributionError(f"negative_binomial: parameter 'p' must be in (0, 1). Got {self.p} instead.")

    @classmethod
    def _fit(cls, values, counts):
        _require_integers(cls.name, values, 0)
        total, mean, var = weighted_mean_var(values, counts)
        if mean <= 0 or var <= mean:
            raise DistributionError("negative_binomial: needs variance > mean (over-dispersion)")
        x = values.astype(float)

        def nll(log_r: float) -> float:
            r = math.exp(log_r)
            p = r / (r + mean)  # MLE of p given r
            ll = float(np.dot(counts, special.gammaln(x + r) - special.gammaln(x + 1))) - total * special.gammaln(r)
            return -(ll + total * r * math.log(p) + total * mean * math.log1p(-p))

        r0 = mean * mean / (var - mean)  # method of moments
        res = optimize.minimize_scalar(nll, bounds=(math.log(r0) - 10, math.log(r0) + 10), method="bounded")
        r = math.exp(res.x)
        return cls(r, r / (r + mean))

    @classmethod
    def _from_moments(cls, moments, integer):
        mean, var = moments.mean, moments.var  # the count's own variance: no rounding correction
        if moments.lower < 0 or mean <= 0 or var <= mean * 1.001:
            return None
        r = mean * mean / (var - mean)  # method of moments
        return cls(r, r / (r + mean))

    def _sample(self, n, rng):
        return rng.negative_binomial(self.n, self.p, n)

    def _support(self):
        return (0.0, math.inf)

    def _logpdf(self, values):
        x = np.asarray(values, float)
        r, p = self.n, self.p
        with np.errstate(invalid="ignore"):
            terms = (special.gammaln(x + r) - special.gammaln(r) - special.gammaln(x + 1) + r * math.log(p)
                     + x * math.log1p(-p))
        return _on_support(values, x, terms, 0.0)

    def _cdf(self, x):
        # P(X <= k) = I_p(n, k + 1): the regularised incomplete beta, ~10x faster than scipy.stats'
        k = np.floor(np.asarray(x, float))
        with np.errstate(invalid="ignore"):
            return np.where(k < 0, 0.0, special.betainc(self.n, np.maximum(k, 0.0) + 1.0, self.p))

    def _ppf(self, q):
        q = np.asarray(q, float)
        with np.errstate(over="ignore"):
            if q.size > _PPF_GRID:  # scipy's nbinom.ppf costs ~6 µs a value: a tabulated guess, refined exactly
                # knots at quantiles evenly spaced in normal scores: dense in the tails, where brackets would be wide
                knots = stats.nbinom.ppf(special.ndtr(np.linspace(-8.0, 8.0, _PPF_GRID)), self.n, self.p)
                guess = tabulated_guess(self._cdf, q, knots)
            else:
                guess = stats.nbinom.ppf(q, self.n, self.p)
            return self._refine(q, guess)


#: above this many quantiles, a slow closed form is evaluated on a grid and interpolated as the guess
_PPF_GRID = 4096


@register
@dataclasses.dataclass(frozen=True)
class UniqueKeyDistribution(DiscreteDistribution):
    """Distinct integers starting at ``lower``: consecutive (1, 2, 3, ...) or spread with
    the same density as the data (``density`` = distinct values / range width)."""

    name = "unique_key"
    ordered = False  # a set of distinct keys, not independent draws: no quantile function
    lower: int
    consecutive: bool
    density: float

    def _check(self) -> None:
        if not 0 < self.density <= 1:
            raise DistributionError(f"unique_key: parameter 'density' must be in (0, 1]. Got {self.density} instead.")

    @classmethod
    def _fit(cls, values, counts):
        _require_integers(cls.name, values)
        values, counts = merge_repeats(values, counts)
        if np.any(counts > 1):
            raise DistributionError("unique_key: values are not unique")
        lo, hi = int(values.min()), int(values.max())
        density = len(values) / (hi - lo + 1)
        return cls(lo, bool(density == 1.0), float(density))

    def _sample(self, n, rng):
        if self.consecutive:
            return np.arange(self.lower, self.lower + n, dtype=np.int64)
        width = max(n, math.ceil(n / self.density))
        return self.lower + np.sort(rng.choice(width, n, replace=False)).astype(np.int64)

    def _logpdf(self, values):
        # Uniform over the admissible sets; only used for audit, never in competition.
        return np.full(len(values), -math.log(1 / self.density))

    @property
    def n_parameters(self) -> int:
        return 2


class _Rounded:
    """Mixin: a continuous family rounded to the nearest integer, P(k) = F(k + 1/2) - F(k - 1/2).

    Gives integer columns such as age or income the shapes of the continuous
    families with an exact likelihood, so they compete with Poisson and friends
    under the same criterion. Parameters are those of the continuous family.
    """

    kinds = ("discrete",)
    #: parameters the rounded likelihood is maximised over; True: positive, searched on a log scale
    _search: ClassVar[dict[str, bool]] = {"mu": False, "sigma": True}
    #: the continuous family lives on x > 0, yet rounding gives 0 the mass of (0, 1/2]
    _positive: ClassVar[bool] = False

    @classmethod
    def _fit(cls, values, counts):
        _require_integers(cls.name, values, 0 if cls._positive else None)
        values, counts = merge_repeats(values, counts)  # each likelihood evaluation is O(distinct values)
        # The continuous fit on the integers is the start: it ignores the rounding
        # (variance inflated by 1/12, no zeros for positive families), so where the
        # rounding matters, maximise the rounded likelihood from there.
        start = super()._fit(np.maximum(values, 0.5) if cls._positive else values, counts)
        if not start._rounding_matters(values, counts):
            return start
        p0 = {k: getattr(start, k) for k in cls._search}
        unit = getattr(start, "sigma", 1.0)  # step of a location parameter
        n = float(counts.sum())

        def build(theta: np.ndarray) -> Distribution:
            free = {}
            for (k, positive), t in zip(cls._search.items(), theta):
                free[k] = float(p0[k] * math.exp(t) if positive else p0[k] + unit * t)
            return dataclasses.replace(start, **free)

        def nll(theta: np.ndarray) -> float:  # per observation, so tolerances do not grow with n
            try:
                ll = build(theta)._log_likelihood(values, counts)
            except (DistributionError, OverflowError):
                return math.inf
            return -ll / n if math.isfinite(ll) else math.inf

        x0 = np.zeros(len(p0))
        with np.errstate(invalid="ignore"):  # inf - inf where the simplex leaves the support
            # Tolerances per observation and in units of the start (sigma for locations, log
            # scale for scales): 1e-8 in the log-likelihood cannot change a BIC ranking even
            # at a million rows, parameters land within ~1e-3 of their scale, and the search
            # stops in ~40 evaluations instead of ~150 (measured on Adult: fit 0.9 s -> 0.3 s).
            res = optimize.minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-8})
        return build(res.x) if res.fun < nll(x0) else start

    def _rounding_matters(self, values: np.ndarray, counts: np.ndarray) -> bool:
        """False when the rounded likelihood is the density's to within 1e-6 per observation,
        so the continuous fit is already its maximum: the midpoint-rule error (f''/f)/24 of
        a unit bin, with differences of the log-probabilities for the derivatives."""
        x = values.astype(float)
        if self._positive and x.min() < 1:
            return True  # P(0) comes from (0, 1/2], nothing like the density at 0
        with np.errstate(divide="ignore", invalid="ignore"):
            f = [self._latent_cdf(x + d) for d in (-1.5, -0.5, 0.5, 1.5)]
            lo, mid, hi = (np.log(f[i + 1] - f[i]) for i in range(3))
            err = np.abs(hi - 2 * mid + lo + ((hi - lo) / 2) ** 2) / 24
        # Only where the neighbouring bins have mass: next to a truncation bound they have
        # none (log 0), which says nothing about the rounding inside the support.
        finite = np.isfinite(err)
        return not float(np.dot(counts[finite], err[finite])) < 1e-6 * float(counts.sum())

    def _sample(self, n, rng):
        return np.rint(super()._sample(n, rng)).astype(np.int64)

    # The latent continuous family: the parent class's hooks. ``log_cdf_interval`` reads
    # these, while the public ``cdf`` and ``logpdf`` are those of the integers.
    def _latent_cdf(self, x):
        return super()._cdf(x)

    def _latent_logpdf(self, x):
        return super()._logpdf(x)

    def _latent_ppf(self, q):
        return super()._ppf(q)

    def _support(self):
        lo, hi = super()._support()  # rint of the latent support's ends
        return (math.floor(lo + 0.5) if math.isfinite(lo) else lo, math.ceil(hi - 0.5) if math.isfinite(hi) else hi)

    def _logpdf(self, values):
        # P(k) = F(k + 1/2) - F(k - 1/2): the rounded likelihood is this interval probability
        x = np.asarray(values, float)
        return _on_support(values, x, self.log_cdf_interval(x - 0.5, x + 0.5))

    def _cdf(self, x):
        return self._latent_cdf(np.floor(np.asarray(x, float)) + 0.5)

    def _ppf(self, q):
        # the smallest k with F(k + 1/2) >= q, from the latent quantile
        with np.errstate(invalid="ignore"):
            guess = np.ceil(self._latent_ppf(q) - 0.5)
        return integer_ppf(self._cdf, q, self._support(), guess)


@register
class DiscreteNormalDistribution(_Rounded, NormalDistribution):
    """Normal rounded to integers."""

    name = "discrete_normal"


@register
class DiscreteTruncatedNormalDistribution(_Rounded, TruncatedNormalDistribution):
    """Truncated normal rounded to integers. Every integer in [lower, upper] gets its
    whole unit bin, so the normal is truncated to [lower - 1/2, upper + 1/2]: data
    piled up at a bound (ages from 18) keep their share at the bound."""

    name = "discrete_truncated_normal"

    @functools.cached_property
    def _latent(self) -> TruncatedNormalDistribution:
        # built once per instance (the parameters are frozen), not on every cdf call
        return TruncatedNormalDistribution(self.mu, self.sigma, self.lower - 0.5, self.upper + 0.5)

    def _continuous(self) -> TruncatedNormalDistribution:
        return self._latent

    def _latent_cdf(self, x):
        return self._continuous()._cdf(x)

    def _latent_logpdf(self, x):
        return self._continuous()._logpdf(x)

    def _latent_ppf(self, q):
        return self._continuous()._ppf(q)

    def _support(self):
        return (self.lower, self.upper)

    def _sample(self, n, rng):
        # clip: rint rounds half to even, so upper + 1/2 could become upper + 1
        return np.clip(np.rint(self._continuous()._sample(n, rng)), self.lower, self.upper).astype(np.int64)


@register
class DiscreteLogNormalDistribution(_Rounded, LogNormalDistribution):
    """Log-normal rounded to integers."""

    name = "discrete_lognormal"
    _positive = True


@register
class DiscreteGammaDistribution(_Rounded, GammaDistribution):
    """Gamma rounded to integers."""

    name = "discrete_gamma"
    _search: ClassVar[dict[str, bool]] = {"shape": True, "scale": True}
    _positive = True
