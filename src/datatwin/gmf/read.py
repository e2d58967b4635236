"""Reading: metasyn GMF (parsed JSON) -> datatwin model-file dict."""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from pathlib import Path
from typing import Any

from datatwin import modelfile
from datatwin._version import __version__
from datatwin.errors import ModelFileError
from datatwin.gmf.common import (
    _CHAR_CLASSES,
    _TEMPORAL_PRECISION,
    _chars_per_word,
    _Unsupported,
)
from datatwin.gmf.dtypes import _dtype_in

_VAR_TYPES = ("continuous", "discrete", "categorical", "string", "date", "datetime", "time", "duration")


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
        (``core.regex`` beyond one character class, ``core.faker`` of a Faker method datatwin
        has no provider for, operators, plug-ins, durations) raises ``ModelFileError`` at its JSON path.
        False: such variables are left out and listed under ``skipped`` with the reason.
    table
        Which table of a multi-table GMF to convert (default: the only one).

    The result still has to pass ``Model.from_dict`` (``datatwin.load`` does both).
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
    if converted is not None and converted["name"] == "free_text":
        length = converted["parameters"]["length"]["parameters"]
        notes.append(
            f"column {name!r}: metasyn's core.freetext {dist.get('parameters')} keeps only average words and "
            "sentences per row; read as free_text with text lengths (in characters) drawn from a discrete "
            f"log-normal of about the same mean ({math.exp(length['mu'] + length['sigma'] ** 2 / 2):.4g}), "
            "an approximation"
        )
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
    if name == "faker" and kind == "string":
        return _faker_in(str(p["faker_type"]), str(p.get("locale", "en_US")))
    if name == "freetext" and kind == "string":
        return _free_text_in(p)
    raise _Unsupported(f"metasyn distribution {full!r} for a {kind} variable has no datatwin equivalent")


def _faker_in(faker_type: str, locale: str) -> dict[str, Any]:
    from datatwin.personal.base import PROVIDERS

    providers = {method: provider for provider, method in PROVIDERS.items() if provider != "date_of_birth"}
    if faker_type not in providers:
        raise _Unsupported(
            f"metasyn's core.faker with faker_type {faker_type!r} has no datatwin equivalent (datatwin's faker "
            f"providers: {', '.join(providers)})"
        )
    _chars_per_word(locale)  # ValueError for a locale Faker does not know
    return _d("faker", provider=providers[faker_type], locale=locale, date_format=None, birth_years=None)


def _free_text_in(p: dict[str, Any]) -> dict[str, Any]:
    """core.freetext -> free_text: a discrete log-normal of text lengths with about the mean
    metasyn's average word count gives, and a spread as if the word count were Poisson."""
    locale = str(p.get("locale", "en_US"))
    words = float(p["avg_words"])
    if not (math.isfinite(words) and words >= 0):
        raise ValueError(f"'avg_words' must be a number >= 0. Got {p['avg_words']!r}.")
    per_word = _chars_per_word(locale)
    mean, sd = max(words, 1.0) * per_word, per_word * math.sqrt(max(words, 1.0))  # metasyn writes >= 1 word
    sigma2 = math.log1p((sd / mean) ** 2)
    mu, sigma = math.log(mean) - sigma2 / 2, math.sqrt(sigma2)
    max_length = math.ceil(math.exp(mu + 4 * sigma))  # beyond 4 standard deviations of the log-length
    return _d("free_text", locale=locale, length=_d("discrete_lognormal", mu=mu, sigma=sigma), max_length=max_length)


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
        if all(a < b for a, b in zip(labels, labels[1:])):  # the column's own values: finite, as fitted
            integer = all(isinstance(x, int) or float(x).is_integer() for x in labels)
            values = [int(x) for x in labels] if integer else [float(x) for x in labels]
            return _d("finite", values=values, probs=probs, integer=integer)
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
