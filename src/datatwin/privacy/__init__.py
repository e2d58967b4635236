"""Privacy policies: how a model's parameters are estimated, and what that costs.

``NoPrivacy`` (default), ``DifferentialPrivacy`` and ``DisclosureControl`` ship with
datatwin; others plug in through the ``datatwin.privacy`` entry-point group.
See ``docs/privacy.md`` for what each promises and does not.
"""

from datatwin.privacy.base import (
    ColumnData,
    ColumnRelease,
    Estimate,
    NoPrivacy,
    PolicySession,
    PrivacyPolicy,
    TableInfo,
    get_policy_class,
    make_policy,
    register_policy,
    registered_policies,
)
from datatwin.privacy.disclosure import DisclosureControl
from datatwin.privacy.dp import DifferentialPrivacy
from datatwin.privacy.measurement import Measurement, Released
from datatwin.privacy.protected import AddOneRow, AddRowsWithID

__all__ = [
    "AddOneRow",
    "AddRowsWithID",
    "ColumnData",
    "ColumnRelease",
    "DifferentialPrivacy",
    "DisclosureControl",
    "Estimate",
    "Measurement",
    "NoPrivacy",
    "PolicySession",
    "PrivacyPolicy",
    "Released",
    "TableInfo",
    "get_policy_class",
    "make_policy",
    "register_policy",
    "registered_policies",
]
