"""Unique columns under ``dp``: a model that can sample its own row count (issue 10, item 8).

A column the spec declares ``unique`` must give as many distinct values as the file has
rows. A family fitted between private bounds cannot promise that: the bounds are grid
edges and clamp thin tails away, so a key column of 64,616 rows could get a range of
fewer integers than rows. So, from released statistics only (post-processing, no extra
budget):

- whole numbers become the ``unique_key`` distribution: keys from the private lower bound
  with the density of the noisy non-missing count over the private range (1 at most,
  consecutive keys), which can produce any number of distinct values; the releases are
  those of a forced ``discrete_uniform`` (bounds and the missing count);
- dates, datetimes and times keep their uniform family, and the fit is refused when its
  range holds fewer than ``CAPACITY`` × the released row count ticks (days or seconds):
  sampling by redrawing repeats would fail or crawl. The reason is computed from noisy
  values, never from one row;
- continuous numbers repeat with probability 0: nothing to do.
"""

from __future__ import annotations

import datetime as dtm
import math

from datatwin.distributions import Distribution, get_distribution_class
from datatwin.errors import PrivacyError

__all__ = ["CAPACITY", "check_unique_capacity", "unique_keys"]

#: distinct values a unique temporal column's range must hold, per released row
CAPACITY = 1.25


def unique_keys(dist: Distribution | None, prop_missing: float, n_rows_hat: float) -> Distribution | None:
    """``unique_key`` from a released ``discrete_uniform`` (or ``constant``) and the noisy counts."""
    if dist is None:
        return None
    params = dist.to_dict()["parameters"]
    lower = int(params["lower"] if "lower" in params else params["value"])
    upper = int(params.get("upper", lower))
    n_present = max(n_rows_hat * (1.0 - prop_missing), 1.0)
    density = min(1.0, n_present / (upper - lower + 1))
    return get_distribution_class("unique_key")(lower, density >= 1.0, float(density))


def _ticks(dist: Distribution) -> float:
    p = dist.to_dict()["parameters"]
    if dist.name == "date_uniform":
        return (dtm.date.fromisoformat(p["upper"]) - dtm.date.fromisoformat(p["lower"])).days + 1
    if dist.name == "datetime_uniform":
        span = dtm.datetime.fromisoformat(p["upper"]) - dtm.datetime.fromisoformat(p["lower"])
        return math.floor(span.total_seconds()) + 1
    if dist.name == "time_uniform":
        span = dtm.datetime.combine(dtm.date.min, dtm.time.fromisoformat(p["upper"])) - dtm.datetime.combine(
            dtm.date.min, dtm.time.fromisoformat(p["lower"]))
        return math.floor(span.total_seconds()) + 1
    return math.inf


def check_unique_capacity(column: str, dist: Distribution | None, n_rows: int) -> None:
    """Refuse a unique temporal column whose released range is too narrow for ``n_rows``."""
    if dist is None:
        return
    ticks = _ticks(dist)
    if ticks < CAPACITY * n_rows:
        unit = "days" if dist.name == "date_uniform" else "seconds"
        raise PrivacyError(
            f"column {column!r}: the spec says unique, but its private range holds {ticks:.0f} {unit}, too few for "
            f"{CAPACITY:g} × the released row count ({n_rows}) distinct values, so the model could not sample its own "
            "rows; give public bounds = [lower, upper] that span enough values, or drop unique for this column"
        )
