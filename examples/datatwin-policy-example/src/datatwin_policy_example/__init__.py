"""An example privacy-policy plug-in for datatwin: coarsen numbers before any model sees them.

Registered in this package's ``pyproject.toml`` under the ``datatwin.privacy``
entry-point group, so ``datatwin fit ... --privacy coarsen`` finds it once installed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from datatwin.errors import PrivacyError
from datatwin.privacy import ColumnData, ColumnRelease, PolicySession, PrivacyPolicy, TableInfo
from datatwin.privacy.rare_labels import merge_rare_labels

__all__ = ["CoarsenPolicy"]


class _CoarsenSession(PolicySession):
    def __init__(self, step: float, k: int) -> None:
        self.step, self.k = step, k
        self.ledger: list[dict[str, Any]] = []

    def release_column(self, data: ColumnData) -> ColumnRelease:
        """The column's value counts, numbers generalised to multiples of ``step`` and labels
        held by fewer than ``k`` rows merged; the model family fits what is released."""
        if data.kind in ("continuous", "discrete") and len(data.values):
            # generalise: every value to the nearest multiple of step; merge the counts of equal results
            coarse = np.round(data.values.astype(np.float64) / self.step) * self.step
            values, inverse = np.unique(coarse, return_inverse=True)
            counts = np.bincount(inverse, weights=data.counts)
            data = dataclasses.replace(data, values=values, counts=counts, inferred_unique=False)
            self.ledger.append({"what": f"{data.name}: values rounded to multiples of {self.step:g}",
                                "mechanism": "generalisation"})
        merged, rare = merge_rare_labels(data, max(self.k, data.fit_spec.rare_threshold))
        return ColumnRelease(data=merged, rare_labels=rare.to_dict() if rare is not None else None)

    def privacy_section(self) -> dict[str, Any]:
        return {"policy": "coarsen", "settings": {"step": self.step, "k": self.k}, "ledger": self.ledger}


class CoarsenPolicy(PrivacyPolicy):
    """Round numeric values to multiples of ``step`` before fitting; labels need ``k`` rows.

    No formal guarantee: it only hides exact values (generalisation)."""

    name = "coarsen"

    def __init__(self, step: float = 10.0, k: int = 10) -> None:
        if isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0:
            raise PrivacyError(f"The 'step' parameter of the coarsen policy must be a number > 0. Got {step!r} instead.")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise PrivacyError(f"The 'k' parameter of the coarsen policy must be an integer >= 1. Got {k!r} instead.")
        self.step, self.k = float(step), k

    def start(self, table: TableInfo) -> PolicySession:
        return _CoarsenSession(self.step, self.k)

    def describe(self) -> str:
        return f"coarsen: numbers rounded to multiples of {self.step:g}, labels need {self.k} rows"
