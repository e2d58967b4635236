"""Point-mass mixture and binned empirical distributions: what real numeric data needs.

Likelihoods are taken with respect to counting measure on the point masses plus
Lebesgue (or counting, for integers) measure elsewhere, so a column that is 92 %
exact zeros is scored fairly against smooth families, which give a spike no mass.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from datatwin.distributions.base import (
    Distribution,
    DistributionError,
    merge_repeats,
    register,
)
from datatwin.distributions.categorical import check_probabilities
from datatwin.distributions.inversion import integer_ppf
from datatwin.distributions.lookup import count_cuts

#: a value becomes a point mass when at least this share of rows holds it
MIN_POINT_SHARE = 0.05
#: ... and at least this many rows: a value held by fewer rows would be published
#: exactly in the model file (the usual disclosure-control threshold is 10)
MIN_POINT_COUNT = 10
MAX_POINTS = 10


def whole_numbers(dist: Distribution) -> bool:
    """Does ``dist`` draw whole numbers only? The discrete families, and the families of both
    kinds (histogram, finite, empirical) fitted to whole numbers (their ``integer``)."""
    return "continuous" not in dist.kinds or bool(getattr(dist, "integer", False))


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
    def _fit(cls, values, counts, criterion: str = "bic", k: int = MIN_POINT_COUNT):
        from datatwin.distributions.selection import select_distribution  # avoid an import cycle

        values, counts = merge_repeats(values, counts)
        mask = find_point_masses(values, counts, min_count=max(MIN_POINT_COUNT, int(k)))
        if not mask.any():
            raise DistributionError("point_mass_mixture: no value is frequent enough to be a point mass")
        n = counts.sum()
        points = [v.item() for v in values[mask]]
        weights = [float(c / n) for c in counts[mask]]
        rest = None
        if not mask.all():
            kind = "discrete" if values.dtype.kind in "iu" else "continuous"
            rest = select_distribution(
                values[~mask], counts[~mask], kind, criterion=criterion, composite=False, literal_threshold=k
            ).best
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
        comp = count_cuts((cum / cum[-1])[:-1], rng.random(n))
        points = np.asarray(self.points)
        is_rest = comp == len(self.points)
        if self.rest is None or not is_rest.any():
            return points[np.minimum(comp, len(points) - 1)]
        rest_values = self._sample_rest(int(is_rest.sum()), points, rng)
        # every draw gathers a point (the rest's index a placeholder), then the rest is put in
        padded = np.append(points, points[:1]).astype(np.result_type(points.dtype, rest_values.dtype))
        out = padded[comp]
        np.place(out, is_rest, rest_values)
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

    def _logpdf(self, values):
        x = np.asarray(values).astype(float)
        points = np.asarray(self.points, dtype=float)
        order = np.argsort(points)
        sorted_points = points[order]
        pos = np.searchsorted(sorted_points, x).clip(0, len(points) - 1)
        at = sorted_points[pos] == x
        with np.errstate(divide="ignore"):
            logp = np.log(np.asarray(self.weights, dtype=float)[order][pos])
        if at.all():
            return logp
        rest_w = 1.0 - float(np.sum(self.weights))
        mass = self._rest_mass_at_points()
        if self.rest is None or rest_w <= 0 or mass >= 1:
            return np.where(at, logp, -np.inf)
        # the rest, normalised without the points it can land on (sampling redraws those)
        off = np.empty(len(x))
        off[~at] = (math.log(rest_w) - math.log1p(-mass)) + self.rest.logpdf(np.asarray(values)[~at])
        return np.where(at, logp, off)

    def _rest_mass_at_points(self) -> float:
        """P(rest lands on a point): what sampling redraws, so the rest is normalised
        without it. Zero for a rest with a density; whole points only for an integer rest."""
        if not self._integer_rest():
            return 0.0
        whole = np.asarray([p for p in self.points if float(p).is_integer()], dtype=float)
        if not len(whole):
            return 0.0
        return float(np.exp(self.rest.logpdf(whole)).sum())

    # -- cdf and ppf of what sampling produces ----------------------------------------------
    # With sorted points s_j, normalised weights w_j (sampling normalises by their sum and the
    # rest's share r) and the rest conditioned on missing the points, G(x) = (F(x) - M(x)) /
    # (1 - mass), M(x) the rest's mass at whole points <= x: cdf(x) = sum_{s_j <= x} w_j + r G(x).

    def _shares(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(sorted points, their normalised weights, the rest's normalised share)."""
        w = np.asarray(self.weights, dtype=float)
        rest_w = max(0.0, 1.0 - float(w.sum())) if self.rest is not None else 0.0
        total = float(w.sum()) + rest_w
        points = np.asarray(self.points, dtype=float)
        order = np.argsort(points, kind="stable")
        return points[order], w[order] / total, rest_w / total

    def _integer_rest(self) -> bool:
        return self.rest is not None and whole_numbers(self.rest)

    def _point_mass_below(self, x: np.ndarray, points: np.ndarray) -> np.ndarray:
        """M(x): the integer rest's mass at the whole points <= x (0 for a continuous rest)."""
        if not self._integer_rest():
            return np.zeros(len(x))
        whole = points[points == np.floor(points)]
        if not len(whole):
            return np.zeros(len(x))
        cum = np.concatenate([[0.0], np.cumsum(np.exp(self.rest.logpdf(whole)))])
        return cum[np.searchsorted(whole, x, side="right")]

    def _support(self):
        points = np.asarray(self.points, dtype=float)
        lo, hi = float(points.min()), float(points.max())
        if self.rest is not None:
            r_lo, r_hi = self.rest._support()
            lo, hi = min(lo, r_lo), max(hi, r_hi)
        return (lo, hi)

    def _cdf(self, x):
        x = np.asarray(x).astype(float)
        points, w, r = self._shares()
        cum_w = np.concatenate([[0.0], np.cumsum(w)])
        out = cum_w[np.searchsorted(points, x, side="right")]
        if r > 0:
            mass = self._rest_mass_at_points()
            rest = (self.rest._cdf(x) - self._point_mass_below(x, points)) / (1.0 - mass)
            out = out + r * np.clip(rest, 0.0, 1.0)
        return np.clip(out, 0.0, 1.0)

    def _ppf(self, q):
        return self._invert(q, self.rest._ppf if self.rest is not None else None, exact=True)

    def _from_uniforms(self, u: np.ndarray) -> np.ndarray | None:
        # ppf with the rest's own cheaper map and no exactness pass for whole numbers: the two
        # differ where u meets a jump of the cdf, a null set (3-4x cheaper on Adult's capital-gain)
        if self.rest is None:
            return self._invert(u, None, exact=False)
        rest = self.rest

        def rest_map(v: np.ndarray) -> np.ndarray:
            fast = rest._from_uniforms(v)
            return rest._ppf(v) if fast is None else np.asarray(fast)

        return self._invert(u, rest_map, exact=False)

    def _invert(self, q: np.ndarray, rest_map: Callable[[np.ndarray], np.ndarray] | None, exact: bool) -> np.ndarray:
        """Values at cdf levels ``q``: a point where q falls on its step, else the rest's value
        by ``rest_map`` (its ppf, or a map equal to it but on a null set); ``exact``: the
        smallest whole number with cdf >= q, exactly in floating point."""
        points, w, r = self._shares()
        m = len(points)
        cum_w = np.concatenate([[0.0], np.cumsum(w)])
        point_values = np.asarray(self.points)[np.argsort(np.asarray(self.points, dtype=float), kind="stable")]
        mass = self._rest_mass_at_points() if r > 0 else 0.0
        rest_at = np.zeros(m)
        if r > 0:
            rest_at = np.clip((self.rest._cdf(points) - self._point_mass_below(points, points)) / (1.0 - mass), 0, 1)
        below = cum_w[:-1] + r * rest_at  # the cdf just below each point
        above = cum_w[1:] + r * rest_at  # the cdf at each point
        if r <= 0:
            j = np.minimum(count_cuts(above, q, side="left"), m - 1)
            out = point_values[j]
        else:
            # q in (below[j], above[j]] is point j, else a rest value after k points: with the
            # steps' ends interleaved, the count of ends below q is odd on a step (2j + 1), even (2k) off
            ends = np.column_stack([below, above]).ravel()
            c = count_cuts(ends, q, side="left")
            out = point_values[np.minimum(c >> 1, m - 1)]
            idx = np.flatnonzero((c & 1) == 0)
            k = c[idx] >> 1
            prev = np.where(k > 0, points[np.maximum(k - 1, 0)], -np.inf)
            nxt = np.where(k < m, points[np.minimum(k, m - 1)], np.inf)
            # cdf(x) = cum_w[k] + r G(x) there, and F(x) = G(x) (1 - mass) + M(previous point)
            u = np.clip((q[idx] - cum_w[k]) / r, 0.0, 1.0)
            assert rest_map is not None
            out_rest = np.asarray(rest_map(np.clip(u * (1.0 - mass) + self._point_mass_below(prev, points), 0.0, 1.0)))
            if self._integer_rest():  # strictly between the neighbouring points
                prev, nxt = np.floor(prev) + 1, np.ceil(nxt) - 1
            out_rest = np.clip(out_rest, prev, nxt).astype(out_rest.dtype)
            dtype = np.result_type(point_values.dtype, out_rest.dtype)
            out = out.astype(dtype, copy=False)
            out[idx] = out_rest
        dtype = out.dtype
        if exact and self._integer_valued_here():  # exact in floating point: the smallest k with cdf(k) >= q
            return integer_ppf(self._cdf, q, self._support(), out.astype(float)).astype(dtype)
        return out

    def _whole_numbers(self) -> bool:
        return self._integer_valued_here()

    def _integer_valued_here(self) -> bool:
        """Whole-number values only: whole points and an integer rest (or none)."""
        points = np.asarray(self.points, dtype=float)
        return bool(np.all(points == np.floor(points))) and (self.rest is None or self._integer_rest())


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
        idx = count_cuts((cum / cum[-1])[:-1], rng.random(n))
        lo, hi = b[idx, 0], b[idx, 1]
        if self.integer:
            return np.floor(lo + rng.random(n) * (hi - lo + 1)).astype(np.int64)
        return lo + rng.random(n) * (hi - lo)

    def _logpdf(self, values):
        # A point-mass bin may lie inside a range bin (a frequent value amid rarer ones),
        # so a value is not simply in "the last bin starting at or before it".
        b = np.asarray(self.bins, dtype=float)
        p = np.asarray(self.probs, dtype=float)
        x = np.asarray(values).astype(float)
        if self.integer:  # every bin uniform on its whole numbers, as sampled: add them up
            inside = (b[:, 0] <= x[:, None]) & (x[:, None] <= b[:, 1])
            prob = np.where(x == np.floor(x), inside @ (p / (b[:, 1] - b[:, 0] + 1.0)), 0.0)
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
            return np.log(prob)

    # -- cdf and ppf: the mixture of the bins' uniform distributions, as sampled ----------------
    # Each bin's cdf is linear between the knots (the bins' ends; lo - 1 and hi for whole
    # numbers), so the cdf is exact by interpolation between its values at the knots, plus
    # the jumps of the point-mass bins of real numbers.

    def _support(self):
        b = np.asarray(self.bins, dtype=float)
        return (float(b[:, 0].min()), float(b[:, 1].max()))

    def _knots(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(knots, cdf of the range bins there, atom values, cumulative atom probabilities)."""
        b = np.asarray(self.bins, dtype=float)
        p = np.asarray(self.probs, dtype=float)
        p = p / p.sum()  # sampling normalises the probabilities
        if self.integer:
            lo, hi, width = b[:, 0] - 1.0, b[:, 1], b[:, 1] - b[:, 0] + 1.0
            atom = np.zeros(len(b), dtype=bool)
        else:
            lo, hi, width = b[:, 0], b[:, 1], b[:, 1] - b[:, 0]
            atom = width == 0
        knots = np.unique(np.concatenate([lo[~atom], hi[~atom]]))
        share = np.clip((knots[:, None] - lo[~atom]) / width[~atom], 0.0, 1.0)
        ranged = share @ p[~atom]
        order = np.argsort(b[atom, 0], kind="stable")
        return knots, ranged, b[atom, 0][order], np.cumsum(p[atom][order])

    def _cdf(self, x):
        x = np.asarray(x).astype(float)
        if self.integer:
            x = np.floor(x)
        knots, ranged, atoms, atom_cum = self._knots()
        out = np.zeros(len(x))
        if len(knots):
            out += np.interp(x, knots, ranged, left=0.0, right=float(ranged[-1]))
        if len(atoms):
            out += np.concatenate([[0.0], atom_cum])[np.searchsorted(atoms, x, side="right")]
        return np.clip(out, 0.0, 1.0)

    def _ppf(self, q):
        knots, _, atoms, atom_cum = self._knots()
        # the cdf is piecewise linear between the points where it bends or jumps: invert it there
        xs = np.unique(np.concatenate([knots, atoms]))
        right = self._cdf(xs)  # the cdf at each point
        jump = np.zeros(len(xs))
        if len(atoms):
            np.add.at(jump, np.searchsorted(xs, atoms), np.diff(np.concatenate([[0.0], atom_cum])))
        left = right - jump  # the cdf just below each point
        j = np.searchsorted(right, q, side="left").clip(0, len(xs) - 1)
        prev = np.maximum(j - 1, 0)
        slope_span = left[j] - right[prev]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(slope_span > 0, (q - right[prev]) / slope_span, 1.0)
        between = xs[prev] + np.clip(frac, 0.0, 1.0) * (xs[j] - xs[prev])
        out = np.where((q > left[j]) | (j == 0), xs[j], between)
        if self.integer:  # the smallest whole number with cdf(k) >= q
            return integer_ppf(self._cdf, q, self._support(), np.ceil(out))
        return out
