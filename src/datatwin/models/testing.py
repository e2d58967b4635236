"""The conformance checks every model family passes, built-in or from a plug-in.

In the style of scikit-learn's ``estimator_checks``: :func:`family_checks` yields small
named checks, :func:`check_family` runs them all (raising AssertionError at the first
failure), and :func:`parametrize_with_checks` turns them into one pytest test id each::

    from datatwin.models.testing import parametrize_with_checks

    @parametrize_with_checks([MyFamily()])
    def test_my_family(family, check):
        check(family)

The checks fit the family on :func:`conformance_table` (every column kind, missing values,
a correlated pair) unless given another frame. They sit beside the layers: they drive the
public API (``datatwin.fit``, ``datatwin.load``) like a user would.

>>> import datatwin as dt
>>> check_family(dt.families.Independent())
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import polars as pl

from datatwin.models.base import ModelFamily

__all__ = ["check_family", "conformance_table", "family_checks", "parametrize_with_checks"]

#: a check fails with probability below about this when the family is right
FALSE_FAILURE = 1e-6


def conformance_table(n: int = 600, seed: int = 0) -> pl.DataFrame:
    """A small table with every column kind, missing values and a correlated pair."""
    rng = np.random.default_rng(seed)
    x = rng.normal(50, 10, n)
    y = x * 0.8 + rng.normal(0, 5, n)
    group = np.where(x + rng.normal(0, 5, n) > 50, "high", "low")
    start = _dt.date(2020, 1, 1)
    colour = rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]).tolist()
    return pl.DataFrame(
        {
            "x": x.round(3),
            "y": pl.Series(np.where(rng.random(n) < 0.1, np.nan, y.round(3))).fill_nan(None),
            "count": rng.poisson(3, n),
            "group": group,
            "colour": [None if m else c for m, c in zip(rng.random(n) < 0.05, colour)],
            "flag": rng.random(n) < 0.3,
            "day": [start + _dt.timedelta(days=int(d)) for d in rng.integers(0, 700, n)],
        }
    )


def _fit(family: ModelFamily, frame: pl.DataFrame) -> Any:
    import datatwin as dt

    return dt.fit(frame, family=family)


def _require(condition: bool, family: ModelFamily, message: str) -> None:
    if not condition:
        raise AssertionError(f"{type(family).__name__} ({family.name!r}): {message}")


# -- the checks -------------------------------------------------------------------------
def check_registered(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """The family is registered under its name, with a FittedModel class of the same name."""
    from datatwin.models.registry import get_family_class

    _require(bool(family.name), family, "has no 'name'")
    _require(get_family_class(family.name) is type(family), family, f"is not the class registered as {family.name!r}")
    _require(family.fitted.family == family.name, family, f"its fitted class says family {family.fitted.family!r}")


def check_json_schema(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """The family's JSON Schema fragment is itself a valid JSON Schema, and its fitted section passes it."""
    import jsonschema

    schema = family.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    model = _fit(family, frame if frame is not None else conformance_table())
    own = {k: v for k, v in model.to_dict()["model"].items() if k not in ("family", "criterion", "rare_threshold")}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(json.dumps(own))))
    _require(not errors, family, f"its own section breaks its schema: {errors[0].message if errors else ''}")


def check_fit_keeps_columns(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """Fitting returns one model per column, in order, and names the family."""
    frame = frame if frame is not None else conformance_table()
    model = _fit(family, frame)
    _require(model.family == family.name, family, f"model.family is {model.family!r}")
    _require([c.name for c in model.columns] == frame.columns, family, "columns are not the frame's, in order")


def check_sample_dtypes_and_order(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """Samples have the frame's columns, in order, with the same dtypes; zero rows work."""
    frame = frame if frame is not None else conformance_table()
    model = _fit(family, frame)
    for n in (0, 1, 250):
        synth = model.sample(n, seed=3)
        _require(synth.height == n, family, f"sample({n}) has {synth.height} rows")
        _require(synth.schema == frame.schema, family, f"sample({n}) schema {synth.schema} differs from {frame.schema}")


def check_same_seed_same_bytes(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """The same seed gives identical rows, also after a round trip through the file; another seed differs."""
    frame = frame if frame is not None else conformance_table()
    model = _fit(family, frame)
    a, b = model.sample(500, seed=11), model.sample(500, seed=11)
    _require(a.equals(b, null_equal=True), family, "two samples with seed 11 differ")
    _require(not a.equals(model.sample(500, seed=12), null_equal=True), family, "seeds 11 and 12 give the same rows")
    reloaded = type(model).from_dict(json.loads(model.to_json()))
    _require(reloaded.sample(500, seed=11).equals(a, null_equal=True), family,
             "a model read back from its file samples different rows for the same seed")


def check_file_round_trip(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """to_dict -> JSON -> from_dict -> to_dict is the identity, and the fit is deterministic."""
    frame = frame if frame is not None else conformance_table()
    model = _fit(family, frame)
    d = json.loads(model.to_json())
    back = type(model).from_dict(copy.deepcopy(d)).to_dict()
    _require(json.loads(json.dumps(back)) == d, family, "the file does not survive a round trip unchanged")
    again = json.loads(_fit(family, frame).to_json())
    for x in (d, again):
        x["provenance"].pop("created_at", None)
    _require(again == d, family, "two fits of the same data give different files (beyond created_at)")


def check_missing_shares(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """Each column's missing share in a large sample matches the model's prop_missing
    (binomial tolerance, false-failure rate below FALSE_FAILURE per column)."""
    frame = frame if frame is not None else conformance_table()
    model = _fit(family, frame)
    n = 20_000
    synth = model.sample(n, seed=5)
    z = 5.3  # two-sided normal quantile at about 1e-7
    for col in model.columns:
        p = col.prop_missing
        share = synth[col.name].null_count() / n
        tol = z * math.sqrt(max(p * (1 - p), 1e-12) / n) + 1e-9
        _require(abs(share - p) <= tol, family, f"column {col.name!r}: missing share {share:.4f}, model says {p:.4f}")


def check_rejects_hand_edits(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """A file edited into nonsense is refused with a ModelFileError naming the JSON path."""
    from datatwin.errors import ModelFileError

    frame = frame if frame is not None else conformance_table()
    model = _fit(family, frame)
    edits: list[tuple[str, Callable[[dict], None]]] = [
        ("$.model.family", lambda d: d["model"].__setitem__("family", "no_such_family")),
        ("$.model", lambda d: d["model"].__setitem__("unexpected_setting", 1)),
        ("$.columns[0].prop_missing", lambda d: d["columns"][0].__setitem__("prop_missing", 1.5)),
    ]
    for path, edit in edits:
        d = json.loads(model.to_json())
        edit(d)
        try:
            type(model).from_dict(d)
        except ModelFileError as exc:
            _require(exc.path.startswith(path), family, f"an edit at {path} is reported at {exc.path}")
        else:
            raise AssertionError(f"{type(family).__name__}: a file edited at {path} was accepted")


def check_summary(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """The fitted part summarises itself as a polars frame and a few lines; repr stays short."""
    model = _fit(family, frame if frame is not None else conformance_table())
    _require(isinstance(model.fitted.summary(), pl.DataFrame), family, "summary() is not a polars DataFrame")
    lines = model.fitted.describe()
    _require(isinstance(lines, list) and all(isinstance(x, str) for x in lines), family, "describe() is not a list of text")
    _require(len(repr(model)) < 2_000, family, f"repr(model) is {len(repr(model))} characters long")
    _require(isinstance(model.summary(), pl.DataFrame), family, "Model.summary() is not a polars DataFrame")


def check_settings_validated(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """Every constructor setting shown by settings() is accepted back by the constructor."""
    settings = family.settings()
    clone = type(family)(**settings)
    _require(clone.settings() == settings, family, "settings() does not rebuild the same family")


def check_conditions_met(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """Conditioned samples (a label, a range, a frame of condition rows) meet their conditions
    row by row, with exactly the rows asked for, and the same seed gives the same rows; a
    family without its own conditioning passes through the generic bounded path."""
    if frame is not None:  # the conditions below name the conformance table's columns
        return
    model = _fit(family, conformance_table())
    conditions = {"group": "high", "x": (45.0, 60.0)}
    sample = model.sample(400, seed=3, conditions=conditions)
    _require(sample.height == 400, family, f"a conditioned sample has {sample.height} rows, not 400")
    _require(bool((sample["group"] == "high").all() and sample["x"].is_between(45.0, 60.0).all()), family,
             "conditioned rows do not all meet {'group': 'high', 'x': (45, 60)}")
    _require(sample.equals(model.sample(400, seed=3, conditions=conditions)), family,
             "the same seed and conditions gave different rows")
    rows = pl.DataFrame({"group": ["low", "high", "low"], "flag": [True, False, True]})
    given = model.sample(seed=4, conditions=rows)
    _require(given.select("group", "flag").equals(rows), family, "rows conditioned on a frame do not carry its values")


def check_constraints_hold(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """The file's constraints hold in every sample (bounded resampling, formulas computed)."""
    if frame is not None:
        return
    model = _fit(family, conformance_table())
    model.constraints = [
        {"kind": "range", "column": "x", "low": 40.0, "high": 60.0},
        {"kind": "implication", "if": "flag == True", "then": "group == 'high'"},
        {"kind": "formula", "column": "count", "expression": "round(x / 10)"},
    ]
    sample = model.sample(500, seed=5)
    _require(bool(sample["x"].is_between(40.0, 60.0).all()), family, "a sample breaks the range constraint on x")
    _require(sample.filter(pl.col("flag") & (pl.col("group") != "high")).height == 0, family,
             "a sample breaks the implication flag == True -> group == 'high'")
    _require(sample["count"].to_list() == (sample["x"] / 10).round(0).cast(pl.Int64).to_list(), family,
             "the formula column count is not computed from x")


def check_streamed_fit_equals_in_memory(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """A streamed fit of the table as Parquet parts (what ``streamed_as`` asks for: the distinct
    rows, each column apart, or cells counted in a second pass) gives the in-memory model file."""
    import tempfile
    from pathlib import Path

    import datatwin as dt

    frame = conformance_table() if frame is None else frame
    _require(family.streamed_as() in ("rows", "columns", "passes"), family,
             f"streamed_as() is {family.streamed_as()!r}, not 'rows', 'columns' or 'passes'")
    with tempfile.TemporaryDirectory() as tmp:
        half = frame.height // 2
        frame.head(half).write_parquet(Path(tmp) / "part-0.parquet")
        frame.tail(frame.height - half).write_parquet(Path(tmp) / "part-1.parquet")
        streamed = dt.fit(tmp, family=family).to_dict()
    in_memory = _fit(family, frame).to_dict()
    for d in (streamed, in_memory):
        d.pop("provenance")
    _require(json.dumps(streamed) == json.dumps(in_memory), family,
             f"a streamed fit (streamed_as {family.streamed_as()!r}) differs from the in-memory fit")


_CHECKS = (
    check_registered,
    check_json_schema,
    check_fit_keeps_columns,
    check_sample_dtypes_and_order,
    check_same_seed_same_bytes,
    check_file_round_trip,
    check_missing_shares,
    check_rejects_hand_edits,
    check_summary,
    check_settings_validated,
    check_conditions_met,
    check_constraints_hold,
    check_streamed_fit_equals_in_memory,
)


def family_checks(family: ModelFamily) -> Iterator[Callable[..., None]]:
    """Every named check that ``family`` must pass (each takes the family and an optional frame)."""
    yield from _CHECKS


def check_family(family: ModelFamily, frame: pl.DataFrame | None = None) -> None:
    """Run every check of :func:`family_checks`; AssertionError names the first that fails."""
    for check in family_checks(family):
        check(family, frame)


def parametrize_with_checks(families: Sequence[ModelFamily]) -> Any:
    """A pytest decorator: one test per (family, check), ids like ``copula-check_file_round_trip``."""
    import pytest

    cases = [(f, c) for f in families for c in family_checks(f)]
    ids = [f"{f.name}-{c.__name__}" for f, c in cases]
    return pytest.mark.parametrize(("family", "check"), cases, ids=ids)
