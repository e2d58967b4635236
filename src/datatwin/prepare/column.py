"""Preparing one column: missing values, text formats, personal data, kind, checks, and its
distinct values with counts. Done once, before any model family sees the column."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np
import polars as pl

from datatwin.errors import ColumnError
from datatwin.prepare.convert import KIND_DTYPES, to_values, value_codes
from datatwin.prepare.kinds import KindChoice, choose_kind
from datatwin.prepare.missing import apply_missing_values, without_nan
from datatwin.prepare.personalcolumn import SpecialText, free_text_for_fit, personal_for_fit
from datatwin.prepare.rules import private_series
from datatwin.prepare.textcolumn import text_column_for_fit
from datatwin.prepare.textformat import TextFormat
from datatwin.schema import MIN_ROWS_FOR_UNIQUE, ColumnSpec, FitSpec, dtype_to_str, infer_kind, public_kind


@dataclasses.dataclass(frozen=True, eq=False)
class PreparedColumn:
    """One column, ready for any model family.

    ``series`` is row-aligned with the table (same length, nulls where a value is
    missing) and typed: dates or numbers written as text are parsed (``text_format``
    says how to write them back). ``values``/``counts`` are its distinct non-missing values
    and how many rows hold each (weighted by the frequency column, if any), sorted.
    ``spec`` is the owner's column spec, rewritten when the column was found to be personal
    data or free text (``special``).
    """

    name: str
    kind: str
    #: the model file's dtype: the source's, or "String" for a column written with a text format
    dtype: str
    #: the dtype the values have in ``series`` (the parsed one under a text format)
    value_dtype: str
    series: pl.Series
    values: np.ndarray
    counts: np.ndarray
    n_rows: float
    n_missing: float
    spec: ColumnSpec
    categories: list[str] | None = None
    text_format: TextFormat | None = None
    #: why a date-like text column stayed text, or how many values became missing
    text_note: str | None = None
    special: SpecialText | None = None
    #: every non-missing value distinct (a data-dependent guess: private policies use the spec)
    inferred_unique: bool = False
    #: why the kind (and a rule's distribution) was chosen, when it was inferred from the values
    #: (:func:`datatwin.prepare.kinds.choose_kind`); None when the spec forced the kind
    kind_choice: KindChoice | None = None

    @property
    def n_present(self) -> float:
        return float(np.sum(self.counts))

    @property
    def present(self) -> np.ndarray:
        """Row mask of the non-missing values."""
        return self.series.is_not_null().to_numpy()

    @functools.cached_property
    def codes(self) -> np.ndarray:
        """For every row, the index of its value in ``values`` (-1 where missing); computed
        once, as several families and fitting rounds ask for it. Read-only."""
        codes = value_codes(self.series, self.kind, self.values)
        codes.flags.writeable = False
        return codes


def _whole(series: pl.Series) -> bool:
    as_float = series.cast(pl.Float64)
    return bool((as_float == as_float.round(0)).all())


def _forced_name(spec: ColumnSpec) -> str | None:
    d = spec.distribution
    return d if isinstance(d, str) or d is None else d.get("name")


def prepare_column(
    series: pl.Series,
    spec: ColumnSpec,
    fit_spec: FitSpec,
    weights: np.ndarray | None = None,
    reads_values: bool = True,
) -> PreparedColumn:
    """Prepare one column for fitting.

    ``weights`` (one per row, >= 0) say how many times each row counts (a frequency column).
    ``reads_values`` is the privacy policy's word: False under a private policy, where the
    kind, text formats and personal data come from the dtype and the spec only, never from
    the values (such choices would themselves leak).
    """
    name = series.name
    n_rows = len(series)
    sentinels = tuple(fit_spec.missing_values) + tuple(spec.missing_values)
    if sentinels:
        series = apply_missing_values(series, sentinels)
    series = without_nan(series, reads_values)
    special = personal_for_fit(series, spec, fit_spec, reads_values)
    if special is not None:  # personal data: made up by Faker, kept as text, no value published
        spec = special.spec
    text = text_column_for_fit(series, spec, fit_spec, reads_values)
    note = text.note  # published or not: the privacy policy decides (it counts values that did not parse)
    text_format = text.text_format
    if not reads_values and text_format is not None and text_format.time_zone is not None:
        # a private policy publishes no time zone guessed from the text's offsets
        text_format = dataclasses.replace(text_format, time_zone=None)
    series = text.series  # typed when the text holds dates or numbers in one format
    nonnull = series.drop_nulls()
    n_missing = float(series.null_count())
    n_total = float(n_rows)
    nonnull_weights = None
    if weights is not None:
        present = series.is_not_null().to_numpy()
        nonnull_weights = weights[present]
        n_missing, n_total = float(weights[~present].sum()), float(weights.sum())
    dtype = series.dtype
    choice = None
    if spec.kind is not None:
        kind = spec.kind
    elif reads_values and special is None:
        choice = choose_kind(nonnull, fit_spec, nonnull_weights)
        kind = choice.kind
        if choice.distribution is not None and spec.distribution is None:
            # a rule's distribution (bernoulli for 0/1, finite for years and few values): the
            # spec's own distribution always wins
            spec = dataclasses.replace(spec, distribution=choice.distribution)
        elif choice.distribution is not None:
            choice = dataclasses.replace(choice, distribution=None, rule=None, override=None)
    elif reads_values:
        kind = infer_kind(nonnull if len(nonnull) else series, fit_spec.max_categories,
                          None if nonnull_weights is None else float(nonnull_weights.sum()))
    else:  # a private policy: the kind comes from the dtype alone, never from the values
        kind = public_kind(dtype)
    if not KIND_DTYPES[kind](dtype):
        numbers = reads_values and kind == "categorical" and dtype.is_numeric()
        held = f" with {nonnull.n_unique()} distinct values" if numbers else ""
        raise ColumnError(
            name, f"a {dtype_to_str(dtype)} column{held} cannot be modelled as kind {kind!r}; remove the forced kind"
        )
    if not reads_values:  # no error may depend on one row: values breaking a declared rule become missing
        series = private_series(series, kind, bool(spec.unique))
        nonnull = series.drop_nulls()
        present = series.is_not_null().to_numpy()
        n_missing = float(series.null_count()) if weights is None else float(weights[~present].sum())
        nonnull_weights = None if weights is None else weights[present]
    categories = list(dtype.categories) if isinstance(dtype, pl.Enum) else None

    n_distinct = nonnull.n_unique()
    # with a frequency column, a row of weight 3 is three rows: count repeats that way
    n_present = len(nonnull) if nonnull_weights is None else float(nonnull_weights.sum())
    repeats = n_present - n_distinct if nonnull_weights is None else (
        n_present - n_distinct if np.all(nonnull_weights <= 1) and n_distinct == len(nonnull) else max(n_present - n_distinct, 1)
    )
    if kind == "discrete" and (dtype.is_float() or isinstance(dtype, pl.Decimal)) and not _whole(nonnull):
        raise ColumnError(name, "kind 'discrete' needs whole numbers, but the column has fractions; use 'continuous'")
    forced_categorical = _forced_name(spec) == "categorical"
    if (
        reads_values
        and (kind == "categorical" or forced_categorical)
        and n_distinct > fit_spec.max_categories
        and categories is None
    ):
        raise ColumnError(
            name,
            f"has {n_distinct} distinct labels, more than max_categories={fit_spec.max_categories}; "
            "publishing them all would copy the data: "
            + ("do not force the categorical distribution" if kind == "string" else "model it as kind 'string'")
            + ", or raise max_categories in the spec",
        )
    if spec.unique and kind in ("categorical", "boolean"):
        raise ColumnError(name, f"the spec says unique, but a {kind} column cannot be unique; drop 'unique' from the spec")
    if spec.unique and repeats > 0 and reads_values:
        raise ColumnError(
            name,
            f"the spec says unique, but {repeats:g} value(s) repeat; "
            "remove the duplicates from the data or drop 'unique' from the spec",
        )
    inferred_unique = kind not in ("categorical", "boolean") and n_present >= MIN_ROWS_FOR_UNIQUE and repeats <= 0
    if len(nonnull):
        try:
            values, counts = to_values(nonnull, kind, nonnull_weights)
        except pl.exceptions.PolarsError as exc:
            raise ColumnError(
                name, f"values cannot be read as {kind} numbers ({type(exc).__name__}); cast the column to Float64 or String"
            ) from None
    else:
        values, counts = np.array([], dtype=object), np.array([], dtype=np.float64)
    if not reads_values and spec.unique and len(counts) and counts.max() > 1:
        # a weight above 1 in a unique column: the extra units of weight are missing
        n_missing += float(np.sum(counts - np.minimum(counts, 1)))
        counts = np.minimum(counts, 1)
    if special is None:
        special = free_text_for_fit(values, counts, kind, spec, fit_spec, reads_values)
        if special is not None:  # long, varied text: a length model and made-up words
            spec = special.spec
    if categories is not None:  # Enum: every category, in the dtype's order
        values, counts = _align_to_categories(values, counts, categories)
    return PreparedColumn(
        name=name, kind=kind, dtype="String" if text_format else dtype_to_str(dtype), value_dtype=dtype_to_str(dtype),
        series=series, values=values, counts=counts, n_rows=n_total, n_missing=n_missing, spec=spec,
        categories=categories, text_format=text_format, text_note=note, special=special,
        inferred_unique=inferred_unique, kind_choice=choice,
    )


def _align_to_categories(values: np.ndarray, counts: np.ndarray, categories: list[str]) -> tuple[np.ndarray, np.ndarray]:
    index: dict[Any, Any] = {v: c for v, c in zip(values.tolist(), counts.tolist())}
    return np.array(categories, dtype=object), np.array([index.get(c, 0) for c in categories], dtype=np.int64)
