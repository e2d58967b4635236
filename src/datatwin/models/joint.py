"""Fixed combinations held by construction: the columns of a ``fixed_combinations``
constraint are modelled as **one joint categorical column** whose labels are the allowed
combinations, so every drawn row holds one of them without any resampling.

Before the family fits, :func:`split_joint` replaces the member columns by one Enum column
(named ``"a × b"``; a suffix is added if that name is taken) whose value per row is the
row's combination written as a JSON array (``["Bachelors", 13]``, missing as ``null``),
so an auditor reads the labels in the file. The Enum's categories are the allowed
combinations, in the constraint's order: those held by at least k real rows, or the
declared, public ``combinations`` (the only way under differential privacy, where the Enum
categories are the public label domain). A real row whose combination is not allowed
(a declared list under ``on_violation = "keep"``, or a combination held by fewer than k
rows) takes the allowed combination that agrees with it on the most members, ties to the
first in the list: a rule of the row alone, which never adds a label that is not allowed.

The file writes the joint column as an ordinary categorical entry with a ``joint`` key
listing its members (name, kind, dtype, place in the output); every family models it as
any other categorical column. After sampling, :meth:`JointColumn.decode` writes the members
back in their dtypes and places (:func:`output_order`). Conditions on a member become a
condition on the joint column (:func:`joint_conditions`).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from datatwin.constraints.conditions import ColumnCondition, Conditions
from datatwin.constraints.kinds import Constraint, FixedCombinations, FormulaConstraint
from datatwin.errors import ConditionError, ConstraintError, ModelFileError
from datatwin.prepare.convert import KIND_DTYPES
from datatwin.schema import dtype_from_str, dtype_to_str, public_kind

#: joins the member names into the joint column's name
SEPARATOR = " × "


@dataclasses.dataclass(frozen=True)
class JointMember:
    """One column of a joint: its name, kind, dtype and place among the output's columns."""

    name: str
    kind: str
    dtype: str
    #: position among the sampled output's columns
    index: int
    categories: list[str] | None = None
    description: str | None = None

    @property
    def polars_dtype(self) -> pl.DataType:
        return dtype_from_str(self.dtype, self.categories)

    @property
    def label_dtype(self) -> pl.DataType:
        """The dtype the member's values have in a label: text for text-like dtypes."""
        dtype = self.polars_dtype
        return pl.String() if isinstance(dtype, (pl.String, pl.Categorical, pl.Enum)) else dtype

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "kind": self.kind, "dtype": self.dtype}
        if self.categories is not None:
            d["categories"] = self.categories
        if self.description is not None:
            d["description"] = self.description
        d["index"] = self.index
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JointMember:
        return cls(d["name"], d["kind"], d["dtype"], int(d["index"]), d.get("categories"), d.get("description"))


@dataclasses.dataclass(frozen=True)
class JointColumn:
    """A modelled column holding the combination of ``members``; ``labels`` are its Enum
    categories, each a JSON array with one value per member."""

    name: str
    members: tuple[JointMember, ...]
    labels: tuple[str, ...]

    @property
    def member_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [m.to_dict() for m in self.members]}

    @classmethod
    def from_dict(cls, name: str, d: Mapping[str, Any], categories: Sequence[str] | None) -> JointColumn:
        return cls(name, tuple(JointMember.from_dict(m) for m in d["columns"]), tuple(categories or ()))

    def covers(self, constraint: Constraint) -> bool:
        """Whether ``constraint`` is the fixed combinations this column holds by construction."""
        return isinstance(constraint, FixedCombinations) and constraint.columns_ == self.member_names

    @functools.cached_property
    def table(self) -> pl.DataFrame:
        """One row per label: the members' values in their output dtypes."""
        return decode_labels(self.labels, self.members)

    def decode(self, frame: pl.DataFrame, probs: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
        """``frame`` with the members added from the joint column (which stays). A missing
        joint value (only a private policy's noisy missing share draws one) takes a label
        drawn with ``probs`` (the joint's probabilities, one per label)."""
        column, enum = frame.get_column(self.name), pl.Enum(list(self.labels))
        if column.dtype != enum:
            column = column.cast(pl.String).cast(enum, strict=False)
        codes = column.to_physical()
        index = codes.to_numpy().astype(np.float64)
        missing = np.isnan(index)
        if missing.any():
            p = probs / probs.sum() if probs.sum() > 0 else np.full(len(probs), 1.0 / len(probs))
            index[missing] = rng.choice(len(p), size=int(missing.sum()), p=p)
        rows = self.table[index.astype(np.int64)]
        return frame.with_columns([rows.get_column(m.name) for m in self.members])


def encode(values: Sequence[Any]) -> str:
    """The label of one combination: a JSON array, missing as null."""
    return json.dumps([_plain(v) for v in values], ensure_ascii=False)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v != v:  # NaN is missing, as everywhere in datatwin
        return None
    return v


def decode_labels(labels: Sequence[str], members: Sequence[JointMember]) -> pl.DataFrame:
    """The members' values of each label; ValueError naming the label that does not decode."""
    parsed = []
    for label in labels:
        try:
            values = json.loads(label)
        except ValueError:
            raise ValueError(f"label {label!r} is not a JSON array of the members' values") from None
        if not isinstance(values, list) or len(values) != len(members):
            raise ValueError(
                f"label {label!r} must be a JSON array of {len(members)} values (one per member: "
                f"{', '.join(m.name for m in members)})"
            )
        parsed.append(values)
    out = []
    for j, m in enumerate(members):
        raw = [row[j] for row in parsed]
        try:
            series = pl.Series(m.name, raw, dtype=m.label_dtype, strict=False).cast(m.polars_dtype, strict=False)
        except (pl.exceptions.PolarsError, TypeError, ValueError):
            series = pl.Series(m.name, [None] * len(raw), dtype=m.polars_dtype)
        lost = [labels[i] for i, (v, s) in enumerate(zip(raw, series.to_list())) if v is not None and s is None]
        if lost:
            raise ValueError(f"label {lost[0]!r}: its value for {m.name!r} is not a value of dtype {m.dtype}")
        out.append(series)
    return pl.DataFrame(out) if out else pl.DataFrame()


def _label_frame(frame: pl.DataFrame, members: Sequence[JointMember]) -> pl.DataFrame:
    return frame.select([pl.col(m.name).cast(m.label_dtype, strict=False) for m in members])


def _same_value(declared: Any, read: Any, kind: str) -> bool:
    """Whether a declared value is the value it was read as, not changed on the way: a number
    for a numeric column (30.5 is not 30, "30" is not 30), text for a text column, a boolean
    for a boolean one; dates and times may be written as ISO text."""
    if kind in ("continuous", "discrete"):
        return isinstance(declared, (int, float)) and not isinstance(declared, bool) and float(declared) == float(read)
    if kind == "boolean":
        return isinstance(declared, bool) or (isinstance(declared, int) and declared in (0, 1))
    if kind in ("categorical", "text") and isinstance(read, str):
        return isinstance(declared, str)
    return True


def combination_labels(
    combinations: Sequence[Sequence[Any]], members: Sequence[JointMember], what: str | None = None
) -> list[str]:
    """The labels of declared combinations, their values read as the members' values (as
    :meth:`FixedCombinations.ok` compares them), duplicates dropped. With ``what`` (the
    constraint, at fit), a value that is not one of its member's dtype is a ConstraintError."""
    if not combinations:
        return []
    columns = []
    for j, m in enumerate(members):
        raw = [_plain(c[j]) for c in combinations]
        try:
            series = pl.Series(m.name, raw, dtype=m.label_dtype, strict=False)
        except (pl.exceptions.PolarsError, TypeError):
            series = pl.Series(m.name, [str(v) if v is not None else None for v in raw]).cast(m.label_dtype, strict=False)
        lost = [combinations[i] for i, (v, s) in enumerate(zip(raw, series.to_list()))
                if v is not None and (s is None or (what is not None and not _same_value(v, s, m.kind)))]
        if lost and what is not None:
            raise ConstraintError(
                f"{what}: combination {list(lost[0])} holds {lost[0][j]!r} for column {m.name!r}, which is not a "
                f"value of its dtype {m.dtype}"
            )
        columns.append(series)
    rows = pl.DataFrame(columns).rows()
    return list(dict.fromkeys(encode(r) for r in rows))


# -- fitting ---------------------------------------------------------------------------


@dataclasses.dataclass
class Split:
    """The table the family fits, its joint columns, and the constraints with each joint's
    combinations filled in."""

    frame: pl.DataFrame
    joints: list[JointColumn]
    constraints: tuple[Constraint, ...]
    #: the constraints replaced (old -> new), to carry the fit's counts over
    replaced: dict[int, Constraint]


def split_joint(
    frame: pl.DataFrame, constraints: Sequence[Constraint], kinds: Mapping[str, str], k: int,
    weight_column: str | None = None, descriptions: Mapping[str, str] | None = None,
) -> Split:
    """Replace the members of each fixed combination by one joint column (at the first
    member's place), the combinations held by at least ``k`` real rows (weighted by
    ``weight_column``) unless declared. A combination whose columns overlap an earlier
    joint, or that holds a formula's column, stays enforced by resampling."""
    formulas = {c.column for c in constraints if isinstance(c, FormulaConstraint)}
    taken: set[str] = set()
    joints: list[JointColumn] = []
    out: list[Constraint] = []
    replaced: dict[int, Constraint] = {}
    names = set(frame.columns)
    for c in constraints:
        if not isinstance(c, FixedCombinations) or taken.intersection(c.columns_) or formulas.intersection(c.columns_):
            out.append(c)
            continue
        taken.update(c.columns_)
        members = tuple(_member(frame, name, kinds, (descriptions or {}).get(name)) for name in c.columns_)
        column = _joint_name(c.columns_, names)
        names.add(column)
        values = _label_frame(frame, members)
        if c.combinations is None:
            weights = (frame.get_column(weight_column).cast(pl.Float64) if weight_column is not None
                       else pl.Series(np.ones(frame.height)))
            counts = values.with_columns(weights.alias("\x00w")).group_by(list(c.columns_)).agg(
                pl.col("\x00w").sum()).filter(pl.col("\x00w") >= k).sort(list(c.columns_), nulls_last=True)
            if counts.height == 0:
                raise ConstraintError(
                    f"{c.describe()}: no combination is held by at least {k} rows, so none may be published; "
                    "declare the allowed 'combinations', or lower rare_threshold"
                )
            rows = counts.drop("\x00w").rows()
            filled = dataclasses.replace(c, combinations=tuple(tuple(_plain(v) for v in r) for r in rows))
            replaced[id(c)] = filled
            out.append(filled)
            labels = [encode(r) for r in rows]
        else:
            labels = combination_labels(c.combinations, members, c.describe())
            out.append(c)
        joint = JointColumn(column, members, tuple(labels))
        series = pl.Series(column, _row_labels(values, joint), dtype=pl.Enum(list(labels)))
        place = frame.columns.index(c.columns_[0])
        frame = frame.with_columns(series).select(
            [*[n for n in frame.columns[:place] if n not in c.columns_], column,
             *[n for n in frame.columns[place:] if n not in c.columns_]]
        )
        joints.append(joint)
    return Split(frame, joints, tuple(out), replaced)


def _member(frame: pl.DataFrame, name: str, kinds: Mapping[str, str], description: str | None) -> JointMember:
    dtype = frame.schema[name]
    kind = kinds.get(name)
    if kind is None:
        try:
            kind = public_kind(dtype)
        except ValueError:
            kind = "categorical"
    categories = list(dtype.categories) if isinstance(dtype, pl.Enum) else None
    return JointMember(name, kind, dtype_to_str(dtype), -1, categories, description)


def _joint_name(members: Sequence[str], taken: set[str]) -> str:
    base = SEPARATOR.join(members)
    name, i = base, 1
    while name in taken:
        i += 1
        name = f"{base} (joint {i})" if i > 1 else base
    return name


def _row_labels(values: pl.DataFrame, joint: JointColumn) -> list[str]:
    """Each real row's label: its own combination where allowed, else the allowed one that
    agrees with it on the most members (ties: the first in the list)."""
    names = list(values.columns)
    distinct = values.unique(maintain_order=True)
    allowed = set(joint.labels)
    mapped = [encode(row) for row in distinct.rows()]
    bad = [i for i, label in enumerate(mapped) if label not in allowed]
    if bad:
        table = joint.table.select([pl.col(m.name).cast(m.label_dtype, strict=False) for m in joint.members])
        nearest = _nearest(distinct[bad], table)
        for i, j in zip(bad, nearest):
            mapped[i] = joint.labels[int(j)]
    keyed = distinct.with_columns(pl.Series("\x00label", mapped, dtype=pl.String))
    return values.join(keyed, on=names, how="left", nulls_equal=True, maintain_order="left")["\x00label"].to_list()


def _nearest(rows: pl.DataFrame, table: pl.DataFrame, chunk: int = 1 << 22) -> np.ndarray:
    """For each of ``rows``, the first row of ``table`` that agrees with it on the most
    columns (missing agrees with missing), vectorised over value codes."""
    codes_rows, codes_table = [], []
    for name in table.columns:
        both = pl.concat([rows.get_column(name), table.get_column(name)]).to_frame("v")
        code = both.select(pl.struct("v").rank("dense")).to_series().to_numpy()
        codes_rows.append(code[: rows.height])
        codes_table.append(code[rows.height:])
    a, b = np.stack(codes_rows, axis=1), np.stack(codes_table, axis=1)
    out = np.empty(len(a), dtype=np.int64)
    step = max(1, chunk // max(1, len(b) * a.shape[1]))
    for start in range(0, len(a), step):
        agree = (a[start:start + step, None, :] == b[None, :, :]).sum(axis=2)
        out[start:start + step] = agree.argmax(axis=1)  # the first of the best
    return out


def family_for_joints(family: Any, joints: Sequence[JointColumn]) -> Any:
    """``family`` with its settings that name a member column naming the joint column
    instead: CART's ``order`` (the joint at its first member's place), the marginals family's
    ``marginals`` (a Count of two members becomes the joint's 1-way Count), and the keysets,
    binning and clamping of a member dropped (the joint's labels are its public domain). A
    plug-in family gets its settings as they are."""
    if not joints or getattr(family, "name", None) not in ("cart", "marginals"):
        return family
    rename = {m.name: j.name for j in joints for m in j.members}
    settings = dict(family.settings())
    new = dict(settings)

    def names(columns: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(rename.get(c, c) for c in columns))

    if family.name == "cart" and settings.get("order") is not None:
        new["order"] = names(settings["order"])
    if family.name == "marginals":
        if isinstance(settings.get("marginals"), list):
            items, seen = [], set()
            for item in settings["marginals"]:
                item = dict(item)
                key = "count" if "count" in item else "sum"
                item[key] = names(item[key])
                marker = json.dumps([key, item[key], item.get("of")])
                if marker not in seen:
                    seen.add(marker)
                    items.append(item)
            new["marginals"] = items
        for key in ("keysets", "binning", "clamping"):
            if isinstance(settings.get(key), dict):
                new[key] = {c: v for c, v in settings[key].items() if c not in rename}
        if isinstance(settings.get("keyset_tables"), list):  # now joint columns, their rows the labels
            new["keyset_tables"] = [t for t in settings["keyset_tables"] if not set(t["columns"]) & rename.keys()]
        if isinstance(settings.get("identifiers"), list):
            new["identifiers"] = [c for c in settings["identifiers"] if c not in rename]
    return family if new == settings else type(family)(**new)


def place_members(joints: Sequence[JointColumn], order: Sequence[str]) -> list[JointColumn]:
    """``joints`` with each member's index its place in ``order`` (the output's columns)."""
    place = {name: i for i, name in enumerate(order)}
    return [
        dataclasses.replace(j, members=tuple(dataclasses.replace(m, index=place[m.name]) for m in j.members))
        for j in joints
    ]


def output_order(columns: Sequence[str], joints: Sequence[JointColumn]) -> list[str]:
    """The sampled output's columns: ``columns`` (the file's order, joint columns included)
    without the joint columns, each member at its place."""
    if not joints:
        return list(columns)
    gone = {j.name for j in joints} | {m.name for j in joints for m in j.members}
    out = [c for c in columns if c not in gone]
    for m in sorted((m for j in joints for m in j.members), key=lambda m: m.index):
        out.insert(min(m.index, len(out)), m.name)
    return out


# -- reading a file ----------------------------------------------------------------------


def check_members(joints: Sequence[tuple[int, JointColumn]], names: Sequence[str], file: str | None) -> None:
    """Every joint entry's members: at least two, dtypes that parse and fit their kinds,
    names of their own, distinct places in the output; ModelFileError with the JSON path."""
    taken = set(names)
    places: dict[int, str] = {}
    width = len(names) - len(joints) + sum(len(j.members) for _, j in joints)
    for i, j in joints:
        path = f"$.columns[{i}].joint"
        if len(j.members) < 2:
            raise ModelFileError(f"column {j.name!r}: a joint column needs at least two member columns", path, file, j.name)
        for n, m in enumerate(j.members):
            mpath = f"{path}.columns[{n}]"
            try:
                dtype = m.polars_dtype
            except ValueError as exc:
                raise ModelFileError(f"member {m.name!r} of {j.name!r}: {exc}", f"{mpath}.dtype", file, j.name) from None
            if not KIND_DTYPES[m.kind](dtype):
                raise ModelFileError(
                    f"member {m.name!r} of {j.name!r}: a {m.dtype} column cannot be of kind {m.kind!r}", f"{mpath}.kind",
                    file, j.name,
                )
            if m.name in taken:
                raise ModelFileError(
                    f"member {m.name!r} of {j.name!r} is also a column of its own (or of another joint); names must be "
                    "distinct", f"{mpath}.name", file, j.name,
                )
            taken.add(m.name)
            if m.index >= width or m.index in places:
                raise ModelFileError(
                    f"member {m.name!r} of {j.name!r}: index {m.index} is not a free place among the {width} output "
                    "columns", f"{mpath}.index", file, j.name,
                )
            places[m.index] = m.name


def check_joint(joints: Sequence[tuple[int, JointColumn]], constraints: Sequence[Constraint], file: str | None) -> None:
    """Every joint entry has its fixed_combinations constraint, decodes into its members'
    values, and draws only allowed combinations; ModelFileError with the JSON path."""
    for i, j in joints:
        path = f"$.columns[{i}].joint"
        covering = [c for c in constraints if isinstance(c, FixedCombinations) and j.covers(c)]
        if not covering:
            raise ModelFileError(
                f"column {j.name!r} holds the combinations of {', '.join(j.member_names)}, but no fixed_combinations "
                f"constraint on those columns (in that order) says which are allowed; add {{\"kind\": "
                f"\"fixed_combinations\", \"columns\": {json.dumps(list(j.member_names), ensure_ascii=False)}}} with "
                "its combinations, or remove the column", path, file, j.name,
            )
        if not j.labels:
            raise ModelFileError(
                f"column {j.name!r}: a joint column is an Enum whose 'categories' are the allowed combinations; "
                "give them", f"$.columns[{i}].categories", file, j.name,
            )
        try:
            _ = j.table
        except ValueError as exc:
            raise ModelFileError(f"column {j.name!r}: {exc}", f"$.columns[{i}].categories", file, j.name) from None
        combos = covering[0].combinations
        allowed = set(combination_labels(combos or (), j.members))
        extra = [label for label in j.labels if label not in allowed]
        if extra:
            raise ModelFileError(
                f"column {j.name!r}: label {extra[0]!r} is not an allowed combination of its fixed_combinations "
                "constraint; remove it or add it to the constraint's combinations", f"$.columns[{i}].categories",
                file, j.name,
            )


def check_joint_entry(entry: Mapping[str, Any], i: int, file: str | None) -> None:
    """The joint column itself: a categorical Enum."""
    if entry.get("kind") != "categorical" or entry.get("dtype") != "Enum":
        raise ModelFileError(
            f"column {entry.get('name')!r} is a joint column, so it must be kind 'categorical' with dtype 'Enum' "
            f"(its categories the allowed combinations); got kind {entry.get('kind')!r}, dtype {entry.get('dtype')!r}",
            f"$.columns[{i}]", file, entry.get("name"),
        )


# -- conditions --------------------------------------------------------------------------


@dataclasses.dataclass
class MemberValues:
    """What the condition checks need of a member's marginal: its labels (the values the
    allowed combinations hold), no cdf."""

    labels: list[Any]


@dataclasses.dataclass
class MemberColumn:
    """A member as the condition parser sees it (duck-typed like a column model)."""

    name: str
    kind: str
    dtype: str
    prop_missing: float
    distribution: MemberValues
    categories: list[str] | None = None
    unique: bool = False
    text_format: None = None

    @property
    def polars_dtype(self) -> pl.DataType:
        return dtype_from_str(self.dtype, self.categories)


def joint_probs(joint: JointColumn, column: Any) -> np.ndarray:
    """The joint column's probability of each label (its distribution's, 0 for a label it lacks)."""
    dist = getattr(column, "distribution", None)
    labels, probs = getattr(dist, "labels", None), getattr(dist, "probs", None)
    if labels is None or probs is None:
        return np.full(len(joint.labels), 1.0 / max(len(joint.labels), 1))
    by = {str(lab): float(p) for lab, p in zip(labels, probs)}
    return np.array([by.get(lab, 0.0) for lab in joint.labels])


def member_columns(joint: JointColumn, column: Any) -> list[MemberColumn]:
    """The members as columns a condition can name."""
    probs = joint_probs(joint, column)
    out = []
    for m in joint.members:
        values = joint.table.get_column(m.name).cast(m.label_dtype)
        present = values.is_not_null().to_numpy()
        labels = list(dict.fromkeys(v for v in values.to_list() if v is not None))
        missing = float(probs[~present].sum()) if probs.sum() > 0 else float((~present).mean())
        out.append(MemberColumn(m.name, m.kind, m.dtype, missing, MemberValues(labels), m.categories))
    return out


def joint_conditions(
    conds: Conditions, joints: Sequence[tuple[JointColumn, Any]], constraints: Sequence[Constraint],
    rng: np.random.Generator,
) -> Conditions:
    """``conds`` with every condition on a member replaced by one condition on its joint
    column: the labels whose member values meet every member condition (a set), or, for a
    frame of condition rows, each row's label (drawn by the joint's probabilities among
    the labels that match, when the frame does not give every member)."""
    by_member = {m.name: (j, column) for j, column in joints for m in j.members}
    touched = [c for c in conds.columns if c.column in by_member]
    if not touched:
        return conds
    out = [c for c in conds.columns if c.column not in by_member]
    for j, column in joints:
        mine = [c for c in touched if c.column in j.member_names]
        if not mine:
            continue
        what = next((c.describe() for c in constraints if j.covers(c)), f"fixed_combinations of {', '.join(j.member_names)}")
        probs = joint_probs(j, column)
        if conds.n_rows is not None:
            out.append(_rows_condition(j, mine, probs, what, rng))
            continue
        table = j.table.select([pl.col(m.name).cast(m.label_dtype) for m in j.members])
        ok = np.ones(len(j.labels), dtype=bool)
        for c in mine:
            hit = table.select(c.holds().alias("h"))["h"].fill_null(False).to_numpy().astype(bool)
            if not (hit & (probs > 0)).any():
                raise ConditionError(
                    f"condition {c.describe()}: no combination the model draws for {what} has it; the model's values "
                    f"of {c.column!r} are {_values(table, c.column, probs)}"
                )
            ok &= hit
        ok &= probs > 0
        if not ok.any():
            raise ConditionError(
                f"conditions {' and '.join(c.describe() for c in mine)}: no combination the model draws for {what} "
                "meets them all"
            )
        out.append(ColumnCondition(j.name, "set", values=tuple(j.labels[i] for i in np.flatnonzero(ok))))
    return Conditions(tuple(out), conds.n_rows)


def _values(table: pl.DataFrame, name: str, probs: np.ndarray) -> list[Any]:
    values = table.get_column(name).to_list()
    return list(dict.fromkeys(v for v, p in zip(values, probs) if p > 0))[:20]


def _rows_condition(
    j: JointColumn, mine: Sequence[ColumnCondition], probs: np.ndarray, what: str, rng: np.random.Generator
) -> ColumnCondition:
    given = pl.DataFrame([c.rows for c in mine if c.rows is not None])
    names = list(given.columns)
    table = j.table.select([pl.col(n).cast(given.schema[n], strict=False) for n in names]).with_row_index("\x00label")
    table = table.filter(pl.Series(probs > 0))
    keys = given.with_row_index("\x00row").group_by(names, maintain_order=True).agg(pl.col("\x00row"))
    keys = keys.with_row_index("\x00key")
    matched = keys.select(["\x00key", *names]).join(table, on=names, how="left", nulls_equal=True, maintain_order="left")
    found_by_key = matched.group_by("\x00key", maintain_order=True).agg(pl.col("\x00label"))
    labels_of = dict(zip(found_by_key["\x00key"].to_list(), found_by_key["\x00label"].to_list()))
    index = np.empty(given.height, dtype=np.int64)
    for key, rows in zip(keys["\x00key"].to_list(), keys["\x00row"].to_list()):
        labels = labels_of[key]
        found = [int(v) for v in labels if v is not None]
        if not found:
            first = int(rows[0])
            shown = ", ".join(f"{n} = {given[first, n]!r}" for n in names)
            raise ConditionError(
                f"condition row {first}: {shown} is not a combination the model draws for {what}; give an allowed "
                "combination"
            )
        if len(found) == 1:
            index[np.asarray(rows, dtype=np.int64)] = found[0]
            continue
        p = probs[found] / probs[found].sum()
        index[np.asarray(rows, dtype=np.int64)] = np.asarray(found)[rng.choice(len(found), size=len(rows), p=p)]
    return ColumnCondition(j.name, "rows", rows=pl.Series(j.name, [j.labels[i] for i in index], dtype=pl.String))
