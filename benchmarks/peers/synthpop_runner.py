"""Fit python-synthpop's CART (``synthpop.CARTMethod``) on a training frame and sample, timed.

Run with the synthpop virtual environment's python (see ``setup_synthpop.sh``)::

    python synthpop_runner.py --train TRAIN.parquet --rows N --out SYNTH.parquet [--sample-rows 100000]

Its ``DataProcessor`` fails on scikit-learn >= 1.2 (``OneHotEncoder(sparse=...)``), so labels are
coded here as integers (a missing label its own code) and numbers kept as floats (a missing
number at the column's median, with a 0/1 missing indicator column beside it); the CART method
itself runs with its defaults (minibucket 5, no smoothing: leaf values drawn from real rows).
Prints one JSON object (seconds to fit and sample, the version).
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.metadata import version
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, type=Path)
    parser.add_argument("--rows", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--sample-rows", type=int, default=0, help="also time sampling this many rows")
    args = parser.parse_args(argv)

    import numpy as np
    import pandas as pd
    from synthpop import CARTMethod

    train = pd.read_parquet(args.train)
    coded, metadata, decode = pd.DataFrame(index=train.index), {}, {}
    for c in train.columns:
        s = train[c]
        if pd.api.types.is_numeric_dtype(s):
            coded[c] = s.astype(float).fillna(s.median())
            metadata[c] = "numerical"
            if s.isna().any():
                coded[c + "__missing"] = s.isna().astype(int)
                metadata[c + "__missing"] = "categorical"
        else:
            labels = sorted(s.dropna().unique().tolist())
            codes = s.map({v: i for i, v in enumerate(labels)}).fillna(len(labels)).astype(int)
            coded[c] = codes
            metadata[c] = "categorical"
            decode[c] = labels
    cart = CARTMethod(metadata, smoothing=False, proper=False, minibucket=5, random_state=0)
    start = time.perf_counter()
    cart.fit(coded)
    fit_s = time.perf_counter() - start

    def sample(n: int) -> pd.DataFrame:
        out = cart.sample(n)
        synth = pd.DataFrame(index=range(len(out)))
        for c in train.columns:
            v = out[c].to_numpy(dtype=float)
            if c in decode:
                labels = decode[c]
                synth[c] = [labels[int(i)] if 0 <= int(i) < len(labels) else None for i in v]
            else:
                values = np.round(v) if pd.api.types.is_integer_dtype(train[c]) else v
                if c + "__missing" in out:
                    values = np.where(out[c + "__missing"].to_numpy(dtype=float) == 1, np.nan, values)
                synth[c] = values
        return synth.head(n)

    start = time.perf_counter()
    synth = sample(args.rows)
    sample_s = time.perf_counter() - start
    synth.to_parquet(args.out)
    result = {"tool": "synthpop", "version": version("python-synthpop"), "fit_s": fit_s, "sample_s": sample_s,
              "rows": args.rows}
    if args.sample_rows:
        start = time.perf_counter()
        sample(args.sample_rows)
        result["sample_big_s"] = time.perf_counter() - start
        result["sample_big_rows"] = args.sample_rows
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
