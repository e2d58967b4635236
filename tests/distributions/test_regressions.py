"""Bugs found on real data, kept fixed."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.distributions import DiscreteTruncatedNormalDistribution, TruncatedNormalDistribution


@pytest.mark.parametrize("mu", [-7375.0, -300.0, 30.0, 400.0, 9000.0])
def test_rounded_truncated_normal_sums_to_one_with_mu_far_outside(mu: float) -> None:
    """flights' minute was once fitted with mu = -7375 on [0, 59]: probabilities summed to 1.64."""
    dist = DiscreteTruncatedNormalDistribution(mu, 955.0, 0.0, 59.0)
    k = np.arange(0, 60)
    probs = np.exp([dist.log_likelihood(np.array([i])) for i in k])
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)


def test_truncated_normal_cdf_is_monotone_in_the_far_tail() -> None:
    dist = TruncatedNormalDistribution(-7375.0, 955.0, 0.0, 59.0)
    cdf = dist.cdf(np.linspace(0, 59, 200))
    assert cdf[0] == pytest.approx(0.0, abs=1e-12) and cdf[-1] == pytest.approx(1.0)
    assert np.all(np.diff(cdf) > 0)


def test_flights_minute_keeps_its_zeros(flights_path) -> None:
    real = pl.read_parquet(flights_path, columns=["minute"])
    model = dt.fit(real)
    share = (real["minute"] == 0).mean()
    assert np.exp(model.column("minute").distribution.logpdf([0])[0]) == pytest.approx(share, abs=0.005)
    synth = model.sample(50_000, seed=0)["minute"]
    assert (synth == 0).mean() == pytest.approx((real["minute"] == 0).mean(), abs=0.01)


def test_parameter_types_are_checked_without_postponed_annotations() -> None:
    """A plug-in written without `from __future__ import annotations` gets the same checks."""
    import dataclasses

    from datatwin.distributions import Distribution
    from datatwin.errors import DistributionError

    Plain = dataclasses.make_dataclass("Plain", [("scale", float)], bases=(Distribution,), frozen=True)
    Plain.name = "plain_test_only"
    with pytest.raises(DistributionError, match="parameter 'scale' must be of type float"):
        Plain(scale="wide")
    assert isinstance(Plain(scale=3).scale, float)


def test_truncated_normal_far_in_a_tail_samples_its_own_distribution() -> None:
    """Bounds 40 sd out: the mass underflows to 0, and every draw used to be the upper bound."""
    from scipy import stats

    for dist in (TruncatedNormalDistribution(0.0, 1.0, 40.0, 41.0), TruncatedNormalDistribution(0.0, 1.0, -41.0, -40.0)):
        x = dist.sample(5000, 0)
        assert stats.kstest(x, dist.cdf).pvalue > 1e-6
        assert stats.ks_2samp(x, dist.ppf(np.random.default_rng(1).random(5000))).pvalue > 1e-6


@pytest.mark.parametrize("mu", [-7375.0, 30.0, 9000.0])
def test_rounded_truncated_normal_quantiles_invert_the_cdf_with_mu_far_outside(mu: float) -> None:
    dist = DiscreteTruncatedNormalDistribution(mu, 955.0, 0.0, 59.0)
    k = np.arange(0, 60)
    assert np.array_equal(dist.ppf(dist.cdf(k)), k)
    assert dist.ppf(np.array([0.0, 1.0])).tolist() == [0, 59]
