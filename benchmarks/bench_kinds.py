"""Fit and sample time per column kind on NYC flights (336,776 rows), and the cost of strings.

    python benchmarks/bench_kinds.py            # best of 3 runs

Issue 3's target: string inference must not dominate the fit — the whole flights fit
stays under 3x the time of the same table with its string columns dropped. Printed:
per-column fit and sample times grouped by kind (with the chosen distribution), the two
whole-table fit times and their ratio, and the tail-number pattern check (every synthetic
``tailnum`` matches the published pattern; share of synthetic tail numbers that equal a
real one held by fewer than 10 rows).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl

import datatwin as dt
from datatwin.models.columns import column_rng

FLIGHTS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "flights.parquet"
REPEATS = 3


def timed_fit(frame: pl.DataFrame) -> tuple[float, dict[str, float], dt.Model]:
    """Whole fit time, and per-column fit times from the progress callback's clock."""
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    model = dt.fit(frame, progress=lambda name: marks.append((name, time.perf_counter())))
    total = time.perf_counter() - start
    per_column, last = {}, start
    for name, t in marks:
        per_column[name], last = t - last, t
    return total, per_column, model


def best(frame: pl.DataFrame) -> tuple[float, dict[str, float], dt.Model]:
    runs = [timed_fit(frame) for _ in range(REPEATS)]
    total = min(r[0] for r in runs)
    per_column = {c: min(r[1][c] for r in runs) for c in runs[0][1]}
    return total, per_column, runs[-1][2]


def sample_times(model: dt.Model, n: int) -> dict[str, float]:
    root = np.random.SeedSequence(0)
    out = {}
    for col in model.columns:
        start = time.perf_counter()
        col.sample(n, column_rng(root, col.name))
        out[col.name] = time.perf_counter() - start
    return out


def main() -> None:
    flights = pl.read_parquet(FLIGHTS)
    no_strings = flights.select(pl.exclude(pl.String))
    dt.fit(flights.head(1000))  # warm-up: imports, first-call overheads
    total, per_column, model = best(flights)
    total_ns, _, _ = best(no_strings)
    sampled = sample_times(model, flights.height)

    print(f"flights: {flights.height:,} rows x {flights.width} columns; best of {REPEATS} fits\n")
    by_kind: dict[str, list[str]] = defaultdict(list)
    for col in model.columns:
        by_kind[col.kind].append(col.name)
    print(f"{'kind':<12}{'column':<16}{'distribution':<28}{'fit s':>8}{'sample s':>10}")
    for kind, names in by_kind.items():
        for name in names:
            col = model.column(name)
            dist = col.distribution.name if col.distribution else "-"
            print(f"{kind:<12}{name:<16}{dist:<28}{per_column[name]:>8.3f}{sampled[name]:>10.3f}")
        fit_sum = sum(per_column[n] for n in names)
        sample_sum = sum(sampled[n] for n in names)
        print(f"{'':<12}{'= ' + kind:<16}{'':<28}{fit_sum:>8.3f}{sample_sum:>10.3f}")
    ratio = total / total_ns
    verdict = "OK" if ratio < 3 else "OVER TARGET"
    print(f"\nwhole fit {total:.3f} s; without the {flights.width - no_strings.width} string columns {total_ns:.3f} s; "
          f"ratio {ratio:.2f}x (target < 3x: {verdict})")

    tail = model.column("tailnum")
    if tail.distribution is not None and tail.distribution.name == "pattern":
        synth = tail.sample(100_000, np.random.default_rng(1)).drop_nulls()
        params = tail.distribution.to_dict()["parameters"]
        published = [s["pattern"] for s in params["shapes"]] + ([params["fallback"]["pattern"]] if params["fallback"] else [])
        regexes = [re.compile(p) for p in published]
        matches = np.mean([any(r.fullmatch(v) for r in regexes) for v in synth.to_list()])
        counts = flights["tailnum"].drop_nulls().value_counts()
        rare = set(counts.filter(pl.col("count") < 10)["tailnum"].to_list())
        copied = float(synth.is_in(list(rare)).mean())
        print(f"tailnum: {matches:.2%} of 100,000 synthetic values match the published pattern; "
              f"{copied:.3%} equal a real tail number held by fewer than 10 rows (target <= 1%)")
    else:
        print(f"tailnum modelled by {tail.distribution.name if tail.distribution else None}, not 'pattern'")


if __name__ == "__main__":
    main()
