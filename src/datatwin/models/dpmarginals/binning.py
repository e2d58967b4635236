"""Helpers that write bin edges for ``Marginals(binning=...)``: plain lists, so a family's
settings stay JSON (and TOML) friendly.

>>> Binning.equal_width(0, 100, 4)
[0.0, 25.0, 50.0, 75.0, 100.0]
>>> Binning.monthly("2012-01-01", "2012-04-01")
['2012-01-01', '2012-02-01', '2012-03-01', '2012-04-01']
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import numpy as np

from datatwin.errors import SpecError

__all__ = ["Binning"]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise SpecError(f"Binning: {name!r} must be a finite number. Got {value!r}.")
    return float(value)


def _count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 100_000:
        raise SpecError(f"Binning: 'n' (the number of bins) must be an integer from 1 to 100000. Got {n!r}.")
    return int(n)


def _date(name: str, value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise SpecError(f"Binning: {name!r} must be a date such as '2012-01-01'. Got {value!r}.") from None


class Binning:
    """Bin edges: equal width, log scale, calendar months or years."""

    @staticmethod
    def equal_width(lower: float, upper: float, n: int) -> list[float]:
        """``n`` bins of equal width from ``lower`` to ``upper``."""
        lo, hi, k = _number("lower", lower), _number("upper", upper), _count(n)
        if not lo < hi:
            raise SpecError(f"Binning.equal_width: 'lower' ({lo:g}) must be below 'upper' ({hi:g})")
        return [float(v) for v in np.linspace(lo, hi, k + 1)]

    @staticmethod
    def log(lower: float, upper: float, n: int) -> list[float]:
        """``n`` bins of equal width on a log scale, from ``lower`` > 0 to ``upper``."""
        lo, hi, k = _number("lower", lower), _number("upper", upper), _count(n)
        if not 0 < lo < hi:
            raise SpecError(f"Binning.log: need 0 < lower < upper. Got lower={lo:g}, upper={hi:g}.")
        return [float(v) for v in np.geomspace(lo, hi, k + 1)]

    @staticmethod
    def monthly(start: Any, end: Any) -> list[str]:
        """The first day of every month from ``start``'s month to ``end``'s (ISO dates)."""
        a, b = _date("start", start), _date("end", end)
        if not a < b:
            raise SpecError(f"Binning.monthly: 'start' ({a}) must be before 'end' ({b})")
        months = (b.year - a.year) * 12 + b.month - a.month
        out = [_dt.date(a.year + (a.month - 1 + m) // 12, (a.month - 1 + m) % 12 + 1, 1) for m in range(months + 1)]
        if out[-1] < b:
            out.append(_dt.date(b.year + b.month // 12, b.month % 12 + 1, 1))
        return [d.isoformat() for d in out]

    @staticmethod
    def yearly(start: Any, end: Any) -> list[str]:
        """The first of January of every year from ``start``'s year to ``end``'s (ISO dates)."""
        a, b = _date("start", start), _date("end", end)
        if not a < b:
            raise SpecError(f"Binning.yearly: 'start' ({a}) must be before 'end' ({b})")
        years = list(range(a.year, b.year + 1)) + ([b.year + 1] if b > _dt.date(b.year, 1, 1) else [])
        return [_dt.date(y, 1, 1).isoformat() for y in years]
