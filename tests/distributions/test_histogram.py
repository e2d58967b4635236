"""The k-anonymous histogram, finite, and the rules that keep a chosen marginal readable and its
tails plausible: each rule a test that fails when the rule is broken."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from datatwin.distributions import (
    FiniteDistribution,
    HistogramDistribution,
    TruncatedNormalDistribution,
    select_distribution,
)
from datatwin.distributions.histogram import EDGE_SLACK, k_anonymous_edges
from datatwin.distributions.selection import TAIL_ROWS, implausible
from datatwin.errors import DistributionError


def _lumpy(seed: int, integer: bool) -> tuple[np.ndarray, np.ndarray]:
    """Real-looking data: a heavy-tailed bulk, a spike, a few odd extremes."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.lognormal(8, 1.2, 3000), np.full(400, 1500.0), rng.uniform(0, 20, 37), [250_000.0, 1.0]])
    if integer:
        x = np.rint(x).astype(np.int64)
    return np.unique(x, return_counts=True)


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [5, 10, 30])
def test_no_edge_equals_a_value_fewer_than_k_rows_hold_and_every_bin_holds_k(seed: int, integer: bool, k: int) -> None:
    values, counts = _lumpy(seed, integer)
    dist = HistogramDistribution.fit(values, counts, k=k)
    rare = set(values[counts < k].astype(float).tolist())
    assert not rare & {float(e) for e in dist.edges}
    n = counts.sum()
    assert min(dist.probs) * n >= k - 1e-6
    # the real extremes are not edges, and the range is covered
    assert dist.edges[0] < values.min() and dist.edges[-1] > values.max()
    assert np.isfinite(dist.log_likelihood(values, counts))


@pytest.mark.parametrize("integer", [True, False])
def test_outer_edges_move_out_by_at_most_a_quarter_of_the_outer_bin(integer: bool) -> None:
    values, counts = _lumpy(3, integer)
    dist = HistogramDistribution.fit(values, counts, k=10)
    e = np.asarray(dist.edges, dtype=float)
    unit = 1.0 if integer else 0.0
    low_width = values[values < e[1]].max() - values.min() + unit
    high_width = values.max() - values[values >= e[-2]].min() + unit
    assert values.min() - e[0] <= EDGE_SLACK * low_width + 1
    assert e[-1] - (values.max() + unit) <= EDGE_SLACK * high_width + 1
    assert dist.sample(100_000, 0).max() < e[-1]  # never past the published top edge


def test_data_from_zero_never_get_a_negative_value() -> None:
    rng = np.random.default_rng(4)
    whole = np.concatenate([[0] * 3, rng.integers(1, 500, 2000)])  # 0 held by 3 rows only
    dist = HistogramDistribution.fit(*np.unique(whole, return_counts=True), k=10)
    assert dist.edges[0] == -0.5 and 0.0 not in dist.edges and dist.sample(50_000, 0).min() >= 0
    weights = np.concatenate([[0.0] * 4, rng.lognormal(0, 1, 2000)])  # survey weights with a few zeros
    dist = HistogramDistribution.fit(*np.unique(weights, return_counts=True), k=10)
    assert dist.edges[0] > 0 and dist.sample(50_000, 0).min() > 0
    sel = select_distribution(*np.unique(weights, return_counts=True), "continuous")
    assert "histogram" in sel.scores  # scored on the rows it can produce, like every other candidate


def test_a_single_value_bin_is_not_stretched() -> None:
    x = np.array([0, 113, 401, 594, 914])
    c = np.array([30_000, 12, 40, 30, 20])
    edges, _ = k_anonymous_edges(x.astype(float), c.astype(float), 10, 8, integer=True)
    assert edges[:2].tolist() == [0.0, 1.0]  # the zeros keep their exact share
    dist = HistogramDistribution.fit(x, c, k=10)
    assert np.exp(dist.logpdf([0])[0]) == pytest.approx(30_000 / c.sum())


def test_fewer_than_k_rows_cannot_be_a_histogram() -> None:
    with pytest.raises(DistributionError, match=r"histogram: needs at least k=10 rows .* has 7"):
        HistogramDistribution.fit(np.arange(7.0), k=10)


def test_the_histogram_follows_shapes_the_families_miss() -> None:
    rng = np.random.default_rng(5)
    x = np.rint(np.concatenate([rng.normal(30_000, 4000, 6000), rng.lognormal(12, 0.4, 4000)])).astype(np.int64)
    values, counts = np.unique(x, return_counts=True)
    sel = select_distribution(values, counts, "discrete")
    assert sel.best.name == "histogram"
    assert stats.ks_2samp(x, sel.best.sample(50_000, 1)).statistic < 0.02


def test_histogram_parameters_are_checked() -> None:
    with pytest.raises(DistributionError, match="strictly increasing"):
        HistogramDistribution([0, 2, 1], [0.5, 0.5], False)
    with pytest.raises(DistributionError, match="one probability per bin"):
        HistogramDistribution([0, 1, 2], [1.0], False)
    with pytest.raises(DistributionError, match="every bin must hold a whole number"):
        HistogramDistribution([0, 0.2, 0.6], [0.5, 0.5], True)


def test_finite_merges_rare_values_into_the_nearest_published_one() -> None:
    dist = FiniteDistribution.fit(np.array([1, 2, 3, 4, 5, 99]), np.array([100, 300, 3, 250, 80, 2]), k=10)
    assert dist.values == [1, 2, 4, 5] and dist.integer
    assert dist.probs == pytest.approx([100 / 735, 303 / 735, 250 / 735, 82 / 735])  # 3 is as near 2 as 4: the lower
    assert dist.sample(1000, 0).dtype == np.int64
    with pytest.raises(DistributionError, match="no value is held by k=10 rows"):
        FiniteDistribution.fit(np.array([1.5, 2.5]), np.array([3, 4]), k=10)


def test_a_truncated_normal_located_far_outside_its_bounds_is_not_chosen() -> None:
    far = TruncatedNormalDistribution(mu=1754.0, sigma=40.0, lower=1974.0, upper=2018.0)
    assert "location" in implausible(far, np.array([1974.0, 2018.0]), np.array([10, 10]))
    near = TruncatedNormalDistribution(mu=1990.0, sigma=40.0, lower=1974.0, upper=2018.0)
    assert implausible(near, np.array([1974.0, 2018.0]), np.array([10, 10])) is None
    # data piled up at the lower bound: the far-located fit loses to a readable family
    rng = np.random.default_rng(6)
    x = rng.exponential(2000.0, 3000)
    values, counts = np.unique(x, return_counts=True)
    sel = select_distribution(values, counts, "continuous")
    assert "location" in sel.excluded["truncated_normal"] and sel.best.name == "exponential"


def test_an_unbounded_tail_the_data_do_not_have_is_not_chosen() -> None:
    rng = np.random.default_rng(7)
    x = np.minimum(rng.lognormal(8.0, 1.0, 3000), 20_000.0)  # a log-normal cut at 20,000 (a coded top)
    values, counts = np.unique(np.rint(x).astype(np.int64), return_counts=True)
    sel = select_distribution(values, counts, "discrete")
    assert "discrete_lognormal" in sel.excluded and "upper tail" in sel.excluded["discrete_lognormal"]
    best = sel.best
    assert counts.sum() * (1 - best.cdf(np.array([values.max()]))[0]) <= TAIL_ROWS
    assert best.sample(100_000, 0).max() <= 25_000
