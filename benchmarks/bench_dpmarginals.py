"""DP marginals family on Adult, discretised as issue 16 says: 2-way and 3-way TVD, time, memory.

    bash benchmarks/peers/setup_mbi.sh      # once: private-pgm's mbi 2.0 + JAX in benchmarks/.venv-mbi
    python benchmarks/bench_dpmarginals.py [--epsilon 1 10] [--seed 0] [--fits 5] [--mst 1]

Adult (``../shared/datasets/adult.csv``, '?' missing) is discretised (age in 5-year bins,
fnlwgt in 50k bins, capital-gain in 9 bins, capital-loss in 7, hours-per-week in 5-hour
bins; the other columns as they are, missing as a value) and every column's domain is
declared public (keysets), as private-pgm's MST assumes. The budget (ε, δ = 1e-9) is given
to datatwin as the ρ it implies (``Budget.to_zcdp``), as MST does. Printed per ε: mean TVD
over all 105 2-way marginals and over 100 sampled 3-way marginals, fit time, time to sample
1M rows, peak traced memory of the fit, then (one more fit, traced) each step's time and
memory: per-column marginals, 1-ways with pair choices (and the networks the AIM-style rounds
score against) and 2-ways, the consistent margins and the final network, sampling; a last row fits the same family under ``none``
(exact marginals, not private: the structure's own floor). Under each private row, private-pgm's
MST in the same run (``peers/mst_runner.py``, mbi 2.0 in its own environment) with the same ρ,
scored the same way. The issue's figures for the others: independent 0.080 / 0.176;
bootstrap floor 0.012 / 0.027.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
import tracemalloc
from pathlib import Path

import numpy as np
import polars as pl

import datatwin as dt
from datatwin.privacy.budget import Budget

ADULT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "adult.csv"
EDGES = {
    "age": list(range(15, 100, 5)),
    "fnlwgt": list(range(0, 1_550_000, 50_000)),
    "capital-gain": [0, 1, 2_000, 4_000, 6_000, 8_000, 10_000, 20_000, 50_000, 100_000],
    "capital-loss": [0, 1, 1_000, 1_500, 2_000, 2_500, 3_000, 5_000],
    "hours-per-week": list(range(0, 101, 5)),
}


def discretise(frame: pl.DataFrame) -> pl.DataFrame:
    out = {}
    for name in frame.columns:
        s = frame[name]
        if name in EDGES:
            e = np.asarray(EDGES[name], dtype=float)
            idx = np.clip(np.searchsorted(e, s.to_numpy().astype(float), side="right") - 1, 0, len(e) - 2)
            out[name] = pl.Series(name, [f"b{int(i):02d}" for i in idx])
        else:
            out[name] = s.cast(pl.String).fill_null("NA")
    return pl.DataFrame(out)


def tvd(real: pl.DataFrame, synth: pl.DataFrame, cols: list[str]) -> float:
    a = real.group_by(cols).len().with_columns(pl.col("len") / real.height)
    b = synth.group_by(cols).len().with_columns(pl.col("len") / synth.height)
    j = a.join(b, on=cols, how="full", coalesce=True).fill_null(0.0)
    return 0.5 * float((j["len"] - j["len_right"]).abs().sum())


STEPS = {  # the fit's steps, by the function that does each (wrapped only for the per-step run)
    "per-column marginals": ("family", "fit_marginals"),
    "1-ways, pair choices (with the rounds' networks), 2-ways": ("_Fitter", "_auto"),
    "consistent margins and the final network": ("_Fitter", "_network"),
}


def per_step(fit, sample) -> list[tuple[str, float, float]]:  # type: ignore[no-untyped-def]
    """(step, seconds, peak traced MiB) of one fit and of sampling 1M rows, each step's peak
    measured from its own start (tracemalloc slows every step down alike)."""
    import datatwin.models.dpmarginals.family as fam

    out: list[tuple[str, float, float]] = []
    originals = {}

    depth = [0]  # a step called inside another (the pair rounds' networks) counts as part of it

    def wrap(label: str, fn):  # type: ignore[no-untyped-def]
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            if depth[0]:
                return fn(*args, **kwargs)
            depth[0] += 1
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            start = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
            finally:
                depth[0] -= 1
            out.append((label, time.perf_counter() - start, (tracemalloc.get_traced_memory()[1] - base) / 2**20))
            return result
        return timed

    for label, (owner, name) in STEPS.items():
        target = fam if owner == "family" else getattr(fam, owner)
        originals[(owner, name)] = (target, getattr(target, name))
        setattr(target, name, wrap(label, getattr(target, name)))
    tracemalloc.start()
    try:
        start = time.perf_counter()
        model = fit()
        total = time.perf_counter() - start
        wrap("sample 1M rows", lambda: sample(model))()
    finally:
        tracemalloc.stop()
        for (target, fn) in originals.values():
            setattr(target, fn.__name__, fn)
    rest = total - sum(s for label, s, _ in out if label != "sample 1M rows")
    return [*out[:-1], ("the rest of the fit (reading, preparing, writing)", rest, float("nan")), out[-1]]


MBI_PYTHON = Path(__file__).resolve().parent / ".venv-mbi" / "bin" / "python"


def run_mst(real: pl.DataFrame, eps: float, rho: float, fits: int, pairs: list, triples: list, seed: int) -> str:  # type: ignore[type-arg]
    """private-pgm's MST (``peers/mst_runner.py`` in its own environment) on the same table and
    the same ρ, scored the same way: one line for the table."""
    if not MBI_PYTHON.exists():
        return "MST: not run (bash benchmarks/peers/setup_mbi.sh installs it in benchmarks/.venv-mbi)"
    import json
    import subprocess
    import tempfile

    scores, fit_s, rss = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "adult_discretised.csv"
        real.write_csv(data)
        for k in range(fits):
            out = Path(tmp) / f"mst_{k}.csv"
            proc = subprocess.run([str(MBI_PYTHON), str(Path(__file__).parent / "peers" / "mst_runner.py"), "--data",
                                   str(data), "--out", str(out), "--epsilon", str(eps), "--delta", "1e-9", "--rho",
                                   repr(rho), "--rows", str(real.height), "--seed", str(seed + k)],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                return f"MST: failed ({proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode})"
            info = json.loads(proc.stdout.strip().splitlines()[-1])
            synth = pl.read_csv(out, infer_schema=False)
            scores.append((float(np.mean([tvd(real, synth, list(p)) for p in pairs])),
                           float(np.mean([tvd(real, synth, t) for t in triples]))))
            fit_s.append(info["fit_s"])
            rss.append(info["peak_rss_mib"])
    (two, three), (two_sd, three_sd) = np.mean(scores, axis=0), np.std(scores, axis=0)
    return (f"MST (mbi 2.0, same rho), {fits} fit(s): 2-way TVD {two:.4f} ± {two_sd:.4f}, 3-way TVD {three:.4f} ± "
            f"{three_sd:.4f}, fit {np.mean(fit_s):.1f} s, peak RSS {max(rss):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epsilon", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mst", type=int, default=1, metavar="FITS",
                        help="fits of private-pgm's MST per ε (benchmarks/.venv-mbi, setup_mbi.sh; 0 skips it)")
    parser.add_argument("--fits", type=int, default=5,
                        help="fits per ε (DP noise is not seeded: TVDs are printed as mean ± sd over the fits)")
    parser.add_argument("--no-steps", dest="steps", action="store_false",
                        help="skip the per-step run (time and traced memory of each step of one more fit)")
    args = parser.parse_args()
    real = discretise(pl.read_csv(ADULT, null_values=["?"], infer_schema_length=None))
    keysets = {c: sorted(real[c].unique().to_list()) for c in real.columns}  # the public domain
    pairs = list(itertools.combinations(real.columns, 2))
    rng = np.random.default_rng(args.seed)
    triples = [list(t) for t in rng.choice(list(itertools.combinations(real.columns, 3)), 100, replace=False)]
    print(f"Adult discretised: {real.height} rows, {real.width} columns; {len(pairs)} pairs, {len(triples)} triples")
    from datatwin.privacy.mechanisms import _dp

    _dp()  # OpenDP's import (about 2 s, once per process) is not part of a fit
    for eps in [*args.epsilon, math.inf]:
        rho = Budget.create(epsilon=eps, delta=1e-9).to_zcdp().rho if math.isfinite(eps) else math.inf
        family = dt.families.Marginals(keysets=keysets)
        policy = dt.privacy.DifferentialPrivacy(rho=rho) if math.isfinite(eps) else None  # inf: exact (none)
        scores, fit_times = [], []
        for k in range(args.fits if math.isfinite(eps) else 1):  # exact: the same model every time
            t0 = time.perf_counter()
            model = dt.fit(real, family=family, privacy=policy)
            fit_times.append(time.perf_counter() - t0)
            synth = model.sample(real.height, seed=args.seed + k)
            scores.append((float(np.mean([tvd(real, synth, list(p)) for p in pairs])),
                           float(np.mean([tvd(real, synth, t) for t in triples]))))
        tracemalloc.start()  # a second fit for memory: tracing slows it down
        dt.fit(real, family=family, privacy=policy)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        t0 = time.perf_counter()
        model.sample(1_000_000, seed=args.seed)
        sample_s = time.perf_counter() - t0
        (two, three), (two_sd, three_sd) = np.mean(scores, axis=0), np.std(scores, axis=0)
        print(f"eps={eps:g} (rho={rho:.5f}, delta=1e-9), {len(scores)} fit(s): 2-way TVD {two:.4f} ± {two_sd:.4f}, "
              f"3-way TVD {three:.4f} ± {three_sd:.4f}, fit {np.mean(fit_times):.2f} s (max {max(fit_times):.2f}; "
              f"peak traced {peak:.0f} MiB), sample 1M {sample_s:.2f} s")
        if math.isfinite(eps) and args.mst > 0:
            print("    " + run_mst(real, eps, rho, args.mst, pairs, triples, args.seed))
        if args.steps:
            for label, seconds, mib in per_step(lambda family=family, policy=policy: dt.fit(real, family=family, privacy=policy),
                                                lambda m: m.sample(1_000_000, seed=args.seed)):
                memory = "" if mib != mib else f", peak {mib:.0f} MiB traced"
                print(f"    {label}: {seconds:.2f} s{memory}")


if __name__ == "__main__":
    main()
