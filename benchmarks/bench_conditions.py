"""Conditional sampling and constraints on Adult with the copula family (issue 13).

    python benchmarks/bench_conditions.py            # ~1 min on the 2-core machine

1. 100,000 rows conditioned on a rare label (held by under 1 % of the real rows) and on a
   narrow range: time against unconditioned sampling (target <= 2x), rows returned, and the
   mean total variation distance of the other categorical columns against the real rows that
   meet the condition, next to the same TVD for unconditioned synthetic rows and for the
   model's own conditional law (rows of a 1M-row unconditioned sample meeting the condition);
   the TVD between conditioned rows and that rejection sample says whether conditioning is
   faithful to the model (the rest is the model's own error).
2. Three constraints active: 1,000,000 rows, time against unconstrained (target <= 2x), the
   share of synthetic rows satisfying them (target 100 %) and the share of real rows
   violating each, as the fit reports it.

Times are the median of 3 calls in one process.
"""

from __future__ import annotations

import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import polars as pl

import datatwin as dt
from datatwin.constraints.enforce import share_violating

ADULT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "adult.csv"
CATEGORICAL = ["workclass", "education", "marital-status", "occupation", "relationship", "race", "sex", "class"]
CONSTRAINTS = [
    {"kind": "range", "column": "age", "low": 17, "high": 90},
    {"kind": "fixed_combinations", "columns": ["education", "education-num"]},
    {"kind": "implication", "if": "age < 21", "then": "relationship != 'Husband' and relationship != 'Wife'"},
]


def timed(fn: Any, repeats: int = 3) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def tvd(a: pl.DataFrame, b: pl.DataFrame, column: str) -> float:
    def shares(f: pl.DataFrame, name: str) -> pl.DataFrame:
        values = f[column].cast(pl.String).fill_null("<missing>")
        return values.value_counts(normalize=True).rename({"proportion": name})

    joined = shares(a, "a").join(shares(b, "b"), on=column, how="full", coalesce=True).fill_null(0.0)
    return 0.5 * float((joined["a"] - joined["b"]).abs().sum())


def main() -> None:
    real = pl.read_csv(ADULT, null_values=["?"])
    model = dt.fit(ADULT, missing_values=["?"], family="copula")
    n = 100_000
    base, plain = timed(lambda: model.sample(n, seed=1))
    print(f"unconditioned sample of {n:,} rows: {base:.3f} s")
    pool = model.sample(1_000_000, seed=5)  # the model's own conditional law, by rejection
    cases = [
        ("rare label race == 'Other'", {"race": "Other"}, pl.col("race") == "Other"),
        ("narrow range 30 <= age <= 31", {"age": (30, 31)}, pl.col("age").is_between(30, 31)),
    ]
    for name, conditions, real_filter in cases:
        held = real.filter(real_filter)
        t, sample = timed(lambda c=conditions: model.sample(n, seed=1, conditions=c))
        others = [c for c in CATEGORICAL if c not in conditions]
        cond_tvd = statistics.mean(tvd(sample, held, c) for c in others)
        base_tvd = statistics.mean(tvd(plain, held, c) for c in others)
        rejected = pool.filter(real_filter)
        own_tvd = statistics.mean(tvd(sample, rejected, c) for c in others)
        rej_tvd = statistics.mean(tvd(rejected, held, c) for c in others)
        print(
            f"{name}: {held.height:,} real rows ({held.height / real.height:.2%}); {sample.height:,} rows returned, "
            f"all meeting it: {bool(sample.select(real_filter.all()).item())}; {t:.3f} s = {t / base:.2f}x unconditioned; "
            f"mean TVD of {len(others)} other categorical columns vs those real rows {cond_tvd:.3f} "
            f"(unconditioned synthetic rows: {base_tvd:.3f}; the model's own conditional by rejection from 1M rows: "
            f"{rej_tvd:.3f}); vs that rejection sample ({rejected.height:,} rows) {own_tvd:.3f}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        constrained = dt.fit(ADULT, missing_values=["?"], family="copula", spec={"constraints": CONSTRAINTS})
    for entry in constrained.provenance["constraints"]["real_rows"]:
        print(f"real rows violating {entry['what']}: {entry['violating_share']:.4%}")
    big = 1_000_000
    t_plain, _ = timed(lambda: model.sample(big, seed=2))
    t_con, sample = timed(lambda: constrained.sample(big, seed=2))
    broken = share_violating(sample, constrained.parsed_constraints())
    raw = model.sample(big, seed=2)
    raw_broken = share_violating(raw, constrained.parsed_constraints())
    print(
        f"{big:,} rows: unconstrained {t_plain:.3f} s, three constraints {t_con:.3f} s = {t_con / t_plain:.2f}x; "
        f"rows satisfying all: {1 - max(k for _, k in broken) / big:.2%} "
        f"(without enforcement: {', '.join(f'{c.kind} {k / big:.2%}' for c, k in raw_broken)} broken)"
    )


if __name__ == "__main__":
    main()
