"""Declared rules under a private policy: values that break them become missing.

Without a policy (or under disclosure control) a value that breaks a rule the owner
declared is an error naming the column, so the owner can fix the data or the spec. Under
a policy that must not read the values (``reads_values = False``: differential privacy)
such an error would itself be a release: whether a model file is published, and the
error's text, would depend on one row (issue 10, item 2). There, a value that breaks a
rule becomes missing instead, and is counted only through the column's noisy missing
count. The owner, who holds the data, is still told with a warning (warnings are not
published; the model file and whether it is written do not depend on them):

- a repeat in a column the spec declares ``unique`` (every occurrence after the first);
- a fraction in a float column of kind ``discrete``;
- ±inf in a float column (NaN is missing anyway);
- a cell that does not parse as the spec's ``text_format`` (see :mod:`.textcolumn`);
- a frequency weight that is missing, infinite, negative (weight 0) or fractional (rounded
  down: one unit of weight is one person).
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

from datatwin.errors import DatatwinWarning

__all__ = ["private_series", "private_weights"]


def private_series(series: pl.Series, kind: str, unique: bool) -> pl.Series:
    """``series`` with every value that breaks the column's declared rules made missing."""
    name, dtype = series.name, series.dtype
    bad = pl.Series(name, np.zeros(len(series), dtype=bool))
    why = []
    if dtype.is_float() and kind == "discrete":
        fraction = (series != series.round(0)).fill_null(False)
        if fraction.any():
            why.append(f"{int(fraction.sum())} fraction(s) in a column of kind 'discrete'")
            bad = bad | fraction
    if unique:
        repeat = ~series.is_first_distinct() & series.is_not_null()
        if repeat.any():
            why.append(f"{int(repeat.sum())} repeat(s) in a column the spec declares unique")
            bad = bad | repeat
    if not bad.any():
        return series
    warnings.warn(
        f"column {name!r}: {' and '.join(why)} are treated as missing (under a private policy a value that "
        "breaks a declared rule is made missing rather than refused); this warning is not published",
        DatatwinWarning, stacklevel=4,
    )
    return pl.select(pl.when(bad).then(None).otherwise(series)).to_series().alias(name).cast(dtype)


def private_weights(w: np.ndarray) -> np.ndarray:
    """Frequency weights clamped to whole numbers ≥ 0: missing, infinite or negative → 0,
    fractions rounded down."""
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(w) & (w >= 0)
    out = np.where(ok, np.floor(np.where(ok, w, 0.0)), 0.0)
    changed = int(np.sum(out != w))
    if changed:
        warnings.warn(
            f"{changed} frequency weight(s) are missing, infinite, negative or fractional; under a private policy "
            "they are clamped to whole numbers ≥ 0 (rounded down) rather than refused; this warning is not published",
            DatatwinWarning, stacklevel=4,
        )
    return out
