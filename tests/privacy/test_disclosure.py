"""Statistical disclosure control: no released count below k, no real extreme in the file."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.privacy import DisclosureControl, make_policy
from datatwin.privacy.ledger import check_ledger

K = 10


def _leaves(obj: Any) -> tuple[list[float], list[str]]:
    """Every number and every string anywhere in a JSON-like object."""
    numbers: list[float] = []
    texts: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, bool):
            pass
        elif isinstance(x, (int, float)):
            numbers.append(float(x))
        elif isinstance(x, str):
            texts.append(x)

    walk(obj)
    return numbers, texts


def _ledger(model: dt.Model) -> list[str]:
    return [line["what"] for line in model.to_dict()["privacy"]["ledger"]]


def _dist(model: dt.Model, name: str) -> dict[str, Any]:
    return next(c for c in model.to_dict()["columns"] if c["name"] == name)["distribution"]


def _mean_of_extremes(values: np.ndarray, k: int = K) -> tuple[float, float]:
    s = np.sort(values)
    return float(s[:k].mean()), float(s[-k:].mean())


# -- Adult under k = 10 ----------------------------------------------------------------
@pytest.fixture(scope="module")
def adult(adult_path: Path) -> tuple[pl.DataFrame, dt.Model]:
    real = pl.read_csv(adult_path, null_values=["?"])
    model = dt.fit(adult_path, missing_values=["?"], privacy=DisclosureControl(k=K))
    return real, model


def test_adult_no_released_count_below_k(adult) -> None:
    _real, model = adult
    d = model.to_dict()
    checked = 0
    for col in d["columns"]:
        present = d["n_rows"] * (1 - col["prop_missing"])
        dist = col["distribution"]
        assert col["prop_missing"] == 0 or d["n_rows"] * col["prop_missing"] >= K - 1e-6
        if dist["name"] == "categorical":
            counts = np.asarray(dist["parameters"]["probs"]) * present
            assert counts.min() >= K - 1e-6, col["name"]
            checked += len(counts)
        if dist["name"] == "point_mass_mixture":
            counts = np.asarray(dist["parameters"]["weights"]) * present
            assert counts.min() >= K - 1e-6, col["name"]
            assert present * (1 - sum(dist["parameters"]["weights"])) >= K - 1e-6, col["name"]
            checked += len(counts)
    assert checked > 50
    # Holand-Netherlands (1 row) is in no published label, and no bucket below k either
    labels = next(c for c in d["columns"] if c["name"] == "native-country")["distribution"]["parameters"]["labels"]
    assert "Holand-Netherlands" not in labels


def test_adult_no_real_extreme_held_by_fewer_than_k_rows_appears(adult) -> None:
    real, model = adult
    numbers, texts = _leaves(model.to_dict())
    numbers_arr = np.asarray(numbers)
    tested = []
    for name in ("age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"):
        s = real[name].drop_nulls()
        for extreme in (s.min(), s.max()):
            if int((s == extreme).sum()) >= K:
                continue  # held by k or more rows: publishing it is allowed
            tested.append((name, extreme))
            assert not np.isin(float(extreme), numbers_arr), (name, extreme)
            assert not any(re.search(rf"(?<![\d.]){extreme}(?![\d])", t) for t in texts), (name, extreme)
    # fnlwgt's minimum and maximum and capital-loss's maximum are each held by 1 to 3 rows
    assert ("fnlwgt", 12285) in tested and ("fnlwgt", 1484705) in tested and ("capital-loss", 4356) in tested


def test_adult_bounded_families_publish_micro_aggregated_extremes(adult) -> None:
    real, _ = adult
    frame = real.select("fnlwgt", "capital-loss")
    spec = {"columns": {"fnlwgt": {"distribution": "discrete_uniform"}, "capital-loss": {"distribution": "discrete_uniform"}}}
    plain = dt.fit(frame, spec).to_dict()["columns"]
    assert plain[0]["distribution"]["parameters"] == {"lower": 12285, "upper": 1484705}  # what the policy prevents
    model = dt.fit(frame, spec, privacy=DisclosureControl(k=K))
    numbers = _leaves(model.to_dict())[0]
    assert not {12285.0, 1484705.0, 4356.0} & set(numbers)
    lo, hi = _mean_of_extremes(real["fnlwgt"].to_numpy())
    assert _dist(model, "fnlwgt")["parameters"] == {"lower": math.ceil(lo), "upper": math.floor(hi)}
    assert _dist(model, "capital-loss")["parameters"]["lower"] == 0  # held by most rows


def test_adult_ledger_records_every_coding_and_recoding(adult) -> None:
    real, model = adult
    section = model.to_dict()["privacy"]
    assert section["policy"] == "disclosure"
    assert section["settings"] == {"k": K, "top_coding": True}
    assert check_ledger(section) == []
    lo, hi = _mean_of_extremes(real["fnlwgt"].to_numpy())
    lines = _ledger(model)
    assert f"fnlwgt: bottom-coded at {math.ceil(lo)} (mean of the 10 smallest values, rounded up)" in lines
    assert f"fnlwgt: top-coded at {math.floor(hi)} (mean of the 10 largest values, rounded down)" in lines
    assert any(line.startswith("capital-loss: top-coded at") for line in lines)
    assert any(line.startswith("native-country:") and "recoded to the most frequent label" in line for line in lines)
    assert {line["mechanism"] for line in section["ledger"]} <= {"micro-aggregation", "merge", "recoding", "suppression"}
    assert not any(line.startswith("age:") for line in lines)  # 17 and 90 are each held by more than k rows


def test_adult_save_load_sample(adult, tmp_path: Path) -> None:
    real, model = adult
    path = tmp_path / "adult.model.json"
    model.save(path)
    loaded = dt.load(path)
    assert loaded.to_dict()["privacy"] == model.to_dict()["privacy"]
    synth = loaded.sample(2000, seed=4)
    assert synth.columns == real.columns and synth.height == 2000
    assert synth["fnlwgt"].dtype == real["fnlwgt"].dtype


# -- one rule at a time, on small frames -------------------------------------------------
def _fit(frame: pl.DataFrame, spec: dict | None = None, **policy: Any) -> dt.Model:
    return dt.fit(frame, spec, privacy=DisclosureControl(**{"k": K, **policy}))


def test_continuous_extremes_are_means_of_the_k_most_extreme_rows() -> None:
    # rows count, not distinct values: 0.0 is held by 4 rows
    x = np.concatenate([[-50.0], [0.0] * 4, np.linspace(1, 95, 195)])
    model = _fit(pl.DataFrame({"x": x}), {"columns": {"x": {"distribution": "uniform"}}})
    lo, hi = _mean_of_extremes(x)
    assert lo == pytest.approx((-50 + 1 + np.linspace(1, 95, 195)[:5].sum() - 1) / 10)
    params = _dist(model, "x")["parameters"]
    assert params["lower"] == pytest.approx(lo) and params["upper"] == pytest.approx(hi)
    assert f"x: bottom-coded at {lo:.10g} (mean of the 10 smallest values)" in _ledger(model)
    assert model.sample(500, seed=1)["x"].min() >= lo


def test_discrete_extremes_round_inward() -> None:
    x = np.concatenate([[1, 2], np.arange(20, 120), [500]])
    model = _fit(pl.DataFrame({"n": x}), {"columns": {"n": {"distribution": "discrete_uniform"}}})
    lo, hi = _mean_of_extremes(x)
    assert _dist(model, "n")["parameters"] == {"lower": math.ceil(lo), "upper": math.floor(hi)}
    assert math.ceil(lo) != lo and math.floor(hi) != hi  # the rounding is exercised


def test_extreme_held_by_k_rows_is_released_as_is() -> None:
    x = np.concatenate([[3] * K, np.arange(4, 100)])
    model = _fit(pl.DataFrame({"n": x}), {"columns": {"n": {"distribution": "discrete_uniform"}}})
    assert _dist(model, "n")["parameters"]["lower"] == 3
    assert not any("bottom-coded" in line for line in _ledger(model))


def test_frequency_weights_count_as_rows() -> None:
    frame = pl.DataFrame({"n": list(range(1, 51)) + [1000], "w": [1] * 50 + [K]})
    model = dt.fit(frame, {"weight_column": "w", "columns": {"n": {"distribution": "discrete_uniform"}}},
                   privacy=DisclosureControl(k=K))
    assert _dist(model, "n")["parameters"]["upper"] == 1000  # held by k weighted rows


def test_dates_datetimes_and_times_are_coded_at_their_precision() -> None:
    rng = np.random.default_rng(3)
    n = 200
    days = np.sort(np.datetime64("2020-01-01") + rng.integers(0, 366, n))
    stamps = np.sort(np.datetime64("2021-06-01T00:00:00") + rng.integers(0, 86_400 * 30, n).astype("timedelta64[s]"))
    nanos = np.sort(rng.integers(0, 86_400, n)) * 10**9
    frame = pl.DataFrame({
        "day": pl.Series(days.astype("datetime64[D]")).cast(pl.Date),
        "stamp": pl.Series(stamps.astype("datetime64[us]")),
        "clock": pl.Series(nanos).cast(pl.Time),
    })
    model = _fit(frame)
    lo = days[:K].astype(np.int64).mean()
    hi = days[-K:].astype(np.int64).mean()
    assert _dist(model, "day")["parameters"]["lower"] == str(np.datetime64(math.ceil(lo), "D"))
    assert _dist(model, "day")["parameters"]["upper"] == str(np.datetime64(math.floor(hi), "D"))
    secs = stamps.astype(np.int64)
    stamp = _dist(model, "stamp")["parameters"]
    assert stamp["precision"] == "second"  # the means are rounded to whole seconds, not microseconds
    assert stamp["lower"] == str(np.datetime64(math.ceil(secs[:K].mean()), "s"))
    assert stamp["upper"] == str(np.datetime64(math.floor(secs[-K:].mean()), "s"))
    clock = _dist(model, "clock")["parameters"]
    assert clock["precision"] == "second"
    low_clock = math.ceil(nanos[:K].mean() / 10**9)
    assert clock["lower"] == f"{low_clock // 3600:02d}:{low_clock // 60 % 60:02d}:{low_clock % 60:02d}"
    synth = model.sample(300, seed=2)
    assert synth["day"].min() >= np.datetime64(math.ceil(lo), "D")


def test_unique_key_does_not_publish_the_lowest_key() -> None:
    model = _fit(pl.DataFrame({"id": np.arange(1, 201)}))
    params = _dist(model, "id")
    assert params["name"] == "unique_key"
    assert params["parameters"]["lower"] == 6  # ceil(mean(1..10)) = ceil(5.5)
    synth = model.sample(200, seed=1)["id"]
    assert synth.n_unique() == 200 and synth.min() == 6


def test_point_masses_need_k_rows() -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([[0.0] * 60, [5.0] * 20, rng.normal(50, 10, 220)])
    frame = pl.DataFrame({"x": x})
    plain = dt.fit(frame)
    assert plain.to_dict()["columns"][0]["distribution"]["parameters"]["points"] == [0.0, 5.0]
    model = _fit(frame, k=30)  # 5.0 is held by 20 rows only: never proposed as a point
    dist = _dist(model, "x")
    assert dist["name"] != "point_mass_mixture" or 5.0 not in dist["parameters"]["points"]
    # a mixture whose rest would describe fewer than k rows is refitted without its points
    small_rest = pl.DataFrame({"x": np.concatenate([[0.0] * 60, rng.normal(50, 10, 20)])})
    auto = _dist(_fit(small_rest, k=30), "x")
    assert auto["name"] != "point_mass_mixture" or auto["parameters"]["rest"] is None
    with pytest.raises(dt.PrivacyError, match=r"column 'x': a point mass .* do not force point_mass_mixture"):
        _fit(small_rest, {"columns": {"x": {"distribution": "point_mass_mixture"}}}, k=30)


def test_the_rest_of_a_point_mass_mixture_does_not_publish_its_extremes() -> None:
    positive = np.concatenate([[1234.5], np.linspace(2000, 5000, 99)])
    x = np.concatenate([[0.0] * 900, positive])
    model = _fit(pl.DataFrame({"x": x}))
    dist = _dist(model, "x")
    assert dist["name"] == "point_mass_mixture" and dist["parameters"]["points"] == [0.0]
    rest = dist["parameters"]["rest"]
    assert rest["name"] == "uniform"
    lo, hi = _mean_of_extremes(positive)
    assert rest["parameters"]["lower"] == pytest.approx(lo) and rest["parameters"]["upper"] == pytest.approx(hi)
    assert 1234.5 not in _leaves(model.to_dict())[0]
    # the mixture's score was of the uncoded rest (uniform: n log(max - min)); it is not released
    assert "scores" not in model.to_dict()["columns"][0]["selection"]


def test_rare_labels_merge_into_a_bucket_of_at_least_k_rows() -> None:
    labels = ["a"] * 50 + ["b"] * 40 + [f"r{i}" for i in range(6) for _ in range(3)]  # 6 rare labels, 18 rows
    model = _fit(pl.DataFrame({"c": labels}))
    params = _dist(model, "c")["parameters"]
    assert dict(zip(params["labels"], params["probs"])) == pytest.approx({"a": 50 / 108, "b": 40 / 108, "other": 18 / 108})
    assert "c: 6 label(s) held by fewer than 10 rows merged into 'other'" in _ledger(model)


def test_a_rare_remainder_below_k_is_recoded_to_the_most_frequent_label() -> None:
    labels = ["a"] * 50 + ["b"] * 40 + ["c"] * 3 + ["d"] * 2
    model = _fit(pl.DataFrame({"c": labels}))
    params = _dist(model, "c")["parameters"]
    # no bucket of 5 rows: 'a' takes them, so every ratio in the file is of counts >= k
    assert dict(zip(params["labels"], params["probs"])) == pytest.approx({"a": 55 / 95, "b": 40 / 95})
    assert (
        "c: 2 label(s) held by fewer than 10 rows recoded to the most frequent label 'a' (together fewer than 10 rows)"
        in _ledger(model)
    )


def test_a_rare_threshold_above_k_is_kept() -> None:
    labels = ["a"] * 50 + ["b"] * 15 + ["c"] * 15
    model = dt.fit(pl.DataFrame({"c": labels}), {"rare_threshold": 20}, privacy=DisclosureControl(k=K))
    assert _dist(model, "c")["parameters"]["labels"] == ["a", "other"]


def test_enum_rare_categories_are_recoded_and_all_rare_enum_is_uniform() -> None:
    enum = pl.Enum(["lo", "mid", "hi", "top"])
    frame = pl.DataFrame({
        "e": pl.Series(["lo"] * 60 + ["mid"] * 30 + ["hi"] * 4, dtype=enum),
        "f": pl.Series(["lo"] * 4 + ["mid"] * 3 + ["hi"] * 2 + ["top"] * 5 + [None] * 80, dtype=enum),
    })
    model = _fit(frame)
    e = _dist(model, "e")["parameters"]
    assert e["probs"] == pytest.approx([64 / 94, 30 / 94, 0.0, 0.0])
    f = _dist(model, "f")["parameters"]  # every category below k: nothing of the counts is released
    assert f["probs"] == pytest.approx([0.25] * 4)
    assert "f: every category is held by fewer than 10 rows; released as uniform over the declared categories" in _ledger(model)


def test_integer_labels_all_rare_are_refused() -> None:
    frame = pl.DataFrame({"code": [1, 2, 3, 4, 5, 6] * 3})
    with pytest.raises(dt.PrivacyError, match=r"column 'code': every label is held by fewer than 10 rows"):
        _fit(frame, {"columns": {"code": {"kind": "categorical"}}})


def test_a_rare_boolean_value_is_recoded() -> None:
    model = _fit(pl.DataFrame({"flag": [True] * 3 + [False] * 97}))
    assert _dist(model, "flag")["parameters"]["p"] == 0.0
    assert "flag: value True held by fewer than 10 rows; recoded to False" in _ledger(model)


def test_a_missing_count_below_k_is_released_as_zero_and_recoded_to_the_mode() -> None:
    frame = pl.DataFrame({
        "c": ["a"] * 60 + ["b"] * 37 + [None] * 3,
        "x": [1] * 50 + list(range(2, 49)) + [None] * 3,
        "m": ["a"] * 80 + [None] * 20,
    })
    model = _fit(frame)
    cols = {c["name"]: c for c in model.to_dict()["columns"]}
    assert cols["c"]["prop_missing"] == 0.0
    params = cols["c"]["distribution"]["parameters"]
    assert dict(zip(params["labels"], params["probs"])) == pytest.approx({"a": 63 / 100, "b": 37 / 100})
    assert cols["x"]["prop_missing"] == 0.0
    assert cols["m"]["prop_missing"] == pytest.approx(0.2)  # 20 >= k: released as it is
    assert "c: missing values recoded to a present value (missing share released as 0)" in _ledger(model)
    assert not any("missing values" in line and "fewer than" in line for line in _ledger(model))
    assert model.sample(200, seed=1)["c"].null_count() == 0


def test_a_column_with_fewer_than_k_values_is_suppressed() -> None:
    frame = pl.DataFrame({"x": [1.5, 2.5, 3.5] + [None] * 97, "y": np.arange(100.0)})
    model = _fit(frame)
    col = model.to_dict()["columns"][0]
    assert col["distribution"] is None and col["prop_missing"] == 1.0
    assert "x: fewer than 10 rows have a value; values suppressed (released as all missing)" in _ledger(model)
    assert model.sample(50, seed=1)["x"].null_count() == 50


def test_text_lengths_are_micro_aggregated() -> None:
    rng = np.random.default_rng(2)
    lengths = np.concatenate([[1], rng.integers(5, 40, 198), [90]])
    texts = ["".join(rng.choice(list("abcdefgh"), n)) for n in lengths]
    model = _fit(pl.DataFrame({"t": texts}), {"columns": {"t": {"kind": "string", "distribution": "random_string"}}})
    params = _dist(model, "t")["parameters"]
    lo, hi = _mean_of_extremes(lengths)
    assert (params["min_length"], params["max_length"]) == (math.ceil(lo), math.floor(hi))


def test_pattern_uses_k_as_its_literal_threshold() -> None:
    codes = [f"AB{i:04d}" for i in range(300)]
    model = _fit(pl.DataFrame({"code": codes}), {"columns": {"code": {"kind": "string", "distribution": "pattern"}}}, k=25)
    assert _dist(model, "code")["parameters"]["k"] == 25


def test_top_coding_off_fits_real_values_unless_a_bound_would_be_published() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(100, 15, 400)
    frame = pl.DataFrame({"x": x, "u": x})
    model = _fit(frame, {"columns": {"x": {"distribution": "normal"}, "u": {"distribution": "uniform"}}}, top_coding=False)
    assert _dist(model, "x")["parameters"]["mu"] == pytest.approx(x.mean())  # the real values, uncoded
    lo, hi = _mean_of_extremes(x)
    assert _dist(model, "u")["parameters"] == pytest.approx({"lower": lo, "upper": hi})
    lines = _ledger(model)
    assert "u: uniform would publish a real extreme; refitted on coded values" in lines
    assert not any(line.startswith("x:") for line in lines)
    # scores of candidates fitted on the real values (uniform's gives the range away) are not released
    assert all("scores" not in c["selection"] for c in model.to_dict()["columns"])
    auto = _fit(pl.DataFrame({"x": x}), top_coding=False).to_dict()["columns"][0]
    assert auto["selection"] == {"method": "bic"}
    assert model.to_dict()["privacy"]["settings"] == {"k": K, "top_coding": False}


# -- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 0, -3, 2.5, "10", True, None])
def test_invalid_k_is_refused(k: Any) -> None:
    with pytest.raises(dt.PrivacyError, match=re.escape("The 'k' parameter of DisclosureControl must be an integer >= 2")) as err:
        DisclosureControl(k=k)
    assert f"Got {k!r} instead." in str(err.value)


def test_invalid_top_coding_is_refused() -> None:
    with pytest.raises(dt.PrivacyError, match=r"The 'top_coding' parameter of DisclosureControl must be True or False. Got 'yes'"):
        DisclosureControl(top_coding="yes")


def test_keep_rare_is_refused() -> None:
    frame = pl.DataFrame({"c": ["a"] * 50 + ["b"]})
    with pytest.raises(dt.PrivacyError, match=r"column 'c': keep_rare publishes labels held by fewer than k=10 rows"):
        _fit(frame, {"columns": {"c": {"keep_rare": True}}})


def test_empirical_is_refused() -> None:
    frame = pl.DataFrame({"x": np.arange(100.0)})
    with pytest.raises(dt.PrivacyError, match=r"spec: 'empirical = true' .* set empirical = false"):
        dt.fit(frame, empirical=True, privacy=DisclosureControl())
    with pytest.raises(dt.PrivacyError, match=r"column 'x': the 'empirical' histogram publishes real values"):
        _fit(frame, {"columns": {"x": {"distribution": "empirical"}}})


def test_categorical_on_free_text_is_refused() -> None:
    frame = pl.DataFrame({"t": [f"text {i}" for i in range(100)]})
    with pytest.raises(dt.PrivacyError, match=r"column 't': a categorical distribution on free text"):
        _fit(frame, {"columns": {"t": {"kind": "string", "distribution": "categorical"}}})


def test_a_table_smaller_than_k_is_refused() -> None:
    with pytest.raises(dt.PrivacyError, match=r"k=10 needs at least 10 rows, but the table has 9"):
        _fit(pl.DataFrame({"x": np.arange(9.0)}))


def test_registered_by_name() -> None:
    policy = make_policy("disclosure", k=5)
    assert isinstance(policy, DisclosureControl) and policy.k == 5 and policy.top_coding
    model = dt.fit(pl.DataFrame({"x": np.arange(100.0)}), privacy="disclosure")
    assert model.to_dict()["privacy"]["settings"] == {"k": 10, "top_coding": True}


def test_no_count_of_unparsed_text_values_below_k() -> None:
    """The text-format notes count the values that did not parse (here 3 < k)."""
    dates = [f"2020-01-{i % 28 + 1:02d}" for i in range(2000)]
    frame = pl.DataFrame({"d": dates + ["garbage"] * 3, "e": dates + ["x"] * 3})
    spec = {"columns": {"d": {"text_format": "%Y-%m-%d", "unparsed": "missing"}}}
    with pytest.warns(dt.DatatwinWarning):  # the owner is still told
        model = _fit(frame, spec)
    for column in model.to_dict()["columns"]:
        assert "text_format" not in (column.get("selection") or {}), column["selection"]
