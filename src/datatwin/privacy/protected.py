"""The protected change of a differential-privacy guarantee: what neighbouring tables differ by.

- :class:`AddOneRow` (the default): neighbours differ by one added or removed row
  (``add_remove_one_row`` in the model file; ``replace_one_row`` when the row count is public).
- :class:`AddRowsWithID`: neighbours differ by *all* the rows of one ID, after a public,
  deterministic rule kept at most ``max_rows`` rows per ID (the first ``max_rows`` in file
  order; rows with a missing ID count as one ID). One ID then changes a histogram by at
  most ``max_rows`` in every norm, a clamped sum by ``max_rows`` times a row's share, and
  the guarantee of a release calibrated for one row holds for the ID by group privacy, so
  every sensitivity of the fit is multiplied by ``max_rows`` (``add_remove_rows_with_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from datatwin.errors import PrivacyError

__all__ = ["ROWS_WITH_ID", "AddOneRow", "AddRowsWithID", "ProtectedChange", "protected_change_from", "truncate_per_id"]

#: the neighbouring relation of :class:`AddRowsWithID` in the model file
ROWS_WITH_ID = "add_remove_rows_with_id"


@dataclass(frozen=True)
class AddOneRow:
    """Neighbouring tables differ by one added or removed row (the default)."""

    @property
    def factor(self) -> int:
        """How many one-row steps the protected change is."""
        return 1

    def to_dict(self) -> dict[str, Any]:
        """The model file's form (nothing beyond the relation's name)."""
        return {}


@dataclass(frozen=True)
class AddRowsWithID:
    """Neighbouring tables differ by all the rows of one ID (at most ``max_rows`` of them).

    Parameters
    ----------
    id_column : str
        The column that names the person (or other unit) to protect; it is never modelled.
    max_rows : int
        Rows kept per ID (the first ``max_rows`` in file order); every sensitivity scales with it.

    Raises
    ------
    PrivacyError
        When ``id_column`` is not a non-empty string or ``max_rows`` not a whole number >= 1.

    Examples
    --------
    >>> AddRowsWithID("member_id", max_rows=3).factor
    3
    """

    id_column: str
    max_rows: int

    def __post_init__(self) -> None:
        if not isinstance(self.id_column, str) or not self.id_column:
            raise PrivacyError(
                f"AddRowsWithID: the 'id_column' parameter must be a column name (a non-empty string). "
                f"Got {self.id_column!r} instead."
            )
        if isinstance(self.max_rows, bool) or not isinstance(self.max_rows, int) or self.max_rows < 1:
            raise PrivacyError(
                f"AddRowsWithID: the 'max_rows' parameter must be a whole number >= 1 (the rows kept per "
                f"{self.id_column!r}). Got {self.max_rows!r} instead."
            )

    @property
    def factor(self) -> int:
        """How many one-row steps the protected change is: ``max_rows``."""
        return self.max_rows

    def to_dict(self) -> dict[str, Any]:
        """The model file's form: ``id_column`` and ``max_rows``."""
        return {"id_column": self.id_column, "max_rows": self.max_rows}


ProtectedChange = AddOneRow | AddRowsWithID


def protected_change_from(value: Any) -> ProtectedChange:
    """A protected change from an object, ``"add_one_row"``, or a dict
    ``{"id_column": "member_id", "max_rows": 3}`` (``kind = "add_rows_with_id"`` optional).

    Raises
    ------
    PrivacyError
        On any other value, saying what is accepted.
    """
    if value is None or value == "add_one_row" or value == "add_remove_one_row":
        return AddOneRow()
    if isinstance(value, (AddOneRow, AddRowsWithID)):
        return value
    if isinstance(value, dict):
        raw = dict(value)
        kind = raw.pop("kind", "add_rows_with_id")
        if kind == "add_one_row" and not raw:
            return AddOneRow()
        unknown = sorted(set(raw) - {"id_column", "max_rows"})
        if kind not in ("add_rows_with_id", ROWS_WITH_ID) or unknown or "id_column" not in raw:
            raise PrivacyError(
                "The 'protected_change' parameter as a table must be {id_column = \"...\", max_rows = N}. "
                f"Got {value!r} instead."
            )
        if "max_rows" not in raw:
            raise PrivacyError(
                f"The 'protected_change' parameter needs 'max_rows' (the rows kept per {raw['id_column']!r}), "
                f"e.g. {{\"id_column\": {raw['id_column']!r}, \"max_rows\": 3}}. Got {value!r} instead."
            )
        return AddRowsWithID(raw["id_column"], raw["max_rows"])
    raise PrivacyError(
        "The 'protected_change' parameter must be dt.privacy.AddOneRow(), dt.privacy.AddRowsWithID(id_column, "
        f"max_rows=...), \"add_one_row\" or {{\"id_column\": ..., \"max_rows\": ...}}. Got {value!r} instead."
    )


def truncate_per_id(frame: pl.DataFrame, change: AddRowsWithID) -> pl.DataFrame:
    """The rows the fit may use: the first ``max_rows`` of each ID in file order, without the
    ID column. Rows with a missing ID are one ID. How many rows were dropped depends on
    individuals and is not reported.

    Raises
    ------
    PrivacyError
        When the ID column is not in ``frame`` (names a few columns that are).
    """
    name = change.id_column
    if name not in frame.columns:
        shown = ", ".join(repr(c) for c in frame.columns[:8]) + (", ..." if frame.width > 8 else "")
        raise PrivacyError(
            f"AddRowsWithID: the ID column {name!r} is not in the table; its columns are {shown}. "
            "Name the column that identifies a person (id_column=...)."
        )
    keep = pl.int_range(pl.len()).over(name) < change.max_rows
    return frame.filter(keep).drop(name)
