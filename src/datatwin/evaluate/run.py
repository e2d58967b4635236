"""``evaluate()``: read the frames, run the utility and risk metrics, return a Report."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datatwin.errors import DatatwinWarning
from datatwin.evaluate.model_metrics import REPEATS
from datatwin.evaluate.prepare import align
from datatwin.evaluate.report import Report
from datatwin.io import read_table

#: rows used by the expensive metrics (distances, classifiers); cheap ones use all rows
DEFAULT_MAX_ROWS = 10_000
#: the first step reported to ``progress``; the metrics' own steps follow
READ_STEP = "reading the data"


def planned_steps(
    target: str | None, holdout: bool, quasi_identifiers: list[str] | None, n_columns: int
) -> list[str]:
    """The names of the steps :func:`evaluate` reports to ``progress``, in order.

    >>> planned_steps("class", True, None, 15)[:5]
    ['reading the data', 'column shapes', 'pair trends', 'distinguishability', 'ML efficacy']
    """
    from datatwin.evaluate import risk, utility

    steps = [READ_STEP, *utility.STEPS[:3]]
    if target is not None:
        steps.append(utility.STEPS[3])
    steps.append(risk.STEPS[0])
    if holdout:
        steps.append(risk.STEPS[1])
    if quasi_identifiers:
        steps.append(risk.STEPS[2])
    steps.append(risk.STEPS[3])
    if n_columns >= 2:
        steps.append(risk.STEPS[4])
    return steps


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
    repeats: int = REPEATS,
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    """Compare ``synthetic`` with ``real`` (paths or frames); see :mod:`datatwin.evaluate`.

    ``model`` is a fitted model or the path of a model file: its privacy ledger goes
    into the report. ``repeats`` is the number of bootstrap replicates of the seed-dependent
    scores (distinguishability, ML efficacy), reported as their mean with a 95 % interval;
    1 = a single fit without interval. ``progress(step, done, total)`` is called as each named step starts
    (``done`` steps of ``total`` finished; the names are :func:`planned_steps`) and once
    more as ``progress("done", total, total)`` at the end.

    A holdout that overlaps the real data (:func:`~datatwin.evaluate.risk.holdout_overlap`)
    raises a :class:`~datatwin.errors.DatatwinWarning` with the counts, and is then used
    neither as the control of the risk metrics nor as the test set of ML efficacy.
    """
    from datatwin.evaluate.risk import holdout_overlap, overlap_message, risk_scores
    from datatwin.evaluate.utility import utility_scores

    steps = planned_steps(target, holdout is not None, quasi_identifiers, 0)
    total = [len(steps)]  # the column count (linkability) is known once the data is read

    def tick(name: str) -> None:
        if progress is not None:
            progress(name, steps.index(name) if name in steps else 0, total[0])

    tick(READ_STEP)
    frames = [read_table(f, missing_values).frame if f is not None else None for f in (real, synthetic, holdout)]
    data = align(*frames)
    steps = planned_steps(target, data.holdout is not None, quasi_identifiers, data.real.width)
    total[0] = len(steps)
    overlap = holdout_overlap(data) if data.holdout is not None else None
    if overlap is not None and overlap["suspected"]:
        warnings.warn(overlap_message(overlap), DatatwinWarning, stacklevel=2)
    # an overlapping holdout is no test set: ML efficacy holds out real rows instead
    fresh = data if overlap is None or not overlap["suspected"] else dataclasses.replace(data, holdout=None)
    utility = utility_scores(fresh, target=target, seed=seed, max_rows=max_rows, repeats=repeats, step=tick)
    risk = risk_scores(data, quasi_identifiers=quasi_identifiers, sensitive=sensitive, seed=seed,
                       max_rows=max_rows, overlap=overlap, step=tick)
    if fresh is not data and utility.get("ml_efficacy") is not None:
        utility["ml_efficacy"]["test_set"] += "; the holdout was not used: it overlaps the real data"
    meta = {
        "rows": {"real": data.real.height, "synthetic": data.synthetic.height,
                 "holdout": data.holdout.height if data.holdout is not None else None},
        "columns": data.kinds,
        "sample_sizes": {**utility.pop("sample_sizes", {}), **risk.pop("sample_sizes", {})},
        "seed": seed,
        "repeats": repeats,
    }
    if isinstance(model, (str, Path)):
        from datatwin.api import load

        model = load(model)
    ledger = model.to_dict()["privacy"] if model is not None else None
    if progress is not None:
        progress("done", total[0], total[0])
    return Report({"utility": utility, "risk": risk, "meta": meta}, data, privacy=ledger)
