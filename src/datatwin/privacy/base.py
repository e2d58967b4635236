"""The privacy-policy contract: what a model family may learn about the data, and at what cost.

A policy is injected into fitting (DESIGN.md: "models never hard-code a mechanism"). Its
session hands out **measurements**; the model family asks, and builds its model from what
comes back, never from the raw values:

- :meth:`PolicySession.release_column` — a column's marginal: either its value counts to
  fit by maximum likelihood (exact under ``none``, coded by disclosure rules under
  ``disclosure``; rare labels already handled), or a marginal already built from noisy
  statistics (``dp``: the distributions' own hooks turn released moments into parameters);
- :meth:`PolicySession.review` — output checking of what the family fitted from value
  counts (disclosure control: no real extreme, no point mass under k rows); it may send
  coded counts back to be fitted again;
- :meth:`PolicySession.measure` — a table-wide statistic (a copula's correlation sums,
  later k-way marginals) with its sensitivity: exact, noisy, or checked against k;
- :meth:`PolicySession.release_n_rows` — the row count.

Every release is written to the session's ledger (:meth:`PolicySession.privacy_section`).
The policy also says whether column preparation may read values (``reads_values``).

Plug-ins: a package registers a :class:`PrivacyPolicy` subclass under the entry-point
group ``datatwin.privacy``::

    [project.entry-points."datatwin.privacy"]
    my_policy = "my_package:MyPolicy"

and ``datatwin fit --privacy my_policy`` / ``dt.fit(..., privacy=MyPolicy(...))`` use it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from datatwin.errors import PrivacyError, did_you_mean
from datatwin.plugins import Registry
from datatwin.privacy.measurement import Measurement, Released, Selection
from datatwin.privacy.rare_labels import merge_rare_labels

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


@dataclasses.dataclass(frozen=True, eq=False)
class ReleasedCounts:
    """The noisy histogram a column's marginal was built from, over a public domain:
    ``values[0]`` counts the missing rows and ``values[1:]`` the ``labels`` in order; ``sd`` is
    the noise's standard deviation on each entry. Released already, so a family may combine it
    with its own measurements at no further cost (post-processing)."""

    labels: tuple[Any, ...]
    values: np.ndarray
    sd: float


@dataclasses.dataclass(frozen=True)
class Estimate:
    """One column's marginal as it will be published (becomes the column's model-file entry)."""

    distribution: Any  # a datatwin Distribution, or None when every value is missing
    prop_missing: float
    unique: bool
    selection: dict[str, Any] | None = None
    rare_labels: dict[str, Any] | None = None
    #: the noisy counts behind the marginal, when it is a histogram over a public domain
    counts: ReleasedCounts | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class ColumnRelease:
    """What a session releases about one column: exactly one of

    - ``data``: value counts the family fits by maximum likelihood (exact, or coded by the
      policy's rules), with ``rare_labels`` saying how rare labels were handled; or
    - ``estimate``: a marginal already built from released (noisy) statistics.
    """

    data: ColumnData | None = None
    estimate: Estimate | None = None
    rare_labels: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.estimate is None):
            raise PrivacyError("a column release holds either value counts (data) or an estimate, not both")


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
    #: each modelled column's kind (from the dtype and the spec under a policy that does not
    #: read values); a policy plans its budget with it
    kinds: dict[str, str] = dataclasses.field(default_factory=dict)


class PolicySession:
    """The state of one fit under a policy: its ledger, and for DP its accountant."""

    #: is the exact row count published (in the provenance)? A DP policy releases it
    #: through its mechanism only (``n_rows``).
    publishes_row_count: ClassVar[bool] = True
    #: does :meth:`measure` add noise? A family plans its budget by it (a copula orders labels
    #: in one cheap round under noise, where a second round would cost more than it buys)
    adds_noise: ClassVar[bool] = False
    #: does :meth:`measure` return every statistic exactly as asked, unchecked (no noise, no
    #: group-size rule)? Only then may a family release statistics whose disclosure it has not
    #: analysed (a copula's categorical columns in two axes); a plug-in policy is assumed not to
    releases_as_is: ClassVar[bool] = False

    def release_n_rows(self, n_rows: float) -> int:
        """The row count written to the model file."""
        return int(round(n_rows))

    def text_note(self, note: str) -> str | None:
        """The note on a text column's format to write to the model file's ``selection``
        (it counts the values that did not parse), or None to keep it out. The owner sees
        it as a warning either way. By default it is published."""
        return note

    def release_column(self, data: ColumnData) -> ColumnRelease:
        """Release one column's marginal measurement (see :class:`ColumnRelease`)."""
        raise NotImplementedError

    def review(self, data: ColumnData, estimate: Estimate) -> Estimate | ColumnData:
        """Check what the family fitted from released value counts ``data`` before it is
        published: return it (possibly adjusted), or coded value counts to fit again.
        Default: publish as fitted."""
        return estimate

    def measure(self, request: Measurement) -> Released:
        """Release a table-wide statistic (see :mod:`datatwin.privacy.measurement`).

        A policy must say what it releases: the default refuses, so a plug-in policy that
        does not implement this cannot leak through a family that needs it."""
        raise PrivacyError(
            f"the privacy policy of this fit does not release table-wide statistics ({request.what}), which "
            "this model family needs; use family 'independent', or a policy that supports it (none, dp, disclosure)"
        )

    def select(self, request: Selection) -> int:
        """Choose one candidate of ``request`` (its index), higher scores preferred: the best
        one exactly, or privately (the exponential mechanism under differential privacy).

        The default refuses, like :meth:`measure`."""
        raise PrivacyError(
            f"the privacy policy of this fit does not make table-wide choices ({request.what}), which "
            "this model family needs; use a policy that supports it (none, dp)"
        )

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

    def protect(self, frame: Any, spec: Any) -> tuple[Any, Any]:
        """The rows and spec the fit may use, before anything is computed (default: unchanged).
        Differential privacy for all rows of one ID keeps at most ``max_rows`` rows per ID here."""
        return frame, spec

    def describe(self) -> str:
        """One line for humans (``datatwin inspect``)."""
        return self.name


# -- the default: no formal privacy -------------------------------------------------
class _NoPrivacySession(PolicySession):
    releases_as_is = True

    def __init__(self) -> None:
        self.ledger: list[dict[str, Any]] = []

    def release_column(self, data: ColumnData) -> ColumnRelease:
        merged, rare = merge_rare_labels(data)
        return ColumnRelease(data=merged, rare_labels=rare.to_dict() if rare is not None else None)

    def measure(self, request: Measurement) -> Released:
        return Released(request.values)

    def select(self, request: Selection) -> int:
        return int(np.argmax(request.scores))

    def privacy_section(self) -> dict[str, Any]:
        return {"policy": "none", "ledger": []}


class NoPrivacy(PrivacyPolicy):
    """No formal guarantee: exact value counts, fitted by maximum likelihood. Rare
    categorical labels are still merged (``rare_threshold``) and structured strings never store rare literals, but
    bounded families publish the real minimum and maximum. See ``docs/privacy.md``."""

    name = "none"

    def start(self, table: TableInfo) -> PolicySession:
        return _NoPrivacySession()

    def describe(self) -> str:
        return "none: no formal privacy guarantee (maximum-likelihood estimates)"


# -- registry ---------------------------------------------------------------------
_PLUGINS: Registry[PrivacyPolicy] = Registry(ENTRY_POINT_GROUP, PrivacyPolicy, PrivacyError, "privacy")


def register_policy(cls: type[PrivacyPolicy]) -> type[PrivacyPolicy]:
    """Class decorator: make a policy available by its ``name``."""
    return _PLUGINS.register(cls)


register_policy(NoPrivacy)


def registered_policies() -> dict[str, type[PrivacyPolicy]]:
    """Every policy by name: built-in and installed plug-ins."""
    return _PLUGINS.all()


def get_policy_class(name: str) -> type[PrivacyPolicy]:
    """The policy class registered as ``name``; PrivacyError listing the known ones otherwise."""
    policies = registered_policies()
    if name not in policies:
        raise PrivacyError(
            f"unknown privacy policy {name!r}{did_you_mean(name, policies)}; known policies: {sorted(policies)} "
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
