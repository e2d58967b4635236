"""Categorical labels that fewer than k rows carry are not published unless the owner says so."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt


@pytest.fixture()
def frame() -> pl.DataFrame:
    # 'rare' x3 and 'odd' x2: below k = 10; the rest well above
    return pl.DataFrame({"city": ["Utrecht"] * 60 + ["Delft"] * 35 + ["rare"] * 3 + ["odd"] * 2})


def test_rare_text_labels_merge_into_other(frame: pl.DataFrame) -> None:
    model = dt.fit(frame)
    col = model.column("city")
    assert col.distribution.labels == ["Delft", "Utrecht", "other"]
    assert col.distribution.probs[-1] == pytest.approx(0.05)
    assert col.rare_labels == {"threshold": 10, "count": 2, "share": 0.05, "handling": "merged", "into": "other"}
    text = model.to_json()
    assert '"rare"' not in text and '"odd"' not in text
    synth = model.sample(20_000, seed=0)["city"]
    assert (synth == "other").mean() == pytest.approx(0.05, abs=0.01)
    # the bucket itself holds 5 rows, under k: reported (issue 10, item 6)
    assert [w.split(";")[0] for w in model.rare_label_warnings()] == [
        "column 'city': the 'other' bucket of merged rare labels is held by about 5 row(s), fewer than 10"
    ]


def test_bucket_joins_a_real_label_of_the_same_name() -> None:
    frame = pl.DataFrame({"c": ["a"] * 50 + ["other"] * 20 + ["x"] * 4})
    dist = dt.fit(frame).column("c").distribution
    assert dist.labels == ["a", "other"] and dist.probs[1] == pytest.approx(24 / 74)


def test_custom_threshold_and_label(frame: pl.DataFrame) -> None:
    model = dt.fit(frame, {"rare_threshold": 3, "other_label": "(rest)"})
    assert model.column("city").distribution.labels == ["Delft", "Utrecht", "rare", "(rest)"]
    assert dt.fit(frame, {"rare_threshold": 1}).column("city").rare_labels is None


def test_keep_rare_keeps_them_and_warns(frame: pl.DataFrame, tmp_path: Path) -> None:
    model = dt.fit(frame, {"columns": {"city": {"keep_rare": True}}})
    assert "rare" in model.column("city").distribution.labels
    assert model.column("city").rare_labels["handling"] == "kept"
    warnings = model.rare_label_warnings()
    assert len(warnings) == 2 and warnings[0].startswith("column 'city': label 'odd' is held by about 2 row(s), fewer than 10")
    loaded = dt.load(model.save(tmp_path / "m.json"))
    assert loaded.rare_label_warnings() == warnings


def test_hand_edited_rare_label_is_reported(frame: pl.DataFrame, tmp_path: Path) -> None:
    data = json.loads(dt.fit(frame).to_json())
    params = data["columns"][0]["distribution"]["parameters"]
    params["labels"].append("Ede")
    params["probs"] = [0.34, 0.6, 0.05, 0.01]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert dt.load(path).rare_label_warnings()[-1] == (  # after the 5-row 'other' bucket's line
        "column 'city': label 'Ede' is held by about 1 row(s), fewer than 10; publishing it discloses that value "
        "(merge it, or refit without keep_rare)"
    )


def test_enum_rare_categories_share_their_mass_evenly() -> None:
    enum = pl.Enum(["low", "mid", "high", "extreme"])
    frame = pl.DataFrame({"level": pl.Series(["low"] * 50 + ["mid"] * 40 + ["high"] * 7 + ["extreme"] * 3).cast(enum)})
    model = dt.fit(frame)
    dist = model.column("level").distribution
    assert dist.labels == ["low", "mid", "high", "extreme"]
    assert dist.probs[2] == pytest.approx(0.05) and dist.probs[3] == pytest.approx(0.05)
    assert model.column("level").rare_labels["handling"] == "spread"
    assert model.sample(100, seed=1)["level"].dtype == enum


def test_integer_labels_are_dropped_or_refused() -> None:
    frame = pl.DataFrame({"k": [1] * 40 + [2] * 30 + [7] * 2})
    col = dt.fit(frame, {"columns": {"k": {"kind": "categorical"}}}).column("k")
    assert col.distribution.labels == [1, 2] and col.rare_labels["handling"] == "dropped"
    with pytest.raises(dt.ColumnError, match="column 'k': every label is held by fewer than 10 rows; set keep_rare"):
        dt.fit(pl.DataFrame({"k": [1, 2, 3, 1]}), {"columns": {"k": {"kind": "categorical"}}})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"rare_threshold": 0}, "'rare_threshold' must be an integer >= 1"),
        ({"other_label": ""}, "'other_label' must be non-empty text"),
        ({"columns": {"city": {"keep_rare": "yes"}}}, "'keep_rare' must be true or false"),
    ],
)
def test_bad_rare_options(frame: pl.DataFrame, spec: dict, message: str) -> None:
    with pytest.raises(dt.SpecError, match=message):
        dt.fit(frame, spec)


def test_adult_single_person_country_is_not_published(adult_path: Path) -> None:
    model = dt.fit(adult_path, missing_values=["?"])
    text = model.to_json()
    assert "Holand-Netherlands" not in text  # one row in 32,561
    assert model.column("native-country").rare_labels["into"] == "other"


def test_inspect_and_validate_warn_about_kept_rare_labels(frame: pl.DataFrame, tmp_path: Path, run_cli) -> None:
    kept = dt.fit(frame, {"columns": {"city": {"keep_rare": True}}}).save(tmp_path / "kept.json")
    code, out, err = run_cli(["validate", str(kept)])
    assert code == 0 and "valid" in out
    assert err.count("warning: column 'city': label") == 2 and "'odd'" in err
    code, out, err = run_cli(["inspect", str(kept)])
    assert code == 0 and err.count("warning:") == 2
    merged = dt.fit(frame).save(tmp_path / "merged.json")
    code, out, err = run_cli(["inspect", str(merged)])
    # the 'other' bucket itself holds 5 rows, under k (issue 10, item 6)
    assert code == 0 and err.count("warning:") == 1 and "'other' bucket" in err
    assert "rare labels in city: 2 held by fewer than 10 rows, into 'other' (5.00% of rows)" in out


def test_a_small_other_bucket_is_reported() -> None:
    """The merged bucket is checked against k too (issue 10, item 6): one rare row gives a
    bucket share of 1 / n, a count under k."""
    frame = pl.DataFrame({"c": ["a"] * 60 + ["b"] * 40 + ["zebra"]})
    lines = dt.fit(frame).rare_label_warnings()
    assert lines == [
        "column 'c': the 'other' bucket of merged rare labels is held by about 1 row(s), fewer than 10; its share "
        "tells how many rows hold rare values (the disclosure policy recodes such a bucket into the most frequent label)"
    ]
    assert dt.fit(frame, privacy="disclosure").rare_label_warnings() == []


def test_bounded_candidates_scores_are_left_out_when_an_unbounded_family_wins() -> None:
    """issue 10, item 6: the discrete uniform's BIC is a function of log(max - min + 1); with a
    log-normal winning, that score would give the real range away."""
    rng = np.random.default_rng(0)
    x = rng.lognormal(10, 1, 3000).round().astype(int)
    col = dt.fit(pl.DataFrame({"x": x})).to_dict()["columns"][0]
    assert col["distribution"]["name"] == "discrete_lognormal"
    scores = col["selection"]["scores"]
    assert "poisson" in scores and "discrete_uniform" not in scores and "discrete_truncated_normal" not in scores
    # a bounded winner publishes its range anyway: the scores stay
    u = dt.fit(pl.DataFrame({"u": rng.uniform(3, 9, 3000)})).to_dict()["columns"][0]
    assert u["distribution"]["name"] == "uniform" and "uniform" in u["selection"]["scores"]
