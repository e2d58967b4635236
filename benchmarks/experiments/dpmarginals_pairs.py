"""Experiment (not the family's code): where the DP marginals family's 2-way error lies.

    python benchmarks/experiments/dpmarginals_pairs.py 1 3      # epsilon, fits
    python benchmarks/experiments/dpmarginals_pairs.py inf 1    # exact marginals (none)

On Adult discretised as ``bench_dpmarginals.py`` does, the mean TVD of the 1-way marginals,
of the measured pairs, of the pairs only the network's tables hold (both columns in one
node's table: a column and its parents, not measured), and of the other pairs, for synthetic
rows as many as the real ones.
"""
import itertools
import math
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
import numpy as np
import polars as pl
from bench_dpmarginals import ADULT, discretise, tvd

import datatwin as dt
from datatwin.models.dpmarginals.family import conditioning
from datatwin.privacy.budget import Budget

real = discretise(pl.read_csv(ADULT, null_values=["?"], infer_schema_length=None))
keysets = {c: sorted(real[c].unique().to_list()) for c in real.columns}
pairs = list(itertools.combinations(real.columns, 2))
eps = float(sys.argv[1])
rho = Budget.create(epsilon=eps, delta=1e-9).to_zcdp().rho if math.isfinite(eps) else math.inf
res = {"one": [], "measured": [], "in a node": [], "other": []}
for rep in range(int(sys.argv[2])):
    pol = dt.privacy.DifferentialPrivacy(rho=rho) if math.isfinite(eps) else None
    m = dt.fit(real, family=dt.families.Marginals(keysets=keysets), privacy=pol)
    s = m.sample(real.height, seed=rep)
    section = m.to_dict()["model"]
    measured = {frozenset(x["columns"]) for x in section["measurements"] if len(x["columns"]) == 2}
    held = {frozenset(p) for n in section["tree"]
            for p in itertools.combinations([n["column"], *conditioning(n)], 2)} - measured
    res["one"].append(np.mean([tvd(real, s, [c]) for c in real.columns]))
    groups = {"measured": measured, "in a node": held}
    for name, members in groups.items():
        values = [tvd(real, s, list(p)) for p in pairs if frozenset(p) in members]
        res[name].append(np.mean(values) if values else np.nan)
    other = [tvd(real, s, list(p)) for p in pairs if frozenset(p) not in measured | held]
    res["other"].append(np.mean(other) if other else np.nan)
    print(len(measured), len(held), len(other))
print({k: round(float(np.nanmean(v)), 4) for k, v in res.items()})
