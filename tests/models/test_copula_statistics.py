"""The copula's statistics under noise and its latent reading: exact properties, no DP noise."""

from __future__ import annotations

import numpy as np
import pytest

from datatwin.distributions.discrete import DiscreteUniformDistribution
from datatwin.models.columns import ColumnModel
from datatwin.models.copula import statistics as st
from datatwin.models.copula.margins import COMPARE_CUTS, Dimension, Levels, Ordered


def test_noisy_profiles_of_small_labels_are_shrunk_to_the_centre() -> None:
    counts = np.array([5000.0, 4000.0, 30.0])
    centred = np.array([[4000.0, -2000.0], [-5000.0, 2500.0], [900.0, 900.0]])  # the small label: mostly noise
    shrunk = st.shrink_profile(centred, counts, noise_sd=400.0)
    assert np.allclose(shrunk[:2], centred[:2], rtol=0.02)  # large labels: nearly as measured
    assert np.abs(shrunk[2]).max() < 0.05 * np.abs(centred[2]).max()  # the small one: near 0
    assert st.shrink_profile(centred, counts, 0.0) is centred  # exact profiles are left alone


def test_under_noise_a_label_the_noise_hides_is_not_thrown_to_an_end() -> None:
    # three large labels clearly ordered along dimension 0, one tiny label whose noisy sum is extreme
    counts = np.array([3000.0, 3000.0, 3000.0, 20.0])
    profile = np.array([[-3000.0, 0.0], [0.0, 0.0], [3000.0, 0.0], [2500.0, 0.0]])
    noisy = st.order_labels(profile, counts, exclude=[1], noise_sd=500.0)
    exact = st.order_labels(profile, counts, exclude=[1])
    assert list(exact[-1:]) == [3]  # as if exact: the tiny label's mean (125) would be the top
    position = {int(label): i for i, label in enumerate(noisy)}
    assert position[0] < position[3] < position[2]  # shrunk: between the large labels


def test_correlations_beyond_the_noise_are_kept_nearly_whole() -> None:
    rng = np.random.default_rng(0)
    z = rng.standard_normal((20_000, 2))
    x = np.column_stack([z[:, 0], 0.98 * z[:, 0] + 0.2 * z[:, 1], rng.standard_normal(20_000)])
    sums = st.moment_sums(x)
    exact = st.correlation_from_sums(sums, 3, 20_000.0)
    noisy = st.correlation_from_sums(sums, 3, 20_000.0, noise_sd=200.0)  # noise 0.01 on a correlation
    assert noisy[0, 1] == pytest.approx(exact[0, 1], abs=0.001)  # 0.98 is not shrunk by 2 x noise
    assert noisy[0, 2] == 0.0 and noisy[1, 2] == 0.0  # within twice the noise: no dependence


@pytest.mark.parametrize("k", [1, 2, 7, COMPARE_CUTS, COMPARE_CUTS + 5])
def test_levels_by_comparisons_match_a_binary_search(k: int) -> None:
    rng = np.random.default_rng(k)
    margin = Levels(Dimension("c", order=tuple(str(i) for i in range(k + 1))), rng.random(k + 1))
    w = np.concatenate([rng.standard_normal(10_000), margin.cuts, [-np.inf, np.inf]])
    assert np.array_equal(margin.level(w), np.searchsorted(margin.cuts, w, side="left"))


def test_a_value_beyond_the_released_support_scores_as_the_nearest_end() -> None:
    # as a DP fit releases it: support from clamping bounds 4..16, real values below them
    col = ColumnModel("n", "discrete", "Int64", 0.0, False, DiscreteUniformDistribution(lower=4, upper=16))
    margin = Ordered(Dimension("n"), col)
    scores = margin.value_scores(np.array([1, 2, 4, 16, 20]))
    assert scores[0] == scores[1] == scores[2]  # below the bounds: as the lowest value
    assert scores[3] == scores[4]
    assert -4.0 < scores[0] < -1.0


def test_uncorrelated_conditioned_axes_need_no_gibbs_sweeps_and_stay_exact() -> None:
    from scipy import stats

    from datatwin.models.copula.conditioning import draw_latent

    corr = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    n = 200_000
    bounds = {0: (np.full(n, 1.0), np.full(n, np.inf)), 1: (np.full(n, 0.5), np.full(n, np.inf))}
    w = draw_latent(corr, bounds, n, np.random.default_rng(0))
    assert (w[0] >= 1.0).all() and (w[1] >= 0.5).all()
    mills = [stats.norm.pdf(a) / stats.norm.sf(a) for a in (1.0, 0.5)]
    # E[w2 | w0 > 1, w1 > 0.5] = 0.5 E[w0 | w0 > 1] + 0.5 E[w1 | w1 > 0.5]; the mean's sd is ~0.002
    assert w[2].mean() == pytest.approx(0.5 * sum(mills), abs=0.01)
    assert w[0].mean() == pytest.approx(mills[0], abs=0.01)


def test_rounded_correlations_have_no_negative_zero() -> None:
    from datatwin.models.copula.correlation import rounded

    r = np.array([[1.0, -1e-9, 0.3], [-1e-9, 1.0, -2e-8], [0.3, -2e-8, 1.0]])
    import json

    out = rounded(r)
    assert out[0, 1] == 0.0 and out[1, 2] == 0.0
    assert not np.signbit(out[out == 0]).any()
    assert "-0.0" not in json.dumps(out.tolist())
