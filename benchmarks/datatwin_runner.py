"""Time datatwin fitting and sampling on a prepared parquet frame (the same frame the
metasyn runner gets). Same command line and JSON record as ``peers/metasyn_runner.py``::

    python datatwin_runner.py --input FRAME.parquet --task fit-sample --n 1000000 \
        --sample-out OUT.parquet --json-out RESULT.json [--repeat 5] [--floor]

Reading the parquet is not timed. ``--repeat`` times the fit (and sample) that many
times and reports the median. ``--floor`` also times drawing the same number of values
straight from numpy's generator for the fitted distributions (the speed floor).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

import datatwin as dt
from datatwin.distributions import Distribution



# Kept in both runners on purpose: they run in different virtual environments and
# share no importable module.
def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB. ``VmHWM`` belongs to the process's
    own address space; ``ru_maxrss`` would survive exec and report the launching
    process's peak when that was larger."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def numpy_floor_draw(dist: Distribution, n: int, rng: np.random.Generator) -> np.ndarray:
    """The cheapest numpy call that draws ``n`` values of (nearly) this distribution:
    what any tool must at least spend. Truncation and rounding are left out on purpose."""
    p = dist.to_dict()["parameters"]
    name = dist.name.removeprefix("discrete_") if dist.name != "discrete_uniform" else dist.name
    if name == "categorical":
        return rng.choice(len(p["probs"]), n, p=np.asarray(p["probs"]) / np.sum(p["probs"]))
    if name in ("normal", "truncated_normal"):
        return rng.normal(p["mu"], p["sigma"], n)
    if name == "lognormal":
        return rng.lognormal(p["mu"], p["sigma"], n)
    if name == "gamma":
        return rng.gamma(p["shape"], p["scale"], n)
    if name == "exponential":
        return rng.exponential(1 / p["rate"], n)
    if name == "uniform":
        return rng.uniform(p["lower"], p["upper"], n)
    if name == "discrete_uniform":
        return rng.integers(p["lower"], p["upper"], n, endpoint=True)
    if name == "poisson":
        return rng.poisson(p["mu"], n)
    if name == "geometric":
        return rng.geometric(p["p"], n)
    if name == "negative_binomial":
        return rng.negative_binomial(p["n"], p["p"], n)
    if name == "point_mass_mixture":
        w = np.append(p["weights"], max(0.0, 1 - sum(p["weights"])))
        comp = rng.choice(len(w), n, p=w / w.sum())
        rest = getattr(dist, "rest", None)
        k = int((comp == len(w) - 1).sum())
        return numpy_floor_draw(rest, k, rng) if rest is not None else comp
    if name in ("histogram", "finite"):  # a bin (a value), then a uniform draw inside it
        idx = rng.choice(len(p["probs"]), n, p=np.asarray(p["probs"]) / np.sum(p["probs"]))
        return idx + rng.random(n) if name == "histogram" else idx
    if name == "constant":
        return np.full(n, 0)
    return rng.random(n)


def floor_seconds(model: dt.Model, n: int) -> float:
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for col in model.columns:
        if col.prop_missing > 0:
            rng.random(n)
        if col.distribution is not None:
            numpy_floor_draw(col.distribution, n, rng)
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> dict[str, Any]:
    frame = pl.read_parquet(args.input)
    fit_times, sample_times = [], []
    model = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        model = dt.fit(frame)
        fit_times.append(time.perf_counter() - start)
    n_sample = None
    synth = None
    if args.task == "fit-sample":
        n_sample = args.n or frame.height
        for i in range(args.repeat):
            start = time.perf_counter()
            synth = model.sample(n_sample, seed=args.seed + i)
            sample_times.append(time.perf_counter() - start)
        if args.sample_out is not None:
            model.sample(n_sample, seed=args.seed).write_parquet(args.sample_out)
    result: dict[str, Any] = {
        "tool": "datatwin",
        "version": dt.__version__,
        "task": args.task,
        "n_rows_in": frame.height,
        "fit_s": statistics.median(fit_times),
        "sample_s": statistics.median(sample_times) if sample_times else None,
        "n_sample": n_sample,
        "peak_rss_mb": peak_rss_mb(),
        "distributions": {c.name: c.distribution.name if c.distribution else None for c in model.columns},
        "model_json_bytes": len(model.to_json()),
    }
    if args.floor and n_sample:
        result["floor_s"] = statistics.median(floor_seconds(model, n_sample) for _ in range(args.repeat))
    del synth
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, type=Path)
    parser.add_argument("--task", required=True, choices=["fit", "fit-sample"])
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--sample-out", type=Path, default=None)
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--floor", action="store_true")
    args = parser.parse_args(argv)
    result = run(args)
    text = json.dumps(result, indent=2)
    if args.json_out is not None:
        args.json_out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
