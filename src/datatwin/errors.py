"""One exception hierarchy for everything datatwin reports to a user.

Every message names the column, file or parameter at fault and says what to do,
so the CLI can print it as is and exit with code 1, without a traceback.
"""

from __future__ import annotations


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

    ``path`` is the JSON path of the offending field (``$.columns[2].distribution``).
    """

    def __init__(self, message: str, path: str = "$", file: str | None = None) -> None:
        self.path = path
        self.file = file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}{path}: {message}")


class UnsupportedFormatVersionError(ModelFileError):
    """The model file was written by a newer datatwin than this one."""


class PrivacyError(DatatwinError):
    """A privacy setting or budget is invalid."""


class BudgetExceededError(PrivacyError):
    """A release would spend more privacy budget than remains."""


class SamplingError(DatatwinError):
    """A model cannot produce the requested sample (e.g. too many unique values)."""


class DatatwinWarning(UserWarning):
    """Something was handled in a documented way the user should know about."""
