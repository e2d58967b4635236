"""Shared preparation for every metric: align the frames, classify columns, subsample,
and encode mixed-type rows as numbers for distances and classifiers.

Everything is learnt from the *real* frame (ranges, category lists) and applied
unchanged to the synthetic and holdout frames, so no frame sees its own statistics.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

from datatwin.errors import DataError
from datatwin.schema import infer_kind

#: column kinds compared as numbers (temporal ones through their physical value)
NUMERIC_KINDS = ("continuous", "discrete", "date", "datetime", "time")
#: at most this many categories get their own one-hot column; the rest share "other"
MAX_ONE_HOT = 50


@dataclasses.dataclass(frozen=True)
class EvalData:
    """Real, synthetic and optional holdout frames with the same columns and dtypes."""

    real: pl.DataFrame
    synthetic: pl.DataFrame
    holdout: pl.DataFrame | None
    kinds: dict[str, str]  # column -> datatwin kind, inferred on the real frame

    @property
    def numeric(self) -> list[str]:
        return [c for c, k in self.kinds.items() if k in NUMERIC_KINDS]

    @property
    def categorical(self) -> list[str]:
        return [c for c, k in self.kinds.items() if k not in NUMERIC_KINDS]


def align(real: pl.DataFrame, synthetic: pl.DataFrame, holdout: pl.DataFrame | None = None) -> EvalData:
    """Check that the frames describe the same table and bring them to the real dtypes."""
    frames = {"synthetic": synthetic, "holdout": holdout}
    for label, frame in frames.items():
        if frame is None:
            continue
        missing = [c for c in real.columns if c not in frame.columns]
        extra = [c for c in frame.columns if c not in real.columns]
        if missing or extra:
            raise DataError(
                f"the {label} data must have the real data's columns: "
                + (f"missing {missing}" if missing else "")
                + ("; " if missing and extra else "")
                + (f"unexpected {extra}" if extra else "")
            )
        if frame.height == 0:
            raise DataError(f"the {label} data has no rows")
    if real.height < 2:
        raise DataError("the real data needs at least 2 rows to be compared")
    cast = {label: _cast_like(real, f, label) for label, f in frames.items() if f is not None}
    kinds = {c: infer_kind(real[c]) for c in real.columns}
    return EvalData(real, cast["synthetic"], cast.get("holdout"), kinds)


def _cast_like(real: pl.DataFrame, frame: pl.DataFrame, label: str) -> pl.DataFrame:
    out = []
    for name in real.columns:
        col, dtype = frame[name], real[name].dtype
        if col.dtype == dtype:
            out.append(col)
            continue
        try:
            target = pl.String if isinstance(dtype, (pl.Categorical, pl.Enum)) else dtype
            src = col.cast(pl.String) if isinstance(col.dtype, (pl.Categorical, pl.Enum)) else col
            out.append(src.cast(target, strict=True))
        except pl.exceptions.PolarsError:
            raise DataError(
                f"column {name!r} of the {label} data ({col.dtype}) cannot be read as the real data's {dtype}"
            ) from None
    frame = pl.DataFrame(out)
    # categories compare as text: a Categorical and a String column with the same labels are equal
    return frame.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String))


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Categorical and Enum columns as String (labels compare as text)."""
    return frame.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String))


def numeric_values(series: pl.Series) -> np.ndarray:
    """Float values of a numeric or temporal column, NaN for missing."""
    if series.dtype.is_temporal():
        series = series.to_physical()
    return series.cast(pl.Float64).fill_null(np.nan).to_numpy()


def subsample(frame: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """At most ``n`` rows, drawn without replacement with a fixed seed."""
    return frame if frame.height <= n else frame.sample(n, seed=seed)


@dataclasses.dataclass(frozen=True)
class Encoder:
    """Mixed rows -> numbers, learnt on the real frame.

    Numeric columns are scaled by the real 1st-99th percentile range and clipped to
    [-0.5, 1.5]; a missing number is the real median plus a 0/1 missing indicator.
    Categorical columns are one-hot (top ``MAX_ONE_HOT`` labels, the rest "other",
    missing its own label) scaled by 1/2, so that under the L1 (Manhattan) distance a
    mismatch costs 1, like a full-range numeric difference: the Gower distance, times
    the number of columns.
    """

    numeric: dict[str, tuple[float, float, float]]  # name -> (low, width, median)
    categories: dict[str, list[str]]

    @classmethod
    def fit(cls, data: EvalData, columns: list[str] | None = None) -> "Encoder":
        cols = columns if columns is not None else data.real.columns
        numeric: dict[str, tuple[float, float, float]] = {}
        categories: dict[str, list[str]] = {}
        real = data.real
        for c in cols:
            if data.kinds[c] in NUMERIC_KINDS:
                v = numeric_values(real[c])
                v = v[np.isfinite(v)]
                if len(v) == 0:
                    numeric[c] = (0.0, 1.0, 0.0)
                    continue
                lo, hi = np.quantile(v, [0.01, 0.99])
                width = float(hi - lo) or float(v.max() - v.min()) or 1.0
                numeric[c] = (float(lo), width, float(np.median(v)))
            else:
                counts = real[c].cast(pl.String).fill_null("<missing>").value_counts(sort=True)
                categories[c] = counts[c].head(MAX_ONE_HOT).to_list()
        return cls(numeric, categories)

    def transform(self, frame: pl.DataFrame) -> np.ndarray:
        """A float32 matrix, one row per row of ``frame``."""
        blocks: list[np.ndarray] = []
        for c, (lo, width, median) in self.numeric.items():
            v = numeric_values(frame[c])
            miss = ~np.isfinite(v)
            scaled = np.clip((np.where(miss, median, v) - lo) / width, -0.5, 1.5)
            blocks.append(scaled[:, None])
            blocks.append(miss[:, None].astype(float))  # always, so every frame has the same columns
        for c, labels in self.categories.items():
            text = frame[c].cast(pl.String).fill_null("<missing>")
            index = {lab: i for i, lab in enumerate(labels)}
            codes = text.replace_strict(index, default=len(labels), return_dtype=pl.Int64).to_numpy()
            onehot = np.zeros((frame.height, len(labels) + 1))
            onehot[np.arange(frame.height), codes] = 0.5
            blocks.append(onehot)
        if not blocks:
            return np.zeros((frame.height, 0), dtype=np.float32)
        return np.hstack(blocks).astype(np.float32)

    def ordinal(self, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """One column per data column, for tree models that split on categories natively.

        Numbers are the raw values, NaN for missing (gradient boosting learns where missing
        rows go); labels are their index among the real top ``MAX_ONE_HOT`` labels (missing
        is a label), the rest share one "other" code. Returns the float matrix and a boolean
        mask of its categorical columns.
        """
        blocks = [numeric_values(frame[c]) for c in self.numeric]
        for c, labels in self.categories.items():
            text = frame[c].cast(pl.String).fill_null("<missing>")
            index = {lab: i for i, lab in enumerate(labels)}
            blocks.append(text.replace_strict(index, default=len(labels), return_dtype=pl.Float64).to_numpy())
        mask = np.r_[np.zeros(len(self.numeric), bool), np.ones(len(self.categories), bool)]
        if not blocks:
            return np.zeros((frame.height, 0)), mask
        return np.column_stack(blocks), mask
