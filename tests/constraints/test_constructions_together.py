"""A fixed combination (one joint categorical), an inequality (low + a difference) and a
formula (computed) in one model: each built by construction, none redrawn, in every family."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import datatwin as dt
import datatwin.constraints.enforce as enforce

SPEC = {"constraints": [
    {"kind": "fixed_combinations", "columns": ["city", "province"]},
    {"kind": "inequality", "low": "start", "high": "end", "strict": True},
    {"kind": "formula", "column": "total", "expression": "price * quantity"},
]}


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    n = 3000
    city = rng.choice(["Utrecht", "Amersfoort", "Leiden", "Delft", "Zwolle"], n, p=[0.3, 0.2, 0.2, 0.2, 0.1])
    province = pl.Series(city).replace_strict({"Utrecht": "UT", "Amersfoort": "UT", "Leiden": "ZH", "Delft": "ZH", "Zwolle": "OV"})
    start = rng.integers(0, 1000, n)
    price = rng.gamma(2.0, 5.0, n).round(2)
    quantity = rng.integers(1, 6, n)
    return pl.DataFrame({
        "city": city, "province": province, "start": start, "end": start + 1 + rng.poisson(30, n),
        "price": price, "quantity": quantity, "total": price * quantity,
    })


@pytest.mark.parametrize("family", ["independent", "copula", "cart", "marginals"])
def test_three_constructions_hold_without_resampling(table: pl.DataFrame, family: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = dt.fit(table, SPEC, family=family)
    monkeypatch.setattr(enforce, "ROUNDS", 0)  # any row left to redraw would raise
    out = dt.load(model.save(tmp_path / "m.json")).sample(20_000, seed=5)
    assert out.columns == table.columns and out.dtypes == table.dtypes
    pairs = set(table.select("city", "province").unique().iter_rows())
    assert set(out.select("city", "province").unique().iter_rows()) <= pairs
    assert (out["end"] > out["start"]).all()
    assert ((out["total"] - out["price"] * out["quantity"]).abs() < 1e-9).all()
    assert out.equals(model.sample(20_000, seed=5))
