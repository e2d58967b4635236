"""Missing values: the owner's sentinels, NaN and infinities, before anything else looks at a column."""

from __future__ import annotations

import warnings
from typing import Any

import polars as pl

from datatwin.errors import ColumnError, DatatwinWarning


def apply_missing_values(series: pl.Series, sentinels: tuple[Any, ...]) -> pl.Series:
    """Turn every value equal to a sentinel into null (text sentinels on text columns,
    numeric sentinels on numeric columns; others do not apply to the column)."""
    dtype = series.dtype
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        series = series.cast(pl.String)
    if series.dtype == pl.String:
        applicable = [str(v) for v in sentinels]
    elif dtype.is_numeric():
        applicable = [v for v in sentinels if isinstance(v, (int, float)) and not isinstance(v, bool)]
        applicable += [float(v) for v in sentinels if isinstance(v, str) and _is_number(v)]
    else:
        applicable = []
    if not applicable:
        return series.cast(dtype) if series.dtype != dtype else series
    if series.dtype == pl.String:
        hit = series.is_in(applicable)
    else:  # compare as floats: a sentinel 2.5 must not match the integer 2
        hit = series.cast(pl.Float64).is_in([float(v) for v in applicable])
    out = pl.select(pl.when(hit).then(None).otherwise(series)).to_series().alias(series.name)
    return out.cast(dtype) if out.dtype != dtype else out


def without_nan(series: pl.Series, reads_values: bool = True) -> pl.Series:
    """NaN becomes missing (with a warning); an infinity is an error naming the column.

    Under a policy that must not read the values (``reads_values=False``) no error
    may depend on one row: ±inf becomes missing too, with a warning to the owner (issue 10,
    item 2; see :mod:`datatwin.prepare.rules`)."""
    if not series.dtype.is_float():
        return series
    name = series.name
    n_inf = int(series.is_infinite().sum())
    if n_inf and not reads_values:
        warnings.warn(
            f"column {name!r}: {n_inf} infinite value(s) are treated as missing (under a private policy a value "
            "that breaks a rule is made missing rather than refused); this warning is not published",
            DatatwinWarning, stacklevel=5,
        )
        series = pl.select(pl.when(series.is_infinite()).then(None).otherwise(series)).to_series().alias(name)
    elif n_inf:
        raise ColumnError(
            name,
            f"has {n_inf} infinite value(s); replace them, or declare them missing with "
            f'missing_values = ["inf", "-inf"] in the spec for this column',
        )
    n_nan = int(series.is_nan().sum())
    if n_nan:
        warnings.warn(f"column {name!r}: {n_nan} NaN value(s) are treated as missing", DatatwinWarning, stacklevel=5)
        series = series.fill_nan(None)
    return series


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
