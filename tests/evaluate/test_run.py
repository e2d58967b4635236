"""dt.evaluate end to end on small frames: inputs, model ledger, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt


@pytest.fixture()
def real() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    return pl.DataFrame({"x": x, "y": x + rng.normal(scale=0.3, size=600), "c": rng.choice(["a", "b", "c"], 600)})


def test_model_file_path_puts_its_ledger_in_the_report(real: pl.DataFrame, tmp_path: Path) -> None:
    model = dt.fit(real)
    path = model.save(tmp_path / "m.json")
    report = dt.evaluate(real, model.sample(600, seed=1), model=path, max_rows=300)
    assert report.privacy == {"policy": "none", "ledger": []}
    assert 0 <= report.scores["utility"]["overall"] <= 1 and 0 <= report.scores["risk"]["overall"] <= 1
    assert report.scores["meta"]["rows"] == {"real": 600, "synthetic": 600, "holdout": None}


def test_pandas_and_csv_inputs(real: pl.DataFrame, tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    synth = dt.fit(real).sample(400, seed=2)
    synth.write_csv(tmp_path / "s.csv")
    a = dt.evaluate(real.to_pandas(), tmp_path / "s.csv", max_rows=300, seed=4)
    b = dt.evaluate(real, synth, max_rows=300, seed=4)
    assert a.scores["utility"]["column_shape"] == pytest.approx(b.scores["utility"]["column_shape"])


def test_synthetic_with_other_columns_is_refused(real: pl.DataFrame) -> None:
    with pytest.raises(dt.DataError, match=r"the synthetic data must have the real data's columns: missing \['c'\]"):
        dt.evaluate(real, real.drop("c"))
