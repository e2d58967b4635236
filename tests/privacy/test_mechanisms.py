"""DP mechanisms: the noise matches its stated distribution; calibration and costs.

OpenDP's noise cannot be seeded, so the statistical tests use thresholds with a
negligible false-alarm rate (a right distribution is accepted at p > 1e-7, so the six such
checks fail together less than once in a million runs; tolerances of 5+ standard errors)
while still failing for a wrong scale or a wrong distribution (refused at p < 1e-10: over 15
runs the wrong scales below gave p ≤ 4e-20).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats

from datatwin.errors import PrivacyError
from datatwin.privacy.budget import Cost
from datatwin.privacy.costs import (
    exponential_cost,
    exponential_scale,
    gaussian_cost,
    gaussian_sigma,
    laplace_cost,
    laplace_scale,
    mechanism_cost,
    partition_cost,
    partition_parameters,
    partition_threshold,
)
from datatwin.privacy.mechanisms import (
    Release,
    _noisy_max_measurement,
    _vector_measurement,
    discrete_gaussian,
    discrete_laplace,
    exponential_mechanism,
    gaussian,
    laplace,
    select_partitions,
)

N = 20_000
P_MIN = 1e-7  # a right distribution: p above this (false failure 1e-7 a check)
P_WRONG = 1e-10  # a wrong scale: p below this (measured ≤ 4e-20 over 15 runs)


def _chisquare_discrete(draws: np.ndarray, pmf, cut: int) -> float:
    """p-value of a chi-square test over bins -cut..cut, tails pooled into the end bins."""
    ks = np.arange(-cut, cut + 1)
    probs = pmf(ks).astype(float)
    probs[0] += pmf(np.arange(-50 * cut, -cut)).sum()
    probs[-1] += pmf(np.arange(cut + 1, 50 * cut)).sum()
    probs /= probs.sum()
    observed = np.bincount(np.clip(draws, -cut, cut) + cut, minlength=2 * cut + 1)
    return stats.chisquare(observed, probs * draws.size).pvalue


# --------------------------------------------------------------------------- continuous noise


def test_laplace_noise_matches_scipy_laplace_at_the_stated_scale() -> None:
    base = np.random.default_rng(1).normal(100.0, 30.0, N)
    noise = laplace(base, 2.5) - base
    assert stats.kstest(noise, stats.laplace(scale=2.5).cdf).pvalue > P_MIN
    # Var = 2b²; the sample variance of 20,000 Laplace draws has a 1.6% standard error.
    assert noise.var() == pytest.approx(2 * 2.5**2, rel=0.08)
    # …and a scale off by 20% is caught by the same test.
    assert stats.kstest(noise, stats.laplace(scale=3.0).cdf).pvalue < P_WRONG


def test_gaussian_noise_matches_scipy_norm_at_the_stated_sigma() -> None:
    noise = gaussian(np.zeros(N), 3.0)
    assert noise.dtype == np.float64
    assert stats.kstest(noise, stats.norm(scale=3.0).cdf).pvalue > P_MIN
    assert noise.var() == pytest.approx(9.0, rel=0.05)  # standard error 1%
    assert stats.kstest(noise, stats.norm(scale=3.6).cdf).pvalue < P_WRONG


# --------------------------------------------------------------------------- discrete noise


def test_discrete_laplace_returns_integers_with_the_stated_distribution() -> None:
    counts = np.arange(N) % 50
    out = discrete_laplace(counts, 2.0)
    assert out.dtype == np.int64
    noise = out - counts
    # scipy's dlaplace(a) has pmf ∝ exp(-a|k|): a = 1/scale.
    assert _chisquare_discrete(noise, stats.dlaplace(1 / 2.0).pmf, cut=12) > P_MIN
    assert noise.var() == pytest.approx(stats.dlaplace(1 / 2.0).var(), rel=0.08)
    assert _chisquare_discrete(noise, stats.dlaplace(1 / 2.5).pmf, cut=12) < P_WRONG


def test_discrete_gaussian_returns_integers_with_the_stated_distribution() -> None:
    sigma = 2.0

    def pmf(k: np.ndarray, s: float = sigma) -> np.ndarray:
        return np.exp(-(k.astype(float) ** 2) / (2 * s * s))

    out = discrete_gaussian(np.full(N, 7), sigma)
    assert out.dtype == np.int64
    noise = out - 7
    assert _chisquare_discrete(noise, pmf, cut=8) > P_MIN
    ks = np.arange(-60, 61)
    variance = (ks**2 * pmf(ks)).sum() / pmf(ks).sum()
    assert noise.var() == pytest.approx(variance, rel=0.05)
    assert _chisquare_discrete(noise, lambda k: pmf(k, 2.5), cut=8) < P_WRONG


def test_discrete_mechanisms_accept_integral_floats_and_empty_input() -> None:
    assert discrete_laplace(np.array([3.0, 4.0]), 1.0).dtype == np.int64
    assert discrete_gaussian(np.array([], dtype=np.int64), 1.0).shape == (0,)
    assert laplace(np.array([]), 1.0).shape == (0,)


def test_measurements_are_cached_per_kind_and_scale() -> None:
    assert _vector_measurement("laplace", 1.5) is _vector_measurement("laplace", 1.5)
    assert _vector_measurement("laplace", 1.5) is not _vector_measurement("gaussian", 1.5)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: laplace(np.zeros(3), 0.0), "The 'scale' parameter must be > 0. Got 0 instead."),
        (lambda: laplace(np.zeros(3), -1), "The 'scale' parameter must be > 0. Got -1 instead."),
        (
            lambda: gaussian(np.zeros(3), math.inf),
            "The 'sigma' parameter must be a finite number > 0. Got inf instead.",
        ),
        (
            lambda: discrete_gaussian(np.zeros(3, dtype=int), math.nan),
            "The 'sigma' parameter must be a finite number > 0. Got nan instead.",
        ),
        (
            lambda: laplace(np.array([1.0, np.nan]), 1.0),
            "The 'values' parameter must hold finite numbers only; found nan at position 1. Clamp or impute",
        ),
        (lambda: gaussian(np.array([np.inf]), 1.0), "found inf at position 0"),
        (
            lambda: laplace(np.zeros((2, 2)), 1.0),
            "The 'values' parameter must be a one-dimensional array of real numbers. Got shape (2, 2)",
        ),
        (lambda: laplace(np.array(["a"]), 1.0), "must be a one-dimensional array of real numbers"),
        (
            lambda: discrete_laplace(np.array([1.5]), 1.0),
            "The 'counts' parameter of a discrete mechanism must hold integers; found 1.5 at position 0.",
        ),
        (
            lambda: discrete_laplace(np.array(["1"]), 1.0),
            "The 'counts' parameter of a discrete mechanism must hold integers. Got dtype <U1",
        ),
        (lambda: discrete_laplace(np.array([2**62]), 1.0), "too large"),
        (lambda: laplace_scale(0, 1.0), "The 'sensitivity' parameter must be > 0. Got 0 instead."),
        (lambda: laplace_scale(1.0, -2), "The 'epsilon' parameter must be > 0. Got -2 instead."),
        (lambda: gaussian_sigma(1.0, 0), "The 'rho' parameter must be > 0. Got 0 instead."),
        (
            lambda: exponential_mechanism(np.array([]), 1.0, 1.0),
            "The 'scores' parameter must hold at least one candidate's score.",
        ),
        (
            lambda: exponential_mechanism(np.array([1.0, np.nan]), 1.0, 1.0),
            "The 'scores' parameter must hold finite numbers only",
        ),
        (
            lambda: exponential_mechanism(np.array([1.0]), 1.0, 0.0),
            "The 'epsilon' parameter must be > 0. Got 0 instead.",
        ),
        (
            lambda: mechanism_cost("laplacian", 1.0, 1.0),
            "Unknown mechanism 'laplacian'; known mechanisms: discrete_gaussian",
        ),
        (lambda: mechanism_cost("partition_selection", 1.0, 1.0), "The 'threshold' parameter is needed"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message: str) -> None:
    with pytest.raises(PrivacyError, match=re.escape(message)):
        call()


# --------------------------------------------------------------------------- calibration


def test_calibration_and_costs_match_hand_computed_values() -> None:
    assert laplace_scale(1.0, 0.5) == 2.0
    assert laplace_cost(2.0, 4.0) == Cost(epsilon=0.5)
    assert gaussian_sigma(1.0, 0.5) == 1.0
    assert gaussian_cost(1.0, 2.0) == Cost(rho=0.125)
    assert gaussian_cost(3.0, gaussian_sigma(3.0, 0.07)).rho == pytest.approx(0.07, rel=1e-14)
    assert exponential_scale(1.0, 0.5) == 4.0
    assert exponential_cost(1.0, 4.0) == Cost(epsilon=0.5)


@pytest.mark.parametrize(
    ("kind", "sensitivity", "scale", "cost"),
    [
        ("laplace", 1.0, 2.0, laplace_cost),
        ("laplace", 3.0, 0.7, laplace_cost),
        ("discrete_laplace", 2, 5.0, laplace_cost),
        ("gaussian", 1.0, 2.0, gaussian_cost),
        ("discrete_gaussian", 2, 3.0, gaussian_cost),
    ],
)
def test_costs_agree_with_opendps_privacy_map(kind: str, sensitivity: float, scale: float, cost) -> None:
    measured = _vector_measurement(kind, scale).map(sensitivity)
    ours = cost(sensitivity, scale)
    assert (ours.epsilon or ours.rho) == pytest.approx(measured, rel=1e-9)


def test_exponential_cost_agrees_with_opendps_privacy_map() -> None:
    scale = exponential_scale(1.5, 0.3)
    assert exponential_cost(1.5, scale).epsilon == pytest.approx(_noisy_max_measurement(scale).map(1.5), rel=1e-9)


# --------------------------------------------------------------------------- partition selection


def test_partition_threshold_formula() -> None:
    # τ = 1 + ln(1/(2δ))/ε: ε = 1, δ = 1e-6 → 1 + ln(500000) = 14.1223633774
    assert partition_threshold(1.0, 1e-6) == pytest.approx(14.1223633774, rel=1e-10)
    assert partition_threshold(0.5, 0.05) == pytest.approx(1 + 2 * math.log(10), rel=1e-14)
    with pytest.raises(PrivacyError, match=re.escape("The 'delta' parameter of partition selection must be > 0")):
        partition_threshold(1.0, 0.0)
    with pytest.raises(PrivacyError, match=re.escape("The 'delta' parameter must be in [0, 1)")):
        partition_threshold(1.0, 1.0)


@pytest.mark.parametrize(("epsilon", "delta"), [(1.0, 1e-6), (0.5, 1e-5), (0.1, 1e-9), (2.0, 1e-12)])
def test_integer_threshold_keeps_delta_within_the_request(epsilon: float, delta: float) -> None:
    scale, threshold = partition_parameters(epsilon, delta)
    assert threshold >= partition_threshold(epsilon, delta)
    assert partition_cost(scale, threshold).delta <= delta
    # …and it is the smallest integer threshold that does.
    assert partition_cost(scale, threshold - 1).delta > delta


def test_partition_selection_keeps_frequent_labels_and_drops_single_rows() -> None:
    labels = ["common", "rare", 7, "also common", None] + [f"single {i}" for i in range(200)]
    counts = np.array([1000, 1, 1, 400, 2] + [1] * 200)
    kept, noisy, cost = select_partitions(labels, counts, 1.0, 1e-6)
    assert kept == ["common", "also common"]  # all others: P(kept) < 1e-5 each
    assert noisy.dtype == np.int64
    assert abs(noisy[0] - 1000) < 30 and abs(noisy[1] - 400) < 30  # Laplace(1): P(|Z|>30) ~ 1e-13
    assert noisy.min() >= partition_parameters(1.0, 1e-6)[1]
    assert cost == Cost(epsilon=1.0, delta=1e-6)


def test_single_row_labels_leak_with_exactly_the_stated_delta() -> None:
    # ε = 1, δ = 0.1 gives threshold 3, where one-row labels survive with probability
    # δ = P(Z >= 2) = e^-2 / (1 + e^-1) = 0.0989. OpenDP 0.16's own map says 0.036
    # (opendp/opendp#2922); this test tells the two apart.
    scale, threshold = partition_parameters(1.0, 0.1)
    assert threshold == 3
    delta = partition_cost(scale, threshold).delta
    assert delta == pytest.approx(math.exp(-2) / (1 + math.exp(-1)), rel=1e-12)
    n = 40_000
    kept, _, _ = select_partitions(range(n), np.ones(n, dtype=int), 1.0, 0.1)
    rate = len(kept) / n
    assert rate == pytest.approx(delta, abs=5 * math.sqrt(delta * (1 - delta) / n))


@pytest.mark.parametrize(
    ("labels", "counts", "message"),
    [
        (["a", "b"], [1], "The 'labels' and 'counts' parameters must have the same length. Got 2 and 1 instead."),
        (["a", "a"], [1, 2], "The 'labels' parameter must hold distinct labels; merge duplicates first."),
        (["a"], [-1], "The 'counts' parameter must hold counts >= 0. Got -1 instead."),
        (["a"], [1.5], "must hold integers; found 1.5"),
    ],
)
def test_partition_selection_bad_input(labels, counts, message: str) -> None:
    with pytest.raises(PrivacyError, match=re.escape(message)):
        select_partitions(labels, np.array(counts), 1.0, 1e-6)


def test_partition_selection_of_nothing() -> None:
    kept, noisy, cost = select_partitions([], np.array([], dtype=int), 1.0, 1e-6)
    assert kept == [] and noisy.size == 0 and cost.delta == 1e-6


# --------------------------------------------------------------------------- exponential mechanism


def test_exponential_mechanism_picks_the_clear_winner_at_large_epsilon() -> None:
    scores = np.array([0.0, 3.0, 100.0, 1.0])
    assert {exponential_mechanism(scores, 1.0, 10.0) for _ in range(200)} == {2}


def test_exponential_mechanism_is_near_uniform_at_tiny_epsilon() -> None:
    scores = np.array([0.0, 1.0, 2.0, 3.0])
    picks = np.array([exponential_mechanism(scores, 1.0, 1e-6) for _ in range(4000)])
    assert stats.chisquare(np.bincount(picks, minlength=4)).pvalue > P_MIN


def test_exponential_mechanism_selection_probability_matches_its_epsilon() -> None:
    # Report-noisy-max with exponential noise of scale 2Δ/ε (= permute-and-flip): for two
    # candidates a score gap of 1, Δ = 1, ε = 1 picks the better one with probability
    # 1 − ½·e^(−1/2) = 0.6967. (Gumbel noise would give 0.6225; scale Δ/ε 0.8161.)
    picks = np.array([exponential_mechanism(np.array([0.0, 1.0]), 1.0, 1.0) for _ in range(4000)])
    p = 1 - 0.5 * math.exp(-0.5)
    assert picks.mean() == pytest.approx(p, abs=5 * math.sqrt(p * (1 - p) / 4000))


# --------------------------------------------------------------------------- release lines


def test_release_of_computes_its_cost() -> None:
    r = Release.of("age: histogram", "laplace", 1.0, 20.0)
    assert r.cost == Cost(epsilon=0.05)
    assert r.describe() == "age: histogram — laplace (Δ=1, scale=20): ε=0.05"
    g = Release.of("income: mean", "gaussian", 1.0, 2.0)
    assert g.cost == Cost(rho=0.125)
    scale, threshold = partition_parameters(1.0, 1e-6)
    p = Release.of("city: labels", "partition_selection", 1.0, scale, threshold)
    assert p.cost.epsilon == 1.0 and 0 < p.cost.delta <= 1e-6
