"""Uniform distributions over dates, datetimes and times at the observed precision.

Values are numpy ``datetime64`` (dates, datetimes as UTC instants) or
``timedelta64`` since midnight (times). Bounds are written as ISO 8601 text so the
model file reads like the data.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from datatwin.distributions.base import Distribution, DistributionError, register
from datatwin.distributions.inversion import integer_ppf

#: precision name -> numpy unit, coarsest first
PRECISIONS: dict[str, str] = {
    "day": "D",
    "hour": "h",
    "minute": "m",
    "second": "s",
    "millisecond": "ms",
    "microsecond": "us",
    "nanosecond": "ns",
}
_NS_PER = {"D": 86_400 * 10**9, "h": 3_600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def detect_precision(values: np.ndarray, coarsest: str = "day") -> str:
    """The coarsest precision at which every value is exact (e.g. 'second')."""
    unit = np.datetime_data(values.dtype)[0]
    ticks = values.view(np.int64)
    names = list(PRECISIONS)
    for name in names[names.index(coarsest):]:
        u = PRECISIONS[name]
        if _NS_PER[u] <= _NS_PER[unit]:
            return name
        step = _NS_PER[u] // _NS_PER[unit]
        if not np.any(ticks % step):
            return name
    return names[-1]


def _check_precision(name: str, precision: str, allowed: list[str]) -> None:
    if precision not in allowed:
        raise DistributionError(f"{name}: parameter 'precision' must be one of {allowed}. Got {precision!r} instead.")


class _TemporalUniform(Distribution):
    """Shared logic: integer ticks at the precision, uniform between the bounds."""

    lower: str
    upper: str
    precision: str

    def _unit(self) -> str:
        return PRECISIONS[self.precision]

    def _bounds(self) -> tuple[int, int]:
        raise NotImplementedError

    def _check(self) -> None:
        _check_precision(self.name, self.precision, self._allowed_precisions())
        try:
            lo, hi = self._bounds()
        except (ValueError, TypeError):
            raise DistributionError(
                f"{self.name}: 'lower' and 'upper' must be ISO 8601 text. Got {self.lower!r}, {self.upper!r}."
            ) from None
        if hi < lo:
            raise DistributionError(f"{self.name}: 'upper' must not be before 'lower'. Got {self.lower}, {self.upper}.")

    def _allowed_precisions(self) -> list[str]:
        return list(PRECISIONS)

    def _ticks(self, values: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _from_ticks(self, ticks: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @property
    def n_parameters(self) -> int:
        return 2

    #: numpy dtype kind of the values: datetime64 ("M"), timedelta64 since midnight ("m")
    _dtype_kind = "M"

    def _sample(self, n, rng):
        lo, hi = self._bounds()
        return self._from_ticks(rng.integers(lo, hi, n, endpoint=True))

    def _logpdf(self, values):
        lo, hi = self._bounds()
        t = self._ticks(values)
        return np.where((t >= lo) & (t <= hi), -math.log(hi - lo + 1), -np.inf)

    # cdf and ppf work on the ticks at the precision: a value between two ticks counts as
    # the earlier one (numpy floors when it casts to a coarser unit)
    def _tick_cdf(self, ticks: np.ndarray) -> np.ndarray:
        lo, hi = self._bounds()
        return np.clip((ticks - lo + 1) / (hi - lo + 1), 0.0, 1.0)

    def _cdf(self, x):
        if x.dtype.kind != self._dtype_kind:
            what = "timedelta64 values (time since midnight)" if self._dtype_kind == "m" else "datetime64 values"
            raise DistributionError(f"{self.name}: parameter 'x' of cdf must be {what}. Got dtype {x.dtype}.")
        return self._tick_cdf(self._ticks(x))

    def support_values(self, limit: int) -> np.ndarray | None:
        """Every value between the bounds at the precision, or None when there are more than
        ``limit``: for drawing unique values without replacement."""
        lo, hi = self._bounds()
        if hi - lo + 1 > limit:
            return None
        return self._from_ticks(np.arange(lo, hi + 1, dtype=np.int64))

    def _ppf(self, q):
        lo, hi = self._bounds()
        guess = lo - 1 + np.ceil(q * (hi - lo + 1))
        return self._from_ticks(integer_ppf(self._tick_cdf, q, (lo, hi), guess))


def _as_datetime64(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind != "M":
        raise DistributionError("needs datetime64 values")
    return values


@register
@dataclasses.dataclass(frozen=True)
class DateUniformDistribution(_TemporalUniform):
    """Every day in [lower, upper] equally likely."""

    name = "date_uniform"
    kinds = ("date",)
    lower: str
    upper: str
    precision: str = "day"

    def _allowed_precisions(self) -> list[str]:
        return ["day"]

    def _bounds(self):
        return int(np.datetime64(self.lower, "D").astype(np.int64)), int(np.datetime64(self.upper, "D").astype(np.int64))

    @classmethod
    def _fit(cls, values, counts):
        v = _as_datetime64(values).astype("datetime64[D]")
        return cls(str(v.min()), str(v.max()), "day")

    def _ticks(self, values):
        return values.astype("datetime64[D]").astype(np.int64)

    def _from_ticks(self, ticks):
        return ticks.astype("datetime64[D]")


@register
@dataclasses.dataclass(frozen=True)
class DateTimeUniformDistribution(_TemporalUniform):
    """Every instant in [lower, upper] at ``precision`` equally likely (bounds in UTC)."""

    name = "datetime_uniform"
    kinds = ("datetime",)
    lower: str
    upper: str
    precision: str

    def _bounds(self):
        u = self._unit()
        return int(np.datetime64(self.lower, u).astype(np.int64)), int(np.datetime64(self.upper, u).astype(np.int64))

    @classmethod
    def _fit(cls, values, counts):
        v = _as_datetime64(values)
        precision = detect_precision(v)
        u = PRECISIONS[precision]
        shown = u if _NS_PER[u] < 10**9 else "s"  # never coarser than seconds: '2013-01-01T10:00:00'
        lo, hi = v.min().astype(f"datetime64[{u}]"), v.max().astype(f"datetime64[{u}]")
        return cls(str(np.datetime_as_string(lo, unit=shown)), str(np.datetime_as_string(hi, unit=shown)), precision)

    def _ticks(self, values):
        return values.astype(f"datetime64[{self._unit()}]").astype(np.int64)

    def _from_ticks(self, ticks):
        return ticks.astype(f"datetime64[{self._unit()}]")


def format_time(ns: int, unit: str) -> str:
    """Nanoseconds since midnight -> 'HH:MM:SS[.fff...]' at the unit's precision."""
    secs, frac = divmod(int(ns), 10**9)
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    digits = {"ms": 3, "us": 6, "ns": 9}.get(unit, 0)
    text = f"{h:02d}:{m:02d}:{s:02d}"
    return text + (f".{frac:09d}"[: digits + 1] if digits else "")


def parse_time(text: str) -> int:
    """'HH:MM[:SS[.fff...]]' -> nanoseconds since midnight."""
    if not isinstance(text, str):
        raise TypeError(text)
    hms, _, frac = text.partition(".")
    parts = [int(p) for p in hms.split(":")]
    if len(parts) == 2:
        parts.append(0)
    h, m, s = parts
    if not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60) or (frac and not frac.isdigit()):
        raise ValueError(text)
    return ((h * 60 + m) * 60 + s) * 10**9 + int((frac + "000000000")[:9] if frac else 0)


@register
@dataclasses.dataclass(frozen=True)
class TimeUniformDistribution(_TemporalUniform):
    """Every time of day in [lower, upper] at ``precision`` equally likely."""

    name = "time_uniform"
    kinds = ("time",)
    _dtype_kind = "m"
    lower: str
    upper: str
    precision: str

    def _allowed_precisions(self) -> list[str]:
        return list(PRECISIONS)[1:]

    def _bounds(self):
        step = _NS_PER[self._unit()]
        return parse_time(self.lower) // step, parse_time(self.upper) // step

    @classmethod
    def _fit(cls, values, counts):
        if values.dtype.kind != "m":
            raise DistributionError("time_uniform: needs timedelta64 values (time since midnight)")
        v = values.astype("timedelta64[ns]")
        precision = detect_precision(v, coarsest="hour")
        u = PRECISIONS[precision]
        ns = v.astype(np.int64)
        return cls(format_time(ns.min(), u), format_time(ns.max(), u), precision)

    def _ticks(self, values):
        return values.astype("timedelta64[ns]").astype(np.int64) // _NS_PER[self._unit()]

    def _from_ticks(self, ticks):
        return (ticks * _NS_PER[self._unit()]).astype("timedelta64[ns]")
