"""Micro-aggregation of extremes: bottom and top coding at the means of the k most extreme rows.

A minimum or a maximum is one row's value; output-checking guidelines do not release them
(Brandt et al., 2010, *Guidelines for the checking of output based on microdata
research*, ESSnet SDC). Replacing every value below the mean of the ``k`` smallest rows
by that mean (and likewise at the top) leaves a range whose ends are averages of ``k``
rows, while the values inside it stay as they are. Used by
:class:`datatwin.privacy.DisclosureControl`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from datatwin.distributions import Distribution
from datatwin.distributions.temporal import PRECISIONS, detect_precision, format_time

__all__ = ["NUMERIC_KINDS", "TEMPORAL_KINDS", "TailCoding", "mean_of_first", "parameter_numbers"]

NUMERIC_KINDS = ("continuous", "discrete")
#: coded on their integer ticks, at the precision the data has
TEMPORAL_KINDS = ("date", "datetime", "time")


def parameter_numbers(dist: Distribution | None) -> np.ndarray:
    """Every number among a distribution's parameters (nested ones included)."""
    out: list[float] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            out.append(float(x))

    if dist is not None:
        walk(dist.to_dict()["parameters"])
    return np.asarray(out, dtype=float)


@dataclasses.dataclass(frozen=True)
class TailCoding:
    """Bottom/top coding of sorted distinct ``values`` (with row ``counts``) at the means
    of the k smallest and the k largest rows. Whole-number kinds round the means inward
    (to the data's precision for dates and times), so the coded bounds stay inside."""

    values: np.ndarray  # coded, distinct, in the input's dtype
    counts: np.ndarray
    lo: Any  # the coding bounds as numbers (ticks for temporal kinds)
    hi: Any
    coded_low: bool
    coded_high: bool
    step: int | None  # None for continuous values
    kind: str
    dtype: np.dtype
    precision: str | None = None

    @classmethod
    def of(
        cls, values: np.ndarray, counts: np.ndarray, kind: str, k: int, low: bool = True, high: bool = True
    ) -> TailCoding:
        """Code ``values`` (sorted; ``counts`` rows each, at least ``k`` rows in all).

        Parameters
        ----------
        values, counts : numpy.ndarray
            As :class:`datatwin.privacy.ColumnData` holds them: numbers, ``datetime64`` or
            ``timedelta64`` (times of day).
        kind : str
            The column kind: ``continuous`` means are kept as they are, ``discrete`` ones
            are rounded inward to whole numbers, temporal ones to the data's precision.
        k : int
            How many rows each coded bound averages.
        low, high : bool
            Code the bottom / the top (default both).

        Examples
        --------
        >>> import numpy as np
        >>> t = TailCoding.of(np.array([1, 5, 6, 7, 50]), np.array([1, 1, 1, 1, 1]), "discrete", 2)
        >>> (t.lo, t.hi, t.values.tolist(), t.counts.tolist())
        (3, 28, [3, 5, 6, 7, 28], [1, 1, 1, 1, 1])
        """
        precision = None
        if kind in TEMPORAL_KINDS:
            precision = detect_precision(values, coarsest="hour" if kind == "time" else "day")
            unit = np.datetime_data(values.dtype)[0]
            step = max(1, int(np.timedelta64(1, PRECISIONS[precision]) // np.timedelta64(1, unit)))
            x = values.astype(np.int64)
        else:
            step = None if kind == "continuous" else 1
            x = values
        low_mean = mean_of_first(x, counts, k)
        high_mean = mean_of_first(x[::-1], counts[::-1], k)
        if step is None:
            lo, hi = x[0] + low_mean, x[-1] + high_mean
        else:  # offsets from the first/last value keep int64 ticks exact; 1e-9 absorbs float error
            lo = int(x[0]) + math.ceil(low_mean / step - 1e-9) * step
            hi = int(x[-1]) + math.floor(high_mean / step + 1e-9) * step
            lo = min(lo, hi)
        lo, hi = (lo if low else x[0]), (hi if high else x[-1])
        coded_low, coded_high = bool(x[0] < lo), bool(x[-1] > hi)
        clipped = np.clip(x, lo, hi)
        distinct, inverse = np.unique(clipped, return_inverse=True)
        summed = np.bincount(inverse, weights=counts, minlength=len(distinct))
        if counts.dtype.kind in "iu":
            summed = summed.astype(np.int64)
        out = distinct.astype(values.dtype) if kind in TEMPORAL_KINDS else distinct.astype(values.dtype, copy=False)
        return cls(out, summed, lo, hi, coded_low, coded_high, step, kind, values.dtype, precision)

    def beyond(self, values: np.ndarray) -> np.ndarray:
        """The values coding changes (as floats): real extremes held by fewer than k rows."""
        x = values.astype(np.int64) if self.kind in TEMPORAL_KINDS else values
        return x[(x < self.lo) | (x > self.hi)].astype(float)

    def show(self, v: Any) -> str:
        """A coding bound as the model file writes such values."""
        if self.kind == "date":
            return str(np.int64(v).astype("datetime64[D]"))
        if self.kind == "datetime":  # never coarser than seconds, as datetime_uniform writes its bounds
            unit = PRECISIONS[self.precision]
            shown = unit if unit in ("ms", "us", "ns") else "s"
            return str(np.datetime_as_string(np.int64(v).astype(self.dtype), unit=shown))
        if self.kind == "time":  # ticks are nanoseconds since midnight
            return format_time(int(v), PRECISIONS[self.precision])
        return f"{int(v)}" if self.step is not None else f"{float(v):.10g}"


def mean_of_first(x: np.ndarray, counts: np.ndarray, k: int) -> float:
    """Mean of the first ``k`` rows of ``x`` (distinct values, ``counts`` rows each), as an
    offset from ``x[0]``: rows count, not distinct values (weights may be fractional)."""
    before = np.cumsum(counts, dtype=float) - counts
    take = np.clip(k - before, 0, counts)
    return float(np.dot(take, (x - x[0]).astype(float))) / k
