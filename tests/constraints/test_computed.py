"""Formula columns are computed, not modelled: no family fits them (no marginal, no privacy
budget), the file marks them ``computed`` at their place, and sampling from the file alone
computes them in the input's dtype and column order."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import ConditionError, ModelFileError

FAMILIES = ["independent", "copula", "cart", "marginals"]
SPEC = {"constraints": [
    {"kind": "formula", "column": "total", "expression": "price * quantity"},
    {"kind": "formula", "column": "units", "expression": "quantity * 2 + 1"},
]}


@pytest.fixture(scope="module")
def orders() -> pl.DataFrame:
    rng = np.random.default_rng(7)
    n = 800
    price = rng.gamma(2.0, 10.0, n).round(2)
    quantity = rng.integers(1, 10, n)
    frame = pl.DataFrame({
        "price": price, "total": price * quantity, "city": rng.choice(["Lyon", "Paris"], n),
        "units": (quantity * 2 + 1).astype(np.int32), "quantity": quantity,
    })
    frame[3, "total"] = 0.0  # one real row breaks the formula
    return frame


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_computes_the_formula_columns(orders: pl.DataFrame, family: str, tmp_path: Path) -> None:
    with pytest.warns(dt.errors.DatatwinWarning, match="formula total = price \\* quantity: 1 of 800 rows"):
        model = dt.fit(orders, spec=SPEC, family=family)
    assert [c.name for c in model.columns] == ["price", "city", "quantity"]  # the family modelled only these
    path = model.save(tmp_path / "m.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [c["name"] for c in data["columns"]] == orders.columns
    assert data["columns"][1] == {"name": "total", "kind": "continuous", "dtype": "Float64",
                                  "computed": {"formula": "price * quantity"}}
    assert data["columns"][3] == {"name": "units", "kind": "discrete", "dtype": "Int32",
                                  "computed": {"formula": "quantity * 2 + 1"}}
    section = json.dumps(data["model"])
    assert '"total"' not in section and '"units"' not in section
    sample = dt.load(path).sample(2000, seed=4)
    assert sample.columns == orders.columns and sample.dtypes == orders.dtypes
    assert (sample["total"] == sample["price"] * sample["quantity"]).all()
    assert (sample["units"] == sample["quantity"] * 2 + 1).all()
    assert sample.equals(model.sample(2000, seed=4))
    summary = dt.load(path).summary()
    assert summary["column"].to_list() == orders.columns
    assert summary.filter(pl.col("column") == "total")["role"].item() == "computed: price * quantity"
    assert summary.filter(pl.col("column") == "total")["distribution"].item() is None


def test_inspect_lists_computed_columns(orders: pl.DataFrame, tmp_path: Path, run_cli) -> None:
    path = dt.fit(orders.slice(4), spec=SPEC).save(tmp_path / "m.json")
    code, out, err = run_cli(["inspect", str(path)])
    assert code == 0, err
    assert out.count("computed:") == 2, out
    code, out, err = run_cli(["inspect", str(path), "--column", "units"])
    assert code == 0, err
    assert "computed by the formula quantity * 2 + 1, not modelled" in " ".join(out.split())


def test_differential_privacy_spends_nothing_on_a_formula_column(orders: pl.DataFrame) -> None:
    policy = dt.privacy.DifferentialPrivacy(epsilon=1.0, delta=1e-9)
    spec = {**SPEC, "columns": {"price": {"bounds": [0, 200]}, "quantity": {"bounds": [1, 9]},
                                "total": {"bounds": [0, 2000]}}}  # a computed column's settings are not needed, nor refused
    model = dt.fit(orders, spec=spec, privacy=policy)  # no warning: it would depend on one row
    whats = [e["what"] for e in model.privacy["ledger"]]
    assert any(w.startswith("price: ") for w in whats)
    assert not any(w.startswith(("total", "units")) for w in whats)
    report = model.provenance["constraints"]["real_rows"]
    assert [r["violating"] for r in report] == ["not published under differential privacy"] * 2
    assert all("violating_share" not in r for r in report)
    sample = dt.Model.from_dict(model.to_dict()).sample(500, seed=2)
    assert sample.columns == orders.columns
    assert (sample["total"] == sample["price"] * sample["quantity"]).all()


def test_spec_settings_of_a_computed_column_are_left_unused(orders: pl.DataFrame) -> None:
    spec = {**SPEC, "columns": {"total": {"kind": "continuous", "distribution": "normal"}}}
    model = dt.fit(orders.slice(4), spec=spec)
    assert "total" not in [c.name for c in model.columns]
    sample = model.sample(100, seed=5)
    assert (sample["total"] == sample["price"] * sample["quantity"]).all()


def test_conditions_on_a_computed_column_are_refused(orders: pl.DataFrame) -> None:
    model = dt.fit(orders.slice(4), spec=SPEC)
    for bad in [{"total": (10, 20)}, "total > 3", pl.DataFrame({"total": [1.0]})]:
        with pytest.raises(ConditionError, match="column 'total': it is computed from price, quantity by the formula "
                                                 "'price \\* quantity'.*condition on price, quantity instead"):
            model.sample(10, seed=1, conditions=bad)
    rows = model.sample(50, seed=1, conditions={"quantity": 3})  # its inputs, yes
    assert (rows["total"] == rows["price"] * 3).all() and (rows["units"] == 7).all()


@pytest.fixture(scope="module")
def saved(orders: pl.DataFrame) -> dict:
    return dt.fit(orders.slice(4), spec=SPEC).to_dict()


def _edited(saved: dict, edit) -> dict:
    data = copy.deepcopy(saved)
    edit(data)
    return data


@pytest.mark.parametrize("edit, path, match", [
    (lambda d: d["constraints"].pop(0), "$.columns[1].computed",
     "column 'total' is marked computed \\('price \\* quantity'\\) but no formula constraint computes it"),
    (lambda d: d["columns"][1]["computed"].update(formula="price * 3"), "$.columns[1].computed",
     "column 'total' is computed as 'price \\* 3' but its formula constraint says 'price \\* quantity'"),
    (lambda d: (d["constraints"][0].update(expression="price * qty"), d["columns"][1]["computed"].update(formula="price * qty")),
     "$.constraints[0]", "unknown column 'qty'"),
    (lambda d: d["columns"][1].update(dtype="String"), "$.columns[1]", "column 'total' is computed by a formula, so it must be a number"),
    (lambda d: d["columns"][1].pop("dtype"), "$.columns[1]", "dtype"),
])
def test_hand_edited_computed_entries_are_refused(saved: dict, edit, path: str, match: str) -> None:
    with pytest.raises(ModelFileError, match=match) as info:
        dt.Model.from_dict(_edited(saved, edit))
    assert info.value.path == path


def test_a_formula_on_a_modelled_column_still_loads(orders: pl.DataFrame) -> None:
    """A file written before formula columns were computed (the column modelled, then
    overwritten at sampling) still samples the formula exactly."""
    model = dt.fit(orders.slice(4))
    model.constraints = [SPEC["constraints"][0]]
    model = dt.Model.from_dict(model.to_dict())
    sample = model.sample(300, seed=3)
    assert sample.columns == orders.columns and (sample["total"] == sample["price"] * sample["quantity"]).all()
