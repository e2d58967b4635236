"""Evaluate a synthetic table against the real one: utility and disclosure risk.

``evaluate(real, synthetic, holdout=None, target=None, ...)`` returns a
:class:`~datatwin.evaluate.report.Report` whose ``scores`` is a nested dict of plain
numbers (the JSON export), with this layout::

    {
      "utility": {"overall": float in [0, 1],          # higher = more useful
                  "definition": str,
                  "interval": [low, high] or None,       # 95 %, over bootstrap replicates
                  "components": {name: {"value", "weight", "interval"}},  # what overall averaged
                  "left_out": {name: why},
                  "columns": {name: {...per-column metrics...}},
                  "column_shape": float in [0, 1],
                  "pairs": {...}, "pair_trend": float in [0, 1],
                  "distinguishability": {...}, "ml_efficacy": {...} or None},
      "risk":    {"overall": float in [0, 1],           # higher = more disclosive
                  "definition": str,
                  "dcr": {...}, "exact_copies": float, "nndr": {...},
                  "membership_inference": {...} or None,
                  "attribute_inference": {...} or None,
                  "singling_out": {...}, "linkability": {...} or None,
                  "holdout_overlap": {...} (with a holdout)},
      "meta":    {"rows": {"real", "synthetic", "holdout"}, "columns": {name: kind},
                  "sample_sizes": {metric: rows used}, "seed": int, "repeats": int}
    }

:attr:`Report.verdict <datatwin.evaluate.report.Report.verdict>` turns the scores into plain
sentences (:mod:`datatwin.evaluate.verdict`); :meth:`Report.summary` is one row per score.
"""

import sys
import types
from typing import Any

from datatwin.evaluate.prepare import EvalData, align
from datatwin.evaluate.report import Report
from datatwin.evaluate.run import evaluate

__all__ = ["EvalData", "Report", "align", "evaluate"]


class _CallableModule(types.ModuleType):
    """The issue's API is ``dt.evaluate(real, synth)`` while the layer is the subpackage
    ``datatwin.evaluate``: calling the module calls :func:`evaluate`, and submodule
    imports (``import datatwin.evaluate.report as r``) keep working."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return evaluate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
