"""What personal-data detection shares: the providers, the guess it returns, thresholds,
small helpers over polars Series, and reading dates written as text."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import polars as pl

#: our provider names -> the Faker method that makes them (``date_of_birth`` is drawn by
#: ``datatwin.distributions.fake`` itself, as text in the column's own date format)
PROVIDERS: dict[str, str] = {
    "first_name": "first_name",
    "last_name": "last_name",
    "name": "name",
    "email": "email",
    "phone_number": "phone_number",
    "street_address": "street_address",
    "city": "city",
    "postcode": "postcode",
    "iban": "iban",
    "url": "url",
    "ipv4": "ipv4",
    "ipv6": "ipv6",
    "date_of_birth": "date_of_birth",
}
#: the locale used when neither the spec nor the values give one
DEFAULT_LOCALE = "en_US"

#: text date formats tried for dates of birth, most common first; day-first before
#: month-first except in en_US (see :func:`text_date_format`)
DATE_FORMATS = (
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d",
    "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y",
)
#: share of values that must parse for a date format to be accepted
DATE_FORMAT_MIN_SHARE = 0.9

#: distinct values read per column (evenly spread over the sorted distinct values)
SAMPLE_SIZE = 2000
#: share of sampled values that must have a shape for value-only detection
VALUE_SHARE = 0.9
#: share needed when the column name hints at the provider
HINTED_SHARE = 0.6
#: share of name-list matches needed for names with a name hint (real names are not all in Faker's lists)
HINTED_NAME_SHARE = 0.5
#: fewest distinct values for names detected from values alone (fewer look like categories)
MIN_DISTINCT_FOR_NAMES = 20
#: cities and postcodes with at most this times sqrt(rows) distinct values are categories,
#: not personal data (the bound datatwin.schema's kind inference uses for categorical)
CATEGORY_SQRT_FACTOR = 2.0
#: values longer than this are not personal data (and are not scanned)
MAX_VALUE_LENGTH = 256
#: locales whose Faker name lists make the name lexicon
NAME_LOCALES = (
    "en_US", "en_GB", "nl_NL", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_PT", "pt_BR",
    "pl_PL", "sv_SE", "da_DK", "no_NO", "fi_FI", "cs_CZ", "tr_TR",
)


@dataclasses.dataclass(frozen=True)
class PersonalGuess:
    """A column found to hold personal data.

    Attributes
    ----------
    provider
        One of :data:`PROVIDERS` (``email``, ``first_name``, ...).
    locale
        Faker locale read from the values (``nl_NL``), or None for the default.
    reason
        One readable sentence saying why, for ``datatwin inspect``.
    """

    provider: str
    locale: str | None
    reason: str


#: IBAN / top-level-domain country -> Faker locale
COUNTRIES = {
    "NL": "nl_NL", "BE": "nl_BE", "DE": "de_DE", "AT": "de_AT", "CH": "de_CH", "FR": "fr_FR", "ES": "es_ES",
    "IT": "it_IT", "PT": "pt_PT", "GB": "en_GB", "UK": "en_GB", "IE": "en_IE", "PL": "pl_PL", "SE": "sv_SE",
    "DK": "da_DK", "NO": "no_NO", "FI": "fi_FI", "CZ": "cs_CZ", "TR": "tr_TR", "GR": "el_GR", "HU": "hu_HU",
    "RO": "ro_RO", "BR": "pt_BR", "RU": "ru_RU",
}


def available_locales() -> tuple[str, ...]:
    """The Faker locales this installation knows (``en_US``, ``nl_NL``, ...)."""
    from faker.config import AVAILABLE_LOCALES

    return tuple(AVAILABLE_LOCALES)


def text_date_format(values: np.ndarray, prefer_month_first: bool = False) -> tuple[str | None, float]:
    """The strftime format most of ``values`` (text) are written in, and the share that parse.

    Returns ``(None, best share)`` when no format reaches :data:`DATE_FORMAT_MIN_SHARE`.
    ``01/02/1990`` parses both day-first and month-first; ties go to day-first unless
    ``prefer_month_first``.
    """
    texts = pl.Series(np.asarray(values, dtype=object).tolist(), dtype=pl.String).str.strip_chars()
    if len(texts) == 0:
        return None, 0.0
    formats = list(DATE_FORMATS)
    if prefer_month_first:
        formats.remove("%m/%d/%Y")
        formats.insert(1, "%m/%d/%Y")
    best, best_share = None, 0.0
    for fmt in formats:  # a loop over formats, each parse vectorised
        share = 1.0 - texts.str.strptime(pl.Date, fmt, strict=False).null_count() / len(texts)
        if share > best_share:
            best, best_share = fmt, share
    return (best, best_share) if best_share >= DATE_FORMAT_MIN_SHARE else (None, best_share)


def share_of(mask: pl.Series) -> float:
    """Share of True in a boolean Series (0 when empty)."""
    return float(mask.mean()) if len(mask) else 0.0


def pct(value: float) -> str:
    """'98%'; never '100%' for less than all."""
    text = f"{value:.0%}"
    return "99%" if text == "100%" and value < 1 else text  # 99.6% is not all of them


def why(fraction: float, what: str, name: str, hinted: bool) -> str:
    """The reason sentence: "98% of the distinct values look like e-mail addresses; column name 'email'"."""
    hint = f"; column name {name!r}" if hinted else ""
    return f"{pct(fraction)} of the distinct values look like {what}{hint}"


def lookup(keys: pl.Series, table: dict[str, str]) -> pl.Series:
    """``table[key]`` per value, null where the key is not in the table."""
    return keys.replace_strict(table, default=None, return_dtype=pl.String)


def provider_class(kind: str, locale: str) -> type | None:
    """Faker's provider class for ``kind`` ('person', 'address') in ``locale``, without building a Faker."""
    try:
        return importlib.import_module(f"faker.providers.{kind}.{locale}").Provider
    except (ImportError, AttributeError):
        return None


def majority(locales: pl.Series) -> str | None:
    """The locale at least half the values agree on, else None."""
    if len(locales) == 0:
        return None
    counts = locales.drop_nulls().value_counts(sort=True)
    if len(counts) == 0:
        return None
    top, n = counts.row(0)
    return top if n >= 0.5 * len(locales) and top != "en_US" else None


