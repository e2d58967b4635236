"""Calibration and cost of the differential-privacy mechanisms of :mod:`datatwin.privacy.mechanisms`.

The neighbouring relation is **add or remove one row**, and ``sensitivity`` is how much
the *whole vector* can change when one row is added or removed (L1 norm for Laplace, L2
for Gaussian, L∞ per candidate score for the exponential mechanism).

Costs (all per release of one vector):

============================  ===========  ==================================
mechanism                     ``scale``    cost
============================  ===========  ==================================
``laplace``                   b            ε = Δ₁ / b
``discrete_laplace``          b            ε = Δ₁ / b
``gaussian``                  σ            ρ = Δ₂² / (2σ²)  (zCDP)
``discrete_gaussian``         σ            ρ = Δ₂² / (2σ²)  (zCDP)
``exponential``               b            ε = 2Δ∞ / b
``gumbel_max``                b            ρ = Δ∞² / (2b²)  (zCDP; the exponential mechanism)
``partition_selection``       b            ε = Δ / b, δ from the threshold
============================  ===========  ==================================
"""

from __future__ import annotations

import math
from collections.abc import Callable

from datatwin.errors import PrivacyError
from datatwin.privacy.budget import Cost, _check_delta, check_positive
from datatwin.privacy.conversions import zcdp_to_approx

__all__ = [
    "MECHANISM_COSTS",
    "exponential_cost",
    "exponential_scale",
    "gaussian_cost",
    "gaussian_sigma",
    "laplace_cost",
    "laplace_scale",
    "mechanism_cost",
    "partition_cost",
    "partition_parameters",
    "partition_threshold",
]


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """Laplace scale ``b = Δ₁ / ε`` that makes one release ε-DP."""
    return check_positive("sensitivity", sensitivity) / check_positive("epsilon", epsilon)


def laplace_cost(sensitivity: float, scale: float) -> Cost:
    """Pure-DP cost ``ε = Δ₁ / b`` of a (discrete) Laplace release (Dwork et al. 2006)."""
    return Cost(epsilon=check_positive("sensitivity", sensitivity) / check_positive("scale", scale))


def gaussian_sigma(sensitivity: float, rho: float) -> float:
    """Gaussian σ = Δ₂ / √(2ρ) that makes one release ρ-zCDP."""
    return check_positive("sensitivity", sensitivity) / math.sqrt(2.0 * check_positive("rho", rho))


def gaussian_cost(sensitivity: float, sigma: float) -> Cost:
    """zCDP cost ``ρ = Δ₂² / (2σ²)`` of a (discrete) Gaussian release.

    Bun & Steinke (2016), Proposition 1.6; for the discrete Gaussian, Canonne, Kamath &
    Steinke (2020), Theorem 4.
    """
    d = check_positive("sensitivity", sensitivity)
    s = check_positive("sigma", sigma)
    return Cost(rho=d * d / (2.0 * s * s))


def gaussian_approx_sigma(sensitivity: float, epsilon: float, delta: float) -> float:
    """Gaussian σ that makes one release (ε, δ)-DP through zCDP: the ρ with
    ρ + 2√(ρ ln(1/δ)) = ε (Bun & Steinke 2016, Prop. 1.3), then σ = Δ₂ / √(2ρ)."""
    eps, d = check_positive("epsilon", epsilon), check_positive("delta", delta)
    log = math.log(1.0 / d)
    rho = (math.sqrt(eps + log) - math.sqrt(log)) ** 2
    return gaussian_sigma(sensitivity, rho)


def gaussian_approx_cost(sensitivity: float, sigma: float, delta: float) -> Cost:
    """(ε, δ) cost of a Gaussian release at this δ: its ρ = Δ₂² / (2σ²) converted with
    ε = ρ + 2√(ρ ln(1/δ)) (Bun & Steinke 2016, Propositions 1.3 and 1.6)."""
    rho = gaussian_cost(sensitivity, sigma).rho
    d = check_positive("delta", delta)
    return Cost(epsilon=zcdp_to_approx(rho, d), delta=d)


def exponential_scale(sensitivity: float, epsilon: float) -> float:
    """Noise scale ``b = 2Δ∞ / ε`` for :func:`exponential_mechanism`."""
    return 2.0 * check_positive("sensitivity", sensitivity) / check_positive("epsilon", epsilon)


def exponential_cost(sensitivity: float, scale: float) -> Cost:
    """Pure-DP cost ``ε = 2Δ∞ / b`` of report-noisy-max with exponential noise.

    This is OpenDP's privacy map for ``make_noisy_max`` under ``max_divergence`` with
    non-monotonic scores (McKenna & Sheldon 2020).
    """
    return Cost(epsilon=2.0 * check_positive("sensitivity", sensitivity) / check_positive("scale", scale))


def gumbel_scale(sensitivity: float, rho: float) -> float:
    """Gumbel-noise scale ``b = Δ∞ / √(2ρ)`` that makes report-noisy-max ρ-zCDP.

    Report-noisy-max with Gumbel noise of scale ``b`` is the exponential mechanism at
    ``ε = 2Δ∞ / b``, which is ``ε²/8``-zCDP (bounded range; Cesar & Rogers 2021), so
    ``ρ = Δ∞² / (2b²)``: the Gaussian formula, and OpenDP's privacy map for
    ``make_noisy_max`` under ``zero_concentrated_divergence``. Its cost is therefore
    :func:`gaussian_cost` (mechanism ``gumbel_max`` in the ledger).
    """
    return check_positive("sensitivity", sensitivity) / math.sqrt(2.0 * check_positive("rho", rho))


def partition_threshold(epsilon: float, delta: float) -> float:
    """Threshold ``τ = 1 + ln(1/(2δ)) / ε`` for Laplace partition selection.

    A label held by a single row survives Laplace(1/ε) noise above τ with probability
    ``½·exp(−ε(τ − 1)) = δ``; this is the Laplace thresholding of Korolova, Kenthapadi,
    Mishra & Ntoulas (2009, "Releasing search queries and clicks privately", WWW) in the
    form given by Desfontaines, Voss, Gipson & Mandayam (2022, "Differentially private
    partition selection", PoPETs 2022(1)) for one partition per row.
    """
    eps = check_positive("epsilon", epsilon)
    d = _check_delta(delta)
    if d == 0:
        raise PrivacyError(
            "The 'delta' parameter of partition selection must be > 0: releasing labels "
            "seen in the data cannot be pure DP. Got 0 instead."
        )
    return 1.0 + math.log(1.0 / (2.0 * d)) / eps


def _discrete_laplace_tail(k: int, scale: float) -> float:
    """P(Z >= k) for Z discrete Laplace, P(Z = z) ∝ exp(−|z| / scale)."""
    q = math.exp(-1.0 / scale)
    if k >= 1:
        return math.exp(-k / scale) / (1.0 + q)
    return 1.0 - math.exp(-(1 - k) / scale) / (1.0 + q)


def partition_cost(scale: float, threshold: float, sensitivity: float = 1.0) -> Cost:
    """Exact (ε, δ) of partition selection at this noise ``scale`` and integer ``threshold``.

    Neighbours differ in one row, so one label's count changes by ``sensitivity`` Δ (a
    whole number): the noisy counts are ε = Δ / scale DP, and a label present in only one
    of the neighbours is released with probability δ = P(Δ + Z >= threshold), Z discrete
    Laplace(scale) — the δ of Laplace thresholding (Korolova et al. 2009; Desfontaines et
    al. 2022) for integer noise. OpenDP 0.16's own privacy map for
    ``make_laplace_threshold`` leaves out the mass at the threshold and reports a δ too
    small by a factor e^(1/scale) (opendp/opendp#2922), so it is not used here.
    """
    b = check_positive("scale", scale)
    d = check_positive("sensitivity", sensitivity)
    if not float(d).is_integer() or not float(threshold).is_integer():
        raise PrivacyError(
            "Partition selection works on integer counts: the 'threshold' and 'sensitivity' "
            f"parameters must be whole numbers. Got {threshold!r} and {sensitivity!r} instead."
        )
    return Cost(epsilon=d / b, delta=_discrete_laplace_tail(int(threshold) - int(d), b))


def partition_parameters(epsilon: float, delta: float) -> tuple[float, int]:
    """``(scale, integer threshold)`` used by :func:`~datatwin.privacy.mechanisms.select_partitions` for (ε, δ)."""
    tau = partition_threshold(epsilon, delta)
    scale = 1.0 / float(epsilon)
    threshold = math.ceil(tau)
    # τ is derived for continuous Laplace noise; with integer noise the tail at ceil(τ)
    # can still exceed δ by up to a factor 2/(1 + e^(−ε)), so step up until it does not.
    while partition_cost(scale, threshold).delta > delta:
        threshold += 1
    return scale, threshold


#: mechanism name -> cost of one release given (sensitivity, scale); partition selection
#: is special (its δ depends on the threshold) and is handled by :func:`mechanism_cost`.
MECHANISM_COSTS: dict[str, Callable[[float, float], Cost]] = {
    "laplace": laplace_cost,
    "discrete_laplace": laplace_cost,
    "gaussian": gaussian_cost,
    "discrete_gaussian": gaussian_cost,
    "exponential": exponential_cost,
    "gumbel_max": gaussian_cost,
}


def mechanism_cost(
    mechanism: str, sensitivity: float, scale: float, threshold: float | None = None, delta: float | None = None
) -> Cost:
    """Cost of one release by ``mechanism`` at this sensitivity and noise scale.

    For ``partition_selection`` the exact (ε, δ) needs the integer ``threshold``; for
    ``gaussian_approx`` (a Gaussian release charged as (ε, δ)) the ``delta`` it was charged.
    """
    if mechanism == "gaussian_approx":
        if delta is None or delta <= 0:
            raise PrivacyError("The 'delta' parameter is needed to compute the (ε, δ) cost of a gaussian_approx release.")
        return gaussian_approx_cost(sensitivity, scale, delta)
    if mechanism == "partition_selection":
        if threshold is None:
            raise PrivacyError("The 'threshold' parameter is needed to compute the cost of partition selection.")
        return partition_cost(scale, threshold, sensitivity)
    try:
        return MECHANISM_COSTS[mechanism](sensitivity, scale)
    except KeyError:
        known = sorted([*MECHANISM_COSTS, "partition_selection", "gaussian_approx"])
        raise PrivacyError(f"Unknown mechanism {mechanism!r}; known mechanisms: {', '.join(known)}.") from None
