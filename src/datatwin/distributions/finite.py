"""A number column over its observed values: Likert items, scores, counts of children, years.

``finite`` keeps the column's own values (whole numbers stay whole, the dtype is kept) with
their shares, and publishes only values that at least ``k`` rows hold: the rows of a rarer
value are merged into the nearest value that k rows hold (a neighbour on the number line,
never a new label), as output checking recodes small cells. Chosen by a rule, not by the
information criterion (see :mod:`datatwin.prepare.kinds`): for a column with a handful of
distinct values (or of years) it is what a data steward expects, and every other family
only approximates it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from datatwin.distributions.base import Distribution, DistributionError, merge_repeats, register
from datatwin.distributions.categorical import check_probabilities
from datatwin.distributions.histogram import DEFAULT_K
from datatwin.distributions.lookup import count_cuts

__all__ = ["FiniteDistribution", "merge_rare_values"]


def merge_rare_values(values: np.ndarray, counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct sorted ``values`` with their row counts, the rows of every value held by fewer
    than ``k`` rows moved to the nearest value that at least k rows hold (the lower one on a
    tie). Raises DistributionError when no value has k rows.

    >>> merge_rare_values(np.array([1, 2, 3, 9]), np.array([40, 3, 25, 2]), 10)
    (array([1, 3]), array([43., 27.]))
    """
    frequent = counts >= k
    if not frequent.any():
        raise DistributionError(f"finite: no value is held by k={k} rows, so none can be published")
    if frequent.all():
        return values, counts.astype(float)
    keep = np.flatnonzero(frequent)
    x = values.astype(float)
    pos = np.searchsorted(x[keep], x)  # the first frequent value at or above each value
    left = keep[np.clip(pos - 1, 0, len(keep) - 1)]
    right = keep[np.clip(pos, 0, len(keep) - 1)]
    to = np.where(np.abs(x - x[left]) <= np.abs(x[right] - x), left, right)
    to = np.where(frequent, np.arange(len(x)), to)
    merged = np.bincount(to, weights=counts.astype(float), minlength=len(x))
    return values[keep], merged[keep]


@register
@dataclasses.dataclass(frozen=True)
class FiniteDistribution(Distribution):
    """``values[i]`` with probability ``probs[i]``: a column of numbers over its observed
    values (``integer``: whole numbers, drawn as int64). The values are sorted, so the
    distribution has an order and a quantile function."""

    name = "finite"
    kinds = ("continuous", "discrete")
    values: list
    probs: list
    integer: bool

    def _check(self) -> None:
        if not isinstance(self.values, list) or not self.values:
            raise DistributionError("finite: 'values' must be a non-empty list of numbers")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values):
            raise DistributionError(f"finite: 'values' must be numbers. Got {self.values[:5]!r}...")
        v = np.asarray(self.values, dtype=float)
        if not np.all(np.isfinite(v)) or np.any(np.diff(v) <= 0):
            raise DistributionError("finite: 'values' must be finite and strictly increasing")
        if self.integer and not np.all(v == np.floor(v)):
            raise DistributionError("finite: with 'integer', 'values' must be whole numbers")
        if not isinstance(self.probs, list) or len(self.probs) != len(self.values):
            raise DistributionError(f"finite: 'values' has {len(self.values)} entries but 'probs' has "
                                    f"{len(self.probs) if isinstance(self.probs, list) else self.probs!r}")
        check_probabilities(self.name, "probs", self.probs)

    @classmethod
    def _fit(cls, values, counts, k: int = DEFAULT_K):
        values, counts = merge_repeats(values, counts)
        if values.dtype.kind not in "iuf":
            raise DistributionError("finite: needs numbers")
        order = np.argsort(values, kind="stable")
        values, counts = values[order], counts[order]
        kept, rows = merge_rare_values(values, counts, max(int(k), 1))
        integer = values.dtype.kind in "iu"
        out = [int(v) for v in kept] if integer else [float(v) for v in kept]
        return cls(out, [float(r) for r in rows / rows.sum()], integer)

    @property
    def n_parameters(self) -> int:
        return max(len(self.values) - 1, 1)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        v = np.asarray(self.values, dtype=np.int64 if self.integer else np.float64)
        p = np.asarray(self.probs, dtype=float)
        cum = np.cumsum(p / p.sum())
        cum[-1] = 1.0
        return v, cum

    def _support(self):
        return (float(self.values[0]), float(self.values[-1]))

    def _sample(self, n, rng):
        return self._ppf(rng.random(n))

    def _logpdf(self, values):
        v, _ = self._arrays()
        x = np.asarray(values).astype(float)
        pos = np.clip(np.searchsorted(v.astype(float), x), 0, len(v) - 1)
        with np.errstate(divide="ignore"):
            logp = np.log(np.asarray(self.probs, dtype=float) / float(np.sum(self.probs)))
        return np.where(v[pos].astype(float) == x, logp[pos], -np.inf)

    def _cdf(self, x):
        v, cum = self._arrays()
        i = np.searchsorted(v.astype(float), np.asarray(x).astype(float), side="right")
        return np.concatenate([[0.0], cum])[i]

    def _ppf(self, q):
        v, cum = self._arrays()
        q = np.maximum(np.asarray(q, dtype=float), np.nextafter(0.0, 1.0))  # ppf(0): the lowest value
        return v[count_cuts(cum[:-1], q, side="left")]
