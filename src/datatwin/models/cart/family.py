"""The sequential CART family: each column drawn by a classification tree on the columns
before it, in a visit order — synthpop's method, with leaves that publish distributions
instead of rows.

Fitting, after the marginals (:func:`datatwin.models.marginals.fit_marginals`):

1. each modelled column becomes classes (:mod:`.classes`): labels, or bins of its released
   marginal, and a missing class — missingness is a value a tree predicts and splits on;
2. the visit order: the owner's, or the heuristic of :func:`visit_order` (most related first);
3. the first column is drawn from its marginal; every later one by a scikit-learn
   ``DecisionTreeClassifier`` on the earlier columns' classes, with leaves of at least
   ``min_leaf`` rows (at least the policy's k). A categorical predictor's labels are ranked by
   the target's profile, so a threshold on the rank is a label set;
4. each leaf is published as class probabilities with classes under k rows pooled
   (:func:`.tree.publish_leaf`) — the file holds no real value and no count under k.

Sampling draws the columns in order: each row is routed through the column's tree, level by
level for all rows at once, its class drawn from the leaf, and its value from the marginal
within that class.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import polars as pl

from datatwin.errors import DatatwinWarning, ModelFileError, SpecError, did_you_mean
from datatwin.models.base import INDEPENDENT_SCHEMA, FittedModel, ModelFamily, int_setting
from datatwin.models.cart.classes import (
    ColumnClasses,
    classes_for,
    draw_arguments,
    ordered_classes,
    real_classes,
    why_not_modelled,
)
from datatwin.models.cart.tree import Tree, draw_classes, publish_leaf, split_to_dict, tree_from_dict, tree_to_dict
from datatwin.models.columns import ColumnModel, column_rng
from datatwin.models.independent import single_threaded_blas
from datatwin.models.marginals import fit_marginals
from datatwin.models.registry import register_family
from datatwin.prepare import PreparedTable
from datatwin.privacy.base import PolicySession

#: trees are grown only on tables of at least this many times min_leaf rows (fewer: at most a few
#: leaves, each pooling most classes, so the marginals say as much)
MIN_ROWS_PER_LEAF = 4



@register_family
class Cart(ModelFamily):
    """Sequential classification trees (synthpop's CART) whose leaves publish distributions.

    Parameters
    ----------
    order : list of str, optional
        The visit order: the first column is drawn from its marginal, each later one by a tree
        on the columns before it. Columns not named follow in the automatic order; default: all
        automatic (:func:`visit_order`).
    min_leaf : int, default 10
        The fewest training rows a leaf may hold (under disclosure control, at least k). Classes
        held by fewer rows of a leaf are pooled.
    max_depth : int, optional
        The deepest a tree may grow (default: no limit but ``min_leaf``).
    max_leaves : int, optional, default 500
        The most leaves one tree may have (grown best split first), which keeps the file of a
        large table readable; None: no limit but ``min_leaf`` and ``complexity``.
    complexity : float, default 1e-4
        Cost-complexity pruning (scikit-learn's ``ccp_alpha``): a split is kept only when it
        lowers the tree's Gini impurity, per row of the table, by more than this. Larger: smaller
        trees, less of the table's detail (0: no pruning, the largest trees ``min_leaf`` allows).
    bins : int, default 32
        Quantile bins of an ordered column's marginal (a whole-number column with few values
        also gets one bin per value held by at least ``min_leaf`` rows).

    Examples
    --------
    >>> import numpy as np, polars as pl, datatwin as dt
    >>> rng = np.random.default_rng(0)
    >>> level = rng.choice(["low", "mid", "high"], 2000)
    >>> code = pl.Series(level).replace_strict({"low": 1, "mid": 2, "high": 3})
    >>> model = dt.fit(pl.DataFrame({"level": level, "code": code}), family="cart")
    >>> synth = model.sample(1000, seed=1)
    >>> synth.select((pl.col("code") == pl.col("level").replace_strict({"low": 1, "mid": 2, "high": 3})).mean()).item()
    1.0
    """

    name = "cart"

    def __init__(
        self, *, order: Sequence[str] | None = None, min_leaf: int = 10, max_depth: int | None = None,
        max_leaves: int | None = 500, complexity: float = 1e-4, bins: int = 32,
    ) -> None:
        if order is not None:
            if isinstance(order, str) or not all(isinstance(c, str) for c in order):
                raise SpecError(f"The 'order' parameter of Cart must be a list of column names. Got {order!r} instead.")
            if len(set(order)) != len(order):
                twice = sorted({c for c in order if list(order).count(c) > 1})
                raise SpecError(f"The 'order' parameter of Cart names {twice} more than once; name each column once.")
        self.order = None if order is None else list(order)
        self.min_leaf = int_setting("Cart", "min_leaf", min_leaf, 1, None)
        self.max_depth = None if max_depth is None else int_setting("Cart", "max_depth", max_depth, 1, 200, allow_none=True)
        self.max_leaves = None if max_leaves is None else int_setting("Cart", "max_leaves", max_leaves, 2, 1_000_000, True)
        if (isinstance(complexity, bool) or not isinstance(complexity, (int, float)) or not math.isfinite(complexity)
                or not 0 <= complexity < 1):
            raise SpecError(f"The 'complexity' parameter of Cart must be a number from 0 to 1 (e.g. 1e-4). "
                            f"Got {complexity!r} instead.")
        self.complexity = float(complexity)
        self.bins = int_setting("Cart", "bins", bins, 2, 1000)

    def settings(self) -> dict[str, Any]:
        return {"order": self.order, "min_leaf": self.min_leaf, "max_depth": self.max_depth,
                "max_leaves": self.max_leaves, "complexity": self.complexity, "bins": self.bins}

    def fit(
        self, table: PreparedTable, session: PolicySession, progress: Callable[[str], None] | None = None
    ) -> CartFit:
        if session.adds_noise:
            raise SpecError(
                "family cart has no differential-privacy accounting (a tree's splits and leaves are not noisy "
                "releases); under dp use family='marginals' (DP marginals, which keep relationships under a "
                "formal guarantee) or family='copula'"
            )
        with single_threaded_blas():
            columns = fit_marginals(table, session, progress)
        return _fit_cart(self, table, session, columns)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return SCHEMA


# -- fitting ------------------------------------------------------------------------------------
def _fit_cart(family: Cart, table: PreparedTable, session: PolicySession, columns: list[ColumnModel]) -> CartFit:
    policy_k = getattr(session, "k", None)
    strict = policy_k is not None  # disclosure control: no count under k, even pooled
    k = max(family.min_leaf, int(policy_k or 0))
    n = len(table.columns[0].series) if table.columns else 0
    if family.min_leaf > max(table.n_rows, 1):
        raise SpecError(
            f"The 'min_leaf' parameter of Cart ({family.min_leaf}) is larger than the table ({table.n_rows:g} rows); "
            "choose a smaller min_leaf"
        )
    independent: list[dict[str, str]] = []
    classes: dict[str, ColumnClasses] = {}
    codes: dict[str, np.ndarray] = {}
    for col in columns:
        reason = why_not_modelled(col)
        if reason is None:
            prepared = table.column(col.name)
            cc = classes_for(col, prepared, family.bins, k)
            if cc.n_classes < 2:
                reason = "a single value: nothing to predict"
            else:
                classes[col.name] = cc
                codes[col.name] = _row_classes(cc, col, prepared)
        if reason is not None:
            independent.append({"column": col.name, "reason": reason})
    by_name = {c.name: c for c in columns}
    order = _resolve_order(family.order, list(classes), by_name, independent, codes, classes, table.weights)
    settings = family.settings()
    if table.n_rows < MIN_ROWS_PER_LEAF * k and len(order) > 1:
        warnings.warn(
            f"family cart: {table.n_rows:g} rows are too few for trees whose leaves hold at least {k} rows (it needs "
            f"{MIN_ROWS_PER_LEAF * k}); every column is drawn from its marginal (as family independent). Fit more "
            "rows or lower min_leaf.",
            DatatwinWarning, stacklevel=4,
        )
        return CartFit(columns, order, [classes[c] for c in order], [None] * len(order), independent, k, settings)
    ccs = [classes[c] for c in order]
    trees: list[Tree | None] = [None]
    for j in range(1, len(order)):
        trees.append(_grow(j, order, ccs, codes, by_name, family, k, strict, table.weights, n))
    return CartFit(columns, order, ccs, trees, independent, k, settings)


def _row_classes(cc: ColumnClasses, col: ColumnModel, prepared: Any) -> np.ndarray:
    """Real rows' classes; a missing value of a column published without missing values (a
    count suppressed under k) takes the marginal's most likely class."""
    rows = real_classes(cc, col, prepared)
    if not cc.has_missing:
        rows = np.where(rows >= cc.n_values, int(np.argmax(cc.marginal(col))), rows)
    return rows


def _resolve_order(
    requested: list[str] | None, modelled: list[str], by_name: Mapping[str, ColumnModel],
    independent: list[dict[str, str]], codes: Mapping[str, np.ndarray], classes: Mapping[str, ColumnClasses],
    weights: np.ndarray | None,
) -> list[str]:
    auto = visit_order(modelled, codes, classes, weights)
    if requested is None:
        return auto
    why = {e["column"]: e["reason"] for e in independent}
    for name in requested:
        if name in why:
            raise SpecError(f"Cart order: column {name!r} cannot be drawn by a tree ({why[name]}); leave it out of 'order'")
        if name not in by_name:
            raise SpecError(
                f"Cart order: {name!r} is not a modelled column{did_you_mean(name, list(by_name))}; "
                f"modelled columns are {list(by_name)}"
            )
    return list(requested) + [c for c in auto if c not in requested]


def visit_order(
    names: Sequence[str], codes: Mapping[str, np.ndarray], classes: Mapping[str, ColumnClasses],
    weights: np.ndarray | None = None,
) -> list[str]:
    """The automatic visit order: first the column most related to all others (the largest sum
    of normalised mutual information between classes), then repeatedly the column most related
    to those already visited. Strongly related columns come early, where later trees can use them."""
    p = len(names)
    if p <= 1:
        return list(names)
    mi = np.zeros((p, p))
    for a in range(p):
        for b in range(a + 1, p):
            mi[a, b] = mi[b, a] = _normalised_mi(codes[names[a]], classes[names[a]].n_classes,
                                                 codes[names[b]], classes[names[b]].n_classes, weights)
    first = int(np.argmax(mi.sum(axis=1)))
    order, left = [first], set(range(p)) - {first}
    while left:
        best = max(sorted(left), key=lambda c: mi[c, order].sum())
        order.append(best)
        left.remove(best)
    return [names[i] for i in order]


def _normalised_mi(x: np.ndarray, nx: int, y: np.ndarray, ny: int, w: np.ndarray | None) -> float:
    joint = np.bincount(x * ny + y, weights=w, minlength=nx * ny).reshape(nx, ny).astype(float)
    total = joint.sum()
    if total <= 0:
        return 0.0
    pxy = joint / total
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    nz = pxy > 0
    mi = float(np.sum(pxy[nz] * np.log(pxy[nz] / np.outer(px, py)[nz])))
    hx = -float(np.sum(px[px > 0] * np.log(px[px > 0])))
    hy = -float(np.sum(py[py > 0] * np.log(py[py > 0])))
    return mi / math.sqrt(hx * hy) if hx > 0 and hy > 0 else 0.0


def _label_ranks(x: np.ndarray, nx: int, y: np.ndarray, ny: int, w: np.ndarray | None, ordered: bool) -> np.ndarray:
    """A rank for each class of a categorical predictor, so that a threshold on the rank
    separates the target well: the mean class of an ordered target, else the labels' position
    along the leading principal axis of their target profiles (for a two-class target, the
    share of the second class: Breiman's optimal ordering)."""
    joint = np.bincount(x * ny + y, weights=w, minlength=nx * ny).reshape(nx, ny).astype(float)
    size = joint.sum(axis=1)
    profile = joint / np.maximum(size, 1e-12)[:, None]
    if ordered:
        score = profile @ np.arange(ny, dtype=float)
    else:
        mean = (profile * size[:, None]).sum(axis=0) / max(size.sum(), 1e-12)
        centred = (profile - mean) * np.sqrt(size)[:, None]
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        axis = vt[0] * (1.0 if vt[0][np.argmax(np.abs(vt[0]))] >= 0 else -1.0)  # a deterministic sign
        score = profile @ axis
    score = np.where(size > 0, score, np.inf)  # classes without rows rank last
    return np.argsort(np.argsort(score, kind="stable"), kind="stable").astype(float)


def _grow(
    j: int, order: Sequence[str], ccs: Sequence[ColumnClasses], codes: Mapping[str, np.ndarray],
    by_name: Mapping[str, ColumnModel], family: Cart, k: int, strict: bool, weights: np.ndarray | None, n: int,
) -> Tree:
    from sklearn.tree import DecisionTreeClassifier

    target = ccs[j]
    y = codes[order[j]]
    marginal = target.marginal(by_name[order[j]])
    X = np.empty((n, j), dtype=np.float64)
    ranks: list[np.ndarray | None] = []
    for i in range(j):
        cc, x = ccs[i], codes[order[i]]
        if cc.ordered:
            col = x.astype(np.float64)
            if cc.has_missing:
                col[x == cc.missing] = np.nan  # scikit-learn learns where missing values go
            X[:, i] = col
            ranks.append(None)
        else:
            r = _label_ranks(x, cc.n_classes, y, target.n_classes, weights, target.ordered)
            X[:, i] = r[x]
            ranks.append(r)
    if len(np.unique(y)) < 2:
        counts = np.bincount(y, weights=weights, minlength=target.n_classes).astype(float)
        return _rebuilt(publish_leaf(counts, target, k, strict), j, ccs, order, marginal)
    # The tree sees the distinct (predictors, target) rows with their total weight, and leaf
    # sizes in weight (people), not in distinct rows: the same tree whether the table came
    # row by row, with a frequency column, or streamed as distinct rows with counts.
    total = float(n if weights is None else weights.sum())
    both = np.column_stack([X, y.astype(np.float64)])
    distinct, inverse = np.unique(both, axis=0, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=weights, minlength=len(distinct)).astype(float)
    X, y = distinct[:, :j], distinct[:, j].astype(np.int64)
    clf = DecisionTreeClassifier(min_weight_fraction_leaf=min(k / total, 0.5), max_depth=family.max_depth,
                                 max_leaf_nodes=family.max_leaves, ccp_alpha=family.complexity, random_state=0)
    with warnings.catch_warnings():  # few distinct rows for many classes is expected here, not a regression task
        warnings.filterwarnings("ignore", message="The number of unique classes", category=UserWarning)
        clf.fit(X, y, sample_weight=w)
    t = clf.tree_
    class_of = clf.classes_.astype(np.int64)

    def counts_of(i: int) -> np.ndarray:
        v = t.value[i, 0]
        counts = np.zeros(target.n_classes)
        if v.sum() > 0:
            counts[class_of] = v / v.sum() * t.weighted_n_node_samples[i]
        return np.round(counts, 9)

    def split_of(i: int) -> dict[str, Any]:
        f, threshold = int(t.feature[i]), float(t.threshold[i])
        cc = ccs[f]
        if cc.ordered:
            mask = np.zeros(cc.n_classes, dtype=bool)
            mask[: cc.n_values] = np.arange(cc.n_values) <= threshold
            if cc.has_missing:
                mask[cc.missing] = bool(t.missing_go_to_left[i])
        else:
            r = ranks[f]
            assert r is not None
            mask = r <= threshold
        return split_to_dict(cc, mask)

    def node(i: int) -> dict[str, Any]:
        entry = publish_leaf(counts_of(i), target, k, strict)
        if t.children_left[i] < 0:
            return entry
        left, right = node(int(t.children_left[i])), node(int(t.children_right[i]))
        if _like_parent(left) and _like_parent(right):
            return entry  # both children would be drawn exactly as this node: the split says nothing
        entry.update(split=split_of(i), left=left, right=right)
        return entry

    return _rebuilt(node(0), j, ccs, order, marginal)


def _like_parent(node: Mapping[str, Any]) -> bool:
    """A leaf that lists no class: drawn entirely like its parent."""
    return "split" not in node and not node["classes"]


def _rebuilt(d: dict[str, Any], j: int, ccs: Sequence[ColumnClasses], order: Sequence[str], marginal: np.ndarray) -> Tree:
    """The tree as a file reads it back (so a fitted model samples exactly as its saved file)."""
    return tree_from_dict(d, j, ccs, {order[i]: i for i in range(j)}, marginal, f"$.trees.{order[j]}")


# -- the fitted model ---------------------------------------------------------------------------
class CartFit(FittedModel):
    """Marginals, the visit order, each ordered column's bins and one tree per later column."""

    family: ClassVar[str] = "cart"
    #: conditions are met natively: candidates drawn with each condition's classes, then
    #: resampled by weight (:mod:`.conditioned`)
    conditions_native: ClassVar[bool] = True

    def __init__(
        self, columns: list[ColumnModel], order: list[str], classes: list[ColumnClasses], trees: list[Tree | None],
        independent: list[dict[str, str]], min_leaf: int, settings: dict[str, Any],
    ) -> None:
        self.columns = columns
        self.order = order
        self.classes = classes
        self.trees = trees
        self.independent = independent
        self.min_leaf = min_leaf
        self.settings = settings

    def sample(self, n: int, seed: np.random.SeedSequence, conditions: Any = None) -> pl.DataFrame:
        if conditions is not None:
            from datatwin.models.cart.conditioned import sample_conditioned

            with single_threaded_blas():
                return sample_conditioned(self, n, seed, conditions)
        by_name = {c.name: c for c in self.columns}
        present = {c.name for c in self.columns}
        drawn = np.zeros((len(self.order), n), dtype=np.int64)
        args: dict[str, dict[str, Any]] = {}
        for j, name in enumerate(self.order):
            if name not in present:  # a column dropped from the file: stop where its descendants would need it
                break
            col, cc, tree = by_name[name], self.classes[j], self.trees[j]
            rng = column_rng(seed, "\x00cart classes:" + name)
            if tree is None:
                drawn[j] = draw_classes(cc.marginal(col)[None, :], np.zeros(n, dtype=np.int64), rng)
            else:
                drawn[j] = tree.draw(drawn, rng)
            args[name] = draw_arguments(cc, col, drawn[j], column_rng(seed, "\x00cart values:" + name))
        with single_threaded_blas():
            return pl.DataFrame([col.sample(n, column_rng(seed, col.name), **args.get(col.name, {}))
                                 for col in self.columns])

    # -- the model file ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "order": list(self.order),
            "min_leaf": self.min_leaf,
            "bins": {cc.name: cc.to_dict() for cc in self.classes if cc.ordered},
            "trees": {name: (None if tree is None else tree_to_dict(tree, self.classes))
                      for name, tree in zip(self.order, self.trees)},
        }
        if self.independent:
            d["independent"] = self.independent
        if self.settings:
            d["settings"] = self.settings
        return d

    @classmethod
    def from_dict(cls, section: Mapping[str, Any], columns: Sequence[ColumnModel]) -> CartFit:
        by_name = {c.name: c for c in columns}
        order = list(section["order"])
        bins = section.get("bins", {})
        classes: list[ColumnClasses] = []
        for i, name in enumerate(order):
            where = f"$.order[{i}]"
            col = by_name.get(name)
            if col is None:
                raise ModelFileError(f"column {name!r} is not among the file's columns", where)
            if order.index(name) != i:
                raise ModelFileError(f"column {name!r} is in the order twice", where)
            reason = why_not_modelled(col)
            if reason is not None:
                raise ModelFileError(f"column {name!r} cannot be drawn by a tree ({reason}); remove it from the order "
                                     "and its tree", where)
            if col.kind in ("categorical", "boolean"):
                if name in bins:
                    raise ModelFileError(f"column {name!r} is {col.kind}: it has labels, not bins", f"$.bins.{name}")
                classes.append(classes_for(col, None, 2, 1))
                continue
            cuts = bins.get(name)
            if cuts is None:
                raise ModelFileError(f"ordered column {name!r} needs its bins (cut probabilities)", "$.bins")
            c = np.asarray(cuts, dtype=float)
            if np.any(c <= 0) or np.any(c >= 1) or np.any(np.diff(c) <= 0):
                raise ModelFileError(f"the bins of column {name!r} must be increasing probabilities strictly between "
                                     "0 and 1", f"$.bins.{name}")
            classes.append(ordered_classes(col, c, col.prop_missing > 0))
        extra = sorted(set(bins) - set(order))
        if extra:
            raise ModelFileError(f"bins for columns not in the order: {extra}", "$.bins")
        tree_section = section["trees"]
        if list(tree_section) != order:
            raise ModelFileError(f"'trees' must have one entry per column of the order, in order: {order}", "$.trees")
        trees: list[Tree | None] = []
        for j, name in enumerate(order):
            d = tree_section[name]
            if d is None:
                trees.append(None)
                continue
            if j == 0:
                raise ModelFileError(f"the first column ({name!r}) is drawn from its marginal: its tree must be null",
                                     f"$.trees.{name}")
            before = {order[i]: i for i in range(j)}
            trees.append(tree_from_dict(d, j, classes, before, classes[j].marginal(by_name[name]), f"$.trees.{name}"))
        for i, entry in enumerate(section.get("independent", [])):
            if entry["column"] not in by_name:
                raise ModelFileError(f"column {entry['column']!r} is not among the file's columns",
                                     f"$.independent[{i}].column")
        return cls(list(columns), order, classes, trees, list(section.get("independent", [])),
                   int(section.get("min_leaf", 1)), dict(section.get("settings", {})))

    # -- reading it --------------------------------------------------------------------------------
    def summary(self) -> pl.DataFrame:
        rows = [(name, "marginal" if t is None else "tree", 0 if t is None else t.n_leaves,
                 0 if t is None else t.depth, 0 if t is None else int((t.feature >= 0).sum()))
                for name, t in zip(self.order, self.trees)]
        return pl.DataFrame(rows, schema={"column": pl.String, "drawn_from": pl.String, "leaves": pl.Int64,
                                          "depth": pl.Int64, "splits": pl.Int64}, orient="row")

    def describe(self) -> list[str]:
        leaves = sum(t.n_leaves for t in self.trees if t is not None)
        lines = [
            f"family cart: {len(self.order)} columns drawn in order, each by a tree on the ones before it "
            f"({leaves} leaves in all, each of at least {self.min_leaf} rows)",
            "visit order: " + " -> ".join(self.order),
        ]
        if self.independent:
            lines.append("drawn on their own: " + ", ".join(f"{e['column']} ({e['reason']})" for e in self.independent))
        return lines

    def roles(self) -> dict[str, str]:
        position = {name: j for j, name in enumerate(self.order)}
        out = {}
        for c in self.columns:
            j = position.get(c.name)
            if j is None:
                out[c.name] = "independent"
            elif self.trees[j] is None:
                out[c.name] = f"cart #{j + 1}: from its marginal"
            else:
                out[c.name] = f"cart #{j + 1}: tree on the {j} before it"
        return out

    def column_lines(self, name: str) -> list[str]:
        """The column's tree, readably: splits with the values they stand for, leaf sizes and
        each leaf's most likely classes."""
        from datatwin.models.cart.show import show_tree

        if name not in self.order:
            reason = next((e["reason"] for e in self.independent if e["column"] == name), None)
            if reason is not None:
                return [f"{name}: drawn on its own ({reason})"]
            return super().column_lines(name)
        j = self.order.index(name)
        by_name = {c.name: c for c in self.columns}
        return show_tree(j, self.order, self.classes, self.trees[j], by_name)


_DISTRIBUTION: dict[str, Any] = {
    "n": {"type": "integer", "minimum": 0},
    "classes": {"type": "array"},
    "probs": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}},
    "rest": {"type": "number", "minimum": 0, "maximum": 1},
}
_SPLIT: dict[str, Any] = {
    "type": "object",
    "required": ["column"],
    "additionalProperties": False,
    "properties": {
        "column": {"type": "string"},
        "bins_up_to": {"type": "integer", "minimum": -1},
        "missing": {"enum": ["left", "right"]},
        "left": {"type": "array"},
    },
}
#: a node: its distribution (what its rows are drawn from when it is a leaf, and what its
#: children's pooled ``rest`` is drawn from) and, for an inner node, the split and both children
_NODE: dict[str, Any] = {
    "type": "object",
    "required": ["n", "classes", "probs"],
    "additionalProperties": False,
    "dependentRequired": {"split": ["left", "right"], "left": ["split"], "right": ["split"]},
    "properties": {
        **_DISTRIBUTION,
        "split": _SPLIT,
        "left": {"$ref": "#/$defs/node"},
        "right": {"$ref": "#/$defs/node"},
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["order", "trees"],
    "additionalProperties": False,
    "$defs": {"node": _NODE},
    "properties": {
        "order": {"type": "array", "items": {"type": "string"}},
        "min_leaf": {"type": "integer", "minimum": 1},
        "bins": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "number"}}},
        "trees": {"type": "object", "additionalProperties": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/node"}]}},
        "independent": INDEPENDENT_SCHEMA,
        "settings": {"type": "object"},
    },
}

Cart.fitted = CartFit  # defined after the family, which names it
