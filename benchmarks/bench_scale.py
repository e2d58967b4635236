"""Sampling at scale: a sample written as Parquet parts block by block, against the same rows
drawn in memory and written as one file, and a numpy floor (one uniform per cell, turned into
a label by ``searchsorted`` for categorical columns: the least work an inverse-CDF sampler
does, with no typing, no missing values and no writing), in one run.

    python benchmarks/bench_scale.py                      # Adult model, 10,000,000 rows, ~1 min
    python benchmarks/bench_scale.py --rows 100000000 --skip-memory     # the issue's 100M rows (parts only)
    python benchmarks/bench_scale.py --rows 1000000 --fit-rows 10000000  # and fits: streamed / in memory

Peak memory is the process's maximum resident set size (``resource.getrusage``) measured in
a fresh subprocess per mode, so one mode's memory does not hide another's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets" / "adult.csv"

CHILD = r"""
import json, resource, sys, time, tempfile
from pathlib import Path
import numpy as np
import datatwin as dt
mode, model_path, rows, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
model = None if mode.startswith("fit") else dt.load(model_path)
start = time.perf_counter()
if mode == "fit-stream":
    dt.fit(out / "parts-in", family=model_path)
elif mode == "fit-wide":  # model_path holds the family's name here
    dt.fit(out / "wide-in", family=model_path)
elif mode == "fit-memory":
    import polars as pl
    dt.fit(pl.read_parquet(out / "parts-in" / "*.parquet"), family=model_path)
elif mode == "parts":
    model.sample_to(out / "parts", rows, seed=7)
elif mode == "memory":
    model.sample(rows, seed=7).write_parquet(out / "one.parquet")
else:  # numpy floor: one uniform per cell, labels by searchsorted on the cumulative shares
    rng = np.random.default_rng(7)
    cums = [np.cumsum(c.distribution.probs) if hasattr(c.distribution, "probs") else None for c in model.columns]
    for start_row in range(0, rows, 1 << 20):
        for cum in cums:
            u = rng.random(min(1 << 20, rows - start_row))
            if cum is not None:
                np.searchsorted(cum, u * cum[-1])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"mode": mode, "seconds": seconds, "peak_mib": peak}))
"""


#: the families of the all-distinct streamed fit, with what each brings to the driver
WIDE = (("independent", "each column apart"), ("marginals", "columns, then a pass"), ("copula", "columns, then its passes"))


def run(mode: str, model_path: Path | str, rows: int, out: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(model_path), str(rows), str(out)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_resample(data: Path, rows: int, folder: Path) -> None:
    """``rows`` rows drawn with replacement from ``data``, as Parquet parts of 5M rows."""
    import numpy as np
    import polars as pl

    real = pl.read_csv(data, null_values=["?"], infer_schema_length=None)
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i, start in enumerate(range(0, rows, 5_000_000)):
        take = rng.integers(0, real.height, min(5_000_000, rows - start))
        real[take].write_parquet(folder / f"part-{i:04d}.parquet")


def write_wide(rows: int, folder: Path) -> None:
    """``rows`` rows of 2 continuous and 8 categorical columns (5 labels each), as Parquet
    parts of 2.5M rows: nearly every row distinct, unlike a resample of Adult."""
    import numpy as np
    import polars as pl

    folder.mkdir()
    rng = np.random.default_rng(1)
    for i, start in enumerate(range(0, rows, 2_500_000)):
        m = min(2_500_000, rows - start)
        pl.DataFrame({"x": rng.normal(size=m), "y": np.round(rng.gamma(2.0, 100.0, m), 2),
                      **{f"c{j}": rng.choice(["a", "b", "c", "d", "e"], m) for j in range(8)}}
                     ).write_parquet(folder / f"part-{i:04d}.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--family", default="independent")
    parser.add_argument("--skip-memory", action="store_true", help="skip the in-memory modes (e.g. at 100M rows)")
    parser.add_argument("--fit-wide-rows", type=int, default=0,
                        help="also stream a table of this many nearly all-distinct rows: the independent family "
                             "(each column reduced apart), marginals and the copula (each column, then passes over "
                             "the rows)")
    parser.add_argument("--fit-rows", type=int, default=0,
                        help="also fit a resample of this many rows from Parquet parts: streamed, and in memory")
    args = parser.parse_args()
    import datatwin as dt

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        model_path = out / "model.json"
        dt.fit(args.data, missing_values=["?"], family=args.family).save(model_path)
        modes = ["floor", "parts"] + ([] if args.skip_memory else ["memory"])
        results = {m: run(m, model_path, args.rows, out) for m in modes}
        if args.fit_rows:
            write_resample(args.data, args.fit_rows, out / "parts-in")
            fits = ["fit-stream"] + ([] if args.skip_memory else ["fit-memory"])
            fitted = {m: run(m, args.family, args.fit_rows, out) for m in fits}
        if args.fit_wide_rows:
            write_wide(args.fit_wide_rows, out / "wide-in")
            wide = {fam: run("fit-wide", fam, args.fit_wide_rows, out) for fam, _ in WIDE}
    floor = results["floor"]["seconds"]
    print(f"{args.rows:,} rows, family {args.family}, data {args.data.name}")
    print(f"{'mode':<8} {'seconds':>8} {'× floor':>8} {'peak MiB':>9}")
    for mode, r in results.items():
        print(f"{mode:<8} {r['seconds']:8.1f} {r['seconds'] / floor:8.2f} {r['peak_mib']:9.0f}")
    if args.fit_wide_rows:
        print(f"\nstreamed fit of {args.fit_wide_rows:,} nearly all-distinct rows (2 numeric, 8 categorical columns)")
        print(f"{'family':<12} {'reduction':<22} {'seconds':>8} {'peak MiB':>9}")
        for fam, how in WIDE:
            print(f"{fam:<12} {how:<22} {wide[fam]['seconds']:8.1f} {wide[fam]['peak_mib']:9.0f}")
    if args.fit_rows:
        print(f"\nfit of a {args.fit_rows:,}-row resample of {args.data.name} from Parquet parts")
        print(f"{'mode':<11} {'seconds':>8} {'µs/row':>7} {'peak MiB':>9}")
        for mode, r in fitted.items():
            print(f"{mode:<11} {r['seconds']:8.1f} {r['seconds'] / args.fit_rows * 1e6:7.3f} {r['peak_mib']:9.0f}")


if __name__ == "__main__":
    main()
