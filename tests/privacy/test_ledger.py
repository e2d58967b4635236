"""The model file's privacy ledger: round-trips, totals, and the audit."""

from __future__ import annotations

import copy
import json
import re

import pytest

from datatwin.errors import PrivacyError
from datatwin.privacy.budget import Accountant, Budget, Cost
from datatwin.privacy.costs import partition_parameters
from datatwin.privacy.ledger import LedgerEntry, check_ledger, privacy_section, total
from datatwin.privacy.mechanisms import Release


def _releases() -> list[Release]:
    scale, threshold = partition_parameters(0.1, 1e-9)
    out = [Release.of(f"column {i}: histogram", "laplace", 1.0, 10.0) for i in range(8)]
    # as select_partitions reports it: the requested (ε, δ), which bounds the exact cost
    out.append(Release("city: labels", "partition_selection", 1.0, scale, Cost(epsilon=0.1, delta=1e-9), threshold))
    return out


def _section() -> dict:
    """A valid section, written the way a DP fit writes it (via JSON, as in a file)."""
    entries = [LedgerEntry.public("n_rows"), *_releases()]
    section = privacy_section("dp", Budget.create(epsilon=1.0, delta=1e-9), entries)
    return json.loads(json.dumps(section))


def test_a_well_formed_ledger_has_no_problems() -> None:
    section = _section()
    assert check_ledger(section) == []
    assert section["spent"]["epsilon"] == pytest.approx(0.9, rel=1e-15)
    assert section["ledger"][0] == {"what": "n_rows", "mechanism": None}
    assert section["ledger"][1] == {
        "what": "column 0: histogram",
        "mechanism": "laplace",
        "sensitivity": 1.0,
        "scale": 10.0,
        "epsilon": 0.1,
    }


def test_entry_round_trip() -> None:
    for release in _releases():
        entry = LedgerEntry.from_release(release)
        assert LedgerEntry.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry
        assert entry.cost == release.cost


def test_total_sums_exactly_and_converts_to_a_budget_unit() -> None:
    entries = [LedgerEntry("x", "laplace", 1.0, 10.0, epsilon=0.1)] * 10
    assert total(entries) == Cost(epsilon=1.0)
    zc = total(
        [LedgerEntry("x", "laplace", 1.0, 5.0, epsilon=0.2), LedgerEntry("y", "gaussian", 1.0, 1.0, rho=0.5)], "zcdp"
    )
    assert zc.rho == pytest.approx(0.52, rel=1e-15) and zc.epsilon == 0


def test_ledger_and_accountant_agree() -> None:
    acc = Accountant(Budget.create(rho=0.5, delta=1e-9))
    releases = [Release.of("a", "gaussian", 1.0, 2.0), *_releases()[-1:], Release.of("b", "laplace", 1.0, 5.0)]
    for r in releases:
        acc.spend(r.what, r.cost)
    section = privacy_section("dp", acc.budget, releases)
    assert Cost(**section["spent"]) == acc.spent
    assert check_ledger(section) == []


# --------------------------------------------------------------------------- tampering


def test_tampered_line_is_caught() -> None:
    section = _section()
    section["ledger"][3]["epsilon"] = 0.01  # claims less than Laplace(Δ=1, b=10) costs
    problems = check_ledger(section)
    assert (
        "ledger line 3 ('column 2: histogram'): laplace with sensitivity 1 and scale 10 costs ε=0.1, "
        "but the line states ε=0.01." in problems
    )
    # the stated spent no longer matches the sum of the lines either
    assert any(p.startswith("the stated spent (ε=0.9, δ=1e-09) differs from the sum") for p in problems)


def test_tampered_scale_is_caught() -> None:
    section = _section()
    section["ledger"][1]["scale"] = 100.0
    assert any("laplace with sensitivity 1 and scale 100 costs ε=0.01" in p for p in check_ledger(section))


def test_tampered_total_is_caught() -> None:
    section = _section()
    section["spent"]["epsilon"] = 0.5
    assert check_ledger(section) == [
        "the stated spent (ε=0.5, δ=1e-09) differs from the sum of the ledger lines (ε=0.9, δ=1e-09)."
    ]


def test_overspent_ledger_names_both_numbers() -> None:
    section = _section()
    section["budget"]["epsilon"] = 0.5
    assert check_ledger(section) == [
        ("the ledger adds up to ε=0.9, δ=1e-09, which exceeds the stated budget (ε=0.5, δ=1e-09)-differential privacy.")
    ]


def test_partition_selection_line_with_too_small_delta_is_caught() -> None:
    section = _section()
    line = section["ledger"][-1]
    line["delta"] = 1e-12
    section["spent"]["delta"] = 1e-12
    (problem,) = check_ledger(section)
    assert problem.startswith(
        "ledger line 9 ('city: labels'): partition_selection with sensitivity 1 and scale 10 and threshold 202"
    )
    assert "but the line states ε=0.1, δ=1e-12." in problem


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            {"what": "x", "mechanism": "laplacian", "sensitivity": 1, "scale": 1, "epsilon": 1},
            "ledger line 1 ('x'): unknown mechanism 'laplacian'; known mechanisms: laplace,",
        ),
        (
            {"what": "x", "mechanism": "laplace", "epsilon": 0.1},
            "ledger line 1 ('x'): a laplace line needs 'sensitivity' and 'scale' > 0.",
        ),
        (
            {"what": "x", "mechanism": None, "epsilon": 0.1},
            "ledger line 1 ('x'): has no mechanism (a public declaration) but states a cost of ε=0.1",
        ),
        (
            {"what": "x", "mechanism": "partition_selection", "sensitivity": 1, "scale": 1, "epsilon": 1, "delta": 0.1},
            "ledger line 1 ('x'): a partition_selection line needs its 'threshold' to verify δ.",
        ),
        (
            {"what": "x", "mechanism": "laplace", "sensitivity": 1, "scale": 1, "epsilon": -1},
            "ledger line 1: 'epsilon' must be >= 0. Got -1 instead.",
        ),
        (
            {"what": "x", "mechanism": "laplace", "sensitivity": 1, "scale": "1"},
            "ledger line 1: 'scale' must be a finite number. Got '1' instead.",
        ),
        ({"mechanism": "laplace"}, "ledger line 1: 'what' must be a non-empty string. Got None instead."),
        ({"what": "x", "eps": 1}, "ledger line 1: unknown field(s) ['eps']"),
        ("x", "ledger line 1: a ledger line must be an object. Got str instead."),
    ],
)
def test_malformed_lines_are_reported(line, message: str) -> None:
    section = {"policy": "dp", "budget": {"epsilon": 10.0}, "ledger": [{"what": "n_rows", "mechanism": None}, line]}
    problems = check_ledger(section)
    assert any(p.startswith(message) for p in problems), problems


def test_section_level_problems() -> None:
    assert check_ledger({"policy": "dp", "ledger": []}) == [
        "the 'dp' policy must state its 'budget', e.g. {'epsilon': 1.0, 'delta': 1e-9}."
    ]
    assert check_ledger({"policy": "dp", "budget": {"epsilon": -1}, "ledger": []}) == [
        "budget: The 'epsilon' parameter must be > 0. Got -1 instead."
    ]
    assert check_ledger({"policy": "dp", "budget": {"epsilon": 1}, "ledger": {}}) == [
        "'ledger' must be a list of lines. Got dict instead."
    ]
    assert check_ledger([]) == ["the privacy section must be an object. Got list instead."]  # type: ignore[arg-type]
    assert check_ledger({"policy": "none", "ledger": []}) == []
    bad_spent = {"policy": "dp", "budget": {"epsilon": 1}, "spent": {"eps": 1}, "ledger": []}
    assert check_ledger(bad_spent) == ["spent: must be an object with 'epsilon', 'delta' and 'rho'."]


def test_zcdp_line_under_an_epsilon_budget_is_reported() -> None:
    section = {
        "policy": "dp",
        "budget": {"epsilon": 1.0, "delta": 1e-9},
        "ledger": [{"what": "mean", "mechanism": "gaussian", "sensitivity": 1, "scale": 2, "rho": 0.125}],
    }
    assert check_ledger(section) == [
        (
            "ledger line 0 ('mean'): A zCDP cost (rho=0.125) cannot be charged to an ε budget; "
            "express the budget in rho (zCDP), e.g. with Budget.to_zcdp()."
        )
    ]


def test_from_dict_raises_privacy_error() -> None:
    with pytest.raises(PrivacyError, match=re.escape("'delta' must be >= 0. Got -0.5 instead.")):
        LedgerEntry.from_dict({"what": "x", "delta": -0.5})


def test_check_does_not_modify_its_input() -> None:
    section = _section()
    before = copy.deepcopy(section)
    check_ledger(section)
    assert section == before


def test_a_release_relabelled_as_a_descriptive_line_is_caught_under_a_budget() -> None:
    """Turning a charged line into a zero-cost 'descriptive' one (and dropping spent)
    hides a release: descriptive mechanisms are only for policies without a budget."""
    section = _section()
    line = section["ledger"][1]
    line["mechanism"] = "rounding"
    del line["epsilon"]
    del section["spent"]
    problems = check_ledger(section)
    assert any("unknown mechanism 'rounding' in a ledger with a budget" in p for p in problems), problems
    # without a budget (disclosure control, plug-ins) descriptive lines stay fine
    assert check_ledger({"policy": "disclosure", "ledger": [{"what": "x: top-coded", "mechanism": "micro-aggregation"}]}) == []
