"""Utility metrics: sanity properties on small frames with a known answer, and adult.csv."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from scipy import stats

import datatwin as dt
from datatwin.evaluate.prepare import align
from datatwin.evaluate.utility import utility_scores


def scores(real, synth, holdout=None, target=None, max_rows=2_000):
    return utility_scores(align(real, synth, holdout), target=target, seed=0, max_rows=max_rows)


def related_frame(n: int = 1_500, seed: int = 0) -> pl.DataFrame:
    """Columns that depend on each other, with missing values and a Categorical column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(10, 2, n)
    y = 3 * x + rng.normal(0, 1, n)
    group = np.where(x > 11, "high", np.where(x > 9, "mid", "low"))
    flag = (group == "high") ^ (rng.random(n) < 0.1)
    colour = np.where(flag, rng.choice(["red", "blue"], n), rng.choice(["green", "yellow"], n))
    day = np.datetime64("2020-01-01") + (x * 10).astype(int)
    frame = pl.DataFrame(
        {
            "x": x,
            "y": y,
            "group": group,
            "flag": flag,
            "colour": pl.Series(colour).cast(pl.Categorical),
            "day": pl.Series(day.astype("datetime64[D]")),
        }
    )
    missing = pl.Series(rng.random(n) < 0.1)
    return frame.with_columns(
        pl.when(missing).then(None).otherwise(pl.col("y")).alias("y"),
        pl.when(missing.shift(1, fill_value=False)).then(None).otherwise(pl.col("colour")).alias("colour"),
    )


def shuffle_columns(frame: pl.DataFrame, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame([frame[c].gather(rng.permutation(frame.height)) for c in frame.columns])


def noise_like(frame: pl.DataFrame, seed: int = 2) -> pl.DataFrame:
    """Uniform numbers in [0, 1) and random labels the real data never uses."""
    rng = np.random.default_rng(seed)
    n, out = frame.height, {}
    for c in frame.columns:
        if frame[c].dtype.is_numeric():
            out[c] = rng.random(n)
        elif frame[c].dtype == pl.Boolean:
            out[c] = rng.random(n) < 0.5
        elif frame[c].dtype == pl.Date:
            out[c] = pl.Series(np.datetime64("1990-01-01") + rng.integers(0, 5000, n)).cast(pl.Date)
        else:
            out[c] = rng.choice([f"noise{i}" for i in range(7)], n)
    return pl.DataFrame(out)


def all_scores(tree) -> list[float]:
    """Every value under a key named score or overall, wherever it sits."""
    found = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == "sample_sizes":
                continue
            if k in ("score", "overall", "column_shape", "pair_trend", "value", "kept") and isinstance(v, (int, float)):
                found.append(v)
            if k == "interval" and v is not None:
                found += list(v)
            found += all_scores(v)
    elif isinstance(tree, list):
        for v in tree:
            found += all_scores(v)
    return found


@pytest.fixture(scope="module")
def real() -> pl.DataFrame:
    return related_frame()


@pytest.fixture(scope="module")
def self_scores(real):
    return scores(real, real, target="group")


def test_real_against_itself_is_perfect(self_scores):
    assert all(col["score"] == 1.0 for col in self_scores["columns"].values())
    assert self_scores["column_shape"] == 1.0
    assert self_scores["pair_trend"] == pytest.approx(1.0)
    assert self_scores["pairs"]["association"]["mean_abs_diff"] == pytest.approx(0.0, abs=1e-12)
    assert self_scores["distinguishability"]["score"] > 0.97
    assert self_scores["ml_efficacy"]["score"] > 0.95
    assert self_scores["overall"] > 0.98


def test_shuffled_columns_keep_columns_but_lose_pairs(real, self_scores):
    shuffled = scores(real, shuffle_columns(real), target="group")
    assert all(col["score"] == pytest.approx(1.0) for col in shuffled["columns"].values())
    assert shuffled["pair_trend"] < self_scores["pair_trend"] - 0.15
    assert shuffled["distinguishability"]["score"] < self_scores["distinguishability"]["score"] - 0.3
    assert shuffled["ml_efficacy"]["score"] < 0.3  # the target no longer depends on anything
    assert shuffled["overall"] < self_scores["overall"] - 0.2
    # the pairs reported as worst kept are strongly related in the real data
    assoc = shuffled["pairs"]["association"]
    where = {c: i for i, c in enumerate(assoc["columns"])}
    for pair in shuffled["pairs"]["worst"][:3]:
        a, b = (where[c] for c in pair["columns"])
        assert abs(assoc["real"][a][b]) > 0.5 and abs(assoc["synthetic"][a][b]) < 0.2


def test_pure_noise_is_poor_everywhere(real):
    noise = scores(real, noise_like(real), target="group")
    assert all(col["score"] < 0.05 for name, col in noise["columns"].items() if name != "flag")
    assert noise["column_shape"] < 0.3
    assert noise["pair_trend"] < 0.5
    assert noise["distinguishability"]["score"] < 0.1
    assert noise["ml_efficacy"]["score"] < 0.2
    assert noise["overall"] < 0.3


def test_every_score_lies_in_the_unit_interval_and_exports_as_json(real):
    frames = [real, shuffle_columns(real), noise_like(real)]
    for synth in frames:
        result = scores(real, synth, target="x")
        values = all_scores(result)
        assert len(values) > 20
        assert all(0.0 <= v <= 1.0 for v in values)
        json.dumps(result, allow_nan=False)  # plain numbers, no NaN


def test_ml_efficacy_only_with_a_target(real):
    assert scores(real, real)["ml_efficacy"] is None
    classification = scores(real, real, target="flag")["ml_efficacy"]
    assert classification["task"] == "classification"
    assert {"accuracy", "roc_auc"} <= set(classification["real"])
    regression = scores(real, real, target="y")["ml_efficacy"]
    assert regression["task"] == "regression"
    assert regression["real"]["r2"] > 0.9  # y = 3x + noise
    assert regression["rows"]["test"] == round(0.3 * real["y"].drop_nulls().len())
    assert "held out" in regression["test_set"]


def test_a_holdout_is_used_as_the_test_set(real):
    holdout = related_frame(n=600, seed=5)
    result = scores(real, real, holdout=holdout, target="group")["ml_efficacy"]
    assert result["test_set"] == "holdout"
    assert result["rows"]["test"] == 600
    assert result["rows"]["train_real"] == real.height


def test_multiclass_auc_is_macro_one_vs_rest(real):
    result = scores(real, real, target="colour")["ml_efficacy"]  # red/blue/green/yellow + missing
    assert result["real"]["roc_auc"] is not None
    assert 0.5 < result["real"]["roc_auc"] <= 1.0


def test_column_metrics_follow_their_definitions():
    real = pl.DataFrame({"v": [1.0, 2.0, 3.0, 4.0, None, 6.0, 7.0, 8.0], "c": ["a"] * 4 + ["b"] * 4})
    synth = pl.DataFrame({"v": [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], "c": ["a"] * 6 + ["b", None]})
    cols = scores(real, synth)["columns"]
    rv, sv = real["v"].drop_nulls().to_numpy(), synth["v"].to_numpy()
    assert cols["v"]["ks"] == pytest.approx(stats.ks_2samp(rv, sv).statistic)
    assert cols["v"]["wasserstein"] == pytest.approx(stats.wasserstein_distance(rv, sv) / 7.0)
    assert cols["v"]["missing_diff"] == pytest.approx(1 / 8)
    assert cols["v"]["score"] == pytest.approx(1 - max(cols["v"]["ks"], 1 / 8))
    assert cols["v"]["stats"]["real"]["max"] == 8.0 and cols["v"]["stats"]["synthetic"]["max"] == 9.0
    # shares a: 1/2 vs 3/4, b: 1/2 vs 1/8, missing: 0 vs 1/8 -> TVD = (1/4 + 3/8 + 1/8) / 2
    assert cols["c"]["tvd"] == pytest.approx(0.375)
    assert cols["c"]["score"] == pytest.approx(0.625)
    top = {row["label"]: (row["real"], row["synthetic"]) for row in cols["c"]["top"]}
    assert top["<missing>"] == (0.0, 0.125)


def test_associations_match_their_textbook_values():
    rng = np.random.default_rng(3)
    n = 4_000
    x = rng.normal(size=n)
    y = np.where(rng.random(n) < 0.2, np.nan, x + rng.normal(size=n))
    a = rng.choice(["p", "q", "r"], n)
    frame = pl.DataFrame(
        {
            "x": x,
            "y": y,
            "a": a,
            "a2": a,
            "b": rng.choice(["u", "v"], n),
            "z": np.where(a == "p", 5.0, 0.0) + rng.normal(size=n),
        }
    )
    result = scores(frame, frame)["pairs"]["association"]
    assoc = {
        (r, c): result["real"][i][j] for i, r in enumerate(result["columns"]) for j, c in enumerate(result["columns"])
    }
    method = {
        (r, c): result["method"][i][j] for i, r in enumerate(result["columns"]) for j, c in enumerate(result["columns"])
    }
    ok = ~np.isnan(y)
    assert assoc["x", "y"] == pytest.approx(np.corrcoef(x[ok], y[ok])[0, 1], abs=1e-6)
    assert method["x", "y"] == "pearson"
    assert assoc["a", "a2"] == pytest.approx(1.0, abs=1e-3) and method["a", "a2"] == "cramers_v"
    assert assoc["a", "b"] < 0.05  # independent: the bias correction brings V near 0
    z = frame["z"].to_numpy()
    means = {g: z[a == g].mean() for g in "pqr"}
    between = sum((a == g).sum() * (m - z.mean()) ** 2 for g, m in means.items())
    assert assoc["z", "a"] == pytest.approx(np.sqrt(between / ((z - z.mean()) ** 2).sum()), abs=1e-6)
    assert method["z", "a"] == "correlation_ratio"


def test_awkward_columns_need_no_encoding():
    rng = np.random.default_rng(4)
    n = 800
    real = pl.DataFrame(
        {
            "const": [7] * n,
            "empty": pl.Series([None] * n, dtype=pl.Float64),
            "ids": [f"id{i}" for i in range(n)],  # high cardinality: kind "string"
            "word": rng.choice([f"w{i}" for i in range(300)], n),
            "level": pl.Series(rng.choice(["lo", "hi"], n)).cast(pl.Enum(["lo", "hi", "max"])),
            "v": rng.normal(size=n),
            "stamp": pl.Series(
                (np.datetime64("2021-01-01T00:00") + rng.integers(0, 10**6, n).astype("timedelta64[s]")).astype(
                    "datetime64[us]"
                )
            ),
        }
    )
    synth = real.with_columns(
        pl.Series("ids", [f"new{i}" for i in range(n)]),
        pl.Series("empty", rng.normal(size=n)),
        pl.Series("const", rng.integers(0, 3, n)),
    )
    result = scores(real, synth, target="level")
    json.dumps(result, allow_nan=False)
    cols = result["columns"]
    assert cols["empty"]["ks"] == 1.0 and cols["empty"]["score"] == 0.0
    assert cols["ids"]["score"] > 0.9  # new unique ids are as good as the old unique ids
    assert cols["const"]["score"] < 0.5
    assert isinstance(cols["stamp"]["stats"]["real"]["median"], str)  # temporal values shown as times
    assert all(0 <= v <= 1 for v in all_scores(result))


def test_wide_tables_pair_only_the_first_fifty_columns():
    rng = np.random.default_rng(6)
    wide = pl.DataFrame({f"c{i}": rng.normal(size=100) for i in range(60)})
    pairs = scores(wide, wide)["pairs"]
    assert pairs["n_columns"] == 60
    assert len(pairs["columns"]) == 50 and pairs["n_pairs"] == 1225
    assert "first 50" in pairs["note"]


def test_unknown_target_is_named():
    frame = pl.DataFrame({"a": [1, 2, 3]})
    with pytest.raises(dt.DataError, match="'nope'"):
        scores(frame, frame, target="nope")


def test_adult_independent_model_keeps_columns_not_relations(adult_path):
    real = pl.read_csv(adult_path, null_values=["?"])
    synth = dt.fit(real).sample(real.height, seed=1)
    same = scores(real, real, target="class", max_rows=5_000)
    indep = scores(real, synth, target="class", max_rows=5_000)
    assert same["overall"] > 0.98 and same["column_shape"] == 1.0
    assert indep["column_shape"] > 0.95  # the independent model fits each column
    assert indep["pair_trend"] < same["pair_trend"] - 0.05
    assert indep["distinguishability"]["score"] < same["distinguishability"]["score"] - 0.1
    assert indep["ml_efficacy"]["score"] < 0.2  # class is drawn independently of the features
    assert indep["pairs"]["n_pairs"] == 105
    assert indep["sample_sizes"]["distinguishability"] == 5_000
