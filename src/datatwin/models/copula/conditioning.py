"""Conditional sampling in the Gaussian copula: condition the latent normal law.

Each condition becomes, on the latent axis of its column's dimensions, an interval per row
(from the marginal's cdf; a label: its slice; a continuous exact value: a point; present or
missing: a slice of the missing indicator). The conditioned dimensions are drawn from the
normal law truncated to those intervals (exactly for one interval given fixed points; by a
fixed number of vectorised Gibbs sweeps when several intervals interact), then every other
dimension from the conditional multivariate normal given them. No rejection: a rare label
costs what a common one does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from scipy import special

from datatwin.constraints.conditions import ColumnCondition, Conditions, _to_dist, cdf_interval
from datatwin.models.columns import ColumnModel
from datatwin.models.copula.margins import Dimension, GroupAxis, Levels, just_below, margin_for
from datatwin.models.independent import literal_series, pick, set_weights

#: Gibbs sweeps when several conditioned dimensions are intervals
GIBBS_SWEEPS = 12
#: latent bounds are clipped here (probabilities within 1e-15 of 0 or 1)
LATENT_LIMIT = 8.0


def truncated_normal(mu: np.ndarray, sd: np.ndarray | float, lo: np.ndarray, hi: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draws of N(mu, sd²) truncated to [lo, hi] by inversion of uniforms ``u`` in (0, 1),
    stable in either tail (the upper tail is drawn as the mirrored lower tail)."""
    sd = np.maximum(sd, 1e-12)
    a, b = (lo - mu) / sd, (hi - mu) / sd
    flip = a > 0
    a2, b2 = np.where(flip, -b, a), np.where(flip, -a, b)
    pa, pb = special.ndtr(a2), special.ndtr(b2)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = special.ndtri(pa + u * (pb - pa))
    bad = ~np.isfinite(x) | (pb - pa <= 0)
    x = np.where(bad, np.where(np.isfinite(a2), a2, b2), x)
    x = np.clip(x, a2, b2)
    x = np.where(flip, -x, x)
    return np.clip(mu + sd * x, lo, hi)


def _slices(margin: Levels) -> tuple[np.ndarray, np.ndarray]:
    cuts = np.clip(margin.cuts, -LATENT_LIMIT, LATENT_LIMIT)
    return np.concatenate([[-np.inf], cuts]), np.concatenate([cuts, [np.inf]])


class _Plan:
    """Per-row latent intervals of the conditioned dimensions, and what to write in the
    conditioned columns afterwards."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.bounds: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.values: dict[str, pl.Series] = {}  # columns whose values are given
        self.missing: dict[str, np.ndarray] = {}  # forced missing masks
        self.ranges: dict[str, ColumnCondition] = {}


def _rows_of(cond: ColumnCondition, col: ColumnModel, n: int, rng: np.random.Generator) -> pl.Series | None:
    """The given value of every row (nulls: missing) for value/rows/set conditions; None for ranges."""
    if cond.how == "value":
        return pl.Series(cond.column, [cond.value] * n, strict=False)
    if cond.how == "rows":
        return cond.rows
    if cond.how == "set":
        index = pick(cond.values, set_weights(col, cond), n, rng)
        return pl.Series(cond.column, [cond.values[i] for i in range(len(cond.values))], strict=False).gather(
            pl.Series(index.astype(np.uint32)))
    return None


def plan(
    dims: Sequence[Dimension], columns: Mapping[str, ColumnModel], conditions: Conditions, n: int, rng: np.random.Generator
) -> _Plan:
    """Latent intervals for every dimension of a conditioned column."""
    out = _Plan(n)
    index = {(d.column, d.missing): j for j, d in enumerate(dims) if d.part is None}
    for cond in conditions.columns:
        col = columns[cond.column]
        given = _rows_of(cond, col, n, rng)
        if given is None:  # a range: present, value within the cdf interval
            present = np.ones(n, dtype=bool)
            out.ranges[col.name] = cond
        else:
            present = given.is_not_null().to_numpy()
            out.values[col.name] = literal_series(col, given) if col.distribution is not None else given
        out.missing[col.name] = ~present
        j = index.get((col.name, True))
        if j is not None:
            lo_s, hi_s = _slices(margin_for(dims[j], col))  # type: ignore[arg-type]
            out.bounds[j] = (np.where(present, lo_s[1], lo_s[0]), np.where(present, hi_s[1], hi_s[0]))
        j = index.get((col.name, False))
        if j is None:
            continue
        lo, hi = np.full(n, -np.inf), np.full(n, np.inf)
        margin = margin_for(dims[j], col)
        if given is None:
            a, b = cdf_interval(col, cond)
            lo[:], hi[:] = special.ndtri(float(a)), special.ndtri(float(b))
        elif isinstance(margin, Levels):
            labels = list(dims[j].order) if dims[j].order is not None else [False, True]
            position = {label: k for k, label in enumerate(labels)}
            values = given.to_list()
            pos = np.array([position.get(v, -1) if v is not None else -1 for v in values], dtype=np.int64)
            has = pos >= 0
            if isinstance(margin, GroupAxis):  # the label's group, then its slice of that group's axis
                group = np.where(has, margin.group_of[np.maximum(pos, 0)], -1)
                lo_s, hi_s = _slices(margin)
                lo[has], hi[has] = lo_s[group[has]], hi_s[group[has]]
                for k, other in enumerate(dims):
                    if other.column == col.name and other.part is not None:
                        within = margin_for(other, col)
                        lo_w, hi_w = _slices(within)  # type: ignore[arg-type]
                        rows = group == other.part
                        at = pos[rows] - within.start  # type: ignore[attr-defined]
                        lo_k, hi_k = np.full(n, -np.inf), np.full(n, np.inf)
                        lo_k[rows], hi_k[rows] = lo_w[at], hi_w[at]
                        out.bounds[k] = (np.clip(lo_k, -LATENT_LIMIT, LATENT_LIMIT), np.clip(hi_k, -LATENT_LIMIT, LATENT_LIMIT))
            else:
                lo_s, hi_s = _slices(margin)
                lo[has], hi[has] = lo_s[pos[has]], hi_s[pos[has]]
        else:
            has = present
            if has.any():
                v = given.filter(pl.Series(has))
                raw = _dist_values(col, v)
                a = np.asarray(col.distribution.cdf(just_below(raw)), dtype=float)
                b = np.asarray(col.distribution.cdf(raw), dtype=float)
                if col.kind == "continuous":
                    a = b
                lo[has], hi[has] = special.ndtri(a), special.ndtri(b)
        out.bounds[j] = (np.clip(lo, -LATENT_LIMIT, LATENT_LIMIT), np.clip(hi, -LATENT_LIMIT, LATENT_LIMIT))
    return out


def _dist_values(col: ColumnModel, values: pl.Series) -> np.ndarray:
    if col.kind in ("date", "datetime", "time"):
        return np.array([_to_dist(col, v) for v in values.to_list()])
    return values.cast(pl.Float64).to_numpy() if col.kind == "continuous" else values.cast(pl.Int64).to_numpy()


def draw_latent(corr: np.ndarray, bounds: Mapping[int, tuple[np.ndarray, np.ndarray]], n: int, rng: np.random.Generator) -> np.ndarray:
    """Latent rows (d x n) from N(0, corr) with dimension j inside ``bounds[j]`` row by row."""
    d = corr.shape[0]
    cond = sorted(bounds)
    free = [j for j in range(d) if j not in bounds]
    w = np.zeros((d, n))
    for j in cond:  # start from each interval's own truncated marginal
        lo, hi = bounds[j]
        w[j] = truncated_normal(np.zeros(n), 1.0, lo, hi, rng.random(n))
    intervals = [j for j in cond if not np.array_equal(bounds[j][0], bounds[j][1])]
    sweeps = 0 if not intervals else (1 if len(intervals) == 1 else GIBBS_SWEEPS)
    sub = corr[np.ix_(cond, cond)]
    if sweeps > 1 and np.allclose(sub, np.eye(len(cond)), rtol=0.0, atol=1e-12):
        # uncorrelated conditioned axes (a label in groups: its group axis and its axis within
        # the group, held independent): the truncated marginals drawn above are the joint law
        sweeps = 0
    for _ in range(sweeps):
        for j in intervals:
            others = [k for k in cond if k != j]
            if not others:
                continue
            s_oo = corr[np.ix_(others, others)]
            coef = np.linalg.solve(s_oo, corr[others, j])
            var = max(1.0 - float(corr[j, others] @ coef), 1e-10)
            lo, hi = bounds[j]
            w[j] = truncated_normal(coef @ w[others], np.sqrt(var), lo, hi, rng.random(n))
    if free:
        if cond:
            s_cc = corr[np.ix_(cond, cond)]
            s_fc = corr[np.ix_(free, cond)]
            coef = np.linalg.solve(s_cc, s_fc.T).T  # |free| x |cond|
            cov = corr[np.ix_(free, free)] - coef @ s_fc.T
            mean = coef @ w[cond]
        else:
            cov, mean = corr[np.ix_(free, free)], np.zeros((len(free), n))
        cov = (cov + cov.T) / 2 + 1e-10 * np.eye(len(free))
        chol = np.linalg.cholesky(cov)
        w[free] = mean + chol @ rng.standard_normal((len(free), n))
    return w


def condition_outputs(plan_: _Plan, col: ColumnModel, series: pl.Series) -> pl.Series:
    """A conditioned column's output: the given values, or range draws clipped to the range."""
    if col.name in plan_.values:
        return plan_.values[col.name].alias(col.name)
    cond = plan_.ranges.get(col.name)
    if cond is not None and col.kind in ("continuous", "discrete") and col.text_format is None:
        return series.clip(cond.low, cond.high)
    return series

