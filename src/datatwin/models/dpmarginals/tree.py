"""Consistent margins, pair choices and sampling for a network of marginals, in numpy.

- :func:`combine` — one column's marginal from every noisy measurement that covers it,
  weighted by inverse variance (a 2-way table's margin sums ``size of the other column``
  noisy cells, so its variance is that many times a cell's);
- :func:`fit_pair` — a non-negative 2-way table whose margins are the combined 1-ways
  (least-squares margin correction, clipping, then iterative proportional fitting);
- :func:`pair_scores` — selection scores: how far each pair's exact counts are from the
  product of the noisy 1-ways (MST's closed form) or from a model's estimate (AIM-style),
  in L1, less the noise a measurement of that size would add;
- :func:`round_counts` / :func:`sample_tree` — rows drawn by rounding ``n·p`` and placing
  the remainder by the fractional parts (better than i.i.d. draws), roots first, then
  each node conditional on its parents, vectorised over the parents' cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

__all__ = ["combine", "fit_pair", "kruskal_order", "pair_scores", "round_counts", "sample_tree", "simplex"]

#: IPF sweeps when a 2-way table is fitted to its two margins
IPF_STEPS = 30


def simplex(y: np.ndarray) -> np.ndarray:
    """Non-negative probabilities from noisy counts (negatives clipped; uniform if nothing is left)."""
    p = np.clip(np.asarray(y, dtype=float), 0.0, None)
    s = p.sum()
    if s <= 0:
        return np.full(p.shape, 1.0 / max(p.size, 1))
    return p / s


def combine(estimates: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
    """Inverse-variance weighted average of count vectors (``(counts, variance per cell)``),
    as probabilities; exact estimates (variance 0) win outright."""
    exact = [v for v, var in estimates if var <= 0]
    if exact:
        return simplex(np.mean(exact, axis=0))
    w = np.array([1.0 / var for _, var in estimates])
    totals = np.array([max(float(np.clip(v, 0, None).sum()), 1.0) for v, _ in estimates])
    # estimates of one population: bring each to the common total before averaging
    common = float(np.sum(w * totals) / w.sum())
    stacked = np.stack([v / t * common for (v, _), t in zip(estimates, totals)])
    return simplex((w[:, None] * stacked).sum(0) / w.sum())


#: remove a noisy table's negative mass by Euclidean projection onto the simplex (else: clipping)
PROJECT = True


def project_simplex(y: np.ndarray) -> np.ndarray:
    """The Euclidean projection of ``y`` onto the probability simplex (Duchi et al. 2008):
    subtract one threshold from every entry, clip at 0."""
    u = np.sort(y)[::-1]
    css = np.cumsum(u) - 1.0
    k = np.arange(1, y.size + 1)
    rho = np.nonzero(u - css / k > 0)[0][-1]
    return np.clip(y - css[rho] / (rho + 1), 0.0, None)


def fit_table(table: np.ndarray, margins: Sequence[np.ndarray]) -> np.ndarray:
    """A non-negative k-way table with 1-way margins ``margins`` (probabilities, one per axis),
    close to the noisy ``table``: projected onto the simplex, then fitted to the margins by
    iterative proportional fitting (:func:`fit_pair` is the 2-way case)."""
    t = np.asarray(table, dtype=float)
    total = float(np.clip(t, 0, None).sum())
    t = project_simplex((t / total if total > 0 else np.zeros_like(t)).ravel()).reshape(t.shape)
    floor = np.ones(t.shape)
    for ax, m in enumerate(margins):
        floor = floor * np.asarray(m, dtype=float).reshape([-1 if k == ax else 1 for k in range(t.ndim)])
    t = t + 1e-9 * floor
    for _ in range(IPF_STEPS):
        for ax, m in enumerate(margins):
            others = tuple(k for k in range(t.ndim) if k != ax)
            current = t.sum(axis=others)
            ratio = np.divide(m, current, out=np.zeros_like(current), where=current > 0)
            t *= ratio.reshape([-1 if k == ax else 1 for k in range(t.ndim)])
    return t


def fit_pair(table: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A non-negative table with row sums ``rows`` and column sums ``cols`` (probabilities),
    close to the noisy ``table`` (scaled to total 1): :func:`fit_table`'s 2-way case, or with
    ``PROJECT`` off a least-squares correction of the margins instead of the projection."""
    if PROJECT:
        return fit_table(table, [rows, cols])
    t = np.asarray(table, dtype=float)
    total = float(np.clip(t, 0, None).sum())
    t = t / total if total > 0 else np.zeros_like(t)
    a, b = t.shape
    # least-squares correction of the margins (the smallest change in L2 that hits both)
    dr, dc = rows - t.sum(1), cols - t.sum(0)
    t = t + dr[:, None] / b + dc[None, :] / a - (dr.sum()) / (a * b)
    t = np.clip(t, 0, None) + 1e-9 * np.outer(rows, cols)
    for _ in range(IPF_STEPS):
        r = t.sum(1)
        t *= np.divide(rows, r, out=np.zeros_like(r), where=r > 0)[:, None]
        c = t.sum(0)
        t *= np.divide(cols, c, out=np.zeros_like(c), where=c > 0)[None, :]
    return t


def pair_scores(
    counts: Callable[[Sequence[int]], np.ndarray], sizes: Mapping[int, int], probs: Mapping[int, np.ndarray],
    pairs: Sequence[tuple[int, int]], n_hat: float, noise_sd: float,
    expected: Mapping[tuple[int, int], np.ndarray] | None = None,
) -> np.ndarray:
    """For each pair, ``‖exact counts − n̂·q‖₁ − √(2/π)·σ·cells``, where the exact counts are
    ``counts([i, j])`` (row-major) and ``q`` is ``expected[pair]`` (a model's probabilities of
    the pair's cells) or else the product of the 1-ways ``pᵢ⊗pⱼ``: one row moves it by at most 1."""
    out = np.empty(len(pairs))
    for k, (i, j) in enumerate(pairs):
        si, sj = sizes[i], sizes[j]
        exact = counts([i, j])
        q = expected[(i, j)] if expected is not None else np.outer(probs[i], probs[j]).ravel()
        out[k] = np.abs(exact - n_hat * q).sum() - math.sqrt(2 / math.pi) * noise_sd * si * sj
    return out


def kruskal_order(n_nodes: int, ranked: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The edges of a maximum spanning forest, taking ``ranked`` edges best first."""
    parent = list(range(n_nodes))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    chosen = []
    for i, j in ranked:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
            chosen.append((i, j))
    return chosen


def round_counts(m: np.ndarray, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integer counts per row of ``p`` (G x S probabilities) summing to ``m`` (G,): the floors
    of ``m·p``, and the remainder placed on distinct cells drawn with weights their fractional
    parts (Gumbel top-k, vectorised over the rows)."""
    m = np.asarray(m, dtype=np.int64)
    p = np.clip(np.asarray(p, dtype=float), 0.0, None)
    sums = p.sum(1, keepdims=True)
    p = np.where(sums > 0, p / np.where(sums > 0, sums, 1.0), 1.0 / p.shape[1])
    expected = m[:, None] * p
    base = np.floor(expected).astype(np.int64)
    rem = m - base.sum(1)
    frac = expected - base
    with np.errstate(divide="ignore"):
        keys = np.log(frac) - np.log(-np.log(rng.random(frac.shape)))
    order = np.argsort(-keys, axis=1, kind="stable")
    chosen = (np.arange(p.shape[1])[None, :] < rem[:, None]).astype(np.int64)
    extra = np.zeros_like(base)
    np.put_along_axis(extra, order, chosen, axis=1)
    return base + extra


def sample_tree(
    n: int, order: Iterable[int], given: Mapping[int, tuple[int, ...]], tables: Mapping[int, np.ndarray],
    sizes: Mapping[int, int], rng: np.random.Generator,
) -> dict[int, np.ndarray]:
    """Cells of ``n`` rows: each root (``given[node] == ()``) from its marginal, each other
    node from ``tables[node]`` (cells of the nodes it is given, row-major, x its own cells)
    given those nodes' cells; ``order`` lists every node after the nodes it is given."""
    out: dict[int, np.ndarray] = {}
    for node in order:
        cond = given[node]
        table = tables[node]
        if not cond:
            counts = round_counts(np.array([n]), table[None, :], rng)[0]
            out[node] = rng.permutation(np.repeat(np.arange(table.size, dtype=np.int64), counts))
            continue
        key = np.zeros(n, dtype=np.int64)
        for c in cond:
            key = key * sizes[c] + out[c]
        groups = np.bincount(key, minlength=table.shape[0])
        counts = round_counts(groups, table, rng)
        cells = np.repeat(np.tile(np.arange(table.shape[1], dtype=np.int64), table.shape[0]), counts.ravel())
        perm = rng.permutation(n)  # rows grouped by the conditioning cells, in random order within
        rows = perm[np.argsort(key[perm], kind="stable")]
        child = np.empty(n, dtype=np.int64)
        child[rows] = cells
        out[node] = child
    return out
