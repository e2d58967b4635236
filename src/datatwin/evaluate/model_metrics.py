"""Model-based utility metrics: distinguishability (pMSE) and machine-learning efficacy.

The ``distinguishability`` and ``ml_efficacy`` parts of
:func:`~datatwin.evaluate.utility.utility_scores`; the definitions are in
:mod:`datatwin.evaluate.utility`. scikit-learn is imported when a metric runs, not with this
module, and every fit runs with one thread (``threadpoolctl.threadpool_limits(1)``): on a
small or busy machine the OpenMP and BLAS thread pools oversubscribe the cores.

Both scores depend on which rows a seed draws, so each is computed ``repeats`` times on
bootstrap resamples (rows drawn with replacement, one seed per replicate) and reported as
the mean of the replicates with a 95 % interval, ``mean ± 1.96·sd`` over the replicates
(:func:`spread`): the range in which another draw of the rows, e.g. another synthetic
sample of the same size from the same model, would put the score.
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
#: bootstrap replicates of the seed-dependent scores (distinguishability, ML efficacy)
REPEATS = 5
#: the normal quantile of the 95 % intervals
Z95 = 1.959964


def spread(values: list[float] | np.ndarray, centre: float | None = None) -> dict[str, Any] | None:
    """``{"sd", "interval"}`` of replicate ``values``: ``centre ± 1.96·sd``, clipped to [0, 1].

    ``centre`` defaults to the mean of the values; NaN values are left out; None for fewer
    than two values.

    >>> spread([0.5, 0.6, 0.7])["interval"]
    [0.404004, 0.795996]
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return None
    sd = float(np.std(v, ddof=1))
    mid = float(np.mean(v)) if centre is None else float(centre)
    return {"sd": sd, "interval": [round(float(np.clip(mid - Z95 * sd, 0, 1)), 6),
                                   round(float(np.clip(mid + Z95 * sd, 0, 1)), 6)]}


def _draw(height: int, size: int, seed: int, repeat: int, repeats: int) -> np.ndarray:
    """Row indices of one replicate: a bootstrap resample (with replacement) when ``repeats`` > 1,
    else the subsample of :func:`~datatwin.evaluate.prepare.subsample` (without).

    Frames of the same height get the same indices: a copy of the real data scores as a copy.
    """
    if repeats == 1:
        if height <= size:
            return np.arange(height)
        return np.sort(np.random.default_rng(seed).choice(height, size, replace=False))
    return np.random.default_rng([seed, repeat]).integers(0, height, size)


def distinguishability_scores(
    data: EvalData, real: pl.DataFrame, synth: pl.DataFrame, seed: int, max_rows: int, repeats: int = REPEATS
) -> dict[str, Any]:
    """How well a logistic regression and a decision tree tell real rows from synthetic ones (pMSE).

    Parameters
    ----------
    data : EvalData
        The aligned frames; the row encoding is learnt on ``data.real``.
    real, synth : polars.DataFrame
        The real and synthetic frames, categories as text (:func:`~datatwin.evaluate.prepare.as_text`).
    seed : int
        Seed of the resamples, the tree and the label permutations.
    max_rows : int
        At most this many rows of each frame per replicate.
    repeats : int
        Bootstrap replicates; 1 = one subsample without replacement and no interval.

    Returns
    -------
    dict
        ``logistic`` and ``tree`` (pMSE, null pMSE, ratio, score: means over the replicates),
        ``rows_per_frame``, ``repeats``, ``values`` (the score of each replicate), ``score``
        (their mean; a replicate scores the lower of its two models), ``sd`` and ``interval``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    from threadpoolctl import threadpool_limits  # after scikit-learn: it limits the thread pools already loaded

    n = min(max_rows, real.height, synth.height)
    encoder = Encoder.fit(data)
    y = np.repeat([0, 1], n)
    big_n, c = 2 * n, 0.5
    leaf = max(5, round(0.005 * big_n))
    permutations = max(1, -(-TREE_PERMUTATIONS // repeats))  # per replicate; pooled over the replicates
    out: dict[str, Any] = {"rows_per_frame": n, "synthetic_share": c, "repeats": repeats}
    found: dict[str, list[float]] = {k: [] for k in ("lr", "lr_null", "tree", "tree_null", "k")}
    rng = np.random.default_rng(seed)
    for r in range(repeats):
        x = np.vstack([encoder.transform(f[_draw(f.height, n, seed, r, repeats)]) for f in (real, synth)])
        x = x[:, x.min(0) < x.max(0)]  # constant features carry nothing and would inflate k
        found["k"].append(x.shape[1])
        if x.shape[1] == 0:  # nothing to tell the rows apart by: every propensity is c
            for key in ("lr", "lr_null", "tree", "tree_null"):
                found[key].append(0.0)
            continue
        # one thread: on a busy machine OpenMP and BLAS threads that spin-wait slow the fits down several-fold
        with threadpool_limits(limits=1):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence: a separable sample still yields propensities
                p_lr = LogisticRegression(C=100.0, max_iter=300).fit(x, y).predict_proba(x)[:, 1]
            found["lr"].append(_pmse(p_lr, c))
            found["lr_null"].append(x.shape[1] * (1 - c) ** 2 * c / big_n)  # k - 1 = number of features

            def tree_pmse(labels: np.ndarray, x: np.ndarray = x, r: int = r) -> float:
                tree = DecisionTreeClassifier(min_samples_leaf=leaf, random_state=seed + r).fit(x, labels)
                return _pmse(tree.predict_proba(x)[:, 1], c)

            found["tree"].append(tree_pmse(y))
            found["tree_null"] += [tree_pmse(rng.permutation(y)) for _ in range(permutations)]

    def scaled(pmse: float, null: float) -> float:
        return 1 - float(np.clip((pmse - null) / (0.25 - null), 0, 1)) if null < 0.25 else 1.0

    null_tree = float(np.mean(found["tree_null"]))
    lr = [scaled(p, null) for p, null in zip(found["lr"], found["lr_null"])]
    tree = [scaled(p, null_tree) for p in found["tree"]]
    for name, scores, pmse, null, how in (
        ("logistic", lr, found["lr"], float(np.mean(found["lr_null"])), "(k - 1)(1 - c)^2 c / N"),
        ("tree", tree, found["tree"], null_tree,
         f"mean over {len(found['tree_null'])} label permutations"),
    ):
        mean_pmse = float(np.mean(pmse))
        out[name] = {
            "pmse": mean_pmse,
            "null_pmse": null,
            "null_from": how,
            "pmse_ratio": mean_pmse / null if null > 0 else None,
            "score": float(np.mean(scores)),
        }
    out["tree"]["min_samples_leaf"] = leaf
    out["logistic"]["parameters"] = round(float(np.mean(found["k"]))) + 1
    values = [min(a, b) for a, b in zip(lr, tree)]
    out["values"] = values
    out["score"] = float(np.mean(values))
    out.update(spread(values) or {"sd": None, "interval": None})
    return out


def _pmse(p: np.ndarray, c: float) -> float:
    return float(np.mean((p - c) ** 2))



def ml_efficacy_scores(
    data: EvalData, target: str, seed: int, max_rows: int, repeats: int = REPEATS
) -> dict[str, Any]:
    """Gradient boosting trained on synthetic rows against one trained on real rows, tested on real rows.

    Parameters
    ----------
    data : EvalData
        The aligned frames; the holdout, when there is one, is the test set.
    target : str
        The column predicted; a classification for categorical, boolean and string
        columns and numeric ones with two values, a regression otherwise.
    seed : int
        Seed of the subsamples, the train/test split, the resamples and the models.
    max_rows : int
        At most this many rows per training and test set.
    repeats : int
        Replicates: each trains a model on a bootstrap resample of the synthetic rows and
        scores both models on a bootstrap resample of the test rows (the model trained on
        real rows is fitted once). 1 = one fit on the rows as drawn, no interval.

    Returns
    -------
    dict
        The task, the test set, rows used, the metrics of each model (``real``,
        ``synthetic``: means over the replicates), ``values`` (the score of each replicate),
        ``score`` (their mean; None, with a ``note``, when it cannot be computed), ``sd``
        and ``interval``.
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
    n_synth = min(max_rows, synth.height)
    draws = [_draw(synth.height, n_synth, seed + 1, r, repeats) for r in range(repeats)]
    features = [c for c in data.kinds if c != target]
    out: dict[str, Any] = {
        "target": target,
        "task": "classification" if classify else "regression",
        "test_set": test_set,
        "model": "HistGradientBoosting" + ("Classifier" if classify else "Regressor"),
        "rows": {"train_synthetic": n_synth, "train_real": train_real.height, "test": test.height},
        "repeats": repeats,
        "synthetic": None,
        "real": None,
        "values": None,
        "score": None,
        "sd": None,
        "interval": None,
        "note": None,
    }
    if not features or min(train_real.height, n_synth, test.height) < 2:
        out["note"] = "too few rows or no feature columns to train on"
        return out
    encoder = Encoder.fit(data, features)
    # only the synthetic rows some replicate trains on are encoded, renumbered 0..
    needed = np.unique(np.concatenate(draws))
    synth = synth[needed]
    draws = [np.searchsorted(needed, rows) for rows in draws]
    # labels as category codes, not one-hot: the boosting splits on them natively, 4x faster
    (x_test, categorical), (x_real, _), (x_synth, _) = (encoder.ordinal(f) for f in (test, train_real, synth))
    options = {"categorical_features": categorical} if categorical.any() else {}
    # the test rows of each replicate: all of them once, else a bootstrap resample
    tests = [_draw(test.height, test.height, seed + 2, r, repeats) for r in range(repeats)]
    metrics: dict[str, list[dict[str, Any]]] = {"real": [], "synthetic": []}
    # one thread: on a busy machine OpenMP threads that spin-wait made the boosting 5-8x slower
    with threadpool_limits(limits=1):
        if classify:
            keep = top_labels(label_text(data.real[target]), PAIR_TOP_LABELS)
            ys = {
                k: pool_labels(label_text(f[target]), keep).to_numpy()
                for k, f in (("real", train_real), ("synthetic", synth), ("test", test))
            }
            labels = np.unique(np.concatenate(list(ys.values())))
            p_real = _proba(HistGradientBoostingClassifier(random_state=seed, **options), x_real, ys["real"], labels,
                            x_test)
            for r, rows in enumerate(draws):
                model = HistGradientBoostingClassifier(random_state=seed + r, **options)
                p_synth = _proba(model, x_synth[rows], ys["synthetic"][rows], labels, x_test)
                at = tests[r]
                metrics["real"].append(_class_metrics(p_real[at], labels, ys["test"][at]))
                metrics["synthetic"].append(_class_metrics(p_synth[at], labels, ys["test"][at]))
            base = float(np.unique(ys["test"], return_counts=True)[1].max() / len(ys["test"]))
            out["majority_share"] = base
            if all(m["roc_auc"] is not None for m in metrics["real"] + metrics["synthetic"]):
                out["score_metric"], chance = "roc_auc", 0.5
            else:
                out["score_metric"], chance = "accuracy", base
        else:
            y_real, y_synth, y_test = (numeric_values(f[target]) for f in (train_real, synth, test))
            pred_real = HistGradientBoostingRegressor(random_state=seed, **options).fit(_trainable(x_real), y_real).predict(
                x_test)
            for r, rows in enumerate(draws):
                model = HistGradientBoostingRegressor(random_state=seed + r, **options).fit(
                    _trainable(x_synth[rows]), y_synth[rows])
                pred_synth, at = model.predict(x_test), tests[r]
                metrics["real"].append({"r2": _r2(y_test[at], pred_real[at])})
                metrics["synthetic"].append({"r2": _r2(y_test[at], pred_synth[at])})
            out["score_metric"], chance = "r2", 0.0
    metric = out["score_metric"]
    for k, found in metrics.items():
        out[k] = {name: _mean([m[name] for m in found]) for name in found[0]}
    synth_values = [m[metric] for m in metrics["synthetic"]]
    out["synthetic"][f"{metric}_interval"] = (spread(synth_values, out["synthetic"][metric]) or {}).get("interval")
    real_metric = out["real"][metric]
    if real_metric - chance > 1e-12:
        values = [float(np.clip((s - chance) / (r - chance), 0, 1)) if r - chance > 1e-12 else float("nan")
                  for s, r in zip(synth_values, (m[metric] for m in metrics["real"]))]
        out["values"] = values
        out["score"] = _mean(values)
        out.update(spread(values) or {})
    else:
        out["note"] = (
            f"the model trained on real data does no better than chance ({metric} {real_metric:.3f})"
        )
    return out


def _mean(values: list[Any]) -> float | None:
    found = [float(v) for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(found)) if found else None


def _proba(model: Any, x: np.ndarray, y: np.ndarray, labels: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """Class probabilities of the test rows, one column per label of ``labels``."""
    proba = np.zeros((len(x_test), len(labels)))
    seen = np.unique(y)
    if len(seen) == 1:  # one class to learn: predict it
        proba[:, np.searchsorted(labels, seen[0])] = 1.0
    else:
        model.fit(_trainable(x), y)
        proba[:, np.searchsorted(labels, model.classes_)] = model.predict_proba(x_test)
    return proba


def _trainable(x: np.ndarray) -> np.ndarray:
    """``x`` with columns missing throughout set to 0: the boosting cannot bin an all-NaN column
    (and a constant one is never split on, so the test rows' values do not matter)."""
    empty = np.isnan(x).all(0)
    return np.where(empty, 0.0, x) if empty.any() else x


def _class_metrics(proba: np.ndarray, labels: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

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
