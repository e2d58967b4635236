"""Privacy budgets, the cost of one release, and an accountant that refuses to overspend.

Three units of privacy loss are supported, all for the neighbouring relation
*add or remove one row*:

``"pure"``
    ε-differential privacy (δ = 0).
``"approx"``
    (ε, δ)-differential privacy, δ > 0.
``"zcdp"``
    ρ-zero-concentrated DP (Bun & Steinke 2016). A zCDP budget may carry a δ as well,
    for releases that are only (ε, δ)-DP such as partition selection ("approximate zCDP",
    Bun & Steinke 2016, Definition 8.1): the ρ's and the δ's add up separately.

Composition is basic (sequential) composition in every unit: ε's add, δ's add, ρ's add.
Sums use :func:`math.fsum` and comparisons a relative tolerance of ``1e-12``, so that ten
releases at ε = 0.1 exactly fill a budget of ε = 1.0. Conversions between the units
(``pure_to_zcdp``, ``zcdp_to_approx``, ``approx_to_zcdp``) live in
:mod:`datatwin.privacy.conversions`.

References
----------
Bun, M. & Steinke, T. (2016). Concentrated Differential Privacy: Simplifications,
Extensions, and Lower Bounds. TCC 2016, arXiv:1605.02065.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from datatwin.errors import BudgetExceededError, PrivacyError
from datatwin.privacy.conversions import _fmt, approx_to_zcdp, pure_to_zcdp, zcdp_to_approx

__all__ = [
    "Accountant",
    "Budget",
    "Cost",
    "check_positive",
]

# Relative slack when comparing sums of floats against a budget: large enough to absorb
# the rounding of a split into n shares, far too small to matter for privacy.
_REL_TOL = 1e-12

UNITS = ("pure", "approx", "zcdp")


def _is_number(value: Any) -> bool:
    # numpy scalars count, so callers can pass array elements directly; bools do not.
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise.

    Raises
    ------
    PrivacyError
        ``"The 'epsilon' parameter must be > 0. Got -1 instead."`` and similar, naming
        the parameter ``name``.
    """
    if not _is_number(value):
        raise PrivacyError(f"The {name!r} parameter must be a number > 0. Got {value!r} instead.")
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise PrivacyError(f"The {name!r} parameter must be a finite number > 0. Got {value} instead.")
    if value <= 0:
        raise PrivacyError(f"The {name!r} parameter must be > 0. Got {_fmt(value)} instead.")
    return value


def _check_delta(value: Any) -> float:
    if not _is_number(value):
        raise PrivacyError(f"The 'delta' parameter must be a number in [0, 1). Got {value!r} instead.")
    value = float(value)
    if math.isnan(value) or not 0.0 <= value < 1.0:
        raise PrivacyError(
            f"The 'delta' parameter must be in [0, 1) (typically below 1/n_rows). Got {_fmt(value)} instead."
        )
    return value


@dataclass(frozen=True)
class Cost:
    """The privacy loss of one release (or a sum of releases).

    A pure-DP release sets ``epsilon``; an (ε, δ) release sets ``epsilon`` and ``delta``;
    a zCDP release sets ``rho`` (and ``delta`` when it needs one).
    """

    epsilon: float = 0.0
    delta: float = 0.0
    rho: float = 0.0

    def __post_init__(self) -> None:
        for name in ("epsilon", "delta", "rho"):
            value = getattr(self, name)
            if not _is_number(value) or not (math.isfinite(value) and value >= 0):
                raise PrivacyError(
                    f"The {name!r} field of a privacy cost must be a finite number >= 0. Got {value!r} instead."
                )
            object.__setattr__(self, name, float(value))

    def in_unit(self, unit: str) -> Cost:
        """This cost as charged to a budget of ``unit`` (one of ``pure``, ``approx``, ``zcdp``).

        A pure ε converts to zCDP as ``ρ = ε²/2`` (Bun & Steinke 2016, Prop. 1.4); an
        (ε, δ) release charged to zCDP is approximate zCDP: ``ρ = ε²/2`` plus its δ
        (ibid., Def. 8.1). A ρ cannot be charged to an ε budget without choosing a δ for
        the conversion, and a δ cannot be charged to a pure budget: both raise.
        """
        if unit == "zcdp":
            return Cost(rho=math.fsum([self.rho, pure_to_zcdp(self.epsilon)]), delta=self.delta)
        if self.rho > 0:
            raise PrivacyError(
                f"A zCDP cost (rho={_fmt(self.rho)}) cannot be charged to an ε budget; "
                "express the budget in rho (zCDP), e.g. with Budget.to_zcdp()."
            )
        if unit == "approx":
            return Cost(epsilon=self.epsilon, delta=self.delta)
        if unit == "pure":
            if self.delta > 0:
                raise PrivacyError(
                    f"A cost with delta={_fmt(self.delta)} cannot be charged to a pure ε "
                    "budget; give the budget a delta > 0."
                )
            return Cost(epsilon=self.epsilon)
        raise PrivacyError(f"The 'unit' parameter must be one of {UNITS}. Got {unit!r} instead.")

    def __add__(self, other: Cost) -> Cost:
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost.sum([self, other])

    @staticmethod
    def sum(costs: Sequence[Cost]) -> Cost:
        """Basic composition: the field-wise exact (``math.fsum``) sum of ``costs``."""
        return Cost(
            epsilon=math.fsum(c.epsilon for c in costs),
            delta=math.fsum(c.delta for c in costs),
            rho=math.fsum(c.rho for c in costs),
        )

    def describe(self) -> str:
        """Readable text, e.g. ``"ε=0.1, δ=1e-09"``; zero fields are left out (``"nothing"``)."""
        parts = [f"{sym}={_fmt(v)}" for sym, v in (("ε", self.epsilon), ("ρ", self.rho), ("δ", self.delta)) if v > 0]
        return ", ".join(parts) if parts else "nothing"

    def to_dict(self) -> dict[str, float]:
        """JSON-friendly ``{"epsilon": …, "delta": …, "rho": …}``."""
        return {"epsilon": self.epsilon, "delta": self.delta, "rho": self.rho}


@dataclass(frozen=True)
class Budget:
    """A total privacy budget: pure ε, (ε, δ), or zCDP ρ (optionally with a δ).

    :meth:`Budget.create` and the constructor validate alike (``create`` also takes
    ``delta=None``); an invalid budget raises :class:`~datatwin.errors.PrivacyError`.

    Examples
    --------
    >>> Budget.create(epsilon=1.0).unit
    'pure'
    >>> Budget.create(epsilon=1.0, delta=1e-9).unit
    'approx'
    >>> round(Budget.create(rho=0.5).to_approx(1e-9).epsilon, 4)
    6.9379
    """

    epsilon: float | None = None
    delta: float = 0.0
    rho: float | None = None

    @classmethod
    def create(
        cls,
        epsilon: float | None = None,
        delta: float | None = None,
        rho: float | None = None,
    ) -> Budget:
        """Validate and build a budget.

        Parameters
        ----------
        epsilon : float, optional
            Total ε > 0 (pure DP, or (ε, δ)-DP when ``delta`` > 0).
        delta : float, optional
            Total δ in [0, 1); default 0.
        rho : float, optional
            Total zCDP ρ > 0. Give exactly one of ``epsilon`` and ``rho``.

        Raises
        ------
        PrivacyError
            When a value is out of range, or both / neither of ``epsilon`` and ``rho``
            are given.
        """
        return cls(epsilon=epsilon, delta=0.0 if delta is None else delta, rho=rho)

    def __post_init__(self) -> None:
        # Validated here rather than only in create(), so no invalid Budget can exist.
        if self.epsilon is not None and self.rho is not None:
            raise PrivacyError(
                "Give exactly one of the 'epsilon' and 'rho' parameters, not both: epsilon "
                "for (ε, δ)-DP, rho for zero-concentrated DP."
            )
        if self.epsilon is None and self.rho is None:
            raise PrivacyError(
                "Give exactly one of the 'epsilon' and 'rho' parameters: epsilon for "
                "(ε, δ)-DP (e.g. epsilon=1.0), rho for zero-concentrated DP."
            )
        if self.epsilon is not None:
            object.__setattr__(self, "epsilon", check_positive("epsilon", self.epsilon))
        else:
            object.__setattr__(self, "rho", check_positive("rho", self.rho))
        object.__setattr__(self, "delta", _check_delta(self.delta))

    @property
    def unit(self) -> str:
        """``"zcdp"`` when ρ is set, ``"approx"`` when δ > 0, else ``"pure"``."""
        if self.rho is not None:
            return "zcdp"
        return "approx" if self.delta > 0 else "pure"

    @property
    def total(self) -> Cost:
        """The whole budget as a :class:`Cost` in its own unit."""
        if self.rho is not None:
            return Cost(rho=self.rho, delta=self.delta)
        return Cost(epsilon=float(self.epsilon or 0.0), delta=self.delta)

    def describe(self) -> str:
        """Readable text, e.g. ``"(ε=1, δ=1e-09)-differential privacy"``."""
        if self.unit == "pure":
            return f"ε={_fmt(self.epsilon or 0.0)} (pure differential privacy)"
        if self.unit == "approx":
            return f"(ε={_fmt(self.epsilon or 0.0)}, δ={_fmt(self.delta)})-differential privacy"
        text = f"ρ={_fmt(self.rho or 0.0)} zero-concentrated differential privacy"
        return text + (f" with δ={_fmt(self.delta)}" if self.delta > 0 else "")

    def to_approx(self, delta: float) -> Budget:
        """The (ε, δ)-DP guarantee this budget implies.

        A zCDP budget ρ (with carried δ₀) becomes ``ε = ρ + 2√(ρ ln(1/δ))`` at total
        δ + δ₀ (Bun & Steinke 2016, Proposition 1.3). Pure and (ε, δ) budgets are already
        (ε, δ)-DP and are returned unchanged; ``delta`` is then ignored.
        """
        if self.rho is None:
            return self
        d = _check_delta(delta)
        if d == 0:
            raise PrivacyError(
                "The 'delta' parameter of to_approx must be > 0 for a zCDP budget: "
                "zCDP implies (ε, δ)-DP only for δ > 0. Got 0 instead."
            )
        eps = zcdp_to_approx(self.rho, d)
        return Budget(epsilon=eps, delta=_check_delta(d + self.delta))

    def to_zcdp(self) -> Budget:
        """A zCDP budget whose spending stays within this budget.

        Pure ε → ρ = ε²/2 (Bun & Steinke 2016, Prop. 1.4). (ε, δ) → the ρ of
        :func:`~datatwin.privacy.conversions.approx_to_zcdp`; the whole δ is used by the
        conversion, so the result carries δ = 0. A zCDP budget is returned unchanged.
        """
        if self.rho is not None:
            return self
        eps = float(self.epsilon or 0.0)
        if self.delta == 0:
            return Budget(rho=pure_to_zcdp(eps))
        return Budget(rho=approx_to_zcdp(eps, self.delta))

    def to_dict(self) -> dict[str, float]:
        """``{"epsilon": …, "delta": …}`` or ``{"rho": …, "delta": …}``."""
        if self.rho is not None:
            return {"rho": self.rho, "delta": self.delta}
        return {"epsilon": float(self.epsilon or 0.0), "delta": self.delta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Budget:
        """Inverse of :meth:`to_dict`; validates like :meth:`create`."""
        if not isinstance(data, dict):
            raise PrivacyError(
                f"A privacy budget must be a mapping like {{'epsilon': 1.0, 'delta': 1e-9}}. "
                f"Got {type(data).__name__} instead."
            )
        unknown = set(data) - {"epsilon", "delta", "rho"}
        if unknown:
            raise PrivacyError(f"Unknown privacy budget field(s) {sorted(unknown)}; use 'epsilon', 'delta' and 'rho'.")
        return cls.create(epsilon=data.get("epsilon"), delta=data.get("delta"), rho=data.get("rho"))


def _within(total: float, limit: float) -> bool:
    return total <= limit * (1.0 + _REL_TOL)


class Accountant:
    """Tracks what has been spent from a :class:`Budget` and refuses to overspend.

    Parameters
    ----------
    budget : Budget
        The total budget. Costs are converted into its unit when charged
        (see :meth:`Cost.in_unit`).

    Examples
    --------
    >>> acc = Accountant(Budget.create(epsilon=1.0))
    >>> for i in range(10):
    ...     acc.spend(f"column {i}", Cost(epsilon=0.1))
    >>> acc.remaining.epsilon
    0.0
    """

    def __init__(self, budget: Budget) -> None:
        if not isinstance(budget, Budget):
            raise PrivacyError(
                f"The 'budget' parameter must be a Budget (use Budget.create(epsilon=...)). "
                f"Got {type(budget).__name__} instead."
            )
        self.budget = budget
        self._charges: list[tuple[str, Cost]] = []

    @property
    def history(self) -> list[tuple[str, Cost]]:
        """``(what, cost in the budget's unit)`` for every release charged so far."""
        return list(self._charges)

    @property
    def spent(self) -> Cost:
        """Total spent so far, in the budget's unit."""
        return Cost.sum([c for _, c in self._charges])

    @property
    def remaining(self) -> Cost:
        """What is left, in the budget's unit (never negative)."""
        total, spent = self.budget.total, self.spent
        return Cost(
            epsilon=max(0.0, total.epsilon - spent.epsilon),
            delta=max(0.0, total.delta - spent.delta),
            rho=max(0.0, total.rho - spent.rho),
        )

    def spend(self, what: str, cost: Cost) -> None:
        """Charge ``cost`` for the release ``what``, or raise if it would exceed the budget.

        Raises
        ------
        BudgetExceededError
            Naming ``what``, its cost, what is already spent and the budget.
        PrivacyError
            When the cost cannot be expressed in the budget's unit.
        """
        if not isinstance(cost, Cost):
            raise PrivacyError(f"The 'cost' parameter of spend must be a Cost. Got {type(cost).__name__} instead.")
        charge = cost.in_unit(self.budget.unit)
        new = Cost.sum([self.spent, charge])
        total = self.budget.total
        if not all(_within(getattr(new, f), getattr(total, f)) for f in ("epsilon", "delta", "rho")):
            raise BudgetExceededError(
                f"Release {what!r} costs {charge.describe()}, but {self.spent.describe()} of "
                f"the budget {self.budget.describe()} is already spent (remaining: "
                f"{self.remaining.describe()}). Raise the budget or spend less on this or "
                "earlier releases."
            )
        self._charges.append((what, charge))

    def split(self, n: int, weights: Sequence[float] | None = None) -> list[Cost]:
        """Shares of the remaining budget, in its unit, for ``n`` releases.

        Parameters
        ----------
        n : int
            Number of releases, >= 1.
        weights : sequence of float, optional
            Non-negative relative weights (length ``n``, positive sum); equal by default.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise PrivacyError(f"The 'n' parameter of split must be an integer >= 1. Got {n!r} instead.")
        if weights is None:
            w = [1.0] * n
        else:
            w = [float(x) for x in weights]
            if len(w) != n:
                raise PrivacyError(f"The 'weights' parameter of split must have n={n} entries. Got {len(w)} instead.")
            if any(not math.isfinite(x) or x < 0 for x in w) or math.fsum(w) <= 0:
                raise PrivacyError(
                    "The 'weights' parameter of split must hold finite numbers >= 0 with a "
                    f"positive sum. Got {list(weights)} instead."
                )
        total_w = math.fsum(w)
        rem = self.remaining
        return [
            Cost(epsilon=rem.epsilon * x / total_w, delta=rem.delta * x / total_w, rho=rem.rho * x / total_w) for x in w
        ]
