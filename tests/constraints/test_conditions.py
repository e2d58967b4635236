"""Conditional sampling: exact values, ranges, sets, missing and frames of condition rows,
for the independent and copula families and the generic fallback; bad conditions; --where."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.constraints import conditions_from_where
from datatwin.errors import ConditionError, ConstraintError, SamplingError
from datatwin.models.independent import IndependentFit


@pytest.fixture(scope="module")
def people() -> pl.DataFrame:
    """Correlated columns: y ~ 0.8 x, a label tied to x, a rare label, missing incomes (fixed seed)."""
    rng = np.random.default_rng(11)
    n = 6000
    x = rng.normal(size=n)
    y = 0.8 * x + 0.6 * rng.normal(size=n)
    group = np.where(x + 0.3 * rng.normal(size=n) > 0.5, "high", "low")
    group[rng.random(n) < 0.006] = "rare"  # about 36 rows: under 1 %
    age = rng.integers(18, 90, n)
    income = np.exp(rng.normal(3 + 0.3 * x, 0.5))
    income[rng.random(n) < 0.1] = np.nan
    return pl.DataFrame({"x": x, "y": y, "group": group, "age": age, "income": income}).with_columns(
        pl.col("income").fill_nan(None)
    )


@pytest.fixture(scope="module", params=["independent", "copula"])
def model(request: pytest.FixtureRequest, people: pl.DataFrame) -> dt.Model:
    return dt.fit(people, family=request.param)


@pytest.fixture(scope="module")
def copula(people: pl.DataFrame) -> dt.Model:
    return dt.fit(people, family="copula")


def test_exact_range_set_and_missing(model: dt.Model) -> None:
    s = model.sample(5000, seed=1, conditions={"group": "rare", "age": (30, 40), "x": (None, 0.0), "income": None})
    assert s.height == 5000
    assert (s["group"] == "rare").all() and s["age"].is_between(30, 40).all() and (s["x"] <= 0).all()
    assert s["income"].null_count() == 5000
    t = model.sample(4000, seed=1, conditions={"group": ["rare", "high"], "income": (10.0, 30.0)})
    assert set(t["group"].unique()) == {"rare", "high"} and t["income"].is_between(10, 30).all()
    assert model.sample(300, seed=4, conditions={"group": "rare"}).equals(model.sample(300, seed=4, conditions={"group": "rare"}))


def test_range_follows_the_truncated_marginal(model: dt.Model) -> None:
    # age is modelled on 18..89: conditioned on 30..39 every value should appear, about equally often
    s = model.sample(20_000, seed=2, conditions={"age": (30, 39)})
    shares = s["age"].value_counts(normalize=True)["proportion"].to_numpy()
    assert len(shares) == 10 and np.abs(shares - 0.1).max() < 0.03


def test_frame_of_condition_rows(model: dt.Model) -> None:
    rows = pl.DataFrame({"group": ["rare", "low", "high"], "age": [20, 50, 60], "income": [12.5, None, 40.0]})
    s = model.sample(seed=3, conditions=rows)
    assert s.height == 3 and s.columns == ["x", "y", "group", "age", "income"]
    assert s["group"].to_list() == ["rare", "low", "high"] and s["age"].to_list() == [20, 50, 60]
    assert s["income"].to_list() == [12.5, None, 40.0]
    pandas = pytest.importorskip("pandas")
    assert model.sample(seed=3, conditions=rows.to_pandas()).equals(s) and pandas is not None
    with pytest.raises(SamplingError, match="one row per condition row: leave n out or give n=3. Got n=10"):
        model.sample(10, seed=3, conditions=rows)


def test_copula_conditions_its_normal_law(copula: dt.Model) -> None:
    # x and y are standard normal with latent correlation about 0.8: E[y | x in (1, 2)] = 0.8 E[x | ...]
    s = copula.sample(20_000, seed=5, conditions={"x": (1.0, 2.0)})
    assert s["x"].is_between(1.0, 2.0).all()
    assert abs(float(s["y"].mean()) - 0.8 * float(s["x"].mean())) < 0.05  # sd of the mean ~0.005: > 9 sd
    # the conditional law matches the model's own law restricted to the condition (by rejection)
    pool = copula.sample(200_000, seed=6).filter(pl.col("group") == "high")
    cond = copula.sample(20_000, seed=7, conditions={"group": "high"})
    assert abs(float(cond["x"].mean()) - float(pool["x"].mean())) < 0.03
    share = lambda f: float(f["income"].is_null().mean())  # noqa: E731
    assert abs(share(cond) - share(pool)) < 0.01


def test_copula_exact_value_fixes_the_latent(copula: dt.Model) -> None:
    s = copula.sample(10_000, seed=8, conditions={"x": 1.5})
    assert (s["x"] == 1.5).all()
    assert abs(float(s["y"].mean()) - 0.8 * 1.5) < 0.05


def test_rare_label_costs_no_rejection(copula: dt.Model) -> None:
    s = copula.sample(50_000, seed=9, conditions={"group": "rare"})
    assert s.height == 50_000 and (s["group"] == "rare").all()


@pytest.mark.parametrize("conditions, message", [
    ({"groupp": "rare"}, "unknown column 'groupp' \\(did you mean 'group'\\?\\)"),
    ({"group": "medium"}, "'medium' is not a label the model knows"),
    ({"age": (200, 300)}, "probability about 0 under the model of column 'age'"),
    ({"age": (40, 30)}, "the range low 40 is greater than high 30"),
    ({"x": 1e9}, "lies outside what the model knows"),
    ({"age": "old"}, "'old' is not a value of this discrete column"),
    ({"group": (1, 2)}, "a range needs an ordered column"),
    ({"age": None}, "never draws column 'age' missing"),
    ({"group": []}, "the list of values is empty"),
    (42, "conditions must be a mapping"),
])
def test_bad_conditions(model: dt.Model, conditions: object, message: str) -> None:
    with pytest.raises(ConditionError, match=message):
        model.sample(10, seed=1, conditions=conditions)


def test_condition_on_excluded_or_computed_column(people: pl.DataFrame) -> None:
    spec = {"columns": {"y": {"exclude": True}}, "constraints": [
        {"kind": "formula", "column": "income", "expression": "age * 2"}, {"kind": "range", "column": "age", "low": 20}]}
    with pytest.warns(dt.errors.DatatwinWarning, match="formula income = age \\* 2: 5,406 of 6,000 rows"):
        m = dt.fit(people, spec=spec)
    with pytest.raises(ConditionError, match="column 'y': the column was excluded"):
        m.sample(10, seed=1, conditions={"y": 1.0})
    with pytest.raises(ConditionError, match="column 'income': it is computed from age by the formula 'age \\* 2'.*condition on age instead"):
        m.sample(10, seed=1, conditions={"income": 1.0})
    with pytest.raises(ConditionError, match="lies outside the declared range 20 <= age <= None"):
        m.sample(10, seed=1, conditions={"age": (18, 19)})
    s = m.sample(1000, seed=1, conditions={"age": (18, 25)})
    assert s["age"].is_between(20, 25).all() and (s["income"] == s["age"] * 2).all()


def test_condition_on_unique_column_only_row_by_row() -> None:
    m = dt.fit(pl.DataFrame({"id": [f"k{i:03d}" for i in range(200)], "x": [float(i % 7) for i in range(200)]}))
    assert m.column("id").unique
    with pytest.raises(ConditionError, match="column 'id': the column is unique"):
        m.sample(5, seed=1, conditions={"id": "k001"})
    assert m.sample(seed=1, conditions=pl.DataFrame({"id": ["a", "b"]}))["id"].to_list() == ["a", "b"]


def test_generic_fallback_for_families_without_conditioning(people: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    m = dt.fit(people)
    monkeypatch.setattr(IndependentFit, "conditions_native", False)
    s = m.sample(2000, seed=1, conditions={"group": ["high", "low"], "age": (30, 60)})
    assert s.height == 2000 and s["age"].is_between(30, 60).all() and (s["group"] != "rare").all()
    with pytest.raises(SamplingError, match=r"could produce only \d+ of the 2,000 rows asked for: the condition group == 'rare' and x in \[3.0, None\] is too tight.*widen it"):
        m.sample(2000, seed=1, conditions={"group": "rare", "x": (3.0, None)})


def test_where_texts() -> None:
    assert conditions_from_where(["sex == 'Female'", "age >= 30", "age <= 40", "r in ['a', 'b'] and w == None"]) == {
        "sex": "Female", "age": (30, 40), "r": ["a", "b"], "w": None}
    for bad, message in [("sex != 'F'", "!= is not a condition"), ("age >= 3 and age > 4", "two lower"),
                         ("sex == 'F' and sex == 'M'", "conditioned twice")]:
        with pytest.raises(ConstraintError, match=message):
            conditions_from_where([bad])


def test_strict_bound_on_whole_numbers(model: dt.Model) -> None:
    s = model.sample(2000, seed=1, conditions=["age > 30", "age < 33"])
    assert set(s["age"].unique()) == {31, 32}


def test_cli_where(people: pl.DataFrame, tmp_path: Path, run_cli) -> None:
    path = dt.fit(people, family="copula").save(tmp_path / "m.json")
    out = tmp_path / "out.csv"
    code, _, err = run_cli(["sample", str(path), "-n", "500", "--seed", "1", "--where", "group == 'rare'",
                            "--where", "age >= 30", "-o", str(out)])
    assert code == 0, err
    s = pl.read_csv(out)
    assert s.height == 500 and (s["group"] == "rare").all() and (s["age"] >= 30).all()
    code, stdout, err = run_cli(["sample", str(path), "--where", "open('x') == 1"])
    assert code == 1 and "--where \"open('x') == 1\": write simple comparisons" in stdout + err
    code, stdout, err = run_cli(["sample", str(path), "--where", "group == 'medium'"])
    assert code == 1 and "'medium' is not a label the model knows" in stdout + err
