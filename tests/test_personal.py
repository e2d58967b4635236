"""Personal data and free text: detection, the spec's options, fit and sample end to end,
and that no real value reaches the model file or the synthetic data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from faker import Faker

import datatwin as dt
from datatwin.errors import ColumnError, SpecError
from datatwin.prepare.personalcolumn import free_text_for_fit, personal_for_fit
from datatwin.personal import detect_personal, looks_like_free_text
from datatwin.personal.shapes import _iban_checksum_ok
from datatwin.schema import ColumnSpec, FitSpec, parse_spec

N = 400


def _values(locale: str, method: str, n: int = N, seed: int = 1) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    if method == "dob":
        return [fake.date_of_birth().strftime("%Y-%m-%d") for _ in range(n)]
    return [str(getattr(fake, method)()) for _ in range(n)]


# -- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "column", "method", "provider", "detected_locale"),
    [
        ("en_US", "email", "free_email", "email", None),
        ("de_DE", "contact", "free_email", "email", "de_DE"),  # by value; gmx.de, web.de: German domains
        ("nl_NL", "telefoon", "phone_number", "phone_number", "nl_NL"),
        ("en_US", "x", "phone_number", "phone_number", None),  # (555)123-4567 and 555.123.4567: by value alone
        ("en_GB", "postcode", "postcode", "postcode", "en_GB"),
        ("nl_NL", "zip", "postcode", "postcode", "nl_NL"),
        ("de_DE", "account", "iban", "iban", "de_DE"),
        ("fr_FR", "x", "iban", "iban", "fr_FR"),  # the check digit is evidence enough
        ("en_US", "website", "url", "url", None),
        ("en_US", "client_ip", "ipv4", "ipv4", None),
        ("en_US", "x", "ipv6", "ipv6", None),
        ("de_DE", "Vorname", "first_name", "first_name", "de_DE"),
        ("nl_NL", "achternaam", "last_name", "last_name", "nl_NL"),
        ("fr_FR", "client", "name", "name", "fr_FR"),
        ("en_US", "x", "name", "name", None),  # full names by value alone
        ("nl_NL", "adres", "street_address", "street_address", "nl_NL"),
        ("de_DE", "x", "street_address", "street_address", "de_DE"),  # "Lindenstraße 5": by the street word
        ("de_DE", "Wohnort", "city", "city", "de_DE"),
        ("en_US", "DateOfBirth", "dob", "date_of_birth", None),
    ],
)
def test_detects_personal_data_and_locale(
    locale: str, column: str, method: str, provider: str, detected_locale: str | None
) -> None:
    guess = detect_personal(pl.Series(column, _values(locale, method)), column)
    assert guess is not None and (guess.provider, guess.locale) == (provider, detected_locale)
    assert re.match(r"^\d+% of the distinct values ", guess.reason)
    assert (f"column name {column!r}" in guess.reason) == (column not in ("x", "contact"))


def test_reason_is_a_readable_sentence() -> None:
    values = _values("en_US", "free_email")[:199] + ["not an address"]
    guess = detect_personal(pl.Series("email", values), "email")
    assert guess.reason == "99% of the distinct values look like e-mail addresses; column name 'email'"


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("product_code", [f"PRD-{i:05d}" for i in range(0, 40_000, 97)]),
        ("case_no", [f"17-{i:06d}" for i in range(0, 400_000, 997)]),  # digits and a dash, like a phone
        ("tailnum", [f"N{i}{c}" for i in range(100, 400) for c in "AB"]),
        ("region", ["North", "South", "East", "West", "Central"] * 40),
        ("branch", ["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"] * 40),  # cities, no hint
        ("colour", ["Brown", "White", "Green", "Black", "Gray", "Red", "Blue"] * 30),  # surnames too, but few
        ("status", ["active", "inactive", "pending"] * 50),
        ("amount", [f"{i * 1.5:.2f}" for i in range(300)]),
        ("remarks", _values("en_US", "paragraph", 100)),
        ("name", ["Widget Pro 3000", "Gadget X", "Sprocket 7", "Gizmo 2"] * 30),  # a name, not a person's
        ("company_name", _values("en_US", "last_name", 200)),  # surnames, but the column says company
        ("zip", ["yes", "no"] * 50),  # the hint alone is not enough
        ("city", ["Utrecht", "Delft", "Amsterdam", "Ede"] * 100),  # a category: kept, rare labels merged
        ("postcode", ["1011 AB", "3511 CD", "2611 EF"] * 100),
        # airport codes: letters only, in a column named after a city, but no place a person lives
        ("city_code", ["".join(c) for c in np.random.default_rng(0).choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), (400, 3))]),
    ],
)
def test_not_personal_data(column: str, values: list[str]) -> None:
    assert detect_personal(pl.Series(column, values), column) is None


def test_real_tables_have_no_personal_data(adult_path: Path, flights_path: Path) -> None:
    adult = pl.read_csv(adult_path)
    flights = pl.read_parquet(flights_path, columns=["carrier", "tailnum", "origin", "dest"])
    for frame in (adult, flights):
        for name in frame.columns:
            if frame[name].dtype == pl.String:
                assert detect_personal(frame[name].drop_nulls(), name) is None, name


def test_free_text_is_long_varied_and_multi_word() -> None:
    texts = np.array(_values("nl_NL", "paragraph", 200), dtype=object)
    reason = looks_like_free_text(texts, np.ones(len(texts)))
    assert reason is not None and re.match(r"^values average \d+\.\d words \(\d+ characters\) and 100% of them", reason)
    codes = np.array([f"A-{i}" for i in range(200)], dtype=object)
    assert looks_like_free_text(codes, np.ones(200)) is None  # varied, but one word
    few = np.array(["the same long remark about the weather today"], dtype=object)
    assert looks_like_free_text(few, np.array([500.0])) is None  # long, but not varied
    assert looks_like_free_text(np.array([], dtype=object), np.array([])) is None


def test_odd_text_neither_crashes_detection_nor_counts_as_personal() -> None:
    odd = ["\x00\x07\x1b[31m", "😀🎉 party", "שלום עולם", "مرحبا بالعالم", "a\tb\r\nc", "\u202eevil", "x" * 1_000_000]
    assert detect_personal(pl.Series("note", odd * 10), "note") is None
    emails = _values("en_US", "free_email", 300) + odd  # a few odd cells do not hide the e-mail addresses
    assert detect_personal(pl.Series("email", emails), "email").provider == "email"


# -- the spec ----------------------------------------------------------------------------------


def test_spec_options_parse() -> None:
    spec = parse_spec(
        {"locale": "nl_NL", "detect_personal": False,
         "columns": {"a": {"personal": "email", "locale": "de_DE"}, "b": {"personal": False}}}
    )
    assert (spec.locale, spec.detect_personal) == ("nl_NL", False)
    columns = spec.columns
    assert (columns["a"].personal, columns["a"].locale, columns["b"].personal) == ("email", "de_DE", False)
    assert parse_spec({}).detect_personal is True and parse_spec({}).locale is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"columns": {"a": {"personal": "emial"}}},
         (r"spec for column 'a': 'personal' must be false \(never personal data\) or one of first_name, last_name, "
          r"name, email, .*date_of_birth\. Got 'emial'\.")),
        ({"columns": {"a": {"personal": True}}}, r"'personal' must be false .* Got True\."),
        ({"columns": {"a": {"personal": "email", "distribution": "categorical"}}},
         r"spec for column 'a': give either 'personal' \(made up by Faker\) or 'distribution', not both"),
        ({"columns": {"a": {"personal": "email", "kind": "categorical"}}},
         r"personal data is of kind 'string'; remove kind = 'categorical' or 'personal'"),
        ({"columns": {"a": {"locale": "nl"}}},
         r"spec for column 'a': 'locale' must be a Faker locale such as 'en_US', 'nl_NL' or 'de_DE'\. Got 'nl'\."),
        ({"locale": 31}, r"^spec: 'locale' must be a Faker locale .* Got 31\."),
        ({"detect_personal": "no"}, r"spec: 'detect_personal' must be true or false\. Got 'no'\."),
    ],
)
def test_spec_errors(raw: dict, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(raw)


def test_spec_file_turns_detection_off_for_a_column(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text('locale = "de_DE"\n[columns.code]\npersonal = false\n', encoding="utf-8")
    spec = parse_spec(path)
    assert spec.locale == "de_DE" and spec.columns["code"].personal is False


# -- fit and sample end to end ---------------------------------------------------------------


@pytest.fixture(scope="module")
def people() -> pl.DataFrame:
    """A made-up 'real' table: Dutch people, plus columns that are not personal data."""
    fake = Faker("nl_NL")
    fake.seed_instance(11)
    rng = np.random.default_rng(11)
    return pl.DataFrame(
        {
            "voornaam": [fake.first_name() for _ in range(N)],
            "achternaam": [fake.last_name() for _ in range(N)],
            "email": [f"{fake.user_name()}{i}@{fake.free_email_domain()}" for i in range(N)],  # all distinct
            "telefoon": [fake.phone_number() for _ in range(N)],
            "iban": [fake.iban() for _ in range(N)],
            "geboortedatum": [fake.date_of_birth(minimum_age=18, maximum_age=80).strftime("%d-%m-%Y")
                              for _ in range(N)],
            "opmerking": [fake.paragraph(nb_sentences=4) for _ in range(N)],
            "afdeling": rng.choice(["Inkoop", "Verkoop", "ICT"], N).tolist(),
            "leeftijd": rng.integers(18, 80, N),
        }
    )


@pytest.fixture(scope="module")
def people_model(people: pl.DataFrame) -> dt.Model:
    return dt.fit(people)


PERSONAL = {
    "voornaam": "first_name", "achternaam": "last_name", "email": "email", "telefoon": "phone_number",
    "iban": "iban", "geboortedatum": "date_of_birth",
}


def test_personal_columns_are_faker_with_reasons(people_model: dt.Model) -> None:
    for name, provider in PERSONAL.items():
        col = people_model.column(name)
        assert (col.kind, col.dtype, col.distribution.name) == ("string", "String", "faker"), name
        # a date of birth has no locale to detect (its text format is kept instead)
        locale = "en_US" if provider == "date_of_birth" else "nl_NL"
        assert (col.distribution.provider, col.distribution.locale) == (provider, locale), name
        assert col.selection["method"] == "personal data" and "% of the distinct values" in col.selection["reason"]
    assert people_model.column("email").unique
    text = people_model.column("opmerking")
    assert (text.distribution.name, text.distribution.locale) == ("free_text", "nl_NL")  # Dutch words detected
    assert text.selection["method"] == "free text"
    assert people_model.column("afdeling").distribution.name == "categorical"  # not personal data
    dob = people_model.column("geboortedatum").distribution
    assert dob.date_format == "%d-%m-%Y" and 1944 <= dob.birth_years[0] <= dob.birth_years[1] <= 2008


def test_model_file_holds_no_real_value(people: pl.DataFrame, people_model: dt.Model) -> None:
    text = people_model.to_json()
    for name in [*PERSONAL, "opmerking"]:
        for value in people[name].unique().to_list():
            assert json.dumps(value) not in text, (name, value)  # not even as a label
    for name in ("email", "telefoon", "iban", "opmerking"):
        for value in people[name].to_list():
            assert value not in text, (name, value)  # not even inside another string


def test_synthetic_values_are_made_up(people: pl.DataFrame, people_model: dt.Model) -> None:
    synth = people_model.sample(1000, seed=5)
    assert synth.columns == people.columns and synth.schema == people.schema
    assert synth.equals(people_model.sample(1000, seed=5)) and not synth.equals(people_model.sample(1000, seed=6))
    for name in ("email", "telefoon", "iban", "opmerking"):
        assert not set(synth[name].to_list()) & set(people[name].to_list()), name  # no copies
    assert synth["email"].str.contains(r"^[a-z0-9._\-]+@[a-z0-9.\-]+\.[a-z]+$").all()
    assert synth["email"].is_unique().all()  # the real column is unique
    assert _iban_checksum_ok(synth["iban"]).all() and synth["iban"].str.starts_with("NL").all()
    assert synth["telefoon"].str.count_matches(r"\d").min() >= 9
    # first names are Faker's: common names may also be real ones, that is expected
    from faker.providers.person.nl_NL import Provider

    assert set(synth["voornaam"].to_list()) <= set(Provider.first_names)
    born = synth["geboortedatum"].str.strptime(pl.Date, "%d-%m-%Y")  # the source's text format
    assert born.null_count() == 0
    # free text: lengths like the real ones, words made up
    real, fake = people["opmerking"].str.len_chars(), synth["opmerking"].str.len_chars()
    assert abs(fake.mean() - real.mean()) < 0.15 * real.mean()


def test_inspect_lists_personal_data_and_why(people_model: dt.Model, tmp_path: Path, run_cli) -> None:
    path = people_model.save(tmp_path / "people.json")
    code, out, err = run_cli(["inspect", str(path)])
    flat = " ".join(out.split())  # rich wraps long lines
    assert code == 0 and err == ""
    assert "personal data: email made up as email by Faker, no value kept (100% of the distinct values look like " \
           "e-mail addresses; column name 'email')" in flat
    assert "personal data: geboortedatum made up as date_of_birth" in flat
    assert "free text: opmerking made up, only text lengths kept (values average" in flat
    assert "faker(iban, nl_NL)" in flat


def test_spec_personal_false_keeps_a_wrong_guess_out() -> None:
    # hurricane names look like first names, but the owner publishes them as they are
    storms = ["Katrina", "Sandy", "Andrew", "Camille", "Irma", "Maria", "Michael", "Ian", "Ida", "Laura",
              "Florence", "Agnes", "Matthew", "Wilma", "Rita", "Ivan", "Betsy", "Frances", "Hugo", "Gilbert"]
    frame = pl.DataFrame({"storm": storms * 30})
    guessed = dt.fit(frame).column("storm")
    assert guessed.distribution.name == "faker" and guessed.distribution.provider == "first_name"
    kept = dt.fit(frame, {"columns": {"storm": {"personal": False}}}).column("storm")
    assert kept.distribution.name == "categorical" and sorted(kept.distribution.labels) == sorted(storms)
    assert kept.selection["method"] != "personal data"


def test_spec_forces_a_provider_and_locale() -> None:
    refs = [f"{i:03d} {j:07d}" for i, j in zip(range(200), range(5_000_000, 5_200_000, 1000))]  # no phone hint
    frame = pl.DataFrame({"ref": refs, "surname": _values("en_US", "last_name", 200)})
    assert detect_personal(frame["ref"], "ref") is None
    model = dt.fit(frame, {"columns": {"ref": {"personal": "phone_number", "locale": "nl_NL"},
                                       "surname": {"personal": "city"}}})  # a wrong guess corrected
    ref, surname = model.column("ref"), model.column("surname")
    assert (ref.distribution.provider, ref.distribution.locale) == ("phone_number", "nl_NL")
    assert ref.selection == {"method": "personal data", "reason": "the spec says personal = 'phone_number'"}
    assert surname.distribution.provider == "city"
    assert not set(model.sample(500, seed=1)["ref"].to_list()) & set(refs)


def test_forced_kind_or_distribution_wins_over_detection() -> None:
    frame = pl.DataFrame({"email": _values("en_US", "free_email", 300)})
    forced = dt.fit(frame, {"columns": {"email": {"distribution": "random_string"}}})
    assert forced.column("email").distribution.name == "random_string"
    assert dt.fit(frame, {"detect_personal": False}).column("email").distribution.name != "faker"


def test_locale_precedence() -> None:
    frame = pl.DataFrame({"telefoon": _values("nl_NL", "phone_number"), "mail": _values("de_DE", "free_email")})
    assert dt.fit(frame).column("telefoon").distribution.locale == "nl_NL"  # detected
    model = dt.fit(frame, {"locale": "de_DE", "columns": {"mail": {"locale": "fr_FR"}}})
    assert model.column("telefoon").distribution.locale == "de_DE"  # the owner's global locale beats a guess
    assert model.column("mail").distribution.locale == "fr_FR"  # the column's beats the global one


def test_unique_personal_column_stays_unique() -> None:
    frame = pl.DataFrame({"iban": _values("nl_NL", "iban", 300)})
    model = dt.fit(frame)
    assert model.column("iban").unique
    assert model.sample(5000, seed=2)["iban"].is_unique().all()


def test_free_text_with_odd_characters_and_a_huge_cell_does_not_leak() -> None:
    texts = _values("en_US", "paragraph", 300)
    texts[0] = "x" * 1_000_000  # a 1 MB cell
    texts[1] = "Control \x00\x07 chars and emoji 😀🎉 in one remark, quite a long one"
    texts[2] = "שלום עולם זה טקסט ארוך מימין לשמאל עם הרבה מילים"
    texts[3] = "\u202eRight-to-left override inside a long remark about nothing"
    frame = pl.DataFrame({"remark": texts, "n": range(300)})
    model = dt.fit(frame)
    col = model.column("remark")
    assert col.distribution.name == "free_text" and col.selection["method"] == "free text"
    blob = model.to_json()
    assert len(blob) < 20_000 and "xxxxxxxxxx" not in blob
    assert not any(t in blob for t in texts)
    synth = model.sample(300, seed=3)["remark"]
    assert not set(synth.to_list()) & set(texts)
    assert synth.str.len_chars().max() <= 1_000_000


def test_one_value_and_all_missing_personal_columns() -> None:
    schema = {"email": pl.String, "x": pl.Int64}
    one = dt.fit(pl.DataFrame({"email": [None] * 5 + ["a@b.nl"], "x": range(6)}, schema=schema))
    col = one.column("email")  # not the 'constant' a single value would get: that would copy it
    assert (col.distribution.name, col.distribution.locale) == ("faker", "nl_NL")
    assert col.prop_missing == pytest.approx(5 / 6)
    assert "a@b.nl" not in one.to_json()
    none = dt.fit(pl.DataFrame({"email": [None] * 6, "x": range(6)}, schema=schema),
                  {"columns": {"email": {"personal": "email"}}})
    assert none.column("email").distribution is None and none.sample(20, seed=0)["email"].null_count() == 20


# -- the fitting helpers under a private policy ---------------------------------------------------


def test_private_policy_never_detects_but_applies_a_forced_provider() -> None:
    series = pl.Series("email", _values("en_US", "free_email", 100))
    assert personal_for_fit(series, ColumnSpec(), FitSpec(), reads_values=False) is None
    forced = personal_for_fit(series, ColumnSpec(personal="email"), FitSpec(), reads_values=False)
    assert forced.spec.distribution == {"name": "faker", "parameters": {"provider": "email", "locale": "en_US",
                                                                        "date_format": None, "birth_years": None}}
    assert forced.spec.kind == "string" and forced.spec.text_format is False
    dob = pl.Series("dob", _values("en_US", "dob", 50))
    with pytest.raises(ColumnError, match=r"column 'dob': a date_of_birth column needs its text format and years"):
        personal_for_fit(dob, ColumnSpec(personal="date_of_birth"), FitSpec(), reads_values=False)
    values = np.array(_values("en_US", "paragraph", 50), dtype=object)
    assert free_text_for_fit(values, np.ones(50), "string", ColumnSpec(), FitSpec(), reads_values=False) is None
    assert free_text_for_fit(values, np.ones(50), "string", ColumnSpec(), FitSpec()).spec.distribution == "free_text"


def test_forced_date_of_birth_that_is_not_dates_is_an_error() -> None:
    frame = pl.DataFrame({"born": ["yesterday", "long ago"] * 10})
    with pytest.raises(ColumnError, match=r"column 'born': faker: only 0% of the values read as dates in one format"):
        dt.fit(frame, {"columns": {"born": {"personal": "date_of_birth"}}})


def test_names_written_last_name_first_are_names() -> None:
    fake = Faker("en_US")
    fake.seed_instance(4)
    values = [f"{fake.last_name()}, {fake.first_name()}" for _ in range(300)]  # 'Young, Amy'
    assert detect_personal(pl.Series("x", values), "x").provider == "name"


def test_forced_provider_on_a_numeric_column_is_an_error_not_ignored() -> None:
    frame = pl.DataFrame({"phone": list(range(2_000_000_000, 2_000_000_300))})
    with pytest.raises(ColumnError, match=r"column 'phone': the spec says personal = 'phone_number', but the column is "
                                          r"Int64 .* cast the column to String"):
        dt.fit(frame, {"columns": {"phone": {"personal": "phone_number"}}})


def test_a_small_date_of_birth_column_publishes_no_real_year() -> None:
    born = [f"{y}-03-0{i % 9 + 1}" for i, y in enumerate(range(1931, 2004, 5))]  # 15 people
    model = dt.fit(pl.DataFrame({"date_of_birth": born}))
    years = model.column("date_of_birth").distribution.birth_years
    assert 1931 < years[0] <= years[1] < 2001
    assert "1931" not in model.to_json() and "2001" not in model.to_json()


def test_phone_numbers_stored_as_numbers_are_warned_about() -> None:
    frame = pl.DataFrame({"phone": [31612345000 + i * 7919 for i in range(50)], "age": list(range(50))})
    with pytest.warns(dt.DatatwinWarning, match="column 'phone' holds numbers, but its name suggests phone numbers"):
        dt.fit(frame)
    dt.fit(frame, {"columns": {"phone": {"personal": False}}})  # the owner's word: no warning
