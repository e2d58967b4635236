"""Tables and the refusal both directions of the GMF conversion share."""

from __future__ import annotations

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


class _Unsupported(Exception):
    """A distribution without an exact equivalent; ``approx`` is the stand-in, if any."""

    def __init__(self, reason: str, approx: dict[str, Any] | None = None, note: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.approx, self.note = reason, approx, note
