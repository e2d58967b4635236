"""Disclosure risk: how much a synthetic table reveals about the rows of the real one.

Every number is a share, a probability or a risk in [0, 1] unless it is a distance.
Distances are Gower distances: the L1 distance on :class:`~datatwin.evaluate.prepare.Encoder`'s
encoding (fitted on the real data) divided by the number of columns compared, so a full
mismatch on every column is about 1, found by the exact search of
:class:`~datatwin.evaluate.neighbours.GowerSpace`. Nearest-neighbour searches look up at most
``max_rows`` query rows among at most ``REFERENCE_FACTOR * max_rows`` reference rows (the
frame searched in: real for DCR, synthetic for the attacks), subsampled with fixed seeds;
the sizes are returned in ``sample_sizes``. The reference is larger because subsampling it
hides risk: a near copy whose source row is left out of the reference looks like a fresh
record, so a subsampled reference dilutes DCR and membership signals by the sampled share.

Metrics (``holdout`` is real data the generator did not see):

``exact_copies``
    Share of synthetic rows identical to some real row on every column (missing equals
    missing), over all rows; ``exact_copies_holdout`` is the same share for holdout rows.
``dcr``
    Distance to the closest real record of each synthetic row (and of as many holdout
    rows): ``median``, ``p5`` (5th percentile), ``share_zero``. A row that is an exact copy
    of a real row outside the real subsample gets distance 0. ``closer_than_holdout`` =
    P(DCR_synthetic < DCR_holdout) + ½·P(equal) over independent rows (0.5 = synthetic
    rows are as far from the real ones as fresh records are; above = closer, i.e.
    copying); ``share_below_holdout_p5`` = share of synthetic rows whose DCR is below the
    holdout's 5th percentile (about 0.05 expected, less where many distances are 0).
``nndr``
    Distance to the closest over distance to the second closest real record (0/0 = 1:
    a copy of a duplicated record singles nobody out); ``median`` and ``p5``.
``membership_inference`` (needs a holdout)
    Candidates: equally many real (member) and holdout (non-member) rows; each is
    scored by its distance to the closest synthetic record (smaller = "member").
    ``auc`` = P(d_member < d_non-member) + ½·P(equal); ``advantage`` = max(0, 2·auc − 1);
    ``max_tpr_minus_fpr`` = max over thresholds t of P(d_member ≤ t) − P(d_non-member ≤ t).
``attribute_inference`` (needs quasi-identifiers and a sensitive column)
    For real rows, the sensitive value of the nearest synthetic row on the
    quasi-identifiers (Gower on those columns) is the guess; among equally near rows one
    is picked at random, and ``accuracy`` is the expected share of right guesses over that
    pick (the share of right values among the tied rows, averaged over targets). A guess
    is right when equal (categorical; missing equals missing) or, for a numeric or
    temporal column, within ``tolerance`` = 5 % of the real 1st–99th percentile range.
    ``baseline_accuracy``: the same attack with an equally large holdout in place of the
    synthetic data, or without a holdout the real mode (categorical) / median (numeric)
    guessed for everyone. ``advantage`` = max(0, (accuracy − baseline)/(1 − baseline)).
``singling_out`` (univariate, Anonymeter)
    Predicates from the synthetic data that each match exactly one synthetic row:
    ``col == v`` for a value seen once, ``col is missing`` when one value is missing,
    ``col <= min`` / ``col >= max`` for numbers whose extreme is seen once; up to
    ``n_attacks`` of them at random. ``attack_rate``: share that match exactly one real
    row. ``baseline_rate``: same for as many random predicates (random column, random
    synthetic value, random operator). ``control_rate``: share that match exactly one
    holdout row. With a holdout, the real rows are subsampled to the holdout's size (or
    the holdout to the real size) so that both are equally large: whether a predicate
    matches exactly one row depends on the table's size. ``risk`` = (attack − control)/
    (1 − control) clipped to [0, 1], or the attack rate without a holdout (Anonymeter's
    convention; an upper bound, as what fresh data would reveal counts as risk). With a
    holdout smaller than the real data, memorised rows outside the subsample cannot be
    singled out, so the risk of a copying generator is diluted about by the holdout/real
    size ratio; exact copies and membership inference catch that generator.
``linkability`` (Anonymeter, k = 1)
    The columns are split in two halves (first and second half, or ``link_columns``). For
    each of ``n_attacks`` real target rows, find the nearest synthetic row on each half
    (ties broken at random, independently); the attack links the two halves when both
    point to the same synthetic row. ``attack_rate`` on real targets, ``control_rate`` on
    holdout targets, ``baseline_rate`` = 1/(synthetic rows) for random linking, ``risk``
    as for singling out.
``holdout_overlap`` (with a holdout)
    Holdout rows identical to a real row: ``rows``, ``share`` (= ``exact_copies_holdout``)
    and the share ``expected`` if the holdout were fresh rows from the same population, the
    share of real rows that have an identical twin elsewhere in the real data (a
    leave-one-out estimate of the chance that a fresh row matches one of the real rows).
    ``suspected`` when the copies exceed the expected count by more than
    :data:`OVERLAP_SHARE` of the holdout rows *and* by more than :data:`OVERLAP_SIGMAS`
    binomial standard deviations; with fewer than 100 holdout rows one unexpected copy is
    already more than 1 %. The holdout then partly is the data the model was fitted on, and
    every comparison with it says "no risk" for the wrong reason: a warning is raised, the
    metrics that need fresh rows carry ``reliable: false`` and are listed in ``unreliable``,
    membership inference leaves ``overall``, and exact copies, singling out, linkability and
    attribute inference are computed as without a holdout (upper bounds).
``overall``
    See :data:`OVERALL_DEFINITION`.

Why singling out and linkability are implemented here rather than taken from the
``anonymeter`` package: that package would bring pandas, numba and joblib for three
attacks, searches neighbours one query row per job, builds one Python expression per
predicate, and has its own Gower variant. The attacks are small; here they follow the same
definitions (Giomi et al. 2023, "A Unified Framework for Quantifying Privacy Risk in
Synthetic Data", PoPETs) vectorised on numpy/polars, on the same Gower encoding as every
other distance in datatwin, with fixed seeds. Differences, on purpose: plain shares instead
of Wilson-score estimates (the attack counts are reported), equal-size real and holdout
tables instead of a fitted size correction of the control rate, and random rather than
arbitrary tie-breaking between equally near rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from datatwin.errors import ColumnError, DatatwinWarning, SpecError
from datatwin.evaluate.neighbours import GowerSpace
from datatwin.evaluate.prepare import NUMERIC_KINDS, Encoder, EvalData, as_text, numeric_values

#: predicates (singling out) or target rows (linkability) per attack
DEFAULT_ATTACKS = 2000
#: nearest-neighbour searches look in at most this many times ``max_rows`` reference rows
REFERENCE_FACTOR = 4
#: a numeric sensitive value is guessed right within this share of the real 1st-99th percentile range
TOLERANCE = 0.05
OVERALL_DEFINITION = (
    "risk.overall = the largest of: the exact-copy share (without a holdout) or its excess over the "
    "holdout's share, max(0, (e - e_holdout) / (1 - e_holdout)) (with one); the membership-inference "
    "advantage max(0, 2*AUC - 1) (holdout only); the attribute-inference advantage (quasi-identifiers and "
    "sensitive column only); the singling-out risk; the linkability risk. Components that cannot be "
    "computed are left out; a holdout that overlaps the real data (holdout_overlap.suspected) counts as no "
    "holdout. 0 = nothing disclosed beyond what fresh data from the same population discloses, 1 = the "
    "real rows are released."
)
#: a holdout is suspected to overlap the real data when its copies of real rows exceed the
#: count expected for fresh rows by more than this share of the holdout rows ...
OVERLAP_SHARE = 0.01
#: ... and by more than this many binomial standard deviations
OVERLAP_SIGMAS = 3.0
#: the steps :func:`risk_scores` reports to its ``step`` callback, in order (some only with their inputs)
STEPS = ("distances to closest records", "membership inference", "attribute inference", "singling out",
         "linkability")
_ROW = "__datatwin_row__"
_EQ, _NE, _LT, _LE, _GT, _GE = range(6)


def risk_scores(
    data: EvalData,
    *,
    quasi_identifiers: list[str] | None,
    sensitive: str | None,
    seed: int,
    max_rows: int,
    n_attacks: int = DEFAULT_ATTACKS,
    link_columns: tuple[list[str], list[str]] | None = None,
    overlap: dict[str, Any] | None = None,
    step: Callable[[str], None] | None = None,
) -> dict:
    """The ``risk`` part of the scores, plus ``sample_sizes`` (metric -> rows used).

    Parameters
    ----------
    data : EvalData
        Aligned real, synthetic and optional holdout frames.
    quasi_identifiers, sensitive : list of str, str, optional
        Columns an attacker knows and the column they want; both or neither.
    seed : int
        Seed of every subsample, tie-break and random predicate.
    max_rows : int
        At most this many query rows per nearest-neighbour search (and ``REFERENCE_FACTOR``
        times as many rows searched in).
    n_attacks : int
        Predicates (singling out) and target rows (linkability) per attack.
    link_columns : (list of str, list of str), optional
        The attacker's two column sets for linkability; default the first and second half.
    overlap : dict, optional
        :func:`holdout_overlap` of ``data``, when the caller has already computed it (and
        warned); otherwise it is computed here, with a :class:`~datatwin.errors.DatatwinWarning`
        when the holdout overlaps the real data.
    step : callable, optional
        Called with the name of each step (:data:`STEPS`) as it starts.
    """
    qis, sensitive = _attribute_columns(data, quasi_identifiers, sensitive)
    halves = _link_halves(data, link_columns)
    if max_rows < 2:
        raise SpecError(f"The 'max_rows' parameter must be at least 2. Got {max_rows} instead.")
    if n_attacks < 1:
        raise SpecError(f"The 'n_attacks' parameter must be at least 1. Got {n_attacks} instead.")
    real, synth, hold = as_text(data.real), as_text(data.synthetic), data.holdout
    hold = as_text(hold) if hold is not None else None
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(5)]
    sizes: dict[str, int] = {}
    tick = step or (lambda name: None)
    if overlap is None and hold is not None:
        overlap = holdout_overlap(data)
        if overlap["suspected"]:
            warnings.warn(overlap_message(overlap), DatatwinWarning, stacklevel=2)
    fresh = hold is not None and not (overlap or {}).get("suspected", False)
    # an overlapping holdout is no control: the attacks are scored as without one (upper bounds)
    control = hold if fresh else None

    tick(STEPS[0])
    exact = float(_copies(synth, real).mean())
    exact_hold = float(_copies(hold, real).mean()) if hold is not None else None
    space = GowerSpace(data, real.columns)
    dcr, nndr = _distances(space, real, synth, hold, max_rows, seeds[0], sizes)
    mia = None
    if hold is not None:
        tick(STEPS[1])
        mia = _membership(space, real, synth, hold, max_rows, seeds[1], sizes)
    attr = None
    if qis:
        tick(STEPS[2])
        attr = _attribute(data, real, synth, control, qis, sensitive, max_rows, seeds[2], sizes)
    tick(STEPS[3])
    so = _singling_out(data, real, synth, control, n_attacks, seeds[3], sizes)
    link = None
    if halves:
        tick(STEPS[4])
        link = _linkability(data, real, synth, control, halves, max_rows, n_attacks, seeds[4], sizes)

    components = {"exact_copies": _excess(exact, exact_hold) if fresh else exact}
    if mia is not None and fresh:
        components["membership_inference"] = mia["advantage"]
    if attr is not None:
        components["attribute_inference"] = attr["advantage"]
    components["singling_out"] = so["risk"]
    if link is not None:
        components["linkability"] = link["risk"]
    unreliable: list[str] = []
    if hold is not None and not fresh:
        note = "the holdout overlaps the real data: not a comparison with fresh rows"
        for name, found in (("dcr", dcr), ("membership_inference", mia)):
            found["reliable"], found["note"] = False, note
            unreliable.append(name)
        for found in (attr, so, link):
            if found is not None:
                found["note"] = "the holdout overlaps the real data: scored without a control (an upper bound)"
    out = {
        "overall": max(components.values()),
        "definition": OVERALL_DEFINITION,
        "components": components,
        "dcr": dcr,
        "exact_copies": exact,
        "exact_copies_holdout": exact_hold,
        "nndr": nndr,
        "membership_inference": mia,
        "attribute_inference": attr,
        "singling_out": so,
        "linkability": link,
        "sample_sizes": sizes,
    }
    if overlap is not None:
        out["holdout_overlap"] = {**overlap, "unreliable": unreliable}
    return out


def holdout_overlap(data: EvalData) -> dict[str, Any]:
    """How many holdout rows are exact copies of real rows, against the count expected by chance.

    Parameters
    ----------
    data : EvalData
        The aligned frames, with a holdout.

    Returns
    -------
    dict
        ``rows`` (holdout rows identical to a real row; missing equals missing),
        ``holdout_rows``, ``share``, ``expected`` (the share of real rows with an identical
        twin in the real data: what fresh rows would show), ``expected_rows`` and
        ``suspected`` (see :data:`OVERLAP_SHARE` and :data:`OVERLAP_SIGMAS`).

    >>> import polars as pl
    >>> from datatwin.evaluate.prepare import align
    >>> real = pl.DataFrame({"x": list(range(200))})
    >>> found = holdout_overlap(align(real, real, real.head(50)))
    >>> found["rows"], found["share"], found["suspected"]
    (50, 1.0, True)
    """
    if data.holdout is None:
        raise ValueError("holdout_overlap needs a holdout")
    real, hold = as_text(data.real), as_text(data.holdout)
    rows = int(_copies(hold, real).sum())
    n = hold.height
    expected = float(real.is_duplicated().mean()) if real.height > 1 else 0.0
    margin = max(OVERLAP_SHARE * n, OVERLAP_SIGMAS * float(np.sqrt(n * expected * (1 - expected))))
    return {
        "rows": rows,
        "holdout_rows": n,
        "share": rows / n,
        "expected": expected,
        "expected_rows": expected * n,
        "suspected": bool(rows > expected * n + margin),
    }


def overlap_message(overlap: dict[str, Any]) -> str:
    """The warning for a holdout that overlaps the real data, with the counts."""
    return (
        f"the holdout overlaps the real data: {overlap['rows']:,} of {overlap['holdout_rows']:,} holdout rows "
        f"({overlap['share']:.1%}) are exact copies of real rows, where fresh rows would give about "
        f"{overlap['expected_rows']:,.0f} ({overlap['expected']:.1%}). A holdout must be real rows the model was "
        "not fitted on: the membership-inference and distance comparisons are unreliable, and exact copies, "
        "singling out, linkability and attribute inference are scored as without a holdout (upper bounds)"
    )


# -- arguments ------------------------------------------------------------------
def _check_column(data: EvalData, name: object, role: str) -> str:
    if not isinstance(name, str) or name not in data.real.columns:
        shown = ", ".join(repr(c) for c in data.real.columns[:10]) + (", ..." if data.real.width > 10 else "")
        raise ColumnError(str(name), f"the {role} is not a column of the real data; its columns are {shown}")
    return name


def _attribute_columns(data: EvalData, qis: list[str] | None, sensitive: str | None) -> tuple[list[str], str | None]:
    qis = list(qis or [])
    if bool(qis) != (sensitive is not None):
        raise SpecError(
            "attribute inference needs both quasi-identifiers and a sensitive column (quasi_identifiers= and "
            "sensitive= in Python, --quasi-identifiers and --sensitive on the command line); "
            + ("give the sensitive column too" if qis else "give the quasi-identifiers too")
        )
    for c in qis:
        _check_column(data, c, "quasi-identifier")
    if sensitive is not None:
        _check_column(data, sensitive, "sensitive column")
        if sensitive in qis:
            raise ColumnError(sensitive, "the sensitive column cannot also be a quasi-identifier")
    return list(dict.fromkeys(qis)), sensitive


def _link_halves(data: EvalData, link_columns: tuple[list[str], list[str]] | None) -> tuple[list[str], list[str]] | None:
    if link_columns is None:
        cols = data.real.columns
        if len(cols) < 2:
            return None
        return cols[: len(cols) // 2], cols[len(cols) // 2 :]
    if len(link_columns) != 2 or not link_columns[0] or not link_columns[1]:
        raise SpecError("link_columns must be two non-empty lists of columns")
    for half in link_columns:
        for c in half:
            _check_column(data, c, "linkability column")
    return list(link_columns[0]), list(link_columns[1])


# -- helpers --------------------------------------------------------------------
def _take(frame: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """At most ``n`` rows in random order (the order breaks nearest-neighbour ties)."""
    return frame.sample(min(n, frame.height), shuffle=True, seed=seed)


def _copies(frame: pl.DataFrame, ref: pl.DataFrame) -> np.ndarray:
    """Whether each row of ``frame`` equals some row of ``ref`` on every column (missing = missing)."""
    hit = frame.with_row_index(_ROW).join(ref.unique(), on=ref.columns, how="semi", nulls_equal=True)[_ROW]
    out = np.zeros(frame.height, dtype=bool)
    out[hit.to_numpy()] = True
    return out


def _prob_less(a: np.ndarray, b: np.ndarray) -> float:
    """P(A < B) + ½·P(A = B) for A drawn from ``a`` and B from ``b`` (the ROC AUC)."""
    b = np.sort(b)
    lo, hi = np.searchsorted(b, a, "left"), np.searchsorted(b, a, "right")
    return float(((len(b) - hi) + 0.5 * (hi - lo)).sum() / (len(a) * len(b)))


def _excess(rate: float, control: float) -> float:
    """Anonymeter's residual risk (attack − control)/(1 − control), clipped to [0, 1]."""
    return 0.0 if control >= 1 else float(np.clip((rate - control) / (1 - control), 0.0, 1.0))


def _summary(d: np.ndarray) -> dict[str, float]:
    return {"median": float(np.median(d)), "p5": float(np.quantile(d, 0.05))}


# -- distances: DCR, NNDR, membership ------------------------------------------
def _distances(
    space: GowerSpace, real: pl.DataFrame, synth: pl.DataFrame, hold: pl.DataFrame | None,
    max_rows: int, seed: int, sizes: dict[str, int],
) -> tuple[dict, dict]:
    ref = _take(real, REFERENCE_FACTOR * max_rows, seed)
    n_q = min(synth.height, max_rows, hold.height if hold is not None else synth.height)
    encoded = space.encode(ref)
    found = {}
    for i, (label, frame) in enumerate((("synthetic", synth), ("holdout", hold))):
        if frame is None:
            continue
        query = _take(frame, n_q, seed + 1 + i)
        d, _ = space.nearest(space.encode(query), encoded, 2)
        d1, d2 = d[:, 0].copy(), d[:, -1].copy()
        # a copy of a real row outside the subsample: distance 0, its subsample neighbour is second
        moved = _copies(query, real) & (d1 > 0)
        d2[moved], d1[moved] = d1[moved], 0.0
        ratio = np.divide(d1, d2, out=np.ones_like(d1), where=d2 > 0)
        found[label] = (d1, ratio)
    sizes.update(dcr=n_q, nndr=n_q, dcr_reference=ref.height)

    d_syn, d_hold = found["synthetic"][0], found["holdout"][0] if hold is not None else None
    top = max(float(np.quantile(d, 0.99)) for d in (d_syn, d_hold) if d is not None) or 1.0
    edges = np.linspace(0.0, top, 31)
    hist = {"edges": edges.tolist()}
    dcr: dict = {"closer_than_holdout": None, "share_below_holdout_p5": None}
    nndr: dict = {}
    for label in ("synthetic", "holdout"):
        if label not in found:
            dcr[label] = nndr[label] = hist[label] = None
            continue
        d, ratio = found[label]
        dcr[label] = {**_summary(d), "share_zero": float((d == 0).mean())}
        nndr[label] = _summary(ratio)
        hist[label] = (np.histogram(np.minimum(d, top), edges)[0] / len(d)).tolist()
    if d_hold is not None:
        dcr["closer_than_holdout"] = _prob_less(d_syn, d_hold)
        dcr["share_below_holdout_p5"] = float((d_syn < np.quantile(d_hold, 0.05)).mean())
    dcr["histogram"] = hist
    return dcr, nndr


def _membership(
    space: GowerSpace, real: pl.DataFrame, synth: pl.DataFrame, hold: pl.DataFrame,
    max_rows: int, seed: int, sizes: dict[str, int],
) -> dict:
    m = min(real.height, hold.height, max(1, max_rows // 2))
    candidates = pl.concat([_take(real, m, seed + 1), _take(hold, m, seed + 2)])
    ref = _take(synth, REFERENCE_FACTOR * max_rows, seed)
    d, _ = space.nearest(space.encode(candidates), space.encode(ref), 1)
    d = d[:, 0]
    d[_copies(candidates, synth)] = 0.0
    member, other = d[:m], d[m:]
    auc = _prob_less(member, other)
    grid = np.unique(d)
    tpr = np.searchsorted(np.sort(member), grid, "right") / m
    fpr = np.searchsorted(np.sort(other), grid, "right") / m
    sizes.update(membership_inference=2 * m, membership_reference=ref.height)
    advantage = max(0.0, 2 * auc - 1)
    return {"risk": advantage, "auc": auc, "advantage": advantage,
            "max_tpr_minus_fpr": float(max(0.0, (tpr - fpr).max())), "candidates": 2 * m}


# -- attribute inference --------------------------------------------------------
def _attribute(
    data: EvalData, real: pl.DataFrame, synth: pl.DataFrame, hold: pl.DataFrame | None,
    qis: list[str], sensitive: str, max_rows: int, seed: int, sizes: dict[str, int],
) -> dict:
    space = GowerSpace(data, qis)
    targets = _take(real, max_rows, seed)
    encoded = space.encode(targets)
    n_src = min(synth.height, REFERENCE_FACTOR * max_rows, hold.height if hold is not None else synth.height)
    numeric = data.kinds[sensitive] in NUMERIC_KINDS
    tolerance = TOLERANCE * Encoder.fit(data, [sensitive]).numeric[sensitive][1] if numeric else None
    frames = [targets, real, synth] + ([hold] if hold is not None else [])
    truth, everyone, *values = _keys(data, sensitive, frames)  # floats, labels as shared codes, NaN = missing

    def right(guess: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            same = np.abs(guess - t) <= tolerance if numeric else guess == t
        return same | (np.isnan(guess) & np.isnan(t))

    def attack(frame: pl.DataFrame, source_values: np.ndarray, s: int) -> float:
        pick = np.random.default_rng(s).permutation(frame.height)[:n_src]
        source = space.encode(frame[pick])
        v = source_values[pick]
        return float(space.tied_share(encoded, source, lambda rows: right(v[None, :], truth[rows, None])).mean())

    accuracy = attack(synth, values[0], seed + 1)
    if hold is not None:
        baseline, how = attack(hold, values[1], seed + 2), "holdout"
    else:
        if numeric:
            guess, how = (np.nanmedian(everyone) if (~np.isnan(everyone)).any() else np.nan), "median"
        else:
            labels, counts = np.unique(everyone, return_counts=True)  # NaN (missing) counts as a label
            guess, how = labels[counts.argmax()], "majority"
        baseline = float(right(np.full(len(truth), guess), truth).mean())
    sizes.update(attribute_inference=targets.height, attribute_reference=n_src)
    advantage = 0.0 if baseline >= 1 else max(0.0, (accuracy - baseline) / (1 - baseline))
    return {
        "risk": advantage, "accuracy": accuracy, "baseline_accuracy": baseline, "baseline": how,
        "advantage": advantage, "quasi_identifiers": qis, "sensitive": sensitive, "numeric": numeric,
        "tolerance": tolerance, "targets": targets.height,
    }


# -- singling out ---------------------------------------------------------------
def _keys(data: EvalData, column: str, frames: list[pl.DataFrame]) -> list[np.ndarray]:
    """Each frame's column as floats, NaN for missing; labels as codes shared by all frames."""
    if data.kinds[column] in NUMERIC_KINDS:
        return [numeric_values(f[column]) for f in frames]
    text = [f[column].cast(pl.String) for f in frames]
    vocab = pl.concat(text).drop_nulls().unique().sort()
    codes = pl.Series(np.arange(len(vocab), dtype=np.float64))
    return [t.replace_strict(vocab, codes, return_dtype=pl.Float64).fill_null(np.nan).to_numpy() for t in text]


def _count(values: np.ndarray, op: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rows of ``values`` matching each predicate ``column op v`` (``v`` NaN: is / is not missing)."""
    present = np.sort(values[~np.isnan(values)])
    n, n_missing = len(present), len(values) - len(present)
    lo, hi = np.searchsorted(present, v, "left"), np.searchsorted(present, v, "right")
    counts = np.choose(op, [hi - lo, n - (hi - lo), lo, hi, n - hi, n - lo])
    return np.where(np.isnan(v), np.where(op == _EQ, n_missing, n), counts)


def _singling_out(
    data: EvalData, real: pl.DataFrame, synth: pl.DataFrame, hold: pl.DataFrame | None,
    n_attacks: int, seed: int, sizes: dict[str, int],
) -> dict:
    rng = np.random.default_rng(seed)
    target = real
    if hold is not None:
        n = min(real.height, hold.height)
        target, hold = _take(real, n, seed + 1), _take(hold, n, seed + 2)
    frames = [synth, target] + ([hold] if hold is not None else [])
    cols, ops, vals, keys = [], [], [], {}
    for j, c in enumerate(data.real.columns):
        keys[c] = _keys(data, c, frames)
        s = keys[c][0]
        present = s[~np.isnan(s)]
        values, counts = np.unique(present, return_counts=True)
        found = [(_EQ, values[counts == 1])]
        if np.isnan(s).sum() == 1:
            found.append((_EQ, np.array([np.nan])))
        if data.kinds[c] in NUMERIC_KINDS and len(values):
            found += [(_LE, values[:1][counts[:1] == 1]), (_GE, values[-1:][counts[-1:] == 1])]
        for op, v in found:
            cols.append(np.full(len(v), j))
            ops.append(np.full(len(v), op))
            vals.append(v)
    col, op, val = (np.concatenate(a) if a else np.array([]) for a in (cols, ops, vals))
    if len(col) > n_attacks:
        pick = rng.choice(len(col), n_attacks, replace=False)
        col, op, val = col[pick], op[pick], val[pick]

    # baseline: random column, random synthetic value (missing included), random operator
    n_pred = len(col)
    b_col = rng.integers(0, len(data.real.columns), n_pred)
    b_op, b_val = np.zeros(n_pred, dtype=np.int64), np.zeros(n_pred)
    for j, c in enumerate(data.real.columns):
        here = np.flatnonzero(b_col == j)
        uniq = np.unique(keys[c][0])  # NaN sorts last and is kept once
        b_val[here] = uniq[rng.integers(0, len(uniq), len(here))]
        b_op[here] = rng.integers(0, 6 if data.kinds[c] in NUMERIC_KINDS else 2, len(here))

    def rate(frame_at: int, c_: np.ndarray, o_: np.ndarray, v_: np.ndarray) -> float:
        if len(c_) == 0:
            return 0.0
        hits = 0
        for j, c in enumerate(data.real.columns):
            here = c_ == j
            if here.any():
                hits += int((_count(keys[c][frame_at], o_[here].astype(np.int64), v_[here]) == 1).sum())
        return hits / len(c_)

    attack, baseline = rate(1, col, op, val), rate(1, b_col, b_op, b_val)
    control = rate(2, col, op, val) if hold is not None else None
    sizes["singling_out"] = target.height
    return {"attack_rate": attack, "baseline_rate": baseline, "control_rate": control,
            "risk": attack if control is None else _excess(attack, control), "n_attacks": n_pred}


# -- linkability ----------------------------------------------------------------
def _linkability(
    data: EvalData, real: pl.DataFrame, synth: pl.DataFrame, hold: pl.DataFrame | None,
    halves: tuple[list[str], list[str]], max_rows: int, n_attacks: int, seed: int, sizes: dict[str, int],
) -> dict:
    rng = np.random.default_rng(seed)
    ref = _take(synth, REFERENCE_FACTOR * max_rows, seed + 1)
    spaces = [GowerSpace(data, half) for half in halves]
    perms = [rng.permutation(ref.height) for _ in spaces]  # independent random tie-breaks per half
    refs = [tuple(a[p] for a in s.encode(ref)) for s, p in zip(spaces, perms)]
    n_t = min(n_attacks, real.height, hold.height if hold is not None else real.height)

    def rate(frame: pl.DataFrame, s: int) -> float:
        targets = _take(frame, n_t, s)
        a, b = (p[sp.nearest(sp.encode(targets), r, 1)[1][:, 0]] for sp, p, r in zip(spaces, perms, refs))
        return float((a == b).mean())

    attack = rate(real, seed + 2)
    control = rate(hold, seed + 3) if hold is not None else None
    sizes.update(linkability=n_t, linkability_reference=ref.height)
    return {"attack_rate": attack, "baseline_rate": 1.0 / ref.height, "control_rate": control,
            "risk": attack if control is None else _excess(attack, control), "n_attacks": n_t,
            "columns": [list(h) for h in halves]}
