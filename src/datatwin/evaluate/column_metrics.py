"""Per-column utility metrics: each synthetic column against the real one, on its own.

The ``columns`` and ``column_shape`` parts of :func:`~datatwin.evaluate.utility.utility_scores`;
the definitions are in :mod:`datatwin.evaluate.utility`. The label helpers (:func:`label_text`,
:func:`top_labels`, :func:`pool_labels`) are shared with the pair and model metrics.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from datatwin.evaluate.prepare import NUMERIC_KINDS, numeric_values

MISSING = "<missing>"
OTHER = "<other>"
#: labels of a ``string`` column kept apart in its column score; the rest pool as "other"
STRING_TOP_LABELS = 50
#: labels shown side by side per categorical column
SHOWN_LABELS = 10


def column_scores(r: pl.Series, s: pl.Series, kind: str) -> dict[str, Any]:
    """The metrics of one column, real ``r`` against synthetic ``s``, with its ``score`` in [0, 1].

    Parameters
    ----------
    r, s : polars.Series
        The real and synthetic column, in the same dtype.
    kind : str
        The column's datatwin kind, as in :attr:`EvalData.kinds`.

    Returns
    -------
    dict
        ``kind`` ("numeric" or "categorical"), the distances (``ks`` and ``wasserstein``, or
        ``tvd``), missing shares, summary statistics or top labels, and ``score``.
    """
    if kind in NUMERIC_KINDS:
        return _numeric_column(r, s)
    return _categorical_column(r, s, kind)


def _numeric_column(r: pl.Series, s: pl.Series) -> dict[str, Any]:
    rv, sv = numeric_values(r), numeric_values(s)
    rf, sf = rv[np.isfinite(rv)], sv[np.isfinite(sv)]
    missing = {"real": 1 - len(rf) / len(rv), "synthetic": 1 - len(sf) / len(sv)}
    missing_diff = abs(missing["synthetic"] - missing["real"])
    if len(rf) and len(sf):
        ks = float(stats.ks_2samp(rf, sf, method="asymp").statistic)
        both = np.concatenate([rf, sf])
        scale = float(np.ptp(rf)) or float(np.ptp(both)) or 1.0
        wasserstein: float | None = float(stats.wasserstein_distance(rf, sf)) / scale
    else:  # one side (or both) has no values at all
        ks, wasserstein = (0.0 if len(rf) == len(sf) else 1.0), None
    temporal = r.dtype if r.dtype.is_temporal() else None
    return {
        "kind": "numeric",
        "ks": ks,
        "wasserstein": wasserstein,
        "missing": missing,
        "missing_diff": missing_diff,
        "stats": {"real": _summary(rf, temporal), "synthetic": _summary(sf, temporal)},
        "score": 1.0 - max(ks, missing_diff),
    }


def _summary(values: np.ndarray, temporal: pl.DataType | None) -> dict[str, Any]:
    keys = ("min", "q05", "median", "mean", "q95", "max")
    if len(values) == 0:
        return dict.fromkeys(keys)
    q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    numbers = (values.min(), q05, median, values.mean(), q95, values.max())
    return {k: _display(float(v), temporal) for k, v in zip(keys, numbers)}


def _display(value: float, temporal: pl.DataType | None) -> float | str:
    """Temporal statistics as ISO text (a mean date is a date), numbers as numbers."""
    if temporal is None:
        return value
    try:
        return str(pl.Series([round(value)]).cast(pl.Int64).cast(temporal)[0])
    except (pl.exceptions.PolarsError, OverflowError, ValueError):
        return value


def _categorical_column(r: pl.Series, s: pl.Series, kind: str) -> dict[str, Any]:
    rt, st = label_text(r), label_text(s)
    if kind == "string":  # near-unique text: compare the frequent labels, pool the rest
        keep = top_labels(rt, STRING_TOP_LABELS)
        rt, st = pool_labels(rt, keep), pool_labels(st, keep)
    shares = _shares(rt, "real").join(_shares(st, "synthetic"), on="label", how="full", coalesce=True).fill_null(0.0)
    tvd = min(1.0, 0.5 * float((shares["real"] - shares["synthetic"]).abs().sum()))
    top = shares.with_columns(pl.max_horizontal("real", "synthetic").alias("_m")).sort(
        ["_m", "label"], descending=[True, False]
    )
    missing = {"real": r.null_count() / len(r), "synthetic": s.null_count() / len(s)}
    out: dict[str, Any] = {
        "kind": "categorical",
        "tvd": tvd,
        "missing": missing,
        "missing_diff": abs(missing["synthetic"] - missing["real"]),
        "labels": {"real": r.n_unique(), "synthetic": s.n_unique()},
        "top": top.head(SHOWN_LABELS).drop("_m").to_dicts(),
        "score": 1.0 - tvd,
    }
    if kind == "string":
        out["unique_share"] = {"real": r.n_unique() / len(r), "synthetic": s.n_unique() / len(s)}
    return out


def label_text(series: pl.Series) -> pl.Series:
    """The column as text labels named ``label``, missing as :data:`MISSING`."""
    return series.cast(pl.String).fill_null(MISSING).alias("label")


def top_labels(text: pl.Series, n: int) -> list[str]:
    """The ``n`` most frequent labels of :func:`label_text` output, missing left out, ties by label."""
    counts = text.filter(text != MISSING).value_counts(sort=True, name="n")
    return counts.sort(["n", "label"], descending=[True, False])["label"].head(n).to_list()


def pool_labels(text: pl.Series, keep: list[str]) -> pl.Series:
    """Labels outside ``keep`` (missing aside) replaced by :data:`OTHER`."""
    return pl.select(
        pl.when(text.is_in(keep) | (text == MISSING)).then(text).otherwise(pl.lit(OTHER)).alias("label")
    ).to_series()


def _shares(text: pl.Series, name: str) -> pl.DataFrame:
    return text.value_counts(name=name).with_columns(pl.col(name) / len(text))

