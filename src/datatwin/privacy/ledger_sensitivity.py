"""What a dp ledger line's sensitivity must be, from what the line says it releases
(issue 10, item 7).

A line's cost is checked against its stated sensitivity and scale elsewhere
(:mod:`datatwin.privacy.ledger`); this module checks the sensitivity itself, for the
per-column releases whose text names the statistic:

- one histogram (row count; missing and non-missing counts; missing, false and true
  counts; missing and label counts; a histogram of bins; labels by partition selection):
  a row lies in one cell, sensitivity 1;
- the bounds histograms over g public grids (log-scale bins: g = 1; calendar months and
  years: g = 2): a row lies in one cell of each, L1 g, L2 √g;
- clamped sums of t terms scaled to [−1, 1] (``clamped sums of x, x², log x, log² x``):
  L1 t, L2 √t;
- subset averages of t estimates over m subsets (sample and aggregate): L1 t / m, L2 √t / m;

- the marginals family's k-way marginals (``1-way marginal of a (16 cells)``): a row lies in
  one cell, sensitivity 1; its private choices of the pairs to measure (and, in files of the
  tree with 3-way marginals, of third columns): one row moves any score by at most 1;

each doubled under replace-one-row neighbours, and multiplied by ``max_rows`` under
add/remove-rows-with-id neighbours (one ID adds or removes up to ``max_rows`` rows). Table-wide statistics a family asks for
(the copula's score moments and label profiles) state a sensitivity that depends on the
family's own construction, and the marginals family's grouped sums state a clamping bound
rounded in their text, so they are not derived here (docs/privacy.md says so).
"""

from __future__ import annotations

import math
import re

__all__ = ["expected_sensitivity"]

_ONE_HISTOGRAM = re.compile(
    r"^(row count|missing and non-missing counts|missing, false and true counts|missing and label counts \(\d+ public "
    r"labels\)|histogram \(\d+ (equal )?bins(, one per whole number)?\)|labels seen in the data, with their counts "
    r"\(partition selection\))$"
)
_BOUNDS = re.compile(r"^missing count and bounds histograms \(\d+ (log-scale bins|calendar months and years)\)$")
_SUMS = re.compile(r"^clamped sums of (.+)$")
_AVERAGES = re.compile(r"^subset averages of (.+) \(sample and aggregate, (\d+) subsets\)$")
_MARGINAL = re.compile(r"^\d+-way marginal of .+ \(\d+ cells\)$")
_CHOICE = re.compile(r"^(pair \d+ of \d+( of the tree| \(of the spanning tree\))?, among \d+ candidate pairs|third column for .+ given .+, among \d+ "
                     r"candidates \(\d+ of \d+\))$")
_L2 = ("gaussian", "discrete_gaussian", "gaussian_approx")


def _norm(terms: float, mechanism: str) -> float:
    return math.sqrt(terms) if mechanism in _L2 else terms


def expected_sensitivity(what: str, mechanism: str, factor: float) -> float | None:
    """The sensitivity the line ``what`` (``"column: statistic"``) must state, or None when
    its text does not name a statistic this module knows; ``factor`` is the one-row
    sensitivity's multiplier under the relation (1, 2 for replace-one-row, max_rows for one ID)."""
    statistic = what.split(": ", 1)[1] if ": " in what else what
    if _ONE_HISTOGRAM.match(statistic) or _MARGINAL.match(statistic) or _CHOICE.match(statistic):
        return factor
    if m := _BOUNDS.match(statistic):
        return factor * _norm(1 if m.group(1) == "log-scale bins" else 2, mechanism)
    if m := _SUMS.match(statistic):
        return factor * _norm(len(m.group(1).split(", ")), mechanism)
    if m := _AVERAGES.match(statistic):
        return factor * _norm(len(m.group(1).split(", ")), mechanism) / int(m.group(2))
    return None
