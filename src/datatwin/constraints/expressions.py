"""A small, safe expression language for formulas, implications and ``--where`` conditions.

Parsed with :mod:`ast` against a whitelist and compiled to polars expressions, so nothing
is ever evaluated as Python:

- **formulas** (``price * quantity``): numbers, column names, ``+ - * / **``, unary minus,
  parentheses and the functions ``abs``, ``min``, ``max``, ``round``;
- **comparisons** (``age < 18``, ``sex == 'Female'``, ``x in ['a', 'b']``): ``column op
  literal`` joined by ``and``, where op is one of ``== != < <= > >= in``; ``None`` is missing.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from typing import Any

import polars as pl

from datatwin.errors import ConstraintError

#: the functions a formula may call, with how many arguments
FUNCTIONS = {"abs": (1, 1), "min": (2, 8), "max": (2, 8), "round": (1, 2)}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in"}
_MAX_LENGTH = 1000


_QUOTED = re.compile(r"`([^`]+)`")


def _parse(text: Any, what: str) -> ast.expr:
    """The expression's tree; a column name that is not an identifier is written in
    backticks (`native-country`)."""
    if not isinstance(text, str) or not text.strip():
        raise ConstraintError(f"{what} must be non-empty text. Got {text!r}.")
    if len(text) > _MAX_LENGTH:
        raise ConstraintError(f"{what} is longer than {_MAX_LENGTH} characters")
    quoted: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        key = f"_dt_quoted_{len(quoted)}_"
        quoted[key] = match.group(1)
        return key

    try:
        tree = ast.parse(_QUOTED.sub(placeholder, text.strip()), mode="eval").body
    except SyntaxError as exc:
        raise ConstraintError(
            f"{what} {text!r} is not a valid expression: {exc.msg} (at character {exc.offset}); write a column "
            "name that is not an identifier in backticks, e.g. `native-country`"
        ) from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in quoted:
            node.id = quoted[node.id]
    return tree


@dataclasses.dataclass(frozen=True)
class Formula:
    """A parsed arithmetic expression over columns; ``columns`` are the names it reads."""

    text: str
    tree: ast.expr
    columns: tuple[str, ...]

    def expr(self) -> pl.Expr:
        """The polars expression computing it (Float64; a missing input gives a missing result)."""
        return _compile(self.tree)


def parse_formula(text: Any, what: str = "formula") -> Formula:
    """Parse ``text`` as a formula; ConstraintError naming the unsafe construct otherwise."""
    tree = _parse(text, what)
    names: list[str] = []
    _check_formula(tree, text, what, names)
    return Formula(text, tree, tuple(dict.fromkeys(names)))


def _check_formula(node: ast.AST, text: str, what: str, names: list[str]) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ConstraintError(f"{what} {text!r}: only numbers may appear as constants, not {node.value!r}")
    elif isinstance(node, ast.Name):
        names.append(node.id)
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        _check_formula(node.left, text, what, names)
        _check_formula(node.right, text, what, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check_formula(node.operand, text, what, names)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        low, high = FUNCTIONS[node.func.id]
        if node.keywords or not low <= len(node.args) <= high:
            raise ConstraintError(
                f"{what} {text!r}: {node.func.id}() takes {low}{'' if low == high else f' to {high}'} argument(s)"
            )
        if node.func.id == "round" and len(node.args) == 2 and not (
            isinstance(node.args[1], ast.Constant) and type(node.args[1].value) is int
        ):
            raise ConstraintError(f"{what} {text!r}: round()'s digits must be a whole number")
        for arg in node.args:
            _check_formula(arg, text, what, names)
    else:
        shown = ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__
        raise ConstraintError(
            f"{what} {text!r}: {shown!r} is not allowed; a formula may use numbers, column names, "
            f"+ - * / **, parentheses and {', '.join(FUNCTIONS)}"
        )


def _compile(node: ast.AST) -> pl.Expr:
    if isinstance(node, ast.Constant):
        return pl.lit(float(node.value))  # type: ignore[arg-type]  # checked: a number
    if isinstance(node, ast.Name):
        return pl.col(node.id).cast(pl.Float64)
    if isinstance(node, ast.BinOp):
        a, b = _compile(node.left), _compile(node.right)
        op = _BINOPS[type(node.op)]
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a.pow(b)}[op]
    if isinstance(node, ast.UnaryOp):
        inner = _compile(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_compile(a) for a in node.args]
    name = node.func.id
    if name == "abs":
        return args[0].abs()
    if name == "round":
        digits = int(node.args[1].value) if len(node.args) == 2 else 0  # type: ignore[attr-defined]
        return args[0].round(digits)
    # a missing input gives a missing result (polars' min/max_horizontal would skip it)
    any_missing = pl.any_horizontal([a.is_null() for a in args])
    horizontal = pl.min_horizontal(args) if name == "min" else pl.max_horizontal(args)
    return pl.when(any_missing).then(None).otherwise(horizontal)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """``column op value``: ``op`` one of ``== != < <= > >= in``; ``value`` a number, text,
    True/False, None (missing) or, for ``in``, a tuple of them."""

    column: str
    op: str
    value: Any

    def to_text(self) -> str:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return f"{self.column} {self.op} {value!r}"


def parse_comparisons(text: Any, what: str = "condition") -> tuple[Comparison, ...]:
    """Parse ``col op literal [and col op literal ...]``; ConstraintError otherwise."""
    tree = _parse(text, what)
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    return tuple(_comparison(p, text, what) for p in parts)


def _literal(node: ast.AST, text: str, what: str) -> Any:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, (int, float, str, bool))):
        return node.value
    raise ConstraintError(
        f"{what} {text!r}: {ast.unparse(node)!r} is not a literal; compare a column with a number, "
        "a quoted text, True/False or None"
    )


def _comparison(node: ast.AST, text: str, what: str) -> Comparison:
    usage = (f"{what} {text!r}: write simple comparisons 'column op value' joined by 'and', "
             "op one of == != < <= > >= in (e.g. \"age >= 30 and sex == 'Female'\")")
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name)):
        raise ConstraintError(usage)
    op = _CMPOPS.get(type(node.ops[0]))
    if op is None:
        raise ConstraintError(usage)
    right = node.comparators[0]
    if op == "in":
        if not isinstance(right, (ast.List, ast.Tuple, ast.Set)) or not right.elts:
            raise ConstraintError(f"{what} {text!r}: 'in' takes a non-empty list of values, e.g. x in ['a', 'b']")
        value: Any = tuple(_literal(e, text, what) for e in right.elts)
    else:
        value = _literal(right, text, what)
        if value is None and op not in ("==", "!="):
            raise ConstraintError(f"{what} {text!r}: None (missing) can only be compared with == or !=")
    return Comparison(node.left.id, op, value)


def comparison_expr(c: Comparison) -> pl.Expr:
    """True where the comparison holds; a missing value satisfies only ``== None`` / ``!= <value>``."""
    col = pl.col(c.column)
    if c.value is None:
        return col.is_null() if c.op == "==" else col.is_not_null()
    if c.op == "in":
        values = [v for v in c.value if v is not None]
        held = col.is_in(values).fill_null(False) if values else pl.lit(False)
        return held | col.is_null() if None in c.value else held
    value = pl.lit(c.value)
    out = {"==": col == value, "!=": col != value, "<": col < value, "<=": col <= value,
           ">": col > value, ">=": col >= value}[c.op]
    return out.fill_null(c.op == "!=")
