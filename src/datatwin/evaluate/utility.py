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
    leaving out any that is None.
"""

from __future__ import annotations

import warnings
from itertools import combinations
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from datatwin.errors import DataError, DatatwinError
from datatwin.evaluate.prepare import NUMERIC_KINDS, Encoder, EvalData, as_text, numeric_values, subsample

MISSING = "<missing>"
OTHER = "<other>"
#: labels of a ``string`` column kept apart in its column score; the rest pool as "other"
STRING_TOP_LABELS = 50
#: labels shown side by side per categorical column
SHOWN_LABELS = 10
#: pair metrics look at the first this-many columns only (50 -> 1225 pairs)
PAIR_MAX_COLUMNS = 50
PAIR_BINS = 10
PAIR_TOP_LABELS = 20
#: pair metrics use at most this many times ``max_rows`` rows of each frame
PAIR_ROWS_FACTOR = 5
TREE_PERMUTATIONS = 5
HOLDOUT_SHARE = 0.3
CLASSIFICATION_KINDS = ("categorical", "boolean", "string")

DEFINITION = (
    "overall = mean of the available scores among column_shape, pair_trend, distinguishability.score "
    "and ml_efficacy.score (equal weights). column_shape = mean over columns of 1 - max(KS, |missing "
    "share difference|) for numeric/temporal columns and 1 - TVD (missing as a label) for the others; "
    "pair_trend = mean over column pairs of 1 - (association difference + 2-way marginal TVD) / 2; "
    "distinguishability.score = lowest of 1 - clip((pMSE - null pMSE) / (0.25 - null pMSE), 0, 1) over "
    "a logistic regression and a decision tree; ml_efficacy.score = (AUC_synthetic - 0.5) / (AUC_real - 0.5) "
    "or R2_synthetic / R2_real, clipped to [0, 1]."
)


def utility_scores(data: EvalData, *, target: str | None, seed: int, max_rows: int) -> dict[str, Any]:
    """The ``utility`` part of the scores, plus ``sample_sizes`` (metric -> rows per frame)."""
    if target is not None and target not in data.kinds:
        raise DataError(f"the target column {target!r} is not in the data; columns: {list(data.kinds)}")
    if max_rows < 2:
        raise DataError(f"The 'max_rows' parameter of evaluate must be >= 2. Got {max_rows} instead.")
    try:  # before threadpool_limits, which only limits the thread pools already loaded
        import sklearn.ensemble
        import sklearn.linear_model
        import sklearn.tree  # noqa: F401
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings threadpoolctl
        raise DatatwinError("evaluation needs scikit-learn: pip install 'datatwin[evaluate]'") from None
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(3)]
    real, synth = as_text(data.real), as_text(data.synthetic)

    columns = {c: _column(real[c], synth[c], kind) for c, kind in data.kinds.items()}
    column_shape = float(np.mean([m["score"] for m in columns.values()]))
    pairs, pair_rows = _pairs(data, real, synth, seeds[0], max_rows * PAIR_ROWS_FACTOR)
    # one thread: on a busy machine OpenMP threads that spin-wait made the boosting 5-8x slower
    with threadpool_limits(limits=1):
        distinguishability = _distinguishability(data, real, synth, seeds[1], max_rows)
        ml = _ml_efficacy(data, target, seeds[2], max_rows) if target is not None else None

    parts = [column_shape, pairs["score"], distinguishability["score"], ml["score"] if ml else None]
    available = [p for p in parts if p is not None]
    sizes = {"pair_trend": pair_rows, "distinguishability": distinguishability["rows_per_frame"]}
    if ml is not None:
        sizes["ml_efficacy"] = ml["rows"]["train_synthetic"]
    return {
        "overall": float(np.mean(available)),
        "definition": DEFINITION,
        "columns": columns,
        "column_shape": column_shape,
        "pairs": pairs,
        "pair_trend": pairs["score"],
        "distinguishability": distinguishability,
        "ml_efficacy": ml,
        "sample_sizes": sizes,
    }


# ---------------------------------------------------------------------------- columns


def _column(r: pl.Series, s: pl.Series, kind: str) -> dict[str, Any]:
    if kind in NUMERIC_KINDS:
        return _numeric_column(r, s)
    return _categorical_column(r, s, kind)


def _numeric_column(r: pl.Series, s: pl.Series) -> dict[str, Any]:
    rv, sv = numeric_values(r), numeric_values(s)
    rf, sf = rv[np.isfinite(rv)], sv[np.isfinite(sv)]
    missing = {"real": 1 - len(rf) / len(rv), "synthetic": 1 - len(sf) / len(sv)}
    missing_diff = abs(missing["synthetic"] - missing["real"])
    if len(rf) and len(sf):
        ks = float(stats.ks_2samp(rf, sf, method="asymp").statistic)
        both = np.concatenate([rf, sf])
        scale = float(np.ptp(rf)) or float(np.ptp(both)) or 1.0
        wasserstein: float | None = float(stats.wasserstein_distance(rf, sf)) / scale
    else:  # one side (or both) has no values at all
        ks, wasserstein = (0.0 if len(rf) == len(sf) else 1.0), None
    temporal = r.dtype if r.dtype.is_temporal() else None
    return {
        "kind": "numeric",
        "ks": ks,
        "wasserstein": wasserstein,
        "missing": missing,
        "missing_diff": missing_diff,
        "stats": {"real": _summary(rf, temporal), "synthetic": _summary(sf, temporal)},
        "score": 1.0 - max(ks, missing_diff),
    }


def _summary(values: np.ndarray, temporal: pl.DataType | None) -> dict[str, Any]:
    keys = ("min", "q05", "median", "mean", "q95", "max")
    if len(values) == 0:
        return dict.fromkeys(keys)
    q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    numbers = (values.min(), q05, median, values.mean(), q95, values.max())
    return {k: _display(float(v), temporal) for k, v in zip(keys, numbers)}


def _display(value: float, temporal: pl.DataType | None) -> float | str:
    """Temporal statistics as ISO text (a mean date is a date), numbers as numbers."""
    if temporal is None:
        return value
    try:
        return str(pl.Series([round(value)]).cast(pl.Int64).cast(temporal)[0])
    except (pl.exceptions.PolarsError, OverflowError, ValueError):
        return value


def _categorical_column(r: pl.Series, s: pl.Series, kind: str) -> dict[str, Any]:
    rt, st = _text(r), _text(s)
    if kind == "string":  # near-unique text: compare the frequent labels, pool the rest
        keep = _top_labels(rt, STRING_TOP_LABELS)
        rt, st = _pool(rt, keep), _pool(st, keep)
    shares = _shares(rt, "real").join(_shares(st, "synthetic"), on="label", how="full", coalesce=True).fill_null(0.0)
    tvd = min(1.0, 0.5 * float((shares["real"] - shares["synthetic"]).abs().sum()))
    top = shares.with_columns(pl.max_horizontal("real", "synthetic").alias("_m")).sort(
        ["_m", "label"], descending=[True, False]
    )
    missing = {"real": r.null_count() / len(r), "synthetic": s.null_count() / len(s)}
    out: dict[str, Any] = {
        "kind": "categorical",
        "tvd": tvd,
        "missing": missing,
        "missing_diff": abs(missing["synthetic"] - missing["real"]),
        "labels": {"real": r.n_unique(), "synthetic": s.n_unique()},
        "top": top.head(SHOWN_LABELS).drop("_m").to_dicts(),
        "score": 1.0 - tvd,
    }
    if kind == "string":
        out["unique_share"] = {"real": r.n_unique() / len(r), "synthetic": s.n_unique() / len(s)}
    return out


def _text(series: pl.Series) -> pl.Series:
    return series.cast(pl.String).fill_null(MISSING).alias("label")


def _top_labels(text: pl.Series, n: int) -> list[str]:
    counts = text.filter(text != MISSING).value_counts(sort=True, name="n")
    return counts.sort(["n", "label"], descending=[True, False])["label"].head(n).to_list()


def _pool(text: pl.Series, keep: list[str]) -> pl.Series:
    return pl.select(
        pl.when(text.is_in(keep) | (text == MISSING)).then(text).otherwise(pl.lit(OTHER)).alias("label")
    ).to_series()


def _shares(text: pl.Series, name: str) -> pl.DataFrame:
    return text.value_counts(name=name).with_columns(pl.col(name) / len(text))


# ------------------------------------------------------------------------------ pairs


def _pairs(data: EvalData, real: pl.DataFrame, synth: pl.DataFrame, seed: int, rows: int) -> tuple[dict, int]:
    names = list(data.kinds)[:PAIR_MAX_COLUMNS]
    real, synth = subsample(real, rows, seed), subsample(synth, rows, seed)  # same draw: a copy scores 1
    numeric = [c for c in names if data.kinds[c] in NUMERIC_KINDS]
    info: dict[str, Any] = {
        "columns": names,
        "n_columns": len(data.kinds),
        "n_pairs": len(names) * (len(names) - 1) // 2,
        "rows": {"real": real.height, "synthetic": synth.height},
        "note": None
        if len(data.kinds) <= PAIR_MAX_COLUMNS
        else f"only the first {PAIR_MAX_COLUMNS} columns are paired",
    }
    if len(names) < 2:
        return {
            **info,
            "association": None,
            "spearman": None,
            "marginal_tvd": None,
            "worst": [],
            "score": None,
        }, real.height

    frames = {"real": real, "synthetic": synth}
    values = {k: {c: numeric_values(f[c]) for c in numeric} for k, f in frames.items()}
    codes, n_codes = _pair_codes(names, data.kinds, real, synth)
    pearson = {k: _corr(np.column_stack([v[c] for c in numeric])) if numeric else None for k, v in values.items()}
    spearman = {
        k: _corr(np.column_stack([_ranks(v[c]) for c in numeric])) if numeric else None for k, v in values.items()
    }
    where = {c: i for i, c in enumerate(numeric)}

    p = len(names)
    assoc = {k: np.eye(p) for k in frames}
    method = [["" for _ in names] for _ in names]
    tvd = np.zeros((p, p))
    records = []
    for i, j in combinations(range(p), 2):
        a, b = names[i], names[j]
        kind = ("n" if a in where else "c") + ("n" if b in where else "c")
        for k in frames:
            if kind == "nn":
                value = pearson[k][where[a], where[b]]
            elif kind == "cc":
                value = _cramers_v(codes[k][a], codes[k][b], n_codes[a], n_codes[b])
            else:
                num, cat = (a, b) if kind == "nc" else (b, a)
                value = _eta(values[k][num], codes[k][cat], n_codes[cat])
            assoc[k][i, j] = assoc[k][j, i] = float(value)
        method[i][j] = method[j][i] = {"nn": "pearson", "cc": "cramers_v"}.get(kind, "correlation_ratio")
        tvd[i, j] = tvd[j, i] = _joint_tvd(codes, a, b, n_codes)
        diff = abs(assoc["real"][i, j] - assoc["synthetic"][i, j])
        scaled = diff / 2 if kind == "nn" else diff
        records.append(
            {
                "columns": [a, b],
                "association_diff": float(diff),
                "tvd": float(tvd[i, j]),
                "score": float(1 - (scaled + tvd[i, j]) / 2),
            }
        )

    upper = np.triu_indices(p, 1)
    out = {
        **info,
        "association": {
            "columns": names,
            "real": _matrix(assoc["real"]),
            "synthetic": _matrix(assoc["synthetic"]),
            "method": method,
            "mean_abs_diff": float(np.mean(np.abs(assoc["real"] - assoc["synthetic"])[upper])),
        },
        "spearman": None,
        "marginal_tvd": {"columns": names, "matrix": _matrix(tvd), "mean": float(np.mean(tvd[upper]))},
        "worst": sorted(records, key=lambda r: r["score"])[:10],
        "score": float(np.mean([r["score"] for r in records])),
    }
    if len(numeric) >= 2:
        sr, ss = spearman["real"], spearman["synthetic"]
        out["spearman"] = {
            "columns": numeric,
            "real": _matrix(sr),
            "synthetic": _matrix(ss),
            "mean_abs_diff": float(np.mean(np.abs(sr - ss)[np.triu_indices(len(numeric), 1)])),
        }
    return out, real.height


def _matrix(m: np.ndarray) -> list[list[float]]:
    return np.round(m, 6).tolist()


def _pair_codes(names: list[str], kinds: dict[str, str], real: pl.DataFrame, synth: pl.DataFrame):
    """Integer bin codes per column and frame, bins learnt on the real frame; missing is the last bin."""
    codes: dict[str, dict[str, np.ndarray]] = {"real": {}, "synthetic": {}}
    n_codes: dict[str, int] = {}
    for c in names:
        if kinds[c] in NUMERIC_KINDS:
            rv = numeric_values(real[c])
            finite = rv[np.isfinite(rv)]
            edges = (
                np.unique(np.quantile(finite, np.linspace(0, 1, PAIR_BINS + 1)[1:-1])) if len(finite) else np.zeros(0)
            )
            n_codes[c] = len(edges) + 2
            for k, f in (("real", real), ("synthetic", synth)):
                v = numeric_values(f[c])
                codes[k][c] = np.where(np.isfinite(v), np.searchsorted(edges, v, side="right"), len(edges) + 1)
        else:
            labels = _top_labels(_text(real[c]), PAIR_TOP_LABELS)
            index = {label: i for i, label in enumerate(labels)}
            index[MISSING] = len(labels) + 1
            n_codes[c] = len(labels) + 2
            for k, f in (("real", real), ("synthetic", synth)):
                codes[k][c] = _text(f[c]).replace_strict(index, default=len(labels), return_dtype=pl.Int64).to_numpy()
    return codes, n_codes


def _joint_tvd(codes: dict, a: str, b: str, n_codes: dict[str, int]) -> float:
    size = n_codes[a] * n_codes[b]
    p = [np.bincount(codes[k][a] * n_codes[b] + codes[k][b], minlength=size) / len(codes[k][a]) for k in codes]
    return min(1.0, 0.5 * float(np.abs(p[0] - p[1]).sum()))


def _corr(x: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix over pairwise-complete rows; undefined entries are 0."""
    present = np.isfinite(x)
    m = present.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, x, 0.0).sum(0) / np.maximum(present.sum(0), 1)
        centred = np.where(present, x - mean, 0.0)
        n = m.T @ m
        sx = centred.T @ m  # sx[i, j]: sum of column i over the rows where i and j are present
        sxx = (centred**2).T @ m
        cov = centred.T @ centred - sx * sx.T / n
        var = sxx - sx**2 / n
        r = cov / np.sqrt(var * var.T)
    r = np.clip(np.nan_to_num(r, nan=0.0, posinf=0.0, neginf=0.0), -1, 1)
    np.fill_diagonal(r, 1.0)
    return r


def _ranks(v: np.ndarray) -> np.ndarray:
    """Average ranks of the finite values (ranked over the column's finite values), NaN elsewhere."""
    finite = np.isfinite(v)
    out = np.full(len(v), np.nan)
    out[finite] = stats.rankdata(v[finite])
    return out


def _cramers_v(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013) of two code arrays."""
    n = len(a)
    table = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb).astype(float)
    table = table[table.sum(1) > 0][:, table.sum(0) > 0]
    r, k = table.shape
    if r < 2 or k < 2 or n < 2:
        return 0.0
    expected = np.outer(table.sum(1), table.sum(0)) / n
    phi2 = float(((table - expected) ** 2 / expected).sum()) / n
    phi2 = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    rc, kc = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    denominator = min(rc - 1, kc - 1)
    return float(np.sqrt(min(1.0, phi2 / denominator))) if denominator > 0 else 0.0


def _eta(y: np.ndarray, group: np.ndarray, k: int) -> float:
    """Correlation ratio: sqrt(between-group / total sum of squares) over rows with y present."""
    present = np.isfinite(y)
    y, group = y[present], group[present]
    if len(y) < 2:
        return 0.0
    centred = y - y.mean()
    total = float((centred**2).sum())
    if total <= 0:
        return 0.0
    count = np.bincount(group, minlength=k)
    sums = np.bincount(group, weights=centred, minlength=k)
    between = float((sums[count > 0] ** 2 / count[count > 0]).sum())
    return float(np.sqrt(min(1.0, between / total)))


# ------------------------------------------------------------------ distinguishability


def _distinguishability(data: EvalData, real: pl.DataFrame, synth: pl.DataFrame, seed: int, max_rows: int) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

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


# ------------------------------------------------------------------------ ML efficacy


def _ml_efficacy(data: EvalData, target: str, seed: int, max_rows: int) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

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
    if classify:
        keep = _top_labels(_text(data.real[target]), PAIR_TOP_LABELS)
        ys = {
            k: _pool(_text(f[target]), keep).to_numpy()
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
