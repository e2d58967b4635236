"""Spark at the edges (the ``spark`` extra), in local mode: a fit from a Spark DataFrame gives
the in-memory model file; a sample on the executors gives the local sample's rows."""

from __future__ import annotations

import datetime as _dt
import json

import numpy as np
import polars as pl
import pytest

import datatwin as dt
import datatwin.model as model_module
from datatwin.errors import InputFileError, SamplingError

pyspark = pytest.importorskip("pyspark", reason="pyspark is absent: pip install -e '.[test]' installs it (CI runs these)")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("datatwin-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               # naive datetimes are Spark's TIMESTAMP_NTZ (TIMESTAMP is an instant: it comes back in UTC)
               .config("spark.sql.timestampType", "TIMESTAMP_NTZ").config("spark.sql.session.timeZone", "UTC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    rng = np.random.default_rng(5)
    n = 2_000
    age = rng.integers(18, 90, n)
    return pl.DataFrame({
        "id": np.arange(n) * 3 + 1,
        "age": age,
        "income": np.round(rng.lognormal(10, 0.6, n), 0),
        "sex": rng.choice(["F", "M"], n),
        "city": pl.Series(rng.choice(["Ams", "Rot", "Utr", None], n, p=[0.5, 0.3, 0.15, 0.05])),
    })


def _without_provenance(model: dt.Model) -> str:
    d = model.to_dict()
    d.pop("provenance")
    return json.dumps(d)


@pytest.mark.parametrize("family", ["independent", "copula"])
def test_fit_from_spark_equals_in_memory(spark, frame: pl.DataFrame, family: str) -> None:
    sdf = spark.createDataFrame(frame.to_pandas())
    model = dt.fit(sdf, family=family)
    assert _without_provenance(model) == _without_provenance(dt.fit(frame, family=family))
    assert model.provenance["source"] == {"name": "Spark DataFrame", "rows": 2_000, "columns": 5, "streamed": True}


def test_sample_spark_equals_the_local_sample(spark, frame: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "BLOCK_ROWS", 300)
    model = dt.fit(frame, family="copula")
    local = model.sample(1_000, seed=7)
    out = model.sample_spark(spark, 1_000, partitions=3, seed=7)
    assert out.rdd.getNumPartitions() == 3
    back = pl.from_arrow(out.toArrow()) if hasattr(out, "toArrow") else pl.from_pandas(out.toPandas())
    assert back.height == 1_000
    expected = local.with_columns(pl.col(c).cast(pl.String) for c, t in local.schema.items() if t == pl.Categorical)
    assert back.select(expected.columns).cast(expected.schema).equals(expected)


@pytest.mark.parametrize("family", ["independent", "copula", "marginals"])
def test_sample_spark_with_a_joint_and_a_difference(spark, monkeypatch: pytest.MonkeyPatch, family: str) -> None:
    """Columns built by construction (a fixed combination as one joint column, an inequality's
    high as low + a difference) decode on the executors as they do locally."""
    monkeypatch.setattr(model_module, "BLOCK_ROWS", 300)
    rng = np.random.default_rng(8)
    n = 1_500
    level = rng.choice(["low", "mid", "high"], n)
    start = rng.integers(0, 100, n)
    frame = pl.DataFrame({"level": level, "code": pl.Series(level).replace({"low": "L", "mid": "M", "high": "H"}),
                          "start": start, "end": start + rng.integers(1, 30, n)})
    spec = {"constraints": [{"kind": "fixed_combinations", "columns": ["level", "code"]},
                            {"kind": "inequality", "low": "start", "high": "end", "strict": True}]}
    model = dt.fit(frame, spec, family=family)
    assert model.joints and model.differences
    local = model.sample(1_000, seed=3)
    out = model.sample_spark(spark, 1_000, partitions=2, seed=3)
    back = pl.from_arrow(out.toArrow()) if hasattr(out, "toArrow") else pl.from_pandas(out.toPandas())
    assert back.select(local.columns).cast(local.schema).equals(local)
    assert (back["end"] > back["start"]).all()
    assert set(zip(back["level"], back["code"])) <= {("low", "L"), ("mid", "M"), ("high", "H")}


def test_dates_and_datetimes_through_spark(spark) -> None:
    rng = np.random.default_rng(2)
    n = 600
    frame = pl.select(
        joined=pl.lit(_dt.date(2015, 1, 1)) + pl.duration(days=pl.Series(rng.integers(0, 3_000, n))),
        seen=pl.lit(_dt.datetime(2021, 1, 1)) + pl.duration(seconds=pl.Series(rng.integers(0, 10**7, n))),
        x=pl.Series(rng.normal(size=n)),
    )
    sdf = spark.createDataFrame(frame.to_arrow())
    assert [f.dataType.simpleString() for f in sdf.schema.fields] == ["date", "timestamp_ntz", "double"]
    model = dt.fit(sdf)
    assert _without_provenance(model) == _without_provenance(dt.fit(frame))
    # the marginals family maps every value to its cell on the executors: dates and times too
    assert _without_provenance(dt.fit(sdf, family="marginals")) == _without_provenance(dt.fit(frame, family="marginals"))
    back = model.sample_spark(spark, 200, partitions=2, seed=3).toArrow()
    assert pl.from_arrow(back).equals(model.sample(200, seed=3))


def test_spark_bad_input(spark, frame: pl.DataFrame) -> None:
    model = dt.fit(frame)
    with pytest.raises(SamplingError, match="partitions must be an integer >= 1"):
        model.sample_spark(spark, 10, partitions=0)
    bad = spark.createDataFrame([({"a": 1}, b"xy")], "m map<string,int>, b binary")
    with pytest.raises(InputFileError, match=r"Spark column 'm' has type map<string,int>.*exclude"):
        dt.fit(bad)


def test_sample_spark_refuses_unique_across_tasks(spark, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "BLOCK_ROWS", 100)
    rng = np.random.default_rng(1)
    model = dt.fit(pl.DataFrame({"v": rng.normal(size=300)}), spec={"columns": {"v": {"unique": True}}})
    with pytest.raises(SamplingError, match="column 'v' is unique"):
        model.sample_spark(spark, 500, seed=1)


def test_the_spark_submit_example_runs_in_local_mode(spark, frame: pl.DataFrame, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "spark" / "datatwin_spark_job.py"
    spec = importlib.util.spec_from_file_location("datatwin_spark_job", path)
    assert spec is not None and spec.loader is not None
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    frame.write_parquet(tmp_path / "table.parquet")
    model_path = str(tmp_path / "m.json")
    job.main(["fit", "--parquet", str(tmp_path / "table.parquet"), "--model", model_path, "--family", "copula"], spark=spark)
    assert _without_provenance(dt.load(model_path)) == _without_provenance(dt.fit(frame, family="copula"))
    job.main(["sample", "--model", model_path, "--rows", "500", "--output", str(tmp_path / "synth"), "--seed", "3"],
             spark=spark)
    back = pl.read_parquet(tmp_path / "synth" / "*.parquet")
    local = dt.load(model_path).sample(500, seed=3)
    expected = local.with_columns(pl.col(c).cast(pl.String) for c, t in local.schema.items() if t == pl.Categorical)
    assert back.select(expected.columns).cast(expected.schema).equals(expected)


def test_independent_fit_from_spark_brings_back_each_columns_values(spark, frame: pl.DataFrame,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """One Spark job of grouping sets, one set per column: the driver gets each column's
    distinct values with counts, never the table's distinct rows; the same model file, with a
    weight column and an excluded column too."""
    import datatwin.api as api
    from datatwin.io.spark import aggregate_spark_columns
    from datatwin.io.streaming import COUNT_COLUMN

    weighted = frame.with_columns(w=pl.lit(2.0))
    sdf = spark.createDataFrame(weighted.to_pandas())
    apart = aggregate_spark_columns(sdf, "w", ("id",))
    assert set(apart.frames) == {"age", "income", "sex", "city"} and apart.rows == 2_000
    for name, counts in apart.frames.items():
        assert counts.height == frame[name].n_unique() and counts[COUNT_COLUMN].sum() == 4_000
    assert apart.schema.columns == weighted.columns and apart.schema.height == 0

    def no_distinct_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the independent family brought back the distinct rows")

    monkeypatch.setattr(api, "aggregate_spark", no_distinct_rows)
    spec = {"weight_column": "w", "columns": {"id": {"exclude": True}}}
    assert _without_provenance(dt.fit(sdf, spec)) == _without_provenance(dt.fit(weighted, spec))
    with pytest.raises(AssertionError, match="distinct rows"):  # CART's trees need the rows
        dt.fit(sdf, spec, family="cart")


@pytest.mark.filterwarnings("ignore:column 'score'.*NaN:datatwin.errors.DatatwinWarning")
def test_marginals_fit_from_spark_counts_cells(spark, frame: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    """The marginals family: each column's distinct values (grouping sets), then every table of
    cells counted by the tasks (mapInArrow); the copula: the same, then its statistics. Never
    the distinct rows, and the in-memory model file, with a weight column, NaN and missing values."""
    import datatwin.api as api

    def no_distinct_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the marginals family brought back the distinct rows")

    monkeypatch.setattr(api, "aggregate_spark", no_distinct_rows)
    rng = np.random.default_rng(2)
    weighted = frame.with_columns(
        w=pl.Series(rng.integers(1, 4, frame.height), dtype=pl.Int64),
        score=pl.Series(np.where(rng.random(frame.height) < 0.1, np.nan, rng.integers(0, 5, frame.height) * 1.0)),
    )
    sdf = spark.createDataFrame(weighted.to_pandas())
    spec = {"weight_column": "w", "columns": {"id": {"exclude": True}}}
    assert _without_provenance(dt.fit(sdf, spec, family="marginals")) == \
        _without_provenance(dt.fit(weighted, spec, family="marginals"))
    # the copula replays its score steps on the executors, a job per statistic
    assert _without_provenance(dt.fit(sdf, spec, family="copula")) == \
        _without_provenance(dt.fit(weighted, spec, family="copula"))


# stops the module's session (getOrCreate returns it): keep it last
def test_a_stopped_session(frame: pl.DataFrame) -> None:
    from pyspark.sql import SparkSession

    model = dt.fit(frame)
    # the module's session is stopped last; this one is a fresh one stopped here
    session = SparkSession.builder.master("local[1]").appName("stopped").getOrCreate()
    sdf = session.createDataFrame(frame.head(10).to_pandas())
    session.stop()
    with pytest.raises(InputFileError, match="Spark session is stopped"):
        dt.fit(sdf)
    with pytest.raises(InputFileError, match="Spark session is stopped"):
        model.sample_spark(session, 10)
