"""Values of the univariate families against scipy.stats and known formulas; fitting,
selection, temporal precision, categorical order, and the parameter checks."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import optimize, stats

from datatwin.distributions import (
    BernoulliDistribution,
    CategoricalDistribution,
    ConstantDistribution,
    DateTimeUniformDistribution,
    DateUniformDistribution,
    DiscreteGammaDistribution,
    DiscreteLogNormalDistribution,
    DiscreteNormalDistribution,
    DiscreteTruncatedNormalDistribution,
    DiscreteUniformDistribution,
    Distribution,
    EmpiricalDistribution,
    ExponentialDistribution,
    GammaDistribution,
    GeometricDistribution,
    LogNormalDistribution,
    NegativeBinomialDistribution,
    NormalDistribution,
    PointMassMixtureDistribution,
    PoissonDistribution,
    RandomStringDistribution,
    TimeUniformDistribution,
    TruncatedNormalDistribution,
    UniformDistribution,
    UniqueKeyDistribution,
    distribution_from_dict,
    get_distribution_class,
    select_distribution,
)
from datatwin.errors import DistributionError


def _data(dist: Distribution, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed-seed sample and random integer weights for it."""
    rng = np.random.default_rng(seed)
    return dist.sample(n, rng), rng.integers(1, 5, n)


# -- log-likelihood equals scipy's -------------------------------------------------

CONTINUOUS_VS_SCIPY = [
    (NormalDistribution(1.5, 2.0), stats.norm(1.5, 2.0)),
    (TruncatedNormalDistribution(1.0, 2.0, 0.0, 4.0), stats.truncnorm(-0.5, 1.5, loc=1.0, scale=2.0)),
    (TruncatedNormalDistribution(0.0, 1.0, 5.0, 8.0), stats.truncnorm(5.0, 8.0)),  # far upper tail
    (TruncatedNormalDistribution(0.0, 1.0, -9.0, -6.0), stats.truncnorm(-9.0, -6.0)),  # far lower tail
    (LogNormalDistribution(1.0, 0.5), stats.lognorm(0.5, scale=math.e)),
    (ExponentialDistribution(0.25), stats.expon(scale=4.0)),
    (GammaDistribution(2.5, 3.0), stats.gamma(2.5, scale=3.0)),
    (GammaDistribution(0.4, 0.5), stats.gamma(0.4, scale=0.5)),
    (UniformDistribution(-2.0, 5.0), stats.uniform(-2.0, 7.0)),
]
DISCRETE_VS_SCIPY = [
    (PoissonDistribution(4.5), stats.poisson(4.5)),
    (GeometricDistribution(0.3), stats.geom(0.3, loc=-1)),  # ours counts failures from 0, scipy trials from 1
    (NegativeBinomialDistribution(2.5, 0.4), stats.nbinom(2.5, 0.4)),
    (DiscreteUniformDistribution(-3, 12), stats.randint(-3, 13)),
]


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_VS_SCIPY, ids=lambda x: getattr(x, "name", ""))
def test_continuous_log_likelihood_equals_scipy_logpdf(dist: Distribution, ref) -> None:
    x, w = _data(dist, 2000)
    assert dist.log_likelihood(x) == pytest.approx(ref.logpdf(x).sum(), rel=1e-9)
    assert dist.log_likelihood(x, w) == pytest.approx(np.dot(w, ref.logpdf(x)), rel=1e-9)


@pytest.mark.parametrize(("dist", "ref"), DISCRETE_VS_SCIPY, ids=lambda x: getattr(x, "name", ""))
def test_discrete_log_likelihood_equals_scipy_logpmf(dist: Distribution, ref) -> None:
    x, w = _data(dist, 2000)
    assert dist.log_likelihood(x) == pytest.approx(ref.logpmf(x).sum(), rel=1e-9)
    assert dist.log_likelihood(x, w) == pytest.approx(np.dot(w, ref.logpmf(x)), rel=1e-9)


@pytest.mark.parametrize(
    ("dist", "ref"),
    [
        (DiscreteNormalDistribution(10.0, 3.0), stats.norm(10.0, 3.0)),
        (DiscreteLogNormalDistribution(2.0, 0.5), stats.lognorm(0.5, scale=math.exp(2.0))),
        (DiscreteGammaDistribution(2.0, 3.0), stats.gamma(2.0, scale=3.0)),
        # every integer in [lower, upper] owns its whole unit bin, the bounds included
        (
            DiscreteTruncatedNormalDistribution(3.0, 4.0, 0.0, 10.0),
            stats.truncnorm((-0.5 - 3.0) / 4.0, (10.5 - 3.0) / 4.0, loc=3.0, scale=4.0),
        ),
    ],
    ids=lambda x: getattr(x, "name", ""),
)
def test_rounded_log_likelihood_is_the_cdf_difference(dist: Distribution, ref) -> None:
    x, w = _data(dist, 2000)
    expected = np.log(ref.cdf(x + 0.5) - ref.cdf(x - 0.5))
    assert dist.log_likelihood(x, w) == pytest.approx(np.dot(w, expected), rel=1e-9)


@pytest.mark.parametrize(
    ("dist", "outside"),
    [
        (UniformDistribution(0.0, 1.0), 1.5),
        (TruncatedNormalDistribution(0.0, 1.0, -1.0, 1.0), -2.0),
        (LogNormalDistribution(0.0, 1.0), 0.0),
        (ExponentialDistribution(1.0), -0.1),
        (GammaDistribution(2.0, 1.0), -1.0),
        (PoissonDistribution(3.0), -1),
        (GeometricDistribution(0.5), -2),
        (NegativeBinomialDistribution(2.0, 0.5), -1),
        (DiscreteUniformDistribution(0, 5), 6),
        (CategoricalDistribution(["a", "b"], [0.5, 0.5]), "c"),
        (ConstantDistribution(3), 4),
        (DateUniformDistribution("2020-01-01", "2020-01-31"), np.datetime64("2020-02-01")),
    ],
    ids=lambda x: getattr(x, "name", str(x)),
)
def test_values_outside_the_support_have_zero_likelihood(dist: Distribution, outside) -> None:
    assert dist.log_likelihood(np.array([outside])) == -math.inf


# -- maximum likelihood --------------------------------------------------------------

def test_closed_form_mles_are_the_textbook_formulas() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(5.0, 2.0, 3000)
    fit = NormalDistribution.fit(x)
    assert (fit.mu, fit.sigma) == pytest.approx((x.mean(), x.std(ddof=0)), rel=1e-12)
    pos = rng.lognormal(1.0, 0.7, 3000)
    fit = LogNormalDistribution.fit(pos)
    assert fit.mu == pytest.approx(np.log(pos).mean(), rel=1e-12)
    assert fit.sigma == pytest.approx(np.log(pos).std(ddof=0), rel=1e-12)
    assert ExponentialDistribution.fit(pos).rate == pytest.approx(1.0 / pos.mean(), rel=1e-12)
    assert UniformDistribution.fit(x) == UniformDistribution(float(x.min()), float(x.max()))
    k = rng.poisson(3.0, 3000)
    assert PoissonDistribution.fit(k).mu == pytest.approx(k.mean(), rel=1e-12)
    assert GeometricDistribution.fit(k).p == pytest.approx(1.0 / (1.0 + k.mean()), rel=1e-12)
    assert DiscreteUniformDistribution.fit(k) == DiscreteUniformDistribution(int(k.min()), int(k.max()))
    b = rng.random(3000) < 0.3
    assert BernoulliDistribution.fit(b).p == pytest.approx(b.mean(), rel=1e-12)
    labels, counts = np.array(["x", "y", "z"], dtype=object), np.array([5, 3, 2])
    assert CategoricalDistribution.fit(labels, counts).probs == pytest.approx([0.5, 0.3, 0.2])


def test_gamma_mle_agrees_with_scipy_fit() -> None:
    x = np.random.default_rng(4).gamma(2.5, 3.0, 5000)
    shape, loc, scale = stats.gamma.fit(x, floc=0)
    fit = GammaDistribution.fit(x)
    assert loc == 0
    assert fit.shape == pytest.approx(shape, rel=1e-3)
    assert fit.scale == pytest.approx(scale, rel=1e-3)


def test_negative_binomial_mle_agrees_with_scipy_fit() -> None:
    x = np.random.default_rng(5).negative_binomial(3.0, 0.4, 3000)

    def optimizer(fun, bounds, integrality=None):  # scipy.stats.fit takes nbinom's n as integral; ours is real
        return optimize.differential_evolution(fun, bounds, seed=0, tol=1e-12, polish=True)

    ref = stats.fit(stats.nbinom, x, bounds={"n": (0.1, 100.0), "p": (0.01, 0.99), "loc": (0, 0)}, optimizer=optimizer)
    fit = NegativeBinomialDistribution.fit(x)
    assert fit.n == pytest.approx(ref.params.n, rel=1e-3)
    assert fit.p == pytest.approx(ref.params.p, rel=1e-3)


def test_truncated_normal_mle_is_at_least_scipys_numerical_optimum() -> None:
    x = TruncatedNormalDistribution(2.0, 3.0, 0.0, 5.0).sample(4000, 6)
    lo, hi = x.min(), x.max()

    def nll(theta: np.ndarray) -> float:
        mu, sigma = theta[0], math.exp(theta[1])
        return -stats.truncnorm.logpdf(x, (lo - mu) / sigma, (hi - mu) / sigma, loc=mu, scale=sigma).sum()

    start = [x.mean(), math.log(x.std())]
    ref = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10})
    fit = TruncatedNormalDistribution.fit(x)
    assert (fit.lower, fit.upper) == (lo, hi)
    assert fit.log_likelihood(x) >= -ref.fun - 1e-6
    assert fit.mu == pytest.approx(ref.x[0], rel=1e-3)
    assert fit.sigma == pytest.approx(math.exp(ref.x[1]), rel=1e-3)


@pytest.mark.parametrize("seed", [21, 38])  # seeds on which an unscaled search once stopped far off
def test_truncated_normal_fit_reaches_the_maximum(seed: int) -> None:
    true = TruncatedNormalDistribution(1.0, 2.0, 0.0, 4.0)
    x = true.sample(20_000, seed)
    fit = TruncatedNormalDistribution.fit(x)
    assert fit.log_likelihood(x) >= true.log_likelihood(x)
    assert fit.mu == pytest.approx(1.0, abs=0.2) and fit.sigma == pytest.approx(2.0, abs=0.2)
    weighted = TruncatedNormalDistribution.fit(*np.unique(x, return_counts=True))
    assert (weighted.mu, weighted.sigma) == pytest.approx((fit.mu, fit.sigma), rel=1e-4)


FIT_CASES = [
    NormalDistribution(3.0, 2.0),
    TruncatedNormalDistribution(1.0, 2.0, 0.0, 4.0),
    LogNormalDistribution(1.0, 0.5),
    ExponentialDistribution(0.5),
    GammaDistribution(2.5, 3.0),
    UniformDistribution(-2.0, 5.0),
    PoissonDistribution(4.5),
    GeometricDistribution(0.3),
    NegativeBinomialDistribution(3.0, 0.4),
    DiscreteUniformDistribution(-3, 12),
    DiscreteNormalDistribution(5.0, 1.5),
    DiscreteTruncatedNormalDistribution(5.0, 3.0, 0.0, 10.0),
    DiscreteLogNormalDistribution(1.5, 0.6),
    DiscreteGammaDistribution(2.0, 2.0),
    CategoricalDistribution(["b", "a", "c"], [0.5, 0.3, 0.2]),
    BernoulliDistribution(0.3),
    UniqueKeyDistribution(10, False, 0.5),
    PointMassMixtureDistribution([0], [0.6], PoissonDistribution(8.0)),
    PointMassMixtureDistribution([0.0], [0.9], LogNormalDistribution(7.0, 1.0)),
    EmpiricalDistribution([[0.0, 0.0], [1.0, 3.0], [3.0, 10.0]], [0.2, 0.5, 0.3], False),
    RandomStringDistribution(1, 4, ["lower", "digit"]),
    DateUniformDistribution("2020-01-01", "2020-03-31"),
    DateTimeUniformDistribution("2021-06-01T00:00:00", "2021-06-02T00:00:00", "minute"),
    TimeUniformDistribution("08:00:00", "09:00:00", "second"),
]


def _assert_same_parameters(a: object, b: object, rel: float) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys()
        for key in a:
            _assert_same_parameters(a[key], b[key], rel)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same_parameters(x, y, rel)
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=rel, abs=1e-12)
    else:
        assert a == b


@pytest.mark.parametrize("dist", FIT_CASES, ids=lambda d: d.name)
def test_fitting_with_counts_equals_fitting_the_expanded_data(dist: Distribution) -> None:
    x = dist.sample(3000, 11)
    values, counts = np.unique(x, return_counts=True)
    assert len(values) < len(x) or dist.name in ("uniform", "normal", "truncated_normal", "lognormal",
                                                 "exponential", "gamma", "unique_key", "random_string")
    expanded = type(dist).fit(x)
    weighted = type(dist).fit(values, counts)
    _assert_same_parameters(expanded.to_dict(), weighted.to_dict(), rel=1e-6)


def test_fitting_repeated_labels_merges_them() -> None:
    # sorted, as np.unique gives them: first-appearance order would leak the first rows
    x = np.array(["red", "blue", "red", "green", "blue", "red"], dtype=object)
    fit = CategoricalDistribution.fit(x)
    assert fit.labels == ["blue", "green", "red"]
    assert fit.probs == pytest.approx([2 / 6, 1 / 6, 3 / 6])
    mixed = CategoricalDistribution.fit(np.array(["a", 1, "a", 2.5], dtype=object))  # cannot be sorted
    assert mixed.labels == ["a", 1, 2.5] and mixed.probs == pytest.approx([0.5, 0.25, 0.25])


@pytest.mark.parametrize(
    ("dist", "tolerances"),
    [
        (NormalDistribution(3.0, 2.0), {"mu": 0.01, "sigma": 0.01}),
        (TruncatedNormalDistribution(1.0, 2.0, 0.0, 4.0), {"mu": 0.05, "sigma": 0.03}),
        (LogNormalDistribution(1.0, 0.5), {"mu": 0.01, "sigma": 0.01}),
        (ExponentialDistribution(0.5), {"rate": 0.01}),
        (GammaDistribution(2.5, 3.0), {"shape": 0.02, "scale": 0.02}),
        (PoissonDistribution(4.5), {"mu": 0.01}),
        (GeometricDistribution(0.3), {"p": 0.01}),
        (NegativeBinomialDistribution(3.0, 0.4), {"n": 0.04, "p": 0.02}),
        (DiscreteNormalDistribution(5.0, 1.0), {"mu": 0.01, "sigma": 0.01}),  # rounding matters at sigma ~ 1
        (DiscreteTruncatedNormalDistribution(5.0, 3.0, 0.0, 10.0), {"mu": 0.02, "sigma": 0.02}),
        (DiscreteLogNormalDistribution(1.0, 0.5), {"mu": 0.01, "sigma": 0.02}),  # sample holds zeros
        (DiscreteGammaDistribution(2.0, 2.0), {"shape": 0.03, "scale": 0.03}),  # sample holds zeros
    ],
    ids=lambda x: getattr(x, "name", ""),
)
def test_parameters_are_recovered_from_a_large_sample(dist: Distribution, tolerances: dict[str, float]) -> None:
    # tolerances are relative and about 5 standard errors at n = 100,000
    fit = type(dist).fit(dist.sample(100_000, 12))
    for name, rel in tolerances.items():
        assert getattr(fit, name) == pytest.approx(getattr(dist, name), rel=rel), name


# -- discrete families are proper distributions that match their samples -----------

@pytest.mark.parametrize(
    ("dist", "support"),
    [
        (DiscreteNormalDistribution(10.0, 3.0), range(-40, 60)),
        (DiscreteNormalDistribution(0.2, 0.4), range(-10, 10)),
        (DiscreteTruncatedNormalDistribution(5.0, 4.0, 0.0, 12.0), range(13)),
        (DiscreteLogNormalDistribution(2.0, 0.5), range(2000)),
        (DiscreteGammaDistribution(0.8, 3.0), range(400)),
        (PoissonDistribution(4.5), range(100)),
        (GeometricDistribution(0.3), range(200)),
        (NegativeBinomialDistribution(2.5, 0.4), range(300)),
        (DiscreteUniformDistribution(-3, 12), range(-3, 13)),
        # the rest puts mass on the points too: sampled and scored as living elsewhere
        (PointMassMixtureDistribution([0, 1], [0.5, 0.2], GeometricDistribution(0.4)), range(100)),
        (PointMassMixtureDistribution([3], [0.3], DiscreteNormalDistribution(3.0, 1.0)), range(-10, 20)),
        (EmpiricalDistribution([[0, 9], [3, 3]], [0.6, 0.4], True), range(10)),  # a point mass inside a bin
    ],
    ids=lambda x: getattr(x, "name", ""),
)
def test_discrete_probabilities_sum_to_one_and_match_the_sample(dist: Distribution, support: range) -> None:
    k = np.arange(support.start, support.stop)
    p = np.exp([dist.log_likelihood(np.array([v])) for v in k])
    assert p.sum() == pytest.approx(1.0, abs=1e-6)
    x = dist.sample(200_000, 13)
    assert x.min() >= k[0] and x.max() <= k[-1]
    freq = np.bincount(x - k[0], minlength=len(k)) / len(x)
    np.testing.assert_allclose(freq, p, atol=5 * math.sqrt(0.25 / len(x)))


# -- point masses and selection ----------------------------------------------------

def test_empirical_scores_a_point_mass_inside_a_bin() -> None:
    dist = EmpiricalDistribution([[-2.0, 2.0], [0.0, 0.0]], [0.7, 0.3], False)
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    assert dist.log_likelihood(x) == pytest.approx(3 * math.log(0.7 / 4) + math.log(0.3))
    assert dist.log_likelihood(np.array([2.5])) == -math.inf
    data = np.where(np.random.default_rng(22).random(5000) < 0.3, 0.0, np.random.default_rng(23).normal(0, 1, 5000))
    fit = EmpiricalDistribution.fit(data)
    assert [0.0, 0.0] in fit.bins and math.isfinite(fit.log_likelihood(data))


@pytest.fixture(scope="module")
def zero_inflated() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(15)
    x = np.where(rng.random(20_000) < 0.9, 0.0, rng.lognormal(7.0, 1.0, 20_000))
    return np.unique(x, return_counts=True)


def test_point_mass_mixture_recovers_the_zero_share(zero_inflated) -> None:
    values, counts = zero_inflated
    fit = PointMassMixtureDistribution.fit(values, counts)
    assert fit.points == [0.0]
    assert fit.weights[0] == pytest.approx(0.9, abs=0.006)  # 3 standard errors at n = 20,000
    assert isinstance(fit.rest, LogNormalDistribution)
    assert fit.rest.mu == pytest.approx(7.0, abs=0.1)
    assert fit.rest.sigma == pytest.approx(1.0, abs=0.05)


def test_selection_prefers_the_point_mass_mixture_on_zero_inflated_data(zero_inflated) -> None:
    values, counts = zero_inflated
    sel = select_distribution(values, counts, "continuous")
    assert sel.best.name == "point_mass_mixture"
    smooth = {k: v for k, v in sel.scores.items() if k != "point_mass_mixture"}
    assert smooth and all(sel.scores["point_mass_mixture"] < v for v in smooth.values())


def test_selection_picks_normal_for_normal_data_and_scores_each_applicable_candidate() -> None:
    values, counts = np.unique(np.random.default_rng(16).normal(3.0, 2.0, 5000), return_counts=True)
    sel = select_distribution(values, counts, "continuous")
    assert isinstance(sel.best, NormalDistribution) and sel.criterion == "bic"
    # lognormal, exponential and gamma need positive data; no value repeats enough for a point mass;
    # the k-anonymous histogram competes too, and loses to the true family
    assert set(sel.scores) == {"uniform", "normal", "truncated_normal", "histogram"}
    assert sel.scores["normal"] == min(sel.scores.values())
    for name, score in sel.scores.items():
        refit = get_distribution_class(name).fit(values, counts, **({"k": 10} if name == "histogram" else {}))
        assert score == pytest.approx(refit.information_criterion(values, counts))


def test_selection_picks_poisson_for_poisson_data() -> None:
    values, counts = np.unique(np.random.default_rng(17).poisson(4.0, 5000), return_counts=True)
    sel = select_distribution(values, counts, "discrete")
    assert isinstance(sel.best, PoissonDistribution)
    assert sel.best.mu == pytest.approx(np.dot(values, counts) / counts.sum())
    assert {"poisson", "geometric", "discrete_uniform", "discrete_normal"} <= set(sel.scores)
    assert sel.scores["poisson"] == min(sel.scores.values())


def test_aic_and_bic_differ_by_the_penalty() -> None:
    values, counts = np.unique(np.random.default_rng(18).poisson(4.0, 5000), return_counts=True)
    bic = select_distribution(values, counts, "discrete", criterion="bic")
    aic = select_distribution(values, counts, "discrete", criterion="aic")
    assert aic.criterion == "aic" and set(aic.scores) == set(bic.scores)
    for name in ("poisson", "negative_binomial", "discrete_normal"):
        k = 1 if name == "poisson" else 2
        assert bic.scores[name] - aic.scores[name] == pytest.approx(k * (math.log(5000) - 2))
    with pytest.raises(DistributionError, match="criterion"):
        select_distribution(values, counts, "discrete", criterion="hqic")


def test_a_single_value_is_constant() -> None:
    sel = select_distribution(np.array([42]), np.array([100]), "discrete")
    assert sel.best == ConstantDistribution(42)
    assert sel.scores == {"constant": 0.0}
    assert np.all(sel.best.sample(10, 0) == 42)


# -- temporal precision ----------------------------------------------------------------

def test_date_uniform_fits_the_range_and_samples_days_inside_it() -> None:
    days = np.datetime64("2020-02-10") + np.random.default_rng(19).integers(0, 50, 500).astype("timedelta64[D]")
    fit = DateUniformDistribution.fit(days)
    assert (fit.lower, fit.upper, fit.precision) == (str(days.min()), str(days.max()), "day")
    x = fit.sample(5000, 0)
    assert x.dtype == np.dtype("datetime64[D]")
    assert x.min() == days.min() and x.max() == days.max()


@pytest.mark.parametrize(
    ("unit", "step", "precision", "lower"),
    [
        ("s", 86_400, "day", "2021-06-01T00:00:00"),
        ("s", 3_600, "hour", "2021-06-01T00:00:00"),
        ("s", 1, "second", "2021-06-01T00:00:00"),
        ("ms", 1, "millisecond", "2021-06-01T00:00:00.000"),
    ],
)
def test_datetime_uniform_detects_precision_and_samples_at_it(unit: str, step: int, precision: str, lower: str) -> None:
    rng = np.random.default_rng(20)
    start = np.datetime64("2021-06-01T00:00:00", unit)
    ticks = np.append(0, rng.integers(1, 5000, 300)) * step
    if unit == "ms":
        ticks = np.append(ticks, 7)  # one value off the whole second
    stamps = start + ticks.astype(f"timedelta64[{unit}]")
    fit = DateTimeUniformDistribution.fit(stamps)
    assert fit.precision == precision and fit.lower == lower
    assert np.datetime64(fit.upper) == stamps.max()
    x = fit.sample(5000, 1)
    assert x.min() >= stamps.min() and x.max() <= stamps.max()
    per_step = {"day": 86_400_000, "hour": 3_600_000, "second": 1000, "millisecond": 1}[precision]
    assert np.all(x.astype("datetime64[ms]").astype(np.int64) % per_step == 0)
    assert len(np.unique(x)) > 100  # not stuck on a coarser grid


@pytest.mark.parametrize(
    ("step_ns", "precision", "lower"),
    [(3_600 * 10**9, "hour", "08:00:00"), (10**9, "second", "08:00:00"), (10**6, "millisecond", "08:00:00.000")],
)
def test_time_uniform_detects_precision_and_samples_at_it(step_ns: int, precision: str, lower: str) -> None:
    ticks = np.append(0, np.random.default_rng(21).integers(1, 10, 200)) * step_ns + 8 * 3_600 * 10**9
    times = ticks.astype("timedelta64[ns]")
    fit = TimeUniformDistribution.fit(times)
    assert (fit.precision, fit.lower) == (precision, lower)
    x = fit.sample(5000, 2).astype(np.int64)
    assert x.min() >= ticks.min() and x.max() <= ticks.max()
    assert np.all(x % step_ns == 0)
    assert len(np.unique(x)) == len(np.unique(ticks)) or len(np.unique(x)) > 9


# -- categorical -------------------------------------------------------------------

def test_categorical_keeps_label_order_and_probabilities() -> None:
    labels = np.array(["low", "mid", "high", "extreme"], dtype=object)  # not alphabetical
    counts = np.array([50, 30, 20, 0])
    fit = CategoricalDistribution.fit(labels, counts)
    assert fit.labels == ["low", "mid", "high", "extreme"]
    assert fit.probs == [0.5, 0.3, 0.2, 0.0]
    assert distribution_from_dict(fit.to_dict()) == fit
    x = fit.sample(100_000, 3)
    share = {lab: np.mean(x == lab) for lab in fit.labels}
    assert share["extreme"] == 0
    for lab, p in zip(fit.labels, fit.probs):
        assert share[lab] == pytest.approx(p, abs=0.01)


def test_numeric_categorical_labels_are_sorted() -> None:
    fit = CategoricalDistribution.fit(np.array([3, 1, 2]), np.array([1, 1, 2]))
    assert fit.labels == [1, 2, 3] and fit.probs == [0.25, 0.5, 0.25]


# -- bad parameters -------------------------------------------------------------------

BAD_PARAMETERS = [
    ("normal", {"mu": 0.0, "sigma": -1.0}, "sigma"),
    ("normal", {"mu": 0.0, "sigma": 0.0}, "sigma"),
    ("normal", {"mu": float("nan"), "sigma": 1.0}, "mu"),
    ("normal", {"mu": 0.0, "sigma": float("inf")}, "sigma"),
    ("normal", {"mu": 0.0, "sigma": "1"}, "sigma"),
    ("lognormal", {"mu": 0.0, "sigma": -0.5}, "sigma"),
    ("truncated_normal", {"mu": 0.0, "sigma": 1.0, "lower": 2.0, "upper": 1.0}, "upper"),
    ("truncated_normal", {"mu": 0.0, "sigma": -1.0, "lower": 0.0, "upper": 1.0}, "sigma"),
    ("uniform", {"lower": 5.0, "upper": 1.0}, "upper"),
    ("uniform", {"lower": None, "upper": 1.0}, "lower"),
    ("exponential", {"rate": -2.0}, "rate"),
    ("gamma", {"shape": -1.0, "scale": 1.0}, "shape"),
    ("gamma", {"shape": 1.0, "scale": 0.0}, "scale"),
    ("poisson", {"mu": -1.0}, "mu"),
    ("poisson", {"mu": True}, "mu"),
    ("geometric", {"p": 1.5}, "p"),
    ("negative_binomial", {"n": 0.0, "p": 0.5}, "n"),
    ("negative_binomial", {"n": 1.0, "p": 1.0}, "p"),
    ("discrete_uniform", {"lower": 5, "upper": 1}, "upper"),
    ("discrete_uniform", {"lower": 1.5, "upper": 3}, "lower"),
    ("discrete_normal", {"mu": 0.0, "sigma": -1.0}, "sigma"),
    ("discrete_gamma", {"shape": 0.0, "scale": 1.0}, "shape"),
    ("unique_key", {"lower": 0, "consecutive": False, "density": 0.0}, "density"),
    ("unique_key", {"lower": 0, "consecutive": "yes", "density": 1.0}, "consecutive"),
    ("bernoulli", {"p": 2.0}, "p"),
    ("bernoulli", {"p": "0.5"}, "p"),
    ("categorical", {"labels": ["a", "b"], "probs": [0.5, 0.6]}, "probs"),
    ("categorical", {"labels": ["a", "b"], "probs": [1.5, -0.5]}, "probs"),
    ("categorical", {"labels": ["a", "b"], "probs": [float("nan"), 1.0]}, "probs"),
    ("categorical", {"labels": ["a", "b"], "probs": [1.0]}, "probs"),
    ("categorical", {"labels": ["a", "a"], "probs": [0.5, 0.5]}, "labels"),
    ("point_mass_mixture", {"points": [0.0], "weights": [-0.1], "rest": None}, "weights"),
    ("point_mass_mixture", {"points": [0.0], "weights": [0.5], "rest": None}, "weights"),
    ("point_mass_mixture", {"points": [float("nan")], "weights": [1.0], "rest": None}, "points"),
    ("empirical", {"bins": [[0.0, 1.0]], "probs": [0.5], "integer": False}, "probs"),
    ("empirical", {"bins": [[1.0, 0.0]], "probs": [1.0], "integer": False}, "bins"),
    ("random_string", {"min_length": 3, "max_length": 1, "classes": ["lower"]}, "max_length"),
    ("random_string", {"min_length": 1, "max_length": 3, "classes": ["emoji"]}, "classes"),
    ("date_uniform", {"lower": "2020-02-01", "upper": "2020-01-01", "precision": "day"}, "upper"),
    ("date_uniform", {"lower": 20200101, "upper": "2020-02-01", "precision": "day"}, "lower"),
    ("date_uniform", {"lower": "yesterday", "upper": "2020-02-01", "precision": "day"}, "lower"),
    ("datetime_uniform", {"lower": "2020-01-01T00:00", "upper": "2020-01-02", "precision": "fortnight"}, "precision"),
    ("time_uniform", {"lower": "10:00", "upper": "09:00", "precision": "minute"}, "upper"),
    ("time_uniform", {"lower": "25:00", "upper": "26:00", "precision": "minute"}, "lower"),
    ("time_uniform", {"lower": "09:00", "upper": "10:00", "precision": "day"}, "precision"),
    ("normal", {"mu": 0.0}, "sigma"),  # missing
    ("normal", {"mu": 0.0, "sigma": 1.0, "tau": 2.0}, "tau"),  # unknown
]


@pytest.mark.parametrize(("name", "parameters", "named"), BAD_PARAMETERS, ids=lambda x: x if isinstance(x, str) else "")
def test_bad_parameters_raise_an_error_naming_the_parameter(name: str, parameters: dict, named: str) -> None:
    with pytest.raises(DistributionError, match=rf"\b{named}\b") as info:
        distribution_from_dict({"name": name, "parameters": parameters})
    assert str(info.value).startswith(name)  # and the distribution


def test_unknown_distribution_names_itself_and_the_known_ones() -> None:
    with pytest.raises(DistributionError, match="'weibull'.*normal"):
        distribution_from_dict({"name": "weibull", "parameters": {"k": 1.0}})
    with pytest.raises(DistributionError, match="name"):
        distribution_from_dict({"parameters": {}})


@pytest.mark.parametrize(
    ("cls", "values", "counts", "message"),
    [
        (PoissonDistribution, np.array([1, -2, 3]), None, ">= 0"),
        (PoissonDistribution, np.array([1.5, 2.0]), None, "integer"),
        (LogNormalDistribution, np.array([0.0, 1.0]), None, "> 0"),
        (NormalDistribution, np.array([]), None, "non-empty"),
        (NormalDistribution, np.array([1.0, 2.0]), np.array([1, -1]), "counts"),
        (NormalDistribution, np.array([1.0, 2.0]), np.array([1, 1, 1]), "counts"),
        (UniqueKeyDistribution, np.array([1, 2, 2, 3]), None, "unique"),
        (DiscreteGammaDistribution, np.array([-1, 2, 3]), None, ">= 0"),
    ],
    ids=lambda x: getattr(x, "name", ""),
)
def test_fitting_data_outside_the_family_raises(cls, values, counts, message: str) -> None:
    with pytest.raises(DistributionError, match=message):
        cls.fit(values, counts)


@pytest.mark.parametrize("n", [-1, 2.5, "10"])
def test_bad_sample_sizes_raise(n) -> None:
    with pytest.raises(DistributionError, match="number of values"):
        NormalDistribution(0.0, 1.0).sample(n, 0)


# -- cdf, ppf and logpdf -------------------------------------------------------------


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_VS_SCIPY, ids=lambda x: getattr(x, "name", ""))
def test_continuous_logpdf_cdf_and_ppf_equal_scipys(dist: Distribution, ref) -> None:
    x, _ = _data(dist, 2000)
    np.testing.assert_allclose(dist.logpdf(x), ref.logpdf(x), rtol=1e-9)
    np.testing.assert_allclose(dist.cdf(x), ref.cdf(x), rtol=1e-7, atol=1e-12)
    q = np.linspace(0.001, 0.999, 999)
    np.testing.assert_allclose(dist.ppf(q), ref.ppf(q), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(("dist", "ref"), DISCRETE_VS_SCIPY, ids=lambda x: getattr(x, "name", ""))
def test_discrete_logpdf_cdf_and_ppf_equal_scipys(dist: Distribution, ref) -> None:
    k = np.arange(-5, 60)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(dist.logpdf(k), ref.logpmf(k), rtol=1e-9)
    np.testing.assert_allclose(dist.cdf(k + 0.5), ref.cdf(k), rtol=1e-9, atol=1e-15)  # P(X <= k + 1/2) = P(X <= k)
    q = np.linspace(0.001, 0.999, 999)
    assert np.array_equal(dist.ppf(q), ref.ppf(q))
    assert dist.ppf(q).dtype == dist.sample(3, 0).dtype == np.int64
    assert dist.logpdf(np.array([2.5]))[0] == -math.inf  # off the integers


@pytest.mark.parametrize(
    ("dist", "latent"),
    [
        (DiscreteNormalDistribution(10.0, 3.0), NormalDistribution(10.0, 3.0)),
        (DiscreteLogNormalDistribution(2.0, 0.5), LogNormalDistribution(2.0, 0.5)),
        (DiscreteGammaDistribution(2.0, 3.0), GammaDistribution(2.0, 3.0)),
        (DiscreteTruncatedNormalDistribution(3.0, 4.0, 0.0, 10.0), TruncatedNormalDistribution(3.0, 4.0, -0.5, 10.5)),
    ],
    ids=lambda x: getattr(x, "name", ""),
)
def test_rounded_cdf_is_that_of_the_integers(dist: Distribution, latent: Distribution) -> None:
    k = np.arange(-3, 40)
    np.testing.assert_allclose(dist.cdf(k), latent.cdf(k + 0.5), rtol=1e-12)  # P(X <= k) = F(k + 1/2)
    assert np.array_equal(dist.cdf(k + 0.7), dist.cdf(k))
    # (far in the tails, below 1e-12, the pmf is the density at k: cdf differences lose their digits there)
    np.testing.assert_allclose(np.exp(dist.logpdf(k)), latent.cdf(k + 0.5) - latent.cdf(k - 0.5), atol=1e-12)
    # the latent continuous interval probability still scores the rounding
    x = k.astype(float)
    np.testing.assert_allclose(dist.log_cdf_interval(x - 0.5, x + 0.5), dist.logpdf(k), rtol=1e-12)
    assert np.array_equal(dist.ppf(dist.cdf(k[dist.logpdf(k) > -30])), k[dist.logpdf(k) > -30])


def test_point_mass_mixture_cdf_follows_the_redraws_of_sampling() -> None:
    # the geometric rest puts half its mass on 0, which sampling draws again: P(0) stays 0.4
    dist = PointMassMixtureDistribution([0], [0.4], GeometricDistribution(0.5))
    assert dist.cdf(np.array([0]))[0] == pytest.approx(0.4)
    assert dist.cdf(np.array([1]))[0] == pytest.approx(0.4 + 0.6 * 0.5)  # P(rest = 1 | rest > 0) = 1/2
    x = dist.ppf(np.random.default_rng(0).random(100_000))
    assert (x == 0).mean() == pytest.approx(0.4, abs=0.005)
    assert dist.ppf(np.array([0.0, 0.4, 0.40001, 1.0])).tolist()[:3] == [0, 0, 1]


def test_continuous_mixture_ppf_puts_the_points_weights_on_them() -> None:
    dist = PointMassMixtureDistribution([0.0], [0.9], LogNormalDistribution(7.0, 1.0))
    q = np.array([0.0, 0.5, 0.9, 0.95])
    x = dist.ppf(q)
    assert x[:3].tolist() == [0.0, 0.0, 0.0]
    assert x[3] == pytest.approx(math.exp(7.0))  # the rest's median
    assert dist.cdf(np.array([-1.0, 0.0, math.exp(7.0)])).tolist() == pytest.approx([0.0, 0.9, 0.95])


def test_empirical_cdf_and_ppf_read_the_bins() -> None:
    dist = EmpiricalDistribution([[-2.0, 2.0], [0.0, 0.0]], [0.7, 0.3], False)  # an atom inside a bin
    assert dist.cdf(np.array([-2.0, -1.0, 0.0, 2.0])).tolist() == pytest.approx([0.0, 0.175, 0.65, 1.0])
    assert dist.ppf(np.array([0.175, 0.4, 0.65, 0.825])).tolist() == pytest.approx([-1.0, 0.0, 0.0, 1.0])
    whole = EmpiricalDistribution([[0, 4], [5, 5], [6, 20]], [0.3, 0.4, 0.3], True)
    assert whole.cdf(np.array([0, 4, 4.5, 5])).tolist() == pytest.approx([0.06, 0.3, 0.3, 0.7])
    assert whole.ppf(np.array([0.0, 0.3, 0.31, 0.7, 1.0])).tolist() == [0, 4, 5, 5, 20]


def test_temporal_cdf_and_ppf_use_the_values_sample_returns() -> None:
    days = DateUniformDistribution("2020-01-01", "2020-01-10")
    x = days.ppf(np.array([0.0, 0.1, 0.15, 1.0]))
    assert x.dtype == days.sample(1, 0).dtype == np.dtype("datetime64[D]")
    assert x.tolist() == [np.datetime64(d, "D").item() for d in ("2020-01-01", "2020-01-01", "2020-01-02", "2020-01-10")]
    stamps = np.array(["2020-01-01T23:59", "2020-01-05T12:00"], dtype="datetime64[m]")
    assert days.cdf(stamps).tolist() == pytest.approx([0.1, 0.5])  # a time of day counts as its day
    times = TimeUniformDistribution("08:00", "09:00", "minute")
    t = times.ppf(np.array([0.5]))
    assert t.dtype == np.dtype("timedelta64[ns]") and times.cdf(t)[0] >= 0.5
    with pytest.raises(DistributionError, match="'x' of cdf must be timedelta64"):
        times.cdf(np.array([1.0]))


def test_bernoulli_and_constant_order_their_values() -> None:
    coin = BernoulliDistribution(0.3)
    assert coin.cdf(np.array([False, True])).tolist() == pytest.approx([0.7, 1.0])
    assert coin.ppf(np.array([0.0, 0.7, 0.71, 1.0])).tolist() == [False, False, True, True]
    assert ConstantDistribution(7.5).ppf(np.array([0.2, 0.9])).tolist() == [7.5, 7.5]
    assert ConstantDistribution(7.5).cdf(np.array([7.0, 7.5, 8.0])).tolist() == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("q", [-0.1, 1.5, float("nan")])
def test_ppf_rejects_quantiles_outside_the_unit_interval(q: float) -> None:
    with pytest.raises(DistributionError, match=r"^poisson: parameter 'q' of ppf must be in \[0, 1\]"):
        PoissonDistribution(3.0).ppf(np.array([0.5, q]))


def test_cdf_rejects_nan() -> None:
    with pytest.raises(DistributionError, match="parameter 'x' of cdf"):
        NormalDistribution(0.0, 1.0).cdf(np.array([0.0, float("nan")]))


def test_a_value_with_count_zero_adds_nothing_to_the_log_likelihood() -> None:
    dist = PoissonDistribution(3.0)
    ll = dist.log_likelihood(np.array([-1, 2, 4]), np.array([0, 5, 1]))  # -1 lies outside the support
    assert ll == pytest.approx(5 * stats.poisson.logpmf(2, 3.0) + stats.poisson.logpmf(4, 3.0))
    assert CategoricalDistribution(["a", "b"], [0.5, 0.5]).log_likelihood(
        np.array(["a", "z"], dtype=object), np.array([2, 0])
    ) == pytest.approx(2 * math.log(0.5))


# -- the numeric fallbacks of the base class -----------------------------------------


@dataclasses.dataclass(frozen=True)
class _OnlyCdf(Distribution):
    """A Laplace distribution with a cdf and no ppf: the base solves it numerically."""

    name = "only_cdf_test"
    kinds = ("continuous",)
    b: float

    def _cdf(self, x):
        x = np.asarray(x, float)
        return np.where(x < 0, 0.5 * np.exp(x / self.b), 1 - 0.5 * np.exp(-x / self.b))


@dataclasses.dataclass(frozen=True)
class _OnlyPmf(Distribution):
    """A binomial with only its pmf and support: the base sums the cdf and bisects the ppf."""

    name = "only_pmf_test"
    kinds = ("discrete",)
    n: int
    p: float

    def _support(self):
        return (0.0, float(self.n))

    def _logpdf(self, x):
        return stats.binom.logpmf(x, self.n, self.p)


def test_base_class_solves_ppf_from_a_cdf() -> None:
    dist = _OnlyCdf(2.0)
    q = np.array([0.0, 1e-9, 0.1, 0.5, 0.9, 1 - 1e-9, 1.0])
    # to the precision of the cdf itself (1 - 1e-9 keeps 7 digits of the tail)
    np.testing.assert_allclose(dist.ppf(q)[1:-1], stats.laplace(scale=2.0).ppf(q[1:-1]), rtol=1e-8, atol=1e-12)
    assert dist.ppf(q)[0] == -math.inf and dist.ppf(q)[-1] == math.inf


def test_base_class_sums_the_cdf_and_bisects_the_ppf_of_a_pmf() -> None:
    dist = _OnlyPmf(40, 0.3)
    k = np.arange(-2, 43)
    np.testing.assert_allclose(dist.cdf(k), stats.binom.cdf(k, 40, 0.3), rtol=1e-9, atol=1e-15)
    q = np.linspace(0, 1, 1001)
    x = dist.ppf(q)
    assert x.dtype == np.int64 and np.all(dist.cdf(x) >= q) and np.all(dist.cdf(x - 1) < np.maximum(q, 1e-300))
    support = k[(k >= 0) & (k <= 40)]
    told_apart = dist.cdf(support) > dist.cdf(support - 1)  # the top ones all have cdf 1 in floating point
    assert told_apart.sum() > 30
    assert np.array_equal(dist.ppf(dist.cdf(support[told_apart])), support[told_apart])


# -- built from released moments -----------------------------------------------------


def test_from_moments_builds_each_family_the_privacy_layer_uses() -> None:
    from datatwin.distributions import Moments

    m = Moments(lower=0.0, upper=100.0, mean=20.0, var=64.0, log_mean=2.9, log_var=0.25)
    assert NormalDistribution.from_moments(m, integer=False) == NormalDistribution(20.0, 8.0)
    assert DiscreteNormalDistribution.from_moments(m, integer=True) == DiscreteNormalDistribution(
        20.0, math.sqrt(64 - 1 / 12)
    )  # Sheppard's correction for whole numbers
    assert LogNormalDistribution.from_moments(m, integer=False) == LogNormalDistribution(2.9, 0.5)
    assert PoissonDistribution.from_moments(m, integer=True) == PoissonDistribution(20.0)
    assert NegativeBinomialDistribution.from_moments(m, integer=True) == NegativeBinomialDistribution(
        20.0 * 20.0 / 44.0, (400 / 44) / (400 / 44 + 20)
    )
    fit = TruncatedNormalDistribution.from_moments(m, integer=False)
    assert (fit.lower, fit.upper) == (0.0, 100.0) and fit.mu == pytest.approx(20.0, abs=0.5)  # mu below: truncated at 0
    negative = Moments(lower=-5.0, upper=5.0, mean=0.0, var=4.0)
    assert LogNormalDistribution.from_moments(negative, integer=False) is None  # no log moments, no support
    assert PoissonDistribution.from_moments(negative, integer=True) is None
    assert GammaDistribution.from_moments(m, integer=False) is None  # not estimable from moments
    with pytest.raises(DistributionError, match="needs a Moments object"):
        NormalDistribution.from_moments({"mean": 1.0}, integer=False)
