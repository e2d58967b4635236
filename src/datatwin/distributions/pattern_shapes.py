"""Shapes and tokens of the ``pattern`` distribution: its notation, not its fit.

Strings are handled as arrays of code points (one row per value), so shapes, tokens
and draws are numpy operations. This module also writes the regex-like display of a
shape and checks hand-edited parameters, naming the one at fault.
"""

from __future__ import annotations

import math
import re
import string
from typing import Any

import numpy as np

from datatwin.distributions.base import DistributionError

#: token classes: first code point, alphabet size, regex range, shape character
CLASSES: dict[str, tuple[int, int, str, str]] = {
    "upper": (65, 26, "A-Z", "A"),
    "lower": (97, 26, "a-z", "a"),
    "digit": (48, 10, "0-9", "9"),
}
#: character classes the fallback may name without publishing a character (as random_string)
FALLBACK_CLASSES: dict[str, str] = {
    "upper": string.ascii_uppercase,
    "lower": string.ascii_lowercase,
    "digit": string.digits,
    "space": " ",
    "punctuation": "-_.,/:@#&()'",
}
#: longer values are text, not codes: a fallback up to 1 MB could not be sampled
MAX_LENGTH = 256
#: slack on probabilities that must sum to 1
PROB_TOLERANCE = 1e-6

_SHAPE_TABLE = str.maketrans(
    {c: info[3] for name, info in CLASSES.items() for c in FALLBACK_CLASSES[name]}
)
_TOKEN = re.compile(r"A+|a+|9+|[^Aa9]+")
_CLASS_OF_SHAPE_CHAR = {info[3]: name for name, info in CLASSES.items()}
_REGEX_META = set(".^$*+?{}[]\\|()")


# -- strings as code points ----------------------------------------------------------------


def all_text(texts: list) -> bool:
    """Whether every value is a str (checked per type, not per value)."""
    return all(issubclass(t, str) for t in set(map(type, texts)))  # a set of types: no loop in Python


def encode(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All texts as one array of code points, where each text starts in it, and its length."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return codes, starts, lengths


def group_by_shape(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Index of each text's shape, and the distinct shapes (a loop over distinct lengths)."""
    shape_codes = codes.copy()
    for info in CLASSES.values():
        shape_codes[(codes >= info[0]) & (codes < info[0] + info[1])] = ord(info[3])
    shape_of = np.empty(len(lengths), dtype=np.intp)
    keys: list[str] = []
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        if length == 0:
            shape_of[rows] = len(keys)
            keys.append("")
            continue
        matrix = np.ascontiguousarray(code_matrix(shape_codes, starts[rows], int(length)))
        distinct, inverse = np.unique(matrix.view(f"<U{length}").ravel(), return_inverse=True)
        shape_of[rows] = len(keys) + inverse.ravel()
        keys.extend(str(d).ljust(int(length), "\x00") for d in distinct)  # numpy drops trailing NULs
    return shape_of, keys


def group_indices(labels: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Indices of each label 0 .. n_groups - 1, in order, without a scan per label."""
    order = np.argsort(labels, kind="stable")
    return np.split(order, np.cumsum(np.bincount(labels, minlength=n_groups))[:-1])


def code_matrix(codes: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """Rows of code points of texts that all have ``length`` characters."""
    return codes[starts[:, None] + np.arange(length)[None, :]]


def tokens_of(key: str) -> list[tuple[int, int, str | None]]:
    """(start, end, class name or None for literal characters) of each token of a shape."""
    return [(m.start(), m.end(), _CLASS_OF_SHAPE_CHAR.get(m.group()[0])) for m in _TOKEN.finditer(key)]


def to_codes(texts: list[str], width: int) -> np.ndarray:
    """Texts of ``width`` characters -> rows of code points."""
    return np.array(texts, dtype=f"<U{width}").view("<u4").reshape(len(texts), width)


def to_strings(matrix: np.ndarray) -> np.ndarray:
    """Rows of code points -> object array of str, without a loop over rows."""
    n, width = matrix.shape
    if width == 0:
        return np.full(n, "", dtype=object)
    if np.any(matrix[:, -1] == 0):  # numpy drops trailing NULs: slice one long string instead
        joined = matrix.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
        return np.array([joined[i * width : (i + 1) * width] for i in range(n)], dtype=object)
    return np.ascontiguousarray(matrix, dtype="<u4").view(f"<U{width}").ravel().astype(object)


def char_probs(tok: dict, j: int) -> np.ndarray:
    """Probabilities over the class alphabet at position ``j`` of a class token."""
    base, size = CLASSES[tok["class"]][:2]
    table = tok["chars"][j]
    if table is None:
        return np.full(size, 1.0 / size)
    p = np.zeros(size)
    for ch, prob in table.items():
        p[ord(ch) - base] = prob
    return p


def fallback_alphabet(fallback: dict) -> np.ndarray:
    """Sorted code points the fallback draws from."""
    chars = "".join(FALLBACK_CLASSES[c] for c in fallback["classes"]) + "".join(fallback["symbols"])
    return np.unique(np.frombuffer(chars.encode("utf-32-le", "surrogatepass"), dtype="<u4"))


def shape_log_room(tokens: list[dict]) -> float:
    """log of the number of strings a shape can produce (an upper bound: a literal value
    the class could also draw counts twice)."""
    total = 0.0
    for tok in tokens:
        if "literal" in tok:
            continue
        size = CLASSES[tok["class"]][1]
        drawn = sum(math.log(size if c is None else len(c)) for c in tok["chars"]) if tok["other"] > 0 else -math.inf
        listed = math.log(len(tok["values"])) if tok["values"] else -math.inf
        total += float(np.logaddexp(listed, drawn))
    return total


# -- display and validation -------------------------------------------------------------------


def _escape(text: str, in_class: bool = False) -> str:
    """Regex-escape only what needs it, so ``-`` and spaces stay readable."""
    special = "\\]^-[" if in_class else _REGEX_META
    out = []
    for ch in text:
        if ch in special:
            out.append("\\" + ch)
        elif not ch.isprintable():
            o = ord(ch)
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
        else:
            out.append(ch)
    return "".join(out)


def display(tokens: list[dict]) -> str:
    """The regex-like string of a shape: literals escaped, classes as ``[0-9]{3}``."""
    parts = []
    for tok in tokens:
        if "literal" in tok:
            parts.append(_escape(tok["literal"]))
        else:
            w = tok["length"]
            parts.append(f"[{CLASSES[tok['class']][2]}]" + (f"{{{w}}}" if w > 1 else ""))
    return "".join(parts)


def fallback_display(fb: dict) -> str:
    """The regex-like string of the fallback, e.g. ``[A-Z0-9]{5,6}``."""
    lo, hi = fb["min_length"], fb["max_length"]
    if hi == 0:
        return ""
    ranges = {"upper": "A-Z", "lower": "a-z", "digit": "0-9"}
    body = "".join(ranges.get(c) or _escape(FALLBACK_CLASSES[c], True) for c in fb["classes"])
    body += _escape("".join(fb["symbols"]), True)
    return f"[{body}]" + (f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}")


def shape_key(tokens: list[dict]) -> str:
    """The shape (``A``/``a``/``9`` and literal characters) a list of tokens stands for."""
    return "".join(
        t["literal"].translate(_SHAPE_TABLE) if "literal" in t else CLASSES[t["class"]][3] * t["length"] for t in tokens
    )


def fail(param: str, message: str) -> None:
    """Raise the standard message for parameter ``param``."""
    raise DistributionError(f"pattern: parameter {param!r} {message}")


def _is_prob(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1


def _check_keys(d: Any, where: str, expected: set[str]) -> None:
    if not isinstance(d, dict) or set(d) != expected:
        got = sorted(d) if isinstance(d, dict) else type(d).__name__
        fail(where, f"must be an object with exactly the keys {sorted(expected)}. Got {got}.")


def check_shape(shape: Any, where: str) -> str:
    """Validate one entry of ``shapes`` and return its shape key."""
    _check_keys(shape, where, {"pattern", "prob", "tokens"})
    if not _is_prob(shape["prob"]):
        fail(f"{where}.prob", f"must be a number in [0, 1]. Got {shape['prob']!r}.")
    tokens = shape["tokens"]
    if not isinstance(tokens, list):
        fail(f"{where}.tokens", "must be a list of tokens")
    for j, tok in enumerate(tokens):
        _check_token(tok, f"{where}.tokens[{j}]")
    key = shape_key(tokens)
    if shape["pattern"] != display(tokens):
        expected = display(tokens)
        fail(f"{where}.pattern", f"does not match its tokens: expected {expected!r}. Edit the tokens, not the pattern.")
    return key


def _check_token(tok: Any, where: str) -> None:
    if isinstance(tok, dict) and "literal" in tok:
        _check_keys(tok, where, {"literal"})
        if not isinstance(tok["literal"], str) or not tok["literal"]:
            fail(f"{where}.literal", f"must be non-empty text. Got {tok['literal']!r}.")
        return
    _check_keys(tok, where, {"class", "length", "values", "other", "chars"})
    if tok["class"] not in CLASSES:
        fail(f"{where}.class", f"must be one of {sorted(CLASSES)}. Got {tok['class']!r}.")
    base, size = CLASSES[tok["class"]][:2]
    width = tok["length"]
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= MAX_LENGTH:
        fail(f"{where}.length", f"must be an integer in [1, {MAX_LENGTH}]. Got {width!r}.")

    def in_class(text: Any, w: int) -> bool:
        return isinstance(text, str) and len(text) == w and all(0 <= ord(ch) - base < size for ch in text)

    values = tok["values"]
    if not isinstance(values, dict) or not all(in_class(v, width) and _is_prob(p) for v, p in values.items()):
        fail(f"{where}.values", f"must map {width}-character {tok['class']} text to probabilities. Got {values!r}.")
    if not _is_prob(tok["other"]):
        fail(f"{where}.other", f"must be a number in [0, 1]. Got {tok['other']!r}.")
    if abs(sum(values.values()) + tok["other"] - 1.0) > PROB_TOLERANCE:
        fail(f"{where}.values", "probabilities and 'other' must sum to 1")
    chars = tok["chars"]
    if not isinstance(chars, list) or len(chars) != width:
        fail(f"{where}.chars", f"must be a list of {width} entries (null or a table). Got {chars!r}.")
    for j, table in enumerate(chars):
        if table is None:
            continue
        ok = isinstance(table, dict) and table and all(in_class(c, 1) and _is_prob(p) for c, p in table.items())
        if not ok or abs(sum(table.values()) - 1.0) > PROB_TOLERANCE:
            fail(
                f"{where}.chars[{j}]",
                f"must map {tok['class']} characters to probabilities summing to 1. Got {table!r}.",
            )


def check_fallback(fb: Any) -> None:
    """Validate the ``fallback`` parameter."""
    _check_keys(fb, "fallback", {"pattern", "prob", "min_length", "max_length", "classes", "symbols"})
    if not _is_prob(fb["prob"]):
        fail("fallback.prob", f"must be a number in [0, 1]. Got {fb['prob']!r}.")
    lo, hi = fb["min_length"], fb["max_length"]
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (lo, hi)) or not 0 <= lo <= hi <= MAX_LENGTH:
        fail("fallback.max_length", f"need integers 0 <= min_length <= max_length <= {MAX_LENGTH}. Got {lo!r}, {hi!r}.")
    classes = fb["classes"]
    known = isinstance(classes, list) and all(c in FALLBACK_CLASSES for c in classes)
    if not known or len(set(classes)) != len(classes):
        fail("fallback.classes", f"must be a list of distinct names from {sorted(FALLBACK_CLASSES)}. Got {classes!r}.")
    public = "".join(FALLBACK_CLASSES.values())
    symbols = fb["symbols"]
    if not isinstance(symbols, list) or any(not isinstance(s, str) or len(s) != 1 or s in public for s in symbols):
        fail("fallback.symbols", f"must be a list of single characters outside the classes. Got {symbols!r}.")
    if hi > 0 and not classes and not symbols:
        fail("fallback.classes", "and 'symbols' are both empty, so no character can be drawn")
    if fb["pattern"] != fallback_display(fb):
        fail("fallback.pattern", f"does not match the fallback: expected {fallback_display(fb)!r}.")
