"""The neighbouring-table harness (issue 10).

Fit a table D several times and D + one row several times, flatten every model file into
JSON paths (``$.columns[0].distribution.parameters.mu``), and compare field by field. An
error counts as a field (``$error``): whether a file is published at all is itself a release.

Warnings are recorded (``$warnings``) but are not fields: they are shown to the owner, who
holds the data, and change neither the file nor whether it is written.

A field that is the same in every refit of D, the same in every refit of D + one row, and
differs between the two is a **leak**: one row decides it, deterministically. Under the
``none`` and ``disclosure`` policies every fit is deterministic, so the callers state which
fields may differ (see ``allowed`` in :func:`leaks`); under ``dp`` no released field may be
a leak, and every noisy field must vary across refits.
"""

from __future__ import annotations

import datetime as dtm
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

import datatwin as dt
from datatwin.errors import DatatwinError

#: fields that change on every fit whatever the data (the time of the fit)
VOLATILE = ("$.provenance.created_at",)
#: recorded, never published
OWNER_ONLY = ("$warnings",)
ABSENT = "<absent>"


def flatten(obj: Any, path: str = "$") -> dict[str, Any]:
    """Every leaf of a JSON-like object under its path; an empty list or dict is a leaf."""
    if isinstance(obj, dict) and obj:
        out: dict[str, Any] = {}
        for key, value in obj.items():
            out.update(flatten(value, f"{path}.{key}"))
        return out
    if isinstance(obj, list) and obj:
        out = {}
        for i, value in enumerate(obj):
            out.update(flatten(value, f"{path}[{i}]"))
        return out
    return {path: obj if not isinstance(obj, (dict, list)) else repr(obj)}


def outcome(frame: pl.DataFrame, spec: dict[str, Any] | None, privacy: Any, family: str) -> dict[str, Any]:
    """One fit, flattened; a ``DatatwinError`` becomes the single field ``$error``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = dt.fit(frame, spec, privacy=privacy() if callable(privacy) else privacy, family=family)
        except DatatwinError as err:
            return {"$error": f"{type(err).__name__}: {err}"}
    fields = {k: v for k, v in flatten(model.to_dict()).items() if k not in VOLATILE}
    fields["$warnings"] = sorted(f"{w.category.__name__}: {w.message}" for w in caught)
    return fields


@dataclass
class Comparison:
    """Refits of D (``base``) and of D + one row (``plus``), flattened."""

    base: list[dict[str, Any]]
    plus: list[dict[str, Any]]
    refit_base: Callable[[], dict[str, Any]] | None = None
    refit_plus: Callable[[], dict[str, Any]] | None = None

    def _values(self, runs: list[dict[str, Any]], key: str) -> list[Any]:
        return [repr(r.get(key, ABSENT)) for r in runs]

    @property
    def keys(self) -> set[str]:
        return set().union(*self.base, *self.plus)

    def leaks(self, allowed: Iterable[str] = ()) -> dict[str, tuple[Any, Any]]:
        """Fields fixed across the refits of D, fixed across those of D + one row, and different;
        ``allowed`` are regular expressions of paths that a policy may let differ."""
        patterns = [re.compile(a) for a in allowed]
        out = {}
        for key in sorted(self.keys - set(OWNER_ONLY)):
            b, p = self._values(self.base, key), self._values(self.plus, key)
            if len(set(b)) == 1 and len(set(p)) == 1 and b[0] != p[0] and not any(r.search(key) for r in patterns):
                out[key] = (b[0], p[0])
        return out

    def confirmed_leaks(self, allowed: Iterable[str] = (), refits: int = 25) -> dict[str, tuple[Any, Any]]:
        """:meth:`leaks`, and when there are any, refit both tables up to ``refits`` times
        and look again: a field that noise decides is rarely the same so many times.

        Under ε-DP with ε_c spent on what decides a field, P(A | D+1) ≥ P(A | D)·e^(−ε_c), so
        the chance that a field which is not a leak shows A in all r refits of D and another
        value in all r refits of D + one row is at most max_q qʳ(1 − q·e^(−ε_c))ʳ, which is
        (1 − e^(−ε_c))ʳ for ε_c ≥ ln 2 and smaller below: with ε_c ≤ 0.6 and r = 25 it is
        below 3e-9 a field, so below 1e-6 over the few hundred fields of a file (the tests'
        budgets give each column about 0.3)."""
        found = self.leaks(allowed)
        if found:
            self.extend(refits)
            found = self.leaks(allowed)
        return found

    def extend(self, refits: int) -> None:
        """Refit both tables until each has ``refits`` fits."""
        if self.refit_base is None or self.refit_plus is None:
            return
        while len(self.base) < refits:
            self.base.append(self.refit_base())
            self.plus.append(self.refit_plus())

    def random_fields(self) -> set[str]:
        """Fields that vary across the refits of D."""
        return {k for k in self.keys if len(set(self._values(self.base, k))) > 1}

    def errors(self) -> list[str]:
        return [r["$error"] for r in self.base + self.plus if "$error" in r]


def compare(
    frame: pl.DataFrame,
    extra: dict[str, Any],
    *,
    privacy: Any = "none",
    spec: dict[str, Any] | None = None,
    family: str = "independent",
    refits: int = 1,
) -> Comparison:
    """Fit ``frame`` and ``frame`` plus the row ``extra`` (missing columns are null),
    ``refits`` times each. ``privacy`` is a policy name, a policy, or a callable making one."""
    row = pl.DataFrame([{c: extra.get(c) for c in frame.columns}], schema=frame.schema)
    plus = pl.concat([frame, row])
    def fit_base() -> dict[str, Any]:
        return outcome(frame, spec, privacy, family)

    def fit_plus() -> dict[str, Any]:
        return outcome(plus, spec, privacy, family)

    return Comparison([fit_base() for _ in range(refits)], [fit_plus() for _ in range(refits)], fit_base, fit_plus)


def values_published(model_fields: dict[str, Any], value: Any) -> list[str]:
    """Paths whose value is ``value`` (or a string containing it, for text)."""
    hits = []
    for key, v in model_fields.items():
        if key.startswith("$.provenance") or key == "$warnings":
            continue
        if isinstance(value, str) and isinstance(v, str) and value in v:
            hits.append(key)
        elif not isinstance(value, str) and not isinstance(v, (str, bool)) and v is not None and v == value:
            hits.append(key)
    return hits


def kinds_table(n: int = 400, seed: int = 0) -> pl.DataFrame:
    """A small table with one column of every kind: categorical, continuous, discrete, date,
    datetime, string (a structured code), boolean and a unique key."""
    rng = np.random.default_rng(seed)
    start_day, start_ts = dtm.date(2020, 1, 1), dtm.datetime(2021, 1, 1)
    return pl.DataFrame({
        "cat": rng.choice(["a", "b", "c"], n).tolist(),
        "x": rng.normal(50, 10, n),
        "k": rng.poisson(4, n),
        "day": [start_day + dtm.timedelta(days=int(v)) for v in rng.integers(0, 365, n)],
        "ts": [start_ts + dtm.timedelta(seconds=int(v)) for v in rng.integers(0, 86_400 * 30, n)],
        "code": [f"AB-{v:04d}" for v in rng.integers(0, 10_000, n)],
        "flag": (rng.random(n) < 0.4).tolist(),
        "id": np.arange(n) * 3 + 7,
    })


def added_rows(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """The kinds of row added to ``frame`` (a row of :func:`kinds_table`): a duplicate of the
    first row, extreme values, a new label, a row of missing cells, weird strings."""
    return {
        "duplicate": frame.row(0, named=True),
        "extreme": {"cat": "a", "x": 1e6, "k": 10**6, "day": dtm.date(2090, 1, 1), "ts": dtm.datetime(2090, 1, 1),
                    "code": "AB-0001", "flag": True, "id": 10**9},
        "new_label": {"cat": "zebra", "x": 50.0, "k": 4, "day": dtm.date(2020, 3, 3), "ts": dtm.datetime(2021, 1, 3),
                      "code": "QQ-9999", "flag": False, "id": 2},
        "missing": {},
        "weird": {"cat": "Ω\x00 ü", "x": 50.0, "k": 4, "day": dtm.date(2020, 3, 3), "ts": dtm.datetime(2021, 1, 3),
                  "code": "é#\t!xyz", "flag": True, "id": 5},
    }
