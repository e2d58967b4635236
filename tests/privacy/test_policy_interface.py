"""The policy contract: registry, entry points, injection into fitting, CLI wiring."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.privacy import base

EXAMPLE_SRC = Path(__file__).resolve().parents[2] / "examples" / "datatwin-policy-example" / "src"


@pytest.fixture
def frame() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    return pl.DataFrame({"x": rng.normal(0, 1, 300), "c": rng.choice(["a", "b", "c"], 300)})


def test_default_policy_is_none(frame: pl.DataFrame) -> None:
    model = dt.fit(frame)
    assert model.privacy == {"policy": "none", "ledger": []}
    assert dt.fit(frame, privacy="none").to_dict()["columns"] == model.to_dict()["columns"]


def test_unknown_policy_names_the_known_ones(frame: pl.DataFrame) -> None:
    with pytest.raises(dt.PrivacyError, match=r"unknown privacy policy 'nope' \(did you mean 'none'\?\); known policies: \[.*'none'"):
        dt.fit(frame, privacy="nope")


def test_privacy_argument_of_the_wrong_type(frame: pl.DataFrame) -> None:
    with pytest.raises(dt.PrivacyError, match="privacy must be a policy .* Got dict"):
        dt.fit(frame, privacy={"epsilon": 1})


def test_bad_setting_names_the_policy() -> None:
    with pytest.raises(dt.PrivacyError, match=r"privacy policy 'none': NoPrivacy\(\) takes no arguments"):
        dt.privacy.make_policy("none", k=3)


class _Recording(dt.privacy.PolicySession):
    """A session that records what fitting hands it and delegates to the plain estimator."""

    def __init__(self) -> None:
        self.seen: list[dt.privacy.ColumnData] = []

    def release_n_rows(self, n_rows: float) -> int:
        return 1234

    def release_column(self, data):  # type: ignore[no-untyped-def]
        self.seen.append(data)
        return dt.privacy.ColumnRelease(data=data)

    def review(self, data, estimate):  # type: ignore[no-untyped-def]
        return dataclasses.replace(estimate, selection={"method": "recorded"})

    def privacy_section(self) -> dict:
        return {"policy": "recording", "ledger": [{"what": f"{d.name}: fitted"} for d in self.seen]}


class _RecordingPolicy(dt.privacy.PrivacyPolicy):
    name = "recording"

    def __init__(self) -> None:
        self.session = _Recording()

    def start(self, table: dt.privacy.TableInfo) -> dt.privacy.PolicySession:
        assert table.columns == ("x", "c") and table.n_rows == 300
        return self.session


def test_policy_is_injected_into_fitting(frame: pl.DataFrame, tmp_path: Path) -> None:
    policy = _RecordingPolicy()
    model = dt.fit(frame.with_columns(w=pl.lit(1)), {"columns": {"w": {"exclude": True}}}, privacy=policy)
    assert [d.name for d in policy.session.seen] == ["x", "c"]
    x = policy.session.seen[0]
    assert x.kind == "continuous" and x.n_rows == 300 and x.n_missing == 0 and x.n_present == 300
    assert model.n_rows == 1234
    assert model.column("x").selection == {"method": "recorded"}
    assert model.privacy["ledger"] == [{"what": "x: fitted"}, {"what": "c: fitted"}]
    # a plug-in's file loads without the plug-in: sampling needs only the model file
    path = model.save(tmp_path / "m.json")
    assert dt.load(path).privacy["policy"] == "recording"


class _Private(_Recording):
    pass


class _PrivatePolicy(_RecordingPolicy):
    reads_values = False  # kinds, formats and personal data from the dtype and spec only

    def __init__(self) -> None:
        self.session = _Private()

    def start(self, table: dt.privacy.TableInfo) -> dt.privacy.PolicySession:
        return self.session


def test_a_private_session_gets_kinds_from_the_dtype_only() -> None:
    # whole-number floats and few text labels: a peeking fit says discrete / categorical;
    # without peeking, Float64 is continuous and String categorical, whatever the values
    frame = pl.DataFrame({"x": [1.0, 2.0, 3.0] * 20, "s": [f"id{i}" for i in range(60)]})
    policy = _PrivatePolicy()
    dt.fit(frame, privacy=policy)
    assert [(d.name, d.kind) for d in policy.session.seen] == [("x", "continuous"), ("s", "categorical")]
    forced = _PrivatePolicy()
    dt.fit(frame, {"columns": {"x": {"kind": "discrete"}}}, privacy=forced)
    assert forced.session.seen[0].kind == "discrete"


def _fake_distribution(tmp_path: Path, target: str, group: str = "datatwin.privacy") -> Path:
    """An installed-looking distribution (dist-info with entry_points.txt) on a temporary path."""
    info = tmp_path / "fake_policy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-policy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{group}]\nfake = {target}\n")
    return tmp_path


def test_entry_point_discovery_of_the_example_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the example package's source, found through an entry point as pip would install it
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    monkeypatch.syspath_prepend(str(_fake_distribution(tmp_path, "datatwin_policy_example:CoarsenPolicy")))
    monkeypatch.setattr(base, "_PLUGINS", base._PLUGINS.fresh())  # entry points read again
    cls = dt.privacy.get_policy_class("coarsen")
    assert cls.__module__ == "datatwin_policy_example"
    model = dt.fit(pl.DataFrame({"x": np.arange(100.0) + 0.4}), privacy="coarsen")
    assert model.privacy["settings"] == {"step": 10.0, "k": 10}
    monkeypatch.delitem(sys.modules, "datatwin_policy_example", raising=False)


def test_a_broken_plugin_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(_fake_distribution(tmp_path, "no_such_module_xyz:Policy")))
    monkeypatch.setattr(base, "_PLUGINS", base._PLUGINS.fresh())  # entry points read again
    with pytest.raises(dt.PrivacyError, match=r"privacy plug-in 'fake' \(no_such_module_xyz:Policy\) failed to load"):
        dt.privacy.registered_policies()


def test_cli_settings_without_a_policy(run_cli, adult_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(["fit", str(adult_path), "-o", str(tmp_path / "m.json"), "--epsilon", "1"])
    assert code == 1
    assert "--epsilon given without a privacy policy; add --privacy dp" in " ".join(err.split())


def test_cli_bad_privacy_option(run_cli, adult_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(["fit", str(adult_path), "-o", str(tmp_path / "m.json"), "--privacy", "none",
                            "--privacy-option", "oops"])
    assert code == 1
    assert "--privacy-option must be key=value. Got 'oops'." in " ".join(err.split())


def test_cli_dp_fit_inspect_validate_and_a_tampered_ledger(run_cli, adult_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    path = tmp_path / "dp.json"
    code, out, err = run_cli(["fit", str(adult_path), "--missing", "?", "-o", str(path), "-q",
                              "--privacy", "dp", "--epsilon", "1", "--delta", "1e-9"])
    assert code == 0, err
    code, out, _ = run_cli(["inspect", str(path)])
    text = " ".join(out.split())
    assert code == 0 and "privacy policy: dp" in text and "privacy ledger" in text
    assert "budget: epsilon=1 (spent 1)" in text and "delta=1e-09" in text
    code, out, _ = run_cli(["validate", str(path)])
    assert code == 0 and "adds up within the budget" in " ".join(out.split())
    data = json.loads(path.read_text())
    data["privacy"]["ledger"][0]["epsilon"] /= 10  # understate one line's cost
    path.write_text(json.dumps(data))
    code, _, err = run_cli(["validate", str(path)])
    assert code == 1 and "$.privacy: ledger line 0 ('n_rows: row count')" in " ".join(err.split())


def test_cli_disclosure_fit_and_a_bad_k(run_cli, adult_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sdc.json"
    code, _, err = run_cli(["fit", str(adult_path), "--missing", "?", "-o", str(path), "-q",
                            "--privacy", "disclosure", "--k", "10"])
    assert code == 0, err
    code, out, _ = run_cli(["inspect", str(path)])
    assert code == 0 and "privacy policy: disclosure" in out and "micro-aggregation" in out
    code, _, err = run_cli(["fit", str(adult_path), "-o", str(path), "--privacy", "disclosure", "--k", "1"])
    assert code == 1 and "'k'" in err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"bounds": [100, 0]}, "'bounds' lower 100 is greater than upper 0; swap them"),
        ({"bounds": ["2024-12-31", "2024-01-01"]}, "'bounds' lower '2024-12-31' is greater than upper '2024-01-01'"),
        ({"bounds": [0]}, "'bounds' must be \\[lower, upper\\]"),
        ({"bounds": [0, float("inf")]}, "'bounds' must be finite numbers"),
        ({"labels": []}, "'labels' must be a non-empty list of distinct labels"),
        ({"labels": ["a", "a"]}, "'labels' must be a non-empty list of distinct labels"),
        ({"budget_weight": 0}, "'budget_weight' must be a number > 0. Got 0."),
        ({"budget_weight": True}, "'budget_weight' must be a number > 0. Got True."),
    ],
)
def test_bad_privacy_spec_options(option: dict, message: str) -> None:
    with pytest.raises(dt.SpecError, match=f"spec for column 'x': {message}"):
        dt.fit(pl.DataFrame({"x": [1.0, 2.0, 3.0]}), {"columns": {"x": option}},
               privacy=dt.privacy.DifferentialPrivacy(epsilon=1.0))


def test_budget_weight_shifts_the_budget() -> None:
    rng = np.random.default_rng(2)
    frame = pl.DataFrame({"a": rng.choice(["x", "y"], 2000), "b": rng.choice(["x", "y"], 2000)})
    spec = {"columns": {"a": {"labels": ["x", "y"], "budget_weight": 3}, "b": {"labels": ["x", "y"]}}}
    model = dt.fit(frame, spec, privacy=dt.privacy.DifferentialPrivacy(epsilon=1.0, public_n_rows=True))
    cost = {}
    for line in model.privacy["ledger"]:
        column = line["what"].split(":")[0]
        cost[column] = cost.get(column, 0.0) + line.get("epsilon", 0.0)
    assert cost["a"] == pytest.approx(3 * cost["b"], rel=1e-9)
    assert cost["a"] + cost["b"] == pytest.approx(1.0, rel=1e-9)


def test_a_broken_distribution_plugin_is_a_clear_error_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datatwin.distributions import base as dist_base

    monkeypatch.syspath_prepend(str(_fake_distribution(tmp_path, "no_such_module_xyz:Dist", "datatwin.distributions")))
    monkeypatch.setattr(dist_base, "_PLUGINS", dist_base._PLUGINS.fresh())  # entry points read again
    with pytest.raises(dt.DistributionError, match=r"distribution plug-in 'fake' \(no_such_module_xyz:Dist\) failed to load"):
        dt.distributions.registered_distributions()
