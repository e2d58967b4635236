"""Disclosure-risk metrics: the properties a data owner relies on before publishing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from datatwin.errors import ColumnError, DatatwinError, SpecError
from datatwin.evaluate.prepare import align
from datatwin.evaluate.risk import risk_scores

#: keys whose values are shares, probabilities or risks, so must lie in [0, 1]
UNIT_KEYS = {"overall", "exact_copies", "exact_copies_holdout", "share_zero", "closer_than_holdout",
             "share_below_holdout_p5", "auc", "advantage", "max_tpr_minus_fpr", "accuracy", "baseline_accuracy",
             "attack_rate", "baseline_rate", "control_rate", "risk"}


def scores(real: pl.DataFrame, synth: pl.DataFrame, holdout: pl.DataFrame | None = None, **kw: Any) -> dict:
    kw = {"quasi_identifiers": None, "sensitive": None, "seed": 0, "max_rows": 3000, "n_attacks": 1000} | kw
    return risk_scores(align(real, synth, holdout), **kw)


def unit_values(tree: Any, path: str = "") -> list[tuple[str, float]]:
    """Every (path, number) under a key of UNIT_KEYS, plus every component of the overall risk."""
    found = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            p = f"{path}.{k}" if path else k
            if isinstance(v, (int, float)) and not isinstance(v, bool) and (k in UNIT_KEYS or path == "components"):
                found.append((p, v))
            found += unit_values(v, p)
    return found


def assert_in_unit_interval(result: dict) -> None:
    values = unit_values(result)
    assert len(values) > 10
    for path, v in values:
        assert 0.0 <= v <= 1.0, (path, v)


@pytest.fixture(scope="module")
def adult(adult_path: Path) -> pl.DataFrame:
    return pl.read_csv(adult_path, null_values=["?"]).sample(fraction=1.0, shuffle=True, seed=11)


@pytest.fixture(scope="module")
def thirds(adult: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    n = adult.height // 3
    return adult[:n], adult[n : 2 * n], adult[2 * n :]


def noise_like(frame: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """Each column drawn independently and uniformly: integers over the real range, labels over the real labels."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, col in frame.to_dict().items():
        if col.dtype.is_integer():
            out[name] = rng.integers(col.min(), col.max() + 1, n)
        else:
            out[name] = rng.choice(col.drop_nulls().unique().sort().to_numpy(), n)
    return pl.DataFrame(out)


# -- the sanity checks of the issue ---------------------------------------------
@pytest.mark.slow
def test_real_against_itself_is_maximal_risk(thirds) -> None:
    real, _, holdout = thirds
    result = scores(real, real, holdout)  # real has 10,853 rows, more than max_rows=3000
    assert result["exact_copies"] == 1.0
    assert result["dcr"]["synthetic"]["median"] == 0.0  # copies outside the real subsample count too
    assert result["dcr"]["synthetic"]["share_zero"] == 1.0
    assert result["nndr"]["synthetic"]["median"] == 0.0
    assert result["dcr"]["closer_than_holdout"] > 0.99
    assert result["membership_inference"]["advantage"] > 0.99
    assert result["singling_out"]["risk"] > 0.9
    assert result["overall"] == 1.0
    assert_in_unit_interval(result)


@pytest.mark.slow
def test_real_against_itself_without_holdout(adult) -> None:
    real = adult[:5000]
    result = scores(real, real)
    assert result["overall"] == 1.0
    assert result["singling_out"]["risk"] == 1.0  # every predicate unique in the copy is unique in the real data
    assert result["membership_inference"] is None
    assert result["dcr"]["holdout"] is None and result["dcr"]["closer_than_holdout"] is None
    assert result["singling_out"]["control_rate"] is None and result["linkability"]["control_rate"] is None
    assert "membership_inference" not in result["components"]


@pytest.mark.slow
def test_fresh_sample_from_the_population_has_low_risk(thirds) -> None:
    real, fresh, holdout = thirds
    result = scores(real, fresh, holdout, quasi_identifiers=["age", "sex", "race"], sensitive="class")
    assert result["exact_copies"] < 0.01
    assert result["membership_inference"]["advantage"] < 0.05
    assert abs(result["dcr"]["closer_than_holdout"] - 0.5) < 0.05
    assert abs(result["dcr"]["share_below_holdout_p5"] - 0.05) < 0.02
    assert result["singling_out"]["risk"] < 0.05
    assert result["singling_out"]["attack_rate"] > result["singling_out"]["baseline_rate"]
    assert result["linkability"]["risk"] < 0.05
    assert result["attribute_inference"]["advantage"] < 0.1
    assert result["overall"] < 0.1
    assert_in_unit_interval(result)


@pytest.mark.slow
def test_pure_noise_has_no_risk(thirds) -> None:
    real, _, holdout = thirds
    noise = noise_like(real, real.height, seed=5)
    result = scores(real, noise, holdout, quasi_identifiers=["age", "education"], sensitive="hours-per-week")
    assert result["exact_copies"] == 0.0
    assert result["dcr"]["closer_than_holdout"] < 0.1  # noise is farther from the real rows than fresh records
    assert result["membership_inference"]["advantage"] < 0.05
    assert result["attribute_inference"]["advantage"] < 0.05
    assert result["overall"] < 0.05
    assert_in_unit_interval(result)


@pytest.mark.slow
def test_near_copies_are_caught_without_exact_copies(thirds) -> None:
    real, _, holdout = thirds
    jittered = real.with_columns(pl.col("fnlwgt") + 1)  # one unit off: no exact copy, still memorised
    result = scores(real, jittered, holdout)
    assert result["exact_copies"] == 0.0
    assert result["membership_inference"]["advantage"] > 0.8
    assert result["dcr"]["closer_than_holdout"] > 0.9
    assert result["overall"] > 0.8


# -- each metric on small frames where the answer is known ----------------------
def test_exact_copies_count_missing_as_equal(mixed_frame: pl.DataFrame) -> None:
    real = mixed_frame
    changed = real[500:1000].with_columns(pl.col("count") + 1000)
    synth = pl.concat([real[:500], changed])  # the first 500 include missing values
    assert real[:500]["value"].null_count() > 0
    result = scores(real, synth)
    assert result["exact_copies"] == 0.5


def test_distances_are_in_gower_units() -> None:
    real = pl.DataFrame({"a": ["x", "y"] * 50, "b": ["u", "v", "w", "z"] * 25})
    synth = pl.DataFrame({"a": ["x"] * 10, "b": ["q"] * 10})  # one of two columns always wrong
    result = scores(real, synth)
    assert result["dcr"]["synthetic"]["median"] == pytest.approx(0.5)
    assert result["dcr"]["synthetic"]["share_zero"] == 0.0
    assert result["nndr"]["synthetic"]["median"] == 1.0  # ties everywhere: nobody is singled out


def test_numeric_sensitive_guessed_through_a_unique_quasi_identifier(mixed_frame: pl.DataFrame) -> None:
    real = mixed_frame.drop_nulls("value")
    noise = real.with_columns(pl.Series("value", np.random.default_rng(0).permutation(real["value"].to_numpy())))
    copied = scores(real, real, quasi_identifiers=["id"], sensitive="value")["attribute_inference"]
    assert copied["accuracy"] == 1.0
    assert copied["baseline"] == "median" and copied["baseline_accuracy"] < 0.2
    assert copied["advantage"] == 1.0
    assert copied["tolerance"] > 0
    shuffled = scores(real, noise, quasi_identifiers=["id"], sensitive="value")["attribute_inference"]
    assert shuffled["advantage"] < 0.1


def test_linkability_of_identifying_halves() -> None:
    rng = np.random.default_rng(3)
    real = pl.DataFrame({"x": rng.normal(size=400), "y": rng.normal(size=400)})
    result = scores(real, real, link_columns=(["x"], ["y"]))["linkability"]
    assert result["attack_rate"] == 1.0
    assert result["baseline_rate"] == pytest.approx(1 / 400)
    assert result["columns"] == [["x"], ["y"]]
    fresh = pl.DataFrame({"x": rng.normal(size=400), "y": rng.normal(size=400)})
    assert scores(real, fresh, link_columns=(["x"], ["y"]))["linkability"]["attack_rate"] < 0.05


def test_singling_out_against_control() -> None:
    real = pl.DataFrame({"id": np.arange(300), "group": ["a", "b", "c"] * 100})
    holdout = pl.DataFrame({"id": np.arange(1000, 1300), "group": ["a", "b", "c"] * 100})
    result = scores(real, real, holdout)["singling_out"]
    assert result["attack_rate"] == 1.0  # every id in the copy singles out its real row
    assert result["control_rate"] == 0.0  # and no holdout row
    assert result["risk"] == 1.0
    assert result["n_attacks"] == 300 + 2  # the ids, plus id <= min and id >= max


def test_attribute_inference_only_with_quasi_identifiers_and_sensitive(mixed_frame: pl.DataFrame) -> None:
    real, synth = mixed_frame[:1000], mixed_frame[1000:]
    assert scores(real, synth)["attribute_inference"] is None
    result = scores(real, synth, quasi_identifiers=["count", "day"], sensitive="colour")
    found = result["attribute_inference"]
    assert found["baseline"] == "majority" and not found["numeric"] and found["tolerance"] is None
    assert "attribute_inference" in result["components"]
    assert_in_unit_interval(result)


def test_same_seed_same_scores_other_seed_other_sample(thirds) -> None:
    real, fresh, holdout = (f[:1500] for f in thirds)
    kw = {"quasi_identifiers": ["age"], "sensitive": "sex"}
    assert scores(real, fresh, holdout, **kw) == scores(real, fresh, holdout, **kw)
    assert scores(real, fresh, holdout, max_rows=500, **kw) != scores(real, fresh, holdout, max_rows=500, seed=1, **kw)


def test_sample_sizes_follow_max_rows(thirds) -> None:
    real, fresh, holdout = thirds
    sizes = scores(real, fresh, holdout, max_rows=800, n_attacks=300)["sample_sizes"]
    assert sizes["dcr"] == 800 and sizes["dcr_reference"] == 4 * 800
    assert sizes["membership_inference"] == 800
    assert sizes["linkability"] == 300 and sizes["linkability_reference"] == 4 * 800


# -- errors ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("qis", "sensitive", "column"),
    [(["age", "shoe size"], "class", "shoe size"), (["age"], "salary", "salary"), (["age"], "age", "age")],
)
def test_unknown_or_clashing_attack_columns_are_named(thirds, qis, sensitive, column) -> None:
    real, fresh, _ = (f[:200] for f in thirds)
    with pytest.raises(ColumnError, match=column) as info:
        scores(real, fresh, quasi_identifiers=qis, sensitive=sensitive)
    assert info.value.column == column
    assert isinstance(info.value, DatatwinError)


def test_quasi_identifiers_without_sensitive_is_refused(thirds) -> None:
    real, fresh, _ = (f[:200] for f in thirds)
    with pytest.raises(SpecError, match="give the sensitive column too") as info:
        scores(real, fresh, quasi_identifiers=["age"])
    # names the arguments for Python and for the command line alike
    for name in ("quasi_identifiers=", "sensitive=", "--quasi-identifiers", "--sensitive"):
        assert name in str(info.value)
    with pytest.raises(SpecError, match="give the quasi-identifiers too"):
        scores(real, fresh, sensitive="class")
    with pytest.raises(ColumnError, match="nope"):
        scores(real, fresh, link_columns=(["age"], ["nope"]))
    with pytest.raises(SpecError, match="max_rows"):
        scores(real, fresh, max_rows=1)
