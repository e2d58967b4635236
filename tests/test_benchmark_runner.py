"""The benchmark's datatwin side runs and reports what the comparison needs (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

RUNNER = Path(__file__).resolve().parents[1] / "benchmarks" / "datatwin_runner.py"


def test_runner_reports_fit_sample_and_floor(tmp_path: Path, adult_path: Path) -> None:
    frame = pl.read_csv(adult_path, null_values=["?"], n_rows=3000).with_columns(pl.col(pl.String).cast(pl.Categorical))
    frame.write_parquet(tmp_path / "in.parquet")
    out = tmp_path / "r.json"
    cmd = [sys.executable, str(RUNNER), "--input", str(tmp_path / "in.parquet"), "--task", "fit-sample",
           "--n", "5000", "--sample-out", str(tmp_path / "s.parquet"), "--json-out", str(out), "--floor"]
    subprocess.run(cmd, check=True, capture_output=True)
    record = json.loads(out.read_text())
    assert record["tool"] == "datatwin" and record["n_rows_in"] == 3000 and record["n_sample"] == 5000
    assert record["fit_s"] > 0 and record["sample_s"] > 0 and record["floor_s"] > 0
    assert record["distributions"]["capital-gain"] in ("point_mass_mixture", "histogram")  # zeros kept exactly
    synth = pl.read_parquet(tmp_path / "s.parquet")
    assert synth.schema == frame.schema and synth.height == 5000
