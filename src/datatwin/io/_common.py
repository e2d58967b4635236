"""What the readers share: the read options and the wording of messages."""

from __future__ import annotations

import codecs
import dataclasses
from collections import Counter
from typing import Any

from datatwin.errors import DataError, InputFileError


@dataclasses.dataclass(frozen=True)
class ReadOptions:
    """How to read a file; ``None`` means detect (or the format's default)."""

    separator: str | None = None
    decimal_comma: bool | None = None
    encoding: str | None = None
    sheet: str | int | None = None

    @classmethod
    def check(
        cls, separator: Any = None, decimal_comma: Any = None, encoding: Any = None, sheet: Any = None
    ) -> ReadOptions:
        """Validated options; a bad value is an InputFileError naming the parameter."""
        if separator is not None:
            if isinstance(separator, str) and separator.lower() in ("\\t", "tab"):
                separator = "\t"
            if not isinstance(separator, str) or len(separator) != 1 or not separator.isascii() or separator in '"\r\n':
                raise InputFileError(
                    f"separator must be one character other than a quote or a line break, such as ';' or '\\t' "
                    f"(CLI: --separator). Got {separator!r}."
                )
        if decimal_comma is not None and not isinstance(decimal_comma, bool):
            raise InputFileError(f"decimal_comma must be true or false (CLI: --decimal-comma). Got {decimal_comma!r}.")
        if separator == "," and decimal_comma:
            raise InputFileError(
                "decimal_comma cannot be used with separator ','; decimal commas need another separator such as ';'"
            )
        if encoding is not None:
            given = encoding
            try:
                info = codecs.lookup(encoding) if isinstance(encoding, str) else None
                # a text encoding, not a bytes-to-bytes codec such as 'zlib'
                encoding = info.name if info is not None and getattr(info, "_is_text_encoding", True) else None
            except LookupError:
                encoding = None
            if encoding is None:
                raise InputFileError(
                    f"encoding must be a text encoding such as 'utf-8', 'cp1252' or 'latin-1' (CLI: --encoding). "
                    f"Got {given!r}."
                )
        if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int)) or sheet == ""):
            raise InputFileError(f"sheet must be a sheet name or a number from 1 (CLI: --sheet). Got {sheet!r}.")
        if isinstance(sheet, int) and sheet < 1:
            raise InputFileError(f"sheet numbers start at 1 (CLI: --sheet 1 is the first sheet). Got {sheet}.")
        return cls(separator, decimal_comma, encoding, sheet)

    def given(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) is not None]


def option(name: str, value: Any = None) -> str:
    """How to pass an option, for messages: "--separator ';' (Python: separator=';')"."""
    flag = "--" + name.replace("_", "-")
    if value is None:
        return f"{flag} (Python: {name}=...)"
    if isinstance(value, bool):
        return f"{flag if value else '--no-' + flag[2:]} (Python: {name}={value})"
    shown = "'\\t'" if value == "\t" else repr(value)
    return f"{flag} {shown} (Python: {name}={shown})"


def check_duplicates(names: list[str], where: str) -> None:
    dups = sorted(n for n, c in Counter(names).items() if c > 1)
    if dups:
        raise DataError(f"{where}: duplicate column name(s) {dups}; rename them so every column name is distinct")




def first_line(exc: BaseException) -> str:
    """A reader's message on one line, without the hints after it (polars suggests options datatwin does not have)."""
    text = str(exc).strip().split("\n\n")[0].strip()
    return text.replace("\r", "").replace("\n", "\\n") or type(exc).__name__
