"""Read tables into polars and write them out again; every edge format meets polars here."""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl

from datatwin.errors import ColumnError, DataError, InputFileError

READERS = (".csv", ".tsv", ".parquet", ".ndjson", ".jsonl", ".arrow", ".feather", ".ipc")
WRITERS = (".csv", ".parquet", ".ndjson", ".jsonl", ".arrow")


@dataclasses.dataclass(frozen=True)
class Table:
    """A frame plus the name it came from (for provenance and messages)."""

    frame: pl.DataFrame
    source: str


def _check_duplicates(names: list[str], where: str) -> None:
    dups = sorted(n for n, c in Counter(names).items() if c > 1)
    if dups:
        raise DataError(f"{where}: duplicate column name(s) {dups}; rename them so every column name is distinct")


def _read_csv(path: Path, separator: str, null_values: list[str]) -> pl.DataFrame:
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        header = next(csv.reader(fh, delimiter=separator), None)
    if header is None:
        raise DataError(f"file {str(path)!r} is empty; it needs a header line and at least one row")
    # polars renames duplicate headers silently ('a_duplicated_0'); refuse instead.
    _check_duplicates(header, f"file {str(path)!r}")
    # dates stay text here: fitting detects their format and writes them back in it, so the
    # synthetic CSV is a drop-in replacement (polars' own parsing would lose the format)
    kwargs: dict[str, Any] = dict(separator=separator, null_values=null_values or None, try_parse_dates=False)
    try:
        return pl.read_csv(path, infer_schema_length=10_000, **kwargs)
    except pl.exceptions.ComputeError:
        # a value past the first 10,000 rows contradicts the guessed type: infer from all rows
        return pl.read_csv(path, infer_schema_length=None, **kwargs)


def read_table(
    source: Any, missing_values: tuple[Any, ...] = (), column_missing: dict[str, tuple[Any, ...]] | None = None
) -> Table:
    """Read a CSV/TSV/Parquet/NDJSON/Arrow path, or accept a polars, pandas or Arrow frame.

    ``missing_values`` that are text are read as missing in every column of a
    CSV file, so a numeric column with ``?`` for missing stays numeric; a CSV column
    whose own ``column_missing`` sentinels hid its numbers is re-read as numbers too.
    """
    if isinstance(source, pl.LazyFrame):
        source = source.collect()
    if isinstance(source, pl.DataFrame):
        table = Table(source, "DataFrame")
    elif _is_pandas(source):
        table = Table(_from_pandas(source), "pandas.DataFrame")
    elif type(source).__module__.startswith("pyarrow"):
        table = Table(pl.from_arrow(source), "pyarrow.Table")
    elif isinstance(source, (str, Path)):
        table = Table(_read_path(Path(source), missing_values, column_missing or {}), Path(source).name)
    else:
        raise InputFileError(
            f"cannot read data from a {type(source).__name__}; pass a file path, or a polars, pandas or Arrow frame"
        )
    _check_duplicates(table.frame.columns, table.source)
    if table.frame.width == 0:
        raise DataError(f"{table.source} has no columns")
    if table.frame.height == 0:
        raise DataError(f"{table.source} has no rows; a model needs at least one row of data")
    return table


def _read_path(path: Path, missing_values: tuple[Any, ...], column_missing: dict[str, tuple[Any, ...]]) -> pl.DataFrame:
    if not path.exists():
        raise InputFileError(f"file {str(path)!r} does not exist; check the path")
    if path.is_dir():
        raise InputFileError(f"{str(path)!r} is a directory; give a data file")
    ext = path.suffix.lower()
    if ext not in READERS:
        raise InputFileError(f"file {str(path)!r}: unsupported extension {ext or '(none)'!r}; use one of {', '.join(READERS)}")
    if path.stat().st_size == 0:
        raise DataError(f"file {str(path)!r} is empty; it needs a header line and at least one row")
    try:
        if ext in (".csv", ".tsv"):
            nulls = [str(v) for v in missing_values]
            frame = _read_csv(path, "\t" if ext == ".tsv" else ",", nulls)
            return _reparse_numbers(frame, column_missing)
        if ext == ".parquet":
            return pl.read_parquet(path)
        if ext in (".ndjson", ".jsonl"):
            return pl.read_ndjson(path)
        return pl.read_ipc(path)
    except (DataError, InputFileError):
        raise
    except PermissionError:
        raise InputFileError(f"file {str(path)!r} cannot be read: permission denied") from None
    except Exception as exc:  # polars/arrow raise many types for corrupt files
        raise InputFileError(f"file {str(path)!r} could not be read as {ext[1:]}: {exc}") from None


def _reparse_numbers(frame: pl.DataFrame, column_missing: dict[str, tuple[Any, ...]]) -> pl.DataFrame:
    """A CSV column read as text only because of its own sentinel (``?`` among numbers)
    becomes numeric once the sentinel is missing, as it would with a global sentinel."""
    for name, sentinels in column_missing.items():
        if name not in frame.columns or frame[name].dtype != pl.String or not sentinels:
            continue
        col = frame[name]
        col = pl.select(pl.when(col.is_in([str(v) for v in sentinels])).then(None).otherwise(col)).to_series()
        for dtype in (pl.Int64, pl.Float64):
            try:
                frame = frame.with_columns(col.cast(dtype, strict=True).alias(name))
                break
            except pl.exceptions.PolarsError:
                continue
    return frame


def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.startswith("pandas") and type(obj).__name__ == "DataFrame"


def _from_pandas(df: Any) -> pl.DataFrame:
    import pandas as pd  # only reached when a pandas object was passed in

    names = [str(c) for c in df.columns]
    _check_duplicates(names, "pandas.DataFrame")
    for name, col in zip(names, df.columns):
        series = df[col]
        if series.dtype == object:
            inferred = pd.api.types.infer_dtype(series, skipna=True)
            if inferred.startswith("mixed"):
                types = sorted({type(v).__name__ for v in series.dropna().head(1000)})
                raise ColumnError(
                    name, f"mixes values of types {types}; convert the column to one type before fitting"
                )
    try:
        return pl.from_pandas(df.rename(columns=dict(zip(df.columns, names))))
    except Exception as exc:
        raise DataError(f"pandas.DataFrame could not be converted to polars: {exc}") from None


def write_table(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write by extension: .csv, .parquet, .ndjson/.jsonl, .arrow."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in WRITERS:
        raise InputFileError(f"output {str(path)!r}: unsupported extension {ext or '(none)'!r}; use one of {', '.join(WRITERS)}")
    if not path.parent.exists():
        raise InputFileError(f"output {str(path)!r}: folder {str(path.parent)!r} does not exist")
    if ext == ".csv":
        frame.write_csv(path)
    elif ext == ".parquet":
        frame.write_parquet(path)
    elif ext in (".ndjson", ".jsonl"):
        frame.write_ndjson(path)
    else:
        frame.write_ipc(path)
    return path
