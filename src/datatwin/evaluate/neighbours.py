"""Exact nearest-neighbour search under the Gower distance, for the risk metrics and the report.

A :class:`GowerSpace` fixes the columns compared and the encoding (an
:class:`~datatwin.evaluate.prepare.Encoder` fitted on the real data); frames are encoded
once with :meth:`GowerSpace.encode` and then searched against each other::

    space = GowerSpace(data, data.real.columns)
    reference = space.encode(real_rows)
    distances, indices = space.nearest(space.encode(synthetic_rows), reference, k=1)

The Gower distance is the L1 distance on the encoding divided by the number of columns
compared, so a full mismatch on every column is about 1. The search is exact and
brute-force: every query row is compared with every reference row, block by block, so
callers subsample large frames first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from datatwin.evaluate.prepare import Encoder, EvalData

#: rows encoded by :meth:`GowerSpace.encode`: (scaled numbers, 0/1 indicators), both float arrays
Encoded = tuple[np.ndarray, np.ndarray]


class GowerSpace:
    """Rows of some columns under the Gower distance, with an exact nearest-neighbour search.

    The L1 distance on the Encoder's layout splits into a 0/1 part (missing indicators and
    one-hot labels), computed for a block of rows at once as a matrix product, and one
    absolute difference per scaled numeric column: far faster than a generic Manhattan search.

    Parameters
    ----------
    data : EvalData
        The aligned frames; the encoding is learnt on ``data.real``.
    columns : list of str
        The columns compared; the distance is divided by their number.
    """

    #: distances held per block (float32), sized for a core's cache
    block = 1_000_000
    #: threads searching blocks of query rows at once
    threads = max(1, min(4, os.cpu_count() or 1))

    def __init__(self, data: EvalData, columns: list[str]) -> None:
        self.encoder = Encoder.fit(data, list(columns))
        self.n_columns = len(columns)
        n_num = len(self.encoder.numeric)
        self._num = np.arange(0, 2 * n_num, 2)
        width = sum(len(v) + 1 for v in self.encoder.categories.values())
        self._bin = np.r_[np.arange(1, 2 * n_num, 2), np.arange(2 * n_num, 2 * n_num + width)]
        # a missing indicator (0/1) mismatch costs 1; a one-hot (0/0.5) label mismatch costs 0.5 per side
        self._weight = np.r_[np.ones(n_num), np.full(width, 0.5)].astype(np.float32)

    def encode(self, frame: pl.DataFrame) -> Encoded:
        """The rows of ``frame`` in the form :meth:`nearest` and :meth:`tied_share` search.

        Parameters
        ----------
        frame : polars.DataFrame
            Rows with (at least) the space's columns, in the real data's dtypes.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            The scaled numeric values (rows × numeric columns) and the 0/1 missing and
            one-hot indicators (rows × indicators, float32).
        """
        x = self.encoder.transform(frame)
        binary = (x[:, self._bin] > 0).astype(np.float32)
        return np.ascontiguousarray(x[:, self._num]), binary

    def nearest(self, query: Encoded, ref: Encoded, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` closest ``ref`` rows of each ``query`` row.

        Parameters
        ----------
        query, ref : Encoded
            Rows encoded by :meth:`encode` of this space.
        k : int
            Neighbours per query row; at most the number of ``ref`` rows are returned.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Gower distances (query rows × k, closest first) and the indices of those rows
            in ``ref``; among equally near rows the first in ``ref`` comes first.
        """
        k = min(k, len(ref[1]))
        dist, idx = np.empty((len(query[1]), k)), np.empty((len(query[1]), k), dtype=np.int64)

        def work(rows: slice, d: np.ndarray) -> None:
            at = np.arange(d.shape[0])
            for i in range(k):  # k is 1 or 2: repeated argmin beats a partition
                best = d.argmin(1)
                dist[rows, i], idx[rows, i] = d[at, best], best
                d[at, best] = np.inf

        self._run(query, ref, work)
        return np.maximum(dist, 0.0) / max(self.n_columns, 1), idx

    def tied_share(self, query: Encoded, ref: Encoded, good: Callable[[slice], np.ndarray]) -> np.ndarray:
        """For each query row, the share of its closest ``ref`` rows (all ties) that are ``good``.

        This is the expected success of picking one closest row at random, without the
        noise of actually picking one.

        Parameters
        ----------
        query, ref : Encoded
            Rows encoded by :meth:`encode` of this space.
        good : callable
            ``good(rows)`` is a boolean matrix (query rows in the slice ``rows`` × ``ref``
            rows): whether each ``ref`` row is a success for each of those query rows.

        Returns
        -------
        numpy.ndarray
            One share in [0, 1] per query row.
        """
        share = np.empty(len(query[1]))

        def work(rows: slice, d: np.ndarray) -> None:
            closest = d <= d.min(1, keepdims=True)
            share[rows] = (closest & good(rows)).sum(1) / closest.sum(1)

        self._run(query, ref, work)
        return share

    def _run(self, query: Encoded, ref: Encoded, work: Callable[[slice, np.ndarray], None]) -> None:
        """Call ``work(rows, d)`` with the L1 distances ``d`` of each block of query rows to every ref row."""
        qn, qb = query
        rn, rb = ref
        n, m = len(qb), len(rb)
        # one product gives the whole 0/1 part: -2·(q∘w)·r + Σ q∘w + Σ r∘w (exact in float32)
        qbw = qb * self._weight
        left = np.hstack([-2 * qbw, qbw.sum(1, keepdims=True), np.ones((n, 1), np.float32)])
        right = np.ascontiguousarray(np.hstack([rb, np.ones((m, 1), np.float32), (rb @ self._weight)[:, None]]).T)
        rnt = np.ascontiguousarray(rn.T)
        step = int(np.clip(self.block // max(m, 1), 4, 4096))

        def block(start: int) -> None:
            rows = slice(start, min(start + step, n))
            d = left[rows] @ right
            tmp = np.empty_like(d)
            for j in range(rnt.shape[0]):
                np.subtract(qn[rows, j, None], rnt[j][None, :], out=tmp)
                np.abs(tmp, out=tmp)
                d += tmp
            work(rows, d)

        # numpy releases the GIL: one thread per core, each with a single-threaded BLAS
        with threadpool_limits(1), ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(block, range(0, n, step)))
