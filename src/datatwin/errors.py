"""One exception hierarchy for everything datatwin reports to a user.

Every message names the column, file or parameter at fault and says what to do,
so the CLI can print it as is and exit with code 1, without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DatatwinError(Exception):
    """Root of every error datatwin raises on purpose."""


class InputFileError(DatatwinError):
    """A data or spec file is missing, unreadable or of an unsupported format."""


class DataError(DatatwinError):
    """The data itself cannot be fitted as given (empty, duplicate names, bad values)."""


class ColumnError(DataError):
    """One column cannot be fitted as given; ``column`` names it."""

    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(f"column {column!r}: {message}")


class SpecError(DatatwinError):
    """A per-column or global fitting specification is invalid."""


class DistributionError(DatatwinError):
    """A distribution was given invalid parameters or data it cannot fit."""


class ModelFileError(DatatwinError):
    """A model file is not valid JSON, breaks the schema, or fails a semantic check.

    ``path`` is the JSON path of the offending field (``$.columns[2].distribution``);
    ``column``, when the path is under one column, that column's name, which the message
    names too (``$.columns[2].distribution (column 'age'): ...``); ``message`` is the
    message without the file, path and column.
    """

    def __init__(self, message: str, path: str = "$", file: str | None = None, column: str | None = None) -> None:
        self.message = message
        self.path = path
        self.file = file
        self.column = column
        where = f"{file}: " if file else ""
        named = f" (column {column!r})" if column is not None else ""
        super().__init__(f"{where}{path}{named}: {message}")


class UnsupportedFormatVersionError(ModelFileError):
    """The model file was written by a newer datatwin than this one."""


class PrivacyError(DatatwinError):
    """A privacy setting or budget is invalid."""


class BudgetExceededError(PrivacyError):
    """A release would spend more privacy budget than remains."""


class SamplingError(DatatwinError):
    """A model cannot produce the requested sample (e.g. too many unique values)."""


class ConstraintError(SpecError):
    """A constraint is malformed, unsafe, contradictory or names a column it cannot apply to."""


class ConditionError(SamplingError):
    """A sampling condition names an unknown column, a value the model does not know, or
    has (almost) no probability under the model."""


class DatatwinWarning(UserWarning):
    """Something was handled in a documented way the user should know about."""


def did_you_mean(words: str | Iterable[str], choices: Iterable[str]) -> str:
    """`` (did you mean 'age'?)`` for the closest of ``choices`` to a misspelled word, or ""
    when none is close (:func:`difflib.get_close_matches`). With several words, each one
    that has a close match is named: `` (did you mean 'age' for 'agee', 'sex' for 'sexx'?)``.

    >>> did_you_mean("discrete_normall", ["normal", "discrete_normal"])
    " (did you mean 'discrete_normal'?)"
    >>> did_you_mean("zzz", ["age"])
    ''
    """
    options = [str(c) for c in choices]
    asked = [words] if isinstance(words, str) else [str(w) for w in words]
    found = [
        (word, match[0])
        for word in asked
        if (match := difflib.get_close_matches(word, options, n=1, cutoff=0.6))
    ]
    if not found:
        return ""
    if len(asked) == 1:
        return f" (did you mean {found[0][1]!r}?)"
    return " (did you mean " + ", ".join(f"{m!r} for {w!r}" for w, m in found) + "?)"
