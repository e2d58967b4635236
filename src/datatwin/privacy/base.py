"""The privacy-policy contract: how each column's distribution is estimated.

A policy is injected into fitting (DESIGN.md: "models never hard-code a mechanism").
Fitting does the public, non-private steps (reading, missing-value sentinels, counting
distinct values) and hands every column to the policy's session as a :class:`ColumnData`;
the session returns an :class:`Estimate` and records what it released in its ledger.

The models layer passes its plain (non-private) estimator in as a callback, so a policy
can reuse it on data it has made safe (disclosure control clips extremes, then fits)
without the privacy layer importing the models layer.

Plug-ins: a package registers a :class:`PrivacyPolicy` subclass under the entry-point
group ``datatwin.privacy``::

    [project.entry-points."datatwin.privacy"]
    my_policy = "my_package:MyPolicy"

and ``datatwin fit --privacy my_policy`` / ``dt.fit(..., privacy=MyPolicy(...))`` use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from datatwin.errors import PrivacyError
from datatwin.plugins import load_plugins

ENTRY_POINT_GROUP = "datatwin.privacy"


@dataclasses.dataclass(frozen=True)
class ColumnData:
    """One column as a policy sees it: distinct non-missing values and their row counts.

    ``values``/``counts`` are what :func:`datatwin.distributions.Distribution.fit` takes
    (counts are weighted row counts when the spec declares a frequency column).
    ``spec`` is the column's :class:`datatwin.schema.ColumnSpec`, ``fit_spec`` the global
    :class:`datatwin.schema.FitSpec`. ``inferred_unique`` is the data-dependent guess the
    plain estimator uses; private policies should rely on ``spec.unique`` instead.
    """

    name: str
    kind: str
    dtype: str
    values: np.ndarray
    counts: np.ndarray
    n_rows: float
    n_missing: float
    spec: Any
    fit_spec: Any
    categories: list[str] | None = None
    inferred_unique: bool = False

    @property
    def n_present(self) -> float:
        return float(np.sum(self.counts))


@dataclasses.dataclass(frozen=True)
class Estimate:
    """What a policy releases for one column (becomes the column's model-file entry)."""

    distribution: Any  # a datatwin Distribution, or None when every value is missing
    prop_missing: float
    unique: bool
    selection: dict[str, Any] | None = None
    rare_labels: dict[str, Any] | None = None


#: the models layer's non-private estimator, handed to sessions as a callback
PlainEstimator = Callable[[ColumnData], Estimate]


@dataclasses.dataclass(frozen=True)
class TableInfo:
    """What is public about the table before any column is fitted: the modelled column
    names (after exclusions; they come from the schema, not the values), the spec, and the
    row count (which a DP policy does *not* publish as is)."""

    n_rows: float
    columns: tuple[str, ...]
    fit_spec: Any
    #: table-wide measurements the model family will ask for (a copula's correlation matrix),
    #: by name, with their budget weight relative to one column's
    releases: dict[str, float] = dataclasses.field(default_factory=dict)


class PolicySession:
    """The state of one fit under a policy: its ledger, and for DP its accountant."""

    #: is the exact row count published (in the provenance)? A DP policy releases it
    #: through its mechanism only (``n_rows``).
    publishes_row_count: ClassVar[bool] = True

    def release_n_rows(self, n_rows: float) -> int:
        """The row count written to the model file."""
        return int(round(n_rows))

    def text_note(self, note: str) -> str | None:
        """The note on a text column's format to write to the model file's ``selection``
        (it counts the values that did not parse), or None to keep it out. The owner sees
        it as a warning either way. By default it is published."""
        return note

    def estimate(self, data: ColumnData, plain: PlainEstimator) -> Estimate:
        """Estimate one column's distribution, missing share and uniqueness."""
        raise NotImplementedError

    def privacy_section(self) -> dict[str, Any]:
        """The model file's ``privacy`` object: ``policy``, settings, budget, ``ledger``."""
        raise NotImplementedError


class PrivacyPolicy:
    """Base class of privacy policies (constructor stores settings; ``start`` opens a fit).

    Subclasses set ``name`` (the model file's ``privacy.policy``) and implement
    :meth:`start`. Settings are validated in the constructor with errors that name the
    parameter, so a bad setting fails before any data is read.
    """

    name: ClassVar[str] = ""
    #: may column preparation read the values to infer kinds, text formats and personal
    #: data? A differential-privacy policy says no: those choices would themselves leak, so
    #: they come from the dtype and the spec only.
    reads_values: ClassVar[bool] = True

    def start(self, table: TableInfo) -> PolicySession:
        raise NotImplementedError

    def describe(self) -> str:
        """One line for humans (``datatwin inspect``)."""
        return self.name


# -- the default: no formal privacy -------------------------------------------------
class _NoPrivacySession(PolicySession):
    def __init__(self) -> None:
        self.ledger: list[dict[str, Any]] = []

    def estimate(self, data: ColumnData, plain: PlainEstimator) -> Estimate:
        return plain(data)

    def privacy_section(self) -> dict[str, Any]:
        return {"policy": "none", "ledger": []}


class NoPrivacy(PrivacyPolicy):
    """No formal guarantee: maximum-likelihood fits. Rare categorical labels are still
    merged (``rare_threshold``) and structured strings never store rare literals, but
    bounded families publish the real minimum and maximum. See ``docs/privacy.md``."""

    name = "none"

    def start(self, table: TableInfo) -> PolicySession:
        return _NoPrivacySession()

    def describe(self) -> str:
        return "none: no formal privacy guarantee (maximum-likelihood estimates)"


# -- registry ---------------------------------------------------------------------
_REGISTRY: dict[str, type[PrivacyPolicy]] = {}
_ENTRY_POINTS_LOADED = False


def register_policy(cls: type[PrivacyPolicy]) -> type[PrivacyPolicy]:
    """Class decorator: make a policy available by its ``name``."""
    if not cls.name:
        raise PrivacyError(f"policy class {cls.__name__} has no 'name'")
    _REGISTRY[cls.name] = cls
    return cls


register_policy(NoPrivacy)


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for name, cls in load_plugins(ENTRY_POINT_GROUP, PrivacyPolicy, PrivacyError, "privacy"):
        _REGISTRY.setdefault(cls.name or name, cls)


def registered_policies() -> dict[str, type[PrivacyPolicy]]:
    """Every policy by name: built-in and installed plug-ins."""
    _load_entry_points()
    return dict(_REGISTRY)


def get_policy_class(name: str) -> type[PrivacyPolicy]:
    """The policy class registered as ``name``; PrivacyError listing the known ones otherwise."""
    policies = registered_policies()
    if name not in policies:
        raise PrivacyError(
            f"unknown privacy policy {name!r}; known policies: {sorted(policies)} "
            "(a plug-in registers more through the 'datatwin.privacy' entry-point group)"
        )
    return policies[name]


def make_policy(name: str, **settings: Any) -> PrivacyPolicy:
    """A policy by name with its settings, e.g. ``make_policy("dp", epsilon=1.0)``."""
    cls = get_policy_class(name)
    try:
        return cls(**settings)
    except TypeError as exc:
        raise PrivacyError(f"privacy policy {name!r}: {exc}") from None
