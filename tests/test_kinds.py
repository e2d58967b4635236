"""Kind inference (datatwin.prepare.kinds): 0/1 items, codes, years and few-valued numbers
get the kinds a data steward expects, a spec always wins, private policies never infer."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.describe import describe_kinds
from datatwin.errors import ColumnError
from datatwin.prepare.kinds import choose_kind, name_tokens
from datatwin.schema import FitSpec

N = 3000


@pytest.fixture(scope="module")
def survey() -> pl.DataFrame:
    rng = np.random.default_rng(15)
    years = np.arange(1974, 2019, 2)
    year = rng.choice(years, N)
    year[:3] = 1900  # a year held by 3 rows: merged into 1974, never published
    occ = rng.choice(np.arange(100, 160) * 10, N)
    occ[:4] = 9999  # a code held by 4 rows: not published
    return pl.DataFrame({
        "married": rng.integers(0, 2, N),
        "year": year,
        "likert": rng.choice([1, 2, 3, 4, 5], N, p=[0.1, 0.2, 0.4, 0.2, 0.1]).astype(np.int16),
        "occ10": occ,
        "children": rng.poisson(1.5, N).clip(0, 8).astype(float),  # whole-number floats
        "income": rng.lognormal(10, 0.5, N),
    })


@pytest.fixture(scope="module")
def model(survey: pl.DataFrame) -> dt.Model:
    return dt.fit(survey)


def test_zero_one_column_is_bernoulli_and_written_back_as_numbers(model: dt.Model) -> None:
    col = model.column("married")
    assert (col.kind, col.distribution.name, col.dtype) == ("discrete", "bernoulli", "Int64")
    assert col.selection["method"] == "rule: 0/1 values"
    s = model.sample(20_000, seed=1)["married"]
    assert s.dtype == pl.Int64 and set(s.unique()) == {0, 1}
    assert s.mean() == pytest.approx(0.5, abs=0.03)  # binomial sd 0.0035 around the real share


def test_year_column_is_over_its_observed_years_without_rare_ones(model: dt.Model, survey: pl.DataFrame) -> None:
    col = model.column("year")
    assert col.distribution.name == "finite" and col.selection["method"] == "rule: years"
    assert 1900 not in col.distribution.values  # held by 3 < k rows: merged into 1974
    assert set(col.distribution.values) == set(range(1974, 2019, 2))
    assert col.selection["override"] == '[columns.year] distribution = "histogram"'
    s = model.sample(20_000, seed=2)["year"]
    assert set(s.unique()) <= set(range(1974, 2019, 2))  # no year without a survey
    real = survey["year"].value_counts(normalize=True).sort("year")
    assert s.filter(s == 1974).len() / 20_000 == pytest.approx(real["proportion"][1] + 3 / N, abs=0.01)


def test_few_values_keep_their_shape_and_dtype(model: dt.Model, survey: pl.DataFrame) -> None:
    col = model.column("likert")
    assert col.distribution.name == "finite" and col.distribution.integer
    assert col.distribution.values == [1, 2, 3, 4, 5]
    assert col.distribution.probs == pytest.approx([0.1, 0.2, 0.4, 0.2, 0.1], abs=0.03)
    s = model.sample(5000, seed=3)
    assert s["likert"].dtype == pl.Int16
    assert s["children"].dtype == pl.Float64 and model.column("children").distribution.name == "finite"


def test_code_column_is_categorical_over_frequent_codes(model: dt.Model) -> None:
    col = model.column("occ10")
    assert col.kind == "categorical" and col.distribution.name == "categorical"
    assert 9999 not in col.distribution.labels  # held by 4 < k rows
    assert col.selection["override"] == '[columns.occ10] kind = "discrete"'
    s = model.sample(5000, seed=4)["occ10"]
    assert s.dtype == pl.Int64 and set(s.unique()) <= set(range(1000, 1600, 10))


def test_other_numbers_compete_as_before(model: dt.Model) -> None:
    col = model.column("income")
    assert col.selection["method"] == "bic" and "kind" not in col.selection


def test_the_spec_wins_over_every_rule(survey: pl.DataFrame) -> None:
    spec = {"columns": {"year": {"distribution": "histogram"}, "occ10": {"kind": "discrete"},
                        "married": {"kind": "continuous"}}}
    m = dt.fit(survey.select("year", "occ10", "married"), spec)
    assert m.column("year").distribution.name == "histogram" and m.column("year").selection["method"] == "spec"
    assert m.column("occ10").kind == "discrete" and "kind" not in m.column("occ10").selection
    assert m.column("married").kind == "continuous" and m.column("married").distribution.name != "bernoulli"


def test_inspect_says_why_and_suggests_the_override(model: dt.Model) -> None:
    lines = describe_kinds(model.to_dict()["columns"])
    year = next(line for line in lines if line.startswith("kind of year:"))
    assert "name says year" in year and 'distribution = "histogram"' in year
    assert not any(line.startswith("kind of income") for line in lines)


def test_reasons_quote_no_value(model: dt.Model) -> None:
    text = json.dumps([c.selection.get("kind", "") for c in model.columns])
    assert "1974" not in text and "9999" not in text and "1900" not in text


def test_a_private_policy_infers_nothing_from_the_values(survey: pl.DataFrame) -> None:
    spec = {"columns": {name: {"bounds": [lo, hi]} for name, lo, hi in
                        [("married", 0, 1), ("year", 1900, 2020), ("likert", 1, 5)]}}
    m = dt.fit(survey.select("married", "year", "likert"), spec,
               privacy=dt.privacy.DifferentialPrivacy(epsilon=1.0, delta=1e-9))
    for col in m.columns:
        assert col.kind == "discrete" and "kind" not in (col.selection or {})
        assert not (col.selection or {}).get("method", "").startswith("rule")


def test_too_few_rows_per_value_leaves_the_column_to_the_candidates() -> None:
    x = pl.Series("score", np.arange(60) % 11)  # 11 values, about 5 rows each: too few for k = 10
    choice = choose_kind(x, FitSpec())
    assert choice.distribution is None and choice.kind == "discrete"


def test_a_single_value_is_constant() -> None:
    col = dt.fit(pl.DataFrame({"flag": [1] * 50})).column("flag")
    assert col.distribution.name == "constant"


def test_name_tokens() -> None:
    assert name_tokens("BirthYear") == ["birth", "year"] and name_tokens("zip5") == ["zip", "5"]


def test_forced_categorical_on_many_distinct_floats_names_the_count() -> None:
    x = np.random.default_rng(0).normal(size=50_000)
    with pytest.raises(ColumnError, match=r"'x'.*50000 distinct values.*categorical"):
        dt.fit(pl.DataFrame({"x": x}), {"columns": {"x": {"kind": "categorical"}}})


def test_a_private_policy_warns_when_csv_kinds_are_guessed(tmp_path) -> None:
    path = tmp_path / "survey.csv"
    pl.DataFrame({"children": [0.0, 1.0, 2.0] * 300, "age": [30, 40, 50] * 300, "town": ["a", "b", "c"] * 300}).write_csv(path)
    dp = dt.privacy.DifferentialPrivacy(epsilon=1.0, delta=1e-9)
    spec = {"columns": {"children": {"bounds": [0, 5]}, "age": {"bounds": [0, 100]}}}
    with pytest.warns(dt.DatatwinWarning, match=r"'children' \(continuous\), 'age' \(discrete\).*declare each one's kind"):
        dt.fit(path, spec, privacy=dp)
    declared = {"columns": {"children": {"bounds": [0, 5], "kind": "discrete"}, "age": {"bounds": [0, 100], "kind": "discrete"}}}
    model = dt.fit(path, declared, privacy=dp)  # declared: no warning (pytest turns one into an error)
    assert model.column("children").kind == "discrete"


def test_cli_inspect_prints_the_kind_reasons(model: dt.Model, tmp_path, run_cli) -> None:
    path = tmp_path / "survey.json"
    model.save(path)
    code, out, _ = run_cli(["inspect", str(path)])
    assert code == 0
    flat = " ".join(out.split())
    assert "kind of year: discrete, whole numbers from 1000 to 2999 whose name says year" in flat
    assert 'to change it write [columns.year] distribution = "histogram" in the spec' in flat


@pytest.mark.parametrize("privacy", [None, "disclosure"])
def test_the_copula_keeps_rule_chosen_columns_and_their_dtypes(survey: pl.DataFrame, privacy: str | None) -> None:
    m = dt.fit(survey, family="copula", privacy=privacy)
    assert m.column("married").distribution.name == "bernoulli" and m.column("year").distribution.name == "finite"
    s = m.sample(3000, seed=1)
    assert s.schema == survey.schema
    assert set(s["married"].unique()) == {0, 1} and set(s["likert"].unique()) <= {1, 2, 3, 4, 5}


def test_frequency_weights_count_as_rows() -> None:
    # 5 distinct values on 10 rows, but each row stands for 30: enough rows for each value
    frame = pl.DataFrame({"score": [1, 2, 3, 4, 5] * 2, "w": [30] * 10})
    col = dt.fit(frame, {"weight_column": "w"}).column("score")
    assert col.distribution.name == "finite" and col.selection["method"] == "rule: few values"
    assert dt.fit(frame.drop("w")).column("score").distribution.name != "finite"  # 10 rows: too few
