"""What the steward reads first: the verdict, the holdout-overlap warning, the components of
utility.overall and their intervals, summary() and print(report)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.evaluate import verdict as v
from datatwin.evaluate.prepare import align
from datatwin.evaluate.risk import holdout_overlap
from datatwin.evaluate.run import planned_steps

sys.path.insert(0, str(Path(__file__).parent))
from test_utility import related_frame, shuffle_columns  # noqa: E402

ROWS = 600  # max_rows: small and quick, enough for stable verdicts


@pytest.fixture(scope="module")
def real() -> pl.DataFrame:
    return related_frame(n=1_500, seed=0)


@pytest.fixture(scope="module")
def holdout() -> pl.DataFrame:
    return related_frame(n=800, seed=7)


@pytest.fixture(scope="module")
def independent(real, holdout):
    """Every column right on its own, no relationship kept: what an independent model gives."""
    return dt.evaluate(real, shuffle_columns(real), holdout, target="group", max_rows=ROWS)


@pytest.fixture(scope="module")
def copy(real, holdout):
    return dt.evaluate(real, real, holdout, target="group", max_rows=ROWS)


def sentences(report, part: str) -> str:
    return " ".join(item["sentence"] for item in report.verdict[part])


# -- holdout overlap ---------------------------------------------------------------
def test_overlapping_holdout_warns_with_the_counts_and_is_flagged(real, tmp_path) -> None:
    synth = shuffle_columns(real)
    with pytest.warns(dt.DatatwinWarning, match=r"1,000 of 1,000 holdout rows \(100\.0%\) are exact copies"):
        report = dt.evaluate(real, synth, real.head(1_000), target="group", max_rows=ROWS)
    risk = report.scores["risk"]
    overlap = risk["holdout_overlap"]
    assert overlap["suspected"] and overlap["rows"] == 1_000 and overlap["holdout_rows"] == 1_000
    assert set(overlap["unreliable"]) == {"dcr", "membership_inference"}
    assert risk["membership_inference"]["reliable"] is False and risk["dcr"]["reliable"] is False
    # not "0, nothing disclosed": the holdout is no control, the attacks are scored without one
    assert "membership_inference" not in risk["components"]
    assert risk["components"]["exact_copies"] == risk["exact_copies"]
    assert risk["singling_out"]["control_rate"] is None
    assert "overlaps" in report.scores["utility"]["ml_efficacy"]["test_set"]
    assert report.verdict["warnings"][0]["topic"] == "holdout overlaps"
    page = report.save(tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="holdout-overlap"' in page and "1,000 of 1,000 holdout rows" in page
    assert page.index('id="holdout-overlap"') < page.index('<section id="verdict">')  # at the very top
    assert '<span class="unreliable">unreliable</span>' in page


def test_partial_overlap_and_a_small_holdout(real, holdout) -> None:
    mixed = pl.concat([holdout.head(700), real.head(100)])  # 100 of 800 rows (12.5 %) copied
    with pytest.warns(dt.DatatwinWarning, match=r"100 of 800 holdout rows \(12\.5%\)"):
        dt.evaluate(real, shuffle_columns(real), mixed, max_rows=ROWS)
    # a small holdout: one copied row is already more than 1 % of it
    small = pl.concat([holdout.head(49), real.head(1)])
    found = holdout_overlap(align(real, real, small))
    assert found["rows"] == 1 and found["suspected"]


def test_a_fresh_holdout_is_not_flagged(real, holdout, independent) -> None:
    # (a warning would fail this test: DatatwinWarning is an error in the test settings)
    assert independent.scores["risk"]["holdout_overlap"]["suspected"] is False
    assert independent.scores["risk"]["holdout_overlap"]["rows"] == 0
    assert "membership_inference" in independent.scores["risk"]["components"]


def test_tables_full_of_natural_duplicates_are_not_flagged() -> None:
    rng = np.random.default_rng(0)

    def draw(n: int) -> pl.DataFrame:  # 3 x 2 combinations: fresh rows repeat real ones all the time
        return pl.DataFrame({"a": rng.choice(["x", "y", "z"], n), "b": rng.random(n) < 0.5})

    found = holdout_overlap(align(draw(2_000), draw(100), draw(1_000)))
    assert found["share"] == 1.0 and found["expected"] == 1.0 and not found["suspected"]


# -- the verdict -------------------------------------------------------------------
def test_independent_columns_keep_shapes_not_relationships(independent) -> None:
    kept, lost = sentences(independent, "kept"), sentences(independent, "not_kept")
    assert "The columns' own distributions are kept" in kept
    assert "No relationships between columns were kept" in lost
    assert "relationships" not in {item["topic"] for item in independent.verdict["kept"]}
    assert "do not learn to predict group" in lost
    rel = independent.scores["utility"]["pairs"]["relationships"]
    assert rel["kept"] < v.RELATIONS_NONE
    # the pair_trend of independent columns is reported as the floor to read pair_trend against
    assert abs(independent.scores["utility"]["pair_trend"] - rel["pair_trend_independent"]) < 0.05
    # shuffled real columns still publish every real value: a unique x singles out its real row
    assert "Singling out: predicates that single out one synthetic row" in sentences(independent, "risks")
    assert "exact copies" not in sentences(independent, "risks")


def test_a_copy_keeps_everything_and_is_a_risk(copy) -> None:
    kept, risks = sentences(copy, "kept"), sentences(copy, "risks")
    assert "Relationships between columns are largely kept (relationships kept 1.00" in kept
    assert "No relationships" not in sentences(copy, "not_kept")
    assert "predicts group about as well" in kept
    assert "100.0% of the synthetic rows are exact copies of real rows" in risks
    assert "membership-inference attack" in risks and "closer to real rows" in risks
    assert "No risk above the thresholds" not in risks


def test_verdict_without_a_holdout_says_so(real) -> None:
    report = dt.evaluate(real, shuffle_columns(real), max_rows=ROWS)
    assert "No holdout given" in sentences(report, "warnings")
    assert "membership inference" not in sentences(report, "risks")


def test_verdict_reads_saved_scores(copy, tmp_path) -> None:
    import json

    saved = json.loads(copy.save(tmp_path / "s.json").read_text(encoding="utf-8"))
    assert saved["verdict"] == copy.verdict
    assert dt.evaluate.Report(saved).verdict == copy.verdict  # a stored verdict is recomputed, not trusted


# -- utility.overall: components, intervals -------------------------------------------
def test_overall_lists_the_components_it_averaged(real, holdout, independent) -> None:
    with_target = independent.scores["utility"]
    parts = with_target["components"]
    assert list(parts) == ["column_shape", "pair_trend", "distinguishability", "ml_efficacy"]
    assert all(p["weight"] == pytest.approx(0.25) for p in parts.values())
    assert with_target["overall"] == pytest.approx(np.mean([p["value"] for p in parts.values()]))
    assert with_target["left_out"] == {}
    without = dt.evaluate(real, shuffle_columns(real), holdout, max_rows=ROWS).scores["utility"]
    assert list(without["components"]) == ["column_shape", "pair_trend", "distinguishability"]
    assert without["left_out"] == {"ml_efficacy": "no target given (--target / target=)"}
    page = independent.to_html()
    assert "× weight 0.25" in page
    assert "left out (no target given" in dt.evaluate.Report(dt.evaluate(
        real, real, max_rows=ROWS).scores).to_html()


def test_seed_dependent_scores_have_a_proper_interval(independent) -> None:
    u = independent.scores["utility"]
    for name in ("distinguishability", "ml_efficacy"):
        found = u[name]
        lo, hi = found["interval"]
        assert found["repeats"] == 5 and len(found["values"]) == 5
        assert found["score"] == pytest.approx(np.mean(found["values"]))
        assert lo <= found["score"] <= hi and lo < hi, name  # holds the estimate, not a point
        assert u["components"][name]["interval"] == [lo, hi]
    auc_lo, auc_hi = u["ml_efficacy"]["synthetic"]["roc_auc_interval"]
    assert auc_lo < u["ml_efficacy"]["synthetic"]["roc_auc"] < auc_hi
    lo, hi = u["interval"]
    assert lo < u["overall"] < hi


def test_one_repeat_is_a_single_fit_without_interval(real, holdout) -> None:
    u = dt.evaluate(real, shuffle_columns(real), holdout, target="group", max_rows=ROWS, repeats=1).scores["utility"]
    assert u["interval"] is None and u["distinguishability"]["interval"] is None
    assert u["ml_efficacy"]["interval"] is None and len(u["ml_efficacy"]["values"]) == 1
    with pytest.raises(dt.DataError, match="repeats"):
        dt.evaluate(real, real, repeats=0)


# -- summary(), print(report), progress ------------------------------------------------
def test_summary_is_one_row_per_score(independent) -> None:
    table = independent.summary()
    assert isinstance(table, pl.DataFrame)
    assert table.columns == ["section", "metric", "value", "low", "high", "meaning"]
    assert set(table["section"]) == {"verdict", "utility", "risk"}
    scores = table.filter(pl.col("section") != "verdict")
    assert scores.select(pl.struct("section", "metric").is_unique().all()).item()
    row = scores.filter(pl.col("metric") == "overall").row(0, named=True)
    assert row["value"] == pytest.approx(independent.scores["utility"]["overall"])
    assert row["low"] < row["value"] < row["high"] and "column_shape" in row["meaning"]
    assert table["meaning"].null_count() == 0
    lost = table.filter(pl.col("metric") == "not kept: relationships")["meaning"].item()
    assert lost.startswith("No relationships between columns were kept")


def test_print_report_is_a_few_lines(independent) -> None:
    text = repr(independent)
    assert str(independent) == text
    assert len(text) < 800 and len(text.splitlines()) <= 7
    assert text.startswith("<datatwin Report: utility.overall ")
    assert re.search(r"not kept: .*relationships", text) and "report.summary()" in text
    assert "0." in text.splitlines()[0]  # the headline numbers


def test_progress_reports_named_steps_in_order(real, holdout) -> None:
    seen: list[tuple[str, int, int]] = []
    dt.evaluate(real, shuffle_columns(real), holdout, target="group", quasi_identifiers=["x"], sensitive="group",
                max_rows=300, progress=lambda *a: seen.append(a))
    steps = planned_steps("group", True, ["x"], real.width)
    assert [s[0] for s in seen] == [*steps, "done"]
    assert [s[1] for s in seen] == list(range(len(steps) + 1))
    assert {s[2] for s in seen[1:]} == {len(steps)}


def test_cli_report_warns_in_red_and_prints_the_verdict(real, tmp_path, run_cli) -> None:
    paths = {}
    for name, frame in (("real", real), ("synth", shuffle_columns(real)), ("holdout", real.head(500))):
        paths[name] = tmp_path / f"{name}.csv"
        frame.write_csv(paths[name])
    code, out, err = run_cli(["report", str(paths["real"]), str(paths["synth"]), "-o", str(tmp_path / "r.html"),
                              "--holdout", str(paths["holdout"]), "--max-rows", "300", "--repeats", "2"])
    assert code == 0, err
    assert "warning: the holdout overlaps the real data: 500 of 500 holdout rows" in " ".join(err.split())
    text = " ".join(out.split())
    assert "utility.overall is the mean of column_shape" in text and "left out: ml_efficacy" in text
    assert "not kept: No relationships between columns were kept" in text
    assert "warning: The holdout overlaps the real data" in text
