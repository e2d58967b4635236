"""Fitting the ``pattern`` distribution under the k-rule.

What may be published (the k-rule): shapes, literal values, character tables and
fallback symbols each come from at least ``k`` rows and ``k`` distinct values; the
fallback itself only when it holds at least ``k`` rows, with a micro-aggregated length
range (no real extreme length). Within that, BIC decides
which literal values and character tables are worth their parameters.
"""

from __future__ import annotations

import math

import numpy as np

from datatwin.distributions.base import DistributionError
from datatwin.distributions.pattern_shapes import (
    CLASSES,
    FALLBACK_CLASSES,
    all_text,
    code_matrix,
    fallback_display,
    tokens_of,
)

#: a position's character table must save this many nats per row over a uniform draw
MIN_TABLE_GAIN = 0.5


def require_text(values: np.ndarray) -> None:
    """Raise DistributionError naming the first value that is not text."""
    texts = values.tolist()
    if values.dtype.kind == "U" or all_text(texts):
        return
    bad = next(v for v in texts if not isinstance(v, str))
    raise DistributionError(
        f"pattern: needs text values; got {bad!r} ({type(bad).__name__}). Cast the column to String"
    )


def fit_shape(
    key: str, codes: np.ndarray, starts: np.ndarray, members: np.ndarray, counts: np.ndarray, k: int, penalty: float
) -> tuple[list[dict] | None, np.ndarray]:
    """Tokens of one shape, and the rows they model. Rows that are the only ones to
    leave a token's literal values (fewer than k rows or distinct values: 'D942DN' among
    'N'-prefixed tail numbers) are rare variants: they go to the fallback, and the shape
    is fitted again on the rest."""
    while counts[members].sum() >= k and len(members) >= k:
        matrix = code_matrix(codes, starts[members], len(key))
        tokens: list[dict] = []
        stray = np.zeros(len(members), dtype=bool)
        for start, end, cls_name in tokens_of(key):
            if cls_name is None:  # other characters: part of the shape, held by all its >= k rows
                tokens.append({"literal": key[start:end]})
                continue
            token, residual = _fit_class_token(cls_name, matrix[:, start:end], counts[members], k, penalty)
            tokens.append(token)
            if residual is not None:
                stray |= residual
        if not stray.any():
            return tokens, members
        members = members[~stray]
    return None, members


def _fit_class_token(
    cls_name: str, sub: np.ndarray, counts: np.ndarray, k: int, penalty: float
) -> tuple[dict, np.ndarray | None]:
    """One class token, and the mask of its rare residual rows (None when there are none)."""
    base, size = CLASSES[cls_name][:2]
    width = sub.shape[1]
    text = np.ascontiguousarray(sub).view(f"<U{width}").ravel()
    distinct, inverse = np.unique(text, return_inverse=True)
    rows = np.bincount(inverse, weights=counts, minlength=len(distinct))
    spread = np.bincount(inverse, minlength=len(distinct))  # distinct values holding it
    n = float(counts.sum())
    # k-rule: only values that >= k rows share may be published. They must also recur
    # in >= k distinct values: a prefix or an airline code, not the digits of one
    # aircraft that flies often (those would rebuild real values). Among them, keep the
    # m most frequent where m maximises log-likelihood minus BIC's price, with the other
    # rows drawn uniformly from the class (a slight overestimate of what they cost).
    cand = np.flatnonzero((rows >= k) & (spread >= k))
    cand = cand[np.argsort(-rows[cand], kind="stable")]
    c = rows[cand]
    kept_rows = np.concatenate([[0.0], np.cumsum(c)])
    rest = np.maximum(n - kept_rows, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll_values = np.concatenate([[0.0], np.cumsum(c * np.log(c / n))])
        ll_rest = np.where(rest > 0, rest * (np.log(rest / n) - width * math.log(size)), 0.0)
    m = int(np.argmax(ll_values + ll_rest - penalty * np.arange(len(cand) + 1)))
    other = float(rest[m] / n)
    if m == 1 and other == 0.0:
        return {"literal": str(distinct[cand[0]])}, None
    values = {str(distinct[i]): float(rows[i] / n) for i in cand[:m]}
    residual = ~np.isin(inverse, cand[:m])
    w = counts[residual]
    r = float(w.sum())
    if 0 < r < k or 0 < residual.sum() < k:
        return {}, residual
    chars: list[dict | None] = [None] * width
    if r > 0:  # a character table aggregates >= k rows and >= k distinct values
        for j in range(width):
            tally = _folded(np.bincount(sub[residual, j].astype(np.int64) - base, weights=w, minlength=size), k)
            if tally is None:
                continue
            seen = tally > 0
            gain = float(np.dot(tally[seen], np.log(tally[seen] / r))) + r * math.log(size)
            if gain > penalty * (size - 1) and gain >= MIN_TABLE_GAIN * r:
                chars[j] = {chr(base + i): float(tally[i] / r) for i in np.flatnonzero(seen)}
    return {"class": cls_name, "length": width, "values": values, "other": other, "chars": chars}, None


def _folded(tally: np.ndarray, k: int) -> np.ndarray | None:
    """A character table's counts with every cell under ``k`` rows folded (issue 10, item 4).

    No cell may imply a count of 1 … k−1: cells under k are pooled into an "other" mass
    spread evenly over the whole class (so no folded character is singled out); a pooled
    mass itself under k joins the largest published cell instead, as a small remainder of
    labels does. None when no cell holds k rows: the position stays uniform."""
    kept = tally >= k
    if not kept.any():
        return None
    folded = float(tally[~kept].sum())
    out = np.where(kept, tally, 0.0).astype(np.float64)
    if folded >= k:
        out += folded / len(tally)
    elif folded > 0:
        out[int(np.argmax(out))] += folded
    return out


def without_tables(shapes: list[dict]) -> list[dict]:
    """The shapes with every character table replaced by a uniform draw (more room)."""
    return [
        {**s, "tokens": [t if "literal" in t else {**t, "chars": [None] * t["length"]} for t in s["tokens"]]}
        for s in shapes
    ]


def without_value_tables(shapes: list[dict]) -> list[dict]:
    """The shapes with every character table, and the tables of values of digit groups,
    replaced by a uniform draw (letters such as a prefix ``AB`` stay: they are the format)."""
    def loose(t: dict) -> dict:
        if "literal" in t or t.get("class") != "digit":
            return t
        return {**t, "values": {}, "other": 1.0, "chars": [None] * t["length"]}

    return [{**s, "tokens": [loose(t) for t in s["tokens"]]} for s in without_tables(shapes)]


def fit_fallback(
    codes: np.ndarray, lengths: np.ndarray, counts: np.ndarray, rare: np.ndarray, k: int, prob: float
) -> dict | None:
    """The fallback for the ``rare`` rows, or None when they are fewer than ``k`` rows:
    then neither their share nor anything else of them may be published, and the caller
    drops them from the model. Otherwise: a length range micro-aggregated over the ``k``
    shortest and ``k`` longest rows (no real extreme length), the public classes seen, and
    symbols that >= ``k`` of the rare rows and distinct values hold."""
    if float(counts[rare].sum()) < k:
        return None
    row_of = np.repeat(np.arange(len(lengths)), lengths)
    in_rare = rare[row_of]
    rare_codes = np.unique(codes[in_rare])
    classes = [
        name for name, chars in FALLBACK_CLASSES.items()
        if np.isin(rare_codes, np.frombuffer(chars.encode("utf-32-le"), dtype="<u4")).any()
    ]
    public = np.frombuffer("".join(FALLBACK_CLASSES.values()).encode("utf-32-le"), dtype="<u4")
    others = rare_codes[~np.isin(rare_codes, public)]
    symbols: list[str] = []
    if len(others):  # rare rows holding each other character: the fallback publishes it
        hit = np.isin(codes, others) & in_rare
        pairs = np.unique(np.stack([codes[hit].astype(np.int64), row_of[hit]]), axis=1)
        which = np.searchsorted(others, pairs[0])
        held = np.bincount(which, weights=counts[pairs[1]], minlength=len(others))
        spread = np.bincount(which, minlength=len(others))
        symbols = [chr(int(c)) for c in others[(held >= k) & (spread >= k)]]
    lo, hi = micro_length(lengths[rare], counts[rare], k)
    if hi > 0 and not classes and not symbols:
        raise DistributionError(
            "pattern: the values of rare shapes hold only characters that fewer than k rows share, so none can "
            "be published; lower k, or model this column as random_string"
        )
    fallback = {"pattern": "", "prob": prob, "min_length": lo, "max_length": hi, "classes": classes, "symbols": symbols}
    fallback["pattern"] = fallback_display(fallback)
    return fallback


def micro_length(lengths: np.ndarray, counts: np.ndarray, k: int) -> tuple[int, int]:
    """A length range that publishes no real extreme length (micro-aggregation): the floor
    of the mean length of the ``k`` shortest rows and the ceiling of that of the ``k``
    longest (rows counted with ``counts``; needs at least ``k`` rows)."""
    order = np.argsort(lengths, kind="stable")
    ends = []
    for idx in (order, order[::-1]):
        c = counts[idx].astype(float)
        before = np.cumsum(c) - c
        w = np.clip(k - before, 0.0, c)  # the first k rows, the last value only in part
        ends.append(float(np.dot(w, lengths[idx])) / float(w.sum()))
    return math.floor(ends[0] + 1e-9), math.ceil(ends[1] - 1e-9)
