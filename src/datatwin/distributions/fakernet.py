"""Vectorised versions of the Faker providers that are not simple recipes (see
:mod:`.fakerdraw`): e-mail addresses, URLs, IBANs, IPv4 and IPv6 addresses. Each takes a
:class:`~datatwin.distributions.fakerdraw.FakerDraw` (for its locale data and ``rng``) and
a count, and returns an object array of str."""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from datatwin.distributions.fakerdraw import FakerDraw

#: ranges that are not public unicast IPv4 addresses (RFC 6890), as (first address, prefix length)
_IPV4_EXCLUDED = [
    ("0.0.0.0", 8), ("10.0.0.0", 8), ("100.64.0.0", 10), ("127.0.0.0", 8), ("169.254.0.0", 16),
    ("172.16.0.0", 12), ("192.0.0.0", 24), ("192.0.2.0", 24), ("192.168.0.0", 16), ("198.18.0.0", 15),
    ("198.51.100.0", 24), ("203.0.113.0", 24), ("224.0.0.0", 3),
]


def to_objects(series: pl.Series) -> np.ndarray:
    """A polars String Series as a numpy object array of str."""
    out = np.empty(len(series), dtype=object)
    out[:] = series.to_list()
    return out


def _ascii_slug(values: np.ndarray, keep: str = "") -> np.ndarray:
    """Lower-case ASCII with only letters, digits and the characters in ``keep``
    (Faker's ``_to_ascii`` + slugify), computed once per distinct value."""
    from faker.decode import unidecode

    series = pl.Series(values.tolist(), dtype=pl.String)
    distinct = series.unique()
    ascii_ = pl.Series([unidecode(v) for v in distinct.to_list()], dtype=pl.String)
    mapped = series.replace_strict(distinct, ascii_, return_dtype=pl.String)
    pattern = f"[^a-z0-9{re.escape(keep)}]"
    return to_objects(mapped.str.to_lowercase().str.replace_all(pattern, ""))


def _email(d: FakerDraw, n: int) -> np.ndarray:
    internet = d._provider("user_name")
    templates = d.choice(internet.user_name_formats, n)
    users = d.expand(templates, transform=lambda v: _ascii_slug(v))
    users = d.fill(users, letters=string.ascii_lowercase)
    # digits on a third of the names: real addresses carry them, and unique columns need the variety
    digits = d.rng.random(n) < 1 / 3
    users[digits] = users[digits] + d.rng.integers(1, 100, int(digits.sum())).astype(str).astype(object)
    users = _ascii_slug(users, keep="._-")
    empty = np.asarray([len(u) == 0 for u in users.tolist()])  # a name that transliterates to nothing
    if empty.any():
        users[empty] = d.fill(np.full(int(empty.sum()), "user####", dtype=object))
    domains = _ascii_slug(d.choice(internet.free_email_domains, n), keep=".-")
    return users + "@" + domains


def _url(d: FakerDraw, n: int) -> np.ndarray:
    internet = d._provider("url")
    schemes = np.array(["http://", "https://"], dtype=object)[d.rng.integers(0, 2, n)]
    www = np.array(["", "www."], dtype=object)[d.rng.integers(0, 2, n)]
    company = pl.Series(d.draw("company", n).tolist(), dtype=pl.String)
    words = _ascii_slug(to_objects(company.str.split(" ").list.first()), keep="-")
    words[np.asarray([len(w) == 0 for w in words.tolist()])] = "site"
    tlds = d.choice(internet.tlds, n)
    urls = schemes + www + words + "." + tlds + "/"
    # a path on half of them, from the locale's words: variety for unique columns
    path = d.rng.random(n) < 0.5
    k = int(path.sum())
    if k:
        lorem_words = _ascii_slug(d.choice(d._provider("word").word_list, 2 * k), keep="-")
        urls[path] = urls[path] + lorem_words[:k] + "/" + lorem_words[k:]
    return urls


def _iban(d: FakerDraw, n: int) -> np.ndarray:
    bank = d._provider("iban")
    country = str(bank.country_code).upper()
    bban = d.fill(np.full(n, bank.bban_format, dtype=object), letters=string.ascii_uppercase)
    # ISO 13616 check digits: 98 - (bban + country + "00" read as a number, letters as 10..35) mod 97,
    # one character position at a time over all rows
    text = np.asarray((bban + country + "00").tolist(), dtype=str)
    width = text.dtype.itemsize // 4
    grid = np.ascontiguousarray(text).view("<U1").reshape(n, width)
    codes = grid.view(np.uint32).astype(np.int64)
    remainder = np.zeros(n, dtype=np.int64)
    for j in range(width):
        c = codes[:, j]
        letter = c >= ord("A")
        value = np.where(letter, c - ord("A") + 10, c - ord("0"))
        remainder = np.where(letter, remainder * 100 + value, remainder * 10 + value) % 97
    check = 98 - remainder
    check_text = np.char.zfill(check.astype(str), 2).astype(object)
    return country + check_text + bban


def _ipv4(d: FakerDraw, n: int) -> np.ndarray:
    addresses = d.rng.integers(0, 2**32, n, dtype=np.uint64)
    for _ in range(100):  # public unicast addresses: redraw the ~14 % that are not
        bad = _ipv4_excluded(addresses)
        k = int(bad.sum())
        if not k:
            break
        addresses[bad] = d.rng.integers(0, 2**32, k, dtype=np.uint64)
    octets = [pl.Series(((addresses >> shift) & 255).astype(np.int64)).cast(pl.String) for shift in (24, 16, 8, 0)]
    return to_objects(pl.select(pl.concat_str(octets, separator=".")).to_series())


def _ipv4_excluded(addresses: np.ndarray) -> np.ndarray:
    bad = np.zeros(len(addresses), dtype=bool)
    for first, prefix in _IPV4_EXCLUDED:
        a, b, c, e = (int(x) for x in first.split("."))
        net = (a << 24) | (b << 16) | (c << 8) | e
        bad |= (addresses >> np.uint64(32 - prefix)) == np.uint64(net >> (32 - prefix))
    return bad


@functools.lru_cache(maxsize=1)
def _hex_table() -> np.ndarray:
    table = np.empty(65536, dtype=object)
    table[:] = [format(i, "x") for i in range(65536)]
    return table


def _ipv6(d: FakerDraw, n: int) -> np.ndarray:
    # Faker's str(IPv6Address(random)): hextets without leading zeros; a run of two or
    # more zero hextets (probability ~1e-9) would be written '::' there, and is not here
    groups = _hex_table()[d.rng.integers(0, 65536, (8, n))]
    out = groups[0]
    for g in groups[1:]:
        out = out + ":" + g
    return out


#: Faker method -> its vectorised version
SPECIAL: dict[str, Callable[[FakerDraw, int], np.ndarray]] = {
    "email": _email,
    "url": _url,
    "iban": _iban,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
}
