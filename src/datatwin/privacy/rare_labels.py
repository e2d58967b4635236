"""Rare categorical labels: a label that fewer than k rows carry is not published.

A disclosure rule, applied by the privacy session to a column's value counts before any
model family fits them — by the default (``none``) policy at the spec's
``rare_threshold`` and by disclosure control at ``max(k, rare_threshold)``.

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

from datatwin.errors import ColumnError

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


def merge_rare_labels(data: Any, threshold: int | None = None) -> tuple[Any, RareLabels | None]:
    """A :class:`~datatwin.privacy.base.ColumnData` with its rare labels handled (merged,
    spread or dropped, see :func:`handle_rare_labels`), and the record; unchanged for a
    column that is not categorical or whose distribution the spec fixes."""
    spec, fit_spec = data.spec, data.fit_spec
    fixed = isinstance(spec.distribution, dict) and spec.distribution.get("parameters") is not None
    if data.kind != "categorical" or fixed or data.n_present == 0:
        return data, None
    try:
        values, counts, rare = handle_rare_labels(
            data.values, data.counts, threshold=threshold if threshold is not None else fit_spec.rare_threshold,
            other_label=fit_spec.other_label, keep=spec.keep_rare, text=data.dtype in ("String", "Categorical"),
            enum=data.categories is not None,
        )
    except ValueError as exc:
        raise ColumnError(data.name, str(exc)) from None
    return (dataclasses.replace(data, values=values, counts=counts) if rare is not None else data), rare


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
