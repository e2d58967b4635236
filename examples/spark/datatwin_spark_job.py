"""A datatwin job for an existing Spark cluster: fit a model file from a table, or generate a
synthetic table from a model file on the executors.

    pip install "datatwin[spark]"            # on the driver and every executor (or ship a venv)
    spark-submit --master yarn datatwin_spark_job.py fit --table census --model census.json --family copula
    spark-submit --master yarn datatwin_spark_job.py fit --parquet hdfs:///data/census --model census.json \\
        --family marginals --epsilon 1 --delta 1e-9
    spark-submit --master yarn datatwin_spark_job.py sample --model census.json --rows 1000000000 \\
        --output hdfs:///synthetic/census --seed 7

Fitting runs one Spark aggregation (the distinct rows with their counts) and brings only that
to the driver, where the model is fitted and any DP noise drawn; the model file is written on
the driver's file system. Sampling draws one block of rows per task; the rows equal
``dt.load(model).sample(rows, seed=seed)`` on one machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import datatwin as dt


def fit(spark: Any, model_path: str, table: str | None = None, parquet: str | None = None,
        family: str = "independent", epsilon: float | None = None, delta: float | None = None) -> dt.Model:
    """Fit from a catalogue ``table`` or a ``parquet`` path and save the model file."""
    frame = spark.table(table) if table is not None else spark.read.parquet(parquet)
    privacy = None
    if epsilon is not None:
        privacy = dt.privacy.DifferentialPrivacy(epsilon=epsilon, delta=delta or 0.0)
    model = dt.fit(frame, family=family, privacy=privacy)
    model.save(model_path)
    return model


def sample(spark: Any, model_path: str, rows: int, output: str, seed: int = 7, partitions: int | None = None) -> None:
    """Generate ``rows`` synthetic rows on the executors and write them as Parquet to ``output``."""
    model = dt.load(model_path)
    model.sample_spark(spark, rows, partitions=partitions, seed=seed).write.mode("error").parquet(output)


def main(argv: Sequence[str] | None = None, spark: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit a model file from a table")
    source = f.add_mutually_exclusive_group(required=True)
    source.add_argument("--table", help="a table in the Spark catalogue")
    source.add_argument("--parquet", help="a Parquet file or folder")
    f.add_argument("--model", required=True, help="the model file to write (on the driver)")
    f.add_argument("--family", default="independent")
    f.add_argument("--epsilon", type=float, help="differential privacy: the budget's epsilon")
    f.add_argument("--delta", type=float, help="differential privacy: the budget's delta")
    s = sub.add_parser("sample", help="generate a synthetic table from a model file")
    s.add_argument("--model", required=True)
    s.add_argument("--rows", type=int, required=True)
    s.add_argument("--output", required=True, help="where Spark writes the Parquet parts (must not exist)")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--partitions", type=int)
    args = parser.parse_args(argv)
    if spark is None:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.appName(f"datatwin {args.command}").getOrCreate()
    if args.command == "fit":
        fit(spark, args.model, args.table, args.parquet, args.family, args.epsilon, args.delta)
    else:
        sample(spark, args.model, args.rows, args.output, args.seed, args.partitions)


if __name__ == "__main__":
    main()
