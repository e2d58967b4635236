"""CSV and TSV files: the encoding, the separator and decimal commas are detected on a sample
unless given; a ragged row is an error naming its line."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from pathlib import Path
from typing import Any

import polars as pl

from datatwin.errors import DataError, DatatwinWarning, InputFileError
from datatwin.io._common import ReadOptions, check_duplicates, first_line, option

#: separators tried, in this order, when a CSV file's is not given
SEPARATORS = (",", ";", "\t", "|")
#: encodings tried, in this order, when a CSV file is not UTF-8 (cp1252 covers Latin-1's letters)
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
_SAMPLE_BYTES = 256 * 1024  # what the separator and decimal-comma sniffing reads
_MAX_SAMPLE_BYTES = 64 << 20  # ... or more, until it holds the header and a row
_SAMPLE_RECORDS = 500
_CHUNK = 1 << 20


def read_csv(path: Path, default_sep: str, nulls: list[str], options: ReadOptions) -> pl.DataFrame:
    where = f"file {str(path)!r}"
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
        while head.count(b"\n") < 2 and len(head) < _MAX_SAMPLE_BYTES:  # a very wide header: read on
            more = fh.read(_SAMPLE_BYTES)
            if not more:
                break
            head += more
        complete = not fh.read(1)
    encoding = options.encoding or _detect_encoding(path, head)
    if options.encoding is not None:
        _check_encoding(path, encoding, given=True)
    text = _decode_sample(path, head, encoding, complete)
    sep = options.separator or _sniff_separator(where, text, complete, default_sep)
    records = _records(text, sep, complete)
    if not records:
        raise DataError(f"{where} is empty; it needs a header line and at least one row")
    # polars renames duplicate headers silently ('a_duplicated_0'); refuse instead.
    check_duplicates(records[0], where)
    decimal_comma = options.decimal_comma
    if decimal_comma is None:
        decimal_comma = _sniff_decimal_comma(where, records, sep, set(nulls))
    elif decimal_comma and sep == ",":
        raise InputFileError(
            f"{where}: decimal commas need a separator other than ','; pass {option('separator', ';')}"
        )
    # polars reads UTF-8 (a byte-order mark included); anything else is decoded here first
    source: Path | bytes = path if encoding in ("utf-8", "utf-8-sig") else path.read_bytes().decode(encoding).encode()
    # dates stay text here: fitting detects their format and writes them back in it, so the
    # synthetic CSV is a drop-in replacement (polars' own parsing would lose the format)
    kwargs: dict[str, Any] = {
        "separator": sep, "null_values": nulls or None, "try_parse_dates": False, "decimal_comma": decimal_comma,
    }
    try:
        try:
            frame = pl.read_csv(source, infer_schema_length=10_000, **kwargs)
        except pl.exceptions.ComputeError as exc:
            if _is_ragged(exc):
                raise
            # a value past the first 10,000 rows contradicts the guessed type: infer from all rows
            frame = pl.read_csv(source, infer_schema_length=None, **kwargs)
    except pl.exceptions.ComputeError as exc:
        if _is_ragged(exc):
            _find_ragged(path, encoding, sep, len(records[0]))
            raise DataError(
                f"{where}: a row has more fields than the header's {len(records[0])} (separator {sep!r}); "
                f"fix that row, or pass the file's separator with {option('separator')}"
            ) from None
        raise InputFileError(f"{where} could not be read as csv: {first_line(exc)}") from None
    if frame.width > 1 and frame[frame.columns[-1]].null_count() > 0:
        _find_ragged(path, encoding, sep, frame.width)  # a short row reads as nulls at its end
    return frame


def _is_ragged(exc: Exception) -> bool:
    return "more fields than defined" in str(exc) or "truncate_ragged_lines" in str(exc)


def _find_ragged(path: Path, encoding: str, sep: str, width: int) -> None:
    """Raise naming the first row whose field count differs from the header's (blank lines aside)."""
    with path.open(newline="", encoding=encoding) as fh:
        reader = csv.reader(fh, delimiter=sep)
        for row in reader:
            if row and len(row) != width:
                raise DataError(
                    f"file {str(path)!r} line {reader.line_num}: {len(row)} field(s), but the header has {width} "
                    f"(separator {sep!r}); fix or remove that row, or pass the file's separator with "
                    f"{option('separator')}"
                )


def _detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, else the first
    of FALLBACK_ENCODINGS that decodes the whole file, with a warning naming it."""
    if head.startswith(codecs.BOM_UTF8):
        _check_encoding(path, "utf-8-sig", given=False)
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _check_encoding(path, "utf-16", given=False)
        return "utf-16"
    if b"\x00" in head:
        raise InputFileError(
            f"file {str(path)!r} holds NUL bytes: it is not a text file, or it is UTF-16 without a byte-order mark; "
            f"if it is text, pass its encoding with {option('encoding', 'utf-16-le')}"
        )
    bad = _first_undecodable(path, "utf-8")
    if bad is None:
        return "utf-8"
    for encoding in FALLBACK_ENCODINGS:
        if _first_undecodable(path, encoding) is None:
            byte, line = bad
            warnings.warn(
                f"file {str(path)!r} is not UTF-8 (byte 0x{byte:02x} on line {line}); read it as {encoding}; "
                f"if its text looks wrong, pass the file's encoding with {option('encoding')}",
                DatatwinWarning,
                stacklevel=5,
            )
            return encoding
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _check_encoding(path: Path, encoding: str, given: bool) -> None:
    bad = _first_undecodable(path, encoding)
    if bad is not None:
        byte, line = bad
        hint = (f"pass the file's encoding, e.g. {option('encoding', 'cp1252')}" if given
                else f"pass the file's encoding with {option('encoding')}")
        raise DataError(f"file {str(path)!r} is not valid {encoding}: byte 0x{byte:02x} on line {line}; {hint}")


def _first_undecodable(path: Path, encoding: str) -> tuple[int, int] | None:
    """(byte, line) of the first byte the encoding cannot decode, or None; reads the file in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return _byte_and_line(fh, offset - pending + exc.start)
            if not chunk:
                return None
            offset += len(chunk)


def _byte_and_line(fh: Any, position: int) -> tuple[int, int]:
    """The byte at ``position`` of a binary file and its line number (1-based)."""
    fh.seek(0)
    lines, left = 1, position
    while left > 0:
        chunk = fh.read(min(left, _CHUNK))
        if not chunk:
            break
        lines += chunk.count(b"\n")
        left -= len(chunk)
    fh.seek(position)
    byte = fh.read(1)
    return (byte[0] if byte else 0), lines


def _decode_sample(path: Path, head: bytes, encoding: str, complete: bool) -> str:
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=complete)
    except UnicodeDecodeError:  # the rest of the file is checked when it is read
        raise DataError(
            f"file {str(path)!r} is not valid {encoding}; pass the file's encoding with {option('encoding')}"
        ) from None
    return text.removeprefix("\ufeff")


def _records(text: str, sep: str, complete: bool) -> list[list[str]]:
    """The sample's first records (blank lines skipped); a record cut off by the sample's end is dropped."""
    if not complete:
        text = text[: text.rfind("\n") + 1]
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
            if row:
                rows.append(row)
            if len(rows) > _SAMPLE_RECORDS:
                break
    except csv.Error:
        pass  # an unterminated quote in the sample: judge the records before it
    return rows


def _sniff_separator(where: str, text: str, complete: bool, default: str) -> str:
    """The candidate under which the header has several fields and every sampled row as many."""
    order = [default, *(s for s in SEPARATORS if s != default)]
    fits: dict[str, tuple[int, int, int]] = {}  # separator -> (header fields, rows that match, rows)
    for sep in order:
        rows = _records(text, sep, complete)
        if rows:
            fits[sep] = (len(rows[0]), sum(len(r) == len(rows[0]) for r in rows[1:]), len(rows) - 1)
    consistent = [s for s, (n, match, total) in fits.items() if n > 1 and total > 0 and match == total]
    if len(consistent) == 1:
        return consistent[0]
    if len(consistent) > 1:
        found = ", ".join(f"{s!r} ({fits[s][0]} columns)" for s in consistent)
        raise InputFileError(
            f"{where}: cannot tell the separator: {found} each split every row alike; "
            f"pass it with {option('separator', consistent[0])}"
        )
    several = [s for s in order if s in fits and fits[s][0] > 1]
    if not several:
        return default  # one column
    # no candidate splits every row alike: the file is ragged; reading it names the first bad row
    return max(several, key=lambda s: (fits[s][1], -order.index(s)))


_COMMA_NUMBER = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+")
_POINT_NUMBER = re.compile(r"[+-]?\d*\.\d+")
_THOUSANDS_POINTS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_INTEGER = re.compile(r"[+-]?\d+")


def _sniff_decimal_comma(where: str, records: list[list[str]], sep: str, nulls: set[str]) -> bool:
    """True when a sampled column holds numbers written with a decimal comma (``1,5``) only."""
    if sep == ",":
        return False
    header, body = records[0], [r for r in records[1:] if len(r) == len(records[0])]
    comma, point = [], []
    for j, name in enumerate(header):
        values = [v for r in body if (v := r[j].strip()) and v not in nulls]
        if not values or not all(_COMMA_NUMBER.fullmatch(v) or _POINT_NUMBER.fullmatch(v) or _INTEGER.fullmatch(v)
                                 for v in values):
            continue
        if any(_COMMA_NUMBER.fullmatch(v) for v in values):
            (point if any(_POINT_NUMBER.fullmatch(v) for v in values) else comma).append(name)
        elif any(_POINT_NUMBER.fullmatch(v) and not _THOUSANDS_POINTS.fullmatch(v) for v in values):
            point.append(name)
    if comma and point:
        raise DataError(
            f"{where}: cannot tell the decimal mark: column {comma[0]!r} has decimal commas (1,5) and column "
            f"{point[0]!r} decimal points (1.5); pass {option('decimal_comma', True)} to read commas as decimals "
            f"(the points then stay text), or {option('decimal_comma', False)}"
        )
    return bool(comma)


