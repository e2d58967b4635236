"""Model-based utility metrics: distinguishability (pMSE) and machine-learning efficacy.

The ``distinguishability`` and ``ml_efficacy`` parts of
:func:`~datatwin.evaluate.utility.utility_scores`; the definitions are in
:mod:`datatwin.evaluate.utility`. scikit-learn is imported when a metric runs, not with this
module, and every fit runs with one thread (``threadpoolctl.threadpool_limits(1)``): on a
small or busy machine the OpenMP and BLAS thread pools oversubscribe the cores.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import polars as pl

from datatwin.evaluate.column_metrics import label_text, pool_labels, top_labels
from datatwin.evaluate.pair_metrics import PAIR_TOP_LABELS
from datatwin.evaluate.prepare import NUMERIC_KINDS, Encoder, EvalData, as_text, numeric_values, subsample

TREE_PERMUTATIONS = 5
HOLDOUT_SHARE = 0.3
CLASSIFICATION_KINDS = ("categorical", "boolean", "string")


def distinguishability_scores(
    data: EvalData, real: pl.DataFrame, synth: pl.DataFrame, seed: int, max_rows: int
) -> dict[str, Any]:
    """How well a logistic regression and a decision tree tell real rows from synthetic ones (pMSE).

    Parameters
    ----------
    data : EvalData
        The aligned frames; the row encoding is learnt on ``data.real``.
    real, synth : polars.DataFrame
        The real and synthetic frames, categories as text (:func:`~datatwin.evaluate.prepare.as_text`).
    seed : int
        Seed of the subsamples, the tree and the label permutations.
    max_rows : int
        At most this many rows of each frame.

    Returns
    -------
    dict
        ``logistic`` and ``tree`` (pMSE, null pMSE, ratio, score), ``rows_per_frame`` and
        ``score``, the lower of the two models' scores.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    from threadpoolctl import threadpool_limits  # after scikit-learn: it limits the thread pools already loaded

    n = min(max_rows, real.height, synth.height)
    encoder = Encoder.fit(data)
    x = np.vstack([encoder.transform(subsample(real, n, seed)), encoder.transform(subsample(synth, n, seed))])
    x = x[:, x.min(0) < x.max(0)]  # constant features carry nothing and would inflate k
    y = np.repeat([0, 1], n)
    big_n, c = 2 * n, 0.5
    leaf = max(5, round(0.005 * big_n))
    out: dict[str, Any] = {"rows_per_frame": n, "synthetic_share": c}

    if x.shape[1] == 0:  # nothing to tell the rows apart by
        p_lr = p_tree = np.full(big_n, c)
        null_lr = null_tree = 0.0
    else:
        # one thread: on a busy machine OpenMP and BLAS threads that spin-wait slow the fits down several-fold
        with threadpool_limits(limits=1):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence: a separable sample still yields propensities
                p_lr = LogisticRegression(C=100.0, max_iter=300).fit(x, y).predict_proba(x)[:, 1]
            null_lr = (x.shape[1]) * (1 - c) ** 2 * c / big_n  # k - 1 = number of features

            def tree_pmse(labels: np.ndarray) -> float:
                tree = DecisionTreeClassifier(min_samples_leaf=leaf, random_state=seed).fit(x, labels)
                return _pmse(tree.predict_proba(x)[:, 1], c)

            p_tree = DecisionTreeClassifier(min_samples_leaf=leaf, random_state=seed).fit(x, y).predict_proba(x)[:, 1]
            rng = np.random.default_rng(seed)
            null_tree = float(np.mean([tree_pmse(rng.permutation(y)) for _ in range(TREE_PERMUTATIONS)]))

    for name, p, null, how in (
        ("logistic", p_lr, null_lr, "(k - 1)(1 - c)^2 c / N"),
        ("tree", p_tree, null_tree, f"mean over {TREE_PERMUTATIONS} label permutations"),
    ):
        pmse = _pmse(p, c)
        score = 1 - float(np.clip((pmse - null) / (0.25 - null), 0, 1)) if null < 0.25 else 1.0
        out[name] = {
            "pmse": pmse,
            "null_pmse": null,
            "null_from": how,
            "pmse_ratio": pmse / null if null > 0 else None,
            "score": score,
        }
    out["tree"]["min_samples_leaf"] = leaf
    out["logistic"]["parameters"] = x.shape[1] + 1
    out["score"] = min(out["logistic"]["score"], out["tree"]["score"])
    return out


def _pmse(p: np.ndarray, c: float) -> float:
    return float(np.mean((p - c) ** 2))



def ml_efficacy_scores(data: EvalData, target: str, seed: int, max_rows: int) -> dict[str, Any]:
    """Gradient boosting trained on synthetic rows against one trained on real rows, tested on real rows.

    Parameters
    ----------
    data : EvalData
        The aligned frames; the holdout, when there is one, is the test set.
    target : str
        The column predicted; a classification for categorical, boolean and string
        columns and numeric ones with two values, a regression otherwise.
    seed : int
        Seed of the subsamples, the train/test split and the models.
    max_rows : int
        At most this many rows per training and test set.

    Returns
    -------
    dict
        The task, the test set, rows used, the metrics of each model (``real``,
        ``synthetic``) and ``score`` (None, with a ``note``, when it cannot be computed).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits  # after scikit-learn: it limits the thread pools already loaded

    kind = data.kinds[target]
    classify = kind in CLASSIFICATION_KINDS or (
        kind in NUMERIC_KINDS and data.real[target].drop_nulls().n_unique() == 2
    )
    present = pl.col(target).is_not_null()
    if data.kinds[target] in NUMERIC_KINDS and data.real[target].dtype.is_float():
        present = present & pl.col(target).is_not_nan()
    real, synth = (as_text(f).filter(present) for f in (data.real, data.synthetic))
    holdout = as_text(data.holdout).filter(present) if data.holdout is not None else None
    if holdout is not None and holdout.height:
        test, train_real = subsample(holdout, max_rows, seed), subsample(real, max_rows, seed)
        test_set = "holdout"
    else:
        order = np.random.default_rng(seed).permutation(real.height)
        n_test = max(1, round(HOLDOUT_SHARE * real.height))
        test = real[order[:n_test][:max_rows]]
        train_real = real[order[n_test:][:max_rows]]
        test_set = (
            f"{HOLDOUT_SHARE:.0%} of the real rows, held out from the real training rows; "
            "the synthetic data may have been fitted on them, which can flatter its score"
            + ("; the holdout has no values of the target" if holdout is not None else "")
        )
    train_synth = subsample(synth, max_rows, seed + 1)
    features = [c for c in data.kinds if c != target]
    out: dict[str, Any] = {
        "target": target,
        "task": "classification" if classify else "regression",
        "test_set": test_set,
        "model": "HistGradientBoosting" + ("Classifier" if classify else "Regressor"),
        "rows": {"train_synthetic": train_synth.height, "train_real": train_real.height, "test": test.height},
        "synthetic": None,
        "real": None,
        "score": None,
        "note": None,
    }
    if not features or min(train_real.height, train_synth.height, test.height) < 2:
        out["note"] = "too few rows or no feature columns to train on"
        return out
    encoder = Encoder.fit(data, features)
    x_test = encoder.transform(test)
    # one thread: on a busy machine OpenMP threads that spin-wait made the boosting 5-8x slower
    with threadpool_limits(limits=1):
        if classify:
            keep = top_labels(label_text(data.real[target]), PAIR_TOP_LABELS)
            ys = {
                k: pool_labels(label_text(f[target]), keep).to_numpy()
                for k, f in (("real", train_real), ("synthetic", train_synth), ("test", test))
            }
            for k, frame in (("real", train_real), ("synthetic", train_synth)):
                model = HistGradientBoostingClassifier(random_state=seed)
                out[k] = _classify(model, encoder.transform(frame), ys[k], x_test, ys["test"])
            base = float(np.unique(ys["test"], return_counts=True)[1].max() / len(ys["test"]))
            out["majority_share"] = base
            if out["real"]["roc_auc"] is not None and out["synthetic"]["roc_auc"] is not None:
                out["score_metric"], chance = "roc_auc", 0.5
            else:
                out["score_metric"], chance = "accuracy", base
        else:
            y_test = numeric_values(test[target])
            for k, frame in (("real", train_real), ("synthetic", train_synth)):
                model = HistGradientBoostingRegressor(random_state=seed).fit(
                    encoder.transform(frame), numeric_values(frame[target])
                )
                out[k] = {"r2": _r2(y_test, model.predict(x_test))}
            out["score_metric"], chance = "r2", 0.0
    real_metric, synth_metric = out["real"][out["score_metric"]], out["synthetic"][out["score_metric"]]
    if real_metric - chance > 1e-12:
        out["score"] = float(np.clip((synth_metric - chance) / (real_metric - chance), 0, 1))
    else:
        out["note"] = (
            f"the model trained on real data does no better than chance ({out['score_metric']} {real_metric:.3f})"
        )
    return out


def _classify(model: Any, x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    labels = np.unique(np.concatenate([y, y_test]))
    proba = np.zeros((len(x_test), len(labels)))
    seen = np.unique(y)
    if len(seen) == 1:  # one class to learn: predict it
        proba[:, np.searchsorted(labels, seen[0])] = 1.0
    else:
        model.fit(x, y)
        proba[:, np.searchsorted(labels, model.classes_)] = model.predict_proba(x_test)
    accuracy = float(np.mean(labels[proba.argmax(1)] == y_test))
    present = np.unique(y_test)
    auc = None
    if len(present) == 2:
        auc = float(roc_auc_score(y_test == present[1], proba[:, np.searchsorted(labels, present[1])]))
    elif len(present) > 2:
        part = proba[:, np.searchsorted(labels, present)]
        total = part.sum(1, keepdims=True)
        part = np.where(total > 0, part / np.where(total > 0, total, 1), 1 / len(present))
        auc = float(roc_auc_score(y_test, part, multi_class="ovr", average="macro", labels=present))
    return {"accuracy": accuracy, "roc_auc": auc}


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    total = float(((y - y.mean()) ** 2).sum())
    return 1 - float(((y - pred) ** 2).sum()) / total if total > 0 else 0.0
