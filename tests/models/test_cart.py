"""The sequential CART family: relationships kept, leaves that publish distributions (never
rows or counts under k), an auditable tree file, and clear errors for bad settings and edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import DatatwinWarning, ModelFileError, SpecError


@pytest.fixture(scope="module")
def related() -> pl.DataFrame:
    """A code fully determined by a label, a number depending on both, a missingness that
    depends on the label, and a noise column."""
    rng = np.random.default_rng(3)
    n = 4000
    level = rng.choice(["low", "mid", "high"], n, p=[0.5, 0.3, 0.2])
    code = pl.Series(level).replace_strict({"low": 1, "mid": 2, "high": 3}, return_dtype=pl.Int64)
    income = np.where(level == "high", 80.0, np.where(level == "mid", 50.0, 20.0)) + rng.normal(0, 5, n)
    missing = (level == "low") & (rng.random(n) < 0.6)
    return pl.DataFrame({
        "level": level,
        "code": code,
        "income": pl.Series(np.where(missing, np.nan, income.round(2))).fill_nan(None),
        "noise": rng.normal(size=n).round(3),
    })


@pytest.fixture(scope="module")
def model(related: pl.DataFrame) -> dt.Model:
    return dt.fit(related, family="cart")


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    if "split" in node:
        out += _nodes(node["left"]) + _nodes(node["right"])
    return out


def test_a_determined_column_stays_consistent(related: pl.DataFrame, model: dt.Model) -> None:
    synth = model.sample(20_000, seed=1)
    expected = synth["level"].replace_strict({"low": 1, "mid": 2, "high": 3}, return_dtype=pl.Int64)
    assert float((synth["code"] == expected).mean()) == 1.0


def test_numbers_follow_their_label_and_missingness_is_a_branch(related: pl.DataFrame, model: dt.Model) -> None:
    synth = model.sample(20_000, seed=2)
    by = synth.group_by("level").agg(pl.col("income").mean().alias("mean"), pl.col("income").is_null().mean().alias("na"))
    got = {r["level"]: (r["mean"], r["na"]) for r in by.iter_rows(named=True)}
    assert got["high"][0] == pytest.approx(80, abs=2.5) and got["low"][0] == pytest.approx(20, abs=2.5)
    # 60 % of "low" rows are missing, none of the others (binomial sd < 0.006 at these sizes)
    assert got["low"][1] == pytest.approx(0.6, abs=0.04) and got["high"][1] < 0.01


def test_the_model_file_holds_trees_no_rows_and_no_count_under_k(model: dt.Model, related: pl.DataFrame,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    model.save(path)
    d = json.loads(path.read_text())
    section = d["model"]
    assert section["family"] == "cart" and section["order"][0] in related.columns
    assert set(section["bins"]) == {"code", "income", "noise"}
    text = json.dumps(section)
    # no real number is copied into the trees: only probabilities, sizes and bin indices
    for value in related["income"].drop_nulls().head(200).to_list():
        assert f"{value}" not in text or value in (0.0, 1.0)
    for tree in section["trees"].values():
        if tree is None:
            continue
        for node in _nodes(tree):
            for cls, p in zip(node["classes"], node["probs"]):
                # every listed value (a label, a run of bins) is held by at least k = 10 of the node's
                # rows, up to the 5-decimal rounding; a missing share is not a value (published as is)
                assert cls is None or p * node["n"] >= 10 - 1e-4 * node["n"]
    assert dt.load(path).sample(500, seed=4).equals(model.sample(500, seed=4))


def test_inspect_shows_a_tree_readably(model: dt.Model, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.json"
    model.save(path)
    code, out, _ = run_cli(["inspect", str(path), "--column", "income"])
    text = " ".join(out.split())
    assert code == 0 and "income" in text and "n=" in text and "if level in {" in text or "if code <=" in text
    code, out, _ = run_cli(["inspect", str(path), "--column", model.fitted.order[0]])
    assert code == 0 and "from its marginal" in out
    code, _, err = run_cli(["inspect", str(path), "--column", "incme"])
    assert code == 1 and "'incme' is not a column" in err and "did you mean 'income'" in err
    code, out, _ = run_cli(["inspect", str(path)])
    assert code == 0 and "family cart" in out and "visit order" in out


def test_the_order_is_kept_and_completed(related: pl.DataFrame) -> None:
    fitted = dt.fit(related, family=dt.families.Cart(order=["noise", "income"])).fitted
    assert fitted.order[:2] == ["noise", "income"] and sorted(fitted.order) == sorted(related.columns)
    assert fitted.trees[0] is None and all(t is not None for t in fitted.trees[1:])


@pytest.mark.parametrize(("settings", "message"), [
    ({"order": ["level", "nope"]}, "'nope' is not a modelled column"),
    ({"order": ["level", "level"]}, "names ['level'] more than once"),
    ({"order": "level"}, "must be a list of column names"),
    ({"min_leaf": 0}, "'min_leaf' parameter of Cart must be an integer >= 1"),
    ({"min_leaf": 10_000}, "'min_leaf' parameter of Cart (10000) is larger than the table (4000 rows)"),
    ({"max_depth": 0}, "'max_depth' parameter of Cart must be an integer from 1 to 200 or None"),
    ({"max_leaves": 1}, "'max_leaves' parameter of Cart must be an integer from 2 to 1000000 or None"),
    ({"complexity": -1}, "'complexity' parameter of Cart must be a number from 0 to 1"),
    ({"bins": 1}, "'bins' parameter of Cart must be an integer from 2 to 1000"),
])
def test_bad_settings_name_the_parameter(related: pl.DataFrame, settings: dict, message: str) -> None:
    with pytest.raises(SpecError) as exc:
        dt.fit(related, family=dt.families.Cart(**settings))
    assert message in str(exc.value)


def test_an_order_naming_a_column_no_tree_can_draw() -> None:
    frame = pl.DataFrame({"id": [f"u{i:05d}" for i in range(300)], "x": np.arange(300) % 7})
    with pytest.raises(SpecError, match="column 'id' cannot be drawn by a tree"):
        dt.fit(frame, family=dt.families.Cart(order=["id", "x"]))


def test_a_target_with_one_value_and_a_tiny_table() -> None:
    frame = pl.DataFrame({"const": ["a"] * 200, "x": np.arange(200) % 5, "y": (np.arange(200) % 5) * 2})
    fitted = dt.fit(frame, family="cart").fitted
    assert "const" not in fitted.order and any(e["column"] == "const" for e in fitted.independent)
    tiny = pl.DataFrame({"x": np.arange(30) % 3, "g": ["a", "b", "c"] * 10})
    with pytest.warns(DatatwinWarning, match="30 rows are too few for trees"):
        model = dt.fit(tiny, family="cart")
    assert model.sample(100, seed=1).height == 100


def _hand_edit(model: dt.Model, edit) -> dict:  # type: ignore[no-untyped-def]
    d = json.loads(model.to_json())
    edit(d["model"])
    return d


def _first_split(section: dict) -> tuple[str, dict]:
    for name, tree in section["trees"].items():
        if tree is not None and "split" in tree:
            return name, tree
    raise AssertionError("no tree with a split")


def test_hand_edited_trees_are_refused(model: dt.Model) -> None:
    order = model.fitted.order

    def later_column(section: dict) -> None:
        name, tree = _first_split(section)
        tree["split"]["column"] = order[-1] if name != order[-1] else order[-2]

    def unknown_label(section: dict) -> None:
        for tree in section["trees"].values():
            for node in _nodes(tree) if tree else []:
                if "split" in node and node["split"].get("left"):
                    node["split"]["left"][0] = "no such label"
                    return
        raise AssertionError("no split on labels")

    def bad_bin(section: dict) -> None:
        for tree in section["trees"].values():
            for node in _nodes(tree) if tree else []:
                if node["classes"] and isinstance(node["classes"][0], list):
                    node["classes"][0] = [0, 10_000]
                    return
        raise AssertionError("no leaf over bins")

    def bad_sum(section: dict) -> None:
        _, tree = _first_split(section)
        tree["left"]["probs"] = [0.9 for _ in tree["left"]["probs"]] or [0.5]
        tree["left"]["classes"] = tree["left"]["classes"] or [None]

    for edit, message, path in [
        (later_column, "not a column before", ".split.column"),
        (unknown_label, "'no such label' is not a label of column", ".split.left[0]"),
        (bad_bin, "is not a range [first, last] of bins", ".classes[0]"),
        (bad_sum, "must sum to 1", ".left"),
    ]:
        with pytest.raises(ModelFileError) as exc:
            dt.Model.from_dict(_hand_edit(model, edit))
        assert message in str(exc.value) and path in exc.value.path, (message, str(exc.value), exc.value.path)


def test_disclosure_control_rounds_sizes_and_shares() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    g = rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
    x = rng.choice(["u", "v", "w"], n) if False else np.where(rng.random(n) < 0.8, g, "z")
    model = dt.fit(pl.DataFrame({"g": g, "x": x, "y": rng.poisson(4, n)}), family="cart",
                   privacy=dt.privacy.DisclosureControl(k=10))
    section = model.to_dict()["model"]
    for tree in section["trees"].values():
        for node in _nodes(tree) if tree else []:
            assert node["n"] % 5 == 0
            shares = node["probs"] + [node.get("rest", 0.0)]
            assert all(abs(round(p, 2) - p) < 1e-12 for p in shares) and sum(shares) == pytest.approx(1.0)
            assert node.get("rest", 0.0) == 0.0 or node["rest"] * node["n"] >= 10 - 2.5  # a pool under k is dropped


def test_differential_privacy_is_refused_with_the_way_out(related: pl.DataFrame) -> None:
    with pytest.raises(SpecError, match="family cart has no differential-privacy accounting.*family='marginals'"):
        dt.fit(related, family="cart", privacy=dt.privacy.DifferentialPrivacy(epsilon=1, delta=1e-9))


def test_frequency_weights_count_rows(related: pl.DataFrame) -> None:
    weighted = related.head(1000).with_columns(pl.lit(3).alias("w"))
    model = dt.fit(weighted, {"weight_column": "w"}, family="cart")
    assert model.n_rows == 3000 and model.sample(200, seed=1).height == 200


@pytest.mark.slow
def test_adult_education_and_income_relationships(adult_path: Path) -> None:
    frame = pl.read_csv(adult_path, null_values=["?"])
    model = dt.fit(frame, family="cart")
    synth = model.sample(50_000, seed=3)
    pairs = frame.select("education", "education-num").unique()
    consistent = synth.join(pairs, on=["education", "education-num"], how="semi").height / synth.height
    assert consistent >= 0.995
    young = synth.filter(pl.col("age") < 20)
    assert float((young["relationship"] == "Husband").mean()) < 0.02  # no teenage husbands en masse


def test_conditions_are_met_and_earlier_columns_follow(related: pl.DataFrame, model: dt.Model) -> None:
    # whatever the order, conditioning on income must move level as the model's own law does:
    # the conditioned rows against the unconditioned rows that happen to meet the condition
    synth = model.sample(4000, seed=3, conditions={"income": (70.0, 90.0)})
    assert synth["income"].is_between(70.0, 90.0).all()
    law = model.sample(200_000, seed=8).filter(pl.col("income").is_between(70.0, 90.0))
    share, expected = float((synth["level"] == "high").mean()), float((law["level"] == "high").mean())
    assert share > 0.75 and abs(share - expected) < 0.05  # binomial sd about 0.006; candidates' bias smaller
    synth = model.sample(2000, seed=4, conditions={"code": 3})
    assert (synth["code"] == 3).all() and (synth["level"] == "high").all()
    synth = model.sample(2000, seed=5, conditions={"income": None})
    assert synth["income"].is_null().all() and (synth["level"] == "low").all()  # only "low" rows miss it


def test_condition_rows_and_an_impossible_condition(related: pl.DataFrame, model: dt.Model) -> None:
    rows = related.head(30).select("level")
    synth = model.sample(30, seed=6, conditions=rows)
    assert synth["level"].equals(rows["level"])
    expected = synth["level"].replace_strict({"low": 1, "mid": 2, "high": 3}, return_dtype=pl.Int64)
    assert (synth["code"] == expected).all()
    from datatwin.errors import ConditionError

    with pytest.raises(ConditionError, match="could not be drawn meeting|probability"):
        model.sample(100, seed=7, conditions={"level": "high", "code": 1})
