"""One column's tree: learnt by scikit-learn, held and sampled as our own plain data.

In the file a tree is nested JSON. An internal node is
``{"split": {...}, "left": node, "right": node}`` where the split is either

- ``{"column": "age", "bins_up_to": 7, "missing": "right"}`` (an ordered column: bins 0..7 go
  left; ``missing`` only when the column has missing values), or
- ``{"column": "education", "left": ["Bachelors", "Masters", null]}`` (a categorical or boolean
  column: these labels go left, ``null`` standing for a missing value);

a leaf is ``{"n": 57, "classes": [...], "probs": [...], "rest": 0.05}``: how many training
rows it holds, and the probability of each listed class of the target — a label (``null``:
missing), or for an ordered target a range of its bins ``[first, last]`` — with ``rest`` the
mass of classes each held by fewer than k of the leaf's rows, drawn from the column's marginal
over the classes the leaf does not list. So no class held by fewer than k rows of a leaf is
published on its own.

In memory a tree is flat arrays (one entry per node), and rows are routed level by level,
all rows at once (no Python loop over rows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from datatwin.errors import ModelFileError
from datatwin.models.cart.classes import ColumnClasses

#: leaf probabilities are written with this many decimals (renormalised when read)
PROB_DECIMALS = 5
#: under disclosure control, node sizes are rounded to a multiple of this and shares to
#: STRICT_DECIMALS decimals (summing to 1), so a count under k cannot be recovered by
#: differencing a node against its children or the marginal
SIZE_BASE = 5
STRICT_DECIMALS = 2


@dataclasses.dataclass(eq=False)
class Tree:
    """Flat nodes in pre-order: ``feature[i]`` is the predictor's position among all CART
    columns (-1 at a leaf); ``go_left[i]`` a boolean mask over the predictor's classes;
    ``probs[i]`` node i's distribution, dense over the target's classes; ``published[i]`` the
    node's entry as the file writes it (without its split and children)."""

    target: int
    feature: np.ndarray
    left: np.ndarray
    right: np.ndarray
    go_left: list[np.ndarray | None]
    probs: np.ndarray
    published: list[dict[str, Any]]

    @property
    def n_leaves(self) -> int:
        return int((self.feature < 0).sum())

    @property
    def depth(self) -> int:
        depth = np.zeros(len(self.feature), dtype=np.int64)
        for i in range(len(self.feature)):  # pre-order: a parent before its children
            if self.feature[i] >= 0:
                depth[self.left[i]] = depth[self.right[i]] = depth[i] + 1
        return int(depth.max()) if len(depth) else 0

    # -- sampling ------------------------------------------------------------------------
    def route(self, drawn: np.ndarray) -> np.ndarray:
        """The leaf (node index) of every row; ``drawn`` holds every CART column's classes so
        far (columns x rows)."""
        n = drawn.shape[1]
        node = np.zeros(n, dtype=np.int64)
        offsets, flat = self._masks()
        active = np.arange(n)
        while len(active):
            f = self.feature[node[active]]
            inner = f >= 0
            active, f = active[inner], f[inner]
            if not len(active):
                break
            at = node[active]
            go = flat[offsets[at] + drawn[f, active]]
            node[active] = np.where(go, self.left[at], self.right[at])
        return node

    def _masks(self) -> tuple[np.ndarray, np.ndarray]:
        sizes = np.array([0 if m is None else len(m) for m in self.go_left], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        parts = [m for m in self.go_left if m is not None]
        flat = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
        return offsets, flat

    def draw(self, drawn: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each row's class of the target, drawn from its leaf."""
        return draw_classes(self.probs, self.route(drawn), rng)


def draw_classes(probs: np.ndarray, row: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One class per entry of ``row`` from ``probs[row]``: one search over all rows at once
    (each row's cumulative probabilities shifted by its row index)."""
    n_rows, n_classes = probs.shape
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    shifted = (cum + np.arange(n_rows)[:, None]).ravel()
    u = rng.random(len(row))
    pos = np.searchsorted(shifted, row + u, side="right")
    return np.minimum(pos - row * n_classes, n_classes - 1).astype(np.int64)


# -- from counts to a published leaf ---------------------------------------------------------
def publish_leaf(counts: np.ndarray, target: ColumnClasses, k: float, strict: bool) -> dict[str, Any]:
    """A node as the file publishes it, from its class counts.

    Classes held by at least ``k`` rows are listed; an ordered target's bins are first grouped
    into runs of consecutive bins holding at least ``k`` rows each. The rest (classes or a
    missing count under k) is pooled as ``rest``, drawn like the parent node over the classes
    not listed (see :func:`dense_probs`); when
    ``strict`` (disclosure control) a pool under k rows is dropped instead, so no count under k
    can be recovered from the leaf."""
    n = float(counts.sum())
    entries: list[tuple[Any, float, np.ndarray]] = []  # (class in the file, count, member classes)
    if target.ordered:
        values = counts[: target.n_values]
        for first, last in _runs(values, k):
            entries.append(([int(first), int(last)], float(values[first : last + 1].sum()), np.arange(first, last + 1)))
        # a missing share is not a value: without disclosure control it is published even when
        # under k rows (pooled as rest, it would be spread over the parent's bins as well)
        if target.has_missing and counts[target.missing] > 0 and (counts[target.missing] >= k or not strict):
            entries.append((None, float(counts[target.missing]), np.array([target.missing])))
    else:
        for c in np.flatnonzero(counts >= k):
            label = None if target.has_missing and c == target.missing else target.labels[c]
            entries.append((label, float(counts[c]), np.array([c])))
    listed = np.zeros(target.n_classes, dtype=bool)
    for _, _, members in entries:
        listed[members] = True
    rest = n - sum(count for _, count, _ in entries)
    if rest < k and strict or rest <= 1e-9:
        rest = 0.0
    shares = np.array([count for _, count, _ in entries] + [rest]) / (rest + sum(count for _, count, _ in entries))
    if strict:  # disclosure control: sizes and shares rounded, so no count can be recovered exactly
        size, shares = _round_to(n, SIZE_BASE), _largest_remainder(shares, STRICT_DECIMALS)
    else:
        size, shares = int(round(n)), np.round(shares, PROB_DECIMALS)
    leaf: dict[str, Any] = {"n": size, "classes": [cls for cls, _, _ in entries],
                            "probs": [float(p) for p in shares[:-1]]}
    if shares[-1] > 0:
        leaf["rest"] = float(shares[-1])
    return leaf


def _round_to(n: float, base: int) -> int:
    return int(base * round(n / base))


def _largest_remainder(shares: np.ndarray, decimals: int) -> np.ndarray:
    """Shares rounded to ``decimals`` that still sum to 1 (the largest remainders round up)."""
    unit = 10**decimals
    scaled = shares * unit
    out = np.floor(scaled)
    short = int(round(unit - out.sum()))
    if short > 0:
        out[np.argsort(-(scaled - out), kind="stable")[:short]] += 1
    return out / unit


def _runs(values: np.ndarray, k: float) -> list[tuple[int, int]]:
    """Consecutive bins grouped so that each group holds at least ``k`` rows (a last short
    group joins the one before); empty bins at the ends are left out. Nothing when all the
    bins together hold under k."""
    runs: list[tuple[int, int]] = []
    nonzero = np.flatnonzero(values > 0)
    if not len(nonzero):
        return runs
    start, acc = int(nonzero[0]), 0.0
    for b in range(int(nonzero[0]), int(nonzero[-1]) + 1):
        acc += float(values[b])
        if acc >= k:
            runs.append((start, b))
            start, acc = b + 1, 0.0
    if runs and acc > 0:
        runs[-1] = (runs[-1][0], int(nonzero[-1]))
    return runs


def dense_probs(leaf: Mapping[str, Any], target: ColumnClasses, fallback: np.ndarray, marginal: np.ndarray | None = None) -> np.ndarray:
    """A published node as probabilities over every class of the target.

    ``fallback`` is the parent node's distribution (the marginal at the root): a range of bins
    is spread by the fallback's shares of its bins, and ``rest`` by the fallback over the
    classes the node does not list (by the marginal where the fallback has none of them)."""
    marginal = fallback if marginal is None else marginal
    p = np.zeros(target.n_classes)
    listed = np.zeros(target.n_classes, dtype=bool)
    for cls, prob in zip(leaf["classes"], leaf["probs"]):
        members = class_members(cls, target)
        share = _spread(fallback[members], marginal[members])
        p[members] += prob * share
        listed[members] = True
    rest = float(leaf.get("rest", 0.0))
    if rest > 0:
        share = np.where(listed, 0.0, fallback)
        if share.sum() <= 0:
            share = np.where(listed, 0.0, marginal)
        if share.sum() <= 0:
            share = fallback.copy()
        p += rest * share / share.sum()
    total = p.sum()
    return p / total if total > 0 else fallback.copy()


def _spread(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    for share in (first, second):
        if share.sum() > 0:
            return share / share.sum()
    return np.full(len(first), 1.0 / len(first))


def class_members(cls: Any, target: ColumnClasses) -> np.ndarray:
    """The class indices a leaf's class entry stands for (ValueError when it names none)."""
    if cls is None:
        if not target.has_missing:
            raise ValueError("null (missing) but the column has no missing values")
        return np.array([target.missing])
    if target.ordered:
        if (not isinstance(cls, list) or len(cls) != 2 or not all(isinstance(b, int) and not isinstance(b, bool) for b in cls)
                or not 0 <= cls[0] <= cls[1] < target.n_values):
            raise ValueError(f"{cls!r} is not a range [first, last] of bins 0..{target.n_values - 1}")
        return np.arange(cls[0], cls[1] + 1)
    index = label_index(target)
    key = _key(cls)
    if key not in index:
        raise ValueError(f"{cls!r} is not a label of the column")
    return np.array([index[key]])


def label_index(target: ColumnClasses) -> dict[Any, int]:
    return {_key(label): i for i, label in enumerate(target.labels)}


def _key(label: Any) -> Any:
    return (type(label) is bool, label)  # True is not 1 here


# -- splits --------------------------------------------------------------------------------
def split_to_dict(predictor: ColumnClasses, mask: np.ndarray) -> dict[str, Any]:
    """A split as the file writes it, from the mask of the predictor's classes that go left."""
    if predictor.ordered:
        inside = mask[: predictor.n_values]
        up_to = int(np.flatnonzero(inside).max()) if inside.any() else -1
        d: dict[str, Any] = {"column": predictor.name, "bins_up_to": up_to}
        if predictor.has_missing:
            d["missing"] = "left" if mask[predictor.missing] else "right"
        return d
    left = [label for i, label in enumerate(predictor.labels) if mask[i]]
    if predictor.has_missing and mask[predictor.missing]:
        left.append(None)
    return {"column": predictor.name, "left": left}


def split_from_dict(d: Mapping[str, Any], predictor: ColumnClasses, where: str) -> np.ndarray:
    mask = np.zeros(predictor.n_classes, dtype=bool)
    if predictor.ordered:
        if "bins_up_to" not in d or "left" in d:
            raise ModelFileError(f"a split on ordered column {predictor.name!r} needs 'bins_up_to' (and no 'left')", where)
        up_to = d["bins_up_to"]
        if not -1 <= up_to < predictor.n_values - 1 + 1:
            raise ModelFileError(f"bins_up_to must be a bin of column {predictor.name!r} (0..{predictor.n_values - 1})",
                                 where + ".bins_up_to")
        mask[: up_to + 1] = True
        if predictor.has_missing:
            mask[predictor.missing] = d.get("missing", "right") == "left"
        elif "missing" in d:
            raise ModelFileError(f"column {predictor.name!r} has no missing values to send anywhere", where + ".missing")
        return mask
    if "left" not in d or "bins_up_to" in d:
        raise ModelFileError(f"a split on column {predictor.name!r} needs 'left', the labels that go left", where)
    index = label_index(predictor)
    for j, label in enumerate(d["left"]):
        if label is None:
            if not predictor.has_missing:
                raise ModelFileError(f"column {predictor.name!r} has no missing values (null)", f"{where}.left[{j}]")
            mask[predictor.missing] = True
        elif _key(label) in index:
            mask[index[_key(label)]] = True
        else:
            raise ModelFileError(f"{label!r} is not a label of column {predictor.name!r}", f"{where}.left[{j}]")
    return mask


# -- the file --------------------------------------------------------------------------------
def tree_to_dict(tree: Tree, columns: Sequence[ColumnClasses]) -> dict[str, Any]:
    def node(i: int) -> dict[str, Any]:
        entry = dict(tree.published[i])
        if tree.feature[i] >= 0:
            mask = tree.go_left[i]
            assert mask is not None
            entry.update(split=split_to_dict(columns[tree.feature[i]], mask), left=node(tree.left[i]),
                         right=node(tree.right[i]))
        return entry

    return node(0)


def tree_from_dict(
    d: Mapping[str, Any], target: int, columns: Sequence[ColumnClasses], before: Mapping[str, int],
    marginal: np.ndarray, where: str,
) -> Tree:
    """Rebuild a tree; ``before`` maps the names of the columns earlier in the order (the only
    ones a split may use) to their positions."""
    feature: list[int] = []
    left: list[int] = []
    right: list[int] = []
    masks: list[np.ndarray | None] = []
    published: list[dict[str, Any]] = []
    probs: list[np.ndarray] = []
    stack: list[tuple[Mapping[str, Any], str, int, str]] = [(d, where, -1, "")]
    target_classes = columns[target]
    while stack:  # pre-order, iteratively: a hand-edited file may nest deeply
        node, path, parent, side = stack.pop()
        i = len(feature)
        if parent >= 0:
            (left if side == "left" else right)[parent] = i
        feature.append(-1)
        left.append(-1)
        right.append(-1)
        masks.append(None)
        fallback = marginal if parent < 0 else probs[parent]
        probs.append(_node_probs(node, target_classes, fallback, marginal, path))
        published.append({key: node[key] for key in ("n", "classes", "probs", "rest") if key in node})
        if "split" in node:
            split = node["split"]
            name = split.get("column")
            if name not in before:
                raise ModelFileError(
                    f"a split on {name!r}, which is not a column before {target_classes.name!r} in the order "
                    "(a tree may only split on earlier columns)", path + ".split.column")
            pos = before[name]
            feature[i] = pos
            masks[i] = split_from_dict(split, columns[pos], path + ".split")
            stack.append((node["right"], path + ".right", i, "right"))
            stack.append((node["left"], path + ".left", i, "left"))
    return Tree(
        target=target, feature=np.asarray(feature, dtype=np.int64), left=np.asarray(left, dtype=np.int64),
        right=np.asarray(right, dtype=np.int64), go_left=masks, probs=np.vstack(probs), published=published,
    )


def _node_probs(node: Mapping[str, Any], target: ColumnClasses, fallback: np.ndarray, marginal: np.ndarray,
                path: str) -> np.ndarray:
    if len(node["classes"]) != len(node["probs"]):
        raise ModelFileError("a node needs one probability per class", path + ".probs")
    for j, cls in enumerate(node["classes"]):
        try:
            class_members(cls, target)
        except ValueError as exc:
            raise ModelFileError(f"a class of column {target.name!r}: {exc}", f"{path}.classes[{j}]") from None
    total = sum(node["probs"]) + node.get("rest", 0.0)
    if not 0.99 <= total <= 1.01:
        raise ModelFileError(
            f"the probabilities of a node of column {target.name!r} (and 'rest') must sum to 1; they sum to {total:.4g}",
            path + ".probs")
    return dense_probs(node, target, fallback, marginal)
