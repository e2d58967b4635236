"""``evaluate()``: read the frames, run the utility and risk metrics, return a Report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datatwin.evaluate.prepare import align
from datatwin.evaluate.report import Report
from datatwin.io import read_table

#: rows used by the expensive metrics (distances, classifiers); cheap ones use all rows
DEFAULT_MAX_ROWS = 10_000


def evaluate(
    real: Any,
    synthetic: Any,
    holdout: Any = None,
    target: str | None = None,
    *,
    model: Any = None,
    quasi_identifiers: list[str] | None = None,
    sensitive: str | None = None,
    missing_values: tuple[Any, ...] = (),
    seed: int = 0,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Report:
    """Compare ``synthetic`` with ``real`` (paths or frames); see :mod:`datatwin.evaluate`.

    ``model`` is a fitted model or the path of a model file: its privacy ledger goes
    into the report.
    """
    from datatwin.evaluate.risk import risk_scores
    from datatwin.evaluate.utility import utility_scores

    frames = [read_table(f, missing_values).frame if f is not None else None for f in (real, synthetic, holdout)]
    data = align(*frames)
    utility = utility_scores(data, target=target, seed=seed, max_rows=max_rows)
    risk = risk_scores(data, quasi_identifiers=quasi_identifiers, sensitive=sensitive, seed=seed, max_rows=max_rows)
    meta = {
        "rows": {"real": data.real.height, "synthetic": data.synthetic.height,
                 "holdout": data.holdout.height if data.holdout is not None else None},
        "columns": data.kinds,
        "sample_sizes": {**utility.pop("sample_sizes", {}), **risk.pop("sample_sizes", {})},
        "seed": seed,
    }
    if isinstance(model, (str, Path)):
        from datatwin.api import load

        model = load(model)
    ledger = model.to_dict()["privacy"] if model is not None else None
    return Report({"utility": utility, "risk": risk, "meta": meta}, data, privacy=ledger)
