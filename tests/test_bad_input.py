"""Every kind of bad input gets a DatatwinError subclass that names what is wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- data files -------------------------------------------------------------------
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(dt.InputFileError, match=r"nope\.csv' does not exist"):
        dt.fit(tmp_path / "nope.csv")


def test_unreadable_file(tmp_path: Path) -> None:
    bad = _write(tmp_path / "broken.parquet", "this is not parquet")
    with pytest.raises(dt.InputFileError, match=r"broken\.parquet' could not be read as parquet"):
        dt.fit(bad)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(dt.InputFileError, match="is a directory"):
        dt.fit(tmp_path)


def test_unsupported_extension(tmp_path: Path) -> None:
    with pytest.raises(dt.InputFileError, match=r"unsupported extension '\.docx'.*\.csv"):
        dt.fit(_write(tmp_path / "data.docx", "x"))


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(dt.DataError, match="is empty"):
        dt.fit(_write(tmp_path / "empty.csv", ""))


def test_header_only_file_has_zero_rows(tmp_path: Path) -> None:
    with pytest.raises(dt.DataError, match="has no rows"):
        dt.fit(_write(tmp_path / "header.csv", "a,b\n"))


def test_zero_row_frame() -> None:
    with pytest.raises(dt.DataError, match="has no rows"):
        dt.fit(pl.DataFrame({"a": pl.Series([], dtype=pl.Int64)}))


def test_duplicate_column_names_in_csv(tmp_path: Path) -> None:
    with pytest.raises(dt.DataError, match=r"duplicate column name\(s\) \['a'\]"):
        dt.fit(_write(tmp_path / "dup.csv", "a,b,a\n1,2,3\n"))


def test_duplicate_column_names_in_pandas() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([[1, 2]], columns=["x", "x"])
    with pytest.raises(dt.DataError, match=r"duplicate column name\(s\) \['x'\]"):
        dt.fit(frame)


def test_pandas_object_column_of_mixed_types() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"ok": [1, 2, 3], "mixed": [1, "two", 3.0]})
    with pytest.raises(dt.ColumnError, match=r"column 'mixed': mixes values of types \['float', 'int', 'str'\]"):
        dt.fit(frame)


def test_pandas_and_arrow_frames_are_accepted() -> None:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"x": [1.5, 2.5, None, 4.0] * 5, "c": ["a", "b", "a", None] * 5})
    model = dt.fit(frame)
    assert [c.kind for c in model.columns] == ["continuous", "categorical"]
    assert model.column("x").prop_missing == pytest.approx(0.25)
    assert dt.fit(pa.table({"x": [1, 2, 3] * 4})).column("x").kind == "discrete"


def test_nested_columns_are_skipped_with_a_warning_and_recorded() -> None:
    frame = pl.DataFrame({"x": [1, 2, 3] * 4, "tags": [["a"], ["b", "c"], []] * 4, "s": [{"k": 1}] * 12})
    with pytest.warns(dt.DatatwinWarning) as caught:
        model = dt.fit(frame)
    messages = [str(w.message) for w in caught]
    assert messages[0].startswith("column 'tags' skipped: nested type List(String) is not supported")
    assert messages[1].startswith("column 's' skipped: nested type Struct")
    assert [c.name for c in model.columns] == ["x"]
    assert [s["name"] for s in model.to_dict()["skipped"]] == ["tags", "s"]


def test_nan_is_missing_with_a_warning() -> None:
    frame = pl.DataFrame({"x": [1.5, float("nan"), 2.5, 3.25, None] * 4})
    with pytest.warns(dt.DatatwinWarning, match=r"column 'x': 4 NaN value\(s\) are treated as missing"):
        model = dt.fit(frame)
    assert model.column("x").prop_missing == pytest.approx(0.4)


@pytest.mark.parametrize("bad", [float("inf"), float("-inf")])
def test_infinite_values_are_an_error_naming_the_column(bad: float) -> None:
    frame = pl.DataFrame({"ok": [1.0, 2.0, 3.0], "x": [1.0, bad, 2.0]})
    with pytest.raises(dt.ColumnError, match=r"column 'x': has 1 infinite value\(s\).*missing_values"):
        dt.fit(frame)


def test_infinite_values_can_be_declared_missing() -> None:
    frame = pl.DataFrame({"x": [1.0, float("inf"), 2.0, 2.5]})
    model = dt.fit(frame, {"columns": {"x": {"missing_values": ["inf", "-inf"]}}})
    assert model.column("x").prop_missing == 0.25


def test_100k_distinct_labels_are_not_published_as_categories() -> None:
    labels = pl.Series("code", [f"L{i:06d}" for i in range(100_000)])
    model = dt.fit(pl.DataFrame({"code": labels.cast(pl.Categorical)}))
    col = model.column("code")
    assert col.kind == "string" and col.distribution.name in ("random_string", "pattern")
    assert "L000001" not in model.to_json()
    assert model.sample(10, seed=0)["code"].dtype == pl.Categorical
    with pytest.raises(dt.ColumnError, match=r"column 'code': has 100000 distinct labels, more than max_categories=1000"):
        dt.fit(pl.DataFrame({"code": labels}), {"columns": {"code": {"kind": "categorical"}}})


# -- specs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"columns": {"nope": {}}}, r"spec names column\(s\) \['nope'\] that are not in the data"),
        ({"columns": {"x": {"colour": "red"}}}, r"spec for column 'x': unknown option\(s\) \['colour'\]"),
        ({"columns": {"x": {"kind": "nonsense"}}}, r"spec for column 'x': 'kind' must be one of"),
        ({"columns": {"x": {"unique": "yes"}}}, r"spec for column 'x': 'unique' must be true or false"),
        ({"criterion": "mdl"}, r"'criterion' must be 'bic' or 'aic'"),
        ({"missing_values": [None]}, r"'missing_values' must be a list of text or numbers"),
        ({"turbo": True}, r"spec: unknown option\(s\) \['turbo'\]"),
    ],
)
def test_bad_spec(spec: dict, message: str) -> None:
    with pytest.raises(dt.SpecError, match=message):
        dt.fit(pl.DataFrame({"x": [1, 2, 3]}), spec)


def test_forced_kind_incompatible_with_the_dtype() -> None:
    # text may hold dates (issue 3): a forced date kind looks for a date format first
    with pytest.raises(dt.ColumnError, match=r"column 'x': kind 'date' is forced, but no date format fits its text"):
        dt.fit(pl.DataFrame({"x": ["a", "b"]}), {"columns": {"x": {"kind": "date"}}})
    with pytest.raises(dt.ColumnError, match=r"column 'x': a Int64 column cannot be modelled as kind 'date'"):
        dt.fit(pl.DataFrame({"x": [1, 2]}), {"columns": {"x": {"kind": "date"}}})


def test_forced_distribution_incompatible_with_the_kind() -> None:
    with pytest.raises(dt.ColumnError, match=r"column 'x': distribution 'poisson' cannot model a continuous column"):
        dt.fit(pl.DataFrame({"x": [1.5, 2.5]}), {"columns": {"x": {"distribution": "poisson"}}})


def test_forced_distribution_outside_its_support() -> None:
    with pytest.raises(dt.ColumnError, match=r"column 'x': no candidate distribution fits"):
        dt.fit(pl.DataFrame({"x": [-1.5, 2.5, 3.0]}), {"columns": {"x": {"distribution": "lognormal"}}})


def test_spec_file_errors(tmp_path: Path) -> None:
    frame = pl.DataFrame({"x": [1, 2]})
    with pytest.raises(dt.InputFileError, match="spec file .* does not exist"):
        dt.fit(frame, tmp_path / "spec.toml")
    with pytest.raises(dt.SpecError, match="is not valid TOML"):
        dt.fit(frame, _write(tmp_path / "spec.toml", "columns = [[["))
    with pytest.raises(dt.InputFileError, match="use a .toml or .json file"):
        dt.fit(frame, _write(tmp_path / "spec.yaml", "a: 1"))


# -- model files ---------------------------------------------------------------------
@pytest.fixture()
def good_model(tmp_path: Path) -> dict:
    frame = pl.DataFrame({"x": np.random.default_rng(0).normal(size=200), "c": ["a", "b", "b", "c"] * 50})
    return json.loads(dt.fit(frame).to_json())


def _load(tmp_path: Path, data: dict | str) -> dt.Model:
    text = data if isinstance(data, str) else json.dumps(data)
    return dt.load(_write(tmp_path / "m.json", text))


def test_model_file_not_json(tmp_path: Path) -> None:
    with pytest.raises(dt.ModelFileError, match=r"m\.json: \$: not valid JSON.*line 1"):
        _load(tmp_path, "{nope")


def test_model_file_missing_field(tmp_path: Path, good_model: dict) -> None:
    del good_model["n_rows"]
    with pytest.raises(dt.ModelFileError, match=r"\$: 'n_rows' is a required property"):
        _load(tmp_path, good_model)


def test_model_file_wrong_type(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][0]["prop_missing"] = "none"
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[0\]\.prop_missing \(column '[^']+'\): 'none' is not of type 'number'"):
        _load(tmp_path, good_model)


def test_model_file_unknown_distribution(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][0]["distribution"]["name"] = "banana"
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[0\]\.distribution \(column '[^']+'\): unknown distribution 'banana'"):
        _load(tmp_path, good_model)


def test_model_file_negative_probability(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][1]["distribution"]["parameters"]["probs"] = [1.2, -0.1, -0.1]
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[1\]\.distribution \(column '[^']+'\): categorical: parameter 'probs' must hold finite numbers >= 0"):
        _load(tmp_path, good_model)


def test_model_file_probabilities_not_normalised(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][1]["distribution"]["parameters"]["probs"] = [0.5, 0.5, 0.5]
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[1\]\.distribution \(column '[^']+'\): .*must sum to 1. Got a sum of 1.5"):
        _load(tmp_path, good_model)


def test_model_file_nan_parameter(tmp_path: Path, good_model: dict) -> None:
    text = json.dumps(good_model)
    dist = good_model["columns"][0]["distribution"]
    first_param = next(iter(dist["parameters"]))
    text = text.replace(f'"{first_param}": {json.dumps(dist["parameters"][first_param])}', f'"{first_param}": NaN', 1)
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[0\]\.distribution.*(NaN|finite)"):
        _load(tmp_path, text)


def test_model_file_negative_scale(tmp_path: Path) -> None:
    data = json.loads(dt.fit(pl.DataFrame({"x": np.random.default_rng(1).normal(size=300)}),
                             {"columns": {"x": {"distribution": "normal"}}}).to_json())
    data["columns"][0]["distribution"]["parameters"]["sigma"] = -1
    with pytest.raises(dt.ModelFileError, match=r"normal: parameter 'sigma' must be > 0. Got -1"):
        _load(tmp_path, data)


def test_model_file_newer_format(tmp_path: Path, good_model: dict) -> None:
    good_model["format"] = "datatwin-model/99"
    with pytest.raises(dt.UnsupportedFormatVersionError, match=r"\$\.format: format 'datatwin-model/99' is newer"):
        _load(tmp_path, good_model)


def test_model_file_of_another_tool(tmp_path: Path) -> None:
    with pytest.raises(dt.ModelFileError, match=r"\$\.format: 'format' must be 'datatwin-model/2'"):
        _load(tmp_path, {"n_rows": 3})


def test_model_file_duplicate_column(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][1]["name"] = "x"
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[1\]\.name \(column '[^']+'\): duplicate column name 'x'"):
        _load(tmp_path, good_model)


def test_model_file_distribution_for_the_wrong_kind(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][0]["kind"] = "discrete"
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[0\]\.distribution \(column '[^']+'\): 'truncated_normal' cannot model a discrete column"):
        _load(tmp_path, good_model)


def test_model_file_kind_for_the_wrong_dtype(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][1]["kind"] = "boolean"
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[1\]\.kind \(column '[^']+'\): a String column cannot be of kind 'boolean'"):
        _load(tmp_path, good_model)


def test_model_file_unique_categorical(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][1]["unique"] = True
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[1\]\.unique \(column '[^']+'\): a categorical column cannot be unique"):
        _load(tmp_path, good_model)


def test_model_file_labels_outside_the_enum(tmp_path: Path) -> None:
    frame = pl.DataFrame({"e": pl.Series(["a", "b", "a"] * 5).cast(pl.Enum(["a", "b"]))})
    data = json.loads(dt.fit(frame).to_json())
    data["columns"][0]["distribution"]["parameters"]["labels"] = ["a", "zz"]
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[0\]\.distribution \(column '[^']+'\): labels \['zz'\] are not among the Enum"):
        _load(tmp_path, data)


def test_model_file_labels_of_the_wrong_type(tmp_path: Path) -> None:
    data = json.loads(dt.fit(pl.DataFrame({"k": [1, 2, 2, 3] * 5}),
                             {"rare_threshold": 1, "columns": {"k": {"kind": "categorical"}}}).to_json())
    data["columns"][0]["distribution"]["parameters"]["labels"] = ["one", "two", "three"]
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[0\]\.distribution \(column '[^']+'\): labels .* cannot be values of dtype Int64"):
        _load(tmp_path, data)


def test_model_file_policy_name_is_checked(tmp_path: Path, good_model: dict) -> None:
    good_model["privacy"]["policy"] = "Not a name!"
    with pytest.raises(dt.ModelFileError, match=r"\$\.privacy\.policy"):
        _load(tmp_path, good_model)


def test_model_file_dp_policy_needs_its_budget(tmp_path: Path, good_model: dict) -> None:
    good_model["privacy"]["policy"] = "dp"
    with pytest.raises(dt.ModelFileError, match=r"\$\.privacy: the 'dp' policy must state its 'budget'"):
        _load(tmp_path, good_model)


def test_model_file_bad_dtype(tmp_path: Path, good_model: dict) -> None:
    good_model["columns"][0]["dtype"] = "Float99"
    with pytest.raises(dt.ModelFileError, match=r"\$\.columns\[0\]\.dtype \(column '[^']+'\): unknown dtype 'Float99'"):
        _load(tmp_path, good_model)


def test_unsupported_types_are_skipped_with_a_warning() -> None:
    frame = pl.DataFrame({"x": [1, 2, 3] * 4, "blob": [b"a", b"b", b"c"] * 4})
    with pytest.warns(dt.DatatwinWarning, match="column 'blob' skipped: type Binary is not supported"):
        model = dt.fit(frame)
    assert model.skipped[0]["name"] == "blob"


def test_integers_beyond_64_bits() -> None:
    frame = pl.DataFrame({"big": pl.Series([2**63 + 5, 2**63 + 9, 1] * 4, dtype=pl.UInt64)})
    with pytest.raises(dt.ColumnError, match=r"column 'big': values cannot be read as discrete numbers"):
        dt.fit(frame)


def test_float_sentinel_does_not_truncate_onto_integers() -> None:
    model = dt.fit(pl.DataFrame({"x": [1, 2, 2, 3] * 5}), {"missing_values": [2.5]})
    assert model.column("x").prop_missing == 0


def test_forced_discrete_on_fractional_decimals() -> None:
    frame = pl.DataFrame({"d": pl.Series([1.25, 2.5, 3.0] * 4).cast(pl.Decimal(10, 2))})
    with pytest.raises(dt.ColumnError, match="column 'd': kind 'discrete' needs whole numbers"):
        dt.fit(frame, {"columns": {"d": {"kind": "discrete"}}})


def test_forced_categorical_on_a_date_column_is_refused() -> None:
    frame = pl.DataFrame({"d": pl.date_range(pl.date(2020, 1, 1), pl.date(2020, 1, 12), eager=True)})
    with pytest.raises(dt.ColumnError, match="column 'd': a Date column cannot be modelled as kind 'categorical'"):
        dt.fit(frame, {"columns": {"d": {"kind": "categorical"}}})


def test_forced_categorical_distribution_on_many_labels() -> None:
    frame = pl.DataFrame({"s": [f"v{i}" for i in range(3000)]})
    with pytest.raises(dt.ColumnError, match="has 3000 distinct labels, more than max_categories=1000"):
        dt.fit(frame, {"columns": {"s": {"kind": "string", "distribution": "categorical"}}})


def test_forced_unique_on_repeated_values() -> None:
    with pytest.raises(dt.ColumnError, match=r"column 'x': the spec says unique, but 5 value\(s\) repeat"):
        dt.fit(pl.DataFrame({"x": [1, 2, 3, 4, 5] * 2}), {"columns": {"x": {"unique": True}}})


# -- dates and numbers written as text (issue 3) ---------------------------------------------
def _text_dates(n: int, pattern: str, seed: int) -> pl.Series:
    rng = np.random.default_rng(seed)
    days = (np.datetime64("2018-01-01") + rng.integers(0, 3000, n)).astype("datetime64[D]")
    return pl.Series(days).cast(pl.Date).dt.strftime(pattern)


def test_mixed_date_formats_stay_text_and_say_why() -> None:
    text = pl.concat([_text_dates(62, "%d/%m/%Y", 1), _text_dates(38, "%Y-%m-%d", 2)]).alias("d")
    frame = pl.DataFrame({"d": text})
    with pytest.warns(dt.DatatwinWarning, match=r"column 'd': 62% of values parse as %d/%m/%Y, 38% \(38 value\(s\)\) do not"):
        model = dt.fit(frame)
    col = model.column("d")
    assert col.text_format is None and col.dtype == "String" and col.kind == "string"
    assert col.selection["text_format"] == (
        "62% of values parse as %d/%m/%Y, 38% (38 value(s)) do not; they look like %Y-%m-%d; left as text: "
        'set unparsed = "missing" in the spec to model it as date and treat the rest as missing'
    )


def test_mixed_date_formats_with_unparsed_missing() -> None:
    text = pl.concat([_text_dates(62, "%d/%m/%Y", 1), _text_dates(38, "%Y-%m-%d", 2)]).alias("d")
    frame = pl.DataFrame({"d": text})
    spec = {"columns": {"d": {"unparsed": "missing"}}}
    with pytest.warns(
        dt.DatatwinWarning,
        match=r"column 'd': 38 of 100 value\(s\) \(38%\) do not parse as %d/%m/%Y and are treated as missing",
    ):
        model = dt.fit(frame, spec)
    col = model.column("d")
    assert (col.kind, col.dtype, col.text_format["pattern"]) == ("date", "String", "%d/%m/%Y")
    assert col.prop_missing == pytest.approx(0.38)
    assert "38 of 100 value(s)" in col.selection["text_format"]
    synth = model.sample(1000, seed=0)["d"]
    assert synth.null_count() == pytest.approx(380, abs=50)
    assert synth.drop_nulls().str.contains(r"^[0-3][0-9]/[01][0-9]/20[0-9]{2}$").all()


_HUGE = "x" * 1_000_000  # a 1 MB cell
_AWKWARD = ["ctrl\x01\x07bell", "tab\tnew\nline\r", "\x00nul", "שלום עולם", "emoji 🎉🎉 party", "\u202eevil rtl override"]


def _published_strings(path: Path) -> list[str]:
    def strings(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [s for k, v in node.items() for s in strings(k) + strings(v)]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return []

    return strings(json.loads(path.read_text(encoding="utf-8")))


def _assert_not_published(values: set[str], path: Path) -> None:
    published = _published_strings(path)
    for value in values:  # not the value, nor the start of a long one
        probe = value if len(value) <= 50 else value[:50]
        assert not any(probe in s for s in published), repr(value[:20])


def test_awkward_labels_in_a_categorical_column(tmp_path: Path) -> None:
    common = {"😀 happy": 150, "مرحبا بالعالم": 120, "plain": 120}
    labels = [v for v, k in common.items() for _ in range(k)] + _AWKWARD + [_HUGE] + ["\x00nul"] * 3
    model = dt.fit(pl.DataFrame({"cat": labels}))
    col = model.column("cat")
    assert (col.kind, col.text_format) == ("categorical", None)
    assert sorted(col.distribution.labels) == sorted([*common, "other"])  # held by >= 10 rows, or the bucket
    path = model.save(tmp_path / "awkward.json")
    synth = dt.load(path).sample(2000, seed=2)["cat"]
    assert set(synth) == {*common, "other"}
    _assert_not_published(set(_AWKWARD) | {_HUGE}, path)


def test_a_1mb_cell_in_a_string_column(tmp_path: Path) -> None:
    free = [f"remark {i} about the case" for i in range(200)]
    free[7] = _HUGE
    model = dt.fit(pl.DataFrame({"free": free}))
    path = model.save(tmp_path / "huge.json")
    assert path.stat().st_size < 10_000
    synth = dt.load(path).sample(5, seed=1)["free"]
    assert synth.dtype == pl.String and len(synth) == 5
    _assert_not_published({_HUGE, *free[:5]}, path)


def test_emoji_control_characters_and_rtl_in_a_free_text_column(tmp_path: Path) -> None:
    free = [f"remark {i} about the case" for i in range(200)]
    free[3 : 3 + len(_AWKWARD)] = _AWKWARD
    model = dt.fit(pl.DataFrame({"free": free}))
    assert model.column("free").text_format is None
    path = model.save(tmp_path / "awkward.json")
    assert dt.load(path).sample(50, seed=1)["free"].dtype == pl.String
    _assert_not_published(set(_AWKWARD), path)


def test_emoji_control_characters_and_rtl_in_a_code_column(tmp_path: Path) -> None:
    codes = [f"AB{i:05d}" for i in range(300)]
    codes[3 : 3 + len(_AWKWARD)] = _AWKWARD
    model = dt.fit(pl.DataFrame({"code": codes}))
    path = model.save(tmp_path / "awkward.json")
    assert dt.load(path).sample(50, seed=1)["code"].dtype == pl.String
    _assert_not_published(set(_AWKWARD), path)


def test_text_dates_and_numbers_come_back_in_their_formats(tmp_path: Path) -> None:
    n = 300
    rng = np.random.default_rng(11)
    amount = pl.Series(rng.lognormal(8, 1, n)).map_elements(lambda v: f"{v:,.2f}", return_dtype=pl.String)
    frame = pl.DataFrame(
        {
            "iso": _text_dates(n, "%Y-%m-%d", 3),
            "eu": _text_dates(n, "%d.%m.%Y", 4),
            "us": _text_dates(n, "%m/%d/%Y", 5),
            "amount": amount,
        }
    ).with_columns(pl.when(pl.int_range(n) % 10 == 0).then(None).otherwise(pl.col("eu")).alias("eu"))
    model = dt.fit(frame)
    patterns = {c.name: c.text_format["pattern"] for c in model.columns}
    assert patterns == {"iso": "%Y-%m-%d", "eu": "%d.%m.%Y", "us": "%m/%d/%Y", "amount": "#,##0.00"}
    synth = model.sample(500, seed=4)
    assert synth.schema == pl.Schema({name: pl.String for name in frame.columns})
    assert synth["eu"].null_count() > 0
    checks = {
        "iso": lambda s: s.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        "eu": lambda s: s.str.strptime(pl.Date, "%d.%m.%Y", strict=False),
        "us": lambda s: s.str.strptime(pl.Date, "%m/%d/%Y", strict=False),
        "amount": lambda s: s.str.replace_all(",", "").cast(pl.Float64, strict=False),
    }
    for name, parse in checks.items():
        present = synth[name].drop_nulls()
        assert parse(present).null_count() == 0, name
    assert synth["amount"].str.contains(r"^[1-9][0-9]{0,2}(,[0-9]{3})*\.[0-9]{2}$").all()
    # a drop-in replacement: written to CSV and read back, the text is the same
    path = tmp_path / "synthetic.csv"
    synth.write_csv(path)
    assert pl.read_csv(path, infer_schema=False).equals(synth)
    refit = dt.fit(path)  # the CSV reader may type some dates itself; the others are detected again
    for name, pattern in {"iso": "%Y-%m-%d", "eu": "%d.%m.%Y", "us": "%m/%d/%Y", "amount": "#,##0.00"}.items():
        col = refit.column(name)
        assert col.dtype in ("Date", "String") and (col.dtype == "Date" or col.text_format["pattern"] == pattern)
    assert refit.column("amount").text_format["kind"] == "continuous"


def test_an_odd_code_does_not_publish_its_length(tmp_path: Path) -> None:
    codes = [f"AB-{i:04d}" for i in range(200)] + ["ZZTOP-SECRET-99"]
    model = dt.fit(pl.DataFrame({"code": codes}))
    dist = model.column("code").distribution.to_dict()
    text = json.dumps(dist)
    assert "ZZTOP" not in text and "SECRET" not in text
    # the codes keep their shape; the one odd row has no published form (it is coded)
    assert dist["name"] == "pattern" and dist["parameters"]["fallback"] is None
    assert [s["pattern"] for s in dist["parameters"]["shapes"]] == ["AB-[0-9]{4}"]
    assert all(re.fullmatch(r"AB-[0-9]{4}", v) for v in model.sample(500, seed=2)["code"].to_list())


def test_a_thin_tail_of_lengths_is_coarsened() -> None:
    from datatwin.distributions import RandomStringDistribution

    lengths = np.array([3, 5, 9, 32])
    values = np.array(["a" * n for n in lengths], dtype=object)
    fitted = RandomStringDistribution.fit(values, np.array([1.0, 20, 20, 1]), k=10)
    assert (fitted.min_length, fitted.max_length) == (5, 9)  # the 3 and the 32 are coded
    few = RandomStringDistribution.fit(values, np.array([1.0, 1, 1, 1]), k=10)
    assert (few.min_length, few.max_length) == (2, 50)  # under k rows: a coarse range, not 3..32


def test_a_huge_cell_in_a_code_column_samples_without_exhausting_memory() -> None:
    codes = [f"AB-{i:04d}" for i in range(200)] + ["x" * 1_000_000]
    model = dt.fit(pl.DataFrame({"code": codes}))
    synth = model.sample(20, seed=1)["code"]
    assert synth.dtype == pl.String and len(synth) == 20
