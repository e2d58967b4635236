"""KeySets: public domains over one or several columns, their algebra, and the marginals
family keeping a KeySet's structural zeros by construction."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import ConstraintError, DatatwinWarning, SpecError
from datatwin.models.dpmarginals import keysets as keysets_module
from datatwin.models.dpmarginals.keysets import KeySet

DP = dt.privacy.DifferentialPrivacy(epsilon=2, delta=1e-6)


def _sex_pregnant() -> KeySet:
    both = KeySet.from_values("sex", ["female", "male", "other"]) * KeySet.from_values("pregnant", [False, True])
    return both - KeySet.from_table({"sex": ["male", "other"], "pregnant": [True, True]})


@pytest.fixture(scope="module")
def people() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    n = 6_000
    sex = rng.choice(["female", "male"], n)
    pregnant = (sex == "female") & (rng.random(n) < 0.15)
    pregnant[:4] = True  # a few real rows break the structural zero (male and pregnant)
    return pl.DataFrame({"sex": sex, "pregnant": pregnant, "age": rng.integers(18, 60, n)})


# -- the algebra ------------------------------------------------------------------------------
def test_product_and_subtraction() -> None:
    ks = _sex_pregnant()
    assert ks.columns == ("sex", "pregnant")
    assert ks.rows == (("female", False), ("female", True), ("male", False), ("other", False))
    assert len(ks) == 4
    # subtraction over a subset of the columns removes every row agreeing on them
    assert (ks - KeySet.from_values("sex", ["female"])).rows == (("male", False), ("other", False))


def test_from_table_polars_mapping_and_pandas() -> None:
    towns = pl.DataFrame({"region": ["N", "N", "S", "N"], "town": ["a", "b", "c", "a"], "pop": [1, 2, 3, 1]})
    ks = KeySet.from_table(towns, ["region", "town"])
    assert ks.rows == (("N", "a"), ("N", "b"), ("S", "c"))  # distinct rows, in order
    assert KeySet.from_table(towns).columns == ("region", "town", "pop")
    assert KeySet.from_table({"region": ["N", "S"], "town": ["a", "c"]}).rows == (("N", "a"), ("S", "c"))
    pd = pytest.importorskip("pandas")
    assert KeySet.from_table(pd.DataFrame({"region": ["N", "S"], "town": ["a", "c"]})).rows == (("N", "a"), ("S", "c"))


def test_round_trip_and_values() -> None:
    ks = _sex_pregnant()
    assert KeySet.from_dict(ks.to_dict()) == ks
    assert KeySet.from_values("age", range(3)).values() == [0, 1, 2]
    assert KeySet.from_values("age", [np.int64(1), 1, 2]).rows == ((1,), (2,))  # numpy scalars, repeats dropped


@pytest.mark.parametrize("make, match", [
    (lambda: KeySet(["a"], []), "is empty"),
    (lambda: KeySet(["a", "a"], [(1, 2)]), "named twice"),
    (lambda: KeySet(["a", "b"], [(1,)]), "one value per column"),
    (lambda: KeySet("a", [(1,)]), "'columns' must be a list"),
    (lambda: KeySet.from_values("a", "abc"), "list \\(or range\\)"),
    (lambda: KeySet.from_values("a", [1]) * KeySet.from_values("a", [2]), "both sides hold column 'a'"),
    (lambda: KeySet.from_values("a", [1]) - KeySet.from_values("b", [1]), "'b' is not a column"),
    (lambda: KeySet.from_values("a", [1]) - KeySet.from_values("a", [1]), "removes every row"),
    (lambda: KeySet.from_table({"a": [1, 2], "b": [1]}), "different lengths"),
    (lambda: KeySet.from_table(pl.DataFrame({"a": [1]}), ["b"]), "no column 'b'"),
    (lambda: KeySet.from_table([(1, 2)]), "polars or pandas frame"),
    (lambda: KeySet.from_dict({"columns": ["a"]}), "columns = \\[...\\], rows"),
    (lambda: KeySet(["a", "b"], [(1, [2, 3])]), "holds a value that is not a number"),
    (lambda: KeySet.from_values("a", [1, 2]).values() and KeySet(["a", "b"], [(1, 2)]).values(), "has several columns"),
])
def test_keyset_errors(make, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        make()


def test_keyset_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keysets_module, "MAX_KEYSET_ROWS", 10)
    with pytest.raises(SpecError, match="more than 10 rows"):
        KeySet.from_values("a", range(11))
    with pytest.raises(SpecError, match="12 combinations, more than 10"):
        KeySet.from_values("a", range(3)) * KeySet.from_values("b", range(4))


# -- the family's keysets= ------------------------------------------------------------------
def test_keysets_forms_give_the_same_family() -> None:
    ks = _sex_pregnant()
    forms = [
        {("sex", "pregnant"): ks, "age": range(18, 60)},
        {("sex", "pregnant"): list(ks.rows), "age": KeySet.from_values("age", range(18, 60))},
        {("sex", "pregnant"): pl.DataFrame(list(ks.rows), schema=["sex", "pregnant"], orient="row"), "age": range(18, 60)},
    ]
    settings = [dt.families.Marginals(keysets=f).settings() for f in forms]
    assert settings[0] == settings[1] == settings[2]
    assert settings[0]["keyset_tables"] == [ks.to_dict()] and settings[0]["keysets"] == {"age": list(range(18, 60))}
    listed = dt.families.Marginals(keysets=[ks.to_dict()])  # a spec file's form
    assert listed.keyset_tables == [ks]
    assert dt.families.Marginals(**dt.families.Marginals(keysets=ks).settings()).keyset_tables == [ks]


@pytest.mark.parametrize("keysets, match", [
    ({"sex": ["a"], ("sex", "pregnant"): [("a", True)]}, "column 'sex' is in two keysets"),
    ({("sex", "pregnant"): KeySet.from_values("sex", ["a"])}, "is over \\['sex'\\], not \\['sex', 'pregnant'\\]"),
    ({"sex": KeySet.from_values("age", [1])}, "is over \\['age'\\], not 'sex'"),
    ({3: [1]}, "a key is a column name or a tuple"),
    (5, "must be a mapping of columns"),
])
def test_keysets_setting_errors(keysets, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        dt.families.Marginals(keysets=keysets)


# -- fitting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("privacy", [DP, None], ids=["dp", "none"])
def test_structural_zeros_hold_in_every_row(people: pl.DataFrame, privacy, tmp_path) -> None:
    family = dt.families.Marginals(keysets={("sex", "pregnant"): _sex_pregnant(), "age": range(18, 60)})
    if privacy is None:  # real rows outside the KeySet are reported (not under dp: that would depend on them)
        with pytest.warns(DatatwinWarning, match="fixed_combinations of sex, pregnant: 3 of 6,000 rows"):
            model = dt.fit(people, family=family, privacy=privacy)
    else:
        model = dt.fit(people, family=family, privacy=privacy)
    synth = model.sample(30_000, seed=3)
    assert synth.columns == people.columns and synth.schema == people.schema
    assert synth.filter((pl.col("sex") != "female") & pl.col("pregnant")).height == 0
    assert set(synth["sex"].unique()) <= {"female", "male", "other"}
    pregnant_women = synth.filter(pl.col("sex") == "female")["pregnant"].mean()
    assert 0.10 < pregnant_women < 0.20  # real: 0.15; the noise at eps = 2 on 6,000 rows is far smaller
    if privacy is not None:  # the joint column's labels are the KeySet's rows: public, from the spec
        whats = [line["what"] for line in model.to_dict()["privacy"]["ledger"]]
        assert "sex × pregnant: labels (4) from the spec" in whats
    (constraint,) = model.to_dict()["constraints"]
    assert constraint["kind"] == "fixed_combinations" and constraint["columns"] == ["sex", "pregnant"]
    assert constraint["combinations"] == [list(r) for r in _sex_pregnant().rows]
    path = tmp_path / "m.json"
    model.save(path)
    assert dt.load(path).sample(2_000, seed=9).equals(model.sample(2_000, seed=9))


def test_keyset_in_a_spec_dict(people: pl.DataFrame) -> None:
    spec = {"family": {"name": "marginals", "keysets": [_sex_pregnant().to_dict()]}}
    model = dt.fit(people.drop("age"), spec, privacy=DP)
    synth = model.sample(10_000, seed=1)
    assert synth.filter((pl.col("sex") != "female") & pl.col("pregnant")).height == 0


@pytest.mark.parametrize("rows, match", [
    ([("female", "30")], "holds '30' for column 'age'"),
    ([("female", 30.5)], "holds 30.5 for column 'age'"),
    ([(1, 30)], "holds 1 for column 'sex'"),
])
def test_keyset_value_of_the_wrong_type(people: pl.DataFrame, rows, match: str) -> None:
    family = dt.families.Marginals(keysets={("sex", "age"): rows})
    with pytest.raises(ConstraintError, match=match):
        dt.fit(people, family=family, privacy=DP)


def test_keyset_naming_an_unknown_column(people: pl.DataFrame) -> None:
    with pytest.raises(ConstraintError, match="unknown column 'agee'"):
        dt.fit(people, family=dt.families.Marginals(keysets={("sex", "agee"): [("female", 30)]}), privacy=DP)


def test_one_joint_column_alone(people: pl.DataFrame) -> None:
    """A table whose only modelled column is a KeySet's joint column: no tree, still fitted."""
    model = dt.fit(people.drop("age"), family=dt.families.Marginals(keysets=_sex_pregnant()), privacy=DP)
    assert model.sample(100, seed=0).height == 100


def test_keysets_from_a_toml_spec_on_the_command_line(people: pl.DataFrame, tmp_path, run_cli) -> None:
    data = tmp_path / "people.csv"
    people.write_csv(data)
    spec = tmp_path / "people.toml"
    spec.write_text(
        '[family]\nname = "marginals"\n'
        'keyset_tables = [{columns = ["sex", "pregnant"], rows = [["female", false], ["female", true], ["male", false]]}]\n'
        '[family.keysets]\nage = [' + ", ".join(str(a) for a in range(18, 60)) + "]\n"
    )
    model_path = tmp_path / "m.json"
    code, out, err = run_cli(["fit", str(data), "--spec", str(spec), "--privacy", "dp", "--epsilon", "2",
                              "--delta", "1e-6", "-o", str(model_path)])
    assert code == 0, err
    code, out, err = run_cli(["inspect", str(model_path)])
    assert code == 0 and "fixed_combinations of sex, pregnant, 3 combinations, held by construction" in out
    synth = dt.load(model_path).sample(10_000, seed=2)
    assert synth.filter((pl.col("sex") == "male") & pl.col("pregnant")).height == 0


@pytest.mark.parametrize("row", ["inside", "outside", "unlisted_value", "missing"])
def test_dp_one_row_decides_no_field_with_a_keyset(row: str) -> None:
    """The neighbouring-table harness (tests/privacy/neighbours.py) on a KeySet over two
    columns under dp: one added row inside the KeySet, outside it (a structural zero), with a
    value no row of the KeySet has, or all missing, decides no field of the file."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "privacy"))
    from neighbours import compare

    rng = np.random.default_rng(6)
    n = 1_500
    sex = rng.choice(["female", "male"], n)
    frame = pl.DataFrame({"sex": sex, "pregnant": (sex == "female") & (rng.random(n) < 0.2)})
    family = dt.families.Marginals(keysets=_sex_pregnant())
    extra = {"inside": {"sex": "female", "pregnant": True}, "outside": {"sex": "male", "pregnant": True},
             "unlisted_value": {"sex": "robot", "pregnant": False}, "missing": {}}[row]
    c = compare(frame, extra, privacy=lambda: dt.privacy.DifferentialPrivacy(epsilon=3.0, delta=1e-6),
                family=family, refits=3)
    assert c.errors() == [] and c.confirmed_leaks() == {}
