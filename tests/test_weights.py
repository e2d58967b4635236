"""A frequency column: each row counts that many times; the column is not synthesised."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import datatwin as dt


def test_weighted_fit_equals_the_expanded_table() -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(0, 50, 300)
    colours = rng.choice(["red", "green", "blue"], 300)
    weights = rng.integers(0, 6, 300)
    aggregated = pl.DataFrame({"n": values, "colour": colours, "freq": weights})
    expanded = pl.DataFrame({"n": np.repeat(values, weights), "colour": np.repeat(colours, weights)})
    a = dt.fit(aggregated, {"weight_column": "freq"})
    b = dt.fit(expanded)
    assert a.n_rows == b.n_rows == int(weights.sum())
    for name in ("n", "colour"):
        assert a.column(name).distribution == b.column(name).distribution
    assert [s["name"] for s in a.skipped] == ["freq"]
    assert a.sample(10, seed=0).columns == ["n", "colour"]


def test_missing_share_is_weighted() -> None:
    frame = pl.DataFrame({"x": [1.5, None, 2.5, 3.5], "w": [1, 6, 1, 2]})
    assert dt.fit(frame, {"weight_column": "w"}).column("x").prop_missing == pytest.approx(0.6)


def test_a_heavy_row_is_not_unique() -> None:
    frame = pl.DataFrame({"id": list(range(20)), "w": [1] * 19 + [3]})
    assert dt.fit(frame, {"weight_column": "w"}).column("id").unique is False
    assert dt.fit(frame.with_columns(pl.lit(1).alias("w")), {"weight_column": "w"}).column("id").unique is True


@pytest.mark.parametrize(
    ("weights", "error", "message"),
    [
        ([1, -1, 2], dt.ColumnError, r"column 'w': the weight column has 1 missing, infinite or negative value\(s\)"),
        ([1, None, 2], dt.ColumnError, r"column 'w': the weight column has 1 missing"),
        ([0, 0, 0], dt.ColumnError, "the weights add up to 0"),
    ],
)
def test_bad_weights(weights: list, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        dt.fit(pl.DataFrame({"x": [1, 2, 3], "w": weights}), {"weight_column": "w"})


def test_weight_column_must_exist_and_be_numeric() -> None:
    with pytest.raises(dt.SpecError, match="weight_column 'nope' is not a column of the data"):
        dt.fit(pl.DataFrame({"x": [1, 2]}), {"weight_column": "nope"})
    with pytest.raises(dt.ColumnError, match="column 'w': the weight column must hold numbers"):
        dt.fit(pl.DataFrame({"x": [1, 2], "w": ["a", "b"]}), {"weight_column": "w"})
