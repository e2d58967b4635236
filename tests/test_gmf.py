"""metasyn GMF interoperability: read what metasyn 3.0.0 writes, write what it reads.

The fixtures under tests/data/ were written by real metasyn 3.0.0
(tests/data/make_metasyn_gmf.py). The one check that runs metasyn itself is skipped
when its separate environment (benchmarks/.venv-peers) is absent.
"""

from __future__ import annotations

import ast
import copy
import json
import math
import subprocess
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import datatwin as dt
from datatwin import gmf
from datatwin.model import Model

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
KINDS = DATA / "metasyn_kinds.json"
ADULT = DATA / "metasyn_adult.json"
UNSUPPORTED = DATA / "metasyn_unsupported.json"
TEXT = DATA / "metasyn_text.json"
PEERS_PYTHON = ROOT / "benchmarks" / ".venv-peers" / "bin" / "python"


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def model_dict(columns: list[dict[str, Any]], n_rows: int = 500) -> dict[str, Any]:
    return {
        "format": "datatwin-model/1",
        "n_rows": n_rows,
        "provenance": {"created_by": {"name": "datatwin", "version": "0.1.0"}, "created_at": "2026-11-23T10:00:00Z",
                       "source": {"name": "people.csv", "rows": n_rows, "columns": len(columns)}},
        "privacy": {"policy": "none", "ledger": []},
        "model": {"family": "independent", "criterion": "bic"},
        "columns": columns,
        "constraints": [],
    }


def col(name: str, kind: str, dtype: str, dist: dict[str, Any] | None, prop_missing: float = 0.0,
        unique: bool = False, **extra: Any) -> dict[str, Any]:
    c = {"name": name, "kind": kind, "dtype": dtype, **extra, "prop_missing": prop_missing, "unique": unique}
    c["distribution"] = dist
    return c


def d(name: str, **parameters: Any) -> dict[str, Any]:
    return {"name": name, "parameters": parameters}


#: one column per datatwin distribution that has an exact metasyn equivalent
EXPORTABLE = [
    col("height", "continuous", "Float64", d("normal", mu=170.5, sigma=9.25), 0.1, description="cm"),
    col("visits", "discrete", "Int32", d("discrete_normal", mu=4.5, sigma=1.5)),
    col("score", "continuous", "Float64", d("truncated_normal", mu=0.5, sigma=0.2, lower=0.0, upper=1.0)),
    col("age", "discrete", "Int64", d("discrete_truncated_normal", mu=38.6, sigma=13.2, lower=17.0, upper=90.0), 0.05),
    col("income", "continuous", "Float64", d("lognormal", mu=10.1, sigma=0.7)),
    col("wait", "continuous", "Float32", d("exponential", rate=0.25)),
    col("calls", "discrete", "Int64", d("poisson", mu=3.2)),
    col("share", "continuous", "Float64", d("uniform", lower=-1.5, upper=2.5)),
    col("floor", "discrete", "UInt8", d("discrete_uniform", lower=0, upper=12)),
    col("born", "date", "Date", d("date_uniform", lower="1950-01-01", upper="2005-12-31", precision="day"), 0.2),
    col("seen", "datetime", "Datetime[us]", d("datetime_uniform", lower="2021-06-01T00:00:00", upper="2021-06-30T23:59:59", precision="second")),
    col("seen_utc", "datetime", "Datetime[us, UTC]", d("datetime_uniform", lower="2021-06-01T00:00:00", upper="2021-06-30T23:00:00", precision="minute")),
    col("opens", "time", "Time", d("time_uniform", lower="08:00:00", upper="17:30:00", precision="minute")),
    col("id", "discrete", "Int64", d("unique_key", lower=1, consecutive=True, density=1.0), unique=True),
    col("ticket", "discrete", "Int64", d("unique_key", lower=1000, consecutive=False, density=0.5), unique=True),
    col("member", "boolean", "Boolean", d("bernoulli", p=0.3141592653589793), 0.02),
    col("colour", "categorical", "Categorical", d("categorical", labels=["blue", "green", "red"], probs=[0.2, 0.3, 0.5])),
    col("size", "categorical", "Int64", d("categorical", labels=[1, 2, 5], probs=[0.25, 0.25, 0.5])),
    col("city", "string", "String", d("categorical", labels=["Delft", "Utrecht"], probs=[0.75, 0.25])),
    col("code", "string", "String", d("random_string", min_length=3, max_length=8, classes=["upper", "digit"])),
    col("token", "string", "String", d("random_string", min_length=6, max_length=6, classes=["lower", "punctuation"]), unique=True),
    # point masses and nothing else (point_mass_mixture, rest None) are written as the same
    # multinoulli, which reads back as finite (the fitted form of a few-values column)
    col("children", "discrete", "Int64", d("finite", values=[0, 1, 2], probs=[0.5, 0.3, 0.2], integer=True)),
    col("country", "string", "String", d("constant", value="NL")),
    col("one", "discrete", "Int64", d("constant", value=1)),
    col("pi", "continuous", "Float64", d("constant", value=3.5)),
    col("flagged", "boolean", "Boolean", d("constant", value=True)),
    col("kind", "categorical", "String", d("constant", value="A")),
    col("start", "date", "Date", d("constant", value="2020-01-01")),
    col("stamp", "datetime", "Datetime[us]", d("constant", value="2020-05-05T10:00:00")),
    col("noon", "time", "Time", d("constant", value="12:00:00")),
    col("person", "string", "String", d("faker", provider="name", locale="nl_NL", date_format=None, birth_years=None)),
    col("mail", "string", "String", d("faker", provider="email", locale="en_US", date_format=None, birth_years=None),
        unique=True),
    col("void", "string", "String", None, 1.0),
]

#: (distribution, kind, dtype): families with no metasyn equivalent
NOT_EXPORTABLE = [
    (d("point_mass_mixture", points=[0], weights=[0.9], rest=d("discrete_lognormal", mu=8.0, sigma=1.0)), "discrete", "Int64"),
    (d("discrete_gamma", shape=2.0, scale=3.0), "discrete", "Int64"),
    (d("negative_binomial", n=2.0, p=0.5), "discrete", "Int64"),
    (d("geometric", p=0.25), "discrete", "Int64"),
    (d("discrete_lognormal", mu=1.0, sigma=0.5), "discrete", "Int64"),
    (d("gamma", shape=2.0, scale=3.0), "continuous", "Float64"),
    (d("empirical", bins=[[0.0, 1.0], [1.0, 4.0]], probs=[0.25, 0.75], integer=False), "continuous", "Float64"),
]


# -- reading what metasyn writes ----------------------------------------------------------


def test_load_metasyn_gmf_samples_right_columns_dtypes_and_missing_shares() -> None:
    model = dt.load(KINDS)
    sample = model.sample(4000, seed=1)
    variables = read(KINDS)["tables"][0]["vars"]
    assert sample.columns == [v["name"] for v in variables]
    assert sample.schema == pl.Schema({
        "id": pl.Int64, "key": pl.Int64, "visits": pl.Int64, "small": pl.Int8, "value": pl.Float64,
        "wait": pl.Float64, "share": pl.Float64, "day": pl.Date, "stamp": pl.Datetime("us"),
        "stamp_utc": pl.Datetime("us", "UTC"), "clock": pl.Time, "flag": pl.Boolean, "colour": pl.Categorical(),
        "code": pl.String, "fixed": pl.String, "empty": pl.Float64,
    })
    for v in variables:
        share = sample[v["name"]].null_count() / sample.height
        assert share == pytest.approx(v["prop_missing"], abs=0.03), v["name"]
    assert sample["id"].to_list() == list(range(1, 4001))
    assert sample["key"].is_unique().all() and sample["key"].min() >= 1010
    assert sample["code"].str.contains(r"^[A-Z]{2,4}$").all()
    assert set(sample["fixed"].unique()) == {"same"}
    assert sample["empty"].null_count() == 4000
    params = {v["name"]: v["distribution"]["parameters"] for v in variables}
    assert str(sample["day"].min()) >= params["day"]["lower"] and str(sample["day"].max()) <= params["day"]["upper"]
    assert sample["flag"].mean() == pytest.approx(params["flag"]["probs"][1], abs=0.03)
    assert sample["value"].mean() == pytest.approx(params["value"]["mean"], abs=0.6)


def test_load_metasyn_adult_gmf() -> None:
    model = dt.load(ADULT)
    assert model.n_rows == 32561
    assert model.provenance["created_by"] == {"name": "metasyn", "version": "3.0.0"}
    assert any("converted from a metasyn GMF" in note for note in model.provenance["notes"])
    sample = model.sample(2000, seed=3)
    assert sample.width == 15
    assert sample["workclass"].dtype == pl.Categorical and sample["age"].dtype == pl.Int64
    assert sample["workclass"].null_count() / 2000 == pytest.approx(0.0564, abs=0.02)
    assert set(sample["education-num"].unique()) <= set(range(1, 17))  # metasyn's integer multinoulli
    # integer labels in increasing order are the column's own values: read as finite (was point_mass_mixture)
    assert model.column("education-num").distribution.name == "finite"
    assert sample["age"].min() >= 17 and sample["age"].max() <= 90


def test_parameters_are_renamed_and_shifted_as_documented() -> None:
    converted = gmf.gmf_to_model_dict(read(KINDS))
    by_name = {c["name"]: c for c in converted["columns"]}
    variables = {v["name"]: v["distribution"]["parameters"] for v in read(KINDS)["tables"][0]["vars"]}
    assert by_name["value"]["distribution"] == d("normal", mu=variables["value"]["mean"], sigma=variables["value"]["sd"])
    assert by_name["visits"]["distribution"] == d("poisson", mu=variables["visits"]["rate"])
    assert by_name["flag"]["kind"] == "boolean"
    assert by_name["flag"]["distribution"] == d("bernoulli", p=variables["flag"]["probs"][1])
    assert by_name["stamp_utc"]["dtype"] == "Datetime[us, UTC]"
    assert by_name["stamp_utc"]["distribution"]["parameters"]["lower"] == "2021-06-01T04:52:00"  # '+00:00' dropped
    assert by_name["id"]["unique"] and by_name["id"]["distribution"]["parameters"]["consecutive"]
    assert by_name["empty"]["distribution"] is None and by_name["empty"]["prop_missing"] == 1.0
    age = gmf.gmf_to_model_dict(read(UNSUPPORTED), strict=False)["columns"][0]
    upper = read(UNSUPPORTED)["tables"][0]["vars"][0]["distribution"]["parameters"]["upper"]
    assert age["distribution"]["parameters"]["upper"] == upper - 1  # metasyn's upper bound is exclusive


def test_an_all_missing_column_of_type_null_reads_as_kind_string() -> None:
    gmf3 = read(KINDS)
    gmf3["tables"][0]["vars"][15].update(type="continuous", dtype="Null")  # what metasyn writes for pl.Null
    model = Model.from_dict(gmf.gmf_to_model_dict(gmf3))
    assert (model.column("empty").kind, model.column("empty").dtype) == ("string", "Null")
    assert model.sample(5, seed=0)["empty"].dtype == pl.Null


def test_metasyn_2_flat_layout_reads_like_the_tables_layout() -> None:
    gmf3 = read(KINDS)
    table = gmf3["tables"][0]
    flat = {"gmf_version": "1.1", "n_rows": table["n_rows"], "n_columns": table["n_columns"],
            "provenance": gmf3["provenance"], "vars": table["vars"]}
    assert gmf.is_gmf(flat) and gmf.is_gmf(gmf3)
    assert gmf.gmf_to_model_dict(flat)["columns"] == gmf.gmf_to_model_dict(gmf3)["columns"]


def test_unconvertible_variables_are_refused_by_default_all_named() -> None:
    with pytest.raises(dt.ModelFileError) as err:
        dt.load(UNSUPPORTED)
    assert err.value.path == "$.tables[0].vars[1].distribution"
    message = str(err.value)
    for text in ("'case'", "core.regex", "'name'", "core.faker", "'stay'", "duration", "strict=False"):
        assert text in message


def test_unconvertible_variables_are_skipped_with_a_warning_when_not_strict() -> None:
    with pytest.warns(dt.DatatwinWarning) as record:
        model = dt.load(UNSUPPORTED, strict=False)
    assert [str(w.message).split(" skipped")[0] for w in record] == ["column 'case'", "column 'name'", "column 'stay'"]
    assert [c.name for c in model.columns] == ["age"]
    assert [s["name"] for s in model.skipped] == ["case", "name", "stay"]
    assert all("no datatwin equivalent" in s["reason"] for s in model.skipped)
    assert model.sample(10, seed=0).columns == ["age"]


def test_operators_are_refused_and_privacy_is_noted() -> None:
    data = read(KINDS)
    variables = data["tables"][0]["vars"]
    variables[4]["distribution"] = {"name": "PlusOperator", "operands": [variables[5]["distribution"], 1.0]}
    with pytest.raises(dt.ModelFileError, match="operator 'PlusOperator'") as err:
        gmf.gmf_to_model_dict(data)
    assert err.value.path == "$.tables[0].vars[4].distribution"
    variables[5]["creation_method"]["fitter"]["privacy"] = {"name": "disclosure", "parameters": {"partition_size": 11}}
    converted = gmf.gmf_to_model_dict(data, strict=False)
    assert "column 'wait': metasyn fitted it under privacy 'disclosure' {'partition_size': 11}" in converted["provenance"]["notes"]


def test_a_bad_parameter_is_reported_at_its_path_in_the_gmf(tmp_path: Path) -> None:
    bad = read(KINDS)
    bad["tables"][0]["vars"][4]["distribution"]["parameters"]["sd"] = -1.0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(dt.ModelFileError, match="sigma' must be > 0") as err:
        dt.load(path)
    assert err.value.path == "$.tables[0].vars[4].distribution"
    assert err.value.file == str(path)


def _edit(change: Any) -> dict[str, Any]:
    data = read(KINDS)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "path", "text"),
    [
        (lambda g: g["tables"][0].pop("n_rows"), "$.tables[0].n_rows", "n_rows"),
        (lambda g: g["tables"][0]["vars"][0].update(type="text"), "$.tables[0].vars[0].type", "'type' must be one of"),
        (lambda g: g["tables"][0]["vars"][4].update(dtype="Object"), "$.tables[0].vars[4].dtype", "no datatwin equivalent"),
        (lambda g: g["tables"][0]["vars"][4].update(prop_missing=1.5), "$.tables[0].vars[4].prop_missing", "[0, 1]"),
        (lambda g: g["tables"][0]["vars"][4]["distribution"]["parameters"].pop("sd"), "$.tables[0].vars[4].distribution", "parameters"),
        (lambda g: g["tables"].append(copy.deepcopy(g["tables"][0])), "$.tables", "2 tables"),
        (lambda g: g.update(gmf_version="9.0"), "$.gmf_version", "9.0"),
    ],
)
def test_malformed_gmf_raises_model_file_error_with_path(change: Any, path: str, text: str) -> None:
    with pytest.raises(dt.ModelFileError) as err:
        gmf.gmf_to_model_dict(_edit(change), "x.json")
    assert err.value.path == path
    assert text in str(err.value)


def test_datatwin_model_file_errors_are_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"n_rows": 3, "columns": []}), encoding="utf-8")
    with pytest.raises(dt.ModelFileError, match="not a datatwin model file") as err:
        dt.load(path)
    assert err.value.path == "$.format"


# -- writing what metasyn reads ------------------------------------------------------------


def _comparable(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the GMF carries. 'unique' of a continuous column is not written: a density gives
    distinct values anyway, and metasyn has no unique continuous family; it reads back false."""
    keys = ("name", "kind", "dtype", "description", "prop_missing", "unique", "distribution")
    out = [{k: c[k] for k in keys if k in c} for c in columns]
    for c in out:
        c["unique"] = c["unique"] and c["kind"] != "continuous"
    return out


@pytest.mark.parametrize("gmf_version", ["2.1", "1.1"])
def test_round_trip_preserves_every_exportable_distribution(gmf_version: str) -> None:
    model = model_dict(EXPORTABLE)
    Model.from_dict(model)  # a valid datatwin model to begin with
    exported, notes = gmf.model_dict_to_gmf(model, gmf_version=gmf_version)
    assert notes == []
    assert exported["gmf_version"] == gmf_version
    back = gmf.gmf_to_model_dict(json.loads(json.dumps(exported)))
    assert back["n_rows"] == 500
    assert _comparable(back["columns"]) == _comparable(model["columns"])
    Model.from_dict(back).sample(100, seed=1)


def test_exported_parameters_use_metasyn_names_and_conventions() -> None:
    exported, _ = gmf.model_dict_to_gmf(model_dict(EXPORTABLE))
    table = exported["tables"][0]
    assert table["name"] == "people" and table["n_columns"] == len(EXPORTABLE)
    v = {x["name"]: x for x in table["vars"]}
    assert v["height"]["distribution"] == {"name": "core.normal", "version": "1.0", "class_name": "ContinuousNormalDistribution",
                                           "unique": False, "parameters": {"mean": 170.5, "sd": 9.25}}
    assert v["floor"]["distribution"]["parameters"] == {"lower": 0, "upper": 13}  # exclusive upper bound
    assert v["member"]["type"] == "categorical" and v["member"]["dtype"] == "Boolean"
    assert v["seen_utc"]["dtype"] == "Datetime(time_unit='us', time_zone='UTC')"
    assert v["seen_utc"]["distribution"]["parameters"]["lower"] == "2021-06-01T00:00:00+00:00"
    assert v["token"]["distribution"]["class_name"] == "UniqueRegexDistribution"
    assert v["code"]["distribution"]["parameters"]["regex_data"]["regex"] == "[A-Z0-9]{3,8}"
    assert v["void"]["distribution"]["name"] == "core.na"
    assert exported["provenance"]["created by"] == {"name": "datatwin", "version": "0.1.0"}


def test_fitted_model_round_trips(mixed_frame: pl.DataFrame) -> None:
    frame = mixed_frame.drop("level", "stamp")  # Enum and a unique zoned datetime: see the next tests
    model = dt.fit(frame)
    exported, notes = gmf.model_dict_to_gmf(model.to_dict())
    assert notes == []
    back = Model.from_dict(gmf.gmf_to_model_dict(exported))
    assert _comparable(back.to_dict()["columns"]) == _comparable(model.to_dict()["columns"])
    assert model.column("value").unique and not back.column("value").unique
    assert back.sample(50, seed=2).equals(model.sample(50, seed=2))


@pytest.mark.parametrize(("dist", "kind", "dtype"), NOT_EXPORTABLE, ids=[x[0]["name"] for x in NOT_EXPORTABLE])
def test_export_refuses_a_distribution_without_equivalent_and_names_it(dist: dict[str, Any], kind: str, dtype: str) -> None:
    model = model_dict([EXPORTABLE[0], col("x", kind, dtype, dist)])
    Model.from_dict(model)
    with pytest.raises(dt.ModelFileError) as err:
        gmf.model_dict_to_gmf(model)
    assert err.value.path == "$.columns[1].distribution"
    assert f"column 'x': {dist['name']} has no metasyn equivalent" in str(err.value)
    exported, notes = gmf.model_dict_to_gmf(model, strict=False)
    assert len(notes) == 1 and notes[0].startswith(f"column 'x': {dist['name']} has no metasyn equivalent")
    assert "approximation" in notes[0]
    assert len(exported["tables"][0]["vars"]) == 2


def test_approximations_keep_mean_and_standard_deviation() -> None:
    model = model_dict([
        col("nb", "discrete", "Int64", d("negative_binomial", n=2.0, p=0.5)),
        col("g", "continuous", "Float64", d("gamma", shape=2.0, scale=3.0)),
        col("pm", "continuous", "Float64", d("point_mass_mixture", points=[0.0], weights=[0.5], rest=d("normal", mu=4.0, sigma=2.0))),
    ])
    exported, notes = gmf.model_dict_to_gmf(model, strict=False)
    v = {x["name"]: x["distribution"] for x in exported["tables"][0]["vars"]}
    assert v["nb"]["class_name"] == "DiscreteNormalDistribution"
    assert v["nb"]["parameters"] == pytest.approx({"mean": 2.0, "sd": 2.0})
    assert v["g"]["name"] == "core.lognormal"  # positive and skewed: a log-normal stand-in
    mu, s = v["g"]["parameters"]["mean"], v["g"]["parameters"]["sd"]
    assert math.exp(mu + s * s / 2) == pytest.approx(6.0)
    assert math.expm1(s * s) * math.exp(2 * mu + s * s) == pytest.approx(18.0)
    assert v["pm"]["parameters"] == pytest.approx({"mean": 2.0, "sd": math.sqrt(0.5 * 20 - 4)})
    assert len(notes) == 3


def test_integer_histogram_exports_as_the_exact_multinoulli() -> None:
    empirical = d("empirical", bins=[[0, 0], [1, 3]], probs=[0.4, 0.6], integer=True)
    exported, notes = gmf.model_dict_to_gmf(model_dict([col("n", "discrete", "Int64", empirical)]))
    assert notes == []
    assert exported["tables"][0]["vars"][0]["distribution"]["parameters"] == {
        "labels": [0, 1, 2, 3], "probs": pytest.approx([0.4, 0.2, 0.2, 0.2])}


def test_point_masses_with_a_bounded_integer_rest_export_as_the_exact_multinoulli() -> None:
    rest = d("discrete_truncated_normal", mu=8.9, sigma=5.1, lower=1.0, upper=16.0)
    mixture = d("point_mass_mixture", points=[9, 10, 13], weights=[0.3, 0.2, 0.15], rest=rest)
    model = model_dict([col("edu", "discrete", "Int64", mixture)])
    exported, notes = gmf.model_dict_to_gmf(model)
    assert notes == []
    params = exported["tables"][0]["vars"][0]["distribution"]["parameters"]
    assert params["labels"] == list(range(1, 17)) and sum(params["probs"]) == pytest.approx(1.0)
    n = 400_000
    counts = Model.from_dict(model).sample(n, seed=5)["edu"].value_counts().sort("edu")
    assert counts["edu"].to_list() == params["labels"]
    assert (counts["count"] / n).to_list() == pytest.approx(params["probs"], abs=0.003)


@pytest.mark.parametrize(
    ("column", "field", "text"),
    [
        (col("t", "datetime", "Datetime[us]", d("datetime_uniform", lower="2021-06-01T00:00:00", upper="2021-06-30T00:00:00",
                                                  precision="second"), unique=True), "unique", "no unique variant"),
        (col("lvl", "categorical", "Enum", d("categorical", labels=["lo", "hi"], probs=[0.5, 0.5]), categories=["lo", "hi"]),
         "dtype", "Enum"),
        (col("ms", "time", "Time", d("time_uniform", lower="08:00:00.000", upper="09:00:00.500", precision="millisecond")),
         "distribution", "millisecond"),
        (col("key", "discrete", "Int64", d("unique_key", lower=1, consecutive=False, density=0.9), unique=True),
         "distribution", "density 0.9"),
        (col("remark", "string", "String", d("free_text", locale="en_US", length=d("discrete_lognormal", mu=4.0, sigma=0.5),
                                             max_length=300)), "distribution", "free_text exported as core.freetext"),
    ],
)
def test_inexact_columns_are_refused_then_noted(column: dict[str, Any], field: str, text: str) -> None:
    model = model_dict([column])
    Model.from_dict(model)
    with pytest.raises(dt.ModelFileError, match=text) as err:
        gmf.model_dict_to_gmf(model)
    assert err.value.path == f"$.columns[0].{field}"
    _, notes = gmf.model_dict_to_gmf(model, strict=False)
    assert len(notes) == 1 and text in notes[0] and notes[0].startswith(f"column {column['name']!r}")


# -- generated text: faker, free_text, pattern --------------------------------------------


def test_metasyn_faker_and_freetext_gmf_loads_and_samples() -> None:
    model = dt.load(TEXT)
    cols = {c["name"]: c for c in model.to_dict()["columns"]}
    assert cols["name"]["distribution"]["parameters"] == {"provider": "name", "locale": "nl_NL", "date_format": None,
                                                          "birth_years": None}
    assert cols["email"]["distribution"]["parameters"]["provider"] == "email" and cols["email"]["unique"]
    assert cols["remark"]["distribution"]["name"] == "free_text"
    notes = model.to_dict()["provenance"]["notes"]
    assert any(n.startswith("column 'remark': metasyn's core.freetext") and "approximation" in n for n in notes)
    sample = model.sample(400, seed=3)
    assert sample["email"].str.contains("@").all() and sample["email"].n_unique() == 400
    assert sample["name"].str.contains(" ").all()
    words = read(TEXT)["tables"][0]["vars"][3]["distribution"]["parameters"]["avg_words"]
    # about the average word count metasyn fitted, in words of the same Faker word list
    assert sample["remark"].str.count_matches(r"\S+").mean() == pytest.approx(words, rel=0.15)


def test_free_text_round_trip_keeps_the_average_word_count() -> None:
    data = read(TEXT)
    exported, notes = gmf.model_dict_to_gmf(gmf.gmf_to_model_dict(data), strict=False)
    assert len(notes) == 1 and "core.freetext" in notes[0] and "approximation" in notes[0]
    before, after = (x["tables"][0]["vars"][3]["distribution"] for x in (data, exported))
    assert after["name"] == "core.freetext" and after["class_name"] == "FreeTextDistribution"
    assert after["parameters"]["avg_words"] == pytest.approx(before["parameters"]["avg_words"], rel=1e-9)
    assert after["parameters"]["locale"] == "en_US"


def test_faker_exports_exactly_and_date_of_birth_is_left_out() -> None:
    model = model_dict([EXPORTABLE[0], col("dob", "string", "String", d("faker", provider="date_of_birth", locale="en_US",
                                                                          date_format="%d/%m/%Y", birth_years=[1940, 2005]))])
    Model.from_dict(model)
    with pytest.raises(dt.ModelFileError, match="'date_of_birth' has no metasyn equivalent") as err:
        gmf.model_dict_to_gmf(model)
    assert err.value.path == "$.columns[1].distribution"
    exported, notes = gmf.model_dict_to_gmf(model, strict=False)
    assert [v["name"] for v in exported["tables"][0]["vars"]] == ["height"]
    assert len(notes) == 1 and "'%d/%m/%Y'" in notes[0] and notes[0].endswith("left out")
    mail = gmf.model_dict_to_gmf(model_dict(EXPORTABLE))[0]["tables"][0]["vars"][-2]["distribution"]
    assert mail == {"name": "core.faker", "version": "1.0", "class_name": "UniqueFakerDistribution", "unique": True,
                    "parameters": {"faker_type": "email", "locale": "en_US"}}


def test_pattern_is_refused_with_the_reason() -> None:
    codes = [f"AB-{i:04d}" for i in range(300)] + [f"X{i:03d}" for i in range(200)]
    model = dt.fit(pl.DataFrame({"code": codes}), spec={"columns": {"code": {"distribution": "pattern"}}}).to_dict()
    assert model["columns"][0]["distribution"]["name"] == "pattern"
    with pytest.raises(dt.ModelFileError, match="pattern has no exact metasyn equivalent.*regexmodel"):
        gmf.model_dict_to_gmf(model)
    with pytest.raises(dt.ModelFileError, match="no column could be exported"):
        gmf.model_dict_to_gmf(model, strict=False)


def test_gmf_version_is_checked() -> None:
    with pytest.raises(dt.DatatwinError, match="gmf_version must be"):
        gmf.model_dict_to_gmf(model_dict(EXPORTABLE), gmf_version="3.0")


def test_cli_export_gmf(run_cli: Any, tmp_path: Path) -> None:
    model = tmp_path / "m.json"
    mixed = model_dict([EXPORTABLE[0], col("g", "continuous", "Float64", d("gamma", shape=2.0, scale=3.0))])
    model.write_text(json.dumps(mixed), encoding="utf-8")
    out = tmp_path / "metasyn.json"
    code, stdout, stderr = run_cli(["export-gmf", str(model), "-o", str(out)])
    assert code == 1 and not out.exists()
    assert "column 'g': gamma has no metasyn equivalent" in stderr and "--no-strict" in stderr
    code, stdout, stderr = run_cli(["export-gmf", str(model), "-o", str(out), "--no-strict"])
    assert code == 0, stderr
    assert "column 'g': gamma has no metasyn equivalent" in stdout.replace("\n", " ")
    written = read(out)
    assert gmf.is_gmf(written) and [v["name"] for v in written["tables"][0]["vars"]] == ["height", "g"]
    assert dt.load(out).sample(5, seed=1).columns == ["height", "g"]
    code, stdout, stderr = run_cli(["export-gmf", str(model), "-o", str(tmp_path / "flat.json"), "--no-strict", "--gmf-version", "1.1"])
    assert code == 0 and read(tmp_path / "flat.json")["gmf_version"] == "1.1"


def test_write_gmf_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(dt.InputFileError, match="does not exist"):
        gmf.write_gmf(model_dict(EXPORTABLE), tmp_path / "nope" / "x.json")


def test_gmf_layer_does_not_import_distributions_or_models() -> None:
    files = sorted((ROOT / "src" / "datatwin" / "gmf").glob("*.py"))
    assert files
    trees = [ast.parse(f.read_text(encoding="utf-8")) for f in files]
    imported = {n.module for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for tree in trees for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and m.startswith(("datatwin.distributions", "datatwin.models", "datatwin.api")) for m in imported)


_METASYN_CHECK = """
import json, sys, warnings
warnings.simplefilter("ignore")
from metasyn import MetaFrame
out = {}
for path in sys.argv[1:]:
    frame = MetaFrame.load_json(path)
    sample = frame.synthesize(300, seed=1, progress_bar=False)
    out[path] = {"columns": sample.columns, "dtypes": [str(t) for t in sample.dtypes],
                 "nulls": [sample[c].null_count() for c in sample.columns]}
print(json.dumps(out))
"""


@pytest.mark.skipif(not PEERS_PYTHON.exists(), reason="metasyn's environment benchmarks/.venv-peers is absent (optional cross-check)")
def test_exported_gmf_loads_and_samples_in_metasyn_3(tmp_path: Path, adult_path: Path) -> None:
    paths = []
    for version in ("2.1", "1.1"):
        path = tmp_path / f"exportable-{version}.json"
        gmf.write_gmf(model_dict(EXPORTABLE), path, gmf_version=version)
        paths.append(path)
    adult = dt.fit(adult_path, missing_values=["?"])
    gmf.write_gmf(adult, tmp_path / "adult.json", strict=False)
    paths.append(tmp_path / "adult.json")
    text = model_dict([col("remark", "string", "String", d("free_text", locale="nl_NL", max_length=300,
                                                          length=d("discrete_lognormal", mu=4.0, sigma=0.5)))])
    gmf.write_gmf(text, tmp_path / "text.json", strict=False)
    paths.append(tmp_path / "text.json")
    result = subprocess.run([str(PEERS_PYTHON), "-c", _METASYN_CHECK, *map(str, paths)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for version in ("2.1", "1.1"):
        r = report[str(tmp_path / f"exportable-{version}.json")]
        assert r["columns"] == [c["name"] for c in EXPORTABLE]
        dtypes = dict(zip(r["columns"], r["dtypes"]))
        assert dtypes["member"] == "Boolean" and dtypes["born"] == "Date" and dtypes["floor"] == "UInt8"
        assert dtypes["seen_utc"] == "Datetime(time_unit='us', time_zone='UTC')"
        nulls = dict(zip(r["columns"], r["nulls"]))
        assert nulls["void"] == 300 and nulls["height"] == 30  # metasyn makes exactly round(0.1 * n) missing
    assert report[str(tmp_path / "adult.json")]["columns"] == [c.name for c in adult.columns]
    assert report[str(tmp_path / "text.json")] == {"columns": ["remark"], "dtypes": ["String"], "nulls": [0]}


def test_text_dates_export_as_their_parsed_type_and_say_so(tmp_path: Path) -> None:
    from datatwin.gmf import write_gmf

    frame = pl.DataFrame({"d": ["23/11/2026", "01/02/2025", "15/07/2024"] * 10})
    model = dt.fit(frame)
    with pytest.raises(dt.ModelFileError, match=r"text_format: .*loses the text format.*--no-strict"):
        write_gmf(model, tmp_path / "strict.json", strict=True)
    notes = write_gmf(model, tmp_path / "gmf.json", strict=False)
    assert any("'%d/%m/%Y'" in note and "parsed Date" in note for note in notes)
    back = dt.load(tmp_path / "gmf.json")
    assert back.column("d").dtype == "Date"
    assert back.sample(20, seed=1)["d"].dtype == pl.Date
