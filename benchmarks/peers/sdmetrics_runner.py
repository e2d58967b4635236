"""Score real/synthetic pairs with SDMetrics' QualityReport (column shapes, column pair trends).

Run with the peers virtual environment's python (see ``setup.sh``)::

    python sdmetrics_runner.py --real REAL.parquet --synthetic NAME=SYNTH.parquet [NAME=...] --json-out OUT.json

Column types for SDMetrics' metadata are taken from the real frame's dtypes: numbers
are ``numerical``, booleans ``boolean``, dates and datetimes ``datetime``, the rest
``categorical``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def metadata(frame: Any) -> dict[str, Any]:
    import polars as pl

    columns = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Boolean:
            sdtype = "boolean"
        elif dtype.is_numeric():
            sdtype = "numerical"
        elif dtype.is_temporal():
            sdtype = "datetime"
        else:
            sdtype = "categorical"
        columns[name] = {"sdtype": sdtype}
    return {"columns": columns}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", required=True, type=Path)
    parser.add_argument("--synthetic", required=True, nargs="+", help="NAME=PATH.parquet")
    parser.add_argument("--json-out", required=True, type=Path)
    args = parser.parse_args(argv)

    import warnings

    import polars as pl

    with warnings.catch_warnings():  # the single-table report is deprecated in favour of a multi-table API
        warnings.simplefilter("ignore", FutureWarning)
        from sdmetrics.reports.single_table import QualityReport

    real = pl.read_parquet(args.real)
    meta = metadata(real)
    real_pd = real.with_columns(pl.col(pl.Categorical).cast(pl.String)).to_pandas()
    results: dict[str, Any] = {}
    for item in args.synthetic:
        name, _, path = item.partition("=")
        synth = pl.read_parquet(path).with_columns(pl.col(pl.Categorical).cast(pl.String)).to_pandas()
        start = time.perf_counter()
        report = QualityReport()
        report.generate(real_pd, synth, meta, verbose=False)
        props = report.get_properties()
        scores = dict(zip(props["Property"], props["Score"]))
        results[name] = {
            "overall": float(report.get_score()),
            "column_shapes": float(scores["Column Shapes"]),
            "column_pair_trends": float(scores["Column Pair Trends"]),
            "seconds": time.perf_counter() - start,
        }
    args.json_out.write_text(json.dumps({"tool": "sdmetrics", "results": results}, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
