"""Table-wide measurements: what a model family asks a privacy session to release.

A family computes an exact statistic over the rows — a vector of sums (a copula's score
moments, grouped sums, counts of a k-way marginal) — and states how much one row can move
it (its L1 and L2 sensitivity for adding or removing one row). The session decides what
comes back (:class:`Released`): the exact vector (no formal privacy), a noisy one charged
to the budget and the ledger (differential privacy), or one with the entries that describe
fewer than k rows suppressed (disclosure control). The family never draws noise itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from datatwin.errors import PrivacyError

__all__ = ["Measurement", "Released", "Selection"]


@dataclasses.dataclass(frozen=True, eq=False)
class Measurement:
    """One table-wide release request.

    Parameters
    ----------
    release
        The table-wide release it belongs to, as the family declared it up front
        (:meth:`datatwin.models.ModelFamily.table_releases`), e.g. ``"copula"``.
    what
        The ledger's text for it.
    values
        The exact statistic: a 1-d vector of sums over rows.
    l1, l2
        How much the whole vector can change (L1 and L2 norms) when one row is added or removed.
    fraction
        The share of the release's budget this measurement may use (several measurements
        of one release split it).
    group_sizes
        For each entry, how many rows it describes (disclosure control suppresses entries
        describing between 1 and k - 1 rows); None: every entry describes every row.
    """

    release: str
    what: str
    values: np.ndarray
    l1: float
    l2: float
    fraction: float = 1.0
    group_sizes: np.ndarray | None = None

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=float)
        if values.ndim != 1 or not np.all(np.isfinite(values)):
            raise PrivacyError(f"measurement {self.what!r}: values must be a finite 1-d vector")
        object.__setattr__(self, "values", values)
        if not (self.l1 > 0 and self.l2 > 0 and np.isfinite(self.l1) and np.isfinite(self.l2)):
            raise PrivacyError(f"measurement {self.what!r}: sensitivities must be finite and > 0")
        if not 0 < self.fraction <= 1:
            raise PrivacyError(f"measurement {self.what!r}: fraction must be in (0, 1]. Got {self.fraction!r}.")
        if self.group_sizes is not None and np.shape(self.group_sizes) != values.shape:
            raise PrivacyError(f"measurement {self.what!r}: group_sizes must have one entry per value")


@dataclasses.dataclass(frozen=True, eq=False)
class Released:
    """What the session released: ``values`` (exact or noisy), the standard deviation of the
    noise on each entry (0 when exact), and which entries were suppressed (None: none)."""

    values: np.ndarray
    noise_sd: float = 0.0
    suppressed: np.ndarray | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class Selection:
    """One private choice among candidates: which marginal to measure next, say.

    Parameters
    ----------
    release
        The table-wide release it belongs to (its budget share pays for the choice).
    what
        The ledger's text for it.
    scores
        One score per candidate, higher preferred, computed from the rows.
    sensitivity
        How much any one score can change when one row is added or removed (L∞).
    fraction
        The share of the release's budget this choice may use.
    """

    release: str
    what: str
    scores: np.ndarray
    sensitivity: float
    fraction: float = 1.0

    def __post_init__(self) -> None:
        scores = np.asarray(self.scores, dtype=float)
        if scores.ndim != 1 or scores.size == 0 or not np.all(np.isfinite(scores)):
            raise PrivacyError(f"selection {self.what!r}: scores must be a finite, non-empty 1-d vector")
        object.__setattr__(self, "scores", scores)
        if not (self.sensitivity > 0 and np.isfinite(self.sensitivity)):
            raise PrivacyError(f"selection {self.what!r}: the sensitivity must be finite and > 0")
        if not 0 < self.fraction <= 1:
            raise PrivacyError(f"selection {self.what!r}: fraction must be in (0, 1]. Got {self.fraction!r}.")
