"""Reading real files: CSV dialects and encodings, Excel, SPSS/Stata/SAS, pandas dtypes, outputs.

Every fixture file is written here at run time, with the same libraries that read it."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.io import read_table

HINTS = ("truncate_ragged_lines", "Consider setting", "infer_schema_length", "You might want to try", "ignore_errors")


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _survey(n: int = 40, sep: str = ";", decimal: str = ",") -> str:
    """A small European export: ';'-separated, decimal commas, yes/no columns."""
    rows = ["wage;education;region;south".replace(";", sep)]
    for i in range(n):
        wage = f"{10 + i % 7}{decimal}{25 + i % 50}"
        rows.append(sep.join([wage, ["yes", "no"][i % 2], ["northeast", "south", "west"][i % 3], ["no", "yes"][i % 4 == 0]]))
    return "\n".join(rows) + "\n"


# -- separators and decimal commas ---------------------------------------------------------
def test_semicolons_and_decimal_commas_are_detected(tmp_path: Path) -> None:
    model = dt.fit(_write(tmp_path / "wages.csv", _survey()))
    assert [(c.name, c.dtype) for c in model.columns] == [
        ("wage", "Float64"), ("education", "String"), ("region", "String"), ("south", "String"),
    ]
    assert model.column("wage").kind == "continuous"
    assert ";" not in model.to_json()  # no whole rows modelled as one text column
    assert model.sample(5, seed=1).columns == ["wage", "education", "region", "south"]


@pytest.mark.parametrize(("sep", "name"), [("\t", "tabs.csv"), ("|", "pipes.csv"), (",", "commas.tsv"), (";", "semi.tsv")])
def test_other_separators_are_detected(tmp_path: Path, sep: str, name: str) -> None:
    frame = read_table(_write(tmp_path / name, _survey(sep=sep, decimal="."))).frame
    assert frame.columns == ["wage", "education", "region", "south"] and frame["wage"].dtype == pl.Float64


def test_commas_inside_values_do_not_fool_the_sniffer(tmp_path: Path) -> None:
    text = "name|city\n" + "".join(f"Smith, J{i}|Paris, France\n" for i in range(20))
    frame = read_table(_write(tmp_path / "people.csv", text)).frame
    assert frame.columns == ["name", "city"] and frame["city"][0] == "Paris, France"


def test_quoted_separators_count_once(tmp_path: Path) -> None:
    text = 'a;b\n"x;y";1\n"z";2\n'
    assert read_table(_write(tmp_path / "q.csv", text)).frame["a"].to_list() == ["x;y", "z"]


def test_a_header_wider_than_the_sample(tmp_path: Path) -> None:
    names = [f"column_{i:06d}" for i in range(30_000)]  # ~400 KiB of header
    text = ";".join(names) + "\n" + ";".join("1" for _ in names) + "\n"
    frame = read_table(_write(tmp_path / "wide.csv", text)).frame
    assert frame.shape == (1, 30_000)


def test_one_column_file(tmp_path: Path) -> None:
    assert read_table(_write(tmp_path / "one.csv", "x\n1\n2\n")).frame.columns == ["x"]


def test_ambiguous_separator_names_the_option(tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.csv", "a;b,c\n1;2,3\n4;5,6\n")
    with pytest.raises(dt.InputFileError, match=r"odd\.csv': cannot tell the separator: ',' \(2 columns\), ';' \(2 columns\).*--separator"):
        dt.fit(path)
    assert read_table(path, separator=";").frame.columns == ["a", "b,c"]  # the explicit option wins
    assert read_table(path, separator=",").frame.columns == ["a;b", "c"]


def test_explicit_separator_wins_over_detection(tmp_path: Path) -> None:
    path = _write(tmp_path / "wages.csv", _survey())
    frame = read_table(path, separator="|").frame  # nonsense, but asked for: one column
    assert frame.width == 1 and frame.columns[0] == "wage;education;region;south"


@pytest.mark.parametrize("alias", ["\t", "\\t", "tab", "TAB"])
def test_tab_separator_spellings(tmp_path: Path, alias: str) -> None:
    path = _write(tmp_path / "t.csv", "a\tb\n1\t2\n")
    assert read_table(path, separator=alias).frame.columns == ["a", "b"]


@pytest.mark.parametrize("bad", [";;", "", '"', "\n", "§", 1])
def test_bad_separator_names_the_parameter(tmp_path: Path, bad: object) -> None:
    with pytest.raises(dt.InputFileError, match=r"^separator must be one character.*--separator"):
        dt.fit(_write(tmp_path / "x.csv", "a\n1\n"), separator=bad)


def test_decimal_comma_can_be_turned_off_or_on(tmp_path: Path) -> None:
    path = _write(tmp_path / "wages.csv", _survey())
    assert read_table(path, decimal_comma=False).frame["wage"].dtype == pl.String
    ints = _write(tmp_path / "ints.csv", "a;b\n1;2\n3;4\n")
    assert read_table(ints).frame["a"].dtype == pl.Int64
    assert read_table(ints, decimal_comma=True).frame["a"].dtype == pl.Int64


def test_thousands_points_with_decimal_commas(tmp_path: Path) -> None:
    text = "inwoners;aandeel\n1.234;0,5\n12.500;1,25\n"
    frame = read_table(_write(tmp_path / "nl.csv", text)).frame
    assert frame["aandeel"].to_list() == [0.5, 1.25]
    assert frame["inwoners"].dtype == pl.String  # '1.234' is left for the text-format detection


def test_decimal_commas_and_points_together_are_ambiguous(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.csv", "a;b\n1,5;2.5\n3,5;4.5\n")
    with pytest.raises(dt.DataError, match=r"mixed\.csv': cannot tell the decimal mark: column 'a' .* column 'b'.*--decimal-comma.*--no-decimal-comma"):
        dt.fit(path)
    frame = read_table(path, decimal_comma=True).frame
    assert frame["a"].dtype == pl.Float64 and frame["b"].dtype == pl.String


def test_decimal_comma_needs_another_separator(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv", "a,b\n1,2\n")
    with pytest.raises(dt.InputFileError, match=r"c\.csv': decimal commas need a separator other than ','.*--separator ';'"):
        read_table(path, decimal_comma=True)
    with pytest.raises(dt.InputFileError, match="decimal_comma cannot be used with separator ','"):
        read_table(path, separator=",", decimal_comma=True)
    with pytest.raises(dt.InputFileError, match=r"decimal_comma must be true or false.*Got 'yes'"):
        read_table(path, decimal_comma="yes")


def test_missing_values_in_a_semicolon_file(tmp_path: Path) -> None:
    text = "x;y\n" + "".join(f"{i},5;{'?' if i % 5 == 0 else i}\n" for i in range(30))
    model = dt.fit(_write(tmp_path / "m.csv", text), missing_values=["?"])
    assert model.column("y").dtype == "Int64" and model.column("y").prop_missing == pytest.approx(0.2)
    assert model.column("x").dtype == "Float64"


def test_duplicate_headers_in_a_semicolon_file(tmp_path: Path) -> None:
    with pytest.raises(dt.DataError, match=r"dup\.csv': duplicate column name\(s\) \['a'\]"):
        dt.fit(_write(tmp_path / "dup.csv", "a;b;a\n1;2;3\n"))


# -- ragged rows -----------------------------------------------------------------------------
@pytest.mark.parametrize(("row", "fields"), [("4,5", 2), ("4,5,6,7", 4)])
def test_a_ragged_row_is_named_by_line(tmp_path: Path, row: str, fields: int) -> None:
    path = _write(tmp_path / "ragged.csv", f"a,b,c\n1,2,3\n{row}\n6,7,8\n")
    with pytest.raises(dt.DataError) as caught:
        dt.fit(path)
    message = str(caught.value)
    assert message.startswith(f"file '{path}' line 3: {fields} field(s), but the header has 3 (separator ',')")
    assert "--separator" in message and not any(h in message for h in HINTS)


def test_a_ragged_row_past_the_sample_and_the_inference_window(tmp_path: Path) -> None:
    body = "".join(f"{i};{i}\n" for i in range(20_000))
    path = _write(tmp_path / "late.csv", "a;b\n" + body + "1;2;3\n")
    with pytest.raises(dt.DataError, match=r"late\.csv' line 20002: 3 field\(s\), but the header has 2 \(separator ';'\)"):
        dt.fit(path)


def test_quoted_line_breaks_are_not_ragged(tmp_path: Path) -> None:
    path = _write(tmp_path / "notes.csv", 'id,note,n\n1,"two\nlines",\n2,plain,3\n')
    frame = read_table(path).frame
    assert frame["note"].to_list() == ["two\nlines", "plain"] and frame["n"].to_list() == [None, 3]


def test_other_polars_errors_lose_their_hints(tmp_path: Path) -> None:
    with pytest.raises(dt.InputFileError) as caught:
        dt.fit(_write(tmp_path / "quote.csv", 'a,b\n"x,1\n2,3\n'))
    message = str(caught.value)
    assert message.startswith(f"file '{tmp_path / 'quote.csv'}' could not be read as csv: ")
    assert "\n" not in message and not any(h in message for h in HINTS)


# -- encodings -----------------------------------------------------------------------------
_EUROPEAN = "naam;stad;bedrag\n" + "".join(f"José {i};Düsseldorf;{i},5\n" for i in range(20))


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_latin1_file_is_read_with_a_warning(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path / "eu.csv", _EUROPEAN, encoding)
    with pytest.warns(dt.DatatwinWarning, match=r"eu\.csv' is not UTF-8 \(byte 0xe9 on line 2\); read it as cp1252.*--encoding"):
        frame = read_table(path).frame
    assert frame["stad"][0] == "Düsseldorf" and frame["bedrag"].dtype == pl.Float64


def test_cp1252_euro_sign(tmp_path: Path) -> None:
    path = _write(tmp_path / "euro.csv", "prijs;n\n€ 5;1\n€ 7;2\n", "cp1252")
    with pytest.warns(dt.DatatwinWarning, match="read it as cp1252"):
        assert read_table(path).frame["prijs"][0] == "€ 5"


def test_latin1_when_cp1252_cannot_decode(tmp_path: Path) -> None:
    path = tmp_path / "c1.csv"
    path.write_bytes(b"a;b\nx\x81y;1\n")  # 0x81 is undefined in cp1252
    with pytest.warns(dt.DatatwinWarning, match="read it as latin-1"):
        assert read_table(path).frame["a"][0] == "x\x81y"


def test_explicit_encoding_wins_and_does_not_warn(tmp_path: Path) -> None:
    path = _write(tmp_path / "eu.csv", _EUROPEAN, "latin-1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = read_table(path, encoding="latin-1").frame
    assert frame["naam"][0] == "José 0"


def test_wrong_explicit_encoding_names_the_line_and_option(tmp_path: Path) -> None:
    path = _write(tmp_path / "eu.csv", _EUROPEAN, "latin-1")
    with pytest.raises(dt.DataError, match=r"eu\.csv' is not valid utf-8: byte 0xe9 on line 2; pass the file's encoding, e\.g\. --encoding 'cp1252'"):
        dt.fit(path, encoding="utf-8")


def test_a_non_utf8_byte_far_into_the_file_is_found(tmp_path: Path) -> None:
    text = "a,b\n" + "".join(f"{i},x\n" for i in range(100_000)) + "1,Köln\n"
    path = _write(tmp_path / "late.csv", text, "latin-1")
    with pytest.warns(dt.DatatwinWarning, match=r"on line 100002\)"):
        assert read_table(path).frame["b"][-1] == "Köln"


def test_utf8_byte_order_mark(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.csv", "\ufeffnaam;n\nJosé;1\n")
    assert read_table(path).frame.columns == ["naam", "n"]


def test_utf16_with_byte_order_mark(tmp_path: Path) -> None:  # Excel's "Unicode text" export
    path = _write(tmp_path / "u16.csv", "naam\tn\nJosé\t1\nRené\t2\n", "utf-16")
    frame = read_table(path).frame
    assert frame.columns == ["naam", "n"] and frame["naam"].to_list() == ["José", "René"]


def test_nul_bytes_without_a_byte_order_mark(tmp_path: Path) -> None:
    path = _write(tmp_path / "u16.csv", "a\tb\n1\t2\n", "utf-16-le")
    with pytest.raises(dt.InputFileError, match=r"u16\.csv' holds NUL bytes.*--encoding 'utf-16-le'"):
        dt.fit(path)
    assert read_table(path, encoding="utf-16-le").frame.columns == ["a", "b"]


@pytest.mark.parametrize("bad", ["klingon", "zlib", 8])
def test_unknown_encoding_names_the_parameter(tmp_path: Path, bad: object) -> None:
    with pytest.raises(dt.InputFileError, match=r"^encoding must be a text encoding.*--encoding"):
        read_table(_write(tmp_path / "x.csv", "a\n1\n"), encoding=bad)


def test_read_options_that_do_not_apply(tmp_path: Path) -> None:
    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "x.parquet")
    with pytest.raises(dt.InputFileError, match=r"x\.parquet': the separator option \(--separator, separator=\) applies to CSV and TSV files only"):
        dt.fit(tmp_path / "x.parquet", separator=";")
    with pytest.raises(dt.InputFileError, match=r"the sheet option \(--sheet, sheet=\) applies to Excel files only, not to \.csv"):
        dt.fit(_write(tmp_path / "x.csv", "a\n1\n"), sheet="Data")
    with pytest.raises(dt.InputFileError, match=r"encoding= only applies to data files; a DataFrame is read as it is"):
        dt.fit(pl.DataFrame({"a": [1]}), encoding="latin-1")


# -- Excel ----------------------------------------------------------------------------------
@pytest.fixture()
def workbook(tmp_path: Path) -> Path:
    pytest.importorskip("fastexcel")
    xlsxwriter = pytest.importorskip("xlsxwriter")
    import datetime as dtm

    path = tmp_path / "survey.xlsx"
    with xlsxwriter.Workbook(path) as book:
        notes = book.add_worksheet("Notes")
        notes.write_row(0, 0, ["codebook"])
        notes.write_row(1, 0, ["see the data sheet"])
        data = book.add_worksheet("Data")
        data.write_row(0, 0, ["age", "income", "region", "member", "joined", "zip", "score"])
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        for i in range(1, 301):
            data.write_row(i, 0, [20 + i % 50, 1000.5 + i, ["north", "south"][i % 2], i % 3 == 0])
            data.write_datetime(i, 4, dtm.datetime(2020, 1, 1) + dtm.timedelta(days=i), day)
            data.write_string(i, 5, f"0{1000 + i}")
            data.write(i, 6, "?" if i % 10 == 0 else i / 4)
        data.write_row(301, 0, ["unknown"])  # a text cell past any sample of the column's type
    return path


def test_excel_sheet_by_name_and_number(workbook: Path) -> None:
    frame = read_table(workbook, sheet="Data").frame
    assert frame.schema["age"] == pl.String  # 'unknown' in the last row: kept, not turned into a null
    assert frame["age"].null_count() == 0 and frame["age"][-1] == "unknown"
    assert frame.schema["income"] == pl.Float64 and frame.schema["member"] == pl.Boolean
    assert frame.schema["joined"] in (pl.Date, pl.Datetime("ms"))
    assert frame["zip"][0] == "01001"  # text codes keep their leading zeros
    assert read_table(workbook, sheet=2).frame.equals(frame)
    assert read_table(workbook, sheet="2").frame.equals(frame)
    assert read_table(workbook, sheet=1).frame.columns == ["codebook"]


def test_excel_missing_values_make_a_column_numeric(workbook: Path) -> None:
    model = dt.fit(workbook, sheet="Data", missing_values=["?"])
    assert model.column("score").dtype == "Float64" and model.column("score").prop_missing == pytest.approx(0.1, abs=0.01)
    assert model.column("zip").dtype == "String"  # a column without the sentinel stays as it is


def test_excel_default_sheet_warns_when_there_are_several(workbook: Path) -> None:
    with pytest.warns(dt.DatatwinWarning, match=r"survey\.xlsx' has 2 sheets \('Notes', 'Data'\); read the first, 'Notes'; pass --sheet"):
        assert read_table(workbook).frame.columns == ["codebook"]


def test_excel_bad_sheets(workbook: Path) -> None:
    with pytest.raises(dt.InputFileError, match=r"survey\.xlsx' has no sheet 'Daten'; its sheets are 'Notes', 'Data'"):
        dt.fit(workbook, sheet="Daten")
    with pytest.raises(dt.InputFileError, match=r"has 2 sheet\(s\) \('Notes', 'Data'\); there is no sheet number 3"):
        dt.fit(workbook, sheet=3)
    with pytest.raises(dt.InputFileError, match="sheet numbers start at 1"):
        dt.fit(workbook, sheet=0)


def test_excel_duplicate_headers_and_empty_sheets(tmp_path: Path) -> None:
    pytest.importorskip("fastexcel")
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "dup.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("A")
        sheet.write_row(0, 0, ["a", "b", "a"])
        sheet.write_row(1, 0, [1, 2, 3])
        book.add_worksheet("Empty")
    with pytest.raises(dt.DataError, match=r"dup\.xlsx', sheet 'A': duplicate column name\(s\) \['a'\]"):
        dt.fit(path, sheet="A")
    with pytest.raises(dt.DataError, match=r"dup\.xlsx': sheet 'Empty' is empty"):
        dt.fit(path, sheet="Empty")


def test_excel_round_trip_through_polars(tmp_path: Path) -> None:
    pytest.importorskip("fastexcel")
    pytest.importorskip("xlsxwriter")
    frame = pl.DataFrame({"n": [1, 2, None, 4] * 5, "x": [1.5, 2.5, 3.5, None] * 5, "s": ["a", "b", None, "d"] * 5})
    frame.write_excel(tmp_path / "t.xlsm")
    model = dt.fit(tmp_path / "t.xlsm")
    assert [(c.name, c.dtype) for c in model.columns] == [("n", "Int64"), ("x", "Float64"), ("s", "String")]
    assert model.column("n").prop_missing == 0.25


def test_corrupt_excel_file(tmp_path: Path) -> None:
    pytest.importorskip("fastexcel")
    with pytest.raises(dt.InputFileError, match=r"bad\.xlsx' could not be read as xlsx: "):
        dt.fit(_write(tmp_path / "bad.xlsx", "not a workbook"))


@pytest.mark.parametrize(("name", "module", "extra"), [
    ("x.xlsx", "fastexcel", "excel"), ("x.sav", "pyreadstat", "spss"), ("x.dta", "pyreadstat", "stata"),
    ("x.sas7bdat", "pyreadstat", "sas"),
])
def test_a_missing_extra_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    path = _write(tmp_path / name, "x")
    with pytest.raises(dt.InputFileError, match=rf"needs the optional package {module}: pip install \"datatwin\[{extra}\]\""):
        dt.fit(path)


# -- SPSS, Stata, SAS ------------------------------------------------------------------------
@pytest.fixture()
def pyreadstat():
    return pytest.importorskip("pyreadstat")


def _labelled(n: int = 60) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    return pl.DataFrame({
        "sex": rng.choice([1.0, 2.0, 9.0], n, p=[0.45, 0.45, 0.1]),
        "age": rng.integers(18, 90, n).astype(float),
        "weight": rng.normal(75, 10, n).round(1),
        "city": rng.choice(["Utrecht", "Gouda", " "], n),
    })


def test_spss_labels_missing_values_and_variable_labels(tmp_path: Path, pyreadstat) -> None:
    path = tmp_path / "survey.sav"
    frame = _labelled()
    pyreadstat.write_sav(
        frame, path,
        column_labels={"sex": "Sex of the respondent", "age": "Age in years"},
        variable_value_labels={"sex": {2: "female", 1: "male", 9: "refused"}},
        missing_ranges={"sex": [9]},
    )
    table = read_table(path)
    got = table.frame
    assert got.schema["sex"] == pl.Enum(["male", "female"])  # in code order; the user-missing 9 is not a category
    assert got["sex"].null_count() == (frame["sex"] == 9).sum()
    assert got.schema["age"] == pl.Int64 and got.schema["weight"] == pl.Float64
    assert got["city"].null_count() == (frame["city"] == " ").sum()  # blank text is missing
    assert table.descriptions == {"sex": "Sex of the respondent", "age": "Age in years"}
    model = dt.fit(path)
    assert model.column("sex").kind == "categorical" and model.column("sex").dtype == "Enum"
    assert model.column("sex").description == "Sex of the respondent"
    assert dt.fit(path, {"columns": {"age": {"description": "mine"}}}).column("age").description == "mine"
    assert set(model.sample(200, seed=1)["sex"].drop_nulls()) <= {"male", "female"}


def test_spss_partly_labelled_codes_stay_numbers(tmp_path: Path, pyreadstat) -> None:
    path = tmp_path / "partly.sav"
    pyreadstat.write_sav(_labelled(), path, variable_value_labels={"sex": {1: "male", 2: "female"}})
    with pytest.warns(dt.DatatwinWarning, match=r"partly\.sav': column 'sex' has value labels, but 1 of its values have none \(e\.g\. 9\.0\); kept as codes"):
        frame = read_table(path).frame
    assert frame.schema["sex"] == pl.Int64
    # the spec's sentinel for the unlabelled code makes the rest categories
    assert dt.fit(path, missing_values=["9"]).column("sex").dtype == "Enum"


def test_spss_compressed_and_portable(tmp_path: Path, pyreadstat) -> None:
    frame = _labelled().drop("city")
    pyreadstat.write_sav(frame, tmp_path / "c.zsav", compress=True)
    pyreadstat.write_por(frame, tmp_path / "p.por")
    for name in ("c.zsav", "p.por"):
        got = read_table(tmp_path / name).frame
        assert [c.lower() for c in got.columns] == ["sex", "age", "weight"], name  # .por has upper-case names
        assert got[:, 1].dtype == pl.Int64 and got[:, 2].dtype == pl.Float64, name


def test_stata_value_labels(tmp_path: Path, pyreadstat) -> None:
    path = tmp_path / "survey.dta"
    frame = _labelled().filter(pl.col("sex") != 9)
    pyreadstat.write_dta(frame, path, variable_value_labels={"sex": {1: "male", 2: "female"}},
                         column_labels={"weight": "Weight in kg"})
    table = read_table(path)
    assert table.frame.schema["sex"] == pl.Enum(["male", "female"])
    assert table.descriptions == {"weight": "Weight in kg"}
    assert dt.fit(path).column("weight").description == "Weight in kg"


def test_sas_transport_and_sas7bdat(tmp_path: Path, pyreadstat, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _labelled().drop("sex")
    pyreadstat.write_xport(frame, tmp_path / "t.xpt")
    got = read_table(tmp_path / "t.xpt").frame
    assert got.schema["age"] == pl.Int64 and got.schema["weight"] == pl.Float64
    # pyreadstat cannot write .sas7bdat: check that such a file goes to its reader, and how
    calls = []

    def read_sas7bdat(path: str, **kwargs):
        calls.append(kwargs)
        return pyreadstat.read_xport(str(tmp_path / "t.xpt"), **kwargs)

    monkeypatch.setattr(pyreadstat, "read_sas7bdat", read_sas7bdat)
    assert read_table(_write(tmp_path / "t.sas7bdat", "x"), encoding="latin-1").frame.equals(got)
    assert calls == [{"output_format": "polars", "encoding": "iso8859-1"}]


def test_corrupt_spss_file(tmp_path: Path, pyreadstat) -> None:
    with pytest.raises(dt.InputFileError, match=r"bad\.sav' could not be read as sav: "):
        dt.fit(_write(tmp_path / "bad.sav", "not spss"))


# -- pandas ---------------------------------------------------------------------------------
def test_pandas_mixed_columns_are_reported_together() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"ok": [1, 2, 3], "a": [1, "two", 3.0], "b": ["x", 2, None]})
    with pytest.raises(dt.DataError, match=r"2 columns mix values of different types: 'a' \['float', 'int', 'str'\]; 'b' \['int', 'str'\]; convert each"):
        dt.fit(frame)


def test_pandas_nullable_dtypes_are_kept(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    n = 40
    frame = pd.DataFrame({
        "i": pd.array([1, 2, None, 4] * 10, dtype="Int64"),
        "small": pd.array([1, 2, None, 4] * 10, dtype="Int8"),
        "f": pd.array([1.5, 2.5, None, 4.0] * 10, dtype="Float64"),
        "b": pd.array([True, False, None, True] * 10, dtype="boolean"),
        "s": pd.array(["a", "b", None, "c"] * 10, dtype="string"),
        "c": pd.Categorical(["x", "y", None, "x"] * 10),
        "tz": pd.date_range("2020-01-01", periods=n // 4, freq="h", tz="Europe/Amsterdam").repeat(4),
        "sparse": pd.arrays.SparseArray([0, 0, 1, 0] * 10),
    })
    model = dt.fit(frame)
    assert {c.name: c.dtype for c in model.columns} == {
        "i": "Int64", "small": "Int8", "f": "Float64", "b": "Boolean", "s": "String", "c": "Categorical",
        "tz": f"Datetime[{frame['tz'].dt.unit}, Europe/Amsterdam]", "sparse": "Int64",
    }
    assert model.column("i").prop_missing == 0.25 and model.column("b").prop_missing == 0.25
    path = model.save(tmp_path / "m.json")
    assert json.loads(path.read_text())["columns"][0]["dtype"] == "Int64"
    synth = dt.load(path).sample(100, seed=2)
    assert synth.schema["i"] == pl.Int64 and synth["i"].null_count() > 0
    assert synth.schema["tz"] == pl.Datetime(frame["tz"].dt.unit, "Europe/Amsterdam")


# -- outputs and the command line ----------------------------------------------------------------
def test_fit_refuses_a_model_file_not_ending_in_json(tmp_path: Path, run_cli) -> None:
    data = _write(tmp_path / "wages.csv", _survey())
    code, _, err = run_cli(["fit", str(data), "-o", str(tmp_path / "model.csv")])
    assert code == 1 and "model.csv' (-o/--output): the model file is JSON; give a name ending in .json" in err
    assert not (tmp_path / "model.csv").exists()


def test_sample_refuses_an_unknown_extension_before_sampling(tmp_path: Path, run_cli) -> None:
    model = dt.fit(pl.DataFrame({"x": list(range(20))})).save(tmp_path / "m.json")
    code, _, err = run_cli(["sample", str(model), "-o", str(tmp_path / "out.xyz")])
    assert code == 1 and "out.xyz' (-o/--output): unsupported extension '.xyz'; use .csv, .parquet" in err
    code, _, err = run_cli(["sample", str(model), "-o", str(tmp_path / "nope" / "out.csv")])
    assert code == 1 and "folder" in err and "does not exist" in err


def test_cli_read_options(tmp_path: Path, run_cli) -> None:
    data = _write(tmp_path / "wages.csv", _survey(), "latin-1")
    out = tmp_path / "m.json"
    code, _, err = run_cli(["fit", str(data), "-o", str(out), "-q", "--separator", ";", "--no-decimal-comma",
                            "--encoding", "latin-1"])
    assert code == 0 and err == ""
    assert {c["name"]: c["dtype"] for c in json.loads(out.read_text())["columns"]}["wage"] == "String"
    code, _, _ = run_cli(["fit", str(data), "-o", str(out), "-q", "--decimal-comma"])
    assert code == 0 and json.loads(out.read_text())["columns"][0]["dtype"] == "Float64"
    code, _, err = run_cli(["fit", str(data), "-o", str(out), "--separator", ";;"])
    assert code == 1 and err.strip().startswith("error: separator must be one character") and "--separator" in err


def test_cli_ragged_file_is_one_line(tmp_path: Path, run_cli) -> None:
    data = _write(tmp_path / "ragged.csv", "a,b,c\n1,2,3\n4,5\n")
    code, _, err = run_cli(["fit", str(data), "-o", str(tmp_path / "m.json")])
    assert code == 1 and err.strip().count("\n") == 0 and "ragged.csv' line 3: 2 field(s)" in err
    assert not any(h in err for h in HINTS) and "Traceback" not in err


def test_cli_sheet(workbook: Path, tmp_path: Path, run_cli) -> None:
    out = tmp_path / "m.json"
    code, stdout, _ = run_cli(["fit", str(workbook), "-o", str(out), "--sheet", "Data", "--missing", "?"])
    assert code == 0 and "fitted 7 columns of survey.xlsx (301 rows, family independent)" in stdout


def test_cli_report_reads_real_data_with_the_options(tmp_path: Path, run_cli) -> None:
    pytest.importorskip("sklearn")
    real = _write(tmp_path / "real.csv", _survey(60), "latin-1")
    synth = tmp_path / "synth.csv"
    model = dt.fit(real, encoding="latin-1")
    model.sample(60, seed=1).write_csv(synth)  # what `datatwin sample` writes: commas, UTF-8, decimal points
    out = tmp_path / "r.json"
    code, stdout, err = run_cli(["report", str(real), str(synth), "-o", str(out), "--separator", ";",
                                 "--encoding", "latin-1", "--max-rows", "60"])
    assert code == 0, err
    assert json.loads(out.read_text())["meta"]["rows"] == {"real": 60, "synthetic": 60, "holdout": None}
