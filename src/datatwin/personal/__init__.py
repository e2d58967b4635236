"""Which text columns hold personal data, and which hold free text.

Detection combines two kinds of evidence, read from a sample of at most
:data:`SAMPLE_SIZE` distinct values and the column name:

- **values** that have a shape of their own (e-mail addresses, URLs, IP addresses,
  IBANs with a valid checksum, phone numbers written with ``+`` or an area code in
  brackets, street addresses ending in a street word, full names whose parts are in
  Faker's name lists) suffice when at least :data:`VALUE_SHARE` of the sample has it;
- a **name hint** (``phone``, ``zip``, ``city``, ``first_name``, ``dob``, ...) lowers the
  bar for shapes that are common outside personal data (digits with dashes, single
  words, dates), but never to zero: the values must still mostly fit.

Categories with few distinct values are never called names by their values alone (a
``race`` column holds "White" and "Black", which are surnames too). The locale is
detected where the values say it (a phone prefix, the IBAN country, a postcode shape,
the best-matching name lists, a country top-level domain); ``None`` means the default.

Everything here is a pure function over a polars String Series; the decisions are
explained in ``PersonalGuess.reason``, which ``datatwin inspect`` prints.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import polars as pl

from datatwin.personal import names, shapes
from datatwin.personal.base import (
    CATEGORY_SQRT_FACTOR,
    DEFAULT_LOCALE,
    MAX_VALUE_LENGTH,
    PROVIDERS,
    SAMPLE_SIZE,
    PersonalGuess,
    available_locales,
    provider_class,
    text_date_format,
)
from datatwin.personal.hints import name_tokens

__all__ = [
    "DEFAULT_LOCALE",
    "PROVIDERS",
    "PersonalGuess",
    "available_locales",
    "detect_personal",
    "looks_like_free_text",
    "text_date_format",
    "text_locale",
]

#: free text: mean words per value and share of distinct values
FREE_TEXT_MIN_WORDS = 4.0
FREE_TEXT_MIN_CHARS = 20.0
FREE_TEXT_MIN_DISTINCT = 0.5

def _distinct(series: pl.Series) -> pl.Series:
    return series.cast(pl.String).drop_nulls().unique().sort()


def _sample(distinct: pl.Series) -> pl.Series:
    if len(distinct) > SAMPLE_SIZE:
        distinct = distinct.gather_every(math.ceil(len(distinct) / SAMPLE_SIZE))
    return distinct


# -- the detector ---------------------------------------------------------------------------


def detect_personal(series: pl.Series, name: str) -> PersonalGuess | None:
    """Whether the text column ``name`` holds personal data, and which kind.

    Parameters
    ----------
    series
        The column's non-missing values (String or Categorical).
    name
        The column name, read for hints (``email``, ``phone``, ``zip``, ``surname``, ...).

    Returns
    -------
    PersonalGuess or None
        The provider, locale and a one-sentence reason; None when the column does not
        look like personal data.
    """
    distinct = _distinct(series)
    if len(distinct) == 0:
        return None
    values = _sample(distinct)
    # long texts are never personal data of these kinds; cut them so no regex scans a megabyte
    short = values.str.len_chars() <= MAX_VALUE_LENGTH
    text = pl.select(pl.when(short).then(values).otherwise(pl.lit(""))).to_series().str.strip_chars()
    tokens = name_tokens(name)
    checks = [shapes.email, shapes.url, shapes.ip, shapes.iban, shapes.phone, shapes.date_of_birth,
              shapes.postcode, shapes.street, shapes.city, names.names]
    if len(distinct) <= CATEGORY_SQRT_FACTOR * math.sqrt(series.drop_nulls().len()):
        # a handful of places that many rows share is a category to keep (rare ones are
        # merged, see datatwin.privacy.rare_labels), not data that points at a person
        checks = [c for c in checks if c not in (shapes.postcode, shapes.city)]
    for check in checks:  # most specific shapes first: an e-mail column is not checked for names
        guess = check(text, tokens, name)
        if guess is not None:
            return guess
    return None


# -- free text -----------------------------------------------------------------------------


def looks_like_free_text(values: np.ndarray, counts: np.ndarray) -> str | None:
    """Why the text column with distinct ``values`` (and their ``counts``) is free text,
    or None if it is not: long, varied, multi-word values.

    Free text averages at least :data:`FREE_TEXT_MIN_WORDS` words and
    :data:`FREE_TEXT_MIN_CHARS` characters per value, and at least
    :data:`FREE_TEXT_MIN_DISTINCT` of the rows hold a value no other row holds.
    """
    counts = np.asarray(counts, dtype=float)
    total = float(counts.sum())
    if len(values) == 0 or total == 0:
        return None
    singles = float(counts[counts == 1].sum()) / total
    if len(values) / total < FREE_TEXT_MIN_DISTINCT and singles < FREE_TEXT_MIN_DISTINCT:
        return None
    idx = np.arange(len(values))
    if len(values) > SAMPLE_SIZE:  # evenly spread: the order of distinct values is arbitrary but fixed
        idx = np.linspace(0, len(values) - 1, SAMPLE_SIZE).astype(np.int64)
    texts = pl.Series(np.asarray(values, dtype=object)[idx].tolist(), dtype=pl.String)
    w = counts[idx]
    words = texts.str.count_matches(r"\S+").to_numpy().astype(float)
    chars = texts.str.len_chars().to_numpy().astype(float)
    mean_words = float(np.dot(w, words) / w.sum())
    mean_chars = float(np.dot(w, chars) / w.sum())
    if mean_words < FREE_TEXT_MIN_WORDS or mean_chars < FREE_TEXT_MIN_CHARS:
        return None
    distinct = len(values) / total
    return (
        f"values average {mean_words:.1f} words ({mean_chars:.0f} characters) and {distinct:.0%} of them are distinct"
    )


#: texts read for their language, and the share of their words a locale's list must hold
TEXT_LOCALE_SAMPLE = 200
TEXT_LOCALE_MIN_SHARE = 0.2


def text_locale(values: np.ndarray) -> str | None:
    """The Faker locale whose word list (the one ``free_text`` writes from) holds most of the
    words of the texts ``values``, if it holds at least :data:`TEXT_LOCALE_MIN_SHARE` of
    them; None for en_US or when no list fits."""
    idx = np.arange(len(values))
    if len(values) > TEXT_LOCALE_SAMPLE:
        idx = np.linspace(0, len(values) - 1, TEXT_LOCALE_SAMPLE).astype(np.int64)
    texts = pl.Series(np.asarray(values, dtype=object)[idx].tolist(), dtype=pl.String).str.slice(0, 2000)
    words = texts.str.to_lowercase().str.extract_all(r"\p{L}+").explode().drop_nulls()
    if len(words) == 0:
        return None
    hits = (
        pl.DataFrame({"word": words}).join(_word_lists(), on="word").group_by("locale").len()
        # locales share word lists (nl_NL and nl_BE): prefer the language's home country
        .with_columns(home=pl.col("locale").str.slice(0, 2).str.to_uppercase() == pl.col("locale").str.slice(3))
        .sort(["len", "home", "locale"], descending=[True, True, False])
    )
    if len(hits) == 0 or hits["len"][0] < TEXT_LOCALE_MIN_SHARE * len(words):
        return None
    best = hits["locale"][0]
    return None if best == DEFAULT_LOCALE else best


@functools.lru_cache(maxsize=1)
def _word_lists() -> pl.DataFrame:
    """(word, locale) of every Faker locale with its own word list."""
    rows: dict[tuple[str, str], None] = {}
    for loc in available_locales():
        cls = provider_class("lorem", loc)
        for word in getattr(cls, "word_list", ()) if cls is not None else ():
            rows[(str(word).lower(), loc)] = None
    return pl.DataFrame({"word": [k[0] for k in rows], "locale": [k[1] for k in rows]})
