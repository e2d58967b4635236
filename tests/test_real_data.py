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


def test_adult_zero_heavy_columns_keep_their_zeros_exactly(adult) -> None:
    real, model, synth = adult
    for name in ("capital-gain", "capital-loss"):
        dist = model.column(name).distribution  # a point mass at 0, or a histogram bin of 0 alone
        share = float((real[name] == 0).mean())
        assert np.exp(dist.logpdf([0])[0]) == pytest.approx(share, abs=1e-9), name
        assert (synth[name] == 0).mean() == pytest.approx(share, abs=0.005)


def published_numbers(distribution: dict) -> list[float]:
    """Every number among a model file distribution's parameters (nested ones too)."""
    out: list[float] = []

    def walk(x) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            out.append(float(x))

    walk(distribution["parameters"])
    return out


def rare_values_published(real: pl.DataFrame, model: dt.Model, k: int = 10) -> dict[str, list[float]]:
    """Per numeric column, the published numbers that equal a real value 1 to k - 1 rows hold."""
    data = json.loads(model.to_json())
    out = {}
    for col in data["columns"]:
        if col["kind"] in ("continuous", "discrete") and col["distribution"] is not None:
            counts = real[col["name"]].drop_nulls().cast(pl.Float64).value_counts()
            rare = set(counts.filter(pl.col("count") < k)[col["name"]].to_list())
            hit = sorted(set(published_numbers(col["distribution"])) & rare)
            if hit:
                out[col["name"]] = hit
    return out


def test_adult_numeric_columns_publish_no_value_fewer_than_k_rows_hold(adult) -> None:
    real, model, _ = adult
    assert rare_values_published(real, model) == {}
    for col in model.columns:  # and every published share describes at least k rows
        dist = col.distribution
        rest = dist.rest if dist.name == "point_mass_mixture" else dist
        n = real[col.name].drop_nulls().len() * (1 - sum(dist.weights) if rest is not dist else 1)
        if rest is not None and rest.name in ("histogram", "finite"):
            assert min(rest.probs) * n >= 10 - 1e-6, col.name


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
