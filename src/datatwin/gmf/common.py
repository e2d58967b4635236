"""Tables and the refusal both directions of the GMF conversion share."""

from __future__ import annotations

import functools
from typing import Any

_TEMPORAL_PRECISION = {"days": "day", "hours": "hour", "minutes": "minute", "seconds": "second", "microseconds": "microsecond"}
_TEMPORAL_PRECISION_BACK = {v: k for k, v in _TEMPORAL_PRECISION.items()}
#: datatwin's random_string character classes (distributions/categorical.py), as regex bracket parts
_CHAR_CLASSES = {
    "upper": ("A-Z", set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
    "lower": ("a-z", set("abcdefghijklmnopqrstuvwxyz")),
    "digit": ("0-9", set("0123456789")),
    "space": (" ", {" "}),
    "punctuation": (r"\-_\.,/:@\#\&\(\)'", set("-_.,/:@#&()'")),
}


#: datatwin's free_text writes sentences of 4 to 12 words (distributions/fake.py): 8 on average
_WORDS_PER_SENTENCE = 8.0


@functools.lru_cache(maxsize=16)
def _chars_per_word(locale: str) -> float:
    """Characters a word takes in generated text in ``locale``, its space included: the mean
    length of Faker's word list for the locale (the list both datatwin's free_text and
    metasyn's core.freetext draw from), plus one. Raises ValueError for an unknown locale."""
    from datatwin.personal.base import available_locales

    if locale not in available_locales():
        raise ValueError(f"unknown Faker locale {locale!r}; use one of Faker's locales such as 'en_US' or 'nl_NL'")
    from faker import Faker

    words = Faker(locale).word.__self__.word_list
    return sum(len(w) for w in words) / max(len(words), 1) + 1.0


class _Unsupported(Exception):
    """A distribution without an exact equivalent; ``approx`` is the stand-in, if any."""

    def __init__(self, reason: str, approx: dict[str, Any] | None = None, note: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.approx, self.note = reason, approx, note
