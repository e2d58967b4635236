"""What the data owner can force through the spec, and the missing-value sentinels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt


@pytest.fixture()
def frame() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    return pl.DataFrame(
        {
            "age": rng.integers(18, 90, 1000),
            "income": np.where(rng.random(1000) < 0.05, -1, rng.integers(1000, 9000, 1000)),
            "city": rng.choice(["Utrecht", "Delft", "?"], 1000),
            "note": [f"free text {i}" for i in range(1000)],
        }
    )


def test_forced_distribution_by_name(frame: pl.DataFrame) -> None:
    model = dt.fit(frame, {"columns": {"age": {"distribution": "discrete_uniform"}}})
    col = model.column("age")
    assert col.distribution.name == "discrete_uniform" and col.selection == {"method": "spec"}
    assert (col.distribution.lower, col.distribution.upper) == (frame["age"].min(), frame["age"].max())


def test_forced_distribution_with_fixed_parameters(frame: pl.DataFrame) -> None:
    spec = {"columns": {"age": {"distribution": {"name": "discrete_uniform", "parameters": {"lower": 0, "upper": 9}}}}}
    synth = dt.fit(frame, spec).sample(2000, seed=0)["age"]
    assert synth.min() == 0 and synth.max() == 9


def test_exclude_unique_and_description(frame: pl.DataFrame) -> None:
    spec = {
        "columns": {
            "note": {"exclude": True},
            "age": {"unique": False, "description": "age in years at the census"},
            "city": {"unique": False},
        }
    }
    model = dt.fit(frame, spec)
    assert [c.name for c in model.columns] == ["age", "income", "city"]
    assert model.to_dict()["skipped"] == [{"name": "note", "reason": "excluded by the spec"}]
    assert model.column("age").to_dict()["description"] == "age in years at the census"
    assert "note" not in model.sample(5, seed=0).columns


def test_forced_unique_on_a_discrete_column(frame: pl.DataFrame) -> None:
    model = dt.fit(frame.with_row_index("row"), {"columns": {"row": {"unique": True}}})
    assert model.column("row").distribution.name == "unique_key"
    assert model.sample(3000, seed=1)["row"].n_unique() == 3000


def test_missing_values_global_and_per_column(frame: pl.DataFrame) -> None:
    model = dt.fit(frame, {"missing_values": ["?"], "columns": {"income": {"missing_values": [-1]}}})
    assert model.column("city").prop_missing == pytest.approx((frame["city"] == "?").mean())
    assert model.column("income").prop_missing == pytest.approx((frame["income"] == -1).mean())
    assert "?" not in model.column("city").distribution.labels
    assert model.column("income").to_dict()["distribution"]["parameters"].get("lower", 0) != -1
    # a text sentinel does not touch numeric columns, nor a number text columns
    assert model.column("age").prop_missing == 0


def test_fit_keyword_overrides(frame: pl.DataFrame) -> None:
    model = dt.fit(frame, missing_values=["?"], criterion="aic")
    assert model.criterion == "aic" and model.column("age").selection["method"] == "aic"
    assert model.column("city").prop_missing > 0


def test_csv_sentinel_keeps_a_numeric_column_numeric(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,a\n?,b\n3,?\n4,a\n", encoding="utf-8")
    model = dt.fit(path, missing_values=["?"])
    assert model.column("x").dtype == "Int64" and model.column("x").prop_missing == 0.25
    assert model.column("y").prop_missing == 0.25


def test_empirical_is_opt_in(frame: pl.DataFrame) -> None:
    assert dt.fit(frame).column("income").distribution.name != "empirical"
    model = dt.fit(frame, {"empirical": True, "empirical_bins": 10, "columns": {"income": {"distribution": "empirical"}}})
    dist = model.column("income").distribution
    assert dist.name == "empirical" and len(dist.bins) <= 11


def test_spec_from_toml_file(tmp_path: Path, frame: pl.DataFrame) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'missing_values = ["?"]\n[columns.note]\nexclude = true\n[columns.age]\ndistribution = "discrete_uniform"\n',
        encoding="utf-8",
    )
    model = dt.fit(frame, spec)
    assert model.column("age").distribution.name == "discrete_uniform"
    assert [s["name"] for s in model.skipped] == ["note"]


def test_text_column_that_is_not_categorical_publishes_no_value(frame: pl.DataFrame) -> None:
    model = dt.fit(frame)
    col = model.column("note")
    assert col.kind == "string" and col.unique
    text = model.to_json()
    assert "free text" not in text
    synth = model.sample(2000, seed=0)["note"]
    assert synth.n_unique() == 2000 and synth.dtype == pl.String


def test_csv_column_sentinel_keeps_a_numeric_column_numeric(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,a\n?,b\n3,?\n4.5,a\n", encoding="utf-8")
    model = dt.fit(path, {"columns": {"x": {"missing_values": ["?"]}}})
    assert model.column("x").dtype == "Float64" and model.column("x").prop_missing == 0.25
    assert model.column("y").prop_missing == 0  # the sentinel was declared for x only


def test_distinct_integers_become_a_key_only_when_key_like() -> None:
    rng = np.random.default_rng(0)
    salaries = rng.choice(np.arange(20_000, 90_000), 12, replace=False)
    frame = pl.DataFrame({"id": np.arange(100, 112), "salary": salaries})
    model = dt.fit(frame)
    assert model.column("id").unique and model.column("id").distribution.name == "unique_key"
    assert model.column("salary").unique and model.column("salary").distribution.name != "unique_key"
    synth = model.sample(12, seed=0)
    assert synth["salary"].n_unique() == 12 and synth["id"].n_unique() == 12


def test_forced_unique_on_a_categorical_column_is_refused() -> None:
    with pytest.raises(dt.ColumnError, match="column 'c': the spec says unique, but a categorical column cannot be unique"):
        dt.fit(pl.DataFrame({"c": ["a", "b", "c"]}), {"columns": {"c": {"kind": "categorical", "unique": True}}})


def test_forced_distribution_on_a_single_value_says_so() -> None:
    model = dt.fit(pl.DataFrame({"x": [4, 4, 4]}), {"columns": {"x": {"distribution": "poisson"}}})
    assert model.column("x").distribution.name == "constant"
    assert model.column("x").selection == {"method": "single value"}
