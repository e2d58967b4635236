"""Constraints at fit time: checked against the data's columns, real rows that break them
counted (and kept, dropped or refused, as the spec's ``on_violation`` says), and fixed
combinations filled in from the combinations at least k real rows hold."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from datatwin.constraints.enforce import report_entry, share_violating, violating_rows
from datatwin.constraints.kinds import Constraint, FixedCombinations, parse_constraints
from datatwin.errors import ConstraintError, DataError, DatatwinWarning
from datatwin.schema import public_kind


def _frame_kind(dtype: pl.DataType) -> str:
    """A coarse kind from a dtype, for the checks made before the columns are prepared (the
    kind the dtype alone implies; a dtype datatwin does not model counts as categorical)."""
    try:
        return public_kind(dtype)
    except ValueError:
        return "categorical"


@dataclasses.dataclass
class Prepared:
    """The constraints of a fit, the rows to fit, and how many real rows broke each one."""

    constraints: tuple[Constraint, ...]
    frame: pl.DataFrame
    broken: list[tuple[Constraint, int]]
    n_rows: int


def prepare_constraints(frame: pl.DataFrame, spec: Any, private: bool, excluded: Sequence[str]) -> Prepared:
    """Parse and check the spec's constraints against ``frame``; count the real rows breaking
    each; drop them or refuse the fit when ``spec.on_violation`` says so.

    ``private``: the policy does not let preparation read values (differential privacy): a
    failed fit would then depend on one person's row, so ``on_violation="fail"`` is refused up
    front, and fixed combinations must be declared (a public list)."""
    constraints = parse_constraints(list(spec.constraints))
    if not constraints:
        return Prepared((), frame, [], frame.height)
    kinds = {name: _frame_kind(dtype) for name, dtype in frame.schema.items()}
    for name, column in spec.columns.items():
        if getattr(column, "kind", None) is not None and name in kinds:
            kinds[name] = column.kind
    for c in constraints:
        c.check(kinds, excluded)
    if private:
        if spec.on_violation == "fail":
            raise ConstraintError(
                "spec: on_violation 'fail' is refused under differential privacy (whether the fit fails would depend "
                "on one person's row); use 'drop' or 'keep'"
            )
        for c in constraints:
            if isinstance(c, FixedCombinations) and c.combinations is None:
                raise ConstraintError(
                    f"{c.describe()}: under differential privacy the combinations seen in the data cannot be "
                    "published; declare the public list of allowed combinations ('combinations = [[...], ...]')"
                )
    height = frame.height
    broken = share_violating(frame, [c for c in constraints if _countable(c)])
    total = sum(k for _, k in broken)
    if total:
        lines = "; ".join(f"{c.describe()}: {k:,} of {frame.height:,} rows" for c, k in broken if k)
        if spec.on_violation == "fail":
            raise DataError(
                f"real rows break the constraints ({lines}); fix the data, or set on_violation to 'drop' or 'keep'"
            )
        action = "dropped before fitting" if spec.on_violation == "drop" else "kept (on_violation = 'keep'); samples still satisfy the constraints"
        if not private:  # under differential privacy even whether a warning appears would depend on one row
            warnings.warn(f"real rows break constraints ({lines}); they are {action}", DatatwinWarning, stacklevel=4)
        if spec.on_violation == "drop":
            frame = frame.filter(pl.Series(~violating_rows(frame, [c for c in constraints if _countable(c)])))
            if frame.height == 0:
                raise DataError("every row breaks a constraint, so none is left to fit; check the constraints")
    return Prepared(constraints, frame, broken, height)


def _countable(c: Constraint) -> bool:
    return not (isinstance(c, FixedCombinations) and c.combinations is None)


def finish_constraints(
    prepared: Prepared, columns: Sequence[Any], k: int, policy: str, n_rows: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The file's ``constraints`` (fixed combinations filled in) and the provenance report,
    after checking the constraints against the fitted columns' kinds."""
    kinds = {c.name: c.kind for c in columns}
    out: list[Constraint] = []
    for c in prepared.constraints:
        if isinstance(c, FixedCombinations) and c.combinations is None:
            c = dataclasses.replace(c, combinations=_seen(prepared.frame, c.columns_, columns, k))
        c.check(kinds)
        out.append(c)
    report = [report_entry(c, i, k_broken, n_rows, policy, k)
              for i, (c, k_broken) in enumerate(zip(prepared.constraints, _counts(prepared)))]
    return [c.to_dict() for c in out], report


def _counts(prepared: Prepared) -> list[int]:
    by_id = {id(c): k for c, k in prepared.broken}
    return [by_id.get(id(c), 0) for c in prepared.constraints]


def _seen(frame: pl.DataFrame, names: Sequence[str], columns: Sequence[Any], k: int) -> tuple[tuple[Any, ...], ...]:
    """The combinations of ``names`` held by at least ``k`` real rows, labels mapped as the
    model publishes them (rare labels merged into their bucket)."""
    by_name = {c.name: c for c in columns}
    exprs = []
    for name in names:
        col = by_name.get(name)
        expr = pl.col(name)
        into = (getattr(col, "rare_labels", None) or {}).get("into") if col is not None else None
        dist = getattr(col, "distribution", None)
        labels = getattr(dist, "labels", None) if dist is not None else None
        if into is not None and labels is not None:
            expr = pl.when(expr.is_null() | expr.cast(pl.String).is_in([str(v) for v in labels])).then(
                expr.cast(pl.String)).otherwise(pl.lit(str(into)))
        exprs.append(expr.alias(name))
    counts = frame.select(exprs).group_by(list(names)).len().filter(pl.col("len") >= k).sort(list(names), nulls_last=True)
    if counts.height == 0:
        raise ConstraintError(
            f"fixed_combinations of {', '.join(names)}: no combination is held by at least {k} rows, so none may be "
            "published; declare the allowed 'combinations', or lower rare_threshold"
        )
    rows = counts.drop("len").rows()
    return tuple(tuple(_plain(v) for v in r) for r in rows)


def _plain(v: Any) -> Any:
    if isinstance(v, (np.generic,)):
        return v.item()
    return v
