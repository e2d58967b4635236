"""numpy values <-> polars Series for each column kind: the frame edge of the models.

Distributions speak numpy (datetime64 for dates and datetimes as UTC instants,
timedelta64 since midnight for times); columns keep their exact polars dtype.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from datatwin.distributions.temporal import parse_time
from datatwin.errors import SamplingError
from datatwin.schema import dtype_to_str

#: which polars dtypes each column kind can hold
KIND_DTYPES = {
    "continuous": lambda t: t.is_numeric(),
    "discrete": lambda t: t.is_numeric() or isinstance(t, pl.Duration),
    "categorical": lambda t: t.is_integer() or t in (pl.String, pl.Boolean) or isinstance(t, (pl.Categorical, pl.Enum)),
    "boolean": lambda t: t == pl.Boolean,
    "date": lambda t: t == pl.Date,
    "datetime": lambda t: isinstance(t, pl.Datetime),
    "time": lambda t: t == pl.Time,
    "string": lambda t: t in (pl.String, pl.Null) or isinstance(t, (pl.Categorical, pl.Enum)),
}


def cast_series(series: pl.Series, dtype: pl.DataType, name: str) -> pl.Series:
    try:
        return series.cast(dtype)
    except Exception as exc:
        raise SamplingError(f"column {name!r}: sampled values cannot be cast to {dtype_to_str(dtype)}: {exc}") from None


def _int_range(dtype: pl.DataType) -> tuple[int, int] | None:
    if dtype.is_integer():
        info = np.iinfo(str(dtype).lower())  # 'UInt8' -> numpy's 'uint8'
        return int(info.min), int(info.max)
    return None


def to_series(values: np.ndarray, kind: str, dtype: pl.DataType, name: str) -> pl.Series:
    """numpy values drawn by a distribution -> a polars Series of the column's dtype."""
    if kind in ("date", "datetime", "time"):
        return _temporal_series(values, kind, dtype, name)
    if kind in ("continuous", "discrete") and values.dtype.kind in "fiu":
        if kind == "discrete" or dtype.is_integer() or isinstance(dtype, pl.Duration):
            values = np.rint(values) if values.dtype.kind == "f" else values
            bounds = _int_range(dtype)
            if bounds is not None:  # a tail draw must not overflow Int8 & co.
                values = np.clip(values, *bounds)
            values = values.astype(np.int64) if values.dtype.kind == "f" else values
        return cast_series(pl.Series(values), dtype, name)
    return cast_series(pl.Series(values), dtype, name)


def _temporal_series(values: np.ndarray, kind: str, dtype: pl.DataType, name: str) -> pl.Series:
    if kind == "time":
        if values.dtype.kind != "m":  # a constant written as text
            values = np.array([parse_time(str(v)) for v in values[:1]] * len(values), dtype=np.int64)
        else:
            values = values.astype("timedelta64[ns]").astype(np.int64)
        return cast_series(pl.Series(values), pl.Time, name)
    unit = "D" if kind == "date" else dtype.time_unit
    if values.dtype.kind != "M":  # a constant written as ISO text
        values = np.full(len(values), np.datetime64(str(values[0]) if len(values) else "1970-01-01", unit))
    ticks = values.astype(f"datetime64[{unit}]").astype(np.int64)
    if kind == "date":
        return cast_series(pl.Series(ticks.astype(np.int32)), pl.Date, name)
    return cast_series(pl.Series(ticks), dtype, name)


def _physical(series: pl.Series, kind: str) -> pl.Series:
    """The column as the numbers or text its distinct values are counted on."""
    dtype = series.dtype
    if kind == "continuous":
        return series.cast(pl.Float64)
    if kind == "discrete":
        return series.to_physical() if isinstance(dtype, pl.Duration) else series.cast(pl.Int64)
    if kind in ("categorical", "string"):
        return series.cast(pl.String) if isinstance(dtype, (pl.Categorical, pl.Enum)) else series
    if kind in ("date", "datetime", "time"):
        return series.to_physical()
    return series


def value_codes(series: pl.Series, kind: str, values: np.ndarray) -> np.ndarray:
    """For every row, the index of its value in ``values`` (the distinct values that
    :func:`to_values` returned for this column), -1 where the row is missing."""
    s = _physical(series, kind)
    if kind in ("categorical", "string") or s.dtype == pl.String:
        index = {v: i for i, v in enumerate(values.tolist())}
        return s.cast(pl.String).replace_strict(index, default=-1, return_dtype=pl.Int64).to_numpy()
    present = s.is_not_null().to_numpy()
    raw = s.to_numpy()
    keys = values.view(np.int64) if values.dtype.kind in "Mm" else values
    codes = np.full(len(s), -1, dtype=np.int64)
    if len(keys):
        pos = np.searchsorted(keys, raw[present].astype(keys.dtype, copy=False))
        codes[present] = np.minimum(pos, len(keys) - 1)
    return codes


def to_values(series: pl.Series, kind: str, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Non-null ``series`` -> (distinct values sorted, counts) as numpy arrays; with
    ``weights`` (one per row: how many times the row counts) the counts are their sums."""
    dtype = series.dtype
    s = _physical(series, kind)
    if weights is None:
        vc = s.value_counts(name="__count__").sort(s.name)  # sorted: same data, same file
    else:
        vc = (
            pl.DataFrame({s.name: s, "__count__": weights})
            .group_by(s.name)
            .agg(pl.col("__count__").sum())
            .filter(pl.col("__count__") > 0)
            .sort(s.name)
        )
    values = vc[s.name].to_numpy()
    counts = vc["__count__"].to_numpy()
    counts = counts.astype(np.int64) if weights is None or np.all(counts == np.round(counts)) else counts.astype(float)
    if kind == "date":
        values = values.astype("datetime64[D]")
    elif kind == "datetime":
        values = values.astype(f"datetime64[{dtype.time_unit}]")
    elif kind == "time":
        values = values.astype("timedelta64[ns]")
    return values, counts
