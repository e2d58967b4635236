"""Dtype text: metasyn's (``str`` of a polars dtype) <-> datatwin's."""

from __future__ import annotations

import ast
import re
from typing import Any

_SIMPLE_DTYPES = {
    "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64",
    "String", "Boolean", "Date", "Time", "Categorical", "Null",
}
_DEFAULT_DTYPES = {
    "continuous": "Float64", "discrete": "Int64", "categorical": "Categorical", "string": "String",
    "date": "Date", "datetime": "Datetime[us]", "time": "Time",
}


def _dtype_in(text: Any, var_type: str) -> tuple[str, list[str] | None]:
    """metasyn's dtype (``str`` of a polars dtype) -> datatwin's dtype text and Enum categories."""
    if not isinstance(text, str):
        raise ValueError(f"'dtype' must be a string. Got {text!r}.")  # noqa: TRY004 - reported as a bad value
    m = re.fullmatch(r"(\w+)(?:\((.*)\))?", text.strip())
    if m is None:
        raise ValueError(f"unknown dtype {text!r}")
    name, args = m.group(1), m.group(2) or ""
    if name == "unknown":
        return _DEFAULT_DTYPES.get(var_type, "String"), None
    if name == "Utf8":
        return "String", None
    if name in _SIMPLE_DTYPES:
        return name, None
    if name in ("Datetime", "Duration"):
        unit = re.search(r"time_unit='(\w+)'", args)
        zone = re.search(r"time_zone='([^']+)'", args)
        u = unit.group(1) if unit else "us"
        if name == "Duration":
            return f"Duration[{u}]", None
        return (f"Datetime[{u}, {zone.group(1)}]" if zone else f"Datetime[{u}]"), None
    if name == "Decimal":
        prec, scale = re.search(r"precision=(\d+)", args), re.search(r"scale=(\d+)", args)
        return f"Decimal[{prec.group(1) if prec else 38}, {scale.group(1) if scale else 0}]", None
    if name == "Enum":
        cats = re.search(r"categories=(\[.*\])", args)
        try:
            categories = ast.literal_eval(cats.group(1)) if cats else None
        except (ValueError, SyntaxError):
            categories = None
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise ValueError(f"cannot read the Enum categories of dtype {text!r}")
        return "Enum", categories
    raise ValueError(f"dtype {text!r} has no datatwin equivalent")


def _dtype_out(dtype: str, categories: list[str] | None) -> tuple[str, str | None]:
    """datatwin's dtype text -> metasyn's (``str`` of the polars dtype), and a note if inexact."""
    m = re.fullmatch(r"(\w+)\[([^\]]*)\]", dtype)
    if m is None:
        if dtype == "Enum":  # metasyn 3.0.0 casts with pl.Enum and no categories, which fails
            return "Categorical", f"dtype Enum {categories} written as Categorical (metasyn cannot sample an Enum)"
        return dtype, None
    name, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
    if name == "Datetime":
        zone = f"'{args[1]}'" if len(args) == 2 else "None"
        return f"Datetime(time_unit='{args[0]}', time_zone={zone})", None
    if name == "Duration":
        return f"Duration(time_unit='{args[0]}')", None
    if name == "Decimal":
        return f"Decimal(precision={args[0]}, scale={args[1]})", None
    return dtype, None
