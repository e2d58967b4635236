"""A CART tree as indented text for ``datatwin inspect MODEL --column NAME``: each split with
the values it stands for (a bin threshold turned back into the column's value), each leaf
with its size and its most likely classes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from datatwin.models.cart.classes import ColumnClasses, distribution
from datatwin.models.cart.tree import Tree, split_to_dict
from datatwin.models.columns import ColumnModel

#: a leaf shows at most this many classes (the most likely ones)
LEAF_CLASSES = 4
#: at most this many lines of one tree are shown
MAX_LINES = 400


def bin_value(cc: ColumnClasses, col: ColumnModel, b: int) -> str:
    """The largest value of bin ``b`` of an ordered column, as text."""
    assert cc.cuts is not None
    if b >= len(cc.cuts):
        return "max"
    value = np.asarray(distribution(col).ppf(np.array([cc.cuts[b]])))[0]
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.datetime64):
        return str(value)
    return str(value)


def _labels(labels: Sequence[Any], limit: int = 6) -> str:
    shown = ["(missing)" if v is None else str(v) for v in labels[:limit]]
    return "{" + ", ".join(shown) + (f", … {len(labels) - limit} more" if len(labels) > limit else "") + "}"


def split_text(split: Mapping[str, Any], cc: ColumnClasses, col: ColumnModel) -> tuple[str, str]:
    """The conditions of the left and right branches."""
    name = split["column"]
    if "bins_up_to" in split:
        up_to = split["bins_up_to"]
        value = bin_value(cc, col, up_to) if up_to >= 0 else "min"
        miss = split.get("missing")
        left = f"{name} <= {value}" + (" or missing" if miss == "left" else "")
        right = f"{name} > {value}" + (" or missing" if miss == "right" else "")
        return left, right
    left_set = list(split["left"])
    others = [v for v in cc.labels if v not in left_set] + ([None] if cc.has_missing and None not in left_set else [])
    return f"{name} in {_labels(left_set)}", f"{name} in {_labels(others)}"


def leaf_text(leaf: Mapping[str, Any], cc: ColumnClasses, col: ColumnModel) -> str:
    pairs = sorted(zip(leaf["classes"], leaf["probs"]), key=lambda t: -t[1])
    shown = []
    for cls, p in pairs[:LEAF_CLASSES]:
        if cls is None:
            what = "(missing)"
        elif cc.ordered:
            lo = bin_value(cc, col, cls[0] - 1) if cls[0] > 0 else "min"
            what = f"({lo}, {bin_value(cc, col, cls[1])}]"
        else:
            what = str(cls)
        shown.append(f"{what} {p:.0%}")
    more = len(pairs) - LEAF_CLASSES
    rest = leaf.get("rest", 0.0)
    tail = (f", {more} more" if more > 0 else "") + (f", rest {rest:.0%}" if rest else "")
    return f"n={leaf['n']}: " + ", ".join(shown) + tail


def show_tree(
    j: int, order: Sequence[str], classes: Sequence[ColumnClasses], tree: Tree | None, by_name: Mapping[str, ColumnModel]
) -> list[str]:
    name = order[j]
    if tree is None:
        return [f"{name}: drawn first, from its marginal (no tree)"]
    lines = [f"{name}: tree on {', '.join(order[:j])} — {tree.n_leaves} leaves, depth {tree.depth}"]
    target, target_col = classes[j], by_name[name]

    def walk(i: int, indent: str) -> None:
        if len(lines) >= MAX_LINES:
            return
        f = int(tree.feature[i])
        if f < 0:
            lines.append(indent + leaf_text(tree.published[i], target, target_col))
            return
        mask = tree.go_left[i]
        assert mask is not None
        left, right = split_text(split_to_dict(classes[f], mask), classes[f], by_name[order[f]])
        lines.append(indent + "if " + left + ":")
        walk(int(tree.left[i]), indent + "  ")
        lines.append(indent + "else (" + right + "):")
        walk(int(tree.right[i]), indent + "  ")

    walk(0, "  ")
    if len(lines) >= MAX_LINES:
        lines.append(f"  … ({tree.n_leaves} leaves in all; the model file holds the whole tree)")
    return lines
