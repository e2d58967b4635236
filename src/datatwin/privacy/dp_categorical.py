"""Categorical and boolean columns under differential privacy.

- **Public label domain** (``labels = [...]`` in the spec, the categories of an Enum
  dtype, or false/true for booleans): one noisy histogram with a cell per label — zero
  counts included, so a label's absence is as noisy as its presence — plus a cell for
  missing values. Each row falls in exactly one cell: sensitivity 1.
- **Labels seen in the data** (text without a public domain): DP partition selection
  (:func:`datatwin.privacy.mechanisms.select_partitions`): only labels whose noisy count
  clears a threshold set by δ are released, so a label held by one row is published
  with probability at most δ. Needs δ > 0. The rows of labels not released are kept as
  the ``other_label`` of the spec for text columns (their share is the released
  non-missing count minus the released label counts: post-processing).

Noisy counts become probabilities by clipping at 0 and renormalising (uniform if every
count is 0): post-processing, which costs nothing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from datatwin.distributions import Distribution, get_distribution_class
from datatwin.errors import PrivacyError
from datatwin.privacy.base import ReleasedCounts
from datatwin.privacy.dp_column import ColumnBudget

__all__ = ["estimate_boolean", "estimate_categorical"]

#: budget fractions when labels are selected privately: missing and non-missing counts,
#: then the labels with their counts
_MISSING_FRACTION = 0.2


def _probabilities(noisy: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(noisy, dtype=float), 0.0, None)
    total = p.sum()
    return p / total if total > 0 else np.full(len(p), 1.0 / len(p))


def _prop_missing(missing: float, present: float) -> float:
    missing, present = max(missing, 0.0), max(present, 1.0)
    return float(missing / (missing + present))


def estimate_boolean(budget: ColumnBudget, values: np.ndarray, counts: np.ndarray, n_missing: float
                     ) -> tuple[Distribution, float, dict[str, Any], ReleasedCounts]:
    """Bernoulli from one noisy histogram [missing, false, true]; the domain is public."""
    by_value = {bool(v): int(c) for v, c in zip(values.tolist(), counts.tolist())}
    vector = np.array([round(n_missing), by_value.get(False, 0), by_value.get(True, 0)])
    noisy, sd = budget.counts("missing, false and true counts", vector, 1.0)
    p = _probabilities(noisy[1:])
    dist = get_distribution_class("bernoulli")(float(p[1]))
    return dist, _prop_missing(float(noisy[0]), float(np.clip(noisy[1:], 0, None).sum())), {
        "method": "dp: noisy counts of a public domain"
    }, ReleasedCounts((False, True), noisy.astype(float), float(sd))


def _public_labels(spec: Any, categories: list[str] | None, text: bool) -> list[Any] | None:
    if spec.labels is not None:
        return [str(v) for v in spec.labels] if text else list(spec.labels)
    return list(categories) if categories is not None else None


def estimate_categorical(
    budget: ColumnBudget,
    values: np.ndarray,
    counts: np.ndarray,
    n_missing: float,
    spec: Any,
    categories: list[str] | None,
    text: bool,
    other_label: str,
) -> tuple[Distribution, float, dict[str, Any], ReleasedCounts | None]:
    """``(distribution, prop_missing, selection, counts)`` for a categorical column; ``counts``
    is the noisy histogram when the labels are public (None under partition selection, whose
    counts are biased upwards by the threshold they passed).

    ``text`` says whether values are text (String, Categorical, Enum), which is when
    unreleased labels can be kept as ``other_label``.
    """
    name = budget.column
    labels = _public_labels(spec, categories, text)
    observed = {v: int(c) for v, c in zip(values.tolist(), counts.tolist())}
    if labels is not None:
        source = "the spec" if spec.labels is not None else "the Enum dtype"
        budget.public(f"labels ({len(labels)}) from {source}")
        # Values outside the public domain are not counted anywhere: the owner declared
        # the domain, and counting them would need a label that is not public.
        vector = np.array([round(n_missing)] + [observed.get(lab, 0) for lab in labels])
        noisy, sd = budget.counts(f"missing and label counts ({len(labels)} public labels)", vector, 1.0)
        dist = get_distribution_class("categorical")(labels, [float(p) for p in _probabilities(noisy[1:])])
        prop = _prop_missing(float(noisy[0]), float(np.clip(noisy[1:], 0, None).sum()))
        return dist, prop, {"method": "dp: noisy counts of public labels"}, ReleasedCounts(
            tuple(labels), noisy.astype(float), float(sd))
    if budget.share.delta <= 0:
        raise PrivacyError(
            f"column {name!r}: its labels are not public, and releasing labels seen in the data needs a budget "
            "with a delta > 0 (it cannot be pure ε-DP or pure zCDP); give the column's labels in the spec "
            "(labels = [...]), or a delta > 0 (e.g. delta=1e-9), or exclude the column"
        )
    noisy, sd_present = budget.counts(
        "missing and non-missing counts", np.array([round(n_missing), int(sum(observed.values()))]), _MISSING_FRACTION
    )
    kept, kept_counts, sd_label = budget.select_labels(
        "labels seen in the data, with their counts (partition selection)",
        list(observed), np.array(list(observed.values()), dtype=np.int64), 1.0 - _MISSING_FRACTION,
    )
    present = max(float(noisy[1]), 1.0)
    kept_counts = kept_counts.astype(float)
    if text:
        rest = present - float(kept_counts.sum())
        # The rest is a difference of noisy counts: only a rest clearly above its own noise
        # says that labels were left out (else every column would grow a phantom 'other').
        noise = math.sqrt(sd_present**2 + len(kept) * sd_label**2)
        if other_label in kept:  # a real label of that name: the rest joins it
            kept_counts[kept.index(other_label)] += max(rest, 0.0)
        elif rest > 2.0 * noise or not kept:
            kept, kept_counts = [*kept, other_label], np.append(kept_counts, max(rest, 1.0))
    elif not kept:
        raise PrivacyError(
            f"column {name!r}: no label is held by enough rows to be released at this budget; give the column's "
            "labels in the spec (labels = [...]), raise epsilon or delta, or exclude the column"
        )
    dist = get_distribution_class("categorical")(kept, [float(p) for p in _probabilities(kept_counts)])
    return dist, _prop_missing(float(noisy[0]), present), {"method": "dp: partition selection"}, None
