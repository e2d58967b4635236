"""metasyn's Generative Metadata Format (GMF) <-> the datatwin model file.

Pure dict transformations, like :mod:`datatwin.modelfile`: this layer knows the two
JSON layouts and the names and parameters of both sides' distributions, not the
distributions themselves. The result of an import is checked by the models
(``IndependentModel.from_dict``) like any model file.

Import reads what metasyn 2.x (``gmf_version`` 1.1: ``n_rows``/``vars`` at the top) and
3.x (``gmf_version`` 2.x: one entry in ``tables``) write. Export writes GMF 2.1 (metasyn
3.x) or 1.1 (metasyn 2.x). Where a distribution has no equivalent on the other side,
nothing is approximated silently: the default (``strict=True``) refuses with a
``ModelFileError`` naming every such column; ``strict=False`` skips them on import
(listed under ``skipped``) and writes named approximations on export (listed in the
returned notes). See ``docs/model-file.md#metasyn-gmf`` for the mapping table.
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import math
import re
from pathlib import Path
from typing import Any

from datatwin import modelfile
from datatwin._version import __version__
from datatwin.errors import DatatwinError, InputFileError, ModelFileError

#: GMF versions written by metasyn 2.x (flat) and 3.x (tables)
GMF_VERSIONS = ("1.1", "2.1")
_VAR_TYPES = ("continuous", "discrete", "categorical", "string", "date", "datetime", "time", "duration")
_TEMPORAL_PRECISION = {"days": "day", "hours": "hour", "minutes": "minute", "seconds": "second", "microseconds": "microsecond"}
_TEMPORAL_PRECISION_BACK = {v: k for k, v in _TEMPORAL_PRECISION.items()}
#: datatwin's random_string character classes (distributions/categorical.py), as regex bracket parts
_CHAR_CLASSES = {
    "upper": ("A-Z", set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
    "lower": ("a-z", set("abcdefghijklmnopqrstuvwxyz")),
    "digit": ("0-9", set("0123456789")),
    "space": (" ", {" "}),
    "punctuation": (r"\-_\.,/:@\#\&\(\)'", set("-_.,/:@#&()'")),
}
#: a discrete empirical histogram is written as a multinoulli over at most this many integers
_MAX_EXPANDED_LABELS = 10_000
_SIMPLE_DTYPES = {
    "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64",
    "String", "Boolean", "Date", "Time", "Categorical", "Null",
}
_DEFAULT_DTYPES = {
    "continuous": "Float64", "discrete": "Int64", "categorical": "Categorical", "string": "String",
    "date": "Date", "datetime": "Datetime[us]", "time": "Time",
}


class _Unsupported(Exception):
    """A distribution without an exact equivalent; ``approx`` is the stand-in, if any."""

    def __init__(self, reason: str, approx: dict[str, Any] | None = None, note: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.approx, self.note = reason, approx, note


# ======================================================================================
# reading: GMF -> datatwin
# ======================================================================================


def is_gmf(data: Any) -> bool:
    """Whether ``data`` (parsed JSON) looks like a metasyn GMF rather than a datatwin model file."""
    if not isinstance(data, dict) or "format" in data:
        return False
    return isinstance(data.get("tables"), list) or (isinstance(data.get("vars"), list) and "n_rows" in data)


def gmf_table(gmf: dict[str, Any], file: str | None = None, table: str | None = None) -> tuple[dict[str, Any], str]:
    """The one table of ``gmf`` and its JSON path ('$' for the flat GMF 1.x layout)."""
    version = gmf.get("gmf_version", "1.1")
    if not isinstance(version, str) or not re.match(r"^[12](\.\d+)*$", version):
        raise ModelFileError(
            f"gmf_version {version!r} is not one datatwin reads (1.x from metasyn 2, 2.x from metasyn 3)",
            "$.gmf_version", file,
        )
    tables = gmf.get("tables")
    if not isinstance(tables, list):
        return gmf, "$"
    names = [t.get("name") if isinstance(t, dict) else None for t in tables]
    if table is not None:
        if table not in names:
            raise ModelFileError(f"no table named {table!r}; the GMF holds {names}", "$.tables", file)
        i = names.index(table)
    elif len(tables) == 1:
        i = 0
    else:
        raise ModelFileError(
            f"the GMF holds {len(tables)} tables {names}; a datatwin model is one table: "
            "pick one with datatwin.gmf.gmf_to_model_dict(gmf, table=NAME)",
            "$.tables", file,
        )
    if not isinstance(tables[i], dict):
        raise ModelFileError("a table must be a JSON object", f"$.tables[{i}]", file)
    return tables[i], f"$.tables[{i}]"


def gmf_to_model_dict(
    gmf: dict[str, Any], file: str | None = None, *, strict: bool = True, table: str | None = None
) -> dict[str, Any]:
    """Convert a metasyn GMF (parsed JSON) to a datatwin model-file dict.

    Parameters
    ----------
    gmf
        What ``json.load`` gives for a file metasyn wrote (``MetaFrame.save``).
    file
        The file name, for error messages.
    strict
        True (default): a variable whose distribution has no datatwin equivalent
        (``core.regex`` beyond one character class, ``core.faker``, ``core.freetext``,
        operators, plug-ins, durations) raises ``ModelFileError`` at its JSON path.
        False: such variables are left out and listed under ``skipped`` with the reason.
    table
        Which table of a multi-table GMF to convert (default: the only one).

    The result still has to pass ``IndependentModel.from_dict`` (``datatwin.load`` does both).
    """
    if not isinstance(gmf, dict):
        raise ModelFileError("a metasyn GMF must be a JSON object", "$", file)
    tab, base = gmf_table(gmf, file, table)
    n_rows = tab.get("n_rows")
    if isinstance(n_rows, float) and n_rows.is_integer():
        n_rows = int(n_rows)
    if isinstance(n_rows, bool) or not isinstance(n_rows, int) or n_rows < 0:
        raise ModelFileError(f"'n_rows' must be a whole number >= 0. Got {n_rows!r}.", f"{base}.n_rows", file)
    variables = tab.get("vars")
    if not isinstance(variables, list):
        raise ModelFileError("'vars' must be a list of variables", f"{base}.vars", file)
    columns, skipped, notes, refused = [], [], [], []
    for i, var in enumerate(variables):
        path = f"{base}.vars[{i}]"
        try:
            columns.append(_column_from_var(var, path, file, notes))
        except _Unsupported as exc:
            refused.append((f"{path}.distribution", str(var.get("name")), exc.reason))
            skipped.append({"name": str(var.get("name")), "reason": f"not converted from the metasyn GMF: {exc.reason}"})
    if refused and strict:
        listed = "; ".join(f"{name!r}: {reason}" for _, name, reason in refused)
        raise ModelFileError(
            f"{len(refused)} variable(s) have no datatwin equivalent: {listed}. Remove them from the GMF, "
            "or load with strict=False (datatwin.load(path, strict=False)) to skip them",
            refused[0][0], file,
        )
    if not columns:
        raise ModelFileError("no variable of the GMF could be converted; nothing is left to model", f"{base}.vars", file)
    prov = gmf.get("provenance") if isinstance(gmf.get("provenance"), dict) else {}
    created_by = prov.get("created by") if isinstance(prov.get("created by"), dict) else {}
    where = f"file {Path(file).name!r}, " if file else ""
    notes.insert(0, f"converted from a metasyn GMF ({where}gmf_version {gmf.get('gmf_version', '1.1')}) by datatwin {__version__}")
    source: dict[str, Any] = {"rows": n_rows, "columns": len(variables)}
    if isinstance(tab.get("name"), str) and tab["name"] != "single_table":
        source = {"name": tab["name"], **source}
    data: dict[str, Any] = {
        "format": modelfile.FORMAT,
        "n_rows": n_rows,
        "provenance": {
            "created_by": {"name": str(created_by.get("name", "metasyn")), "version": str(created_by.get("version", "unknown"))},
            "created_at": str(prov.get("creation time", "unknown")),
            "source": source,
            "notes": notes,
        },
        "privacy": {"policy": "none", "ledger": []},
        "model": {"family": "independent"},
        "columns": columns,
    }
    if skipped:
        data["skipped"] = skipped
    data["constraints"] = []
    return data


def _column_from_var(var: Any, path: str, file: str | None, notes: list[str]) -> dict[str, Any]:
    def bad(message: str, field: str = "") -> ModelFileError:
        return ModelFileError(message, f"{path}{field}", file)

    if not isinstance(var, dict):
        raise bad("a variable must be a JSON object")
    name, var_type = var.get("name"), var.get("type")
    if not isinstance(name, str) or not name:
        raise bad("'name' must be a non-empty string", ".name")
    if var_type not in _VAR_TYPES:
        raise bad(f"'type' must be one of {list(_VAR_TYPES)}. Got {var_type!r}.", ".type")
    if var_type == "duration":
        raise _Unsupported("duration variables have no datatwin equivalent yet")
    prop = var.get("prop_missing", 0.0)
    if isinstance(prop, bool) or not isinstance(prop, (int, float)) or not -1e-8 <= prop <= 1 + 1e-8:
        raise bad(f"'prop_missing' must be a number in [0, 1]. Got {prop!r}.", ".prop_missing")
    dtype_text = var.get("dtype", "unknown")
    try:
        dtype, categories = _dtype_in(dtype_text, var_type)
    except ValueError as exc:
        raise bad(str(exc), ".dtype") from None
    kind = "boolean" if var_type == "categorical" and dtype == "Boolean" else var_type
    if dtype == "Null":  # an all-missing column of no type: datatwin's kind for it is 'string'
        kind = "string"
    dist = var.get("distribution")
    if not isinstance(dist, dict):
        raise bad("'distribution' must be a JSON object", ".distribution")
    try:
        converted = _dist_in(dist, kind)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        params = dist.get("parameters")
        raise bad(
            f"{_dist_name(dist)!r}: parameters {params!r} are not those metasyn writes ({exc})", ".distribution"
        ) from None
    col: dict[str, Any] = {"name": name, "kind": kind, "dtype": dtype}
    if categories is not None:
        col["categories"] = categories
    if isinstance(var.get("description"), str):
        col["description"] = var["description"]
    col["prop_missing"] = 1.0 if converted is None else min(max(float(prop), 0.0), 1.0)
    col["unique"] = bool(dist.get("unique", False)) and kind not in ("categorical", "boolean")
    col["distribution"] = converted
    method = var.get("creation_method")
    fitter = method.get("fitter") if isinstance(method, dict) else None
    privacy = fitter.get("privacy") if isinstance(fitter, dict) else None
    if isinstance(privacy, dict) and privacy.get("name", "none") != "none":
        notes.append(f"column {name!r}: metasyn fitted it under privacy {privacy.get('name')!r} {privacy.get('parameters', {})}")
    return col


def _dist_name(dist: dict[str, Any]) -> str:
    name = dist.get("name", dist.get("implements", dist.get("class_name", "?")))
    return str(name)


def _dist_in(dist: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """One metasyn distribution -> datatwin ``{"name", "parameters"}`` (None for core.na)."""
    if "operands" in dist:
        raise _Unsupported(f"metasyn operator {dist.get('name')!r} (a composed distribution) has no datatwin equivalent")
    full = _dist_name(dist)
    name = full.split(".", 1)[1] if full.startswith("core.") else full
    p = dist.get("parameters") or {}
    if name == "na":
        return None
    if name == "uniform":
        if kind == "discrete":
            return _d("discrete_uniform", lower=_int(p["lower"]), upper=_int(p["upper"]) - 1)  # metasyn: upper exclusive
        if kind == "continuous":
            if float(p["lower"]) == float(p["upper"]):  # metasyn draws within 1e-8 of the value
                return _d("constant", value=float(p["lower"]))
            return _d("uniform", lower=float(p["lower"]), upper=float(p["upper"]))
        if kind == "date":
            return _d("date_uniform", lower=_date_in(p["lower"]), upper=_date_in(p["upper"]), precision="day")
        if kind in ("datetime", "time"):
            precision = _TEMPORAL_PRECISION[p.get("precision", "microseconds")]
            if kind == "time" and precision == "day":
                raise ValueError("a time cannot have precision 'days'")
            convert = _datetime_in if kind == "datetime" else _time_in
            return _d(f"{kind}_uniform", lower=convert(p["lower"]), upper=convert(p["upper"]), precision=precision)
    if name in ("normal", "truncated_normal") and kind in ("continuous", "discrete"):
        prefix = "discrete_" if kind == "discrete" else ""
        out = {"mu": float(p["mean"]), "sigma": float(p["sd"])}
        if name == "truncated_normal":
            out.update(lower=float(p["lower"]), upper=float(p["upper"]))
        return _d(prefix + name, **out)
    if name == "lognormal" and kind == "continuous":
        return _d("lognormal", mu=float(p["mean"]), sigma=float(p["sd"]))
    if name == "exponential" and kind == "continuous":
        return _d("exponential", rate=float(p["rate"]))
    if name == "poisson" and kind == "discrete":
        return _d("poisson", mu=float(p["rate"]))
    if name == "unique_key" and kind == "discrete":
        consecutive = bool(p["consecutive"])  # metasyn 1.x wrote 0/1
        # metasyn spreads non-consecutive keys over about twice their count
        return _d("unique_key", lower=_int(p["lower"]), consecutive=consecutive, density=1.0 if consecutive else 0.5)
    if name == "constant":
        return _d("constant", value=_constant_in(p["value"], kind))
    if name == "multinoulli":
        return _multinoulli_in(list(p["labels"]), [float(x) for x in p["probs"]], kind)
    if name == "regex" and kind == "string":
        data = p.get("regex_data", p.get("regex"))
        regex = data.get("regex") if isinstance(data, dict) else data
        parsed = _parse_char_class_regex(regex) if isinstance(regex, str) else None
        if parsed is None:
            raise _Unsupported(
                f"metasyn's core.regex {regex!r} has no datatwin equivalent (only one character class "
                "repeated, like '[A-Z0-9]{3,8}', maps to datatwin's random_string)"
            )
        return _d("random_string", min_length=parsed[0], max_length=parsed[1], classes=parsed[2])
    if name in ("faker", "freetext"):
        raise _Unsupported(f"metasyn's core.{name} (generated text) has no datatwin equivalent yet")
    raise _Unsupported(f"metasyn distribution {full!r} for a {kind} variable has no datatwin equivalent")


def _d(name: str, **parameters: Any) -> dict[str, Any]:
    return {"name": name, "parameters": parameters}


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not float(v).is_integer():
        raise ValueError(f"{v!r} is not a whole number")
    return int(v)


def _multinoulli_in(labels: list[Any], probs: list[float], kind: str) -> dict[str, Any]:
    if len(labels) != len(probs) or not labels:
        raise ValueError("'labels' and 'probs' must be non-empty lists of the same length")
    total = sum(probs)
    if any(x < 0 for x in probs) or not total > 0:
        raise ValueError("'probs' must be >= 0 with a positive sum")
    if abs(total - 1.0) > 1e-9:  # metasyn rescales probabilities that do not sum to 1
        probs = [x / total for x in probs]
    if len(labels) == 1:
        return _d("constant", value=_constant_in(labels[0], kind))
    if kind == "boolean":
        if not all(isinstance(x, bool) for x in labels):
            raise ValueError(f"labels of a Boolean variable must be true/false. Got {labels!r}.")
        return _d("bernoulli", p=float(sum(q for x, q in zip(labels, probs) if x)))
    if kind in ("discrete", "continuous"):  # integer labels: point masses and nothing else
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in labels):
            raise ValueError(f"labels of a {kind} variable must be numbers. Got {labels[:5]!r}.")
        return _d("point_mass_mixture", points=labels, weights=probs, rest=None)
    return _d("categorical", labels=labels, probs=probs)


def _constant_in(value: Any, kind: str) -> Any:
    if kind == "date":
        return _date_in(value)
    if kind == "datetime":
        return _datetime_in(value)
    if kind == "time":
        return _time_in(value)
    if kind == "continuous" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _date_in(text: Any) -> str:
    return _dt.date.fromisoformat(str(text)).isoformat()


def _datetime_in(text: Any) -> str:
    """ISO text -> datatwin's bound text: an instant in UTC without offset."""
    value = _dt.datetime.fromisoformat(str(text))
    if value.tzinfo is not None:
        value = value.astimezone(_dt.UTC).replace(tzinfo=None)
    return value.isoformat()


def _time_in(text: Any) -> str:
    return _dt.time.fromisoformat(str(text)).replace(tzinfo=None).isoformat()


def _parse_char_class_regex(regex: str) -> tuple[int, int, list[str]] | None:
    """'[A-Za-z0-9]{3,8}' -> (3, 8, ['upper', 'lower', 'digit']) when the class is exactly a
    union of datatwin's random_string classes; None for anything else."""
    m = re.fullmatch(r"\[((?:\\.|[^\\\]])+)\](?:\{(\d+)(?:,(\d+))?\})?", regex)
    if m is None:
        return None
    body, chars, i = m.group(1), set(), 0
    while i < len(body):
        if body[i] == "\\":
            chars.add(body[i + 1])
            i += 2
        elif i + 2 < len(body) and body[i + 1] == "-" and body[i + 2] != "\\":
            chars.update(chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1))
            i += 3
        else:
            chars.add(body[i])
            i += 1
    classes = [k for k, (_, members) in _CHAR_CLASSES.items() if members <= chars]
    if not classes or set().union(*(_CHAR_CLASSES[k][1] for k in classes)) != chars:
        return None
    lo = int(m.group(2)) if m.group(2) else 1
    hi = int(m.group(3)) if m.group(3) else lo
    return (lo, hi, classes) if hi >= lo else None


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


def source_path(gmf: dict[str, Any], model: dict[str, Any], path: str) -> str:
    """The GMF path behind ``path`` in the model converted from ``gmf`` (``$.columns[3].kind``
    -> ``$.tables[0].vars[3].type``), to report a problem where the user can fix it."""
    m = re.match(r"^\$\.columns\[(\d+)\](?:\.(\w+))?", path)
    if m is None or int(m.group(1)) >= len(model.get("columns", [])):
        return path
    name = model["columns"][int(m.group(1))].get("name")
    try:
        tab, base = gmf_table(gmf)
    except ModelFileError:
        return path
    for i, var in enumerate(tab.get("vars") or []):
        if isinstance(var, dict) and var.get("name") == name:
            field = m.group(2) or ""
            return f"{base}.vars[{i}]" + {"": "", "kind": ".type", "categories": ".dtype", "unique": ".distribution.unique"}.get(
                field, f".{field}"
            )
    return path


def read_gmf_dict(path: str | Path) -> dict[str, Any] | None:
    """The parsed file if it is a metasyn GMF, else None (any other file: let modelfile report it)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if is_gmf(data) else None


# ======================================================================================
# writing: datatwin -> GMF
# ======================================================================================


def model_dict_to_gmf(
    model: dict[str, Any], *, strict: bool = True, gmf_version: str = "2.1", file: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Convert a datatwin model-file dict to a metasyn GMF.

    Parameters
    ----------
    model
        A model-file dict (``model.to_dict()``); checked against the JSON Schema first.
    strict
        True (default): every column must have an exact metasyn equivalent; otherwise a
        ``ModelFileError`` lists all columns that do not. False: such columns are written
        as named approximations (moment-matched stand-ins, uniqueness dropped, ...) or
        left out, and each is described in the returned notes.
    gmf_version
        "2.1" (what metasyn 3.x writes; default) or "1.1" (metasyn 2.x's flat layout).
    file
        The model file's name, for error messages.

    Returns
    -------
    (gmf, notes)
        The GMF as a JSON-ready dict, and one human-readable note per column that was
        approximated or left out (empty when every column is exact).

    Examples
    --------
    >>> import polars as pl, datatwin as dt
    >>> model = dt.fit(pl.DataFrame({"visits": [0, 1, 1, 2, 2, 2, 3, 3, 4, 6]}))
    >>> gmf, notes = model_dict_to_gmf(model.to_dict())
    >>> variable = gmf["tables"][0]["vars"][0]
    >>> variable["distribution"]["name"], variable["distribution"]["parameters"], notes
    ('core.poisson', {'rate': 2.4}, [])
    """
    if gmf_version not in GMF_VERSIONS:
        raise DatatwinError(f"gmf_version must be '2.1' (metasyn 3) or '1.1' (metasyn 2). Got {gmf_version!r}.")
    modelfile.validate_dict(model, file)
    variables, problems = [], []  # problems: (JSON path, column name or None, text)
    for i, col in enumerate(model["columns"]):
        var, issues = _var_from_column(col)
        problems.extend((f"$.columns[{i}].{field}", col["name"], text) for field, text in issues)
        if var is not None:
            variables.append(var)
    if model["model"]["family"] != "independent":  # a GMF keeps no relations between columns
        problems.append(("$.model.family", None, f"the {model['model']['family']} family's relations between columns are not exported"))
    if model.get("constraints"):
        problems.append(("$.constraints", None, f"{len(model['constraints'])} constraint(s) are not exported: metasyn has none"))
    notes = [f"column {name!r}: {text}" if name is not None else text for _, name, text in problems]
    if problems and strict:
        count = len({name for _, name, _ in problems if name is not None})
        raise ModelFileError(
            (f"{count} column(s) have" if count else "parts of the model have")
            + f" no exact metasyn equivalent (strict=False would write: "
            f"{'; '.join(notes)}). Export with strict=False (CLI: --no-strict) to accept these approximations, "
            "or change these columns in the model file",
            problems[0][0], file,
        )
    if not variables:
        raise ModelFileError("no column could be exported", "$.columns", file)
    prov = model["provenance"]
    provenance = {
        "created by": {"name": prov["created_by"]["name"], "version": prov["created_by"]["version"]},
        "creation time": prov["created_at"],
        "converted by": {"name": "datatwin", "version": __version__, "from": modelfile.FORMAT},
    }
    table = {"n_rows": model["n_rows"], "n_columns": len(variables), "vars": variables}
    if gmf_version == "1.1":
        return {"gmf_version": "1.1", **table, "provenance": provenance}, notes
    name = Path(str(prov.get("source", {}).get("name", "single_table"))).stem or "single_table"
    return {"gmf_version": "2.1", "provenance": provenance, "tables": [{"name": name, **table}]}, notes


def write_gmf(
    model: Any, path: str | Path, *, strict: bool = True, gmf_version: str = "2.1", source: str | None = None
) -> list[str]:
    """Write ``model`` (a datatwin model or its dict) as a metasyn GMF JSON file; returns the notes.

    Refuses (``ModelFileError``) under ``strict=True`` when a column has no exact metasyn
    equivalent, and writes nothing then. ``source`` names the model file in error messages.
    See :func:`model_dict_to_gmf`.
    """
    data = model if isinstance(model, dict) else model.to_dict()
    gmf, notes = model_dict_to_gmf(data, strict=strict, gmf_version=gmf_version, file=source)
    path = Path(path)
    if not path.parent.exists():
        raise InputFileError(f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist")
    try:
        path.write_text(json.dumps(gmf, indent=4, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    return notes


def _var_from_column(col: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """One datatwin column -> (metasyn variable, or None if left out; [(field at fault, note)])."""
    kind, issues = col["kind"], []
    var_type = {"boolean": "categorical"}.get(kind, kind)
    dtype, dtype_issue = _dtype_out(col["dtype"], col.get("categories"))
    if dtype_issue:
        issues.append(("dtype", dtype_issue))
    if dtype.startswith("Duration"):
        return None, [("dtype", f"a {col['dtype']} column has no metasyn equivalent in this release; left out")]
    dist = col["distribution"]
    try:
        out = _dist_out(dist, kind, col["dtype"]) if dist is not None else _m("core.na", "NADistribution", {})
    except _Unsupported as exc:
        if exc.approx is None:
            return None, [("distribution", f"{exc.reason}; left out")]
        out = exc.approx
        issues.append(("distribution", exc.note or exc.reason))
    if col["unique"] and out["class_name"] == "RegexDistribution":  # metasyn's unique regex: exact
        out = {**out, "class_name": "UniqueRegexDistribution", "unique": True}
    if col["unique"] and not out["unique"] and kind != "continuous":
        issues.append(("unique", f"metasyn has no unique variant of {out['name']}; exported without the uniqueness guarantee"))
    var = {"name": col["name"], "type": var_type, "dtype": dtype, "prop_missing": 1.0 if dist is None else col["prop_missing"]}
    var["distribution"] = out
    var["creation_method"] = {"created_by": f"datatwin {__version__}"}
    if "description" in col:
        var["description"] = col["description"]
    return var, issues


def _m(name: str, class_name: str, parameters: dict[str, Any], unique: bool = False, version: str = "1.0") -> dict[str, Any]:
    return {"name": name, "version": version, "class_name": class_name, "unique": unique, "parameters": parameters}


_CONSTANT_CLASSES = {
    "continuous": "ContinuousConstantDistribution", "discrete": "DiscreteConstantDistribution",
    "date": "DateConstantDistribution", "datetime": "DateTimeConstantDistribution",
    "time": "TimeConstantDistribution", "string": "StringConstantDistribution",
}


def _dist_out(dist: dict[str, Any], kind: str, dtype: str) -> dict[str, Any]:
    """One datatwin distribution -> metasyn's; raises _Unsupported (with a stand-in if one exists)."""
    name, p = dist["name"], dist["parameters"]
    disc = kind == "discrete"
    if name in ("normal", "discrete_normal"):
        return _m("core.normal", "DiscreteNormalDistribution" if disc else "ContinuousNormalDistribution",
                  {"mean": p["mu"], "sd": p["sigma"]})
    if name in ("truncated_normal", "discrete_truncated_normal"):
        cls = "DiscreteTruncatedNormalDistribution" if disc else "ContinuousTruncatedNormalDistribution"
        return _m("core.truncated_normal", cls, {"lower": p["lower"], "upper": p["upper"], "mean": p["mu"], "sd": p["sigma"]})
    if name == "lognormal":
        return _m("core.lognormal", "LogNormalDistribution", {"mean": p["mu"], "sd": p["sigma"]})
    if name == "exponential":
        return _m("core.exponential", "ExponentialDistribution", {"rate": p["rate"]})
    if name == "poisson":
        return _m("core.poisson", "PoissonDistribution", {"rate": p["mu"]})
    if name == "uniform":
        return _m("core.uniform", "ContinuousUniformDistribution", {"lower": p["lower"], "upper": p["upper"]})
    if name == "discrete_uniform":
        return _m("core.uniform", "DiscreteUniformDistribution", {"lower": p["lower"], "upper": p["upper"] + 1})
    if name == "date_uniform":
        return _m("core.uniform", "DateUniformDistribution", {"lower": p["lower"], "upper": p["upper"]})
    if name in ("datetime_uniform", "time_uniform"):
        return _temporal_uniform_out(name, p, dtype)
    if name == "unique_key":
        out = _m("core.unique_key", "UniqueKeyDistribution", {"lower": p["lower"], "consecutive": p["consecutive"]}, True)
        if not p["consecutive"] and p["density"] != 0.5:  # 0.5: about what metasyn's sampler gives
            raise _Unsupported(
                "unique_key", out,
                f"unique_key with density {p['density']:.6g} has no exact metasyn equivalent; exported as "
                "core.unique_key with consecutive=false, which spreads keys over about twice their count (density 0.5)",
            )
        return out
    if name == "bernoulli":
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": [False, True], "probs": [1.0 - p["p"], p["p"]]})
    if name == "categorical":
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": p["labels"], "probs": p["probs"]})
    if name == "constant":
        return _constant_out(p["value"], kind, dtype)
    if name == "random_string":
        regex = "[" + "".join(_CHAR_CLASSES[c][0] for c in p["classes"]) + "]"
        lo, hi = p["min_length"], p["max_length"]
        regex += "" if lo == hi == 1 else f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"
        return _m("core.regex", "RegexDistribution", {"regex_data": {"regex": regex, "counts": [1, 1]}}, version="2.0")
    if name == "point_mass_mixture" and p["rest"] is None:
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": p["points"], "probs": p["weights"]})
    if name == "point_mass_mixture" and kind == "discrete" and (expanded := _expand_mixture(p)) is not None:
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": expanded[0], "probs": expanded[1]})
    if name == "empirical" and (expanded := _expand_empirical(p)) is not None:
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": expanded[0], "probs": expanded[1]})
    raise _Unsupported(f"{name} has no metasyn equivalent", *_moment_matched(dist, kind))


def _temporal_uniform_out(name: str, p: dict[str, Any], dtype: str) -> dict[str, Any]:
    kind = name.split("_")[0]
    cls = "DateTimeUniformDistribution" if kind == "datetime" else "TimeUniformDistribution"
    lossy = []
    precision = _TEMPORAL_PRECISION_BACK.get(p["precision"])
    if precision is None:  # millisecond, nanosecond: metasyn knows neither
        precision = "microseconds"
        lossy.append(f"precision {p['precision']!r} written as 'microseconds'")
    bounds = []
    for text in (p["lower"], p["upper"]):
        value, cut = _temporal_out(text, kind, dtype)
        bounds.append(value)
        if cut:
            lossy.append(f"{text!r} cut to microseconds")
    out = _m("core.uniform", cls, {"lower": bounds[0], "upper": bounds[1], "precision": precision})
    if lossy:
        raise _Unsupported(f"{name} has no exact metasyn equivalent", out,
                           f"{name}: {', '.join(lossy)} (metasyn counts time in microseconds at most)")
    return out


def _temporal_out(text: str, kind: str, dtype: str) -> tuple[str, bool]:
    """datatwin's ISO text (up to nanoseconds, UTC) -> Python's isoformat; True if digits were cut."""
    head, _, frac = str(text).partition(".")
    cut = bool(frac[6:].strip("0"))
    text = head + ("." + (frac + "000000")[:6] if frac[:6].strip("0") else "")
    if kind == "time":
        return _dt.time.fromisoformat(text).isoformat(), cut
    value = _dt.datetime.fromisoformat(text)
    if "," in dtype:  # a zoned column: datatwin's bounds are UTC instants, say so
        value = value.replace(tzinfo=_dt.UTC)
    return value.isoformat(), cut


def _constant_out(value: Any, kind: str, dtype: str) -> dict[str, Any]:
    if kind in ("categorical", "boolean"):
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": [value], "probs": [1.0]})
    if kind in ("datetime", "time"):
        text, cut = _temporal_out(value, kind, dtype)
        out = _m("core.constant", _CONSTANT_CLASSES[kind], {"value": text})
        if cut:
            raise _Unsupported("constant", out, f"constant {value!r} cut to microseconds (metasyn's finest unit)")
        return out
    if kind == "date":
        value = _dt.date.fromisoformat(str(value)[:10]).isoformat()
    return _m("core.constant", _CONSTANT_CLASSES[kind], {"value": value})


def _expand_empirical(p: dict[str, Any]) -> tuple[list[Any], list[float]] | None:
    """An integer (or all-point) histogram as the exact multinoulli over its values, if small."""
    bins, probs = p["bins"], p["probs"]
    if all(lo == hi for lo, hi in bins):
        mass: dict[Any, float] = {}
        for (lo, _), q in zip(bins, probs):
            mass[lo] = mass.get(lo, 0.0) + q
        return list(mass), list(mass.values())
    if not p["integer"] or sum(int(hi) - int(lo) + 1 for lo, hi in bins) > _MAX_EXPANDED_LABELS:
        return None
    mass = {}
    for (lo, hi), q in zip(bins, probs):
        share = q / (int(hi) - int(lo) + 1)
        for k in range(int(lo), int(hi) + 1):
            mass[k] = mass.get(k, 0.0) + share
    labels = sorted(mass)
    return labels, [mass[k] for k in labels]


def _expand_mixture(p: dict[str, Any]) -> tuple[list[Any], list[float]] | None:
    """Integer point masses plus a bounded integer rest as the exact multinoulli: the rest
    keeps its shape off the points (datatwin redraws rest values that land on a point)."""
    pmf = _bounded_pmf(p["rest"])
    if pmf is None or not all(isinstance(x, int) for x in p["points"]):
        return None
    rest_weight = 1.0 - sum(p["weights"])
    off_points = {k: q for k, q in pmf.items() if k not in set(p["points"])}
    total = sum(off_points.values())
    if not total > 0:
        return None
    mass = {x: w for x, w in zip(p["points"], p["weights"])}
    for k, q in off_points.items():
        mass[k] = rest_weight * q / total
    labels = sorted(mass)
    return labels, [mass[k] for k in labels]


def _bounded_pmf(dist: dict[str, Any]) -> dict[int, float] | None:
    """{value: probability} of a discrete distribution on a small range of integers, in closed form."""
    name, p = dist["name"], dist["parameters"]
    if name == "discrete_uniform" and p["upper"] - p["lower"] < _MAX_EXPANDED_LABELS:
        return {k: 1.0 / (p["upper"] - p["lower"] + 1) for k in range(p["lower"], p["upper"] + 1)}
    if name == "discrete_truncated_normal":
        lo, hi = p["lower"], p["upper"]
        if not (float(lo).is_integer() and float(hi).is_integer()) or hi - lo >= _MAX_EXPANDED_LABELS:
            return None
        # every integer in [lower, upper] takes the normal's mass within half a unit of it
        mass = {k: _cdf((k + 0.5 - p["mu"]) / p["sigma"]) - _cdf((k - 0.5 - p["mu"]) / p["sigma"])
                for k in range(int(lo), int(hi) + 1)}
        total = sum(mass.values())
        return {k: q / total for k, q in mass.items()} if total > 0 else None
    return None


# -- moment-matched stand-ins (strict=False only) ----------------------------------------


def _moment_matched(dist: dict[str, Any], kind: str) -> tuple[dict[str, Any] | None, str | None]:
    """(stand-in, note): a metasyn family with the same mean and variance, or (None, None)."""
    moments = _moments(dist)
    if moments is None or kind not in ("continuous", "discrete"):
        return None, None
    mean, var = moments
    if not (math.isfinite(mean) and math.isfinite(var)) or var < 0:
        return None, None
    name = dist["name"]
    if var == 0:
        value: Any = round(mean) if kind == "discrete" else mean
        out = _m("core.constant", _CONSTANT_CLASSES[kind], {"value": value})
        return out, f"{name} has no metasyn equivalent; exported as core.constant {value!r} (its variance is 0)"
    sd = math.sqrt(var)
    if name == "gamma":  # positive and skewed: the log-normal with the same two moments
        s2 = math.log1p(var / mean**2)
        out = _m("core.lognormal", "LogNormalDistribution", {"mean": math.log(mean) - s2 / 2, "sd": math.sqrt(s2)})
        family = "core.lognormal"
    else:
        cls = "DiscreteNormalDistribution" if kind == "discrete" else "ContinuousNormalDistribution"
        out, family = _m("core.normal", cls, {"mean": mean, "sd": sd}), "core.normal"
    return out, (
        f"{name} has no metasyn equivalent; exported as {family} with the same mean ({mean:.6g}) "
        f"and standard deviation ({sd:.6g}), an approximation"
    )


def _phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) if math.isfinite(z) else 0.0


def _cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _moments(dist: dict[str, Any] | None) -> tuple[float, float] | None:
    """(mean, variance) of a numeric datatwin distribution in closed form, or None."""
    if dist is None:
        return None
    name, p = dist["name"], dist["parameters"]
    try:
        if name in ("normal", "discrete_normal"):
            return p["mu"], p["sigma"] ** 2
        if name in ("truncated_normal", "discrete_truncated_normal"):
            half = 0.5 if name.startswith("discrete") else 0.0
            a, b = (p["lower"] - half - p["mu"]) / p["sigma"], (p["upper"] + half - p["mu"]) / p["sigma"]
            z = _cdf(b) - _cdf(a)
            if not z > 1e-300:
                return None
            d = (_phi(a) - _phi(b)) / z
            return p["mu"] + p["sigma"] * d, p["sigma"] ** 2 * (1 + (a * _phi(a) - b * _phi(b)) / z - d * d)
        if name in ("lognormal", "discrete_lognormal"):
            s2 = p["sigma"] ** 2
            return math.exp(p["mu"] + s2 / 2), math.expm1(s2) * math.exp(2 * p["mu"] + s2)
        if name in ("gamma", "discrete_gamma"):
            return p["shape"] * p["scale"], p["shape"] * p["scale"] ** 2
        if name == "exponential":
            return 1 / p["rate"], 1 / p["rate"] ** 2
        if name == "poisson":
            return p["mu"], p["mu"]
        if name == "geometric":
            return (1 - p["p"]) / p["p"], (1 - p["p"]) / p["p"] ** 2
        if name == "negative_binomial":
            return p["n"] * (1 - p["p"]) / p["p"], p["n"] * (1 - p["p"]) / p["p"] ** 2
        if name == "uniform":
            return (p["lower"] + p["upper"]) / 2, (p["upper"] - p["lower"]) ** 2 / 12
        if name == "discrete_uniform":
            return (p["lower"] + p["upper"]) / 2, ((p["upper"] - p["lower"] + 1) ** 2 - 1) / 12
        if name == "constant" and isinstance(p["value"], (int, float)) and not isinstance(p["value"], bool):
            return float(p["value"]), 0.0
        if name == "empirical":
            m1 = m2 = 0.0
            for (lo, hi), q in zip(p["bins"], p["probs"]):
                if p["integer"]:
                    mean, var = (lo + hi) / 2, ((hi - lo + 1) ** 2 - 1) / 12
                else:
                    mean, var = (lo + hi) / 2, (hi - lo) ** 2 / 12
                m1, m2 = m1 + q * mean, m2 + q * (var + mean * mean)
            return m1, m2 - m1 * m1
        if name == "point_mass_mixture":
            w = sum(p["weights"])
            m1 = sum(q * x for q, x in zip(p["weights"], p["points"]))
            m2 = sum(q * x * x for q, x in zip(p["weights"], p["points"]))
            rest = _moments(p["rest"]) if p["rest"] is not None else (0.0, 0.0)
            if rest is None:
                return None
            if p["rest"] is None:
                m1, m2, w = m1 / w, m2 / w, 1.0
            m1, m2 = m1 + (1 - w) * rest[0], m2 + (1 - w) * (rest[1] + rest[0] ** 2)
            return m1, m2 - m1 * m1
    except (ArithmeticError, KeyError, TypeError):
        return None
    return None


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
