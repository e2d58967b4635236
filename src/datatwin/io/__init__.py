"""Read tables into polars and write them out again; every edge format meets polars here.

CSV files are sniffed before polars reads them: the encoding, the separator (``,`` ``;``
tab ``|``) and decimal commas (:mod:`datatwin.io.text`); explicit options always win over
detection. Excel, SPSS, Stata and SAS files are read through optional extras, imported
when needed (:mod:`datatwin.io.files`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from datatwin.errors import ColumnError, DataError, InputFileError
from datatwin.io._common import ReadOptions, check_duplicates, first_line
from datatwin.io.files import EXCEL_EXTS, STAT_EXTS, read_excel, read_stat
from datatwin.io.text import read_csv

__all__ = ["READERS", "WRITERS", "ReadOptions", "Table", "check_output", "read_table", "write_table"]

CSV_EXTS = (".csv", ".tsv")
READERS = (".csv", ".tsv", ".parquet", ".ndjson", ".jsonl", ".arrow", ".feather", ".ipc", *EXCEL_EXTS, *STAT_EXTS)
WRITERS = (".csv", ".parquet", ".ndjson", ".jsonl", ".arrow")


@dataclasses.dataclass(frozen=True)
class Table:
    """A frame plus the name it came from (for provenance and messages).

    ``descriptions`` are column descriptions the file itself carries (SPSS/Stata/SAS
    variable labels); fitting uses them where the spec gives none.
    """

    frame: pl.DataFrame
    source: str
    descriptions: dict[str, str] = dataclasses.field(default_factory=dict)


def read_table(
    source: Any,
    missing_values: tuple[Any, ...] = (),
    column_missing: dict[str, tuple[Any, ...]] | None = None,
    *,
    separator: str | None = None,
    decimal_comma: bool | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> Table:
    """Read a CSV/TSV/Parquet/NDJSON/Arrow/Excel/SPSS/Stata/SAS path, or accept a polars, pandas or Arrow frame.

    ``missing_values`` that are text are read as missing in every column of a
    CSV file, so a numeric column with ``?`` for missing stays numeric; a CSV column
    whose own ``column_missing`` sentinels hid its numbers is re-read as numbers too.
    ``separator``, ``decimal_comma`` and ``encoding`` say how to read a CSV file (each is
    detected when not given); ``encoding`` also applies to SPSS/Stata/SAS files, ``sheet``
    (a name, or a number from 1) to Excel files.
    """
    options = ReadOptions.check(separator, decimal_comma, encoding, sheet)
    if isinstance(source, pl.LazyFrame):
        source = source.collect()
    if isinstance(source, (str, Path)):
        path = Path(source)
        frame, descriptions = _read_path(path, missing_values, column_missing or {}, options)
        table = Table(frame, path.name, descriptions)
    else:
        if options.given():
            raise InputFileError(
                f"{', '.join(n + '=' for n in options.given())} only appl{'ies' if len(options.given()) == 1 else 'y'} "
                f"to data files; a {type(source).__name__} is read as it is"
            )
        if isinstance(source, pl.DataFrame):
            table = Table(source, "DataFrame")
        elif _is_pandas(source):
            table = Table(_from_pandas(source), "pandas.DataFrame")
        elif type(source).__module__.startswith("pyarrow"):
            table = Table(pl.from_arrow(source), "pyarrow.Table")
        else:
            raise InputFileError(
                f"cannot read data from a {type(source).__name__}; pass a file path, or a polars, pandas or Arrow frame"
            )
    check_duplicates(table.frame.columns, table.source)
    if table.frame.width == 0:
        raise DataError(f"{table.source} has no columns")
    if table.frame.height == 0:
        raise DataError(f"{table.source} has no rows; a model needs at least one row of data")
    return table


_APPLIES = {
    "separator": CSV_EXTS, "decimal_comma": CSV_EXTS, "encoding": (*CSV_EXTS, *(e for e in STAT_EXTS if e != ".por")),
    "sheet": EXCEL_EXTS,
}
_APPLIES_TEXT = {
    "separator": "CSV and TSV files", "decimal_comma": "CSV and TSV files",
    "encoding": "CSV, TSV, SPSS (not .por), Stata and SAS files", "sheet": "Excel files",
}


def _read_path(
    path: Path, missing_values: tuple[Any, ...], column_missing: dict[str, tuple[Any, ...]], options: ReadOptions
) -> tuple[pl.DataFrame, dict[str, str]]:
    if not path.exists():
        raise InputFileError(f"file {str(path)!r} does not exist; check the path")
    if path.is_dir():
        raise InputFileError(f"{str(path)!r} is a directory; give a data file")
    ext = path.suffix.lower()
    if ext not in READERS:
        raise InputFileError(f"file {str(path)!r}: unsupported extension {ext or '(none)'!r}; use one of {', '.join(READERS)}")
    for name in options.given():
        if ext not in _APPLIES[name]:
            raise InputFileError(
                f"file {str(path)!r}: the {name} option (--{name.replace('_', '-')}, {name}=) applies to "
                f"{_APPLIES_TEXT[name]} only, not to {ext}"
            )
    if path.stat().st_size == 0:
        raise DataError(f"file {str(path)!r} is empty; it needs a header line and at least one row")
    try:
        if ext in CSV_EXTS:
            nulls = [str(v) for v in missing_values]
            frame = read_csv(path, "\t" if ext == ".tsv" else ",", nulls, options)
            return _reparse_numbers(frame, column_missing), {}
        if ext in EXCEL_EXTS:
            frame = read_excel(path, options.sheet)
            sentinels = {n: (*missing_values, *column_missing.get(n, ())) for n in frame.columns}
            return _reparse_numbers(frame, sentinels), {}
        if ext in STAT_EXTS:
            return read_stat(path, ext, options.encoding, missing_values, column_missing)
        if ext == ".parquet":
            return pl.read_parquet(path), {}
        if ext in (".ndjson", ".jsonl"):
            return pl.read_ndjson(path), {}
        return pl.read_ipc(path), {}
    except (DataError, InputFileError):
        raise
    except PermissionError:
        raise InputFileError(f"file {str(path)!r} cannot be read: permission denied") from None
    except Exception as exc:  # polars/arrow/readers raise many types for corrupt files
        raise InputFileError(f"file {str(path)!r} could not be read as {ext[1:]}: {first_line(exc)}") from None


def _reparse_numbers(frame: pl.DataFrame, column_missing: dict[str, tuple[Any, ...]]) -> pl.DataFrame:
    """A CSV column read as text only because of its own sentinel (``?`` among numbers)
    becomes numeric once the sentinel is missing, as it would with a global sentinel."""
    for name, sentinels in column_missing.items():
        if name not in frame.columns or frame[name].dtype != pl.String or not sentinels:
            continue
        col = frame[name]
        if not col.is_in([str(v) for v in sentinels]).any():
            continue  # text without the sentinel stays text (codes such as '01234' keep their zeros)
        col = pl.select(pl.when(col.is_in([str(v) for v in sentinels])).then(None).otherwise(col)).to_series()
        for dtype in (pl.Int64, pl.Float64):
            try:
                frame = frame.with_columns(col.cast(dtype, strict=True).alias(name))
                break
            except pl.exceptions.PolarsError:
                continue
    return frame


# -- frames ------------------------------------------------------------------------------
def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.startswith("pandas") and type(obj).__name__ == "DataFrame"


def _from_pandas(df: Any) -> pl.DataFrame:
    """pandas to polars, keeping nullable dtypes: Int64 stays Int64, boolean Boolean, string
    String, category Categorical, datetime64[ns, tz] Datetime with its time zone."""
    import pandas as pd  # only reached when a pandas object was passed in

    names = [str(c) for c in df.columns]
    check_duplicates(names, "pandas.DataFrame")
    mixed: dict[str, list[str]] = {}
    for name, series in zip(names, _columns(df), strict=True):
        if series.dtype == object:
            inferred = pd.api.types.infer_dtype(series, skipna=True)
            if inferred.startswith("mixed"):
                mixed[name] = sorted({type(v).__name__ for v in series.dropna()})
    if len(mixed) == 1:
        name, types = next(iter(mixed.items()))
        raise ColumnError(name, f"mixes values of types {types}; convert the column to one type before fitting")
    if mixed:
        listed = "; ".join(f"{name!r} {types}" for name, types in mixed.items())
        raise DataError(
            f"pandas.DataFrame: {len(mixed)} columns mix values of different types: {listed}; "
            f"convert each to one type before fitting"
        )
    if any(isinstance(s.dtype, pd.SparseDtype) for s in _columns(df)):
        df = pd.DataFrame({i: s.sparse.to_dense() if isinstance(s.dtype, pd.SparseDtype) else s
                           for i, s in enumerate(_columns(df))}, index=df.index)
    try:
        return pl.from_pandas(df.set_axis(names, axis=1))
    except Exception as exc:
        raise DataError(f"pandas.DataFrame could not be converted to polars: {first_line(exc)}") from None


def _columns(df: Any) -> Iterator[Any]:
    """Each column as a Series, by position (names may repeat or not be text)."""
    for i in range(df.shape[1]):
        yield df.iloc[:, i]


# -- writing -----------------------------------------------------------------------------
def check_output(path: str | Path, allowed: tuple[str, ...] = WRITERS, option: str | None = None) -> Path:
    """Fail early, before any work, if ``path`` cannot be written: its extension and its folder."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in allowed:
        by = f" ({option})" if option else ""
        raise InputFileError(
            f"output {str(path)!r}{by}: unsupported extension {ext or '(none)'!r}; use {', '.join(allowed)}"
        )
    if not path.parent.exists():
        raise InputFileError(f"output {str(path)!r}: folder {str(path.parent)!r} does not exist")
    return path


def write_table(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write by extension: .csv, .parquet, .ndjson/.jsonl, .arrow."""
    path = check_output(path)
    ext = path.suffix.lower()
    if ext == ".csv":
        frame.write_csv(path)
    elif ext == ".parquet":
        frame.write_parquet(path)
    elif ext in (".ndjson", ".jsonl"):
        frame.write_ndjson(path)
    else:
        frame.write_ipc(path)
    return path
