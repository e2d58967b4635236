"""Which kind a column is, and why: the choices a data steward would make by looking at it.

On top of the dtype (:func:`datatwin.schema.infer_kind`), a number column is looked at once
more, in this order:

1. **0/1**: whole numbers taking exactly the values 0 and 1 are a yes/no item: ``bernoulli``
   (written back as 0 and 1 in the column's dtype).
2. **codes**: whole numbers >= 0 whose name says they identify categories (a token such as
   ``code``, ``occ``, ``ind``, ``zip``, ``postcode``, ``fips``, ``region``, ``type``; see
   :data:`CODE_TOKENS`), with more than :data:`FEW_VALUES` distinct values, the codes that
   at least k rows hold covering :data:`CODE_COVERAGE` of the rows: kind ``categorical``
   over the codes (codes held by fewer than k rows are not published).
3. **years**: whole numbers from 1000 to 2999 whose name says year (``year``, ``yr``,
   ``jaar``, ``birth_year``, ``YearBuilt``), with on average at least k rows per year:
   ``finite`` over the observed years (rare years merged into a neighbouring year).
4. **few values**: at most :data:`FEW_VALUES` distinct values, with on average at least
   :data:`ROWS_PER_VALUE` × k rows each (Likert items, counts of children, factor scores
   taking ten values): ``finite`` over the observed values, the dtype kept.

Everything else keeps the kind of its dtype and goes to the competition of candidates. The
reason, and a spec override where the choice was close, go to the column's ``selection``
(``kind``, ``override``), which ``datatwin inspect`` prints. Reasons never quote a value of
the data. A private policy (``reads_values`` False) uses none of this: the kind then comes
from the dtype and the spec only.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import polars as pl

from datatwin.schema import CATEGORICAL_SQRT_FACTOR, FitSpec, infer_kind

__all__ = ["CODE_TOKENS", "FEW_VALUES", "ROWS_PER_VALUE", "YEAR_TOKENS", "KindChoice", "choose_kind", "name_tokens"]

#: a number column with at most this many distinct values is modelled over them (the
#: issue's "think <= 20": five- and seven-point scales, counts of children, ten-level scores)
FEW_VALUES = 20
#: ... when its rows hold on average at least this many times k rows per value, so that
#: nearly every value can be published (a 100-row column of 11 values is left to the families)
ROWS_PER_VALUE = 2
#: name tokens of columns that identify categories by number
CODE_TOKENS = frozenset({
    "code", "codes", "cd", "id", "occ", "occupation", "ind", "indus", "industry", "naics", "isco", "isic",
    "nace", "sic", "soc", "zip", "zipcode", "postcode", "postal", "plz", "fips", "county", "district",
    "municipality", "gemeente", "region", "type", "group", "sector", "category", "cat",
})
#: name tokens of year columns (a token may also start or end with "year": YearBuilt, birthyear)
YEAR_TOKENS = frozenset({"year", "years", "yr", "yyyy", "yob", "jaar", "jahr", "annee", "ano", "anno"})
YEAR_RANGE = (1000, 2999)
#: a code column is categorical when codes held by at least k rows cover this share of its
#: rows (the rest are not published): otherwise too little of it would be left
CODE_COVERAGE = 0.5
#: a choice this close to its threshold comes with a suggested spec override
_CLOSE = 0.75


@dataclasses.dataclass(frozen=True)
class KindChoice:
    """A column's kind, the distribution a rule gives it (None: the candidates compete),
    the rule's name (the selection's ``method``), why, and a spec override when close."""

    kind: str
    reason: str
    distribution: str | None = None
    rule: str | None = None
    override: str | None = None
    #: the kind follows from the dtype alone (nothing worth saying in the model file)
    plain: bool = False


def name_tokens(name: str) -> list[str]:
    """Lower-case words of a column name: split at non-letters, camelCase and digits.

    >>> name_tokens("occ10"), name_tokens("YearBuilt"), name_tokens("zip_code")
    (['occ', '10'], ['year', 'built'], ['zip', 'code'])
    """
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [t.lower() for t in re.findall(r"[A-Za-z]+|[0-9]+", spaced)]


def _is_year_name(tokens: list[str]) -> bool:
    return any(t in YEAR_TOKENS or (len(t) > 4 and (t.startswith("year") or t.endswith("year"))) for t in tokens)


def _override(name: str, setting: str) -> str:
    return f'[columns.{_toml_key(name)}] {setting}'


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


def choose_kind(series: pl.Series, fit_spec: FitSpec, weights: np.ndarray | None = None) -> KindChoice:
    """The kind of ``series`` (non-missing values, read once) with the reason; see the
    module docstring for the rules. ``weights`` (one per value: a frequency column) make
    a row count as many rows."""
    name, dtype = series.name, series.dtype
    rows = None if weights is None else float(np.sum(weights))  # the rows the values stand for
    kind = infer_kind(series, fit_spec.max_categories, rows)
    if kind == "categorical" and (dtype == pl.String or isinstance(dtype, pl.Categorical)):
        n = len(series) if rows is None else rows
        limit = min(fit_spec.max_categories, CATEGORICAL_SQRT_FACTOR * math.sqrt(max(n, 1)))
        close = series.n_unique() > _CLOSE * limit
        return KindChoice(kind, f"text with few distinct labels (at most {CATEGORICAL_SQRT_FACTOR:g} x the square "
                          "root of the row count): categorical",
                          override=_override(name, 'kind = "string"') if close else None, plain=not close)
    if kind == "string" and dtype == pl.String:
        return KindChoice(kind, "text with many distinct values: string", plain=True)
    if kind not in ("continuous", "discrete") or not dtype.is_numeric():
        return KindChoice(kind, f"a {dtype} column: {kind}", plain=True)
    whole = kind == "discrete"
    float_whole = whole and dtype.is_float()
    k = fit_spec.rare_threshold
    n = len(series) if weights is None else float(np.sum(weights))
    n_distinct = series.n_unique()
    if n == 0 or n_distinct < 2:
        return KindChoice(kind, f"a {dtype} column: {kind}", plain=True)
    lo, hi = series.min(), series.max()
    tokens = name_tokens(name)
    if whole and n_distinct == 2 and lo == 0 and hi == 1:
        return KindChoice(kind, "whole numbers 0 and 1 only: a yes/no item (bernoulli), written back as 0 and 1",
                          distribution="bernoulli", rule="0/1 values")
    if whole and lo >= 0 and n_distinct > FEW_VALUES and CODE_TOKENS & set(tokens):
        if weights is None:
            counts = series.value_counts()["count"]
        else:
            counts = pl.DataFrame({"v": series, "w": weights}).group_by("v").agg(pl.col("w").sum())["w"]
        covered = float(counts.filter(counts >= k).sum()) / n  # rows whose code can be published
        if n_distinct <= fit_spec.max_categories and covered >= CODE_COVERAGE:
            return KindChoice(
                "categorical", "whole numbers whose name says they are codes of categories, each repeated: "
                "categorical over the codes (those held by fewer than k rows are not published)",
                rule="codes", override=_override(name, 'kind = "discrete"'),
            )
    if whole and _is_year_name(tokens) and YEAR_RANGE[0] <= lo and hi <= YEAR_RANGE[1] and n >= k * n_distinct:
        return KindChoice(kind, "whole numbers from 1000 to 2999 whose name says year: over its observed years "
                          "(years held by fewer than k rows merged into a neighbouring year)",
                          distribution="finite", rule="years", override=_override(name, 'distribution = "histogram"'))
    what = "whole numbers" if whole else "numbers"
    if n_distinct <= FEW_VALUES and n >= ROWS_PER_VALUE * k * n_distinct:
        close = n_distinct > _CLOSE * FEW_VALUES or n < 2 * ROWS_PER_VALUE * k * n_distinct
        return KindChoice(
            kind, f"{what} with at most {FEW_VALUES} distinct values and enough rows for each: over its observed "
            "values (values held by fewer than k rows merged into the nearest one)",
            distribution="finite", rule="few values",
            override=_override(name, 'distribution = "histogram"') if close else None,
        )
    if n_distinct <= 2 * FEW_VALUES and n >= ROWS_PER_VALUE * k * n_distinct:
        return KindChoice(kind, f"{what} with more than {FEW_VALUES} distinct values: the candidates compete",
                          override=_override(name, 'distribution = "finite"'))
    if float_whole:
        return KindChoice(kind, "floats that are all whole numbers (integers stored as floats): discrete",
                          override=_override(name, 'kind = "continuous"'))
    return KindChoice(kind, f"a {dtype} column: {kind}", plain=True)
