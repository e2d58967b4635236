"""The evaluation report: JSON order, every HTML section, 50+ columns, and the page in a real browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from datatwin.errors import DatatwinError, InputFileError
from datatwin.evaluate.prepare import EvalData, align
from datatwin.evaluate.report import Report

SECTIONS = ("verdict", "scorecard", "columns", "pairs", "risk", "privacy", "meta")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def frames(n: int = 400, extra_numeric: int = 0, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Real, synthetic and holdout frames of every kind, with missing values and awkward names."""
    rng = np.random.default_rng(seed)

    def one(shift: float) -> pl.DataFrame:
        age = rng.normal(40 + shift, 12, n).round()
        cols: dict[str, Any] = {
            "age": age,
            "income <$>": np.where(rng.random(n) < 0.1, np.nan, age * 1000 + rng.normal(0, 5000, n)),
            "colour & shade": rng.choice(["red", "green", "<blue>"], n, p=[0.5, 0.3, 0.2]),
            "flag": rng.random(n) < 0.3,
            "day": pl.Series(np.datetime64("2020-01-01") + rng.integers(0, 366, n)).cast(pl.Date),
            "stamp": pl.Series(np.datetime64("2021-06-01T00:00:00", "us")
                               + rng.integers(0, 86_400 * 30, n).astype("timedelta64[s]")),
            "clock": pl.Series(rng.integers(0, 86_400, n) * 10**9).cast(pl.Time),
            "id": [f"person-{i}" for i in rng.permutation(10 * n)[:n]],
        }
        for j in range(extra_numeric):
            cols[f"x{j:02d}"] = rng.normal(j * shift / 10, 1, n)
        frame = pl.DataFrame(cols)
        return frame.with_columns(pl.when(pl.Series(rng.random(n) < 0.05)).then(None)
                                  .otherwise(pl.col("colour & shade")).alias("colour & shade"))

    return one(0.0), one(3.0), one(0.0)


def hand_made_scores(data: EvalData) -> dict[str, Any]:
    """Scores in the layout of datatwin.evaluate, numbers made up but of the right shape."""
    cols = data.real.columns
    per_column: dict[str, dict[str, Any]] = {}
    for i, c in enumerate(cols):
        score = 1.0 - (i % 7) / 10
        if data.kinds[c] in ("continuous", "discrete", "date", "datetime", "time"):
            per_column[c] = {"score": score, "ks": 1 - score, "wasserstein": (1 - score) / 2, "missing_diff": 0.01,
                             "real": {"min": 0.0, "mean": 1.5, "max": 3.0}, "synthetic": {"min": 0.1, "mean": 1.6,
                                                                                         "max": 2.9}}
        else:
            per_column[c] = {"score": score, "tvd": 1 - score, "missing_diff": 0.0}
    k = len(cols)
    rng = np.random.default_rng(0)
    real = np.clip(np.eye(k) + rng.uniform(-0.4, 0.4, (k, k)), -1, 1)
    real = (real + real.T) / 2
    synth = np.clip(real + rng.uniform(-0.2, 0.2, (k, k)), -1, 1)
    synth[0, 1] = np.nan  # a pair that could not be measured
    return {
        "utility": {
            "overall": 0.8125,
            "definition": "mean of column_shape, pair_trend and 1 - distinguishability <test>",
            "columns": per_column,
            "column_shape": 0.9,
            "pairs": {"association": {"columns": cols, "real": real.tolist(), "synthetic": synth.tolist()},
                      "mean_abs_difference": 0.1, "tvd_2way": 0.2},
            "pair_trend": 0.85,
            "distinguishability": {"pmse_logistic": 0.01, "ratio_logistic": 1.4, "pmse_tree": 0.03, "score": 0.7},
            "ml_efficacy": None,
        },
        "risk": {
            "definition": "largest of the component risks",
            "overall": 0.25,
            "dcr": {"synthetic_median": 0.3, "holdout_median": 0.31, "share_closer_than_holdout": 0.5,
                    "histogram": {"edges": np.linspace(0, 1, 21).tolist(),
                                  "synthetic": rng.multinomial(500, np.full(20, 0.05)).tolist(),
                                  "holdout": rng.multinomial(500, np.full(20, 0.05)).tolist()}},
            "exact_copies": 0.0,
            "nndr": {"synthetic_median": 0.9, "holdout_median": 0.91},
            "membership_inference": {"advantage": 0.02, "risk": 0.02},
            "attribute_inference": None,
            "singling_out": {"risk": 0.1, "attack_rate": 0.12, "baseline_rate": 0.02},
            "linkability": None,
        },
        "meta": {"rows": {"real": data.real.height, "synthetic": data.synthetic.height,
                          "holdout": data.holdout.height if data.holdout is not None else None},
                 "columns": data.kinds, "sample_sizes": {"dcr": 300, "distinguishability": 800}, "seed": 3},
    }


@pytest.fixture(scope="module")
def small() -> Report:
    data = align(*frames())
    ledger = {"policy": "dp", "budget": {"epsilon": 1.0, "delta": 1e-9}, "spent": {"epsilon": 0.05, "rho": 0.01},
              "ledger": [{"what": "age: histogram <bins>", "mechanism": "laplace", "epsilon": 0.05},
                         {"what": "colour & shade: counts", "mechanism": "gaussian", "rho": 0.01}]}
    return Report(hand_made_scores(data), data, privacy=ledger)


def test_json_has_the_headlines_first(small: Report, tmp_path: Path) -> None:
    path = small.save(tmp_path / "scores.json")
    text = path.read_text(encoding="utf-8")
    loaded = json.loads(text)
    assert list(loaded) == ["utility", "risk", "meta", "verdict"]  # the verdict is computed from the scores
    assert list(loaded["utility"])[:2] == ["overall", "definition"]
    assert list(loaded["risk"])[:2] == ["overall", "definition"]  # moved up though given second
    assert loaded["utility"]["overall"] == 0.8125 and loaded["risk"]["overall"] == 0.25
    assert loaded["utility"]["pairs"]["association"]["synthetic"][0][1] is None  # NaN -> null, valid JSON
    assert text == small.to_json() == Report(small.scores).to_json()  # deterministic; needs no frames
    assert "NaN" not in text


def test_html_has_every_section_and_escapes_text(small: Report, tmp_path: Path) -> None:
    page = small.save(tmp_path / "report.html").read_text(encoding="utf-8")
    for sid in SECTIONS:
        assert f'<section id="{sid}">' in page
    assert "0.81" in page and "0.25" in page  # the two headline numbers
    assert "distinguishability" in page and "singling_out" in page and "membership_inference" in page
    assert "colour &amp; shade" in page and "<blue>" not in page and "&lt;test&gt;" in page
    assert "age: histogram &lt;bins&gt;" in page and "Policy: <b>dp</b>" in page
    assert "budget: epsilon=1, delta=1e-09" in page and "spent: epsilon=0.05, rho=0.01" in page
    assert page.count("data:image/png;base64,") == 8 + 3 + 1  # columns, heatmaps, DCR
    assert "http://" not in page and "https://" not in page and "<script" not in page  # self-contained
    assert "<summary>columns " not in page  # fewer than 50 columns: the plots are not folded


def test_without_model_or_data(small: Report, tmp_path: Path) -> None:
    page = Report(small.scores).save(tmp_path / "bare.htm").read_text(encoding="utf-8")
    assert "No model file given" in page
    assert "No data given" in page
    assert page.count("data:image/png;base64,") == 3 + 1  # heatmaps and DCR come from the scores


def test_dcr_plot_computed_when_scores_have_no_histogram(small: Report) -> None:
    scores = json.loads(small.to_json())
    del scores["risk"]["dcr"]["histogram"]
    page = Report(scores, small.data).to_html()
    assert "Computed for this plot on 400 synthetic and 400 holdout rows" in page


def test_sixty_columns_fold_into_details_worst_first(tmp_path: Path) -> None:
    data = align(*frames(n=200, extra_numeric=52))
    assert data.real.width == 60
    scores = hand_made_scores(data)
    worst = "x04"  # every column scores 0.4 to 1.0; make one clearly the worst
    scores["utility"]["columns"][worst]["score"] = 0.01
    page = Report(scores, data).save(tmp_path / "wide.html").read_text(encoding="utf-8")
    assert page.count("<summary>columns ") == 5  # 60 plots, 12 per block
    first = page.split("<details open><summary>")[1].split("</summary>")[0]
    assert first.startswith(f"columns 1–12 of 60: {worst}, ")
    assert "showing only the 30 whose associations differ most" in page
    assert page.count("data:image/png;base64,") == 60 + 3 + 1


@pytest.mark.parametrize("name", ["report.pdf", "report"])
def test_unsupported_extension(small: Report, tmp_path: Path, name: str) -> None:
    with pytest.raises(InputFileError, match=r"report '.*report(\.pdf)?': unsupported extension .*use .html or .json"):
        small.save(tmp_path / name)
    assert not (tmp_path / name).exists()


def test_missing_folder(small: Report, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="folder .*nope.* does not exist"):
        small.save(tmp_path / "nope" / "r.html")


def test_missing_matplotlib_is_a_datatwin_error(small: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(DatatwinError, match=r"pip install datatwin\[evaluate\]"):
        small.to_html()


def test_writing_a_report_leaves_pyplot_alone(small: Report) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    backend, fonts = matplotlib.get_backend(), matplotlib.rcParams["font.size"]
    before = plt.get_fignums()
    small.to_html()
    assert plt.get_fignums() == before
    assert matplotlib.get_backend() == backend and matplotlib.rcParams["font.size"] == fonts


# ---------------------------------------------------------------- in a real browser


def chromium() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):  # .ci/run sets CI=true: there the browser check is mandatory
        pytest.fail("the report's browser test needs Chromium: apt-get install chromium chromium-driver "
                    "(CI installs it in .ci/run)")
    pytest.skip("no Chromium: install the 'chromium' package (apt-get install chromium) to open the report in a browser")


def render_in_browser(page: Path, tmp_path: Path) -> tuple[np.ndarray, str]:
    """(screenshot pixels, rendered DOM) of ``page`` in headless Chromium, offline."""
    import matplotlib.image

    browser = chromium()
    shot = tmp_path / "shot.png"
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars",
    ]
    url = page.resolve().as_uri()
    for args, profile in (([f"--screenshot={shot}", "--window-size=1280,2000"], "p1"), (["--dump-dom"], "p2")):
        proc = subprocess.run([browser, *flags, f"--user-data-dir={tmp_path / profile}", *args, url],
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.exists(), proc.stderr[-2000:]
    return matplotlib.image.imread(shot), proc.stdout


def assert_renders(page: Path, tmp_path: Path) -> None:
    pixels, dom = render_in_browser(page, tmp_path)
    assert pixels.shape[:2] == (2000, 1280)
    assert pixels[..., :3].std() > 0.05  # not a blank page
    for sid in SECTIONS:
        assert f'id="{sid}"' in dom
    assert "datatwin evaluation report" in dom


def test_report_renders_in_headless_chromium(small: Report, tmp_path: Path) -> None:
    assert_renders(small.save(tmp_path / "report.html"), tmp_path)


# ---------------------------------------------------------------- end to end, on real data


@pytest.fixture(scope="module")
def adult_split(adult_path: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(training rows, holdout rows, synthetic rows from a model of the training rows) of Adult."""
    import datatwin as dt

    rows = pl.read_csv(adult_path, null_values=["?"]).sample(fraction=1.0, shuffle=True, seed=0)
    real, holdout = rows.head(4000), rows.slice(4000, 2000)
    return real, holdout, dt.fit(real).sample(4000, seed=1)


@pytest.mark.slow
def test_adult_report_end_to_end_in_the_browser(adult_split, tmp_path: Path) -> None:
    from datatwin.evaluate.run import evaluate

    real, holdout, synth = adult_split
    report = evaluate(real, synth, holdout, target="class", quasi_identifiers=["age", "sex", "race"],
                      sensitive="class", seed=0, max_rows=1000)
    scores = json.loads(report.save(tmp_path / "x.json").read_text(encoding="utf-8"))
    assert list(scores) == ["utility", "risk", "meta", "verdict"]
    for section in ("utility", "risk"):
        assert next(iter(scores[section])) == "overall" and 0.0 <= scores[section]["overall"] <= 1.0
    assert scores["meta"]["rows"] == {"real": 4000, "synthetic": 4000, "holdout": 2000}
    page = report.save(tmp_path / "x.html")
    html_text = page.read_text(encoding="utf-8")
    assert html_text.count("data:image/png;base64,") >= 15 + 1  # a plot per column, and the DCR plot
    assert_renders(page, tmp_path)


@pytest.mark.slow
def test_cli_report(adult_split, tmp_path: Path, run_cli) -> None:
    import datatwin as dt

    real, holdout, synth = (f.head(2000) for f in adult_split)
    paths = {}
    for name, frame in (("real", real), ("holdout", holdout), ("synth", synth)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.write_csv(paths[name], null_value="?")
    dt.fit(real).save(tmp_path / "model.json")
    out, scores = tmp_path / "report.html", tmp_path / "scores.json"
    code, stdout, stderr = run_cli(
        ["report", str(paths["real"]), str(paths["synth"]), "-o", str(out), "--holdout", str(paths["holdout"]),
         "--target", "class", "--json", str(scores), "--model", str(tmp_path / "model.json"),
         "--quasi-identifiers", "age, sex,race", "--sensitive", "class", "--missing", "?", "--seed", "3",
         "--max-rows", "1000"])
    assert code == 0, stderr
    loaded = json.loads(scores.read_text(encoding="utf-8"))
    assert f"utility.overall {loaded['utility']['overall']:.3f}" in stdout
    assert f"risk.overall    {loaded['risk']['overall']:.3f}" in stdout
    assert loaded["meta"]["seed"] == 3 and loaded["meta"]["rows"]["holdout"] == 2000
    page = out.read_text(encoding="utf-8")
    assert "Policy: <b>none</b>" in page and "No model file given" not in page
    assert "?" not in "".join(pl.read_csv(paths["real"], null_values=["?"])["workclass"].drop_nulls().to_list())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "r.pdf"], "error: report 'r.pdf': unsupported extension '.pdf'; use .html or .json"),
        (["-o", "nope/r.html"], "error: report 'nope/r.html': folder 'nope' does not exist"),
        (["-o", "r.html", "--json", "nope/s.json"], "error: cannot write 'nope/s.json': folder 'nope' does not exist"),
        (["-o", "r.html", "--model", "nope.json"], "error: model file 'nope.json' does not exist"),
    ],
)
def test_cli_report_errors_before_evaluating(extra: list[str], message: str, run_cli) -> None:
    code, _, err = run_cli(["report", "real.csv", "synth.csv", *extra])
    assert code == 1 and message in err and "Traceback" not in err


def test_cli_report_missing_data_file(tmp_path: Path, run_cli) -> None:
    code, _, err = run_cli(["report", str(tmp_path / "nope.csv"), str(tmp_path / "s.csv"), "-o",
                            str(tmp_path / "r.html")])
    assert code == 1 and "nope.csv' does not exist" in err


# ---------------------------------------------------------------- plots and the columns table


def test_whole_numbers_are_binned_on_whole_numbers() -> None:
    from datatwin.evaluate.plots import HIST_BINS, histogram_edges

    rng = np.random.default_rng(0)
    ages = rng.integers(17, 91, 200_000).astype(float)  # 74 values: more than one per bin
    for kind in ("discrete", "continuous"):  # whole numbers, whatever the kind
        edges = histogram_edges(ages, kind)
        assert np.allclose(edges % 1, 0.5)  # every edge halfway between two whole numbers
        widths = np.diff(edges)
        assert len(widths) <= HIST_BINS and np.all(widths == widths[0]) and widths[0] == int(widths[0]) > 1
        counts, _ = np.histogram(ages, edges)
        inner = counts[1:-1]  # the end bins also hold the values beyond the 0.5-99.5 % range
        assert inner.max() / inner.min() < 1.1  # uniform values give a flat histogram: no sawtooth
    few = histogram_edges(np.array([0.0, 1, 1, 2, 5]), "discrete")
    assert few.tolist() == [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]  # one bar per value
    fractions = histogram_edges(rng.normal(size=1000), "continuous")
    assert len(fractions) == HIST_BINS + 1  # other numbers: equal-width bins as before


def test_the_age_plot_draws_whole_number_bins() -> None:
    from datatwin.evaluate.plots import Plots

    rng = np.random.default_rng(1)
    real, synth = (pl.Series("age", rng.integers(17, 91, 5000)) for _ in range(2))
    plots = Plots()
    with plots.style():
        fig = plots.column_figure("age", "discrete", real, synth)
    edges = fig.axes[0].patches[0].get_data().edges
    assert np.allclose(edges % 1, 0.5) and len(set(np.round(np.diff(edges), 9))) == 1


@pytest.mark.parametrize(("kind", "values"), [("boolean", ["Male", "Female"]), ("categorical", list("abcdefghijkl")),
                                              ("discrete", None)])
def test_legends_stay_clear_of_bars_and_lines(kind: str, values: list[str] | None) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from datatwin.evaluate.plots import Plots

    rng = np.random.default_rng(2)
    if values is None:
        real, synth = (pl.Series("n", rng.poisson(3, 2000)) for _ in range(2))
    else:  # two labels filling the axes: the legend used to sit on the second bar
        real, synth = (pl.Series("sex", rng.choice(values, 2000, p=None)) for _ in range(2))
    plots = Plots()
    with plots.style():
        fig = plots.column_figure("sex", kind, real, synth)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        legend = fig.legends[0].get_window_extent(renderer)
        drawn = fig.axes[0].get_tightbbox(renderer)  # the axes with their ticks, labels and title
    assert not legend.overlaps(drawn)
    assert 0 <= legend.x0 and legend.x1 <= fig.bbox.width and legend.y0 >= 0  # and inside the figure


def test_columns_table_fits_the_page_without_scrolling(tmp_path: Path) -> None:
    from datatwin.evaluate.run import evaluate

    long_name = "annual_household_income_before_taxes_in_euros_as_reported_by_the_respondent"
    real, synth, holdout = (f.rename({"income <$>": long_name}) for f in frames(n=300))
    page = evaluate(real, synth, holdout, max_rows=200).to_html()
    table = page.split('<table class="columns">')[1].split("</table>")[0]
    assert f'title="{long_name}"' in table and "respondent</td>" not in table  # cut, the full name a tooltip
    # measure in the browser: does the columns table need a horizontal scroll bar at 1280 px?
    probe = ('<script>const t = document.querySelector("#columns .scroll");'
             'document.body.dataset.fits = String(t.scrollWidth <= t.clientWidth);</script></body>')
    path = tmp_path / "probe.html"
    path.write_text(page.replace("</body>", probe), encoding="utf-8")
    proc = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={tmp_path / 'p'}", "--window-size=1280,1000", "--dump-dom",
                           path.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'data-fits="true"' in proc.stdout
