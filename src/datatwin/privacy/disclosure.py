"""Statistical disclosure control: no released count below k, no real extreme value.

The rules of thumb that statistical offices apply before research output leaves a secure
environment (Brandt et al., 2010, *Guidelines for the checking of output based on
microdata research*, ESSnet SDC / Eurostat; Bond, Brandt & de Wolf, 2015, *Guidelines
for output checking*, Eurostat; Hundepool et al., 2012, *Statistical Disclosure
Control*, Wiley), applied to every parameter of the model file:

- **No count below k.** Categorical labels held by fewer than ``k`` rows are merged
  (the rare-label rule of :mod:`datatwin.privacy.rare_labels` at ``max(k, rare_threshold)``); a
  remainder that would still be under ``k`` rows, a boolean value held by fewer than
  ``k`` rows are recoded to the column's most frequent value, a missing count between 1
  and ``k - 1`` to a present value; a column with fewer than ``k`` values is suppressed (released as all
  missing). Point masses and the rest of a point-mass mixture need ``k`` rows each.
- **No real extreme.** Maxima and minima are not released (Brandt et al., 2010, "maxima,
  minima"): numeric and temporal values below the mean of the ``k`` smallest rows are
  bottom-coded to that mean, values above the mean of the ``k`` largest top-coded to it
  (micro-aggregation of the extremes), before the model family fits them; what it
  fits is checked again (:meth:`review`). Keys,
  text lengths and the rest of a point-mass mixture get the same treatment.
- **No published literal from fewer than k rows.** ``keep_rare``, a categorical
  distribution forced on free text and the ``empirical`` histogram (its bin edges are
  real quantiles) are refused.

Every coding, merge, recoding and suppression is one ledger line (no privacy cost: this
policy makes no formal guarantee). See ``docs/privacy.md``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from datatwin.distributions import select_distribution
from datatwin.errors import PrivacyError
from datatwin.privacy.base import (
    ColumnData,
    ColumnRelease,
    Estimate,
    PolicySession,
    PrivacyPolicy,
    TableInfo,
    register_policy,
)
from datatwin.privacy.ledger import LedgerEntry
from datatwin.privacy.measurement import Measurement, Released
from datatwin.privacy.microaggregation import NUMERIC_KINDS, TEMPORAL_KINDS, TailCoding, parameter_numbers
from datatwin.privacy.rare_labels import merge_rare_labels

__all__ = ["DisclosureControl"]

#: slack on "weight x rows >= k": weights are floats that went through a division
_COUNT_TOL = 1e-6


@register_policy
class DisclosureControl(PrivacyPolicy):
    """Statistical disclosure control: every released count comes from at least ``k``
    rows, and no real minimum or maximum is released.

    Parameters
    ----------
    k : int, default 10
        The fewest rows behind any released count, point mass, label or extreme
        (10 is the usual output-checking threshold). An integer >= 2.
    top_coding : bool, default True
        Bottom- and top-code numeric columns at the means of their ``k`` most extreme
        rows before fitting. With False, numeric columns are fitted on their real values
        and coded only when the fitted parameters would contain a real extreme; temporal
        columns are always coded (every temporal family publishes its range).

    Examples
    --------
    >>> import datatwin as dt
    >>> policy = dt.privacy.DisclosureControl(k=10)
    >>> policy.describe()
    'disclosure: no count below k=10, extremes micro-aggregated (top/bottom coding on)'
    """

    name = "disclosure"

    def __init__(self, k: int = 10, *, top_coding: bool = True) -> None:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 2:
            raise PrivacyError(
                "The 'k' parameter of DisclosureControl must be an integer >= 2 (the fewest rows behind any "
                f"released count; 10 is usual). Got {k!r} instead."
            )
        if not isinstance(top_coding, (bool, np.bool_)):
            raise PrivacyError(f"The 'top_coding' parameter of DisclosureControl must be True or False. Got {top_coding!r} instead.")
        self.k = int(k)
        self.top_coding = bool(top_coding)

    def start(self, table: TableInfo) -> PolicySession:
        if table.n_rows < self.k:
            raise PrivacyError(
                f"disclosure control with k={self.k} needs at least {self.k} rows, but the table has "
                f"{table.n_rows:g}: every statistic would describe fewer than k rows. Use more data or a smaller k."
            )
        spec = table.fit_spec
        if spec is not None:
            if spec.empirical:
                raise PrivacyError(
                    "spec: 'empirical = true' adds the binned empirical distribution, whose bin edges are real "
                    "values (quantiles) of the data, which disclosure control does not release; set empirical = false"
                )
            for name in table.columns:
                _check_column_spec(name, spec.columns.get(name), self.k)
        return _DisclosureSession(self.k, self.top_coding)

    def describe(self) -> str:
        coding = "on" if self.top_coding else "off"
        return f"disclosure: no count below k={self.k}, extremes micro-aggregated (top/bottom coding {coding})"

    def __repr__(self) -> str:
        return f"DisclosureControl(k={self.k}, top_coding={self.top_coding})"


def _forced_name(spec: Any) -> str | None:
    d = getattr(spec, "distribution", None)
    return d if isinstance(d, str) or d is None else d.get("name")


def _fixed_parameters(spec: Any) -> bool:
    d = getattr(spec, "distribution", None)
    return isinstance(d, dict) and d.get("parameters") is not None


def _check_column_spec(name: str, spec: Any, k: int) -> None:
    """Refuse the spec options that would publish something held by fewer than k rows."""
    if spec is None:
        return
    if spec.keep_rare:
        raise PrivacyError(
            f"column {name!r}: keep_rare publishes labels held by fewer than k={k} rows, which disclosure "
            "control forbids; remove keep_rare for this column, or fit without the disclosure policy"
        )
    if _forced_name(spec) == "empirical" and not _fixed_parameters(spec):
        raise PrivacyError(
            f"column {name!r}: the 'empirical' histogram publishes real values (quantiles) as bin edges, which "
            "disclosure control does not release; force another distribution or none"
        )


class _DisclosureSession(PolicySession):
    def __init__(self, k: int, top_coding: bool) -> None:
        self.k = k
        self.top_coding = top_coding
        self.ledger: list[LedgerEntry] = []
        #: columns whose values were coded, with their coded bounds (means, safe to publish)
        self._safe: dict[str, tuple[Any, Any]] = {}
        #: unique columns fitted on coded (so repeating) values: unique again once fitted
        self._unique: set[str] = set()

    def text_note(self, note: str) -> str | None:
        # "3 of 2003 value(s) do not parse": a count that may be below k
        return None

    def _note(self, what: str, mechanism: str) -> None:
        self.ledger.append(LedgerEntry(what, mechanism))

    def privacy_section(self) -> dict[str, Any]:
        return {
            "policy": DisclosureControl.name,
            "settings": {"k": self.k, "top_coding": self.top_coding},
            "ledger": [e.to_dict() for e in self.ledger],
        }

    # -- table-wide statistics ---------------------------------------------------------
    def measure(self, request: Measurement) -> Released:
        """Exact values, except entries that describe between 1 and k - 1 rows: suppressed
        (released as 0, flagged), so no released number describes a group smaller than k."""
        sizes = request.group_sizes
        if sizes is None:
            return Released(request.values)
        small = (np.asarray(sizes) > 0) & (np.asarray(sizes) < self.k)
        if not small.any():
            return Released(request.values)
        self._note(
            f"{request.release}: {request.what}: {int(small.sum())} value(s) describing fewer than {self.k} rows "
            "suppressed", "suppression",
        )
        return Released(np.where(small, 0.0, request.values), 0.0, small)

    # -- one column ------------------------------------------------------------------
    def release_column(self, data: ColumnData) -> ColumnRelease:
        """The column's value counts after the input rules (suppression, recoding, rare
        labels, micro-aggregated tails); :meth:`review` checks what is fitted from them."""
        k, name, spec = self.k, data.name, data.spec
        _check_column_spec(name, spec, k)
        if data.kind == "string" and _forced_name(spec) == "categorical" and not _fixed_parameters(spec):
            raise PrivacyError(
                f"column {name!r}: a categorical distribution on free text publishes every text as a label; model "
                "the column as kind 'categorical' (labels held by fewer than k rows are merged) or let it be text"
            )
        # labels are merged (and 'pattern' keeps literals) at this threshold
        fit_spec = dataclasses.replace(
            data.fit_spec, rare_threshold=max(k, data.fit_spec.rare_threshold), empirical=False
        )
        data = dataclasses.replace(data, fit_spec=fit_spec)
        if data.n_present == 0:
            return ColumnRelease(data=data)
        if data.n_present < k:
            self._note(f"{name}: fewer than {k} rows have a value; values suppressed (released as all missing)", "suppression")
            return ColumnRelease(estimate=Estimate(distribution=None, prop_missing=1.0, unique=False))
        # missing rows first: they may only join a value that is published anyway
        data, round_missing = self._missing(data)
        if round_missing:  # the missing share is released as 0: the family sees no missing rows
            data = dataclasses.replace(data, n_missing=0.0, n_rows=data.n_present)
        rare = None
        if data.kind == "boolean":
            data = self._recode_rare_boolean(data)
        elif data.kind == "categorical" and not _fixed_parameters(spec):
            data = self._recode_rare_labels(data)
            data, record = merge_rare_labels(data)
            rare = record.to_dict() if record is not None else None
            self._note_rare_labels(name, rare)
        if _fixed_parameters(spec) or data.kind not in NUMERIC_KINDS + TEMPORAL_KINDS:
            return ColumnRelease(data=data, rare_labels=rare)
        unique = spec.unique if spec.unique is not None else data.inferred_unique
        if unique or (not self.top_coding and data.kind in NUMERIC_KINDS):
            return ColumnRelease(data=data)  # fitted on the real values first: review() decides
        return ColumnRelease(data=self._coded(data))

    def review(self, data: ColumnData, estimate: Estimate) -> Estimate | ColumnData:
        """Output checking: no real extreme, no point mass or key range from fewer than k
        rows, no text length range, no score that gives a range away."""
        if _fixed_parameters(data.spec) or data.n_present == 0:
            return estimate
        if data.kind in NUMERIC_KINDS or data.kind in TEMPORAL_KINDS:
            if data.name in self._safe:  # fitted on coded values
                if data.name in self._unique:
                    estimate = dataclasses.replace(estimate, unique=True)
                return self._check_mixture(data, estimate, safe=self._safe[data.name])
            dist = estimate.distribution
            if dist is not None and dist.name == "unique_key":
                return self._protect_key(data, estimate)
            if not self.top_coding and data.kind in NUMERIC_KINDS:
                tails = TailCoding.of(data.values, data.counts, data.kind, self.k)
                if not np.isin(parameter_numbers(dist), tails.beyond(data.values)).any():
                    # scored on the real values: a bounded candidate's score gives away the real range
                    return _without_scores(self._check_mixture(data, estimate, safe=()))
                self._note(f"{data.name}: {dist.name} would publish a real extreme; refitted on coded values", "micro-aggregation")
            return self._coded(data)
        if data.kind == "string":
            # random_string's score gives away the real length range, whichever family wins
            return _without_scores(self._protect_lengths(data, estimate))
        return estimate

    def _coded(self, data: ColumnData) -> ColumnData:
        """Values below the mean of the k smallest / above the mean of the k largest coded to those means."""
        tails = TailCoding.of(data.values, data.counts, data.kind, self.k)
        coded = dataclasses.replace(data, values=tails.values, counts=tails.counts)
        self._note_tails(data.name, tails, "")
        spec = data.spec
        if (spec.unique if spec.unique is not None else data.inferred_unique):
            # coded tails repeat; the key path and the duplicate check must not see them
            coded = dataclasses.replace(coded, spec=dataclasses.replace(spec, unique=False), inferred_unique=False)
            self._unique.add(data.name)
        self._safe[data.name] = (tails.lo, tails.hi)
        return coded

    # -- counts ------------------------------------------------------------------
    def _missing(self, data: ColumnData) -> tuple[ColumnData, bool]:
        """A missing count between 1 and k-1 is released as 0. The missing rows are recoded to
        a present value, so that every ratio in the file (a label's or shape's probability) is
        over the public row count and the small count cannot be recomputed (issue 10, item 3).
        The target is the most frequent value when it is published anyway (held by enough
        rows); otherwise a value that stays under the threshold after the recoding (so no
        literal from fewer than k real rows appears), the middle one of them, not an extreme.
        Only when no value qualifies is the missing share alone set to 0."""
        m = data.n_missing
        if not 0 < m < self.k:
            return data, False
        if data.kind == "discrete" and (data.spec.unique if data.spec.unique is not None else data.inferred_unique):
            # recoding would make a key repeat (and the key path refuse the column): every key
            # is held by one row, so no ratio over the present rows is published but the density,
            # whose range is micro-aggregated (found by tests/privacy/test_neighbours.py)
            self._note(f"{data.name}: missing share released as 0", "suppression")
            return data, True
        need = data.fit_spec.rare_threshold if data.kind in ("categorical", "string") else self.k
        i = int(np.argmax(data.counts))
        if data.counts[i] < need:
            small = np.flatnonzero(data.counts + m < need)
            if small.size == 0:
                self._note(f"{data.name}: missing share released as 0", "suppression")
                return data, True
            i = int(small[len(small) // 2])
        counts = data.counts.astype(float if data.counts.dtype.kind == "f" or m != int(m) else np.int64, copy=True)
        counts[i] += m if counts.dtype.kind == "f" else int(m)
        # the line names no count, not even "fewer than k" (docs/privacy.md: the ledger never
        # states how many rows were recoded)
        self._note(f"{data.name}: missing values recoded to a present value (missing share released as 0)", "recoding")
        return dataclasses.replace(data, counts=counts, n_missing=0.0), False

    def _recode_rare_boolean(self, data: ColumnData) -> ColumnData:
        small = (data.counts > 0) & (data.counts < self.k)
        if not small.any() or len(data.counts) < 2:
            return data
        keep = int(np.argmax(data.counts))
        gone = [str(v) for v, s in zip(data.values.tolist(), small) if s and v != data.values[keep]]
        counts = np.zeros_like(data.counts)
        counts[keep] = data.counts.sum()
        self._note(
            f"{data.name}: value {', '.join(gone)} held by fewer than {self.k} rows; recoded to {data.values[keep]}",
            "recoding",
        )
        return dataclasses.replace(data, counts=counts)

    def _recode_rare_labels(self, data: ColumnData) -> ColumnData:
        """Rare labels go to the rare-label merge, except where the merged remainder
        would itself be a count below k, and for Enum columns (whose 'spread' would publish
        per-category averages below k): there they are recoded to the most frequent label."""
        threshold, counts, name = data.fit_spec.rare_threshold, data.counts, data.name
        rare = (counts > 0) & (counts < threshold)
        if not rare.any():
            return data
        enum = data.categories is not None
        common = counts >= threshold
        if not common.any():  # every label is rare
            if enum:  # the declared categories, uniformly: nothing of the counts is released
                self._note(
                    f"{name}: every category is held by fewer than {threshold} rows; released as uniform over "
                    "the declared categories", "suppression",
                )
                return dataclasses.replace(data, counts=np.full(len(counts), float(threshold)))
            if data.dtype in ("String", "Categorical"):
                return data  # the rare-label merge puts all of them into one label (>= k rows)
            raise PrivacyError(
                f"column {name!r}: every label is held by fewer than {threshold} rows, so disclosure control can "
                "release none of them; model the column as kind 'discrete' or 'string', or exclude it"
            )
        remainder = float(counts[rare].sum())
        if remainder >= self.k and not enum:
            return data
        mode = int(np.argmax(counts))
        new = counts.astype(float if counts.dtype.kind == "f" else np.int64, copy=True)
        new[mode] += new[rare].sum()
        new[rare] = 0
        why = "Enum categories are not merged into a new label" if enum else f"together fewer than {self.k} rows"
        self._note(
            f"{name}: {int(rare.sum())} label(s) held by fewer than {threshold} rows recoded to the most frequent "
            f"label {data.values[mode]!r} ({why})", "recoding",
        )
        keep = new > 0 if not enum else np.ones(len(new), dtype=bool)  # Enum: every category stays
        return dataclasses.replace(data, values=data.values[keep], counts=new[keep])

    def _note_rare_labels(self, name: str, rare: dict[str, Any] | None) -> None:
        if not rare:
            return
        if rare["handling"] == "merged":
            self._note(
                f"{name}: {rare['count']} label(s) held by fewer than {rare['threshold']} rows merged into "
                f"{rare['into']!r}", "merge",
            )
        elif rare["handling"] == "dropped":
            self._note(f"{name}: {rare['count']} label(s) held by fewer than {rare['threshold']} rows dropped", "suppression")

    # -- numbers, dates and times -----------------------------------------------------
    def _note_tails(self, name: str, tails: TailCoding, part: str) -> None:
        r = "" if tails.step is None else ", rounded "
        if tails.coded_low:
            self._note(
                f"{name}{part}: bottom-coded at {tails.show(tails.lo)} (mean of the {self.k} smallest values"
                + (f"{r}up)" if r else ")"), "micro-aggregation",
            )
        if tails.coded_high:
            self._note(
                f"{name}{part}: top-coded at {tails.show(tails.hi)} (mean of the {self.k} largest values"
                + (f"{r}down)" if r else ")"), "micro-aggregation",
            )

    def _protect_key(self, data: ColumnData, est: Estimate) -> Estimate:
        """A unique key publishes its lowest value and its density (so its range): both
        come from the micro-aggregated lowest and highest keys instead."""
        dist = est.distribution
        tails = TailCoding.of(data.values, data.counts, data.kind, self.k)
        lo, hi = int(tails.lo), int(tails.hi)
        density = 1.0 if dist.consecutive else min(1.0, data.n_present / (hi - lo + 1))
        self._note(
            f"{data.name}: lowest key released as {lo} (mean of the {self.k} lowest keys, rounded up); density "
            f"from the micro-aggregated range", "micro-aggregation",
        )
        return dataclasses.replace(est, distribution=dataclasses.replace(dist, lower=lo, density=float(density)))

    def _check_mixture(self, data: ColumnData, est: Estimate, safe: tuple) -> Estimate:
        """Every point mass and the rest need k rows; the rest's own extremes are coded too
        (capital-gain's smallest non-zero amount is as telling as its largest)."""
        dist = est.distribution
        if dist is None or dist.name != "point_mass_mixture":
            return est
        at = np.isin(data.values, np.asarray(dist.points))
        n_rest = float(data.counts[~at].sum())
        small_point = np.any(np.asarray(dist.weights) * data.n_present < self.k - _COUNT_TOL)
        if small_point or (dist.rest is not None and n_rest < self.k):
            if _forced_name(data.spec) == "point_mass_mixture":
                raise PrivacyError(
                    f"column {data.name!r}: a point mass or the rest of the forced point_mass_mixture would "
                    f"describe fewer than k={self.k} rows; do not force point_mass_mixture for this column"
                )
            self._note(
                f"{data.name}: point masses would describe fewer than {self.k} rows; refitted without them",
                "suppression",
            )
            sel = select_distribution(
                data.values, data.counts, data.kind, criterion=data.fit_spec.criterion, composite=False,
                literal_threshold=data.fit_spec.rare_threshold,
            )
            scores = {n: round(s, 2) for n, s in sel.scores.items() if not math.isnan(s)}
            selection = {"method": sel.criterion, "scores": scores} if len(scores) > 1 else {"method": "only candidate"}
            return dataclasses.replace(est, distribution=sel.best, selection=selection)
        if dist.rest is None:
            return est
        values, counts = data.values[~at], data.counts[~at]
        tails = TailCoding.of(values, counts, data.kind, self.k)
        unsafe = tails.beyond(values)
        unsafe = unsafe[~np.isin(unsafe, np.asarray(safe, dtype=float))]  # the column's coded bounds are means
        published = parameter_numbers(dist.rest)
        hit = unsafe[np.isin(unsafe, published)]
        if not len(hit):
            return est
        # code only the side whose real extreme would be published (not the column's coded bound)
        low, high = bool(np.any(hit < float(tails.lo))), bool(np.any(hit > float(tails.hi)))
        tails = TailCoding.of(values, counts, data.kind, self.k, low=low, high=high)
        self._note_tails(data.name, tails, " (values other than the point masses)")
        rest = select_distribution(
            tails.values, tails.counts, data.kind, criterion=data.fit_spec.criterion, composite=False,
            literal_threshold=data.fit_spec.rare_threshold,
        ).best
        # the mixture's score was of the uncoded rest: it would give the rest's range away
        return _without_scores(dataclasses.replace(est, distribution=dataclasses.replace(dist, rest=rest)))

    # -- text ------------------------------------------------------------------------
    def _protect_lengths(self, data: ColumnData, est: Estimate) -> Estimate:
        """The shortest and longest text are extremes too: micro-aggregated."""
        dist = est.distribution
        if dist is None or dist.name not in ("random_string", "free_text"):
            return est  # 'pattern' applies k itself; 'faker' keeps no length; 'constant' is held by all rows
        lengths = np.fromiter((len(str(v)) for v in data.values), dtype=np.int64, count=len(data.values))
        order = np.argsort(lengths, kind="stable")
        tails = TailCoding.of(lengths[order], data.counts[order], "discrete", self.k)
        if dist.name == "random_string":
            new = dataclasses.replace(dist, min_length=int(tails.lo), max_length=int(tails.hi))
            shown = f"{int(tails.lo)} to {int(tails.hi)}"
            which = f"means of the {self.k} shortest and the {self.k} longest texts"
        else:
            new = dataclasses.replace(dist, max_length=int(tails.hi))
            shown, which = f"at most {int(tails.hi)}", f"mean of the {self.k} longest texts"
        if new != dist:
            self._note(f"{data.name}: text lengths released as {shown} ({which}, rounded inward)", "micro-aggregation")
        return dataclasses.replace(est, distribution=new)


def _without_scores(est: Estimate) -> Estimate:
    """Drop the candidates' information-criterion scores: a score is a log-likelihood, and
    that of a bounded family (uniform: n log(max - min)) lets its range be recomputed."""
    if not est.selection or not {"scores", "excluded"} & set(est.selection):
        return est
    # which candidates were excluded (a tail past the real maximum) was judged on the real values too
    return dataclasses.replace(est, selection={k: v for k, v in est.selection.items() if k not in ("scores", "excluded")})
