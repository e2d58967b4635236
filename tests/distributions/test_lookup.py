"""count_cuts: the same integers as np.searchsorted, by each of its three ways."""

from __future__ import annotations

import numpy as np
import pytest

from datatwin.distributions import lookup
from datatwin.distributions.lookup import count_cuts


def _cuts(k: int, skew: float, rng: np.random.Generator) -> np.ndarray:
    p = rng.random(k + 1) ** skew
    cum = np.cumsum(p) / p.sum()
    cuts = cum[:-1].copy()
    if k > 3:
        cuts[k // 2 + 1] = cuts[k // 2]  # a tie: a label with probability 0
    return cuts


def _draws(cuts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    x = np.concatenate([rng.random(20_000), cuts, np.nextafter(cuts, 0), np.nextafter(cuts, 1), [0.0, 1.0]])
    return x[(x >= 0) & (x <= 1)]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("skew", [1.0, 8.0])
@pytest.mark.parametrize("k", [1, 2, 5, 8, 9, 33, 64, 200, 5_000])
def test_count_cuts_is_searchsorted(k: int, skew: float, side: str) -> None:
    rng = np.random.default_rng(k)
    cuts = _cuts(k, skew, rng)
    x = _draws(cuts, rng)
    assert np.array_equal(count_cuts(cuts, x, side), np.searchsorted(cuts, x, side=side))


def test_count_cuts_guide_table_is_used_and_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    cuts = _cuts(63, 1.0, rng)
    x = _draws(cuts, rng)
    guided = lookup._guided(cuts, x, "right")
    assert guided is not None  # 63 evenly spread cuts: the guide table applies
    assert np.array_equal(guided, np.searchsorted(cuts, x, side="right"))


def test_count_cuts_falls_back_outside_the_unit_interval() -> None:
    rng = np.random.default_rng(4)
    cuts = np.sort(rng.normal(size=50))  # latent cuts on the real line
    x = rng.normal(size=10_000) * 2
    assert lookup._guided(cuts, x, "left") is None
    assert np.array_equal(count_cuts(cuts, x, "left"), np.searchsorted(cuts, x, side="left"))


def test_count_cuts_falls_back_when_cuts_crowd_one_cell() -> None:
    cuts = np.concatenate([np.linspace(0.5, 0.5 + 1e-9, 40), np.linspace(0.6, 0.9, 20)])  # 40 in one cell
    x = np.random.default_rng(5).random(10_000)
    assert lookup._guided(cuts, x, "right") is None
    assert np.array_equal(count_cuts(cuts, x), np.searchsorted(cuts, x, side="right"))


def test_count_cuts_keeps_the_shape_and_small_inputs() -> None:
    cuts = np.array([0.2, 0.5, 0.7])
    x = np.random.default_rng(6).random((100, 80))
    out = count_cuts(cuts, x)
    assert out.shape == x.shape and out.dtype == np.intp
    assert np.array_equal(out, np.searchsorted(cuts, x, side="right"))
    assert count_cuts(cuts, np.array([0.6])).tolist() == [2]
    assert count_cuts(np.array([]), np.random.default_rng(0).random(10_000)).max() == 0


def test_guide_table_steps_aside_for_nan() -> None:
    cuts = np.linspace(0.01, 0.99, 40)
    x = np.random.default_rng(7).random(10_000)
    x[5] = np.nan
    assert lookup._guided(cuts, x, "right") is None  # the binary search then answers, as it always did
    assert np.array_equal(count_cuts(cuts, x), np.searchsorted(cuts, x, side="right"))
