"""Error messages that help a newcomer fix a typo: "did you mean", the column behind a JSON
path, and the distribution named as the file names it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import did_you_mean


@pytest.fixture()
def frame() -> pl.DataFrame:
    return pl.DataFrame({"age": [20, 31, 42, 35, 28, 51, 33, 47, 39, 60] * 3, "sex": ["F", "M", "M"] * 10})


def test_did_you_mean() -> None:
    assert did_you_mean("agee", ["age", "sex"]) == " (did you mean 'age'?)"
    assert did_you_mean(["agee"], ["age", "sex"]) == " (did you mean 'age'?)"
    assert did_you_mean(["agee", "sexx", "zzz"], ["age", "sex"]) == " (did you mean 'age' for 'agee', 'sex' for 'sexx'?)"
    assert did_you_mean("zzz", ["age", "sex"]) == ""


def test_misspelled_spec_column(frame: pl.DataFrame) -> None:
    with pytest.raises(dt.SpecError, match=r"^spec names column\(s\) \['agee'\] that are not in the data "
                                           r"\(did you mean 'age'\?\); columns are \['age', 'sex'\]$"):
        dt.fit(frame, spec={"columns": {"agee": {"kind": "discrete"}}})


def test_misspelled_spec_option(frame: pl.DataFrame) -> None:
    with pytest.raises(dt.SpecError, match=r"spec for column 'age': unknown option\(s\) \['distrbution'\] "
                                           r"\(did you mean 'distribution'\?\); allowed:"):
        dt.fit(frame, spec={"columns": {"age": {"distrbution": "poisson"}}})


def test_misspelled_distribution(frame: pl.DataFrame) -> None:
    with pytest.raises(dt.DatatwinError, match=r"unknown distribution 'discrete_normall' "
                                               r"\(did you mean 'discrete_normal'\?\); known: bernoulli, "):
        dt.fit(frame, spec={"columns": {"age": {"distribution": "discrete_normall"}}})


def test_misspelled_policy_and_family(frame: pl.DataFrame, run_cli, tmp_path: Path) -> None:
    with pytest.raises(dt.PrivacyError, match=r"unknown privacy policy 'dpp' \(did you mean 'dp'\?\); known policies"):
        dt.fit(frame, privacy="dpp")
    with pytest.raises(dt.SpecError, match=r"unknown model family 'copulaa' \(did you mean 'copula'\?\); known families"):
        dt.fit(frame, family="copulaa")
    with pytest.raises(dt.SpecError, match=r"unknown model family 'zzz'; known families"):  # nothing close: no guess
        dt.fit(frame, family="zzz")
    data = tmp_path / "d.csv"
    frame.write_csv(data)
    code, _, err = run_cli(["fit", str(data), "-o", str(tmp_path / "m.json"), "--privacy", "disclosur"])
    assert code == 1 and err.startswith("error: unknown privacy policy 'disclosur' (did you mean 'disclosure'?)")
    model = dt.fit(frame).to_dict()
    model["model"]["family"] = "indepedent"
    (tmp_path / "f.json").write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(dt.ModelFileError, match=r"\$\.model\.family: unknown model family 'indepedent' "
                                                r"\(did you mean 'independent'\?\)"):
        dt.load(tmp_path / "f.json")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda c: c[1].update(kind="text"), "$.columns[1].kind (column 'sex'): 'text' is not one of"),
        (lambda c: c[0]["distribution"]["parameters"].update(sigma=-1.0),
         "$.columns[0].distribution (column 'age'): discrete_truncated_normal: parameter 'sigma' must be > 0"),
        (lambda c: c[0]["distribution"]["parameters"].update(lower=90.0, upper=17.0),
         "$.columns[0].distribution (column 'age'): discrete_truncated_normal: 'upper' must be > 'lower'. "
         "Got lower=90.0, upper=17.0."),
        (lambda c: c[1].update(unique=True), "$.columns[1].unique (column 'sex'): a categorical column cannot be unique"),
        (lambda c: c.append(dict(c[0])), "$.columns[2].name (column 'age'): duplicate column name 'age'"),
    ],
)
def test_json_path_errors_name_the_column(frame: pl.DataFrame, tmp_path: Path, run_cli, edit, expected: str) -> None:
    data = dt.fit(frame, spec={"columns": {"age": {"distribution": "discrete_truncated_normal"}}}).to_dict()
    edit(data["columns"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(dt.ModelFileError) as info:
        dt.load(bad)
    assert info.value.path == expected.split(" ")[0]  # the path itself stays a JSON path
    assert info.value.column == expected.split("'")[1]
    code, _, err = run_cli(["validate", str(bad)])
    assert code == 1 and err.startswith(f"error: {bad}: {expected}")


def test_nan_error_names_the_column(frame: pl.DataFrame, tmp_path: Path) -> None:
    data = dt.fit(frame).to_dict()
    bad = tmp_path / "nan.json"
    bad.write_text(json.dumps(data).replace('"prop_missing": 0.0', '"prop_missing": NaN', 1), encoding="utf-8")
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[0\]\.prop_missing \(column 'age'\): NaN"):
        dt.load(bad)
