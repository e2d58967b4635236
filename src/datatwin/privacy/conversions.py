"""Conversions between the units of privacy loss: pure ε, (ε, δ) and zCDP ρ.

The budget and the accountant (:mod:`datatwin.privacy.budget`) use these to charge a
cost to a budget of another unit and to restate a budget in another unit. All three
conversions are for the neighbouring relation *add or remove one row*.

References
----------
Bun, M. & Steinke, T. (2016). Concentrated Differential Privacy: Simplifications,
Extensions, and Lower Bounds. TCC 2016, arXiv:1605.02065.
"""

from __future__ import annotations

import math

from datatwin.errors import PrivacyError

__all__ = ["approx_to_zcdp", "pure_to_zcdp", "zcdp_to_approx"]


def _fmt(x: float) -> str:
    """Short, exact-enough rendering of a privacy parameter (``1``, ``0.1``, ``1e-09``)."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def pure_to_zcdp(epsilon: float) -> float:
    """ρ such that an ε-DP release is also ρ-zCDP: ``ρ = ε² / 2``.

    Bun & Steinke (2016), Proposition 1.4.
    """
    return epsilon * epsilon / 2.0


def zcdp_to_approx(rho: float, delta: float) -> float:
    """ε such that a ρ-zCDP release is (ε, δ)-DP: ``ε = ρ + 2 √(ρ ln(1/δ))``.

    Bun & Steinke (2016), Proposition 1.3. ``delta`` must be in (0, 1).
    """
    if not 0.0 < delta < 1.0:
        raise PrivacyError(
            f"The 'delta' parameter of the zCDP to (ε, δ) conversion must be in (0, 1). Got {_fmt(delta)} instead."
        )
    return rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))


def approx_to_zcdp(epsilon: float, delta: float) -> float:
    """Largest ρ whose (Proposition 1.3) conversion gives at most (ε, δ)-DP.

    Inverts ``ε = ρ + 2 √(ρ L)`` with ``L = ln(1/δ)``: ``ρ = (√(L + ε) − √L)²``.
    Spending this ρ under zCDP therefore stays within (ε, δ)-DP (Bun & Steinke 2016,
    Proposition 1.3). ``delta`` must be in (0, 1).
    """
    if not 0.0 < delta < 1.0:
        raise PrivacyError(
            f"The 'delta' parameter of the (ε, δ) to zCDP conversion must be in (0, 1). Got {_fmt(delta)} instead."
        )
    log_term = math.log(1.0 / delta)
    return (math.sqrt(log_term + epsilon) - math.sqrt(log_term)) ** 2
