"""The privacy ledger of a model file: one line per released statistic, and its audit.

The ``privacy`` section of a model file has this shape (JSON)::

    {
      "policy": "dp",
      "budget": {"epsilon": 1.0, "delta": 1e-09},        # or {"rho": 0.5, "delta": 0.0}
      "spent":  {"epsilon": 0.95, "delta": 5e-10, "rho": 0.0},
      "ledger": [
        {"what": "n_rows", "mechanism": null},           # declared public: costs nothing
        {"what": "age: histogram", "mechanism": "laplace",
         "sensitivity": 1.0, "scale": 20.0, "epsilon": 0.05},
        {"what": "city: labels", "mechanism": "partition_selection",
         "sensitivity": 1.0, "scale": 10.0, "threshold": 202.0,
         "epsilon": 0.1, "delta": 1e-09},
        {"what": "income: mean", "mechanism": "gaussian",
         "sensitivity": 1.0, "scale": 3.0, "rho": 0.05555555555555555}
      ]
    }

- ``budget``: exactly one of ``epsilon`` / ``rho`` (> 0), plus ``delta`` in [0, 1)
  (default 0). Its unit is pure ε (δ = 0), (ε, δ), or zCDP ρ (see
  :mod:`datatwin.privacy.budget`).
- ``spent``: the ledger's total **in the budget's unit**, as
  :class:`datatwin.privacy.budget.Accountant` reports it: Σε and Σδ for an ε budget;
  Σ(ρ + ε²/2) and Σδ for a ρ budget (an ε-DP line counts as ε²/2-zCDP). Fields
  ``epsilon``, ``delta``, ``rho``, each a number >= 0, default 0.
- ``ledger`` lines: ``what`` (string, required); ``mechanism`` (one of ``laplace``,
  ``discrete_laplace``, ``gaussian``, ``discrete_gaussian``, ``gaussian_approx`` (Gaussian
  noise charged as (ε, δ) through zCDP: its ε follows from sensitivity, scale and the line's
  δ), ``exponential``, ``gumbel_max`` (the exponential mechanism under zCDP), ``partition_selection``, or ``null`` for a public declaration); ``sensitivity`` and
  ``scale`` (numbers > 0, required with a mechanism); ``threshold`` (whole number, only
  for ``partition_selection``); ``epsilon``, ``delta``, ``rho`` (numbers >= 0, default 0).

:func:`check_ledger` recomputes every line's cost from its mechanism, sensitivity and
scale, adds the lines up and compares the sum with ``spent`` and ``budget``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from datatwin.errors import PrivacyError
from datatwin.privacy.budget import Budget, Cost, _fmt, _within
from datatwin.privacy.costs import MECHANISM_COSTS, mechanism_cost
from datatwin.privacy.ledger_sensitivity import expected_sensitivity
from datatwin.privacy.mechanisms import Release

__all__ = ["LedgerEntry", "check_ledger", "privacy_section", "total"]

_MECHANISMS = (*MECHANISM_COSTS, "partition_selection", "gaussian_approx")
_FIELDS = ("what", "mechanism", "sensitivity", "scale", "threshold", "epsilon", "delta", "rho")
# A recomputed cost goes through a division or two; JSON keeps floats exact.
_LINE_RTOL = 1e-9


def _number(data: dict[str, Any], key: str, default: float | None) -> float | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PrivacyError(f"{key!r} must be a finite number. Got {value!r} instead.")
    if value < 0:
        raise PrivacyError(f"{key!r} must be >= 0. Got {_fmt(value)} instead.")
    return float(value)


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger line: what was released, how, and at what privacy cost.

    ``mechanism`` is ``None`` for a public declaration (e.g. a row count the owner
    declares public), which costs nothing.
    """

    what: str
    mechanism: str | None = None
    sensitivity: float | None = None
    scale: float | None = None
    epsilon: float = 0.0
    delta: float = 0.0
    rho: float = 0.0
    threshold: float | None = None

    @property
    def cost(self) -> Cost:
        """The cost the line states."""
        return Cost(epsilon=self.epsilon, delta=self.delta, rho=self.rho)

    @classmethod
    def from_release(cls, release: Release) -> LedgerEntry:
        """The ledger line of a :class:`datatwin.privacy.mechanisms.Release`."""
        c = release.cost
        return cls(
            what=release.what,
            mechanism=release.mechanism,
            sensitivity=release.sensitivity,
            scale=release.scale,
            epsilon=c.epsilon,
            delta=c.delta,
            rho=c.rho,
            threshold=release.threshold,
        )

    @classmethod
    def public(cls, what: str) -> LedgerEntry:
        """A zero-cost line declaring ``what`` public (known without looking at the data)."""
        return cls(what=what)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict; unset optional fields and zero costs are left out."""
        out: dict[str, Any] = {"what": self.what, "mechanism": self.mechanism}
        for key in ("sensitivity", "scale", "threshold"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key in ("epsilon", "delta", "rho"):
            if getattr(self, key) != 0:
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LedgerEntry:
        """Inverse of :meth:`to_dict`.

        Raises
        ------
        PrivacyError
            When a field is missing, unknown or of the wrong type.
        """
        if not isinstance(data, dict):
            raise PrivacyError(f"a ledger line must be an object. Got {type(data).__name__} instead.")
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise PrivacyError(f"unknown field(s) {unknown}; allowed: {', '.join(_FIELDS)}.")
        what = data.get("what")
        if not isinstance(what, str) or not what:
            raise PrivacyError(f"'what' must be a non-empty string. Got {what!r} instead.")
        mechanism = data.get("mechanism")
        if mechanism is not None and not isinstance(mechanism, str):
            raise PrivacyError(f"'mechanism' must be a string or null. Got {mechanism!r} instead.")
        return cls(
            what=what,
            mechanism=mechanism,
            sensitivity=_number(data, "sensitivity", None),
            scale=_number(data, "scale", None),
            epsilon=_number(data, "epsilon", 0.0) or 0.0,
            delta=_number(data, "delta", 0.0) or 0.0,
            rho=_number(data, "rho", 0.0) or 0.0,
            threshold=_number(data, "threshold", None),
        )


def total(entries: Iterable[LedgerEntry], unit: str | None = None) -> Cost:
    """Sum of the lines' costs (basic composition, exact ``math.fsum``).

    Parameters
    ----------
    entries : iterable of LedgerEntry
    unit : {"pure", "approx", "zcdp"}, optional
        Convert each line into this budget unit first (as :class:`Accountant` charges it);
        by default the raw ε, δ and ρ fields are added separately.
    """
    costs = [e.cost for e in entries]
    if unit is not None:
        costs = [c.in_unit(unit) for c in costs]
    return Cost.sum(costs)


def privacy_section(policy: str, budget: Budget | None, entries: Sequence[LedgerEntry | Release]) -> dict[str, Any]:
    """Build the model file's ``privacy`` section (the shape in this module's docstring)."""
    lines = [LedgerEntry.from_release(e) if isinstance(e, Release) else e for e in entries]
    section: dict[str, Any] = {"policy": policy}
    if budget is not None:
        section["budget"] = budget.to_dict()
        section["spent"] = total(lines, budget.unit).to_dict()
    section["ledger"] = [e.to_dict() for e in lines]
    return section


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_LINE_RTOL, abs_tol=1e-300)


def _check_line(i: int, e: LedgerEntry) -> list[str]:
    where = f"ledger line {i} ({e.what!r})"
    if e.mechanism is None or e.mechanism == "public":
        if e.cost != Cost():
            return [
                (
                    f"{where}: has no mechanism (a public declaration) but states a cost of "
                    f"{e.cost.describe()}; a public value costs nothing, so name the mechanism."
                )
            ]
        return []
    if e.mechanism not in _MECHANISMS and e.cost == Cost():
        # a descriptive line of a policy without a budget (disclosure control's
        # "micro-aggregation", a plug-in's "generalisation"): nothing to add up
        return []
    if e.mechanism not in _MECHANISMS:
        return [(f"{where}: unknown mechanism {e.mechanism!r}; known mechanisms: {', '.join(_MECHANISMS)}.")]
    if e.sensitivity is None or e.scale is None or e.sensitivity <= 0 or e.scale <= 0:
        return [f"{where}: a {e.mechanism} line needs 'sensitivity' and 'scale' > 0."]
    if e.mechanism == "partition_selection" and e.threshold is None:
        return [f"{where}: a partition_selection line needs its 'threshold' to verify δ."]
    try:
        expected = mechanism_cost(e.mechanism, e.sensitivity, e.scale, e.threshold, e.delta)
    except PrivacyError as exc:
        return [f"{where}: {exc}"]
    stated = e.cost
    if e.mechanism == "partition_selection":
        # The stated δ is the requested one, which may exceed the exact tail: fine.
        ok = (
            _close(stated.epsilon, expected.epsilon)
            and stated.delta >= expected.delta * (1 - _LINE_RTOL)
            and stated.rho == 0
        )
    else:
        ok = all(_close(getattr(stated, f), getattr(expected, f)) for f in ("epsilon", "delta", "rho"))
    if ok:
        return []
    return [
        f"{where}: {e.mechanism} with sensitivity {_fmt(e.sensitivity)} and scale "
        f"{_fmt(e.scale)}"
        + (f" and threshold {_fmt(e.threshold)}" if e.threshold is not None else "")
        + f" costs {expected.describe()}, but the line states {stated.describe()}."
    ]


def _check_dp_settings(privacy: dict[str, Any], entries: list[tuple[int, LedgerEntry]], columns: list[str] | None) -> list[str]:
    """Under ``dp``: the settings agree with the lines, and every modelled column has a line
    (issue 10, item 7). A flipped ``public_n_rows`` would claim a relation the row count's
    line contradicts; a column without any line was released without being accounted for."""
    problems: list[str] = []
    raw = privacy.get("settings")
    settings: dict[str, Any] = raw if isinstance(raw, dict) else {}
    public = settings.get("public_n_rows")
    rows = [e for _, e in entries if e.what == "n_rows" or e.what.startswith("n_rows:")]
    charged_rows = [e for e in rows if e.mechanism not in (None, "public")]
    if public is True and charged_rows:
        problems.append("settings.public_n_rows is true, but the ledger charges the row count; one of them was changed.")
    if public is False and rows and not charged_rows:
        problems.append("settings.public_n_rows is false, but the ledger declares the row count public.")
    neighbours = privacy.get("neighbours")
    if neighbours is not None and isinstance(public, bool) and (neighbours == "replace_one_row") != public:
        problems.append(
            f"'neighbours' is {neighbours!r} but settings.public_n_rows is {public}: a public row count goes "
            "with replace_one_row, a noisy one with add_remove_one_row."
        )
    replace = neighbours == "replace_one_row" or (neighbours is None and public is True)
    factor, relation = (2.0, "replace-one-row") if replace else (1.0, "add/remove-one-row")
    if neighbours == "add_remove_rows_with_id":
        max_rows, id_column = privacy.get("max_rows"), privacy.get("id_column")
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1 or not isinstance(id_column, str):
            problems.append(
                "'neighbours' is 'add_remove_rows_with_id', which needs 'id_column' (a column name) and 'max_rows' "
                f"(a whole number >= 1); got id_column={id_column!r}, max_rows={max_rows!r}."
            )
            max_rows = 1
        factor, relation = float(max_rows), f"add/remove-rows-with-id (max_rows={max_rows})"
    for i, e in entries:
        if e.mechanism in (None, "public") or e.sensitivity is None:
            continue
        expected = expected_sensitivity(e.what, e.mechanism, factor)
        if expected is not None and not math.isclose(e.sensitivity, expected, rel_tol=1e-9):
            problems.append(
                f"ledger line {i} ({e.what!r}): what it releases has sensitivity {_fmt(expected)} under "
                f"{relation} neighbours, but the line states {_fmt(e.sensitivity)}."
            )
    if columns is not None:
        named = {e.what.split(":", 1)[0] for _, e in entries if ":" in e.what}
        missing = [c for c in columns if c not in named]
        if missing:
            problems.append(
                f"column(s) {', '.join(repr(c) for c in missing)} have no ledger line: every modelled column's "
                "release must be accounted for."
            )
    return problems


def check_ledger(privacy: dict[str, Any], columns: list[str] | None = None) -> list[str]:
    """Audit a model file's ``privacy`` section; return the problems found (empty: all good).

    Checks that every line parses and its stated cost matches its mechanism, sensitivity
    and scale; that the stated ``spent`` equals the recomputed sum; and that the sum fits
    in the stated ``budget``. A policy ``"dp"`` must state a budget, its settings must agree
    with its lines (``public_n_rows``, ``neighbours``), and, given the modelled ``columns``,
    each of them must have a line.
    """
    if not isinstance(privacy, dict):
        return [f"the privacy section must be an object. Got {type(privacy).__name__} instead."]
    problems: list[str] = []
    raw_lines = privacy.get("ledger", [])
    if not isinstance(raw_lines, list):
        return [f"'ledger' must be a list of lines. Got {type(raw_lines).__name__} instead."]
    entries: list[tuple[int, LedgerEntry]] = []
    for i, raw in enumerate(raw_lines):
        try:
            entries.append((i, LedgerEntry.from_dict(raw)))
        except PrivacyError as exc:
            problems.append(f"ledger line {i}: {exc}")
    for i, e in entries:
        problems.extend(_check_line(i, e))

    budget: Budget | None = None
    if "budget" in privacy:
        try:
            budget = Budget.from_dict(privacy["budget"])
        except PrivacyError as exc:
            problems.append(f"budget: {exc}")
    elif privacy.get("policy") == "dp":
        problems.append("the 'dp' policy must state its 'budget', e.g. {'epsilon': 1.0, 'delta': 1e-9}.")

    if privacy.get("policy") == "dp":
        problems.extend(_check_dp_settings(privacy, entries, columns))

    if budget is not None or privacy.get("policy") == "dp":
        # Descriptive lines are for policies without a budget: under a budget, a line with
        # an unknown mechanism and no cost would be a release nobody can add up.
        for i, e in entries:
            if e.mechanism not in (None, "public", *_MECHANISMS) and e.cost == Cost():
                problems.append(
                    f"ledger line {i} ({e.what!r}): unknown mechanism {e.mechanism!r} in a ledger with a budget; "
                    f"known mechanisms: {', '.join(_MECHANISMS)}, or null for a public declaration."
                )

    unit = budget.unit if budget is not None else None
    charged: list[Cost] = []
    for i, e in entries:
        try:
            charged.append(e.cost.in_unit(unit) if unit else e.cost)
        except PrivacyError as exc:
            problems.append(f"ledger line {i} ({e.what!r}): {exc}")
    recomputed = Cost.sum(charged)

    if "spent" in privacy:
        try:
            raw = privacy["spent"]
            if not isinstance(raw, dict) or set(raw) - {"epsilon", "delta", "rho"}:
                raise PrivacyError("must be an object with 'epsilon', 'delta' and 'rho'.")
            stated = Cost(**{k: _number(raw, k, 0.0) or 0.0 for k in ("epsilon", "delta", "rho")})
        except PrivacyError as exc:
            problems.append(f"spent: {exc}")
        else:
            if not all(
                math.isclose(getattr(stated, f), getattr(recomputed, f), rel_tol=1e-12, abs_tol=1e-300)
                for f in ("epsilon", "delta", "rho")
            ):
                problems.append(
                    f"the stated spent ({stated.describe()}) differs from the sum of the ledger "
                    f"lines ({recomputed.describe()})."
                )

    if budget is not None:
        cap = budget.total
        if not all(_within(getattr(recomputed, f), getattr(cap, f)) for f in ("epsilon", "delta", "rho")):
            problems.append(
                f"the ledger adds up to {recomputed.describe()}, which exceeds the stated budget {budget.describe()}."
            )
    return problems
