"""Reading real files: CSV dialects and encodings, Excel, SPSS/Stata/SAS, pandas dtypes, outputs.

Every fixture file is written here at run time, with the same libraries that read it."""

from __future__ import annotations

import warnings
from pathlib import Path

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
    with pytest.raises(dt.InputFileError, match=r"encoding= only applies to data files; a DataFrame is read as it is"):
        dt.fit(pl.DataFrame({"a": [1]}), encoding="latin-1")
