"""Every registered model family passes the shared conformance checks, one test id per check."""

from __future__ import annotations

import datatwin as dt
from datatwin.models.testing import parametrize_with_checks

#: one instance per registered family; a family registered without one fails the suite
REPRESENTATIVES = [dt.families.Independent(), dt.families.Copula(), dt.families.Cart(), dt.families.Marginals()]


@parametrize_with_checks(REPRESENTATIVES)
def test_family_conforms(family, check) -> None:  # type: ignore[no-untyped-def]
    check(family)


def test_every_registered_family_has_a_representative() -> None:
    names = {f.name for f in REPRESENTATIVES}
    assert set(dt.families.available()) <= names
