"""Experiment: the DP marginals family on a second real table, NYC flights, binned.

    python benchmarks/experiments/dpmarginals_flights.py 1,10,inf 2      # epsilons, fits each

``../shared/datasets/flights.parquet``, 40,000 rows drawn with seed 1, 11 columns: month,
dep_time in 200-minute bins, dep_delay and arr_delay in 9 and 10 bins, carrier, origin,
dest, air_time in 30-minute bins, distance in 8 bins, hour, minute in 15-minute bins;
missing is a value; every domain declared public (keysets), as on Adult. Printed: mean TVD
over all 55 2-way marginals and 60 sampled 3-way marginals, and the fit time. Not a target
of the issue: a check that what was tuned on Adult holds on another table.
"""

import itertools
import math
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_dpmarginals import tvd  # noqa: E402

import datatwin as dt  # noqa: E402
from datatwin.privacy.budget import Budget  # noqa: E402

FLIGHTS = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "flights.parquet"


def binned(s: pl.Series, edges: Iterable[float]) -> pl.Series:
    e = np.asarray(list(edges), dtype=float)
    x = s.to_numpy().astype(float)
    idx = np.clip(np.searchsorted(e, x, side="right") - 1, 0, len(e) - 2)
    return pl.Series(s.name, [("NA" if np.isnan(v) else f"b{int(i):02d}") for i, v in zip(idx, x)])


def table() -> pl.DataFrame:
    f = pl.read_parquet(FLIGHTS).sample(40_000, seed=1)
    return pl.DataFrame([
        f["month"].cast(pl.String), binned(f["dep_time"], range(0, 2500, 200)),
        binned(f["dep_delay"], [-100, -10, -5, 0, 5, 15, 30, 60, 120, 2000]),
        binned(f["arr_delay"], [-100, -30, -15, -5, 0, 5, 15, 30, 60, 120, 2000]), f["carrier"], f["origin"],
        f["dest"], binned(f["air_time"], range(0, 800, 30)),
        binned(f["distance"], [0, 300, 600, 900, 1200, 1600, 2000, 2600, 5000]),
        f["hour"].cast(pl.String), binned(f["minute"], range(0, 61, 15)),
    ])


def main() -> None:
    real = table()
    keysets = {c: sorted(real[c].unique().to_list()) for c in real.columns}
    pairs = list(itertools.combinations(real.columns, 2))
    rng = np.random.default_rng(0)
    triples = [list(t) for t in rng.choice(list(itertools.combinations(real.columns, 3)), 60, replace=False)]
    for eps in [float(x) for x in sys.argv[1].split(",")]:
        rho = Budget.create(epsilon=eps, delta=1e-9).to_zcdp().rho if math.isfinite(eps) else math.inf
        res = []
        for r in range(int(sys.argv[2]) if math.isfinite(eps) else 1):
            policy = dt.privacy.DifferentialPrivacy(rho=rho) if math.isfinite(eps) else None
            t0 = time.perf_counter()
            model = dt.fit(real, family=dt.families.Marginals(keysets=keysets), privacy=policy)
            fit_s = time.perf_counter() - t0
            synth = model.sample(real.height, seed=r)
            res.append((np.mean([tvd(real, synth, list(p)) for p in pairs]),
                        np.mean([tvd(real, synth, t) for t in triples]), fit_s))
        a = np.array(res)
        print(f"eps={eps:g}: 2-way TVD {a[:, 0].mean():.4f} ± {a[:, 0].std():.4f}, "
              f"3-way {a[:, 1].mean():.4f} ± {a[:, 1].std():.4f}, fit {a[:, 2].mean():.2f} s", flush=True)


if __name__ == "__main__":
    main()
