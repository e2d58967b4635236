"""Streaming a Parquet table (a file, a glob of parts, or a folder of parts) into its distinct
rows with a count, through polars' streaming engine: memory bounded by the distinct rows,
not by the rows. The counts then act as a frequency column, which gives the same model as
the expanded table (``weight_column`` in docs/spec.md)."""

from __future__ import annotations

import dataclasses
import glob
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from datatwin.errors import InputFileError

#: the name of the count column the aggregation adds (not a column of the model)
COUNT_COLUMN = "__datatwin_rows__"


@dataclasses.dataclass(frozen=True)
class Aggregated:
    """Distinct rows of a streamed table with their count in :data:`COUNT_COLUMN`."""

    frame: pl.DataFrame
    source: str
    rows: int
    columns: int


def parquet_files(source: str | Path) -> list[Path]:
    """The Parquet files ``source`` names: one file, a glob pattern, or a folder (every
    ``*.parquet`` below it). InputFileError when nothing matches or a match is not Parquet."""
    text = str(source)
    path = Path(text)
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
        if not files:
            raise InputFileError(
                f"{text!r} is a directory with no .parquet file in it; give a data file, or a folder of Parquet parts "
                "to stream"
            )
    elif glob.has_magic(text):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise InputFileError(f"the pattern {text!r} matches no file; check the folder and the pattern")
    elif path.is_file():
        files = [path]
    else:
        raise InputFileError(f"file {text!r} does not exist")
    other = [f for f in files if f.suffix.lower() != ".parquet"]
    if other:
        raise InputFileError(
            f"streaming reads Parquet files only; {str(other[0])!r} is not one (convert it with "
            "polars: pl.scan_csv(...).sink_parquet(...), or fit it without streaming)"
        )
    return files


def check_same_schema(files: list[Path]) -> dict[str, Any]:
    """Every part must have the first part's columns and types, in order."""
    first = pl.read_parquet_schema(files[0])
    for f in files[1:]:
        schema = pl.read_parquet_schema(f)
        if schema != first:
            names = list(dict.fromkeys([*first, *schema]))
            diff = next(n for n in names if first.get(n) != schema.get(n))
            raise InputFileError(
                f"Parquet parts {str(files[0])!r} and {str(f)!r} differ in column {diff!r} "
                f"({first.get(diff, 'absent')} against {schema.get(diff, 'absent')}); every part must have the same "
                "columns and types"
            )
    return dict(first)


def _streamable(source: str | Path, weight_column: str | None) -> tuple[list[Path], dict[str, Any]]:
    """The Parquet files of ``source`` and their common schema, checked for streaming."""
    files = parquet_files(source)
    schema = check_same_schema(files)
    if COUNT_COLUMN in schema:
        raise InputFileError(f"{str(source)!r} has a column named {COUNT_COLUMN!r}, which streaming uses itself; rename it")
    if weight_column is not None and weight_column not in schema:
        raise InputFileError(f"spec: weight_column {weight_column!r} is not a column of {str(source)!r}")
    return files, schema


def aggregate_parquet(
    source: str | Path, weight_column: str | None = None, excluded: tuple[str, ...] = ()
) -> Aggregated:
    """The distinct rows of ``source`` with how many rows hold each (or the sum of the
    ``weight_column`` over them), computed by polars' streaming engine. ``excluded``
    columns (the spec's ``exclude``) are never read: they come back all missing, so an
    excluded identifier does not make every row distinct."""
    files, schema = _streamable(source, weight_column)
    lazy = pl.scan_parquet(files)
    blank = [c for c in excluded if c in schema and c != weight_column]
    if blank:
        lazy = lazy.with_columns(pl.lit(None, dtype=schema[c]).alias(c) for c in blank)
    keys = [c for c in schema if c != weight_column]
    count = pl.len() if weight_column is None else pl.col(weight_column).cast(pl.Float64).sum()
    counted = lazy.group_by(keys).agg(count.alias(COUNT_COLUMN), pl.len().alias("__rows__"))
    # a fixed row order (the aggregation's is not), so that the fit is reproducible
    frame = counted.collect(engine="streaming").sort(keys, nulls_last=True, maintain_order=True)
    rows = int(frame["__rows__"].sum())
    frame = frame.drop("__rows__")
    if weight_column is not None:  # back where it was, so the spec's weight column is found
        frame = frame.rename({COUNT_COLUMN: weight_column})
    name = files[0].name if len(files) == 1 else str(source)
    return Aggregated(frame, name, int(rows), len(schema))


@dataclasses.dataclass(frozen=True)
class ColumnsAggregated:
    """Each column of a streamed table reduced on its own: its distinct values with their
    count (:data:`COUNT_COLUMN`), one frame per column; ``schema`` is an empty frame with the
    table's columns and types."""

    frames: dict[str, pl.DataFrame]
    schema: pl.DataFrame
    source: str
    rows: int
    columns: int
    #: a second pass over the rows that counts combinations of cells (None: not available)
    cells: Any = None


def aggregate_parquet_columns(
    source: str | Path, weight_column: str | None = None, excluded: tuple[str, ...] = ()
) -> ColumnsAggregated:
    """Every column of ``source`` reduced to its distinct values with counts (or sums of the
    ``weight_column``), each by its own aggregation in polars' streaming engine: memory is
    bounded by the column with the most distinct values, not by the distinct rows of the
    table (which a few numeric columns make about as many as the rows). For a family that
    models every column on its own; ``excluded`` columns are not read."""
    files, schema = _streamable(source, weight_column)
    lazy = pl.scan_parquet(files)
    count = pl.len() if weight_column is None else pl.col(weight_column).cast(pl.Float64).sum()
    names = [c for c in schema if c != weight_column and c not in excluded]
    queries = [lazy.group_by(c).agg(count.alias(COUNT_COLUMN)).sort(c, nulls_last=True) for c in names]
    rows_query = lazy.select(pl.len().alias("rows"))
    done = pl.collect_all([*queries, rows_query], engine="streaming")
    frames = dict(zip(names, done[:-1]))
    empty = pl.DataFrame(schema=schema)
    name = files[0].name if len(files) == 1 else str(source)
    cells = ParquetCells(files, {c: f.get_column(c) for c, f in frames.items()}, weight_column)
    return ColumnsAggregated(frames, empty, name, int(done[-1]["rows"][0]), len(schema), cells)


def cell_expression(name: str, values: pl.Series, cells: np.ndarray) -> pl.Expr:
    """Column ``name`` mapped to the cells of its distinct values: ``values[i]`` (one of them
    possibly missing) is in cell ``cells[i]``. ``replace_strict`` matches NaN to NaN, and a
    value outside ``values`` cannot occur (they are all the column's values)."""
    present = values.is_not_null().to_numpy()
    cells = np.asarray(cells, dtype=np.int64)
    missing = int(cells[~present][0]) if (~present).any() else -1
    return pl.col(name).replace_strict(
        values.filter(values.is_not_null()), pl.Series(cells[present], dtype=pl.Int64),
        default=pl.lit(missing, dtype=pl.Int64), return_dtype=pl.Int64,
    ).alias(name)


def sorted_cells(frame: pl.DataFrame, names: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each column's cells and the weights of an aggregated frame of combinations, sorted."""
    frame = frame.sort(names)
    return ({c: frame.get_column(c).to_numpy().astype(np.int64) for c in names},
            frame.get_column(COUNT_COLUMN).cast(pl.Float64).to_numpy())


@dataclasses.dataclass(frozen=True)
class ParquetCells:
    """The second pass of a streamed fit over the same Parquet files
    (:class:`datatwin.prepare.table.CellCounter`): each column mapped to its cells by its
    distinct values (from the first pass), then one streaming ``group_by`` of the cells. Memory
    is bounded by the distinct values of one column and the combinations of cells, never by
    the rows."""

    files: list[Path]
    values: dict[str, pl.Series]
    weight_column: str | None

    def count_cells(self, cells: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        names = list(cells)
        if not names:
            return {}, np.zeros(0)
        exprs = [cell_expression(c, self.values[c], cells[c]) for c in names]
        count = pl.len() if self.weight_column is None else pl.col(self.weight_column).cast(pl.Float64).sum()
        lazy = pl.scan_parquet(self.files)
        if self.weight_column is not None:
            exprs.append(pl.col(self.weight_column))
        grouped = lazy.select(exprs).group_by(names).agg(count.alias(COUNT_COLUMN)).collect(engine="streaming")
        return sorted_cells(grouped, names)
