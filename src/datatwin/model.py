"""The one model type that :func:`datatwin.fit` and :func:`datatwin.load` return, whatever the
family: the model file's shared parts (row count, provenance, privacy ledger, per-column
models, skipped columns, constraints) around the family's fitted part."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from datatwin import modelfile
from datatwin.constraints import (
    Conditions,
    Constraint,
    FormulaConstraint,
    Range,
    constraint_from_dict,
    parse_conditions,
)
from datatwin.constraints.conditions import intersects_range
from datatwin.constraints.enforce import sample_constrained
from datatwin.constraints.kinds import parse_constraints
from datatwin.distributions import CategoricalDistribution
from datatwin.distributions.discrete import UniqueKeyDistribution
from datatwin.errors import (
    ConditionError,
    ConstraintError,
    DistributionError,
    ModelFileError,
    SamplingError,
    did_you_mean,
)
from datatwin.models.base import COMMON_KEYS, FittedModel
from datatwin.models.blocks import draw_blocks
from datatwin.models.columns import BLOCK_ROWS, ColumnCheckError, ColumnModel, block_seed, column_rng
from datatwin.models.computed import ComputedColumn, check_computed, interleave, with_computed
from datatwin.models.difference import (
    DerivedView,
    DifferenceColumn,
    check_differences,
    convert_conditions,
    entry,
    read_differences,
    split_conditions,
    too_rare,
    with_differences,
)
from datatwin.models.joint import (
    JointColumn,
    check_joint,
    check_joint_entry,
    check_members,
    joint_conditions,
    joint_probs,
    member_columns,
    output_order,
)
from datatwin.models.registry import available, registered_families
from datatwin.privacy.ledger import check_ledger
from datatwin.privacy.rare_labels import DEFAULT_RARE_THRESHOLD


@dataclasses.dataclass
class Model:
    """A fitted model: the family's part plus everything the model file shares.

    Build it with :func:`datatwin.fit` or :func:`datatwin.load`; sample with
    :meth:`sample`; write it with :meth:`save`; look at it with :meth:`summary`.
    """

    fitted: FittedModel
    n_rows: int
    provenance: dict[str, Any]
    criterion: str = "bic"
    rare_threshold: int = DEFAULT_RARE_THRESHOLD
    privacy: dict[str, Any] = dataclasses.field(default_factory=lambda: {"policy": "none", "ledger": []})
    skipped: list[dict[str, str]] = dataclasses.field(default_factory=list)
    constraints: list[Any] = dataclasses.field(default_factory=list)
    #: columns computed by a formula constraint, never modelled (see :mod:`datatwin.models.computed`)
    computed: list[ComputedColumn] = dataclasses.field(default_factory=list)
    #: fixed combinations modelled as one joint categorical column (see :mod:`datatwin.models.joint`)
    joints: list[JointColumn] = dataclasses.field(default_factory=list)
    #: inequalities built by construction: high = low + a modelled non-negative difference
    #: (see :mod:`datatwin.models.difference`), in chain order
    differences: list[DifferenceColumn] = dataclasses.field(default_factory=list)

    # -- the parts ---------------------------------------------------------------
    @property
    def family(self) -> str:
        """The model family's name (``model.family`` in the file)."""
        return self.fitted.family

    @property
    def columns(self) -> list[ColumnModel]:
        """The per-column models, in the order sampling writes them."""
        return self.fitted.columns

    @columns.setter
    def columns(self, value: list[ColumnModel]) -> None:
        self.fitted.columns = list(value)

    @property
    def output_columns(self) -> list[str]:
        """The names of a sample's columns, in order: the modelled ones, the computed ones
        and a joint column's members at their places (the joint column itself is not one)."""
        names = [c["name"] for c in interleave([{"name": c.name} for c in self.columns], self.computed)]
        return output_order(names, self.joints)

    def column(self, name: str) -> ColumnModel:
        """The model of one column by name."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"no column {name!r} in the model; columns are {[c.name for c in self.columns]}")

    # -- sampling ---------------------------------------------------------------
    def parsed_constraints(self) -> tuple[Constraint, ...]:
        """The file's constraints as :mod:`datatwin.constraints` objects."""
        return parse_constraints(self.constraints, "constraints")

    def sample(
        self, n: int | None = None, seed: int | None = None, *, conditions: Any = None, output: str = "polars"
    ) -> Any:
        """Draw ``n`` synthetic rows (default: as many as the original data).

        The file's constraints always hold in the rows returned (formula columns computed,
        fixed combinations drawn as one joint column, the others by bounded resampling: a
        ``SamplingError`` names a constraint too tight to meet). ``conditions`` fixes columns: a mapping of exact values (``None``:
        missing), ``(low, high)`` ranges and lists of labels, e.g. ``{"sex": "Female",
        "age": (30, 40)}``; comparisons such as ``"age >= 30"``; or a polars/pandas frame of
        condition rows (one synthetic row per row; ``n`` may then be left out). See
        ``docs/constraints.md``.

        The same ``seed`` gives the same values. Columns drawn on their own (all of them in
        the independent family) have a random stream keyed by their name, so reordering or
        dropping columns does not change the others.

        ``output="polars"`` (default) returns a polars DataFrame in the model file's dtypes;
        ``output="pandas"`` a pandas DataFrame with nullable dtypes (``Int64``, ``boolean``,
        ``string``, ``category``, zoned ``datetime64``; see :mod:`datatwin.io.pandas_out`),
        whatever frame the model was fitted on.
        """
        _check_output(output)
        asked = n
        if n is None:
            n = self.n_rows
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise SamplingError(f"the number of rows to sample must be an integer >= 0. Got {n!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise SamplingError(f"seed must be an integer >= 0. Got {seed!r}.")
        root = np.random.SeedSequence(seed)
        constraints = self.parsed_constraints()
        conds = self._conditions(conditions, constraints, root)
        if conds is not None and conds.n_rows is not None:
            if asked is not None and asked != conds.n_rows:
                raise SamplingError(
                    f"with a frame of {conds.n_rows:,} condition rows, sample one row per condition row: leave n out "
                    f"or give n={conds.n_rows}. Got n={n}."
                )
            n = conds.n_rows
        blocks = list(self._blocks(int(n), root, constraints, conds))
        frame = blocks[0] if len(blocks) == 1 else pl.concat(blocks, how="vertical")
        return _as_output(frame, output)

    def sample_blocks(self, n: int, seed: int | None = None, *, conditions: Any = None) -> Iterator[pl.DataFrame]:
        """The rows of :meth:`sample` (same ``n``, ``seed``, ``conditions``), one block of at
        most :data:`BLOCK_ROWS` rows at a time: memory bounded by a block, whatever ``n``.
        Concatenated, the blocks equal ``sample(n, seed)`` exactly."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise SamplingError(f"the number of rows to sample must be an integer >= 0. Got {n!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise SamplingError(f"seed must be an integer >= 0. Got {seed!r}.")
        constraints = self.parsed_constraints()
        root = np.random.SeedSequence(seed)
        conds = self._conditions(conditions, constraints, root)
        if conds is not None and conds.n_rows is not None and conds.n_rows != n:
            raise SamplingError(f"with a frame of {conds.n_rows:,} condition rows, give n={conds.n_rows}. Got n={n}.")
        return self._blocks(int(n), root, constraints, conds)

    def sample_spark(self, spark: Any, n: int, partitions: int | None = None, seed: int | None = None) -> Any:
        """``n`` rows as a ``pyspark.sql.DataFrame`` generated on the executors (the ``spark``
        extra): one task per block of :data:`BLOCK_ROWS` rows, each from the block's own
        stream, so the rows equal ``sample(n, seed)``. ``partitions`` is capped at the
        number of blocks. See ``docs/scale.md``."""
        from datatwin.io.spark import sample_spark

        return sample_spark(self, spark, n, partitions, seed)

    def sample_to(
        self, folder: str | Path, n: int | None = None, seed: int | None = None, *,
        conditions: Any = None, overwrite: bool = False,
    ) -> int:
        """Write ``sample(n, seed)`` to ``folder`` as Parquet parts (``part-00000.parquet``, ...),
        one block of at most :data:`BLOCK_ROWS` rows at a time, so memory stays bounded by a
        block; returns the number of rows written. The rows equal ``sample(n, seed)``. A
        folder that is not empty is refused unless ``overwrite``."""
        from datatwin.io.parts import check_parts_folder, write_parts

        check_parts_folder(folder, overwrite)
        rows, _ = write_parts(self.sample_blocks(self.n_rows if n is None else n, seed, conditions=conditions),
                              folder, overwrite)
        return rows

    def _blocks(
        self, n: int, root: np.random.SeedSequence, constraints: tuple[Constraint, ...], conds: Conditions | None
    ) -> Iterator[pl.DataFrame]:
        """Block ``b`` holds rows ``b * BLOCK_ROWS`` onwards and draws from its own stream
        (:func:`block_seed`), so chunked writers and Spark partitions that start at a block
        boundary reproduce the in-memory sample. Unique columns stay unique across blocks: a
        value already drawn in an earlier block is redrawn from the block's stream."""
        redrawn = self.cross_block_unique() if n > BLOCK_ROWS else []
        seen: dict[str, pl.Series] = {}
        count = max(1, -(-n // BLOCK_ROWS))
        for b, frame in enumerate(draw_blocks(count, lambda b: self._block(b, n, root, constraints, conds))):
            for column in redrawn:
                values = frame.get_column(column.name)
                if b > 0:
                    values = column.unique_against(values, seen[column.name], column_rng(block_seed(root, b), "\x00unique"))
                    frame = frame.with_columns(values)
                seen[column.name] = values if b == 0 else pl.concat([seen[column.name], values])
            yield frame

    def cross_block_unique(self) -> list[ColumnModel]:
        """The unique columns whose values must be checked against earlier blocks (every
        unique column but a plain ``unique_key``, whose blocks take disjoint stretches)."""
        return [
            c for c in self.columns
            if c.unique and not (isinstance(c.distribution, UniqueKeyDistribution) and c.parsed_format() is None)
        ]

    def _block(
        self, b: int, n: int, root: np.random.SeedSequence,
        constraints: tuple[Constraint, ...] = (), conds: Conditions | None = None,
    ) -> pl.DataFrame:
        """Rows ``b * BLOCK_ROWS`` to ``min(n, (b + 1) * BLOCK_ROWS)`` of a sample of ``n``
        rows, from the block's own stream; unique columns unique within the block."""
        start = b * BLOCK_ROWS
        rows = max(0, min(BLOCK_ROWS, n - start))
        seed = block_seed(root, b)
        if not constraints and conds is None and not self.differences:
            frame = self.fitted.sample(rows, seed)
        else:
            native = type(self.fitted).conditions_native
            part = conds.take(np.arange(start, start + rows)) if conds is not None else None
            computed, differences = self.computed, self.differences
            kinds = {c.name: c.kind for c in self.columns}
            joints = self.joints
            # a fixed combination held by a joint column holds by construction: nothing to resample
            active = tuple(c for c in constraints if not any(j.covers(c) for j in joints))
            # a condition on a built high column is met by checking rows: the family draws its difference
            given, checked = split_conditions(part, [d.name for d in differences]) if native else (part, None)
            try:
                frame = sample_constrained(
                    lambda k, ss, c: self._with_members(with_computed(with_differences(
                        self.fitted.sample(k, ss, c if native else None), differences, ss, kinds), computed), ss),
                    rows, seed, active, given, check_conditions=not native, checked=checked,
                )
            except SamplingError as exc:
                if checked is None or isinstance(exc, ConditionError):
                    raise
                raise ConditionError(too_rare(checked, differences, str(exc))) from None
            if joints:
                frame = frame.select(output_order(frame.columns, joints))
        if n > BLOCK_ROWS:
            for column in self.columns:
                dist = column.distribution
                if column.unique and isinstance(dist, UniqueKeyDistribution) and column.parsed_format() is None:
                    # a set of keys, not draws: block b takes the keys of its own stretch
                    values = frame.get_column(column.name)
                    span = BLOCK_ROWS if dist.consecutive else max(BLOCK_ROWS, math.ceil(BLOCK_ROWS / dist.density))
                    frame = frame.with_columns((values + b * span).cast(values.dtype))
        return frame

    def _with_members(self, frame: pl.DataFrame, seed: np.random.SeedSequence) -> pl.DataFrame:
        """The family's draw with each joint column's members decoded (the joint column stays,
        for the conditions on it; :func:`output_order` drops it)."""
        for j in self.joints:
            frame = j.decode(frame, joint_probs(j, self.column(j.name)), column_rng(seed, "\x00joint:" + j.name))
        return frame

    def _conditions(
        self, raw: Any, constraints: tuple[Constraint, ...], root: np.random.SeedSequence | None = None
    ) -> Conditions | None:
        skipped = [s["name"] for s in self.skipped]
        formulas = {c.column: c for c in constraints if isinstance(c, FormulaConstraint)}
        for name in _condition_names(raw):
            if name in formulas:
                f = formulas[name]
                raise ConditionError(
                    f"condition on column {name!r}: it is computed from {', '.join(f.inputs())} by the formula "
                    f"{f.expression!r}, not modelled, so it cannot be conditioned on; condition on "
                    f"{', '.join(f.inputs())} instead"
                )
        built = {d.name: d for d in self.differences}
        columns: list[Any] = [DerivedView(built[c.name], c) if c.name in built else c for c in self.columns]
        if self.joints:  # a condition names a member, never the joint column itself
            names = {j.name for j in self.joints}
            columns = [c for c in columns if c.name not in names]
            columns += [m for j in self.joints for m in member_columns(j, self.column(j.name))]
        conds = parse_conditions(raw, columns, skipped)
        if conds is None:
            return None
        for cond in conds.columns:
            for c in constraints:
                if isinstance(c, Range) and c.column == cond.column and not intersects_range(cond, c.low, c.high):
                    raise ConditionError(
                        f"condition {cond.describe()} lies outside the declared {c.describe()}; no row could meet both"
                    )
        if self.joints:
            rng = column_rng(root if root is not None else np.random.SeedSequence(0), "\x00joint conditions")
            conds = joint_conditions(conds, [(j, self.column(j.name)) for j in self.joints], constraints, rng)
        if type(self.fitted).conditions_native:  # high missing, or high and low fixed: the family draws the difference
            conds = convert_conditions(conds, self.differences, self.columns)
        return conds

    # -- model file -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The model file as a JSON-ready dict, keys in a fixed order."""
        section = {"family": self.family, "criterion": self.criterion, "rare_threshold": self.rare_threshold}
        built = {d.name: d for d in self.differences}
        section.update(self.fitted.to_dict())
        d: dict[str, Any] = {
            "format": modelfile.FORMAT,
            "n_rows": self.n_rows,
            "provenance": self.provenance,
            "privacy": self.privacy,
            "model": section,
            "columns": interleave([entry(self._entry(c), built[c.name]) if c.name in built else self._entry(c)
                                   for c in self.columns], self.computed),
        }
        if self.skipped:
            d["skipped"] = self.skipped
        d["constraints"] = self.constraints
        return d

    def _entry(self, column: ColumnModel) -> dict[str, Any]:
        """A column's file entry; a joint column's lists its members after its dtype."""
        d = column.to_dict()
        joint = next((j for j in self.joints if j.name == column.name), None)
        if joint is None:
            return d
        keys = list(d)
        at = keys.index("dtype") + 1
        return {**{k: d[k] for k in keys[:at]}, "joint": joint.to_dict(), **{k: d[k] for k in keys[at:]}}

    @classmethod
    def from_dict(cls, data: dict[str, Any], file: str | None = None) -> Model:
        """Build from a model-file dict (format 1 or 2); checks schema and semantics, errors carry JSON paths."""
        modelfile.validate_dict(data, file)
        computed = [ComputedColumn.from_dict(c, i) for i, c in enumerate(data["columns"]) if "computed" in c]
        raw_columns = [c for c in data["columns"] if "computed" not in c]
        modelled = [c["name"] for c in raw_columns if isinstance(c, dict) and isinstance(c.get("name"), str)]
        problems = check_ledger(data["privacy"], modelled)
        if problems:  # an auditor's sum must match: a tampered or overspent ledger is refused
            raise ModelFileError(problems[0], "$.privacy", file)
        columns = _columns(data["columns"], file)
        section = data["model"]
        name = section["family"]
        families = registered_families()
        if name not in families:
            raise ModelFileError(
                f"unknown model family {name!r}{did_you_mean(name, available())}; known families: "
                f"{', '.join(available())} (a plug-in family "
                "must be installed to read its files)", "$.model.family", file,
            )
        family = families[name]
        own = {k: v for k, v in section.items() if k not in COMMON_KEYS}
        problem = modelfile.schema_violation(own, family.json_schema(), "$.model")
        if problem is not None:
            raise ModelFileError(*problem, file)
        try:
            fitted = family.fitted.from_dict(own, columns)
        except ModelFileError as exc:  # the family's paths are relative to $.model
            raise ModelFileError(exc.message, "$.model" + exc.path[1:], file) from None
        unaccounted = fitted.ledger_problems(data["privacy"])
        if unaccounted:  # a released statistic the ledger does not pay for
            message, path = unaccounted[0]
            raise ModelFileError(message, "$.model" + path[1:], file)
        constraints = data.get("constraints", [])
        joints = []
        for i, c in enumerate(data["columns"]):
            if "joint" in c:
                check_joint_entry(c, i, file)
                joints.append((i, JointColumn.from_dict(c["name"], c["joint"], c.get("categories"))))
        check_members(joints, [c["name"] for c in data["columns"]], file)
        members = [m for _, j in joints for m in j.members]
        found = read_differences(data["columns"])  # a built high: its constraints see its own kind, not the difference's
        _check_constraints(constraints, [*columns, *computed, *members, *(d for _, d in found)],
                           [s["name"] for s in data.get("skipped", [])], file)
        parsed = parse_constraints(constraints, "constraints")
        check_computed(computed, parsed, file)
        check_joint(joints, parsed, file)
        differences = check_differences(found, columns, [c.name for c in computed], parsed, file)
        return cls(
            fitted=fitted,
            n_rows=int(data["n_rows"]),  # JSON Schema's "integer" admits 3.0
            provenance=data["provenance"],
            criterion=section.get("criterion", "bic"),
            rare_threshold=section.get("rare_threshold", DEFAULT_RARE_THRESHOLD),
            privacy=data["privacy"],
            skipped=data.get("skipped", []),
            constraints=list(constraints),
            computed=computed,
            joints=[j for _, j in joints],
            differences=differences,
        )

    def to_json(self) -> str:
        """The model file text (deterministic)."""
        return modelfile.dumps(self.to_dict())

    def save(self, path: str | Path) -> Path:
        """Write the model file, after the same checks :func:`datatwin.load` makes."""
        data = self.to_dict()
        type(self).from_dict(data, str(path))  # never write a file that cannot be read back
        return modelfile.write_model_dict(data, path)

    # -- reading it ---------------------------------------------------------------
    def summary(self, *, output: str = "polars") -> Any:
        """One row per column: kind, dtype, distribution, missing share, uniqueness, and
        how the family uses it (``role``); a polars frame, or pandas with ``output="pandas"``."""
        _check_output(output)
        roles = self.fitted.roles()
        rows: list[dict[str, Any]] = [
            {
                "column": c.name, "kind": c.kind, "dtype": c.dtype,
                "distribution": c.distribution.name if c.distribution is not None else None,
                "prop_missing": float(c.prop_missing), "unique": bool(c.unique),
                "role": roles.get(c.name, "independent"),
            }
            for c in self.columns
        ]
        built = {d.name: d for d in self.differences}
        for row in rows:  # high = low + difference: its own kind and dtype, the difference's distribution
            if row["column"] in built:
                d = built[row["column"]]
                row.update(kind=d.kind, dtype=d.dtype, role=f"{d.role()}; {row['role']}")
        for c in sorted(self.computed, key=lambda c: c.index):  # not modelled: computed by its formula
            rows.insert(min(c.index, len(rows)), {
                "column": c.name, "kind": c.kind, "dtype": c.dtype, "distribution": None, "prop_missing": None,
                "unique": False, "role": f"computed: {c.formula}",
            })
        if self.joints:  # a joint column's members, at their places in the output, in its stead
            gone = {j.name for j in self.joints}
            rows = [r for r in rows if r["column"] not in gone]
            for j in self.joints:
                joint_col = self.column(j.name)
                shares = {m.name: m.prop_missing for m in member_columns(j, joint_col)}
                for m in j.members:
                    others = ", ".join(o.name for o in j.members if o.name != m.name)
                    by_name = {"column": m.name, "kind": m.kind, "dtype": m.dtype,
                               "distribution": joint_col.distribution.name if joint_col.distribution is not None else None,
                               "prop_missing": shares[m.name], "unique": False,
                               "role": f"joint with {others}" + (f"; {role}" if (role := roles.get(j.name, "independent"))
                                                                  != "independent" else "")}
                    rows.append(by_name)
            place = {m.name: m.index for j in self.joints for m in j.members}
            order = output_order([r["column"] for r in rows if r["column"] not in place], self.joints)
            at = {name: i for i, name in enumerate(order)}
            rows.sort(key=lambda r: at[r["column"]])
        schema = {"column": pl.String, "kind": pl.String, "dtype": pl.String, "distribution": pl.String,
                  "prop_missing": pl.Float64, "unique": pl.Boolean, "role": pl.String}
        return _as_output(pl.DataFrame(rows, schema=schema), output)

    def describe_family(self) -> list[str]:
        """The family's own lines (``inspect``), and what its column names stand for where the
        family models something else under the name: an inequality's ``high`` is modelled as
        the difference ``high - low``."""
        lines = list(self.fitted.describe())
        if self.differences and self.family != "independent":
            held = ", ".join(f"{d.name} as {d.name} - {d.low}" for d in self.differences)
            lines.append(f"(in these lines {held}: an inequality held by construction)")
        return lines

    def __repr__(self) -> str:
        lines = [
            f"<datatwin Model: family {self.family}, {len(self.columns)} columns, {self.n_rows:,} rows, "
            f"privacy policy {self.privacy.get('policy', 'none')}>"
        ]
        lines += [f"  {line}" for line in self.describe_family()]
        lines.append("  model.summary() lists the columns; model.save(path) writes the model file")
        return "\n".join(lines)

    def rare_label_warnings(self) -> list[str]:
        """One line per published categorical label that fewer than ``rare_threshold`` rows
        are expected to carry (probability x non-missing rows), e.g. after ``keep_rare`` or a
        hand edit, and the ``other`` bucket of merged rare labels when it is itself under the
        threshold. Enum categories are part of the declared type and are not listed."""
        lines = []
        k = self.rare_threshold
        for col in self.columns:
            dist = col.distribution
            if not isinstance(dist, CategoricalDistribution) or col.categories is not None:
                continue
            bucket = (col.rare_labels or {}).get("into")
            rows = self.n_rows * (1.0 - col.prop_missing)
            for label, p in zip(dist.labels, dist.probs):
                if not 0 < p * rows < k - 1e-9:
                    continue
                if label == bucket:  # the merged rest: its own share is a count under k (issue 10, item 6)
                    lines.append(
                        f"column {col.name!r}: the {label!r} bucket of merged rare labels is held by about "
                        f"{p * rows:.0f} row(s), fewer than {k}; its share tells how many rows hold rare values "
                        "(the disclosure policy recodes such a bucket into the most frequent label)"
                    )
                    continue
                lines.append(
                    f"column {col.name!r}: label {label!r} is held by about {p * rows:.0f} row(s), fewer than "
                    f"{k}; publishing it discloses that value (merge it, or refit without keep_rare)"
                )
        return lines


OUTPUTS = ("polars", "pandas")


def _check_output(output: object) -> None:
    if output not in OUTPUTS:
        raise SamplingError(
            f"output must be one of {', '.join(map(repr, OUTPUTS))}{did_you_mean(str(output), OUTPUTS)}. Got {output!r}."
        )


def _as_output(frame: pl.DataFrame, output: str) -> Any:
    if output == "pandas":
        from datatwin.io.pandas_out import to_pandas

        return to_pandas(frame)
    return frame


def _check_constraints(raw: list[Any], columns: list[Any], skipped: list[str], file: str | None) -> None:
    """Each constraint parses (formulas too) and fits the columns' kinds; errors with its JSON path."""
    kinds = {c.name: c.kind for c in columns}
    parsed = []
    for i, d in enumerate(raw):
        try:
            c = constraint_from_dict(d, f"constraint {i}")
            c.check(kinds, skipped)
        except ConstraintError as exc:
            raise ModelFileError(str(exc), f"$.constraints[{i}]", file) from None
        parsed.append(c)
    try:
        parse_constraints(parsed, "constraints")
    except ConstraintError as exc:
        raise ModelFileError(str(exc), "$.constraints", file) from None


def _condition_names(raw: Any) -> list[str]:
    """The column names a ``conditions`` argument speaks of (before it is parsed), for the
    checks that come first (a computed column)."""
    if isinstance(raw, dict):
        return [str(k) for k in raw]
    if isinstance(raw, pl.DataFrame):
        return list(raw.columns)
    names = getattr(raw, "columns", None)
    if names is not None and not isinstance(raw, (str, list, tuple)):
        return [str(c) for c in names]
    if isinstance(raw, (str, list, tuple)):
        from datatwin.constraints.expressions import parse_comparisons

        texts = [raw] if isinstance(raw, str) else [t for t in raw if isinstance(t, str)]
        out = []
        for text in texts:
            try:
                out += [c.column for c in parse_comparisons(text, "condition")]
            except ConstraintError:
                pass  # parse_conditions reports it
        return out
    return []


def _columns(raw_columns: list[dict[str, Any]], file: str | None) -> list[ColumnModel]:
    columns = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_columns):
        if raw["name"] in seen:
            raise ModelFileError(f"duplicate column name {raw['name']!r}", f"$.columns[{i}].name", file, raw["name"])
        seen.add(raw["name"])
        if "computed" in raw:  # a formula's column: no model of its own (ComputedColumn)
            continue
        try:
            col = ColumnModel.from_dict(raw)
        except DistributionError as exc:
            raise ModelFileError(str(exc), f"$.columns[{i}].distribution", file, raw["name"]) from None
        try:
            col.check()
        except ColumnCheckError as exc:
            raise ModelFileError(str(exc), f"$.columns[{i}].{exc.field}", file, raw["name"]) from None
        columns.append(col)
    return columns
