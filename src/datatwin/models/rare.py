"""Rare categorical labels: a label that fewer than k rows carry is not published.

Publishing "Holand-Netherlands: 1 row" in a model file discloses that one person in the
data has that value. By default such labels are merged into one bucket (text columns),
spread evenly over the rare categories (Enum columns, whose categories are part of the
declared type, not of the data), or dropped (other dtypes, e.g. integers modelled as
categorical). The owner can keep them per column; ``datatwin inspect`` and ``validate``
then warn about every one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

#: default k: the usual statistical-disclosure threshold for a published count
DEFAULT_RARE_THRESHOLD = 10
DEFAULT_OTHER_LABEL = "other"


@dataclasses.dataclass(frozen=True)
class RareLabels:
    """What happened to a column's rare labels; written to the model file."""

    threshold: int
    count: int  # how many labels were held by fewer than `threshold` rows
    share: float  # their share of the non-missing rows
    handling: str  # "merged", "spread", "dropped" or "kept"
    into: str | None = None  # the bucket label, for "merged"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def handle_rare_labels(
    values: np.ndarray,
    counts: np.ndarray,
    *,
    threshold: int,
    other_label: str,
    keep: bool,
    text: bool,
    enum: bool,
) -> tuple[np.ndarray, np.ndarray, RareLabels | None]:
    """Labels (distinct, in order) and counts with rare labels handled, and the record.

    ``text``: the column holds text, so a bucket label can be added; ``enum``: its labels
    are the categories of an Enum dtype (zero-count categories are not data and stay).
    Raises ValueError when every label is rare and nothing can stand in for them.
    """
    rare = (counts > 0) & (counts < threshold)
    if not rare.any():
        return values, counts, None
    total = counts.sum()
    record = dict(threshold=threshold, count=int(rare.sum()), share=float(counts[rare].sum() / total))
    if keep:
        return values, counts, RareLabels(**record, handling="kept")
    if enum:
        spread = counts.astype(float)
        spread[rare] = counts[rare].sum() / rare.sum()
        return values, spread, RareLabels(**record, handling="spread")
    if text:
        kept_values, kept_counts = values[~rare], counts[~rare]
        bucket = counts[rare].sum()
        hit = np.flatnonzero(kept_values == other_label)
        if len(hit):  # a real label with the bucket's name: the bucket joins it
            kept_counts = kept_counts.copy()
            kept_counts[hit[0]] += bucket
        else:
            kept_values = np.append(kept_values, np.array([other_label], dtype=object))
            kept_counts = np.append(kept_counts, bucket)
        return kept_values, kept_counts, RareLabels(**record, handling="merged", into=other_label)
    if rare.all():
        raise ValueError(
            f"every label is held by fewer than {threshold} rows; set keep_rare = true for this column "
            "or lower rare_threshold in the spec"
        )
    return values[~rare], counts[~rare], RareLabels(**record, handling="dropped")
