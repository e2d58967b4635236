"""Synthetic frames as pandas frames with nullable dtypes, column by column, through numpy.

polars' own ``DataFrame.to_pandas()`` goes through pyarrow and gives numpy dtypes: an
``Int64`` column with missing values comes back as ``float64``, a ``Boolean`` one as
``object``. :func:`to_pandas` keeps what the model file says instead, with the dtypes of
pandas' ``numpy_nullable`` backend (what ``pd.read_csv(..., dtype_backend="numpy_nullable")``
gives) and ``pd.NA`` for a missing value:

============================  ===================================================
polars dtype                  pandas dtype
============================  ===================================================
``Int8`` … ``UInt64``         ``Int8`` … ``UInt64``
``Float32``, ``Float64``      ``Float32``, ``Float64``
``Boolean``                   ``boolean``
``String``                    ``string``
``Categorical``, ``Enum``     ``category`` (an Enum's categories in their order)
``Datetime[unit, zone]``      ``datetime64[unit, zone]`` (the time zone kept)
``Date``                      ``datetime64[ms]`` (pandas has no date dtype)
``Duration[unit]``            ``timedelta64[unit]``
``Time``, ``Decimal``         ``object`` (``datetime.time``, ``decimal.Decimal``)
============================  ===================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from datatwin.errors import DatatwinError


def require_pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise DatatwinError('output="pandas" needs pandas: pip install pandas') from None
    return pd


def to_pandas(frame: pl.DataFrame) -> Any:
    """``frame`` as a pandas DataFrame with nullable dtypes (see the module's table); needs
    pandas, not pyarrow.

    >>> import polars as pl
    >>> to_pandas(pl.DataFrame({"n": [1, None], "b": [True, None]})).dtypes.astype(str).tolist()
    ['Int64', 'boolean']
    """
    pd = require_pandas()
    return pd.DataFrame({name: _series(frame.get_column(name), pd) for name in frame.columns}, index=pd.RangeIndex(frame.height))


def _series(s: pl.Series, pd: Any) -> Any:
    dtype = s.dtype
    mask = s.is_null().to_numpy()
    if dtype.is_integer() or dtype.is_float() or dtype == pl.Boolean:
        values = s.fill_null(False if dtype == pl.Boolean else 0).to_numpy()
        if dtype == pl.Boolean:
            return pd.Series(pd.arrays.BooleanArray(values.astype(bool), mask), name=s.name)
        if dtype.is_float():
            return pd.Series(pd.arrays.FloatingArray(values, mask), name=s.name)
        return pd.Series(pd.arrays.IntegerArray(values, mask), name=s.name)
    if dtype == pl.String:
        return pd.Series(pd.array(s.to_numpy(), dtype=pd.StringDtype()), name=s.name)
    if isinstance(dtype, pl.Enum):
        return pd.Series(pd.Categorical(s.to_list(), categories=list(dtype.categories)), name=s.name)
    if dtype == pl.Categorical:
        return pd.Series(pd.Categorical(s.to_list()), name=s.name)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return pd.Series(s.to_numpy(), name=s.name)
        utc = s.dt.convert_time_zone("UTC").dt.replace_time_zone(None).to_numpy()
        return pd.Series(utc, name=s.name).dt.tz_localize("UTC").dt.tz_convert(dtype.time_zone)
    if dtype == pl.Date:
        return pd.Series(s.to_numpy().astype("datetime64[ms]"), name=s.name)
    if isinstance(dtype, pl.Duration):
        return pd.Series(s.to_numpy(), name=s.name)
    values = np.empty(len(s), dtype=object)  # Time, Decimal, Null: Python objects, None as pd.NA
    values[:] = [pd.NA if v is None else v for v in s.to_list()]
    return pd.Series(values, name=s.name, dtype=object)
