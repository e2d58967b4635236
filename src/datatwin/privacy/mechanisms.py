"""Differential-privacy mechanisms: noise drawn through OpenDP, with calibration and cost.

Every sampler here is an OpenDP measurement (floating-point-safe, exact samplers; see
Canonne, Kamath & Steinke 2020 for the discrete Gaussian/Laplace samplers OpenDP uses),
called once per *vector* of values rather than once per value. Nothing here draws noise
with ``numpy.random``.

The neighbouring relation is **add or remove one row**. ``sensitivity`` always means how
much the *whole vector* can change when one row is added or removed: its L1 norm for the
Laplace mechanisms, its L2 norm for the Gaussian ones, its L∞ norm (per candidate score)
for the exponential mechanism. A histogram where each row falls in one bin has
sensitivity 1 in all three norms.

OpenDP's noise cannot be seeded, and that is deliberate: noise that a seed could
reproduce would let anyone who learns the seed subtract it. Model fits under DP are
therefore not bit-reproducible; sampling from a fitted model still is.

Costs (all per release of one vector):

============================  ===========  ==================================
mechanism                     ``scale``    cost
============================  ===========  ==================================
``laplace``                   b            ε = Δ₁ / b
``discrete_laplace``          b            ε = Δ₁ / b
``gaussian``                  σ            ρ = Δ₂² / (2σ²)  (zCDP)
``discrete_gaussian``         σ            ρ = Δ₂² / (2σ²)  (zCDP)
``exponential``               b            ε = 2Δ∞ / b
``partition_selection``       b            ε = Δ / b, δ from the threshold
============================  ===========  ==================================
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from datatwin.errors import PrivacyError
from datatwin.privacy.budget import Cost, _check_delta, _fmt, check_positive

__all__ = [
    "MECHANISM_COSTS",
    "Release",
    "discrete_gaussian",
    "discrete_laplace",
    "exponential_cost",
    "exponential_mechanism",
    "exponential_scale",
    "gaussian",
    "gaussian_cost",
    "gaussian_sigma",
    "laplace",
    "laplace_cost",
    "laplace_scale",
    "mechanism_cost",
    "partition_cost",
    "partition_parameters",
    "partition_threshold",
    "select_partitions",
]


@functools.cache
def _dp() -> Any:
    # OpenDP takes 1-2 s to import; load it only when noise is first needed.
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def _opendp_call(measurement: Any, arg: Any, what: str) -> Any:
    try:
        return measurement(arg)
    except Exception as exc:  # OpenDPException or ValueError from the bindings
        raise PrivacyError(f"OpenDP could not release {what}: {exc}") from exc


# --------------------------------------------------------------------------- calibration


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


def exponential_scale(sensitivity: float, epsilon: float) -> float:
    """Noise scale ``b = 2Δ∞ / ε`` for :func:`exponential_mechanism`."""
    return 2.0 * check_positive("sensitivity", sensitivity) / check_positive("epsilon", epsilon)


def exponential_cost(sensitivity: float, scale: float) -> Cost:
    """Pure-DP cost ``ε = 2Δ∞ / b`` of report-noisy-max with exponential noise.

    This is OpenDP's privacy map for ``make_noisy_max`` under ``max_divergence`` with
    non-monotonic scores (McKenna & Sheldon 2020).
    """
    return Cost(epsilon=2.0 * check_positive("sensitivity", sensitivity) / check_positive("scale", scale))


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


@functools.lru_cache(maxsize=256)
def _threshold_measurement(scale: float, threshold: int) -> Any:
    dp = _dp()
    domain = dp.map_domain(dp.atom_domain(T="i64"), dp.atom_domain(T="i64"))
    metric = dp.l01inf_distance(dp.absolute_distance(T="i64"))
    return dp.m.make_laplace_threshold(domain, metric, scale=scale, threshold=threshold)


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


# --------------------------------------------------------------------------- noise


@functools.lru_cache(maxsize=256)
def _vector_measurement(kind: str, scale: float) -> Any:
    # Unsized vector domains: one measurement per (kind, scale) serves every length.
    dp = _dp()
    if kind in ("laplace", "gaussian"):
        domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
        t = float
    else:
        domain = dp.vector_domain(dp.atom_domain(T="i64"))
        t = "i64"
    if kind in ("laplace", "discrete_laplace"):
        return dp.m.make_laplace(domain, dp.l1_distance(T=t), scale=scale)
    return dp.m.make_gaussian(domain, dp.l2_distance(T=t), scale=scale)


def _as_float_vector(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if (
        arr.ndim != 1
        or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool)
        or np.issubdtype(arr.dtype, np.complexfloating)
    ):
        raise PrivacyError(
            f"The {name!r} parameter must be a one-dimensional array of real numbers. "
            f"Got shape {arr.shape} and dtype {arr.dtype} instead."
        )
    arr = arr.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise PrivacyError(
            f"The {name!r} parameter must hold finite numbers only; found {arr[bad[0]]} at "
            f"position {bad[0]}. Clamp or impute the values before adding noise."
        )
    return arr


_I64_SAFE = 2**62  # leaves room for the noise without overflowing int64


def _as_int_vector(counts: Any, name: str) -> np.ndarray:
    arr = np.asarray(counts)
    if arr.ndim != 1:
        raise PrivacyError(
            f"The {name!r} parameter must be a one-dimensional array of integers. Got shape {arr.shape} instead."
        )
    if np.issubdtype(arr.dtype, np.floating):
        whole = np.isfinite(arr) & (arr == np.round(arr))
        if not whole.all():
            pos = int(np.flatnonzero(~whole)[0])
            raise PrivacyError(
                f"The {name!r} parameter of a discrete mechanism must hold integers; found "
                f"{arr[pos]} at position {pos}. Use laplace()/gaussian() for real values."
            )
    elif not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise PrivacyError(
            f"The {name!r} parameter of a discrete mechanism must hold integers. Got dtype {arr.dtype} instead."
        )
    if arr.size and np.abs(arr).max() >= _I64_SAFE:
        raise PrivacyError(f"The {name!r} parameter holds integers too large (>= 2**62) to noise.")
    return arr.astype(np.int64)


def _release(kind: str, arr: np.ndarray, scale: float) -> np.ndarray:
    if arr.size == 0:
        return arr.copy()
    m = _vector_measurement(kind, scale)
    return np.asarray(_opendp_call(m, arr.tolist(), f"{kind} noise"), dtype=arr.dtype)


def laplace(values: np.ndarray, scale: float) -> np.ndarray:
    """Add Laplace(``scale``) noise to each value (OpenDP ``make_laplace`` on floats).

    OpenDP samples the Laplace distribution exactly on a fine grid (a discrete Laplace
    scaled by 2^k), so the result is floating-point safe. Cost: :func:`laplace_cost`.
    The noise is not seedable, by design.

    Parameters
    ----------
    values : numpy.ndarray
        One-dimensional, finite real values.
    scale : float
        Laplace scale b > 0 (standard deviation b√2).
    """
    return _release("laplace", _as_float_vector(values, "values"), check_positive("scale", scale))


def discrete_laplace(counts: np.ndarray, scale: float) -> np.ndarray:
    """Add discrete Laplace (two-sided geometric) noise to integer ``counts``.

    OpenDP ``make_laplace`` on ``i64`` vectors (Canonne, Kamath & Steinke 2020 sampler).
    Returns ``int64``. Cost: :func:`laplace_cost` (ε = Δ₁ / scale). Not seedable, by design.
    """
    return _release("discrete_laplace", _as_int_vector(counts, "counts"), check_positive("scale", scale))


def gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    """Add Gaussian(0, σ²) noise to each value (OpenDP ``make_gaussian`` on floats).

    Cost: :func:`gaussian_cost` (ρ = Δ₂² / (2σ²), zCDP). Not seedable, by design.
    """
    return _release("gaussian", _as_float_vector(values, "values"), check_positive("sigma", sigma))


def discrete_gaussian(counts: np.ndarray, sigma: float) -> np.ndarray:
    """Add discrete Gaussian noise with scale σ to integer ``counts`` (returns ``int64``).

    OpenDP ``make_gaussian`` on ``i64`` vectors, the exact sampler of Canonne, Kamath &
    Steinke (2020). Cost: :func:`gaussian_cost`. Not seedable, by design.
    """
    return _release("discrete_gaussian", _as_int_vector(counts, "counts"), check_positive("sigma", sigma))


def select_partitions(
    labels: Sequence[Any], counts: np.ndarray, epsilon: float, delta: float
) -> tuple[list[Any], np.ndarray, Cost]:
    """Release the labels that occur in the data, with their noisy counts, under (ε, δ)-DP.

    Each row holds one label, so adding or removing a row changes one count by 1. Every
    count gets discrete Laplace noise of scale 1/ε (OpenDP ``make_laplace_threshold``);
    a label is kept when its noisy count is >= τ from :func:`partition_threshold`
    (rounded up, since noisy counts are integers, and raised by one when the
    exact discrete tail of :func:`partition_cost` needs it to stay within ``delta``).
    Korolova et al. (2009); Desfontaines et al. (2022).

    Parameters
    ----------
    labels : sequence
        Distinct labels (any hashable values).
    counts : numpy.ndarray
        Their row counts (integers >= 0), same length.
    epsilon, delta : float
        Cost of the release; ``delta`` > 0 (typically far below 1 / n_rows).

    Returns
    -------
    kept_labels : list
        Labels whose noisy count reached the threshold, in input order.
    noisy_counts : numpy.ndarray
        Their noisy counts (``int64``, all >= threshold); releasing them costs nothing extra.
    cost : Cost
        ``Cost(epsilon=epsilon, delta=delta)``: the requested cost, which bounds the
        exact cost at the threshold used (see :func:`partition_cost`).
    """
    labels = list(labels)
    arr = _as_int_vector(counts, "counts")
    if len(labels) != arr.size:
        raise PrivacyError(
            f"The 'labels' and 'counts' parameters must have the same length. Got {len(labels)} and {arr.size} instead."
        )
    if arr.size and arr.min() < 0:
        raise PrivacyError(f"The 'counts' parameter must hold counts >= 0. Got {arr.min()} instead.")
    if len(set(labels)) != len(labels):
        raise PrivacyError("The 'labels' parameter must hold distinct labels; merge duplicates first.")
    scale, threshold = partition_parameters(epsilon, delta)
    if arr.size == 0:
        return [], arr.copy(), Cost(epsilon=epsilon, delta=delta)
    # Positions, not labels, are the OpenDP keys, so labels may be of any type.
    noisy = _opendp_call(
        _threshold_measurement(scale, threshold),
        {i: int(c) for i, c in enumerate(arr)},
        "partition selection",
    )
    kept = sorted(noisy)
    return (
        [labels[i] for i in kept],
        np.asarray([noisy[i] for i in kept], dtype=np.int64),
        Cost(epsilon=float(epsilon), delta=float(delta)),
    )


def partition_parameters(epsilon: float, delta: float) -> tuple[float, int]:
    """``(scale, integer threshold)`` used by :func:`select_partitions` for (ε, δ)."""
    tau = partition_threshold(epsilon, delta)
    scale = 1.0 / float(epsilon)
    threshold = math.ceil(tau)
    # τ is derived for continuous Laplace noise; with integer noise the tail at ceil(τ)
    # can still exceed δ by up to a factor 2/(1 + e^(−ε)), so step up until it does not.
    while partition_cost(scale, threshold).delta > delta:
        threshold += 1
    return scale, threshold


def exponential_mechanism(scores: np.ndarray, sensitivity: float, epsilon: float) -> int:
    """Index of a candidate chosen privately, higher ``scores`` preferred; ε-DP.

    OpenDP ``make_noisy_max`` under ``max_divergence``: report-noisy-max with exponential
    noise of scale ``2Δ∞/ε``, which is the permute-and-flip mechanism (McKenna & Sheldon
    2020; Ding et al. 2021) — an ε-DP selection that is never less accurate than the
    classic exponential mechanism (McSherry & Talwar 2007). ``sensitivity`` bounds how
    much any one score changes when a row is added or removed. Cost:
    :func:`exponential_cost`, i.e. exactly ``epsilon``. Not seedable, by design.
    """
    arr = _as_float_vector(scores, "scores")
    if arr.size == 0:
        raise PrivacyError("The 'scores' parameter must hold at least one candidate's score.")
    scale = exponential_scale(sensitivity, epsilon)
    return int(_opendp_call(_noisy_max_measurement(scale), arr.tolist(), "a selection"))


@functools.lru_cache(maxsize=256)
def _noisy_max_measurement(scale: float) -> Any:
    dp = _dp()
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.linf_distance(T=float)
    return dp.m.make_noisy_max(*space, dp.max_divergence(), scale=scale)


# --------------------------------------------------------------------------- ledger lines

#: mechanism name -> cost of one release given (sensitivity, scale); partition selection
#: is special (its δ depends on the threshold) and is handled by :func:`mechanism_cost`.
MECHANISM_COSTS: dict[str, Callable[[float, float], Cost]] = {
    "laplace": laplace_cost,
    "discrete_laplace": laplace_cost,
    "gaussian": gaussian_cost,
    "discrete_gaussian": gaussian_cost,
    "exponential": exponential_cost,
}


def mechanism_cost(mechanism: str, sensitivity: float, scale: float, threshold: float | None = None) -> Cost:
    """Cost of one release by ``mechanism`` at this sensitivity and noise scale.

    For ``partition_selection`` the exact (ε, δ) needs the integer ``threshold``.
    """
    if mechanism == "partition_selection":
        if threshold is None:
            raise PrivacyError("The 'threshold' parameter is needed to compute the cost of partition selection.")
        return partition_cost(scale, threshold, sensitivity)
    try:
        return MECHANISM_COSTS[mechanism](sensitivity, scale)
    except KeyError:
        known = sorted([*MECHANISM_COSTS, "partition_selection"])
        raise PrivacyError(f"Unknown mechanism {mechanism!r}; known mechanisms: {', '.join(known)}.") from None


@dataclass(frozen=True)
class Release:
    """One released statistic: what, by which mechanism, at which noise, for what cost.

    One :class:`Release` is one ledger line of the model file. ``scale`` is the Laplace
    b, the Gaussian σ, or the exponential-noise scale. ``threshold`` is set only for
    partition selection.
    """

    what: str
    mechanism: str
    sensitivity: float
    scale: float
    cost: Cost
    threshold: float | None = None

    @classmethod
    def of(
        cls,
        what: str,
        mechanism: str,
        sensitivity: float,
        scale: float,
        threshold: float | None = None,
    ) -> Release:
        """A release whose cost is computed from its mechanism, sensitivity and scale."""
        cost = mechanism_cost(mechanism, sensitivity, scale, threshold)
        return cls(what, mechanism, float(sensitivity), float(scale), cost, threshold)

    def describe(self) -> str:
        """``"age: histogram — laplace (Δ=1, scale=20): ε=0.05"``."""
        return (
            f"{self.what} — {self.mechanism} (Δ={_fmt(self.sensitivity)}, "
            f"scale={_fmt(self.scale)}): {self.cost.describe()}"
        )
