"""Fixed measurement strategies: which marginals to measure, with their budget weights.

``Count(["education", "age"], weight=5)`` asks for the 2-way marginal (cell counts) of two
columns; a strategy is a list of them, and each Count gets ``weight / sum(weights)`` of the
marginals' budget share.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from datatwin.errors import SpecError

__all__ = ["Count"]


@dataclasses.dataclass(frozen=True, init=False)
class Count:
    """The cell counts of the marginal over ``columns`` (1 or 2 columns), measured with
    ``weight`` relative to the other Counts of the strategy.

    Examples
    --------
    >>> Count(["education", "age"], weight=5)
    Count(columns=('education', 'age'), weight=5.0)
    """

    columns: tuple[str, ...]
    weight: float

    def __init__(self, columns: Sequence[str] | str, weight: float = 1.0) -> None:
        cols = (columns,) if isinstance(columns, str) else tuple(columns) if isinstance(columns, Sequence) else None
        if cols is None or not cols or not all(isinstance(c, str) and c for c in cols):
            raise SpecError(f"Count: 'columns' must be a list of 1 or 2 column names, e.g. Count(['a', 'b']). Got {columns!r}.")
        if len(cols) > 2:
            raise SpecError(f"Count({list(cols)}): only 1- and 2-way Counts are supported; split it into pairs")
        if len(set(cols)) != len(cols):
            raise SpecError(f"Count({list(cols)}): a column is named twice")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0:
            raise SpecError(f"Count({list(cols)}): 'weight' must be a number > 0. Got {weight!r} instead.")
        object.__setattr__(self, "columns", cols)
        object.__setattr__(self, "weight", float(weight))

    def to_dict(self) -> dict[str, Any]:
        return {"count": list(self.columns), "weight": self.weight}

    @classmethod
    def parse(cls, item: Any) -> Count:
        """A Count, or its dict form ``{"count": [...], "weight": w}`` (from a spec file)."""
        if isinstance(item, Count):
            return item
        if isinstance(item, dict) and set(item) <= {"count", "weight"} and "count" in item:
            return cls(item["count"], item.get("weight", 1.0))
        raise SpecError(
            f"a marginal of 'marginals' must be dt.Count([...], weight=...) or {{count = [...], weight = ...}}. Got {item!r}."
        )
