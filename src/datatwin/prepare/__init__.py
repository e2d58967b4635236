"""Column preparation, done once before any model family: missing-value sentinels, NaN,
dates and numbers written as text, personal data and free text, the column kind, the
spec's checks, and each column's distinct values with counts — a row-aligned
:class:`PreparedTable`. Nothing here draws noise or decides what is published."""

from datatwin.prepare.column import PreparedColumn, prepare_column
from datatwin.prepare.table import PreparedTable, frequency_weights, modelled_columns, prepare_table

__all__ = ["PreparedColumn", "PreparedTable", "frequency_weights", "modelled_columns", "prepare_column", "prepare_table"]
