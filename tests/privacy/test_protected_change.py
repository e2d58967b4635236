"""The protected change of the dp policy (issue 16): add/remove one row, or all rows of one ID."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import DatatwinError, ModelFileError, PrivacyError
from datatwin.privacy.dp_column import group_delta
from datatwin.privacy.protected import AddOneRow, AddRowsWithID, protected_change_from, truncate_per_id

MAX_ROWS = 3


def members(n_ids: int = 2000, seed: int = 1) -> pl.DataFrame:
    """IDs with 1..5 rows each, shuffled so an ID's rows are not adjacent."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n_ids), rng.integers(1, 6, n_ids))
    ids = ids[rng.permutation(ids.size)]
    n = ids.size
    return pl.DataFrame({
        "member_id": ids,
        "age": rng.integers(18, 90, n),
        "city": rng.choice(["north", "south", "east"], n),
        "books": rng.normal(20.0, 5.0, n),
    })


def fit(df: pl.DataFrame, family: str, change: Any, epsilon: float = 5.0) -> dict[str, Any]:
    policy = dt.privacy.DifferentialPrivacy(epsilon=epsilon, delta=1e-6, protected_change=change)
    return dt.fit(df, privacy=policy, family=family, spec={"columns": {"member_id": {"exclude": True}}}
                  if change is None else None).to_dict()


def sensitivities(d: dict[str, Any]) -> dict[str, float]:
    return {e["what"]: e["sensitivity"] for e in d["privacy"]["ledger"] if e.get("mechanism")}


# -- the objects ---------------------------------------------------------------------
def test_forms_are_equal() -> None:
    assert protected_change_from(None) == AddOneRow()
    assert protected_change_from("add_one_row") == AddOneRow()
    assert protected_change_from({"id_column": "m", "max_rows": 3}) == AddRowsWithID("m", max_rows=3)
    assert dt.privacy.AddRowsWithID("m", 3).factor == 3


@pytest.mark.parametrize("max_rows", [0, -1, 2.5, "3", True])
def test_max_rows_must_be_a_whole_number(max_rows: Any) -> None:
    with pytest.raises(PrivacyError, match=r"'max_rows'.*whole number >= 1.*'member_id'"):
        AddRowsWithID("member_id", max_rows=max_rows)


@pytest.mark.parametrize("bad", ["add_everything", {"column": "m"}, 3])
def test_bad_forms(bad: Any) -> None:
    with pytest.raises(PrivacyError, match="protected_change"):
        dt.privacy.DifferentialPrivacy(epsilon=1.0, protected_change=bad)


def test_public_row_count_conflicts() -> None:
    with pytest.raises(PrivacyError, match="public_n_rows=True cannot go with"):
        dt.privacy.DifferentialPrivacy(epsilon=1.0, public_n_rows=True,
                                       protected_change=AddRowsWithID("member_id", max_rows=3))


# -- bad input at fit time: from the schema and the spec only --------------------------
def test_missing_id_column_names_it_and_lists_columns() -> None:
    policy = dt.privacy.DifferentialPrivacy(epsilon=5.0, protected_change=AddRowsWithID("memberid", max_rows=3))
    with pytest.raises(DatatwinError, match=r"'memberid' is not in the table; its columns are 'member_id', 'age'"):
        dt.fit(members(50), privacy=policy)


def test_modelled_id_column_conflicts() -> None:
    policy = dt.privacy.DifferentialPrivacy(epsilon=5.0, protected_change=AddRowsWithID("member_id", max_rows=3))
    with pytest.raises(PrivacyError, match=r"'member_id' is the ID .* set exclude = true"):
        dt.fit(members(50), privacy=policy, spec={"columns": {"member_id": {"unique": False, "budget_weight": 2}}})


def test_weights_conflict() -> None:
    df = members(50).with_columns(w=pl.lit(1))
    policy = dt.privacy.DifferentialPrivacy(epsilon=5.0, protected_change=AddRowsWithID("member_id", max_rows=3))
    with pytest.raises(PrivacyError, match=r"one row per record.*'w'"):
        dt.fit(df, privacy=policy, spec={"weight_column": "w"})


# -- truncation --------------------------------------------------------------------------
def test_truncation_keeps_the_first_rows_in_file_order() -> None:
    df = pl.DataFrame({"id": [1, 2, 1, 1, 1, None, None, 2], "v": list(range(8))})
    out = truncate_per_id(df, AddRowsWithID("id", max_rows=2))
    # ID 1 keeps rows 0 and 2, ID 2 rows 1 and 7, the missing ID (one ID) rows 5 and 6
    assert out.columns == ["v"]
    assert out["v"].to_list() == [0, 1, 2, 5, 6, 7]


# -- end to end ----------------------------------------------------------------------------
@pytest.mark.parametrize("family", ["independent", "marginals", "copula"])
def test_sensitivities_scale_and_truncation_counts(family: str, tmp_path: Path) -> None:
    df = members(6000)
    epsilon = 5.0 if family == "independent" else 20.0
    one = fit(df, family, None, epsilon)
    with_id = fit(df, family, AddRowsWithID("member_id", max_rows=MAX_ROWS), epsilon)
    # the ID column never reaches the model
    assert "member_id" not in [c["name"] for c in with_id["columns"]]
    assert with_id["skipped"][0]["name"] == "member_id"
    privacy = with_id["privacy"]
    assert (privacy["neighbours"], privacy["id_column"], privacy["max_rows"]) == (
        "add_remove_rows_with_id", "member_id", MAX_ROWS)
    s1, s3 = sensitivities(one), sensitivities(with_id)
    # a line's detail in brackets (a histogram's bin count) follows its noisy bounds, which
    # differ between the two fits: the lines are matched on what they measure
    b1, b3 = ({w.split(" (")[0]: s for w, s in d.items()} for d in (s1, s3))
    shared = [w for w in b3 if w in b1 and not w.startswith(("copula", "marginals"))]
    assert len(shared) >= 8
    for what in shared:
        assert b3[what] == pytest.approx(MAX_ROWS * b1[what]), what
    shared = [w for w in s3 if w in s1 and not w.startswith(("copula", "marginals"))]
    for what in shared:
        assert s3[what] == pytest.approx(MAX_ROWS * s1[what]), what
    # the family's own statistics are measured at three times the one-row sensitivity too
    fam = [w for w in s3 if w.startswith("marginals") and w in s1]
    assert all(s3[w] == pytest.approx(MAX_ROWS * s1[w]) for w in fam)
    # the whole budget is spent, no more
    assert privacy["spent"]["epsilon"] == pytest.approx(epsilon, rel=1e-9)
    # the noisy row count is that of the truncated table: discrete Laplace of scale b, so
    # |noise| > b ln(2e7) has probability below 1e-7 (false-failure rate); the untruncated
    # table has about 1.25 × as many rows, far outside that margin
    truncated = int(df.group_by("member_id").len()["len"].clip(upper_bound=MAX_ROWS).sum())
    line = next(e for e in privacy["ledger"] if e["what"] == "n_rows: row count")
    assert line["sensitivity"] == MAX_ROWS
    assert abs(with_id["n_rows"] - truncated) <= line["scale"] * math.log(2e7)
    assert truncated < 0.9 * df.height
    path = tmp_path / "m.json"
    path.write_text(json.dumps(with_id))
    loaded = dt.validate(path)
    assert loaded.to_dict()["privacy"]["max_rows"] == MAX_ROWS
    assert "member_id" not in loaded.sample(100, seed=1).columns


def test_partition_selection_group_privacy() -> None:
    """The selection runs at (ε/k, δ/Σe^(iε/k)): for k = 3 the stated δ bounds the group's."""
    eps, k = 1.0, 3
    assert group_delta(eps / k, k) == pytest.approx(1 + math.exp(1 / 3) + math.exp(2 / 3))
    assert group_delta(eps, 1) == 1.0


# -- the audit ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return fit(members(3000), "independent", AddRowsWithID("member_id", max_rows=MAX_ROWS))


def _write(tmp: Path, d: dict[str, Any]) -> Path:
    path = tmp / "edited.json"
    path.write_text(json.dumps(d))
    return path


def test_lowered_max_rows_fails_validate(saved: dict[str, Any], tmp_path: Path) -> None:
    d = json.loads(json.dumps(saved))
    d["privacy"]["max_rows"] = 1
    with pytest.raises(ModelFileError, match=r"sensitivity 1 under add/remove-rows-with-id \(max_rows=1\).*states 3"):
        dt.validate(_write(tmp_path, d))


def test_lowered_sensitivity_fails_validate(saved: dict[str, Any], tmp_path: Path) -> None:
    d = json.loads(json.dumps(saved))
    line = next(e for e in d["privacy"]["ledger"] if e["what"] == "n_rows: row count")
    line["sensitivity"] = 1.0  # and a consistent ε: the cost check alone would pass
    line["epsilon"] = 1.0 / line["scale"]
    with pytest.raises(ModelFileError, match=r"sensitivity 3 under add/remove-rows-with-id \(max_rows=3\)"):
        dt.validate(_write(tmp_path, d))


def test_relation_without_max_rows_fails_schema(saved: dict[str, Any], tmp_path: Path) -> None:
    d = json.loads(json.dumps(saved))
    del d["privacy"]["max_rows"]
    with pytest.raises(ModelFileError, match="max_rows"):
        dt.validate(_write(tmp_path, d))


# -- the command line ---------------------------------------------------------------------
def test_cli_fit_with_id_column(tmp_path: Path, run_cli: Any) -> None:
    data, out = tmp_path / "members.csv", tmp_path / "m.json"
    members(1500).write_csv(data)
    code, stdout, err = run_cli(["fit", str(data), "-o", str(out), "-q", "--privacy", "dp", "--epsilon", "5",
                                 "--delta", "1e-6", "--id-column", "member_id", "--max-rows-per-id", "3"])
    assert code == 0, stdout + err
    code, stdout, _ = run_cli(["inspect", str(out)])
    assert code == 0 and "protects: all rows of one 'member_id' (at most 3 rows per ID kept" in stdout
    privacy = json.loads(out.read_text())["privacy"]
    assert (privacy["neighbours"], privacy["id_column"], privacy["max_rows"]) == (
        "add_remove_rows_with_id", "member_id", 3)


@pytest.mark.parametrize(("args", "message"), [
    (["--id-column", "member_id"], "--id-column needs --max-rows-per-id"),
    (["--max-rows-per-id", "3"], "--max-rows-per-id needs --id-column"),
    (["--id-column", "member_id", "--max-rows-per-id", "0"], "'max_rows' parameter must be a whole number >= 1"),
])
def test_cli_bad_id_options(tmp_path: Path, run_cli: Any, args: list[str], message: str) -> None:
    data = tmp_path / "members.csv"
    members(20).write_csv(data)
    code, stdout, err = run_cli(["fit", str(data), "-o", str(tmp_path / "m.json"), "--privacy", "dp",
                                 "--epsilon", "5", *args])
    assert code == 1 and message in stdout + err


# -- neighbours at the ID level: D and D plus one ID with more rows than max_rows ----------------
@pytest.mark.parametrize("row", ["extreme", "new_label"])
def test_one_more_id_decides_no_field(row: str) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from neighbours import Comparison, added_rows, kinds_table, outcome
    from test_neighbours import DP_SPEC

    base = kinds_table(2000).with_columns(member=pl.int_range(pl.len()) // 2)  # two rows per member
    extra = added_rows(base)[row]
    person = pl.DataFrame([{**{c: extra.get(c) for c in base.columns}, "member": -1}] * 5, schema=base.schema)
    plus = pl.concat([base, person])  # five rows of one new member, of which three are kept

    def policy() -> dt.privacy.DifferentialPrivacy:
        # ε = 9 with max_rows 3 is the noise of ε = 3 for one row, the budget the one-row
        # harness uses (its false-failure rate below 1e-6, Comparison.confirmed_leaks)
        return dt.privacy.DifferentialPrivacy(epsilon=9.0, delta=1e-6,
                                              protected_change=AddRowsWithID("member", max_rows=3))

    c = Comparison(*([outcome(f, DP_SPEC, policy, "independent") for _ in range(3)] for f in (base, plus)),
                   lambda: outcome(base, DP_SPEC, policy, "independent"),
                   lambda: outcome(plus, DP_SPEC, policy, "independent"))
    assert c.errors() == []
    assert c.confirmed_leaks() == {}
