"""The independent family: every column its own distribution, missing share and
uniqueness. The smallest, most auditable model (the metasyn approach, faster) — and it
keeps no relationship between columns."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from datatwin.constraints.conditions import ColumnCondition, Conditions, cdf_interval
from datatwin.errors import ConditionError
from datatwin.models.base import FittedModel, ModelFamily
from datatwin.models.columns import ColumnModel, column_rng
from datatwin.models.marginals import fit_marginals
from datatwin.models.registry import register_family
from datatwin.prepare import PreparedTable
from datatwin.privacy.base import PolicySession


def single_threaded_blas() -> threadpool_limits:
    """Fits work on distinct values (small arrays): BLAS threads only add start-up and
    contention cost there (measured: 10x slower on a busy 2-core machine)."""
    return threadpool_limits(limits=1, user_api="blas")


def sample_independently(columns: Sequence[ColumnModel], n: int, root: np.random.SeedSequence) -> list[pl.Series]:
    """Each column drawn on its own stream, keyed by its name (so dropping or reordering
    columns does not change the others)."""
    return [col.sample(n, column_rng(root, col.name)) for col in columns]


def literal_series(col: ColumnModel, values: pl.Series) -> pl.Series:
    """Condition values (in the values' own dtype, nulls for missing) as the column's output
    dtype (a column of dates written as text: rendered as the source wrote them)."""
    fmt = col.parsed_format()
    dtype = fmt.polars_dtype if fmt is not None else col.polars_dtype
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        values = values.cast(pl.String)
    try:
        out = values.cast(dtype, strict=True)
    except Exception:
        raise ConditionError(f"condition on column {col.name!r}: {values.head(3).to_list()} cannot be values of dtype {col.dtype}") from None
    return (fmt.render(out) if fmt is not None else out).alias(col.name)


def _repeat(col: ColumnModel, value: Any, n: int) -> pl.Series:
    if value is None:
        return pl.repeat(None, n, dtype=col.polars_dtype, eager=True).alias(col.name)
    return literal_series(col, pl.Series([value])).gather(pl.Series(np.zeros(n, dtype=np.uint32)))


def set_weights(col: ColumnModel, cond: ColumnCondition) -> np.ndarray:
    """The marginal probability of each value of a ``set`` condition (None: missing)."""
    dist = col.distribution
    present = 1.0 - col.prop_missing
    weights = []
    for v in cond.values:
        if v is None:
            weights.append(col.prop_missing)
        elif col.kind == "categorical":
            weights.append(present * float(dict(zip(dist.labels, dist.probs)).get(v, 0.0)))
        elif col.kind == "boolean":
            weights.append(present * (float(dist.p) if v else 1.0 - float(dist.p)))
        else:
            a, b = cdf_interval(col, ColumnCondition(col.name, "value", value=v))
            weights.append(present * max(float(b) - float(a), 0.0))
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        raise ConditionError(f"condition {cond.describe()} has probability 0 under the model of column {col.name!r}")
    return w / w.sum()


def pick(values: tuple[Any, ...], weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices into ``values`` drawn with ``weights``."""
    cum = np.cumsum(weights)
    return np.searchsorted(cum / cum[-1], rng.random(n), side="right").clip(0, len(values) - 1)


def chosen_series(col: ColumnModel, values: tuple[Any, ...], index: np.ndarray) -> pl.Series:
    """The values ``values[index]`` as the column's output (None: missing)."""
    table = literal_series(col, pl.Series(list(values), strict=False))
    return table.gather(pl.Series(index.astype(np.uint32)))


def clip_range(series: pl.Series, col: ColumnModel, cond: ColumnCondition) -> pl.Series:
    """Values drawn by ``ppf`` on a cdf interval, clipped to the range against rounding."""
    if col.kind not in ("continuous", "discrete") or col.text_format is not None:
        return series
    return series.clip(cond.low, cond.high)


def sample_condition(col: ColumnModel, cond: ColumnCondition, n: int, rng: np.random.Generator) -> pl.Series:
    """``n`` values of ``col`` meeting ``cond``: fixed, or drawn from the truncated marginal
    (ppf on the condition's cdf interval); never by rejection."""
    if cond.how == "value":
        return _repeat(col, cond.value, n)
    if cond.how == "rows":
        assert cond.rows is not None
        return literal_series(col, cond.rows)
    if cond.how == "set":
        return chosen_series(col, cond.values, pick(cond.values, set_weights(col, cond), n, rng))
    a, b = cdf_interval(col, cond)
    u = float(a) + (1.0 - rng.random(n)) * (float(b) - float(a))
    series = col.sample(n, rng, uniforms=u, missing=np.zeros(n, dtype=bool))
    return clip_range(series, col, cond)


class IndependentFit(FittedModel):
    """Per-column models only; nothing about how columns relate."""

    family: ClassVar[str] = "independent"
    conditions_native: ClassVar[bool] = True

    def __init__(self, columns: list[ColumnModel]) -> None:
        self.columns = columns

    def sample(self, n: int, seed: np.random.SeedSequence, conditions: Conditions | None = None) -> pl.DataFrame:
        with single_threaded_blas():
            if conditions is None:
                return pl.DataFrame(sample_independently(self.columns, n, seed))
            fixed = conditions.by_column()
            return pl.DataFrame([
                sample_condition(col, fixed[col.name], n, column_rng(seed, col.name)) if col.name in fixed
                else col.sample(n, column_rng(seed, col.name))
                for col in self.columns
            ])

    def to_dict(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_dict(cls, section: Mapping[str, Any], columns: Sequence[ColumnModel]) -> IndependentFit:
        return cls(list(columns))

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame({"family": ["independent"], "what": ["columns drawn independently"],
                             "value": [float(len(self.columns))]})

    def describe(self) -> list[str]:
        return [
            "family independent: every column is drawn on its own, so no relationship between columns is kept "
            "(use family copula to keep them)"
        ]


@register_family
class Independent(ModelFamily):
    """Every column drawn on its own: marginals only, no relationships.

    Examples
    --------
    >>> import polars as pl, datatwin as dt
    >>> model = dt.fit(pl.DataFrame({"x": [1, 2, 2, 3, 5, 8]}), family=dt.families.Independent())
    >>> model.family
    'independent'
    """

    name = "independent"
    fitted = IndependentFit

    def streamed_as(self) -> str:
        return "columns"  # each column on its own: no combination of values is ever needed

    def fit(
        self, table: PreparedTable, session: PolicySession, progress: Callable[[str], None] | None = None
    ) -> IndependentFit:
        with single_threaded_blas():
            return IndependentFit(fit_marginals(table, session, progress))

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {"type": "object", "properties": {}, "additionalProperties": False}
