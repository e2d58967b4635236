"""Numeric fallbacks behind ``Distribution.cdf`` and ``Distribution.ppf``, vectorised.

In the spirit of scipy's ``_distn_infrastructure``: a family with no closed-form
quantile function gets one solved from its cdf, by bracketing and bisection over all
quantiles at once (integer bisection for whole-number families, so the answer is exact:
the smallest ``k`` with ``cdf(k) >= q`` in floating point); a whole-number family with no
closed-form cdf gets one from cumulative sums of its probabilities. Families with closed
forms pass their answer to :func:`integer_ppf` as a ``guess``, which then costs two cdf
evaluations and makes ``ppf(cdf(k)) == k`` hold exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["cdf_from_pmf", "continuous_ppf", "integer_ppf", "tabulated_guess"]

#: the smallest positive float: ``ppf(0)`` is the lowest point whose cdf is positive
TINY = float(np.nextafter(0.0, 1.0))
#: whole numbers are searched within +-2**62 (int64 with room for the steps)
INT_LIMIT = 2**62
#: the most points the pmf fallback of the cdf adds up
MAX_PMF_POINTS = 2**22

ArrayFunction = Callable[[np.ndarray], np.ndarray]


def _int_bounds(support: tuple[float, float]) -> tuple[int, int]:
    lo, hi = support
    lo_i = -INT_LIMIT if not math.isfinite(lo) else max(math.ceil(lo), -INT_LIMIT)
    hi_i = INT_LIMIT if not math.isfinite(hi) else min(math.floor(hi), INT_LIMIT)
    return lo_i, hi_i


def integer_ppf(
    cdf: ArrayFunction, q: np.ndarray, support: tuple[float, float], guess: np.ndarray | None = None
) -> np.ndarray:
    """The smallest whole number ``k`` in ``support`` with ``cdf(k) >= q``, for each ``q``.

    ``cdf`` takes int64 arrays. ``guess`` (floats; NaN or infinite where unknown) is
    where the search starts: from a closed form it is usually exact, and the answer
    costs two calls of ``cdf``. Otherwise the search brackets by doubling steps, then
    bisects. ``q = 0`` counts as the smallest positive float, so the answer lies in the
    support. Returns int64.
    """
    q = np.maximum(np.asarray(q, dtype=np.float64), TINY)
    n = len(q)
    lo, hi = _int_bounds(support)
    default = lo if lo > -INT_LIMIT else (hi if hi < INT_LIMIT else 0)
    if guess is None:
        up = np.full(n, default, dtype=np.int64)
    else:
        g = np.asarray(guess, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            g = np.where(np.isfinite(g), np.clip(g, lo, hi), float(default))
        up = g.astype(np.int64)
    if guess is not None and n:
        # a closed-form guess is usually the answer: check it whole-array (two cdf calls, no
        # gathers) and search only where it is not (as rare as rounding at a bin's edge)
        ok = cdf(up) >= q
        ok &= (up <= lo) | (cdf(up - 1) < q)
        if ok.all():
            return up
        todo_rows = np.flatnonzero(~ok)
        up[todo_rows] = _search(cdf, q[todo_rows], lo, hi, up[todo_rows])
        return up
    return _search(cdf, q, lo, hi, up)


def _search(cdf: ArrayFunction, q: np.ndarray, lo: int, hi: int, up: np.ndarray) -> np.ndarray:
    """The smallest ``k`` in [lo, hi] with ``cdf(k) >= q``, searched from the starts ``up``."""
    n = len(q)
    below = np.full(n, lo - 1, dtype=np.int64)  # a point with cdf < q, or just below the support
    step = np.ones(n, dtype=np.int64)
    # 1. up: move up by doubling steps until cdf(up) >= q (or up is the top of the support)
    todo = np.arange(n)
    for _ in range(64):
        if not todo.size:
            break
        fail = todo[cdf(up[todo]) < q[todo]]
        fail = fail[up[fail] < hi]
        below[fail] = up[fail]
        up[fail] = np.minimum(up[fail] + step[fail], hi)
        step[fail] *= 2
        todo = fail
    # 2. below: move down from up by doubling steps while the cdf there is still >= q
    todo = np.flatnonzero(below < up - 1)
    step[:] = 1
    for _ in range(64):
        if not todo.size:
            break
        t = np.maximum(up[todo] - step[todo], below[todo] + 1)
        ok = cdf(t) >= q[todo]
        up[todo[ok]] = t[ok]
        below[todo[~ok]] = t[~ok]
        step[todo] *= 2
        todo = todo[ok]
        todo = todo[below[todo] < up[todo] - 1]
    # 3. bisection between below (cdf < q) and up (cdf >= q)
    todo = np.flatnonzero(up - below > 1)
    while todo.size:
        mid = below[todo] + (up[todo] - below[todo]) // 2
        ok = cdf(mid) >= q[todo]
        up[todo[ok]] = mid[ok]
        below[todo[~ok]] = mid[~ok]
        todo = todo[up[todo] - below[todo] > 1]
    return up


def continuous_ppf(cdf: ArrayFunction, q: np.ndarray, support: tuple[float, float]) -> np.ndarray:
    """``x`` with ``cdf(x) = q`` (the smallest such, to a few ulps), for each ``q``.

    Brackets each quantile inside ``support`` by doubling the bracket where the support
    is unbounded, then bisects all of them together. ``q = 0`` and ``q = 1`` give the ends
    of the support.
    """
    q = np.asarray(q, dtype=np.float64)
    lo, hi = support
    a0 = lo if math.isfinite(lo) else (min(hi, 0.0) - 1.0 if math.isfinite(hi) else -1.0)
    b0 = hi if math.isfinite(hi) else max(a0, 0.0) + 1.0
    a = np.full(len(q), a0)
    b = np.full(len(q), b0)
    inner = (q > 0) & (q < 1)
    if not math.isfinite(lo):  # widen down until cdf(a) < q
        todo = np.flatnonzero(inner)
        for _ in range(2100):
            todo = todo[cdf(a[todo]) >= q[todo]]
            if not todo.size:
                break
            width = b[todo] - a[todo]
            b[todo] = a[todo]
            a[todo] = a[todo] - 2.0 * width
    if not math.isfinite(hi):  # widen up until cdf(b) >= q
        todo = np.flatnonzero(inner)
        for _ in range(2100):
            todo = todo[cdf(b[todo]) < q[todo]]
            if not todo.size:
                break
            width = b[todo] - a[todo]
            a[todo] = b[todo]
            b[todo] = b[todo] + 2.0 * width
    todo = np.flatnonzero(inner)
    for _ in range(2200):
        if not todo.size:
            break
        mid = a[todo] + (b[todo] - a[todo]) / 2
        ok = cdf(mid) >= q[todo]
        b[todo[ok]] = mid[ok]
        a[todo[~ok]] = mid[~ok]
        span = np.maximum(np.abs(a[todo]), np.abs(b[todo]))
        todo = todo[b[todo] - a[todo] > 4 * np.spacing(span) + 1e-300]
    out = b
    out[q <= 0] = lo
    out[q >= 1] = hi
    return out


def cdf_from_pmf(logpmf: ArrayFunction, x: np.ndarray, support: tuple[float, float]) -> np.ndarray:
    """P(X <= x) of a whole-number family from cumulative sums of ``exp(logpmf)``.

    Needs a finite lower end of the support. Adds up at most ``MAX_PMF_POINTS`` points;
    beyond them the cdf stays at the sum so far (a family with a tail that long should
    implement ``_cdf``). Sums within 1e-14 of 1 count as 1: rounded sums of the pmf fall
    short of 1 by a few ulps, and ``ppf(1)`` must still be a point of the support.
    """
    lo, hi = support
    if not math.isfinite(lo):
        raise NotImplementedError("the cdf from the pmf needs a support bounded below: implement _cdf")
    k = np.floor(np.asarray(x, dtype=np.float64))
    out = np.zeros(len(k))
    if not len(k):
        return out
    top = min(float(k.max()), hi)
    if top < lo:
        return out
    count = int(min(top - lo + 1, MAX_PMF_POINTS))
    grid = lo + np.arange(count, dtype=np.float64)
    cum = np.cumsum(np.exp(logpmf(grid)))
    cum = np.where(cum > 1.0 - 1e-14, 1.0, cum)
    inside = k >= lo
    idx = np.minimum(k[inside] - lo, count - 1).astype(np.int64)
    out[inside] = cum[idx]
    return out


def tabulated_guess(cdf: ArrayFunction, q: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """A near-exact guess of the whole-number quantiles of ``q`` for :func:`integer_ppf`:
    the cdf tabulated at whole-number ``knots`` (e.g. the quantiles of an even grid, so they
    follow the density), each ``q`` put in its (exact, the cdf being monotone) bracket and
    interpolated linearly inside it. For a smooth cdf the guess is nearly always the answer,
    so refining costs two cdf calls."""
    ks = np.unique(np.round(np.asarray(knots, dtype=float)[np.isfinite(knots)]))
    f = np.maximum.accumulate(np.asarray(cdf(ks.astype(np.int64)), dtype=float))
    i = np.clip(np.searchsorted(f, q), 1, max(len(ks) - 1, 1))
    f0, f1, k0, k1 = f[i - 1], f[i], ks[i - 1], ks[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(f1 > f0, (q - f0) / (f1 - f0), 1.0)
    return np.ceil(k0 + np.clip(t, 0.0, 1.0) * (k1 - k0))
