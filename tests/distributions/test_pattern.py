"""The structured-string pattern model: formats kept, rare literals never published."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.distributions import PatternDistribution, RandomStringDistribution, distribution_from_dict
from datatwin.distributions.testing import check_distribution
from datatwin.errors import DistributionError, SamplingError


def _published_texts(model: PatternDistribution) -> list[str]:
    """Every piece of real text the model file holds: literals, literal values, fallback symbols."""
    texts = []
    for shape in model.shapes:
        for tok in shape["tokens"]:
            texts.extend([tok["literal"]] if "literal" in tok else list(tok["values"]))
    if model.fallback is not None:
        texts.extend(model.fallback["symbols"])
    return texts


def _rows_and_values_holding(values: np.ndarray, counts: np.ndarray, text: str) -> tuple[float, int]:
    hit = pl.Series(values.tolist(), dtype=pl.String).str.contains(text, literal=True).to_numpy()
    return float(counts[hit].sum()), int(hit.sum())


def _full_matcher(model: PatternDistribution) -> re.Pattern:
    parts = [s["pattern"] for s in model.shapes] + ([model.fallback["pattern"]] if model.fallback else [])
    return re.compile("|".join(f"(?:{p})" for p in parts))


# -- flights tail numbers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def tailnums(flights_path: Path) -> tuple[np.ndarray, np.ndarray]:
    vc = pl.read_parquet(flights_path, columns=["tailnum"])["tailnum"].drop_nulls().value_counts()
    return vc["tailnum"].to_numpy(), vc["count"].to_numpy()


@pytest.fixture(scope="module")
def tail_model(tailnums) -> PatternDistribution:
    return PatternDistribution.fit(*tailnums)


def test_tailnum_shapes_are_the_registration_formats(tail_model: PatternDistribution) -> None:
    patterns = [s["pattern"] for s in tail_model.shapes]
    assert patterns[:3] == ["N[0-9]{3}[A-Z]{2}", "N[0-9]{5}", "N[0-9][A-Z]{4}"]
    suffix = tail_model.shapes[0]["tokens"][2]
    assert {"AA", "UA", "JB", "MQ"} <= set(suffix["values"])  # airline codes shared by many aircraft
    assert tail_model.fallback is not None and tail_model.fallback["prob"] < 0.005


def test_tailnum_model_publishes_no_literal_held_by_fewer_than_10_rows(tailnums, tail_model) -> None:
    values, counts = tailnums
    for text in _published_texts(tail_model):
        rows, distinct = _rows_and_values_holding(values, counts, text)
        assert rows >= 10 and distinct >= 10, (text, rows, distinct)
    file = json.dumps(tail_model.to_dict())
    rare = values[counts < 10]
    assert len(rare) > 500
    assert not [v for v in rare.tolist() if v in file]


def test_tailnum_samples_match_and_rarely_copy_rare_tail_numbers(tailnums, tail_model) -> None:
    values, counts = tailnums
    sample = tail_model.sample(100_000, rng=7)
    matcher = _full_matcher(tail_model)
    assert all(matcher.fullmatch(v) for v in sample.tolist())
    assert tail_model.matches(sample).all()
    rare = set(values[counts < 10].tolist())
    copies = np.mean([v in rare for v in sample.tolist()])
    assert copies <= 0.01
    assert np.mean([v.startswith("N") for v in sample.tolist()]) > 0.99


def test_fit_on_flights_selects_pattern_for_tailnum(flights_path: Path) -> None:
    frame = pl.read_parquet(flights_path, columns=["tailnum", "carrier"])
    model = dt.fit(frame)
    col = model.column("tailnum")
    assert col.distribution.name == "pattern"
    assert col.selection["scores"]["pattern"] < col.selection["scores"]["random_string"]
    synth = model.sample(5_000, seed=3)["tailnum"].drop_nulls()
    assert col.distribution.matches(synth.to_numpy()).all()
    assert synth.null_count() == 0 and synth.len() > 4_900


# -- case numbers, postcodes, the k-rule -------------------------------------------------------


def _case_numbers(rng: np.random.Generator) -> np.ndarray:
    common = [f"CR{y}-{i:06d}" for y in (17, 18, 19) for i in rng.choice(999, 300, replace=False) + 1]
    common += [f"TR{y}-{i:06d}" for y in (17, 18) for i in rng.choice(999, 200, replace=False) + 1]
    # 30 prefixes held by 2 rows each: together enough rows to draw from, each too rare to publish
    letters = "ABDEFGHJKLMNPQSUVWXYZ"
    rare_prefixes = [a + b for a, b in itertools.islice(itertools.product(letters, letters), 30)]
    rare = [f"{p}18-{i:06d}" for j, p in enumerate(rare_prefixes) for i in (2 * j + 500, 2 * j + 501)]
    odd = ["ZZ-0001", "ZZ-0002", "case 17", "QX19-12"]  # rare shapes
    return np.array(common + rare + odd, dtype=object)


def rare_prefixes_of(values: np.ndarray) -> list[str]:
    prefixes = [v[:2] for v in values.tolist()]
    return [p for p in set(prefixes) if prefixes.count(p) < 10]


def test_case_numbers_keep_shape_separator_and_shared_prefixes() -> None:
    values = _case_numbers(np.random.default_rng(0))
    model = PatternDistribution.fit(values)
    assert [s["pattern"] for s in model.shapes] == ["[A-Z]{2}[0-9]{2}-[0-9]{6}"]
    prefix, year, dash, number = model.shapes[0]["tokens"]
    assert dash == {"literal": "-"}
    assert set(prefix["values"]) == {"CR", "TR"} and prefix["other"] == pytest.approx(60 / 1360)
    assert set(year["values"]) == {"17", "18", "19"}
    assert number["chars"][:3] == [{"0": 1.0}, {"0": 1.0}, {"0": 1.0}]  # counters below 1000
    file = json.dumps(model.to_dict())
    for gone in ["ZZ", "QX", "case", *rare_prefixes_of(values)]:
        assert gone not in file
    assert model.fallback is None and model.shapes[0]["prob"] == 1.0  # 4 odd values: fewer than k rows
    assert model.log_likelihood(np.array(["case 17"], dtype=object)) == -math.inf
    sample = model.sample(20_000, rng=1)
    assert model.matches(sample).all()
    kept_shape = re.compile(model.shapes[0]["pattern"])
    drawn = [v for v in sample.tolist() if kept_shape.fullmatch(v)]
    assert all(v[5:8] == "000" for v in drawn)
    other_prefix = np.mean([v[:2] not in ("CR", "TR") for v in drawn])
    assert other_prefix == pytest.approx(60 / 1360, abs=0.006)  # rare prefixes come back as the class


def test_postcodes_keep_their_shape_and_space() -> None:
    rng = np.random.default_rng(5)
    values = np.array(
        [f"{d} {a}{b}" for d, a, b in zip(rng.integers(1000, 10000, 3000), rng.choice(list("ABCDEFGH"), 3000),
                                           rng.choice(list("ABCDEFGHJKLMNPRSTVWXZ"), 3000))],
        dtype=object,
    )
    model = PatternDistribution.fit(values)
    assert [s["pattern"] for s in model.shapes] == ["[0-9]{4} [A-Z]{2}"]
    assert model.shapes[0]["tokens"][1] == {"literal": " "}
    assert model.fallback is None
    sample = model.sample(5_000, rng=2)
    assert all(re.fullmatch(r"[0-9]{4} [A-Z]{2}", v) for v in sample.tolist())
    letters = model.shapes[0]["tokens"][2]
    assert len(letters["values"]) > 150 and letters["other"] < 0.02  # the letter pairs are shared, so kept
    assert np.mean([v[5] not in "ABCDEFGH" for v in sample.tolist()]) < 0.02


@pytest.mark.parametrize(("k", "kept"), [(2, True), (10, True), (41, False)])
def test_k_is_configurable(k: int, kept: bool) -> None:
    # prefix "QA" in 40 rows of 40 distinct values; "XB" in 400
    values = np.array([f"QA{i:04d}" for i in range(40)] + [f"XB{i:04d}" for i in range(400)], dtype=object)
    model = PatternDistribution.fit(values, k=k)
    assert model.k == k
    prefix = model.shapes[0]["tokens"][0]
    assert ("QA" in prefix.get("values", {})) is kept
    assert "QA" in json.dumps(model.to_dict()) if kept else "QA" not in json.dumps(model.to_dict())


def test_one_frequent_value_is_not_published_even_with_many_rows() -> None:
    # "N777XY" flies 500 times, but no other value shares its digits: they stay a class
    values = np.array(["N777XY"] + [f"N{i:03d}XY" for i in range(100, 160)], dtype=object)
    counts = np.array([500] + [1] * 60)
    model = PatternDistribution.fit(values, counts)
    assert "777" not in json.dumps(model.to_dict())
    assert model.shapes[0]["pattern"] == "N[0-9]{3}XY"


def test_rare_threshold_of_the_spec_reaches_the_pattern() -> None:
    rng = np.random.default_rng(3)
    codes = [f"AB-{i:05d}" for i in rng.choice(100_000, 3000, replace=False)]
    codes += [f"CD-{i:05d}" for i in rng.choice(100_000, 30, replace=False)]
    frame = pl.DataFrame({"code": codes})
    default = dt.fit(frame).column("code").distribution
    forced = {"rare_threshold": 50, "columns": {"code": {"distribution": "pattern"}}}
    strict = dt.fit(frame, forced).column("code").distribution
    assert default.name == strict.name == "pattern"
    assert (default.k, strict.k) == (10, 50)
    assert "CD" in default.shapes[0]["tokens"][0]["values"]
    assert "CD" not in json.dumps(strict.to_dict())
    # the 30 CD codes are fewer than k = 50 rows: no fallback publishes their share, so
    # pattern cannot produce them; left to choose, the selection codes those few rows and
    # compares the candidates on the others, where pattern wins
    assert strict.fallback is None and strict.shapes[0]["prob"] == 1.0
    assert dt.fit(frame, {"rare_threshold": 50}).column("code").distribution.name == "pattern"


# -- unique columns ----------------------------------------------------------------------------


def test_unique_codes_stay_unique_and_keep_their_pattern() -> None:
    rng = np.random.default_rng(11)
    codes = [f"{y}-{i:06d}" for y, i in zip(rng.choice([17, 18], 2000), rng.choice(1_000_000, 2000, replace=False))]
    model = dt.fit(pl.DataFrame({"case": codes}))
    col = model.column("case")
    assert col.unique and col.distribution.name == "pattern"
    synth = model.sample(2000, seed=4)["case"]
    assert synth.n_unique() == 2000
    assert col.distribution.matches(synth.to_numpy()).all()


def test_sequential_unique_ids_drop_character_tables_to_make_room() -> None:
    codes = [f"{y}-{i:06d}" for y in (17, 18, 19, 20) for i in range(1, 1001)]
    plain = PatternDistribution.fit(np.array(codes, dtype=object))
    assert plain.shapes[0]["tokens"][2]["chars"][:2] == [{"0": 1.0}] * 2 and plain.max_distinct() < 40_000
    model = dt.fit(pl.DataFrame({"case": codes}))
    col = model.column("case")
    assert col.unique and col.distribution.name == "pattern"
    assert col.distribution.shapes[0]["pattern"] == "[0-9]{2}-[0-9]{6}"
    assert col.distribution.shapes[0]["tokens"][2]["chars"] == [None] * 6
    assert set(col.distribution.shapes[0]["tokens"][0]["values"]) == {"17", "18", "19", "20"}
    synth = model.sample(8_000, seed=2)["case"]
    assert synth.n_unique() == 8_000 and col.distribution.matches(synth.to_numpy()).all()


def test_unique_text_with_a_small_format_is_left_to_random_string() -> None:
    notes = np.array([f"free text {i}" for i in range(1000)], dtype=object)
    assert PatternDistribution.fit(notes).max_distinct() == pytest.approx(1110)  # 10 + 100 + 1000
    with pytest.raises(DistributionError, match=r"pattern: the column is unique, but its format allows at most 1,110 "
                       r"distinct values, fewer than 4 x its 1,000 values.*set unique to false"):
        PatternDistribution.fit(notes, unique=True)
    sel = dt.distributions.select_distribution(notes, np.ones(1000), "string", unique=True)
    assert sel.best.name == "random_string" and "pattern" not in sel.scores


def test_forcing_pattern_on_a_unique_column_without_room_names_the_column() -> None:
    frame = pl.DataFrame({"note": [f"free text {i}" for i in range(1000)]})
    with pytest.raises(dt.ColumnError, match=r"column 'note': no candidate distribution fits this string data "
                       r"\(tried pattern: the column is unique, but its format allows at most"):
        dt.fit(frame, {"columns": {"note": {"distribution": "pattern"}}})
    assert dt.fit(frame, {"columns": {"note": {"distribution": "pattern", "unique": False}}}).column(
        "note").distribution.shapes[0]["pattern"] == "free text [0-9]{3}"


def test_unique_column_with_too_little_room_fails_with_a_clear_error() -> None:
    tiny = PatternDistribution(
        shapes=[{"pattern": "A[0-9]", "prob": 1.0, "tokens": [
            {"literal": "A"}, {"class": "digit", "length": 1, "values": {}, "other": 1.0, "chars": [None]}]}],
        fallback=None, k=10,
    )
    frame = pl.DataFrame({"code": [f"A{i:02d}" for i in range(30)]})
    spec = {"columns": {"code": {"unique": True, "distribution": tiny.to_dict()}}}
    model = dt.fit(frame, spec)
    with pytest.raises(SamplingError, match="column 'code' is marked unique but its pattern distribution"):
        model.sample(30, seed=0)


# -- likelihood --------------------------------------------------------------------------------


def _small_model() -> PatternDistribution:
    return PatternDistribution(
        shapes=[{"pattern": "X[0-9]", "prob": 0.7, "tokens": [
            {"literal": "X"},
            {"class": "digit", "length": 1, "values": {"1": 0.5}, "other": 0.5, "chars": [{"2": 0.25, "3": 0.75}]},
        ]}],
        fallback={"pattern": "[A-Z0-9]{2}", "prob": 0.3, "min_length": 2, "max_length": 2,
                  "classes": ["upper", "digit"], "symbols": []},
        k=10,
    )


def test_log_likelihood_is_a_proper_probability_over_the_support() -> None:
    model = _small_model()
    assert model.max_distinct() == pytest.approx(3 + 36**2)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    support = np.array([a + b for a in alphabet for b in alphabet], dtype=object)
    probs = np.array([math.exp(model.log_likelihood(np.array([v], dtype=object))) for v in support])
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    # "X1" can come from the shape (0.7 * 0.5) and from the fallback (0.3 / 36^2)
    assert probs[support.tolist().index("X1")] == pytest.approx(0.35 + 0.3 / 36**2)
    assert probs[support.tolist().index("X0")] == pytest.approx(0.3 / 36**2)
    counts = np.array([3, 2])
    assert model.log_likelihood(np.array(["X3", "Q7"], dtype=object), counts) == pytest.approx(
        3 * math.log(0.7 * 0.5 * 0.75 + 0.3 / 36**2) + 2 * math.log(0.3 / 36**2)
    )


@pytest.mark.parametrize("value", ["x1", "X", "X1A", "", "ÄB", 5])
def test_values_the_pattern_cannot_produce_have_zero_likelihood(value) -> None:
    assert _small_model().log_likelihood(np.array([value], dtype=object)) == -math.inf


def test_pattern_does_not_win_on_text_without_structure() -> None:
    rng = np.random.default_rng(8)
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))
    values = np.array(["".join(rng.choice(alphabet, rng.integers(3, 12))) for _ in range(2000)], dtype=object)
    sel = dt.distributions.select_distribution(values, np.ones(2000, dtype=np.int64), "string")
    assert sel.best.name == "random_string"
    assert sel.scores["pattern"] >= sel.scores["random_string"]


# -- special characters, fallback, conformance -----------------------------------------------------


def test_literal_control_characters_and_emoji_round_trip() -> None:
    values = np.array([f"{i:03d}\t😀\x00" for i in range(200)], dtype=object)
    model = PatternDistribution.fit(values)
    assert model.shapes[0]["pattern"] == "[0-9]{3}\\x09😀\\x00"
    sample = model.sample(500, rng=0)
    assert all(v.endswith("\t😀\x00") and len(v) == 6 for v in sample.tolist())
    assert model.matches(sample).all()
    assert math.isfinite(model.log_likelihood(sample))


def test_fallback_symbols_need_k_rows_and_distinct_values() -> None:
    words = [f"é{'x' * n}" for n in range(12)] + ["ü", "üü"] + [f"{'a' * (i % 7 + 1)}{i}" for i in range(9)]
    model = PatternDistribution.fit(np.array(words, dtype=object), np.array([1] * 12 + [20, 20] + [1] * 9))
    assert model.shapes == []
    assert model.fallback["symbols"] == ["é"]  # ü: 40 rows but 2 distinct values
    assert model.fallback["classes"] == ["lower", "digit"]
    check_distribution(model, n=3_000)


@pytest.mark.parametrize("seed", [0, 1])
def test_fitted_models_conform(seed: int) -> None:
    check_distribution(PatternDistribution.fit(_case_numbers(np.random.default_rng(seed))), seed=seed, n=5_000)


def test_round_trip_through_json_is_exact(tail_model: PatternDistribution) -> None:
    back = distribution_from_dict(json.loads(json.dumps(tail_model.to_dict(), allow_nan=False)))
    assert back == tail_model
    assert back.n_parameters == tail_model.n_parameters


def test_only_fallback_ties_with_random_string_and_loses_the_tie() -> None:
    # two shapes, each 15 rows but only 3 distinct values: both go to the fallback, which
    # holds >= k rows at its shortest and its longest length
    values = np.array(["a b", "c d", "e f", "ab cd", "ef gh", "ij kl"], dtype=object)
    counts = np.full(6, 5)
    pattern = PatternDistribution.fit(values, counts)
    rs = RandomStringDistribution.fit(values, counts)
    assert pattern.shapes == [] and pattern.n_parameters == rs.n_parameters == 3
    assert (pattern.fallback["min_length"], pattern.fallback["max_length"]) == (rs.min_length, rs.max_length) == (3, 5)
    assert pattern.information_criterion(values, counts) == pytest.approx(rs.information_criterion(values, counts))
    assert dt.distributions.select_distribution(values, counts, "string").best.name == "random_string"


def test_fewer_than_k_rows_in_all_leave_pattern_out_of_the_selection() -> None:
    values = np.array(["ab c", "x", "hello there", "q-r"], dtype=object)
    with pytest.raises(DistributionError, match=r"pattern: no format is shared by 10 rows and 10 distinct values, "
                       r"and the column has fewer than 10 rows, so nothing can be published"):
        PatternDistribution.fit(values)
    sel = dt.distributions.select_distribution(values, np.ones(4), "string")
    assert sel.best.name == "random_string" and "pattern" not in sel.scores


# -- the fallback publishes no count below k and no real extreme ---------------------------------


def test_a_fallback_of_fewer_than_k_rows_is_not_published() -> None:
    long = "xq7-" * 9 + "z"  # 37 characters, one row
    values = np.array([f"AB{i:04d}" for i in range(300)] + [long], dtype=object)
    model = PatternDistribution.fit(values)
    assert model.fallback is None
    assert [(s["pattern"], s["prob"]) for s in model.shapes] == [("AB[0-9]{4}", 1.0)]  # renormalised over 300 rows
    params = json.dumps(model.to_dict()["parameters"])
    assert "37" not in params and "301" not in params and "xq7" not in params
    sample = model.sample(5_000, rng=3)
    assert all(re.fullmatch(r"AB[0-9]{4}", v) for v in sample.tolist()) and model.matches(sample).all()
    assert model.log_likelihood(np.array([long], dtype=object)) == -math.inf
    assert math.isfinite(model.log_likelihood(values[:300]))
    # pattern cannot produce the long value; the selection codes that one row and compares
    # the candidates on the other 300, where the pattern wins
    selection = dt.distributions.select_distribution(values, np.ones(301), "string")
    assert selection.best.name == "pattern" and set(selection.scores) == {"random_string", "pattern"}


def test_fallback_length_range_is_micro_aggregated() -> None:
    rare = ["x" * n for n in range(3, 33)]  # 30 rows, each its own rare shape: lengths 3 .. 32
    values = np.array([f"AB{i:04d}" for i in range(300)] + rare, dtype=object)
    model = PatternDistribution.fit(values)
    fb = model.fallback
    assert fb["prob"] == pytest.approx(30 / 330) and fb["classes"] == ["lower"]
    # floor(mean(3..12)) = 7 and ceil(mean(23..32)) = 28, not the real 3 and 32
    assert (fb["min_length"], fb["max_length"]) == (7, 28) and fb["pattern"] == "[a-z]{7,28}"
    drawn = [v for v in model.sample(20_000, rng=5).tolist() if not v.startswith("AB")]
    assert {len(v) for v in drawn} == set(range(7, 29))
    assert model.log_likelihood(np.array(["xxx"], dtype=object)) == -math.inf
    assert math.isfinite(model.log_likelihood(np.array(["x" * 7, "x" * 28], dtype=object)))
    # rows, not distinct values: a shortest value held by 10 rows is their mean
    counts = np.array([1] * 300 + [10] + [1] * 29)
    fb = PatternDistribution.fit(values, counts).fallback
    assert (fb["min_length"], fb["max_length"]) == (3, 28) and fb["prob"] == pytest.approx(39 / 339)


def test_fallback_symbols_count_only_the_fallback_rows() -> None:
    # 'é' is in 200 kept codes (published there as a literal) but in only one rare value:
    # the fallback does not say that a rare value holds it
    kept = [f"é-{i:03d}" for i in range(200)]
    rare = ["ab cd" * (n % 3 + 1) + "-" * (n // 3) for n in range(11)] + ["rare é"]
    model = PatternDistribution.fit(np.array(kept + rare, dtype=object))
    assert [s["pattern"] for s in model.shapes] == ["é-[0-9]{3}"]
    assert model.fallback["symbols"] == [] and "é" not in model.fallback["pattern"]
    assert model.fallback["prob"] == pytest.approx(12 / 212)


# -- bad input ---------------------------------------------------------------------------------

_GOOD = _small_model().to_dict()["parameters"]


def _with(path: str, value) -> dict:
    params = json.loads(json.dumps(_GOOD))
    *parents, last = path.split(".")
    target = params
    for p in parents:
        target = target[int(p)] if p.isdigit() else target[p]
    if value is KeyError:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return params


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (_with("k", 0), r"parameter 'k' must be an integer >= 1"),
        (_with("k", True), r"parameter 'k' must be of type int"),
        (_with("shapes", {}), r"parameter 'shapes' must be a list"),
        ({**_GOOD, "shapes": [], "fallback": None}, r"'shapes' is empty and there is no fallback"),
        (_with("shapes.0.prob", 0.5), r"parameter 'shapes' probabilities .* must sum to 1. Got a sum of 0.8"),
        (_with("shapes.0.prob", -0.1), r"'shapes\[0\].prob' must be a number in \[0, 1\]"),
        (_with("shapes.0.tokens.1.class", "emoji"), r"'shapes\[0\].tokens\[1\].class' must be one of"),
        (_with("shapes.0.tokens.1.length", 0), r"'shapes\[0\].tokens\[1\].length' must be an integer in \[1, 256\]"),
        (_with("shapes.0.tokens.1.values", {"12": 0.5}), r"'shapes\[0\].tokens\[1\].values' must map 1-character digit"),
        (_with("shapes.0.tokens.1.values", {"A": 0.5}), r"'shapes\[0\].tokens\[1\].values' must map"),
        (_with("shapes.0.tokens.1.other", 0.2), r"'shapes\[0\].tokens\[1\].values' probabilities and 'other' must sum"),
        (_with("shapes.0.tokens.1.chars", []), r"'shapes\[0\].tokens\[1\].chars' must be a list of 1 entries"),
        (_with("shapes.0.tokens.1.chars.0", {"2": 0.5}), r"'shapes\[0\].tokens\[1\].chars\[0\]' must map digit"),
        (_with("shapes.0.tokens.1.chars.0", {"x": 1.0}), r"'shapes\[0\].tokens\[1\].chars\[0\]' must map digit"),
        (_with("shapes.0.tokens.0.literal", ""), r"'shapes\[0\].tokens\[0\].literal' must be non-empty text"),
        (_with("shapes.0.tokens.0.extra", 1), r"'shapes\[0\].tokens\[0\]' must be an object with exactly the keys"),
        (_with("shapes.0.tokens.1.chars", KeyError), r"'shapes\[0\].tokens\[1\]' must be an object with exactly"),
        (_with("shapes.0.pattern", "X\\d"), r"'shapes\[0\].pattern' does not match its tokens: expected 'X\[0-9\]'"),
        (_with("fallback.classes", ["emoji"]), r"'fallback.classes' must be a list of distinct names"),
        (_with("fallback.min_length", 3), r"'fallback.max_length' need integers 0 <= min_length <= max_length"),
        (_with("fallback.symbols", ["-"]), r"'fallback.symbols' must be a list of single characters outside"),
        (_with("fallback.pattern", "[A-Z]{2}"), r"'fallback.pattern' does not match the fallback"),
        (_with("fallback.prob", 2), r"'fallback.prob' must be a number in \[0, 1\]"),
    ],
)
def test_bad_parameters_name_the_parameter(params: dict, message: str) -> None:
    with pytest.raises(DistributionError, match=message):
        distribution_from_dict({"name": "pattern", "parameters": params})


def test_two_entries_with_one_shape_are_rejected() -> None:
    params = json.loads(json.dumps(_GOOD))
    twin = json.loads(json.dumps(params["shapes"][0]))
    twin["prob"], params["shapes"][0]["prob"] = 0.35, 0.35
    params["shapes"].append(twin)
    with pytest.raises(DistributionError, match=r"'shapes\[1\]' repeats the shape of an earlier entry \('X\[0-9\]'\)"):
        distribution_from_dict({"name": "pattern", "parameters": params})


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        (np.array(["a", 3], dtype=object), {}, r"pattern: needs text values; got 3 \(int\). Cast the column to String"),
        (np.array(["ab"] * 3, dtype=object), {"k": 0}, r"pattern: option 'k' must be an integer >= 1. Got 0"),
        (np.array(["ab"] * 3, dtype=object), {"k": 2.5}, r"option 'k' must be an integer >= 1. Got 2.5"),
        (np.array(["x" * 300, "ab"], dtype=object), {}, r"a value is 300 characters long; .* random_string instead"),
        (np.array(["☃☃", "★"], dtype=object), {}, r"the column has fewer than 10 rows, so nothing can be published; lower k"),
        (np.array([chr(0x4E00 + i) for i in range(12)], dtype=object), {},
         r"only characters that fewer than k rows share, so none can be published; lower k"),
    ],
)
def test_bad_fit_input_is_a_clear_error(values: np.ndarray, options: dict, message: str) -> None:
    with pytest.raises(DistributionError, match=message):
        PatternDistribution.fit(values, **options)
