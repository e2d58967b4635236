"""The k-anonymous histogram over dates and datetimes.

The numeric :class:`~datatwin.distributions.histogram.HistogramDistribution` on the
values' ticks at their precision (days since 1970 for dates; seconds, minutes, ... for
datetimes, as UTC instants): quantile bins that each hold at least ``k`` rows, and edges
that are no value held by 1 to k - 1 rows. An edge between two neighbouring ticks is half
a tick (a date edge ``2017-03-04T12:00:00`` lies between two days), so the model file
names no real date that fewer than k rows hold; the outer edges are rounded outward. Values
are uniform over the ticks of their bin. Edges are ISO 8601 text, in UTC; being ticks of
the value's own unit (not nanoseconds), dates before 1677 or after 2262 work as well.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np

from datatwin.distributions.base import Distribution, DistributionError, register
from datatwin.distributions.histogram import DEFAULT_K, HistogramDistribution
from datatwin.distributions.temporal import _NS_PER, PRECISIONS, detect_precision

__all__ = ["DateHistogramDistribution", "DateTimeHistogramDistribution"]

#: the units an edge may be written in, coarsest first (half a nanosecond cannot be written)
_UNITS = ("D", "h", "m", "s", "ms", "us", "ns")


def _edge_text(tick: float, unit: str) -> str:
    """An edge ``tick`` (in ``unit``, possibly half-way) as ISO text in the coarsest unit
    that writes it exactly, never coarser than seconds for datetimes."""
    for u in _UNITS[_UNITS.index(unit):]:
        scaled = tick * (_NS_PER[unit] // _NS_PER[u])
        if float(scaled).is_integer():
            shown = "D" if u == "D" else (u if _NS_PER[u] < 10**9 else "s")
            return str(np.datetime_as_string(np.datetime64(int(scaled), u), unit=shown))
    raise DistributionError("histogram edges must fall on a nanosecond")  # pragma: no cover


def _edge_tick(text: str, unit: str) -> float:
    """ISO ``text`` -> ticks in ``unit`` (a float: an edge may lie half-way between ticks)."""
    t = np.datetime64(text)
    own = np.datetime_data(t.dtype)[0]
    if own not in _NS_PER:
        t, own = t.astype("datetime64[D]"), "D"
    return float(Fraction(int(t.astype(np.int64)) * _NS_PER[own], _NS_PER[unit]))  # exact: half ticks stay halves


class _TemporalHistogram(Distribution):
    """Shared logic: the numeric histogram on integer ticks at ``precision``."""

    edges: list
    probs: list
    precision: str
    fit_is_maximum_likelihood = False

    def _unit(self) -> str:
        return PRECISIONS[self.precision]

    def _check(self) -> None:
        if self.precision not in self._allowed_precisions():
            raise DistributionError(
                f"{self.name}: parameter 'precision' must be one of {self._allowed_precisions()}. Got {self.precision!r}."
            )
        if not isinstance(self.edges, list) or not all(isinstance(e, str) for e in self.edges):
            raise DistributionError(f"{self.name}: 'edges' must be a list of ISO 8601 text. Got {self.edges!r:.80}.")
        try:
            self._numeric()
        except (ValueError, TypeError) as exc:
            raise DistributionError(f"{self.name}: 'edges' must be ISO 8601 text ({exc})") from None
        except DistributionError as exc:
            raise DistributionError(str(exc).replace("histogram:", f"{self.name}:")) from None

    def _allowed_precisions(self) -> list[str]:
        return list(PRECISIONS)[:-1]  # half a nanosecond cannot be written

    def _numeric(self) -> HistogramDistribution:
        edges = [_edge_tick(e, self._unit()) for e in self.edges]
        return HistogramDistribution(edges, list(self.probs), True)

    @classmethod
    def _ticks_of(cls, values: np.ndarray, unit: str) -> np.ndarray:
        return values.astype(f"datetime64[{unit}]").astype(np.int64)

    @classmethod
    def _fit_ticks(cls, values: np.ndarray, counts: np.ndarray, precision: str, k: int) -> _TemporalHistogram:
        unit = PRECISIONS[precision]
        ticks = cls._ticks_of(values, unit)
        try:
            hist = HistogramDistribution.fit(ticks, counts, k=k)
        except DistributionError as exc:
            raise DistributionError(str(exc).replace("histogram:", f"{cls.name}:")) from None
        return cls([_edge_text(float(e), unit) for e in hist.edges], list(hist.probs), precision)  # type: ignore[call-arg]

    @property
    def n_parameters(self) -> int:
        return len(self.edges) + len(self.probs) - 1

    def _support(self):
        return self._numeric()._support()

    def _from_ticks(self, ticks: np.ndarray) -> np.ndarray:
        return np.asarray(ticks, dtype=np.int64).astype(f"datetime64[{self._unit()}]")

    def _sample(self, n, rng):
        return self._from_ticks(self._numeric().sample(n, rng))

    def _logpdf(self, values):
        return self._numeric().logpdf(self._ticks_of(np.asarray(values), self._unit()))

    def _cdf(self, x):
        if np.asarray(x).dtype.kind != "M":
            raise DistributionError(f"{self.name}: parameter 'x' of cdf must be datetime64 values. Got dtype {x.dtype}.")
        return self._numeric().cdf(self._ticks_of(np.asarray(x), self._unit()))

    def _ppf(self, q):
        return self._from_ticks(self._numeric().ppf(q))

    def support_values(self, limit: int) -> np.ndarray | None:
        """Every value the histogram can draw (ticks with positive probability), or None
        when there are more than ``limit``: for drawing unique values without replacement."""
        num = self._numeric()
        lo, hi = num._support()
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo + 1 > limit:
            return None
        ticks = np.arange(int(lo), int(hi) + 1)
        return self._from_ticks(ticks[np.isfinite(num.logpdf(ticks))])


@register
@dataclasses.dataclass(frozen=True)
class DateHistogramDistribution(_TemporalHistogram):
    """Bins of days, each with its probability, days uniform within a bin (see the module
    docstring). Edges are dates, or half days (``T12:00:00``) between two days."""

    name = "date_histogram"
    kinds = ("date",)
    edges: list
    probs: list
    precision: str = "day"

    def _allowed_precisions(self) -> list[str]:
        return ["day"]

    @classmethod
    def _fit(cls, values, counts, k: int = DEFAULT_K):
        if values.dtype.kind != "M":
            raise DistributionError("date_histogram: needs datetime64 values")
        return cls._fit_ticks(values.astype("datetime64[D]"), counts, "day", k)


@register
@dataclasses.dataclass(frozen=True)
class DateTimeHistogramDistribution(_TemporalHistogram):
    """Bins of instants (UTC) at ``precision``, each with its probability, uniform within a
    bin (see the module docstring)."""

    name = "datetime_histogram"
    kinds = ("datetime",)
    edges: list
    probs: list
    precision: str

    @classmethod
    def _fit(cls, values, counts, k: int = DEFAULT_K):
        if values.dtype.kind != "M":
            raise DistributionError("datetime_histogram: needs datetime64 values")
        precision = detect_precision(values)
        if precision == "nanosecond":
            raise DistributionError("datetime_histogram: values at nanosecond precision leave no room for an edge between them")
        return cls._fit_ticks(values, counts, precision, k)
