"""The differential-privacy policy: every released number is noisy, every cost in the ledger.

``DifferentialPrivacy(epsilon=1.0, delta=1e-9)`` fits a model whose whole model file is
(ε, δ)-differentially private for the neighbouring relation *add or remove one row*
(pure ε when no δ is given; ρ-zCDP with ``rho=``). What it releases per column kind and
how is described in :mod:`datatwin.privacy.dp_numeric`,
:mod:`datatwin.privacy.dp_categorical` and ``docs/privacy.md``.

Budget split. The row count gets a share of weight ``N_ROWS_WEIGHT`` (none if the owner
declares it public); the rest is split over the modelled columns in proportion to their
spec ``budget_weight`` (1 by default). A column's share is taken from what remains when
its turn comes, so budget a column does not use (a distribution fixed in the spec, the δ
of a column that selects no labels) passes on to the columns after it. Within a column,
each release gets a fixed fraction of the column's share. Every release is charged to one
:class:`~datatwin.privacy.budget.Accountant` before its noise is drawn, so the fit cannot
spend more than the budget, and each is one ledger line.

The policy never looks at values to decide anything (``reads_values = False``): the kind comes
from the dtype or the spec, uniqueness from the spec, labels from the spec, the dtype or
a DP partition selection, bounds from the spec or a DP estimate.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

from datatwin.distributions import distribution_from_dict, get_distribution_class
from datatwin.errors import DatatwinWarning, PrivacyError
from datatwin.privacy.base import (
    ColumnData,
    ColumnRelease,
    Estimate,
    PolicySession,
    PrivacyPolicy,
    TableInfo,
    register_policy,
)
from datatwin.privacy.budget import Accountant, Budget, _fmt
from datatwin.privacy.dp_advice import minimum_coefficient
from datatwin.privacy.dp_bounds import TooFewRowsError, numeric_data
from datatwin.privacy.dp_categorical import estimate_boolean, estimate_categorical
from datatwin.privacy.dp_column import ADD_REMOVE, REPLACE, ROWS_WITH_ID, ColumnBudget, whole_counts
from datatwin.privacy.dp_numeric import estimable_families, estimate_numeric
from datatwin.privacy.dp_unique import check_unique_capacity, unique_keys
from datatwin.privacy.ledger import LedgerEntry, privacy_section
from datatwin.privacy.measurement import Measurement, Released, Selection
from datatwin.privacy.protected import AddRowsWithID, ProtectedChange, protected_change_from, truncate_per_id
from datatwin.schema import ColumnSpec

__all__ = ["METHODS", "DifferentialPrivacy"]

METHODS = ("parametric", "histogram", "sample_and_aggregate")
#: the row count's budget weight, next to a column's default weight of 1
N_ROWS_WEIGHT = 0.5
#: the smallest fraction of a column's share that one of its main releases gets
MIN_MAIN_FRACTION = 0.3
_TEXT_DTYPES = ("String", "Categorical", "Enum")


@register_policy
class DifferentialPrivacy(PrivacyPolicy):
    """Differential privacy for the whole model file, with a ledger of every release.

    Parameters
    ----------
    epsilon : float, optional
        Total ε > 0: pure ε-DP, or (ε, δ)-DP with ``delta``.
    delta : float, optional
        Total δ in [0, 1), default 0. Needed to release categorical labels that the spec
        does not list (partition selection); typically far below 1 / number of rows.
    rho : float, optional
        Total ρ > 0 for zero-concentrated DP (Gaussian noise) instead of ``epsilon``.
    public_n_rows : bool, default False
        The owner declares the row count public: it is written as is, for free.
    method : {"parametric", "histogram", "sample_and_aggregate"}, default "parametric"
        How numeric columns are estimated: a parametric family from noisy clamped sums,
        a noisy equal-width histogram (the ``empirical`` distribution), or parameters
        averaged over disjoint subsets (Nissim, Raskhodnikova & Smith 2007).
    n_bins : int, default 20
        Bins of the histograms of numeric columns (between the clamping bounds).
    protected_change : AddOneRow, AddRowsWithID, str or dict, default AddOneRow()
        What neighbouring tables differ by: one row, or all rows of one ID
        (``dt.privacy.AddRowsWithID("member_id", max_rows=3)``, also
        ``{"id_column": "member_id", "max_rows": 3}``): rows beyond ``max_rows`` per ID are
        dropped before any statistic, the ID column is not modelled, and every sensitivity
        is multiplied by ``max_rows`` (see :mod:`datatwin.privacy.protected`).

    Raises
    ------
    PrivacyError
        On any invalid setting, naming the parameter.

    Examples
    --------
    >>> DifferentialPrivacy(epsilon=1.0, delta=1e-9).describe()
    'dp: (ε=1, δ=1e-09)-differential privacy, method parametric'
    """

    name = "dp"
    reads_values = False

    def __init__(
        self,
        epsilon: float | None = None,
        delta: float | None = None,
        rho: float | None = None,
        *,
        public_n_rows: bool = False,
        method: str = "parametric",
        n_bins: int = 20,
        protected_change: ProtectedChange | str | dict[str, Any] | None = None,
    ) -> None:
        self.protected_change = protected_change_from(protected_change)
        if isinstance(self.protected_change, AddRowsWithID) and public_n_rows is True:
            raise PrivacyError(
                "public_n_rows=True cannot go with protected_change=AddRowsWithID(...): adding or removing one ID "
                "changes the row count, so a public row count would contradict the guarantee; drop public_n_rows"
            )
        self.budget = Budget.create(epsilon=epsilon, delta=delta, rho=rho)
        if not isinstance(public_n_rows, bool):
            raise PrivacyError(f"The 'public_n_rows' parameter must be True or False. Got {public_n_rows!r} instead.")
        if method not in METHODS:
            raise PrivacyError(f"The 'method' parameter must be one of {', '.join(METHODS)}. Got {method!r} instead.")
        if isinstance(n_bins, bool) or not isinstance(n_bins, int) or not 2 <= n_bins <= 10_000:
            raise PrivacyError(f"The 'n_bins' parameter must be an integer from 2 to 10000. Got {n_bins!r} instead.")
        self.public_n_rows = public_n_rows
        self.method = method
        self.n_bins = n_bins

    @property
    def settings(self) -> dict[str, Any]:
        """The settings written to the model file (besides the budget)."""
        return {"method": self.method, "n_bins": self.n_bins, "public_n_rows": self.public_n_rows}

    def protect(self, frame: Any, spec: Any) -> tuple[Any, Any]:
        """Under :class:`AddRowsWithID`: the first ``max_rows`` rows of each ID, without the ID
        column, and the spec with that column excluded; otherwise both unchanged."""
        change = self.protected_change
        if not isinstance(change, AddRowsWithID):
            return frame, spec
        return protect_rows_with_id(frame, spec, change)

    def start(self, table: TableInfo) -> PolicySession:
        return _DPSession(self, table)

    def describe(self) -> str:
        change = self.protected_change
        per = f", protecting all rows of one {change.id_column!r} (at most {change.max_rows})" if isinstance(
            change, AddRowsWithID) else ""
        return f"dp: {self.budget.describe()}, method {self.method}{per}"


def protect_rows_with_id(frame: Any, spec: Any, change: AddRowsWithID) -> tuple[Any, Any]:
    """The frame truncated to ``max_rows`` rows per ID without the ID column, and ``spec`` with
    the ID column excluded. Refuses a spec that models the ID column or weights rows: the
    checks read the schema and the spec only, never a row."""
    import dataclasses

    name = change.id_column
    column = spec.columns.get(name)
    if column is not None and not column.exclude:
        raise PrivacyError(
            f"column {name!r} is the ID of protected_change=AddRowsWithID and is never modelled, but the spec "
            f"models it; set exclude = true in its [columns.{name}] table or remove that table"
        )
    if spec.weight_column is not None:
        raise PrivacyError(
            f"protected_change=AddRowsWithID({name!r}) needs one row per record, but the fit weights rows by "
            f"{spec.weight_column!r} (or streams distinct rows with counts): a weighted row may hold several IDs' "
            "records; fit the unweighted, in-memory table"
        )
    frame = truncate_per_id(frame, change)
    return frame, dataclasses.replace(spec, columns={k: v for k, v in spec.columns.items() if k != name})


def param_of(unit: str) -> str:
    """The budget parameter's name for a unit."""
    return "rho" if unit == "zcdp" else "epsilon"


def _release_key(name: str) -> str:
    return "\x00release:" + name


def _round_up(x: float) -> float:
    """Round up to two significant digits: a minimum that is safe to copy."""
    if x <= 0:
        return x
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / scale - 1e-9) * scale


class _DPSession(PolicySession):
    publishes_row_count: ClassVar[bool] = False
    adds_noise: ClassVar[bool] = True

    def __init__(self, policy: DifferentialPrivacy, table: TableInfo) -> None:
        self.policy = policy
        self.budget = policy.budget
        self.accountant = Accountant(policy.budget)
        self.ledger: list[LedgerEntry] = []
        columns = table.fit_spec.columns if table.fit_spec is not None else {}
        self.weights = {c: columns.get(c, ColumnSpec()).budget_weight for c in table.columns}
        self.kinds = dict(table.kinds)
        self.specs: dict[str, object] = {c: columns.get(c, ColumnSpec()) for c in table.columns}
        # a table-wide release takes its share like a column does (keys cannot clash with column names)
        self.weights.update({_release_key(r): float(w) for r, w in table.releases.items()})
        self.pending = dict(self.weights)
        self.releases: dict[str, ColumnBudget] = {}
        self.n_rows_hat: float | None = None
        self.n_rows_var = 0.0
        # with the row count public, add/remove-one-row neighbours differ in their public row
        # count: the guarantee that means something is replace-one-row (issue 10, item 1)
        self.neighbours = REPLACE if policy.public_n_rows else ADD_REMOVE
        self.max_rows = policy.protected_change.factor
        if isinstance(policy.protected_change, AddRowsWithID):
            self.neighbours = ROWS_WITH_ID
        #: multiplier of every one-row sensitivity (2 for replace-one-row, max_rows for one ID)
        self.factor = 2.0 if self.neighbours == REPLACE else float(self.max_rows)

    # -- the row count ------------------------------------------------------------
    def release_n_rows(self, n_rows: float) -> int:
        n = round(n_rows)
        if self.policy.public_n_rows:
            self.ledger.append(LedgerEntry.public("n_rows: declared public by the owner"))
            self.n_rows_hat, self.n_rows_var = float(n), 0.0
        else:
            total_w = sum(self.weights.values()) or 1.0
            share = self.accountant.split(2, [N_ROWS_WEIGHT, total_w])[0]
            budget = ColumnBudget("n_rows", share, self.budget.unit, self.accountant, self.ledger, self.neighbours,
                              self.max_rows)
            noisy, sd = budget.counts("row count", [n], 1.0)
            self.n_rows_hat, self.n_rows_var = float(max(int(noisy[0]), 1)), sd * sd
        self._check_enough()
        delta = self.budget.delta or 0.0
        if delta * self.n_rows_hat > 1.0:
            # δ is the chance that the guarantee fails outright; above 1/n, publishing one
            # random row in the clear would satisfy it (the usual rule: δ well below 1/n)
            warnings.warn(
                f"delta={delta:g} is larger than 1/rows (about 1/{self.n_rows_hat:.0f}): a guarantee that "
                f"fails with that probability is weak; use delta below {1 / self.n_rows_hat:.1g}, e.g. 1e-9",
                DatatwinWarning, stacklevel=5,
            )
        return int(self.n_rows_hat)

    def text_note(self, note: str) -> str | None:
        return None  # it counts values that did not parse

    def _check_enough(self) -> None:
        """Refuse a budget whose first releases would drown in noise, with advice that is a
        formula in the row count, never computed from noisy values (:mod:`.dp_advice`)."""
        if not self.weights:
            return
        zcdp = self.budget.unit == "zcdp"
        public = self.policy.public_n_rows
        counts, _ = minimum_coefficient(
            self.weights, self.kinds, self.specs, 0.0 if public else N_ROWS_WEIGHT,
            self.factor, zcdp, self.policy.method,
        )
        amount = float(self.budget.rho if zcdp else self.budget.epsilon)
        # the decision reads the noisy row count generously (10 sd up): a budget that follows
        # the advice for the true row count passes with probability ≥ 1 - 4e-7 (Laplace tail)
        n_up = float(self.n_rows_hat or 1.0) + 10.0 * math.sqrt(self.n_rows_var)

        def required(n: float) -> float:
            return (counts.coefficient / n) ** 2 if zcdp else counts.coefficient / n

        # a row count drowned in its own noise (scale above a third of it) says nothing: refuse;
        # at the advised budget this happens with probability below 1e-6
        scale = math.sqrt(self.n_rows_var / 2.0) if not zcdp else math.sqrt(self.n_rows_var)
        drowned = scale > float(self.n_rows_hat or 1.0) / 3.0
        if not drowned and amount >= required(n_up) * (1 - 1e-9):
            return
        raise PrivacyError(f"{param_of(self.budget.unit)}={_fmt(amount)} is too small for {len(self.weights)} column(s): "
                           + self._advice)

    @property
    def _advice(self) -> str:
        """What budget would work, from the schema, the spec and the split only (never from a
        noisy value): the same text whichever check or step refuses the fit."""
        zcdp = self.budget.unit == "zcdp"
        _, need = minimum_coefficient(
            self.weights, self.kinds, self.specs, 0.0 if self.policy.public_n_rows else N_ROWS_WEIGHT,
            self.factor, zcdp, self.policy.method,
        )
        param, symbol = param_of(self.budget.unit), "ρ" if zcdp else "ε"

        def required(n: float) -> float:
            return (need.coefficient / n) ** 2 if zcdp else need.coefficient / n

        what = (
            f"column {need.column!r}'s bounds histogram needs its threshold (the rows one bin of the public grid "
            "must hold to be seen) below a twentieth of the rows"
            if need.release == "bounds histogram"
            else f"the counts of {need.column!r} need their noise below a tenth of the rows"
        )
        formula = f"({need.coefficient:.3g} / rows)²" if zcdp else f"{need.coefficient:.3g} / rows"
        if self.policy.public_n_rows:
            n = float(self.n_rows_hat or 1.0)
            advice = f"use at least {param}={_round_up(required(n)):g} for its {n:.0f} rows (declared public)"
        else:
            advice = (
                f"use at least {param} = {formula} with the table's row count, e.g. {_round_up(required(1e3)):g} "
                f"for 1,000 rows or {_round_up(required(1e5)):g} for 100,000"
            )
        return (
            f"{what}, which needs {symbol} ≥ {formula}; {advice} (or give public bounds, model fewer columns, "
            "or give that column a larger budget_weight)"
        )

    # -- columns --------------------------------------------------------------------
    def _column_budget(self, data: ColumnData) -> ColumnBudget:
        weight = self.pending.pop(data.name, data.spec.budget_weight)
        others = list(self.pending.values())
        share = self.accountant.split(1 + len(others), [weight, *others])[0]
        return ColumnBudget(data.name, share, self.budget.unit, self.accountant, self.ledger, self.neighbours,
                              self.max_rows)

    def release_column(self, data: ColumnData) -> ColumnRelease:
        """The column's marginal built from its noisy releases (never its value counts)."""
        return ColumnRelease(estimate=self._estimate(data))

    def _estimate(self, data: ColumnData) -> Estimate:
        if self.n_rows_hat is None:  # a model that did not release the row count first
            self.release_n_rows(data.n_rows)
        spec = data.spec
        budget = self._column_budget(data)
        if data.dtype == "Null":  # the dtype itself says every value is missing: public
            budget.public("every value missing (dtype Null)")
            return Estimate(distribution=None, prop_missing=1.0, unique=False, selection={"method": "dtype Null"})
        counts = whole_counts(data.name, data.counts)
        forced = spec.distribution
        if isinstance(forced, dict) and forced.get("parameters") is not None:
            return self._fixed(budget, data, counts)
        family = forced if isinstance(forced, str) or forced is None else forced.get("name")
        kind = data.kind
        released = None
        if kind in ("categorical", "string") and family in (None, "categorical"):
            if kind == "string" and family is None:
                raise PrivacyError(
                    f"column {data.name!r}: a column of kind 'string' cannot be estimated under differential privacy "
                    "without reading its text (lengths, characters); exclude it (exclude = true), model it as kind "
                    "'categorical' (labels are then selected privately), or fix its distribution in the spec, e.g. "
                    "{name = \"random_string\", parameters = {min_length = 5, max_length = 12, classes = [\"upper\"]}}"
                )
            dist, prop, sel, released = estimate_categorical(
                budget, data.values, counts, data.n_missing, spec, data.categories,
                data.dtype in _TEXT_DTYPES, data.fit_spec.other_label if data.fit_spec is not None else "other",
            )
        elif kind == "boolean" and family in (None, "bernoulli"):
            dist, prop, sel, released = estimate_boolean(budget, data.values, counts, data.n_missing)
        elif kind == "discrete" and spec.unique:
            if family is not None:
                raise PrivacyError(
                    f"column {data.name!r}: the spec says unique and forces the {family!r} distribution; under dp a "
                    "unique whole-number column is modelled as keys between its private bounds (unique_key), since "
                    "a fitted family cannot promise as many distinct values as rows: drop the forced distribution, "
                    "or drop unique"
                )
            dist, prop, _ = estimate_numeric(
                budget, numeric_data(kind, data.values, counts), data.n_missing, float(self.n_rows_hat or 1.0),
                self.n_rows_var, spec, "parametric", self.policy.n_bins, "discrete_uniform",
            )
            dist = unique_keys(dist, prop, float(self.n_rows_hat or 1.0))
            sel = {"method": "dp: unique keys between private bounds"}
        elif family is None or family in estimable_families(kind, self.policy.method):
            try:
                dist, prop, sel = estimate_numeric(
                    budget, numeric_data(kind, data.values, counts), data.n_missing, float(self.n_rows_hat or 1.0),
                    self.n_rows_var, spec, self.policy.method, self.policy.n_bins, family,
                )
            except TooFewRowsError as exc:
                raise PrivacyError(f"{exc}; as a rule: {self._advice}") from None
        else:
            raise self._unsupported(data, family)
        if spec.unique and kind in ("date", "datetime", "time"):
            check_unique_capacity(data.name, dist, int(self.n_rows_hat or 1))
        return Estimate(distribution=dist, prop_missing=prop, unique=bool(spec.unique) and dist is not None,
                        selection=sel, counts=released)

    def _unsupported(self, data: ColumnData, family: str) -> PrivacyError:
        kind, method = data.kind, self.policy.method
        can = {"categorical": ("categorical",), "string": ("categorical",), "boolean": ("bernoulli",)}.get(
            kind, estimable_families(kind, method)
        )
        hint = " (empirical needs method='histogram')" if family == "empirical" else ""
        return PrivacyError(
            f"column {data.name!r}: the spec forces the {family!r} distribution, which the dp policy "
            f"(method={method!r}) cannot estimate privately for a {kind} column{hint}; it can estimate "
            f"{', '.join(can)}; or fix the distribution's parameters in the spec ({{name = ..., parameters = {{...}}}})"
        )

    def _fixed(self, budget: ColumnBudget, data: ColumnData, counts: Any) -> Estimate:
        """A distribution with every parameter in the spec: public, only the missing share is released."""
        dist = distribution_from_dict(data.spec.distribution)
        cls = get_distribution_class(dist.name)
        if data.kind not in cls.kinds:
            raise PrivacyError(
                f"column {data.name!r}: the spec fixes a {dist.name!r} distribution, which cannot model a {data.kind} "
                f"column (it models {', '.join(cls.kinds)})"
            )
        budget.public(f"distribution {dist.name}: fixed by the spec")
        noisy, _ = budget.counts("missing and non-missing counts", [round(data.n_missing), int(counts.sum())], 1.0)
        missing, present = max(float(noisy[0]), 0.0), max(float(noisy[1]), 1.0)
        return Estimate(distribution=dist, prop_missing=missing / (missing + present), unique=bool(data.spec.unique),
                        selection={"method": "spec"})

    # -- table-wide statistics ----------------------------------------------------------
    def measure(self, request: Measurement) -> Released:
        """Laplace noise (ε budgets) or Gaussian noise (ρ budgets) on the whole vector,
        calibrated to its L1 / L2 sensitivity, from the release's share of the budget."""
        budget = self._release_budget(request.release)
        noisy, sd = budget.vector(request.what, request.values, request.l1, request.l2, request.fraction)
        return Released(noisy, sd)

    def select(self, request: Selection) -> int:
        """The exponential mechanism (report-noisy-max through OpenDP) on the scores, from the
        release's share of the budget: Gumbel noise charged as ρ under zCDP budgets,
        exponential noise charged as ε otherwise."""
        budget = self._release_budget(request.release)
        return budget.select(request.what, request.scores, request.sensitivity, request.fraction)

    def _release_budget(self, release: str) -> ColumnBudget:
        if self.n_rows_hat is None:
            raise PrivacyError("the row count must be released before a table-wide statistic")  # pragma: no cover
        budget = self.releases.get(release)
        if budget is None:
            key = _release_key(release)
            if key not in self.pending:
                raise PrivacyError(
                    f"table-wide release {release!r} was not declared before the fit (the model family "
                    "lists its releases in table_releases()), so no budget was set aside for it"
                )
            weight = self.pending.pop(key)
            others = list(self.pending.values())
            share = self.accountant.split(1 + len(others), [weight, *others])[0]
            budget = ColumnBudget(release, share, self.budget.unit, self.accountant, self.ledger, self.neighbours,
                              self.max_rows)
            self.releases[release] = budget
        return budget

    # -- the model file -------------------------------------------------------------
    def privacy_section(self) -> dict[str, Any]:
        section = privacy_section("dp", self.budget, self.ledger)
        return {
            "policy": section["policy"],
            "budget": section["budget"],
            "spent": section["spent"],
            "settings": self.policy.settings,
            "neighbours": self.neighbours,
            **self.policy.protected_change.to_dict(),
            "ledger": section["ledger"],
        }
