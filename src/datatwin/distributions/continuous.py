"""Continuous families. Closed-form maximum likelihood except where none exists
(gamma shape: Newton's method; truncated normal: a 2-d optimisation over
sufficient statistics), so fitting is O(number of distinct values). Each family writes
its density once (``_logpdf``) and has closed forms for ``_cdf`` and ``_ppf``."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import optimize, special

from datatwin.distributions.base import (
    Distribution,
    DistributionError,
    register,
    require_positive,
    weighted_mean_var,
)
from datatwin.distributions.inversion import continuous_ppf
from datatwin.distributions.moments import _two_point

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class ContinuousDistribution(Distribution):
    """A family with a density; ``log_cdf_interval`` lets it be discretised for integer data."""

    kinds = ("continuous",)

    # The continuous distribution itself; a rounded (``discrete_*``) subclass overrides
    # ``_cdf`` and ``_logpdf`` with its integer ones and points these at the latent family.
    def _latent_cdf(self, x):
        return self._cdf(x)

    def _latent_logpdf(self, x):
        return self._logpdf(x)

    def log_cdf_interval(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """log P(lo < X <= hi) of the continuous distribution, used to score a discretised
        version. Far in the tails the difference of CDFs underflows to 0; there the density
        at the midpoint times the width is the accurate value, so one outlier does not make
        the whole fit -inf."""
        if len(lo) > 1 and np.array_equal(hi[:-1], lo[1:]):  # consecutive integers share edges
            edges = self._latent_cdf(np.append(lo, hi[-1]))
            diff = edges[1:] - edges[:-1]
        else:
            diff = self._latent_cdf(hi) - self._latent_cdf(lo)
        tiny = diff < 1e-12
        with np.errstate(divide="ignore"):
            out = np.log(np.where(tiny, 1.0, diff))
        if tiny.any():
            mid, width = (lo[tiny] + hi[tiny]) / 2, hi[tiny] - lo[tiny]
            out[tiny] = self._latent_logpdf(mid) + np.log(width)
        return out


@register
@dataclasses.dataclass(frozen=True)
class UniformDistribution(ContinuousDistribution):
    """Uniform on [lower, upper]."""

    name = "uniform"
    estimable_from_moments = True
    lower: float
    upper: float

    def _check(self) -> None:
        if not self.upper > self.lower:
            raise DistributionError(f"uniform: 'upper' must be > 'lower'. Got lower={self.lower}, upper={self.upper}.")

    @classmethod
    def _fit(cls, values, counts):
        lo, hi = float(values.min()), float(values.max())
        if hi <= lo:
            raise DistributionError("uniform: all values are equal")
        return cls(lo, hi)

    @classmethod
    def _from_moments(cls, moments, integer):
        return cls(moments.lower, moments.upper)

    def _sample(self, n, rng):
        return rng.uniform(self.lower, self.upper, n)

    def _support(self):
        return (self.lower, self.upper)

    def _logpdf(self, x):
        x = np.asarray(x, float)
        inside = (x >= self.lower) & (x <= self.upper)
        return np.where(inside, -math.log(self.upper - self.lower), -np.inf)

    def _cdf(self, x):
        return np.clip((np.asarray(x, float) - self.lower) / (self.upper - self.lower), 0.0, 1.0)

    def _ppf(self, q):
        return self.lower + (self.upper - self.lower) * q


@register
@dataclasses.dataclass(frozen=True)
class NormalDistribution(ContinuousDistribution):
    """Normal with mean ``mu`` and standard deviation ``sigma``."""

    name = "normal"
    estimable_from_moments = True
    mu: float
    sigma: float

    def _check(self) -> None:
        require_positive(self.name, "sigma", self.sigma)

    @classmethod
    def _fit(cls, values, counts):
        _, mean, var = weighted_mean_var(values, counts)
        if var <= 0:
            raise DistributionError("normal: all values are equal")
        return cls(mean, math.sqrt(var))

    @classmethod
    def _from_moments(cls, moments, integer):
        return cls(moments.mean, moments.sd(integer))

    def _sample(self, n, rng):
        return rng.normal(self.mu, self.sigma, n)

    def _logpdf(self, x):
        z = (np.asarray(x, float) - self.mu) / self.sigma
        return -0.5 * z * z - (math.log(self.sigma) + _LOG_SQRT_2PI)

    def _cdf(self, x):
        return special.ndtr((np.asarray(x, float) - self.mu) / self.sigma)

    def _ppf(self, q):
        return self.mu + self.sigma * special.ndtri(q)


def _log_mass(a: float, b: float) -> float:
    """log(Phi(b) - Phi(a)) for standardised bounds a < b, accurate in both tails."""
    if a > 0:  # use symmetry so both terms are small upper tails
        a, b = -b, -a
    lb, la = special.log_ndtr(b), special.log_ndtr(a)
    return float(lb + np.log1p(-np.exp(la - lb))) if la < lb else -math.inf


@register
@dataclasses.dataclass(frozen=True)
class TruncatedNormalDistribution(ContinuousDistribution):
    """Normal(mu, sigma) restricted to [lower, upper]; mu, sigma are of the untruncated normal."""

    name = "truncated_normal"
    estimable_from_moments = True
    mu: float
    sigma: float
    lower: float
    upper: float

    def _check(self) -> None:
        require_positive(self.name, "sigma", self.sigma)
        if not self.upper > self.lower:
            raise DistributionError(
                f"{self.name}: 'upper' must be > 'lower'. Got lower={self.lower}, upper={self.upper}."
            )

    @classmethod
    def _fit(cls, values, counts):
        lo, hi = float(values.min()), float(values.max())
        _, mean, var = weighted_mean_var(values, counts)
        if var <= 0 or hi <= lo:
            raise DistributionError("truncated_normal: all values are equal")
        # Log-likelihood depends on the data only through n, mean and variance. Search
        # in standard units (mu = mean + sd * t0, sigma = sd * exp(t1)) on the
        # per-observation value: unscaled, L-BFGS-B now and then stopped far from the
        # maximum, and on values versus distinct values with counts at different points.
        sd = math.sqrt(var)
        width = hi - lo

        def nll(theta: np.ndarray) -> float:
            mu, sigma = mean + sd * theta[0], sd * math.exp(theta[1])
            return math.log(sigma) + (var + (mean - mu) ** 2) / (2 * sigma * sigma) + _log_mass(
                (lo - mu) / sigma, (hi - mu) / sigma
            )

        # Bounded search: the MLE runs off to infinity for flat data; a far-away
        # mu with a huge sigma is as good as uniform and numerically useless.
        start = np.zeros(2)
        bounds = [
            ((lo - 5 * width - mean) / sd, (hi + 5 * width - mean) / sd),
            (math.log(width * 1e-4 / sd), math.log(width * 20 / sd)),
        ]
        res = optimize.minimize(nll, start, method="L-BFGS-B", bounds=bounds)
        t0, t1 = res.x if res.fun <= nll(start) else start
        return cls(float(mean + sd * t0), float(sd * math.exp(t1)), lo, hi)

    @classmethod
    def _from_moments(cls, moments, integer):
        # the discrete version truncates at lower - 1/2, upper + 1/2, and rounding adds 1/12
        # to the variance; the fit on the pseudo-sample is the fit on the statistics
        lo, hi = moments.lower, moments.upper
        pad = 0.5 if integer else 0.0
        values, weights = _two_point(lo - pad, hi + pad, moments.mean, moments.var + (1 / 12 if integer else 0.0))
        fit = TruncatedNormalDistribution.fit(values, weights)
        return cls(fit.mu, fit.sigma, lo, hi)

    def _standard_bounds(self) -> tuple[float, float]:
        return (self.lower - self.mu) / self.sigma, (self.upper - self.mu) / self.sigma

    def _sample(self, n, rng):
        # Inverse-CDF on the tail that keeps precision (scipy's truncnorm does the same).
        a, b = self._standard_bounds()
        if not special.ndtr(-a if a > 0 else b) > 1e-290:  # the mass underflows: solve the cdf
            return self._ppf(rng.random(n))
        if a > 0:
            qa, qb = special.ndtr(-b), special.ndtr(-a)
            z = -special.ndtri(rng.uniform(qa, qb, n))
        else:
            qa, qb = special.ndtr(a), special.ndtr(b)
            z = special.ndtri(rng.uniform(qa, qb, n))
        return np.clip(self.mu + self.sigma * z, self.lower, self.upper)

    def _support(self):
        return (self.lower, self.upper)

    def _logpdf(self, x):
        x = np.asarray(x, float)
        a, b = self._standard_bounds()
        z = (x - self.mu) / self.sigma
        inside = (x >= self.lower) & (x <= self.upper)
        return np.where(inside, -0.5 * z * z - (math.log(self.sigma) + _LOG_SQRT_2PI + _log_mass(a, b)), -np.inf)

    def _ppf(self, q):
        # the inverse of the cdf on the tail that keeps precision, as sampling does
        a, b = self._standard_bounds()
        upper_tail = a > 0
        qa, qb = (special.ndtr(-b), special.ndtr(-a)) if upper_tail else (special.ndtr(a), special.ndtr(b))
        if not qb > 1e-290:  # the bounds lie so far in a tail that the mass underflows: solve the cdf
            return np.clip(continuous_ppf(self._cdf, q, self._support()), self.lower, self.upper)
        z = -special.ndtri(qb - (qb - qa) * q) if upper_tail else special.ndtri(qa + (qb - qa) * q)
        return np.clip(self.mu + self.sigma * z, self.lower, self.upper)

    def _cdf(self, x):
        a, b = self._standard_bounds()
        z = (np.clip(np.asarray(x, float), self.lower, self.upper) - self.mu) / self.sigma
        fa, fb = special.ndtr(a), special.ndtr(b)
        if fb - fa > 1e-3:  # the bounds hold real mass: plain differences are accurate (and fast)
            return np.clip((special.ndtr(z) - fa) / (fb - fa), 0.0, 1.0)
        # In log space, on the tail the bounds lie in: with mu far outside [lower, upper]
        # (a legitimate MLE for data piled up at one bound) plain differences of ndtr
        # lose every digit, and the probabilities of a rounded version stop summing to 1.
        with np.errstate(divide="ignore", invalid="ignore"):
            if a > 0:  # both bounds in the upper tail: survival functions
                la, lb, lz = special.log_ndtr(-a), special.log_ndtr(-b), special.log_ndtr(-z)
                out = -np.expm1(lz - la) / -np.expm1(lb - la)
            else:
                la, lb, lz = special.log_ndtr(a), special.log_ndtr(b), special.log_ndtr(z)
                out = (np.exp(lz - lb) - np.exp(la - lb)) / -np.expm1(la - lb)
        return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)


@register
@dataclasses.dataclass(frozen=True)
class LogNormalDistribution(ContinuousDistribution):
    """log(X) ~ Normal(mu, sigma); support x > 0."""

    name = "lognormal"
    estimable_from_moments = True
    needs_log_moments = True
    mu: float
    sigma: float

    def _check(self) -> None:
        require_positive(self.name, "sigma", self.sigma)

    @classmethod
    def _fit(cls, values, counts):
        if values.min() <= 0:
            raise DistributionError("lognormal: needs values > 0")
        _, mean, var = weighted_mean_var(np.log(values.astype(float)), counts)
        if var <= 0:
            raise DistributionError("lognormal: all values are equal")
        return cls(mean, math.sqrt(var))

    @classmethod
    def _from_moments(cls, moments, integer):
        if moments.log_mean is None or moments.log_var is None:
            return None
        return cls(moments.log_mean, moments.log_sd(integer))

    def _sample(self, n, rng):
        return rng.lognormal(self.mu, self.sigma, n)

    def _support(self):
        return (0.0, math.inf)

    def _logpdf(self, x):
        x = np.asarray(x, float)
        positive = len(x) and x.min() > 0  # the usual case: no mask
        with np.errstate(divide="ignore", invalid="ignore"):
            lx = np.log(x if positive else np.where(x > 0, x, 1.0))
        z = (lx - self.mu) / self.sigma
        logp = -0.5 * z * z - lx - (math.log(self.sigma) + _LOG_SQRT_2PI)
        return logp if positive else np.where(x > 0, logp, -np.inf)

    def _cdf(self, x):
        x = np.asarray(x, float)
        with np.errstate(divide="ignore"):
            return np.where(x > 0, special.ndtr((np.log(np.maximum(x, 1e-300)) - self.mu) / self.sigma), 0.0)

    def _ppf(self, q):
        return np.exp(self.mu + self.sigma * special.ndtri(q))


@register
@dataclasses.dataclass(frozen=True)
class ExponentialDistribution(ContinuousDistribution):
    """Exponential with ``rate`` (1/mean); support x >= 0."""

    name = "exponential"
    estimable_from_moments = True
    rate: float

    def _check(self) -> None:
        require_positive(self.name, "rate", self.rate)

    @classmethod
    def _fit(cls, values, counts):
        if values.min() < 0:
            raise DistributionError("exponential: needs values >= 0")
        _, mean, _ = weighted_mean_var(values, counts)
        if mean <= 0:
            raise DistributionError("exponential: all values are zero")
        return cls(1.0 / mean)

    @classmethod
    def _from_moments(cls, moments, integer):
        return cls(1.0 / moments.mean) if moments.lower >= 0 and moments.mean > 0 else None

    def _sample(self, n, rng):
        return rng.exponential(1.0 / self.rate, n)

    def _support(self):
        return (0.0, math.inf)

    def _logpdf(self, x):
        x = np.asarray(x, float)
        return np.where(x >= 0, math.log(self.rate) - self.rate * x, -np.inf)

    def _cdf(self, x):
        return -np.expm1(-self.rate * np.maximum(np.asarray(x, float), 0.0))

    def _ppf(self, q):
        with np.errstate(divide="ignore"):
            return -np.log1p(-q) / self.rate


@register
@dataclasses.dataclass(frozen=True)
class GammaDistribution(ContinuousDistribution):
    """Gamma with ``shape`` k and ``scale`` theta; support x > 0."""

    name = "gamma"
    shape: float
    scale: float

    def _check(self) -> None:
        require_positive(self.name, "shape", self.shape)
        require_positive(self.name, "scale", self.scale)

    @classmethod
    def _fit(cls, values, counts):
        x = values.astype(float)
        if x.min() <= 0:
            raise DistributionError("gamma: needs values > 0")
        n = float(counts.sum())
        mean = float(np.dot(counts, x) / n)
        s = math.log(mean) - float(np.dot(counts, np.log(x)) / n)
        if s <= 0:
            raise DistributionError("gamma: all values are equal")
        # Minka (2002): closed-form start, then Newton on the shape; converges in a few steps.
        k = (3 - s + math.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
        for _ in range(50):
            step = (math.log(k) - special.digamma(k) - s) / (1 / k - special.polygamma(1, k))
            k_new = k - step
            if k_new <= 0:
                k_new = k / 2
            if abs(k_new - k) < 1e-12 * k:
                k = k_new
                break
            k = k_new
        return cls(float(k), mean / k)

    def _sample(self, n, rng):
        return rng.gamma(self.shape, self.scale, n)

    def _support(self):
        return (0.0, math.inf)

    def _logpdf(self, x):
        x = np.asarray(x, float)
        k, th = self.shape, self.scale
        positive = len(x) and x.min() > 0  # the usual case: no mask
        with np.errstate(divide="ignore", invalid="ignore"):
            lx = np.log(x if positive else np.where(x > 0, x, 1.0))
        logp = (k - 1) * lx - x / th - (special.gammaln(k) + k * math.log(th))
        return logp if positive else np.where(x > 0, logp, -np.inf)

    def _cdf(self, x):
        return special.gammainc(self.shape, np.maximum(np.asarray(x, float), 0.0) / self.scale)

    def _ppf(self, q):
        return self.scale * special.gammaincinv(self.shape, q)
