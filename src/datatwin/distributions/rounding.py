"""Coarse rounding of published extremes: a bound that covers the data without giving
away the one row that sets it (the longest remark, the shortest odd code)."""

from __future__ import annotations


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
