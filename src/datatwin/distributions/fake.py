"""Values that must not be copied: personal data made up by Faker, and free text.

Neither distribution keeps a real value. ``faker`` keeps only the Faker provider and
locale (and, for dates of birth, the text format and a range of birth years);
``free_text`` keeps a model of the text lengths and a locale, and writes words from
Faker's word list for that locale. Both draw in bulk (see :mod:`.fakerdraw`), and all
randomness comes from the numpy ``Generator``, so a seed reproduces the values.

``free_text`` is also the plug-in point for richer text models: a package can register
its own distribution with ``kinds = ("string",)`` through the ``datatwin.distributions``
entry-point group, and a column is given it with ``distribution = "its_name"`` in the spec.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np
import polars as pl

from datatwin.distributions.base import Distribution, DistributionError, register
from datatwin.distributions.fakerdraw import FakerDraw
from datatwin.distributions.pattern_fit import micro_length
from datatwin.distributions.rounding import coarse_ceiling
from datatwin.personal.base import DEFAULT_LOCALE, PROVIDERS, available_locales, text_date_format

#: log-probability the faker distribution gives every value: Faker's output has no
#: tractable probabilities, and the value only has to be finite, per value and the
#: same for every value (so it adds up over counts) for the information criteria
_NOMINAL_SUPPORT = 1e6


def _check_locale(name: str, locale: str) -> None:
    if locale not in available_locales():
        raise DistributionError(
            f"{name}: parameter 'locale' must be a Faker locale such as 'en_US', 'nl_NL' or 'de_DE'. Got {locale!r}."
        )


def _to_object(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@register
@dataclasses.dataclass(frozen=True)
class FakerDistribution(Distribution):
    """Made-up personal data from Faker: ``provider`` in ``locale``.

    The fit keeps no value of the data: the provider and locale come from detection or
    the spec (``fit(values, counts, provider=..., locale=...)``). Dates of birth also
    keep the text ``date_format`` of the column and the range of ``birth_years``
    (1st to 99th percentile), so that the output reads like the input.

    The log-likelihood is not meaningful (Faker's output has no tractable probability):
    every value counts as one of a nominal million, which keeps it finite and additive.
    """

    name = "faker"
    kinds = ("string",)
    fit_is_maximum_likelihood: ClassVar[bool] = False
    fittable: ClassVar[bool] = False  # the provider is an option of the fit, not learnt from the values
    ordered: ClassVar[bool] = False
    provider: str
    locale: str = DEFAULT_LOCALE
    date_format: str | None = None
    birth_years: list | None = None

    def _check(self) -> None:
        if self.provider not in PROVIDERS:
            raise DistributionError(
                f"faker: parameter 'provider' must be one of {', '.join(PROVIDERS)}. Got {self.provider!r}."
            )
        _check_locale(self.name, self.locale)
        dob = self.provider == "date_of_birth"
        if dob != (self.date_format is not None) or dob != (self.birth_years is not None):
            raise DistributionError(
                "faker: parameters 'date_format' and 'birth_years' are needed for provider 'date_of_birth' "
                "and must be null for the others"
            )
        if dob:
            if not isinstance(self.date_format, str) or "%" not in self.date_format:
                raise DistributionError(
                    "faker: parameter 'date_format' must be a strftime format such as '%Y-%m-%d'. "
                    f"Got {self.date_format!r}."
                )
            years = self.birth_years
            whole = isinstance(years, list) and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
            if not (whole and len(years) == 2 and 1 <= years[0] <= years[1] <= 9999):
                raise DistributionError(f"faker: parameter 'birth_years' must be [first, last] years. Got {years!r}.")

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> Distribution:
        # a hand-written model file may leave out the optional parameters
        params = {"locale": DEFAULT_LOCALE, "date_format": None, "birth_years": None, **parameters}
        return super().from_parameters(params)

    @classmethod
    def fit(cls, values: np.ndarray, counts: np.ndarray | None = None, **options: Any) -> Distribution:
        """Keep the provider (required option) and locale (option, default ``en_US``);
        for dates of birth, read the text format and the range of birth years."""
        if options.get("provider") is None:
            raise DistributionError(
                "faker: the provider cannot be fitted from data; pass provider=... (one of "
                f"{', '.join(PROVIDERS)}), or set personal = \"<provider>\" for the column in the spec"
            )
        return super().fit(values, counts, **options)

    @classmethod
    def _fit(cls, values, counts, *, provider: str, locale: str | None = None, k: int = 10):
        locale = locale or DEFAULT_LOCALE
        if provider != "date_of_birth":
            return cls(provider, locale)
        fmt, share = text_date_format(values, prefer_month_first=locale == "en_US")
        if fmt is None:
            raise DistributionError(
                f"faker: only {share:.0%} of the values read as dates in one format; a date_of_birth column "
                "needs text dates such as 1984-03-21 or 21/03/1984 (or set personal = false)"
            )
        dates = pl.Series(np.asarray(values, dtype=object).tolist(), dtype=pl.String).str.strip_chars()
        years = dates.str.strptime(pl.Date, fmt, strict=False).dt.year().to_numpy()
        ok = ~np.isnan(years.astype(float))
        return cls(provider, locale, fmt, _birth_years(years[ok].astype(np.int64), counts[ok].astype(float), k))

    @property
    def n_parameters(self) -> int:
        return 1  # the provider; nothing is estimated from the values

    def _sample(self, n, rng):
        if self.provider == "date_of_birth":
            return self._sample_dates(n, rng)
        values = FakerDraw(self.locale, rng).draw(PROVIDERS[self.provider], n)
        if n == 0:
            return values
        # one line per value (Faker's en_GB addresses carry a newline) and no stray blanks
        text = pl.Series(values.tolist(), dtype=pl.String).str.replace_all(r"\s*\n\s*", ", ").str.strip_chars()
        return _to_object(text.to_list())

    def _sample_dates(self, n: int, rng: np.random.Generator) -> np.ndarray:
        first = np.datetime64(f"{self.birth_years[0]:04d}-01-01", "D").astype(np.int64)
        last = np.datetime64(f"{self.birth_years[1]:04d}-12-31", "D").astype(np.int64)
        days = rng.integers(first, last, n, endpoint=True).astype("datetime64[D]")
        return _to_object(pl.Series(days).dt.strftime(self.date_format).to_list())

    def _logpdf(self, values):
        return np.full(len(values), -math.log(_NOMINAL_SUPPORT))


#: the birth years of a date_of_birth column of fewer than k rows: no statistic of so few
#: people may be published, so a public range stands in
DEFAULT_BIRTH_YEARS = (1940, 2005)


def _birth_years(years: np.ndarray, counts: np.ndarray, k: int) -> list[int]:
    """The 1st to 99th percentile of the birth ``years``, never beyond the floor (ceiling) of the
    mean of the ``k`` earliest (latest) rows: in a small table the percentiles are the real
    oldest and youngest person's years. Fewer than ``k`` rows publish the default range."""
    if float(counts.sum()) < k:
        return list(DEFAULT_BIRTH_YEARS)
    first, last = _weighted_quantiles(years, counts, (0.01, 0.99))
    lo, hi = micro_length(years, counts, k)
    first, last = max(int(first), lo), min(int(last), hi)
    return [first, last] if first <= last else [last, first]


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    order = np.argsort(x, kind="stable")
    x, cum = x[order], np.cumsum(w[order])
    return [x[min(np.searchsorted(cum, q * cum[-1], side="left"), len(x) - 1)] for q in qs]


@register
@dataclasses.dataclass(frozen=True)
class FreeTextDistribution(Distribution):
    """Made-up text in ``locale`` with text lengths (in characters) from ``length``, at
    most ``max_length``: words from Faker's word list for the locale, in sentences.

    Keeps no real text: only the length model (a fitted discrete distribution, e.g.
    ``discrete_lognormal``), the longest length, and the locale. The log-likelihood is
    that of the text lengths.
    """

    name = "free_text"
    kinds = ("string",)
    ordered = False
    locale: str
    length: Distribution
    max_length: int

    def _check(self) -> None:
        _check_locale(self.name, self.locale)
        if not isinstance(self.length, Distribution) or "discrete" not in self.length.kinds:
            raise DistributionError(
                f"free_text: parameter 'length' must be a discrete distribution of text lengths. Got {self.length!r}."
            )
        if self.max_length < 0:
            raise DistributionError(f"free_text: parameter 'max_length' must be >= 0. Got {self.max_length}.")

    @classmethod
    def _fit(cls, values, counts, *, locale: str | None = None):
        from datatwin.distributions.selection import select_distribution  # avoid an import cycle

        lengths = _lengths(values)
        distinct, inverse = np.unique(lengths, return_inverse=True)
        summed = np.bincount(inverse, weights=counts, minlength=len(distinct))
        keep = summed > 0
        # the lengths of texts, not the texts: a log-normal suits them, rounded to whole characters
        length = select_distribution(distinct[keep], summed[keep], "discrete", candidates=("discrete_lognormal",)).best
        # the longest real text is one person's: publish only the step of a coarse grid above it
        return cls(locale or DEFAULT_LOCALE, length, coarse_ceiling(int(lengths[counts > 0].max(initial=0))))

    @property
    def n_parameters(self) -> int:
        return self.length.n_parameters + 1

    def _sample(self, n, rng):
        lengths = np.clip(self.length.sample(n, rng), 0, self.max_length).astype(np.int64)
        draw = FakerDraw(self.locale, rng)
        return _texts(lengths, np.asarray(draw.fake.word.__self__.word_list, dtype=object), rng)

    def _logpdf(self, values):
        lengths = _lengths(values)
        return np.where(lengths > self.max_length, -np.inf, self.length.logpdf(lengths))


def _lengths(values: np.ndarray) -> np.ndarray:
    texts = pl.Series(np.asarray(values, dtype=object).tolist(), dtype=pl.String)
    return texts.str.len_chars().to_numpy().astype(np.int64)


def _texts(lengths: np.ndarray, vocabulary: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One text of each length (in characters): sentences of 4 to 12 words
    drawn uniformly from ``vocabulary``, capitalised and ended with a full stop.

    Every row takes the words whose offset in one long stream of words falls in its
    own window of ``length + pad`` characters (pad longer than any word, so each window
    holds at least enough words), then is cut to its length: no loop over rows."""
    n = len(lengths)
    if n == 0:
        return np.empty(0, dtype=object)
    vocab = pl.Series(vocabulary.tolist(), dtype=pl.String)
    word_len = vocab.str.len_chars().to_numpy().astype(np.int64)
    pad = int(word_len.max()) + 3  # a word, its full stop and a space
    window_end = np.cumsum(lengths + pad)
    need = int(window_end[-1])
    codes = np.empty(0, dtype=np.int64)
    ends = np.empty(0, dtype=bool)
    while True:  # one draw nearly always suffices; top up otherwise
        k = int(need / (word_len.mean() + 1.2) * 1.1) + 16
        codes = np.concatenate([codes, rng.integers(0, len(vocab), k)])
        chunk = np.zeros(k, dtype=bool)
        last_words = np.cumsum(rng.integers(4, 13, k // 4 + 1)) - 1  # sentences of 4 to 12 words
        chunk[last_words[last_words < k]] = True
        ends = np.concatenate([ends, chunk])
        sizes = word_len[codes] + ends + 1
        if sizes.sum() >= need:
            break
    start = np.cumsum(sizes) - sizes
    row = np.searchsorted(window_end, start, side="right")
    keep = row < n
    words = vocab.gather(pl.Series(codes[keep]))
    first = np.concatenate([[True], ends[keep][:-1]]) | np.concatenate([[True], row[keep][1:] != row[keep][:-1]])
    frame = pl.DataFrame({"row": row[keep], "word": words, "first": first, "end": ends[keep]})
    text = (
        frame.with_columns(
            word=pl.when("first").then(pl.col("word").str.slice(0, 1).str.to_uppercase() + pl.col("word").str.slice(1))
            .otherwise("word")
            + pl.when("end").then(pl.lit(".")).otherwise(pl.lit(""))
        )
        .group_by("row", maintain_order=True)
        .agg(pl.col("word").str.join(" "))
        .sort("row")
        .get_column("word")
    )
    # cut to exactly the drawn length (the length model's likelihood reads it back); a cut
    # that lands on a space ends the text with a full stop instead, as a cut mid-word stays
    cut = pl.DataFrame({"t": text, "n": pl.Series(lengths)}).select(
        pl.col("t").str.slice(0, pl.col("n")).str.replace(r" $", ".")
    ).to_series()
    return _to_object(cut.to_list())
