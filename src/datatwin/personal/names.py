"""Person names recognised by matching their words against Faker's first- and last-name
lists of several locales; the best-matching locale is the detected one."""

from __future__ import annotations

import functools

import polars as pl

from datatwin.personal.base import (
    HINTED_NAME_SHARE,
    HINTED_SHARE,
    MIN_DISTINCT_FOR_NAMES,
    NAME_LOCALES,
    VALUE_SHARE,
    PersonalGuess,
    provider_class,
    share_of,
    why,
)
from datatwin.personal.hints import NOT_A_PERSON, is_hinted

_NAME_SHAPE = r"^\p{L}[\p{L}\p{M}'’.\-]*(?:\s+\p{L}[\p{L}\p{M}'’.\-]*){0,4}$"


#: courtesy titles and honorifics read as part of a name ("Braund, Mr. Owen Harris")
TITLES = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Master", "Dr", "Prof", "Rev", "Fr", "Sr", "Jr", "Sir", "Lady", "Lord", "Dame",
    "Don", "Dona", "Mme", "Mlle", "Col", "Major", "Capt", "Lt", "Jonkheer", "Countess", "Herr", "Frau", "Dhr", "Mevr",
)
#: titles that are no given name: taken out with or without a full stop (the others, such
#: as "Don" or "Master", only with one)
_BARE_TITLES = ("Mr", "Mrs", "Ms", "Mx", "Dr", "Prof", "Mme", "Mlle", "Dhr", "Mevr")
_TITLE = (
    r"\b(?:the\s+)?(?:(?:" + "|".join(TITLES) + r")\.|(?:" + "|".join(_BARE_TITLES) + r")\b)"
)


def without_titles(text: pl.Series) -> pl.Series:
    """Names with their titles, parenthesised parts ("(Florence Briggs Thayer)") and quoted
    nicknames taken out, spaces squeezed: what is left is matched against the name lists.

    >>> without_titles(pl.Series(["Braund, Mr. Owen Harris", 'Cumings, Mrs. John (Florence "Flo" Thayer)'])).to_list()
    ['Braund, Owen Harris', 'Cumings, John']
    """
    return (
        text.str.replace_all(r"\([^)]*\)?|\"[^\"]*\"?", " ")
        .str.replace_all(_TITLE, " ")
        .str.replace_all(r"\s+", " ")
        .str.replace_all(r"\s+,", ",")
        .str.strip_chars()
    )


@functools.lru_cache(maxsize=1)
def _name_lexicon() -> pl.DataFrame:
    """(token, locale, first, last): every first and last name of :data:`NAME_LOCALES`,
    lower-cased; multi-word surnames ("van den Berg") count by their last word."""
    rows: dict[tuple[str, str], list[bool]] = {}
    for loc in NAME_LOCALES:
        cls = provider_class("person", loc)
        if cls is None:
            continue
        for attr, is_first in (("first_names", True), ("first_names_male", True), ("first_names_female", True),
                               ("last_names", False), ("last_names_male", False), ("last_names_female", False)):
            for entry in getattr(cls, attr, ()) or ():
                parts = str(entry).lower().split()
                if not parts:
                    continue
                flags = rows.setdefault((parts[-1], loc), [False, False])
                flags[0 if is_first else 1] = True
    return pl.DataFrame(
        {
            "token": [k[0] for k in rows],
            "locale": [k[1] for k in rows],
            "first": [v[0] for v in rows.values()],
            "last": [v[1] for v in rows.values()],
        }
    )


def names(text: pl.Series, tokens: frozenset[str], name: str) -> PersonalGuess | None:
    """First, last or full names; by value alone only for at least :data:`MIN_DISTINCT_FOR_NAMES`
    distinct values, and never in a column whose name says it holds something else ('company_name')."""
    if tokens & NOT_A_PERSON:
        return None
    hint = next((p for p in ("first_name", "last_name", "name") if is_hinted(p, tokens)), None)
    text = without_titles(text)
    text = text.str.replace(r"^([^,]+?)\s*,\s*([^,]+)$", "${2} ${1}")  # 'Young, Amy' is Amy Young
    shaped = text.str.contains(_NAME_SHAPE)
    if share_of(shaped) < (HINTED_SHARE if hint else VALUE_SHARE):
        return None
    if hint is None and len(text) < MIN_DISTINCT_FOR_NAMES:
        return None  # a handful of words is a category, whatever the words
    n_words = text.str.count_matches(r"\S+")
    multi = share_of(shaped & (n_words >= 2))
    matched = _match(text.filter(shaped))
    per_row = matched.group_by("row").agg(
        pl.col("first").fill_null(False).any().alias("first"),
        pl.col("last").fill_null(False).any().alias("last"),
    )
    n = len(text)
    first = float(per_row["first"].sum()) / n
    last = float(per_row["last"].sum()) / n
    both = float((per_row["first"] & per_row["last"]).sum()) / n
    need = HINTED_NAME_SHARE if hint else VALUE_SHARE
    hinted = hint is not None
    if multi >= VALUE_SHARE and hint in (None, "name"):
        if both < need:
            return None
        what = "full names (a first and a last name from Faker's name lists)"
        return PersonalGuess("name", _name_locale(matched, "last"), why(both, what, name, hinted))
    if multi >= 0.5:
        return None  # a mix of one and several words: not a name column we can tell
    if hint == "first_name" or (hint in (None, "name") and first >= last):
        provider, share, what, col = "first_name", first, "first names", "first"
    else:
        provider, share, what, col = "last_name", last, "last names", "last"
    if share < need:
        return _name_like(text, first, name, hinted)
    reason = why(share, f"{what} (in Faker's name lists)", name, hinted)
    return PersonalGuess(provider, _name_locale(matched, col), reason)


#: a column of at least this many distinct single capitalised words ...
NAME_LIKE_MIN_DISTINCT = 100
#: ... this share of them short capitalised words ("Biscuit", "Lucy") ...
NAME_LIKE_SHAPE_SHARE = 0.9
#: ... and at least this share of them Faker first names, is name-like (pet names)
NAME_LIKE_FIRST_SHARE = 0.2
_NAME_LIKE_WORD = r"^\p{Lu}\p{Ll}{1,11}$"


def _name_like(text: pl.Series, first: float, name: str, hinted: bool) -> PersonalGuess | None:
    """Many distinct short capitalised words, a fair share of them first names, look like
    names (a column of pet names: Lucy, Max, Biscuit, Mochi): made up as Faker first names,
    which keeps their look, rather than as random letters."""
    if len(text) < NAME_LIKE_MIN_DISTINCT or first < NAME_LIKE_FIRST_SHARE:
        return None
    shaped = share_of(text.str.contains(_NAME_LIKE_WORD))
    if shaped < NAME_LIKE_SHAPE_SHARE:
        return None
    what = (f"short capitalised words, {len(text)} distinct, {first:.0%} of them first names in Faker's lists "
            "(name-like, e.g. pet names)")
    return PersonalGuess("first_name", None, why(shaped, what, name, hinted))


def _match(text: pl.Series, separators: str = r"[\s\-]+") -> pl.DataFrame:
    """(row, token, locale, first, last) for every word of every value; words split at
    ``separators`` (double-barrelled names, "Smith-Jones", match by their parts)."""
    words = pl.DataFrame({"value": text}).with_row_index("row").with_columns(
        pl.col("value").str.to_lowercase().str.replace_all(separators, " ").str.split(" ").alias("token")
    ).explode("token")
    words = words.filter(pl.col("token") != "")
    return words.join(_name_lexicon(), on="token", how="left")


def name_locale(text: pl.Series, separators: str = r"[\s\-]+") -> str | None:
    """The locale whose name lists clearly match most of the values' words (e-mail user
    names split at ``separators``), or None."""
    matched = _match(text, separators)
    first = _name_locale(matched, "first")
    return first if first is not None else _name_locale(matched, "last")


def _name_locale(matched: pl.DataFrame, col: str) -> str | None:
    """The locale whose name lists match clearly more values than en_US's; None if none does."""
    hits = (
        matched.filter(pl.col(col).fill_null(False))
        .group_by("locale")
        .agg(pl.col("row").n_unique().alias("rows"))
        .sort(["rows", "locale"], descending=[True, False])
    )
    if len(hits) == 0:
        return None
    counts = dict(zip(hits["locale"].to_list(), hits["rows"].to_list()))
    best = hits["locale"][0]
    default = counts.get("en_US", 0)
    total = matched["row"].n_unique()
    # names travel: English lists match many Dutch names and vice versa, so only a clear lead counts
    if best == "en_US" or counts[best] - default < 0.1 * total:
        return None
    return best
