"""The public surface: fit, load, validate. Plain functions over plain data."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datatwin import modelfile
from datatwin._version import __version__
from datatwin.io import read_table
from datatwin.models.independent import IndependentModel
from datatwin.schema import FitSpec, parse_spec

Model = IndependentModel


def fit(
    data: Any,
    spec: FitSpec | dict[str, Any] | str | Path | None = None,
    *,
    missing_values: list[Any] | tuple[Any, ...] | None = None,
    criterion: str | None = None,
    empirical: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> Model:
    """Estimate a model of ``data``.

    Parameters
    ----------
    data
        A path to a CSV/TSV/Parquet/NDJSON/Arrow file, or a polars, pandas or Arrow frame.
    spec
        Per-column and global options: a dict, a TOML/JSON file, or a :class:`FitSpec`
        (see ``docs/spec.md``).
    missing_values
        Values that mean "missing" in every column, e.g. ``["?", ""]``; added to the spec's.
    criterion
        ``"bic"`` (default) or ``"aic"`` to choose among candidate distributions.
    empirical
        Also try the binned empirical distribution (releases quantiles of the data).
    progress
        Called with each column's name after it is fitted.

    Examples
    --------
    >>> import polars as pl, datatwin as dt
    >>> model = dt.fit(pl.DataFrame({"x": [1, 2, 2, 3, 3, 3, 4, 4, 5, 9]}))
    >>> model.sample(3, seed=1).shape
    (3, 1)
    """
    fit_spec = parse_spec(spec)
    overrides: dict[str, Any] = {}
    if missing_values is not None:
        overrides["missing_values"] = tuple(fit_spec.missing_values) + tuple(
            parse_spec({"missing_values": list(missing_values)}).missing_values
        )
    if criterion is not None:
        overrides["criterion"] = parse_spec({"criterion": criterion}).criterion
    if empirical is not None:
        overrides["empirical"] = parse_spec({"empirical": empirical}).empirical
    fit_spec = dataclasses.replace(fit_spec, **overrides)
    column_missing = {name: c.missing_values for name, c in fit_spec.columns.items() if c.missing_values}
    table = read_table(data, fit_spec.missing_values, column_missing)
    provenance = {
        "created_by": {"name": "datatwin", "version": __version__},
        "created_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "source": {"name": table.source, "rows": table.frame.height, "columns": table.frame.width},
    }
    return IndependentModel.fit(table.frame, fit_spec, provenance, progress=progress)


def load(path: str | Path) -> Model:
    """Read a model file; no original data needed. Raises ModelFileError with the JSON path of any bad field."""
    data = modelfile.read_model_dict(path)
    return IndependentModel.from_dict(data, str(path))


def validate(path: str | Path) -> Model:
    """Schema and semantic checks of a model file; returns the model or raises."""
    return load(path)
