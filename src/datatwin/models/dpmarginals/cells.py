"""The exact counts the marginals family measures, over the cells of its domains.

Two sources give the same counts: :class:`RowCells` holds every row's cell in each domain
(a table in memory) and counts any combination on demand; :class:`TableCells` holds the
tables a streamed fit counted in a pass over the rows (every 1-way table and every 2-way
and 3-way table the fit may ask for), so no row is ever in memory. Both merge cells the
same way when the family compresses a domain (MST's compression: post-processing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl


class RowCells:
    """Counts from every row's cell (``codes[i]``: the rows' cells in domain ``i``), weighted."""

    def __init__(self, codes: dict[int, np.ndarray], sizes: Mapping[int, int], weights: np.ndarray | None) -> None:
        self.codes, self.sizes, self.weights = codes, dict(sizes), weights

    def counts(self, cols: Sequence[int]) -> np.ndarray:
        """The table over ``cols`` (row-major, the first varying slowest), as floats."""
        key = np.zeros(len(self.codes[cols[0]]), dtype=np.int64)
        for c in cols:
            key = key * self.sizes[c] + self.codes[c]
        cells = int(np.prod([self.sizes[c] for c in cols]))
        return np.bincount(key, weights=self.weights, minlength=cells).astype(float)

    def merge(self, i: int, to_cell: np.ndarray) -> None:
        """Domain ``i``'s cell ``k`` becomes ``to_cell[k]`` from here on."""
        self.codes[i] = to_cell[self.codes[i]]
        self.sizes[i] = int(to_cell.max()) + 1


class TableCells:
    """Counts from tables counted over the full domains (``tables``, keyed by increasing
    domain indices, row-major); a table asked for in another order is transposed, and merged
    cells are added up."""

    def __init__(self, tables: Mapping[tuple[int, ...], np.ndarray], sizes: Mapping[int, int]) -> None:
        self.tables, self.full = dict(tables), dict(sizes)
        self.sizes = dict(sizes)
        self.to_cell: dict[int, np.ndarray] = {}

    def counts(self, cols: Sequence[int]) -> np.ndarray:
        key = tuple(sorted(cols))
        if key not in self.tables:
            raise KeyError(f"no table was counted over domains {key}")
        table = np.asarray(self.tables[key], dtype=float).reshape([self.full[c] for c in key])
        table = np.transpose(table, [key.index(c) for c in cols])
        for axis, c in enumerate(cols):
            if c in self.to_cell:
                moved = np.moveaxis(table, axis, 0)
                merged = np.zeros((self.sizes[c], *moved.shape[1:]))
                np.add.at(merged, self.to_cell[c], moved)
                table = np.moveaxis(merged, 0, axis)
        return np.ascontiguousarray(table).ravel()

    def merge(self, i: int, to_cell: np.ndarray) -> None:
        self.to_cell[i] = to_cell[self.to_cell[i]] if i in self.to_cell else np.asarray(to_cell)
        self.sizes[i] = int(to_cell.max()) + 1


def tables_to_count(sizes: Mapping[int, int], strategy: Sequence[Sequence[int]] | None, max_cells: int) -> list[tuple[int, ...]]:
    """The tables a fit may ask for: every 1-way table, and the 2-way tables of every pair
    within ``max_cells`` (``"auto"``), or the strategy's Counts (increasing indices)."""
    d = len(sizes)
    ones = [(i,) for i in range(d)]
    if strategy is None:
        return ones + [(i, j) for i in range(d) for j in range(i + 1, d) if sizes[i] * sizes[j] <= max_cells]
    return list(dict.fromkeys([*ones, *(tuple(sorted(cols)) for cols in strategy if len(cols) > 1)]))


class TableCounts:
    """The statistic a streamed fit adds up over batches of rows
    (:data:`datatwin.prepare.table.RowStatistic`): every table of ``tables`` (increasing
    domain indices), flat and concatenated. ``cells[k][i]`` is the cell, in domain ``k``, of
    column ``names[k]``'s ``i``-th distinct value. Picklable: Spark runs it on the executors."""

    def __init__(self, tables: Sequence[tuple[int, ...]], names: Sequence[str], cells: Sequence[np.ndarray],
                 sizes: Sequence[int]) -> None:
        self.tables = list(tables)
        self.names, self.cells, self.sizes = list(names), [np.asarray(c, dtype=np.int64) for c in cells], list(sizes)
        used = sorted({k for t in self.tables for k in t})
        self.columns = [self.names[k] for k in used]
        self.cells_of = {self.names[k]: self.cells[k] for k in used}
        self.lengths = [int(np.prod([self.sizes[k] for k in t])) for t in self.tables]
        self.size = int(sum(self.lengths))

    def __call__(self, index: Mapping[str, np.ndarray], weights: np.ndarray | None) -> np.ndarray:
        coded = pl.DataFrame({c: self.cells_of[c][index[c]] for c in self.columns})
        # the batch's distinct combinations of cells first: coded rows repeat a lot (integer
        # counts add up exactly in any order)
        if weights is None:
            combined = coded.group_by(self.columns).agg(pl.len().cast(pl.Float64).alias("__w__"))
        else:
            combined = coded.with_columns(pl.Series("__w__", weights, dtype=pl.Float64)).group_by(
                self.columns).agg(pl.col("__w__").sum())
        cell = {c: combined.get_column(c).to_numpy() for c in self.columns}
        w = combined.get_column("__w__").to_numpy()
        parts = []
        for t, length in zip(self.tables, self.lengths):
            key = np.zeros(len(w), dtype=np.int64)
            for k in t:
                key = key * self.sizes[k] + cell[self.names[k]]
            parts.append(np.bincount(key, weights=w, minlength=length))
        return np.concatenate(parts) if parts else np.zeros(0)

    def split(self, flat: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
        """The summed statistic back as tables."""
        bounds = np.cumsum([0, *self.lengths])
        return {t: flat[bounds[k]:bounds[k + 1]] for k, t in enumerate(self.tables)}
