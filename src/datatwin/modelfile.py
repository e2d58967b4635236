"""The model file on disk: JSON read/write, JSON Schema validation, format versions.

This layer knows JSON and the schema, not distributions: the semantic checks that
need them (parameters, probabilities, known names) live with the models, which
report them with the same JSON paths.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from datatwin.errors import InputFileError, ModelFileError, UnsupportedFormatVersionError

#: the format this release writes; every older one is still read
FORMAT_VERSION = 2
FORMAT = f"datatwin-model/{FORMAT_VERSION}"
READ_VERSIONS = (1, 2)
_FORMAT_RE = re.compile(r"^datatwin-model/(\d+)$")


@lru_cache(maxsize=4)
def json_schema(version: int = FORMAT_VERSION) -> dict[str, Any]:
    """The JSON Schema of format ``version`` (shipped in the package). Format 2 checks the
    shared parts of the file; each family's section is checked by the family's own fragment
    (:meth:`datatwin.models.ModelFamily.json_schema`)."""
    if version not in READ_VERSIONS:
        raise ValueError(f"no schema for format {version}; known: {READ_VERSIONS}")
    text = resources.files("datatwin").joinpath(f"schemas/model-{version}.schema.json").read_text("utf-8")
    return json.loads(text)


def format_version(data: dict[str, Any]) -> int:
    """The format version of a model-file dict already checked by :func:`validate_dict`."""
    m = _FORMAT_RE.match(str(data.get("format")))
    return int(m.group(1)) if m else FORMAT_VERSION


def schema_violation(instance: Any, schema: dict[str, Any], prefix: str = "$") -> tuple[str, str] | None:
    """``(message, JSON path under prefix)`` of the most relevant JSON Schema violation, or None."""
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    err = jsonschema.exceptions.best_match(errors)
    return err.message, prefix + _path(err.absolute_path)[1:]


def _path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _non_finite(obj: Any, path: str = "$") -> str | None:
    """JSON path of the first NaN or infinity (Python's json accepts them; we don't)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return path
    if isinstance(obj, dict):
        for k, v in obj.items():
            if (p := _non_finite(v, f"{path}.{k}")) is not None:
                return p
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if (p := _non_finite(v, f"{path}[{i}]")) is not None:
                return p
    return None


def validate_dict(data: Any, file: str | None = None, versions: tuple[int, ...] = READ_VERSIONS) -> dict[str, Any]:
    """Check format version, JSON Schema and finiteness; return ``data`` unchanged.

    ``versions`` are the formats the caller can handle (a reader that knows format 1 only
    passes ``(1,)`` and gets a clear error for a newer file).
    """
    if not isinstance(data, dict):
        raise ModelFileError("the model file must be a JSON object", "$", file)
    fmt = data.get("format")
    m = _FORMAT_RE.match(fmt) if isinstance(fmt, str) else None
    if m is None:
        raise ModelFileError(f"'format' must be {FORMAT!r}; this is not a datatwin model file", "$.format", file)
    version = int(m.group(1))
    if version not in versions:
        newest = f"datatwin-model/{max(versions)}"
        if version > FORMAT_VERSION:
            message = f"format {fmt!r} is newer than this datatwin understands ({FORMAT!r}); upgrade datatwin to read it"
        elif version > max(versions):
            message = f"format {fmt!r} is not readable here, which understands only up to {newest!r}"
        else:
            message = f"format {fmt!r} is not one of the formats read here ({', '.join(map(str, versions))})"
        raise UnsupportedFormatVersionError(message, "$.format", file)
    problem = schema_violation(data, json_schema(version))
    if problem is not None:
        raise ModelFileError(*problem, file, column=column_at(data, problem[1]))
    bad = _non_finite(data)
    if bad is not None:
        raise ModelFileError("NaN and infinity are not allowed; give a finite number", bad, file, column_at(data, bad))
    return data


_COLUMN_PATH = re.compile(r"^\$\.columns\[(\d+)\]")


def column_at(data: Any, path: str) -> str | None:
    """The name of the column a JSON path ``$.columns[i]...`` points into, if it has one."""
    m = _COLUMN_PATH.match(path)
    columns = data.get("columns") if m is not None and isinstance(data, dict) else None
    if not isinstance(columns, list) or int(m.group(1)) >= len(columns):
        return None
    entry = columns[int(m.group(1))]
    name = entry.get("name") if isinstance(entry, dict) else None
    return name if isinstance(name, str) else None


def read_model_dict(path: str | Path) -> dict[str, Any]:
    """Read and validate a model file; errors name the file and the JSON path."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"model file {str(path)!r} does not exist; check the path")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"model file {str(path)!r} cannot be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", "$", str(path)) from None
    return validate_dict(data, str(path))


def dumps(data: dict[str, Any]) -> str:
    """Deterministic text: keys in the order the model builds them, floats as Python's
    shortest round-trip repr, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_model_dict(data: dict[str, Any], path: str | Path) -> Path:
    """Validate then write; refuses to write a file this release could not read back."""
    validate_dict(data, str(path))
    path = Path(path)
    if not path.parent.exists():
        raise InputFileError(f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist")
    path.write_text(dumps(data), encoding="utf-8")
    return path
