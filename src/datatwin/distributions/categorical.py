"""Categorical, boolean, constant and the simple string fallback."""

from __future__ import annotations

import dataclasses
import math
import string
from typing import Any

import numpy as np

from datatwin.distributions.base import KINDS, Distribution, DistributionError, merge_repeats, register
from datatwin.distributions.lookup import count_cuts
from datatwin.distributions.rounding import coarse_ceiling, coarse_floor
from datatwin.distributions.temporal import format_time, parse_time

_PROB_TOLERANCE = 1e-6


def check_probabilities(name: str, param: str, probs: list[float]) -> None:
    """Probabilities must be finite, >= 0 and sum to 1 (within 1e-6)."""
    arr = np.asarray(probs, dtype=float)
    if arr.ndim != 1 or len(arr) == 0:
        raise DistributionError(f"{name}: parameter {param!r} must be a non-empty list of numbers")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise DistributionError(f"{name}: parameter {param!r} must hold finite numbers >= 0. Got {probs!r}.")
    if abs(arr.sum() - 1.0) > _PROB_TOLERANCE:
        raise DistributionError(f"{name}: parameter {param!r} must sum to 1. Got a sum of {arr.sum():.6g}.")


@register
@dataclasses.dataclass(frozen=True)
class CategoricalDistribution(Distribution):
    """Multinoulli over ``labels`` with probabilities ``probs`` (label order is kept)."""

    name = "categorical"
    kinds = ("categorical", "string")
    ordered = False  # labels: even numeric ones are categories, in the order of the model file
    labels: list
    probs: list

    def _check(self) -> None:
        if not isinstance(self.labels, list) or not isinstance(self.probs, list):
            raise DistributionError("categorical: 'labels' and 'probs' must be lists")
        if len(self.labels) != len(self.probs):
            raise DistributionError(
                f"categorical: 'labels' has {len(self.labels)} entries but 'probs' has {len(self.probs)}"
            )
        if len(set(map(repr, self.labels))) != len(self.labels):
            raise DistributionError("categorical: 'labels' must be distinct")
        check_probabilities(self.name, "probs", self.probs)

    @classmethod
    def _fit(cls, values, counts):
        values, counts = merge_repeats(values, counts)
        order = np.argsort(values, kind="stable") if values.dtype.kind != "O" else np.arange(len(values))
        labels, probs = values[order], counts[order] / counts.sum()
        return cls([_py(v) for v in labels], [float(p) for p in probs])

    @property
    def n_parameters(self) -> int:
        return len(self.labels) - 1

    def sample_codes(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Indices into ``labels``: the fast path used by the models."""
        p = np.asarray(self.probs, dtype=float)
        cum = np.cumsum(p)
        cum /= cum[-1]
        return count_cuts(cum[:-1], rng.random(n))  # searchsorted(cum, u) clipped to the last label

    def _sample(self, n, rng):
        return np.asarray(self.labels, dtype=object)[self.sample_codes(n, rng)]

    def _logpdf(self, values):
        index = {label: i for i, label in enumerate(self.labels)}
        with np.errstate(divide="ignore"):
            logp = np.append(np.log(np.asarray(self.probs, dtype=float)), -np.inf)  # the last: unknown labels
        unknown = len(self.labels)
        # values are distinct labels when fitting and scoring: a short loop
        return logp[np.fromiter((index.get(_py(v), unknown) for v in values), dtype=np.intp, count=len(values))]


@register
@dataclasses.dataclass(frozen=True)
class BernoulliDistribution(Distribution):
    """True (1) with probability ``p``."""

    name = "bernoulli"
    #: also a whole-number column of 0s and 1s (a yes/no item coded as numbers): drawn as
    #: booleans, written back as 0 and 1 in the column's dtype
    kinds = ("boolean", "discrete")
    p: float

    def _check(self) -> None:
        if not 0 <= self.p <= 1:
            raise DistributionError(f"bernoulli: parameter 'p' must be in [0, 1]. Got {self.p} instead.")

    @classmethod
    def _fit(cls, values, counts):
        if values.dtype != bool:
            if values.dtype.kind not in "iuf" or not np.all((values == 0) | (values == 1)):
                raise DistributionError("bernoulli: needs boolean values, or the numbers 0 and 1")
            values = values == 1
        return cls(float(counts[values].sum() / counts.sum()))

    def _sample(self, n, rng):
        return rng.random(n) < self.p

    def _support(self):
        return (0.0 if self.p < 1 else 1.0, 1.0 if self.p > 0 else 0.0)

    def _logpdf(self, values):
        x = np.asarray(values)
        with np.errstate(divide="ignore"):
            log_true, log_false = np.log(self.p), np.log1p(-self.p)
        return np.where(x == 1, log_true, np.where(x == 0, log_false, -np.inf))

    def _cdf(self, x):
        x = np.asarray(x).astype(float)  # False < True, as 0 < 1
        return np.where(x < 0, 0.0, np.where(x < 1, 1.0 - self.p, 1.0))

    def _ppf(self, q):
        return (q > 1.0 - self.p) | (self.p == 1)


@register
@dataclasses.dataclass(frozen=True)
class ConstantDistribution(Distribution):
    """Always ``value`` (temporal values are written as ISO 8601 text)."""

    name = "constant"
    kinds = KINDS
    value: Any

    def _check(self) -> None:
        if not isinstance(self.value, (int, float, str, bool)):
            raise DistributionError(f"constant: parameter 'value' must be a number, text or boolean. Got {self.value!r}.")

    @classmethod
    def _fit(cls, values, counts):
        first = values[0]
        if not np.all(values == first):
            raise DistributionError("constant: values differ")
        if values.dtype.kind == "M":  # temporal values are written as ISO 8601 text
            return cls(str(np.datetime_as_string(first)))
        if values.dtype.kind == "m":
            return cls(format_time(int(first.astype("timedelta64[ns]").astype(np.int64)), "ns"))
        return cls(_py(first))

    @property
    def n_parameters(self) -> int:
        return 1

    def _sample(self, n, rng):
        return np.full(n, self.value, dtype=object if isinstance(self.value, str) else None)

    def _ppf(self, q):
        return self._sample(len(q), None)

    def _comparable(self, x: np.ndarray) -> tuple[np.ndarray, Any]:
        """``x`` and the value in a form that compares (temporal values: the ISO text parsed)."""
        if x.dtype.kind == "M":
            return x, np.datetime64(self.value)
        if x.dtype.kind == "m":
            return x.astype("timedelta64[ns]").astype(np.int64), parse_time(self.value)
        return x, self.value

    def _logpdf(self, values):
        try:
            x, value = self._comparable(np.asarray(values))
            same = np.asarray(x == value, dtype=bool)
        except (TypeError, ValueError):  # temporal values against text that is no date or time
            return np.full(len(values), -np.inf)
        return np.where(same, 0.0, -np.inf)

    def _cdf(self, x):
        try:
            x, value = self._comparable(np.asarray(x))
            return np.asarray(x >= value, dtype=float)
        except (TypeError, ValueError):
            raise DistributionError(
                f"constant: cannot compare the values given to cdf with the value {self.value!r}"
            ) from None


_CHAR_CLASSES = {
    "upper": string.ascii_uppercase,
    "lower": string.ascii_lowercase,
    "digit": string.digits,
    "space": " ",
    "punctuation": "-_.,/:@#&()'",
    # any other character (accents, other scripts, emoji, control characters) in the data:
    # sampled from this fixed set, so no character of the data is published
    "other": "àéèüöçñßøåæ",
}


@register
@dataclasses.dataclass(frozen=True)
class RandomStringDistribution(Distribution):
    """The simple fallback for strings that are not categorical: lengths uniform in
    [min_length, max_length], characters drawn uniformly from the character classes
    seen in the data (``upper``, ``lower``, ``digit``, ``space``, ``punctuation``,
    ``other``). Publishes no real value; keeps only the rough shape of the text. The range
    runs from the k-th shortest to the k-th longest row, coarsened unless k rows have that
    exact length; longer and shorter rows count as the range's ends (top/bottom coding)."""

    name = "random_string"
    kinds = ("string",)
    ordered = False
    min_length: int
    max_length: int
    classes: list

    def _check(self) -> None:
        if self.min_length < 0 or self.max_length < self.min_length:
            raise DistributionError(
                f"random_string: need 0 <= min_length <= max_length. Got {self.min_length}, {self.max_length}."
            )
        bad = [c for c in self.classes if c not in _CHAR_CLASSES]
        if bad or not self.classes:
            raise DistributionError(
                f"random_string: 'classes' must be a non-empty subset of {sorted(_CHAR_CLASSES)}. Got {self.classes!r}."
            )

    @classmethod
    def _fit(cls, values, counts, *, k: int = 10):
        texts = [str(v) for v in values]
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        low, high = _length_range(lengths, counts, k)
        # A class is published only when at least k rows use it: one row with a digit or
        # an "é" must not add a class (issue 10, item 5). Rows using an unpublished class
        # are coded to the published alphabet, as the length range codes odd lengths.
        rows = _class_row_counts(texts, np.asarray(counts, dtype=np.float64))
        classes = [name for name in _CHAR_CLASSES if rows[name] >= k]
        classes = classes or ["lower"]
        return cls(low, high, classes)

    @property
    def n_parameters(self) -> int:
        return 3

    def _sample(self, n, rng):
        alphabet = np.array(list("".join(_CHAR_CLASSES[c] for c in self.classes)))
        lengths = rng.integers(self.min_length, self.max_length, n, endpoint=True)
        width = max(self.max_length, 1)
        grid = alphabet[rng.integers(0, len(alphabet), (n, width))]
        # numpy's fixed-width unicode drops trailing NULs, so blanking the tail of
        # each row and viewing the rows as one string each gives variable lengths
        # without a Python loop over rows.
        grid[np.arange(width)[None, :] >= lengths[:, None]] = "\x00"
        return grid.astype("<U1").view(f"<U{width}").ravel().astype(object)

    def _logpdf(self, values):
        # Length uniform on [min_length, max_length], then each character uniform on the alphabet.
        alphabet = "".join(_CHAR_CLASSES[c] for c in self.classes)
        texts = [str(v) for v in values]
        lengths = np.fromiter((len(t) for t in texts), dtype=np.float64, count=len(texts))
        # lengths beyond the published range are top/bottom-coded to its ends (censored), as
        # the fit codes the few odd rows that set the real extremes
        lengths = np.clip(lengths, self.min_length, self.max_length)
        logp = -math.log(self.max_length - self.min_length + 1) - lengths * math.log(len(alphabet))
        # Characters of classes outside the model are coded to the alphabet (the fit drops a
        # class fewer than k rows use), so they count as drawn from it: a finite density, and
        # the selection score does not turn on the few rows that use a rare class.
        return logp


def _class_row_counts(texts: list[str], counts: np.ndarray) -> dict[str, float]:
    """For each character class, the number of rows (weighted by ``counts``) with at least
    one character of it; ``other`` is any character outside the named classes."""
    import polars as pl

    def esc(chars: str) -> str:  # inside a [...] set only these are special
        return "".join("\\" + c if c in "\\]^-[" else c for c in chars)

    series = pl.Series(texts, dtype=pl.String)
    named = "".join(chars for name, chars in _CHAR_CLASSES.items() if name != "other")
    out: dict[str, float] = {}
    for name, chars in _CHAR_CLASSES.items():  # six classes, each one vectorised pass
        pattern = f"[^{esc(named)}]" if name == "other" else f"[{esc(chars)}]"
        hit = series.str.contains(pattern).to_numpy()
        out[name] = float(counts[hit].sum())
    return out


def _length_range(lengths: np.ndarray, counts: np.ndarray, k: int) -> tuple[int, int]:
    """The published length range: the lengths of the k-th shortest and k-th longest rows
    (fewer than k rows beyond them are top/bottom-coded), widened to a coarse step
    (37 -> 50) where fewer than k rows have exactly that length. No single odd value — a
    1 MB cell in a code column — sets the range or has its length published."""
    order = np.argsort(lengths, kind="stable")
    cumulative = np.cumsum(counts[order])
    if cumulative[-1] < k:  # fewer than k rows in all: the whole range, coarsened below
        low, high = int(lengths.min()), int(lengths.max())
    else:
        low = int(lengths[order][np.searchsorted(cumulative, k)])
        high = int(lengths[order][np.searchsorted(cumulative, cumulative[-1] - k, side="right")])
    if counts[lengths == low].sum() < k:
        low = coarse_floor(low)
    if counts[lengths == high].sum() < k:
        high = coarse_ceiling(high)
    return low, max(high, low)


def _py(v: Any) -> Any:
    """numpy scalar -> plain Python value, for JSON."""
    return v.item() if isinstance(v, np.generic) else v
