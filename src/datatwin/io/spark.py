"""Apache Spark at the edges (the ``spark`` extra, imported only when a Spark frame is given):
fitting from a ``pyspark.sql.DataFrame`` by bringing back its distinct rows with a count
(one Spark aggregation; the rows never leave the cluster), and sampling on the executors,
one block of rows per task, with the same rows as a local sample of the same seed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from datatwin.errors import InputFileError, SamplingError
from datatwin.io.streaming import COUNT_COLUMN, Aggregated, ColumnsAggregated

if TYPE_CHECKING:  # pragma: no cover
    from datatwin.model import Model

#: Spark types a model cannot take, by their simpleString prefix
_UNSUPPORTED = ("map<", "binary", "struct<", "array<", "interval", "calendarinterval", "variant")


def is_spark_frame(obj: Any) -> bool:
    """A pyspark.sql DataFrame (classic or Connect), known without importing pyspark."""
    return type(obj).__module__.startswith("pyspark.sql") and type(obj).__name__ == "DataFrame"


def _active(session: Any, what: str) -> None:
    jsc = getattr(getattr(session, "sparkContext", None), "_jsc", "connect")
    if jsc is None:
        raise InputFileError(f"{what}: the Spark session is stopped; start one (SparkSession.builder.getOrCreate())")


def _checked(frame: Any, weight_column: str | None, excluded: tuple[str, ...]) -> None:
    _active(frame.sparkSession, "fitting a Spark DataFrame")
    bad = [(f.name, f.dataType.simpleString()) for f in frame.schema.fields
           if f.name not in excluded and f.dataType.simpleString().startswith(_UNSUPPORTED)]
    if bad:
        name, kind = bad[0]
        raise InputFileError(
            f"Spark column {name!r} has type {kind}, which datatwin cannot model; drop it, or exclude it in the spec "
            f"(columns.{name}.exclude = true)"
        )
    if COUNT_COLUMN in frame.columns:
        raise InputFileError(f"the Spark DataFrame has a column named {COUNT_COLUMN!r}, which datatwin uses itself; rename it")
    if weight_column is not None and weight_column not in frame.columns:
        raise InputFileError(f"spec: weight_column {weight_column!r} is not a column of the Spark DataFrame")


def _to_polars(frame: Any) -> pl.DataFrame:
    table = frame.toArrow() if hasattr(frame, "toArrow") else frame.toPandas()
    out = pl.from_arrow(table) if not hasattr(table, "iloc") else pl.from_pandas(table)
    assert isinstance(out, pl.DataFrame)
    return out


def aggregate_spark(frame: Any, weight_column: str | None = None, excluded: tuple[str, ...] = ()) -> Aggregated:
    """The distinct rows of a Spark DataFrame with how many rows hold each (or the sum of
    ``weight_column``), computed by Spark: one ``groupBy().agg()`` job, whose result only
    comes back to the driver."""
    from pyspark.sql import functions as F

    _checked(frame, weight_column, excluded)
    for name in excluded:  # never read
        if name in frame.columns and name != weight_column:
            frame = frame.withColumn(name, F.lit(None).cast(frame.schema[name].dataType))
    keys = [c for c in frame.columns if c != weight_column]
    count = F.count(F.lit(1)) if weight_column is None else F.sum(F.col(weight_column).cast("double"))
    grouped = frame.groupBy(*keys).agg(count.alias(COUNT_COLUMN), F.count(F.lit(1)).alias("__rows__"))
    counted = _to_polars(grouped).sort(keys, nulls_last=True, maintain_order=True)
    rows = int(counted["__rows__"].sum()) if counted.height else 0
    counted = counted.drop("__rows__").with_columns(pl.col(COUNT_COLUMN).cast(pl.Float64))
    if weight_column is not None:
        counted = counted.rename({COUNT_COLUMN: weight_column})
    return Aggregated(counted, "Spark DataFrame", rows, len(frame.columns))


def aggregate_spark_columns(
    frame: Any, weight_column: str | None = None, excluded: tuple[str, ...] = (), rows_again: bool = False
) -> ColumnsAggregated:
    """Each column of a Spark DataFrame reduced on its own to its distinct values with their
    count (or sum of ``weight_column``), in one Spark job (grouping sets, one per column),
    for a family that models every column on its own: the driver receives the columns'
    distinct values, never the table's distinct rows. With ``rows_again``, the result can
    make passes over the rows, a job each (:class:`SparkRows`)."""
    from pyspark.sql import functions as F

    _checked(frame, weight_column, excluded)
    names = [c for c in frame.columns if c != weight_column and c not in excluded]
    count = F.count(F.lit(1)) if weight_column is None else F.sum(F.col(weight_column).cast("double"))
    flags = [F.grouping(c).alias(f"__set{i}__") for i, c in enumerate(names)]  # 0 where the set is that column's
    grouped = frame.groupingSets([(c,) for c in names], *names).agg(
        count.alias(COUNT_COLUMN), F.count(F.lit(1)).alias("__rows__"), *flags)
    result = _to_polars(grouped)
    frames = {}
    rows = 0
    for i, c in enumerate(names):
        part = result.filter(pl.col(f"__set{i}__") == 0)
        if i == 0:
            rows = int(part["__rows__"].sum()) if part.height else 0
        frames[c] = part.select(c, pl.col(COUNT_COLUMN).cast(pl.Float64)).sort(c, nulls_last=True, maintain_order=True)
    schema = {f.name: None for f in frame.schema.fields}
    for c in names:
        schema[c] = result.schema[c]
    rest = [c for c, t in schema.items() if t is None]
    if rest:  # the weight and excluded columns: their types only (no row is read)
        empty = _to_polars(frame.select(*rest).limit(0))
        schema.update(empty.schema)
    again = SparkRows(frame, {c: f.get_column(c) for c, f in frames.items()}, weight_column) if rows_again else None
    return ColumnsAggregated(frames, pl.DataFrame(schema=schema), "Spark DataFrame", rows, len(frame.columns), again)


@dataclasses.dataclass(frozen=True)
class SparkRows:
    """Passes of a Spark fit over the DataFrame (:class:`datatwin.prepare.table.RowSource`):
    one job per pass, in which every task maps its rows to the columns' value indices with the
    code of a streamed Parquet fit (:func:`datatwin.io.streaming.batch_index`; the distinct
    values travel with the task), applies the statistic to batches of up to
    :data:`~datatwin.io.streaming.ROW_BATCH_ROWS` rows and sends back one row: its sum. Only
    those sums come to the driver."""

    frame: Any
    values: dict[str, pl.Series]
    weight_column: str | None

    def sum_rows(self, columns: Sequence[str], statistic: Any, size: int) -> np.ndarray:
        _active(self.frame.sparkSession, "reading a Spark DataFrame again")
        values = {c: self.values[c] for c in columns}
        weight = self.weight_column
        names = list(columns)

        def add_up(batches: Any) -> Any:  # runs on the executors
            import pyarrow as pa

            from datatwin.io.streaming import ROW_BATCH_ROWS, batch_index, distinct_rows

            total = np.zeros(size)
            pending: list[Any] = []
            held = 0

            def flush() -> None:
                frame = pl.from_arrow(pa.Table.from_batches(pending))
                assert isinstance(frame, pl.DataFrame)
                index, weights = batch_index(frame, values, names, weight)
                total[:] += statistic(*distinct_rows(index, weights)) if names else statistic(index, weights)

            for batch in batches:  # Spark's Arrow batches are small: gathered into larger ones
                pending.append(batch)
                held += batch.num_rows
                if held >= ROW_BATCH_ROWS:
                    flush()
                    pending, held = [], 0
            if held:
                flush()
            yield pa.RecordBatch.from_pydict({"sums": [total.tolist()]})

        read = [*names, *([weight] if weight else [])]
        out = np.zeros(size)
        for row in self.frame.select(*read).mapInArrow(add_up, "sums array<double>").collect():
            out += np.asarray(row["sums"], dtype=float)
        return out


def _arrow_for_spark(frame: pl.DataFrame) -> Any:
    """A polars frame as Arrow that Spark accepts: plain strings, no dictionaries, µs times."""
    import pyarrow as pa

    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, (pl.Categorical, pl.Enum)):
            casts.append(pl.col(name).cast(pl.String))
        elif isinstance(dtype, pl.Datetime) and dtype.time_unit != "us":
            casts.append(pl.col(name).dt.cast_time_unit("us"))
    table = frame.with_columns(casts).to_arrow() if casts else frame.to_arrow()
    schema = pa.schema([
        pa.field(f.name, pa.string() if f.type in (pa.large_string(), pa.string_view()) else f.type)
        for f in table.schema
    ])
    return table.cast(schema)


def sample_spark(model: Model, spark: Any, n: int, partitions: int | None = None, seed: int | None = None) -> Any:
    """``n`` synthetic rows as a Spark DataFrame, generated on the executors: block ``b``
    of :data:`datatwin.models.columns.BLOCK_ROWS` rows is drawn by one task from the block's
    own stream, so the rows equal ``model.sample(n, seed)``. ``partitions`` (default: one
    per block) is capped at the number of blocks."""
    from pyspark.sql.pandas.types import from_arrow_schema

    from datatwin.model import BLOCK_ROWS

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise SamplingError(f"the number of rows to sample must be an integer >= 0. Got {n!r}.")
    if partitions is not None and (isinstance(partitions, bool) or not isinstance(partitions, (int, np.integer))
                                   or partitions < 1):
        raise SamplingError(f"partitions must be an integer >= 1. Got {partitions!r}.")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise SamplingError(f"seed must be an integer >= 0. Got {seed!r}.")
    _active(spark, "sample_spark")
    blocks = max(1, -(-int(n) // BLOCK_ROWS))
    redrawn = model.cross_block_unique() if n > BLOCK_ROWS else []
    if redrawn:
        raise SamplingError(
            f"column {redrawn[0].name!r} is unique, and keeping it unique across Spark tasks would need every value "
            f"drawn so far; sample at most {BLOCK_ROWS:,} rows on Spark, write the sample with model.sample_to, "
            "or set unique to false for this column"
        )
    entropy = int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]
    text = json.dumps(model.to_dict())
    schema = from_arrow_schema(_arrow_for_spark(model.sample(0, seed=0)).schema)
    parts = min(partitions or blocks, blocks)
    block_rows = BLOCK_ROWS

    def draw(batches: Any) -> Any:
        import numpy as np

        import datatwin.model as model_module

        model_module.BLOCK_ROWS = block_rows  # the driver's block size (a test may set a small one)
        local = model_module.Model.from_dict(json.loads(text))
        root = np.random.SeedSequence(entropy)
        for batch in batches:
            for b in batch.column(0).to_pylist():
                frame = local._block(int(b), int(n), root, local.parsed_constraints())
                yield from _arrow_for_spark(frame).to_batches()

    return spark.range(0, blocks, 1, parts).mapInArrow(draw, schema)
