"""The public surface: fit, load, validate. Plain functions over plain data."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import glob
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from datatwin import gmf, modelfile
from datatwin._version import __version__
from datatwin.constraints.fitting import finish_constraints, prepare_constraints
from datatwin.errors import DataError, DatatwinWarning, InputFileError, ModelFileError, PrivacyError, SpecError
from datatwin.io import read_table
from datatwin.io.spark import aggregate_spark, aggregate_spark_columns, is_spark_frame
from datatwin.io.streaming import COUNT_COLUMN, aggregate_parquet, aggregate_parquet_columns
from datatwin.model import Model
from datatwin.models import ModelFamily
from datatwin.models.computed import reindex, split_computed
from datatwin.models.difference import split_differences
from datatwin.models.joint import family_for_joints, place_members, split_joint
from datatwin.models.registry import make_family
from datatwin.prepare import prepare_table
from datatwin.prepare.table import prepare_apart
from datatwin.privacy.base import NoPrivacy, PrivacyPolicy, TableInfo, make_policy
from datatwin.schema import ColumnSpec, FitSpec, parse_spec

__all__ = ["Model", "fit", "load", "validate"]


def fit(
    data: Any,
    spec: FitSpec | dict[str, Any] | str | Path | None = None,
    *,
    missing_values: list[Any] | tuple[Any, ...] | None = None,
    criterion: str | None = None,
    empirical: bool | None = None,
    progress: Callable[[str], None] | None = None,
    privacy: PrivacyPolicy | str | None = None,
    family: ModelFamily | str | None = None,
    separator: str | None = None,
    decimal_comma: bool | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    streaming: bool = False,
) -> Model:
    """Estimate a model of ``data``.

    Parameters
    ----------
    data
        A path to a CSV/TSV/Parquet/NDJSON/Arrow file, an Excel file (the ``excel`` extra), an
        SPSS/Stata/SAS file (the ``spss`` extra), or a polars, pandas or Arrow frame.
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
        Called with each column's name after it is fitted. If it also has a ``start``
        method, that is called once before, with the number of columns to fit.
    privacy
        The privacy policy: ``dt.privacy.DifferentialPrivacy(epsilon=1.0, delta=1e-9)``,
        ``dt.privacy.DisclosureControl(k=10)``, a plug-in policy, or a registered policy
        name with default settings. Default: no formal privacy (see ``docs/privacy.md``).
    family
        The model family: ``"independent"`` (default: every column on its own, no
        relationships kept), ``"copula"`` (relationships through a Gaussian copula), a family
        object such as ``dt.families.Copula(calibration_steps=5)``, or an installed plug-in's
        name; ``dt.families.available()`` lists them (see ``docs/families.md``). A spec may
        name the family and its options instead (``family = {name = "copula", ...}``).
    separator, decimal_comma, encoding
        How to read a CSV file: the field separator (one character), whether numbers are
        written with a decimal comma (``1,5``), and the text encoding (``"latin-1"``). Each is
        detected when not given; see ``docs/cli.md#reading-files``. ``encoding`` also applies
        to SPSS/Stata/SAS files.
    sheet
        The Excel sheet to read: a name, or a number from 1. Default: the first.
    streaming
        ``data`` is a Parquet file, a glob of Parquet parts (``"events/*.parquet"``) or a
        folder of them, read by polars' streaming engine into its distinct rows with a count:
        memory bounded by the distinct rows, not the rows, and the same model as an
        in-memory fit (see ``docs/scale.md``).

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
    if isinstance(privacy, str):
        privacy = make_policy(privacy)
    elif privacy is None:
        privacy = NoPrivacy()
    elif not isinstance(privacy, PrivacyPolicy):
        raise PrivacyError(
            f"privacy must be a policy such as dt.privacy.DifferentialPrivacy(epsilon=1.0) or a policy name. "
            f"Got {type(privacy).__name__}."
        )
    if family is None:
        chosen = make_family(fit_spec.family or "independent", fit_spec.family_options)
    elif fit_spec.family is not None:
        raise SpecError(
            f"the family is given twice: family={family!r} and the spec's family {fit_spec.family!r}; keep one"
        )
    else:
        chosen = make_family(family)
    streamed, apart = _reduce(data, streaming, chosen, fit_spec)
    if streamed is not None or apart is not None:  # distinct rows (or values): counts are the frequency weights
        if fit_spec.weight_column is None:
            fit_spec = dataclasses.replace(fit_spec, weight_column=COUNT_COLUMN)
    columns_apart = None
    if apart is not None:
        # each column's values read as the whole table's would be (sentinels to missing, ...), and
        # the table itself as its schema alone
        columns_apart = {name: read_table(frame, fit_spec.missing_values, column_missing).frame
                         for name, frame in apart.frames.items()}
        # a pass over the rows finds each row's distinct value by its position in the frame read
        assert all(columns_apart[n].height == f.height for n, f in apart.frames.items())
        frame = pl.DataFrame(schema={c: columns_apart[c].schema[c] if c in columns_apart else t
                                     for c, t in apart.schema.schema.items()})
        source = {"name": apart.source, "rows": apart.rows, "columns": apart.columns, "streamed": True}
    else:
        if streamed is not None:
            data = streamed.frame
        table = read_table(
            data, fit_spec.missing_values, column_missing,
            separator=separator, decimal_comma=decimal_comma, encoding=encoding, sheet=sheet,
        )
        fit_spec = _with_descriptions(fit_spec, table.descriptions)
        frame = table.frame
        source = {"name": table.source, "rows": table.frame.height, "columns": table.frame.width}
        if streamed is not None:
            source = {"name": streamed.source, "rows": streamed.rows, "columns": streamed.columns, "streamed": True}
    provenance = {
        "created_by": {"name": "datatwin", "version": __version__},
        "created_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "source": source,
    }
    types_guessed = isinstance(data, (str, Path)) and Path(data).suffix.lower() in (".csv", ".tsv", ".txt")
    model = fit_prepared(frame, fit_spec, provenance, chosen, privacy, progress, types_guessed=types_guessed,
                         columns_apart=columns_apart, rows=apart.rows_again if apart is not None else None)
    if streamed is not None:  # the count column is the stream's own, not the owner's: not listed
        model.skipped = [s for s in model.skipped if s["name"] != COUNT_COLUMN]
    return model


def fit_prepared(
    frame: Any,
    spec: FitSpec,
    provenance: dict[str, Any],
    family: ModelFamily,
    privacy: PrivacyPolicy,
    progress: Callable[[str], None] | None = None,
    *,
    types_guessed: bool = False,
    columns_apart: dict[str, Any] | None = None,
    rows: Any = None,
) -> Model:
    """The pipeline after reading: prepare the columns once, open the privacy session, let the
    family fit, and assemble the model (file-level parts from the session). With
    ``columns_apart`` (a streamed fit for a family that models each column on its own, see
    :func:`streamed_as`), ``frame`` is the table's empty schema and each column is
    prepared from its own distinct values with counts; ``rows`` (a
    :class:`~datatwin.prepare.table.RowSource`) makes passes over the rows for a family that
    streams ``"passes"``."""
    columns_before = set(frame.columns)
    frame, spec = privacy.protect(frame, spec)  # e.g. at most max_rows rows per ID, the ID left out
    protected = [
        {"name": c, "reason": "the ID of the protected change (AddRowsWithID): never modelled"}
        for c in columns_before - set(frame.columns)
    ]
    excluded = [n for n, c in spec.columns.items() if c.exclude] + ([spec.weight_column] if spec.weight_column else [])
    implied = family.implied_constraints()  # e.g. a KeySet over several columns: a declared fixed combination
    if implied:
        spec = dataclasses.replace(spec, constraints=(*spec.constraints, *implied))
    constrained = prepare_constraints(frame, spec, not privacy.reads_values, excluded)
    order = list(constrained.frame.columns)
    spec_kinds = {n: c.kind for n, c in spec.columns.items() if c.kind is not None}
    # fixed combinations by construction: their columns become one joint categorical column
    joint = split_joint(
        constrained.frame, constrained.constraints, spec_kinds,
        max(spec.rare_threshold, int(getattr(privacy, "k", 0) or 0)), spec.weight_column,
        {n: c.description for n, c in spec.columns.items() if c.description is not None},
    )
    if joint.joints:
        constrained = dataclasses.replace(
            constrained, constraints=joint.constraints,
            broken=[(joint.replaced.get(id(c), c), k) for c, k in constrained.broken],
        )
    # a formula's column is computed at sampling, never modelled: no family sees it, no budget is spent on it
    frame, computed = split_computed(joint.frame, constrained.constraints, spec_kinds)
    members = {m.name: m for j in joint.joints for m in j.members}
    # an inequality built by construction: its high column is modelled as the non-negative difference high - low
    frame, differences, column_specs = split_differences(
        frame, constrained.constraints, spec_kinds, spec.columns, privacy.reads_values,
    )
    # the spec's settings for a computed column (bounds, a distribution) have nothing left to apply to, nor
    # those of a joint's member (the joint column is a categorical whose Enum categories are its labels)
    modelled_spec = dataclasses.replace(
        spec, columns={
            **{n: c for n, c in column_specs.items() if n not in {c.name for c in computed} and n not in members},
            **{j.name: joint_spec(j, spec) for j in joint.joints},
        }
    ) if computed or members or differences else spec
    if columns_apart is not None:
        table = prepare_apart(frame, columns_apart, COUNT_COLUMN, modelled_spec, reads_values=privacy.reads_values,
                              rows=rows)
    else:
        table = prepare_table(frame, modelled_spec, reads_values=privacy.reads_values, types_guessed=types_guessed)
    family = family_for_joints(family, joint.joints)  # settings naming a member name the joint column
    info = TableInfo(
        n_rows=table.n_rows, columns=table.names, fit_spec=modelled_spec, releases=family.table_releases(table),
        kinds={c.name: c.kind for c in table.columns},
    )
    session = privacy.start(info)
    released_rows = session.release_n_rows(table.n_rows)
    if not session.publishes_row_count and "rows" in provenance.get("source", {}):
        # a private policy releases the row count through its mechanism (n_rows), never as is
        provenance = {**provenance, "source": {k: v for k, v in provenance["source"].items() if k != "rows"}}
    start = getattr(progress, "start", None)
    if callable(start):  # a progress bar can show "3/15" rather than "3/?"
        start(len(table.columns))
    fitted = family.fit(table, session, progress)
    section = session.privacy_section()
    constraints: list[dict[str, Any]] = []
    if constrained.constraints:
        k = max(spec.rare_threshold, int(getattr(session, "k", 0) or 0))
        constraints, report = finish_constraints(
            constrained, [*fitted.columns, *computed, *members.values(), *differences], k,
            "private" if not privacy.reads_values else str(section.get("policy", "none")), constrained.n_rows
        )
        provenance = {**provenance, "constraints": {"on_violation": spec.on_violation, "real_rows": report}}
    file_order = [n for n in joint.frame.columns if n in {*(c.name for c in fitted.columns), *(c.name for c in computed)}]
    output = {*(c.name for c in fitted.columns), *(c.name for c in computed), *members}
    return Model(
        fitted, released_rows, provenance, spec.criterion, spec.rare_threshold,
        privacy=section, skipped=protected + list(table.skipped), constraints=constraints,
        computed=reindex(computed, file_order),
        joints=place_members(joint.joints, [n for n in order if n in output]),
        differences=[d for d in differences if {d.name, d.low} <= {c.name for c in fitted.columns}],
    )


def _reduce(data: Any, streaming: bool, family: ModelFamily, spec: FitSpec) -> tuple[Any, Any]:
    """``(distinct rows, None)``, ``(None, each column's distinct values)`` or ``(None, None)``:
    how a Spark DataFrame or streamed Parquet parts come to the driver, never as rows. What a
    family asks for (:func:`streamed_as`) decides: each column apart (memory: the column with
    the most distinct values; with passes over the rows for ``"passes"``) or the
    table's distinct rows."""
    excluded = tuple(name for name, c in spec.columns.items() if c.exclude)
    mode = streamed_as(family, spec)
    if is_spark_frame(data):
        apart = mode != "rows"
        reduced = (aggregate_spark_columns if apart else aggregate_spark)(
            data, spec.weight_column, excluded, **({"rows_again": mode == "passes"} if apart else {}))
    elif streaming or (isinstance(data, (str, Path)) and (Path(data).is_dir() or glob.has_magic(str(data)))):
        # a folder or a pattern of parts can only be streamed
        if not isinstance(data, (str, Path)):
            raise InputFileError(
                f"streaming=True reads Parquet files by path or pattern; got a {type(data).__name__}, which is "
                "already in memory: fit it without streaming"
            )
        apart = mode != "rows"
        reduced = (aggregate_parquet_columns if apart else aggregate_parquet)(data, spec.weight_column, excluded)
    else:
        return None, None
    if reduced.rows == 0:
        raise DataError(f"{reduced.source} has no rows; a model needs at least one row of data")
    return (None, reduced) if apart else (reduced, None)


def streamed_as(family: ModelFamily, spec: FitSpec) -> str:
    """What a streamed fit brings to the driver: the family's choice
    (:meth:`ModelFamily.streamed_as`) when nothing ties columns together, and the distinct
    rows when a constraint (declared, or implied by the family's settings) does."""
    if spec.constraints or family.implied_constraints():
        return "rows"
    mode = family.streamed_as()
    if mode not in ("rows", "columns", "passes"):
        raise SpecError(f"family {family.name!r}: streamed_as() must be 'rows', 'columns' or 'passes', not {mode!r}")
    return mode


def joint_spec(joint: Any, spec: FitSpec) -> ColumnSpec:
    """The spec of a joint column: categorical, never text to parse or personal data; its
    budget share the sum of its members' (under differential privacy)."""
    weight = sum(spec.columns.get(m.name, ColumnSpec()).budget_weight for m in joint.members)
    # its labels are the combinations the spec (or a KeySet) declares, or those k rows hold:
    # the ledger says they come from the spec, not from an Enum dtype the owner never wrote
    return ColumnSpec(kind="categorical", text_format=False, personal=False, budget_weight=weight,
                      labels=tuple(joint.labels))


def _with_descriptions(spec: FitSpec, descriptions: dict[str, str]) -> FitSpec:
    """The file's own column descriptions (SPSS/Stata/SAS variable labels) where the spec gives none."""
    columns = dict(spec.columns)
    for name, text in descriptions.items():
        column = columns.get(name, ColumnSpec())
        if column.description is None:
            columns[name] = dataclasses.replace(column, description=text)
    return dataclasses.replace(spec, columns=columns) if descriptions else spec


def load(path: str | Path, *, strict: bool = True) -> Model:
    """Read a model file; no original data needed. Raises ModelFileError with the JSON path of any bad field.

    A metasyn GMF file (what ``MetaFrame.save`` writes) is read too, converted as in
    ``docs/model-file.md#metasyn-gmf``. ``strict`` concerns GMF files only: a variable whose
    distribution has no datatwin equivalent is an error (default), or, with
    ``strict=False``, is left out with a warning and listed under ``skipped``.
    """
    try:
        data = modelfile.read_model_dict(path)
    except ModelFileError as exc:
        gmf_data = gmf.read_gmf_dict(path) if exc.path == "$.format" else None
        if gmf_data is None:
            raise
        return _load_gmf(gmf_data, str(path), strict)
    return Model.from_dict(data, str(path))


def _load_gmf(gmf_data: dict[str, Any], file: str, strict: bool) -> Model:
    data = gmf.gmf_to_model_dict(gmf_data, file, strict=strict)
    for s in data.get("skipped", []):
        warnings.warn(f"column {s['name']!r} skipped: {s['reason']}", DatatwinWarning, stacklevel=3)
    try:
        return Model.from_dict(data, file)
    except ModelFileError as exc:  # report it where the user can fix it: in the GMF
        message = exc.message
        raise ModelFileError(
            f"{message} (found in the datatwin model converted from this GMF, at {exc.path})",
            gmf.source_path(gmf_data, data, exc.path), file, exc.column,
        ) from None


def validate(path: str | Path) -> Model:
    """Schema and semantic checks of a model file; returns the model or raises."""
    return load(path)
