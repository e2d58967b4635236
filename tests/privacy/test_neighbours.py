"""Neighbouring-table tests (issue 10): fit D and D + one row, compare every field of the
model files (``neighbours.py``), over every policy, every column kind and the independent
and copula families."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import datatwin as dt

sys.path.insert(0, str(Path(__file__).parent))
from neighbours import (  # noqa: E402
    Comparison,
    added_rows,
    compare,
    flatten,
    kinds_table,
    values_published,
)

FAMILIES = ["independent", "copula"]
ROWS = ["duplicate", "extreme", "new_label", "missing", "weird"]

#: what one row may move under ``none``: the maximum-likelihood estimates (parameters, the
#: family chosen, its scores), the row count and missing shares, the uniqueness flag, the
#: rare-label summary and merged ``other`` bucket, the copula's correlations and label
#: order. What it may not: names, kinds, dtypes, whether the fit fails, any
#: policy field, and (checked separately) any text value of the added row.
NONE_ALLOWED = (
    r"^\$\.n_rows$",
    r"^\$\.provenance\.source\.rows$",
    r"\.prop_missing$",
    r"\.unique$",
    r"^\$\.columns\[\d+\]\.(distribution|selection|rare_labels)\.",
    r"^\$\.model\.(correlation|calibration|dimensions|independent)",
)
#: ``disclosure`` publishes ratios of counts of at least k rows and means of k rows, which one
#: row moves; and it describes its codings in the ledger (never with a count). It may not
#: let one row add or remove a label, a point mass, a pattern shape, literal or character,
#: nor make the fit fail.
DISCLOSURE_FROZEN = (
    r"\.parameters\.labels\[",
    r"\.shapes\[\d+\]\.pattern$",
    r"\.literal$",
    r"\.classes\[",
    r"\.values\.",
    r"^\$error$",
)
DISCLOSURE_ALLOWED = (*NONE_ALLOWED, r"^\$\.privacy\.ledger\[")

DP_SPEC: dict[str, Any] = {
    "columns": {
        "id": {"unique": True},
        # kind 'string' is estimable under dp only with its distribution fixed in the spec
        "code": {"kind": "string", "distribution": {
            "name": "random_string", "parameters": {"min_length": 7, "max_length": 7, "classes": ["upper", "digit"]}}},
    }
}
DISCLOSURE_SPEC: dict[str, Any] = {"columns": {"code": {"kind": "string", "distribution": "pattern"}}}


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return kinds_table(400)


@pytest.fixture(scope="module")
def dp_table() -> pl.DataFrame:
    return kinds_table(2000)


def _new_text(frame: pl.DataFrame, extra: dict[str, Any]) -> list[str]:
    """The added row's text values that no row of ``frame`` holds."""
    out = []
    for col, value in extra.items():
        if isinstance(value, str) and value not in frame[col].to_list():
            out.append(value)
    return out


def test_flatten_names_every_leaf() -> None:
    assert flatten({"a": [1, {"b": None}], "c": {}}) == {"$.a[0]": 1, "$.a[1].b": None, "$.c": "{}"}


def test_the_harness_finds_a_leak() -> None:
    """Under ``none`` a uniform publishes the real maximum: the harness must see it."""
    frame = pl.DataFrame({"x": np.linspace(0.0, 1.0, 200)})
    spec = {"columns": {"x": {"distribution": "uniform"}}}
    leaks = compare(frame, {"x": 7.0}, spec=spec).leaks(allowed=[r"n_rows|source\.rows"])
    assert "$.columns[0].distribution.parameters.upper" in leaks
    # and an error is a field
    bad = compare(frame, {"x": 7.0}, spec={"columns": {"x": {"distribution": "uniform", "bounds": [0, 1]}}})
    assert "$error" in bad.leaks() or not bad.errors()


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("row", ROWS)
def test_none_one_row_moves_only_estimates(table: pl.DataFrame, family: str, row: str) -> None:
    extra = added_rows(table)[row]
    c = compare(table, extra, spec=DISCLOSURE_SPEC, family=family)
    assert not c.errors()
    assert c.leaks(NONE_ALLOWED) == {}
    for text in _new_text(table, extra):
        assert values_published(c.plus[0], text) == [], text


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("row", ROWS)
def test_disclosure_one_row_reveals_nothing_below_k(table: pl.DataFrame, family: str, row: str) -> None:
    extra = added_rows(table)[row]
    c = compare(table, extra, privacy="disclosure", spec=DISCLOSURE_SPEC, family=family)
    assert not c.errors()
    leaks = c.leaks(DISCLOSURE_ALLOWED)
    assert leaks == {}
    import re

    frozen = [k for k in c.leaks() if any(re.search(p, k) for p in DISCLOSURE_FROZEN)]
    assert frozen == []
    for text in _new_text(table, extra):
        assert values_published(c.plus[0], text) == [], text
    # no extreme of the added row is published, in any field or ledger line
    for value in (1e6, 10**6, 10**9, "2090-01-01"):
        assert values_published(c.plus[0], value) == [], value


def _dp() -> dt.privacy.DifferentialPrivacy:
    # about ε = 0.3 a column (8 columns, the row count, the copula's release): see
    # Comparison.confirmed_leaks for the false-failure rate this gives (below 1e-6)
    return dt.privacy.DifferentialPrivacy(epsilon=3.0, delta=1e-6)


def _fixed_numbers(c: Comparison) -> list[str]:
    fixed = []
    for key in sorted(c.keys - c.random_fields()):
        if not (".distribution.parameters." in key or key.endswith(".prop_missing") or ".correlation.matrix" in key):
            continue
        value = c.base[0].get(key)
        public_grid = key.endswith((".lower", ".upper")) or ".bins[" in key  # bounds and the bins between them
        if isinstance(value, float) and value not in (0.0, 1.0) and not public_grid:
            fixed.append(key)
    return fixed


def _assert_noisy(c: Comparison) -> None:
    """Every released number varies across refits of D, except those that are
    post-processing of a threshold or a clip: bounds on a public grid (and histogram bins
    between them), 0 and 1. A ratio of
    noisy integer counts can repeat by chance (about 1e-3 for three refits of a Bernoulli p
    at these budgets), so a number fixed in three refits is looked at again over twelve:
    the chance it repeats in all twelve is below 1e-20."""
    if _fixed_numbers(c):
        c.extend(12)
    assert _fixed_numbers(c) == []


@pytest.mark.parametrize("family", ["independent", pytest.param("copula", marks=pytest.mark.slow)])
@pytest.mark.parametrize("row", ROWS)
def test_dp_no_field_is_decided_by_one_row(dp_table: pl.DataFrame, family: str, row: str) -> None:
    extra = added_rows(dp_table)[row]
    c = compare(dp_table, extra, privacy=_dp, spec=DP_SPEC, family=family, refits=3)
    assert c.confirmed_leaks() == {}
    if not c.errors():
        _assert_noisy(c)


# -- issue 10, item 2: under dp a value breaking a declared rule becomes missing -------------

_N = 1500
_RNG = np.random.default_rng(7)
BROKEN_RULES = {
    "unique_duplicate": (pl.DataFrame({"u": np.arange(_N)}), {"columns": {"u": {"unique": True}}}, {"u": 5}),
    "discrete_fraction": (pl.DataFrame({"x": _RNG.poisson(4, _N).astype(float)}), {"columns": {"x": {"kind": "discrete"}}},
                          {"x": 2.5}),
    "plus_inf": (pl.DataFrame({"x": _RNG.normal(size=_N)}), None, {"x": float("inf")}),
    "minus_inf": (pl.DataFrame({"x": _RNG.normal(size=_N)}), None, {"x": float("-inf")}),
    "unparsable_text": (pl.DataFrame({"d": [f"2020-01-{i % 28 + 1:02d}" for i in range(_N)]}),
                        {"columns": {"d": {"kind": "date", "text_format": "%Y-%m-%d"}}}, {"d": "garbage"}),
    "weight_half": (pl.DataFrame({"x": _RNG.normal(size=_N), "w": np.ones(_N)}), {"weight_column": "w"},
                    {"x": 0.1, "w": 0.5}),
}


@pytest.mark.parametrize("case", list(BROKEN_RULES))
def test_dp_a_row_breaking_a_declared_rule_does_not_fail_the_fit(case: str) -> None:
    frame, spec, extra = BROKEN_RULES[case]
    c = compare(frame, extra, privacy=lambda: dt.privacy.DifferentialPrivacy(epsilon=1.0, delta=1e-6),
                spec=spec, refits=3)
    assert c.errors() == []
    assert c.confirmed_leaks() == {}


@pytest.mark.parametrize("case", ["unique_duplicate", "discrete_fraction", "plus_inf", "unparsable_text"])
def test_without_a_policy_a_broken_rule_is_still_an_error(case: str) -> None:
    frame, spec, extra = BROKEN_RULES[case]
    c = compare(frame, extra, spec=spec)
    assert c.errors() and "column '" in c.errors()[0]


def test_dp_the_owner_is_told_what_became_missing() -> None:
    frame, spec, extra = BROKEN_RULES["unique_duplicate"]
    plus = pl.concat([frame, pl.DataFrame([extra], schema=frame.schema)])
    with pytest.warns(dt.DatatwinWarning, match=r"column 'u': 1 repeat\(s\) .* treated as missing"):
        model = dt.fit(plus, spec, privacy=dt.privacy.DifferentialPrivacy(epsilon=1.0, delta=1e-6))
    assert model.column("u").unique


# -- the families added after the harness: CART (none, disclosure) and DP marginals (dp) ------

#: a CART model file publishes its trees under ``$.model``: splits and leaf distributions are
#: estimates one row may move (under disclosure, leaf sizes rounded and shares of >= k rows)
CART_ALLOWED = (r"^\$\.model\.",)


@pytest.mark.parametrize("row", ROWS)
def test_cart_none_one_row_moves_only_estimates(table: pl.DataFrame, row: str) -> None:
    extra = added_rows(table)[row]
    c = compare(table, extra, spec=DISCLOSURE_SPEC, family="cart")
    assert not c.errors()
    assert c.leaks((*NONE_ALLOWED, *CART_ALLOWED)) == {}
    for text in _new_text(table, extra):
        assert values_published(c.plus[0], text) == [], text


@pytest.mark.parametrize("row", ROWS)
def test_cart_disclosure_one_row_reveals_nothing_below_k(table: pl.DataFrame, row: str) -> None:
    import re

    extra = added_rows(table)[row]
    c = compare(table, extra, privacy="disclosure", spec=DISCLOSURE_SPEC, family="cart")
    assert not c.errors()
    assert c.leaks((*DISCLOSURE_ALLOWED, *CART_ALLOWED)) == {}
    # a leaf lists the classes of at least k rows, so a class may enter a leaf's list; the
    # per-column fields stay frozen as for the other families
    frozen = [k for k in c.leaks() if k.startswith("$.columns") and any(re.search(p, k) for p in DISCLOSURE_FROZEN)]
    assert frozen == []
    for text in _new_text(table, extra):
        assert values_published(c.plus[0], text) == [], text
    for value in (1e6, 10**6, 10**9, "2090-01-01"):
        assert values_published(c.plus[0], value) == [], value


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS)
def test_dp_marginals_no_field_is_decided_by_one_row(dp_table: pl.DataFrame, row: str) -> None:
    extra = added_rows(dp_table)[row]
    c = compare(dp_table, extra, privacy=_dp, spec=DP_SPEC, family="marginals", refits=3)
    assert c.confirmed_leaks() == {}
