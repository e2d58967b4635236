"""The CART family on a real table, side by side with python-synthpop's CART in one run.

    bash benchmarks/peers/setup_synthpop.sh      # once: python-synthpop in benchmarks/.venv-synthpop
    python benchmarks/bench_cart.py              # Adult, 80/20 split, ~2 min
    python benchmarks/bench_cart.py --data other.csv --target y --missing '?' --skip-peer

The table is split 80/20 with a fixed seed; every model is fitted on the 80 % ("train") and
scored (``family_metrics.py`` has the definitions):

- mean 2-way TVD against the holdout and against the training rows — the "holdout" row is the
  holdout itself against the training rows: a generator well below it memorises its training rows;
- TSTR ROC AUC on the holdout; SDMetrics quality (if SDV's environment is installed);
- exact copies of training rows (share of synthetic rows) next to the share of holdout rows that
  equal a training row, and the DCR ratio (median distance to the closest training row,
  synthetic over holdout: below 1, synthetic rows sit closer to the training people than fresh
  people do);
- the share of rows whose (education, education-num) pair exists in the real data (Adult);
- fit time, time per million rows sampled (datatwin at 1,000,000 rows; the peer at
  ``--peer-sample-rows``, default 200,000, since it takes minutes per million), model file size,
  and whether any label in the file is held by fewer than k real rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import family_metrics  # noqa: E402
from bench_families import ADULT, BIG, sdmetrics_quality, split  # noqa: E402

import datatwin as dt  # noqa: E402

SYNTHPOP_PYTHON = Path(__file__).resolve().parent / ".venv-synthpop" / "bin" / "python"


def run_synthpop(train: pl.DataFrame, tmp: Path, sample_rows: int) -> tuple[pl.DataFrame | None, dict]:
    if not SYNTHPOP_PYTHON.exists():
        return None, {"error": "python-synthpop not installed: bash benchmarks/peers/setup_synthpop.sh"}
    path, out = tmp / "train.parquet", tmp / "synthpop.parquet"
    train.write_parquet(path)
    proc = subprocess.run(
        [str(SYNTHPOP_PYTHON), str(Path(__file__).parent / "peers" / "synthpop_runner.py"), "--train", str(path),
         "--rows", str(train.height), "--out", str(out), "--sample-rows", str(sample_rows)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        return None, {"error": proc.stderr[-2000:]}
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    synth = pl.read_parquet(out).with_columns(
        [pl.col(c).cast(train[c].dtype, strict=False) for c in train.columns])
    return synth, {"fit_s": info["fit_s"], "sample_per_1m_s": info["sample_big_s"] * 1e6 / info["sample_big_rows"],
                   "version": info["version"]}


def labels_under_k(model_json: dict, train: pl.DataFrame, k: int) -> int:
    """How many distinct labels named in the CART trees are held by fewer than k training rows."""
    named: dict[str, set] = {}

    def walk(node: dict, target: str) -> None:
        for cls in node.get("classes", []):
            if isinstance(cls, str):
                named.setdefault(target, set()).add(cls)
        split_ = node.get("split")
        if split_ is not None:
            for label in split_.get("left", []):
                if isinstance(label, str):
                    named.setdefault(split_["column"], set()).add(label)
            walk(node["left"], target)
            walk(node["right"], target)

    for target, tree in model_json["model"]["trees"].items():
        if tree is not None:
            walk(tree, target)
    buckets = {c["name"]: (c.get("rare_labels") or {}).get("into") for c in model_json["columns"]}
    bad = 0
    for column, labels in named.items():
        labels = labels - {buckets.get(column)}  # the rare-label bucket is not a real value
        counts = dict(train[column].cast(pl.String).value_counts().iter_rows())
        bad += sum(1 for label in labels if counts.get(label, 0) < k)
    return bad


def consistent_share(train: pl.DataFrame, synth: pl.DataFrame, a: str, b: str) -> float | None:
    if a not in train.columns or b not in train.columns:
        return None
    pairs = train.select(a, b).unique()
    return synth.join(pairs, on=[a, b], how="semi", nulls_equal=True).height / synth.height


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ADULT)
    parser.add_argument("--target", default="class")
    parser.add_argument("--missing", action="append", default=None)
    parser.add_argument("--peer-sample-rows", type=int, default=200_000)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args()
    missing = args.missing if args.missing is not None else (["?"] if args.data == ADULT else [])
    frame = pl.read_csv(args.data, null_values=missing or None, infer_schema_length=None) if args.data.suffix == ".csv" \
        else pl.read_parquet(args.data)
    target = args.target if args.target in frame.columns else None
    train, holdout = split(frame)
    print(f"{args.data.name}: {frame.height:,} rows x {frame.width} columns; fit on {train.height:,}, "
          f"holdout {holdout.height:,}", flush=True)

    synths: dict[str, pl.DataFrame] = {"holdout": holdout}
    info: dict[str, dict] = {"holdout": {}}
    family = dt.families.Cart()
    start = time.perf_counter()
    model = dt.fit(train, family=family)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    model.sample(BIG, seed=2)
    sample_s = time.perf_counter() - start
    synths["datatwin cart"] = model.sample(train.height, seed=1)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        model.save(tmp / "m.json")
        size_mb = os.path.getsize(tmp / "m.json") / 1e6
        d = json.loads((tmp / "m.json").read_text())
        info["datatwin cart"] = {"fit_s": fit_s, "sample_per_1m_s": sample_s * 1e6 / BIG, "file_mb": size_mb,
                                 "labels_under_k": labels_under_k(d, train, family.min_leaf)}
        print(f"  datatwin cart: fit {fit_s:.2f} s, sample 1M {sample_s:.2f} s, file {size_mb:.2f} MB", flush=True)
        if not args.skip_peer:
            synth, info["synthpop cart"] = run_synthpop(train, tmp, args.peer_sample_rows)
            if synth is not None:
                synths["synthpop cart"] = synth
                print(f"  synthpop: fit {info['synthpop cart']['fit_s']:.2f} s", flush=True)
            else:
                print(f"  synthpop failed: {info['synthpop cart']['error']}", flush=True)
        quality = sdmetrics_quality(holdout, synths, tmp)

    rows = []
    for name, synth in synths.items():
        synth = synth.select(holdout.columns)
        row = {"model": name,
               "tvd_holdout": family_metrics.two_way_tvd(holdout, synth) if name != "holdout" else None,
               "tvd_train": family_metrics.two_way_tvd(train, synth),
               "tstr_auc": family_metrics.tstr_auc(synth, holdout, target) if target and name != "holdout" else None,
               "sdmetrics": quality.get(name),
               "copies": family_metrics.copy_share(train, synth),
               **{k: v for k, v in family_metrics.dcr_ratio(train, holdout, synth).items() if k == "dcr_ratio"},
               "edu_consistent": consistent_share(train, synth, "education", "education-num"),
               **info.get(name, {})}
        rows.append(row)
    keys = ["tvd_holdout", "tvd_train", "tstr_auc", "sdmetrics", "copies", "dcr_ratio", "edu_consistent", "fit_s",
            "sample_per_1m_s", "file_mb", "labels_under_k"]
    print()
    print("| model | " + " | ".join(keys) + " |")
    print("|" + "---|" * (len(keys) + 1))
    for row in rows:
        cells = ["" if row.get(k) is None else f"{row[k]:.3f}" if isinstance(row[k], float) else str(row[k])
                 for k in keys]
        print(f"| {row['model']} | " + " | ".join(cells) + " |")
    by = {r["model"]: r for r in rows}
    ours, peer, ref = by["datatwin cart"], by.get("synthpop cart"), by["holdout"]
    print()
    print(f"targets: 2-way TVD vs train {ours['tvd_train']:.3f} <= holdout's {ref['tvd_train']:.3f}; "
          f"TSTR AUC {ours['tstr_auc'] or float('nan'):.3f} >= 0.90; copies {ours['copies']:.4f} <= holdout's "
          f"{ref['copies']:.4f}; DCR ratio {ours['dcr_ratio']:.3f} >= 1.0; fit {ours['fit_s']:.2f} s <= 5; "
          f"sample 1M {ours['sample_per_1m_s']:.2f} s <= 10")
    if peer:
        print(f"datatwin cart vs synthpop cart: fit {peer['fit_s'] / ours['fit_s']:.1f}x faster, sampling "
              f"{peer['sample_per_1m_s'] / ours['sample_per_1m_s']:.1f}x faster per row; copies "
              f"{ours['copies']:.4f} vs {peer['copies']:.4f}; DCR ratio {ours['dcr_ratio']:.3f} vs {peer['dcr_ratio']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
