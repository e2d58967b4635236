"""Differential-privacy mechanisms: noise drawn through OpenDP.

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

The calibration of each mechanism (noise scale for a target cost) and its cost (for a
given noise scale) are in :mod:`datatwin.privacy.costs`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from datatwin.errors import PrivacyError
from datatwin.privacy.budget import Cost, _fmt, check_positive
from datatwin.privacy.costs import exponential_scale, mechanism_cost, partition_parameters

__all__ = [
    "Release",
    "discrete_gaussian",
    "discrete_laplace",
    "exponential_mechanism",
    "gumbel_max",
    "gaussian",
    "laplace",
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


# --------------------------------------------------------------------------- noise


@functools.lru_cache(maxsize=256)
def _threshold_measurement(scale: float, threshold: int) -> Any:
    dp = _dp()
    domain = dp.map_domain(dp.atom_domain(T="i64"), dp.atom_domain(T="i64"))
    metric = dp.l01inf_distance(dp.absolute_distance(T="i64"))
    return dp.m.make_laplace_threshold(domain, metric, scale=scale, threshold=threshold)


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
    scaled by 2^k), so the result is floating-point safe. Cost: :func:`~datatwin.privacy.costs.laplace_cost`.
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
    Returns ``int64``. Cost: :func:`~datatwin.privacy.costs.laplace_cost` (ε = Δ₁ / scale). Not seedable, by design.
    """
    return _release("discrete_laplace", _as_int_vector(counts, "counts"), check_positive("scale", scale))


def gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    """Add Gaussian(0, σ²) noise to each value (OpenDP ``make_gaussian`` on floats).

    Cost: :func:`~datatwin.privacy.costs.gaussian_cost` (ρ = Δ₂² / (2σ²), zCDP). Not seedable, by design.
    """
    return _release("gaussian", _as_float_vector(values, "values"), check_positive("sigma", sigma))


def discrete_gaussian(counts: np.ndarray, sigma: float) -> np.ndarray:
    """Add discrete Gaussian noise with scale σ to integer ``counts`` (returns ``int64``).

    OpenDP ``make_gaussian`` on ``i64`` vectors, the exact sampler of Canonne, Kamath &
    Steinke (2020). Cost: :func:`~datatwin.privacy.costs.gaussian_cost`. Not seedable, by design.
    """
    return _release("discrete_gaussian", _as_int_vector(counts, "counts"), check_positive("sigma", sigma))


def select_partitions(
    labels: Sequence[Any], counts: np.ndarray, epsilon: float, delta: float
) -> tuple[list[Any], np.ndarray, Cost]:
    """Release the labels that occur in the data, with their noisy counts, under (ε, δ)-DP.

    Each row holds one label, so adding or removing a row changes one count by 1. Every
    count gets discrete Laplace noise of scale 1/ε (OpenDP ``make_laplace_threshold``);
    a label is kept when its noisy count is >= τ from :func:`~datatwin.privacy.costs.partition_threshold`
    (rounded up, since noisy counts are integers, and raised by one when the
    exact discrete tail of :func:`~datatwin.privacy.costs.partition_cost` needs it to stay within ``delta``).
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
        exact cost at the threshold used (see :func:`~datatwin.privacy.costs.partition_cost`).
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


def exponential_mechanism(scores: np.ndarray, sensitivity: float, epsilon: float) -> int:
    """Index of a candidate chosen privately, higher ``scores`` preferred; ε-DP.

    OpenDP ``make_noisy_max`` under ``max_divergence``: report-noisy-max with exponential
    noise of scale ``2Δ∞/ε``, which is the permute-and-flip mechanism (McKenna & Sheldon
    2020; Ding et al. 2021) — an ε-DP selection that is never less accurate than the
    classic exponential mechanism (McSherry & Talwar 2007). ``sensitivity`` bounds how
    much any one score changes when a row is added or removed. Cost:
    :func:`~datatwin.privacy.costs.exponential_cost`, i.e. exactly ``epsilon``. Not seedable, by design.
    """
    arr = _as_float_vector(scores, "scores")
    if arr.size == 0:
        raise PrivacyError("The 'scores' parameter must hold at least one candidate's score.")
    scale = exponential_scale(sensitivity, epsilon)
    return int(_opendp_call(_noisy_max_measurement(scale), arr.tolist(), "a selection"))


def gumbel_max(scores: np.ndarray, scale: float) -> int:
    """Index of a candidate chosen privately, higher ``scores`` preferred; zCDP.

    OpenDP ``make_noisy_max`` under ``zero_concentrated_divergence``: report-noisy-max with
    Gumbel noise of scale ``b``, i.e. the exponential mechanism, which is ``Δ∞²/(2b²)``-zCDP
    (:func:`~datatwin.privacy.costs.gumbel_scale`). Not seedable, by design.
    """
    arr = _as_float_vector(scores, "scores")
    if arr.size == 0:
        raise PrivacyError("The 'scores' parameter must hold at least one candidate's score.")
    return int(_opendp_call(_gumbel_max_measurement(float(scale)), arr.tolist(), "a selection"))


@functools.lru_cache(maxsize=256)
def _gumbel_max_measurement(scale: float) -> Any:
    dp = _dp()
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.linf_distance(T=float)
    return dp.m.make_noisy_max(*space, dp.zero_concentrated_divergence(), scale=scale)


@functools.lru_cache(maxsize=256)
def _noisy_max_measurement(scale: float) -> Any:
    dp = _dp()
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.linf_distance(T=float)
    return dp.m.make_noisy_max(*space, dp.max_divergence(), scale=scale)


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
