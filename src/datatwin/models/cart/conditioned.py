"""Conditional sampling for CART: every row meets its conditions, no rejection on them.

A sequential model cannot simply fix a column: fixing ``x_j`` changes what the columns
*before* it should look like. So candidate rows are drawn in the visit order with every
conditioned column's class drawn only among the classes its condition allows (a leaf's
probabilities restricted and renormalised), each candidate weighted by the probability its
leaves gave the allowed classes, ``w``. A candidate is accepted with probability
``w / w_max``, where ``w_max`` is the largest weight any leaf can give: that is rejection
sampling of the exact conditional law, but against the conditions' *restricted* draws, so a
condition that is rare everywhere (a rare label) is accepted at once, and only a condition
whose probability varies across earlier columns costs more candidates. Rows not accepted after
``ROUNDS`` rounds take the heaviest of their candidates by weight (sampling-importance-
resampling: every row still meets its conditions, from a law slightly closer to the
unconditioned one). A condition no leaf gives any probability fails with a clear error.

A conditioned column's value is then the condition's own value (an exact value, a value of a
set, a row of a condition frame), or — for a range — drawn from the column's marginal within
the intersection of its class and the range.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from datatwin.constraints.conditions import ColumnCondition, Conditions, cdf_interval
from datatwin.errors import ConditionError
from datatwin.models.cart.classes import ColumnClasses
from datatwin.models.cart.tree import draw_classes, label_index
from datatwin.models.columns import ColumnModel, column_rng
from datatwin.models.independent import _repeat as repeated
from datatwin.models.independent import chosen_series, clip_range, literal_series, sample_condition

if TYPE_CHECKING:  # pragma: no cover
    from datatwin.models.cart.family import CartFit

#: candidate rows drawn per requested row (first round), and per row still without one (later rounds)
CANDIDATES = 8
LATER_CANDIDATES = 64
#: rounds of acceptance before the rows left take their heaviest candidate
ROUNDS = 8


def _class_of_values(cc: ColumnClasses, col: ColumnModel, values: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """For exact values (None: missing): each value's class and its weight factor — for an
    ordered class the share of the class's probability the value holds (a continuous value:
    a density, 1 / the class's width)."""
    classes = np.zeros(len(values), dtype=np.int64)
    factor = np.ones(len(values))
    present = [i for i, v in enumerate(values) if v is not None]
    for i, v in enumerate(values):
        if v is None:
            if not cc.has_missing:
                raise ConditionError(f"condition on column {col.name!r}: the model has no missing values there")
            classes[i] = cc.missing
    if not present:
        return classes, factor
    if cc.ordered:
        lo, hi = cc.bounds()
        assert cc.cuts is not None
        for i in present:
            a, b = cdf_interval(col, ColumnCondition(col.name, "value", value=values[i]))
            a, b = float(a), float(b)  # type: ignore[assignment]
            c = int(np.searchsorted(cc.cuts, (a + b) / 2, side="left"))
            classes[i] = c
            width = hi[c] - lo[c]
            factor[i] = (b - a) / width if b > a else 1.0 / max(width, 1e-300)
    elif col.kind == "boolean":
        for i in present:
            classes[i] = int(bool(values[i]))
    else:
        index = label_index(cc)
        for i in present:
            key = (type(values[i]) is bool, values[i])
            if key not in index:
                raise ConditionError(f"condition on column {col.name!r}: {values[i]!r} is not a label of the model")
            classes[i] = index[key]
    return classes, factor


def _allowed(cc: ColumnClasses, col: ColumnModel, cond: ColumnCondition) -> np.ndarray:
    """The weight factor of each class under a value, set or range condition (0: not allowed)."""
    out = np.zeros(cc.n_classes)
    if cond.how in ("value", "set"):
        values = [cond.value] if cond.how == "value" else list(cond.values)
        classes, factor = _class_of_values(cc, col, values)
        np.add.at(out, classes, factor)
        return out
    assert cond.how == "range" and cc.ordered
    a, b = (float(v) for v in cdf_interval(col, cond))
    lo, hi = cc.bounds()
    overlap = np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)
    out[: cc.n_values] = np.where(hi > lo, overlap / np.maximum(hi - lo, 1e-300), 0.0)
    return out


def sample_conditioned(fit: CartFit, n: int, seed: np.random.SeedSequence, conditions: Conditions) -> pl.DataFrame:
    """``n`` rows meeting ``conditions``; rows whose candidates all have weight 0 (a condition
    that the earlier columns rarely allow) get more candidates, for a bounded number of rounds."""
    by_name = {c.name: c for c in fit.columns}
    picked = np.zeros((len(fit.order), n), dtype=np.int64)
    pending = np.arange(n)
    for r in range(ROUNDS):
        if not len(pending):
            break
        stream = seed if r == 0 else np.random.SeedSequence([int(seed.entropy or 0) % 2**63, 104_729, r])  # type: ignore[arg-type]
        part = conditions.take(pending)
        m = CANDIDATES if r == 0 else LATER_CANDIDATES
        drawn, log_weight, log_max = _candidates(fit, by_name, part.by_column(), len(pending), m, stream)
        chosen = _choose(log_weight.reshape(len(pending), m), log_max, column_rng(stream, "\x00cart choice"),
                         last=r == ROUNDS - 1)
        ok = chosen >= 0
        picked[:, pending[ok]] = drawn[:, np.flatnonzero(ok) * m + chosen[ok]]
        pending = pending[~ok]
    if len(pending):
        raise ConditionError(
            f"{len(pending)} of {n} rows could not be drawn meeting {conditions.describe()}: the model gives it "
            f"(almost) no probability — no candidate in {CANDIDATES + (ROUNDS - 1) * LATER_CANDIDATES} had any; "
            "relax a condition")
    last = max((j for j, name in enumerate(fit.order) if name in conditions.by_column()), default=-1)
    for j in range(last + 1, len(fit.order)):  # columns after the last condition: drawn for the chosen rows only
        name, tree = fit.order[j], fit.trees[j]
        rng = column_rng(seed, "\x00cart after:" + name)
        if tree is None:  # the first column: no condition on any CART column
            picked[j] = draw_classes(fit.classes[j].marginal(by_name[name])[None, :], np.zeros(n, dtype=np.int64), rng)
        else:
            picked[j] = tree.draw(picked, rng)
    return _values(fit, by_name, conditions.by_column(), picked, n, seed)


def _choose(log_weight: np.ndarray, log_max: np.ndarray, rng: np.random.Generator, last: bool) -> np.ndarray:
    """Per row, the first candidate accepted with probability w / w_max (-1: none); in the last
    round a row with none accepted takes one by weight (Gumbel-max), -1 only if all weigh 0."""
    accept = np.log(rng.random(log_weight.shape)) < log_weight - log_max[:, None]
    chosen = np.where(accept.any(axis=1), accept.argmax(axis=1), -1)
    if last:
        scores = log_weight + rng.gumbel(size=log_weight.shape)
        fallback = np.where(np.isfinite(scores.max(axis=1)), scores.argmax(axis=1), -1)
        chosen = np.where(chosen >= 0, chosen, fallback)
    return chosen


def _candidates(
    fit: CartFit, by_name: Mapping[str, ColumnModel], fixed: Mapping[str, ColumnCondition], n: int, m: int,
    seed: np.random.SeedSequence,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``m`` candidates per row (classes of every CART column), their log weights, and per row
    the log of the largest weight a candidate could have."""
    total = n * m
    group = np.repeat(np.arange(n), m)
    log_weight = np.zeros(total)
    log_max = np.zeros(n)
    drawn = np.zeros((len(fit.order), total), dtype=np.int64)
    last = max((j for j, name in enumerate(fit.order) if name in fixed), default=-1)
    for j, name in enumerate(fit.order[: last + 1]):  # later columns do not change the weights
        col, cc, tree = by_name[name], fit.classes[j], fit.trees[j]
        rng = column_rng(seed, "\x00cart classes:" + name)
        if tree is None:
            probs, leaf = cc.marginal(col)[None, :], np.zeros(total, dtype=np.int64)
        else:
            probs, leaf = tree.probs, tree.route(drawn)
        cond = fixed.get(name)
        if cond is None:
            drawn[j] = draw_classes(probs, leaf, rng)
            continue
        if cond.how == "rows":
            assert cond.rows is not None
            classes, factor = _class_of_values(cc, col, cond.rows.to_list())
            drawn[j] = classes[group]
            with np.errstate(divide="ignore"):
                log_weight += np.log(probs[leaf, drawn[j]] * factor[group])
                log_max += np.log(probs[:, classes].max(axis=0) * factor)
            continue
        allowed = _allowed(cc, col, cond)
        restricted = probs * allowed[None, :]
        mass = restricted.sum(axis=1)
        ok = mass > 0
        restricted[ok] /= mass[ok, None]
        restricted[~ok] = np.where(allowed > 0, 1.0, 0.0) / max(int((allowed > 0).sum()), 1)
        drawn[j] = draw_classes(restricted, leaf, rng)
        with np.errstate(divide="ignore"):
            log_weight += np.log(mass[leaf])
            log_max += np.log(mass.max())
    return drawn, log_weight, log_max


def _values(
    fit: CartFit, by_name: Mapping[str, ColumnModel], fixed: Mapping[str, ColumnCondition], picked: np.ndarray,
    n: int, seed: np.random.SeedSequence,
) -> pl.DataFrame:
    from datatwin.models.cart.classes import draw_arguments

    position = {name: j for j, name in enumerate(fit.order)}
    out: list[pl.Series] = []
    for col in fit.columns:
        cond = fixed.get(col.name)
        rng = column_rng(seed, col.name)
        j = position.get(col.name)
        if j is None:  # drawn on its own: the independent family's conditioning
            out.append(sample_condition(col, cond, n, rng) if cond is not None else col.sample(n, rng))
            continue
        cc = fit.classes[j]
        if cond is None or cond.how == "range":
            args = draw_arguments(cc, col, picked[j], column_rng(seed, "\x00cart values:" + col.name))
            if cond is not None and "uniforms" in args:
                a, b = (float(v) for v in cdf_interval(col, cond))
                lo, hi = cc.bounds()
                low = np.maximum(lo[picked[j]], a)
                high = np.maximum(np.minimum(hi[picked[j]], b), low)
                v = column_rng(seed, "\x00cart range:" + col.name).random(n)
                args["uniforms"] = np.clip(low + (high - low) * (1e-9 + (1 - 2e-9) * v), 1e-12, 1 - 1e-12)
            series = col.sample(n, rng, **args)
            out.append(clip_range(series, col, cond) if cond is not None else series)
        elif cond.how == "value":
            out.append(repeated(col, cond.value, n))
        elif cond.how == "rows":
            assert cond.rows is not None
            out.append(literal_series(col, cond.rows))
        else:  # a set: the value of the set in the drawn class (weighted by its share when several are)
            values = list(cond.values)
            classes, factor = _class_of_values(cc, col, values)
            index = _pick_in_class(classes, factor, picked[j], column_rng(seed, "\x00cart set:" + col.name))
            out.append(chosen_series(col, tuple(values), index))
    return pl.DataFrame(out)


def _pick_in_class(classes: np.ndarray, factor: np.ndarray, drawn: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each row, the index of a set value in the row's drawn class (by weight factor)."""
    match = classes[None, :] == drawn[:, None]
    w = np.where(match, factor[None, :], 0.0)
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(drawn)) * cum[:, -1]
    return (cum <= u[:, None]).sum(axis=1).clip(0, len(classes) - 1)
