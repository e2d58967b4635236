"""Neighbouring-table regressions from the privacy audit (issue 10): one added row must not
change a published field."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import datatwin as dt


def _words(n: int = 2000) -> list[str]:
    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghij"))
    return ["".join(w) for w in letters[rng.integers(0, 10, (n, 6))]]


@pytest.mark.parametrize("policy", ["none", "disclosure"])
@pytest.mark.parametrize("extra", ["abcde1", "abcdé"], ids=["digit", "other"])
def test_random_string_class_needs_k_rows(policy: str, extra: str) -> None:
    spec = {"columns": {"w": {"distribution": "random_string"}}}
    base = dt.fit(pl.DataFrame({"w": _words()}), spec, privacy=policy)
    plus = dt.fit(pl.DataFrame({"w": [*_words(), extra]}), spec, privacy=policy)
    assert base.column("w").distribution.classes == ["lower"]
    assert plus.column("w").distribution.classes == ["lower"]
    many = dt.fit(pl.DataFrame({"w": [*_words(), *[extra] * 10]}), spec, privacy=policy)
    assert len(many.column("w").distribution.classes) == 2
