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
