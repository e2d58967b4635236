"""Columns computed by a ``formula`` constraint: never modelled by a family (no marginal, no
privacy budget), written in the file's ``columns`` as ``{"name", "kind", "dtype",
"computed": {"formula": ...}}`` at their place in the table, and computed after sampling
(:func:`datatwin.constraints.enforce.apply_formulas`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import polars as pl

from datatwin.constraints.kinds import Constraint, FormulaConstraint
from datatwin.errors import ModelFileError
from datatwin.schema import dtype_from_str, dtype_to_str, public_kind


@dataclasses.dataclass(frozen=True)
class ComputedColumn:
    """A formula's target column: its name, kind, dtype, formula and place in the output."""

    name: str
    kind: str
    dtype: str
    formula: str
    #: position among the output columns (the file's ``columns`` order)
    index: int
    description: str | None = None

    @property
    def polars_dtype(self) -> pl.DataType:
        return dtype_from_str(self.dtype)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "kind": self.kind, "dtype": self.dtype}
        if self.description is not None:
            d["description"] = self.description
        d["computed"] = {"formula": self.formula}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], index: int) -> ComputedColumn:
        return cls(d["name"], d["kind"], d["dtype"], d["computed"]["formula"], index, d.get("description"))


def split_computed(frame: pl.DataFrame, constraints: Sequence[Constraint], kinds: dict[str, str]) -> tuple[pl.DataFrame, list[ComputedColumn]]:
    """``frame`` without the formula columns, and those columns' entries (dtype and place
    as in ``frame``; ``kinds``: the spec's kind where it gives one)."""
    formulas = {c.column: c.expression for c in constraints if isinstance(c, FormulaConstraint)}
    if not formulas:
        return frame, []
    out = [
        ComputedColumn(name, kinds.get(name) or public_kind(frame.schema[name]), dtype_to_str(frame.schema[name]),
                       formulas[name], i)
        for i, name in enumerate(frame.columns) if name in formulas
    ]
    return frame.drop(list(formulas)), out


def reindex(computed: Sequence[ComputedColumn], order: Sequence[str]) -> list[ComputedColumn]:
    """``computed`` with each index the column's place in ``order`` (the output's columns,
    computed ones included: the input table's order without the columns not modelled)."""
    place = {name: i for i, name in enumerate(order)}
    return [dataclasses.replace(c, index=place[c.name]) for c in computed if c.name in place]


def with_computed(frame: pl.DataFrame, computed: Sequence[ComputedColumn]) -> pl.DataFrame:
    """``frame`` (the family's draw) with an empty column of each computed column's dtype at
    its place, ready for :func:`~datatwin.constraints.enforce.apply_formulas`."""
    if not computed:
        return frame
    names = list(frame.columns)
    for c in sorted(computed, key=lambda c: c.index):
        names.insert(min(c.index, len(names)), c.name)
    frame = frame.with_columns([pl.lit(None, dtype=c.polars_dtype).alias(c.name) for c in computed])
    return frame.select(names)


def interleave(entries: Sequence[dict[str, Any]], computed: Sequence[ComputedColumn]) -> list[dict[str, Any]]:
    """The file's ``columns``: the modelled entries with the computed ones at their places."""
    out = list(entries)
    for c in sorted(computed, key=lambda c: c.index):
        out.insert(min(c.index, len(out)), c.to_dict())
    return out


def check_computed(computed: Sequence[ComputedColumn], constraints: Sequence[Constraint], file: str | None) -> None:
    """Every computed entry has its formula constraint, with the same expression;
    ModelFileError naming the column otherwise."""
    formulas = {c.column: c.expression for c in constraints if isinstance(c, FormulaConstraint)}
    for c in computed:
        path = f"$.columns[{c.index}].computed"
        if c.name not in formulas:
            raise ModelFileError(
                f"column {c.name!r} is marked computed ({c.formula!r}) but no formula constraint computes it; add "
                f"{{\"kind\": \"formula\", \"column\": {c.name!r}, \"expression\": {c.formula!r}}} to the constraints "
                "or remove the column", path, file, c.name,
            )
        if formulas[c.name] != c.formula:
            raise ModelFileError(
                f"column {c.name!r} is computed as {c.formula!r} but its formula constraint says "
                f"{formulas[c.name]!r}; make them the same", path, file, c.name,
            )
        try:
            dtype = dtype_from_str(c.dtype)
        except ValueError as exc:
            raise ModelFileError(str(exc), f"$.columns[{c.index}].dtype", file, c.name) from None
        if not (dtype.is_numeric()) or c.kind not in ("continuous", "discrete"):
            raise ModelFileError(
                f"column {c.name!r} is computed by a formula, so it must be a number (kind continuous or discrete, "
                f"a numeric dtype); got kind {c.kind!r}, dtype {c.dtype!r}", f"$.columns[{c.index}]", file, c.name,
            )
