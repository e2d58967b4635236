"""The model-family contract: the seam every multivariate feature hangs on.

A **family** (:class:`ModelFamily`) is a small configuration object, like a
scikit-learn estimator: its constructor only stores and validates settings; ``fit``
learns from a :class:`~datatwin.prepare.PreparedTable` under a privacy session and
returns a :class:`FittedModel`, which is plain data:

- ``sample(n, seed)`` draws ``n`` rows from a :class:`numpy.random.SeedSequence`;
- ``to_dict()`` is the family's section of the model file (``model`` in format 2),
  validated by the family's own JSON Schema fragment (:meth:`ModelFamily.json_schema`);
- ``from_dict(section, columns)`` rebuilds it from a file, with the per-column models
  (the file's ``columns``) that every family shares;
- ``summary()`` is a small polars frame for ``datatwin inspect`` and ``Model.summary()``.

The family never draws noise and never decides what may be published: it asks the
session (:mod:`datatwin.privacy`) for measurements. Families register by name
(:func:`datatwin.models.registry.register_family`); a separate package adds one through
the ``datatwin.models`` entry-point group. Every registered family must pass the shared
conformance checks of :mod:`datatwin.models.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import polars as pl

from datatwin.errors import SpecError

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from datatwin.models.columns import ColumnModel
    from datatwin.prepare import PreparedTable
    from datatwin.privacy.base import PolicySession

__all__ = ["INDEPENDENT_SCHEMA", "FittedModel", "ModelFamily", "int_setting"]

#: JSON Schema of a family's ``independent`` list: the columns it left out of the joint
#: part, each with the reason (shared by every multivariate family's section schema)
INDEPENDENT_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["column", "reason"],
        "additionalProperties": False,
        "properties": {"column": {"type": "string"}, "reason": {"type": "string"}},
    },
}


def int_setting(family: str, name: str, value: Any, low: int, high: int | None, allow_none: bool = False) -> int:
    """A family's integer setting, checked: SpecError naming the family, the setting and its range."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f">= {low}"
        extra = " or None" if allow_none else ""
        raise SpecError(f"The {name!r} parameter of {family} must be an integer {bound}{extra}. Got {value!r} instead.")
    return int(value)

#: the settings every family shares, written next to ``family`` in the file's ``model`` section
COMMON_KEYS = ("family", "criterion", "rare_threshold")


class FittedModel:
    """What a family learnt: plain data that samples, serialises and summarises itself.

    ``columns`` are the per-column models (every family publishes each column's kind,
    dtype, missing share and marginal distribution in the file's ``columns``).
    """

    family: ClassVar[str] = ""
    #: does :meth:`sample` meet ``conditions`` by itself? If not (the default), ``Model.sample``
    #: draws unconditioned rows and keeps those meeting the conditions, a bounded effort that
    #: fails with a clear error for rare conditions
    conditions_native: ClassVar[bool] = False
    columns: list[ColumnModel]

    def sample(self, n: int, seed: np.random.SeedSequence, conditions: Any = None) -> pl.DataFrame:
        """``n`` synthetic rows, every column of ``columns`` in order, from ``seed``.

        ``conditions`` (a :class:`datatwin.constraints.Conditions`, already checked against
        the columns) is passed only when ``conditions_native`` is True: each row must then
        meet it (a frame of condition rows: row ``i`` meets condition row ``i``)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The family's section of the model file, without the shared keys of COMMON_KEYS."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, section: Mapping[str, Any], columns: Sequence[ColumnModel]) -> FittedModel:
        """Rebuild from a file section already checked against :meth:`ModelFamily.json_schema`.

        Raises :class:`~datatwin.errors.ModelFileError` with the JSON path (relative to
        ``$.model``) of a field that fails a semantic check.
        """
        raise NotImplementedError

    def summary(self) -> pl.DataFrame:
        """One row per fact an auditor looks at first (a family decides which)."""
        raise NotImplementedError

    def describe(self) -> list[str]:
        """A few lines for ``datatwin inspect`` and ``repr(model)`` (default: none)."""
        return []

    def ledger_problems(self, privacy: Mapping[str, Any]) -> list[tuple[str, str]]:
        """What in the family's section the file's ``privacy`` ledger does not account for,
        as ``(message, JSON path relative to $.model)`` (default: nothing to check).

        A family that publishes released statistics checks here that each has its ledger
        line, so a hand-added measurement cannot pass for a private one."""
        return []

    def roles(self) -> dict[str, str]:
        """How the family uses each column, by name (``Model.summary()``'s ``role``)."""
        return {c.name: "independent" for c in self.columns}

    def column_lines(self, name: str) -> list[str]:
        """What the family holds about one column, readably (``datatwin inspect --column``;
        default: its role). ``name`` is one of ``columns``."""
        return [f"{name}: {self.roles().get(name, 'independent')}"]


class ModelFamily:
    """Base class of model families (constructor stores settings; ``fit`` learns).

    Subclasses set ``name`` (the file's ``model.family``) and ``fitted`` (their
    :class:`FittedModel` class), and implement :meth:`fit`. Settings are validated in
    the constructor with errors naming the parameter, so a bad setting fails before any
    data is read.
    """

    name: ClassVar[str] = ""
    fitted: ClassVar[type[FittedModel]] = FittedModel

    def fit(
        self, table: PreparedTable, session: PolicySession, progress: Callable[[str], None] | None = None
    ) -> FittedModel:
        """Learn from ``table`` under ``session``; ``progress`` is called with each column's name."""
        raise NotImplementedError

    def table_releases(self, table: PreparedTable) -> dict[str, float]:
        """Table-wide measurements this family will ask the session for, by name, with their
        budget weight relative to one column's (default: none). A private policy plans its
        budget split with them before any column is fitted."""
        return {}

    def streamed_as(self) -> str:
        """What a streamed fit (Parquet parts, a Spark DataFrame) brings to the driver for this
        family, when no constraint ties columns together:

        - ``"rows"`` (the default, which every family can fit): the table's distinct rows with
          their counts, as frequency weights;
        - ``"columns"``: each column's distinct values with counts, apart (a family that models
          every column on its own; the table is not ``aligned``);
        - ``"passes"``: the same, and :attr:`PreparedTable.rows` for passes over the rows that
          add up statistics the family chooses once it has the columns' models (the marginals
          family's tables of cells).
        """
        return "rows"

    def implied_constraints(self) -> list[dict[str, Any]]:
        """Constraints the family's settings declare, in the spec's form (``{"kind": ...}``),
        added to the spec's own before the columns are prepared (default: none). The marginals
        family declares a KeySet over several columns this way, as fixed combinations."""
        return []

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema fragment of this family's part of the file's ``model`` section (the
        keys besides ``family``, ``criterion`` and ``rare_threshold``; default: any object)."""
        return {"type": "object"}

    def settings(self) -> dict[str, Any]:
        """The constructor's settings (for ``repr`` and the spec file)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({args})"
