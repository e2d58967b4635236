"""The datatwin command: each subcommand end to end, and errors as one line with exit code 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest



@pytest.fixture()
def model_file(tmp_path: Path, adult_path: Path, run_cli) -> Path:
    out = tmp_path / "adult.model.json"
    code, stdout, _ = run_cli(["fit", str(adult_path), "-o", str(out), "--missing", "?"])
    assert code == 0, stdout
    assert "fitted 15 columns of adult.csv (32,561 rows, family independent)" in stdout
    return out


def test_fit_inspect_validate_sample(model_file: Path, tmp_path: Path, run_cli) -> None:
    code, out, _ = run_cli(["inspect", str(model_file)])
    assert code == 0
    assert "32,561 rows" in out and "capital-gain" in out and "point masses" in out and "5.6%" in out

    code, out, _ = run_cli(["validate", str(model_file)])
    assert code == 0 and "valid" in out

    for ext in ("parquet", "csv", "ndjson"):
        target = tmp_path / f"synth.{ext}"
        code, _, err = run_cli(["sample", str(model_file), "-n", "1000", "-o", str(target), "--seed", "7"])
        assert code == 0 and "wrote 1,000 rows × 15 columns" in err
    a = pl.read_parquet(tmp_path / "synth.parquet")
    b = pl.read_csv(tmp_path / "synth.csv")
    assert a.shape == (1000, 15) and a["age"].to_list() == b["age"].to_list()


def test_sample_to_stdout_is_reproducible(model_file: Path, run_cli) -> None:
    first = run_cli(["sample", str(model_file), "-n", "20", "--seed", "3"])
    second = run_cli(["sample", str(model_file), "-n", "20", "--seed", "3"])
    assert first[0] == 0 and first[1] == second[1]
    assert first[1].splitlines()[0].startswith("age,workclass,fnlwgt")
    assert len(first[1].splitlines()) == 21


def test_fit_with_spec_and_quiet(adult_path: Path, tmp_path: Path, run_cli) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text('missing_values = ["?"]\n[columns.fnlwgt]\nexclude = true\n', encoding="utf-8")
    out = tmp_path / "m.json"
    code, stdout, stderr = run_cli(["fit", str(adult_path), "-o", str(out), "--spec", str(spec), "-q"])
    assert code == 0 and stdout == "" and stderr == ""
    data = json.loads(out.read_text())
    assert "fnlwgt" not in [c["name"] for c in data["columns"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "nope.csv", "-o", "m.json"], "error: file 'nope.csv' does not exist"),
        (["validate", "nope.json"], "error: model file 'nope.json' does not exist"),
        (["sample", "nope.json", "-n", "3"], "error: model file 'nope.json' does not exist"),
        (["inspect", "nope.json"], "error: model file 'nope.json' does not exist"),
    ],
)
def test_errors_are_one_line_with_exit_code_1(args: list[str], message: str, run_cli) -> None:
    code, _, err = run_cli(args)
    assert code == 1
    assert message in err and "Traceback" not in err


def test_invalid_model_file_fails_validate(tmp_path: Path, model_file: Path, run_cli) -> None:
    data = json.loads(model_file.read_text())
    data["columns"][1]["distribution"]["parameters"]["probs"][0] = 5.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run_cli(["validate", str(bad)])
    assert code == 1 and "$.columns[1].distribution" in err and "must sum to 1" in err


def test_unsupported_output_extension(model_file: Path, tmp_path: Path, run_cli) -> None:
    code, _, err = run_cli(["sample", str(model_file), "-n", "5", "-o", str(tmp_path / "x.xlsx")])
    assert code == 1 and "unsupported extension '.xlsx'" in err


def test_usage_error_exit_code_2(run_cli) -> None:
    code, _, err = run_cli(["sample"])
    assert code == 2 and "Missing argument" in err


def test_demo_runs_on_bundled_data(tmp_path: Path, run_cli) -> None:
    code, out, _ = run_cli(["demo", "-n", "500", "--out-dir", str(tmp_path)])
    assert code == 0 and "UCI Adult sample (4,000 rows × 15 columns" in out
    assert (tmp_path / "adult.model.json").exists()
    assert pl.read_csv(tmp_path / "adult.synthetic.csv").shape == (500, 15)


def test_installed_console_script() -> None:
    """The entry point pip installs, run as a real process."""
    proc = subprocess.run([sys.executable, "-m", "datatwin", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("datatwin ")


def test_inspect_a_hand_written_file_without_source(tmp_path: Path, run_cli) -> None:
    import datatwin as dt

    data = json.loads(dt.fit(pl.DataFrame({"x": list(range(12))})).to_json())
    data["provenance"].pop("source")
    path = tmp_path / "m[1].json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run_cli(["inspect", str(path)])
    assert code == 0 and "m[1].json" in out and "12 rows" in out and err == ""
