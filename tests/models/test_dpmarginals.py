"""The DP marginals family (issue 16): exact under none, every release in the ledger under
dp with the budget spent exactly, fixed strategies, the model file, and bad input."""

from __future__ import annotations

import datetime as _dt
import json
import math

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import ModelFileError, PrivacyError, SpecError
from datatwin.privacy.costs import mechanism_cost


def _pairs(n: int = 4000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2])
    b = np.where(rng.random(n) < 0.8, a, rng.choice(["x", "y", "z"], n))
    age = np.where(a == "x", rng.integers(20, 40, n), rng.integers(40, 80, n))
    return pl.DataFrame({"a": a, "b": b, "age": age, "income": age * 1000.0 + rng.normal(0, 2000, n)})


def _ledger_total(model: dt.Model, unit: str) -> float:
    """The budget the ledger spends, recomputed from each line's noise scale and sensitivity."""
    total = 0.0
    for line in json.loads(model.to_json())["privacy"]["ledger"]:
        if line["mechanism"] is None:
            continue
        cost = mechanism_cost(line["mechanism"], line["sensitivity"], line["scale"], line.get("threshold"),
                              line.get("delta"))
        total += cost.in_unit(unit).rho if unit == "zcdp" else cost.epsilon
    return total


def test_none_keeps_pair_relationships_and_says_not_private() -> None:
    frame = _pairs()
    model = dt.fit(frame, family="marginals")
    synth = model.sample(frame.height, seed=1)
    assert synth.schema == frame.schema
    real_agree = float((frame["a"] == frame["b"]).mean())
    assert abs(float((synth["a"] == synth["b"]).mean()) - real_agree) < 0.03  # exact tree, rounding draws
    assert float(synth.select(pl.corr("age", "income")).item()) > 0.9
    text = "\n".join(model.fitted.describe())
    assert "NOT PRIVATE" in text
    assert not json.loads(model.to_json())["model"]["private"]


@pytest.mark.parametrize("budget", [{"rho": 0.5}, {"epsilon": 3.0}, {"epsilon": 3.0, "delta": 1e-9}])
def test_dp_ledger_adds_up_to_the_budget(budget: dict[str, float]) -> None:
    frame = _pairs()
    policy = dt.privacy.DifferentialPrivacy(**budget)
    model = dt.fit(frame, family=dt.families.Marginals(keysets={"a": ["x", "y", "z"], "b": ["x", "y", "z"]}),
                   privacy=policy)
    unit = "zcdp" if "rho" in budget else "approx"
    amount = budget.get("rho", budget.get("epsilon"))
    # recomputed from noise scales and sensitivities, not copied from the lines' costs
    assert math.isclose(_ledger_total(model, unit), amount, rel_tol=1e-9)
    d = json.loads(model.to_json())
    lines = [x["what"] for x in d["privacy"]["ledger"]]
    section = d["model"]
    assert section["private"]
    for m in section["measurements"]:  # every measured marginal has its line
        assert any(" × ".join(m["columns"]) in w and w.startswith("marginals:") for w in lines)
        assert m["noise_sd"] > 0
    n_edges = sum(1 for t in section["tree"] if t["parent"] is not None)
    assert sum(1 for w in lines if "of the spanning tree" in w) == n_edges == 3  # 4 columns, one component
    picks = [w for w in lines if w.startswith("marginals: pair ")]
    assert len(picks) == sum(1 for m in section["measurements"] if len(m["columns"]) == 2) >= 3  # a choice per pair


def test_dp_keeps_a_strong_association() -> None:
    frame = _pairs(n=20_000)
    model = dt.fit(frame, family=dt.families.Marginals(keysets={"a": ["x", "y", "z"], "b": ["x", "y", "z"]}),
                   privacy=dt.privacy.DifferentialPrivacy(rho=1.0))
    synth = model.sample(20_000, seed=3)
    # cell noise sd is about 5 rows against cells of thousands: a miss of 0.05 is > 20 sd away
    # (false-failure rate far below 1e-6); tree choice under noise is a near-certain a-b edge
    real_agree = float((frame["a"] == frame["b"]).mean())
    assert abs(float((synth["a"] == synth["b"]).mean()) - real_agree) < 0.05


def test_combine_weights_by_inverse_variance() -> None:
    from datatwin.models.dpmarginals.family import _combine

    values, sd = _combine((np.array([10.0, 0.0]), 2.0), (np.array([20.0, 5.0]), 1.0))
    assert np.allclose(values, [18.0, 4.0]) and math.isclose(sd, 1 / math.sqrt(1.25))
    own = (np.array([1.0]), 3.0)
    assert _combine(own, None) is own


def test_columns_own_counts_join_the_one_ways() -> None:
    from datatwin.models.dpmarginals import family as F

    rng = np.random.default_rng(4)
    n = 20_000
    frame = _pairs(n=n).with_columns(
        pl.Series("c", rng.choice(["q", "r", "s"], n, p=[0.7, 0.25, 0.05])).set_sorted()
    ).with_columns(pl.when(pl.Series(rng.random(n) < 0.3)).then(None).otherwise(pl.col("c")).alias("c"))
    keysets = {"a": ["x", "y", "z"], "b": ["x", "y", "z"], "c": ["s", "q", "r"]}  # not in sorted order
    model = dt.fit(frame, family=dt.families.Marginals(keysets=keysets), privacy=dt.privacy.DifferentialPrivacy(rho=1.0))
    section = json.loads(model.to_json())["model"]
    assert section["column_counts"] == ["a", "b", "c"]  # public labels; the binned numeric ones have no counts
    shares = {m["columns"][0]: m["budget_share"] for m in section["measurements"] if len(m["columns"]) == 1}
    d = len(shares)
    assert shares == {"a": F.REUSED_ONE_WAY_SHARE / d, "b": F.REUSED_ONE_WAY_SHARE / d, "c": F.REUSED_ONE_WAY_SHARE / d,
                      "age": F.ONE_WAY_SHARE / d, "income": F.ONE_WAY_SHARE / d}
    assert math.isclose(_ledger_total(model, "zcdp"), 1.0, rel_tol=1e-9)
    assert "combined with the columns' own released counts (3 columns)" in "\n".join(model.fitted.describe())
    # the column's counts laid out by label, missing last: a wrong layout moves a share by >= 0.05;
    # the noise sd on a cell is a few rows of 20,000 (false failure far below 1e-6)
    synth = model.sample(200_000, seed=2)
    real_shares = frame["c"].value_counts(normalize=True).sort("c")
    synth_shares = synth["c"].value_counts(normalize=True).sort("c")
    assert np.allclose(real_shares["proportion"].to_numpy(), synth_shares["proportion"].to_numpy(), atol=0.01)
    assert dt.fit(frame, family=dt.families.Marginals(keysets=keysets)).to_dict()["model"].get("column_counts") is None


def test_fixed_strategy_weights_split_the_budget() -> None:
    frame = _pairs()
    fam = dt.families.Marginals(marginals=[dt.Count(["a"]), dt.Count(["a", "b"], weight=3)],
                                keysets={"a": ["x", "y", "z"], "b": ["x", "y", "z"]})
    model = dt.fit(frame, family=fam, privacy=dt.privacy.DifferentialPrivacy(rho=0.5))
    section = json.loads(model.to_json())["model"]
    shares = {" × ".join(m["columns"]): m["budget_share"] for m in section["measurements"]}
    assert shares == {"a": 0.25, "a × b": 0.75}
    rhos = {line["what"].split(" of ")[1].split(" (")[0]: line["rho"]
            for line in json.loads(model.to_json())["privacy"]["ledger"] if line["what"].startswith("marginals:")}
    assert math.isclose(rhos["a × b"], 3 * rhos["a"], rel_tol=1e-12)
    assert {e["column"] for e in section["independent"]} == {"age", "income"}
    synth = model.sample(4000, seed=0)
    assert abs(float((synth["a"] == synth["b"]).mean()) - float((frame["a"] == frame["b"]).mean())) < 0.05


def test_disclosure_is_refused_with_a_pointer() -> None:
    with pytest.raises(SpecError, match="'dp'.*'none'"):
        dt.fit(_pairs(), family="marginals", privacy=dt.privacy.DisclosureControl(k=5))


def test_library_members_workflow() -> None:
    """Tumult's tutorial shape: identifiers, keysets, monthly date bins, weights."""
    rng = np.random.default_rng(7)
    n = 3000
    gender = rng.choice(["female", "male", "unspecified", "nonbinary"], n, p=[0.5, 0.45, 0.03, 0.02])
    age = rng.integers(5, 100, n)
    joined = [_dt.date(2012, 1, 1) + _dt.timedelta(days=int(d)) for d in rng.integers(0, 3650, n)]
    books = np.clip((age * rng.gamma(2, 2, n)).astype(int), 0, 2000)
    frame = pl.DataFrame({"member_id": np.arange(n), "name": [f"m{i}" for i in range(n)], "gender": gender,
                          "age": age, "date_joined": joined, "books_borrowed": books})
    months = dt.Binning.monthly("2012-01-01", "2022-01-01")
    assert len(months) == 121 and months[1] == "2012-02-01"
    fam = dt.families.Marginals(
        keysets={"gender": ["female", "male", "unspecified", "nonbinary"], "age": range(5, 100)},
        binning={"date_joined": months, "books_borrowed": [0, 10, 50, 100, 500, 2001]},
        marginals=[dt.Count(["gender"]), dt.Count(["age", "gender"], weight=5), dt.Count(["age", "books_borrowed"], weight=5),
                   dt.Count(["date_joined"]), dt.Sum(["gender"], "books_borrowed", weight=5)],
        clamping={"books_borrowed": (0, 2000)},
        identifiers=["member_id", "name"],
    )
    spec = dt.FitSpec(columns={"name": dt.ColumnSpec(exclude=True)})  # free text: DP cannot read it
    model = dt.fit(frame, family=fam, spec=spec, privacy=dt.privacy.DifferentialPrivacy(epsilon=5, delta=1e-6))
    synth = model.sample(5000, seed=1)
    assert synth.columns == [c.name for c in model.columns]
    assert set(synth["gender"].drop_nulls().unique()) <= {"female", "male", "unspecified", "nonbinary"}
    assert synth["gender"].null_count() < 100  # a noisy missing share of a column without missing values
    assert synth["date_joined"].dtype == pl.Date
    assert synth["date_joined"].drop_nulls().min() >= _dt.date(2012, 1, 1)
    assert synth["date_joined"].drop_nulls().max() <= _dt.date(2022, 1, 1)  # the last bin holds its upper edge
    ages = synth["age"].drop_nulls()
    assert synth["age"].dtype == frame["age"].dtype and ages.min() >= 5 and ages.max() <= 99
    # age and books borrowed are related through the measured 2-way (ρ-free check: a sign)
    assert float(synth.select(pl.corr("age", "books_borrowed", method="spearman")).item()) > 0.2
    # grouped sums: each big group's mean books borrowed is the released one (Laplace sd about
    # 2,200 on sums of about 3e5, counts off by tens of rows: a 15 % miss is > 10 sd away)
    real_means = frame.group_by("gender").agg(pl.col("books_borrowed").mean())
    synth_means = synth.drop_nulls("gender").group_by("gender").agg(pl.col("books_borrowed").mean())
    both = real_means.join(synth_means, on="gender").filter(pl.col("gender").is_in(["female", "male"]))
    assert ((both["books_borrowed"] - both["books_borrowed_right"]).abs() / both["books_borrowed"] < 0.15).all()
    assert synth["books_borrowed"].drop_nulls().min() >= 0 and synth["books_borrowed"].drop_nulls().max() <= 2000
    assert "grouped sums matched" in "\n".join(model.fitted.describe())
    again = dt.Model.from_dict(json.loads(model.to_json()))
    assert again.sample(100, seed=2).equals(model.sample(100, seed=2))


def test_binned_values_keep_dtype_range_and_missing_share() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    x = rng.normal(0, 1, n)
    frame = pl.DataFrame({"x": pl.Series(np.where(rng.random(n) < 0.2, np.nan, x)).fill_nan(None),
                          "k": rng.integers(0, 5, n), "when": [_dt.date(2020, 1, 1) + _dt.timedelta(days=int(d))
                                                               for d in rng.integers(0, 365, n)]})
    model = dt.fit(frame, family=dt.families.Marginals(binning={"x": [-5, -1, 0, 1, 5]}))
    synth = model.sample(n, seed=0)
    assert synth.schema == frame.schema
    assert abs(synth["x"].null_count() / n - frame["x"].null_count() / n) < 0.02
    assert synth["x"].drop_nulls().min() >= -5 and synth["x"].drop_nulls().max() <= 5
    assert set(synth["k"].unique().to_list()) <= set(range(5))


# -- the model file ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda m: m["tree"][0].__setitem__("probabilities", [0.5] * len(m["tree"][0]["probabilities"])),
         "$.model.tree[0].probabilities"),
        (lambda m: m["tree"][1].__setitem__("parent", "nope"), "$.model.tree[1].parent"),
        (lambda m: m["domains"][2].__setitem__("edges", [3, 2, 1]), "$.model.domains[2].edges"),
        (lambda m: m["domains"][0].__setitem__("labels", [1, 2, 3]), "$.model.domains[0].labels"),
        (lambda m: m["measurements"][0].__setitem__("values", [1.0]), "$.model.measurements[0].values"),
        (lambda m: m.__setitem__("column_counts", ["nope"]), "$.model.column_counts[0]"),
    ],
)
def test_hand_edits_are_refused_with_a_path(edit, path) -> None:  # type: ignore[no-untyped-def]
    model = dt.fit(_pairs(), family="marginals")
    d = json.loads(model.to_json())
    edit(d["model"])
    with pytest.raises(ModelFileError) as info:
        dt.Model.from_dict(d)
    assert info.value.path.startswith(path)


def test_inspect_summary_names_marginals_shares_and_noise() -> None:
    model = dt.fit(_pairs(), family="marginals", privacy=dt.privacy.DifferentialPrivacy(epsilon=3, delta=1e-9))
    summary = model.fitted.summary()
    assert summary.columns == ["marginal", "cells", "budget_share", "noise_sd", "in_tree"]
    assert summary.height >= 4 + 3 and (summary["noise_sd"] > 0).all()  # 1-ways, 2-ways (and any 3-ways)
    assert "noise" in model.fitted.describe()[0]


def test_family_options_from_a_spec() -> None:
    from datatwin.models.registry import make_family

    fam = make_family("marginals", {"marginals": [{"count": ["a", "b"], "weight": 2}], "keysets": {"a": ["x", "y", "z"]}})
    assert fam.strategy == [dt.Count(["a", "b"], weight=2)]


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("family", "message"),
    [
        (lambda: dt.families.Marginals(keysets={"a": [1, 2, 3]}), r"keysets\['a'\].*not text"),
        (lambda: dt.families.Marginals(keysets={"age": ["young"]}), r"keysets\['age'\].*not numbers"),
        (lambda: dt.families.Marginals(binning={"income": [10, 5, 20]}), r"binning\['income'\].*strictly increasing"),
        (lambda: dt.families.Marginals(binning={"a": [0, 1]}), r"binning\['a'\].*categorical"),
        (lambda: dt.families.Marginals(marginals=[dt.Count(["a", "nope"])]), r"unknown column 'nope'"),
        (lambda: dt.families.Marginals(marginals=[dt.Count(["a", "income"])]), r"'income' has no public domain.*binning"),
        (lambda: dt.families.Marginals(keysets={"nope": [1]}), r"keysets\['nope'\]: unknown column"),
        (lambda: dt.families.Marginals(identifiers=["nope"]), r"identifiers: unknown column"),
        (lambda: dt.families.Marginals(marginals=[dt.Count(["a"]), dt.Sum(["a"], "b")]), r"measure column 'b' is categorical"),
        (lambda: dt.families.Marginals(marginals=[dt.Count(["a"]), dt.Sum(["a"], "income")]), r"clamping=\{'income'"),
        (lambda: dt.families.Marginals(marginals=[dt.Count(["b"]), dt.Sum(["a"], "income")], clamping={"income": (0, 1e5)}),
         r"group column 'a' must also be in a Count"),
        (lambda: dt.families.Marginals(marginals=[dt.Count(["a"]), dt.Sum(["a"], "income")], clamping={"income": (0, 1e5)},
                                       binning={"income": [0, 1e4, 5e4]}), r"binning\['income'\].*do not cover the clamping"),
        (lambda: dt.families.Marginals(clamping={"nope": (0, 1)}), r"clamping\['nope'\]: unknown column"),
        (lambda: dt.families.Marginals(keysets={"age": range(0, 2000)}, binning={"income": list(range(0, 100_000, 10))},
                                       marginals=[dt.Count(["age", "income"])]), r"more than the limit of 1,000,000.*bin"),
    ],
)
def test_bad_settings_name_the_setting(family, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError, match=message):
        dt.fit(_pairs(), family=family())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: dt.Count(["a"], weight=0), "'weight' must be a number > 0"),
        (lambda: dt.Count(["a"], weight=-1), "'weight' must be a number > 0"),
        (lambda: dt.Count(["a", "b", "c", "d"]), "at most 3 columns"),
        (lambda: dt.Count([]), "1 to 3 column names"),
        (lambda: dt.families.Marginals(marginals="all"), "'auto' or a list"),
        (lambda: dt.families.Marginals(bins=1), "'bins'"),
        (lambda: dt.families.Marginals(budget_weight=0), "'budget_weight'"),
        (lambda: dt.families.Marginals(clamping={"income": (10, 1)}), r"clamping\['income'\]: lower \(10\) is above upper"),
        (lambda: dt.families.Marginals(clamping={"income": (0,)}), r"clamping\['income'\]: give \(lower, upper\)"),
        (lambda: dt.Sum(["a"], "a"), "other than the group columns"),
        (lambda: dt.Sum(["a"], "x", weight=0), "'weight' must be a number > 0"),
        (lambda: dt.families.Marginals(within="middle"), "'within'"),
    ],
)
def test_bad_constructor_arguments(make, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError, match=message):
        make()


def test_a_budget_too_small_names_the_minimum() -> None:
    with pytest.raises(PrivacyError, match="use at least"):
        dt.fit(_pairs(n=300), family="marginals", privacy=dt.privacy.DifferentialPrivacy(epsilon=1e-3, delta=1e-9))


def test_a_saved_dp_file_validates_and_samples_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = dt.fit(_pairs(), family="marginals", privacy=dt.privacy.DifferentialPrivacy(epsilon=3, delta=1e-9))
    path = tmp_path / "m.json"
    model.save(path)
    again = dt.validate(path)  # re-adds the ledger: gumbel_max / exponential lines included
    assert again.sample(50, seed=4).equals(model.sample(50, seed=4))


@pytest.mark.parametrize("budget", [{"rho": 0.5}, {"epsilon": 3.0}, {"epsilon": 3.0, "delta": 1e-9}])
def test_validate_refuses_a_measurement_without_its_ledger_line(budget: dict[str, float]) -> None:
    model = dt.fit(_pairs(), family=dt.families.Marginals(keysets={"a": ["x", "y", "z"], "b": ["x", "y", "z"]}),
                   privacy=dt.privacy.DifferentialPrivacy(**budget))
    d = json.loads(model.to_json())
    dt.Model.from_dict(json.loads(model.to_json()))  # as written: every measurement has its line
    pair = next(i for i, m in enumerate(d["model"]["measurements"]) if len(m["columns"]) == 2)

    quieter = json.loads(model.to_json())  # a measurement claiming less noise than its line drew
    quieter["model"]["measurements"][pair]["noise_sd"] /= 2
    with pytest.raises(ModelFileError, match=r"measurement \d+ .*states noise sd .*its lines have noise sd") as err:
        dt.Model.from_dict(quieter)
    assert err.value.path == f"$.model.measurements[{pair}]"

    repeated = json.loads(model.to_json())  # the same marginal twice, paid for once
    repeated["model"]["measurements"].append(repeated["model"]["measurements"][pair])
    with pytest.raises(ModelFileError, match="without its ledger line"):
        dt.Model.from_dict(repeated)

    unpaid = json.loads(model.to_json())  # the line removed, and the totals made to add up again
    what = "marginals: " + "2-way marginal of " + " × ".join(d["model"]["measurements"][pair]["columns"])
    lines = unpaid["privacy"]["ledger"]
    line = next(x for x in lines if x["what"].startswith(what))
    lines.remove(line)
    for key in ("epsilon", "delta", "rho"):
        if key in unpaid["privacy"]["spent"]:
            unpaid["privacy"]["spent"][key] = math.fsum(x.get(key, 0.0) or 0.0 for x in lines)
    with pytest.raises(ModelFileError, match="there is no such line"):
        dt.Model.from_dict(unpaid)


def test_validate_derives_the_marginals_lines_sensitivity() -> None:
    model = dt.fit(_pairs(), family=dt.families.Marginals(keysets={"a": ["x", "y", "z"], "b": ["x", "y", "z"]}),
                   privacy=dt.privacy.DifferentialPrivacy(epsilon=3.0))
    for start in ("marginals: 2-way marginal of", "marginals: pair 1 of"):
        d = json.loads(model.to_json())
        line = next(x for x in d["privacy"]["ledger"] if x["what"].startswith(start))
        assert line["sensitivity"] == 1.0
        eps = line["epsilon"]  # halved with the sensitivity: the line's own cost check passes
        line["sensitivity"], line["epsilon"] = 0.5, eps / 2
        d["privacy"]["spent"]["epsilon"] -= eps / 2
        with pytest.raises(ModelFileError, match=r"sensitivity 1 under add/remove-one-row"):
            dt.Model.from_dict(d)


def test_gumbel_max_costs_what_opendp_says_and_picks_a_clear_best() -> None:
    from datatwin.privacy.costs import gumbel_scale
    from datatwin.privacy.mechanisms import _gumbel_max_measurement, gumbel_max

    scale = gumbel_scale(1.0, 0.5)
    assert math.isclose(_gumbel_max_measurement(scale).map(1.0), 0.5, rel_tol=1e-9)
    assert math.isclose(mechanism_cost("gumbel_max", 1.0, scale).rho, 0.5, rel_tol=1e-12)
    # a lead of 200 at scale 1: the Gumbel difference exceeds it with probability < e^-200
    assert all(gumbel_max([0.0, 200.0, 3.0], scale) == 1 for _ in range(5))


def test_a_policy_without_select_refuses_a_choice() -> None:
    from datatwin.privacy.base import PolicySession
    from datatwin.privacy.measurement import Selection

    with pytest.raises(PrivacyError, match="does not make table-wide choices"):
        PolicySession().select(Selection("marginals", "a pair", np.array([1.0, 2.0]), 1.0))
    with pytest.raises(PrivacyError, match="sensitivity"):
        Selection("marginals", "a pair", np.array([1.0]), 0.0)


def test_within_marginal_keeps_a_spike_inside_a_bin() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    gain = np.where(rng.random(n) < 0.9, 0, rng.integers(1, 5000, n))
    frame = pl.DataFrame({"gain": gain, "g": np.where(gain > 0, "rich", "poor")})
    for within, zero_share in (("uniform", (0.0, 0.05)), ("marginal", (0.8, 1.0))):
        fam = dt.families.Marginals(binning={"gain": [0, 2500, 5000]}, within=within)
        synth = dt.fit(frame, family=fam).sample(n, seed=0)
        share = float((synth["gain"] == 0).mean())  # exact fit: the bin [0, 2500) holds 95 % of rows
        assert zero_share[0] <= share <= zero_share[1], (within, share)
        assert synth["gain"].min() >= 0 and synth["gain"].max() <= 5000


def test_binning_edges_are_the_columns_public_bounds_under_dp() -> None:
    # the bin edges are declared public bounds: the column's range is not estimated (no DP bounds release)
    rng = np.random.default_rng(2)
    frame = pl.DataFrame({"x": rng.normal(50, 10, 400), "k": rng.choice(["a", "b"], 400)})
    fam = dt.families.Marginals(binning={"x": [0, 25, 50, 75, 100]}, keysets={"k": ["a", "b"]})
    model = dt.fit(frame, family=fam, privacy=dt.privacy.DifferentialPrivacy(epsilon=4.0))
    lines = [x["what"] for x in model.privacy["ledger"]]
    assert "x: bounds [0, 100] from the spec" in lines  # public, no DP range estimate
    x = model.sample(1000, seed=0)["x"].drop_nulls()
    assert x.min() >= 0 and x.max() <= 100


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: dt.Binning.equal_width(5, 1, 3), "'lower' .* below 'upper'"),
        (lambda: dt.Binning.log(0, 10, 3), "0 < lower < upper"),
        (lambda: dt.Binning.monthly("2020-01-01", "2019-01-01"), "before 'end'"),
        (lambda: dt.Binning.yearly("someday", "2019-01-01"), "'start' must be a date"),
        (lambda: dt.Binning.equal_width(0, 1, 0), "number of bins"),
    ],
)
def test_binning_helpers_refuse_bad_ranges(make, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError, match=message):
        make()


def test_binning_helpers() -> None:
    assert dt.Binning.yearly("2012-01-01", "2014-06-01") == ["2012-01-01", "2013-01-01", "2014-01-01", "2015-01-01"]
    assert dt.Binning.monthly("2012-11-15", "2013-01-10")[-1] == "2013-02-01"
    assert np.allclose(dt.Binning.log(1, 1000, 3), [1, 10, 100, 1000])


def test_sums_under_none_match_group_means_and_refuse_edits() -> None:
    frame = _pairs()
    fam = dt.families.Marginals(marginals=[dt.Count(["a"]), dt.Sum(["a"], "income")], clamping={"income": (0, 1e5)})
    model = dt.fit(frame, family=fam)
    synth = model.sample(frame.height, seed=0)
    real = frame.group_by("a").agg(pl.col("income").clip(0, 1e5).mean()).sort("a")
    got = synth.group_by("a").agg(pl.col("income").mean()).sort("a")
    assert np.allclose(real["income"].to_numpy(), got["income"].to_numpy(), rtol=0.01)  # exact sums and counts
    d = json.loads(model.to_json())
    d["model"]["sums"][0]["means"][0] = 2e5
    with pytest.raises(ModelFileError) as info:
        dt.Model.from_dict(d)
    assert info.value.path.startswith("$.model.sums[0].means")


def _spent(model: dt.Model, prefix: str) -> float:
    return sum(line["epsilon"] for line in json.loads(model.to_json())["privacy"]["ledger"]
               if line["what"].startswith(prefix) and line.get("epsilon"))


def test_the_familys_share_follows_whether_the_domains_are_public() -> None:
    rng = np.random.default_rng(5)
    frame = pl.DataFrame({"a": rng.choice(["x", "y", "z"], 4000), "b": rng.choice(["x", "y"], 4000)})
    policy = dt.privacy.DifferentialPrivacy(epsilon=1.0, delta=1e-6)
    found = dt.fit(frame, family="marginals", privacy=policy)  # labels by partition selection
    declared = dt.fit(frame, family=dt.families.Marginals(keysets={"a": ["x", "y", "z"], "b": ["x", "y"]}), privacy=policy)
    # weight 1 per column when a column's own release must find its labels, 9 when all are public
    assert math.isclose(_spent(found, "marginals:") / _spent(found, "a:"), 2.0, rel_tol=1e-9)
    assert math.isclose(_spent(declared, "marginals:") / _spent(declared, "a:"), 18.0, rel_tol=1e-9)
    # a missing cell is possible: its noisy count may come out above zero
    assert set(found.sample(1000, seed=0)["a"].drop_nulls().unique()) <= {"x", "y", "z", "other"}


def test_default_domains_keep_small_integers_and_spikes() -> None:
    rng = np.random.default_rng(6)
    n = 20_000
    grade = rng.integers(1, 31, n)  # 30 whole numbers: one cell each, not 16 bins of two or so
    gain = np.where(rng.random(n) < 0.9, 0, rng.integers(100, 100_000, n))  # 90 % zeros
    frame = pl.DataFrame({"grade": grade, "band": np.where(grade > 15, "high", "low"), "gain": gain})
    model = dt.fit(frame, family="marginals")
    domains = {d["column"]: d for d in json.loads(model.to_json())["model"]["domains"]}
    assert domains["grade"]["type"] == "labels" and domains["grade"]["labels"] == list(range(1, 31))
    assert domains["gain"]["type"] == "bins" and domains["gain"]["within"] == "marginal"
    synth = model.sample(50_000, seed=1)
    assert float(((synth["grade"] > 15) == (synth["band"] == "high")).mean()) > 0.995  # exact under none
    assert abs(float((synth["gain"] == 0).mean()) - float((frame["gain"] == 0).mean())) < 0.01
    given = dt.fit(frame, family=dt.families.Marginals(binning={"gain": [0, 1_000, 100_000]}))
    assert {d["column"]: d for d in json.loads(given.to_json())["model"]["domains"]}["gain"]["within"] == "uniform"


def _xor(n: int = 20_000) -> pl.DataFrame:
    """``c`` is a XOR b: every pair of the three columns is independent, only the 3-way table shows it."""
    rng = np.random.default_rng(7)
    a, b = rng.random(n) < 0.5, rng.random(n) < 0.4
    return pl.DataFrame({"a": np.where(a, "p", "q"), "b": np.where(b, "u", "v"), "c": np.where(a ^ b, "yes", "no")})


@pytest.mark.parametrize("policy", [None, "dp"])
def test_a_three_way_count_keeps_what_no_pair_shows(policy: str | None) -> None:
    frame = _xor()
    keysets = {"a": ["p", "q"], "b": ["u", "v"], "c": ["yes", "no"]}
    privacy = dt.privacy.DifferentialPrivacy(rho=1.0) if policy else None

    def agreement(marginals: list[dt.Count]) -> float:
        model = dt.fit(frame, family=dt.families.Marginals(marginals=marginals, keysets=keysets), privacy=privacy)
        s = model.sample(20_000, seed=1)
        return float((((s["a"] == "p") ^ (s["b"] == "u")) == (s["c"] == "yes")).mean())

    # cell noise sd under rho = 1 is about 1 row against cells of thousands: 0.97 is far from a miss
    assert agreement([dt.Count(["a", "b", "c"])]) > 0.97
    assert abs(agreement([dt.Count(["a", "b"]), dt.Count(["a", "c"]), dt.Count(["b", "c"])]) - 0.5) < 0.05


def test_a_three_way_count_is_one_measurement_and_one_ledger_line() -> None:
    fam = dt.families.Marginals(marginals=[dt.Count(["a", "b", "c"]), dt.Count(["a"])],
                                keysets={"a": ["p", "q"], "b": ["u", "v"], "c": ["yes", "no"]})
    model = dt.fit(_xor(4000), family=fam, privacy=dt.privacy.DifferentialPrivacy(rho=0.5))
    d = json.loads(model.to_json())
    size = {dom["column"]: len(dom["labels"]) + dom["missing"] for dom in d["model"]["domains"]}  # a missing cell: noisy
    assert [(m["columns"], m["cells"]) for m in d["model"]["measurements"]] == [
        (["a", "b", "c"], size["a"] * size["b"] * size["c"]), (["a"], size["a"])]
    assert math.isclose(_ledger_total(model, "zcdp"), 0.5, rel_tol=1e-9)
    assert "1 1-way, 0 2-way and 1 3-way marginals measured" in "\n".join(model.fitted.describe())
    dt.Model.from_dict(d)  # the file validates, its ledger lines included
    with pytest.raises(SpecError, match="at most 3 columns"):
        dt.Count(["a", "b", "c", "d"])
