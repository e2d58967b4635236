"""The real public data sets of ../shared/datasets: the checks a user would make."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

import datatwin as dt


@pytest.fixture(scope="module")
def adult(adult_path: Path) -> tuple[pl.DataFrame, dt.Model, pl.DataFrame]:
    real = pl.read_csv(adult_path, null_values=["?"])
    model = dt.fit(adult_path, missing_values=["?"])
    return real, model, model.sample(50_000, seed=1)


def _tvd(a: pl.Series, b: pl.Series) -> float:
    p = a.fill_null("<missing>").value_counts(normalize=True)
    q = b.fill_null("<missing>").value_counts(normalize=True)
    j = p.join(q, on=a.name, how="full", coalesce=True).fill_null(0.0)
    return float(0.5 * np.abs(j["proportion"] - j["proportion_right"]).sum())


def test_adult_schema_and_missing_shares(adult) -> None:
    real, model, synth = adult
    assert synth.schema == real.schema
    for name in ("workclass", "occupation", "native-country"):
        assert synth[name].null_count() / synth.height == pytest.approx(real[name].null_count() / real.height, abs=0.005)


def test_adult_categorical_columns_match(adult) -> None:
    real, _, synth = adult
    for name in real.columns:
        if real[name].dtype == pl.String:
            assert _tvd(real[name], synth[name]) < 0.02, name


def test_adult_numeric_columns_match(adult) -> None:
    real, _, synth = adult
    ks = {
        name: stats.ks_2samp(real[name].to_numpy(), synth[name].to_numpy()).statistic
        for name in real.columns
        if real[name].dtype.is_numeric()
    }
    assert ks["capital-gain"] < 0.02 and ks["capital-loss"] < 0.02  # the point masses at zero
    assert max(ks.values()) < 0.15, ks


def test_adult_zero_heavy_columns_use_a_point_mass(adult) -> None:
    real, model, synth = adult
    for name in ("capital-gain", "capital-loss"):
        dist = model.column(name).distribution
        assert dist.name == "point_mass_mixture" and dist.points[0] == 0
        assert (synth[name] == 0).mean() == pytest.approx((real[name] == 0).mean(), abs=0.005)


def test_adult_numeric_columns_do_not_publish_their_values(adult) -> None:
    real, model, _ = adult
    data = json.loads(model.to_json())
    for col in data["columns"]:
        if col["kind"] == "discrete":
            text = json.dumps(col["distribution"])
            assert text.count(",") < 40, col["name"]  # a handful of parameters, never the distinct values
            assert real[col["name"]].n_unique() > 15


def test_flights_fit_and_sample(flights_path: Path) -> None:
    real = pl.read_parquet(flights_path)
    model = dt.fit(flights_path)
    synth = model.sample(20_000, seed=3)
    assert synth.schema == real.schema
    assert synth["time_hour"].dtype == pl.Datetime("us", "UTC")
    assert model.column("time_hour").distribution.precision == "hour"
    assert model.column("year").distribution.name == "constant"
    assert model.column("tailnum").kind == "string"
    for name in ("dep_time", "arr_delay", "air_time"):
        assert synth[name].null_count() / synth.height == pytest.approx(real[name].null_count() / real.height, abs=0.01)
    assert _tvd(real["carrier"], synth["carrier"]) < 0.02
