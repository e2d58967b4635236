"""Fixed combinations hold by construction: their columns are modelled as one joint
categorical column (an Enum whose categories are the allowed combinations), decoded after
sampling into the members in their dtypes and places, without any resampling."""

from __future__ import annotations

import copy
import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import datatwin as dt
import datatwin.constraints.enforce as enforce
from datatwin.constraints import constraint_from_dict
from datatwin.errors import ConditionError, DataError, ModelFileError

FAMILIES = ["independent", "copula", "cart", "marginals"]
EDUCATION = {"kind": "fixed_combinations", "columns": ["education", "education-num"]}
HOUSEHOLD = {"kind": "fixed_combinations", "columns": ["relationship", "sex"]}
SPEC: dict[str, Any] = {"constraints": [EDUCATION, HOUSEHOLD]}
#: every relationship with both sexes but (Husband, Female) and (Wife, Male): public knowledge
HOUSEHOLDS = [[r, s] for r in ["Husband", "Not-in-family", "Other-relative", "Own-child", "Unmarried", "Wife"]
              for s in ["Female", "Male"] if (r, s) not in {("Husband", "Female"), ("Wife", "Male")}]


@pytest.fixture(scope="module")
def adult(adult_path: Path) -> pl.DataFrame:
    frame = pl.read_csv(adult_path, null_values=["?"])
    return frame.select("age", "education", "education-num", "relationship", "race", "sex", "hours-per-week").head(6000)


def _fit(frame: pl.DataFrame, spec: dict[str, Any] = SPEC, **kwargs: Any) -> dt.Model:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dt.fit(frame, spec=spec, **kwargs)


@pytest.fixture(scope="module")
def models(adult: pl.DataFrame) -> dict[str, dt.Model]:
    return {family: _fit(adult, family=family) for family in FAMILIES}


def _allowed(model: dt.Model, frame: pl.DataFrame) -> bool:
    return all(
        bool(frame.select(constraint_from_dict(c).ok(frame.schema).all()).item())
        for c in model.constraints if c["kind"] == "fixed_combinations"
    )


def _no_resampling(model: dt.Model, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Resampling rounds off, and every call of the family's draw counted."""
    monkeypatch.setattr(enforce, "ROUNDS", 0)
    calls: list[int] = []
    fitted = model.fitted
    original = type(fitted).sample

    def counted(n: int, seed: Any, conditions: Any = None) -> pl.DataFrame:
        calls.append(n)
        return original(fitted, n, seed, conditions)

    monkeypatch.setattr(fitted, "sample", counted)
    return calls


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_draws_only_allowed_combinations_without_resampling(
    models: dict[str, dt.Model], adult: pl.DataFrame, family: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    model = models[family]
    names = [c.name for c in model.columns]
    assert "education × education-num" in names and "relationship × sex" in names
    assert not {"education", "education-num", "relationship", "sex"} & set(names)  # the family never saw them
    calls = _no_resampling(model, monkeypatch)
    sample = model.sample(4000, seed=3)
    assert calls == [4000]  # one draw, no redraw
    assert sample.columns == adult.columns and sample.dtypes == adult.dtypes
    assert _allowed(model, sample)
    # the file: the joint entry, its members and places; same bytes and rows after a round trip
    path = model.save(tmp_path / "m.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = next(c for c in data["columns"] if c["name"] == "relationship × sex")
    assert entry["kind"] == "categorical" and entry["dtype"] == "Enum"
    assert entry["joint"] == {"columns": [
        {"name": "relationship", "kind": "categorical", "dtype": "String", "index": 3},
        {"name": "sex", "kind": "categorical", "dtype": "String", "index": 5},
    ]}
    assert '["Own-child", "Female"]' in entry["categories"]
    assert set(entry["distribution"]["parameters"]["labels"]) <= set(entry["categories"])
    loaded = dt.load(path)
    assert loaded.to_json() == model.to_json()
    assert loaded.sample(4000, seed=3).equals(sample)
    summary = loaded.summary()
    assert summary["column"].to_list() == adult.columns == loaded.output_columns
    roles = dict(zip(summary["column"], summary["role"]))
    assert roles["sex"].startswith("joint with relationship") and roles["education"].startswith("joint with education-num")


def test_rare_combinations_are_not_labels_and_their_rows_count_elsewhere(adult: pl.DataFrame, models: dict[str, dt.Model]) -> None:
    counts = adult.group_by("relationship", "sex").len()
    rare = counts.filter(pl.col("len") < 10)
    assert rare.height  # Adult has a few (Husband, Female) and (Wife, Male) rows
    model = models["independent"]
    combos = next(c for c in model.constraints if c["columns"] == ["relationship", "sex"])["combinations"]
    assert sorted(map(tuple, combos)) == sorted(counts.filter(pl.col("len") >= 10).select("relationship", "sex").rows())
    joint = model.column("relationship × sex")
    assert joint.categories == [json.dumps(c) for c in combos]
    # every row still counts: a rare combination's rows take the first allowed combination that agrees with
    # them on one member, here (Husband, Male); the others keep their real shares
    probs = dict(zip(joint.distribution.labels, joint.distribution.probs))
    share = {json.dumps([r, s]): k / adult.height for r, s, k in counts.rows()}
    assert probs['["Husband", "Male"]'] == pytest.approx(share['["Husband", "Male"]'] + rare["len"].sum() / adult.height)
    for label in joint.categories[1:]:
        assert probs[label] == pytest.approx(share[label], abs=1e-12)


@pytest.mark.parametrize("family", FAMILIES)
def test_the_joint_shares_follow_the_real_combinations(models: dict[str, dt.Model], adult: pl.DataFrame, family: str) -> None:
    sample = models[family].sample(30_000, seed=11)
    for names in (["education", "education-num"], ["relationship", "sex"]):
        real = adult.group_by(names).len().with_columns(pl.col("len") / adult.height)
        synth = sample.group_by(names).len().with_columns(pl.col("len") / sample.height)
        both = real.join(synth, on=names, how="full", coalesce=True).fill_null(0.0)
        tvd = 0.5 * float((both["len"] - both["len_right"]).abs().sum())
        # CART draws each column from a tree given the others: its marginals are looser (0.011 on education
        # and 0.026 on relationship x sex without the constraint)
        assert tvd < (0.04 if family == "cart" else 0.02), (names, tvd)


@pytest.mark.parametrize("family", ["independent", "marginals"])
def test_differential_privacy_with_declared_combinations(adult: pl.DataFrame, family: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = {"constraints": [{**HOUSEHOLD, "combinations": HOUSEHOLDS}],
            "columns": {"age": {"bounds": [17, 90]}, "hours-per-week": {"bounds": [1, 99]},
                        "education-num": {"bounds": [1, 16]}, "education": {"exclude": True}, "race": {"exclude": True}}}
    model = _fit(adult, spec, family=family, privacy=dt.privacy.DifferentialPrivacy(epsilon=2.0, delta=1e-9))
    joint = model.column("relationship × sex")
    assert joint.categories == [json.dumps(c) for c in HOUSEHOLDS]  # the public domain, in the declared order
    lines = [line["what"] for line in model.privacy["ledger"] if line["what"].startswith("relationship × sex")]
    assert any("public labels" in what for what in lines) and not any("selection" in what for what in lines)
    calls = _no_resampling(model, monkeypatch)
    sample = model.sample(3000, seed=1)
    assert calls == [3000] and _allowed(model, sample)
    assert sample.columns == ["age", "education-num", "relationship", "sex", "hours-per-week"]
    assert dt.Model.from_dict(json.loads(model.to_json())).sample(3000, seed=1).equals(model.sample(3000, seed=1))


def test_a_missing_joint_value_takes_a_drawn_label(models: dict[str, dt.Model]) -> None:
    """A noisy missing share (differential privacy) can draw the joint column missing: the
    members then take an allowed combination, never a missing one that is not allowed."""
    data = models["independent"].to_dict()
    entry = next(c for c in data["columns"] if c["name"] == "relationship × sex")
    entry["prop_missing"] = 0.3
    model = dt.Model.from_dict(data)
    sample = model.sample(2000, seed=5)
    assert sample["sex"].null_count() == 0 and _allowed(model, sample)


@pytest.mark.parametrize("family", FAMILIES)
def test_conditions_on_members(models: dict[str, dt.Model], family: str) -> None:
    model = models[family]
    rows = model.sample(300, seed=2, conditions={"sex": "Female", "education-num": (9, 10)})
    assert rows.height == 300 and (rows["sex"] == "Female").all() and rows["education-num"].is_between(9, 10).all()
    assert set(rows["education"]) <= {"HS-grad", "Some-college"} and _allowed(model, rows)
    rows = model.sample(200, seed=2, conditions={"education": ["Masters", "Doctorate"]})
    assert set(rows["education"]) <= {"Masters", "Doctorate"} and set(rows["education-num"]) <= {14, 16}
    rows = model.sample(200, seed=2, conditions=["relationship == 'Wife'"])
    assert (rows["sex"] == "Female").all()  # the only allowed combination
    given = pl.DataFrame({"sex": ["Male", "Female", "Female"], "education": ["Bachelors", "HS-grad", "Masters"]})
    rows = model.sample(seed=4, conditions=given)
    assert rows.select("sex", "education").equals(given)
    assert rows["education-num"].to_list() == [13, 9, 14] and _allowed(model, rows)
    full = pl.DataFrame({"relationship": ["Wife", "Own-child"], "sex": ["Female", "Male"]})
    assert model.sample(seed=4, conditions=full).select("relationship", "sex").equals(full)


def test_member_conditions_that_no_allowed_combination_meets(models: dict[str, dt.Model]) -> None:
    model = models["copula"]
    with pytest.raises(ConditionError, match=r"education-num == 99.*fixed_combinations of education, education-num"):
        model.sample(10, seed=1, conditions={"education-num": 99})
    with pytest.raises(ConditionError, match=r"no combination the model draws for fixed_combinations of relationship, sex meets"):
        model.sample(10, seed=1, conditions={"relationship": "Husband", "sex": "Female"})
    with pytest.raises(ConditionError, match="'Unknown' is not a label"):
        model.sample(10, seed=1, conditions={"sex": "Unknown"})
    bad = pl.DataFrame({"relationship": ["Wife", "Husband"], "sex": ["Female", "Female"]})
    with pytest.raises(ConditionError, match=r"condition row 1: relationship = 'Husband', sex = 'Female' is not a combination"):
        model.sample(seed=1, conditions=bad)
    with pytest.raises(ConditionError, match="unknown column 'relationship × sex'"):
        model.sample(10, seed=1, conditions={"relationship × sex": '["Wife", "Female"]'})


def test_declared_combinations_and_on_violation(adult: pl.DataFrame) -> None:
    declared = [["Husband", "Male"], ["Wife", "Female"], ["Own-child", "Male"], ["Own-child", "Female"]]
    spec = {"constraints": [{**HOUSEHOLD, "combinations": declared}]}
    kept = _fit(adult, spec)
    joint = kept.column("relationship × sex")
    assert joint.categories == [json.dumps(c) for c in declared]
    # a row outside the list takes the allowed combination closest to it: (Not-in-family, Male) -> (Husband, Male)
    probs = dict(zip(joint.distribution.labels, joint.distribution.probs))
    male = adult.filter(((pl.col("sex") == "Male") & (pl.col("relationship") != "Own-child"))
                        | (pl.col("relationship") == "Husband")).height / adult.height
    assert probs['["Husband", "Male"]'] == pytest.approx(male, abs=1e-9)
    assert _allowed(kept, kept.sample(2000, seed=1))
    dropped = _fit(adult, {**spec, "on_violation": "drop"})
    inside = adult.filter(pl.struct("relationship", "sex").is_in([{"relationship": r, "sex": s} for r, s in declared]))
    assert dropped.n_rows == inside.height
    with pytest.raises(DataError, match="fixed_combinations of relationship, sex"):
        _fit(adult, {**spec, "on_violation": "fail"})


def test_overlapping_combinations_and_a_taken_name() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    a = rng.choice(["x", "y"], n)
    frame = pl.DataFrame({
        "a": a, "b": np.where(a == "x", rng.choice([1, 2], n), 3), "c": rng.choice([True, False], n),
        "a × b": rng.normal(size=n),
    })
    spec = {"constraints": [{"kind": "fixed_combinations", "columns": ["a", "b"]},
                            {"kind": "fixed_combinations", "columns": ["b", "c"]}]}
    model = _fit(frame, spec, family="copula")
    joint = next(j for j in model.joints)
    assert joint.name != "a × b" and joint.name.startswith("a × b") and len(model.joints) == 1  # (b, c) is resampled
    sample = model.sample(1000, seed=1)
    assert sample.columns == frame.columns and sample.dtypes == frame.dtypes and _allowed(model, sample)
    assert json.loads(joint.labels[0]) == ["x", 1]


def test_a_streamed_fit_equals_the_in_memory_one(adult: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "adult.parquet"
    adult.write_parquet(path)
    memory, streamed = _fit(adult).to_dict(), _fit(str(path), streaming=True).to_dict()
    assert memory["columns"] == streamed["columns"] and memory["constraints"] == streamed["constraints"]


def test_inspect_and_gmf_name_the_joint(models: dict[str, dt.Model], tmp_path: Path, run_cli: Any) -> None:
    path = models["independent"].save(tmp_path / "m.json")
    code, out, _ = run_cli(["inspect", str(path)])
    assert code == 0 and "held by construction: one joint column 'relationship × sex'" in " ".join(out.split())
    code, out, _ = run_cli(["inspect", str(path), "--column", "sex"])
    assert code == 0 and "modelled jointly with relationship" in " ".join(out.split())
    with pytest.raises(ModelFileError, match="models the columns relationship, sex jointly"):
        dt.gmf.model_dict_to_gmf(models["independent"].to_dict())


def _relabel(data: dict[str, Any], i: int, new: str) -> None:
    """Rename the joint's first label, in its categories and its distribution alike."""
    column = data["columns"][i]
    old = column["categories"][0]
    column["categories"][0] = new
    labels = column["distribution"]["parameters"]["labels"]
    labels[labels.index(old)] = new


def _edited(model: dt.Model, edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(model.to_dict())
    edit(data, next(i for i, c in enumerate(data["columns"]) if c["name"] == "relationship × sex"))
    return data


@pytest.mark.parametrize(("edit", "path", "message"), [
    (lambda d, i: d.update(constraints=[c for c in d["constraints"] if c["columns"] != ["relationship", "sex"]]),
     r"\$\.columns\[2\]\.joint", "no fixed_combinations constraint"),
    (lambda d, i: _relabel(d, i, '["Husband"]'),
     r"\$\.columns\[2\]\.categories", "must be a JSON array of 2 values"),
    (lambda d, i: _relabel(d, i, "Husband"),
     r"\$\.columns\[2\]\.categories", "not a JSON array"),
    (lambda d, i: d["columns"][i]["joint"]["columns"][1].update(dtype="Int128x"),
     r"\$\.columns\[2\]\.joint\.columns\[1\]\.dtype", "member 'sex'"),
    (lambda d, i: d["columns"][i]["joint"]["columns"][1].update(dtype="Int64", kind="discrete"),
     r"\$\.columns\[2\]\.categories", "its value for 'sex' is not a value of dtype Int64"),
    (lambda d, i: d["columns"][i]["joint"]["columns"][1].update(index=3),
     r"\$\.columns\[2\]\.joint\.columns\[1\]\.index", "not a free place"),
    (lambda d, i: d["columns"][i]["joint"]["columns"][1].update(name="age"),
     r"\$\.columns\[2\]\.joint\.columns\[1\]\.name", "also a column of its own"),
    (lambda d, i: d["constraints"][1].update(combinations=[["Wife", "Female"]]),
     r"\$\.columns\[2\]\.categories", "is not an allowed combination"),
    (lambda d, i: d["columns"][i].update(dtype="String"),
     r"\$\.columns\[2\]", "must be kind 'categorical' with dtype 'Enum'"),
])
def test_hand_edited_joint_entries_are_refused(models: dict[str, dt.Model], edit: Any, path: str, message: str) -> None:
    data = _edited(models["independent"], edit)
    with pytest.raises(ModelFileError, match=message) as caught:
        dt.Model.from_dict(data, "m.json")
    assert re.fullmatch(path, caught.value.path), caught.value.path


def test_member_dtypes_and_missing_values_come_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 2000
    pairs = [("Utrecht", "UT", True), ("Amersfoort", "UT", False), ("Leiden", "ZH", True), (None, "ZH", None),
             ("Delft", None, False)]
    pick = rng.choice(len(pairs), n, p=[0.3, 0.2, 0.2, 0.2, 0.1])
    frame = pl.DataFrame({
        "id": np.arange(n),
        "city": pl.Series([pairs[i][0] for i in pick], dtype=pl.Categorical),
        "income": rng.gamma(2.0, 1000.0, n),
        "province": pl.Series([pairs[i][1] for i in pick], dtype=pl.Enum(["UT", "ZH", "NH"])),
        "capital": pl.Series([pairs[i][2] for i in pick], dtype=pl.Boolean),
    })
    spec = {"constraints": [{"kind": "fixed_combinations", "columns": ["city", "province", "capital"]}],
            "columns": {"city": {"description": "where they live"}}}
    for family in FAMILIES:
        model = _fit(frame, spec, family=family)
        joint = model.joints[0]
        assert [m.dtype for m in joint.members] == ["Categorical", "Enum", "Boolean"]
        assert joint.members[0].description == "where they live" and joint.members[1].categories == ["UT", "ZH", "NH"]
        assert '[null, "ZH", null]' in joint.labels and '["Delft", null, false]' in joint.labels
        loaded = dt.load(model.save(tmp_path / f"{family}.json"))
        sample = loaded.sample(1500, seed=2)
        assert sample.columns == frame.columns and sample.dtypes == frame.dtypes, family
        assert _allowed(model, sample) and sample["city"].null_count() > 0
        rows = loaded.sample(100, seed=3, conditions={"city": None})
        assert rows["city"].is_null().all() and (rows["province"] == "ZH").all() and rows["capital"].is_null().all()
        rows = loaded.sample(100, seed=3, conditions={"province": "UT", "capital": False})
        assert (rows["city"] == "Amersfoort").all()


def test_disclosure_control_publishes_no_combination_under_k(adult: pl.DataFrame) -> None:
    model = _fit(adult, {"constraints": [HOUSEHOLD]}, family="copula", privacy=dt.privacy.DisclosureControl(k=40))
    counts = dict(((r, s), k) for r, s, k in adult.group_by("relationship", "sex").len().rows())
    labels = [tuple(json.loads(label)) for label in model.column("relationship × sex").categories]
    assert labels and all(counts[label] >= 40 for label in labels)
    assert {label for label, k in counts.items() if k >= 40} == set(labels)
    assert _allowed(model, model.sample(2000, seed=1))


def test_blocks_decode_the_joint_alike(models: dict[str, dt.Model], monkeypatch: pytest.MonkeyPatch) -> None:
    import datatwin.model as model_module

    monkeypatch.setattr(model_module, "BLOCK_ROWS", 700)
    model = models["cart"]
    whole = model.sample(2000, seed=9)
    assert pl.concat(list(model.sample_blocks(2000, seed=9))).equals(whole) and _allowed(model, whole)


def test_family_settings_that_name_a_member(adult: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    cart = _fit(adult, family=dt.families.Cart(order=["sex", "age", "education-num", "education", "relationship",
                                                      "race", "hours-per-week"]))
    assert cart.fitted.order == ["relationship × sex", "age", "education × education-num", "race", "hours-per-week"]
    marginals = _fit(adult, family=dt.families.Marginals(
        marginals=[dt.Count(["relationship", "sex"]), dt.Count(["sex", "age"]), dt.Count(["education", "race"])],
        binning={"age": [17, 30, 50, 91], "sex": [0, 1]},
    ))
    calls = _no_resampling(marginals, monkeypatch)
    sample = marginals.sample(1000, seed=1)
    assert calls == [1000] and _allowed(marginals, sample) and sample.columns == adult.columns


def test_formulas_and_other_constraints_read_the_members(adult: pl.DataFrame) -> None:
    frame = adult.with_columns((pl.col("education-num") * 2).alias("score"))
    spec = {"constraints": [EDUCATION, {"kind": "formula", "column": "score", "expression": "`education-num` * 2"},
                            {"kind": "implication", "if": "sex == 'Female'", "then": "relationship != 'Husband'"},
                            {"kind": "range", "column": "education-num", "low": 3, "high": None}]}
    model = _fit(frame, spec, family="copula")
    sample = model.sample(2000, seed=1)
    assert sample.columns == frame.columns and (sample["score"] == sample["education-num"] * 2).all()
    assert (sample["education-num"] >= 3).all() and _allowed(model, sample)
    assert sample.filter((pl.col("sex") == "Female") & (pl.col("relationship") == "Husband")).height == 0
    with pytest.raises(ConditionError, match="outside the declared range"):
        model.sample(10, seed=1, conditions={"education-num": 2})


def test_a_declared_value_of_the_wrong_dtype_is_refused(adult: pl.DataFrame) -> None:
    spec = {"constraints": [{**EDUCATION, "combinations": [["Bachelors", 13], ["Masters", "fourteen"]]}]}
    with pytest.raises(dt.errors.ConstraintError, match=r"\['Masters', 'fourteen'\] holds 'fourteen' for column 'education-num'"):
        _fit(adult, spec)


@pytest.mark.parametrize("row", ["allowed", "not_allowed", "new_city", "missing"])
def test_dp_one_row_decides_no_field_of_the_joint(row: str) -> None:
    """The neighbouring-table harness (tests/privacy/neighbours.py): under differential
    privacy, one added row (an allowed combination, one outside the declared list, a city no
    combination has, missing cells) decides no field of the file."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "privacy"))
    from neighbours import compare

    rng = np.random.default_rng(4)
    n = 1500
    declared = [["Utrecht", "UT"], ["Amersfoort", "UT"], ["Leiden", "ZH"], ["Delft", "ZH"]]
    pick = rng.choice(len(declared), n)
    frame = pl.DataFrame({"city": [declared[i][0] for i in pick], "province": [declared[i][1] for i in pick],
                          "x": rng.normal(size=n)})
    spec = {"constraints": [{"kind": "fixed_combinations", "columns": ["city", "province"], "combinations": declared}],
            "columns": {"x": {"bounds": [-4, 4]}}}
    extra = {"allowed": {"city": "Delft", "province": "ZH", "x": 0.1},
             "not_allowed": {"city": "Delft", "province": "UT", "x": 0.1},
             "new_city": {"city": "Gouda", "province": "ZH", "x": 0.1}, "missing": {}}[row]
    c = compare(frame, extra, privacy=lambda: dt.privacy.DifferentialPrivacy(epsilon=3.0, delta=1e-6), spec=spec, refits=3)
    assert c.errors() == [] and c.confirmed_leaks() == {}
