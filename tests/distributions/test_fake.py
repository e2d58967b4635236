"""The faker and free_text distributions, and the bulk Faker drawing behind them."""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re

import numpy as np
import polars as pl
import pytest
from faker import Faker

from datatwin.distributions import (
    ConstantDistribution,
    DiscreteLogNormalDistribution,
    FakerDistribution,
    FreeTextDistribution,
    NormalDistribution,
    distribution_from_dict,
)
from datatwin.distributions.fakerdraw import FakerDraw, _plan
from datatwin.errors import DistributionError
from datatwin.personal import PROVIDERS
from datatwin.personal.shapes import _iban_checksum_ok

EMAIL = re.compile(r"^[a-z0-9._\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)+$")


@pytest.mark.parametrize("locale", ["en_US", "nl_NL", "de_DE", "ja_JP"])
@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p != "date_of_birth"])
def test_every_provider_samples_text_reproducibly(provider: str, locale: str) -> None:
    dist = FakerDistribution(provider, locale)
    a, b = dist.sample(300, 7), dist.sample(300, 7)
    assert a.dtype == object and len(a) == 300 and all(isinstance(v, str) and v for v in a)
    assert a.tolist() == b.tolist()
    assert a.tolist() != dist.sample(300, 8).tolist()
    assert not any("\n" in v or v != v.strip() for v in a)  # one line each, no stray blanks


def test_values_have_their_provider_shape() -> None:
    def draw(provider: str, locale: str = "nl_NL") -> list[str]:
        return FakerDistribution(provider, locale).sample(2000, 1).tolist()

    assert all(EMAIL.match(v) for v in draw("email"))
    ibans = draw("iban")
    assert all(v.startswith("NL") and len(v) == 18 for v in ibans)
    assert _iban_checksum_ok(pl.Series(ibans)).all()
    for v in draw("ipv4"):
        address = ipaddress.IPv4Address(v)
        assert address.is_global, v  # never private, loopback, multicast or reserved
    assert all(isinstance(ipaddress.IPv6Address(v), ipaddress.IPv6Address) for v in draw("ipv6"))
    assert all(re.match(r"^https?://[a-z0-9\-.]+\.[a-z.]+/", v) for v in draw("url"))
    assert all(len(re.sub(r"\D", "", v)) >= 9 for v in draw("phone_number"))
    postcodes = draw("postcode")
    assert all(re.match(r"^[1-9]\d{3} ?[A-Z]{2}$", v) for v in postcodes)  # nl_NL's '%###??' shapes


def test_names_come_from_the_locale_lists_with_their_weights() -> None:
    from faker.providers.person.en_US import Provider

    names = FakerDistribution("first_name", "en_US").sample(50_000, 3)
    known = set(Provider.first_names)
    assert set(names.tolist()) <= known
    weights = dict(Provider.first_names)
    top = max(weights, key=weights.get)
    expected = weights[top] / sum(weights.values())
    observed = float(np.mean(names == top))
    assert abs(observed - expected) < 4 * np.sqrt(expected / 50_000) + 1e-4


def test_unique_columns_have_variety() -> None:
    for provider in ("email", "iban", "phone_number", "url", "street_address", "name"):
        values = FakerDistribution(provider, "en_US").sample(20_000, 0)
        assert len(set(values.tolist())) > 0.6 * len(values), provider


def test_zero_values() -> None:
    assert FakerDistribution("email").sample(0, 1).shape == (0,)
    assert FreeTextDistribution("en_US", ConstantDistribution(5), 5).sample(0, 1).shape == (0,)


def test_date_of_birth_fit_keeps_format_and_birth_years_only() -> None:
    rng = np.random.default_rng(0)
    days = np.datetime64("1950-01-01") + rng.integers(0, 365 * 50, 500)
    texts = pl.Series(days.astype("datetime64[D]")).dt.strftime("%d/%m/%Y").to_numpy().astype(object)
    dist = FakerDistribution.fit(texts, provider="date_of_birth", locale="en_GB")
    assert dist.date_format == "%d/%m/%Y"
    assert dist.birth_years[0] in (1950, 1951) and dist.birth_years[1] in (1998, 1999)
    sample = dist.sample(1000, 2)
    parsed = [_dt.datetime.strptime(v, "%d/%m/%Y").year for v in sample]
    assert min(parsed) >= dist.birth_years[0] and max(parsed) <= dist.birth_years[1]
    assert set(dist.to_dict()["parameters"]) == {"provider", "locale", "date_format", "birth_years"}


def test_date_of_birth_month_first_in_en_us_and_errors() -> None:
    texts = np.array(["01/02/1990", "03/04/1985", "12/11/1970"], dtype=object)  # ambiguous: the locale decides
    assert FakerDistribution.fit(texts, provider="date_of_birth", locale="en_US").date_format == "%m/%d/%Y"
    assert FakerDistribution.fit(texts, provider="date_of_birth", locale="nl_NL").date_format == "%d/%m/%Y"
    with pytest.raises(DistributionError, match=r"only 0% of the values read as dates in one format"):
        FakerDistribution.fit(np.array(["soon", "later"], dtype=object), provider="date_of_birth")


def test_faker_fit_keeps_no_value() -> None:
    values = np.array(["a.secret@example.org", "b.secret@example.org"], dtype=object)
    dist = FakerDistribution.fit(values, provider="email", locale="nl_NL")
    assert dist == FakerDistribution("email", "nl_NL")
    assert "secret" not in str(dist.to_dict())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"provider": "emial"}, r"faker: parameter 'provider' must be one of first_name, .*\. Got 'emial'\."),
        ({"provider": "email", "locale": "xx_XX"}, r"faker: parameter 'locale' must be a Faker locale .*'xx_XX'\."),
        ({"provider": "date_of_birth"}, r"'date_format' and 'birth_years' are needed for provider 'date_of_birth'"),
        ({"provider": "email", "date_format": "%Y"}, r"must be null for the others"),
        (
            {"provider": "date_of_birth", "date_format": "Y-m-d", "birth_years": [1950, 2000]},
            r"'date_format' must be a strftime format",
        ),
        (
            {"provider": "date_of_birth", "date_format": "%Y", "birth_years": [2000, 1950]},
            r"'birth_years' must be \[first, last\] years\. Got \[2000, 1950\]",
        ),
    ],
)
def test_faker_parameter_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(DistributionError, match=message):
        FakerDistribution(**kwargs)


def test_faker_fit_needs_a_provider() -> None:
    with pytest.raises(DistributionError, match=r"the provider cannot be fitted from data; pass provider=\.\.\."):
        FakerDistribution.fit(np.array(["x"], dtype=object))


def test_hand_written_faker_entry_may_leave_out_optional_parameters() -> None:
    dist = distribution_from_dict({"name": "faker", "parameters": {"provider": "city"}})
    assert dist == FakerDistribution("city", "en_US")


def test_free_text_lengths_follow_the_length_model_exactly() -> None:
    dist = FreeTextDistribution("nl_NL", ConstantDistribution(12), 12)
    texts = dist.sample(500, 4)
    assert {len(t) for t in texts} == {12}
    model = FreeTextDistribution("en_US", DiscreteLogNormalDistribution(4.0, 0.5), 400)
    texts = model.sample(5000, 5)
    lengths = np.array([len(t) for t in texts])
    drawn = np.clip(model.length.sample(5000, np.random.default_rng(5)), 0, 400)
    assert lengths.max() <= 400
    assert abs(lengths.mean() - drawn.mean()) < 0.05 * drawn.mean()


def test_free_text_writes_words_of_its_locale() -> None:
    from faker.providers.lorem.nl_NL import Provider

    texts = FreeTextDistribution("nl_NL", ConstantDistribution(300), 300).sample(50, 0)
    words = {w.lower() for t in texts for w in re.findall(r"\w+", t)[:-1]}  # the last word may be cut
    vocabulary = {w.lower() for w in Provider.word_list}
    assert len(words - vocabulary) <= 0.02 * len(words)
    assert all(t[0].isupper() for t in texts)


def test_free_text_fit_keeps_lengths_not_texts() -> None:
    rng = np.random.default_rng(1)
    repeats = rng.integers(3, 30, 400)
    texts = np.array([f"secret remark {i} " + "word " * int(k) for i, k in enumerate(repeats)], dtype=object)
    dist = FreeTextDistribution.fit(texts, locale="de_DE")
    longest = max(len(t) for t in texts)
    # the longest real text is not published: only a coarse step above it (1, 2, 5 x 10^k)
    assert dist.locale == "de_DE" and dist.max_length >= longest and dist.max_length in (200, 500)
    assert dist.length.name == "discrete_lognormal"
    assert "secret" not in str(dist.to_dict())
    assert not set(dist.sample(400, 0).tolist()) & set(texts.tolist())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"locale": "zz", "length": ConstantDistribution(3), "max_length": 3}, r"free_text: parameter 'locale'"),
        (
            {"locale": "en_US", "length": NormalDistribution(3.0, 1.0), "max_length": 3},
            r"free_text: parameter 'length' must be a discrete distribution of text lengths",
        ),
        ({"locale": "en_US", "length": ConstantDistribution(3), "max_length": -1}, r"'max_length' must be >= 0"),
    ],
)
def test_free_text_parameter_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(DistributionError, match=message):
        FreeTextDistribution(**kwargs)


# -- the recipe reader and the bulk drawer ----------------------------------------------


def test_recipes_are_read_from_faker_source() -> None:
    from faker.providers.address.en_US import Provider as Address
    from faker.providers.person.en_US import Provider as Person
    from faker.providers.phone_number import Provider as Phone

    assert _plan(Person, "first_name") == ("choice", "first_names")
    assert _plan(Person, "name") == ("parse", ("choice", "formats"))
    assert _plan(Person, "first_name_male") == ("choice", "first_names_male")  # `if hasattr(...)` decided by the class
    assert _plan(Phone, "phone_number") == ("numerify", ("choice", "formats"))
    assert _plan(Address, "building_number") == ("numerify", ("choice", "building_number_formats"))
    assert _plan(Address, "postcode") is None  # "%05d" % randint(...): Faker is called per value


def test_fallback_to_faker_calls_is_reproducible() -> None:
    a = FakerDraw("en_US", np.random.default_rng(3)).draw("postcode", 50)
    b = FakerDraw("en_US", np.random.default_rng(3)).draw("postcode", 50)
    assert a.tolist() == b.tolist() and all(re.match(r"^\d{5}$", v) for v in a)


def test_fill_replaces_placeholders_like_faker() -> None:
    draw = FakerDraw("en_US", np.random.default_rng(0))
    out = draw.fill(np.array(["##-%%", "?? $", "x!@y"] * 300, dtype=object), letters="AB")
    assert all(re.match(r"^\d\d-[1-9][1-9]$", v) for v in out[0::3])
    assert all(re.match(r"^[AB][AB] [2-9]$", v) for v in out[1::3])
    lengths = {len(v) for v in out[2::3]}
    assert lengths == {2, 3, 4}  # '!' and '@' may vanish, as in Faker
    assert all(re.match(r"^x\d?[1-9]?y$", v) for v in out[2::3])


def test_weighted_choice_matches_faker_distribution() -> None:
    fake = Faker("en_US")
    formats = fake.name.__self__.formats_male  # the 97 % / 1.5 % / 2 % ... weights of en_US
    drawn = FakerDraw("en_US", np.random.default_rng(2)).choice(formats, 100_000)
    top = max(formats, key=formats.get)
    assert abs(float(np.mean(drawn == top)) - formats[top] / sum(formats.values())) < 0.005


def test_free_text_does_not_publish_the_longest_real_length() -> None:
    texts = np.array([f"a remark of some words number {i}" for i in range(30)] + ["x " * 44 + "y"], dtype=object)
    dist = FreeTextDistribution.fit(texts)
    assert max(len(t) for t in texts) == 89 and dist.max_length == 100
    assert np.isfinite(dist.log_likelihood(texts))


def test_date_of_birth_does_not_publish_the_oldest_or_youngest_year() -> None:
    # 15 people: the 1st and 99th percentiles are the real extremes, which must not be published
    years = [1931, 1950, 1952, 1955, 1958, 1960, 1962, 1964, 1966, 1968, 1970, 1972, 1975, 1980, 2003]
    texts = np.array([f"{y}-06-15" for y in years], dtype=object)
    dist = FakerDistribution.fit(texts, provider="date_of_birth", k=10)
    assert 1931 < dist.birth_years[0] <= dist.birth_years[1] < 2003
    # fewer than k rows: no statistic of them at all, a public default range
    few = FakerDistribution.fit(texts[:3], provider="date_of_birth", k=10)
    assert few.birth_years == [1940, 2005]
