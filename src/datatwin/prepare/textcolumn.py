"""What fitting does with a text column that may hold dates, times or numbers: the
owner's ``text_format`` and ``unparsed`` options, and the warnings that say what happened.

Without a spec, a column whose values all fit one format is parsed; one that mostly fits
(``MIN_SHARE`` or more) stays text with a warning and the reason in the model file, unless
``unparsed = "missing"``, which parses it and makes the rest missing, with a warning. A
private policy never guesses a format from the values: only the spec's ``text_format`` applies.
"""

from __future__ import annotations

import dataclasses
import warnings

import polars as pl

from datatwin.errors import ColumnError, DatatwinWarning, SpecError
from datatwin.prepare.textdetect import detect_text_format, percent, time_zone_of
from datatwin.prepare.textformat import NUMBER_KINDS, TEMPORAL_KINDS, TEXT_FORMAT_KINDS, TextFormat, has_offset
from datatwin.schema import ColumnSpec, FitSpec


@dataclasses.dataclass(frozen=True)
class TextColumn:
    """The outcome for one text column: ``series`` is typed when ``text_format`` is set,
    else the original text; ``note`` says why a format-like column stayed text, or how
    many values became missing."""

    series: pl.Series
    text_format: TextFormat | None = None
    note: str | None = None


def resolve_text_column(
    series: pl.Series,
    forced: str | bool | None = None,
    unparsed: str = "text",
    kinds: tuple[str, ...] = TEXT_FORMAT_KINDS,
    forced_kind: bool = False,
) -> TextColumn:
    """Detect (or apply the owner's) text format and parse the column when the rules allow.

    Parameters
    ----------
    series
        A String column, sentinels already turned into nulls.
    forced
        The spec's ``text_format``: a pattern to use, ``False`` to keep the text, None to detect.
    unparsed
        ``"text"``: a column whose values do not all parse stays text (with a warning);
        ``"missing"``: it is parsed and the failures become missing (with a warning).
    kinds
        Kinds to look for; narrowed when the spec forces the column's kind.
    forced_kind
        True when the spec forced one of ``kinds``: finding no format is then an error.
    """
    name = series.name
    if forced is False or series.dtype != pl.String:
        return TextColumn(series)
    if isinstance(forced, str):
        return _apply_forced(series, forced, unparsed)
    found = detect_text_format(series, kinds)
    if found is None:
        if forced_kind:
            raise ColumnError(
                name,
                f"kind {kinds[0]!r} is forced, but no {'/'.join(kinds)} format fits its text; give its format "
                "with text_format in the spec (e.g. \"%d/%m/%Y\" or \"#,##0.00\"), or remove the forced kind",
            )
        return TextColumn(series)
    if found.n_failed == 0:
        return TextColumn(found.format.parse(series), found.format)
    if unparsed == "missing":
        return _with_missing(series, found.format, found.n_failed, found.n_values)
    note = found.reason()
    warnings.warn(f"column {name!r}: {note}", DatatwinWarning, stacklevel=4)
    return TextColumn(series, None, note)


def _apply_forced(series: pl.Series, pattern: str, unparsed: str) -> TextColumn:
    name = series.name
    try:
        fmt = TextFormat.from_pattern(pattern)
    except SpecError as exc:
        raise SpecError(f"spec for column {name!r}: {exc}") from None
    values = series.drop_nulls()
    parsed = fmt.parse(values)
    if has_offset(pattern) and parsed.null_count() < len(parsed):
        ok = parsed.is_not_null()
        fmt = dataclasses.replace(fmt, time_zone=time_zone_of(values.filter(ok), parsed.filter(ok)))
    n_failed = parsed.null_count()
    if n_failed == 0:
        return TextColumn(fmt.parse(series), fmt)
    if unparsed == "missing":
        return _with_missing(series, fmt, n_failed, len(values))
    raise ColumnError(
        name,
        f"{n_failed} of {len(values)} value(s) ({percent(n_failed / len(values))}) do not parse as the spec's "
        f"text_format {pattern!r}; fix the format, or set unparsed = \"missing\" to treat them as missing",
    )


def _with_missing(series: pl.Series, fmt: TextFormat, n_failed: int, n_values: int) -> TextColumn:
    note = (
        f"{n_failed} of {n_values} value(s) ({percent(n_failed / n_values)}) do not parse as {fmt.pattern} "
        f"and are treated as missing (unparsed = \"missing\")"
    )
    warnings.warn(f"column {series.name!r}: {note}", DatatwinWarning, stacklevel=4)
    return TextColumn(fmt.parse(series), fmt, note)


def text_column_for_fit(series: pl.Series, spec: ColumnSpec, fit_spec: FitSpec, reads_values: bool = True) -> TextColumn:
    """Apply the spec's text-format options to one column about to be fitted.

    Only String columns are looked at, and not when the spec keeps them text
    (``text_format = false``, kind ``string``, ``categorical`` or ``boolean``, or a forced
    ``categorical`` distribution). ``reads_values`` is False under a private policy: then only a
    pattern given in the spec is used.
    """
    dist = spec.distribution
    forced_dist = dist.get("name") if isinstance(dist, dict) else dist
    if (
        series.dtype != pl.String
        or spec.text_format is False
        or spec.kind in ("string", "categorical", "boolean")
        or forced_dist == "categorical"
    ):
        return TextColumn(series)
    unparsed = spec.unparsed or fit_spec.unparsed
    if isinstance(spec.text_format, str):
        if not reads_values:
            # an error on cells that do not parse would depend on one row: they become missing,
            # counted only by the policy's noisy missing count (issue 10, item 2); the owner is warned
            return resolve_text_column(series, spec.text_format, "missing")
        return resolve_text_column(series, spec.text_format, unparsed)
    if not reads_values:
        return TextColumn(series)
    if spec.kind in TEMPORAL_KINDS:
        return resolve_text_column(series, None, unparsed, (spec.kind,), forced_kind=True)
    if spec.kind in NUMBER_KINDS:
        return resolve_text_column(series, None, unparsed, NUMBER_KINDS, forced_kind=True)
    return resolve_text_column(series, None, unparsed, TEXT_FORMAT_KINDS)
