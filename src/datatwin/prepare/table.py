"""Preparing a whole table: which columns are modelled, frequency weights, and every
column prepared once (:func:`prepare_column`), row-aligned, before any model family."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import polars as pl

from datatwin.errors import ColumnError, DatatwinWarning, SpecError, did_you_mean
from datatwin.prepare.column import PreparedColumn, prepare_column
from datatwin.prepare.rules import private_weights
from datatwin.schema import ColumnSpec, FitSpec, unsupported_reason

#: what :meth:`RowSource.sum_rows` applies to each batch of rows: each column's row index
#: (see there) and the rows' weights (None: one each) to a float array of a fixed size
RowStatistic = Callable[[dict[str, np.ndarray], "np.ndarray | None"], np.ndarray]


class RowSource(Protocol):
    """Where a table prepared column by column (:func:`prepare_apart`) still holds its rows
    (Parquet parts, a Spark DataFrame): passes over them that add up a statistic of the rows,
    for a family that measures combinations of columns in a streamed fit."""

    def sum_rows(self, columns: Sequence[str], statistic: RowStatistic, size: int) -> np.ndarray:
        """``statistic`` applied to every batch of rows, summed (a float array of ``size``).
        It receives, for each of ``columns``, each row's index among the values the column was
        prepared from (row ``i`` of a column prepared apart is its ``i``-th distinct value), and
        the rows' weights. It must be picklable (Spark ships it to the executors) and a
        weighted sum over rows: a sum over batches means the same as over all rows at once, and
        a batch may come as its distinct rows with their total weights."""
        ...


@dataclasses.dataclass(frozen=True, eq=False)
class PreparedTable:
    """The table as every model family sees it.

    ``columns`` are the modelled columns in source order, each row-aligned with the others;
    ``weights`` (or None) say how many times each row counts; ``n_rows`` is their sum (the
    row count without weights); ``skipped`` lists the columns left out and why.
    """

    columns: tuple[PreparedColumn, ...]
    n_rows: float
    spec: FitSpec
    weights: np.ndarray | None = None
    skipped: tuple[dict[str, str], ...] = ()
    source_columns: tuple[str, ...] = ()
    #: False when each column was prepared from its own distinct values with counts (a
    #: streamed fit for a family that models every column on its own): the columns' rows are
    #: then not the table's rows, and ``weights`` is None
    aligned: bool = True
    #: for a table not ``aligned`` whose rows can be read again (a streamed fit): passes over
    #: those rows (None: the rows are gone)
    rows: RowSource | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> PreparedColumn:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def frequency_weights(frame: pl.DataFrame, column: str | None, reads_values: bool = True) -> np.ndarray | None:
    """The frequency column as float weights, checked: numeric, no missing, finite, >= 0.

    Under a policy that must not read the values the per-row checks would make the fit's
    failure depend on one row: bad weights are clamped instead (missing, infinite or
    negative → 0, fractions rounded down; :func:`datatwin.prepare.rules.private_weights`)."""
    if column is None:
        return None
    if column not in frame.columns:
        raise SpecError(f"spec: weight_column {column!r} is not a column of the data; columns are {frame.columns}")
    series = frame[column]
    if not series.dtype.is_numeric():
        raise ColumnError(column, f"the weight column must hold numbers (how many times each row counts); it is {series.dtype}")
    w = series.cast(pl.Float64).to_numpy()
    if not reads_values:
        w = private_weights(w)
    with np.errstate(invalid="ignore"):
        bad = int(np.sum(~np.isfinite(w) | (w < 0)))  # a missing weight is NaN here
    if bad:
        raise ColumnError(column, f"the weight column has {bad} missing, infinite or negative value(s)")
    if w.sum() <= 0:
        raise ColumnError(column, "the weights add up to 0: no row counts")
    return w


def modelled_columns(frame: pl.DataFrame, spec: FitSpec) -> tuple[list[str], list[dict[str, str]]]:
    """Which columns are modelled (from the schema and the spec only, never the values) and
    which are skipped, with the reason."""
    unknown = sorted(set(spec.columns) - set(frame.columns))
    if unknown:
        raise SpecError(
            f"spec names column(s) {unknown} that are not in the data{did_you_mean(unknown, frame.columns)}; "
            f"columns are {frame.columns}"
        )
    skipped: list[dict[str, str]] = []
    modelled: list[str] = []
    for name in frame.columns:
        if name == spec.weight_column:
            skipped.append({"name": name, "reason": "weight column: how many times each row counts"})
        elif spec.columns.get(name, ColumnSpec()).exclude:
            skipped.append({"name": name, "reason": "excluded by the spec"})
        elif (reason := unsupported_reason(frame.schema[name])) is not None:
            warnings.warn(f"column {name!r} skipped: {reason}", DatatwinWarning, stacklevel=4)
            skipped.append({"name": name, "reason": reason})
        else:
            modelled.append(name)
    if not modelled:
        raise SpecError("no column is left to model: every column was excluded or skipped")
    return modelled, skipped


def warn_guessed_kinds(frame: pl.DataFrame, spec: FitSpec, modelled: list[str]) -> None:
    """Under a private policy, the kinds of a CSV file's number columns come from the types
    the reader guessed (floats continuous, integers discrete), since looking at the values
    would leak: one warning naming the columns, so that the owner declares their kinds.
    Depends on the column names and dtypes only."""
    guessed = [
        name for name in modelled
        if frame.schema[name].is_numeric() and spec.columns.get(name, ColumnSpec()).kind is None
    ]
    if guessed:
        shown = ", ".join(f"{n!r} ({'continuous' if frame.schema[n].is_float() else 'discrete'})" for n in guessed[:10])
        more = f" and {len(guessed) - 10} more" if len(guessed) > 10 else ""
        warnings.warn(
            f"the kind of column(s) {shown}{more} was guessed from the type the CSV reader gave them, because a "
            "private policy does not look at the values; declare each one's kind in the spec (kind = \"discrete\" "
            "for whole numbers stored as floats, \"categorical\" for codes) to silence this",
            DatatwinWarning, stacklevel=4,
        )


def prepare_table(
    frame: pl.DataFrame,
    spec: FitSpec,
    *,
    reads_values: bool = True,
    progress: Callable[[str], None] | None = None,
    types_guessed: bool = False,
) -> PreparedTable:
    """Prepare every modelled column of ``frame`` once (see :func:`prepare_column`).

    ``reads_values`` comes from the privacy policy (False: kinds, formats and personal data
    from the dtype and the spec only). ``progress`` is called with each column's name.
    ``types_guessed``: the dtypes were guessed by the reader (a CSV file); a private policy
    then warns about every number column whose kind no spec declares.
    """
    modelled, skipped = modelled_columns(frame, spec)
    if types_guessed and not reads_values:
        warn_guessed_kinds(frame, spec, modelled)
    weights = frequency_weights(frame, spec.weight_column, reads_values)
    n_rows = float(frame.height) if weights is None else float(weights.sum())
    columns = []
    for name in modelled:
        columns.append(prepare_column(frame.get_column(name), spec.columns.get(name, ColumnSpec()), spec, weights, reads_values))
        if progress is not None:
            progress(name)
    return PreparedTable(tuple(columns), n_rows, spec, weights, tuple(skipped), tuple(frame.columns))


def prepare_apart(
    schema: pl.DataFrame,
    columns: dict[str, pl.DataFrame],
    count_column: str,
    spec: FitSpec,
    *,
    reads_values: bool = True,
    progress: Callable[[str], None] | None = None,
    rows: RowSource | None = None,
) -> PreparedTable:
    """Prepare each modelled column of ``schema`` (an empty frame with the table's columns)
    from its own frame in ``columns``: its distinct values and ``count_column``, how many
    rows hold each. Every column is prepared exactly as :func:`prepare_table` prepares it
    from the whole table with those counts as weights (the preparation of one column never
    looks at another), so a family that models each column on its own fits the same model;
    the table is marked not ``aligned``, with ``rows`` (if given) for passes over the rows."""
    modelled, skipped = modelled_columns(schema, spec)
    prepared = []
    n_rows = None
    for name in modelled:
        frame = columns[name]
        weights = frequency_weights(frame, count_column, reads_values)
        assert weights is not None
        total = float(weights.sum())
        if n_rows is None:
            n_rows = total
        prepared.append(prepare_column(frame.get_column(name), spec.columns.get(name, ColumnSpec()), spec, weights,
                                       reads_values))
        if progress is not None:
            progress(name)
    return PreparedTable(tuple(prepared), float(n_rows or 0.0), spec, None, tuple(skipped), tuple(schema.columns),
                         aligned=False, rows=rows)
