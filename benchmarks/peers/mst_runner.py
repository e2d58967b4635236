"""Fit the MST mechanism (private-pgm's ``mbi`` 2.0) on a categorical CSV and sample from it, timed.

Run with the mbi virtual environment's python (see ``setup_mbi.sh``)::

    python mst_runner.py --data IN.csv --out OUT.csv --epsilon E --delta D --rows N --seed S [--iters 5000]

MST (McKenna, Miklau, Sheldon 2021, "Winning the NIST Contest: A scalable and general
approach to differentially private synthetic data"), written here against mbi 2.0's
public API (``Domain``, ``Dataset``, ``LinearMeasurement``, ``estimation.MirrorDescent``,
``MarkovRandomField.synthetic_data``):

1. (epsilon, delta) -> zCDP rho by the Canonne-Kamath-Steinke conversion (``cdp_rho``),
   or ``--rho`` given (bench_dpmarginals.py gives MST datatwin's own ρ, so both spend the same),
   split in thirds: 1-way marginals, pair selection, 2-way marginals.
2. Every 1-way marginal is measured with Gaussian noise; the d of them share rho/3
   (sigma = sqrt(d / (2 rho/3)) each: L2 sensitivity 1 under add/remove of one row).
3. Domain compression: the cells whose noisy count is below 3 sigma are merged into one
   cell (its measurement becomes the scaled sum, ``LinearMeasurement.compress``).
4. Selection: a model is estimated from the compressed 1-ways alone; for every pair the
   score is the L1 distance of its exact 2-way counts to the model's estimate; d - 1
   rounds of the exponential mechanism (sensitivity 1, each round epsilon' with
   (d - 1) epsilon'^2 / 8 = rho/3) pick edges Kruskal-style into a spanning tree.
5. The d - 1 chosen 2-way marginals (on the compressed domain) are measured with
   Gaussian noise sharing the last rho/3.
6. mbi's mirror descent (the default estimator) fits a graphical model to all the noisy
   measurements; ``synthetic_data`` draws N rows, merged cells are decompressed
   uniformly, codes are mapped back to the original strings.

The domain of each column is the sorted set of its values in IN.csv, declared public as
MST assumes. Every column is read as a string ("NA" and empty fields stay values).
Iterations (no cap needed): ``--iters`` (default 5000, as the original) of mirror descent
for the final estimate, 1000 for the 1-way model used by selection (as the original). On
discretised Adult an iteration costs well under a millisecond, so the estimate's time is
mostly JAX compilation (about 10 s); 1000 iterations already give the same 2-way TVD.
JAX runs on the CPU in float64 (as mbi recommends).

Prints one JSON line: {"fit_s", "sample_s", "peak_rss_mib", ...}. fit_s covers
everything from the read frame to the fitted model (encoding, measurements, selection,
estimation, JAX compilation), not the imports nor reading the CSV; sample_s covers
generation, decompression and decoding, not writing OUT.csv. peak_rss_mib is
``ru_maxrss / 1024`` of this process at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")


def cdp_delta(rho: float, eps: float) -> float:
    """Smallest delta such that rho-zCDP implies (eps, delta)-DP (Canonne, Kamath, Steinke 2020,
    Proposition 12: delta = exp((a-1)(a rho - eps) + a log(1 - 1/a)) / (a - 1), minimised
    over the Renyi order a > 1; the objective is convex in a, so bisect on its derivative)."""
    if rho <= 0:
        return 0.0
    lo, hi = 1.01, (eps + 1) / (2 * rho) + 2
    for _ in range(1000):
        a = (lo + hi) / 2
        if (2 * a - 1) * rho - eps + math.log1p(-1.0 / a) < 0:
            lo = a
        else:
            hi = a
    a = (lo + hi) / 2
    delta = math.exp((a - 1) * (a * rho - eps) + a * math.log1p(-1.0 / a)) / (a - 1.0)
    return min(delta, 1.0)


def cdp_rho(eps: float, delta: float) -> float:
    """Largest rho such that rho-zCDP implies (eps, delta)-DP (bisection on cdp_delta)."""
    if eps < 0 or delta <= 0:
        raise ValueError("need epsilon >= 0 and delta > 0")
    if delta >= 1:
        return 0.0
    lo, hi = 0.0, eps + 1.0
    for _ in range(1000):
        rho = (lo + hi) / 2
        if cdp_delta(rho, eps) <= delta:
            lo = rho
        else:
            hi = rho
    return lo


class _DisjointSet:
    def __init__(self, items):  # type: ignore[no-untyped-def]
        self.parent = {x: x for x in items}

    def find(self, x):  # type: ignore[no-untyped-def]
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b) -> None:  # type: ignore[no-untyped-def]
        self.parent[self.find(a)] = self.find(b)

    def connected(self, a, b) -> bool:  # type: ignore[no-untyped-def]
        return self.find(a) == self.find(b)


def mst(data, rho: float, iters: int, rng):  # type: ignore[no-untyped-def]
    """Fit MST on ``data`` (an mbi Dataset); return (model, compression mapping, chosen edges)."""
    import numpy as np
    from mbi import LinearMeasurement
    from mbi.estimation import MirrorDescent

    attrs = list(data.domain.attributes)
    d = len(attrs)

    def measure(dataset, cliques, share):  # Gaussian noise, the cliques splitting `share` of rho
        sigma = math.sqrt(len(cliques) / (2.0 * share))
        out = []
        for cl in cliques:
            x = np.asarray(dataset.project(cl).datavector(), dtype=float)
            out.append(LinearMeasurement(x + rng.normal(0.0, sigma, x.size), tuple(cl), stddev=sigma))
        return out

    # 1. one-way marginals, rho/3
    log1 = measure(data, [(a,) for a in attrs], rho / 3)

    # 2. compress: cells with noisy count < 3 sigma merged into one trailing cell
    mapping = {}
    for m in log1:
        y = np.asarray(m.noisy_measurement)
        keep = y >= 3 * m.stddev
        if keep.all():
            continue
        col = np.empty(y.size, dtype=np.int64)
        col[keep] = np.arange(int(keep.sum()))
        col[~keep] = int(keep.sum())
        mapping[m.clique[0]] = col
    log1 = [m.compress(mapping, data.domain) for m in log1]
    data = data.compress(mapping)
    domain = data.domain

    # 3. select a spanning tree by the exponential mechanism, rho/3
    edges: list[tuple[str, str]] = []
    if d > 1:
        est1 = MirrorDescent().estimate(domain, log1, iters=1000)
        candidates = list(itertools.combinations(attrs, 2))
        score = {}
        # est1 has one-way cliques only, so its 2-way estimate is the outer product of its
        # 1-ways over the total (what est1.project((a, b)) returns, without compiling a
        # variable elimination per pair: that took a minute on Adult)
        one = {a: np.asarray(est1.project((a,)).datavector(), dtype=float) for a in attrs}
        total = float(est1.total)
        for a, b in candidates:
            x = np.asarray(data.project((a, b)).datavector(), dtype=float)
            xhat = np.outer(one[a], one[b]).ravel() / total
            score[a, b] = float(np.abs(x - xhat).sum())
        eps_round = math.sqrt(8.0 * (rho / 3) / (d - 1))  # eps'^2/8-zCDP per round
        ds = _DisjointSet(attrs)
        for _ in range(d - 1):
            candidates = [e for e in candidates if not ds.connected(*e)]
            q = np.array([score[e] for e in candidates])
            logits = 0.5 * eps_round / 1.0 * q  # sensitivity 1, not monotonic
            p = np.exp(logits - logits.max())
            e = candidates[int(rng.choice(len(candidates), p=p / p.sum()))]
            edges.append(e)
            ds.union(*e)

    # 4. the chosen two-way marginals, rho/3
    log2 = measure(data, edges, rho / 3) if edges else []

    # 5. graphical model by mirror descent
    model = MirrorDescent().estimate(domain, log1 + log2, iters=iters)
    return model, mapping, edges


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--epsilon", required=True, type=float)
    parser.add_argument("--delta", required=True, type=float)
    parser.add_argument("--rows", required=True, type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iters", type=int, default=5000, help="mirror-descent iterations, final estimate")
    parser.add_argument("--rho", type=float, default=None,
                        help="the zCDP budget itself (overrides the conversion of --epsilon/--delta): the same ρ as a peer")
    args = parser.parse_args(argv)

    import warnings

    warnings.filterwarnings("ignore", message="JAX is running in float32 mode")
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_enable_compilation_cache", False)  # as mbi advises
    from importlib.metadata import version

    import numpy as np
    import pandas as pd
    from mbi import Dataset, Domain

    try:
        frame = pd.read_csv(args.data, dtype=str, keep_default_na=False, na_filter=False)
    except Exception as exc:  # noqa: BLE001
        print(f"mst_runner: error: cannot read {args.data}: {exc}", file=sys.stderr)
        return 2
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        print("mst_runner: error: empty input", file=sys.stderr)
        return 2

    start = time.perf_counter()
    np.random.seed(args.seed)  # mbi's sampling and decompression draw from the global generator
    rng = np.random.default_rng(args.seed)
    cols = list(frame.columns)
    values, codes = {}, {}
    for c in cols:
        values[c], inv = np.unique(frame[c].to_numpy(dtype=object).astype(str), return_inverse=True)
        codes[c] = inv.astype(np.int64)
    domain = Domain(cols, [len(values[c]) for c in cols])
    data = Dataset(codes, domain)
    rho = args.rho if args.rho is not None else cdp_rho(args.epsilon, args.delta)
    model, mapping, edges = mst(data, rho, args.iters, rng)
    jax.block_until_ready(model.potentials)
    fit_s = time.perf_counter() - start

    start = time.perf_counter()
    synth = model.synthetic_data(rows=args.rows)
    synth = synth.decompress(mapping)
    out = pd.DataFrame({c: values[c][np.asarray(synth.data[c], dtype=np.int64)] for c in cols})
    sample_s = time.perf_counter() - start

    out.to_csv(args.out, index=False)
    result = {
        "fit_s": fit_s,
        "sample_s": sample_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tool": "mst",
        "mbi": version("mbi"),
        "jax": jax.__version__,
        "rho": rho,
        "iters": args.iters,
        "rows": args.rows,
        "edges": [list(e) for e in edges],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
