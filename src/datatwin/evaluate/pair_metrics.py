"""Pairwise utility metrics: associations between columns and two-way marginals.

The ``pairs`` and ``pair_trend`` parts of :func:`~datatwin.evaluate.utility.utility_scores`;
the definitions are in :mod:`datatwin.evaluate.utility`. Associations are Pearson's r (two
numeric columns), bias-corrected Cramér's V (two categorical ones) and the correlation ratio
(a mixed pair); Spearman's rho is reported beside Pearson's r.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from datatwin.evaluate.column_metrics import MISSING, label_text, top_labels
from datatwin.evaluate.prepare import NUMERIC_KINDS, EvalData, numeric_values, subsample

#: pair metrics look at the first this-many columns only (50 -> 1225 pairs)
PAIR_MAX_COLUMNS = 50
PAIR_BINS = 10
PAIR_TOP_LABELS = 20
#: below this total distance from independence (mean per pair) the real data has no relationships to keep
NO_RELATIONSHIPS = 0.02
#: the relationships listed in ``relationships.strongest``
STRONGEST_SHOWN = 5


def pair_scores(data: EvalData, real: pl.DataFrame, synth: pl.DataFrame, seed: int, rows: int) -> tuple[dict, int]:
    """Association matrices, two-way marginals and the ``pair_trend`` score of the first columns.

    Parameters
    ----------
    data : EvalData
        The aligned frames (their kinds decide the association measure of each pair).
    real, synth : polars.DataFrame
        The real and synthetic frames, categories as text (:func:`~datatwin.evaluate.prepare.as_text`).
    seed : int
        Seed of the subsample, the same for both frames (so a copy scores 1).
    rows : int
        At most this many rows of each frame are used.

    Returns
    -------
    (dict, int)
        The ``pairs`` scores (``score`` is ``pair_trend``; None for fewer than two columns)
        and the number of real rows used.

    Notes
    -----
    ``relationships`` compares the synthetic associations with those of *independent
    columns*: the real columns each permuted on their own (same rows, same marginals, no
    dependence), the table an independent model would ideally produce. With ``d(X, Y)`` the
    sum over pairs of the association differences (halved for Pearson's r, as in the pair
    score), ``kept = 1 - d(S, R) / d(I, R)`` clipped to [0, 1]: 1 = the synthetic
    associations are the real ones, 0 = they are no closer to the real ones than those of
    independent columns (or further). None when the real data itself is nearly independent
    (``d(I, R)`` below :data:`NO_RELATIONSHIPS` per pair). ``pair_trend_independent`` is the
    pair_trend the independent columns get against the real data: the floor that
    ``pair_trend`` should be read against.
    """
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
    # independent columns: each real column permuted on its own
    rng = np.random.default_rng(seed)
    perm = {c: rng.permutation(real.height) for c in names}
    values["independent"] = {c: values["real"][c][perm[c]] for c in numeric}
    codes["independent"] = {c: codes["real"][c][perm[c]] for c in names}
    frames = {**frames, "independent": real}
    pearson = {k: _corr(np.column_stack([v[c] for c in numeric])) if numeric else None for k, v in values.items()}
    spearman = {
        k: _corr(np.column_stack([_ranks(v[c]) for c in numeric])) if numeric else None
        for k, v in values.items() if k != "independent"
    }
    where = {c: i for i, c in enumerate(numeric)}

    p = len(names)
    assoc = {k: np.eye(p) for k in frames}
    method = [["" for _ in names] for _ in names]
    tvd = np.zeros((p, p))
    records = []
    independent: list[tuple[float, float, float]] = []  # (d(S, R), d(I, R), pair score of I) per pair
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
        tvd[i, j] = tvd[j, i] = _joint_tvd(codes, "synthetic", a, b, n_codes)
        diff = abs(assoc["real"][i, j] - assoc["synthetic"][i, j])
        scaled = diff / 2 if kind == "nn" else diff
        from_independent = abs(assoc["real"][i, j] - assoc["independent"][i, j]) / (2 if kind == "nn" else 1)
        independent.append((scaled, from_independent, 1 - (from_independent + _joint_tvd(codes, "independent", a, b,
                                                                                         n_codes)) / 2))
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
        "relationships": _relationships(names, assoc, records, independent),
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


def _relationships(names: list[str], assoc: dict[str, np.ndarray], records: list[dict],
                   independent: list[tuple[float, float, float]]) -> dict[str, Any]:
    """How much of the real data's dependence between columns the synthetic data keeps (see pair_scores)."""
    d_synth, d_indep, indep_score = (np.array(v) for v in zip(*independent))
    total = float(d_indep.sum())
    kept = None if total < NO_RELATIONSHIPS * len(d_indep) else float(np.clip(1 - d_synth.sum() / total, 0, 1))
    where = {c: i for i, c in enumerate(names)}
    strongest = []
    for k in np.argsort(-d_indep, kind="stable")[:STRONGEST_SHOWN]:
        a, b = records[k]["columns"]
        i, j = where[a], where[b]
        strongest.append({"columns": [a, b], "real": float(assoc["real"][i, j]),
                          "synthetic": float(assoc["synthetic"][i, j]),
                          "independent": float(assoc["independent"][i, j])})
    return {
        "kept": kept,
        "synthetic_from_real": float(d_synth.mean()),
        "independent_from_real": float(d_indep.mean()),
        "pair_trend_independent": float(indep_score.mean()),
        "strongest": strongest,
    }


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
            labels = top_labels(label_text(real[c]), PAIR_TOP_LABELS)
            index = {label: i for i, label in enumerate(labels)}
            index[MISSING] = len(labels) + 1
            n_codes[c] = len(labels) + 2
            for k, f in (("real", real), ("synthetic", synth)):
                text = label_text(f[c])
                codes[k][c] = text.replace_strict(index, default=len(labels), return_dtype=pl.Int64).to_numpy()
    return codes, n_codes


def _joint_tvd(codes: dict, other: str, a: str, b: str, n_codes: dict[str, int]) -> float:
    """TVD of the two-way marginal of columns ``a`` and ``b``: real against frame ``other``."""
    size = n_codes[a] * n_codes[b]
    p = [np.bincount(codes[k][a] * n_codes[b] + codes[k][b], minlength=size) / len(codes[k][a])
         for k in ("real", other)]
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

