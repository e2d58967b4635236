"""Inequalities are built by construction: the family models ``low`` and the non-negative
difference ``high - low``, and sampling writes ``high = low + difference``, so every row meets
the inequality without resampling (``enforce.ROUNDS`` patched to 0 proves it), in every
family, for numbers, dates, datetimes and times, strict or not."""

from __future__ import annotations

import copy
import datetime as _dt
import json
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
import datatwin.constraints.enforce as enforce
from datatwin.constraints.enforce import share_violating
from datatwin.constraints.kinds import FixedCombinations, FormulaConstraint, Inequality
from datatwin.errors import ConditionError, DatatwinWarning, ModelFileError
from datatwin.models.difference import plan

N = 2_500
SPEC = {"constraints": [
    {"kind": "inequality", "low": "date_joined", "high": "date_left", "strict": True},
    {"kind": "inequality", "low": "start", "high": "end"},
    {"kind": "inequality", "low": "price", "high": "paid"},
    {"kind": "inequality", "low": "floor", "high": "ceiling", "strict": True},
]}
PAIRS = [("date_joined", "date_left"), ("start", "end"), ("price", "paid"), ("floor", "ceiling")]


@pytest.fixture(scope="module")
def staff() -> pl.DataFrame:
    """date_joined uniform over 10 years, date_left = joined + gamma days (30 % still there,
    and unknown when the joining date is), a datetime pair, a float pair, an integer pair."""
    rng = np.random.default_rng(11)
    joined = np.datetime64("2010-01-01") + rng.integers(0, 3652, N).astype("timedelta64[D]")
    tenure = 1 + np.round(rng.gamma(2.0, 250.0, N)).astype(np.int64)
    left = joined + tenure.astype("timedelta64[D]")
    start = (np.datetime64("2020-01-01T00:00:00") + rng.integers(0, 3 * 10**7, N).astype("timedelta64[s]")).astype("datetime64[us]")
    end = start + rng.gamma(3.0, 1200.0, N).astype(np.int64).astype("timedelta64[s]").astype("timedelta64[us]")
    price = rng.lognormal(3.0, 0.5, N)
    floor = rng.integers(0, 20, N)
    frame = pl.DataFrame({
        "id": np.arange(N),
        "date_joined": joined,
        "salary": 30_000 + 20 * tenure + rng.normal(0, 3_000, N),
        "date_left": left,
        "start": start, "end": end,
        "price": price, "paid": price + rng.exponential(4.0, N),
        "floor": floor.astype(np.int32), "ceiling": (floor + 1 + rng.poisson(3, N)).astype(np.int32),
    })
    gone = rng.random(N) < 0.3
    unknown = rng.random(N) < 0.05
    return frame.with_columns(
        pl.when(pl.Series(unknown)).then(None).otherwise(pl.col("date_joined")).alias("date_joined"),
        pl.when(pl.Series(gone | unknown)).then(None).otherwise(pl.col("date_left")).alias("date_left"),
    ).drop("id")


@pytest.fixture()
def no_resampling(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row that breaks a constraint fails the sample at once: nothing is redrawn."""
    monkeypatch.setattr(enforce, "ROUNDS", 0)


def _ks(a: pl.Series, b: pl.Series) -> float:
    x = np.sort(a.drop_nulls().to_physical().cast(pl.Float64).to_numpy())
    y = np.sort(b.drop_nulls().to_physical().cast(pl.Float64).to_numpy())
    grid = np.concatenate([x, y])
    return float(np.max(np.abs(np.searchsorted(x, grid, side="right") / x.size - np.searchsorted(y, grid, side="right") / y.size)))


def _corr(frame: pl.DataFrame, a: str, b: str) -> float:
    both = frame.select(pl.col(a).to_physical().cast(pl.Float64), pl.col(b).to_physical().cast(pl.Float64)).drop_nulls()
    return float(np.corrcoef(both[a].to_numpy(), both[b].to_numpy())[0, 1])


CASES = [("independent", None), ("copula", None), ("cart", None), ("marginals", None), ("independent", "dp"), ("copula", "dp")]


@pytest.mark.parametrize("family, policy", CASES, ids=[f"{f}-{p or 'none'}" for f, p in CASES])
def test_every_family_meets_inequalities_by_construction(
    staff: pl.DataFrame, family: str, policy: str | None, tmp_path: Path, no_resampling: None
) -> None:
    privacy = dt.privacy.DifferentialPrivacy(epsilon=4.0, delta=1e-9) if policy == "dp" else None
    model = dt.fit(staff, spec=SPEC, family=family, privacy=privacy)
    data = model.to_dict()
    entries = {c["name"]: c for c in data["columns"]}
    assert [c["name"] for c in data["columns"]] == staff.columns
    assert entries["date_left"]["difference"] == {"from": "date_joined", "unit": "days", "kind": "date", "dtype": "Date"}
    assert entries["date_left"]["kind"] == "discrete" and entries["date_left"]["dtype"] == "Int64"
    assert entries["end"]["difference"]["unit"] == "seconds" and entries["end"]["kind"] == "continuous"
    assert entries["paid"]["difference"]["unit"] == "number" and entries["paid"]["kind"] == "continuous"
    assert entries["ceiling"]["difference"] == {"from": "floor", "unit": "number", "kind": "discrete", "dtype": "Int32"}
    sample = model.sample(4_000, seed=3)  # ROUNDS = 0: a breaking row would raise
    assert sample.columns == staff.columns and sample.dtypes == staff.dtypes
    assert [k for _, k in share_violating(sample, model.parsed_constraints())] == [0, 0, 0, 0]
    assert (sample["ceiling"] >= sample["floor"] + 1).all()
    # through the file: same seed, same rows, same bytes
    path = model.save(tmp_path / "m.json")
    loaded = dt.load(path)
    assert loaded.to_json() == path.read_text(encoding="utf-8")
    assert loaded.sample(4_000, seed=3).equals(sample)
    if policy == "dp":
        report = model.provenance["constraints"]["real_rows"]
        assert all(r["violating"] == "not published under differential privacy" for r in report)
        return
    # missing shares of both columns, the distribution of high and its relation with low
    for name in ("date_joined", "date_left"):
        assert abs(sample[name].null_count() / sample.height - staff[name].null_count() / staff.height) < 0.03, name
    for low, high in PAIRS:
        assert _ks(sample[high], staff[high]) < 0.08, (family, high)
        assert abs(_corr(sample, low, high) - _corr(staff, low, high)) < 0.06, (family, low, high)


@pytest.mark.parametrize("family", ["copula", "cart"])
def test_the_difference_keeps_its_relations_with_other_columns(staff: pl.DataFrame, family: str) -> None:
    """The multivariate families see the difference as a column: tenure and salary stay related."""
    tenure = (pl.col("date_left") - pl.col("date_joined")).dt.total_days()
    real = staff.select(tenure.alias("t"), "salary").drop_nulls()
    sample = dt.fit(staff, spec=SPEC, family=family).sample(5_000, seed=1).select(tenure.alias("t"), "salary").drop_nulls()
    r_real = np.corrcoef(real["t"].to_numpy(), real["salary"].to_numpy())[0, 1]
    r_syn = np.corrcoef(sample["t"].to_numpy(), sample["salary"].to_numpy())[0, 1]
    assert r_real > 0.5 and abs(r_syn - r_real) < 0.1


@pytest.mark.parametrize("strict", [False, True])
def test_strict_and_not_strict_on_whole_numbers(strict: bool, no_resampling: None) -> None:
    rng = np.random.default_rng(2)
    low = rng.integers(0, 50, 2_000)
    high = low + rng.poisson(0.7 if not strict else 2.0, 2_000) + (1 if strict else 0)
    frame = pl.DataFrame({"low": low, "high": high})
    model = dt.fit(frame, spec={"constraints": [{"kind": "inequality", "low": "low", "high": "high", "strict": strict}]})
    diff = model.sample(5_000, seed=4).select(pl.col("high") - pl.col("low")).to_series()
    assert diff.min() == (1 if strict else 0)
    if not strict:
        assert (diff == 0).mean() > 0.3  # ties are real and kept


def test_a_strict_inequality_between_floats_never_ties(no_resampling: None) -> None:
    rng = np.random.default_rng(3)
    low = rng.normal(1e6, 1.0, 1_000)
    frame = pl.DataFrame({"low": low, "high": low + rng.exponential(1e-9, 1_000)})  # differences below float spacing
    with pytest.warns(DatatwinWarning, match="inequality low < high: \\d+ of 1,000 rows"):  # real ties
        model = dt.fit(frame, spec={"constraints": [{"kind": "inequality", "low": "low", "high": "high", "strict": True}]})
    sample = model.sample(3_000, seed=1)
    assert (sample["high"] > sample["low"]).all()


def test_times_of_day_and_zoned_datetimes(no_resampling: None) -> None:
    rng = np.random.default_rng(5)
    opens = rng.integers(6 * 3600, 12 * 3600, 1_500)
    closes = np.minimum(opens + rng.integers(1, 10 * 3600, 1_500), 86_399)
    at = np.datetime64("2023-03-01T00:00:00", "us") + rng.integers(0, 10**13, 1_500).astype("timedelta64[us]")
    frame = pl.DataFrame({
        "opens": pl.Series(opens * 10**9).cast(pl.Time), "closes": pl.Series(closes * 10**9).cast(pl.Time),
        "sent": at, "read": at + rng.gamma(1.5, 3e8, 1_500).astype(np.int64).astype("timedelta64[us]"),
    }).with_columns(pl.col("sent", "read").dt.replace_time_zone("UTC").dt.convert_time_zone("Europe/Amsterdam"))
    spec = {"constraints": [{"kind": "inequality", "low": "opens", "high": "closes", "strict": True},
                            {"kind": "inequality", "low": "sent", "high": "read"}]}
    for family in ("independent", "copula"):
        model = dt.fit(frame, spec=spec, family=family)
        assert {c["name"]: c.get("difference", {}).get("unit") for c in model.to_dict()["columns"]} == {
            "opens": None, "closes": "seconds", "sent": None, "read": "seconds"}
        sample = model.sample(3_000, seed=2)
        assert sample.dtypes == frame.dtypes
        assert (sample["closes"] > sample["opens"]).all() and (sample["read"] >= sample["sent"]).all()
        assert _ks(sample["read"], frame["read"]) < 0.08


def test_real_rows_that_break_it_never_teach_the_model_to(no_resampling: None) -> None:
    rng = np.random.default_rng(6)
    low = rng.normal(0, 1, 2_000)
    high = low + rng.normal(1.0, 1.0, 2_000)  # about 16 % of the rows break low <= high
    frame = pl.DataFrame({"low": low, "high": high})
    spec = {"constraints": [{"kind": "inequality", "low": "low", "high": "high"}]}
    with pytest.warns(DatatwinWarning, match="kept"):
        kept = dt.fit(frame, spec=spec)
    assert (kept.sample(5_000, seed=1).select(pl.col("high") >= pl.col("low")).to_series()).all()
    with pytest.warns(DatatwinWarning, match="dropped"):
        dropped = dt.fit(frame, spec={**spec, "on_violation": "drop"})
    assert (dropped.sample(5_000, seed=1).select(pl.col("high") >= pl.col("low")).to_series()).all()


def test_a_chain_builds_each_high_from_its_low_in_order(no_resampling: None) -> None:
    rng = np.random.default_rng(7)
    a = rng.integers(0, 100, 1_500)
    b = a + rng.poisson(5, 1_500)
    c = b + rng.poisson(5, 1_500)
    frame = pl.DataFrame({"c": c, "b": b, "a": a})  # column order differs from the chain's
    spec = {"constraints": [{"kind": "inequality", "low": "b", "high": "c"}, {"kind": "inequality", "low": "a", "high": "b"}]}
    model = dt.fit(frame, spec=spec, family="copula")
    assert [d.name for d in model.differences] == ["b", "c"]
    sample = dt.Model.from_dict(model.to_dict()).sample(4_000, seed=1)
    assert sample.columns == frame.columns
    assert ((sample["a"] <= sample["b"]) & (sample["b"] <= sample["c"])).all()


def test_what_is_not_built_falls_back_to_resampling() -> None:
    rng = np.random.default_rng(8)
    a = rng.integers(0, 100, 1_500)
    code = rng.integers(0, 3, 1_500)
    frame = pl.DataFrame({"a": a, "b": a + rng.poisson(5, 1_500), "twice": 2 * a, "code": code, "level": code + 1})
    frame = frame.with_columns(c=pl.col("b") + 3)
    spec = {"constraints": [
        {"kind": "inequality", "low": "a", "high": "b"},
        {"kind": "inequality", "low": "a", "high": "c"},           # b is built already; c may be too (from a)
        {"kind": "inequality", "low": "b", "high": "c"},           # c is built from a: a second one on c resamples
        {"kind": "formula", "column": "twice", "expression": "a * 2"},
        {"kind": "inequality", "low": "a", "high": "twice"},       # a formula's column: resampling
        {"kind": "fixed_combinations", "columns": ["code", "level"]},
        {"kind": "inequality", "low": "code", "high": "level"},    # a fixed combination's members: resampling
    ]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DatatwinWarning)
        model = dt.fit(frame, spec=spec)
    assert {d.name: d.low for d in model.differences} == {"b": "a", "c": "a"}
    sample = model.sample(3_000, seed=1)
    assert [k for _, k in share_violating(sample, model.parsed_constraints())] == [0] * 7


def test_plan_refuses_cycles_and_mismatched_kinds() -> None:
    schema = {"a": pl.Int64, "b": pl.Int64, "d": pl.Date, "t": pl.Datetime("us"), "s": pl.String}
    kinds = {"a": "discrete", "b": "discrete", "d": "date", "t": "datetime", "s": "categorical"}
    cs = [Inequality("a", "b"), Inequality("b", "a"), Inequality("d", "t"), Inequality("a", "s")]
    assert plan(cs, schema, kinds) == [Inequality("a", "b")]
    assert plan([Inequality("a", "b"), Inequality("a", "b", strict=True)], schema, kinds) == [Inequality("a", "b", True)]
    assert plan([Inequality("a", "b"), FormulaConstraint("b", "a * 2")], schema, kinds) == []
    assert plan([Inequality("a", "b"), FixedCombinations(("a", "s"))], schema, kinds) == []


def test_missing_values_where_low_is_missing_but_high_is_not() -> None:
    """The difference is missing where either end is; a row drawn with low missing and a
    difference gets high from an anchor among the sample's lows (docs/constraints.md)."""
    rng = np.random.default_rng(9)
    low = rng.normal(100, 10, 3_000)
    high = low + rng.exponential(5, 3_000)
    frame = pl.DataFrame({"low": low, "high": high}).with_columns(
        pl.when(pl.Series(rng.random(3_000) < 0.2)).then(None).otherwise(pl.col("low")).alias("low"),
        pl.when(pl.Series(rng.random(3_000) < 0.1)).then(None).otherwise(pl.col("high")).alias("high"),
    )
    model = dt.fit(frame, spec={"constraints": [{"kind": "inequality", "low": "low", "high": "high"}]})
    sample = model.sample(20_000, seed=1)
    assert abs(sample["low"].null_count() / 20_000 - 0.2) < 0.02
    either = frame.select(pl.col("low").is_null() | pl.col("high").is_null()).to_series().mean()
    assert abs(sample["high"].null_count() / 20_000 - either) < 0.02  # about 0.28: high's share of rows missing either
    anchored = sample.filter(pl.col("low").is_null() & pl.col("high").is_not_null())
    assert anchored.height > 1_000 and abs(anchored["high"].mean() - frame["high"].mean()) < 2


def test_conditions_on_low_and_on_high(staff: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    model = dt.fit(staff, spec=SPEC, family="copula")
    monkeypatch.setattr(enforce, "ROUNDS", 0)
    rows = model.sample(1_000, seed=1, conditions={"date_joined": ("2015-01-01", "2015-12-31")})  # the family conditions
    assert rows["date_joined"].is_between(_dt.date(2015, 1, 1), _dt.date(2015, 12, 31)).all()
    assert (rows["date_left"].drop_nulls() > rows.drop_nulls("date_left")["date_joined"]).all()
    assert model.sample(300, seed=1, conditions={"date_left": None})["date_left"].null_count() == 300  # the difference missing
    given = pl.DataFrame({"date_joined": [_dt.date(2012, 1, 1), _dt.date(2013, 5, 5), _dt.date(2014, 1, 1)],
                          "date_left": [_dt.date(2012, 3, 1), None, _dt.date(2020, 1, 1)]})
    rows = model.sample(seed=2, conditions=given)  # both ends given: the difference is known row by row
    assert rows.select("date_joined", "date_left").equals(given)
    rows = model.sample(300, seed=2, conditions={"date_joined": "2012-01-01", "date_left": ("2012-01-01", "2012-06-30")})
    assert (rows["date_joined"] == _dt.date(2012, 1, 1)).all()  # one low and a range of high: a range of the difference
    assert rows["date_left"].is_between(_dt.date(2012, 1, 2), _dt.date(2012, 6, 30)).all()
    monkeypatch.setattr(enforce, "ROUNDS", 12)
    for conditions in ({"date_left": ("2016-01-01", "2016-12-31")}, "date_left >= '2019-06-01'"):
        rows = model.sample(500, seed=1, conditions=conditions)  # met by checking the drawn rows
        assert rows.height == 500 and (rows["date_left"] >= _dt.date(2016, 1, 1)).all()
    for family in ("cart", "independent"):
        rows = dt.fit(staff, spec=SPEC, family=family).sample(200, seed=1, conditions={"date_left": ("2016-01-01", "2016-12-31")})
        assert rows["date_left"].is_between(_dt.date(2016, 1, 1), _dt.date(2016, 12, 31)).all()
    with pytest.raises(ConditionError, match="date_left is drawn as date_joined \\+ a non-negative difference.*widen it"):
        model.sample(200, seed=1, conditions={"date_left": ("2045-01-01", "2045-01-02")})
    with pytest.raises(ConditionError, match="row 0 asks for date_left <= date_joined, which the inequality"):
        model.sample(5, seed=1, conditions={"date_joined": "2012-01-01", "date_left": "2011-06-01"})
    with pytest.raises(ConditionError, match="every such date_left is <= date_joined, which the inequality"):
        model.sample(5, seed=1, conditions={"date_joined": "2012-01-01", "date_left": (None, "2012-01-01")})
    with pytest.raises(ConditionError, match="not a value of this date column"):
        model.sample(5, seed=1, conditions={"date_left": 3})


def test_summary_and_inspect_show_high_as_low_plus_difference(staff: pl.DataFrame, tmp_path: Path, run_cli) -> None:
    model = dt.fit(staff, spec=SPEC, family="copula")
    row = model.summary().filter(pl.col("column") == "date_left").row(0, named=True)
    assert row["kind"] == "date" and row["dtype"] == "Date"
    assert row["role"].startswith("date_joined + difference in days (> 0)")
    path = model.save(tmp_path / "m.json")
    code, out, err = run_cli(["inspect", str(path)])
    assert code == 0, err
    assert "date_joined +" in out and "days" in out
    code, out, err = run_cli(["inspect", str(path), "--column", "date_left"])
    assert code == 0, err
    assert "date_joined + a non-negative difference in days" in " ".join(out.split())


def test_differential_privacy_spends_the_columns_budget_and_derives_public_bounds(staff: pl.DataFrame) -> None:
    policy = dt.privacy.DifferentialPrivacy(epsilon=2.0, delta=1e-9)
    columns = {"date_joined": {"bounds": ["2010-01-01", "2020-12-31"]}, "date_left": {"bounds": ["2010-01-01", "2035-12-31"]}}
    model = dt.fit(staff, spec={**SPEC, "columns": columns}, privacy=policy)
    whats = [e["what"] for e in model.privacy["ledger"]]
    left = [w for w in whats if w.startswith("date_left: ")]
    # public bounds, nothing spent on them: 1 day (strict) to the span from the earliest low to the latest high
    assert "date_left: bounds [1, 9495] from the spec" in left
    assert len([w for w in whats if w.startswith("paid: ")]) == len([w for w in whats if w.startswith("price: ")])
    sample = model.sample(2_000, seed=1)
    assert [k for _, k in share_violating(sample, model.parsed_constraints())] == [0, 0, 0, 0]


def test_streamed_fit_equals_in_memory(staff: pl.DataFrame, tmp_path: Path) -> None:
    for i in range(3):
        staff.slice(i * 1_000, 1_000).write_parquet(tmp_path / f"part-{i}.parquet")
    streamed = dt.fit(str(tmp_path / "*.parquet"), spec=SPEC, family="copula").to_dict()
    memory = dt.fit(staff, spec=SPEC, family="copula").to_dict()
    streamed.pop("provenance"), memory.pop("provenance")
    assert json.dumps(streamed) == json.dumps(memory)


def test_real_flights_departure_before_arrival(flights_path: Path, no_resampling: None) -> None:
    flights = pl.read_parquet(flights_path, columns=["dep_time", "arr_time", "distance", "carrier"]).slice(0, 20_000)
    spec = {"on_violation": "drop",  # overnight flights arrive "before" they leave on the clock
            "constraints": [{"kind": "inequality", "low": "dep_time", "high": "arr_time", "strict": True}]}
    with pytest.warns(DatatwinWarning, match="dropped before fitting"):
        model = dt.fit(flights, spec=spec, family="copula")
    kept = flights.filter(~(pl.col("dep_time") >= pl.col("arr_time")).fill_null(False))
    sample = model.sample(20_000, seed=1)
    assert (sample.drop_nulls(["dep_time", "arr_time"]).select(pl.col("arr_time") > pl.col("dep_time")).to_series()).all()
    assert abs(sample["arr_time"].null_count() / 20_000 - kept["arr_time"].null_count() / kept.height) < 0.01
    assert _ks(sample["arr_time"], kept["arr_time"]) < 0.06
    assert model.to_dict()["columns"][1]["kind"] == "discrete"  # whole minutes apart (floats holding whole numbers)
    assert (sample["arr_time"].drop_nulls() % 1 == 0).all()
    assert abs(_corr(sample, "dep_time", "arr_time") - _corr(kept, "dep_time", "arr_time")) < 0.05


# -- hand-edited files --------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(staff: pl.DataFrame) -> dict:
    return dt.fit(staff, spec=SPEC).to_dict()


def _edited(saved: dict, edit) -> dict:
    data = copy.deepcopy(saved)
    edit(data)
    return data


@pytest.mark.parametrize("edit, path, match", [
    (lambda d: d["constraints"].pop(0), "$.columns[2].difference",
     "column 'date_left' is drawn as 'date_joined' \\+ a non-negative difference, but no inequality constraint says "
     "date_joined <= date_left"),
    (lambda d: d["columns"][2]["difference"].update({"from": "date_hired"}), "$.columns[2].difference.from",
     "there is no modelled column 'date_hired'"),
    (lambda d: d["columns"][2]["difference"].update(unit="seconds"), "$.columns[2].difference.unit",
     "column 'date_left' \\(date\\) is drawn as 'date_joined' \\+ a difference in 'seconds'.*unit of a date column's "
     "difference is 'days'"),
    (lambda d: d["columns"][2]["difference"].update(unit="weeks"), "$.columns[2].difference.unit", "weeks"),
    (lambda d: d["columns"][2]["difference"].update({"from": "salary"}), "$.columns[2].difference.from",
     "cannot be built from 'salary' \\(continuous, Float64\\)"),
    (lambda d: d["columns"][2]["difference"].update(dtype="Datetime[us]"),
     "$.columns[2].difference.dtype", "cannot be of kind 'date'"),
    (lambda d: d["columns"][2]["difference"].update({"from": "date_left"}), "$.columns[2].difference.from",
     "a difference from itself"),
])
def test_hand_edited_difference_entries_are_refused(saved: dict, edit, path: str, match: str) -> None:
    with pytest.raises(ModelFileError, match=match) as info:
        dt.Model.from_dict(_edited(saved, edit))
    assert info.value.path == path
    if path.startswith("$.columns[2]"):
        assert info.value.column == "date_left"


def test_an_inequality_without_a_difference_entry_still_samples(saved: dict) -> None:
    """A file written before inequalities were built (both columns modelled, no
    ``difference``) is met by resampling, as it was."""
    data = _edited(saved, lambda d: d["columns"][2].pop("difference"))
    data["columns"][2] = {**data["columns"][2]}
    with pytest.raises(ModelFileError):  # its entry models days, not dates: the constraint no longer fits the kinds
        dt.Model.from_dict(data)
    model = dt.fit(pl.DataFrame({"a": [1.0, 2.0, 3.0] * 30, "b": [2.0, 2.5, 3.5] * 30}))
    model.constraints = [{"kind": "inequality", "low": "a", "high": "b", "strict": False}]
    sample = dt.Model.from_dict(model.to_dict()).sample(500, seed=1)
    assert (sample["a"] <= sample["b"]).all()


def test_difference_entries_that_form_a_cycle_are_refused(no_resampling: None) -> None:
    rng = np.random.default_rng(10)
    a = rng.integers(0, 100, 800)
    frame = pl.DataFrame({"a": a, "b": a + rng.poisson(3, 800), "c": a + 10 + rng.poisson(3, 800)})
    spec = {"constraints": [{"kind": "inequality", "low": "a", "high": "b"}, {"kind": "inequality", "low": "b", "high": "c"}]}
    data = dt.fit(frame, spec=spec).to_dict()
    data["columns"][1]["difference"]["from"] = "c"  # b from c, c from b
    data["constraints"].append({"kind": "inequality", "low": "c", "high": "b", "strict": False})
    with pytest.raises(ModelFileError, match="the difference entries form a cycle") as info:
        dt.Model.from_dict(data)
    assert info.value.path in ("$.columns[1].difference.from", "$.columns[2].difference.from")


@pytest.mark.parametrize("family, privacy", [
    ("independent", dt.privacy.DisclosureControl(k=10)), ("cart", dt.privacy.DisclosureControl(k=10)),
    ("marginals", dt.privacy.DifferentialPrivacy(epsilon=2.0, delta=1e-9)),
], ids=["independent-disclosure", "cart-disclosure", "marginals-dp"])
def test_other_policies_build_it_too(family: str, privacy: dt.privacy.PrivacyPolicy, no_resampling: None) -> None:
    rng = np.random.default_rng(12)
    a = rng.integers(0, 100, 3_000)
    frame = pl.DataFrame({"a": a, "b": a + rng.poisson(4, 3_000), "c": rng.choice(["x", "y"], 3_000)})
    model = dt.fit(frame, spec={"constraints": [{"kind": "inequality", "low": "a", "high": "b"}]}, family=family, privacy=privacy)
    assert model.to_dict()["columns"][1]["difference"]["from"] == "a"
    sample = dt.Model.from_dict(model.to_dict()).sample(3_000, seed=1)
    assert sample.dtypes == frame.dtypes and (sample["b"] >= sample["a"]).all()


def test_nanosecond_datetimes_and_mixed_number_dtypes_stay_exact(no_resampling: None) -> None:
    """Ticks are added as integers (float64 would round a nanosecond datetime by ~256 ns), and
    a whole-number high above a fractional low is the next whole number that keeps it."""
    rng = np.random.default_rng(13)
    at = np.datetime64("2024-01-01T00:00:00", "ns") + rng.integers(0, 10**15, 1_000).astype("timedelta64[ns]")
    frame = pl.DataFrame({
        "sent": at, "read": at + rng.integers(1, 50, 1_000).astype("timedelta64[ns]"),
        "score": rng.uniform(0, 10, 1_000), "grade": rng.integers(10, 20, 1_000),
    })
    spec = {"constraints": [{"kind": "inequality", "low": "sent", "high": "read", "strict": True},
                            {"kind": "inequality", "low": "score", "high": "grade", "strict": True}]}
    model = dt.fit(frame, spec=spec)
    assert {d.name for d in model.differences} == {"read", "grade"}
    sample = model.sample(5_000, seed=1)
    assert sample.dtypes == frame.dtypes
    assert (sample["read"] > sample["sent"]).all() and (sample["grade"] > sample["score"]).all()


@pytest.mark.parametrize("bounds", [True, False], ids=["public_bounds", "private_bounds"])
@pytest.mark.parametrize("row", ["meets_it", "breaks_it", "low_missing", "far_apart"])
def test_dp_one_row_decides_no_field_of_the_difference(row: str, bounds: bool) -> None:
    """The neighbouring-table harness (tests/privacy/neighbours.py): under differential
    privacy, one added row (one that meets the inequality, one that breaks it, one without
    ``low``, one with an extreme gap) decides no field of the file: the plan comes from the
    constraints and dtypes, the difference's fit goes through the session like any column's."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "privacy"))
    from neighbours import compare

    rng = np.random.default_rng(8)
    n = 1500
    start = rng.integers(0, 500, n)
    frame = pl.DataFrame({"start": start, "end": start + 1 + rng.poisson(20, n)})
    spec: dict = {"constraints": [{"kind": "inequality", "low": "start", "high": "end", "strict": True}]}
    if bounds:
        spec["columns"] = {"start": {"bounds": [0, 500]}, "end": {"bounds": [0, 700]}}
    extra = {"meets_it": {"start": 10, "end": 40}, "breaks_it": {"start": 400, "end": 3},
             "low_missing": {"end": 40}, "far_apart": {"start": 0, "end": 700}}[row]
    c = compare(frame, extra, privacy=lambda: dt.privacy.DifferentialPrivacy(epsilon=3.0, delta=1e-6), spec=spec, refits=3)
    assert c.errors() == [] and c.confirmed_leaks() == {}


def test_family_lines_say_high_is_the_difference() -> None:
    rng = np.random.default_rng(0)
    start = rng.integers(0, 100, 1_000)
    frame = pl.DataFrame({"start": start, "end": start + rng.integers(1, 50, 1_000), "g": rng.choice(["a", "b"], 1_000)})
    spec = {"constraints": [{"kind": "inequality", "low": "start", "high": "end", "strict": True}]}
    copula = dt.fit(frame, spec, family="copula")
    assert copula.describe_family()[-1] == "(in these lines end as end - start: an inequality held by construction)"
    assert "end as end - start" in repr(copula)
    independent = dt.fit(frame, spec)  # its lines name no column: nothing to say
    assert not any("end as end - start" in line for line in independent.describe_family())
