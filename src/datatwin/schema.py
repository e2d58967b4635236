"""Column kinds, dtype text codec, kind inference and the per-column fitting spec."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import polars as pl

from datatwin.errors import InputFileError, SpecError, did_you_mean
from datatwin.personal import PROVIDERS, available_locales

KINDS = ("continuous", "discrete", "categorical", "boolean", "date", "datetime", "time", "string")

#: Inferred categorical when a text column has at most this many distinct values ...
MAX_CATEGORIES = 1000
#: ... and at most CATEGORICAL_SQRT_FACTOR * sqrt(non-missing rows) of them.
CATEGORICAL_SQRT_FACTOR = 2.0
#: A column is marked unique only if at least this many non-missing values are all distinct.
MIN_ROWS_FOR_UNIQUE = 10


# -- dtypes as text -------------------------------------------------------------
_SIMPLE = {
    str(t): t
    for t in (
        pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
        pl.Float32, pl.Float64, pl.String, pl.Boolean, pl.Date, pl.Time, pl.Categorical, pl.Null,
    )
}


def dtype_to_str(dtype: pl.DataType) -> str:
    """Short readable text for a polars dtype: 'Int64', 'Datetime[us, UTC]', 'Enum', 'Decimal[10, 2]'."""
    if isinstance(dtype, pl.Datetime):
        return f"Datetime[{dtype.time_unit}, {dtype.time_zone}]" if dtype.time_zone else f"Datetime[{dtype.time_unit}]"
    if isinstance(dtype, pl.Duration):
        return f"Duration[{dtype.time_unit}]"
    if isinstance(dtype, pl.Decimal):
        return f"Decimal[{dtype.precision}, {dtype.scale}]"
    if isinstance(dtype, pl.Enum):
        return "Enum"
    if isinstance(dtype, pl.Categorical):
        return "Categorical"
    return str(dtype.base_type()) if dtype.base_type() in _SIMPLE.values() else str(dtype)


_PARAM = re.compile(r"^(\w+)\[([^\]]*)\]$")


def dtype_from_str(text: str, categories: list[str] | None = None) -> pl.DataType:
    """Inverse of :func:`dtype_to_str`; ``categories`` is needed for 'Enum'."""
    if text in _SIMPLE:
        return _SIMPLE[text]()
    if text == "Enum":
        if categories is None:
            raise ValueError("an Enum dtype needs 'categories'")
        return pl.Enum(categories)
    m = _PARAM.match(text)
    if m:
        name, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
        if name == "Datetime" and 1 <= len(args) <= 2 and args[0] in ("ns", "us", "ms"):
            return pl.Datetime(args[0], args[1] if len(args) == 2 else None)
        if name == "Duration" and len(args) == 1 and args[0] in ("ns", "us", "ms"):
            return pl.Duration(args[0])
        if name == "Decimal" and len(args) == 2 and all(a.isdigit() for a in args):
            return pl.Decimal(int(args[0]), int(args[1]))
    raise ValueError(f"unknown dtype {text!r}")


# -- kind inference -------------------------------------------------------------
def unsupported_reason(dtype: pl.DataType) -> str | None:
    """Why a column of this dtype cannot be modelled, or None if it can.

    Nested columns (List, Array, Struct) and types without a model-file spelling
    (Binary, Object, Int128, ...) are skipped with a warning, never silently."""
    if isinstance(dtype, (pl.List, pl.Array, pl.Struct)):
        return f"nested type {dtype_to_str(dtype)} is not supported; flatten it to model it"
    text = dtype_to_str(dtype)
    try:
        dtype_from_str(text, [] if text == "Enum" else None)
    except ValueError:
        return f"type {text} is not supported; cast it to a number, text or date type to model it"
    return None


def infer_kind(series: pl.Series, max_categories: int = MAX_CATEGORIES, rows: float | None = None) -> str:
    """The column kind of ``series`` (nulls already removed or not); ``rows`` is how many
    non-missing rows the values stand for (default: as many as there are), so that values
    with frequency weights (a streamed fit's distinct rows) get the kind of the rows.

    - Boolean -> boolean; Date/Datetime/Time -> date/datetime/time;
    - integers and Duration -> discrete; floats whose values are all whole -> discrete
      (integers that went through a float because of missing values), other floats
      and Decimal -> continuous;
    - Enum -> categorical; text and Categorical -> categorical when the number of
      distinct values is at most ``max_categories`` and at most 2 * sqrt(non-missing
      rows), otherwise string.
    """
    dtype = series.dtype
    # only whole-number floats and text need the values; every other kind follows the dtype
    if dtype.is_float():
        finite = series.drop_nulls().drop_nans()
        if len(finite) and finite.is_finite().all() and (finite == finite.round(0)).all():
            return "discrete"
        return "continuous"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Categorical):
        nonnull = series.drop_nulls()
        n_distinct = nonnull.n_unique()
        n = len(nonnull) if rows is None else rows
        limit = min(max_categories, CATEGORICAL_SQRT_FACTOR * math.sqrt(max(n, 1)))
        return "categorical" if n_distinct <= limit else "string"
    return public_kind(dtype)


def public_kind(dtype: pl.DataType) -> str:
    """The kind implied by the dtype alone, without looking at any value.

    Used under differential privacy, where choosing a kind from the values (how many
    distinct labels, whether floats are whole) would itself leak: integers and Duration
    are discrete, floats and Decimal continuous, text/Categorical/Enum categorical.
    The spec's ``kind`` overrides it (e.g. ``kind = "discrete"`` for whole-number floats).
    """
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Time:
        return "time"
    if dtype.is_integer() or isinstance(dtype, pl.Duration):
        return "discrete"
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return "continuous"
    if dtype == pl.Null:  # no values at all (as infer_kind says; only 'string' admits Null)
        return "string"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return "categorical"
    raise ValueError(f"unsupported dtype {dtype}")


# -- the spec -------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ColumnSpec:
    """What the data owner forces for one column; ``None`` means infer."""

    kind: str | None = None
    distribution: str | dict[str, Any] | None = None
    unique: bool | None = None
    missing_values: tuple[Any, ...] = ()
    exclude: bool = False
    description: str | None = None
    keep_rare: bool = False
    #: public clamping bounds (lower, upper) for private policies: numbers, or ISO text for temporal columns
    bounds: tuple[Any, Any] | None = None
    #: a public label domain for categorical columns under DP (no label selection needed)
    labels: tuple[Any, ...] | None = None
    #: this column's share of a DP budget, relative to the others (default 1: equal split)
    budget_weight: float = 1.0
    #: dates/numbers written as text: a pattern ("%d/%m/%Y", "#,##0.00"), False to keep text, None to detect
    text_format: str | bool | None = None
    #: values that do not parse with the text format: "text" (column stays text) or "missing"; None: global
    unparsed: str | None = None
    #: personal data (see datatwin.personal): None detects, False never, a provider name ("email") forces it
    personal: str | bool | None = None
    #: Faker locale for personal data and free text in this column; None: detected, else the global one
    locale: str | None = None


@dataclasses.dataclass(frozen=True)
class FitSpec:
    """Global fitting options plus per-column specs.

    ``missing_values`` are sentinels that mean "missing" in every column (e.g. ``"?"``);
    ``empirical`` adds the binned empirical distribution to the candidates (it releases
    quantiles of the data, so it is off by default); categorical labels held by fewer
    than ``rare_threshold`` rows are not published (merged into ``other_label`` for text
    columns, see :mod:`datatwin.privacy.rare_labels`) unless a column says ``keep_rare``.
    """

    columns: dict[str, ColumnSpec] = dataclasses.field(default_factory=dict)
    missing_values: tuple[Any, ...] = ()
    criterion: str = "bic"
    empirical: bool = False
    empirical_bins: int = 20
    max_categories: int = MAX_CATEGORIES
    rare_threshold: int = 10
    other_label: str = "other"
    weight_column: str | None = None
    #: default for ColumnSpec.unparsed (see datatwin.prepare.textdetect)
    unparsed: str = "text"
    #: Faker locale for personal data and free text where a column gives none (None: detected, else en_US)
    locale: str | None = None
    #: look for personal data in text columns (names, e-mail addresses, ...) and make it up with Faker
    detect_personal: bool = True
    #: the model family's name (None: the caller's choice, "independent" by default) and its options
    family: str | None = None
    family_options: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: the constraints as declared (mappings; parsed and checked by :mod:`datatwin.constraints`)
    constraints: tuple[dict[str, Any], ...] = ()
    #: what fitting does with real rows that break a constraint: "keep" (default), "drop" or "fail"
    on_violation: str = "keep"


#: what fitting may do with real rows that break a constraint
ON_VIOLATION = ("keep", "drop", "fail")
_COLUMN_KEYS = {f.name for f in dataclasses.fields(ColumnSpec)}
_GLOBAL_KEYS = {f.name for f in dataclasses.fields(FitSpec)} - {"family_options"}


def _sentinels(value: Any, where: str) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise SpecError(f"{where}: 'missing_values' must be a list of text or numbers. Got {value!r}.")


def parse_column_spec(name: str, raw: Any) -> ColumnSpec:
    """Validate one column's entry of a spec mapping."""
    where = f"spec for column {name!r}"
    if isinstance(raw, ColumnSpec):
        return raw
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: must be a mapping of options. Got {raw!r}.")
    unknown = set(raw) - _COLUMN_KEYS
    if unknown:
        raise SpecError(
            f"{where}: unknown option(s) {sorted(unknown)}{did_you_mean(sorted(unknown), _COLUMN_KEYS)}; "
            f"allowed: {sorted(_COLUMN_KEYS)}"
        )
    kind = raw.get("kind")
    if kind is not None and kind not in KINDS:
        raise SpecError(f"{where}: 'kind' must be one of {list(KINDS)}. Got {kind!r}.")
    dist = raw.get("distribution")
    if dist is not None and not isinstance(dist, str):
        if not (isinstance(dist, dict) and isinstance(dist.get("name"), str) and set(dist) <= {"name", "parameters"}):
            raise SpecError(
                f"{where}: 'distribution' must be a name or {{name = ..., parameters = {{...}}}}. Got {dist!r}."
            )
    for key in ("unique", "exclude", "keep_rare"):
        if key in raw and not isinstance(raw[key], bool):
            raise SpecError(f"{where}: {key!r} must be true or false. Got {raw[key]!r}.")
    if "description" in raw and not isinstance(raw["description"], str):
        raise SpecError(f"{where}: 'description' must be text. Got {raw['description']!r}.")
    bounds = _bounds(raw.get("bounds"), where)
    labels = raw.get("labels")
    if labels is not None:
        if not isinstance(labels, (list, tuple)) or not labels or len(set(map(repr, labels))) != len(labels):
            raise SpecError(f"{where}: 'labels' must be a non-empty list of distinct labels. Got {labels!r}.")
        labels = tuple(labels)
    weight = raw.get("budget_weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0:
        raise SpecError(f"{where}: 'budget_weight' must be a number > 0. Got {weight!r}.")
    text_format = raw.get("text_format")
    if text_format is not None and text_format is not False and not (isinstance(text_format, str) and text_format):
        raise SpecError(
            f"{where}: 'text_format' must be a pattern such as \"%d/%m/%Y\" or \"#,##0.00\", or false to keep "
            f"the text. Got {text_format!r}."
        )
    unparsed = raw.get("unparsed")
    if unparsed is not None:
        _check_unparsed(unparsed, where)
    return ColumnSpec(
        kind=kind,
        distribution=dist,
        unique=raw.get("unique"),
        missing_values=_sentinels(raw.get("missing_values"), where),
        exclude=raw.get("exclude", False),
        description=raw.get("description"),
        keep_rare=raw.get("keep_rare", False),
        bounds=bounds,
        labels=labels,
        budget_weight=float(weight),
        text_format=text_format,
        unparsed=unparsed,
        personal=_personal(raw.get("personal"), kind, dist, where),
        locale=_locale(raw.get("locale"), where),
    )


def _personal(value: Any, kind: str | None, dist: Any, where: str) -> str | bool | None:
    if value is None or value is False:
        return value
    if not isinstance(value, str) or value not in PROVIDERS:
        raise SpecError(
            f"{where}: 'personal' must be false (never personal data) or one of {', '.join(PROVIDERS)}. Got {value!r}."
        )
    if dist is not None:
        raise SpecError(f"{where}: give either 'personal' (made up by Faker) or 'distribution', not both")
    if kind not in (None, "string"):
        raise SpecError(f"{where}: personal data is of kind 'string'; remove kind = {kind!r} or 'personal'")
    return value


def _locale(value: Any, where: str) -> str | None:
    if value is not None and value not in available_locales():
        raise SpecError(f"{where}: 'locale' must be a Faker locale such as 'en_US', 'nl_NL' or 'de_DE'. Got {value!r}.")
    return value


def _check_unparsed(value: Any, where: str) -> None:
    if value not in ("text", "missing"):
        raise SpecError(
            f"{where}: 'unparsed' must be \"text\" (keep the column as text) or \"missing\" (treat values "
            f"that do not fit the text format as missing). Got {value!r}."
        )


def _bounds(value: Any, where: str) -> tuple[Any, Any] | None:
    """Clamping bounds [lower, upper]: two numbers, or two ISO date/time texts."""
    if value is None:
        return None
    ok_types = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) if isinstance(
        value, (list, tuple)
    ) else False
    ok_text = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not (ok_types or ok_text):
        raise SpecError(f"{where}: 'bounds' must be [lower, upper] (two numbers, or two ISO dates/times). Got {value!r}.")
    lower, upper = value
    if ok_types and not all(math.isfinite(v) for v in value):
        raise SpecError(f"{where}: 'bounds' must be finite numbers. Got {value!r}.")
    if lower > upper:
        raise SpecError(f"{where}: 'bounds' lower {lower!r} is greater than upper {upper!r}; swap them.")
    return (lower, upper)


def parse_spec(raw: FitSpec | dict[str, Any] | str | Path | None) -> FitSpec:
    """A FitSpec from a mapping, a TOML/JSON file path, or an existing FitSpec.

    A mapping may hold global options and a ``columns`` table::

        {"missing_values": ["?"], "columns": {"age": {"distribution": "discrete_normal"}}}
    """
    if raw is None:
        return FitSpec()
    if isinstance(raw, FitSpec):
        return raw
    if isinstance(raw, (str, Path)):
        raw = load_spec_file(Path(raw))
    if not isinstance(raw, dict):
        raise SpecError(f"a spec must be a mapping or a TOML/JSON file. Got {type(raw).__name__}.")
    unknown = set(raw) - _GLOBAL_KEYS
    if unknown:
        raise SpecError(
            f"spec: unknown option(s) {sorted(unknown)}{did_you_mean(sorted(unknown), _GLOBAL_KEYS)}; "
            f"allowed: {sorted(_GLOBAL_KEYS)}"
        )
    columns = raw.get("columns") or {}
    if not isinstance(columns, dict):
        raise SpecError("spec: 'columns' must map column names to options")
    criterion = raw.get("criterion", "bic")
    if criterion not in ("bic", "aic"):
        raise SpecError(f"spec: 'criterion' must be 'bic' or 'aic'. Got {criterion!r}.")
    bins = raw.get("empirical_bins", 20)
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 2:
        raise SpecError(f"spec: 'empirical_bins' must be an integer >= 2. Got {bins!r}.")
    max_cat = raw.get("max_categories", MAX_CATEGORIES)
    if not isinstance(max_cat, int) or isinstance(max_cat, bool) or max_cat < 1:
        raise SpecError(f"spec: 'max_categories' must be an integer >= 1. Got {max_cat!r}.")
    rare = raw.get("rare_threshold", 10)
    if not isinstance(rare, int) or isinstance(rare, bool) or rare < 1:
        raise SpecError(f"spec: 'rare_threshold' must be an integer >= 1 (1 keeps every label). Got {rare!r}.")
    other = raw.get("other_label", "other")
    if not isinstance(other, str) or not other:
        raise SpecError(f"spec: 'other_label' must be non-empty text. Got {other!r}.")
    weight = raw.get("weight_column")
    if weight is not None and (not isinstance(weight, str) or not weight):
        raise SpecError(f"spec: 'weight_column' must be a column name. Got {weight!r}.")
    empirical = raw.get("empirical", False)
    if not isinstance(empirical, bool):
        raise SpecError(f"spec: 'empirical' must be true or false. Got {empirical!r}.")
    unparsed = raw.get("unparsed", "text")
    _check_unparsed(unparsed, "spec")
    detect_personal = raw.get("detect_personal", True)
    if not isinstance(detect_personal, bool):
        raise SpecError(f"spec: 'detect_personal' must be true or false. Got {detect_personal!r}.")
    family, family_options = _family(raw.get("family"))
    constraints = raw.get("constraints") or []
    if not isinstance(constraints, (list, tuple)) or not all(isinstance(c, dict) for c in constraints):
        raise SpecError(
            "spec: 'constraints' must be a list of tables such as {kind = \"range\", column = \"age\", low = 0}. "
            f"Got {constraints!r}."
        )
    on_violation = raw.get("on_violation", "keep")
    if on_violation not in ON_VIOLATION:
        raise SpecError(
            f"spec: 'on_violation' must be one of {', '.join(map(repr, ON_VIOLATION))} (what to do with real rows "
            f"that break a constraint). Got {on_violation!r}."
        )
    return FitSpec(
        constraints=tuple(dict(c) for c in constraints),
        on_violation=on_violation,
        family=family,
        family_options=family_options,
        columns={str(k): parse_column_spec(str(k), v) for k, v in columns.items()},
        missing_values=_sentinels(raw.get("missing_values"), "spec"),
        criterion=criterion,
        empirical=empirical,
        empirical_bins=bins,
        max_categories=max_cat,
        rare_threshold=rare,
        other_label=other,
        weight_column=weight,
        unparsed=unparsed,
        locale=_locale(raw.get("locale"), "spec"),
        detect_personal=detect_personal,
    )


def _family(value: Any) -> tuple[str | None, dict[str, Any]]:
    """The spec's ``family``: a name (``family = "copula"``) or a table with ``name`` and the
    family's options (``[family]`` / ``name = "copula"`` / ``calibration_steps = 5``)."""
    if value is None:
        return None, {}
    if isinstance(value, str) and value:
        return value, {}
    if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"]:
        return value["name"], {str(k): v for k, v in value.items() if k != "name"}
    raise SpecError(
        f"spec: 'family' must be a family name such as \"copula\", or a table with 'name' and the family's "
        f"options. Got {value!r}."
    )


def load_spec_file(path: Path) -> dict[str, Any]:
    """Read a spec from ``.toml`` or ``.json``."""
    if not path.is_file():
        raise InputFileError(f"spec file {str(path)!r} does not exist; check the path")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        if path.suffix.lower() == ".json":
            return json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(f"spec file {str(path)!r} is not valid {path.suffix[1:].upper()}: {exc}") from None
    raise InputFileError(f"spec file {str(path)!r}: use a .toml or .json file")
