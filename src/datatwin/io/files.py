"""Excel (through fastexcel/calamine) and SPSS, Stata and SAS files (through pyreadstat):
optional extras, imported when such a file is read."""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any

import polars as pl

from datatwin.errors import DataError, DatatwinWarning, InputFileError
from datatwin.io._common import check_duplicates, option

#: extension -> (format name, extra, pyreadstat reader)
STAT_EXTS = {
    ".sav": ("SPSS", "spss", "read_sav"),
    ".zsav": ("SPSS", "spss", "read_sav"),
    ".por": ("SPSS portable", "spss", "read_por"),
    ".dta": ("Stata", "stata", "read_dta"),
    ".sas7bdat": ("SAS", "sas", "read_sas7bdat"),
    ".xpt": ("SAS transport", "sas", "read_xport"),
}
EXCEL_EXTS = (".xlsx", ".xlsm", ".xls")


def _require(module: str, extra: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputFileError(
            f"reading {what} needs the optional package {module}: pip install \"datatwin[{extra}]\""
        ) from None


def read_excel(path: Path, sheet: str | int | None) -> pl.DataFrame:
    where = f"file {str(path)!r}"
    fastexcel = _require("fastexcel", "excel", f"{path.suffix} (Excel) files")
    reader = fastexcel.read_excel(path)
    names = list(reader.sheet_names)
    if not names:
        raise DataError(f"{where} has no sheets")
    shown = ", ".join(repr(n) for n in names)
    if sheet is None:
        name = names[0]
        if len(names) > 1:
            warnings.warn(
                f"{where} has {len(names)} sheets ({shown}); read the first, {name!r}; "
                f"pass {option('sheet')} to read another",
                DatatwinWarning, stacklevel=5,
            )
    elif isinstance(sheet, str) and sheet in names:
        name = sheet
    elif isinstance(sheet, int) or sheet.isdigit():
        number = int(sheet)
        if not 1 <= number <= len(names):
            raise InputFileError(f"{where} has {len(names)} sheet(s) ({shown}); there is no sheet number {number}")
        name = names[number - 1]
    else:
        raise InputFileError(f"{where} has no sheet {sheet!r}; its sheets are {shown} (or give a number from 1)")
    first = reader.load_sheet(name, header_row=None, n_rows=1, dtypes="string").to_polars()
    if first.height == 0:
        raise DataError(f"{where}: sheet {name!r} is empty; it needs a header row and at least one row")
    header = [v for v in first.row(0) if v is not None]
    # polars renames duplicate headers silently ('a_1'); refuse instead.
    check_duplicates(header, f"{where}, sheet {name!r}")
    # every row decides a column's type: with a sample, later cells of another type would become nulls
    return pl.read_excel(path, sheet_name=name, engine="calamine", infer_schema_length=None, raise_if_empty=False)


def read_stat(
    path: Path,
    ext: str,
    encoding: str | None,
    missing_values: tuple[Any, ...],
    column_missing: dict[str, tuple[Any, ...]],
) -> tuple[pl.DataFrame, dict[str, str]]:
    """SPSS/Stata/SAS through pyreadstat: user-missing values are null, value labels become Enum
    categories (when every value has one), whole-number doubles Int64, variable labels descriptions."""
    fmt, extra, reader_name = STAT_EXTS[ext]
    pyreadstat = _require("pyreadstat", extra, f"{ext} ({fmt}) files")
    kwargs: dict[str, Any] = {"output_format": "polars"}
    if encoding is not None:
        kwargs["encoding"] = encoding
    frame, meta = getattr(pyreadstat, reader_name)(str(path), **kwargs)
    where = f"file {str(path)!r}"
    value_labels = getattr(meta, "variable_value_labels", None) or {}
    missing_ranges: dict[str, list[dict[str, Any]]] = {}
    if reader_name == "read_sav" and value_labels:  # which labelled codes are user-missing (read as null)
        _, full = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True, **kwargs)
        missing_ranges = full.missing_ranges or {}
    columns = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype == pl.String:  # SPSS and Stata have no missing text: blank is missing
            col = pl.select(pl.when(col.str.strip_chars() == "").then(None).otherwise(col)).to_series().alias(name)
        labels = value_labels.get(name)
        if labels:
            sentinels = (*missing_values, *column_missing.get(name, ()))
            col = _apply_value_labels(where, col, labels, missing_ranges.get(name, []), sentinels)
        if col.dtype == pl.Float64:
            col = _whole_numbers(col)
        columns.append(col)
    descriptions = {
        name: label.strip()
        for name, label in (getattr(meta, "column_names_to_labels", None) or {}).items()
        if isinstance(label, str) and label.strip()
    }
    return pl.DataFrame(columns), descriptions


def _apply_value_labels(
    where: str, col: pl.Series, labels: dict[Any, str], missing: list[dict[str, Any]], sentinels: tuple[Any, ...]
) -> pl.Series:
    def is_missing(code: Any) -> bool:
        return any(r.get("lo") is not None and r["lo"] <= code <= r["hi"] for r in missing if _comparable(code, r))

    numeric = col.dtype.is_numeric()
    declared = {_code(s) for s in sentinels} if numeric else {str(s) for s in sentinels}
    codes = {(_code(k) if numeric else k): str(v) for k, v in labels.items()}
    codes = {k: v for k, v in codes.items() if not is_missing(k) and k not in declared}
    if declared:  # the spec's sentinels are missing values, whether they have labels or not
        col = pl.select(pl.when(col.is_in(list(declared))).then(None).otherwise(col)).to_series().alias(col.name)
    present = set(col.drop_nulls().unique().to_list())
    unlabelled = sorted(present - set(codes), key=str)
    if unlabelled:
        warnings.warn(
            f"{where}: column {col.name!r} has value labels, but {len(unlabelled)} of its values have none "
            f"(e.g. {unlabelled[0]!r}); kept as codes: label every value in the file, or list such codes "
            f"in missing_values, to read its labels as categories",
            DatatwinWarning, stacklevel=6,
        )
        return col
    categories = list(dict.fromkeys(v for _, v in sorted(codes.items(), key=lambda kv: kv[0])))
    keys = col.cast(pl.Float64) if numeric else col
    return keys.replace_strict(codes, return_dtype=pl.Enum(categories), default=None).alias(col.name)


def _comparable(code: Any, r: dict[str, Any]) -> bool:
    return isinstance(code, (int, float)) == isinstance(r.get("lo"), (int, float))


def _code(value: Any) -> Any:
    """A numeric code as a float, as the readers give them; text that is not a number as it is."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _whole_numbers(col: pl.Series) -> pl.Series:
    """These formats store every number as a double: whole numbers become Int64, as a CSV reader's would."""
    present = col.drop_nulls()
    if present.len() == 0 or not present.is_finite().all():
        return col
    if (present == present.floor()).all() and present.abs().max() < 2**53:
        return col.cast(pl.Int64)
    return col


