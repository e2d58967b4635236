"""The independent family: every column its own distribution, missing share and
uniqueness. The smallest, most auditable model (the metasyn approach, faster)."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from datatwin import modelfile
from datatwin.errors import ColumnError, DatatwinWarning, DistributionError, ModelFileError, SamplingError, SpecError
from datatwin.models.column_fit import fit_column
from datatwin.models.columns import ColumnCheckError, ColumnModel, column_rng
from datatwin.models.rare import DEFAULT_RARE_THRESHOLD
from datatwin.privacy.base import NoPrivacy, PrivacyPolicy, TableInfo
from datatwin.privacy.ledger import check_ledger
from datatwin.schema import ColumnSpec, FitSpec, unsupported_reason

FAMILY = "independent"


def single_threaded_blas() -> threadpool_limits:
    """Fits work on distinct values (small arrays): BLAS threads only add start-up and
    contention cost there (measured: 10x slower on a busy 2-core machine)."""
    return threadpool_limits(limits=1, user_api="blas")


def frequency_weights(frame: pl.DataFrame, column: str | None) -> np.ndarray | None:
    """The frequency column as float weights, checked: numeric, no missing, finite, >= 0."""
    if column is None:
        return None
    if column not in frame.columns:
        raise SpecError(f"spec: weight_column {column!r} is not a column of the data; columns are {frame.columns}")
    series = frame[column]
    if not series.dtype.is_numeric():
        raise ColumnError(column, f"the weight column must hold numbers (how many times each row counts); it is {series.dtype}")
    w = series.cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore"):
        bad = int(np.sum(~np.isfinite(w) | (w < 0)))  # a missing weight is NaN here
    if bad:
        raise ColumnError(column, f"the weight column has {bad} missing, infinite or negative value(s)")
    if w.sum() <= 0:
        raise ColumnError(column, "the weights add up to 0: no row counts")
    return w


@dataclasses.dataclass
class IndependentModel:
    """A fitted model: one :class:`ColumnModel` per column plus file metadata.

    Build it with :func:`datatwin.fit` or :func:`datatwin.load`; sample with
    :meth:`sample`; write it with :meth:`save`.
    """

    columns: list[ColumnModel]
    n_rows: int
    provenance: dict[str, Any]
    criterion: str = "bic"
    rare_threshold: int = DEFAULT_RARE_THRESHOLD
    privacy: dict[str, Any] = dataclasses.field(default_factory=lambda: {"policy": "none", "ledger": []})
    skipped: list[dict[str, str]] = dataclasses.field(default_factory=list)
    constraints: list[Any] = dataclasses.field(default_factory=list)

    # -- fitting ----------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        frame: pl.DataFrame,
        spec: FitSpec,
        provenance: dict[str, Any],
        progress: Callable[[str], None] | None = None,
        privacy: PrivacyPolicy | None = None,
    ) -> "IndependentModel":
        """Fit every column of ``frame`` (a polars DataFrame) under ``spec`` and the
        privacy policy (default :class:`~datatwin.privacy.NoPrivacy`)."""
        unknown = sorted(set(spec.columns) - set(frame.columns))
        if unknown:
            raise SpecError(f"spec names column(s) {unknown} that are not in the data; columns are {frame.columns}")
        weights = frequency_weights(frame, spec.weight_column)
        n_rows = float(frame.height) if weights is None else float(weights.sum())
        skipped: list[dict[str, str]] = []
        modelled: list[str] = []
        for name in frame.columns:  # which columns to model depends on the schema and spec only
            if name == spec.weight_column:
                skipped.append({"name": name, "reason": "weight column: how many times each row counts"})
            elif spec.columns.get(name, ColumnSpec()).exclude:
                skipped.append({"name": name, "reason": "excluded by the spec"})
            elif (reason := unsupported_reason(frame.schema[name])) is not None:
                warnings.warn(f"column {name!r} skipped: {reason}", DatatwinWarning, stacklevel=2)
                skipped.append({"name": name, "reason": reason})
            else:
                modelled.append(name)
        if not modelled:
            raise SpecError("no column is left to model: every column was excluded or skipped")
        session = (privacy or NoPrivacy()).start(TableInfo(n_rows=n_rows, columns=tuple(modelled), fit_spec=spec))
        released_rows = session.release_n_rows(n_rows)
        if not session.peeks and "rows" in provenance.get("source", {}):
            # a private policy releases the row count through its mechanism (n_rows), never as is
            provenance = {**provenance, "source": {k: v for k, v in provenance["source"].items() if k != "rows"}}
        columns: list[ColumnModel] = []
        with single_threaded_blas():
            for name in frame.columns:
                if name in modelled:
                    col_spec = spec.columns.get(name, ColumnSpec())
                    columns.append(fit_column(frame.get_column(name), col_spec, spec, weights, session))
                if progress is not None:
                    progress(name)
        return cls(
            columns, released_rows, provenance, spec.criterion, spec.rare_threshold,
            privacy=session.privacy_section(), skipped=skipped,
        )

    # -- sampling ---------------------------------------------------------------
    def sample(self, n: int | None = None, seed: int | None = None) -> pl.DataFrame:
        """Draw ``n`` synthetic rows (default: as many as the original data).

        The same ``seed`` gives the same values; each column has its own random
        stream keyed by its name, so reordering or dropping columns does not
        change the others.
        """
        if n is None:
            n = self.n_rows
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise SamplingError(f"the number of rows to sample must be an integer >= 0. Got {n!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise SamplingError(f"seed must be an integer >= 0. Got {seed!r}.")
        root = np.random.SeedSequence(seed)
        with single_threaded_blas():
            return pl.DataFrame([col.sample(int(n), column_rng(root, col.name)) for col in self.columns])

    # -- model file -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The model file as a JSON-ready dict, keys in a fixed order."""
        d: dict[str, Any] = {
            "format": modelfile.FORMAT,
            "n_rows": self.n_rows,
            "provenance": self.provenance,
            "privacy": self.privacy,
            "model": {"family": FAMILY, "criterion": self.criterion, "rare_threshold": self.rare_threshold},
            "columns": [c.to_dict() for c in self.columns],
        }
        if self.skipped:
            d["skipped"] = self.skipped
        d["constraints"] = self.constraints
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any], file: str | None = None) -> "IndependentModel":
        """Build from a model-file dict; checks schema and semantics, errors carry JSON paths."""
        modelfile.validate_dict(data, file)
        problems = check_ledger(data["privacy"])
        if problems:  # an auditor's sum must match: a tampered or overspent ledger is refused
            raise ModelFileError(problems[0], "$.privacy", file)
        columns = []
        seen: set[str] = set()
        for i, raw in enumerate(data["columns"]):
            if raw["name"] in seen:
                raise ModelFileError(f"duplicate column name {raw['name']!r}", f"$.columns[{i}].name", file)
            seen.add(raw["name"])
            try:
                col = ColumnModel.from_dict(raw)
            except DistributionError as exc:
                raise ModelFileError(str(exc), f"$.columns[{i}].distribution", file) from None
            try:
                col.check()
            except ColumnCheckError as exc:
                raise ModelFileError(str(exc), f"$.columns[{i}].{exc.field}", file) from None
            columns.append(col)
        return cls(
            columns=columns,
            n_rows=int(data["n_rows"]),  # JSON Schema's "integer" admits 3.0
            provenance=data["provenance"],
            criterion=data["model"].get("criterion", "bic"),
            rare_threshold=data["model"].get("rare_threshold", DEFAULT_RARE_THRESHOLD),
            privacy=data["privacy"],
            skipped=data.get("skipped", []),
            constraints=data.get("constraints", []),
        )

    def to_json(self) -> str:
        """The model file text (deterministic)."""
        return modelfile.dumps(self.to_dict())

    def save(self, path: str | Path) -> Path:
        """Write the model file, after the same checks :func:`datatwin.load` makes."""
        data = self.to_dict()
        type(self).from_dict(data, str(path))  # never write a file that cannot be read back
        return modelfile.write_model_dict(data, path)

    def rare_label_warnings(self) -> list[str]:
        """One line per published categorical label that fewer than ``rare_threshold`` rows
        are expected to carry (probability x non-missing rows), e.g. after ``keep_rare`` or a
        hand edit. Enum categories are part of the declared type and are not listed."""
        lines = []
        k = self.rare_threshold
        for col in self.columns:
            dist = col.distribution
            if dist is None or dist.name != "categorical" or col.categories is not None:
                continue
            bucket = (col.rare_labels or {}).get("into")
            rows = self.n_rows * (1.0 - col.prop_missing)
            for label, p in zip(dist.labels, dist.probs):
                if label != bucket and 0 < p * rows < k - 1e-9:
                    lines.append(
                        f"column {col.name!r}: label {label!r} is held by about {p * rows:.0f} row(s), fewer than "
                        f"{k}; publishing it discloses that value (merge it, or refit without keep_rare)"
                    )
        return lines

    def column(self, name: str) -> ColumnModel:
        """The model of one column by name."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"no column {name!r} in the model; columns are {[c.name for c in self.columns]}")
