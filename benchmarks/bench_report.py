"""Evaluate-and-report benchmark: speed of the full report on Adult, and a cross-check of
datatwin's column-shape and pair-trend scores against SDMetrics' on the same pairs.

    bash benchmarks/peers/setup.sh        # once: metasyn + sdmetrics in benchmarks/.venv-peers
    python benchmarks/bench_report.py
    python benchmarks/bench_report.py --speed    # only the timing of the full report, step by step (no peers)

Adult (``?`` missing) is split in halves with a fixed seed: *train* (the "real" data) and
*holdout*. Four "generators" give a synthetic table the size of train, from best to worst:
``holdout`` (fresh real rows: the ideal), ``datatwin`` (independent model fitted on train),
``shuffled`` (train with every column permuted on its own: right marginals, no
dependence) and ``noise`` (uniform numbers within each column's range, labels uniform).
Both tools score each pair; the rankings of the generators should agree.
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

import datatwin as dt

HERE = Path(__file__).resolve().parent
ADULT = HERE.parent.parent / "shared" / "datasets" / "adult.csv"
PEERS_PYTHON = HERE / ".venv-peers" / "bin" / "python"


def generators(train: pl.DataFrame, holdout: pl.DataFrame, seed: int = 0) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    n = train.height
    shuffled = pl.DataFrame([train[c].sample(fraction=1.0, shuffle=True, seed=seed + i) for i, c in enumerate(train.columns)])
    noise = []
    for c in train.columns:
        s = train[c]
        if s.dtype.is_numeric():
            lo, hi = s.min(), s.max()
            noise.append(pl.Series(c, rng.uniform(lo, hi, n)).cast(s.dtype, strict=False))
        else:
            labels = s.drop_nulls().unique().sort().to_list()
            noise.append(pl.Series(c, rng.choice(labels, n)).cast(s.dtype))
    return {
        "holdout": holdout.head(n) if holdout.height >= n else holdout,
        "datatwin": dt.fit(train).sample(n, seed=seed),
        "shuffled": shuffled,
        "noise": pl.DataFrame(noise),
    }


def split() -> tuple[pl.DataFrame, pl.DataFrame]:
    adult = pl.read_csv(ADULT, null_values=["?"])
    shuffled = adult.sample(fraction=1.0, shuffle=True, seed=1)
    half = adult.height // 2
    return shuffled.head(half), shuffled.tail(adult.height - half)


def timed_report(
    train: pl.DataFrame, synth: pl.DataFrame, holdout: pl.DataFrame, html: Path | None
) -> dict[str, object]:
    """The full report on one pair: evaluate (seconds per step when evaluate reports them) and the page."""
    steps: list[tuple[str, float]] = []
    kwargs = {}
    if "progress" in inspect.signature(dt.evaluate.evaluate).parameters:  # older versions have no steps
        kwargs["progress"] = lambda name, done, total: steps.append((name, time.perf_counter()))
    start = time.perf_counter()
    report = dt.evaluate(train, synth, holdout=holdout, target="class", **kwargs)
    seconds = time.perf_counter() - start
    marks = [start] + [t for _, t in steps[1:]]
    per_step = {name: b - a for (name, _), a, b in zip(steps, marks, marks[1:])}
    start = time.perf_counter()
    if html is not None:
        report.save(html)
    return {"report": report, "seconds": seconds, "html_seconds": time.perf_counter() - start, "steps": per_step}


def speed() -> int:
    train, holdout = split()
    synth = dt.fit(train).sample(train.height, seed=0)
    work = Path(tempfile.mkdtemp(prefix="datatwin-report-speed-"))
    found = timed_report(train, synth, holdout, work / "datatwin.html")
    print(f"full report on Adult halves ({train.height:,} rows, holdout, target 'class'): evaluate "
          f"{found['seconds']:.1f} s + HTML {found['html_seconds']:.1f} s = "
          f"{found['seconds'] + found['html_seconds']:.1f} s")
    for name, seconds in found["steps"].items():
        print(f"  {name:<30} {seconds:5.1f} s")
    u = found["report"].scores["utility"]
    print(f"utility.overall {u['overall']:.3f}" + (f" [{u['interval'][0]:.3f}, {u['interval'][1]:.3f}]"
                                                   if u.get("interval") else ""))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed", action="store_true", help="only time the full report (no SDMetrics)")
    if parser.parse_args().speed:
        return speed()
    if not PEERS_PYTHON.exists():
        print(f"peers venv missing: run `bash {HERE / 'peers' / 'setup.sh'}` first", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="datatwin-report-bench-"))
    train, holdout = split()
    gens = generators(train, holdout)
    train.write_parquet(work / "train.parquet")
    ours: dict[str, dict[str, float]] = {}
    for name, synth in gens.items():
        synth.write_parquet(work / f"{name}.parquet")
        found = timed_report(train, synth, holdout, work / "datatwin.html" if name == "datatwin" else None)
        u, r = found["report"].scores["utility"], found["report"].scores["risk"]
        ours[name] = {"utility": u["overall"], "column_shape": u["column_shape"], "pair_trend": u["pair_trend"],
                      "risk": r["overall"], "seconds": found["seconds"], "html_seconds": found["html_seconds"]}
    cmd = [str(PEERS_PYTHON), str(HERE / "peers" / "sdmetrics_runner.py"), "--real", str(work / "train.parquet"),
           "--synthetic", *[f"{n}={work / f'{n}.parquet'}" for n in gens], "--json-out", str(work / "sdmetrics.json")]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    theirs = json.loads((work / "sdmetrics.json").read_text())["results"]

    print(f"Adult split in halves: train {train.height:,} rows (real), holdout {holdout.height:,} rows; target 'class'\n")
    print(f"{'generator':<10} {'dt utility':>10} {'dt shape':>9} {'sdm shape':>9} {'dt pairs':>9} {'sdm pairs':>9} {'dt risk':>8} {'seconds':>8}")
    for name in gens:
        o, t = ours[name], theirs[name]
        print(f"{name:<10} {o['utility']:>10.3f} {o['column_shape']:>9.3f} {t['column_shapes']:>9.3f} "
              f"{o['pair_trend']:>9.3f} {t['column_pair_trends']:>9.3f} {o['risk']:>8.3f} {o['seconds']:>8.1f}")
    names = list(gens)
    for ours_key, their_key in (("column_shape", "column_shapes"), ("pair_trend", "column_pair_trends")):
        a = [ours[n][ours_key] for n in names]
        b = [theirs[n][their_key] for n in names]
        rank_a = [names[i] for i in np.argsort(a)[::-1]]
        rank_b = [names[i] for i in np.argsort(b)[::-1]]
        tau = stats.kendalltau(a, b).statistic
        print(f"\n{ours_key}: datatwin ranks {rank_a}; SDMetrics ranks {rank_b}; Kendall tau {tau:.2f}")
    d = ours["datatwin"]
    print(f"\nfull report on the datatwin pair: evaluate {d['seconds']:.1f} s + HTML {d['html_seconds']:.1f} s "
          f"= {d['seconds'] + d['html_seconds']:.1f} s (target < 60 s); report: {work / 'datatwin.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
