""""Budget too small": a deterministic, conservative minimum budget (issue 10, item 9).

Before any column is released, the dp session checks that the budget can work at all. The
advice it gives must not be computed from noisy values (five fits would suggest five
budgets, some of which then fail) and must not depend on one row either. So the minimum is
a formula in the row count, from the schema, the spec and the budget split only:

- pure and approximate DP: ``epsilon ≥ C / rows``; zCDP: ``rho ≥ (C / rows)²``;
- ``C`` is the largest over the releases that are certain to happen before any estimate
  (each column's main count release, and the bounds histograms of every number, date and
  datetime column without public bounds) of what that release needs:

  * counts: the noise (Laplace scale or Gaussian σ) at most rows / ``MIN_SIGNAL``;
  * bounds: the threshold a bin must clear (:func:`datatwin.privacy.dp_bounds.threshold`)
    at most rows × ``BOUNDS_SHARE``, so a column that puts a twentieth of its rows into
    one bin of the public grid (a factor √2 for numbers, a month or a year for dates) is
    located.

A column's main counts get at least ``MIN_FRACTION`` of its share, its bounds step the
fraction the column's release plan gives it (:mod:`datatwin.privacy.dp_numeric`), so the
bound holds whatever family follows. The fit is
refused only when the counts would drown (a column whose values are spread thin may still
be located at a budget below the advice, and concentrated ones usually are); the advice is
the larger of the two, so that following it passes the check and locates every column
that puts a twentieth of its rows in one bin. The message names the release that needs the
most. When the row count is public, the minimum is also given as a number.
"""

from __future__ import annotations

import dataclasses
import math

from datatwin.privacy.dp_bounds import FALSE_BIN_RATE, _calendar_grid, _log_grid
from datatwin.privacy.dp_numeric import _plan

__all__ = ["BOUNDS_SHARE", "MIN_FRACTION", "MIN_SIGNAL", "Need", "minimum_coefficient"]

#: a count's noise (Laplace b or Gaussian σ) must stay below rows / this
MIN_SIGNAL = 10.0
#: the bounds threshold must stay below this share of the rows
BOUNDS_SHARE = 0.05
#: the smallest fraction of a column's share that one of its first releases gets
MIN_FRACTION = 0.3
_NUMBERS = ("continuous", "discrete")
_CALENDAR = ("date", "datetime")


@dataclasses.dataclass(frozen=True)
class Need:
    """The release that needs the most: ``coefficient`` is C in ε ≥ C / rows (ρ ≥ (C / rows)²)."""

    column: str
    release: str
    coefficient: float


def _grid_cells(kind: str) -> tuple[int, int]:
    """(histograms released together, their cells) of the bounds step of a ``kind`` column."""
    if kind in _CALENDAR:
        grids = [_calendar_grid("D", m) for m in (1, 12)]
    else:
        grids = [_log_grid(0.5)]
    return len(grids), sum(len(g) + 1 for g in grids)


def _needs_bounds(kind: str, column_spec: object) -> bool:
    if kind not in _NUMBERS + _CALENDAR:
        return False
    if getattr(column_spec, "bounds", None) is not None:
        return False
    dist = getattr(column_spec, "distribution", None)
    return not (isinstance(dist, dict) and dist.get("parameters") is not None)


def minimum_coefficient(
    weights: dict[str, float],
    kinds: dict[str, str],
    specs: dict[str, object],
    rows_weight: float,
    factor: float,
    zcdp: bool,
    method: str = "parametric",
) -> tuple[Need, Need]:
    """The counts release that needs the most budget, and the release that needs the most
    of all (a bounds histogram, usually), each with its C (see the module docstring).

    ``weights`` are the budget weights of every share (columns and table-wide releases),
    ``rows_weight`` the row count's (0 when public), ``factor`` 2 under replace-one-row.
    """
    total = sum(weights.values()) + rows_weight
    best = counts_best = Need("", "", 0.0)
    for name, weight in weights.items():
        if weight <= 0:
            continue
        # the release's share of the total budget, per unit of budget
        part = weight / total * MIN_FRACTION
        label = name if not name.startswith("\x00") else name.split(":", 1)[-1]
        # counts: Laplace b = factor / ε_r ≤ rows / MIN_SIGNAL; Gaussian σ = factor / √(2ρ_r) likewise
        c = factor * MIN_SIGNAL / part if not zcdp else factor * MIN_SIGNAL / math.sqrt(2 * part)
        need = Need(label, "counts", c)
        if c > counts_best.coefficient:
            counts_best = need
        kind = kinds.get(name)
        if kind is not None and _needs_bounds(kind, specs.get(name)):
            dist = getattr(specs.get(name), "distribution", None)
            family = dist if isinstance(dist, str) else dist.get("name") if isinstance(dist, dict) else None
            # the bounds step's own fraction of the share (all of it for dates: nothing else is released)
            part = weight / total * _plan(kind, method, family, False)["bounds"]
            k, cells = _grid_cells(kind)
            tail = math.log(cells / (2 * FALSE_BIN_RATE))
            if zcdp:  # τ = σ √(2 ln(1/2p)), σ = factor √k / √(2ρ_r)
                c_b = factor * math.sqrt(k) * math.sqrt(2 * tail) / (BOUNDS_SHARE * math.sqrt(2 * part))
            else:  # τ = b ln(1/2p), b = factor k / ε_r
                c_b = factor * k * tail / (BOUNDS_SHARE * part)
            if c_b > need.coefficient:
                need = Need(label, "bounds histogram", c_b)
        if need.coefficient > best.coefficient:
            best = need
    return counts_best, best
