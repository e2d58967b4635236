"""Core-engine benchmark: datatwin against metasyn 3.0.0, side by side in one run.

    bash benchmarks/peers/setup.sh            # once: metasyn in its own virtual environment
    python benchmarks/bench_core.py           # full run (~15 min: metasyn's 1M-row fit is slow)
    python benchmarks/bench_core.py --quick   # adult only, no 1M-row frame

Both tools get the same frame: ``../shared/datasets/adult.csv`` read with ``?`` as
missing and text columns as ``pl.Categorical``, and a 1,000,000-row resample of it
(with replacement, seed 0). Each measurement runs in its own process (so peak memory
is per task) through ``datatwin_runner.py`` / ``peers/metasyn_runner.py``.

Printed: fit and sample times with ratios, peak memory, datatwin's sampling time
against the numpy floor, and per-column fidelity (KS for numeric, total variation
distance for categorical) of 100,000 synthetic rows against the real data.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

HERE = Path(__file__).resolve().parent
ADULT = HERE.parent.parent / "shared" / "datasets" / "adult.csv"
PEERS_PYTHON = HERE / ".venv-peers" / "bin" / "python"


def prepare(workdir: Path, big_rows: int | None) -> dict[str, Path]:
    frame = pl.read_csv(ADULT, null_values=["?"]).with_columns(pl.col(pl.String).cast(pl.Categorical))
    paths = {"adult": workdir / "adult.parquet"}
    frame.write_parquet(paths["adult"])
    if big_rows:
        paths["big"] = workdir / "adult_1m.parquet"
        frame.sample(big_rows, with_replacement=True, seed=0).write_parquet(paths["big"])
    return paths


def run_tool(tool: str, frame: Path, task: str, workdir: Path, n: int | None = None, extra: list[str] = ()) -> dict[str, Any]:
    python, script = (
        (sys.executable, HERE / "datatwin_runner.py") if tool == "datatwin" else (PEERS_PYTHON, HERE / "peers" / "metasyn_runner.py")
    )
    tag = f"{tool}-{frame.stem}-{task}-{n}" + ("-nm" if "--no-numeric-multinoulli" in extra else "")
    out = workdir / f"{tag}.json"
    cmd = [str(python), str(script), "--input", str(frame), "--task", task, "--json-out", str(out), *extra]
    if n is not None:
        cmd += ["--n", str(n), "--sample-out", str(workdir / f"{tag}.parquet")]
    print(f"  running {tool}: {task} on {frame.name}" + (f", n={n:,}" if n else ""), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    record = json.loads(out.read_text())
    record["sample_path"] = str(workdir / f"{tag}.parquet") if n is not None else None
    return record


def fidelity(real: pl.DataFrame, synth: pl.DataFrame) -> dict[str, tuple[str, float]]:
    """Per column: ('KS', statistic) for numeric columns, ('TVD', distance) otherwise."""
    out: dict[str, tuple[str, float]] = {}
    for name in real.columns:
        r, s = real[name], synth[name]
        if r.dtype.is_numeric():
            out[name] = ("KS", float(stats.ks_2samp(r.drop_nulls().to_numpy(), s.drop_nulls().to_numpy()).statistic))
        else:
            p = r.cast(pl.String).fill_null("<missing>").value_counts(normalize=True)
            q = s.cast(pl.String).fill_null("<missing>").value_counts(normalize=True)
            joined = p.join(q, on=name, how="full", coalesce=True).fill_null(0.0)
            out[name] = ("TVD", float(0.5 * np.abs(joined["proportion"] - joined["proportion_right"]).sum()))
    return out


def published_numbers(model_json: dict[str, Any], column: str) -> int:
    """How many numbers the model file publishes for one column's distribution."""
    col = next(c for c in model_json["columns"] if c["name"] == column)

    def count(obj: Any) -> int:
        if isinstance(obj, dict):
            return sum(count(v) for v in obj.values())
        if isinstance(obj, list):
            return sum(count(v) for v in obj)
        return int(isinstance(obj, (int, float)) and not isinstance(obj, bool))

    return count(col["distribution"]["parameters"])


def main() -> int:
    parser = argparse.ArgumentParser(description="datatwin vs metasyn, side by side")
    parser.add_argument("--quick", action="store_true", help="adult only (skip the 1M-row frame)")
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    if not PEERS_PYTHON.exists():
        print(f"metasyn venv missing: run `bash {HERE / 'peers' / 'setup.sh'}` first", file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="datatwin-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    paths = prepare(workdir, None if args.quick else args.big_rows)
    n_fid = 100_000
    results: dict[str, dict[str, Any]] = {}
    print("adult.csv (32,561 rows): fit, then sample 100,000 rows for fidelity")
    results["dt_adult"] = run_tool("datatwin", paths["adult"], "fit-sample", workdir, n_fid, ["--repeat", "5"])
    results["ms_adult"] = run_tool("metasyn", paths["adult"], "fit-sample", workdir, n_fid)
    # like for like: metasyn without its value tables for numeric columns (see metasyn_runner.py)
    results["ms_adult_nm"] = run_tool("metasyn", paths["adult"], "fit-sample", workdir, n_fid, ["--no-numeric-multinoulli"])
    print("sample 1,000,000 rows from the adult model")
    results["dt_s1m"] = run_tool("datatwin", paths["adult"], "fit-sample", workdir, 1_000_000, ["--repeat", "3", "--floor"])
    results["ms_s1m"] = run_tool("metasyn", paths["adult"], "fit-sample", workdir, 1_000_000)
    if "big" in paths:
        print(f"fit the {args.big_rows:,}-row resample")
        results["dt_big"] = run_tool("datatwin", paths["big"], "fit", workdir, None, ["--repeat", "3"])
        results["ms_big"] = run_tool("metasyn", paths["big"], "fit", workdir)

    def row(label: str, ours: float, theirs: float, target: float | None) -> None:
        ratio = theirs / ours
        verdict = "" if target is None else ("  ok" if ratio >= target else f"  BELOW TARGET {target:g}x")
        print(f"{label:<34} {ours:>10.3f} {theirs:>10.3f} {ratio:>9.1f}x{verdict}")

    print(f"\n{'speed (seconds)':<34} {'datatwin':>10} {'metasyn':>10} {'ratio':>10}")
    row("fit adult (32,561 rows)", results["dt_adult"]["fit_s"], results["ms_adult"]["fit_s"], 20)
    if "big" in paths:
        row(f"fit {args.big_rows:,} rows", results["dt_big"]["fit_s"], results["ms_big"]["fit_s"], 50)
    row("sample 1,000,000 rows", results["dt_s1m"]["sample_s"], results["ms_s1m"]["sample_s"], 50)
    floor = results["dt_s1m"]["floor_s"]
    print(f"{'numpy floor, 1,000,000 rows':<34} {floor:>10.3f}   datatwin / floor = {results['dt_s1m']['sample_s'] / floor:.2f}x (target <= 3x)")
    print(f"\n{'peak memory (MiB)':<34} {'datatwin':>10} {'metasyn':>10}")
    print(f"{'fit adult':<34} {results['dt_adult']['peak_rss_mb']:>10.0f} {results['ms_adult']['peak_rss_mb']:>10.0f}")
    if "big" in paths:
        print(f"{'fit ' + format(args.big_rows, ',') + ' rows':<34} {results['dt_big']['peak_rss_mb']:>10.0f} {results['ms_big']['peak_rss_mb']:>10.0f}")

    real = pl.read_parquet(paths["adult"])
    ours = fidelity(real, pl.read_parquet(results["dt_adult"]["sample_path"]))
    theirs = fidelity(real, pl.read_parquet(results["ms_adult"]["sample_path"]))
    theirs_nm = fidelity(real, pl.read_parquet(results["ms_adult_nm"]["sample_path"]))
    import datatwin as dt

    model_json = json.loads(dt.fit(real).to_json())
    print(f"\nfidelity, {n_fid:,} synthetic rows vs real (lower is better)")
    print("metasyn: its default fit; metasyn*: numeric columns without multinoulli, i.e. not publishing every value")
    print(f"{'column':<16} {'metric':<6} {'datatwin':>9} {'metasyn':>9} {'metasyn*':>9}  "
          f"{'datatwin distribution':<26} {'metasyn':<18} {'metasyn*':<22} numbers datatwin publishes")
    for name, (metric, value) in ours.items():
        n_pub = f"{published_numbers(model_json, name)} (of {real[name].n_unique()} distinct values)" if metric == "KS" else ""
        print(
            f"{name:<16} {metric:<6} {value:>9.4f} {theirs[name][1]:>9.4f} {theirs_nm[name][1]:>9.4f}  "
            f"{results['dt_adult']['distributions'][name]:<26} {results['ms_adult']['distributions'][name]:<18} "
            f"{results['ms_adult_nm']['distributions'][name]:<22} {n_pub}"
        )
    zero_heavy = ["capital-gain", "capital-loss"]
    print(f"\nzero-heavy columns {zero_heavy}:")
    print(f"  vs metasyn default (a table of all {', '.join(str(real[c].n_unique()) for c in zero_heavy)} distinct values): "
          f"datatwin better: {all(ours[c][1] < theirs[c][1] for c in zero_heavy)}")
    print(f"  vs metasyn* (no value tables, like datatwin): datatwin better: {all(ours[c][1] < theirs_nm[c][1] for c in zero_heavy)}"
          f" (KS {', '.join(f'{ours[c][1]:.4f} vs {theirs_nm[c][1]:.4f}' for c in zero_heavy)})")
    print(f"mean KS over numeric columns: datatwin {np.mean([v for m, v in ours.values() if m == 'KS']):.4f}, "
          f"metasyn {np.mean([v for m, v in theirs.values() if m == 'KS']):.4f}")
    print(f"mean TVD over categorical columns: datatwin {np.mean([v for m, v in ours.values() if m == 'TVD']):.4f}, "
          f"metasyn {np.mean([v for m, v in theirs.values() if m == 'TVD']):.4f}")
    (workdir / "summary.json").write_text(
        json.dumps({"results": results, "fidelity": {"datatwin": ours, "metasyn": theirs, "metasyn_no_value_tables": theirs_nm}}, indent=2)
    )
    print(f"\nraw results: {workdir / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
