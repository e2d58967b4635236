"""The k-anonymous histogram over dates and datetimes: it follows a skewed date column,
publishes no date held by fewer than k rows, and copes with time zones, daylight saving
and dates outside the nanosecond range; a unique date column samples its own row count."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import polars as pl
import pytest
from scipy.stats import ks_2samp

import datatwin as dt
from datatwin.distributions import DateHistogramDistribution, DateTimeHistogramDistribution
from datatwin.errors import DistributionError

N = 5000


@pytest.fixture(scope="module")
def licences() -> pl.DataFrame:
    """97 % of licence dates in 2017-2018, the rest spread over 16 years before."""
    rng = np.random.default_rng(7)
    days = np.where(rng.random(N) < 0.97, rng.integers(0, 730, N), -rng.integers(1, 6000, N))
    return pl.DataFrame({"licensed": np.datetime64("2017-01-01") + days.astype("timedelta64[D]")})


def test_a_skewed_date_column_gets_the_histogram_and_keeps_its_shape(licences: pl.DataFrame) -> None:
    model = dt.fit(licences)
    col = model.column("licensed")
    assert col.distribution.name == "date_histogram"
    s = model.sample(100_000, seed=1)["licensed"]
    assert s.dtype == pl.Date
    real, synth = licences["licensed"].to_physical().to_numpy(), s.to_physical().to_numpy()
    assert ks_2samp(real, synth).statistic < 0.03  # 0.006 measured; uniform gives 0.7
    share = float((s >= _dt.date(2017, 1, 1)).mean())
    assert share == pytest.approx(0.97, abs=0.02)


def test_no_edge_is_a_date_fewer_than_k_rows_hold(licences: pl.DataFrame) -> None:
    col = dt.fit(licences).column("licensed")
    counts = dict(zip(*np.unique(licences["licensed"].to_numpy(), return_counts=True)))
    for edge in col.distribution.edges:
        if "T" in edge:  # half a day: between two dates, no date at all
            assert edge.endswith("T12:00:00")
            continue
        assert counts.get(np.datetime64(edge), 0) in (0,) or counts[np.datetime64(edge)] >= 10


def test_datetime_histogram_over_a_daylight_saving_change() -> None:
    rng = np.random.default_rng(3)
    # rush hours around the spring change in Amsterdam (2020-03-29 02:00 -> 03:00)
    start = np.datetime64("2020-03-20T00:00:00")
    secs = (rng.integers(0, 20, N) * 86400 + rng.normal(8.5 * 3600, 1800, N).astype(np.int64)).astype("timedelta64[s]")
    ts = pl.Series("ts", (start + secs).astype("datetime64[us]")).dt.replace_time_zone("UTC")
    frame = pl.DataFrame({"ts": ts.dt.convert_time_zone("Europe/Amsterdam")})
    model = dt.fit(frame)
    assert model.column("ts").distribution.name == "datetime_histogram"
    s = model.sample(50_000, seed=2)["ts"]
    assert s.dtype == pl.Datetime("us", "Europe/Amsterdam")
    real, synth = frame["ts"].to_physical().to_numpy(), s.to_physical().to_numpy()
    assert ks_2samp(real, synth).statistic < 0.03
    hours = s.dt.convert_time_zone("UTC").dt.hour()
    # the rush hour stays (0.88 measured: at most 128 bins over 20 days smear the nights a little;
    # a uniform over the range gives 0.25)
    assert float(hours.is_between(5, 10).mean()) > 0.8


@pytest.mark.parametrize("kind", ["date", "datetime"])
def test_dates_before_1677_and_after_2262(kind: str) -> None:
    text = ["1500-01-01", "1600-05-05", "2500-01-01", "2600-01-01"] * 30
    values = np.array(text, dtype="datetime64[D]") if kind == "date" else np.array(text, dtype="datetime64[ms]")
    model = dt.fit(pl.DataFrame({"d": values}))
    s = model.sample(2000, seed=1)["d"]
    assert s.min() >= values.min().astype(object) and s.max() <= values.max().astype(object)
    assert model.column("d").distribution.name.endswith("histogram")


def test_a_unique_date_column_samples_its_own_row_count() -> None:
    frame = pl.DataFrame({"day": pl.date_range(pl.date(2020, 1, 1), pl.date(2020, 4, 9), eager=True)})
    model = dt.fit(frame)
    assert model.column("day").unique
    s = model.sample(100, seed=1)["day"]
    assert s.n_unique() == 100 and s.min() == _dt.date(2020, 1, 1) and s.max() == _dt.date(2020, 4, 9)
    with pytest.raises(dt.errors.SamplingError, match="'day'.*cannot produce 101 distinct"):
        model.sample(101, seed=1)


def test_too_few_rows_fall_back_to_uniform() -> None:
    frame = pl.DataFrame({"d": np.array(["2020-01-01", "2020-02-01", "2020-03-01"], dtype="datetime64[D]")})
    assert dt.fit(frame).column("d").distribution.name == "date_uniform"
    with pytest.raises(DistributionError, match="date_histogram: needs at least k=10 rows"):
        DateHistogramDistribution.fit(frame["d"].to_numpy())


def test_bad_edges_and_precision_are_named() -> None:
    with pytest.raises(DistributionError, match="date_histogram: 'edges' must be ISO 8601"):
        DateHistogramDistribution(["2020-01-01", "not a date"], [1.0], "day")
    with pytest.raises(DistributionError, match="strictly increasing"):
        DateHistogramDistribution(["2020-02-01", "2020-01-01"], [1.0], "day")
    with pytest.raises(DistributionError, match="'precision' must be one of"):
        DateTimeHistogramDistribution(["2020-01-01T00:00:00", "2020-01-02T00:00:00"], [1.0], "nanosecond")


def test_round_trip_through_the_model_file(licences: pl.DataFrame, tmp_path) -> None:
    model = dt.fit(licences)
    path = tmp_path / "m.json"
    model.save(path)
    back = dt.load(path)
    assert back.sample(200, seed=5).equals(model.sample(200, seed=5))


def test_gmf_export_writes_a_uniform_over_the_range_with_a_note(licences: pl.DataFrame) -> None:
    from datatwin import gmf

    model = dt.fit(licences)
    exported, notes = gmf.model_dict_to_gmf(model.to_dict(), strict=False)
    out = exported["tables"][0]["vars"][0]["distribution"]
    assert out["class_name"] == "DateUniformDistribution"
    real = licences["licensed"]
    assert out["parameters"]["lower"] <= str(real.min()) and out["parameters"]["upper"] >= str(real.max())
    assert notes == ["column 'licensed': date_histogram has no metasyn equivalent; exported as core.uniform over "
                     "its range, an approximation"]
