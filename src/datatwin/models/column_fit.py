"""Fitting one column: missing values, kind, text formats and personal data, then the
privacy policy's estimate. The bridge between frames (polars) and distributions (numpy)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
import polars as pl

from datatwin.distributions import (
    Distribution,
    distribution_from_dict,
    get_distribution_class,
    select_distribution,
)
from datatwin.errors import ColumnError, DatatwinWarning, DistributionError
from datatwin.models.columns import ColumnModel
from datatwin.models.convert import KIND_DTYPES, to_values
from datatwin.models.personalcolumn import finish, free_text_for_fit, personal_for_fit
from datatwin.models.rare import handle_rare_labels
from datatwin.models.textcolumn import text_column_for_fit
from datatwin.privacy.base import ColumnData, Estimate, NoPrivacy, PolicySession, TableInfo
from datatwin.schema import (
    MIN_ROWS_FOR_UNIQUE,
    ColumnSpec,
    FitSpec,
    dtype_to_str,
    infer_kind,
    public_kind,
)

#: the default session (stateless: no ledger entries under no formal privacy)
NO_PRIVACY_SESSION = NoPrivacy().start(TableInfo(0, (), None))


def apply_missing_values(series: pl.Series, sentinels: tuple[Any, ...]) -> pl.Series:
    """Turn every value equal to a sentinel into null (text sentinels on text columns,
    numeric sentinels on numeric columns; others do not apply to the column)."""
    dtype = series.dtype
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        series = series.cast(pl.String)
    if series.dtype == pl.String:
        applicable = [str(v) for v in sentinels]
    elif dtype.is_numeric():
        applicable = [v for v in sentinels if isinstance(v, (int, float)) and not isinstance(v, bool)]
        applicable += [float(v) for v in sentinels if isinstance(v, str) and _is_number(v)]
    else:
        applicable = []
    if not applicable:
        return series.cast(dtype) if series.dtype != dtype else series
    if series.dtype == pl.String:
        hit = series.is_in(applicable)
    else:  # compare as floats: a sentinel 2.5 must not match the integer 2
        hit = series.cast(pl.Float64).is_in([float(v) for v in applicable])
    out = pl.select(pl.when(hit).then(None).otherwise(series)).to_series().alias(series.name)
    return out.cast(dtype) if out.dtype != dtype else out


def _whole(series: pl.Series) -> bool:
    as_float = series.cast(pl.Float64)
    return bool((as_float == as_float.round(0)).all())


def _forced_name(spec: ColumnSpec) -> str | None:
    d = spec.distribution
    return d if isinstance(d, str) or d is None else d.get("name")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def fit_column(
    series: pl.Series,
    spec: ColumnSpec,
    fit_spec: FitSpec,
    weights: np.ndarray | None = None,
    session: PolicySession | None = None,
) -> ColumnModel:
    """Fit one column: missing values, kind, uniqueness, distribution (forced or selected).

    ``weights`` (one per row, >= 0) say how many times each row counts (a frequency column).
    ``session`` is the privacy policy's session that estimates the distribution (default:
    no formal privacy, :func:`estimate_plain`)."""
    if session is None:
        session = NO_PRIVACY_SESSION
    name = series.name
    n_rows = len(series)
    sentinels = tuple(fit_spec.missing_values) + tuple(spec.missing_values)
    if sentinels:
        series = apply_missing_values(series, sentinels)
    if series.dtype.is_float():
        n_inf = int(series.is_infinite().sum())
        if n_inf:
            raise ColumnError(
                name,
                f"has {n_inf} infinite value(s); replace them, or declare them missing with "
                f'missing_values = ["inf", "-inf"] in the spec for this column',
            )
        n_nan = int(series.is_nan().sum())
        if n_nan:
            warnings.warn(f"column {name!r}: {n_nan} NaN value(s) are treated as missing", DatatwinWarning, stacklevel=3)
            series = series.fill_nan(None)
    special = personal_for_fit(series, spec, fit_spec, session.peeks)
    if special is not None:  # personal data: made up by Faker, kept as text, no value published
        spec = special.spec
    text = text_column_for_fit(series, spec, fit_spec, session.peeks)
    if text.note is not None:  # it counts the values that did not parse: the policy decides
        text = dataclasses.replace(text, note=session.text_note(text.note))
    if not session.peeks and text.text_format is not None and text.text_format.time_zone is not None:
        # a private policy publishes no time zone guessed from the text's offsets
        text = dataclasses.replace(text, text_format=dataclasses.replace(text.text_format, time_zone=None))
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
    if spec.kind is not None:
        kind = spec.kind
    elif session.peeks:
        kind = infer_kind(nonnull if len(nonnull) else series, fit_spec.max_categories)
    else:  # a private policy: the kind comes from the dtype alone, never from the values
        kind = public_kind(dtype)
    if not KIND_DTYPES[kind](dtype):
        raise ColumnError(name, f"a {dtype_to_str(dtype)} column cannot be modelled as kind {kind!r}; remove the forced kind")
    categories = list(dtype.categories) if isinstance(dtype, pl.Enum) else None
    common = dict(
        name=name, kind=kind, dtype="String" if text.text_format else dtype_to_str(dtype), categories=categories,
        description=spec.description, text_format=text.text_format.to_dict() if text.text_format else None,
    )

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
        session.peeks
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
    if spec.unique and repeats > 0:
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
    if special is None:
        special = free_text_for_fit(values, counts, kind, spec, fit_spec, session.peeks)
        if special is not None:  # long, varied text: a length model and made-up words
            spec = special.spec
    if categories is not None:  # Enum: every category, in the dtype's order
        values, counts = _align_to_categories(values, counts, categories)
    data = ColumnData(
        name=name, kind=kind, dtype=dtype_to_str(dtype), values=values, counts=counts, n_rows=n_total,
        n_missing=n_missing, spec=spec, fit_spec=fit_spec, categories=categories, inferred_unique=inferred_unique,
    )
    try:
        est = session.estimate(data, estimate_plain)
    except DistributionError as exc:
        raise ColumnError(name, str(exc)) from None
    distribution, selection = est.distribution, est.selection
    if special is not None:
        distribution, selection = finish(special, distribution, selection)
    if text.note is not None:  # why a date-like column stayed text, or how many values became missing
        selection = {**(selection or {"method": "all missing"}), "text_format": text.note}
    return ColumnModel(
        prop_missing=est.prop_missing, unique=est.unique, distribution=distribution, selection=selection,
        rare_labels=est.rare_labels, **common,
    )


def estimate_plain(data: ColumnData) -> Estimate:
    """The non-private estimate: rare labels merged, then the distribution forced by the
    spec or chosen by the information criterion (maximum likelihood)."""
    spec, fit_spec = data.spec, data.fit_spec
    prop_missing = data.n_missing / data.n_rows if data.n_rows else 0.0
    if data.n_present == 0:
        return Estimate(distribution=None, prop_missing=1.0 if data.n_rows else 0.0, unique=False)
    unique = spec.unique if spec.unique is not None else data.inferred_unique
    values, counts, rare = data.values, data.counts, None
    if data.kind == "categorical" and not _fixed_parameters(spec):
        try:
            values, counts, rare = handle_rare_labels(
                values, counts, threshold=fit_spec.rare_threshold, other_label=fit_spec.other_label,
                keep=spec.keep_rare, text=data.dtype in ("String", "Categorical"),
                enum=data.categories is not None,
            )
        except ValueError as exc:
            raise ColumnError(data.name, str(exc)) from None
    dist, selection = _choose_distribution(values, counts, data.kind, unique, spec, fit_spec)
    return Estimate(
        distribution=dist, prop_missing=prop_missing, unique=unique, selection=selection,
        rare_labels=rare.to_dict() if rare is not None else None,
    )


def _fixed_parameters(spec: ColumnSpec) -> bool:
    return isinstance(spec.distribution, dict) and spec.distribution.get("parameters") is not None


def _align_to_categories(values: np.ndarray, counts: np.ndarray, categories: list[str]) -> tuple[np.ndarray, np.ndarray]:
    index = {v: c for v, c in zip(values.tolist(), counts.tolist())}
    return np.array(categories, dtype=object), np.array([index.get(c, 0) for c in categories], dtype=np.int64)


def _choose_distribution(
    values: np.ndarray, counts: np.ndarray, kind: str, unique: bool, spec: ColumnSpec, fit_spec: FitSpec
) -> tuple[Distribution, dict[str, Any]]:
    forced = spec.distribution
    if _fixed_parameters(spec):
        dist = distribution_from_dict(forced)
        _check_kind(dist.name, kind)
        return dist, {"method": "spec"}
    if forced is not None:
        name = forced if isinstance(forced, str) else forced["name"]
        _check_kind(name, kind)
        sel = select_distribution(
            values, counts, kind, criterion=fit_spec.criterion, candidates=(name,),
            empirical_bins=fit_spec.empirical_bins, literal_threshold=fit_spec.rare_threshold, unique=unique,
        )
        # one distinct value is always 'constant', whatever was forced: say so
        return sel.best, {"method": "single value" if sel.best.name == "constant" and name != "constant" else "spec"}
    if unique and kind == "discrete" and _key_like(values):  # unique: no repeats, checked by the caller
        return get_distribution_class("unique_key").fit(values, counts), {"method": "unique"}
    if kind == "categorical" and len(values) > 1:  # zero-count Enum labels stay
        dist = get_distribution_class("categorical").fit(values, counts)
        return dist, {"method": "only candidate"}
    sel = select_distribution(
        values, counts, kind, criterion=fit_spec.criterion, empirical=fit_spec.empirical,
        empirical_bins=fit_spec.empirical_bins, literal_threshold=fit_spec.rare_threshold, unique=unique,
    )
    scores = {k: _round_score(v) for k, v in sel.scores.items() if not math.isnan(v)}
    if len(scores) <= 1:
        return sel.best, {"method": "only candidate"}
    return sel.best, {"method": sel.criterion, "scores": scores}


def _key_like(values: np.ndarray) -> bool:
    """Distinct integers look like a key (1, 2, 3, ... or dense IDs) when a smooth
    distribution over their range would have produced repeats: expected collisions
    n^2 / (2 * range) >= 5 (the birthday bound). Twelve distinct salaries are not a key."""
    n = len(values)
    span = float(values.max()) - float(values.min()) + 1
    return n * n / (2 * span) >= 5


def _round_score(v: float) -> float:
    return round(v, 2)  # readable, and fine enough that different scores stay different


def _check_kind(name: str, kind: str) -> None:
    cls = get_distribution_class(name)
    if kind not in cls.kinds:
        raise DistributionError(f"distribution {name!r} cannot model a {kind} column (it models {', '.join(cls.kinds)})")


