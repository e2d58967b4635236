"""One column's share of a differential-privacy budget, and the noisy releases it pays for.

A :class:`ColumnBudget` holds the share of the total budget a column was given and hands
out fractions of it to the column's releases (missing count, bounds, histogram, sums,
labels). Every release is charged to the fit's :class:`~datatwin.privacy.budget.Accountant`
*before* the noise is drawn, so a release that would overspend never happens, and each
becomes one ledger line. The noise comes from :mod:`datatwin.privacy.mechanisms`
(OpenDP), one vector call per release.

Which mechanism a release uses follows the budget's unit: the (discrete) Laplace
mechanism for pure ε and (ε, δ) budgets, the (discrete) Gaussian mechanism for zCDP
budgets, whose ρ's compose more tightly (Bun & Steinke 2016).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from datatwin.errors import PrivacyError
from datatwin.privacy.budget import Accountant, Cost
from datatwin.privacy.costs import (
    exponential_scale,
    gaussian_approx_cost,
    gaussian_approx_sigma,
    gaussian_sigma,
    gumbel_scale,
    laplace_scale,
    partition_parameters,
)
from datatwin.privacy.ledger import LedgerEntry
from datatwin.privacy.mechanisms import (
    Release,
    discrete_gaussian,
    discrete_laplace,
    exponential_mechanism,
    gaussian,
    gumbel_max,
    laplace,
    select_partitions,
)
from datatwin.privacy.protected import ROWS_WITH_ID

__all__ = ["ADD_REMOVE", "NEIGHBOURS", "REPLACE", "ROWS_WITH_ID", "ColumnBudget", "group_delta", "whole_counts"]

#: the neighbouring relations: which tables the guarantee says are indistinguishable
ADD_REMOVE = "add_remove_one_row"
REPLACE = "replace_one_row"
NEIGHBOURS = (ADD_REMOVE, REPLACE, ROWS_WITH_ID)


def group_delta(epsilon: float, factor: int) -> float:
    """``Σ_{i<k} e^(iε)``: a release that is (ε, δ)-DP for one row is (kε, δ·that)-DP for
    ``k`` rows (group privacy, Dwork & Roth 2014, Thm 2.2, summed rather than bounded by
    k·e^((k−1)ε))."""
    return math.fsum(math.exp(i * epsilon) for i in range(int(factor)))


def whole_counts(column: str, counts: np.ndarray) -> np.ndarray:
    """Row counts as integers; DP counts one unit of weight as one person.

    With a frequency (weight) column a row of weight 3 stands for three people, and
    adding or removing one person changes a count by 1: the guarantee holds for whole
    weights only, so fractional weights are refused rather than rounded silently.
    """
    arr = np.asarray(counts, dtype=np.float64)
    if arr.size and not np.all(arr == np.round(arr)):
        raise PrivacyError(
            f"column {column!r}: differential privacy needs whole-number row weights (one unit of "
            "weight = one person); round the weight column or fit without it"
        )
    return arr.astype(np.int64)


class ColumnBudget:
    """A column's budget share and its releases.

    Parameters
    ----------
    column : str
        The column's name; every ledger line starts with it.
    share : Cost
        The column's share, in the budget's unit (``epsilon`` (+ ``delta``) or ``rho``
        (+ ``delta``)).
    unit : str
        The budget's unit: ``"pure"``, ``"approx"`` or ``"zcdp"``.
    accountant : Accountant
        The fit's accountant; every release is charged to it.
    ledger : list of LedgerEntry
        The fit's ledger; every release appends one line.
    neighbours : str
        The neighbouring relation in force: ``"add_remove_one_row"`` (the default) or
        ``"replace_one_row"`` (when the row count is public, the only meaningful one).
        Replacing a row is removing one and adding one, so every sensitivity of the
        add/remove relation is doubled (triangle inequality, in every norm): a histogram
        cell pair moves by 2 in L1, a clamped sum by up to twice as much (issue 10, item 1).
        Under ``"add_remove_rows_with_id"`` one ID adds or removes up to ``max_rows`` rows, so
        every sensitivity is multiplied by ``max_rows`` (the same triangle inequality).
    max_rows : int, default 1
        The rows one ID may have (``"add_remove_rows_with_id"`` only).
    """

    def __init__(
        self, column: str, share: Cost, unit: str, accountant: Accountant, ledger: list[LedgerEntry],
        neighbours: str = ADD_REMOVE, max_rows: int = 1,
    ) -> None:
        if neighbours not in NEIGHBOURS:  # pragma: no cover - set by the session, never by a user
            raise PrivacyError(f"The 'neighbours' parameter must be one of {', '.join(NEIGHBOURS)}. Got {neighbours!r}.")
        self.neighbours = neighbours
        #: multiplier of every add/remove-one-row sensitivity under the relation in force
        self.factor = 2.0 if neighbours == REPLACE else float(max_rows) if neighbours == ROWS_WITH_ID else 1.0
        self.column = column
        self.share = share
        self.unit = unit
        self._accountant = accountant
        self._ledger = ledger
        self._used = 0.0  # fraction of the share handed out so far

    # -- bookkeeping ------------------------------------------------------------
    def _take(self, fraction: float) -> float:
        """The ε (pure/approx) or ρ (zCDP) of ``fraction`` of the share."""
        if not 0 < fraction <= 1 - self._used + 1e-12:
            raise PrivacyError(  # pragma: no cover - a planning bug, never user input
                f"column {self.column!r}: releases ask for more than the column's budget share"
            )
        self._used += fraction
        return (self.share.rho if self.unit == "zcdp" else self.share.epsilon) * fraction

    def _charge(self, release: Release) -> None:
        self._accountant.spend(release.what, release.cost)
        self._ledger.append(LedgerEntry.from_release(release))

    def public(self, what: str) -> None:
        """A zero-cost ledger line: ``what`` is known without looking at the data."""
        self._ledger.append(LedgerEntry.public(f"{self.column}: {what}"))

    def count_noise(self, fraction: float, cells_per_row: int = 1) -> float:
        """Standard deviation of one noisy count released by :meth:`counts` with
        ``fraction`` of the share."""
        amount = (self.share.rho if self.unit == "zcdp" else self.share.epsilon) * fraction
        if self.unit == "zcdp":
            return gaussian_sigma(self.factor * math.sqrt(cells_per_row), amount)
        return math.sqrt(2.0) * laplace_scale(self.factor * cells_per_row, amount)

    # -- releases ---------------------------------------------------------------
    def counts(self, what: str, counts: np.ndarray, fraction: float, cells_per_row: int = 1) -> tuple[np.ndarray, float]:
        """Noisy integer ``counts`` of histograms in which each row falls in one cell each.

        With one histogram, adding or removing one row changes one cell by 1: the
        sensitivity is 1 in the L1 and L2 norms alike. With ``cells_per_row`` histograms
        released together (the same rows binned several ways), one row changes that many
        cells: L1 sensitivity ``cells_per_row``, L2 its square root. Returns the noisy
        counts (``int64``, may be negative) and the noise's standard deviation.
        """
        amount = self._take(fraction)
        arr = np.asarray(counts, dtype=np.int64)
        if self.unit == "zcdp":
            l2 = self.factor * math.sqrt(cells_per_row)
            sigma = gaussian_sigma(l2, amount)
            self._charge(Release.of(f"{self.column}: {what}", "discrete_gaussian", l2, sigma))
            return discrete_gaussian(arr, sigma), sigma
        l1 = self.factor * cells_per_row
        scale = laplace_scale(l1, amount)
        self._charge(Release.of(f"{self.column}: {what}", "discrete_laplace", l1, scale))
        return discrete_laplace(arr, scale), math.sqrt(2.0) * scale

    def sums(self, what: str, values: np.ndarray, fraction: float) -> np.ndarray:
        """Noisy real ``values``, each a sum over rows of terms in [-1, 1].

        One row changes each entry by at most 1, so the vector's L1 sensitivity is its
        length k and its L2 sensitivity √k.
        """
        amount = self._take(fraction)
        arr = np.asarray(values, dtype=np.float64)
        k = float(arr.size)
        if self.unit == "zcdp":
            l2 = self.factor * math.sqrt(k)
            sigma = gaussian_sigma(l2, amount)
            self._charge(Release.of(f"{self.column}: {what}", "gaussian", l2, sigma))
            return gaussian(arr, sigma)
        l1 = self.factor * k
        scale = laplace_scale(l1, amount)
        self._charge(Release.of(f"{self.column}: {what}", "laplace", l1, scale))
        return laplace(arr, scale)

    def averages(self, what: str, values: np.ndarray, sensitivity: float, fraction: float) -> np.ndarray:
        """Noisy real ``values`` whose entries each change by at most ``sensitivity``
        when one row is added or removed (sample and aggregate: 1 / number of subsets)."""
        amount = self._take(fraction)
        arr = np.asarray(values, dtype=np.float64)
        k = float(arr.size)
        if self.unit == "zcdp":
            l2 = self.factor * sensitivity * math.sqrt(k)
            sigma = gaussian_sigma(l2, amount)
            self._charge(Release.of(f"{self.column}: {what}", "gaussian", l2, sigma))
            return gaussian(arr, sigma)
        l1 = self.factor * sensitivity * k
        scale = laplace_scale(l1, amount)
        self._charge(Release.of(f"{self.column}: {what}", "laplace", l1, scale))
        return laplace(arr, scale)

    def vector(self, what: str, values: np.ndarray, l1: float, l2: float, fraction: float) -> tuple[np.ndarray, float]:
        """A noisy real vector whose L1 / L2 change for one added or removed row is at most
        ``l1`` / ``l2`` (a family's table-wide statistic): Gaussian noise under a ρ budget;
        under an (ε, δ) budget Gaussian noise charged as (ε, δ) (``gaussian_approx``, using
        ``fraction`` of the share's δ) when that is less noise than Laplace noise at ``l1``.
        Returns the noisy values and the noise's standard deviation per entry."""
        amount = self._take(fraction)
        arr = np.asarray(values, dtype=np.float64)
        name = f"{self.column}: {what}"
        l1, l2 = self.factor * l1, self.factor * l2
        if self.unit == "zcdp":
            sigma = gaussian_sigma(l2, amount)
            self._charge(Release.of(name, "gaussian", l2, sigma))
            return gaussian(arr, sigma), sigma
        delta = self.share.delta * fraction
        if self.unit == "approx" and delta > 0:
            # a long vector: Gaussian noise at its L2 sensitivity, charged as (ε, δ) through
            # zCDP, beats Laplace noise at its L1 sensitivity (about √length larger)
            sigma = gaussian_approx_sigma(l2, amount, delta)
            laplace_sd = math.sqrt(2.0) * laplace_scale(l1, amount)
            if sigma < laplace_sd:
                cost = gaussian_approx_cost(l2, sigma, delta)
                self._accountant.spend(name, cost)
                self._ledger.append(LedgerEntry.from_release(Release(name, "gaussian_approx", l2, sigma, cost)))
                return gaussian(arr, sigma), sigma
        scale = laplace_scale(l1, amount)
        self._charge(Release.of(name, "laplace", l1, scale))
        return laplace(arr, scale), math.sqrt(2.0) * scale

    def select(self, what: str, scores: np.ndarray, sensitivity: float, fraction: float) -> int:
        """One candidate's index, chosen by the exponential mechanism on ``scores`` (each
        changing by at most ``sensitivity`` for one added or removed row): Gumbel noise
        (ρ-zCDP) under a ρ budget, exponential noise (pure ε) otherwise."""
        amount = self._take(fraction)
        name = f"{self.column}: {what}"
        delta_inf = self.factor * sensitivity
        if self.unit == "zcdp":
            scale = gumbel_scale(delta_inf, amount)
            self._charge(Release.of(name, "gumbel_max", delta_inf, scale))
            return gumbel_max(scores, scale)
        self._charge(Release.of(name, "exponential", delta_inf, exponential_scale(delta_inf, amount)))
        return exponential_mechanism(scores, delta_inf, amount)

    def select_labels(
        self, what: str, labels: Sequence[Any], counts: np.ndarray, fraction: float
    ) -> tuple[list[Any], np.ndarray, float]:
        """Labels seen in the data, released by DP partition selection with their noisy
        counts, and the standard deviation of a count's noise.

        Uses the column's whole δ share. Under a zCDP budget the selection is an (ε, δ)
        release with ε = √(2ρ), charged as ρ = ε²/2 plus δ (approximate zCDP).
        """
        amount = self._take(fraction)
        epsilon = math.sqrt(2.0 * amount) if self.unit == "zcdp" else amount
        delta = self.share.delta
        if delta <= 0:  # pragma: no cover - the caller checks first, with a better message
            raise PrivacyError(f"column {self.column!r}: partition selection needs a delta > 0")
        # Neighbours k = factor add/remove steps apart (replace-one-row: 2; one ID: max_rows,
        # which may touch up to max_rows labels by up to max_rows each): run the selection at
        # (ε/k, δ/Σ_{i<k} e^(iε/k)), which group privacy turns into (ε, δ) whatever labels the
        # k rows fall in (Dwork & Roth 2014, Thm 2.2); the line states sensitivity k.
        run_eps = epsilon / self.factor
        run_delta = delta / group_delta(run_eps, int(self.factor))
        scale, threshold = partition_parameters(run_eps, run_delta)
        name = f"{self.column}: {what}"
        # Charge first (select_partitions would draw the noise before we could refuse).
        cost = Cost(epsilon=epsilon, delta=delta)
        self._accountant.spend(name, cost)
        kept, noisy, _ = select_partitions(labels, counts, run_eps, run_delta)
        self._ledger.append(
            LedgerEntry.from_release(Release(name, "partition_selection", self.factor, scale, cost, float(threshold)))
        )
        return kept, noisy, math.sqrt(2.0) * scale
