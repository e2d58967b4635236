"""The Gaussian copula family: every column's released marginal, tied together by one
latent Gaussian whose correlation matrix the file publishes, labelled.

Fitting, after the marginals (:func:`datatwin.models.marginals.fit_marginals`):

1. the dimensions: each column's value and, where values are missing, its missing
   indicator (:mod:`.margins`); personal data, codes and free text stay independent;
2. the order of each categorical column's labels, from measured label profiles
   (``ordering_rounds`` rounds; :func:`.statistics.order_labels`);
3. the correlation of the real rows' normal scores, measured through the privacy session
   (exact, noisy, or checked against k, as the policy says);
4. the latent correlation, calibrated so that rows drawn from the copula score that same
   correlation (:func:`.correlation.calibrate`).

Sampling is one multivariate normal draw, then each marginal's ``ppf`` (a categorical
column: the label whose slice of the latent axis the draw falls in).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import polars as pl
from scipy import special

from datatwin.constraints.conditions import Conditions
from datatwin.errors import DatatwinWarning, ModelFileError, SpecError
from datatwin.models.base import INDEPENDENT_SCHEMA, FittedModel, ModelFamily, int_setting
from datatwin.models.columns import ColumnModel, column_rng, family_rng
from datatwin.models.copula import statistics as st
from datatwin.models.copula.conditioning import condition_outputs, draw_latent, plan
from datatwin.models.copula.correlation import calibrate, correlation_problem, rounded
from datatwin.models.copula.margins import (
    Dimension,
    Levels,
    Margin,
    margin_for,
    missing_joins,
    value_joins,
    why_independent,
)
from datatwin.models.copula.rows import InMemoryScores, StreamedScores, value_lookup
from datatwin.models.independent import sample_condition, single_threaded_blas
from datatwin.models.marginals import fit_marginals
from datatwin.models.registry import register_family
from datatwin.prepare import PreparedTable
from datatwin.privacy.base import PolicySession
from datatwin.privacy.measurement import Measurement

RELEASE = "copula"
#: the fraction of the copula's budget share for each measurement of an ordering round (score moments,
#: label profiles); the rest goes to the final score moments
ORDERING_FRACTION = 0.1
#: under noise, labels are ordered in one round from label profiles alone (no whitening moments),
#: which take this fraction of the copula's budget: orders matter more than a slightly less
#: noisy final matrix, since a wrong order turns a strong association into none
NOISY_ORDERING_FRACTION = 0.4
#: a categorical column with at least this many labels is put in groups: a latent axis for its
#: group of labels, and one per group for the label within it, so that it can relate to other
#: columns in more than one direction (relationship: married or not, then husband or wife)
GROUPED_MIN_LABELS = 3
#: groups of labels of such a column (more cut the first direction too coarsely: measured on Adult)
N_GROUPS = 2



@register_family
class Copula(ModelFamily):
    """Gaussian copula over every column's marginal: keeps pairwise relationships.

    Parameters
    ----------
    calibration_steps : int, default 3
        Fixed-point steps that correct the latent correlation for discrete columns (0: the
        normal-score correlation as is).
    simulated_rows : int, default 20000
        Latent rows drawn per calibration step (common random numbers; fit stays deterministic).
    ordering_rounds : int, default 2
        Rounds of label profiles that order categorical labels (0: labels in the marginal's order).
    budget_weight : float, optional
        Under differential privacy, the copula's share of the budget relative to one
        column's (default: half the number of modelled columns, about a third of the budget).

    Examples
    --------
    >>> import numpy as np, polars as pl, datatwin as dt
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500)
    >>> frame = pl.DataFrame({"x": x, "y": x + rng.normal(scale=0.5, size=500)})
    >>> model = dt.fit(frame, family="copula")
    >>> round(float(model.sample(5000, seed=1).select(pl.corr("x", "y")).item()), 1)
    0.9
    """

    name = "copula"

    def __init__(
        self,
        *,
        calibration_steps: int = 3,
        simulated_rows: int = 20_000,
        ordering_rounds: int = 2,
        budget_weight: float | None = None,
    ) -> None:
        self.calibration_steps = int_setting("Copula", "calibration_steps", calibration_steps, 0, 50)
        self.simulated_rows = int_setting("Copula", "simulated_rows", simulated_rows, 1_000, 10_000_000)
        self.ordering_rounds = int_setting("Copula", "ordering_rounds", ordering_rounds, 0, 10)
        if budget_weight is not None and (
            isinstance(budget_weight, bool) or not isinstance(budget_weight, (int, float))
            or not math.isfinite(budget_weight) or budget_weight <= 0
        ):
            raise SpecError(f"The 'budget_weight' parameter of Copula must be a number > 0. Got {budget_weight!r} instead.")
        self.budget_weight = None if budget_weight is None else float(budget_weight)

    def settings(self) -> dict[str, Any]:
        return {
            "calibration_steps": self.calibration_steps,
            "simulated_rows": self.simulated_rows,
            "ordering_rounds": self.ordering_rounds,
            "budget_weight": self.budget_weight,
        }

    def streamed_as(self) -> str:
        """Passes: every statistic is a sum over rows of each row's scores, which are lookups of
        its values; the steps that build the scores are replayed in each pass (:mod:`.rows`)."""
        return "passes"

    def table_releases(self, table: PreparedTable) -> dict[str, float]:
        return {RELEASE: self.budget_weight if self.budget_weight is not None else max(1.0, len(table.columns) / 2)}

    def fit(
        self, table: PreparedTable, session: PolicySession, progress: Callable[[str], None] | None = None
    ) -> CopulaFit:
        with single_threaded_blas():
            columns = fit_marginals(table, session, progress)
        return _fit_copula(self, table, session, columns)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return SCHEMA


# -- fitting ------------------------------------------------------------------------------
def _dimensions(columns: Sequence[ColumnModel], grouped: bool = True) -> tuple[list[Dimension], list[dict[str, str]]]:
    dims, independent = [], []
    for col in columns:
        added = False
        if value_joins(col):
            order = tuple(col.distribution.labels) if col.kind == "categorical" else None
            if order is not None and grouped and len(order) >= GROUPED_MIN_LABELS:
                groups = tuple(len(b) for b in np.array_split(np.arange(len(order)), min(N_GROUPS, len(order))))
                dims.append(Dimension(col.name, order=order, groups=groups, group=True))
                dims.extend(Dimension(col.name, order=order, groups=groups, part=g) for g in range(len(groups)))
            else:
                dims.append(Dimension(col.name, order=order))
            added = True
        if missing_joins(col):
            dims.append(Dimension(col.name, missing=True))
            added = True
        if not added:
            independent.append({"column": col.name, "reason": why_independent(col) or "a single value: nothing to relate"})
        elif not value_joins(col):
            reason = why_independent(col) or f"{col.distribution.name}: no order a copula could use"
            independent.append({"column": col.name, "reason": f"values drawn on their own ({reason}); missingness joins"})
    return dims, independent


def _label_positions(dim: Dimension, col: ColumnModel, table: PreparedTable) -> np.ndarray:
    """Each distinct value's label position in ``dim.order`` (-1 for an unpublished label),
    then -1 for a missing value: a lookup over the column's codes (see :mod:`.rows`)."""
    prepared = table.column(dim.column)
    position = {label: i for i, label in enumerate(dim.order or ())}
    fallback = position.get((col.rare_labels or {}).get("into"), -1)
    distinct = np.array([position.get(v, fallback) for v in prepared.values.tolist()], dtype=np.int64)
    return np.append(distinct, -1)


def _initial_scores(dims: Sequence[Dimension], margins: Sequence[Margin], table: PreparedTable,
                    by_name: Mapping[str, ColumnModel]) -> InMemoryScores | StreamedScores:
    """The real rows' clipped normal scores: the matrix itself for a table in memory, the steps
    that build it for a table prepared column by column (a streamed fit)."""
    if table.aligned:
        return InMemoryScores(st.data_scores(dims, margins, table, by_name), table)
    if table.rows is None:
        raise SpecError("family 'copula' needs the table's rows (or passes over them); this table was reduced to "
                        "each column's values alone")
    scores = StreamedScores(table, len(dims))
    for j, (dim, margin) in enumerate(zip(dims, margins)):  # as st.data_scores, a lookup per column
        prepared = table.column(dim.column)
        if dim.missing:
            assert isinstance(margin, Levels)
            scores.set(j, dim.column, value_lookup(np.full(len(prepared.values), margin.scores[1]), margin.scores[0]))
        else:
            scores.set(j, dim.column, value_lookup(
                st.distinct_scores(margin, by_name[dim.column], prepared.values), 0.0))
    scores.clip()
    return scores


def _fit_copula(family: Copula, table: PreparedTable, session: PolicySession, columns: list[ColumnModel]) -> CopulaFit:
    settings = family.settings()
    by_name = {c.name: c for c in columns}
    # groups only where statistics are released as they are: under noise, more dimensions cost
    # every correlation precision, and under a group-size rule the group parts' tables are unchecked
    dims, independent = _dimensions(columns, grouped=session.releases_as_is)
    if len(dims) < 2:
        warnings.warn(
            "family copula: fewer than two columns can be related, so the copula degenerates to independent columns",
            DatatwinWarning, stacklevel=4,
        )
        return CopulaFit(columns, [], np.eye(0), independent, {"note": "fewer than two dimensions"}, settings)
    margins: list[Margin] = [margin_for(d, by_name[d.column]) for d in dims]
    x = _initial_scores(dims, margins, table, by_name)
    d = len(dims)
    profiled = st.profile_dimensions(dims, margins)
    rounds = family.ordering_rounds if profiled else 0
    n_w = x.n_rows
    fraction = ORDERING_FRACTION if rounds else 0.0  # per ordering measurement; the rest: the final moments

    def moments(what: str, share: float) -> tuple[np.ndarray, bool]:
        """The released score correlation of the current scores (suppressed pairs: 0), and
        whether it is noisy."""
        l1, l2 = st.moment_sensitivity(d)
        k = d * (d - 1) // 2
        two = [isinstance(m, Levels) and len(m.probs) == 2 for m in margins]
        middle = [float((m.scores[0] + m.scores[1]) / 2) if t else 0.0 for m, t in zip(margins, two)]  # type: ignore[attr-defined]
        stat = st.MomentStatistic(two, middle)
        added = x.add_up(stat, [], stat.size(d))
        sums, cells = added[: k + 2 * d], st.smallest_cells(added[k + 2 * d:], two)
        released = session.measure(Measurement(
            release=RELEASE, what=f"score moments of {d} dimensions (products, sums, squares) and the row count{what}",
            values=np.concatenate([sums, [n_w]]), l1=l1 + 1.0, l2=math.hypot(l2, 1.0),
            fraction=share, group_sizes=np.concatenate([cells, np.full(2 * d + 1, n_w)]),
        ))
        corr = st.correlation_from_sums(released.values[:-1], d, float(released.values[-1]), released.noise_sd)
        if released.suppressed is not None and released.suppressed[:k].any():
            upper = np.triu_indices(d, 1)
            hidden = released.suppressed[:k]
            corr[upper[0][hidden], upper[1][hidden]] = corr[upper[1][hidden], upper[0][hidden]] = 0.0
        return corr, released.noise_sd > 0

    used = 0.0
    if rounds and session.adds_noise:
        _order_under_noise(dims, margins, x, profiled, by_name, table, session, n_w)
        used = NOISY_ORDERING_FRACTION
        rounds = 0
    for r in range(rounds):
        current, noisy = moments(f", for ordering labels, round {r + 1}", fraction)
        used += 2 * fraction
        released = session.measure(_profile_request(dims, x, profiled, by_name, table, fraction, r + 1))
        _reorder(dims, margins, x, profiled, by_name, table, released.values, n_w, current)
        if any(dim is None for dim in dims):  # a column left its groups: drop its group axes
            keep = [k for k, dim in enumerate(dims) if dim is not None]
            dims[:], margins[:] = [dims[k] for k in keep], [margins[k] for k in keep]
            x.keep(keep)
            d = len(dims)
            profiled = st.profile_dimensions(dims, margins)
        x.clip()
        if noisy:  # under noise a second round buys little: the rest of the budget goes to the final moments
            break
    target, _ = moments("", 1.0 - used)
    missing_of = {j: m for j, dim in enumerate(dims) if not dim.missing
                  for m, other in enumerate(dims) if other.missing and other.column == dim.column}
    parts = group_parts(dims)

    def simulate(w: np.ndarray) -> np.ndarray:
        return st.score_correlation(st.clip_rows(latent_scores(w, margins, missing_of, parts)))

    # a column's own axes (value, group of labels, missing indicator) stay independent: the
    # marginal is then exact, and a missing value has no label
    zero = np.zeros((d, d), dtype=bool)
    for a in range(d):
        for b in range(d):
            zero[a, b] = a != b and dims[a].column == dims[b].column
    z = np.random.default_rng(0).standard_normal((family.simulated_rows, d))
    with single_threaded_blas():
        latent, error = calibrate(target, simulate, family.calibration_steps, z, zero)
    calibration = {"steps": family.calibration_steps, "simulated_rows": family.simulated_rows,
                   "max_abs_error": round(error, 4)}
    return CopulaFit(columns, dims, rounded(latent), independent, calibration, settings)


def _profile_request(
    dims: list[Dimension], x: InMemoryScores | StreamedScores, profiled: list[int], by_name: Mapping[str, ColumnModel],
    table: PreparedTable, fraction: float, round_: int, over: Sequence[int] | None = None,
) -> Measurement:
    """The label profiles of the ``profiled`` dimensions over the score columns of ``x`` (or
    over the dimensions ``over`` only, clipped on their own)."""
    d = x.d if over is None else len(over)
    levels = {j: (dims[j].column, _label_positions(dims[j], by_name[dims[j].column], table), len(dims[j].order or ()))
              for j in profiled}
    stat = st.ProfileStatistic(levels, None if over is None else list(over))
    added = x.add_up(stat, [c for c, _, _ in levels.values()], stat.size(d))
    n_sums = sum(n for _, _, n in levels.values()) * d
    l1, l2 = st.profile_sensitivity(d, len(profiled))
    counts = added[n_sums:]
    sizes, offset = [], 0
    for _, (_, _, n) in sorted(levels.items()):
        sizes.append(np.repeat(counts[offset:offset + n], d))
        offset += n
    return Measurement(
        release=RELEASE, what=f"label profiles of {len(profiled)} categorical column(s), round {round_}",
        values=added[:n_sums], l1=l1, l2=l2, fraction=fraction, group_sizes=np.concatenate(sizes),
    )


def _reorder(
    dims: list[Dimension], margins: list[Margin], x: InMemoryScores | StreamedScores, profiled: list[int],
    by_name: Mapping[str, ColumnModel], table: PreparedTable, released: np.ndarray, n_w: float,
    correlation: np.ndarray | None, profile_dims: Sequence[int] | None = None, noise_sd: float = 0.0,
) -> None:
    """Order each profiled column's labels from its released profile (over ``profile_dims``
    of the dimensions, default all), and rescore its dimension in ``x`` (in place)."""
    over = list(range(len(dims))) if profile_dims is None else list(profile_dims)
    offset = 0
    for j in sorted(profiled):
        n_labels = len(dims[j].order or ())
        block = released[offset : offset + n_labels * len(over)].reshape(n_labels, len(over))
        offset += n_labels * len(over)
        own = [i for i, k in enumerate(over) if dims[k] is not None and dims[k].column == dims[j].column]
        counts = np.asarray(margins[j].probs) * n_w  # type: ignore[attr-defined]
        order, name = dims[j].order or (), dims[j].column
        rescored = [j]
        if not dims[j].group:
            perm = st.order_labels(block, counts, own, correlation, noise_sd)
            dims[j] = Dimension(name, order=tuple(order[i] for i in perm))
        else:
            # the column's counts are per label, not per group
            counts = np.asarray(margin_for(Dimension(name, order=order), by_name[name]).probs) * n_w  # type: ignore[attr-defined]
            perm, sizes = st.group_labels(block, counts, own, N_GROUPS, correlation)
            new_order = tuple(order[i] for i in perm)
            mine = [k for k, dim in enumerate(dims) if dim is not None and dim.column == name and dim.part is not None]
            if len(sizes) == 1:  # one axis expresses it best: its group parts go (see _fit_copula)
                dims[j] = Dimension(name, order=new_order)
                for k in mine:
                    dims[k] = None  # type: ignore[call-overload]
            else:
                dims[j] = Dimension(name, order=new_order, groups=sizes, group=True)
                for g, k in enumerate(mine):
                    dims[k] = Dimension(name, order=new_order, groups=sizes, part=g)
                rescored += mine
        for k in rescored:
            margins[k] = margin_for(dims[k], by_name[dims[k].column])
            pos = _label_positions(dims[k], by_name[dims[k].column], table)
            x.set(k, dims[k].column, np.where(pos >= 0, margins[k].label_scores[np.maximum(pos, 0)], 0.0))  # type: ignore[attr-defined]


def _order_under_noise(
    dims: list[Dimension], margins: list[Margin], x: InMemoryScores | StreamedScores, profiled: list[int],
    by_name: Mapping[str, ColumnModel], table: PreparedTable, session: PolicySession, n_w: float,
) -> None:
    """One ordering round for a noisy session: profiles over the dimensions whose order is
    already meaningful (numbers, two-label columns, missing indicators) only, clipped on their
    own, so each row moves them less; labels along the first principal component of the
    profiles (no whitening moments to pay for)."""
    fixed = [k for k in range(len(dims)) if k not in set(profiled) and dims[k].part is None]
    if not fixed:
        return
    request = _profile_request(dims, x, profiled, by_name, table, NOISY_ORDERING_FRACTION, 1, over=fixed)
    released = session.measure(request)
    _reorder(dims, margins, x, profiled, by_name, table, released.values, n_w, None, fixed, released.noise_sd)
    x.clip()



#: the most entries of a column in groups' lookup of labels by (group, part levels) (see _group_lookup)
_GROUP_TABLE_CELLS = 1 << 16
#: rows of latent draws handled at a time when sampling (see CopulaFit.sample)
LATENT_BLOCK_ROWS = 1 << 16


def _row_blocks(n: int) -> list[tuple[int, int]]:
    return [(start, min(n, start + LATENT_BLOCK_ROWS)) for start in range(0, max(n, 1), LATENT_BLOCK_ROWS)] if n else [(0, 0)]


def _latent_outputs(dims: Sequence[Dimension], by_name: Mapping[str, ColumnModel], n: int) -> dict[str, dict[str, Any]]:
    """Empty arrays for what :func:`_read_latent` says about ``n`` rows, to be filled block by block."""
    out: dict[str, dict[str, Any]] = {}
    for dim in dims:
        entry = out.setdefault(dim.column, {})
        if dim.missing:
            entry["missing"] = np.empty(n, dtype=bool)
        elif dim.part is None:
            if by_name[dim.column].kind == "categorical":
                entry["codes"] = np.empty(n, dtype=np.uint32)  # what the column gathers its labels by
            else:
                entry["uniforms"] = np.empty(n)
    return out


def _read_latent(dims: Sequence[Dimension], by_name: Mapping[str, ColumnModel], w: np.ndarray,
                 cache: dict[int, Any] | None = None, into: dict[str, dict[str, Any]] | None = None,
                 at: slice = slice(None)) -> dict[str, dict[str, Any]]:
    """What the latent draws ``w`` (dimensions x rows) say for each column: a missing mask,
    label codes, or uniforms for the marginal's ppf. ``cache`` keeps each dimension's margin
    (and label map) from one block of rows to the next; with ``into`` (from
    :func:`_latent_outputs`) the answers are written into its rows ``at`` rather than new arrays."""
    n = w.shape[1]
    cache = {} if cache is None else cache
    drawn: dict[str, dict[str, Any]] = {}
    if into is not None:
        drawn = {name: {key: array[at] for key, array in entry.items()} for name, entry in into.items()}

    def margin_of(j: int) -> Any:
        if j not in cache:
            cache[j] = margin_for(dims[j], by_name[dims[j].column])
        return cache[j]

    for j, dim in enumerate(dims):
        col = by_name[dim.column]
        margin = margin_of(j)
        entry = drawn.setdefault(dim.column, {})
        if dim.missing:
            if into is None:
                entry["missing"] = margin.level(w[j]) == 0
            elif len(margin.cuts) == 1:  # level 0 is at or below the one cut: one comparison
                np.less_equal(w[j], float(margin.cuts[0]), out=entry["missing"])
            else:
                np.equal(margin.level(w[j]), 0, out=entry["missing"])
        elif dim.part is not None:
            continue  # read with its group axis
        elif col.kind == "categorical":  # the label whose slice of the latent axis w falls in
            if -1 - j not in cache:
                index = {label: i for i, label in enumerate(col.distribution.labels)}
                cache[-1 - j] = np.array([index[label] for label in dim.order or ()], dtype=np.uint32)
            to_label = cache[-1 - j]
            level = margin.level(w[j])
            if dim.group:  # the group drawn, then the label in that group's own axis
                key = -1 - j - len(dims)
                if key not in cache:
                    cache[key] = _group_lookup(dims, j, to_label, margin_of)
                parts, table = cache[key]
                if table is None:  # too many combinations to tabulate: each group's label where drawn
                    index = np.zeros(n, dtype=np.intp)
                    for k, _ in parts:
                        within = margin_of(k)
                        np.copyto(index, within.start + within.level(w[k]), where=level == dims[k].part)
                    table = to_label
                else:
                    # one index per row over (group, each part's level), then one lookup: whole-row
                    # arithmetic is cheaper than gathering each group's rows or choosing among arrays
                    stride = table.size // len(parts)
                    index = level * stride
                    for k, size in parts:
                        stride //= size
                        index += margin_of(k).level(w[k]) * stride
                if into is None:
                    entry["codes"] = table[index]
                else:
                    np.take(table, index, out=entry["codes"], mode="clip")
            elif into is None:
                entry["codes"] = to_label[level]
            else:  # 'clip': numpy buffers ``out`` under the default 'raise' (levels are in range)
                np.take(to_label, level, out=entry["codes"], mode="clip")
        elif into is None:  # the marginal's ppf (a boolean: True above the cut at 1 - p)
            entry["uniforms"] = special.ndtr(w[j])
        else:
            special.ndtr(w[j], out=entry["uniforms"])
    return drawn


def _group_lookup(dims: Sequence[Dimension], j: int, to_label: np.ndarray, margin_of: Callable[[int], Any]
                  ) -> tuple[list[tuple[int, int]], np.ndarray | None]:
    """For the group axis ``j`` of a column in groups: its parts as (dimension, levels), and the
    label code of every (group, level on part 1, level on part 2, ...): the part of the row's
    group says which label it is. No table (None) beyond ``_GROUP_TABLE_CELLS`` entries."""
    parts = sorted(((other.part, k) for k, other in enumerate(dims)
                    if other.column == dims[j].column and other.part is not None))
    margins = [margin_of(k) for _, k in parts]
    sizes = [m.size for m in margins]
    if len(sizes) * math.prod(sizes) > _GROUP_TABLE_CELLS:
        return [(k, size) for (_, k), size in zip(parts, sizes)], None
    grids = np.indices(sizes).reshape(len(sizes), -1)  # every combination of part levels
    table = np.concatenate([to_label[m.start + grids[g]] for g, m in enumerate(margins)])
    return [(k, size) for (_, k), size in zip(parts, sizes)], table


def group_parts(dims: Sequence[Dimension]) -> dict[int, int]:
    """For each group part of a categorical column in groups, the index of its group axis."""
    return {j: g for j, dim in enumerate(dims) if dim.part is not None
            for g, other in enumerate(dims) if other.group and other.column == dim.column}


def _with_group_labels(dims: list[Dimension]) -> list[Dimension]:
    """The file writes a column's labels and groups once, on its group axis: copy them onto its parts."""
    axis = {d.column: d for d in dims if d.group}
    return [Dimension(d.column, order=axis[d.column].order, groups=axis[d.column].groups, part=d.part)
            if d.part is not None and d.column in axis else d for d in dims]


def latent_scores(
    w: np.ndarray, margins: Sequence[Margin], missing_of: Mapping[int, int], parts: Mapping[int, int] | None = None
) -> np.ndarray:
    """Scores of the rows latent draws ``w`` become; a value whose missing indicator fires scores 0,
    a group part whose group is not drawn too."""
    out = np.empty_like(w)
    parts = parts or {}
    for j, margin in enumerate(margins):
        out[:, j] = margin.latent_scores(w[:, j])
        if j in parts:
            g = parts[j]
            out[margins[g].level(w[:, g]) != margin.dimension.part, j] = 0.0  # type: ignore[attr-defined]
    for j, m in missing_of.items():
        gone = margins[m].level(w[:, m]) == 0  # type: ignore[attr-defined]
        out[gone, j] = 0.0
    return out


# -- the fitted model ---------------------------------------------------------------------
class CopulaFit(FittedModel):
    """Per-column marginals, the copula's dimensions and their latent correlation matrix."""

    family: ClassVar[str] = "copula"
    conditions_native: ClassVar[bool] = True

    def __init__(
        self,
        columns: list[ColumnModel],
        dimensions: list[Dimension],
        correlation: np.ndarray,
        independent: list[dict[str, str]],
        calibration: dict[str, Any],
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.columns = columns
        self.dimensions = dimensions
        self.correlation = np.asarray(correlation, dtype=float)
        self.independent = independent
        self.calibration = calibration
        self.settings = settings or {}

    # -- sampling ------------------------------------------------------------------------
    def sample(self, n: int, seed: np.random.SeedSequence, conditions: Conditions | None = None) -> pl.DataFrame:
        by_name = {c.name: c for c in self.columns}
        present = {c.name for c in self.columns}
        dims = [d for d in self.dimensions if d.column in present]
        keep = [i for i, d in enumerate(self.dimensions) if d.column in present]
        drawn: dict[str, dict[str, Any]] = {}
        fixed = conditions.by_column() if conditions is not None else {}
        joint = {d.column for d in dims}
        conditioned = Conditions(tuple(c for c in fixed.values() if c.column in joint)) if fixed else None
        plan_ = None
        if dims:
            with single_threaded_blas():
                corr = self.correlation[np.ix_(keep, keep)]
                rng = family_rng(seed, self.family)
                if conditioned is not None and conditioned.columns:
                    plan_ = plan(dims, by_name, conditioned, n, rng)
                    drawn = _read_latent(dims, by_name, draw_latent(corr, plan_.bounds, n, rng))
                else:
                    # in row blocks that stay in cache (one d x n block costs page faults and
                    # memory traffic that dominate); one row per dimension within a block
                    chol = np.linalg.cholesky(corr)
                    cache: dict[int, Any] = {}
                    drawn = _latent_outputs(dims, by_name, n)
                    for start, stop in _row_blocks(n):
                        w = chol @ rng.standard_normal((len(dims), stop - start))
                        _read_latent(dims, by_name, w, cache, into=drawn, at=slice(start, stop))
        if plan_ is not None:
            for name, mask in plan_.missing.items():
                drawn.setdefault(name, {})["missing"] = mask
        out = []
        for col in self.columns:
            rng_c = column_rng(seed, col.name)
            if col.name in fixed and col.name not in joint:  # drawn on its own: its truncated marginal
                out.append(sample_condition(col, fixed[col.name], n, rng_c))
                continue
            series = col.sample(n, rng_c, **drawn.get(col.name, {}))
            out.append(condition_outputs(plan_, col, series) if plan_ is not None and col.name in fixed else series)
        return pl.DataFrame(out)

    # -- the model file --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "dimensions": [dim.to_dict() for dim in self.dimensions],
            "correlation": {
                "labels": [dim.label for dim in self.dimensions],
                "matrix": [[float(v) for v in row] for row in self.correlation],
            },
        }
        if self.independent:
            d["independent"] = self.independent
        d["calibration"] = self.calibration
        if self.settings:
            d["settings"] = self.settings
        return d

    @classmethod
    def from_dict(cls, section: Mapping[str, Any], columns: Sequence[ColumnModel]) -> CopulaFit:
        by_name = {c.name: c for c in columns}
        dims = _with_group_labels([Dimension.from_dict(d) for d in section["dimensions"]])
        seen: set[tuple[str, str]] = set()
        for i, dim in enumerate(dims):
            where = f"$.dimensions[{i}]"
            col = by_name.get(dim.column)
            if col is None:
                raise ModelFileError(f"column {dim.column!r} is not among the file's columns", where + ".column")
            if (dim.column, dim.kind) in seen or (dim.column, "value") in seen and dim.kind.startswith("group") or (
                    dim.kind == "value" and (dim.column, "group") in seen):
                raise ModelFileError(f"column {dim.column!r} has this dimension twice (a column in groups has a "
                                     "group axis and one part per group instead of a value dimension)", where)
            seen.add((dim.column, dim.kind))
            if dim.part is not None:
                if dim.groups is None:
                    raise ModelFileError(f"column {dim.column!r} has a group part but no group axis before it "
                                         "(a dimension with 'groups')", where)
                if not 0 <= dim.part < len(dim.groups):
                    raise ModelFileError(f"column {dim.column!r} has {len(dim.groups)} groups, so 'part' must be "
                                         f"1 to {len(dim.groups)}", where + ".part")
                continue
            if dim.missing:
                if not 0.0 < col.prop_missing < 1.0:
                    raise ModelFileError(
                        f"column {dim.column!r} has a missing indicator but prop_missing is {col.prop_missing:g}; "
                        "remove the dimension (and its row and column of the matrix) or set prop_missing", where,
                    )
                continue
            if not value_joins(col):
                raise ModelFileError(
                    f"column {dim.column!r} ({col.distribution.name if col.distribution else 'no distribution'}) "
                    "cannot be a copula dimension; remove it from the dimensions and the matrix", where,
                )
            labels = list(col.distribution.labels) if col.kind == "categorical" else None
            if labels is not None:
                if dim.order is None or sorted(map(repr, dim.order)) != sorted(map(repr, labels)):
                    raise ModelFileError(
                        f"'order' must list the labels of column {dim.column!r}'s distribution, each once "
                        f"(the distribution has {labels[:6]}{'...' if len(labels) > 6 else ''})", where + ".order",
                    )
            elif dim.order is not None:
                raise ModelFileError(f"only a categorical column has an 'order'; column {dim.column!r} is {col.kind}",
                                     where + ".order")
            if dim.group:
                groups = dim.groups or ()
                if len(groups) < 2 or min(groups) < 1 or sum(groups) != len(dim.order or ()):
                    raise ModelFileError(
                        f"'groups' of column {dim.column!r} must be two or more group sizes (each >= 1) that add up "
                        f"to its {len(dim.order or ())} labels, taken in 'order'", where + ".groups",
                    )
                parts = sorted(p.part for p in dims if p.column == dim.column and p.part is not None)
                if parts != list(range(len(groups))):
                    raise ModelFileError(
                        f"column {dim.column!r} has {len(groups)} groups, so it needs one dimension with 'part' for "
                        f"each of 1 to {len(groups)}, once", where + ".groups",
                    )
        corr = section["correlation"]
        labels = [dim.label for dim in dims]
        if list(corr["labels"]) != labels:
            raise ModelFileError(f"the labels must name the dimensions in order: {labels}", "$.correlation.labels")
        matrix = corr["matrix"]
        if len(matrix) != len(dims) or any(len(row) != len(dims) for row in matrix):
            raise ModelFileError(f"the matrix must be {len(dims)} x {len(dims)}, one row and column per dimension",
                                 "$.correlation.matrix")
        r = np.asarray(matrix, dtype=float).reshape(len(dims), len(dims))
        problem = correlation_problem(r)
        if problem is not None:
            raise ModelFileError(f"the correlation matrix {problem}", "$.correlation.matrix")
        for i, entry in enumerate(section.get("independent", [])):
            if entry["column"] not in by_name:
                raise ModelFileError(f"column {entry['column']!r} is not among the file's columns",
                                     f"$.independent[{i}].column")
        return cls(list(columns), dims, r, list(section.get("independent", [])), dict(section.get("calibration", {})),
                   dict(section.get("settings", {})))

    # -- reading it --------------------------------------------------------------------------
    def strongest(self, k: int = 10) -> list[tuple[str, str, float]]:
        """The ``k`` dimension pairs with the largest absolute latent correlation."""
        labels = [dim.label for dim in self.dimensions]
        upper = np.triu_indices(len(labels), 1)
        values = self.correlation[upper]
        order = np.argsort(-np.abs(values), kind="stable")[:k]
        return [(labels[upper[0][i]], labels[upper[1][i]], float(values[i])) for i in order]

    def summary(self) -> pl.DataFrame:
        pairs = self.strongest(len(self.dimensions) ** 2)
        return pl.DataFrame(
            {"dimension_a": [a for a, _, _ in pairs], "dimension_b": [b for _, b, _ in pairs],
             "correlation": [r for _, _, r in pairs]},
            schema={"dimension_a": pl.String, "dimension_b": pl.String, "correlation": pl.Float64},
        )

    def describe(self) -> list[str]:
        n_missing = sum(1 for d in self.dimensions if d.missing)
        grouped = [d for d in self.dimensions if d.group]
        n_values = sum(1 for d in self.dimensions if d.kind == "value")
        lines = [
            f"family copula: {len(self.dimensions)} dimensions ({n_values} column values, "
            + (f"{len(grouped)} categorical columns in groups with {len(self.dimensions) - n_values - n_missing} axes, "
               if grouped else "")
            + f"{n_missing} missing indicators) in one Gaussian copula"
        ]
        for d in grouped:
            blocks, start = [], 0
            for size in d.groups or ():
                blocks.append(", ".join(map(str, (d.order or ())[start : start + size][:4]))
                              + (", ..." if size > 4 else ""))
                start += size
            lines.append(f"{d.column}: labels in groups " + " | ".join(f"[{b}]" for b in blocks))
        if self.independent:
            lines.append("drawn on their own: " + ", ".join(f"{e['column']} ({e['reason']})" for e in self.independent))
        strongest = self.strongest(5)
        if strongest:
            lines.append("strongest correlations: " + ", ".join(f"{a} ~ {b} {r:+.2f}" for a, b, r in strongest))
        return lines

    def roles(self) -> dict[str, str]:
        value = {d.column for d in self.dimensions if not d.missing}
        missing = {d.column for d in self.dimensions if d.missing}
        out = {}
        for c in self.columns:
            if c.name in value:
                out[c.name] = "copula" + (" (and its missingness)" if c.name in missing else "")
            elif c.name in missing:
                out[c.name] = "independent values, missingness in the copula"
            else:
                out[c.name] = "independent"
        return out


SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["dimensions", "correlation"],
    "additionalProperties": False,
    "properties": {
        "dimensions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["column"],
                "additionalProperties": False,
                "properties": {
                    "column": {"type": "string", "minLength": 1},
                    "missing": {"const": True},
                    "order": {"type": "array", "minItems": 2},
                    "groups": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2},
                    "part": {"type": "integer", "minimum": 1},
                },
            },
        },
        "correlation": {
            "type": "object",
            "required": ["labels", "matrix"],
            "additionalProperties": False,
            "properties": {
                "labels": {"type": "array", "items": {"type": "string"}},
                "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "number", "minimum": -1, "maximum": 1}}},
            },
        },
        "independent": INDEPENDENT_SCHEMA,
        "calibration": {"type": "object"},
        "settings": {"type": "object"},
    },
}

Copula.fitted = CopulaFit  # defined after the family, which names it
