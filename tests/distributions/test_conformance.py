"""Every registered distribution passes the shared conformance check.

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
    FreeTextDistribution,
    GammaDistribution,
    GeometricDistribution,
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
from datatwin.distributions.testing import check_distribution

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
        DateUniformDistribution("2020-01-01", "2020-12-31"),
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
    DateTimeUniformDistribution("2021-06-01T00:00", "2021-06-01T23:00", "hour"),
    TimeUniformDistribution("00:00", "23:59", "minute"),
    FakerDistribution(provider="name", locale="de_DE"),
    FakerDistribution(provider="date_of_birth", locale="en_GB", date_format="%d/%m/%Y", birth_years=[1940, 2005]),
    FreeTextDistribution(locale="nl_NL", length=ConstantDistribution(12), max_length=12),  # every text 12 long
]


def test_every_registered_distribution_has_a_representative() -> None:
    missing = sorted(set(registered_distributions()) - set(REPRESENTATIVES))
    assert not missing, f"add a representative instance to REPRESENTATIVES for: {missing}"


@pytest.mark.parametrize("name", sorted(registered_distributions()))
def test_registered_distribution_conforms(name: str) -> None:
    assert name in REPRESENTATIVES, f"no representative instance for registered distribution {name!r}"
    check_distribution(REPRESENTATIVES[name])


@pytest.mark.parametrize("dist", EXTRA_CASES, ids=lambda d: f"{d.name}-{EXTRA_CASES.index(d)}")
def test_extra_cases_conform(dist: Distribution) -> None:
    check_distribution(dist)


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
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_check_distribution_rejects_a_broken_distribution(
    cls: type[Distribution], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(base._REGISTRY, "broken", cls)
    with pytest.raises(AssertionError, match=message):
        check_distribution(cls(0.5, 1.25), n=2_000)


def test_check_distribution_rejects_an_unregistered_distribution() -> None:
    with pytest.raises(AssertionError, match="not the class registered"):
        check_distribution(_Broken(0.5, 1.25), n=2_000)
