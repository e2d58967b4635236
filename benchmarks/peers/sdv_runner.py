"""Fit SDV's GaussianCopulaSynthesizer on a training frame and sample from it, timed.

Run with the SDV virtual environment's python (see ``setup_sdv.sh``)::

    python sdv_runner.py --train TRAIN.parquet --rows N --out SYNTH.parquet [--sample-rows 1000000]

SDV is used as a new user would: metadata detected from the frame, default settings.
Prints one JSON object (seconds to fit and sample, the SDV version).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, type=Path)
    parser.add_argument("--rows", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--sample-rows", type=int, default=0, help="also time sampling this many rows")
    args = parser.parse_args(argv)

    import pandas as pd
    import sdv

    warnings.simplefilter("ignore")
    from sdv.single_table import GaussianCopulaSynthesizer

    train = pd.read_parquet(args.train)
    try:
        from sdv.metadata import Metadata

        if hasattr(Metadata, "detect_from_dataframe"):
            metadata = Metadata.detect_from_dataframe(train)
        else:  # SDV 2: one table of a multi-table metadata
            metadata = Metadata.detect_from_dataframes({"table": train})
    except ImportError:  # older SDV
        from sdv.metadata import SingleTableMetadata

        metadata = SingleTableMetadata()
        metadata.detect_from_dataframe(train)
    synthesizer = GaussianCopulaSynthesizer(metadata)
    multi = not hasattr(Metadata, "detect_from_dataframe")  # SDV 2 takes {table name: frame}
    start = time.perf_counter()
    synthesizer.fit({"table": train} if multi else train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    synth = synthesizer.sample(num_rows=args.rows)
    if isinstance(synth, dict):
        synth = synth["table"]
    sample_s = time.perf_counter() - start
    synth.to_parquet(args.out)
    result = {"tool": "sdv", "version": sdv.__version__, "fit_s": fit_s, "sample_s": sample_s, "rows": args.rows}
    if args.sample_rows:
        start = time.perf_counter()
        synthesizer.sample(num_rows=args.sample_rows)
        result["sample_big_s"] = time.perf_counter() - start
        result["sample_big_rows"] = args.sample_rows
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
