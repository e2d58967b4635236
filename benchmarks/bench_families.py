"""Model families on a real table, side by side with SDV's GaussianCopulaSynthesizer in one run.

    bash benchmarks/peers/setup_sdv.sh            # once: SDV in benchmarks/.venv-sdv
    python benchmarks/bench_families.py           # Adult, 80/20 split, ~3 min
    python benchmarks/bench_families.py --data other.csv --target y --missing '?'
    python benchmarks/bench_families.py --skip-sdv --skip-dp

The table is split 80/20 with a fixed seed; every model is fitted on the 80 % and scored
against the held-out 20 % (``family_metrics.py`` has the definitions): mean 2-way TVD,
column shapes, TSTR ROC AUC, copies of training rows, the zero share of the zero-heavy
columns and the joint missingness of the columns with missing values. The "holdout" row
scores the training rows themselves: what a perfect generator could reach. Fit and
sampling times are the median of ``--repeat`` runs in one process for datatwin (sampling
after one untimed draw, so no family pays for the process's first large allocations), one
run for SDV; sampling is timed at 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import family_metrics  # noqa: E402

import datatwin as dt  # noqa: E402

ADULT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "adult.csv"
SDV_PYTHON = Path(__file__).resolve().parent / ".venv-sdv" / "bin" / "python"
BIG = 1_000_000


def split(frame: pl.DataFrame, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    indexed = frame.with_row_index("__row")
    train = indexed.sample(fraction=0.8, seed=seed, shuffle=True)
    holdout = indexed.join(train.select("__row"), on="__row", how="anti")
    return train.drop("__row"), holdout.drop("__row")


def timed(fn, repeat: int):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def run_datatwin(name: str, train: pl.DataFrame, family: str, privacy, repeat: int, missing: list[str],  # type: ignore[no-untyped-def]
                 spec: dict | None = None):
    model, fit_s = timed(lambda: dt.fit(train, spec, family=family, privacy=privacy, missing_values=missing or None), repeat)
    synth = model.sample(train.height, seed=1)
    # one untimed draw first: the process's first large allocations fault in fresh pages (the
    # allocator maps big blocks anew until it has freed one), which would tax whichever family
    # is timed first; the median of as many runs as the fit follows
    model.sample(BIG, seed=2)
    _, sample_s = timed(lambda: model.sample(BIG, seed=2), repeat)
    extra = {}
    if privacy is not None:
        spent = model.privacy.get("spent", {})
        extra["spent"] = spent
    return synth, {"fit_s": fit_s, "sample_1m_s": sample_s, **extra}


def run_sdv(train: pl.DataFrame, tmp: Path) -> tuple[pl.DataFrame | None, dict]:
    if not SDV_PYTHON.exists():
        return None, {"error": "SDV not installed: bash benchmarks/peers/setup_sdv.sh"}
    path, out = tmp / "train.parquet", tmp / "sdv.parquet"
    train.write_parquet(path)
    proc = subprocess.run(
        [str(SDV_PYTHON), str(Path(__file__).parent / "peers" / "sdv_runner.py"), "--train", str(path),
         "--rows", str(train.height), "--out", str(out), "--sample-rows", str(BIG)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        return None, {"error": proc.stderr[-2000:]}
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    synth = pl.read_parquet(out)
    return synth, {"fit_s": info["fit_s"], "sample_1m_s": info.get("sample_big_s"), "version": info["version"]}


def sdmetrics_quality(holdout: pl.DataFrame, synths: dict[str, pl.DataFrame], tmp: Path) -> dict[str, float]:
    if not SDV_PYTHON.exists():
        return {}
    real = tmp / "holdout.parquet"
    holdout.write_parquet(real)
    args, keys = [], {}
    for i, (name, frame) in enumerate(synths.items()):
        p = tmp / f"q_{i}.parquet"  # model names hold '=' and spaces: the runner gets plain keys
        frame.select(holdout.columns).write_parquet(p)
        keys[f"m{i}"] = name
        args.append(f"m{i}={p}")
    out = tmp / "quality.json"
    proc = subprocess.run(
        [str(SDV_PYTHON), str(Path(__file__).parent / "peers" / "sdmetrics_runner.py"), "--real", str(real),
         "--synthetic", *args, "--json-out", str(out)], capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        return {}
    return {keys[k]: v["overall"] for k, v in json.loads(out.read_text())["results"].items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ADULT)
    parser.add_argument("--target", default="class")
    parser.add_argument("--missing", action="append", default=None)
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--delta", type=float, default=1e-9)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-sdv", action="store_true")
    parser.add_argument("--skip-dp", action="store_true")
    args = parser.parse_args()
    missing = args.missing if args.missing is not None else (["?"] if args.data == ADULT else [])
    frame = pl.read_csv(args.data, null_values=missing or None, infer_schema_length=None) if args.data.suffix == ".csv" \
        else pl.read_parquet(args.data)
    target = args.target if args.target in frame.columns else None
    train, holdout = split(frame)
    print(f"{args.data.name}: {frame.height:,} rows x {frame.width} columns; fit on {train.height:,}, "
          f"holdout {holdout.height:,}", flush=True)

    synths: dict[str, pl.DataFrame] = {"holdout": train}
    info: dict[str, dict] = {"holdout": {}}
    for name, family in (("independent", "independent"), ("copula", "copula")):
        synths[name], info[name] = run_datatwin(name, train, family, None, args.repeat, missing)
        print(f"  {name}: fit {info[name]['fit_s']:.2f} s", flush=True)
    if not args.skip_dp:
        dp = dt.privacy.DifferentialPrivacy(epsilon=args.epsilon, delta=args.delta)
        for name, family in ((f"independent dp ε={args.epsilon:g}", "independent"), (f"copula dp ε={args.epsilon:g}", "copula")):
            synths[name], info[name] = run_datatwin(name, train, family, dp, 1, missing)
            print(f"  {name}: fit {info[name]['fit_s']:.2f} s, spent {info[name]['spent']}", flush=True)
        # the same with the text columns' labels declared public, as a codebook would (the
        # benchmark takes them from the whole table as a stand-in for Adult's published codebook):
        # no partition selection, so no label is lost to "other"
        labels = {"columns": {c: {"labels": sorted(frame[c].drop_nulls().unique().to_list())}
                              for c in frame.columns if frame[c].dtype == pl.String}}
        for name, family in ((f"independent dp ε={args.epsilon:g}, labels declared", "independent"),
                             (f"copula dp ε={args.epsilon:g}, labels declared", "copula")):
            synths[name], info[name] = run_datatwin(name, train, family, dp, 1, missing, labels)
            print(f"  {name}: fit {info[name]['fit_s']:.2f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        if not args.skip_sdv:
            sdv_synth, info["sdv GaussianCopula"] = run_sdv(train, tmp)
            if sdv_synth is not None:
                synths["sdv GaussianCopula"] = sdv_synth
                print(f"  sdv: fit {info['sdv GaussianCopula']['fit_s']:.2f} s", flush=True)
            else:
                print(f"  sdv failed: {info['sdv GaussianCopula']['error']}", flush=True)
        quality = sdmetrics_quality(holdout, synths, tmp)

    zero_heavy = [c for c in holdout.columns if holdout[c].dtype.is_numeric() and float((holdout[c] == 0).mean()) > 0.5]
    with_missing = [c for c in holdout.columns if holdout[c].null_count() > 0][:2]
    rows = []
    for name, synth in synths.items():
        synth = synth.select(holdout.columns)
        scores = family_metrics.score(train, holdout, synth, target)
        row = {"model": name, **scores, "sdmetrics_quality": quality.get(name), **info.get(name, {})}
        for c in zero_heavy:
            row[f"zero share {c}"] = float((synth[c] == 0).mean())
        if len(with_missing) == 2:
            row["both missing"] = family_metrics.joint_missing(synth, *with_missing)["both"]
        rows.append(row)
        print(f"  scored {name}", flush=True)

    print()
    real_row = {f"zero share {c}": float((holdout[c] == 0).mean()) for c in zero_heavy}
    if len(with_missing) == 2:
        real_row["both missing"] = family_metrics.joint_missing(holdout, *with_missing)["both"]
    print(f"holdout itself: {', '.join(f'{k} {v:.3f}' for k, v in real_row.items())}"
          + (f" (missing pair: {with_missing[0]}, {with_missing[1]})" if len(with_missing) == 2 else ""))
    keys = ["two_way_tvd", "column_shapes", "tstr_auc", "sdmetrics_quality", "copies", "fit_s", "sample_1m_s",
            *[k for k in rows[0] if k.startswith("zero share") or k == "both missing"]]
    header = "| model | " + " | ".join(keys) + " |"
    print(header)
    print("|" + "---|" * (len(keys) + 1))
    for row in rows:
        cells = []
        for k in keys:
            v = row.get(k)
            cells.append("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v))
        print(f"| {row['model']} | " + " | ".join(cells) + " |")
    by = {r["model"]: r for r in rows}
    ind, cop = by.get("independent"), by.get("copula")
    print()
    if ind and cop:
        print(f"copula / independent: fit {cop['fit_s'] / ind['fit_s']:.2f}x (target <= 2), "
              f"sample 1M {cop['sample_1m_s'] / ind['sample_1m_s']:.2f}x (target <= 3)")
    sdv = by.get("sdv GaussianCopula")
    if sdv and cop:
        print(f"copula vs SDV GaussianCopula: 2-way TVD {cop['two_way_tvd']:.3f} vs {sdv['two_way_tvd']:.3f} "
              f"({sdv['two_way_tvd'] / cop['two_way_tvd']:.1f}x lower); TSTR AUC {cop.get('tstr_auc', float('nan')):.3f} "
              f"vs {sdv.get('tstr_auc', float('nan')):.3f}; fit {sdv['fit_s'] / cop['fit_s']:.1f}x faster, "
              f"sample 1M {sdv['sample_1m_s'] / cop['sample_1m_s']:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
