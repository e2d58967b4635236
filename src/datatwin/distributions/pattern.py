"""Structured strings (codes, IDs, postcodes, tail numbers): a pattern model.

Each string is read as a *shape*: every ASCII upper-case letter becomes ``A``, lower-case
``a``, digit ``9``; every other character stays itself (``N14228`` -> ``A99999``,
``17-000003`` -> ``99-999999``). A shape is kept when at least ``k`` rows and ``k``
distinct values have it, as a list of tokens (maximal runs of one class, or of other
characters). Per class token the model keeps the literal values that are shared
(prefixes, airline codes) when they pay for themselves under BIC, and for the other rows
a character table per position (when it pays for itself) or a uniform draw from the
class. Every other value goes to one ``fallback``: lengths uniform in a range,
characters uniform over public character classes, so no rare shape is published. A
fallback of fewer than ``k`` rows is not published at all: those values leave the model
(their log-likelihood is -inf). Its length range is micro-aggregated, so no real extreme
length is published.

The k-rule: nothing published comes from fewer than ``k`` rows, and, so that one
frequent value (an aircraft that flies daily) cannot be rebuilt from its parts, from
fewer than ``k`` distinct values either. That holds for shapes (and the separators in
them), literal values, character tables and extra fallback characters.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import numpy as np

from datatwin.distributions.base import Distribution, DistributionError, merge_repeats, register
from datatwin.distributions.lookup import count_cuts
from datatwin.distributions.pattern_fit import (
    fit_fallback,
    fit_shape,
    require_text,
    without_tables,
    without_value_tables,
)
from datatwin.distributions.pattern_shapes import (
    CLASSES,
    MAX_LENGTH,
    PROB_TOLERANCE,
    all_text,
    char_probs,
    check_fallback,
    check_shape,
    code_matrix,
    display,
    encode,
    fail,
    fallback_alphabet,
    group_by_shape,
    group_indices,
    shape_key,
    shape_log_room,
    to_codes,
    to_strings,
)

#: a unique column needs a pattern with room for this many times its distinct values: then
#: a first draw repeats about one value in eight, and redrawing the repeats converges in a
#: few rounds (Spaceship Titanic's 8,693 ``0001_01`` ids have room for 80,000)
UNIQUE_ROOM = 4
#: ... and keeps its character tables only while they leave room for this many values, so
#: that a sample larger than the data stays unique too (100,000 ids from 8,693)
UNIQUE_TABLE_ROOM = 1_000_000


@register
@dataclasses.dataclass(frozen=True)
class PatternDistribution(Distribution):
    """Strings following one of a few shapes, each drawn token by token.

    Parameters
    ----------
    shapes
        One dict per kept shape: ``pattern`` (a regex every value of the shape fully
        matches), ``prob``, and ``tokens``. A token is ``{"literal": text}`` or a class
        token ``{"class": "upper"|"lower"|"digit", "length": L, "values": {text: prob},
        "other": prob, "chars": [None | {char: prob}, ...]}``: with probability
        ``values[text]`` the token is ``text``, with probability ``other`` each of its
        ``L`` characters is drawn from ``chars[j]`` (uniform over the class when None).
    fallback
        None, or every value no shape models, merged, when they are >= k rows:
        ``pattern``, ``prob``, ``min_length``, ``max_length`` (length uniform between; the
        floor and ceiling of the mean lengths of the k shortest and k longest rows, so no
        real extreme), ``classes`` (names in ``FALLBACK_CLASSES``) and ``symbols`` (other
        characters, each held by >= k of its rows and distinct values); characters uniform
        over all of them.
    k
        The k-rule the fit applied: nothing published comes from fewer than ``k`` rows
        or ``k`` distinct values.

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.array([f"N{i:03d}{s}" for i in range(100, 400) for s in ("AA", "DL")], dtype=object)
    >>> model = PatternDistribution.fit(codes)
    >>> [shape["pattern"] for shape in model.shapes]
    ['N[0-9]{3}[A-Z]{2}']
    >>> bool(model.matches(model.sample(1_000, rng=0)).all())
    True
    """

    name = "pattern"
    kinds = ("string",)
    ordered = False
    fit_is_maximum_likelihood = False  # the k-rule and BIC choices generalise on purpose
    shapes: list
    fallback: Any
    k: int

    # -- parameters -----------------------------------------------------------------
    def _check(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            fail("k", f"must be an integer >= 1. Got {self.k!r} instead.")
        if not isinstance(self.shapes, list):
            fail("shapes", f"must be a list of shapes. Got {type(self.shapes).__name__}.")
        if not self.shapes and self.fallback is None:
            fail("shapes", "is empty and there is no fallback: the pattern cannot produce any value")
        keys: set[str] = set()
        total = 0.0
        for i, shape in enumerate(self.shapes):
            key = check_shape(shape, f"shapes[{i}]")
            if key in keys:
                fail(f"shapes[{i}]", f"repeats the shape of an earlier entry ({shape['pattern']!r}); merge them")
            keys.add(key)
            total += shape["prob"]
        if self.fallback is not None:
            check_fallback(self.fallback)
            total += self.fallback["prob"]
        if abs(total - 1.0) > PROB_TOLERANCE:
            fail("shapes", f"probabilities (with the fallback's) must sum to 1. Got a sum of {total:.6g}.")

    @property
    def n_parameters(self) -> int:
        """Free parameters for BIC: shape shares, literal values, character tables, fallback range."""
        k = len(self.shapes) + (self.fallback is not None) - 1
        for shape in self.shapes:
            for tok in shape["tokens"]:
                if "class" in tok:
                    size = CLASSES[tok["class"]][1]
                    k += len(tok["values"]) - (tok["other"] == 0)
                    k += (size - 1) * sum(c is not None for c in tok["chars"])
        if self.fallback is not None:
            k += 3  # the length range and the character set, as random_string counts them
        return max(k, 1)

    # -- fit --------------------------------------------------------------------------
    @classmethod
    def _fit(
        cls, values: np.ndarray, counts: np.ndarray, k: int = 10, unique: bool = False
    ) -> PatternDistribution:
        """``k``: the k-rule. ``unique``: the column must stay unique when sampled, so the
        pattern must be able to produce ``UNIQUE_ROOM`` times as many distinct values as
        the data has; character tables are dropped to make room, and a pattern that
        still has too little raises DistributionError (redraws could not succeed)."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise DistributionError(f"pattern: option 'k' must be an integer >= 1. Got {k!r} instead.")
        k = int(k)
        require_text(values)
        values, counts = merge_repeats(values.astype(object), counts)
        keep = counts > 0
        texts = values[keep].tolist()
        counts = counts[keep]
        if not texts:
            raise DistributionError("pattern: every count is zero; need at least one row to fit")
        codes, starts, lengths = encode(texts)
        if lengths.max() > MAX_LENGTH:
            raise DistributionError(
                f"pattern: a value is {lengths.max()} characters long; pattern models codes of at most "
                f"{MAX_LENGTH} characters. Model this column as random_string instead"
            )
        n_total = float(counts.sum())
        penalty = 0.5 * math.log(max(n_total, 1.0))  # BIC's price of one parameter, in log-likelihood
        shape_of, keys = group_by_shape(codes, starts, lengths)
        rows = np.bincount(shape_of, weights=counts, minlength=len(keys))
        groups = group_indices(shape_of, len(keys))
        rare = np.ones(len(texts), dtype=bool)
        fitted = []
        for s in np.argsort(-rows, kind="stable"):
            if rows[s] < k or len(groups[s]) < k:
                continue
            tokens, members = fit_shape(keys[s], codes, starts, groups[s], counts, k, penalty)
            if tokens is not None:
                rare[members] = False
                fitted.append((-float(counts[members].sum()), len(fitted), tokens))
        rare_rows = float(counts[rare].sum())
        fallback = fit_fallback(codes, lengths, counts, rare, k, rare_rows / n_total) if rare.any() else None
        published = n_total
        if fallback is None and rare.any():
            # fewer than k rows left over: their share and lengths may not be
            # published, so they leave the model and the shapes share all the probability
            if not fitted:
                raise DistributionError(
                    f"pattern: no format is shared by {k} rows and {k} distinct values, and the column has fewer "
                    f"than {k} rows, so nothing can be published; lower k, or model this column as random_string"
                )
            published = n_total - rare_rows
        shapes = [
            {"pattern": display(tokens), "prob": -neg_rows / published, "tokens": tokens}
            for neg_rows, _, tokens in sorted(fitted, key=lambda t: t[:2])
        ]
        model = cls(shapes, fallback, k)
        room = max(UNIQUE_ROOM * len(texts), UNIQUE_TABLE_ROOM)
        if unique and model.max_distinct() < room:
            model = cls(without_tables(shapes), fallback, k)
            if model.max_distinct() < room:  # the tables of group values go too ('01' in 0001_01)
                model = cls(without_value_tables(shapes), fallback, k)
            if model.max_distinct() < UNIQUE_ROOM * len(texts):
                raise DistributionError(
                    f"pattern: the column is unique, but its format allows at most {model.max_distinct():,.0f} "
                    f"distinct values, fewer than {UNIQUE_ROOM} x its {len(texts):,} values, so sampled values could "
                    "not be kept unique; set unique to false for this column, or model it as random_string"
                )
        return model

    def max_distinct(self) -> float:
        """How many distinct values the pattern can produce at most (inf when huge)."""
        log_room = [shape_log_room(s["tokens"]) for s in self.shapes]
        if self.fallback is not None:
            size = len(fallback_alphabet(self.fallback))
            lo, hi = self.fallback["min_length"], self.fallback["max_length"]
            log_room += [length * math.log(size) if size else 0.0 for length in range(lo, hi + 1)]
        top = max(log_room)
        log_total = top + math.log(sum(math.exp(r - top) for r in log_room))
        return math.exp(log_total) if log_total < 700 else math.inf  # beyond 700: more than a float holds

    # -- sampling -----------------------------------------------------------------------
    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        probs = [s["prob"] for s in self.shapes] + ([self.fallback["prob"]] if self.fallback else [])
        which = _choose(np.asarray(probs, dtype=float), n, rng)
        out = np.empty(n, dtype=object)
        groups = group_indices(which, len(probs))
        for shape, rows in zip(self.shapes, groups):
            if len(rows):
                out[rows] = _sample_tokens(shape["tokens"], len(rows), rng)
        if self.fallback is not None and len(groups[-1]):
            out[groups[-1]] = _sample_fallback(self.fallback, len(groups[-1]), rng)
        return out

    # -- likelihood ---------------------------------------------------------------------
    def _logpdf(self, values: np.ndarray) -> np.ndarray:
        texts = values.tolist()
        logp = np.full(len(texts), -np.inf)
        if not all_text(texts):  # only text can match: score the text, the rest stays -inf
            is_text = np.fromiter((isinstance(t, str) for t in texts), dtype=bool, count=len(texts))
            if is_text.any():
                logp[is_text] = self._logpdf(np.asarray(values)[is_text])
            return logp
        if not texts:
            return logp
        codes, starts, lengths = encode(texts)
        shape_of, keys = group_by_shape(codes, starts, lengths)
        model_keys = {shape_key(s["tokens"]): s for s in self.shapes}
        with np.errstate(divide="ignore"):
            for key, members in zip(keys, group_indices(shape_of, len(keys))):
                shape = model_keys.get(key)
                if shape is None:
                    continue
                matrix = code_matrix(codes, starts[members], len(key))
                logp[members] = np.log(shape["prob"]) + _token_log_probs(shape["tokens"], matrix)
            if self.fallback is not None:
                # the fallback can also produce a kept shape's strings: add, do not replace
                logp = np.logaddexp(logp, _fallback_log_probs(self.fallback, codes, lengths))
        return logp

    def matches(self, values: np.ndarray) -> np.ndarray:
        """Whether each value fully matches the ``pattern`` of some shape or the fallback."""
        regexes = [re.compile(s["pattern"]) for s in self.shapes]
        if self.fallback is not None:
            regexes.append(re.compile(self.fallback["pattern"]))
        return np.fromiter(
            (isinstance(v, str) and any(r.fullmatch(v) for r in regexes) for v in values.tolist()),
            dtype=bool, count=len(values),
        )


# -- sampling and likelihood ----------------------------------------------------------------


def _choose(probs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(probs)
    cum /= cum[-1]  # zero-probability entries then take no draws, whatever the rounding
    return count_cuts(cum[:-1], rng.random(n))


def _sample_tokens(tokens: list[dict], n: int, rng: np.random.Generator) -> np.ndarray:
    width = sum(len(t["literal"]) if "literal" in t else t["length"] for t in tokens)
    out = np.empty((n, width), dtype="<u4")
    pos = 0
    for tok in tokens:
        if "literal" in tok:
            w = len(tok["literal"])
            out[:, pos : pos + w] = to_codes([tok["literal"]], w)[0]
            pos += w
            continue
        w = tok["length"]
        base = CLASSES[tok["class"]][0]
        values = list(tok["values"])
        pick = _choose(np.asarray(list(tok["values"].values()) + [tok["other"]], dtype=float), n, rng)
        if values:
            chosen = pick < len(values)
            out[chosen, pos : pos + w] = to_codes(values, w)[pick[chosen]]
        drawn = np.flatnonzero(pick == len(values))
        for j in range(w):
            out[drawn, pos + j] = base + _choose(char_probs(tok, j), len(drawn), rng)
        pos += w
    return to_strings(out)


def _token_log_probs(tokens: list[dict], matrix: np.ndarray) -> np.ndarray:
    """log P(tokens) for rows of code points that have the shape of ``tokens``."""
    total = np.zeros(len(matrix))
    pos = 0
    for tok in tokens:
        if "literal" in tok:
            w = len(tok["literal"])
            same = np.all(matrix[:, pos : pos + w] == to_codes([tok["literal"]], w)[0], axis=1)
            total += np.where(same, 0.0, -np.inf)  # a class literal ('N') need not match its shape
            pos += w
            continue
        w = tok["length"]
        sub = matrix[:, pos : pos + w]
        p = np.zeros(len(matrix))
        if tok["values"]:
            text = np.ascontiguousarray(sub).view(f"<U{w}").ravel()
            keys = np.array(sorted(tok["values"]), dtype=f"<U{w}")
            probs = np.array([tok["values"][key] for key in keys.tolist()])
            at = np.searchsorted(keys, text).clip(0, len(keys) - 1)
            p += np.where(keys[at] == text, probs[at], 0.0)
        if tok["other"] > 0:
            q = np.full(len(matrix), tok["other"])
            base = CLASSES[tok["class"]][0]
            for j in range(w):
                q *= char_probs(tok, j)[sub[:, j].astype(np.int64) - base]
            p += q
        total += np.log(p)
        pos += w
    return total


def _sample_fallback(fallback: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    alphabet = fallback_alphabet(fallback)
    lengths = rng.integers(fallback["min_length"], fallback["max_length"], n, endpoint=True)
    out = np.empty(n, dtype=object)
    for length in np.unique(lengths):  # a loop over distinct lengths, at most MAX_LENGTH + 1
        rows = np.flatnonzero(lengths == length)
        draws = alphabet[rng.integers(0, max(len(alphabet), 1), (len(rows), int(length)))]
        out[rows] = to_strings(draws.astype("<u4"))
    return out


def _fallback_log_probs(fallback: dict, codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    alphabet = fallback_alphabet(fallback)
    lo, hi = fallback["min_length"], fallback["max_length"]
    row_of = np.repeat(np.arange(len(lengths)), lengths)
    outside = np.bincount(row_of[~np.isin(codes, alphabet)], minlength=len(lengths))
    ok = (outside == 0) & (lengths >= lo) & (lengths <= hi)
    with np.errstate(divide="ignore"):
        per_char = math.log(len(alphabet)) if len(alphabet) else math.inf
        logp = np.log(fallback["prob"]) - math.log(hi - lo + 1) - lengths * per_char
    return np.where(ok, np.nan_to_num(logp, nan=0.0, neginf=-np.inf), -np.inf)
