"""The real rows' normal scores, as the copula's statistics see them.

Every statistic the copula measures is a sum over rows of a function of each row's score
vector, and each score is a lookup of the row's value in its column (its position among the
column's distinct values, the prepared ``codes``). The scores change between measurements
(label orders rescore a dimension, rows are clipped to a norm bound again, group axes go),
always row by row. So the matrix is built by **steps**, each a function of one row:

- :class:`InMemoryScores` applies each step at once to the (rows × D) matrix of a table in
  memory (the fit the copula always made);
- :class:`StreamedScores` records the steps, and for every statistic replays them on batches
  of rows in a pass over the rows (:class:`datatwin.prepare.table.RowSource`: Parquet parts,
  a Spark DataFrame), adding up the statistic. Memory is bounded by a batch and the columns'
  distinct values, never by the rows.

A lookup has one entry per distinct value and a last one for a missing value (code -1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from datatwin.models.copula import statistics as st
from datatwin.prepare import PreparedTable

#: a statistic of the score matrix: (scores, each column's codes, weights) -> a float array
Statistic = Callable[[np.ndarray, Mapping[str, np.ndarray], "np.ndarray | None"], np.ndarray]


class InMemoryScores:
    """The score matrix of a table in memory, each step applied at once."""

    def __init__(self, x: np.ndarray, table: PreparedTable) -> None:
        self.x, self.table = x, table
        self.weights = table.weights
        self.n_rows = float(len(x)) if self.weights is None else float(self.weights.sum())

    @property
    def d(self) -> int:
        return int(self.x.shape[1])

    def set(self, j: int, column: str, lookup: np.ndarray) -> None:
        """Dimension ``j`` becomes ``lookup`` of each row's value in ``column``."""
        self.x[:, j] = np.asarray(lookup)[self.table.column(column).codes]

    def clip(self) -> None:
        st.clip_rows(self.x)

    def keep(self, dims: Sequence[int]) -> None:
        self.x = self.x[:, list(dims)]

    def add_up(self, statistic: Statistic, columns: Sequence[str], size: int) -> np.ndarray:
        """``statistic`` over all rows (``columns``: those whose codes it reads)."""
        return np.asarray(statistic(self.x, {c: self.table.column(c).codes for c in columns}, self.weights))


class StreamedScores:
    """The score matrix of a table prepared column by column: steps recorded, and replayed on
    every batch of rows of a pass (:class:`Replay`) for each statistic."""

    def __init__(self, table: PreparedTable, d: int) -> None:
        assert table.rows is not None
        self.table, self.rows = table, table.rows
        self.n_rows = float(table.n_rows)
        self.steps: list[tuple[Any, ...]] = []
        self._d = d

    @property
    def d(self) -> int:
        return self._d

    def set(self, j: int, column: str, lookup: np.ndarray) -> None:
        self.steps.append(("set", j, column, np.asarray(lookup, dtype=float)))

    def clip(self) -> None:
        self.steps.append(("clip",))

    def keep(self, dims: Sequence[int]) -> None:
        self.steps.append(("keep", list(dims)))
        self._d = len(dims)

    def add_up(self, statistic: Statistic, columns: Sequence[str], size: int) -> np.ndarray:
        needed = list(dict.fromkeys([*(s[2] for s in self.steps if s[0] == "set"), *columns]))
        # each row of a column prepared apart is one of its distinct values: its code there
        codes = {c: np.asarray(self.table.column(c).codes) for c in needed}
        width = max([s[1] for s in self.steps if s[0] == "set"] + [-1]) + 1
        replay = Replay(list(self.steps), width, codes, statistic)
        return self.rows.sum_rows(needed, replay, size)


class Replay:
    """A batch of rows' score matrix rebuilt by the recorded steps, then the statistic of it
    (picklable: Spark runs it on the executors). ``index`` gives each row's position among
    its column's distinct values, ``codes`` their prepared codes."""

    def __init__(self, steps: list[tuple[Any, ...]], width: int, codes: Mapping[str, np.ndarray],
                 statistic: Statistic) -> None:
        self.width, self.codes, self.statistic = width, dict(codes), statistic
        # each lookup composed with its column's codes once: one gather per row and step
        self.steps = [("set", s[1], s[2], s[3][self.codes[s[2]]]) if s[0] == "set" else s for s in steps]

    def __call__(self, index: Mapping[str, np.ndarray], weights: np.ndarray | None) -> np.ndarray:
        codes = {c: self.codes[c][index[c]] for c in self.codes}
        n = len(next(iter(index.values()))) if index else 0
        x = np.zeros((n, self.width), order="F")  # dimensions are written one at a time
        for step in self.steps:
            if step[0] == "set":
                _, j, column, by_value = step
                x[:, j] = by_value[index[column]]
            elif step[0] == "clip":
                st.clip_rows(x)
            else:
                x = x[:, step[1]]
        return np.asarray(self.statistic(np.ascontiguousarray(x), codes, weights))  # rows contiguous, as in memory


def value_lookup(distinct: np.ndarray, missing: float) -> np.ndarray:
    """A lookup over a column's codes: ``distinct[i]`` for its ``i``-th value, ``missing``
    last (code -1)."""
    return np.append(np.asarray(distinct, dtype=float), missing)
