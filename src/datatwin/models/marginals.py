"""Each column's marginal model: the per-column release every family publishes.

A prepared column (:mod:`datatwin.prepare`) goes to the privacy session, which releases
what may be published about it; the distribution is chosen by an information criterion
(maximum likelihood) where the policy allows, and the column's model-file entry
(:class:`~datatwin.models.columns.ColumnModel`) is assembled from the release."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from datatwin.distributions import (
    Distribution,
    distribution_from_dict,
    get_distribution_class,
    select_distribution,
)
from datatwin.errors import ColumnError, DistributionError
from datatwin.models.columns import ColumnModel
from datatwin.prepare import PreparedColumn, PreparedTable
from datatwin.prepare.kinds import KindChoice
from datatwin.prepare.personalcolumn import finish
from datatwin.privacy.base import ColumnData, Estimate, PolicySession
from datatwin.privacy.microaggregation import parameter_numbers
from datatwin.schema import ColumnSpec, FitSpec


def column_data(column: PreparedColumn, fit_spec: FitSpec) -> ColumnData:
    """The column as the privacy session sees it: distinct values with counts."""
    return ColumnData(
        name=column.name, kind=column.kind, dtype=column.value_dtype, values=column.values, counts=column.counts,
        n_rows=column.n_rows, n_missing=column.n_missing, spec=column.spec, fit_spec=fit_spec,
        categories=column.categories, inferred_unique=column.inferred_unique,
    )


#: families that publish no value held by fewer than k rows and cannot be fitted with fewer
#: rows: forced by a spec on too small a column, they give way to the usual choice
K_ANONYMOUS = ("histogram", "finite")

#: how many times the session's output check may send coded value counts back to be refitted
MAX_REVIEWS = 3


def released_estimate(data: ColumnData, session: PolicySession) -> Estimate:
    """The column's marginal from what the session releases: built from noisy statistics by
    the session, or fitted here by maximum likelihood on released value counts and then
    checked by the session (which may send coded counts back to be fitted again)."""
    release = session.release_column(data)
    if release.estimate is not None:
        return release.estimate
    assert release.data is not None
    counts = release.data
    for _ in range(MAX_REVIEWS):
        est = fit_value_counts(counts)
        checked = session.review(counts, est)
        if isinstance(checked, Estimate):
            return dataclasses.replace(checked, rare_labels=release.rare_labels) if release.rare_labels else checked
        counts = checked
    raise ColumnError(data.name, "the privacy policy kept refusing what was fitted")  # pragma: no cover


def fit_marginal(column: PreparedColumn, fit_spec: FitSpec, session: PolicySession) -> ColumnModel:
    """One column's model-file entry: missing share, uniqueness and distribution, as released."""
    try:
        est = released_estimate(column_data(column, fit_spec), session)
    except DistributionError as exc:
        raise ColumnError(column.name, str(exc)) from None
    distribution, selection = est.distribution, est.selection
    if column.special is not None:
        distribution, selection = finish(column.special, distribution, selection)
    if column.kind_choice is not None and not column.kind_choice.plain:
        selection = with_kind_reason(selection, column.kind_choice)
    note = session.text_note(column.text_note) if column.text_note is not None else None
    if note is not None:  # why a date-like column stayed text, or how many values became missing
        selection = {**(selection or {"method": "all missing"}), "text_format": note}
    return ColumnModel(
        name=column.name, kind=column.kind, dtype=column.dtype, categories=column.categories,
        description=column.spec.description,
        text_format=column.text_format.to_dict() if column.text_format else None,
        prop_missing=est.prop_missing, unique=est.unique, distribution=distribution, selection=selection,
        rare_labels=est.rare_labels, released=est.counts,
    )


def with_kind_reason(selection: dict[str, Any] | None, choice: KindChoice) -> dict[str, Any]:
    """The column's selection with why its kind was chosen (``kind``), the rule that chose its
    distribution as the ``method`` (instead of "spec"), and a spec override when the choice was
    close (``override``). Reasons never quote a value of the data."""
    if choice.plain:
        return selection or {}
    out = dict(selection or {})
    if choice.rule is not None and out.get("method") == "spec":
        out["method"] = f"rule: {choice.rule}"
    out["kind"] = choice.reason
    if choice.override is not None:
        out["override"] = choice.override
    return out


def fit_marginals(
    table: PreparedTable, session: PolicySession, progress: Callable[[str], None] | None = None
) -> list[ColumnModel]:
    """Every prepared column's marginal, in order; ``progress`` is called after each."""
    out = []
    for column in table.columns:
        out.append(fit_marginal(column, table.spec, session))
        if progress is not None:
            progress(column.name)
    return out


def fit_value_counts(data: ColumnData) -> Estimate:
    """Maximum likelihood on released value counts: the distribution forced by the spec, or
    the one the information criterion chooses among the kind's candidates."""
    spec, fit_spec = data.spec, data.fit_spec
    prop_missing = data.n_missing / data.n_rows if data.n_rows else 0.0
    if data.n_present == 0:
        return Estimate(distribution=None, prop_missing=1.0 if data.n_rows else 0.0, unique=False)
    unique = spec.unique if spec.unique is not None else data.inferred_unique
    dist, selection = _choose_distribution(data.values, data.counts, data.kind, unique, spec, fit_spec)
    return Estimate(distribution=dist, prop_missing=prop_missing, unique=unique, selection=selection)


def _fixed_parameters(spec: ColumnSpec) -> bool:
    return isinstance(spec.distribution, dict) and spec.distribution.get("parameters") is not None


def _choose_distribution(
    values: np.ndarray, counts: np.ndarray, kind: str, unique: bool, spec: ColumnSpec, fit_spec: FitSpec
) -> tuple[Distribution, dict[str, Any]]:
    forced = spec.distribution
    if _fixed_parameters(spec):
        dist = distribution_from_dict(forced)
        _check_kind(dist.name, kind)
        return dist, {"method": "spec"}
    note = None
    if forced is not None:
        name = forced if isinstance(forced, str) else forced["name"]
        _check_kind(name, kind)
        try:
            sel = select_distribution(
                values, counts, kind, criterion=fit_spec.criterion, candidates=(name,),
                empirical_bins=fit_spec.empirical_bins, literal_threshold=fit_spec.rare_threshold, unique=unique,
            )
        except DistributionError as exc:
            if name not in K_ANONYMOUS:
                raise
            # too few rows for the k-rule (a histogram of 7 rows): the usual choice, and say so
            note = f"the spec's {name} cannot be fitted ({exc}); chosen among the candidates instead"
        else:
            # one distinct value is always 'constant', whatever was forced: say so
            return sel.best, {"method": "single value" if sel.best.name == "constant" and name != "constant" else "spec"}
    if unique and kind == "discrete" and _key_like(values):  # unique: no repeats, checked by the caller
        return get_distribution_class("unique_key").fit(values, counts), {"method": "unique"}
    if kind == "categorical" and len(values) > 1:  # zero-count Enum labels stay
        dist = get_distribution_class("categorical").fit(values, counts)
        return dist, {"method": "only candidate"}
    sel = select_distribution(
        values, counts, kind, criterion=fit_spec.criterion, empirical=fit_spec.empirical,
        empirical_bins=fit_spec.empirical_bins, literal_threshold=fit_spec.rare_threshold, unique=unique,
    )
    scores = {k: _round_score(v) for k, v in sel.scores.items() if not math.isnan(v)}
    scores = _without_range_scores(scores, sel, values)
    extra: dict[str, Any] = {}
    if sel.excluded:  # fitted, but not allowed to win (unreadable parameters, implausible tails)
        extra["excluded"] = dict(sel.excluded)
    if note is not None:
        extra["note"] = note
    if len(scores) <= 1:
        return sel.best, {"method": "only candidate", **extra}
    return sel.best, {"method": sel.criterion, "scores": scores, **extra}


def _without_range_scores(scores: dict[str, float], sel: Any, values: np.ndarray) -> dict[str, float]:
    """Scores of candidates fitted on the real range are left out when the winner does not
    publish that range itself (issue 10, item 6): a bounded candidate's score is a function
    of its bounds (the discrete uniform's BIC is n log(max − min + 1) + …), so Adult's fnlwgt
    range could be solved from it even though a log-normal won."""
    if values.dtype.kind not in "iuf" or not len(values):
        return scores
    extremes = np.array([float(values.min()), float(values.max())])
    if np.isin(parameter_numbers(sel.best), extremes).any():
        return scores  # the winner publishes the real range anyway
    return {
        name: v for name, v in scores.items()
        if name not in sel.fits or not np.isin(parameter_numbers(sel.fits[name]), extremes).any()
    }


def _key_like(values: np.ndarray) -> bool:
    """Distinct integers look like a key (1, 2, 3, ... or dense IDs) when a smooth
    distribution over their range would have produced repeats: expected collisions
    n^2 / (2 * range) >= 5 (the birthday bound). Twelve distinct salaries are not a key."""
    n = len(values)
    span = float(values.max()) - float(values.min()) + 1
    return n * n / (2 * span) >= 5


def _round_score(v: float) -> float:
    return round(v, 2)  # readable, and fine enough that different scores stay different


def _check_kind(name: str, kind: str) -> None:
    cls = get_distribution_class(name)
    if kind not in cls.kinds:
        raise DistributionError(f"distribution {name!r} cannot model a {kind} column (it models {', '.join(cls.kinds)})")


