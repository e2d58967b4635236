"""Personal data recognised by the shape of its values (with a column-name hint where the
shape alone is not enough): e-mail, URL, IP, IBAN, phone, date of birth, postcode, street,
city. Each check takes the sampled values, the column-name tokens and the name, and
returns a :class:`PersonalGuess` or None."""

from __future__ import annotations

import functools
import ipaddress
import re

import numpy as np
import polars as pl

from datatwin.personal.base import (
    COUNTRIES,
    HINTED_SHARE,
    NAME_LOCALES,
    VALUE_SHARE,
    PersonalGuess,
    lookup,
    majority,
    pct,
    provider_class,
    share_of,
    text_date_format,
    why,
)
from datatwin.personal.hints import is_hinted
from datatwin.personal.names import name_locale

_EMAIL = r"^[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$"
_URL = r"^(?:(?:https?|ftp)://[^\s/?#]+\.[^\s/?#]+|www\.[^\s/?#]+\.[A-Za-z]{2,})(?:[/?#]\S*)?$"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"^{_OCTET}(?:\.{_OCTET}){{3}}$"
_IPV6_CHARS = r"^[0-9A-Fa-f:.]+$"
_IBAN = r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$"
_PHONE = r"^(?:\+|00)?[\d\s().\-/]{6,24}(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?$"
_PHONE_STRONG = r"^(?:\+|00)\d|\(\d{1,5}\)|^\d{3}[-. ]\d{3}[-. ]\d{4}"
_CITY_SHAPE = r"^\p{L}[\p{L}\p{M}'’.\- ()]{1,45}$"
#: two or three capitals: an airport, station or region code, which a city column does not hold
_PLACE_CODE = r"^[A-Z]{2,3}$"
_POSTCODE_SHAPE = r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,9}$"  # and a digit, checked apart (no look-ahead in polars)
_STREET_WORDS = {
    None: r"street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|close"
          r"|crescent|square|sq|parkway|highway|hwy|circle|trail|row|walk|apt|suite",
    "nl_NL": r"straat|laan|weg|plein|gracht|singel|kade|dijk|dreef|hof|pad|steeg|markt",
    "de_DE": r"straße|strasse|str|allee|platz|gasse|ring|damm|ufer",
    "fr_FR": r"rue|avenue|boulevard|bd|chemin|allée|impasse|place|quai|route",
    "es_ES": r"calle|avenida|avda|plaza|paseo|camino|carrer",
    "it_IT": r"via|viale|piazza|corso|vicolo|largo|strada",
}
#: locales whose street words end a compound ("Kerkstraat", "Hauptstraße") as well as stand alone
_COMPOUND_STREETS = ("nl_NL", "de_DE")
#: phone country calling codes (prefix-free, as ITU assigns them) -> Faker locale
_CALLING_CODES = {
    "1": "en_US", "44": "en_GB", "31": "nl_NL", "32": "nl_BE", "33": "fr_FR", "34": "es_ES", "39": "it_IT",
    "41": "de_CH", "43": "de_AT", "45": "da_DK", "46": "sv_SE", "47": "no_NO", "48": "pl_PL", "49": "de_DE",
    "351": "pt_PT", "55": "pt_BR", "7": "ru_RU", "81": "ja_JP", "86": "zh_CN", "61": "en_AU", "64": "en_NZ",
    "353": "en_IE", "91": "en_IN", "90": "tr_TR", "30": "el_GR", "358": "fi_FI", "420": "cs_CZ", "36": "hu_HU",
    "40": "ro_RO", "52": "es_MX", "54": "es_AR", "972": "he_IL", "82": "ko_KR", "380": "uk_UA",
}
#: postcode shapes that name their country
_POSTCODE_LOCALES = {
    "nl_NL": r"^\d{4}\s?[A-Z]{2}$",
    "en_GB": r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$",
    "en_CA": r"^[A-Z]\d[A-Z]\s?\d[A-Z]\d$",
    "pl_PL": r"^\d{2}-\d{3}$",
    "pt_PT": r"^\d{4}-\d{3}$",
    "pt_BR": r"^\d{5}-\d{3}$",
    "ja_JP": r"^\d{3}-\d{4}$",
    "en_US": r"^\d{5}-\d{4}$",
}


def email(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    ok = text.str.contains(_EMAIL)
    share, hinted = share_of(ok), is_hinted("email", tokens)
    if share < (HINTED_SHARE if hinted else VALUE_SHARE):
        return None
    addresses = text.filter(ok)
    tld = addresses.str.extract(r"\.([A-Za-z]{2})$").str.to_uppercase()
    # a country domain, or else the names in the user names (most addresses are at gmail.com)
    users = addresses.str.extract(r"^([^@]+)@")
    locale = majority(lookup(tld, COUNTRIES)) or name_locale(users, r"[\s._\-\d+]+")
    return PersonalGuess("email", locale, why(share, "e-mail addresses", name, hinted))


def url(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    ok = text.str.contains(_URL)
    share, hinted = share_of(ok), is_hinted("url", tokens)
    if share < (HINTED_SHARE if hinted else VALUE_SHARE):
        return None
    host = text.filter(ok).str.extract(r"^(?:[a-z]+://)?([^/?#:]+)")
    tld = host.str.extract(r"\.([A-Za-z]{2})$").str.to_uppercase()
    return PersonalGuess("url", majority(lookup(tld, COUNTRIES)), why(share, "URLs", name, hinted))


def ip(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    v4 = share_of(text.str.contains(_IPV4))
    hinted = is_hinted("ipv4", tokens) or is_hinted("ipv6", tokens)
    if v4 >= (HINTED_SHARE if hinted else VALUE_SHARE):
        return PersonalGuess("ipv4", None, why(v4, "IPv4 addresses", name, hinted))
    candidates = text.filter(text.str.contains(_IPV6_CHARS) & (text.str.count_matches(":") >= 2))
    if len(candidates) < (HINTED_SHARE if hinted else VALUE_SHARE) * len(text):
        return None  # cheap reject before parsing
    v6 = sum(_is_ipv6(v) for v in candidates.to_list()) / len(text)  # <= 2000 sampled values
    if v6 >= (HINTED_SHARE if hinted else VALUE_SHARE):
        return PersonalGuess("ipv6", None, why(v6, "IPv6 addresses", name, hinted))
    return None


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
        return True
    except ValueError:
        return False


def iban(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    compact = text.str.replace_all(r"[\s\-]", "").str.to_uppercase()
    shaped = compact.str.contains(_IBAN)
    hinted = is_hinted("iban", tokens)
    need = HINTED_SHARE if hinted else VALUE_SHARE
    if share_of(shaped) < need:
        return None
    candidates = compact.filter(shaped)
    valid = _iban_checksum_ok(candidates)
    share = float(valid.sum()) / len(text)
    if share < need:
        return None
    country = candidates.filter(pl.Series(valid)).str.slice(0, 2)
    reason = why(share, "IBANs with a valid check digit", name, hinted)
    return PersonalGuess("iban", majority(lookup(country, COUNTRIES)), reason)


def _iban_checksum_ok(ibans: pl.Series) -> np.ndarray:
    """ISO 13616: the number read from bban + country + check digits (letters as 10..35) is 1 mod 97.

    One pass over character positions for all values at once; shorter values are
    left-padded with zeros, which do not change the remainder."""
    if len(ibans) == 0:
        return np.zeros(0, dtype=bool)
    moved = (ibans.str.slice(4) + ibans.str.slice(0, 4)).to_list()
    width = max(len(v) for v in moved)
    grid = np.asarray([v.rjust(width, "0") for v in moved], dtype=f"<U{width}")
    codes = np.ascontiguousarray(grid).view(np.uint32).reshape(len(moved), width).astype(np.int64)
    remainder = np.zeros(len(moved), dtype=np.int64)
    for j in range(width):
        c = codes[:, j]
        letter = c >= ord("A")
        value = np.where(letter, c - ord("A") + 10, c - ord("0"))
        remainder = np.where(letter, remainder * 100 + value, remainder * 10 + value) % 97
    return remainder == 1


def phone(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    digits = text.str.count_matches(r"\d")
    main = text.str.replace(r"\s*(?:x|ext\.?|#)\s*\d{1,6}$", "")
    main_digits = main.str.count_matches(r"\d")
    shaped = text.str.contains(_PHONE) & (main_digits >= 7) & (main_digits <= 15) & (digits > 0)
    share, hinted = share_of(shaped), is_hinted("phone_number", tokens)
    if hinted:
        if share < VALUE_SHARE:
            return None
    else:
        # digits with dashes are also case numbers and product codes: without a name
        # hint, most values must carry a country code, an area code in brackets or the
        # 3-3-4 grouping of North American numbers
        strong = share_of(shaped & text.str.contains(_PHONE_STRONG))
        if share < VALUE_SHARE or strong < VALUE_SHARE:
            return None
    code = main.filter(shaped).str.extract(r"^(?:\+|00)\s*(\d{1,3})")
    if code.null_count() > 0.8 * len(code):
        code = code.head(0)  # hardly any international numbers: they say little about the rest
    code = code.drop_nulls()  # national numbers follow the international ones of the same country
    # calling codes are prefix-free: at most one of the 1-, 2- and 3-digit prefixes is a code
    locale = pl.select(
        pl.coalesce([lookup(code.str.slice(0, k), _CALLING_CODES) for k in (3, 2, 1)])
    ).to_series()
    return PersonalGuess("phone_number", majority(locale), why(share, "phone numbers", name, hinted))


def date_of_birth(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    if not is_hinted("date_of_birth", tokens):
        return None
    fmt, share = text_date_format(text.to_numpy())
    if fmt is None:
        return None
    return PersonalGuess(
        "date_of_birth", None, f"{pct(share)} of the distinct values are dates ({fmt}); column name {name!r}"
    )


def postcode(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    if not is_hinted("postcode", tokens):
        return None
    upper = text.str.to_uppercase()
    share = share_of(upper.str.contains(_POSTCODE_SHAPE) & upper.str.contains(r"\d"))
    if share < VALUE_SHARE:
        return None
    locale = None
    for loc, pattern in _POSTCODE_LOCALES.items():
        if share_of(upper.str.contains(pattern)) >= VALUE_SHARE:
            locale = loc
            break
    return PersonalGuess("postcode", locale, why(share, "postcodes", name, True))


@functools.lru_cache(maxsize=1)
def _street_patterns() -> dict[str | None, str]:
    """Street words per locale: ours plus Faker's street suffixes ("Lights", "Isle", ...)."""
    out = {}
    for loc, pat in _STREET_WORDS.items():
        cls = provider_class("address", loc or "en_US")
        extra = [re.escape(str(w).lower().strip()) for w in getattr(cls, "street_suffixes", ()) or () if str(w).strip()]
        out[loc] = "|".join([pat, *extra])
    return out


def street(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    hinted = is_hinted("street_address", tokens) and not tokens & {"email", "mail", "ip", "mac", "web", "url"}
    has_number = text.str.contains(r"\d")
    if not hinted and share_of(has_number) < VALUE_SHARE:
        return None  # cheap exit before the street-word patterns
    lower = text.str.to_lowercase()
    words = {
        loc: lower.str.contains(rf"(?:{pat})\b" if loc in _COMPOUND_STREETS else rf"\b(?:{pat})\b")
        for loc, pat in _street_patterns().items()
    }
    has_word = text.str.contains(r"\p{L}{2,}")
    any_street = functools.reduce(lambda a, b: a | b, words.values())
    street_share = share_of(any_street & has_number)
    if hinted:
        share = share_of(has_number & has_word)
        if share < HINTED_SHARE:
            return None
    else:
        share = street_share
        if share < VALUE_SHARE:
            return None
    shares = {loc: share_of(mask) for loc, mask in words.items() if loc is not None}
    best = max(shares, key=shares.get)
    locale = best if shares[best] >= 0.5 else None
    return PersonalGuess("street_address", locale, why(share, "street addresses", name, hinted))


def city(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    if not is_hinted("city", tokens):
        return None
    share = share_of(text.str.contains(_CITY_SHAPE))
    if share < VALUE_SHARE:
        return None
    if share_of(text.str.contains(_PLACE_CODE)) >= 0.5:
        return None  # 'city_code' of AMS, JFK, LHR: airport or station codes, not where a person lives
    lower = text.str.to_lowercase()
    locale, best = None, 0.5
    for loc, cities in _city_lists().items():
        s = share_of(lower.is_in(cities.implode()))
        if s >= best:
            locale, best = loc, s
    return PersonalGuess("city", locale, why(share, "place names", name, True))


@functools.lru_cache(maxsize=1)
def _city_lists() -> dict[str, pl.Series]:
    out = {}
    for loc in NAME_LOCALES:
        cls = provider_class("address", loc)
        cities = getattr(cls, "cities", None) if cls is not None else None
        if cities:
            out[loc] = pl.Series([str(c).lower() for c in cities], dtype=pl.String)
    return out


# -- names ---------------------------------------------------------------------------------
