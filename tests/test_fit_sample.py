"""Fit a frame with every column kind, sample it back: dtypes, reproducibility, statistics."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

import datatwin as dt


@pytest.fixture()
def model(mixed_frame: pl.DataFrame) -> dt.Model:
    return dt.fit(mixed_frame)


def test_kinds_are_inferred(model: dt.Model) -> None:
    kinds = {c.name: c.kind for c in model.columns}
    assert kinds == {
        "id": "discrete",
        "count": "discrete",
        "value": "continuous",
        "colour": "categorical",
        "flag": "boolean",
        "day": "date",
        "stamp": "datetime",
        "clock": "time",
        "level": "categorical",
    }
    assert model.column("id").unique and model.column("id").distribution.name == "unique_key"
    assert not model.column("count").unique


def test_sample_keeps_exact_dtypes_and_order(model: dt.Model, mixed_frame: pl.DataFrame) -> None:
    synth = model.sample(500, seed=1)
    assert synth.columns == mixed_frame.columns
    assert synth.schema == mixed_frame.schema  # Enum categories and the time zone included
    assert synth["stamp"].dtype.time_zone == "Europe/Amsterdam"
    assert synth["level"].dtype.categories.to_list() == ["low", "mid", "high", "extreme"]


def test_same_seed_same_bytes_other_seed_differs(model: dt.Model) -> None:
    a, b, c = model.sample(1000, seed=7), model.sample(1000, seed=7), model.sample(1000, seed=8)
    assert a.equals(b)
    assert a.write_csv() == b.write_csv()
    assert not a.equals(c)


def test_column_streams_do_not_depend_on_column_order(model: dt.Model) -> None:
    full = model.sample(300, seed=3)
    model.columns = list(reversed(model.columns[1:]))  # drop one column and reverse the rest
    partial = model.sample(300, seed=3)
    for name in partial.columns:
        assert partial[name].equals(full[name]), name


def test_default_sample_size_is_the_original_row_count(model: dt.Model) -> None:
    assert model.sample(seed=0).height == 2000


def test_statistics_are_reproduced(model: dt.Model, mixed_frame: pl.DataFrame) -> None:
    synth = model.sample(20_000, seed=11)
    assert synth["value"].null_count() / 20_000 == pytest.approx(mixed_frame["value"].null_count() / 2000, abs=0.015)
    assert synth["value"].mean() == pytest.approx(mixed_frame["value"].mean(), abs=0.1)
    assert synth["value"].std() == pytest.approx(mixed_frame["value"].std(), abs=0.1)
    real_share = mixed_frame["colour"].value_counts(normalize=True).sort("colour")
    synth_share = synth["colour"].drop_nulls().value_counts(normalize=True).sort("colour")
    real_nonnull = mixed_frame["colour"].drop_nulls().value_counts(normalize=True).sort("colour")
    assert synth_share["colour"].to_list() == real_nonnull["colour"].to_list()
    assert np.allclose(synth_share["proportion"].to_numpy(), real_nonnull["proportion"].to_numpy(), atol=0.02)
    assert len(real_share) == 4  # three colours and null
    assert synth["flag"].mean() == pytest.approx(mixed_frame["flag"].mean(), abs=0.02)
    assert synth["count"].mean() == pytest.approx(mixed_frame["count"].mean(), abs=0.1)


def test_unique_column_stays_unique_beyond_the_original_size(model: dt.Model) -> None:
    synth = model.sample(10_000, seed=5)
    assert synth["id"].n_unique() == 10_000


def test_temporal_values_stay_in_range_and_precision(model: dt.Model, mixed_frame: pl.DataFrame) -> None:
    synth = model.sample(5000, seed=2)
    assert synth["day"].min() >= mixed_frame["day"].min() and synth["day"].max() <= mixed_frame["day"].max()
    assert synth["stamp"].min() >= mixed_frame["stamp"].min() and synth["stamp"].max() <= mixed_frame["stamp"].max()
    assert (synth["stamp"].dt.microsecond() == 0).all()  # observed precision: seconds
    assert model.column("stamp").distribution.precision == "second"
    assert model.column("clock").distribution.precision == "second"


def test_round_trip_through_the_model_file_gives_the_same_sample(model: dt.Model, tmp_path) -> None:
    path = model.save(tmp_path / "m.json")
    loaded = dt.load(path)
    assert loaded.sample(800, seed=9).equals(model.sample(800, seed=9))
    assert loaded.to_dict() == json.loads(path.read_text())


def test_two_fits_of_the_same_data_differ_only_in_creation_time(mixed_frame: pl.DataFrame) -> None:
    a, b = dt.fit(mixed_frame).to_dict(), dt.fit(mixed_frame.sample(fraction=1.0, shuffle=True, seed=1)).to_dict()
    for d in (a, b):
        d["provenance"].pop("created_at")
    assert json.dumps(a) == json.dumps(b)


def test_all_null_column_is_fitted_as_all_missing() -> None:
    frame = pl.DataFrame({"x": [1, 2, 3] * 5, "empty": pl.Series([None] * 15, dtype=pl.Float64)})
    model = dt.fit(frame)
    col = model.column("empty")
    assert col.prop_missing == 1.0 and col.distribution is None
    synth = model.sample(40, seed=0)
    assert synth["empty"].null_count() == 40 and synth["empty"].dtype == pl.Float64


def test_zero_rows_sample_keeps_schema(model: dt.Model, mixed_frame: pl.DataFrame) -> None:
    synth = model.sample(0, seed=0)
    assert synth.height == 0 and synth.schema == mixed_frame.schema


@pytest.mark.parametrize("n", [-1, 1.5, "10", True])
def test_bad_sample_size_is_refused(model: dt.Model, n: object) -> None:
    with pytest.raises(dt.SamplingError, match="number of rows"):
        model.sample(n, seed=0)  # type: ignore[arg-type]


def test_zero_heavy_column_gets_a_point_mass() -> None:
    rng = np.random.default_rng(0)
    gain = np.where(rng.random(5000) < 0.9, 0, np.rint(rng.lognormal(8, 1, 5000))).astype(np.int64)
    model = dt.fit(pl.DataFrame({"gain": gain}))
    dist = model.column("gain").distribution
    assert dist.name == "point_mass_mixture"
    assert dist.points == [0] and dist.weights[0] == pytest.approx((gain == 0).mean())
    synth = model.sample(20_000, seed=1)["gain"]
    assert (synth == 0).mean() == pytest.approx(0.9, abs=0.01)
    assert model.column("gain").selection["method"] == "bic"
    assert set(model.column("gain").selection["scores"]) >= {"point_mass_mixture", "poisson", "negative_binomial"}


def test_whole_number_floats_are_discrete_and_stay_float() -> None:
    frame = pl.DataFrame({"dep_time": [517.0, 533.0, None, 542.0, 544.0, 554.0] * 10})
    model = dt.fit(frame)
    assert model.column("dep_time").kind == "discrete"
    synth = model.sample(200, seed=0)["dep_time"]
    assert synth.dtype == pl.Float64 and (synth.drop_nulls() == synth.drop_nulls().round(0)).all()


def test_small_integer_dtype_does_not_overflow() -> None:
    frame = pl.DataFrame({"x": pl.Series(np.random.default_rng(0).normal(120, 40, 3000).clip(0, 255).round(), dtype=pl.UInt8)})
    synth = dt.fit(frame).sample(50_000, seed=0)["x"]
    assert synth.dtype == pl.UInt8 and synth.min() >= 0 and synth.max() <= 255


def test_values_held_by_few_rows_are_not_published_as_point_masses() -> None:
    """In a 20-row table every value holds >= 5 % of rows; none may become an exact point."""
    frame = pl.DataFrame({"x": [1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 9, 2, 4, 6, 8, 3, 5]})
    dist = dt.fit(frame).column("x").distribution
    assert dist.name != "point_mass_mixture"
