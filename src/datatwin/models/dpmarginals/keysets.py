"""Public domains over one or several columns (Tumult-style KeySets).

A :class:`KeySet` lists the values, or the combinations of values, that a column or a group
of columns may take, declared by the data owner from public knowledge (a code list, a table
of regions and their towns), never read from the data:

- ``KeySet.from_values("age", range(18, 100))`` — one column's values;
- ``KeySet.from_table(towns, ["region", "town"])`` — the distinct rows of a public table;
- ``a * b`` — the product of KeySets over different columns (every combination);
- ``k - excluded`` — without the combinations of a KeySet over some of ``k``'s columns
  (structural zeros: ``sex × pregnant - {("male", True)}``).

In the marginals family, a one-column KeySet is that column's domain; a KeySet over several
columns is declared as a ``fixed_combinations`` constraint with its rows as the allowed
combinations, so the columns are modelled as one joint column whose labels are those rows
(:mod:`datatwin.models.joint`): sampled rows hold only listed combinations, and a real row
with another combination is counted in the listed one nearest to it (most columns equal).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from datatwin.errors import SpecError

__all__ = ["MAX_KEYSET_ROWS", "KeySet"]

#: the most rows a KeySet may have (a joint column's labels: beyond this, bin or split the columns)
MAX_KEYSET_ROWS = 1_000_000


def _plain(value: Any) -> Any:
    """A value as JSON and the model file write it (numpy scalars to Python)."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        value = item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@dataclasses.dataclass(frozen=True, init=False)
class KeySet:
    """The public values (one column) or combinations (several columns) a domain holds.

    Examples
    --------
    >>> sex = KeySet.from_values("sex", ["female", "male"])
    >>> pregnant = KeySet.from_values("pregnant", [False, True])
    >>> allowed = sex * pregnant - KeySet.from_table({"sex": ["male"], "pregnant": [True]})
    >>> allowed.columns, allowed.rows
    (('sex', 'pregnant'), (('female', False), ('female', True), ('male', False)))
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def __init__(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        if isinstance(columns, str) or not isinstance(columns, Sequence) or not columns \
                or not all(isinstance(c, str) and c for c in columns):
            raise SpecError(f"KeySet: 'columns' must be a list of column names. Got {columns!r}.")
        if len(set(columns)) != len(columns):
            raise SpecError(f"KeySet over {list(columns)}: a column is named twice")
        out: dict[tuple[Any, ...], None] = {}
        for row in rows:
            if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != len(columns):
                raise SpecError(f"KeySet over {list(columns)}: each row must have one value per column. Got {row!r}.")
            key = tuple(_plain(v) for v in row)
            try:
                out.setdefault(key, None)
            except TypeError:
                raise SpecError(f"KeySet over {list(columns)}: row {list(row)!r} holds a value that is not a number, "
                                "text, boolean, date or None") from None
            if len(out) > MAX_KEYSET_ROWS:
                raise SpecError(f"KeySet over {list(columns)}: more than {MAX_KEYSET_ROWS:,} rows; bin the columns "
                                "or declare fewer of them together")
        if not out:
            raise SpecError(f"KeySet over {list(columns)} is empty: no row could be in it")
        object.__setattr__(self, "columns", tuple(columns))
        object.__setattr__(self, "rows", tuple(out))

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_values(cls, column: str, values: Iterable[Any]) -> KeySet:
        """One column's public values (a list, a range, a set; order kept, repeats dropped)."""
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise SpecError(f"KeySet of {column!r}: give a list (or range) of the column's public values. Got {values!r}.")
        return cls([column], [(v,) for v in values])

    @classmethod
    def from_table(cls, table: Any, columns: Sequence[str] | None = None) -> KeySet:
        """The distinct rows of a public table over ``columns`` (default: all of its columns):
        a polars or pandas frame, or a mapping of column name to a list of values."""
        if isinstance(table, Mapping):
            names = list(table)
            lengths = {len(list(v)) for v in table.values()}
            if len(lengths) > 1:
                raise SpecError(f"KeySet.from_table: the lists of {names} have different lengths")
            cols = [list(v) for v in table.values()]
            chosen = list(columns) if columns is not None else names
            missing = [c for c in chosen if c not in names]
            if missing:
                raise SpecError(f"KeySet.from_table: the table has no column {missing[0]!r} (it has {names})")
            index = [names.index(c) for c in chosen]
            return cls(chosen, zip(*[cols[i] for i in index]))
        import polars as pl

        if isinstance(table, pl.DataFrame):
            frame = table
        elif type(table).__module__.startswith("pandas") and hasattr(table, "columns"):
            frame = pl.from_pandas(table)
        else:
            raise SpecError(f"KeySet.from_table: give a polars or pandas frame or a mapping of lists. Got "
                            f"{type(table).__name__}.")
        chosen = list(columns) if columns is not None else list(frame.columns)
        missing = [c for c in chosen if c not in frame.columns]
        if missing:
            raise SpecError(f"KeySet.from_table: the table has no column {missing[0]!r} (it has {frame.columns})")
        return cls(chosen, frame.select(chosen).unique(maintain_order=True).rows())

    @classmethod
    def from_dict(cls, data: Any, where: str = "keysets") -> KeySet:
        """From ``{"columns": [...], "rows": [[...], ...]}`` (what :meth:`to_dict` writes, and
        a spec file's form)."""
        if not isinstance(data, Mapping) or set(data) != {"columns", "rows"} or not isinstance(data["rows"], Sequence):
            raise SpecError(f"{where}: a KeySet over several columns is {{columns = [...], rows = [[...], ...]}}. "
                            f"Got {data!r}.")
        return cls(data["columns"], data["rows"])

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": [list(r) for r in self.rows]}

    # -- algebra ----------------------------------------------------------------------------
    def __mul__(self, other: KeySet) -> KeySet:
        """Every combination of a row of ``self`` with a row of ``other`` (columns distinct)."""
        if not isinstance(other, KeySet):
            return NotImplemented
        shared = set(self.columns) & set(other.columns)
        if shared:
            raise SpecError(f"KeySet product: both sides hold column {sorted(shared)[0]!r}; a product joins "
                            "KeySets over different columns")
        size = len(self.rows) * len(other.rows)
        if size > MAX_KEYSET_ROWS:
            raise SpecError(f"KeySet product over {[*self.columns, *other.columns]}: {size:,} combinations, more than "
                            f"{MAX_KEYSET_ROWS:,}; bin the columns or declare fewer of them together")
        return KeySet([*self.columns, *other.columns], (a + b for a, b in itertools.product(self.rows, other.rows)))

    def __sub__(self, other: KeySet) -> KeySet:
        """The rows of ``self`` whose values on ``other``'s columns are not a row of ``other``."""
        if not isinstance(other, KeySet):
            return NotImplemented
        unknown = [c for c in other.columns if c not in self.columns]
        if unknown:
            raise SpecError(f"KeySet subtraction: {unknown[0]!r} is not a column of the KeySet over {list(self.columns)}")
        at = [self.columns.index(c) for c in other.columns]
        drop = set(other.rows)
        kept = [r for r in self.rows if tuple(r[i] for i in at) not in drop]
        if not kept:
            raise SpecError(f"KeySet over {list(self.columns)}: the subtraction removes every row")
        return KeySet(self.columns, kept)

    def __len__(self) -> int:
        return len(self.rows)

    def values(self) -> list[Any]:
        """A one-column KeySet's values."""
        if len(self.columns) != 1:
            raise SpecError(f"KeySet over {list(self.columns)} has several columns: it has rows, not values")
        return [r[0] for r in self.rows]
