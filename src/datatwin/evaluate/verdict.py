"""The steward's verdict: plain sentences built from the scores, and a one-row-per-score summary.

:func:`verdict` reads the scores (the layout of :mod:`datatwin.evaluate`, also when loaded
back from JSON) and says what the synthetic data keeps, what it does not, and its main
risks. Every sentence comes from one score compared with one of the thresholds below; they
are documented in ``docs/report.md`` and listed on the page. A score that is missing (not
computed, or scores from elsewhere) gives no sentence.

:func:`summary_rows` gives the rows of :meth:`Report.summary <datatwin.evaluate.report.Report.summary>`.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["THRESHOLDS", "summary_rows", "verdict"]

#: column_shape at least this: "the columns' own distributions are kept"
SHAPE_KEPT = 0.9
#: a column scoring below this is named as not kept
COLUMN_POOR = 0.8
#: utility.pairs.relationships.kept below this: "no relationships between columns were kept"
RELATIONS_NONE = 0.2
#: relationships.kept at least this: "relationships between columns are largely kept"
RELATIONS_KEPT = 0.7
#: distinguishability.score at least this: "a classifier can hardly tell synthetic rows from real ones"
DISTINGUISH_HARD = 0.8
#: distinguishability.score below this: "a classifier tells synthetic rows from real ones easily"
DISTINGUISH_EASY = 0.5
#: ml_efficacy.score at least this: "predicts about as well as a model trained on real rows"
ML_KEPT = 0.8
#: ml_efficacy.score below this: "models trained on the synthetic rows do not learn to predict"
ML_NONE = 0.2
#: the exact-copy component of risk (the share, beyond the holdout's with one) above this: a risk
COPIES = 0.01
#: dcr.closer_than_holdout above this: synthetic rows lie closer to real rows than fresh rows do
DCR_CLOSER = 0.6
#: membership-inference advantage (2·AUC − 1) above this: membership inference above chance
MIA_ADVANTAGE = 0.05
#: singling-out, linkability and attribute-inference risk above this: a risk
ATTACK_RISK = 0.05

#: (name, value, what it decides), as listed on the page
THRESHOLDS: tuple[tuple[str, float, str], ...] = (
    ("SHAPE_KEPT", SHAPE_KEPT, "column_shape at least this: the columns' own distributions are kept"),
    ("COLUMN_POOR", COLUMN_POOR, "a column scoring below this is named as not kept"),
    ("RELATIONS_NONE", RELATIONS_NONE,
     "relationships kept below this: no relationships between columns were kept"),
    ("RELATIONS_KEPT", RELATIONS_KEPT, "relationships kept at least this: relationships largely kept"),
    ("DISTINGUISH_HARD", DISTINGUISH_HARD, "distinguishability at least this: synthetic rows hard to tell apart"),
    ("DISTINGUISH_EASY", DISTINGUISH_EASY, "distinguishability below this: synthetic rows easily told apart"),
    ("ML_KEPT", ML_KEPT, "ML efficacy at least this: predicts about as well as a model trained on real rows"),
    ("ML_NONE", ML_NONE, "ML efficacy below this: models trained on synthetic rows learn nothing of the target"),
    ("COPIES", COPIES, "exact-copy share (beyond the holdout's) above this: a risk"),
    ("DCR_CLOSER", DCR_CLOSER, "P(synthetic row closer to the real data than a fresh row) above this: a risk"),
    ("MIA_ADVANTAGE", MIA_ADVANTAGE, "membership-inference advantage above this: a risk"),
    ("ATTACK_RISK", ATTACK_RISK, "singling-out, linkability or attribute-inference risk above this: a risk"),
)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _get(tree: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def _interval(value: Any) -> tuple[float, float] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        lo, hi = _num(value[0]), _num(value[1])
        if lo is not None and hi is not None:
            return lo, hi
    return None


def _with_interval(value: float, interval: Any) -> str:
    found = _interval(interval)
    return f"{value:.2f}" + (f" [{found[0]:.2f}, {found[1]:.2f}]" if found else "")


def _names(items: list[tuple[str, float]], limit: int = 5) -> str:
    shown = ", ".join(f"{name} ({value:.2f})" for name, value in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _entry(topic: str, sentence: str) -> dict[str, str]:
    return {"topic": topic, "sentence": sentence}


def verdict(scores: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """What the synthetic data keeps, what it does not, its main risks, and warnings.

    Returns
    -------
    dict
        ``kept``, ``not_kept``, ``risks`` and ``warnings``: lists of
        ``{"topic": short label, "sentence": plain-language sentence}``.
    """
    utility, risk = scores.get("utility") or {}, scores.get("risk") or {}
    out: dict[str, list[dict[str, str]]] = {"kept": [], "not_kept": [], "risks": [], "warnings": []}
    _columns(utility, out)
    _relations(utility, out)
    _distinguishability(utility, out)
    _efficacy(utility, out)
    _risks(risk, out)
    return out


def _columns(utility: dict, out: dict) -> None:
    shape = _num(utility.get("column_shape"))
    if shape is None:
        return
    columns = utility.get("columns") if isinstance(utility.get("columns"), dict) else {}
    found = [(name, _num(_get(m, "score"))) for name, m in columns.items()]
    found = [(name, s) for name, s in found if s is not None]
    poor = sorted(((n, s) for n, s in found if s < COLUMN_POOR), key=lambda item: item[1])
    counted = f"; {len(found) - len(poor)} of {len(found)} columns score at least {COLUMN_POOR}" if found else ""
    if shape >= SHAPE_KEPT:
        out["kept"].append(_entry("column shapes", f"The columns' own distributions are kept (column_shape "
                                  f"{shape:.2f}{counted})."))
    else:
        out["not_kept"].append(_entry("column shapes", f"The columns' own distributions are not well kept "
                                      f"(column_shape {shape:.2f}, below {SHAPE_KEPT}{counted})."))
    if poor:
        out["not_kept"].append(_entry(f"{len(poor)} column{'s' if len(poor) > 1 else ''}",
                                      f"Columns whose distribution is not kept (score below {COLUMN_POOR}): "
                                      f"{_names(poor)}."))


def _relations(utility: dict, out: dict) -> None:
    rel = _get(utility, "pairs", "relationships")
    trend = _num(utility.get("pair_trend"))
    if not isinstance(rel, dict) or trend is None:
        return
    kept, floor = _num(rel.get("kept")), _num(rel.get("pair_trend_independent"))
    context = f"pair_trend {trend:.2f}" + (f"; independent columns get {floor:.2f}" if floor is not None else "")
    if kept is None:
        out["kept"].append(_entry("relationships", "The real data has no notable relationships between columns "
                                  f"to keep: its columns are nearly independent ({context})."))
        return
    strongest = [s for s in rel.get("strongest") or [] if isinstance(s, dict)]

    def pairs(items: list[dict]) -> str:
        return ", ".join(f"{' – '.join(map(str, s['columns']))} ({s['real']:.2f} → {s['synthetic']:.2f})"
                         for s in items[:3] if _num(s.get("real")) is not None and _num(s.get("synthetic")) is not None)

    if kept < RELATIONS_NONE:
        lost = pairs(strongest)
        out["not_kept"].append(_entry(
            "relationships", "No relationships between columns were kept: the synthetic associations are no "
            f"closer to the real ones than those of independent columns (relationships kept {kept:.2f}; {context})."
            + (f" Strongest real associations, real → synthetic: {lost}." if lost else "")))
    elif kept < RELATIONS_KEPT:
        lost = pairs([s for s in strongest
                      if abs(s.get("real", 0) - s.get("synthetic", 0)) > 0.5 * abs(s.get("real", 0)
                                                                                  - s.get("independent", 0))])
        out["kept"].append(_entry("some relationships", f"Some relationships between columns are kept: "
                                  f"{kept:.0%} of the real dependence (relationships kept {kept:.2f}; {context})."))
        if lost:
            out["not_kept"].append(_entry("strong relationships", f"Strong real associations not kept, real → "
                                          f"synthetic: {lost}."))
    else:
        out["kept"].append(_entry("relationships", f"Relationships between columns are largely kept "
                                  f"(relationships kept {kept:.2f}; {context})."))


def _distinguishability(utility: dict, out: dict) -> None:
    found = utility.get("distinguishability")
    score = _num(_get(found, "score"))
    if score is None:
        return
    shown = f"distinguishability {_with_interval(score, _get(found, 'interval'))}; 1 = indistinguishable"
    if score >= DISTINGUISH_HARD:
        out["kept"].append(_entry("realistic rows", f"A classifier can hardly tell synthetic rows from real "
                                  f"ones ({shown})."))
    elif score >= DISTINGUISH_EASY:
        out["not_kept"].append(_entry("realistic rows", f"A classifier tells synthetic rows from real ones "
                                      f"better than chance ({shown})."))
    else:
        out["not_kept"].append(_entry("realistic rows", f"A classifier tells synthetic rows from real ones "
                                      f"easily ({shown})."))


def _efficacy(utility: dict, out: dict) -> None:
    ml = utility.get("ml_efficacy")
    score = _num(_get(ml, "score"))
    if score is None:
        return
    target, metric = _get(ml, "target"), _get(ml, "score_metric") or "score"
    synth, real = _num(_get(ml, "synthetic", metric)), _num(_get(ml, "real", metric))
    detail = f"ML efficacy {_with_interval(score, _get(ml, 'interval'))}"
    if synth is not None and real is not None:
        label = {"roc_auc": "ROC AUC", "r2": "R²"}.get(metric, metric)
        detail += (f"; {label} {_with_interval(synth, _get(ml, 'synthetic', f'{metric}_interval'))} trained on "
                   f"synthetic rows against {real:.2f} trained on real rows")
    topic = f"predicting {target}"
    if score >= ML_KEPT:
        out["kept"].append(_entry(topic, f"A model trained on the synthetic rows predicts {target} about as well as "
                                  f"one trained on real rows ({detail})."))
    elif score < ML_NONE:
        out["not_kept"].append(_entry(topic, f"Models trained on the synthetic rows do not learn to predict {target} "
                                      f"({detail})."))
    else:
        out["not_kept"].append(_entry(topic, f"Models trained on the synthetic rows predict {target} only partly as "
                                      f"well as models trained on real rows ({detail})."))


def _risks(risk: dict, out: dict) -> None:
    if not risk:
        return
    overlap = risk.get("holdout_overlap")
    suspected = isinstance(overlap, dict) and bool(overlap.get("suspected"))
    holdout = risk.get("exact_copies_holdout") is not None or isinstance(overlap, dict)
    fresh = holdout and not suspected
    if suspected:
        rows, total = overlap.get("rows"), overlap.get("holdout_rows")
        counts = f"{rows:,} of {total:,} holdout rows are" if isinstance(rows, int) and isinstance(total, int) \
            else "the holdout rows are"
        out["warnings"].append(_entry("holdout overlaps", f"The holdout overlaps the real data: {counts} exact copies "
                                      "of real rows. The risk comparisons with it are unreliable; copies and attacks "
                                      "are scored as without a holdout (upper bounds)."))
    elif not holdout:
        out["warnings"].append(_entry("no holdout", "No holdout given: copies and attacks are not compared with "
                                      "fresh real rows (upper bounds) and membership inference was not run."))
    found: list[dict[str, str]] = []
    checked: list[str] = []
    components = risk.get("components") if isinstance(risk.get("components"), dict) else {}
    copies, share, share_hold = (_num(components.get("exact_copies")), _num(risk.get("exact_copies")),
                                 _num(risk.get("exact_copies_holdout")))
    if copies is not None and share is not None:
        against = f" (fresh real rows: {share_hold:.1%})" if fresh and share_hold is not None else ""
        if copies > COPIES:
            found.append(_entry("exact copies", f"{share:.1%} of the synthetic rows are exact copies of real rows"
                                f"{against}."))
        else:
            checked.append(f"exact copies {share:.1%}{against}")
    closer = _num(_get(risk, "dcr", "closer_than_holdout"))
    if closer is not None and fresh:
        below = _num(_get(risk, "dcr", "share_below_holdout_p5"))
        if closer > DCR_CLOSER:
            extra = f"; {below:.0%} of them are closer than the nearest 5 % of fresh rows" if below is not None else ""
            found.append(_entry("close to real rows", "Synthetic rows lie closer to real rows than fresh real rows "
                                f"do (P(closer) = {closer:.2f}, 0.5 = as close as fresh rows{extra}): a sign of "
                                "copying or overfitting."))
        else:
            checked.append(f"distance to closest record as for fresh rows (P(closer) {closer:.2f})")
    mia = risk.get("membership_inference")
    advantage = _num(_get(mia, "advantage"))
    if advantage is not None and fresh:
        auc = _num(_get(mia, "auc"))
        if advantage > MIA_ADVANTAGE:
            found.append(_entry("membership inference", "A membership-inference attack tells the rows the model was "
                                f"fitted on from fresh rows above chance (advantage {advantage:.2f}"
                                + (f", AUC {auc:.2f}" if auc is not None else "") + ")."))
        else:
            checked.append(f"membership inference at chance (advantage {advantage:.2f})")
    bound = "" if fresh else ", an upper bound without a fresh holdout"
    for key, label, what in (
        ("singling_out", "singling out", "predicates that single out one synthetic row single out one real row"),
        ("linkability", "linkability", "real rows are linked across the two halves of their columns"),
        ("attribute_inference", "attribute inference", "the sensitive column is guessed from the quasi-identifiers"),
    ):
        value = _num(_get(risk, key, "risk"))
        if value is None:
            continue
        if value > ATTACK_RISK:
            found.append(_entry(label, f"{label[0].upper()}{label[1:]}: {what} beyond what fresh data allows "
                                f"(risk {value:.2f}{bound})."))
        else:
            checked.append(f"{label} {value:.2f}")
    out["risks"] += found
    if not found and checked:
        out["risks"].append(_entry("none above the thresholds", "No risk above the thresholds: "
                                   + "; ".join(checked) + "."))


def summary_rows(scores: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per headline score: ``section``, ``metric``, ``value``, ``low``, ``high``, ``meaning``.

    The verdict's sentences come first (section ``verdict``, no value).
    """
    rows: list[dict[str, Any]] = []
    found = verdict(scores)
    for kind, label in (("warnings", "warning"), ("kept", "kept"), ("not_kept", "not kept"), ("risks", "risk")):
        for item in found[kind]:
            rows.append({"section": "verdict", "metric": f"{label}: {item['topic']}", "value": None, "low": None,
                         "high": None, "meaning": item["sentence"]})
    utility, risk = scores.get("utility") or {}, scores.get("risk") or {}
    averaged = ", ".join(utility.get("components") or []) or "the available utility scores"

    def add(section: str, metric: str, value: Any, meaning: str, interval: Any = None) -> None:
        low_high = _interval(interval) or (None, None)
        rows.append({"section": section, "metric": metric, "value": _num(value), "low": low_high[0],
                     "high": low_high[1], "meaning": meaning})

    add("utility", "overall", utility.get("overall"), f"mean of {averaged}; 0 to 1, higher = more useful",
        utility.get("interval"))
    add("utility", "column_shape", utility.get("column_shape"),
        "mean similarity of each column's distribution, real against synthetic (1 = same)")
    floor = _num(_get(utility, "pairs", "relationships", "pair_trend_independent"))
    add("utility", "pair_trend", utility.get("pair_trend"),
        "mean similarity of column pairs: association and two-way marginal (1 = same)"
        + (f"; independent columns get {floor:.3f}" if floor is not None else ""))
    add("utility", "relationships_kept", _get(utility, "pairs", "relationships", "kept"),
        "share of the real dependence between columns kept (0 = no more than independent columns, 1 = all)")
    dist = utility.get("distinguishability")
    add("utility", "distinguishability", _get(dist, "score"),
        "how hard a classifier finds it to tell synthetic rows from real ones (1 = impossible)", _get(dist, "interval"))
    ml = utility.get("ml_efficacy")
    add("utility", "ml_efficacy", _get(ml, "score"),
        f"a model trained on synthetic rows against one trained on real rows, predicting {_get(ml, 'target')}"
        if isinstance(ml, dict) else "needs a target column", _get(ml, "interval"))
    add("risk", "overall", risk.get("overall"), "largest of the risk components; 0 to 1, higher = more disclosive")
    add("risk", "exact_copies", risk.get("exact_copies"), "share of synthetic rows identical to a real row")
    if risk.get("exact_copies_holdout") is not None:
        add("risk", "exact_copies_holdout", risk.get("exact_copies_holdout"),
            "share of holdout rows identical to a real row: what fresh data shows"
            + (" (the holdout overlaps the real data)" if _get(risk, "holdout_overlap", "suspected") else ""))
    add("risk", "dcr.closer_than_holdout", _get(risk, "dcr", "closer_than_holdout"),
        "P(a synthetic row is closer to the real data than a fresh row); 0.5 = as close as fresh rows")
    add("risk", "membership_inference", _get(risk, "membership_inference", "advantage"),
        "advantage of an attack guessing which rows the model was fitted on (0 = chance)")
    for key, meaning in (
        ("attribute_inference", "how much better the sensitive column is guessed than from fresh data"),
        ("singling_out", "share of predicates singling out a real row, beyond what fresh data allows"),
        ("linkability", "share of real rows linked across two halves of their columns, beyond fresh data"),
    ):
        add("risk", key, _get(risk, key, "risk"), meaning)
    return rows
