"""The independent family: every column its own distribution, missing share and
uniqueness. The smallest, most auditable model (the metasyn approach, faster) — and it
keeps no relationship between columns."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

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


class IndependentFit(FittedModel):
    """Per-column models only; nothing about how columns relate."""

    family: ClassVar[str] = "independent"

    def __init__(self, columns: list[ColumnModel]) -> None:
        self.columns = columns

    def sample(self, n: int, seed: np.random.SeedSequence, conditions: Any = None) -> pl.DataFrame:
        with single_threaded_blas():
            return pl.DataFrame(sample_independently(self.columns, n, seed))

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

    def fit(
        self, table: PreparedTable, session: PolicySession, progress: Callable[[str], None] | None = None
    ) -> IndependentFit:
        with single_threaded_blas():
            return IndependentFit(fit_marginals(table, session, progress))

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {"type": "object", "properties": {}, "additionalProperties": False}
