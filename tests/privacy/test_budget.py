"""Budgets, conversions, composition and the accountant."""

from __future__ import annotations

import math
import re

import pytest

from datatwin.errors import BudgetExceededError, PrivacyError
from datatwin.privacy.budget import Accountant, Budget, Cost
from datatwin.privacy.conversions import approx_to_zcdp, pure_to_zcdp, zcdp_to_approx

# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epsilon": -1}, "The 'epsilon' parameter must be > 0. Got -1 instead."),
        ({"epsilon": 0}, "The 'epsilon' parameter must be > 0. Got 0 instead."),
        ({"epsilon": math.inf}, "The 'epsilon' parameter must be a finite number > 0. Got inf instead."),
        ({"epsilon": math.nan}, "The 'epsilon' parameter must be a finite number > 0. Got nan instead."),
        ({"epsilon": "1"}, "The 'epsilon' parameter must be a number > 0. Got '1' instead."),
        ({"epsilon": True}, "The 'epsilon' parameter must be a number > 0. Got True instead."),
        ({"rho": -0.5}, "The 'rho' parameter must be > 0. Got -0.5 instead."),
        ({"rho": math.inf}, "The 'rho' parameter must be a finite number > 0. Got inf instead."),
        ({"epsilon": 1.0, "delta": 1.0}, "The 'delta' parameter must be in [0, 1)"),
        ({"epsilon": 1.0, "delta": 1.5}, "Got 1.5 instead."),
        ({"epsilon": 1.0, "delta": -1e-9}, "The 'delta' parameter must be in [0, 1)"),
        ({"epsilon": 1.0, "delta": math.nan}, "The 'delta' parameter must be in [0, 1)"),
        ({"epsilon": 1.0, "rho": 0.5}, "Give exactly one of the 'epsilon' and 'rho' parameters, not both"),
        ({}, "Give exactly one of the 'epsilon' and 'rho' parameters: epsilon"),
        ({"delta": 1e-9}, "Give exactly one of the 'epsilon' and 'rho' parameters: epsilon"),
    ],
)
def test_create_rejects_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(PrivacyError, match=re.escape(message)):
        Budget.create(**kwargs)


def test_from_dict_rejects_unknown_field_and_non_mapping() -> None:
    with pytest.raises(PrivacyError, match=re.escape("Unknown privacy budget field(s) ['eps']")):
        Budget.from_dict({"eps": 1.0})
    with pytest.raises(PrivacyError, match="must be a mapping"):
        Budget.from_dict([1.0])  # type: ignore[arg-type]


def test_cost_rejects_negative_and_nonfinite() -> None:
    with pytest.raises(
        PrivacyError,
        match=re.escape("The 'epsilon' field of a privacy cost must be a finite number >= 0. Got -0.1 instead."),
    ):
        Cost(epsilon=-0.1)
    with pytest.raises(PrivacyError, match="The 'rho' field"):
        Cost(rho=math.inf)


# --------------------------------------------------------------------------- units, text, dicts


def test_units_and_describe() -> None:
    assert Budget.create(epsilon=1.0).unit == "pure"
    assert Budget.create(epsilon=1.0, delta=1e-9).unit == "approx"
    assert Budget.create(rho=0.5).unit == "zcdp"
    assert Budget.create(rho=0.5, delta=1e-9).unit == "zcdp"
    assert Budget.create(epsilon=1.0).describe() == "ε=1 (pure differential privacy)"
    assert Budget.create(epsilon=1.0, delta=1e-9).describe() == "(ε=1, δ=1e-09)-differential privacy"
    assert Budget.create(rho=0.5, delta=1e-9).describe() == (
        "ρ=0.5 zero-concentrated differential privacy with δ=1e-09"
    )


@pytest.mark.parametrize(
    "budget",
    [Budget.create(epsilon=0.3), Budget.create(epsilon=2.0, delta=1e-7), Budget.create(rho=0.25, delta=1e-9)],
)
def test_dict_round_trip(budget: Budget) -> None:
    assert Budget.from_dict(budget.to_dict()) == budget


# --------------------------------------------------------------------------- conversions


def test_pure_to_zcdp_is_half_epsilon_squared() -> None:
    # Bun & Steinke 2016, Prop 1.4: ε-DP ⇒ (ε²/2)-zCDP.
    assert pure_to_zcdp(1.0) == 0.5
    assert pure_to_zcdp(0.2) == pytest.approx(0.02, rel=1e-15)
    converted = Budget.create(epsilon=0.2).to_zcdp()
    assert converted.unit == "zcdp"
    assert converted.rho == pytest.approx(0.02, rel=1e-15)


def test_zcdp_to_approx_matches_hand_computation() -> None:
    # Bun & Steinke 2016, Prop 1.3: ε = ρ + 2√(ρ ln(1/δ)).
    # ρ = 0.5, δ = 1e-9: ln(1e9) = 20.7232658…, √(0.5·20.7232658) = 3.2190…, ε = 6.93790
    assert zcdp_to_approx(0.5, 1e-9) == pytest.approx(6.9378980788680, rel=1e-12)
    # ρ = 0.01, δ = e^-4: ε = 0.01 + 2·√0.04 = 0.41
    assert zcdp_to_approx(0.01, math.exp(-4)) == pytest.approx(0.41, rel=1e-12)
    approx = Budget.create(rho=0.01, delta=1e-10).to_approx(math.exp(-4))
    assert approx.epsilon == pytest.approx(0.41, rel=1e-12)
    assert approx.delta == pytest.approx(math.exp(-4) + 1e-10, rel=1e-12)
    assert approx.unit == "approx"


def test_approx_to_zcdp_inverts_the_conversion() -> None:
    rho = approx_to_zcdp(1.0, 1e-9)
    assert zcdp_to_approx(rho, 1e-9) == pytest.approx(1.0, rel=1e-12)
    assert Budget.create(epsilon=1.0, delta=1e-9).to_zcdp().rho == pytest.approx(rho)


def test_to_approx_leaves_epsilon_budgets_alone_and_needs_delta_for_zcdp() -> None:
    b = Budget.create(epsilon=1.0, delta=1e-9)
    assert b.to_approx(1e-6) is b
    with pytest.raises(PrivacyError, match=re.escape("The 'delta' parameter of to_approx must be > 0")):
        Budget.create(rho=0.5).to_approx(0.0)
    with pytest.raises(PrivacyError, match=re.escape("The 'delta' parameter of the zCDP to (ε, δ) conversion")):
        zcdp_to_approx(0.5, 0.0)


def test_cost_in_unit() -> None:
    charged = Cost(epsilon=0.2, delta=1e-9).in_unit("zcdp")
    assert (charged.epsilon, charged.delta) == (0.0, 1e-9)
    assert charged.rho == pytest.approx(0.02, rel=1e-15)
    assert Cost(epsilon=0.2).in_unit("pure") == Cost(epsilon=0.2)
    with pytest.raises(PrivacyError, match=re.escape("cannot be charged to an ε budget; express the budget in rho")):
        Cost(rho=0.1).in_unit("approx")
    with pytest.raises(PrivacyError, match=re.escape("A cost with delta=1e-09 cannot be charged to a pure ε budget")):
        Cost(epsilon=0.1, delta=1e-9).in_unit("pure")


# --------------------------------------------------------------------------- accountant


def test_ten_tenths_fill_a_budget_of_one_and_an_eleventh_is_refused() -> None:
    acc = Accountant(Budget.create(epsilon=1.0))
    for i in range(10):
        acc.spend(f"column {i}: histogram", Cost(epsilon=0.1))
    assert acc.spent == Cost(epsilon=1.0)
    assert acc.remaining == Cost()
    with pytest.raises(BudgetExceededError) as info:
        acc.spend("column 10: histogram", Cost(epsilon=0.1))
    msg = str(info.value)
    assert "'column 10: histogram'" in msg
    assert "costs ε=0.1" in msg
    assert "ε=1 of the budget ε=1 (pure differential privacy) is already spent" in msg
    assert len(acc.history) == 10  # a refused release is not recorded


def test_delta_and_rho_compose_and_are_enforced() -> None:
    acc = Accountant(Budget.create(rho=0.5, delta=1e-9))
    acc.spend("labels", Cost(epsilon=0.2, delta=5e-10))  # charged as ρ = 0.02 plus δ
    acc.spend("means", Cost(rho=0.3))
    assert (acc.spent.epsilon, acc.spent.delta) == (0.0, 5e-10)
    assert acc.spent.rho == pytest.approx(0.32, rel=1e-15)
    assert acc.remaining.rho == pytest.approx(0.18, rel=1e-12)
    with pytest.raises(BudgetExceededError, match="'more labels' costs ρ=0.02, δ=1e-09"):
        acc.spend("more labels", Cost(epsilon=0.2, delta=1e-9))


def test_pure_budget_refuses_delta_cost() -> None:
    acc = Accountant(Budget.create(epsilon=1.0))
    with pytest.raises(PrivacyError, match="cannot be charged to a pure ε budget"):
        acc.spend("labels", Cost(epsilon=0.1, delta=1e-9))


def test_split_shares_fill_the_remaining_budget_exactly() -> None:
    acc = Accountant(Budget.create(epsilon=1.0, delta=1e-9))
    acc.spend("n_rows", Cost(epsilon=0.1))
    shares = acc.split(7)
    assert all(s == shares[0] for s in shares)
    assert shares[0].epsilon == pytest.approx(0.9 / 7, rel=1e-15)
    for i, share in enumerate(shares):
        acc.spend(f"column {i}", share)  # rounding of the shares must not trip the check
    with pytest.raises(BudgetExceededError):
        acc.spend("one more", Cost(epsilon=1e-6))


def test_weighted_split() -> None:
    acc = Accountant(Budget.create(rho=1.0))
    shares = acc.split(3, weights=[1, 2, 1])
    assert [s.rho for s in shares] == pytest.approx([0.25, 0.5, 0.25], rel=1e-15)


@pytest.mark.parametrize(
    ("n", "weights", "message"),
    [
        (0, None, "The 'n' parameter of split must be an integer >= 1. Got 0 instead."),
        (2, [1.0], "The 'weights' parameter of split must have n=2 entries. Got 1 instead."),
        (2, [1.0, -1.0], "The 'weights' parameter of split must hold finite numbers >= 0"),
        (2, [0.0, 0.0], "with a positive sum"),
    ],
)
def test_split_rejects_bad_input(n: int, weights: list[float] | None, message: str) -> None:
    with pytest.raises(PrivacyError, match=re.escape(message)):
        Accountant(Budget.create(epsilon=1.0)).split(n, weights)


def test_accountant_needs_a_budget_and_a_cost() -> None:
    with pytest.raises(PrivacyError, match=re.escape("The 'budget' parameter must be a Budget")):
        Accountant(1.0)  # type: ignore[arg-type]
    with pytest.raises(PrivacyError, match=re.escape("The 'cost' parameter of spend must be a Cost")):
        Accountant(Budget.create(epsilon=1.0)).spend("x", 0.1)  # type: ignore[arg-type]


def test_plain_constructor_validates_too() -> None:
    with pytest.raises(PrivacyError, match=re.escape("The 'epsilon' parameter must be > 0. Got -1 instead.")):
        Budget(epsilon=-1)
    with pytest.raises(PrivacyError, match="Give exactly one of the 'epsilon' and 'rho' parameters"):
        Budget()


def test_cost_addition_and_text() -> None:
    assert Cost(epsilon=0.1) + Cost(epsilon=0.2, delta=1e-9) == Cost(epsilon=0.30000000000000004, delta=1e-9)
    assert Cost.sum([Cost(epsilon=0.1)] * 10) == Cost(epsilon=1.0)  # exact, unlike a running +
    assert Cost(epsilon=0.5, rho=0.1, delta=1e-9).describe() == "ε=0.5, ρ=0.1, δ=1e-09"
    assert Cost().describe() == "nothing"


def test_docs_conversion_example_matches_code() -> None:
    """The worked example in docs/privacy.md is computed by the code it documents."""
    import pathlib
    import re

    text = (pathlib.Path(__file__).parents[2] / "docs" / "privacy.md").read_text()
    line = next(x for x in text.splitlines() if x.startswith("Example: ρ = 0.5 gives"))
    eps = float(re.search(r"gives \(([\d.]+), 10⁻⁹\)-DP", line).group(1))
    rho = float(re.search(r"gives ρ ≈ ([\d.]+)\.", line).group(1))
    assert eps == pytest.approx(zcdp_to_approx(0.5, 1e-9), abs=0.005)
    # Stated to four significant figures: it must round to the computed value.
    assert f"{approx_to_zcdp(1.0, 1e-9):.4g}" == f"{rho:.4g}"
