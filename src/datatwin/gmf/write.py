"""Writing: datatwin model-file dict -> metasyn GMF."""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from datatwin import modelfile
from datatwin._version import __version__
from datatwin.errors import DatatwinError, InputFileError, ModelFileError
from datatwin.gmf.common import (
    _CHAR_CLASSES,
    _TEMPORAL_PRECISION_BACK,
    _WORDS_PER_SENTENCE,
    _chars_per_word,
    _Unsupported,
)
from datatwin.gmf.dtypes import _dtype_out
from datatwin.gmf.moments import _expand_empirical, _expand_mixture, _moments, histogram_as_empirical

#: GMF versions written by metasyn 2.x (flat) and 3.x (tables)
GMF_VERSIONS = ("1.1", "2.1")


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
        if "computed" in col:  # a formula's column has no distribution to export
            problems.append((f"$.columns[{i}].computed", col["name"], "it is computed by a formula, which metasyn cannot express"))
            continue
        if "joint" in col:  # fixed combinations as one column: metasyn has no joint variable
            members = ", ".join(m["name"] for m in col["joint"]["columns"])
            problems.append((f"$.columns[{i}].joint", col["name"],
                             f"it models the columns {members} jointly (fixed combinations), which metasyn cannot express"))
            continue
        if "difference" in col:  # an inequality built by construction: the entry models high - low
            problems.append((f"$.columns[{i}].difference", col["name"], f"it is drawn as {col['difference']['from']} + a "
                             "difference, which metasyn cannot express"))
            continue
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
    text_format = col.get("text_format")
    if text_format is not None:  # metasyn has no text formats: export the parsed type, and say so
        col = {**col, "dtype": text_format["dtype"]}
        issues.append(("text_format", (f"written as text {text_format['pattern']!r} in the data; metasyn gets the parsed "
                                       f"{text_format['dtype']} values and loses the text format")))
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
    unique_class = {"RegexDistribution": "UniqueRegexDistribution", "FakerDistribution": "UniqueFakerDistribution"}
    if col["unique"] and out["class_name"] in unique_class:  # metasyn's unique regex / faker: exact
        out = {**out, "class_name": unique_class[out["class_name"]], "unique": True}
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
    if name in ("date_histogram", "datetime_histogram"):
        return _temporal_histogram_out(dist, dtype)
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
    if name == "faker":
        return _faker_out(p)
    if name == "free_text":
        return _free_text_out(p)
    if name == "pattern":
        raise _Unsupported(
            "pattern has no exact metasyn equivalent: metasyn's core.regex (the regexmodel package) draws every "
            "character uniformly from its class and cannot hold the pattern's shared literal values, per-position "
            "character tables or fallback"
        )
    if name == "point_mass_mixture" and p["rest"] is None:
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": p["points"], "probs": p["weights"]})
    if name == "point_mass_mixture" and kind == "discrete" and (expanded := _expand_mixture(p)) is not None:
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": expanded[0], "probs": expanded[1]})
    if name == "finite":  # the column's own values: exactly metasyn's multinoulli
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": p["values"], "probs": p["probs"]})
    if name == "histogram" and (expanded := _expand_empirical(histogram_as_empirical(dist)["parameters"])) is not None:
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": expanded[0], "probs": expanded[1]})
    if name == "empirical" and (expanded := _expand_empirical(p)) is not None:
        return _m("core.multinoulli", "MultinoulliDistribution", {"labels": expanded[0], "probs": expanded[1]})
    raise _Unsupported(f"{name} has no metasyn equivalent", *_moment_matched(dist, kind))


def _faker_out(p: dict[str, Any]) -> dict[str, Any]:
    """faker -> core.faker: the same Faker method (datatwin's provider names are Faker's) and locale."""
    from datatwin.personal.base import PROVIDERS

    if p["provider"] == "date_of_birth":  # metasyn's Faker call gives date objects of people aged 0 to 115
        raise _Unsupported(
            "faker with provider 'date_of_birth' has no metasyn equivalent: core.faker cannot keep its text "
            f"date format {p['date_format']!r} or birth years {p['birth_years']}"
        )
    return _m("core.faker", "FakerDistribution", {"faker_type": PROVIDERS[p["provider"]], "locale": p["locale"]})


def _free_text_out(p: dict[str, Any]) -> dict[str, Any]:
    """free_text -> core.freetext with the same mean text length: an approximation, always."""
    moments = _moments(p["length"])
    mean = min(max(moments[0], 0.0), float(p["max_length"])) if moments else None
    if mean is None or not math.isfinite(mean):
        raise _Unsupported(f"free_text with a {p['length']['name']} length model has no metasyn equivalent")
    try:
        per_word = _chars_per_word(p["locale"])
    except ValueError as exc:
        raise _Unsupported(f"free_text: {exc}") from None
    words = mean / per_word
    out = _m("core.freetext", "FreeTextDistribution",
             {"locale": p["locale"], "avg_sentences": words / _WORDS_PER_SENTENCE, "avg_words": words})
    raise _Unsupported(
        "free_text has no exact metasyn equivalent", out,
        f"free_text exported as core.freetext with the same mean length ({mean:.4g} characters = {words:.4g} words "
        f"of {per_word:.3g} characters, {_WORDS_PER_SENTENCE:g} words a sentence), an approximation: metasyn keeps "
        f"only averages, so the spread of the {p['length']['name']} text lengths and max_length {p['max_length']} are lost",
    )


_UNIT_NS = {"D": 86_400 * 10**9, "h": 3_600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_PRECISION_UNIT = {"day": "D", "hour": "h", "minute": "m", "second": "s", "millisecond": "ms", "microsecond": "us"}


def _temporal_histogram_out(dist: dict[str, Any], dtype: str) -> dict[str, Any]:
    """date_histogram / datetime_histogram -> core.uniform over the histogram's range (its
    lowest and highest tick, as the histogram draws them: whole ticks from the first edge
    rounded up to below the last one): an approximation, always."""
    name, p = dist["name"], dist["parameters"]
    unit = _PRECISION_UNIT[p["precision"]]

    def tick(text: str) -> int:  # the first whole tick at or after the edge
        t = np.datetime64(text)
        own = np.datetime_data(t.dtype)[0]
        return -((-int(t.astype(np.int64)) * _UNIT_NS[own]) // _UNIT_NS[unit])

    lo = np.datetime64(tick(p["edges"][0]), unit)
    hi = np.datetime64(tick(p["edges"][-1]) - 1, unit)
    if name == "date_histogram":
        out = _m("core.uniform", "DateUniformDistribution", {"lower": str(lo), "upper": str(hi)})
    else:
        bounds = {k: str(np.datetime_as_string(v, unit="us")) for k, v in (("lower", lo), ("upper", hi))}
        out = _temporal_uniform_out("datetime_uniform", {**bounds, "precision": p["precision"]}, dtype)
    raise _Unsupported(f"{name} has no metasyn equivalent", out,
                       f"{name} has no metasyn equivalent; exported as core.uniform over its range, an approximation")


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
