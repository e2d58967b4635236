"""Utility of a synthetic table: how well it keeps the real table's statistics.

Every score is in [0, 1], 1 = indistinguishable from the real data. Definitions
(``R`` = real, ``S`` = synthetic; missing = null, NaN or ±inf):

column_shape
    Mean over columns of the column score. Numeric and temporal columns (compared through
    their physical value): ``1 - max(KS, |missing share S - missing share R|)`` with KS the
    two-sample Kolmogorov-Smirnov statistic of the non-missing values. Categorical, boolean
    and string columns: ``1 - TVD`` with TVD the total variation distance of the label shares,
    missing counted as its own label; for ``string`` (high-cardinality) columns labels outside
    the real top 50 are pooled as "other". Also reported: the Wasserstein distance divided by
    the real data's range (max - min; the pooled range if the real column is constant),
    min/max/mean/median/5%/95% quantiles or the top labels, real and synthetic side by side.
pair_trend
    Mean over column pairs of ``1 - (a + t) / 2``. ``a`` is the association difference
    ``|assoc_R - assoc_S|``, halved for Pearson correlation (range [-1, 1]) so that it lies in
    [0, 1]; the association is Pearson's r for two numeric columns (pairwise-complete rows),
    bias-corrected Cramér's V (Bergsma 2013) for two categorical columns, and the correlation
    ratio eta for a numeric and a categorical column; an undefined association (constant or
    all-missing column) counts as 0. ``t`` is the total variation distance of the two-way
    marginal, numeric columns cut at the real data's deciles, categorical columns kept to the
    real top 20 labels plus "other", missing its own bin. Spearman's rho is reported beside
    Pearson's r but does not enter the score. Only the first 50 columns enter (1225 pairs).
distinguishability
    Propensity-score mean squared error (Snoke et al. 2018) on equal-size samples of R and S
    (share synthetic c = 1/2), rows encoded by :class:`~datatwin.evaluate.prepare.Encoder`:
    ``pMSE = mean_i (p_i - c)^2`` with ``p_i`` the in-sample propensity of a main-effects
    logistic regression and of a decision tree. The standardised ratio is ``pMSE / pMSE_0``,
    where ``pMSE_0 = (k - 1)(1 - c)^2 c / N`` for the logistic regression (k parameters,
    N rows) and the mean pMSE over 5 label permutations for the tree. Each model scores
    ``1 - clip((pMSE - pMSE_0) / (0.25 - pMSE_0), 0, 1)`` (0.25 is the pMSE of perfect
    separation at c = 1/2); the score is the lower of the two.
ml_efficacy (only with a target)
    Gradient boosting trained on S and, for reference, on R, both tested on the holdout
    (or, without one, on 30% of R held out from the real training rows). Classification
    (categorical, boolean or string target, or a numeric one with two values): score =
    ``(AUC_S - 0.5) / (AUC_R - 0.5)``, macro one-vs-rest AUC for several classes, falling back
    to accuracy above the majority-class share when AUC is undefined; regression: ``R2_S / R2_R``.
    Clipped to [0, 1]; None when the real-trained model beats no baseline.
overall
    The unweighted mean of column_shape, pair_trend, distinguishability and ml_efficacy,
    leaving out any that is None. ``components`` lists the scores averaged, each with its
    ``value``, ``weight`` (1 / their number) and ``interval``; ``left_out`` the others and why
    (ml_efficacy needs a target: the overall score of a report with a target and one without
    are means of different things).
intervals
    distinguishability and ml_efficacy depend on which rows a seed draws: each is the mean
    of ``repeats`` bootstrap replicates (:mod:`~datatwin.evaluate.model_metrics`), with
    ``values``, ``sd`` and ``interval`` = mean ± 1.96·sd (clipped to [0, 1]). column_shape
    uses every row and pair_trend up to ``5 * max_rows`` rows of each frame: no interval.
    ``overall`` has the interval of the replicates' overall scores (replicate r averages
    column_shape, pair_trend and the r-th replicate of the other two).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from datatwin.errors import DataError, DatatwinError
from datatwin.evaluate.column_metrics import column_scores
from datatwin.evaluate.model_metrics import (
    REPEATS,
    distinguishability_scores,
    ml_efficacy_scores,
    spread,
)
from datatwin.evaluate.pair_metrics import pair_scores
from datatwin.evaluate.prepare import EvalData, as_text

__all__ = ["DEFINITION", "STEPS", "utility_scores"]

#: the steps :func:`utility_scores` reports to its ``step`` callback, in order (the last only with a target)
STEPS = ("column shapes", "pair trends", "distinguishability", "ML efficacy")

#: pair metrics use at most this many times ``max_rows`` rows of each frame
PAIR_ROWS_FACTOR = 5

DEFINITION = (
    "overall = mean of the available scores among column_shape, pair_trend, distinguishability.score "
    "and ml_efficacy.score (equal weights; utility.components lists those averaged, utility.left_out the "
    "others). column_shape = mean over columns of 1 - max(KS, |missing "
    "share difference|) for numeric/temporal columns and 1 - TVD (missing as a label) for the others; "
    "pair_trend = mean over column pairs of 1 - (association difference + 2-way marginal TVD) / 2; "
    "distinguishability.score = lowest of 1 - clip((pMSE - null pMSE) / (0.25 - null pMSE), 0, 1) over "
    "a logistic regression and a decision tree; ml_efficacy.score = (AUC_synthetic - 0.5) / (AUC_real - 0.5) "
    "or R2_synthetic / R2_real, clipped to [0, 1]. distinguishability and ml_efficacy are means over "
    "bootstrap replicates, with 95 % intervals mean +/- 1.96 sd."
)


def utility_scores(
    data: EvalData,
    *,
    target: str | None,
    seed: int,
    max_rows: int,
    repeats: int = REPEATS,
    step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The ``utility`` part of the scores, plus ``sample_sizes`` (metric -> rows per frame).

    Runs the per-column (:mod:`~datatwin.evaluate.column_metrics`), pair
    (:mod:`~datatwin.evaluate.pair_metrics`) and model-based
    (:mod:`~datatwin.evaluate.model_metrics`) metrics and averages their scores.

    Parameters
    ----------
    data : EvalData
        Aligned real, synthetic and optional holdout frames.
    target : str, optional
        The column ML efficacy predicts; without one, ``ml_efficacy`` is None.
    seed : int
        Seed of every subsample, split and model.
    max_rows : int
        At most this many rows per frame for the classifiers (and ``PAIR_ROWS_FACTOR``
        times as many for the pair metrics).
    repeats : int
        Bootstrap replicates of distinguishability and ML efficacy (1 = a single fit, no interval).
    step : callable, optional
        Called with the name of each step (:data:`STEPS`) as it starts.
    """
    if target is not None and target not in data.kinds:
        raise DataError(f"the target column {target!r} is not in the data; columns: {list(data.kinds)}")
    if max_rows < 2:
        raise DataError(f"The 'max_rows' parameter of evaluate must be >= 2. Got {max_rows} instead.")
    if repeats < 1:
        raise DataError(f"The 'repeats' parameter of evaluate must be >= 1. Got {repeats} instead.")
    try:  # fail before any work; the model metrics import what they use
        import sklearn.ensemble
        import sklearn.linear_model
        import sklearn.tree  # noqa: F401
    except ImportError:
        raise DatatwinError("evaluation needs scikit-learn: pip install 'datatwin[evaluate]'") from None
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(3)]
    real, synth = as_text(data.real), as_text(data.synthetic)

    tick = step or (lambda name: None)

    tick(STEPS[0])
    columns = {c: column_scores(real[c], synth[c], kind) for c, kind in data.kinds.items()}
    column_shape = float(np.mean([m["score"] for m in columns.values()]))
    tick(STEPS[1])
    pairs, pair_rows = pair_scores(data, real, synth, seeds[0], max_rows * PAIR_ROWS_FACTOR)
    tick(STEPS[2])
    distinguishability = distinguishability_scores(data, real, synth, seeds[1], max_rows, repeats)
    ml = None
    if target is not None:
        tick(STEPS[3])
        ml = ml_efficacy_scores(data, target, seeds[2], max_rows, repeats)

    parts = {
        "column_shape": (column_shape, None),
        "pair_trend": (pairs["score"], None),
        "distinguishability": (distinguishability["score"], distinguishability),
        "ml_efficacy": (ml["score"], ml) if ml is not None else (None, None),
    }
    left_out = {}
    if pairs["score"] is None:
        left_out["pair_trend"] = "fewer than two columns to pair"
    if ml is None:
        left_out["ml_efficacy"] = "no target given (--target / target=)"
    elif ml["score"] is None:
        left_out["ml_efficacy"] = ml["note"]
    used = {k: v for k, v in parts.items() if v[0] is not None}
    overall = float(np.mean([v for v, _ in used.values()]))
    components = {k: {"value": v, "weight": 1 / len(used), "interval": (found or {}).get("interval")}
                  for k, (v, found) in used.items()}
    # replicate r of overall: the fixed scores with the r-th replicate of the resampled ones
    replicates = [np.full(repeats, v) if found is None or found.get("values") is None
                  else np.asarray(found["values"], dtype=float) for v, found in used.values()]
    found_spread = spread(np.nanmean(np.vstack(replicates), axis=0), overall) if repeats > 1 else None
    sizes = {"pair_trend": pair_rows, "distinguishability": distinguishability["rows_per_frame"]}
    if ml is not None:
        sizes["ml_efficacy"] = ml["rows"]["train_synthetic"]
    return {
        "overall": overall,
        "definition": DEFINITION,
        "interval": found_spread["interval"] if found_spread else None,
        "components": components,
        "left_out": left_out,
        "columns": columns,
        "column_shape": column_shape,
        "pairs": pairs,
        "pair_trend": pairs["score"],
        "distinguishability": distinguishability,
        "ml_efficacy": ml,
        "sample_sizes": sizes,
    }
