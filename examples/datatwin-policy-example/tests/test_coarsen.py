"""The example plug-in works through datatwin's entry points, as an installed package."""

from __future__ import annotations

from importlib.metadata import entry_points

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin_policy_example import CoarsenPolicy


def test_registered_through_the_entry_point() -> None:
    names = {ep.name for ep in entry_points(group="datatwin.privacy")}
    assert "coarsen" in names
    assert dt.privacy.get_policy_class("coarsen") is CoarsenPolicy


def test_fit_rounds_numbers_and_records_the_ledger() -> None:
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"x": rng.normal(50, 10, 500).round(3), "c": rng.choice(["a", "b"], 500)})
    model = dt.fit(frame, privacy="coarsen")
    assert model.privacy["policy"] == "coarsen"
    assert [e["what"] for e in model.privacy["ledger"]] == ["x: values rounded to multiples of 10"]
    assert model.column("x").unique is False


def test_bad_setting() -> None:
    with pytest.raises(dt.PrivacyError, match="'step' parameter of the coarsen policy must be a number > 0"):
        CoarsenPolicy(step=0)
