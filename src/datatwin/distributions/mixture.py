"""Point-mass mixture and binned empirical distributions: what real numeric data needs.

Likelihoods are taken with respect to counting measure on the point masses plus
Lebesgue (or counting, for integers) measure elsewhere, so a column that is 92 %
exact zeros is scored fairly against smooth families, which give a spike no mass.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from datatwin.distributions.base import (
    Distribution,
    DistributionError,
    merge_repeats,
    register,
)
from datatwin.distributions.categorical import check_probabilities

#: a value becomes a point mass when at least this share of rows holds it
MIN_POINT_SHARE = 0.05
#: ... and at least this many rows: a value held by fewer rows would be published
#: exactly in the model file (the usual disclosure-control threshold is 10)
MIN_POINT_COUNT = 10
MAX_POINTS = 10


def find_point_masses(
    values: np.ndarray, counts: np.ndarray, min_share: float = MIN_POINT_SHARE, min_count: int = MIN_POINT_COUNT
) -> np.ndarray:
    """Boolean mask over ``values`` (distinct) of those heavy enough to be point masses."""
    share = counts / counts.sum()
    mask = (share >= min_share) & (counts >= min_count)
    if mask.sum() > MAX_POINTS:
        keep = np.argsort(-share, kind="stable")[:MAX_POINTS]
        mask = np.zeros_like(mask)
        mask[keep] = True
    return mask


@register
@dataclasses.dataclass(frozen=True)
class PointMassMixtureDistribution(Distribution):
    """``points[i]`` with probability ``weights[i]``; otherwise a draw from ``rest``.

    Example: capital-gain in Adult is 92 % exact zeros plus a log-normal part.
    ``rest`` is null when the points carry all the mass.
    """

    name = "point_mass_mixture"
    kinds = ("continuous", "discrete")
    points: list
    weights: list
    rest: Distribution | None

    def _check(self) -> None:
        if not isinstance(self.points, list) or not isinstance(self.weights, list) or len(self.points) != len(self.weights):
            raise DistributionError("point_mass_mixture: 'points' and 'weights' must be lists of the same length")
        if not self.points:
            raise DistributionError("point_mass_mixture: needs at least one point")
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p) for p in self.points):
            raise DistributionError(f"point_mass_mixture: 'points' must be finite numbers. Got {self.points!r}.")
        w = np.asarray(self.weights, dtype=float)
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() > 1 + 1e-6:
            raise DistributionError(
                f"point_mass_mixture: 'weights' must be >= 0 and sum to at most 1. Got {self.weights!r}."
            )
        if self.rest is None:
            check_probabilities(self.name, "weights", self.weights)
        elif not isinstance(self.rest, Distribution):
            raise DistributionError("point_mass_mixture: 'rest' must be a distribution or null")

    @classmethod
    def _fit(cls, values, counts, criterion: str = "bic"):
        from datatwin.distributions.selection import select_distribution  # avoid an import cycle

        values, counts = merge_repeats(values, counts)
        mask = find_point_masses(values, counts)
        if not mask.any():
            raise DistributionError("point_mass_mixture: no value is frequent enough to be a point mass")
        n = counts.sum()
        points = [v.item() for v in values[mask]]
        weights = [float(c / n) for c in counts[mask]]
        rest = None
        if not mask.all():
            kind = "discrete" if values.dtype.kind in "iu" else "continuous"
            rest = select_distribution(values[~mask], counts[~mask], kind, criterion=criterion, composite=False).best
        else:
            weights = list(np.asarray(weights) / sum(weights))
        return cls(points, [float(w) for w in weights], rest)

    @property
    def n_parameters(self) -> int:
        return 2 * len(self.points) + (self.rest.n_parameters if self.rest is not None else -1)

    def _sample(self, n, rng):
        w = np.asarray(self.weights, dtype=float)
        rest_w = max(0.0, 1.0 - w.sum()) if self.rest is not None else 0.0
        probs = np.append(w, rest_w)
        cum = np.cumsum(probs)
        comp = np.searchsorted(cum / cum[-1], rng.random(n), side="right").clip(0, len(probs) - 1)
        points = np.asarray(self.points)
        is_rest = comp == len(self.points)
        if self.rest is None or not is_rest.any():
            return points[np.minimum(comp, len(points) - 1)]
        rest_values = self._sample_rest(int(is_rest.sum()), points, rng)
        out = np.empty(n, dtype=np.result_type(points.dtype, rest_values.dtype))
        out[~is_rest] = points[comp[~is_rest]]
        out[is_rest] = rest_values
        return out

    def _sample_rest(self, k: int, points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``k`` draws of the rest conditioned on missing the points (an integer rest can
        land on them): draw enough in one go for the expected losses, keep the misses."""
        mass = self._rest_mass_at_points()
        if mass <= 0:
            return self.rest._sample(k, rng)
        parts, need = [], k
        for _ in range(100):
            draws = self.rest._sample(int(need / max(1.0 - mass, 1e-3) * 1.05) + 16, rng)
            kept = draws[~np.isin(draws, points)][:need]
            parts.append(kept)
            need -= len(kept)
            if need == 0:
                return np.concatenate(parts)
        raise DistributionError("point_mass_mixture: the rest distribution almost never misses the points")

    def _log_likelihood(self, values, counts):
        points = np.asarray(self.points, dtype=float)
        at = np.isin(values.astype(float), points)
        ll = 0.0
        if at.any():
            idx = np.searchsorted(np.sort(points), values[at].astype(float))
            w = np.asarray(self.weights, dtype=float)[np.argsort(points)][idx]
            with np.errstate(divide="ignore"):
                ll += float(np.dot(counts[at], np.log(w)))
        if (~at).any():
            rest_w = 1.0 - float(np.sum(self.weights))
            if self.rest is None or rest_w <= 0:
                return -math.inf
            n_rest = float(counts[~at].sum())
            mass = self._rest_mass_at_points()
            if mass >= 1:
                return -math.inf
            ll += n_rest * (math.log(rest_w) - math.log1p(-mass)) + self.rest._log_likelihood(values[~at], counts[~at])
        return ll

    def _rest_mass_at_points(self) -> float:
        """P(rest lands on a point): what sampling redraws, so the rest is normalised
        without it. Zero for a rest with a density; whole points only for an integer rest."""
        if self.rest is None or "continuous" in self.rest.kinds:
            return 0.0
        whole = np.asarray([p for p in self.points if float(p).is_integer()], dtype=float)
        if not len(whole):
            return 0.0
        return float(sum(math.exp(self.rest._log_likelihood(whole[i : i + 1], np.ones(1))) for i in range(len(whole))))


@register
@dataclasses.dataclass(frozen=True)
class EmpiricalDistribution(Distribution):
    """Binned histogram: bin ``i`` spans ``bins[i] = [lo, hi]`` and carries ``probs[i]``;
    values are uniform within a bin (whole numbers only when ``integer``). A bin with
    ``lo == hi`` is a point mass. Opt-in: it releases the data's quantiles, minimum and
    maximum, in exchange for higher fidelity."""

    name = "empirical"
    kinds = ("continuous", "discrete")
    bins: list
    probs: list
    integer: bool

    DEFAULT_BINS = 20
    fit_is_maximum_likelihood = False  # bins are quantiles, only their masses are ML

    def _check(self) -> None:
        if not isinstance(self.bins, list) or not all(isinstance(b, list) and len(b) == 2 for b in self.bins):
            raise DistributionError("empirical: 'bins' must be a list of [lo, hi] pairs")
        if len(self.bins) != len(self.probs):
            raise DistributionError(f"empirical: {len(self.bins)} bins but {len(self.probs)} probs")
        b = np.asarray(self.bins, dtype=float)
        if not np.all(np.isfinite(b)) or np.any(b[:, 1] < b[:, 0]):
            raise DistributionError(f"empirical: every pair [lo, hi] in 'bins' needs finite lo <= hi. Got {self.bins!r}.")
        check_probabilities(self.name, "probs", self.probs)

    @classmethod
    def _fit(cls, values, counts, n_bins: int = DEFAULT_BINS):
        values, counts = merge_repeats(values, counts)
        order = np.argsort(values, kind="stable")
        v, c = values[order].astype(float), counts[order].astype(float)
        total = c.sum()
        integer = values.dtype.kind in "iu"
        atoms = (c / total >= 1.0 / n_bins) & (c >= MIN_POINT_COUNT)  # no exact value held by < 10 rows
        bins: list[list[float]] = [[x, x] for x in v[atoms]]
        masses = list(c[atoms])
        rv, rc = v[~atoms], c[~atoms]
        if len(rv):
            k = max(1, round(n_bins * rc.sum() / total))
            cum = np.cumsum(rc) / rc.sum()
            # weighted quantiles of the non-atom values; ties collapse to fewer bins
            edges = np.unique(np.concatenate([[rv[0]], rv[np.searchsorted(cum, np.arange(1, k) / k)], [rv[-1]]]))
            which = np.clip(np.searchsorted(edges, rv, side="right") - 1, 0, max(len(edges) - 2, 0))
            mass = np.bincount(which, weights=rc, minlength=max(len(edges) - 1, 1))
            if len(edges) == 1:
                bins.append([edges[0], edges[0]])
                masses.append(mass[0])
            else:
                for i in range(len(edges) - 1):  # loop over bins, not rows
                    lo, hi = edges[i], edges[i + 1]
                    if integer and i < len(edges) - 2:
                        hi = hi - 1
                    if mass[i] > 0:
                        bins.append([lo, hi])
                        masses.append(mass[i])
        order = np.argsort([b[0] for b in bins], kind="stable")
        m = np.asarray(masses)[order]
        conv = int if integer else float
        return cls([[conv(bins[i][0]), conv(bins[i][1])] for i in order], [float(x) for x in m / m.sum()], integer)

    @property
    def n_parameters(self) -> int:
        return 2 * len(self.bins)

    def _sample(self, n, rng):
        b = np.asarray(self.bins, dtype=float)
        cum = np.cumsum(self.probs)
        idx = np.searchsorted(cum / cum[-1], rng.random(n), side="right").clip(0, len(b) - 1)
        lo, hi = b[idx, 0], b[idx, 1]
        if self.integer:
            return np.floor(lo + rng.random(n) * (hi - lo + 1)).astype(np.int64)
        return lo + rng.random(n) * (hi - lo)

    def _log_likelihood(self, values, counts):
        # A point-mass bin may lie inside a range bin (a frequent value amid rarer ones),
        # so a value is not simply in "the last bin starting at or before it".
        b = np.asarray(self.bins, dtype=float)
        p = np.asarray(self.probs, dtype=float)
        x = values.astype(float)
        if self.integer:  # every bin uniform on its whole numbers, as sampled: add them up
            inside = (b[:, 0] <= x[:, None]) & (x[:, None] <= b[:, 1])
            prob = inside @ (p / (b[:, 1] - b[:, 0] + 1.0))
        else:  # point masses by value, densities elsewhere (the last range bin starting at or before x)
            atom = b[:, 0] == b[:, 1]
            prob = np.zeros(len(x))
            hit = np.zeros(len(x), dtype=bool)
            if atom.any():
                order = np.argsort(b[atom, 0])
                at, at_p = b[atom, 0][order], p[atom][order]
                pos = np.searchsorted(at, x).clip(0, len(at) - 1)
                hit = at[pos] == x
                prob[hit] = at_p[pos[hit]]
            if not atom.all():
                order = np.argsort(b[~atom, 0], kind="stable")
                ranges, range_p = b[~atom][order], p[~atom][order]
                idx = np.searchsorted(ranges[:, 0], x, side="right") - 1
                ok = ~hit & (idx >= 0) & (x <= ranges[np.maximum(idx, 0), 1])
                prob[ok] = range_p[idx[ok]] / (ranges[idx[ok], 1] - ranges[idx[ok], 0])
        with np.errstate(divide="ignore"):
            return float(np.dot(counts, np.log(prob)))
