"""integer_ppf: the smallest k with cdf(k) >= q, whatever the guess it starts from."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from datatwin.distributions.inversion import integer_ppf


def _cdf(k: np.ndarray) -> np.ndarray:
    return stats.binom.cdf(k, 60, 0.3)


def _brute(q: np.ndarray) -> np.ndarray:
    table = _cdf(np.arange(0, 61))
    return np.searchsorted(table, np.maximum(q, np.nextafter(0.0, 1.0)), side="left")


@pytest.mark.parametrize("offset", [0, 1, -1, 3, -7, None])
def test_integer_ppf_exact_from_any_guess(offset: int | None) -> None:
    rng = np.random.default_rng(0)
    q = np.concatenate([rng.random(20_000), _cdf(np.arange(0, 61)), [0.0, 1.0]])
    exact = _brute(q)
    guess = None if offset is None else (exact + offset).astype(float)
    assert np.array_equal(integer_ppf(_cdf, q, (0, 60), guess), exact)


def test_integer_ppf_fast_path_calls_the_cdf_twice_for_a_right_guess() -> None:
    calls = []

    def cdf(k: np.ndarray) -> np.ndarray:
        calls.append(len(k))
        return _cdf(k)

    q = np.random.default_rng(1).random(5_000)
    integer_ppf(cdf, q, (0, 60), _brute(q).astype(float))
    assert calls == [5_000, 5_000]


def test_from_uniforms_is_ppf_but_on_a_null_set() -> None:
    from datatwin.distributions import HistogramDistribution, NormalDistribution

    hist = HistogramDistribution(edges=[0.0, 10.0, 25.0, 100.0, 1000.0], probs=[0.1, 0.5, 0.3, 0.1], integer=True)
    u = np.sort(np.random.default_rng(2).random(200_000))
    fast, exact = hist.from_uniforms(u), hist.ppf(u)
    assert fast.dtype == exact.dtype and np.all(np.diff(fast) >= 0)  # non-decreasing in u
    assert np.mean(fast != exact) < 1e-4  # the two maps differ only where u meets a cell edge
    counts = np.bincount(np.searchsorted([10, 25, 100], fast, side="right"), minlength=4) / len(u)
    assert np.allclose(counts, [0.1, 0.5, 0.3, 0.1], atol=0.005)
    normal = NormalDistribution(mu=1.0, sigma=2.0)  # no cheaper map: ppf itself
    assert np.array_equal(normal.from_uniforms(u[:100]), normal.ppf(u[:100]))
    with pytest.raises(Exception, match="must be in \\[0, 1\\]"):
        hist.from_uniforms(np.array([0.5, 1.5]))


@pytest.mark.parametrize("integer", [True, False])
def test_a_point_mass_mixtures_from_uniforms_is_its_ppf_but_on_a_null_set(integer: bool) -> None:
    from datatwin.distributions import HistogramDistribution, PointMassMixtureDistribution

    rest = HistogramDistribution(edges=[0.0, 10.0, 2000.0, 50_000.0], probs=[0.2, 0.5, 0.3], integer=integer)
    mix = PointMassMixtureDistribution(points=[0, 10], weights=[0.9, 0.02], rest=rest)
    u = np.sort(np.random.default_rng(3).random(200_000))
    fast, exact = mix.from_uniforms(u), mix.ppf(u)
    assert fast.dtype == exact.dtype and np.all(np.diff(fast) >= 0)
    assert np.mean(fast != exact) < 1e-4
    assert abs(float(np.mean(fast == 0)) - 0.9) < 0.005 and abs(float(np.mean(fast == 10)) - 0.02) < 0.002
