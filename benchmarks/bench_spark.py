"""Spark local[2] against polars streaming, side by side in one run, on a resample of Adult.

    python benchmarks/bench_spark.py                   # 10,000,000 rows (several minutes)
    python benchmarks/bench_spark.py --rows 1000000    # a quick look

For the independent family, and the marginals family with ``marginals="auto"`` exact (none) and
under DP (ε = 1, δ = 1e-9): the fit from the Parquet parts by polars streaming (``dt.fit(folder)``) and from
``spark.read.parquet(folder)``, with the number of Spark jobs the statistics took (one job
group per fit, counted by the status tracker), and whether the model files agree byte for
byte except provenance (under ``none``; under dp the noise differs from fit to fit). Then sampling the
same number of rows with ``model.sample_spark`` written as Parquet by Spark, against
``model.sample_to`` locally, and whether the rows are equal.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import DATA, write_resample  # noqa: E402

import datatwin as dt  # noqa: E402


def _comparable(model: dt.Model) -> str:
    d = model.to_dict()
    d.pop("provenance")
    return json.dumps(d)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    from pyspark.sql import SparkSession

    t0 = time.perf_counter()
    spark = (SparkSession.builder.master("local[2]").appName("datatwin-bench")
             .config("spark.ui.enabled", "false").config("spark.driver.memory", "6g")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    start_s = time.perf_counter() - t0
    tracker = spark.sparkContext.statusTracker()
    print(f"Spark {spark.version} local[2] started in {start_s:.1f} s; Adult resample of {args.rows:,} rows")
    families = {
        "independent": ("independent", None),
        "marginals auto, none (exact)": (dt.families.Marginals(), None),
        "marginals auto, dp ε=1": (dt.families.Marginals(), dt.privacy.DifferentialPrivacy(epsilon=1, delta=1e-9)),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        parts = Path(tmp) / "parts-in"
        write_resample(args.data, args.rows, parts)
        sdf = spark.read.parquet(str(parts))
        models = {}
        for label, (family, privacy) in families.items():
            t = time.perf_counter()
            local = dt.fit(parts, family=family, privacy=privacy)
            polars_s = time.perf_counter() - t
            group = f"fit-{len(rows)}"
            spark.sparkContext.setJobGroup(group, label)
            t = time.perf_counter()
            remote = dt.fit(sdf, family=family, privacy=privacy)
            spark_s = time.perf_counter() - t
            jobs = len(tracker.getJobIdsForGroup(group))
            # under dp the noise (and the noisy choices) differ from fit to fit: no file to compare
            same = None if privacy is not None else _comparable(local) == _comparable(remote)
            rows.append((label, polars_s, spark_s, jobs, same))
            models[label] = local
        print(f"\n| fit, {args.rows:,} rows | polars streaming s | Spark local[2] s | Spark jobs | same model file |")
        print("|---|---|---|---|---|")
        for label, a, b, jobs, same in rows:
            print(f"| {label} | {a:.1f} | {b:.1f} | {jobs} | {'n/a (noise)' if same is None else 'yes' if same else 'NO'} |")

        model = models["independent"]
        t = time.perf_counter()
        model.sample_to(Path(tmp) / "local", args.rows, seed=7)
        local_s = time.perf_counter() - t
        blocks = -(-args.rows // (1 << 20))
        t = time.perf_counter()
        model.sample_spark(spark, args.rows, partitions=blocks, seed=7).write.parquet(str(Path(tmp) / "spark"))
        spark_s = time.perf_counter() - t
        a = pl.read_parquet(Path(tmp) / "local" / "*.parquet")
        b = pl.read_parquet(Path(tmp) / "spark" / "*.parquet")
        a = a.with_columns(pl.col(c).cast(pl.String) for c, k in a.schema.items() if k == pl.Categorical)
        equal = b.select(a.columns).cast(a.schema).equals(a)
        print(f"\n| sample {args.rows:,} rows to Parquet | seconds |\n|---|---|")
        print(f"| local (`sample_to`) | {local_s:.1f} |\n| Spark (`sample_spark`, {blocks} tasks) | {spark_s:.1f} |")
        print(f"rows equal: {'yes' if equal else 'NO'}")
    spark.stop()


if __name__ == "__main__":
    main()
