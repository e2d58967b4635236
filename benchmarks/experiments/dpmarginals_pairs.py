"""Experiment (not the family's code): where the DP marginals family's 2-way error lies.

    python benchmarks/experiments/dpmarginals_pairs.py 1 3      # epsilon, fits
    python benchmarks/experiments/dpmarginals_pairs.py inf 1    # exact marginals (none)

On Adult discretised as ``bench_dpmarginals.py`` does, the mean TVD of the 1-way marginals,
of the tree's pairs, of the pairs a 3-way table covers (a node and its third column), and of
the other pairs, for synthetic rows as many as the real ones.
"""
import itertools
import math
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
import numpy as np
import polars as pl
from bench_dpmarginals import ADULT, discretise, tvd

import datatwin as dt
from datatwin.privacy.budget import Budget

real = discretise(pl.read_csv(ADULT, null_values=["?"], infer_schema_length=None))
keysets = {c: sorted(real[c].unique().to_list()) for c in real.columns}
pairs = list(itertools.combinations(real.columns, 2))
eps = float(sys.argv[1])
rho = Budget.create(epsilon=eps, delta=1e-9).to_zcdp().rho if math.isfinite(eps) else math.inf
res = {"one": [], "tree": [], "given": [], "other": []}
for rep in range(int(sys.argv[2])):
    pol = dt.privacy.DifferentialPrivacy(rho=rho) if math.isfinite(eps) else None
    m = dt.fit(real, family=dt.families.Marginals(keysets=keysets), privacy=pol)
    s = m.sample(real.height, seed=rep)
    nodes = m.to_dict()["model"]["tree"]
    tree = {frozenset((n["column"], n["parent"])) for n in nodes if n.get("parent")}
    given = {frozenset((n["column"], n["given"])) for n in nodes if n.get("given")}
    res["one"].append(np.mean([tvd(real, s, [c]) for c in real.columns]))
    t = [tvd(real, s, list(p)) for p in pairs if frozenset(p) in tree]
    g = [tvd(real, s, list(p)) for p in pairs if frozenset(p) in given]
    o = [tvd(real, s, list(p)) for p in pairs if frozenset(p) not in tree and frozenset(p) not in given]
    res["tree"].append(np.mean(t))
    res["given"].append(np.mean(g) if g else np.nan)
    res["other"].append(np.mean(o))
    print(len(t), len(g), len(o))
print({k: round(float(np.nanmean(v)), 4) for k, v in res.items()})
