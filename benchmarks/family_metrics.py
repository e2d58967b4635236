"""Utility and copy metrics for the family benchmark: every synthetic frame is compared with
a real holdout the models never saw. Definitions (kept here, not in datatwin, so that every
tool is scored by the same code):

- **mean 2-way TVD**: for every pair of columns, the total variation distance between the
  holdout's and the synthetic frame's joint distribution of the pair, numbers binned at the
  holdout's deciles, text at its 20 most frequent labels (+ "other"), missing its own bin;
  averaged over all pairs. Lower is better.
- **column shapes**: 1 - KS statistic (numbers) or 1 - TVD (labels), averaged (higher is better).
- **TSTR ROC AUC**: a histogram gradient-boosting classifier trained on the synthetic rows
  predicts the target on the holdout (train-on-synthetic, test-on-real).
- **copies**: the share of synthetic rows identical to some training row (all columns).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import polars as pl
from scipy import stats

BINS = 10
TOP_LABELS = 20


def _codes(holdout: pl.Series, other: pl.Series) -> tuple[np.ndarray, np.ndarray, int]:
    if holdout.dtype.is_numeric():
        h = holdout.cast(pl.Float64).to_numpy()
        o = other.cast(pl.Float64, strict=False).to_numpy()
        finite = h[np.isfinite(h)]
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, BINS + 1)[1:-1])) if len(finite) else np.zeros(0)
        k = len(edges) + 2
        f = lambda v: np.where(np.isfinite(v), np.searchsorted(edges, v, side="right"), k - 1)  # noqa: E731
        return f(h), f(o), k
    h, o = holdout.cast(pl.String), other.cast(pl.String)
    top = h.drop_nulls().value_counts(sort=True).head(TOP_LABELS)[h.name].to_list()
    index = {label: i for i, label in enumerate(top)}
    k = len(top) + 2
    f = lambda s: s.replace_strict(index, default=len(top), return_dtype=pl.Int64).fill_null(k - 1).to_numpy()  # noqa: E731
    return f(h), f(o), k


def two_way_tvd(holdout: pl.DataFrame, synth: pl.DataFrame) -> float:
    codes = {c: _codes(holdout[c], synth[c]) for c in holdout.columns}
    out = []
    for a, b in combinations(holdout.columns, 2):
        (ha, sa, ka), (hb, sb, kb) = codes[a], codes[b]
        p = np.bincount(ha * kb + hb, minlength=ka * kb) / len(ha)
        q = np.bincount(sa * kb + sb, minlength=ka * kb) / len(sa)
        out.append(0.5 * float(np.abs(p - q).sum()))
    return float(np.mean(out))


def column_shapes(holdout: pl.DataFrame, synth: pl.DataFrame) -> float:
    scores = []
    for c in holdout.columns:
        h, s = holdout[c].drop_nulls(), synth[c].drop_nulls()
        if h.dtype.is_numeric():
            scores.append(1 - float(stats.ks_2samp(h.cast(pl.Float64).to_numpy(), s.cast(pl.Float64).to_numpy()).statistic))
        else:
            p = h.cast(pl.String).value_counts(normalize=True, name="p")
            q = s.cast(pl.String).value_counts(normalize=True, name="q")
            both = p.join(q, on=c, how="full", coalesce=True).fill_null(0.0)
            scores.append(1 - 0.5 * float((both["p"] - both["q"]).abs().sum()))
    return float(np.mean(scores))


def tstr_auc(train: pl.DataFrame, test: pl.DataFrame, target: str, seed: int = 0) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    positive = sorted(test[target].drop_nulls().unique().to_list())[-1]
    features = [c for c in test.columns if c != target]

    def encode(frame: pl.DataFrame) -> np.ndarray:
        cols = []
        for c in features:
            s = frame[c]
            if test[c].dtype.is_numeric():
                cols.append(s.cast(pl.Float64, strict=False).to_numpy())
            else:
                labels = test[c].drop_nulls().unique().sort().to_list()
                index = {label: float(i) for i, label in enumerate(labels)}
                cols.append(s.cast(pl.String).replace_strict(index, default=np.nan, return_dtype=pl.Float64).to_numpy())
        return np.column_stack(cols)

    categorical = [not test[c].dtype.is_numeric() for c in features]
    y = (train[target].cast(pl.String) == str(positive)).fill_null(False).to_numpy()
    if y.all() or not y.any():
        return 0.5
    model = HistGradientBoostingClassifier(categorical_features=categorical, random_state=seed, max_iter=200)
    model.fit(encode(train), y)
    truth = (test[target].cast(pl.String) == str(positive)).fill_null(False).to_numpy()
    return float(roc_auc_score(truth, model.predict_proba(encode(test))[:, 1]))


def copy_share(train: pl.DataFrame, synth: pl.DataFrame) -> float:
    keys = train.select(pl.all().cast(pl.String)).unique()
    s = synth.select(pl.all().cast(pl.String))
    return float(s.join(keys, on=s.columns, how="semi", nulls_equal=True).height / max(s.height, 1))


def joint_missing(frame: pl.DataFrame, a: str, b: str) -> dict[str, float]:
    ma, mb = frame[a].is_null(), frame[b].is_null()
    both = float((ma & mb).mean())
    return {"a": float(ma.mean()), "b": float(mb.mean()), "both": both,
            "b_given_a": both / float(ma.mean()) if float(ma.mean()) > 0 else float("nan")}


def score(train: pl.DataFrame, holdout: pl.DataFrame, synth: pl.DataFrame, target: str | None) -> dict[str, float]:
    synth = synth.select(holdout.columns)
    out = {
        "two_way_tvd": two_way_tvd(holdout, synth),
        "column_shapes": column_shapes(holdout, synth),
        "copies": copy_share(train, synth),
    }
    if target is not None:
        out["tstr_auc"] = tstr_auc(synth, holdout, target)
    return out


def _distance_features(reference: pl.DataFrame, frame: pl.DataFrame) -> np.ndarray:
    """Rows as points: numbers scaled by the reference's interquartile range (missing: its own
    indicator, value at the median), labels one-hot (a different label is distance 1)."""
    cols = []
    for c in reference.columns:
        ref = reference[c]
        if ref.dtype.is_numeric():
            r = ref.cast(pl.Float64).to_numpy()
            v = frame[c].cast(pl.Float64, strict=False).to_numpy()
            finite = r[np.isfinite(r)]
            q1, med, q3 = np.quantile(finite, [0.25, 0.5, 0.75]) if len(finite) else (0.0, 0.0, 1.0)
            scale = (q3 - q1) or (np.std(finite) if len(finite) else 1.0) or 1.0
            miss = ~np.isfinite(v)
            cols.append(np.where(miss, med, v) / scale)
            if (~np.isfinite(r)).any():
                cols.append(miss.astype(float))
        else:
            labels = ref.cast(pl.String).fill_null("\x00missing").unique().sort().to_list()
            s = frame[c].cast(pl.String).fill_null("\x00missing")
            for label in labels:
                cols.append((s == label).to_numpy().astype(float) / np.sqrt(2))
    return np.column_stack(cols)


def dcr_ratio(train: pl.DataFrame, holdout: pl.DataFrame, synth: pl.DataFrame, n: int = 5000, seed: int = 0) -> dict[str, float]:
    """Distance to closest record: the median distance from synthetic rows to their nearest
    training row over the same for holdout rows (``n`` of each). Below 1: synthetic rows sit
    closer to the training people than fresh people do. Also the share of exact matches."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(seed)
    h = holdout[np.sort(rng.choice(holdout.height, min(n, holdout.height), replace=False))]
    s = synth[np.sort(rng.choice(synth.height, min(n, synth.height), replace=False))]
    index = NearestNeighbors(n_neighbors=1).fit(_distance_features(train, train))
    ds = index.kneighbors(_distance_features(train, s))[0][:, 0]
    dh = index.kneighbors(_distance_features(train, h))[0][:, 0]
    return {"dcr_ratio": float(np.median(ds) / max(np.median(dh), 1e-12)),
            "synth_exact": float(np.mean(ds < 1e-9)), "holdout_exact": float(np.mean(dh < 1e-9))}
