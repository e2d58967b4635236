"""Released statistics a distribution can be built from: moments of clamped values.

Pure numpy, like the rest of :mod:`datatwin.distributions`: a :class:`Moments` holds
numbers that have already left the data (under differential privacy, noisy ones), and
``Distribution.from_moments(moments, integer)`` turns them into parameters. Nothing here
knows where the numbers came from.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

__all__ = ["MIN_SD_SHARE", "Moments", "log_support"]

#: a standard deviation built from moments is at least this share of the bounds' width
#: (noise can make a released variance negative; a zero width would not be a distribution)
MIN_SD_SHARE = 1e-3


@dataclasses.dataclass(frozen=True)
class Moments:
    """Moments of values clamped to ``[lower, upper]``, already cleaned up.

    ``mean``/``var`` of x; ``log_mean``/``log_var`` of log x (of log max(x, 1/2) for
    whole numbers), when released.

    >>> m = Moments(lower=0.0, upper=10.0, mean=4.0, var=4.0)
    >>> m.sd(integer=False), round(m.sd(integer=True), 4)  # whole numbers: Sheppard's correction
    (2.0, 1.9791)
    """

    lower: float
    upper: float
    mean: float
    var: float
    log_mean: float | None = None
    log_var: float | None = None

    def sd(self, integer: bool) -> float:
        """The standard deviation a family with a location and a scale gets: for whole
        numbers less the 1/12 that rounding adds to the variance (Sheppard's correction),
        and never below ``MIN_SD_SHARE`` of the width (1/2 for whole numbers)."""
        width = self.upper - self.lower
        sd_min = max(width * MIN_SD_SHARE, 0.5 if integer else 1e-12)
        return math.sqrt(max(self.var - (1 / 12 if integer else 0.0), sd_min * sd_min))

    def log_sd(self, integer: bool) -> float | None:
        """The standard deviation of the logs, floored like :meth:`sd`; None when the
        log moments were not released."""
        if self.log_var is None:
            return None
        support = log_support(self.lower, self.upper, integer)
        log_sd_min = max((support[1] - support[0]) * MIN_SD_SHARE, 1e-6) if support else 1e-6
        return math.sqrt(max(self.log_var, log_sd_min**2))


def log_support(lower: float, upper: float, integer: bool) -> tuple[float, float] | None:
    """[log lower, log upper] where log families apply, else ``None``.

    Whole numbers may include 0: the rounded log-normal gives 0 the mass of (0, 1/2],
    so they are logged as max(x, 1/2), as the plain estimator does.

    >>> log_support(1.0, 100.0, integer=False) == (0.0, math.log(100.0))
    True
    >>> log_support(-1.0, 100.0, integer=False) is None
    True
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
