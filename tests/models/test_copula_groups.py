"""Categorical columns in groups: two latent directions for one column (copula family)."""

from __future__ import annotations

import copy

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import ModelFileError


@pytest.fixture(scope="module")
def household() -> pl.DataFrame:
    """Adult's relationship in miniature: married or not follows one column, and within the
    married, husband or wife follows sex — two directions no single label order expresses."""
    rng = np.random.default_rng(3)
    n = 6000
    married = rng.random(n) < 0.5
    male = rng.random(n) < 0.6
    single = rng.choice(["child", "alone", "other"], n, p=[0.4, 0.4, 0.2])
    role = np.where(married, np.where(male, "husband", "wife"), single)
    status = np.where(married, np.where(rng.random(n) < 0.95, "married", "divorced"),
                      np.where(rng.random(n) < 0.8, "never", "divorced"))
    age = np.where(single == "child", 20, 45) + rng.normal(0, 6, n)
    return pl.DataFrame({"role": role, "sex": np.where(male, "m", "f"), "status": status, "age": age.round(1)})


@pytest.fixture(scope="module")
def model(household: pl.DataFrame) -> dt.Model:
    return dt.fit(household, family="copula")


def _share(frame: pl.DataFrame, role: str, sex: str) -> float:
    rows = frame.filter(pl.col("role") == role)
    return float((rows["sex"] == sex).mean())


def test_a_column_with_two_directions_is_put_in_groups(model: dt.Model) -> None:
    axis = next(d for d in model.fitted.dimensions if d.column == "role" and d.group)
    first = set(axis.order[: axis.groups[0]])
    assert first in ({"husband", "wife"}, {"child", "alone", "other"}), axis
    parts = [d for d in model.fitted.dimensions if d.column == "role" and d.part is not None]
    assert [p.part for p in parts] == [0, 1]
    assert not any(d.column == "role" and d.kind == "value" for d in model.fitted.dimensions)
    text = "\n".join(model.fitted.describe())
    assert "role: labels in groups [" in text


def test_groups_keep_both_associations_and_the_marginal(household: pl.DataFrame, model: dt.Model) -> None:
    synth = model.sample(40_000, seed=1)
    # husbands are men and wives women (one axis: one of the two is lost); 40,000 rows put
    # the sampling sd of these shares below 0.005, so 0.1 is a margin of 20 sd
    assert _share(synth, "husband", "m") > 0.9 and _share(synth, "wife", "f") > 0.9
    married = synth.filter(pl.col("role").is_in(["husband", "wife"]))
    assert float((married["status"] == "married").mean()) > 0.85
    real = household["role"].value_counts(normalize=True).sort("role")["proportion"].to_numpy()
    fake = synth["role"].value_counts(normalize=True).sort("role")["proportion"].to_numpy()
    assert np.abs(real - fake).max() < 0.015  # each label keeps its probability


def test_the_label_lookup_and_its_fallback_draw_the_same_rows(model: dt.Model, monkeypatch: pytest.MonkeyPatch) -> None:
    from datatwin.models.copula import family

    tabulated = model.sample(70_000, seed=4)  # more than one block of latent rows
    monkeypatch.setattr(family, "_GROUP_TABLE_CELLS", 0)  # each group's label where drawn, as before the table
    assert tabulated.equals(model.sample(70_000, seed=4))
    assert set(tabulated["role"].unique()) == {"husband", "wife", "child", "alone", "other"}


def test_a_grade_that_follows_one_number_keeps_one_axis() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=4000)
    grade = np.array(["d", "a", "c", "b"])[np.digitize(x + rng.normal(0, 0.3, 4000), [-1.0, 0.0, 1.0])]
    model = dt.fit(pl.DataFrame({"x": x, "grade": grade, "y": x + rng.normal(size=4000)}), family="copula")
    dims = [d for d in model.fitted.dimensions if d.column == "grade"]
    assert [d.kind for d in dims] == ["value"]


@pytest.mark.parametrize("policy", ["dp", "disclosure"])
def test_private_policies_keep_one_axis(household: pl.DataFrame, policy: str) -> None:
    privacy = dt.privacy.DifferentialPrivacy(epsilon=5, delta=1e-9) if policy == "dp" else dt.privacy.DisclosureControl(k=5)
    model = dt.fit(household, family="copula", privacy=privacy)
    assert not any(d.group or d.part is not None for d in model.fitted.dimensions)


def test_conditioning_on_a_label_in_groups(model: dt.Model) -> None:
    rows = model.sample(5_000, seed=2, conditions={"role": "wife"})
    assert (rows["role"] == "wife").all()
    assert float((rows["sex"] == "f").mean()) > 0.9  # the group part's axis is conditioned too
    rows = model.sample(5_000, seed=2, conditions={"role": ["child", "husband"], "age": (15, 25)})
    assert rows["role"].is_in(["child", "husband"]).all() and rows["age"].is_between(15, 25).all()


def test_the_file_round_trip_and_hand_edits(model: dt.Model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.json"
    model.save(path)
    again = dt.load(path)
    assert again.sample(500, seed=4).equals(model.sample(500, seed=4))
    good = model.to_dict()
    index = next(i for i, d in enumerate(good["model"]["dimensions"]) if d.get("groups"))
    assert "order" not in good["model"]["dimensions"][index + 1]  # labels written once, on the group axis

    def refused(edit) -> str:  # type: ignore[no-untyped-def]
        bad = copy.deepcopy(good)
        edit(bad["model"]["dimensions"])
        with pytest.raises(ModelFileError) as info:
            dt.Model.from_dict(bad)
        return str(info.value)

    def wrong_sizes(dims) -> None:  # type: ignore[no-untyped-def]
        dims[index]["groups"] = [1, 1]

    def no_part(dims) -> None:  # type: ignore[no-untyped-def]
        dims[index + 2]["part"] = 1

    def part_out_of_range(dims) -> None:  # type: ignore[no-untyped-def]
        dims[index + 2]["part"] = 3

    assert "add up" in refused(wrong_sizes) and "role" in refused(wrong_sizes)
    assert "once" in refused(no_part)
    assert "for each of 1 to 2" in refused(part_out_of_range)
