"""Every registered distribution passes the shared conformance checks, each
(distribution, check) pair its own test: ``test_conformance[normal-check_ppf_matches_sample]``.

A distribution registered without a representative here fails the suite, so no
new family can skip the contract.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from datatwin.distributions import (
    BernoulliDistribution,
    CategoricalDistribution,
    ConstantDistribution,
    DateTimeUniformDistribution,
    DateHistogramDistribution,
    DateTimeHistogramDistribution,
    DateUniformDistribution,
    DiscreteGammaDistribution,
    DiscreteLogNormalDistribution,
    DiscreteNormalDistribution,
    DiscreteTruncatedNormalDistribution,
    DiscreteUniformDistribution,
    Distribution,
    EmpiricalDistribution,
    ExponentialDistribution,
    FakerDistribution,
    FiniteDistribution,
    FreeTextDistribution,
    GammaDistribution,
    GeometricDistribution,
    HistogramDistribution,
    LogNormalDistribution,
    NegativeBinomialDistribution,
    NormalDistribution,
    PatternDistribution,
    PointMassMixtureDistribution,
    PoissonDistribution,
    RandomStringDistribution,
    TimeUniformDistribution,
    TruncatedNormalDistribution,
    UniformDistribution,
    UniqueKeyDistribution,
    base,
    registered_distributions,
)
from datatwin.distributions.testing import (
    DistributionCheck,
    check_distribution,
    distribution_checks,
    parametrize_with_checks,
)
from datatwin.errors import DistributionError

#: one typical instance per registered name
REPRESENTATIVES: dict[str, Distribution] = {
    d.name: d
    for d in [
        UniformDistribution(-2.0, 5.0),
        NormalDistribution(3.0, 2.0),
        TruncatedNormalDistribution(mu=1.0, sigma=2.0, lower=0.0, upper=4.0),
        LogNormalDistribution(1.0, 0.5),
        ExponentialDistribution(0.5),
        GammaDistribution(shape=2.5, scale=3.0),
        DiscreteUniformDistribution(-3, 12),
        PoissonDistribution(4.5),
        GeometricDistribution(0.3),
        NegativeBinomialDistribution(n=3.0, p=0.4),
        UniqueKeyDistribution(lower=100, consecutive=False, density=0.5),
        # small scales, where rounding matters and samples hold zeros for the positive families
        DiscreteNormalDistribution(5.0, 1.5),
        DiscreteTruncatedNormalDistribution(mu=30.0, sigma=15.0, lower=18.0, upper=90.0),
        DiscreteLogNormalDistribution(1.0, 0.6),
        DiscreteGammaDistribution(shape=2.0, scale=1.5),
        CategoricalDistribution(["b", "a", "c"], [0.5, 0.3, 0.2]),
        BernoulliDistribution(0.3),
        ConstantDistribution(7.5),
        RandomStringDistribution(min_length=2, max_length=8, classes=["upper", "digit", "space"]),
        FakerDistribution(provider="email", locale="nl_NL"),
        FreeTextDistribution(locale="en_US", length=DiscreteLogNormalDistribution(4.0, 0.5), max_length=400),
        PatternDistribution(
            shapes=[
                {"pattern": "N[0-9]{3}[A-Z]{2}", "prob": 0.6, "tokens": [
                    {"literal": "N"},
                    {"class": "digit", "length": 3, "values": {}, "other": 1.0,
                     "chars": [{"1": 0.5, "2": 0.3, "9": 0.2}, None, None]},
                    {"class": "upper", "length": 2, "values": {"AA": 0.4, "DL": 0.3}, "other": 0.3, "chars": [None, None]},
                ]},
                {"pattern": "[0-9]{2}-[0-9]{6}", "prob": 0.3, "tokens": [
                    {"class": "digit", "length": 2, "values": {"17": 0.5, "18": 0.5}, "other": 0.0, "chars": [None, None]},
                    {"literal": "-"},
                    {"class": "digit", "length": 6, "values": {}, "other": 1.0,
                     "chars": [{"0": 1.0}, {"0": 0.9, "1": 0.1}, None, None, None, None]},
                ]},
            ],
            # a fallback whose refit keeps >= k rows at each extreme length: the fit publishes the
            # mean length of the k shortest / k longest rows, and a sample must stay inside it
            fallback={"pattern": "[A-Z0-9]{4,6}", "prob": 0.1, "min_length": 4, "max_length": 6,
                      "classes": ["upper", "digit"], "symbols": []},
            k=10,
        ),
        PointMassMixtureDistribution(points=[0.0], weights=[0.9], rest=LogNormalDistribution(7.0, 1.0)),
        EmpiricalDistribution(bins=[[0.0, 0.0], [1.0, 3.0], [3.0, 10.0]], probs=[0.2, 0.5, 0.3], integer=False),
        HistogramDistribution(edges=[0.0, 1.5, 4.0, 10.0, 25.0], probs=[0.1, 0.4, 0.3, 0.2], integer=False),
        FiniteDistribution(values=[1, 2, 3, 4, 5], probs=[0.1, 0.2, 0.4, 0.2, 0.1], integer=True),
        DateUniformDistribution("2020-01-01", "2020-12-31"),
        DateHistogramDistribution(["2019-12-31T12:00:00", "2020-03-01", "2020-06-15T12:00:00", "2020-12-31"],
                                  [0.5, 0.3, 0.2], "day"),
        DateTimeHistogramDistribution(["2021-06-01T00:00:00", "2021-06-10T12:00:00.500", "2021-06-30T23:59:59"],
                                      [0.7, 0.3], "second"),
        DateTimeUniformDistribution("2021-06-01T00:00:00", "2021-06-30T23:59:59", "second"),
        TimeUniformDistribution("08:00:00.000", "17:30:00.000", "millisecond"),
    ]
}

#: further instances exercising branches the representatives do not
EXTRA_CASES: list[Distribution] = [
    UniqueKeyDistribution(lower=1, consecutive=True, density=1.0),
    TruncatedNormalDistribution(mu=10.0, sigma=1.0, lower=12.0, upper=15.0),  # bounds beyond the mean
    ConstantDistribution("only"),
    CategoricalDistribution([3, 1, 2], [0.2, 0.3, 0.5]),
    PointMassMixtureDistribution(points=[-1.0, 0.0], weights=[0.3, 0.7], rest=None),
    EmpiricalDistribution(bins=[[0, 4], [5, 5], [6, 20]], probs=[0.3, 0.4, 0.3], integer=True),
    EmpiricalDistribution(bins=[[-2.0, 2.0], [0.0, 0.0]], probs=[0.7, 0.3], integer=False),  # atom inside a bin
    EmpiricalDistribution(bins=[[0, 9], [3, 3]], probs=[0.6, 0.4], integer=True),
    PointMassMixtureDistribution(points=[0], weights=[0.4], rest=GeometricDistribution(0.5)),  # rest hits the point
    HistogramDistribution(edges=[-0.5, 1, 10, 19.5, 100], probs=[0.5, 0.2, 0.2, 0.1], integer=True),  # half-way edges
    FiniteDistribution(values=[-1.5, 0.25, 2.0], probs=[0.3, 0.3, 0.4], integer=False),  # factor scores
    DateTimeUniformDistribution("2021-06-01T00:00", "2021-06-01T23:00", "hour"),
    TimeUniformDistribution("00:00", "23:59", "minute"),
    FakerDistribution(provider="name", locale="de_DE"),
    FakerDistribution(provider="date_of_birth", locale="en_GB", date_format="%d/%m/%Y", birth_years=[1940, 2005]),
    FreeTextDistribution(locale="nl_NL", length=ConstantDistribution(12), max_length=12),  # every text 12 long
]


#: a zero-heavy column whose rest is a histogram (Adult's capital-gain): not a maximum-likelihood
#: fit (the histogram's edges are chosen), so only the checks of sampling, cdf and ppf apply
ZERO_HEAVY_WITH_HISTOGRAM = PointMassMixtureDistribution(
    points=[0], weights=[0.9], rest=HistogramDistribution(edges=[1, 100, 1000, 10000], probs=[0.5, 0.3, 0.2], integer=True)
)


@pytest.mark.parametrize(
    "check",
    [c for c in distribution_checks(ZERO_HEAVY_WITH_HISTOGRAM) if c.name != "check_fit_is_maximum_likelihood"],
    ids=lambda c: c.name,
)
def test_a_point_mass_mixture_with_a_histogram_rest_conforms(check: DistributionCheck) -> None:
    check(ZERO_HEAVY_WITH_HISTOGRAM)


def test_every_registered_distribution_has_a_representative() -> None:
    missing = sorted(set(registered_distributions()) - set(REPRESENTATIVES))
    assert not missing, f"add a representative instance to REPRESENTATIVES for: {missing}"


@parametrize_with_checks([REPRESENTATIVES[name] for name in sorted(registered_distributions()) if name in REPRESENTATIVES])
def test_conformance(dist: Distribution, check: DistributionCheck) -> None:
    check(dist)


@parametrize_with_checks(EXTRA_CASES)
def test_extra_cases_conform(dist: Distribution, check: DistributionCheck) -> None:
    check(dist)


def test_checks_follow_the_declared_capabilities() -> None:
    names = {d.name: [c.name for c in distribution_checks(d)] for d in REPRESENTATIVES.values()}
    assert "check_ppf_cdf_round_trip" in names["poisson"] and "check_no_order_raises" not in names["poisson"]
    assert "check_ppf_matches_sample" not in names["categorical"] and "check_no_order_raises" in names["categorical"]
    assert "check_ppf_cdf_round_trip" not in names["normal"]  # real numbers: no lattice
    assert "check_fit_is_maximum_likelihood" not in names["faker"]  # fittable = False
    assert "check_from_moments" in names["normal"] and "check_from_moments_declines" in names["gamma"]
    ids = [p.id for p in parametrize_with_checks(EXTRA_CASES).args[1]]
    assert "empirical-check_cdf_matches_sample" in ids and "empirical-2-check_cdf_matches_sample" in ids


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_conformance_holds_for_other_seeds(seed: int) -> None:
    for dist in REPRESENTATIVES.values():
        check_distribution(dist, seed=seed, n=5_000)


# -- the check itself fails on broken distributions ---------------------------------


class _Broken(NormalDistribution):
    """A normal distribution under another name; subclasses break one rule each."""

    name = "broken"


class _IgnoresSeed(_Broken):
    def _sample(self, n, rng):
        return super()._sample(n, np.random.default_rng(0))


class _NotReproducible(_Broken):
    def _sample(self, n, rng):
        return super()._sample(n, np.random.default_rng())


class _WrongDtype(_Broken):
    kinds = ("discrete",)


class _WrongLength(_Broken):
    def _sample(self, n, rng):
        return super()._sample(n + 1, rng)


class _NotMaximumLikelihood(_Broken):
    @classmethod
    def _fit(cls, values, counts):
        fitted = super()._fit(values, counts)
        return dataclasses.replace(fitted, sigma=fitted.sigma * 1.1)


class _LossyDict(_Broken):
    def to_dict(self):
        d = super().to_dict()
        d["parameters"]["mu"] = round(d["parameters"]["mu"], 2)
        return d


class _NoParameters(_Broken):
    @property
    def n_parameters(self) -> int:
        return 0


class _ZeroLikelihood(_Broken):
    def _log_likelihood(self, values, counts):
        return -np.inf


class _AcceptsNegativeSizes(_Broken):
    def sample(self, n, rng=None):
        return self._sample(max(n, 0), np.random.default_rng(rng))


class _LogpdfDisagrees(_Broken):
    def _logpdf(self, x):
        return super()._logpdf(x) + 0.1

    def _log_likelihood(self, values, counts):  # the right closed form, the wrong pointwise density
        z = (values - self.mu) / self.sigma
        return float(np.dot(counts, -0.5 * z * z)) - float(counts.sum()) * (np.log(self.sigma) + 0.5 * np.log(2 * np.pi))


class _DecreasingCdf(_Broken):
    def _cdf(self, x):
        return 1.0 - super()._cdf(x)


class _ShiftedCdf(_Broken):
    def _cdf(self, x):
        return super()._cdf(np.asarray(x) - 0.5 * self.sigma)


class _ShiftedPpf(_Broken):
    def _ppf(self, q):
        return super()._ppf(q) + 0.5 * self.sigma


class _ClipsBadQ(_Broken):
    def ppf(self, q):
        return super().ppf(np.clip(np.nan_to_num(np.asarray(q, float)), 0.0, 1.0))


class _LargestQuantile(_Broken):
    def _ppf(self, q):  # not the smallest x with cdf(x) >= q
        return super()._ppf(q) + 1e-3


class _NoCdf(_Broken):
    def _cdf(self, x):
        return base.Distribution._cdf(self, x)


class _WrongMoments(_Broken):
    @classmethod
    def _from_moments(cls, moments, integer):
        return cls(moments.mean, 2 * moments.sd(integer))


class _UndeclaredMoments(_Broken):
    estimable_from_moments = False  # yet it inherits the normal's _from_moments


class _BrokenPoisson(PoissonDistribution):
    name = "broken"


class _OffLattice(_BrokenPoisson):
    def _ppf(self, q):  # the right distribution, but ppf(cdf(k)) = k + 1
        return super()._ppf(np.minimum(np.asarray(q) + 1e-13, 1.0))


class _HeavyPmf(_BrokenPoisson):
    def _logpdf(self, x):
        return super()._logpdf(x) + np.log(1.01)


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (_IgnoresSeed, "give the same sample"),
        (_NotReproducible, "two samples with seed 0 differ"),
        (_WrongDtype, "does not fit its kinds"),
        (_WrongLength, "has shape"),
        (_NotMaximumLikelihood, "not maximum likelihood"),
        (_LossyDict, "JSON round trip"),
        (_NoParameters, "n_parameters"),
        (_ZeroLikelihood, "log-likelihood of its own sample is -inf"),
        (_AcceptsNegativeSizes, r"sample\(-1\) must raise"),
        (_LogpdfDisagrees, "the sum of logpdf"),
        (_DecreasingCdf, "cdf decreases"),
        (_ShiftedCdf, "DKW bound"),
        (_ShiftedPpf, "does not have the distribution of sample"),
        (_ClipsBadQ, r"ppf\(-0.1\) must raise"),
        (_LargestQuantile, "not the smallest value"),
        (_NoCdf, "check_cdf_is_monotone raised NotImplementedError: broken: implement _cdf"),
        (_WrongMoments, "from_moments of its sample's moments"),
        (_UndeclaredMoments, "does not declare estimable_from_moments"),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_check_distribution_rejects_a_broken_distribution(
    cls: type[Distribution], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(base._PLUGINS.classes, "broken", cls)
    with pytest.raises(AssertionError, match=message):
        check_distribution(cls(0.5, 1.25), n=2_000)


@pytest.mark.parametrize(
    ("cls", "message"),
    [(_OffLattice, r"ppf\(cdf\(k\)\) != k"), (_HeavyPmf, r"sums to 1\.0099")],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_check_distribution_rejects_a_broken_discrete_distribution(
    cls: type[Distribution], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(base._PLUGINS.classes, "broken", cls)
    with pytest.raises(AssertionError, match=message):
        check_distribution(cls(4.5), n=2_000)


def test_families_without_an_order_refuse_cdf_and_ppf() -> None:
    for dist in (REPRESENTATIVES["categorical"], REPRESENTATIVES["pattern"], REPRESENTATIVES["unique_key"]):
        with pytest.raises(DistributionError, match=f"^{dist.name} has no order"):
            dist.cdf(dist.sample(3, 0))
        with pytest.raises(DistributionError, match=f"^{dist.name} has no order"):
            dist.ppf([0.5])


def test_check_distribution_rejects_an_unregistered_distribution() -> None:
    with pytest.raises(AssertionError, match="not the class registered"):
        check_distribution(_Broken(0.5, 1.25), n=2_000)
