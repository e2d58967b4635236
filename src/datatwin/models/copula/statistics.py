"""What the copula measures about the real rows, and the same statistics on latent draws.

Two statistics, both sums over rows of each row's normal scores (so a privacy session can
bound one row's influence and add noise to them):

- **score moments**: Σ sₐ s_b (a < b), Σ sₐ and Σ sₐ² over the D dimensions, from which the
  Pearson correlation of the scores follows (:func:`correlation_from_sums`);
- **label profiles**: for each categorical dimension with three or more labels, Σ of the
  other dimensions' scores over the rows holding each label, from which the copula orders
  the labels along the first principal component of their mean profiles
  (:func:`order_labels`), so that the latent order can express the association.

Each row's score vector is clipped to Euclidean norm ``row_bound(D)`` first (on real and
synthetic rows alike, so both statistics mean the same thing); that bound is what the
sensitivities below are computed from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse, stats

from datatwin.models.columns import ColumnModel
from datatwin.models.copula.margins import Dimension, Levels, Margin, Ordered
from datatwin.prepare import PreparedTable

#: ridge added to the score correlation before whitening (ordering labels)
RIDGE = 0.05
#: a categorical column keeps one axis when another dimension's correlation ratio given its
#: labels reaches this (education recodes education-num: 0.9; other Adult columns 0.04-0.44)
ONE_AXIS_ETA = 0.75
#: ... and when its second canonical correlation is below this share of the first: one direction
#: of association, which one ordered axis expresses best (an ordinal grade that follows a number:
#: 0.2; Adult's workclass, marital status, occupation, relationship, race and country: 0.57-0.74)
SECOND_DIRECTION = 0.4
#: rows whose score vector is longer than the chi-square quantile at this level are shrunk to it
ROW_BOUND_LEVEL = 0.5


def row_bound(d: int) -> float:
    """The Euclidean norm every row's score vector is clipped to."""
    return math.sqrt(float(stats.chi2.ppf(ROW_BOUND_LEVEL, max(d, 1))))


def clip_rows(x: np.ndarray) -> np.ndarray:
    """Shrink rows whose norm exceeds :func:`row_bound` onto it (in place; returns ``x``)."""
    if x.size == 0:
        return x
    bound = row_bound(x.shape[1])
    norm = np.sqrt(np.einsum("ij,ij->i", x, x))
    long = norm > bound
    if long.any():
        x[long] *= (bound / norm[long])[:, None]
    return x


# -- scores of the real rows -------------------------------------------------------
def data_scores(
    dims: Sequence[Dimension], margins: Sequence[Margin], table: PreparedTable, columns: dict[str, ColumnModel]
) -> np.ndarray:
    """The (rows x D) normal scores of the real rows, rows clipped (see the module docstring)."""
    n = len(table.columns[0].series) if table.columns else 0
    out = np.zeros((n, len(dims)))
    for j, (dim, margin) in enumerate(zip(dims, margins)):
        prepared = table.column(dim.column)
        present = prepared.present
        if dim.missing:
            assert isinstance(margin, Levels)
            out[:, j] = np.where(present, margin.scores[1], margin.scores[0])
            continue
        codes = prepared.codes
        distinct = distinct_scores(margin, columns[dim.column], prepared.values)
        out[:, j] = np.where(codes >= 0, distinct[np.maximum(codes, 0)], 0.0) if len(distinct) else 0.0
    return clip_rows(out)


def distinct_scores(margin: Margin, col: ColumnModel, values: np.ndarray) -> np.ndarray:
    """The score of each distinct real value under the released marginal.

    A categorical label the marginal does not publish (merged into the rare-label bucket)
    takes the bucket's score; one with no stand-in scores 0 (the centre)."""
    if len(values) == 0:
        return np.zeros(0)
    if isinstance(margin, Ordered):
        return margin.value_scores(values)
    assert isinstance(margin, Levels)
    if col.kind == "boolean":
        return np.where(values.astype(bool), margin.scores[1], margin.scores[0])
    order = margin.dimension.order if margin.dimension.order is not None else tuple(col.distribution.labels)
    position = {label: i for i, label in enumerate(order)}
    bucket = (col.rare_labels or {}).get("into")
    fallback = position.get(bucket)
    idx = [position.get(v, fallback) for v in values.tolist()]
    scores = margin.label_scores
    return np.array([scores[i] if i is not None else 0.0 for i in idx])


# -- score moments -> correlation ---------------------------------------------------
def moment_sums(x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Σ sₐ s_b (a < b, row-major upper triangle), then Σ sₐ, then Σ sₐ² over rows."""
    wx = x if weights is None else x * weights[:, None]
    gram = x.T @ wx
    upper = np.triu_indices(x.shape[1], 1)
    return np.concatenate([gram[upper], wx.sum(0), np.diag(gram)])


def moment_sensitivity(d: int) -> tuple[float, float]:
    """(L1, L2) change of :func:`moment_sums` when one row (norm <= row_bound) is added or removed."""
    c = row_bound(d)
    l2 = math.sqrt(c**4 + c**2)
    l1 = (d - 1) * c * c / 2 + math.sqrt(d) * c + c * c
    return l1, l2


def correlation_from_sums(sums: np.ndarray, d: int, n: float, noise_sd: float = 0.0) -> np.ndarray:
    """The Pearson correlation matrix of the scores from :func:`moment_sums` over ``n`` rows.

    ``noise_sd`` is the standard deviation of the noise on each released sum (0: exact).
    A dimension whose variance is not clearly above what noise alone gives (a missing
    indicator of a column with no missing value, say) is uncorrelated with every other;
    every correlation within twice its noise is set to 0 and larger ones shrunk less the
    larger they are (a non-negative garrote), so noise does not become dependence. Noisy sums give a symmetric matrix with unit diagonal, not
    necessarily definite."""
    n = max(float(n), 1.0)
    k = d * (d - 1) // 2
    cross, first, second = sums[:k] / n, sums[k : k + d] / n, sums[k + d :] / n
    var = second - first**2
    floor = 1e-9 + 3.0 * noise_sd / n
    informative = var > floor
    var = np.maximum(var, floor)
    r = np.eye(d)
    upper = np.triu_indices(d, 1)
    sd = np.sqrt(var[upper[0]] * var[upper[1]])
    cov = cross - first[upper[0]] * first[upper[1]]
    value = np.clip(cov / sd, -1.0, 1.0)
    if noise_sd > 0:
        noise = noise_sd / n / sd
        # non-negative garrote: zero within twice the noise, nearly unbiased well beyond it
        # (soft thresholding would take 2·noise off a near-deterministic pair too)
        value = value * np.maximum(1.0 - (2.0 * noise / np.maximum(np.abs(value), 1e-12)) ** 2, 0.0)
    value = np.where(informative[upper[0]] & informative[upper[1]], value, 0.0)
    r[upper] = value
    r[(upper[1], upper[0])] = r[upper]
    return r


def score_correlation(x: np.ndarray) -> np.ndarray:
    """Pearson correlation of the columns of ``x`` (as :func:`correlation_from_sums` computes it)."""
    return correlation_from_sums(moment_sums(x), x.shape[1], float(x.shape[0]))


def two_level_counts(x: np.ndarray, two: Sequence[bool], middle: Sequence[float],
                     weights: np.ndarray | None = None) -> np.ndarray:
    """For each pair a < b (upper triangle order) of two-level dimensions (``two``; a score
    above ``middle`` is the upper level): the four cells of their 2 x 2 table (both upper, a
    only, b only, neither), counted in rows (``weights``: how many each row stands for); zeros
    for other pairs. Sums over rows, so batches of rows add up (:func:`smallest_cells`). One
    product of the levels' indicator matrix gives every pair at once (exact: 0/1 times whole
    weights)."""
    d = len(two)
    upper = np.triu_indices(d, 1)
    out = np.zeros((len(upper[0]), 4))
    which = [j for j in range(d) if two[j]]
    if len(which) < 2:
        return out.ravel()
    high = (x[:, which] > np.asarray([middle[j] for j in which])).astype(float)
    weighted = high if weights is None else high * np.asarray(weights, dtype=float)[:, None]
    both = high.T @ weighted
    ones = weighted.sum(0)
    total = float(len(x)) if weights is None else float(np.sum(weights))
    at = {j: k for k, j in enumerate(which)}
    for k, (a, b) in enumerate(zip(*upper)):
        if two[a] and two[b]:
            i, j = at[a], at[b]
            out[k] = [both[i, j], ones[i] - both[i, j], ones[j] - both[i, j], total - ones[i] - ones[j] + both[i, j]]
    return out.ravel()


def smallest_cells(counts: np.ndarray, two: Sequence[bool]) -> np.ndarray:
    """For each pair a < b: the smallest cell of their 2 x 2 table when both dimensions have
    two levels (a correlation and the two shares then fix that table), else infinity. What
    disclosure control checks against k."""
    d = len(two)
    upper = np.triu_indices(d, 1)
    both = np.array([two[a] and two[b] for a, b in zip(*upper)], dtype=bool)
    smallest = np.asarray(counts, dtype=float).reshape(-1, 4).min(axis=1) if len(upper[0]) else np.zeros(0)
    return np.where(both, smallest, np.inf)


class MomentStatistic:
    """The score moments (:func:`moment_sums`) and the 2 x 2 tables of two-level pairs
    (:func:`two_level_counts`) of a score matrix, concatenated: a sum over rows."""

    def __init__(self, two: Sequence[bool], middle: Sequence[float]) -> None:
        self.two, self.middle = list(two), list(middle)

    def size(self, d: int) -> int:
        return d * (d - 1) // 2 + 2 * d + 4 * (d * (d - 1) // 2)

    def __call__(self, x: np.ndarray, codes: Mapping[str, np.ndarray], weights: np.ndarray | None) -> np.ndarray:
        return np.concatenate([moment_sums(x, weights), two_level_counts(x, self.two, self.middle, weights)])


class ProfileStatistic:
    """The label profiles (:func:`profile_sums`) of the profiled dimensions, then how many rows
    hold each label: a sum over rows. ``levels[j]`` is the column, a lookup of its codes'
    label positions (-1 for none, the last entry for a missing value) and the number of labels;
    ``over``: the dimensions to profile over, clipped on their own (default: all)."""

    def __init__(self, levels: Mapping[int, tuple[str, np.ndarray, int]], over: Sequence[int] | None) -> None:
        self.levels = dict(levels)
        self.over = None if over is None else list(over)

    def size(self, d: int) -> int:
        return sum(n for _, _, n in self.levels.values()) * (d + 1)

    def __call__(self, x: np.ndarray, codes: Mapping[str, np.ndarray], weights: np.ndarray | None) -> np.ndarray:
        scores = x if self.over is None else clip_rows(x[:, self.over].copy())
        positions = {j: (np.asarray(lookup)[codes[column]], n) for j, (column, lookup, n) in self.levels.items()}
        counts = [np.bincount(pos[pos >= 0], weights=None if weights is None else weights[pos >= 0], minlength=n)
                  .astype(float) for _, (pos, n) in sorted(positions.items())]
        return np.concatenate([profile_sums(scores, positions, weights), *counts])


# -- label profiles -> orders ------------------------------------------------------
def profile_dimensions(dims: Sequence[Dimension], margins: Sequence[Margin]) -> list[int]:
    """Indices of the categorical dimensions whose label order matters (three or more labels)."""
    return [j for j, (d, m) in enumerate(zip(dims, margins))
            if d.order is not None and d.part is None and len(d.order) >= 3]


def profile_sums(
    x: np.ndarray, levels: dict[int, tuple[np.ndarray, int]], weights: np.ndarray | None = None
) -> np.ndarray:
    """For each profiled dimension j (``levels[j]``: each row's label index, -1 if none, and
    the number of labels), the (labels x D) sums of all scores over the rows of each label,
    flattened and concatenated in the order of j."""
    parts = []
    n = len(x)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    rows = np.arange(n)
    for _, (lab, n_labels) in sorted(levels.items()):
        ok = lab >= 0
        # a sparse (labels x rows) indicator times the scores: one pass over the rows
        member = sparse.csr_matrix((w[ok], (lab[ok], rows[ok])), shape=(n_labels, n))
        parts.append(np.asarray(member @ x).ravel())
    return np.concatenate(parts) if parts else np.zeros(0)


def profile_sensitivity(d: int, m: int) -> tuple[float, float]:
    """(L1, L2) change of :func:`profile_sums` for one row: one label row per profiled dimension."""
    c = row_bound(d)
    return m * math.sqrt(d) * c, math.sqrt(m) * c


def order_labels(
    profile: np.ndarray, counts: np.ndarray, exclude: Sequence[int], correlation: np.ndarray | None = None,
    noise_sd: float = 0.0,
) -> np.ndarray:
    """The label order under which the column's score correlates best with the other dimensions.

    The first canonical variate of the labels (one-hot) against the other dimensions'
    scores: label scores ``a`` maximising corr(label score, any linear combination of the
    others), from ``profile`` — (labels x D) sums of the scores over each label's rows —,
    ``counts`` (rows per label, released) and the score ``correlation`` of the dimensions
    (whitening; None: treated as uncorrelated). ``exclude`` are the column's own dimensions;
    ``noise_sd``: the noise on each released profile sum (see :func:`shrink_profile`).
    Returns the permutation that sorts the labels by ``a`` (empty labels keep their place).
    """
    positions, n, _ = canonical_positions(profile, counts, exclude, correlation, noise_sd)
    if positions is None:
        return np.arange(len(counts))
    return np.argsort(np.where(n > 0, positions[:, 0], 0.0), kind="stable")


def shrink_profile(centred: np.ndarray, n: np.ndarray, noise_sd: float) -> np.ndarray:
    """Noisy centred profile sums (labels x dimensions) shrunk towards 0, label by label.

    A label's mean profile ``centred / n`` carries noise of variance ``noise_sd² / n²``: for a
    small label that swamps its signal, and the canonical positions would throw it to an end
    of the axis at random. Each label's row is multiplied by ``τ² / (τ² + noise_sd² / n²)``
    (the posterior mean under a normal prior of variance τ² on its mean profile, τ² estimated
    from the labels themselves by moments), so a label the noise hides sits near the centre —
    where a misplaced label costs least. Post-processing of released values only."""
    if noise_sd <= 0 or centred.size == 0:
        return centred
    m = np.where(n > 0, n, 1.0)
    noise_var = noise_sd**2 / m**2
    means_sq = (centred / m[:, None]) ** 2
    # method of moments, weighted by n² (∝ each label's precision: a small label's noise, however
    # extreme, must not inflate the spread it is then judged against)
    w = n**2
    tau2 = max(float(np.sum(w[:, None] * (means_sq - noise_var[:, None])) / max(w.sum() * centred.shape[1], 1.0)), 1e-6)
    factor = np.where(n > 0, tau2 / (tau2 + noise_var), 0.0)
    return centred * factor[:, None]


def canonical_positions(
    profile: np.ndarray, counts: np.ndarray, exclude: Sequence[int], correlation: np.ndarray | None = None,
    noise_sd: float = 0.0,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Each label's position on the first two canonical variates (labels x 2; None when
    there is nothing to relate to), the label counts (see :func:`order_labels`) and the
    first two canonical correlations."""
    keep = np.setdiff1d(np.arange(profile.shape[1]), np.asarray(exclude, dtype=int))
    n = np.maximum(np.asarray(counts, dtype=float), 0.0)
    if len(keep) == 0 or n.sum() <= 0:
        return None, n, np.zeros(2)
    p = profile[:, keep]
    centred = shrink_profile(p - np.outer(n, p.sum(0) / n.sum()), n, noise_sd)  # cross-products about the means
    s = np.eye(len(keep)) if correlation is None else np.asarray(correlation, dtype=float)[np.ix_(keep, keep)]
    # a ridge keeps the whitening stable under noise and near-collinear dimensions
    w, v = np.linalg.eigh((s + s.T) / 2 + RIDGE * np.eye(len(keep)))
    inv_sqrt = (v / np.sqrt(np.maximum(w, RIDGE))) @ v.T
    root_n = np.sqrt(np.where(n > 0, n, 1.0))
    k = (centred / root_n[:, None]) @ inv_sqrt / math.sqrt(n.sum())
    u, sv, _ = np.linalg.svd(k, full_matrices=False)
    if u.shape[1] < 2:
        u, sv = np.column_stack([u, np.zeros(len(u))]), np.concatenate([sv, [0.0]])
    return np.where(n[:, None] > 0, u[:, :2] / root_n[:, None], 0.0), n, sv[:2]


def group_labels(
    profile: np.ndarray, counts: np.ndarray, exclude: Sequence[int], n_groups: int,
    correlation: np.ndarray | None = None,
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Labels in groups: split into ``n_groups`` consecutive groups along the first canonical
    variate (where the groups' weighted spread is smallest), each group ordered along its own
    first canonical variate. A column with one direction of association (second canonical
    correlation below ``SECOND_DIRECTION`` of the first) or that recodes one other dimension
    (:func:`determined_by_one` at least ``ONE_AXIS_ETA``) keeps one axis: a single group. Returns the permutation (groups
    consecutive) and the group sizes."""
    positions, n, sv = canonical_positions(profile, counts, exclude, correlation)
    k = len(counts)
    if positions is None or k < 2:
        return np.arange(k), (k,)
    first = np.where(n > 0, positions[:, 0], 0.0)
    if sv[1] < SECOND_DIRECTION * sv[0] or determined_by_one(profile, n, exclude) >= ONE_AXIS_ETA:
        return np.argsort(first, kind="stable"), (k,)
    by_first = np.argsort(first, kind="stable")
    sizes = _split_1d(first[by_first], n[by_first], min(n_groups, k))
    perm, start = [], 0
    for size in sizes:
        block = by_first[start : start + size]
        start += size
        own, own_n, _ = (canonical_positions(profile[block], counts[block], exclude, correlation) if size >= 3
                         else (None, n, None))
        key = first[block] if own is None else np.where(own_n > 0, own[:, 0], 0.0)
        perm.extend(block[np.argsort(key, kind="stable")])
    return np.asarray(perm, dtype=np.int64), tuple(sizes)


def determined_by_one(profile: np.ndarray, counts: np.ndarray, exclude: Sequence[int]) -> float:
    """The largest correlation ratio η² of another dimension's scores given the labels (scores
    taken as of unit variance): near 1 when the column recodes one other dimension (education
    and education-num), which one ordered axis expresses and a second axis would blur."""
    keep = np.setdiff1d(np.arange(profile.shape[1]), np.asarray(exclude, dtype=int))
    n = np.maximum(np.asarray(counts, dtype=float), 0.0)
    if len(keep) == 0 or n.sum() <= 0:
        return 0.0
    p = profile[:, keep]
    mean = p.sum(0) / n.sum()
    label_means = np.where(n[:, None] > 0, p / np.where(n > 0, n, 1.0)[:, None], mean)
    between = (n[:, None] * (label_means - mean) ** 2).sum(0) / n.sum()
    return float(np.max(between))


def _split_1d(x: np.ndarray, w: np.ndarray, g: int) -> list[int]:
    """Sizes of ``g`` consecutive blocks of sorted ``x`` (weights ``w``) with the least
    within-block weighted sum of squares (exact dynamic programme; a few dozen labels)."""
    k = len(x)
    w = np.maximum(w, 1e-12)
    cw, cx, cxx = (np.concatenate([[0.0], np.cumsum(a)]) for a in (w, w * x, w * x * x))

    def cost(i: int, j: int) -> float:  # block x[i:j]
        sw = cw[j] - cw[i]
        return float(cxx[j] - cxx[i] - (cx[j] - cx[i]) ** 2 / sw)

    best = np.full((g + 1, k + 1), np.inf)
    cut = np.zeros((g + 1, k + 1), dtype=np.int64)
    best[0, 0] = 0.0
    for m in range(1, g + 1):
        for j in range(m, k + 1):
            for i in range(m - 1, j):
                c = best[m - 1, i] + cost(i, j)
                if c < best[m, j]:
                    best[m, j], cut[m, j] = c, i
    sizes, j = [], k
    for m in range(g, 0, -1):
        i = int(cut[m, j])
        sizes.append(j - i)
        j = i
    return sizes[::-1]
