"""The Gaussian copula family: what it keeps, what it publishes, and the bad input it refuses."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin import modelfile
from datatwin.models import registry


@pytest.fixture(scope="module")
def related() -> pl.DataFrame:
    """Correlated numbers, a label that follows one of them, a boolean, joint missingness."""
    rng = np.random.default_rng(1)
    n = 4000
    x = rng.normal(0, 1, n)
    y = 0.8 * x + rng.normal(0, 0.6, n)
    level = np.digitize(x + rng.normal(0, 0.3, n), [-1.0, 0.0, 1.0])
    grade = np.array(["d", "a", "c", "b"])[level]  # alphabetical order is not the latent order
    years = np.round(30 + 8 * y + rng.normal(0, 2, n)).astype(np.int64)
    gone = rng.random(n) < 0.1
    return pl.DataFrame({
        "x": x.round(4),
        "y": y.round(4),
        "grade": grade,
        "years": years,
        "flag": x + rng.normal(0, 0.5, n) > 0.5,
        "a": pl.Series(np.where(gone, np.nan, rng.normal(size=n))).fill_nan(None),
        "b": [None if g else str(v) for g, v in zip(gone, rng.choice(["p", "q"], n))],
    })


@pytest.fixture(scope="module")
def model(related: pl.DataFrame) -> dt.Model:
    return dt.fit(related, family="copula")


def _spearman(frame: pl.DataFrame, a: str, b: str) -> float:
    return float(frame.select(pl.corr(a, b, method="spearman")).item())


def test_keeps_pairwise_dependence(related: pl.DataFrame, model: dt.Model) -> None:
    synth = model.sample(20_000, seed=3)
    for a, b in (("x", "y"), ("x", "years"), ("y", "years")):
        assert abs(_spearman(synth, a, b) - _spearman(related, a, b)) < 0.05, (a, b)
    independent = dt.fit(related).sample(20_000, seed=3)
    assert abs(_spearman(independent, "x", "y")) < 0.05  # the independent family keeps nothing


def test_orders_labels_so_the_association_is_kept(related: pl.DataFrame, model: dt.Model) -> None:
    order = next(d.order for d in model.fitted.dimensions if d.column == "grade")
    assert list(order) in (["d", "a", "c", "b"], ["b", "c", "a", "d"])
    synth = model.sample(20_000, seed=4)
    real_means = related.group_by("grade").agg(pl.col("x").mean()).sort("grade")["x"].to_numpy()
    synth_means = synth.group_by("grade").agg(pl.col("x").mean()).sort("grade")["x"].to_numpy()
    assert np.abs(real_means - synth_means).max() < 0.15


def test_keeps_joint_missingness_and_the_marginals(related: pl.DataFrame, model: dt.Model) -> None:
    synth = model.sample(20_000, seed=5)
    both = float((synth["a"].is_null() & synth["b"].is_null()).mean())
    assert abs(both - 0.1) < 0.02  # missing together, as in the data (independent: about 0.01)
    for name in ("a", "b", "grade", "flag"):  # each column's marginal is the independent family's
        col = model.column(name)
        assert abs(synth[name].null_count() / synth.height - col.prop_missing) < 0.01
    assert abs(float(synth["flag"].mean()) - model.column("flag").distribution.p) < 0.015
    shares = synth["grade"].value_counts(normalize=True).sort("grade")["proportion"].to_numpy()
    dist = model.column("grade").distribution
    expected = np.array([p for _, p in sorted(zip(dist.labels, dist.probs))])
    assert np.abs(shares - expected).max() < 0.015


def test_the_file_holds_a_labelled_matrix(model: dt.Model, tmp_path: Path) -> None:
    path = model.save(tmp_path / "m.json")
    d = json.loads(path.read_text())
    assert d["format"] == "datatwin-model/2" and d["model"]["family"] == "copula"
    corr = d["model"]["correlation"]
    assert corr["labels"] == ["x", "y", "grade", "years", "flag", "a", "a (missing)", "b", "b (missing)"]
    r = np.array(corr["matrix"])
    assert np.allclose(r, r.T) and np.allclose(np.diag(r), 1.0) and np.linalg.eigvalsh(r).min() > 0
    assert r[corr["labels"].index("a (missing)"), corr["labels"].index("b (missing)")] > 0.9
    # a value and its own missing indicator stay independent, so present values keep the marginal
    assert abs(r[corr["labels"].index("a"), corr["labels"].index("a (missing)")]) < 0.02
    back = dt.load(path)
    assert back.sample(100, seed=1).equals(model.sample(100, seed=1))


def test_summary_and_repr_are_short(model: dt.Model) -> None:
    summary = model.fitted.summary()
    assert summary.columns == ["dimension_a", "dimension_b", "correlation"]
    assert summary.row(0)[:2] in (("a (missing)", "b (missing)"), ("x", "y"))
    text = repr(model)
    assert "family copula" in text and "strongest correlations" in text and len(text) < 2000
    roles = model.summary()["role"].to_list()
    assert roles[0] == "copula" and "missingness" in roles[5]


def test_personal_data_and_codes_stay_independent() -> None:
    rng = np.random.default_rng(2)
    n = 600
    frame = pl.DataFrame({
        "x": rng.normal(size=n),
        "y": rng.normal(size=n),
        "email": [f"user{i}@example.com" for i in range(n)],
    })
    model = dt.fit(frame, family="copula")
    listed = {e["column"]: e["reason"] for e in model.fitted.independent}
    assert "email" in listed and "faker" in listed["email"]
    assert model.sample(50, seed=1)["email"].str.contains("@").all()


# -- bad input ----------------------------------------------------------------------------
def test_unknown_family_lists_the_known_ones() -> None:
    frame = pl.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(dt.SpecError, match=r"unknown model family 'coupla' \(did you mean 'copula'\?\); known families: cart, copula, independent"):
        dt.fit(frame, family="coupla")
    with pytest.raises(dt.SpecError, match=r"family must be a name such as 'copula'"):
        dt.fit(frame, family=3)


def test_bad_family_options_name_the_parameter() -> None:
    with pytest.raises(dt.SpecError, match=r"'calibration_steps' parameter of Copula must be an integer from 0 to 50"):
        dt.families.Copula(calibration_steps=-1)
    with pytest.raises(dt.SpecError, match=r"model family 'copula': .*unexpected keyword argument 'steps'"):
        dt.fit(pl.DataFrame({"x": [1.0, 2.0]}), {"family": {"name": "copula", "steps": 2}})
    with pytest.raises(dt.SpecError, match=r"the family is given twice"):
        dt.fit(pl.DataFrame({"x": [1.0, 2.0]}), {"family": "copula"}, family="independent")


def test_family_and_options_from_the_spec(related: pl.DataFrame) -> None:
    model = dt.fit(related.select("x", "y"), {"family": {"name": "copula", "calibration_steps": 1}})
    assert model.family == "copula" and model.fitted.calibration["steps"] == 1


def test_one_column_degenerates_to_independent_with_a_note() -> None:
    frame = pl.DataFrame({"x": np.random.default_rng(0).normal(size=200)})
    with pytest.warns(dt.DatatwinWarning, match="fewer than two columns can be related"):
        model = dt.fit(frame, family="copula")
    assert model.fitted.dimensions == [] and model.fitted.calibration == {"note": "fewer than two dimensions"}
    assert model.sample(10, seed=1).height == 10


def test_constant_and_all_missing_columns_stay_out(related: pl.DataFrame) -> None:
    frame = related.select("x", "y").with_columns(
        const=pl.lit(7, dtype=pl.Int64), empty=pl.lit(None, dtype=pl.Float64)
    )
    model = dt.fit(frame, family="copula")
    reasons = {e["column"]: e["reason"] for e in model.fitted.independent}
    assert set(reasons) == {"const", "empty"}
    assert "every value is missing" in reasons["empty"]
    synth = model.sample(100, seed=1)
    assert (synth["const"] == 7).all() and synth["empty"].null_count() == 100


def _edited(model: dt.Model, tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    d = json.loads(model.to_json())
    edit(d["model"])
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(d))
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m["correlation"]["matrix"][0].__setitem__(1, 0.5), r"is not symmetric: entry \[0\]\[1\]"),
        (lambda m: m["correlation"]["matrix"][2].__setitem__(2, 0.9), r"needs 1 on the diagonal"),
        (lambda m: m["correlation"]["matrix"].__setitem__(slice(None), [[1.0, 0.99, 0.0], [0.99, 1.0, 0.99],
                                                                         [0.0, 0.99, 1.0]]), r"is not positive definite"),
    ],
)
def test_a_hand_edited_matrix_is_refused(edit, message, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    model = dt.fit(pl.DataFrame({"x": x, "y": x + rng.normal(size=300), "z": rng.normal(size=300)}), family="copula")
    with pytest.raises(dt.ModelFileError, match=r"\$\.model\.correlation\.matrix: the correlation matrix " + message):
        dt.load(_edited(model, tmp_path, edit))


def test_other_hand_edits_are_refused(model: dt.Model, tmp_path: Path) -> None:
    def wrong_order(m: dict) -> None:
        m["dimensions"][2]["order"] = ["a", "b", "c", "e"]

    with pytest.raises(dt.ModelFileError, match=r"\$\.model\.dimensions\[2\]\.order: 'order' must list the labels"):
        dt.load(_edited(model, tmp_path, wrong_order))

    def unknown_column(m: dict) -> None:
        m["dimensions"][0]["column"] = "nope"

    with pytest.raises(dt.ModelFileError, match=r"\$\.model\.dimensions\[0\]\.column: column 'nope' is not among"):
        dt.load(_edited(model, tmp_path, unknown_column))

    def labels_out_of_step(m: dict) -> None:
        m["correlation"]["labels"].reverse()

    with pytest.raises(dt.ModelFileError, match=r"\$\.model\.correlation\.labels: the labels must name the dimensions"):
        dt.load(_edited(model, tmp_path, labels_out_of_step))


def test_a_format_2_file_on_a_format_1_reader_path(model: dt.Model) -> None:
    with pytest.raises(dt.UnsupportedFormatVersionError, match=r"format 'datatwin-model/2' is not readable here"):
        modelfile.validate_dict(model.to_dict(), "m.json", versions=(1,))


def test_a_format_1_file_still_loads(tmp_path: Path) -> None:
    d = dt.fit(pl.DataFrame({"x": [1.0, 2.5, 3.0, 4.5]})).to_dict()
    d["format"] = "datatwin-model/1"
    d["model"] = {"family": "independent", "criterion": "bic", "rare_threshold": 10}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(d))
    model = dt.load(path)
    assert model.family == "independent" and model.to_dict()["format"] == "datatwin-model/2"


def test_a_family_plugin_that_fails_to_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = tmp_path / "fake_family-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-family\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[datatwin.models]\nbroken = no_such_module_xyz:Family\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_PLUGINS", registry._PLUGINS.fresh())  # entry points read again
    with pytest.raises(dt.SpecError, match=r"model family plug-in 'broken' \(no_such_module_xyz:Family\) failed to load"):
        dt.families.available()


# -- privacy ------------------------------------------------------------------------------------
def test_under_dp_the_ledger_adds_up_and_names_the_copula(related: pl.DataFrame, tmp_path: Path) -> None:
    policy = dt.privacy.DifferentialPrivacy(epsilon=2.0, delta=1e-9)
    spec = {"columns": {"grade": {"labels": ["a", "b", "c", "d"]}, "b": {"labels": ["p", "q"]}}}
    model = dt.fit(related, spec, family="copula", privacy=policy)
    lines = [line for line in model.privacy["ledger"] if line["what"].startswith("copula: ")]
    # each vector gets the mechanism with less noise at its sensitivities: Gaussian (charged as ε, δ) for long ones
    assert lines and {line["mechanism"] for line in lines} <= {"gaussian_approx", "laplace"}
    assert any(line["mechanism"] == "gaussian_approx" for line in lines)
    assert model.privacy["spent"]["epsilon"] <= 2.0 * (1 + 1e-9)
    path = model.save(tmp_path / "dp.json")
    assert dt.validate(path).family == "copula"  # the audit recomputes every line, copula's too
    d = json.loads(path.read_text())
    d["privacy"]["ledger"][-1]["scale"] /= 10  # understate the noise: refused
    path.write_text(json.dumps(d))
    with pytest.raises(dt.ModelFileError, match=r"gaussian_approx with sensitivity"):
        dt.load(path)


def test_under_dp_labels_are_ordered_in_one_round_from_profiles(related: pl.DataFrame) -> None:
    # one ordering measurement (label profiles over the already ordered dimensions), then the
    # final moments; no whitening moments. False-failure rate: at this budget the noise on a
    # label's mean profile is about 0.015 (scale ~11 over >= 700 rows), adjacent labels' means
    # differ by ~0.8, so a swap needs a ~25-sd error: far below 1e-6.
    spec = {"columns": {"grade": {"labels": ["a", "b", "c", "d"]}, "b": {"labels": ["p", "q"]}}}
    model = dt.fit(related, spec, family="copula", privacy=dt.privacy.DifferentialPrivacy(epsilon=2.0, delta=1e-9))
    lines = [line["what"] for line in model.privacy["ledger"] if line["what"].startswith("copula: ")]
    assert [w.split(" of ")[0] for w in lines] == ["copula: label profiles", "copula: score moments"]
    order = next(d.order for d in model.fitted.dimensions if d.column == "grade")
    assert list(order) in (["d", "a", "c", "b"], ["b", "c", "a", "d"])


def test_under_zcdp_the_copula_uses_gaussian_noise(related: pl.DataFrame) -> None:
    spec = {"columns": {"grade": {"labels": ["a", "b", "c", "d"]}, "b": {"labels": ["p", "q"]}}}
    model = dt.fit(related, spec, family="copula", privacy=dt.privacy.DifferentialPrivacy(rho=0.5))
    lines = [line for line in model.privacy["ledger"] if line["what"].startswith("copula: ")]
    assert lines and {line["mechanism"] for line in lines} == {"gaussian"}
    # at this budget the strong x ~ y dependence survives the noise (false-failure rate: the
    # noise sd on the correlation is about 0.01, the margin 0.3, i.e. 30 standard deviations)
    synth = model.sample(10_000, seed=1)
    assert _spearman(synth, "x", "y") > 0.5


def test_a_policy_that_cannot_release_table_wide_statistics(related: pl.DataFrame) -> None:
    class Session(dt.privacy.PolicySession):
        def release_column(self, data):  # type: ignore[no-untyped-def]
            return dt.privacy.ColumnRelease(data=data)

        def privacy_section(self) -> dict:
            return {"policy": "mine", "ledger": []}

    class Policy(dt.privacy.PrivacyPolicy):
        name = "mine"

        def start(self, table):  # type: ignore[no-untyped-def]
            return Session()

    with pytest.raises(dt.PrivacyError, match=r"does not release table-wide statistics .*use family 'independent'"):
        dt.fit(related.select("x", "y"), family="copula", privacy=Policy())


def test_disclosure_suppresses_a_two_by_two_cell_under_k() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    a = rng.random(n) < 0.5
    b = a.copy()
    b[:4] = ~a[:4]  # a and b disagree on 4 rows only: one cell of their 2 x 2 table is under k
    b[a & (np.arange(n) >= 4)] = True
    frame = pl.DataFrame({"a": a, "b": b, "x": rng.normal(size=n)})
    cells = frame.group_by("a", "b").len()
    assert cells["len"].min() < 10
    model = dt.fit(frame, family="copula", privacy=dt.privacy.DisclosureControl(k=10))
    notes = [line["what"] for line in model.privacy["ledger"] if line["what"].startswith("copula: ")]
    assert any("describing fewer than 10 rows suppressed" in w for w in notes)
    labels = [d.label for d in model.fitted.dimensions]
    assert abs(model.fitted.correlation[labels.index("a"), labels.index("b")]) < 0.05
    plain = dt.fit(frame, family="copula")
    assert plain.fitted.correlation[labels.index("a"), labels.index("b")] > 0.9  # without the rule: kept


def test_cli_fit_family_and_inspect(run_cli, tmp_path: Path, related: pl.DataFrame) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "related.csv"
    related.write_csv(data)
    out = tmp_path / "m.json"
    code, stdout, _ = run_cli(["fit", str(data), "-o", str(out), "--family", "copula", "--quiet"])
    assert code == 0
    code, stdout, _ = run_cli(["inspect", str(out)])
    text = " ".join(stdout.split())
    assert code == 0 and "family copula" in text and "strongest correlations" in text
    code, _, err = run_cli(["fit", str(data), "-o", str(out), "--family", "nope"])
    assert code == 1 and "unknown model family 'nope'" in err


def test_warnings_are_not_left_over() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dt.families.Copula()
