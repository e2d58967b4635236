"""Dates, datetimes, times and numbers written as text: detect, parse, render, fit, sample."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import ColumnError, DatatwinWarning, ModelFileError, SpecError
from datatwin.prepare.textcolumn import resolve_text_column
from datatwin.prepare.textdetect import MIN_SHARE, detect_text_format
from datatwin.prepare.textformat import TextFormat
from datatwin.schema import parse_spec

RNG_SEED = 7


def _days(n: int = 300, seed: int = RNG_SEED) -> pl.Series:
    rng = np.random.default_rng(seed)
    days = (np.datetime64("2019-01-01") + rng.integers(0, 3000, n)).astype("datetime64[D]")
    return pl.Series(days).cast(pl.Date)


def _stamps(n: int = 300, unit: str = "us", seed: int = RNG_SEED, fraction: bool = False) -> pl.Series:
    rng = np.random.default_rng(seed)
    base = np.datetime64("2021-01-01T00:00:00", "ns")
    ticks = rng.integers(0, 86_400 * 600, n).astype("timedelta64[s]").astype("timedelta64[ns]")
    if fraction:
        ticks = ticks + rng.integers(0, 10**9, n).astype("timedelta64[ns]")
    return pl.Series((base + ticks).astype(f"datetime64[{unit}]"))


# -- detection and the round trip, format by format ---------------------------------------
DATE_PATTERNS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d %b %Y", "%b %-d, %Y", "%-d/%-m/%Y"]
DATETIME_PATTERNS = [
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S%.3f",
    "%Y-%m-%dT%H:%M:%S%.6f",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.3fZ",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
]
TIME_PATTERNS = ["%H:%M", "%H:%M:%S", "%H:%M:%S%.3f", "%I:%M %p"]


@pytest.mark.parametrize("pattern", DATE_PATTERNS)
def test_dates_are_detected_and_round_trip(pattern: str) -> None:
    text = _days().dt.strftime(pattern)
    found = detect_text_format(text)
    assert found is not None and found.format.pattern == pattern and found.format.kind == "date"
    assert found.share == 1.0
    fmt = found.format
    assert fmt.render(fmt.parse(text)).to_list() == text.to_list()


@pytest.mark.parametrize("pattern", DATETIME_PATTERNS)
def test_datetimes_are_detected_and_round_trip(pattern: str) -> None:
    text = _stamps(fraction="%.3f" in pattern or "%.6f" in pattern).dt.strftime(pattern)
    found = detect_text_format(text)
    assert found is not None and found.format.pattern == pattern and found.format.kind == "datetime"
    assert found.format.dtype == ("Datetime[us, UTC]" if pattern.endswith("Z") else "Datetime[us]")
    assert found.format.render(found.format.parse(text)).to_list() == text.to_list()


@pytest.mark.parametrize("pattern", TIME_PATTERNS)
def test_times_are_detected_and_round_trip(pattern: str) -> None:
    text = _stamps(fraction=True).dt.time().dt.strftime(pattern)
    found = detect_text_format(text)
    assert found is not None and found.format.pattern == pattern and found.format.dtype == "Time"
    assert found.format.render(found.format.parse(text)).to_list() == text.to_list()


def test_nanoseconds_keep_nine_digits() -> None:
    text = _stamps(unit="ns", fraction=True).dt.strftime("%Y-%m-%d %H:%M:%S%.9f")
    found = detect_text_format(text)
    assert found.format.pattern == "%Y-%m-%d %H:%M:%S%.9f" and found.format.dtype == "Datetime[ns]"
    assert found.format.render(found.format.parse(text)).to_list() == text.to_list()


def test_a_fixed_offset_comes_back() -> None:
    text = pl.Series(["2026-11-23T10:00:00+01:00", "2026-07-01T23:30:15+01:00", "2025-01-31T00:00:00+01:00"])
    found = detect_text_format(text)
    fmt = found.format
    assert (fmt.pattern, fmt.time_zone, fmt.dtype) == ("%Y-%m-%dT%H:%M:%S%:z", "+01:00", "Datetime[us, UTC]")
    parsed = fmt.parse(text)
    assert parsed[0] == _dt.datetime(2026, 11, 23, 9, 0, tzinfo=_dt.UTC)  # the instant, in UTC
    assert fmt.render(parsed).to_list() == text.to_list()


def test_offsets_without_colon_and_negative() -> None:
    text = pl.Series(["2026-11-23 10:00:00 -0530", "2026-01-02 03:04:05 -0530"])
    fmt = detect_text_format(text).format
    assert (fmt.pattern, fmt.time_zone) == ("%Y-%m-%d %H:%M:%S %z", "-05:30")
    assert fmt.render(fmt.parse(text)).to_list() == text.to_list()


def test_daylight_saving_offsets_follow_a_zone() -> None:
    local = _stamps(400).dt.replace_time_zone("America/New_York", ambiguous="earliest", non_existent="null").drop_nulls()
    text = local.dt.strftime("%Y-%m-%dT%H:%M:%S%:z")
    assert text.str.slice(-6).n_unique() == 2  # -05:00 and -04:00
    fmt = detect_text_format(text).format
    assert fmt.time_zone == "America/New_York"
    assert fmt.render(fmt.parse(text)).to_list() == text.to_list()


NUMBER_CASES = [
    ("#,##0.00", ["1,234.50", "-0.25", "12.00", "1,234,567.89", "0.00"]),
    ("#.##0,00", ["1.234,50", "-0,25", "12,00", "1.234.567,89"]),
    ("# ##0,00", ["1 234,50", "12,00", "999,99"]),
    ("#\u00a0##0,0", ["1\u00a0234,5", "12,0"]),
    ("#'##0.00", ["1'234.50", "12.00"]),
    ("#,##0", ["1,234", "5,678,901", "12", "-7"]),
    ("0.##", ["1.5", "2.25", "3", "-0.75"]),
    ("0.000", ["1.234", "5.678"]),  # one '.' before three digits: a decimal mark (documented)
    ("$#,##0.00", ["$1,234.50", "$5.00"]),
    ("#.##0,00 €", ["1.234,50 €", "2,00 €"]),
    ("0.0%", ["12.5%", "3.0%"]),
    ("USD #,##0.00", ["USD 1,234.00", "USD 5.10"]),
]


@pytest.mark.parametrize(("pattern", "values"), NUMBER_CASES)
def test_numbers_are_detected_and_round_trip(pattern: str, values: list[str]) -> None:
    text = pl.Series("x", values)
    found = detect_text_format(text)
    assert found is not None and found.format.pattern == pattern
    assert found.format.render(found.format.parse(text)).to_list() == values


def test_number_parts_and_values() -> None:
    fmt = TextFormat.from_pattern("€#.##0,00")
    parts = fmt.numbers
    assert (parts.prefix, parts.thousands, parts.decimal, parts.decimals, parts.fixed) == ("€", ".", ",", 2, True)
    assert fmt.parse(pl.Series(["€1.234.567,89", "€-3,10"])).to_list() == [1234567.89, -3.1]
    assert TextFormat.from_pattern("#,##0").dtype == "Int64"


def test_rendering_rounds_and_groups_large_values() -> None:
    fmt = TextFormat.from_pattern("#,##0.00")
    values = pl.Series([0.004, -0.004, 999.999, 1e15 + 0.25, None, -1234567.891])
    expected = ["0.00", "0.00", "1,000.00", "1,000,000,000,000,000.25", None, "-1,234,567.89"]
    assert fmt.render(values).to_list() == expected
    # the same text as Python's own formatting, over many magnitudes and signs
    rng = np.random.default_rng(RNG_SEED)
    many = rng.lognormal(3, 4, 20_000) * rng.choice([-1, 1], 20_000)
    many = many[np.abs(many) < 1e14]
    assert fmt.render(pl.Series(many)).to_list() == [f"{v:,.2f}".replace("-0.00", "0.00") for v in many]
    trimmed = TextFormat.from_pattern("0.##")
    assert trimmed.render(pl.Series([1.0, 1.5, 1.25, 1.254])).to_list() == ["1", "1.5", "1.25", "1.25"]


def test_trimmed_decimals_are_not_exact_for_padded_text() -> None:
    # decided and documented: a column mixing '1.50' and '2.5' keeps the shape most values have
    text = pl.Series(["1.50", "2.25", "3.10", "2.5"])
    fmt = detect_text_format(text).format
    assert fmt.pattern == "0.00"
    assert fmt.render(fmt.parse(text)).to_list() == ["1.50", "2.25", "3.10", "2.50"]


# -- what is not a date or a number ---------------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [
        ["00123", "01234", "04567"],  # zip codes with leading zeros: codes
        ["123", "456", "7890"],  # plain digits: codes unless the spec says otherwise
        ["N14228", "N24211", "N619AA"],
        ["Private", "Self-emp-not-inc", "State-gov"],
        ["1.2.3", "1.10.0", "2.0.1"],
        ["192.168.1.1", "10.0.0.1"],
        ["+31 6 1234 5678", "+31 6 8765 4321"],
        ["17-000003", "17-000004"],
        ["<=50K", ">50K"],
        ["2026-13-45", "2026-14-99"],  # date-shaped, but no such dates
    ],
)
def test_codes_and_words_are_left_as_text(values: list[str]) -> None:
    assert detect_text_format(pl.Series(values * 5)) is None


def test_month_first_only_where_some_day_is_above_12() -> None:
    assert detect_text_format(pl.Series(["11/23/2026", "01/02/2026"])).format.pattern == "%m/%d/%Y"
    assert detect_text_format(pl.Series(["23/11/2026", "01/02/2026"])).format.pattern == "%d/%m/%Y"
    # every value ambiguous: day-first (documented); the spec can say month-first
    ambiguous = pl.Series("d", ["01/02/2026", "03/04/2026", "12/11/2025"])
    assert detect_text_format(ambiguous).format.pattern == "%d/%m/%Y"
    forced = resolve_text_column(ambiguous, "%m/%d/%Y")
    assert forced.series[0] == _dt.date(2026, 1, 2)


def test_lone_comma_before_three_digits_is_a_thousands_separator() -> None:
    fmt = detect_text_format(pl.Series(["1,234", "5,678"])).format
    assert fmt.pattern == "#,##0" and fmt.parse(pl.Series(["1,234"])).to_list() == [1234]
    # another value settles it: '12,5' has a decimal comma
    assert detect_text_format(pl.Series(["1,234", "12,5"])).format.pattern == "0,###"


def test_mixed_formats_report_their_shares() -> None:
    text = pl.Series("d", ["23/11/2026"] * 62 + ["2026-11-23"] * 38)
    found = detect_text_format(text)
    assert found.format.pattern == "%d/%m/%Y" and found.n_failed == 38 and found.share == pytest.approx(0.62)
    assert found.others == ("%Y-%m-%d",)
    assert found.reason() == (
        "62% of values parse as %d/%m/%Y, 38% (38 value(s)) do not; they look like %Y-%m-%d; left as text: "
        'set unparsed = "missing" in the spec to model it as date and treat the rest as missing'
    )


def test_a_format_fitting_less_than_half_is_not_reported() -> None:
    text = pl.Series(["23/11/2026"] * 4 + [f"word {i}" for i in range(6)])
    assert MIN_SHARE == 0.5 and detect_text_format(text) is None


def test_detection_ignores_missing_and_non_text() -> None:
    assert detect_text_format(pl.Series(["2026-01-02", None, None])).n_values == 1
    assert detect_text_format(pl.Series([None, None], dtype=pl.String)) is None
    assert detect_text_format(pl.Series([1, 2, 3])) is None


# -- the TextFormat value ----------------------------------------------------------------------
def test_to_dict_from_dict_round_trip() -> None:
    fmt = TextFormat.from_pattern("%Y-%m-%dT%H:%M:%S%:z", time_zone="Europe/Amsterdam")
    assert fmt.to_dict() == {
        "kind": "datetime", "pattern": "%Y-%m-%dT%H:%M:%S%:z", "dtype": "Datetime[us, UTC]", "time_zone": "Europe/Amsterdam",
    }
    assert TextFormat.from_dict(fmt.to_dict()) == fmt
    number = TextFormat.from_pattern("#,##0.00")
    assert number.to_dict() == {"kind": "continuous", "pattern": "#,##0.00", "dtype": "Float64"}
    assert TextFormat.from_dict(number.to_dict()) == number


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "date", "pattern": "%d/%m/%Y"}, r"text_format misses key\(s\) \['dtype'\]"),
        ({"kind": "date", "pattern": "%d/%m/%Y", "dtype": "Date", "x": 1}, r"unknown key\(s\) \['x'\]"),
        ({"kind": "text", "pattern": "%d", "dtype": "Date"}, "kind must be one of"),
        ({"kind": "date", "pattern": "%d/%m/%Y", "dtype": "Int64"}, "'%d/%m/%Y' of kind 'date' parses to Date, not 'Int64'"),
        ({"kind": "time", "pattern": "%d/%m/%Y", "dtype": "Time"}, "is a date pattern, not a time one"),
        ({"kind": "date", "pattern": "%d/%Q/%Y", "dtype": "Date"}, r"directive\(s\) \['%Q'\] are not supported"),
        ({"kind": "discrete", "pattern": "0.00", "dtype": "Int64"}, "holds decimals: its kind is 'continuous'"),
        ({"kind": "continuous", "pattern": "abc", "dtype": "Float64"}, "neither a strftime pattern"),
        (
            {"kind": "datetime", "pattern": "%Y-%m-%d %H:%M%z", "dtype": "Datetime[us, UTC]", "time_zone": "Mars/Base"},
            "time_zone must be an offset like '\\+01:00' or a zone",
        ),
        ({"kind": "date", "pattern": "%d/%m/%Y", "dtype": "Date", "time_zone": "+01:00"}, "only for patterns with %z"),
    ],
)
def test_from_dict_refuses_bad_entries(data: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        TextFormat.from_dict(data)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("%H%z", "a time zone needs both a date and a time"),
        ("#x##0", "thousands separator 'x' is not one of"),
        ("", "non-empty pattern"),
        ("%%", "is neither a strftime pattern"),
    ],
)
def test_bad_patterns_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        TextFormat.from_pattern(pattern)


# -- fitting and sampling ----------------------------------------------------------------------
@pytest.fixture()
def text_frame() -> pl.DataFrame:
    days = _days(400)
    rng = np.random.default_rng(RNG_SEED)
    amounts = pl.Series(rng.lognormal(7, 1.2, 400)).round(2)
    return pl.DataFrame(
        {
            "day": days.dt.strftime("%d/%m/%Y"),
            "stamp": _stamps(400).dt.replace_time_zone("UTC").dt.convert_time_zone("Europe/Amsterdam").dt.strftime(
                "%Y-%m-%dT%H:%M:%S%:z"
            ),
            "clock": _stamps(400).dt.time().dt.strftime("%H:%M"),
            "amount": TextFormat.from_pattern("#,##0.00").render(amounts),
            "count": TextFormat.from_pattern("#,##0").render(pl.Series(rng.integers(0, 5000, 400))),
            "zip": [f"{z:05d}" for z in rng.integers(0, 9999, 400)],
        }
    )


def test_fit_models_the_parsed_kind_and_samples_the_same_text(text_frame: pl.DataFrame, tmp_path: Path) -> None:
    model = dt.fit(text_frame)
    expect = {
        "day": ("date", "%d/%m/%Y"), "stamp": ("datetime", "%Y-%m-%dT%H:%M:%S%:z"), "clock": ("time", "%H:%M"),
        "amount": ("continuous", "#,##0.00"), "count": ("discrete", "#,##0"),
    }
    for name, (kind, pattern) in expect.items():
        col = model.column(name)
        assert (col.kind, col.dtype, col.text_format["pattern"]) == (kind, "String", pattern)
    assert model.column("zip").text_format is None  # leading zeros: a code
    synth = dt.load(model.save(tmp_path / "m.json")).sample(500, seed=3)
    assert all(synth[c].dtype == pl.String for c in synth.columns)
    for name, (_, pattern) in expect.items():
        fmt = TextFormat.from_dict(model.column(name).text_format)
        parsed = fmt.parse(synth[name])
        assert parsed.null_count() == 0, name
        assert fmt.render(parsed).to_list() == synth[name].to_list()
    # distributions were fitted on the parsed values: the amounts keep their scale
    real = TextFormat.from_pattern("#,##0.00").parse(text_frame["amount"])
    fake = TextFormat.from_pattern("#,##0.00").parse(synth["amount"])
    assert abs(np.log(fake.median()) - np.log(real.median())) < 0.2
    # daylight saving time: both Amsterdam offsets come back
    assert set(synth["stamp"].str.slice(-6).unique()) == {"+01:00", "+02:00"}


def test_sampled_text_is_reproducible(text_frame: pl.DataFrame) -> None:
    model = dt.fit(text_frame)
    assert model.sample(50, seed=1).equals(model.sample(50, seed=1))


def test_unique_numbers_stay_unique_as_text() -> None:
    frame = pl.DataFrame({"v": TextFormat.from_pattern("#,##0.0").render(pl.Series(np.arange(60) * 1.5 + 1000))})
    model = dt.fit(frame)
    col = model.column("v")
    assert col.unique and col.text_format["pattern"] == "#,##0.0"
    assert model.sample(200, seed=0)["v"].n_unique() == 200


def test_missing_values_stay_missing(text_frame: pl.DataFrame) -> None:
    frame = text_frame.select(pl.when(pl.int_range(400) % 4 == 0).then(pl.lit("?")).otherwise(pl.col("day")).alias("day"))
    model = dt.fit(frame, missing_values=["?"])
    assert model.column("day").prop_missing == pytest.approx(0.25)
    assert model.column("day").text_format["pattern"] == "%d/%m/%Y"
    assert model.sample(2000, seed=0)["day"].null_count() == pytest.approx(500, abs=70)


# -- the spec --------------------------------------------------------------------------------
def test_spec_forces_a_format() -> None:
    frame = pl.DataFrame({"d": ["01/02/2026", "03/04/2026", "05/06/2026"] * 10})
    model = dt.fit(frame, {"columns": {"d": {"text_format": "%m/%d/%Y"}}})
    col = model.column("d")
    assert col.text_format["pattern"] == "%m/%d/%Y"
    assert col.distribution.lower == "2026-01-02" and col.distribution.upper == "2026-05-06"


def test_spec_forces_a_number_format_on_plain_digits() -> None:
    frame = pl.DataFrame({"n": [str(v) for v in range(100, 400, 3)]})
    assert dt.fit(frame).column("n").text_format is None  # plain digits are codes by default
    col = dt.fit(frame, {"columns": {"n": {"text_format": "0"}}}).column("n")
    assert (col.kind, col.text_format) == ("discrete", {"kind": "discrete", "pattern": "0", "dtype": "Int64"})


def test_spec_text_format_false_keeps_text(text_frame: pl.DataFrame) -> None:
    col = dt.fit(text_frame.select("day"), {"columns": {"day": {"text_format": False}}}).column("day")
    assert col.text_format is None and col.kind == "string"
    assert dt.fit(text_frame.select("day"), {"columns": {"day": {"kind": "string"}}}).column("day").text_format is None


def test_spec_kind_date_looks_for_dates_only() -> None:
    frame = pl.DataFrame({"d": ["2026-01-02", "2026-02-03"] * 10, "n": ["1,234.5", "7.25"] * 10})
    model = dt.fit(frame, {"columns": {"d": {"kind": "date"}, "n": {"kind": "continuous"}}})
    assert model.column("d").text_format["kind"] == "date"
    assert model.column("n").text_format["pattern"] == "#,##0.##"
    with pytest.raises(ColumnError, match="column 'n': kind 'date' is forced, but no date format fits its text"):
        dt.fit(frame, {"columns": {"n": {"kind": "date"}}})


def test_forced_format_that_does_not_fit_is_an_error() -> None:
    frame = pl.DataFrame({"d": ["23/11/2026"] * 8 + ["2026-11-23"] * 2})
    with pytest.raises(
        ColumnError,
        match=r"column 'd': 2 of 10 value\(s\) \(20%\) do not parse as the spec's text_format '%d/%m/%Y'; fix the "
        r'format, or set unparsed = "missing"',
    ):
        dt.fit(frame, {"columns": {"d": {"text_format": "%d/%m/%Y"}}})
    with pytest.raises(SpecError, match=r"spec for column 'd': text_format '%d/%q': directive\(s\) \['%q'\] are not supported"):
        dt.fit(frame, {"columns": {"d": {"text_format": "%d/%q"}}})


def test_forced_format_with_unparsed_missing() -> None:
    frame = pl.DataFrame({"d": ["23/11/2026"] * 8 + ["2026-11-23"] * 2})
    with pytest.warns(DatatwinWarning, match=r"column 'd': 2 of 10 value\(s\) \(20%\) do not parse as %d/%m/%Y"):
        col = dt.fit(frame, {"unparsed": "missing", "columns": {"d": {"text_format": "%d/%m/%Y"}}}).column("d")
    assert col.prop_missing == pytest.approx(0.2) and col.text_format["pattern"] == "%d/%m/%Y"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"columns": {"d": {"text_format": 3}}}, r"spec for column 'd': 'text_format' must be a pattern such as"),
        ({"columns": {"d": {"text_format": True}}}, r"'text_format' must be a pattern .* or false to keep the text"),
        ({"columns": {"d": {"text_format": ""}}}, r"'text_format' must be a pattern"),
        ({"columns": {"d": {"unparsed": "drop"}}}, r"spec for column 'd': 'unparsed' must be \"text\" .* Got 'drop'"),
        ({"unparsed": None}, r"spec: 'unparsed' must be \"text\""),
    ],
)
def test_spec_validation(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(raw)


def test_spec_options_parse() -> None:
    spec = parse_spec({"unparsed": "missing", "columns": {"d": {"text_format": "%d/%m/%Y", "unparsed": "text"}}})
    assert spec.unparsed == "missing"
    assert (spec.columns["d"].text_format, spec.columns["d"].unparsed) == ("%d/%m/%Y", "text")
    assert parse_spec({"columns": {"d": {"text_format": False}}}).columns["d"].text_format is False


def test_a_private_policy_does_not_guess_formats() -> None:
    seen: list[Any] = []

    class Session(dt.privacy.PolicySession):
        def release_column(self, data):
            seen.append(data)
            return dt.privacy.ColumnRelease(data=data)

        def privacy_section(self) -> dict[str, Any]:
            return {"policy": "none", "ledger": []}

    class Policy(dt.privacy.PrivacyPolicy):
        name = "test-private"
        reads_values = False

        def start(self, table):
            return Session()

    frame = pl.DataFrame({"a": ["2026-01-02", "2026-03-04"] * 10, "b": ["2026-01-02", "2026-03-04"] * 10})
    dt.fit(frame, {"columns": {"b": {"text_format": "%Y-%m-%d", "kind": "date"}}}, privacy=Policy())
    assert [(d.name, d.dtype) for d in seen] == [("a", "String"), ("b", "Date")]


# -- the model file ----------------------------------------------------------------------------
def _entry(**changes: Any) -> dict[str, Any]:
    model = dt.fit(pl.DataFrame({"d": _days(50).dt.strftime("%d/%m/%Y")}))
    data = model.to_dict()
    data["columns"][0].update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"dtype": "Date"}, r"\$\.columns\[0\]\.dtype", "a column with a text_format holds text: dtype must be 'String'"),
        ({"kind": "time"}, r"\$\.columns\[0\]\.kind", "a column whose text_format parses to Date cannot be of kind 'time'"),
        (
            {"text_format": {"kind": "date", "pattern": "%d/%m/%Y", "dtype": "Time"}},
            r"\$\.columns\[0\]\.text_format",
            "parses to Date, not 'Time'",
        ),
        ({"text_format": {"kind": "date", "pattern": "%d/%m/%Y"}}, r"\$\.columns\[0\]\.text_format", "required property"),
    ],
)
def test_model_file_checks_text_format(tmp_path: Path, changes: dict[str, Any], path: str, message: str) -> None:
    file = tmp_path / "m.json"
    file.write_text(json.dumps(_entry(**changes)), encoding="utf-8")
    with pytest.raises(ModelFileError, match=f"{path} \\(column 'd'\\): .*{message}"):
        dt.load(file)


def test_hand_edited_pattern_changes_the_output(tmp_path: Path) -> None:
    data = _entry()
    data["columns"][0]["text_format"]["pattern"] = "%Y%m%d"
    file = tmp_path / "m.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    out = dt.load(file).sample(20, seed=0)["d"]
    assert out.str.contains(r"^20[0-9]{6}$").all()


# -- real data ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_real_data_has_no_text_dates_or_numbers(adult_path: Path, flights_path: Path) -> None:
    adult = pl.read_csv(adult_path)
    flights = pl.read_parquet(flights_path)
    for frame in (adult, flights):
        for name in frame.columns:
            if frame[name].dtype == pl.String:
                assert detect_text_format(frame[name]) is None, name
    small = flights.head(20_000)
    model = dt.fit(small)
    assert all(c.text_format is None for c in model.columns)
    assert model.column("time_hour").dtype == "Datetime[us, UTC]"
    assert model.sample(100, seed=0)["time_hour"].dtype == pl.Datetime("us", "UTC")
