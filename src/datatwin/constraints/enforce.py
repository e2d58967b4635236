"""Enforcing constraints when sampling, from the model file alone.

Formula columns are computed from the drawn columns (never drawn themselves). Every other
constraint, and the conditions of a family that cannot condition on its own, are met by
**bounded, vectorised resampling**: the offending rows are redrawn (several candidates per
row, from child seeds of the sample seed) and replaced, for at most :data:`ROUNDS` rounds;
then a :class:`~datatwin.errors.SamplingError` says how many rows could be produced and which
constraint is too tight. Never a loop that can spin forever; same seed, same rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import polars as pl

from datatwin.constraints.conditions import Conditions
from datatwin.constraints.kinds import Constraint, FormulaConstraint, formula_order
from datatwin.errors import SamplingError

#: resampling rounds before giving up
ROUNDS = 12
#: at most this many candidate rows per offending row in one round
MAX_COPIES = 64
#: at most this many candidate rows per requested row in one round (memory bound)
MAX_ROWS_FACTOR = 4

Draw = Callable[[int, np.random.SeedSequence, "Conditions | None"], pl.DataFrame]


def child_seed(seed: np.random.SeedSequence, round_: int) -> np.random.SeedSequence:
    """The seed of resampling round ``round_``: new entropy derived from ``seed`` (families key
    their streams on the entropy, so a spawn key alone would replay the first draw)."""
    words = [int(w) for w in seed.generate_state(4)]
    return np.random.SeedSequence([*words, 0xC0457, round_])


def apply_formulas(frame: pl.DataFrame, constraints: Sequence[Constraint]) -> pl.DataFrame:
    """``frame`` with every formula column computed from the others, in the column's dtype
    (a whole-number column holds the rounded value; a missing input gives missing)."""
    for f in formula_order(constraints):
        dtype = frame.schema[f.column]
        value = f.computed()
        if dtype.is_integer():
            value = value.round(0)
        frame = frame.with_columns(value.cast(dtype, strict=False).alias(f.column))
    return frame


def checked(constraints: Sequence[Constraint]) -> list[Constraint]:
    """The constraints met by resampling (all but formulas, which are computed)."""
    return [c for c in constraints if not isinstance(c, FormulaConstraint)]


def satisfied(frame: pl.DataFrame, constraints: Sequence[Constraint], conditions: Conditions | None = None) -> np.ndarray:
    """Boolean per row: every constraint (and condition, when given) holds."""
    exprs = [c.ok(frame.schema) for c in checked(constraints)]
    if conditions is not None:
        exprs.append(conditions.holds())
    if not exprs:
        return np.ones(frame.height, dtype=bool)
    return frame.select(pl.all_horizontal(exprs).fill_null(True)).to_series().to_numpy().astype(bool)


def broken_counts(frame: pl.DataFrame, constraints: Sequence[Constraint], conditions: Conditions | None = None) -> list[tuple[str, int]]:
    """(what, rows breaking it) for each checked constraint and the conditions."""
    named = [(c.describe(), c.ok(frame.schema)) for c in checked(constraints)]
    if conditions is not None:
        named.append((f"the condition {conditions.describe()}", conditions.holds()))
    if not named or frame.height == 0:
        return []
    counts = frame.select([(~e.fill_null(True)).sum().alias(str(i)) for i, (_, e) in enumerate(named)]).row(0)
    return [(what, int(k)) for (what, _), k in zip(named, counts)]


def sample_constrained(
    draw: Draw,
    n: int,
    seed: np.random.SeedSequence,
    constraints: Sequence[Constraint],
    conditions: Conditions | None = None,
    *,
    check_conditions: bool = False,
    checked: Conditions | None = None,
) -> pl.DataFrame:
    """``n`` rows from ``draw`` that satisfy ``constraints`` (and ``conditions`` where
    ``check_conditions``: a family that cannot condition by itself), by bounded resampling.
    ``checked``: conditions never handed to ``draw``, only checked on its rows (a column the
    family does not draw as such, e.g. an inequality's high built from a difference)."""
    test = conditions if check_conditions else None
    if checked is not None:
        test = checked if test is None else Conditions(test.columns + checked.columns, test.n_rows or checked.n_rows)
    frame = apply_formulas(draw(n, seed, conditions), constraints)
    ok = satisfied(frame, constraints, test.take(np.arange(n)) if test is not None else None)
    bad = np.flatnonzero(~ok)
    rate = max(float(ok.mean()) if n else 1.0, 1.0 / MAX_COPIES)
    last: pl.DataFrame | None = None
    last_conditions: Conditions | None = None
    for round_ in range(ROUNDS):
        if bad.size == 0:
            return frame
        copies = max(1, min(MAX_COPIES, math.ceil(2.0 / rate), (MAX_ROWS_FACTOR * n + 1000) // bad.size))
        rows = np.repeat(bad, copies)
        wanted = conditions.take(rows) if conditions is not None else None
        extra = apply_formulas(draw(rows.size, child_seed(seed, round_), wanted), constraints)
        good = satisfied(extra, constraints, test.take(rows) if test is not None else None).reshape(bad.size, copies)
        rate = max(float(good.mean()), 1.0 / MAX_COPIES)
        found = good.any(axis=1)
        if found.any():
            pick = np.flatnonzero(found) * copies + good[found].argmax(axis=1)
            index = np.arange(n)
            index[bad[found]] = n + np.arange(int(found.sum()))
            frame = pl.concat([frame, extra[pick]], how="vertical").select(frame.columns)[index]
        bad = bad[~found]
        last, last_conditions = extra, (test.take(rows) if test is not None else None)
    if bad.size == 0:
        return frame
    counts = broken_counts(last, constraints, last_conditions) if last is not None else []
    tight = max(counts, key=lambda t: t[1])[0] if counts else "the constraints"
    advice = (
        "widen it, or use a family that conditions by construction (independent, copula)"
        if tight.startswith("the condition") else
        "loosen or remove it, or condition on its columns (conditions=...) so the family draws them by construction"
    )
    raise SamplingError(
        f"could produce only {n - bad.size:,} of the {n:,} rows asked for: {tight} is too tight for the model "
        f"(after {ROUNDS} rounds of redrawing the rows that broke it, {bad.size:,} still did); {advice}"
    )


def share_violating(frame: pl.DataFrame, constraints: Sequence[Constraint]) -> list[tuple[Constraint, int]]:
    """For each constraint, how many rows of a real ``frame`` break it (formulas: rows whose
    value differs from the formula's)."""
    if not constraints:
        return []
    counts = frame.select([(~c.ok(frame.schema).fill_null(True)).sum().alias(str(i)) for i, c in enumerate(constraints)]).row(0)
    return [(c, int(k)) for c, k in zip(constraints, counts)]


def violating_rows(frame: pl.DataFrame, constraints: Sequence[Constraint]) -> np.ndarray:
    """Boolean per row of a real frame: some constraint (formulas included) is broken."""
    if not constraints:
        return np.zeros(frame.height, dtype=bool)
    return ~frame.select(pl.all_horizontal([c.ok(frame.schema).fill_null(True) for c in constraints])).to_series().to_numpy().astype(bool)


def report_entry(constraint: Constraint, index: int, broken: int, n_rows: int, policy: str, k: int) -> dict[str, Any]:
    """The fit-time line for the model file's provenance: the share of real rows breaking
    ``constraint`` where the policy allows publishing it: ``policy`` "private" (a policy that
    keeps values from preparation: differential privacy) publishes nothing, "disclosure"
    no count below k."""
    entry: dict[str, Any] = {"constraint": index, "what": constraint.describe()}
    if policy == "private":  # differential privacy: not even "none"
        entry["violating"] = "not published under differential privacy"
    elif policy == "disclosure" and 0 < broken < k:
        entry["violating"] = f"fewer than {k} rows"
    else:
        entry["violating_share"] = round(broken / n_rows, 6) if n_rows else 0.0
    return entry
