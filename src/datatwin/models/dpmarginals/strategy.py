"""Fixed measurement strategies: which marginals to measure, with their budget weights.

``Count(["education", "age"], weight=5)`` asks for the 2-way marginal (cell counts) of two
columns (a Count has 1, 2 or 3 columns); a strategy is a list of them, and each Count gets ``weight / sum(weights)`` of the
marginals' budget share.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from datatwin.errors import SpecError

__all__ = ["Count", "Sum", "parse_marginal"]


@dataclasses.dataclass(frozen=True, init=False)
class Count:
    """The cell counts of the marginal over ``columns`` (1, 2 or 3 columns), measured with
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
            raise SpecError(f"Count: 'columns' must be a list of 1 to 3 column names, e.g. Count(['a', 'b']). Got {columns!r}.")
        if len(cols) > 3:
            raise SpecError(f"Count({list(cols)}): a Count has at most 3 columns; split it into smaller ones")
        if len(set(cols)) != len(cols):
            raise SpecError(f"Count({list(cols)}): a column is named twice")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0:
            raise SpecError(f"Count({list(cols)}): 'weight' must be a number > 0. Got {weight!r} instead.")
        object.__setattr__(self, "columns", cols)
        object.__setattr__(self, "weight", float(weight))

    def to_dict(self) -> dict[str, Any]:
        return {"count": list(self.columns), "weight": self.weight}



def _weight(where: str, weight: Any) -> float:
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0:
        raise SpecError(f"{where}: 'weight' must be a number > 0. Got {weight!r} instead.")
    return float(weight)


@dataclasses.dataclass(frozen=True, init=False)
class Sum:
    """The sums of the clamped numeric column ``measure`` grouped by the cells of ``columns``
    (1 or 2 columns, each also in a Count), measured with ``weight``; the family's
    ``clamping`` gives the bounds. Sampled values are shifted so that each group's mean
    matches the noisy sums.

    Examples
    --------
    >>> Sum(["education"], "books_borrowed", weight=5)
    Sum(columns=('education',), measure='books_borrowed', weight=5.0)
    """

    columns: tuple[str, ...]
    measure: str
    weight: float

    def __init__(self, columns: Sequence[str] | str, measure: str, weight: float = 1.0) -> None:
        cols = (columns,) if isinstance(columns, str) else tuple(columns) if isinstance(columns, Sequence) else None
        if cols is None or not cols or len(cols) > 2 or not all(isinstance(c, str) and c for c in cols):
            raise SpecError(f"Sum: 'columns' must be 1 or 2 column names to group by. Got {columns!r}.")
        if not isinstance(measure, str) or not measure or measure in cols:
            raise SpecError(f"Sum({list(cols)}, ...): the measure column must be a name other than the group columns. "
                            f"Got {measure!r}.")
        object.__setattr__(self, "columns", cols)
        object.__setattr__(self, "measure", measure)
        object.__setattr__(self, "weight", _weight(f"Sum({list(cols)}, {measure!r})", weight))

    def to_dict(self) -> dict[str, Any]:
        return {"sum": list(self.columns), "of": self.measure, "weight": self.weight}


def parse_marginal(item: Any) -> Count | Sum:
    """A Count or Sum, or its dict form ``{"count": [...], "weight": w}`` /
    ``{"sum": [...], "of": "col", "weight": w}`` (from a spec file)."""
    if isinstance(item, (Count, Sum)):
        return item
    if isinstance(item, dict) and set(item) <= {"count", "weight"} and "count" in item:
        return Count(item["count"], item.get("weight", 1.0))
    if isinstance(item, dict) and set(item) <= {"sum", "of", "weight"} and "sum" in item and "of" in item:
        return Sum(item["sum"], item["of"], item.get("weight", 1.0))
    raise SpecError(
        "a marginal of 'marginals' must be dt.Count([...], weight=...), dt.Sum([...], 'column', weight=...), "
        f"{{count = [...], weight = ...}} or {{sum = [...], of = '...', weight = ...}}. Got {item!r}."
    )
