"""Streaming a Parquet table (a file, a glob of parts, or a folder of parts) into its distinct
rows with a count, through polars' streaming engine: memory bounded by the distinct rows,
not by the rows. The counts then act as a frequency column, which gives the same model as
the expanded table (``weight_column`` in docs/spec.md)."""

from __future__ import annotations

import dataclasses
import glob
from collections.abc import Mapping, Sequence
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
    #: passes over the rows (a :class:`~datatwin.prepare.table.RowSource`; None: not available)
    rows_again: Any = None


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
    rows = ParquetRows(files, {c: f.get_column(c) for c, f in frames.items()}, weight_column)
    return ColumnsAggregated(frames, empty, name, int(done[-1]["rows"][0]), len(schema), rows)


#: a column with at most this many distinct values is mapped to its cells through a hash
#: table (built per batch: cheap at this size); one with more, by a binary search
HASHED_VALUES = 1 << 16


def value_cells(batch: pl.Series, values: pl.Series, cells: np.ndarray) -> np.ndarray:
    """The cell of each value of ``batch``: ``values`` are the column's distinct values as the
    first pass sorted them (missing last), ``cells[i]`` the cell of ``values[i]``. Few values:
    a hash table (``replace_strict``: NaN matches NaN). Many: a binary search in the sorted
    values (numbers and times on their physical values, numpy's order, which is polars':
    NaN after the numbers, -0.0 with 0.0), so a column of many distinct values costs only
    their memory."""
    present = values.drop_nulls()
    cells = np.asarray(cells, dtype=np.int64)
    missing_cell = int(cells[len(present)]) if len(present) < len(values) else 0
    if not len(present):
        return np.full(len(batch), missing_cell, dtype=np.int64)
    if len(present) <= HASHED_VALUES:
        return batch.replace_strict(present, pl.Series(cells[: len(present)]), default=missing_cell,
                                    return_dtype=pl.Int64).to_numpy()
    out = np.full(len(batch), missing_cell, dtype=np.int64)
    known = batch.is_not_null().to_numpy()
    given = batch.filter(pl.Series(known))
    if batch.dtype.is_numeric() or batch.dtype.is_temporal():
        needles = given.to_physical().to_numpy()
        order = np.argsort(needles, kind="stable")  # sorted needles: a search with locality, 3x faster
        found = np.empty(len(needles), dtype=np.int64)
        found[order] = np.searchsorted(present.to_physical().to_numpy(), needles[order], side="left")
    else:
        found = present.search_sorted(given, side="left").to_numpy()
    out[known] = cells[np.minimum(found, len(present) - 1)]
    return out


#: rows read at a time by a pass over the rows (about 8 bytes a row per column)
ROW_BATCH_ROWS = 1 << 20


def batch_index(batch: pl.DataFrame, values: Mapping[str, pl.Series], columns: Sequence[str],
                weight_column: str | None) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Each row's index among its column's distinct values (from the first pass), and the rows'
    weights: what a :data:`~datatwin.prepare.table.RowStatistic` receives."""
    index = {c: value_cells(batch.get_column(c), values[c], np.arange(len(values[c]))) for c in columns}
    weights = batch.get_column(weight_column).cast(pl.Float64).to_numpy() if weight_column is not None else None
    return index, weights


def distinct_rows(index: dict[str, np.ndarray], weights: np.ndarray | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """A batch's distinct rows of value indices with their total weight: a statistic that is a
    weighted sum over rows gives the same on them, and coded data repeats a lot (a batch of a
    survey or a resample shrinks many times; a batch of distinct rows costs one group_by)."""
    names = list(index)
    frame = pl.DataFrame({**index, COUNT_COLUMN: np.ones(len(index[names[0]])) if weights is None else weights})
    # in the order rows come (not the hash order of threads): a statistic then adds up in the same
    # order in every fit
    grouped = frame.group_by(names, maintain_order=True).agg(pl.col(COUNT_COLUMN).sum())
    return {c: grouped.get_column(c).to_numpy() for c in names}, grouped.get_column(COUNT_COLUMN).to_numpy()


#: the most distinct rows of value indices a streamed fit keeps between passes (about 8 bytes
#: each per column); a table with more is read again for every pass
KEPT_ROWS = 1 << 21


@dataclasses.dataclass(frozen=True)
class ParquetRows:
    """Passes of a streamed fit over the same Parquet files
    (:class:`datatwin.prepare.table.RowSource`): each part read in slices of
    :data:`ROW_BATCH_ROWS` rows (polars reads only the slice's row groups), each column mapped
    to its values' indices (:func:`value_cells`), each slice reduced to its distinct rows of
    indices, the statistic added up over the slices. The distinct rows of the whole table are
    kept for the next passes while they number at most :data:`KEPT_ROWS` (coded data: a
    survey, a resample); beyond, every pass reads the parts again. Memory is bounded by the
    columns' distinct values, a slice, the kept rows and the statistic, never by the rows."""

    files: list[Path]
    values: dict[str, pl.Series]
    weight_column: str | None
    kept: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def sum_rows(self, columns: Sequence[str], statistic: Any, size: int) -> np.ndarray:
        held = self.kept.get("index")
        if columns and held is not None and set(columns) <= set(held):
            return np.asarray(statistic({c: held[c] for c in columns}, self.kept["weights"]), dtype=float)
        return self._read(columns, statistic, size)

    def _read(self, columns: Sequence[str], statistic: Any, size: int) -> np.ndarray:
        total = np.zeros(size)
        read = [*columns, *([self.weight_column] if self.weight_column else [])]
        parts: list[pl.DataFrame] | None = [] if columns else None
        count = 0
        for f in self.files:
            lazy = pl.scan_parquet(f).select(read)
            rows = int(lazy.select(pl.len()).collect().item())
            for start in range(0, rows, ROW_BATCH_ROWS):
                index, weights = batch_index(lazy.slice(start, ROW_BATCH_ROWS).collect(), self.values, columns,
                                             self.weight_column)
                if not columns:
                    total += statistic(index, weights)
                    continue
                index, weights = distinct_rows(index, weights)
                total += statistic(index, weights)
                if parts is not None:  # kept for the next passes while few
                    parts.append(pl.DataFrame({**index, COUNT_COLUMN: weights}))
                    count += len(weights)
                    if count > KEPT_ROWS:
                        merged = pl.concat(parts).group_by(list(columns)).agg(pl.col(COUNT_COLUMN).sum())
                        parts, count = ([merged], merged.height) if merged.height <= KEPT_ROWS // 2 else (None, 0)
        if parts:
            merged = pl.concat(parts).group_by(list(columns)).agg(pl.col(COUNT_COLUMN).sum())
            if merged.height <= KEPT_ROWS:
                # a fixed order, so that a later pass adds up in the same order every fit
                merged = merged.sort(list(columns))
                self.kept["index"] = {c: merged.get_column(c).to_numpy() for c in columns}
                self.kept["weights"] = merged.get_column(COUNT_COLUMN).to_numpy()
        return total
