"""Per-column marginals on data a new user brings: the choices a data steward would agree
with, each rule a test (fixed seeds, statistical tolerances), and the bad inputs around them."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import datatwin as dt


def test_a_forced_histogram_on_fewer_than_k_rows_falls_back_with_a_note() -> None:
    frame = pl.DataFrame({"x": [1.5, 2.25, 3.0, 4.75, 8.0, 9.5, 12.0]})
    col = dt.fit(frame, {"columns": {"x": {"distribution": "histogram"}}}).column("x")
    assert col.distribution.name != "histogram"
    assert "histogram: needs at least k=10 rows" in col.selection["note"]
    assert col.sample(100, np.random.default_rng(0)).len() == 100


def test_excluded_candidates_are_recorded_with_their_reason() -> None:
    x = np.random.default_rng(1).exponential(2000.0, 3000)
    col = dt.fit(pl.DataFrame({"x": x})).column("x")
    assert col.distribution.name == "exponential"
    assert "location" in col.selection["excluded"]["truncated_normal"]
