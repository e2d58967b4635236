"""Coarse rounding of published numbers: a bound that covers the data without giving
away the one row that sets it (the longest remark, the shortest odd code), and the
roundest number in a window (a histogram's edge between two data values)."""

from __future__ import annotations

import math


def coarse_ceiling(x: int) -> int:
    """The smallest of 0, 1, 2, 5, 10, 20, 50, 100, ... that is >= ``x`` (89 -> 100, 1234 -> 2000).

    >>> [coarse_ceiling(v) for v in (0, 1, 3, 89, 100, 1234)]
    [0, 1, 5, 100, 100, 2000]
    """
    if x <= 0:
        return 0
    scale = 10 ** (len(str(x)) - 1)
    return next(step * scale for step in (1, 2, 5, 10) if step * scale >= x)


def coarse_floor(x: int) -> int:
    """The largest of 0, 1, 2, 5, 10, 20, 50, 100, ... that is <= ``x`` (7 -> 5, 37 -> 20).

    >>> [coarse_floor(v) for v in (0, 1, 3, 7, 37, 100)]
    [0, 1, 2, 5, 20, 100]
    """
    if x <= 0:
        return 0
    scale = 10 ** (len(str(x)) - 1)
    return max(step * scale for step in (1, 2, 5) if step * scale <= x)


def _multiple(k: int, digit: int, exponent: int) -> float:
    """k · digit · 10**exponent without binary noise (0.1 * 3 is 0.30000000000000004)."""
    if exponent >= 0:
        return float(k * digit * 10**exponent)
    return round(k * digit / 10 ** (-exponent), -exponent)


def roundest(lo: float, hi: float, prefer: str = "low") -> float:
    """The roundest number in the closed window [lo, hi]: a multiple of the coarsest step of
    the form 1, 2 or 5 × 10^p that has one there (0 when the window holds it), the one
    nearest ``lo`` (``prefer="low"``) or ``hi`` (``"high"``) among that step's multiples.
    Whole-number windows get a whole number (steps never go below 1 when both ends are
    whole and the window holds one).

    >>> roundest(12285, 13768), roundest(1484706, 1700000), roundest(0.173, 0.1742)
    (13000.0, 1500000.0, 0.174)
    >>> roundest(7857.0, 12284.0, prefer="high"), roundest(-3.5, 2.0)
    (10000.0, 0.0)
    """
    if not lo <= hi:
        raise ValueError(f"empty window [{lo}, {hi}]")
    if lo == hi:
        return float(lo)
    if lo <= 0 <= hi:
        return 0.0
    whole = float(lo).is_integer() and float(hi).is_integer()
    span = hi - lo
    top = math.floor(math.log10(max(abs(lo), abs(hi)))) + 1
    bottom = max(math.floor(math.log10(span)) - 1, 0 if whole else -330)
    for exponent in range(top, bottom - 1, -1):
        for digit in (5, 2, 1):
            step = digit * 10.0**exponent
            k = math.floor(hi / step) if prefer == "high" else math.ceil(lo / step)
            for kk in (k, k + 1, k - 1):  # the division may land one step off
                c = _multiple(kk, digit, exponent)
                if lo <= c <= hi:
                    return c
    return float(hi if prefer == "high" else lo)
