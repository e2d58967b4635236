"""Time metasyn (3.0.0) fitting and sampling on a prepared parquet frame.

Run with the peers virtual environment's python (see ``setup.sh``)::

    python metasyn_runner.py --input FRAME.parquet --task fit-sample --n 100000 \
        --sample-out OUT.parquet --json-out RESULT.json

The input parquet must already have string columns as ``pl.Categorical`` and
missing values as nulls. Reading it is not timed. The result JSON holds the
fit and sample wall-clock times (``time.perf_counter``), the peak RSS of this
process and the distribution metasyn chose for every column.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any



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

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, type=Path, help="input parquet frame")
    parser.add_argument("--task", required=True, choices=["fit", "fit-sample"])
    parser.add_argument("--n", type=int, default=None,
                        help="rows to synthesize (fit-sample; default: input rows)")
    parser.add_argument("--sample-out", type=Path, default=None,
                        help="where to write the synthetic frame (parquet)")
    parser.add_argument("--json-out", type=Path, default=None,
                        help="where to write the result JSON (default: stdout only)")
    parser.add_argument("--seed", type=int, default=0, help="seed passed to synthesize()")
    parser.add_argument("--no-numeric-multinoulli", action="store_true",
                        help="like-for-like mode: never fit core.multinoulli (a table of every distinct "
                             "value) to a numeric column, so metasyn publishes parameters, not the values")
    return parser.parse_args(argv)


def distribution_name(dist: Any) -> str:
    """Return metasyn's identifier for a fitted distribution (e.g. ``core.multinoulli``)."""
    name = getattr(dist, "name", None)
    return str(name) if name else type(dist).__name__


def exclude_numeric_multinoulli() -> None:
    """Patch metasyn 3.0.0's candidate search (``VarBuilder._find_fitters``) to drop the
    multinoulli fitter for numeric columns. Benchmark-only: it gives the comparison
    where neither tool copies every distinct value of a numeric column into its file."""
    from metasyn import builder

    original = builder.VarBuilder._find_fitters

    def find_fitters(self: Any, unique: Any) -> list[Any]:
        fitters = original(self, unique)
        if self.series is not None and self.series.dtype.is_numeric():
            fitters = [f for f in fitters if type(f).__name__ != "MultinoulliFitter"]
        return fitters

    builder.VarBuilder._find_fitters = find_fitters


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Read the frame, run the requested task and return the result record."""
    import polars as pl
    from metasyn import MetaFrame

    if not args.input.is_file():
        raise FileNotFoundError(f"input parquet not found: {args.input}")
    df = pl.read_parquet(args.input)
    if args.no_numeric_multinoulli:
        exclude_numeric_multinoulli()

    t0 = time.perf_counter()
    mf = MetaFrame.fit_dataframe(df, progress_bar=False)
    fit_s = time.perf_counter() - t0

    sample_s: float | None = None
    n_sample: int | None = None
    if args.task == "fit-sample":
        n_sample = args.n if args.n is not None else df.height
        t0 = time.perf_counter()
        synth = mf.synthesize(n_sample, seed=args.seed, progress_bar=False)
        sample_s = time.perf_counter() - t0
        if synth.height != n_sample:
            raise RuntimeError(f"metasyn returned {synth.height} rows, expected {n_sample}")
        if args.sample_out is not None:
            args.sample_out.parent.mkdir(parents=True, exist_ok=True)
            synth.write_parquet(args.sample_out)

    return {
        "tool": "metasyn",
        "version": version("metasyn"),
        "task": args.task,
        "no_numeric_multinoulli": args.no_numeric_multinoulli,
        "n_rows_in": df.height,
        "fit_s": fit_s,
        "sample_s": sample_s,
        "n_sample": n_sample,
        "peak_rss_mb": peak_rss_mb(),
        "distributions": {v.name: distribution_name(v.distribution) for v in mf.meta_vars},
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the benchmark and write the JSON result; return the exit code."""
    args = parse_args(argv)
    if args.n is not None and args.n <= 0:
        print("metasyn_runner: error: --n must be positive", file=sys.stderr)
        return 2
    try:
        result = run(args)
    except Exception as exc:  # noqa: BLE001 - report any failure clearly, exit non-zero
        print(f"metasyn_runner: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(result, indent=2)
    if args.json_out is not None:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
