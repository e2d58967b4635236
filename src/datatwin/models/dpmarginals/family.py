"""The DP marginals family: noisy 1- and 2-way marginals through the privacy session, made
consistent, and rows drawn from a Bayesian network estimated from them.

Fitting, after the per-column marginals every family publishes
(:func:`datatwin.models.marginals.fit_marginals`), which also give the domains their
released labels and ranges (:mod:`.domains`):

1. ``marginals="auto"``: every column's 1-way marginal is measured (``ONE_WAY_SHARE`` of
   the family's budget); cells too small to tell from noise are merged (MST's compression).
   Then ``m`` pairs (:func:`pairs_to_measure`: from a spanning tree up to every pair, as the
   rows and the budget allow) are chosen one at a time by the exponential mechanism
   (``SELECT_SHARE``): first a spanning tree, Kruskal-style, on closed-form scores against
   the product of the noisy 1-ways; then the others in ``PAIR_ROUNDS`` rounds, AIM-style,
   scored against the network of the pairs measured so far. Each chosen pair's 2-way
   marginal is measured with an even share of the rest. A fixed strategy
   (``[Count([...], weight=...), Sum([...], "col", weight=...)]``) measures exactly what is
   listed, splitting the budget by weight; a Sum's noisy grouped sums become group means
   that sampled values are shifted to.
2. Estimation (post-processing): each column's marginal combines every measurement covering
   it by inverse variance; each measured pair's table is fitted, non-negative, to both
   margins; a network of up to ``MAX_PARENTS`` parents per column is chosen and its tables
   made from the maximum-entropy joints those pairs imply (:mod:`.network`).
3. Sampling: each column in network order given its parents, cells by rounding ``n·p``
   within each parent cell, then cells back to values (:meth:`.domains.Domain.decode`).

The file's ``tree`` lists the network's nodes (``parent``, and ``given``: the other parents).
Files of the earlier tree with one measured 3-way marginal per node (``given`` one name)
still load and sample.

Every measurement and every choice goes through the session (``measure``/``select``): exact
under ``none`` (the ε = ∞ point of the dial, labelled *not private*), noisy and in the ledger
under ``dp``. Under ``disclosure`` the family refuses (small cells of a k-way marginal are the
disclosure risk that policy exists to avoid: use ``dp``, or ``none`` for comparison).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import polars as pl

from datatwin.errors import ModelFileError, SpecError
from datatwin.models.base import INDEPENDENT_SCHEMA, FittedModel, ModelFamily
from datatwin.models.columns import ColumnModel, column_rng, family_rng
from datatwin.models.dpmarginals import network as nw
from datatwin.models.dpmarginals import tree as tr
from datatwin.models.dpmarginals.cells import RowCells, TableCells, TableCounts, tables_to_count
from datatwin.models.dpmarginals.domains import (
    DEFAULT_BINS,
    MAX_CELLS,
    Domain,
    domain_for,
    independent_reason,
)
from datatwin.models.dpmarginals.keysets import KeySet
from datatwin.models.dpmarginals.strategy import Count, Sum, parse_marginal
from datatwin.models.marginals import fit_marginals
from datatwin.models.registry import register_family
from datatwin.prepare import PreparedTable
from datatwin.prepare.convert import to_series
from datatwin.privacy.base import PolicySession
from datatwin.privacy.measurement import Measurement, Selection

RELEASE = "marginals"
#: the shares of the family's budget in ``auto``: 1-way marginals and pair choices; the rest
#: goes to the 2-way marginals, split evenly
ONE_WAY_SHARE, SELECT_SHARE = 0.3, 0.05
#: ... and a column's 1-way share where its own marginal was released as counts over the same
#: cells (public labels), which the family combines with its measurement
REUSED_ONE_WAY_SHARE = 0.1
#: how many pairs ``auto`` measures grows as ``(n̂·√ρ)^PAIRS_POWER`` (:func:`pairs_to_measure`)
PAIRS_SCALE, PAIRS_POWER = 2.4, 0.35
#: ... and never more than this many pairs per column (a column has at most MAX_PARENTS parents)
MAX_PAIRS_PER_COLUMN = 8
#: the pairs beyond the spanning tree are chosen in this many rounds, each against the network so far
PAIR_ROUNDS = 2
#: at most this many parents per column in the network
MAX_PARENTS = 4
#: a node's table (its parents' cells x its own) has at most ``NODE_CELLS_PER_SNR`` cells per unit
#: of the pairs' signal to noise (n̂ / their median noise sd), within these bounds
NODE_CELLS_PER_SNR, MIN_NODE_CELLS, MAX_NODE_CELLS = 30.0, 5_000, 100_000
#: cells whose noisy 1-way count is below this many noise sd are measured together (MST's compression)
COMPRESS_SD = 3.0
#: rows simulated from the network to score pairs, and to turn a Sum's noisy sums into group means
#: (post-processing, fixed seed)
SIMULATED_ROWS = 100_000
#: default budget weight per modelled column (relative to one column's marginal, weight 1)
#: where every domain is public (the columns' own releases are then only counts, reused) ...
WEIGHT_PER_COLUMN = 9.0
#: ... and where some column's domain must be found by its own release (labels by partition
#: selection, a range by DP bounds): that release decides which cells exist, and starved it
#: drops labels into 'other' (raw Adult at ε = 1: 2-way TVD 0.36 at weight 9, 0.12 at 2, 0.076 at 1)
WEIGHT_PER_PRIVATE_DOMAIN = 1.0
#: digits kept of the fitted probabilities in the file (readable; the sampler uses the file's values)
_DIGITS = 10


def _check_mapping(name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise SpecError(f"The {name!r} parameter of Marginals must map column names to values. Got {value!r}.")
    return dict(value)


def _as_keyset(key: Any, values: Any) -> KeySet:
    """One entry of a ``keysets`` mapping as a KeySet: a column and its values (a list, a
    range, a one-column KeySet), or a tuple of columns and a KeySet, a public table or a
    list of rows."""
    if isinstance(key, str):
        if isinstance(values, KeySet):
            if values.columns != (key,):
                raise SpecError(f"keysets[{key!r}]: the KeySet is over {list(values.columns)}, not {key!r}")
            return values
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise SpecError(f"keysets[{key!r}]: a keyset is a list (or range) of the column's public values. "
                            f"Got {values!r}.")
        return KeySet.from_values(key, values)
    if isinstance(key, tuple) and key and all(isinstance(c, str) for c in key):
        if isinstance(values, KeySet):
            if set(values.columns) != set(key):
                raise SpecError(f"keysets[{key!r}]: the KeySet is over {list(values.columns)}, not {list(key)}")
            return values
        return KeySet(list(key), values) if isinstance(values, (list, tuple)) else KeySet.from_table(values, list(key))
    raise SpecError(f"keysets: a key is a column name or a tuple of column names. Got {key!r}.")


def _keysets(keysets: Any, tables: Sequence[Any] | None) -> tuple[dict[str, list[Any]], list[KeySet]]:
    """The one-column keysets (by column) and the KeySets over several columns, from what
    ``keysets=`` accepts: a mapping (see :func:`_as_keyset`), a KeySet, or a list of KeySets
    (``{columns = [...], rows = [[...]]}`` in a spec file); ``tables`` adds more of the last."""
    if keysets is None:
        given: list[KeySet] = []
    elif isinstance(keysets, KeySet):
        given = [keysets]
    elif isinstance(keysets, Mapping):
        given = [_as_keyset(key, values) for key, values in keysets.items()]
    elif isinstance(keysets, Sequence) and not isinstance(keysets, (str, bytes)):
        given, tables = [], [*keysets, *(tables or [])]
    else:
        raise SpecError(f"The 'keysets' parameter of Marginals must be a mapping of columns to public values, a KeySet "
                        f"or a list of KeySets. Got {type(keysets).__name__}.")
    given += [t if isinstance(t, KeySet) else KeySet.from_dict(t, "keyset_tables") for t in tables or []]
    single: dict[str, list[Any]] = {}
    multi: list[KeySet] = []
    for ks in given:
        again = [c for c in ks.columns if c in single or any(c in k.columns for k in multi)]
        if again:
            raise SpecError(f"keysets: column {again[0]!r} is in two keysets; give each column one public domain")
        if len(ks.columns) == 1:
            single[ks.columns[0]] = ks.values()
        else:
            multi.append(ks)
    return single, multi


@register_family
class Marginals(ModelFamily):
    """Noisy 1- and 2-way marginals (counts) measured through the privacy session, made
    consistent, and sampled from a Bayesian network estimated from them (each column given up
    to four others): keeps the relationships the measured pairs hold, with a formal guarantee
    under ``dp``.

    Parameters
    ----------
    marginals : "auto" or list of Count
        ``"auto"``: 2-way marginals chosen privately, a spanning tree of them first (MST-style),
        more as the rows and the budget allow. Or a fixed list
        such as ``[dt.Count(["a"]), dt.Count(["a", "b"], weight=5)]``, weights splitting
        the budget.
    keysets : dict, KeySet or list of KeySet, optional
        Public domains: by column (lists or ranges of values: no labels are released for
        them), or over several columns (``{("region", "town"): dt.KeySet.from_table(towns)}``,
        products and subtractions of KeySets): only their rows' combinations are sampled
        (a declared ``fixed_combinations`` constraint, see :mod:`.keysets`).
    binning : dict, optional
        Bin edges by numeric, date or datetime column (increasing; dates as ISO text or dates).
    bins : int, default 16
        Bins of a numeric or temporal column without ``binning``: equal mass under its
        released marginal.
    identifiers : list of str, optional
        Columns left out of measurement and drawn from their own model (ids, names).
    clamping : dict, optional
        ``(lower, upper)`` by numeric column measured through a ``Sum``.
    within : {"uniform", "marginal"}, optional
        How a numeric value is drawn within its bin: uniformly, or from the column's released
        marginal restricted to the bin (keeps a spike such as capital-gain = 0 inside a bin).
        Default: "uniform" in the bins you give (``binning``), "marginal" in the bins the
        family chooses (they come from that marginal already; post-processing either way).
    budget_weight : float, optional
        The family's share of a DP budget relative to one column's marginal. Default: 9 per
        modelled column (about 90 % of the budget) when every column's domain is public
        (labels or keysets, booleans, Enums, binning or bounds), else 1 per column (half):
        a column whose labels or range its own release must find needs that share.

    Examples
    --------
    >>> import numpy as np, polars as pl, datatwin as dt
    >>> rng = np.random.default_rng(0)
    >>> a = rng.choice(["x", "y"], 2000)
    >>> b = np.where(rng.random(2000) < 0.9, a, "z")
    >>> model = dt.fit(pl.DataFrame({"a": a, "b": b}), family="marginals")
    >>> synth = model.sample(2000, seed=1)
    >>> round(float((synth["a"] == synth["b"]).mean()), 1)
    0.9
    """

    name = "marginals"

    def __init__(
        self,
        *,
        marginals: str | Sequence[Count | Sum | dict[str, Any]] = "auto",
        keysets: Mapping[Any, Any] | KeySet | Sequence[KeySet | Mapping[str, Any]] | None = None,
        binning: Mapping[str, Sequence[Any]] | None = None,
        bins: int = DEFAULT_BINS,
        identifiers: Sequence[str] | None = None,
        budget_weight: float | None = None,
        within: str | None = None,
        clamping: Mapping[str, Sequence[float]] | None = None,
        keyset_tables: Sequence[KeySet | Mapping[str, Any]] | None = None,
    ) -> None:
        if isinstance(marginals, str):
            if marginals != "auto":
                raise SpecError(f"The 'marginals' parameter of Marginals must be 'auto' or a list of dt.Count(...). Got {marginals!r}.")
            self.strategy: list[Count | Sum] | None = None
        elif isinstance(marginals, Sequence) and marginals:
            self.strategy = [parse_marginal(m) for m in marginals]
        else:
            raise SpecError(f"The 'marginals' parameter of Marginals must be 'auto' or a non-empty list of dt.Count(...). Got {marginals!r}.")
        self.keysets, self.keyset_tables = _keysets(keysets, keyset_tables)
        self.binning = {k: list(v) if isinstance(v, Sequence) and not isinstance(v, str) else v
                        for k, v in _check_mapping("binning", binning).items()}
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 10_000:
            raise SpecError(f"The 'bins' parameter of Marginals must be an integer from 2 to 10000. Got {bins!r}.")
        self.bins = int(bins)
        if identifiers is None:
            identifiers = []
        if isinstance(identifiers, str) or not all(isinstance(c, str) for c in identifiers):
            raise SpecError(f"The 'identifiers' parameter of Marginals must be a list of column names. Got {identifiers!r}.")
        self.identifiers = list(identifiers)
        if budget_weight is not None and (
            isinstance(budget_weight, bool) or not isinstance(budget_weight, (int, float))
            or not math.isfinite(budget_weight) or budget_weight <= 0
        ):
            raise SpecError(f"The 'budget_weight' parameter of Marginals must be a number > 0. Got {budget_weight!r} instead.")
        self.budget_weight = None if budget_weight is None else float(budget_weight)
        if within not in (None, "uniform", "marginal"):
            raise SpecError(f"The 'within' parameter of Marginals must be 'uniform' or 'marginal'. Got {within!r} instead.")
        self.within = within
        self.clamping: dict[str, list[float]] = {}
        for col, bounds in _check_mapping("clamping", clamping).items():
            if isinstance(bounds, (str, bytes)) or not isinstance(bounds, Sequence) or len(bounds) != 2 or any(
                    isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b) for b in bounds):
                raise SpecError(f"clamping[{col!r}]: give (lower, upper), two finite numbers. Got {bounds!r}.")
            if bounds[0] > bounds[1]:
                raise SpecError(f"clamping[{col!r}]: lower ({bounds[0]:g}) is above upper ({bounds[1]:g}); swap them")
            self.clamping[col] = [float(bounds[0]), float(bounds[1])]

    def settings(self) -> dict[str, Any]:
        out = {
            "marginals": "auto" if self.strategy is None else [c.to_dict() for c in self.strategy],
            "keysets": self.keysets, "binning": self.binning, "bins": self.bins,
            "identifiers": self.identifiers, "budget_weight": self.budget_weight, "within": self.within,
            "clamping": self.clamping,
        }
        if self.keyset_tables:
            out["keyset_tables"] = [k.to_dict() for k in self.keyset_tables]
        return out

    def streamed_as(self) -> str:
        """Passes: the columns' models give the domains, then one pass over the rows counts every
        table of cells the fit may measure. A Sum adds up a column's values within cells, which
        needs the rows."""
        return "rows" if any(isinstance(m, Sum) for m in self.strategy or []) else "passes"

    def implied_constraints(self) -> list[dict[str, Any]]:
        """A KeySet over several columns is a declared fixed combination: its rows are the
        only combinations sampled, and the joint column they make has them as its public labels."""
        return [{"kind": "fixed_combinations", "columns": list(k.columns), "combinations": [list(r) for r in k.rows]}
                for k in self.keyset_tables]

    def table_releases(self, table: PreparedTable) -> dict[str, float]:
        if self.budget_weight is not None:
            return {RELEASE: self.budget_weight}
        public = all(self._public_domain(col) for col in table.columns)  # from the spec: no value read
        per_column = WEIGHT_PER_COLUMN if public else WEIGHT_PER_PRIVATE_DOMAIN
        return {RELEASE: per_column * max(len(table.columns), 1)}

    def _public_domain(self, col: Any) -> bool:
        """Whether the column's cells are known before its release (from the spec and the family's
        settings, never the values): declared labels or a keyset, a boolean, an Enum's
        categories, a binning, or declared bounds."""
        if col.name in self.keysets or col.name in self.binning or col.name in self.identifiers or col.kind == "boolean":
            return True
        if col.kind == "categorical":
            return col.spec.labels is not None or col.categories is not None
        if col.kind in ("continuous", "discrete", "date", "datetime"):
            return col.spec.bounds is not None
        return True  # drawn on its own (text, personal data): nothing for its release to find

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return SCHEMA

    def fit(
        self, table: PreparedTable, session: PolicySession, progress: Callable[[str], None] | None = None
    ) -> MarginalsFit:
        policy = session.privacy_section().get("policy")
        if policy not in ("none", "dp"):
            raise SpecError(
                f"family 'marginals' measures k-way cell counts, which the {policy!r} policy cannot release safely "
                "(its small cells are what disclosure control hides); use privacy 'dp' for a formal guarantee, "
                "or 'none' for exact marginals (not private)"
            )
        self._check_columns(table)
        columns = fit_marginals(self._with_keysets(table), session, progress)
        return _Fitter(self, table, session, columns, private=session.adds_noise).fit()

    def _with_keysets(self, table: PreparedTable) -> PreparedTable:
        """A categorical column's keyset is its public label set for its own marginal too (the
        spec's ``labels``), so no labels are released for it (no partition selection); a binned
        column's outer edges are its public bounds (no DP range estimate)."""
        import dataclasses

        cols = []
        for col in table.columns:
            keyset = self.keysets.get(col.name)
            edges = self.binning.get(col.name)
            if keyset is not None and col.kind == "categorical" and col.spec.labels is None:
                col = dataclasses.replace(col, spec=dataclasses.replace(col.spec, labels=tuple(keyset)))
            elif edges is not None and col.kind in ("continuous", "discrete", "date", "datetime") \
                    and col.spec.bounds is None and isinstance(edges, Sequence) and len(edges) >= 2:
                # public bin edges are public clamping bounds too: no DP range estimate for the column
                lo, hi = edges[0], edges[-1]
                bounds = (str(lo), str(hi)) if col.kind in ("date", "datetime") else (lo, hi)
                col = dataclasses.replace(col, spec=dataclasses.replace(col.spec, bounds=bounds))
            cols.append(col)
        return dataclasses.replace(table, columns=tuple(cols))

    def _check_columns(self, table: PreparedTable) -> None:
        names = list(table.names)
        from datatwin.errors import did_you_mean

        def known(col: str, where: str) -> None:
            if col not in names:
                raise SpecError(f"{where}: unknown column {col!r}{did_you_mean(col, names)}; the modelled columns are "
                                f"{', '.join(names[:20])}")

        for col in self.keysets:
            known(col, f"keysets[{col!r}]")
        for col in self.binning:
            known(col, f"binning[{col!r}]")
            if col in self.keysets:
                raise SpecError(f"column {col!r} has both a keyset and a binning; give one")
        for col in self.identifiers:  # an excluded identifier is fine: it is not modelled at all
            if col not in table.source_columns:
                known(col, "identifiers")
        kinds = {c.name: c.kind for c in table.columns}
        for col in self.clamping:
            known(col, f"clamping[{col!r}]")
        counted = {c for m in self.strategy or [] if isinstance(m, Count) for c in m.columns}
        for m in self.strategy or []:
            if isinstance(m, Sum):
                self._check_sum(m, known, kinds, counted)
        for count in [m for m in self.strategy or [] if isinstance(m, Count)]:
            for col in count.columns:
                known(col, f"Count({list(count.columns)})")
                if col in self.identifiers:
                    raise SpecError(f"Count({list(count.columns)}): column {col!r} is an identifier, left out of measurement")
                if kinds[col] in ("continuous", "discrete", "date", "datetime") and col not in self.binning \
                        and col not in self.keysets:
                    raise SpecError(
                        f"Count({list(count.columns)}): {kinds[col]} column {col!r} has no public domain; bin it "
                        f"(binning={{{col!r}: [edges...]}}) or give its values (keysets={{{col!r}: [...]}})"
                    )


    def _check_sum(self, m: Sum, known: Callable[[str, str], None], kinds: Mapping[str, str], counted: set[str]) -> None:
        where = f"Sum({list(m.columns)}, {m.measure!r})"
        for col in m.columns:
            known(col, where)
            if col not in counted:
                raise SpecError(f"{where}: group column {col!r} must also be in a Count (its cells' counts turn the sums into means)")
        known(m.measure, where)
        if kinds[m.measure] not in ("continuous", "discrete"):
            raise SpecError(f"{where}: the measure column {m.measure!r} is {kinds[m.measure]}; a Sum adds up a numeric column")
        bounds = self.clamping.get(m.measure)
        if bounds is None:
            raise SpecError(f"{where}: give the measure column's public bounds, clamping={{{m.measure!r}: (lower, upper)}}")
        edges = self.binning.get(m.measure)
        if edges is not None and isinstance(edges, Sequence) and len(edges) >= 2 and all(
                isinstance(e, (int, float)) for e in edges) and (edges[0] > bounds[0] or edges[-1] < bounds[1]):
            raise SpecError(f"binning[{m.measure!r}]: the edges {edges[0]:g} … {edges[-1]:g} do not cover the clamping range "
                            f"{bounds[0]:g} … {bounds[1]:g}; widen the outer edges or narrow the clamping")


# -- fitting ---------------------------------------------------------------------------------
class _Fitter:
    def __init__(self, family: Marginals, table: PreparedTable, session: PolicySession,
                 columns: list[ColumnModel], private: bool) -> None:
        self.family, self.table, self.session, self.columns, self.private = family, table, session, columns, private
        self.weights = table.weights
        self.measurements: list[dict[str, Any]] = []
        self.merged: dict[int, np.ndarray] = {}  # cells measured as one (none without a tree to measure)

    def fit(self) -> MarginalsFit:
        fam = self.family
        covered = None if fam.strategy is None else {c for m in fam.strategy if isinstance(m, Count) for c in m.columns}
        domains: list[Domain] = []
        independent: list[dict[str, str]] = []
        for col in self.columns:
            reason = independent_reason(col, fam.identifiers)
            if reason is None and covered is not None and col.name not in covered:
                reason = "in no Count of the strategy: drawn from its own model"
            if reason is not None:
                independent.append({"column": col.name, "reason": reason})
                continue
            dom = domain_for(col, fam.keysets.get(col.name), fam.binning.get(col.name), fam.bins, fam.within)
            if dom.size > MAX_CELLS:
                raise SpecError(f"column {col.name!r}: its domain has {dom.size:,} cells, more than the limit of "
                                f"{MAX_CELLS:,} for one marginal; bin it (binning={{{col.name!r}: [...]}}) or list fewer values")
            domains.append(dom)
        for count in [m for m in fam.strategy or [] if isinstance(m, Count)]:
            for c in count.columns:
                if c in {e["column"] for e in independent}:
                    raise SpecError(f"Count({list(count.columns)}): column {c!r} cannot be measured "
                                    f"({next(e['reason'] for e in independent if e['column'] == c)})")
        self.domains = domains
        self.index = {d.column: i for i, d in enumerate(domains)}
        self.by_name = {c.name: c for c in self.columns}
        self.column_counts: list[str] = []
        self.measured_triples: dict[tuple[int, ...], tuple[np.ndarray, float]] = {}  # fixed strategies' 3-way Counts
        self.cells = self._cells(domains)
        self.sizes = {i: d.size for i, d in enumerate(domains)}
        if fam.strategy is None:
            self._auto()
            how = "auto"
        else:
            self._fixed(fam.strategy)
            how = "fixed"
        nodes = self._network()
        sums = self._sum_means(nodes) if fam.strategy is not None else []
        if fam.strategy is None:
            nodes = self._expand(nodes)
            domains = [dataclasses.replace(dom, merged=tuple(int(c) for c in self.merged.get(i, ())))
                       for i, dom in enumerate(domains)]
        fit = {"strategy": how, "private": self.private}
        if self.column_counts:
            fit["column_counts"] = self.column_counts
        return MarginalsFit(self.columns, domains, self.measurements, nodes, independent, fit, fam.settings(), sums)

    def _cells(self, domains: Sequence[Domain]) -> RowCells | TableCells:
        """The exact counts of cells. In memory, from every row's cell in each domain. A table
        prepared column by column (a streamed fit) has no rows here: the tables the fit may ask
        for are counted in a second pass over the rows (every measurement is a count of cells,
        so the model is the one the rows themselves give, and memory is bounded by the tables)."""
        encoded = {d.column: d.encode(self.table.column(d.column), self.by_name[d.column]) for d in domains}
        sizes = {i: d.size for i, d in enumerate(domains)}
        if self.table.aligned:
            return RowCells({i: encoded[d.column] for i, d in enumerate(domains)}, sizes, self.weights)
        if self.table.rows is None:
            raise SpecError("family 'marginals' needs the table's rows (or a pass over them) to count cells; this "
                            "table was reduced to each column's values alone")
        strategy = None if self.family.strategy is None else [
            [self.index[c] for c in m.columns] for m in self.family.strategy if isinstance(m, Count)]
        wanted = tables_to_count(sizes, strategy, MAX_CELLS)
        counter = TableCounts(wanted, [d.column for d in domains], [encoded[d.column] for d in domains],
                              [d.size for d in domains])
        flat = self.table.rows.sum_rows(counter.columns, counter, counter.size)
        return TableCells(counter.split(flat), sizes)

    # measurements ---------------------------------------------------------------------------
    def _counts(self, cols: Sequence[int]) -> np.ndarray:
        """The exact table over ``cols``, row-major (the first varying slowest)."""
        return self.cells.counts(cols)

    def _measure(self, cols: Sequence[int], fraction: float) -> tuple[np.ndarray, float]:
        names = [self.domains[c].column for c in cols]
        cells = int(np.prod([self.sizes[c] for c in cols]))
        if cells > MAX_CELLS:
            raise SpecError(f"the marginal of {' × '.join(names)} has {cells:,} cells, more than the limit of "
                            f"{MAX_CELLS:,}; bin its columns more coarsely (binning=...) or measure them apart")
        exact = self._counts(cols)
        released = self.session.measure(Measurement(
            release=RELEASE, what=f"{len(cols)}-way marginal of {' × '.join(names)} ({cells} cells)",
            values=exact, l1=1.0, l2=1.0, fraction=fraction, group_sizes=exact,
        ))
        self.measurements.append({"columns": names, "cells": cells, "budget_share": fraction,
                                  "noise_sd": float(released.noise_sd),
                                  "values": [float(v) for v in np.round(released.values, 6)]})
        return np.asarray(released.values, dtype=float), float(released.noise_sd)

    def _auto(self) -> None:
        d = len(self.domains)
        allowed = [(i, j) for i in range(d) for j in range(i + 1, d) if self.sizes[i] * self.sizes[j] <= MAX_CELLS]
        n_edges = len(tr.kruskal_order(d, allowed))  # public: from the domain sizes only
        # a column whose own marginal was released as counts over these cells needs less of
        # the family's budget for its 1-way: the two are combined (which columns: public, from the spec)
        column_counts = {i: self._column_counts(i) for i in range(d)}
        fractions = [(1.0 if not n_edges else REUSED_ONE_WAY_SHARE if column_counts[i] is not None
                      else ONE_WAY_SHARE) / d for i in range(d)]
        own = {i: self._measure([i], fractions[i]) for i in range(d)}
        ones = {i: _combine(own[i], column_counts[i]) for i in range(d)}
        if n_edges:
            ones = self._compress(ones)
        self.measured_ones = {i: [v] for i, v in ones.items()}
        self.measured_pairs = {}
        if not n_edges:
            return
        probs = {i: tr.simplex(v) for i, (v, _) in ones.items()}
        n_hat = float(np.mean([max(np.clip(v, 0, None).sum(), 1.0) for v, _ in ones.values()]))
        # the budget's √ρ from the family's own noise (σ ∝ 1/√share, the same for every column)
        sd1, share1 = own[0][1], fractions[0]
        m = pairs_to_measure(n_hat, sd1, share1, n_edges, len(allowed), d)
        share = (1.0 - math.fsum(fractions) - SELECT_SHARE) / m
        # MST's penalty for large tables uses the planned noise of one 2-way measurement
        planned_sd = sd1 * math.sqrt(share1 / share)
        scores = tr.pair_scores(self._counts, self.sizes, probs, allowed, n_hat, planned_sd)
        component = list(range(d))
        chosen: list[tuple[int, int]] = []
        # a spanning tree first, Kruskal-style (pairs joining two components), scored against the 1-ways
        for r in range(n_edges):
            cand = [k for k, (i, j) in enumerate(allowed) if component[i] != component[j]]
            i, j = allowed[cand[self._select(scores[cand], f"pair {r + 1} of {m} (of the spanning tree), among "
                                             f"{len(cand)} candidate pairs", m)]]
            old, new = component[j], component[i]
            component = [new if c == old else c for c in component]
            chosen.append((i, j))
        self.measured_pairs = {e: self._measure(list(e), share) for e in chosen}
        # then the other pairs in rounds, each scored against the network of the pairs measured
        # so far (AIM-style: where that model is furthest from the data; post-processing of releases)
        rest = m - n_edges
        for batch in [rest // PAIR_ROUNDS + (k < rest % PAIR_ROUNDS) for k in range(PAIR_ROUNDS)]:
            if not batch:
                continue
            cand_pairs = [e for e in allowed if e not in self.measured_pairs]
            scores = tr.pair_scores(self._counts, self.sizes, probs, cand_pairs, n_hat, planned_sd,
                                    expected=self._model_pairs(cand_pairs))
            picked: list[tuple[int, int]] = []
            for _ in range(batch):
                cand = [k for k, e in enumerate(cand_pairs) if e not in picked]
                picked.append(cand_pairs[cand[self._select(
                    scores[cand], f"pair {len(self.measured_pairs) + len(picked) + 1} of {m}, among {len(cand)} "
                    "candidate pairs", m)]])
            self.measured_pairs.update({e: self._measure(list(e), share) for e in picked})

    def _column_counts(self, i: int) -> tuple[np.ndarray, float] | None:
        """The noisy counts of column ``i``'s own marginal (released with it, over public labels)
        laid out as the domain's cells, with their noise sd; None where there are none or the
        labels differ. Rows outside a public domain were counted nowhere there, but in a
        fallback cell here: a bias of their number, in that cell only."""
        dom = self.domains[i]
        released = self.by_name[dom.column].released
        if released is None or dom.type != "labels" or not self.private or released.sd <= 0:
            return None
        position = {label: k for k, label in enumerate(released.labels)}
        if len(position) != len(released.labels) or any(label not in position for label in dom.labels) \
                or len(dom.labels) != len(position):
            return None
        values = np.asarray(released.values, dtype=float)
        cells = values[1 + np.array([position[label] for label in dom.labels], dtype=np.int64)]
        if dom.missing:
            cells = np.append(cells, values[0])
        else:  # the domain has no missing cell: its rows are encoded in the first cell
            cells[0] += values[0]
        self.column_counts.append(dom.column)
        return cells, float(released.sd)

    def _select(self, scores: np.ndarray, what: str, m: int) -> int:
        """One private choice among candidates (the exponential mechanism; one row moves a score by ≤ 1)."""
        return self.session.select(Selection(release=RELEASE, what=what, scores=scores, sensitivity=1.0,
                                             fraction=SELECT_SHARE / m))

    def _model_pairs(self, pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
        """Each pair's cell probabilities under the network of the releases so far (rows simulated
        from it with a fixed seed: post-processing, and the fit stays deterministic given them)."""
        nodes = self._network()
        sim = _simulate(nodes, self.sizes, [self.index[t["column"]] for t in nodes])
        return {(i, j): np.bincount(sim[i] * self.sizes[j] + sim[j], minlength=self.sizes[i] * self.sizes[j])
                / SIMULATED_ROWS for i, j in pairs}

    def _compress(self, ones: dict[int, tuple[np.ndarray, float]]) -> dict[int, tuple[np.ndarray, float]]:
        """MST's domain compression (post-processing of the noisy 1-ways): the cells of a column
        whose noisy count is below ``COMPRESS_SD`` noise standard deviations are measured as one
        cell from here on, and split back by their noisy 1-way shares when the model is written."""
        self.merged: dict[int, np.ndarray] = {}
        self.full_sizes = dict(self.sizes)
        self.expand: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        out = {}
        for i, (v, sd) in ones.items():
            small = np.flatnonzero(v < COMPRESS_SD * sd) if sd > 0 else np.zeros(0, dtype=np.int64)
            if small.size < 2 or small.size == v.size:
                out[i] = (v, sd)
                continue
            keep = np.setdiff1d(np.arange(v.size), small)
            to_c = np.empty(v.size, dtype=np.int64)
            to_c[keep] = np.arange(keep.size)
            to_c[small] = keep.size
            within = np.ones(v.size)
            within[small] = tr.simplex(v[small])
            self.merged[i] = small
            self.expand[i] = (to_c, within)
            self.cells.merge(i, to_c)
            self.sizes[i] = keep.size + 1
            out[i] = (np.append(v[keep], v[small].sum()), sd)
        return out

    def _expand(self, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Tables over compressed cells back to every cell of the domains (merged cells split by
        their within-group shares)."""
        if not getattr(self, "expand", None):
            return nodes
        full = {self.domains[i].column: i for i in range(len(self.domains))}
        out = []
        for t in nodes:
            q = full[t["column"]]
            p = np.asarray(t["probabilities"], dtype=float)
            axes = [full[c] for c in conditioning(t)] + [q]
            for ax, i in enumerate(axes):
                if i in self.expand:
                    p = np.take(p, self.expand[i][0], axis=ax)
            if q in self.expand:
                p = p * self.expand[q][1]
            out.append({**t, "probabilities": np.round(p, _DIGITS).tolist()})
        return out

    def _fixed(self, strategy: Sequence[Count | Sum]) -> None:
        total = math.fsum(c.weight for c in strategy)
        self.measured_ones, self.measured_pairs = {}, {}
        self.released_sums: list[tuple[Sum, np.ndarray]] = []
        for count in strategy:
            if isinstance(count, Sum):
                self.released_sums.append((count, self._measure_sum(count, count.weight / total)))
                continue
            cols = [self.index[c] for c in count.columns]
            released = self._measure(cols, count.weight / total)
            if len(cols) == 1:
                self.measured_ones.setdefault(cols[0], []).append(released)
            elif len(cols) == 3:
                values, sd = released
                order = sorted(range(3), key=lambda k: cols[k])  # axes by column index
                table = np.transpose(values.reshape([self.sizes[c] for c in cols]), order)
                self.measured_triples[tuple(sorted(cols))] = (table, sd)  # a repeated triple: the last one
            else:
                i, j = cols
                values, sd = released
                if i > j:  # keep pairs as (low, high) index, the table transposed to match
                    values = values.reshape(self.sizes[i], self.sizes[j]).T.ravel()
                    i, j = j, i
                self.measured_pairs[(i, j)] = (values, sd)  # a repeated pair: the last one
        for (i, j, k), (table, sd) in self.measured_triples.items():  # a 3-way table's pairs are pair measurements too
            for (a, b), axis in (((i, j), 2), ((i, k), 1), ((j, k), 0)):
                derived = (table.sum(axis).ravel(), sd * math.sqrt(table.shape[axis]))
                self.measured_pairs[(a, b)] = _combine(self.measured_pairs[(a, b)], derived) \
                    if (a, b) in self.measured_pairs else derived
        for i in range(len(self.domains)):  # the columns' own released counts: free precision
            counts = self._column_counts(i)
            if counts is not None:
                self.measured_ones.setdefault(i, []).append(counts)

    def _measure_sum(self, m: Sum, fraction: float) -> np.ndarray:
        lo, hi = self.family.clamping[m.measure]
        prepared = self.table.column(m.measure)
        codes = prepared.codes
        distinct = np.clip(np.asarray(prepared.values, dtype=float), lo, hi)
        x = np.where(codes >= 0, distinct[np.maximum(codes, 0)] if len(distinct) else 0.0, 0.0)  # missing adds 0
        if self.weights is not None:
            x = x * self.weights
        groups = [self.index[c] for c in m.columns]
        key = np.zeros(len(x), dtype=np.int64)
        assert isinstance(self.cells, RowCells)  # a Sum streams the rows (Marginals.streamed_as)
        for c in groups:
            key = key * self.sizes[c] + self.cells.codes[c]
        cells = int(np.prod([self.sizes[c] for c in groups]))
        exact = np.bincount(key, weights=x, minlength=cells)
        bound = max(abs(lo), abs(hi)) or 1.0  # one row moves one group's sum by at most this
        released = self.session.measure(Measurement(
            release=RELEASE, what=f"sums of {m.measure} clamped to [{lo:g}, {hi:g}] by {' × '.join(m.columns)} ({cells} cells)",
            values=exact, l1=bound, l2=bound, fraction=fraction,
            group_sizes=np.bincount(key, minlength=cells).astype(float),
        ))
        self.measurements.append({"columns": list(m.columns), "cells": cells, "budget_share": fraction,
                                  "noise_sd": float(released.noise_sd), "sum_of": m.measure, "clamping": [lo, hi],
                                  "values": [float(v) for v in np.round(released.values, 6)]})
        return np.asarray(released.values, dtype=float)

    def _sum_means(self, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each Sum's target mean per group cell: noisy sums over the model's expected counts
        (the noisy Counts' total times the tree's cell probabilities; post-processing)."""
        if not self.released_sums:
            return []
        totals = [max(float(np.clip(v, 0, None).sum()), 1.0) for vs in self.measured_ones.values() for v, _ in vs]
        totals += [max(float(np.clip(v, 0, None).sum()), 1.0) for v, _ in self.measured_pairs.values()]
        n_hat = float(np.mean(totals)) if totals else 1.0
        sim = _simulate(nodes, self.sizes, [self.index[n["column"]] for n in nodes])
        out = []
        for m, sums in self.released_sums:
            groups = [self.index[c] for c in m.columns]
            key = np.zeros(SIMULATED_ROWS, dtype=np.int64)
            for c in groups:
                key = key * self.sizes[c] + sim[c]
            share = np.bincount(key, minlength=sums.size) / SIMULATED_ROWS
            lo, hi = self.family.clamping[m.measure]
            means = np.clip(sums / np.maximum(n_hat * share, 1.0), lo, hi)
            out.append({"columns": list(m.columns), "of": m.measure, "clamping": [lo, hi],
                        "means": [round(float(v), 6) for v in means]})
        return out

    # estimation -------------------------------------------------------------------------------
    def _node_cells(self) -> int:
        """:func:`node_cells` from the released counts and the pairs' noise (post-processing)."""
        counts = [v for vs in self.measured_ones.values() for v, _ in vs] + [v for v, _ in self.measured_pairs.values()]
        n_hat = float(np.mean([max(np.clip(v, 0, None).sum(), 1.0) for v in counts])) if counts else 1.0
        sds = [sd for _, sd in self.measured_pairs.values()]
        return node_cells(n_hat, float(np.median(sds)) if sds else 0.0)

    def _network(self) -> list[dict[str, Any]]:
        """Consistent margins, each measured pair fitted to them, and the network drawn from
        those tables (:func:`.network.greedy_network`; post-processing of the releases)."""
        d = len(self.domains)
        estimates: dict[int, list[tuple[np.ndarray, float]]] = {i: [] for i in range(d)}
        for i, releases in self.measured_ones.items():
            estimates[i].extend((v, sd * sd) for v, sd in releases)
        for (i, j), (v, sd) in self.measured_pairs.items():
            t = v.reshape(self.sizes[i], self.sizes[j])
            estimates[i].append((t.sum(1), self.sizes[j] * sd * sd))
            estimates[j].append((t.sum(0), self.sizes[i] * sd * sd))
        probs = {i: np.round(tr.combine(estimates[i]), _DIGITS) for i in range(d) if estimates[i]}
        pairs = {(i, j): tr.fit_pair(v.reshape(self.sizes[i], self.sizes[j]), probs[i], probs[j])
                 for (i, j), (v, _) in self.measured_pairs.items()}
        triples = {key: tr.fit_table(t, [probs[c] for c in key])
                   for key, (t, _) in self.measured_triples.items()}
        nodes = []
        for q, parents, table in nw.greedy_network(probs, pairs, MAX_PARENTS, self._node_cells(), triples=triples):
            node: dict[str, Any] = {"column": self.domains[q].column,
                                    "parent": self.domains[parents[-1]].column if parents else None}
            if len(parents) > 1:
                node["given"] = [self.domains[p].column for p in parents[:-1]]
            shape = [self.sizes[p] for p in parents] + [self.sizes[q]]
            node["probabilities"] = np.round(table.reshape(shape) if parents else table, _DIGITS).tolist()
            nodes.append(node)
        return nodes


def _combine(own: tuple[np.ndarray, float], other: tuple[np.ndarray, float] | None) -> tuple[np.ndarray, float]:
    """Two noisy measurements of the same cells as one, by inverse-variance weighting."""
    if other is None or own[1] <= 0:
        return own
    (a, sa), (b, sb) = own, other
    wa, wb = 1.0 / (sa * sa), 1.0 / (sb * sb)
    return (wa * a + wb * b) / (wa + wb), 1.0 / math.sqrt(wa + wb)


def node_cells(n_hat: float, pair_sd: float) -> int:
    """The most cells a network node's table may have: more where the measured pairs are
    precise (``NODE_CELLS_PER_SNR`` x n̂ / their noise sd), within ``MIN_NODE_CELLS`` …
    ``MAX_NODE_CELLS`` (the top one when exact)."""
    if pair_sd <= 0:
        return MAX_NODE_CELLS
    return int(min(MAX_NODE_CELLS, max(MIN_NODE_CELLS, NODE_CELLS_PER_SNR * n_hat / pair_sd)))


def pairs_to_measure(n_hat: float, sd1: float, share1: float, n_tree: int, n_allowed: int, n_columns: int) -> int:
    """How many 2-way marginals ``auto`` measures: at least a spanning tree (``n_tree``), at
    most every allowed pair and ``MAX_PAIRS_PER_COLUMN`` per column, and in between
    ``PAIRS_SCALE·(n̂·√ρ)^PAIRS_POWER`` — few where noise would swamp many tables, more as the
    rows and the budget grow (on Adult, 15 columns: ε = 1 → about 41 of 105 pairs, ε = 10 → about 90 (n̂ is noisy);
    the best counts measured there). ``√ρ`` comes from the 1-ways' noise
    (σ₁ = 1/√(2·ρ·share1)): released values and public sizes only. Exact (σ₁ = 0): as many
    as the caps allow."""
    most = min(n_allowed, MAX_PAIRS_PER_COLUMN * n_columns)
    if sd1 <= 0:
        return max(n_tree, most)
    root_rho = 1.0 / (sd1 * math.sqrt(2.0 * share1))
    return max(n_tree, min(most, round(PAIRS_SCALE * (n_hat * root_rho) ** PAIRS_POWER)))


def conditioning(node: Mapping[str, Any]) -> list[str]:
    """The columns a network node is drawn given, in its table's axis order: the ``given``
    columns (a list, or one name in files of the tree with 3-way marginals), then the parent."""
    given = node.get("given")
    extra = [] if given is None else [given] if isinstance(given, str) else list(given)
    return extra + ([node["parent"]] if node["parent"] is not None else [])


def _tree_inputs(nodes: Sequence[Mapping[str, Any]], key: Callable[[str], int]) -> tuple[
        dict[int, tuple[int, ...]], dict[int, np.ndarray]]:
    """Each node's conditioning nodes (:func:`conditioning`) and its probabilities as a
    (conditioning cells x own cells) matrix, by ``key(column)``."""
    given: dict[int, tuple[int, ...]] = {}
    tables: dict[int, np.ndarray] = {}
    for t in nodes:
        q = key(t["column"])
        cond = tuple(key(c) for c in conditioning(t))
        p = np.asarray(t["probabilities"], dtype=float)
        given[q] = cond
        tables[q] = p if p.ndim == 1 else p.reshape(-1, p.shape[-1])
    return given, tables


def _simulate(nodes: Sequence[Mapping[str, Any]], sizes: Mapping[int, int], index: Sequence[int]) -> dict[int, np.ndarray]:
    """Cells of rows drawn from the current tree (post-processing; fixed seed: the fit is deterministic)."""
    position = {t["column"]: index[k] for k, t in enumerate(nodes)}
    given, tables = _tree_inputs(nodes, position.__getitem__)
    return tr.sample_tree(SIMULATED_ROWS, [position[t["column"]] for t in nodes], given, tables, sizes,
                          np.random.default_rng(0))


def _match_sums(frame: pl.DataFrame, entry: Mapping[str, Any], by_name: Mapping[str, ColumnModel],
                cells: Mapping[int, np.ndarray], position: Mapping[str, int], sizes: Mapping[str, int]) -> pl.DataFrame:
    """Shift the measure column within each group cell so its mean is the released one (clamped)."""
    name = entry["of"]
    if frame.height == 0 or any(c not in position for c in entry["columns"]) or name not in frame.columns:
        return frame
    col = by_name[name]
    if col.text_format is not None:
        return frame
    means = np.asarray(entry["means"], dtype=float)
    key = np.zeros(frame.height, dtype=np.int64)
    for c in entry["columns"]:  # the cells of the group columns, row-major over their domain sizes
        key = key * sizes[c] + cells[position[c]]
    x = frame[name].cast(pl.Float64).to_numpy().copy()
    present = ~np.isnan(x)
    total = np.bincount(key[present], weights=x[present], minlength=len(means))
    count = np.bincount(key[present], minlength=len(means))
    current = np.divide(total, count, out=means.copy(), where=count > 0)
    lo, hi = entry["clamping"]
    x[present] = np.clip(x[present] + (means - current)[key[present]], lo, hi)
    values = to_series(np.where(present, x, 0.0), col.kind, frame[name].dtype, name)
    values = pl.select(pl.when(pl.Series(~present)).then(None).otherwise(values)).to_series().alias(name)
    return frame.with_columns(values)


def _measurement_text(m: Mapping[str, Any]) -> str:
    """The ledger's text for a measurement entry of the file (as :meth:`_Fitter._measure` and
    :meth:`_Fitter._measure_sum` write it)."""
    names, cells = " × ".join(m["columns"]), m["cells"]
    if "sum_of" in m:
        lo, hi = m["clamping"]
        return f"sums of {m['sum_of']} clamped to [{lo:g}, {hi:g}] by {names} ({cells} cells)"
    return f"{len(m['columns'])}-way marginal of {names} ({cells} cells)"


def _ledger_sd(line: Any) -> float | None:
    """The noise standard deviation a ledger line's mechanism and scale imply (None: no noise on values)."""
    if not isinstance(line, Mapping) or not isinstance(line.get("what"), str):
        return None
    scale = line.get("scale")
    if not isinstance(scale, (int, float)):
        return None
    if line.get("mechanism") == "laplace":
        return math.sqrt(2.0) * float(scale)
    if line.get("mechanism") in ("gaussian", "gaussian_approx"):
        return float(scale)
    return None


# -- the fitted model -----------------------------------------------------------------------
class MarginalsFit(FittedModel):
    """The domains, the measured (noisy) marginals, and the network of conditional tables sampling follows."""

    family: ClassVar[str] = "marginals"

    def __init__(
        self, columns: list[ColumnModel], domains: list[Domain], measurements: list[dict[str, Any]],
        tree: list[dict[str, Any]], independent: list[dict[str, str]], fit: dict[str, Any],
        settings: dict[str, Any] | None = None, sums: list[dict[str, Any]] | None = None,
    ) -> None:
        self.sums = sums or []
        self.columns = columns
        self.domains = domains
        self.measurements = measurements
        self.tree = tree
        self.independent = independent
        self.fit_info = fit
        self.settings = settings or {}

    # -- sampling --------------------------------------------------------------------------
    def sample(self, n: int, seed: np.random.SeedSequence, conditions: Any = None) -> pl.DataFrame:
        present = {c.name for c in self.columns}
        nodes = [t for t in self.tree if t["column"] in present and all(c in present for c in conditioning(t))]
        position = {t["column"]: i for i, t in enumerate(nodes)}
        sizes = {i: d.size for d in self.domains if d.column in position for i in [position[d.column]]}
        given, tables = _tree_inputs(nodes, position.__getitem__)
        cells = tr.sample_tree(n, range(len(nodes)), given, tables, sizes, family_rng(seed, self.family))
        domains = {d.column: d for d in self.domains}
        out = []
        for col in self.columns:
            rng = column_rng(seed, col.name)
            if col.name in position:
                out.append(domains[col.name].decode(col, cells[position[col.name]], rng))
            else:
                out.append(col.sample(n, rng))
        frame = pl.DataFrame(out)
        for entry in self.sums:
            frame = _match_sums(frame, entry, {c.name: c for c in self.columns}, cells, position,
                                {d.column: d.size for d in self.domains})
        return frame

    # -- the model file ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "private": bool(self.fit_info.get("private", False)),
            "strategy": self.fit_info.get("strategy", "auto"),
            "domains": [dom.to_dict() for dom in self.domains],
            "measurements": self.measurements,
            "tree": self.tree,
        }
        if self.fit_info.get("column_counts"):
            d["column_counts"] = list(self.fit_info["column_counts"])
        if self.sums:
            d["sums"] = self.sums
        if self.independent:
            d["independent"] = self.independent
        if self.settings:
            d["settings"] = self.settings
        return d

    @classmethod
    def from_dict(cls, section: Mapping[str, Any], columns: Sequence[ColumnModel]) -> MarginalsFit:
        by_name = {c.name: c for c in columns}
        domains: list[Domain] = []
        for i, raw in enumerate(section["domains"]):
            where = f"$.domains[{i}]"
            col = by_name.get(raw["column"])
            if col is None:
                raise ModelFileError(f"column {raw['column']!r} is not among the file's columns", where + ".column")
            if any(d.column == col.name for d in domains):
                raise ModelFileError(f"column {col.name!r} has two domains", where + ".column")
            dom = Domain.from_dict(raw)
            problem = dom.problem(col)
            if problem is not None:
                raise ModelFileError(f"column {col.name!r}: {problem[1]}", f"{where}.{problem[0]}")
            domains.append(dom)
        size = {d.column: d.size for d in domains}
        measured = {d.column: d.measured_size for d in domains}
        for i, m in enumerate(section["measurements"]):
            where = f"$.measurements[{i}]"
            for c in m["columns"]:
                if c not in size:
                    raise ModelFileError(f"column {c!r} has no domain", where + ".columns")
            cells = int(np.prod([size[c] if len(m["columns"]) == 1 else measured[c] for c in m["columns"]]))
            if len(m["values"]) != cells or m["cells"] != cells:
                raise ModelFileError(f"the marginal of {' × '.join(m['columns'])} has {cells} cells; 'cells' and "
                                     "'values' must agree with the domains", where + ".values")
        seen: set[str] = set()
        for i, node in enumerate(section["tree"]):
            where = f"$.tree[{i}]"
            c, parent = node["column"], node.get("parent")
            if c not in size:
                raise ModelFileError(f"column {c!r} has no domain", where + ".column")
            if c in seen:
                raise ModelFileError(f"column {c!r} is in the tree twice", where + ".column")
            if parent is not None and parent not in seen:
                raise ModelFileError(f"the parent {parent!r} must be a column listed earlier in the tree", where + ".parent")
            given = node.get("given")
            cond = conditioning(node)
            if given is not None and (parent is None or len(set(cond)) != len(cond) or not set(cond) <= seen or c in cond):
                raise ModelFileError("'given' must name columns listed earlier in the tree, each once, other than "
                                     "the parent", where + ".given")
            seen.add(c)
            try:
                p = np.asarray(node["probabilities"], dtype=float)
            except ValueError:
                raise ModelFileError(f"probabilities of {c!r} must be a rectangular table of numbers",
                                     where + ".probabilities") from None
            shape = (*(size[g] for g in cond), size[c])
            if p.shape != shape or np.any(p < 0) or not np.allclose(p.sum(-1), 1.0, atol=1e-6):
                raise ModelFileError(
                    f"probabilities of {c!r} must be {'a vector' if parent is None else 'a table'} of shape {shape} "
                    f"(one {'entry per cell' if parent is None else 'row per parent cell'}), >= 0, "
                    "each summing to 1", where + ".probabilities",
                )
        for i, entry in enumerate(section.get("independent", [])):
            if entry["column"] not in by_name:
                raise ModelFileError(f"column {entry['column']!r} is not among the file's columns",
                                     f"$.independent[{i}].column")
        for i, entry in enumerate(section.get("sums", [])):
            where = f"$.sums[{i}]"
            if any(c not in size for c in entry["columns"]):
                raise ModelFileError("every group column of a Sum needs a domain", where + ".columns")
            col = by_name.get(entry["of"])
            if col is None or col.kind not in ("continuous", "discrete"):
                raise ModelFileError(f"{entry['of']!r} must be a numeric column of the file", where + ".of")
            lo, hi = entry["clamping"]
            cells = int(np.prod([size[c] for c in entry["columns"]]))
            if lo > hi:
                raise ModelFileError("clamping must be [lower, upper] with lower <= upper", where + ".clamping")
            if len(entry["means"]) != cells or any(not lo <= v <= hi for v in entry["means"]):
                raise ModelFileError(f"'means' must hold {cells} values within the clamping range", where + ".means")
        fit = {"private": section["private"], "strategy": section["strategy"]}
        for i, c in enumerate(section.get("column_counts", [])):
            if c not in size:
                raise ModelFileError(f"column {c!r} has no domain", f"$.column_counts[{i}]")
        if section.get("column_counts"):
            fit["column_counts"] = list(section["column_counts"])
        return cls(list(columns), domains, [dict(m) for m in section["measurements"]],
                   [dict(t) for t in section["tree"]], list(section.get("independent", [])), fit,
                   dict(section.get("settings", {})), [dict(e) for e in section.get("sums", [])])

    # -- reading it ---------------------------------------------------------------------------
    def summary(self) -> pl.DataFrame:
        # a measured pair is used where both its columns are in one node's table
        tables = [{t["column"], *conditioning(t)} for t in self.tree]
        in_tree = [("sum_of" not in m and len(m["columns"]) == 1) or any(set(m["columns"]) <= t for t in tables)
                   for m in self.measurements]
        return pl.DataFrame(
            {
                "marginal": [(f"sum of {m['sum_of']} by " if "sum_of" in m else "") + " × ".join(m["columns"])
                             for m in self.measurements],
                "cells": [int(m["cells"]) for m in self.measurements],
                "budget_share": [float(m["budget_share"]) for m in self.measurements],
                "noise_sd": [float(m["noise_sd"]) for m in self.measurements],
                "in_tree": in_tree,
            },
            schema={"marginal": pl.String, "cells": pl.Int64, "budget_share": pl.Float64, "noise_sd": pl.Float64,
                    "in_tree": pl.Boolean},
        )

    def ledger_problems(self, privacy: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Each measurement of a private fit needs its own ledger line: the same text and the
        noise standard deviation the line's mechanism and scale imply (one line per measurement)."""
        if not self.fit_info.get("private"):
            return []
        lines = privacy.get("ledger", []) if isinstance(privacy, Mapping) else []
        free: dict[str, list[float]] = {}
        for line in lines if isinstance(lines, list) else []:
            sd = _ledger_sd(line)
            if sd is not None:
                free.setdefault(str(line["what"]), []).append(sd)
        problems = []
        for i, m in enumerate(self.measurements):
            what = f"{RELEASE}: {_measurement_text(m)}"
            sds = free.get(what, [])
            match = next((k for k, sd in enumerate(sds) if math.isclose(sd, float(m["noise_sd"]), rel_tol=1e-9)), None)
            if match is None:
                found = f"its lines have noise sd {', '.join(f'{v:.6g}' for v in sds)}" if sds else "there is no such line"
                problems.append((f"measurement {i} ({' × '.join(m['columns'])}) states noise sd {float(m['noise_sd']):.6g}, "
                                 f"but the ledger must have a line {what!r} with that noise, and {found}; a measured "
                                 "marginal without its ledger line cannot be trusted as private: refit the model",
                                 f"$.measurements[{i}]"))
                continue
            sds.pop(match)
        return problems

    def describe(self) -> list[str]:
        counts = [m for m in self.measurements if "sum_of" not in m]
        ones = sum(1 for m in counts if len(m["columns"]) == 1)
        threes = sum(1 for m in counts if len(m["columns"]) == 3)
        twos = len(counts) - ones - threes
        private = bool(self.fit_info.get("private"))
        counted = f"{ones} 1-way, {twos} 2-way and {threes} 3-way" if threes else f"{ones} 1-way and {twos} 2-way"
        head = f"family marginals ({self.fit_info.get('strategy', 'auto')}): {counted} marginals measured"
        if private:
            sds = [float(m["noise_sd"]) for m in self.measurements]
            head += f" with noise (sd {min(sds):.3g} to {max(sds):.3g} per cell), as the ledger states"
        else:
            head += " exactly: NOT PRIVATE (no noise; the ε = ∞ point of the dial, for comparison)"
        lines = [head]
        if self.fit_info.get("column_counts"):
            lines.append(f"1-way marginals combined with the columns' own released counts "
                         f"({len(self.fit_info['column_counts'])} columns)")
        if self.sums:
            lines.append("grouped sums matched: " + ", ".join(f"{e['of']} by {' × '.join(e['columns'])}" for e in self.sums))
        edges = [f"{' + '.join(conditioning(t))} → {t['column']}" for t in self.tree if t["parent"] is not None]
        if edges:
            lines.append("network: " + ", ".join(edges[:12]) + (" …" if len(edges) > 12 else ""))
        if self.independent:
            lines.append("drawn on their own: " + ", ".join(f"{e['column']} ({e['reason']})" for e in self.independent))
        return lines

    def roles(self) -> dict[str, str]:
        parent = {t["column"]: t["parent"] for t in self.tree}
        out = {}
        for c in self.columns:
            if c.name not in parent:
                out[c.name] = "independent"
            elif parent[c.name] is None:
                out[c.name] = "marginals (a root of the network)"
            else:
                node = next(t for t in self.tree if t["column"] == c.name)
                out[c.name] = f"marginals (given {' and '.join(conditioning(node))})"
        return out


_NUMBERS = {"type": "array", "items": {"type": "number"}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["private", "strategy", "domains", "measurements", "tree"],
    "additionalProperties": False,
    "properties": {
        "private": {"type": "boolean"},
        "strategy": {"enum": ["auto", "fixed"]},
        "column_counts": {"type": "array", "items": {"type": "string"}},
        "domains": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["column", "type", "missing"],
                "additionalProperties": False,
                "properties": {
                    "column": {"type": "string", "minLength": 1},
                    "type": {"enum": ["labels", "bins"]},
                    "source": {"enum": ["released", "keyset", "binning", "default"]},
                    "labels": {"type": "array", "minItems": 1},
                    "edges": {**_NUMBERS, "minItems": 2},
                    "integer": {"type": "boolean"},
                    "unit": {"enum": ["D", "ms", "us", "ns"]},
                    "within": {"enum": ["uniform", "marginal"]},
                    "missing": {"type": "boolean"},
                    "merged": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                },
            },
        },
        "measurements": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["columns", "cells", "budget_share", "noise_sd", "values"],
                "additionalProperties": False,
                "properties": {
                    "columns": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
                    "cells": {"type": "integer", "minimum": 1},
                    "budget_share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                    "noise_sd": {"type": "number", "minimum": 0},
                    "values": _NUMBERS,
                    "sum_of": {"type": "string"},
                    "clamping": {**_NUMBERS, "minItems": 2, "maxItems": 2},
                },
            },
        },
        "tree": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["column", "parent", "probabilities"],
                "additionalProperties": False,
                "properties": {
                    "column": {"type": "string"},
                    "parent": {"type": ["string", "null"]},
                    "given": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
                    "probabilities": {"type": "array"},
                },
            },
        },
        "sums": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["columns", "of", "clamping", "means"],
                "additionalProperties": False,
                "properties": {
                    "columns": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
                    "of": {"type": "string"},
                    "clamping": {**_NUMBERS, "minItems": 2, "maxItems": 2},
                    "means": _NUMBERS,
                },
            },
        },
        "independent": INDEPENDENT_SCHEMA,
        "settings": {"type": "object"},
    },
}

Marginals.fitted = MarginalsFit
