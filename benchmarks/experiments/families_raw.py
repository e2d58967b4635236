"""Experiment: the families on raw tables, nothing declared (no keysets, labels, bins or bounds).

    python benchmarks/experiments/families_raw.py [EPSILONS] [FITS]     # default 1,10 and 2

What a user gets from ``dt.fit(frame, family=..., privacy=DifferentialPrivacy(ε, δ=1e-9))``
on Adult (``../shared/datasets/adult.csv``, '?' missing) and on 60,000 rows of NYC flights
(``flights.parquet``, seed 1, ``time_hour`` dropped): the mean 2-way TVD over all column
pairs (numbers with more than 20 values binned at the real deciles, missing as a value), for
the independent, copula and marginals families, under dp at each ε and under none. The
benchmarks proper declare domains as their peers assume; this one checks the defaults.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import polars as pl

import datatwin as dt

DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def _cells(real: pl.Series, synth: pl.Series) -> tuple[pl.Series, pl.Series]:
    if real.dtype.is_numeric() and real.n_unique() > 20:
        q = np.unique(np.quantile(real.drop_nulls().cast(pl.Float64).to_numpy(), np.linspace(0.1, 0.9, 9)))

        def cut(s: pl.Series) -> pl.Series:
            x = s.cast(pl.Float64).fill_null(np.nan).to_numpy()
            return pl.Series(s.name, np.where(np.isnan(x), -1, np.searchsorted(q, np.nan_to_num(x))))

        return cut(real), cut(synth)
    return real.cast(pl.String).fill_null("∅"), synth.cast(pl.String).fill_null("∅")


def two_way_tvd(real: pl.DataFrame, synth: pl.DataFrame) -> float:
    pairs = [_cells(real[c], synth[c]) for c in real.columns]
    r = pl.DataFrame([p[0] for p in pairs])
    s = pl.DataFrame([p[1] for p in pairs])
    out = []
    for a, b in itertools.combinations(real.columns, 2):
        x = r.group_by([a, b]).len().with_columns(pl.col("len") / r.height)
        y = s.group_by([a, b]).len().with_columns(pl.col("len") / s.height)
        j = x.join(y, on=[a, b], how="full", coalesce=True).fill_null(0.0)
        out.append(0.5 * float((j["len"] - j["len_right"]).abs().sum()))
    return float(np.mean(out))


def main() -> None:
    epsilons = [float(e) for e in (sys.argv[1] if len(sys.argv) > 1 else "1,10").split(",")]
    fits = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    tables = {
        "adult": pl.read_csv(DATA / "adult.csv", null_values=["?"], infer_schema_length=None),
        "flights": pl.read_parquet(DATA / "flights.parquet").sample(60_000, seed=1).drop("time_hour"),
    }
    for name, frame in tables.items():
        for eps in [*epsilons, None]:
            row = []
            for family in ("independent", "copula", "marginals"):
                scores = []
                for r in range(fits if eps is not None else 1):
                    policy = dt.privacy.DifferentialPrivacy(epsilon=eps, delta=1e-9) if eps is not None else None
                    model = dt.fit(frame, family=family, privacy=policy)
                    scores.append(two_way_tvd(frame, model.sample(frame.height, seed=r)))
                row.append(f"{family} {np.mean(scores):.3f}" + (f" ± {np.std(scores):.3f}" if len(scores) > 1 else ""))
            print(f"{name} {'none' if eps is None else f'eps={eps:g}'}: " + ", ".join(row), flush=True)


if __name__ == "__main__":
    main()
