"""The evaluation report: every score as JSON, or one self-contained HTML page with plots.

The HTML page needs no network to be viewed: the CSS is inline and every plot is a PNG
embedded as base64, drawn by :mod:`datatwin.evaluate.plots` (matplotlib's object
interface, one fixed style: the user's pyplot backend and settings are left alone).

The report reads the scores layout documented in :mod:`datatwin.evaluate`, plus two
optional arrays for its plots (see ``docs/report.md``):

- ``utility.pairs.association = {"columns": [...], "real": K×K, "synthetic": K×K}``
  for the heatmaps;
- ``risk.dcr.histogram = {"edges": [...], "synthetic": [...], "holdout": [...]}``
  (shares of rows per bin) for the distance-to-closest-record plot. Without it, the
  report computes the distances itself on a small sample and says so.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from datatwin._version import __version__
from datatwin.errors import InputFileError
from datatwin.evaluate.plots import (
    TOP_LABELS,
    Plots,
    association_matrices,
    dcr_histogram,
)
from datatwin.evaluate.prepare import EvalData
from datatwin.evaluate.verdict import THRESHOLDS, summary_rows, verdict

__all__ = ["Report", "report_format"]

#: from this many columns on, the per-column plots are folded into <details> blocks
COLLAPSE_FROM = 50
PLOTS_PER_BLOCK = 12
#: the heatmaps show at most this many columns: those whose associations differ most
MAX_HEATMAP_COLUMNS = 30

FORMATS = {".html": "html", ".htm": "html", ".json": "json"}
#: the verdict's parts, in the order shown, with their labels
VERDICT_PARTS = (("warnings", "warning"), ("kept", "kept"), ("not_kept", "not kept"), ("risks", "risk"))
UTILITY_PARTS = ("column_shape", "pair_trend", "distinguishability", "ml_efficacy")
NOT_COMPONENTS = ("overall", "definition", "columns", "pairs", "sample_sizes", "interval", "components", "left_out")
HEADLINE_KEYS = ("score", "overall", "risk", "value", "closer_than_holdout", "share")
#: per-column keys read as a similarity in [0, 1] (1 = same), or as distances (0 = same)
COLUMN_SCORE_KEYS = ("score", "similarity", "quality")
COLUMN_DISTANCE_KEYS = ("ks", "tvd", "wasserstein", "missing_diff", "missing_share_diff")


def report_format(path: str | Path) -> str:
    """``"html"`` or ``"json"`` from the extension of ``path``; checks the folder exists."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputFileError(
            f"report {str(path)!r}: unsupported extension {path.suffix or '(none)'!r}; use .html or .json"
        )
    if not path.parent.exists():
        raise InputFileError(f"report {str(path)!r}: folder {str(path.parent)!r} does not exist")
    return fmt


@dataclasses.dataclass(repr=False)
class Report:
    """The result of :func:`datatwin.evaluate`: scores, the compared frames, the privacy ledger.

    ``scores`` is the nested dict of every number (layout in :mod:`datatwin.evaluate`);
    ``data`` the aligned frames the plots are drawn from; ``privacy`` the model file's
    ``privacy`` block (policy, budget, ledger) when a model was given. ``print(report)``
    shows the headline numbers and the verdict in a few lines; :meth:`summary` every
    headline score as a table.
    """

    scores: dict[str, Any]
    data: EvalData | None = None
    privacy: dict[str, Any] | None = None

    @property
    def verdict(self) -> dict[str, list[dict[str, str]]]:
        """What the synthetic data keeps, what it does not, its main risks and warnings
        (:func:`datatwin.evaluate.verdict.verdict`), computed from the scores."""
        return verdict(self.scores)

    def verdict_lines(self) -> list[str]:
        """The verdict as lines of text: ``warning: ...``, ``kept: ...``, ``not kept: ...``, ``risk: ...``."""
        found = self.verdict
        return [f"{label}: {item['sentence']}" for key, label in VERDICT_PARTS for item in found[key]]

    def summary(self) -> Any:
        """A polars DataFrame, one row per headline score, the verdict's sentences first.

        Columns: ``section`` (verdict, utility or risk), ``metric``, ``value`` (null when not
        computed), ``low`` and ``high`` (its 95 % interval, where the score depends on a
        seed) and ``meaning``.
        """
        import polars as pl

        schema = {"section": pl.String, "metric": pl.String, "value": pl.Float64, "low": pl.Float64,
                  "high": pl.Float64, "meaning": pl.String}
        return pl.DataFrame(summary_rows(self.scores), schema=schema)

    def __repr__(self) -> str:
        u, r = self.scores.get("utility") or {}, self.scores.get("risk") or {}
        interval = u.get("interval")
        shown = f" [{interval[0]:.3f}, {interval[1]:.3f}]" if isinstance(interval, list) and len(interval) == 2 \
            and None not in interval else ""
        rows = (self.scores.get("meta") or {}).get("rows") or {}
        counts = ", ".join(f"{_fmt(rows[k])} {k}" for k in ("real", "synthetic", "holdout") if rows.get(k) is not None)
        head = (f"<datatwin Report: utility.overall {_fmt3(u.get('overall'))}{shown}, risk.overall "
                f"{_fmt3(r.get('overall'))}" + (f"; rows: {counts}" if counts else "") + ">")
        found = self.verdict
        lines = [head]
        for key, label in VERDICT_PARTS:
            topics = [item["topic"] for item in found[key]]
            if topics:
                text = "; ".join(topics)
                lines.append(f"  {label}: {text if len(text) <= 110 else text[:109] + '…'}")
        lines.append("  report.summary(): every headline score; report.save('report.html'): the page")
        return "\n".join(lines)

    __str__ = __repr__

    def to_json(self) -> str:
        """The scores as JSON: ``utility``, ``risk``, ``meta`` in that order, each ``overall`` first,
        then the ``verdict`` computed from them.

        NaN and infinite numbers become ``null``; the same scores give the same text.
        """
        scores = {k: v for k, v in self.scores.items() if k != "verdict"}  # recomputed, never stale
        return json.dumps(_plain({**_ordered(scores), "verdict": self.verdict}), indent=2,
                          ensure_ascii=False) + "\n"

    def to_html(self) -> str:
        """The report as one self-contained HTML page."""
        return _Page(self).render()

    def save(self, path: str | Path) -> Path:
        """Write the report to ``path``: ``.html`` (or ``.htm``) for the page, ``.json`` for the scores."""
        fmt = report_format(path)
        text = self.to_json() if fmt == "json" else self.to_html()
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputFileError(f"cannot write report {str(path)!r}: {exc.strerror or exc}") from None
        return Path(path)


# ---------------------------------------------------------------- plain JSON values


def _ordered(scores: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("utility", "risk", "meta"):
        if key in scores:
            section = scores[key]
            if isinstance(section, dict):
                head = {k: section[k] for k in ("overall", "definition") if k in section}
                section = {**head, **{k: v for k, v in section.items() if k not in head}}
            out[key] = section
    for key in sorted(k for k in scores if k not in out):
        out[key] = scores[key]
    return out


def _plain(obj: Any) -> Any:
    """Numpy scalars and arrays, tuples and non-finite floats as plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _number(value: Any) -> float | None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "n/a"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value) if len(value) <= 8 else f"[{len(value)} values]"
    return str(value)


def _fmt3(value: Any) -> str:
    number = _number(value)
    return f"{number:.3f}" if number is not None else "n/a"


def _leaves(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) for every non-dict value under ``obj``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, obj


#: per-column keys the columns table shows in its own cells; any other number goes to "other"
COLUMN_TABLE_KEYS = ("kind", "score", "ks", "tvd", "wasserstein", "missing", "missing_diff", "stats", "top",
                     "labels", "unique_share", "real", "synthetic")
#: statistics shown per side, in this order
COLUMN_STATS = ("min", "q05", "median", "mean", "q95", "max")
#: longer column names are cut in the columns table (the full name is its tooltip and in the plots)
NAME_WIDTH = 40


def _share(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else f"{100 * number:.3g} %"


def _side(metrics: dict[str, Any], side: str) -> str:
    """One frame's column in a few words: statistics, or label count and the top labels."""
    stats = (metrics.get("stats") or {}).get(side) if isinstance(metrics.get("stats"), dict) else None
    if not isinstance(stats, dict) and isinstance(metrics.get(side), dict):
        stats = metrics[side]
    parts = []
    if isinstance(stats, dict):
        parts += [f"{k} {_fmt(stats[k])}" for k in COLUMN_STATS if stats.get(k) is not None]
        parts += [f"{k} {_fmt(v)}" for k, v in stats.items() if k not in COLUMN_STATS and not isinstance(v, dict)]
    labels = metrics.get("labels")
    if isinstance(labels, dict) and labels.get(side) is not None:
        parts.append(f"{_fmt(labels[side])} labels")
    top = metrics.get("top")
    if isinstance(top, list):
        found = [t for t in top if isinstance(t, dict) and _number(t.get(side))]
        parts += [f"{t.get('label')} {_share(t[side])}" for t in sorted(found, key=lambda t: -t[side])[:2]]
    unique = metrics.get("unique_share")
    if isinstance(unique, dict) and unique.get(side) is not None:
        parts.append(f"unique {_share(unique[side])}")
    return " · ".join(parts) or "–"


def _column_table(names: list[str], kinds: dict[str, str], metrics: dict[str, Any], tall: bool) -> str:
    """Every column on one row that fits the page: long names and the statistics wrap."""
    rows, other_seen = [], False
    for name in names:
        m = metrics.get(name) if isinstance(metrics.get(name), dict) else {}
        distance = " · ".join(f"{k.upper()} {_fmt(m[k])}" for k in ("ks", "tvd") if _number(m.get(k)) is not None)
        missing = m.get("missing")
        if isinstance(missing, dict) and "real" in missing:
            shown_missing = f"{_share(missing.get('real'))} → {_share(missing.get('synthetic'))}"
        else:
            shown_missing = f"diff {_fmt(m['missing_diff'])}" if _number(m.get("missing_diff")) is not None else "–"
        other = " · ".join(f"{p} {_fmt(v)}" for p, v in _leaves({k: v for k, v in m.items()
                                                                 if k not in COLUMN_TABLE_KEYS})
                           if not isinstance(v, list))
        other_seen = other_seen or bool(other)
        rows.append((name, kinds.get(name, ""), _number(m.get("score")), distance or "–", _number(m.get("wasserstein")),
                     shown_missing, _side(m, "real"), _side(m, "synthetic"), other))
    header = ["column", "kind", "score", "KS / TVD", "Wasserstein", "missing, real → synthetic", "real",
              "synthetic"] + (["other"] if other_seen else [])
    css = ("name", "", "num", "nw", "num", "", "text", "text", "text")
    head = "".join(f"<th>{_e(h)}</th>" for h in header)

    def cell(value: Any, css_class: str) -> str:
        if css_class == "name":  # cut very long names; break long ones after _ - . /
            text = str(value)
            shown = _e(text if len(text) <= NAME_WIDTH else text[: NAME_WIDTH - 1] + "…")
            for sep in ("_", "-", ".", "/"):
                shown = shown.replace(sep, sep + "<wbr>")
            return f'<td class=name title="{_e(text)}">{shown}</td>'
        return f'<td{f" class={css_class}" if css_class else ""}>{_e(_fmt(value) if value is not None else "–")}</td>'

    body = "".join("<tr>" + "".join(cell(v, c) for v, c in zip(row[: len(header)], css)) + "</tr>" for row in rows)
    return (f'<div class="scroll{" tall" if tall else ""}"><table class="columns"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _headline(value: Any) -> tuple[str | None, float | None]:
    if _number(value) is not None:
        return None, _number(value)
    if isinstance(value, dict):
        for key in HEADLINE_KEYS:
            if key in value and _number(value[key]) is not None:
                return key, _number(value[key])
    return None, None


def _column_badness(metrics: Any) -> float:
    """How far a column's synthetic values are from the real ones (0 = same), to sort plots."""
    if not isinstance(metrics, dict):
        return 0.0
    for key in COLUMN_SCORE_KEYS:
        if _number(metrics.get(key)) is not None:
            return 1.0 - _number(metrics[key])  # type: ignore[operator]
    found = [_number(metrics.get(k)) for k in COLUMN_DISTANCE_KEYS]
    return max((v for v in found if v is not None), default=0.0)


# ---------------------------------------------------------------- the page

CSS = """
body{font-family:"DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2933;
background:#fff;font-size:14px;line-height:1.45}
header{background:#243b53;color:#fff;padding:16px 32px}header h1{margin:0 0 4px;font-size:24px}
nav a{color:#bcccdc;margin-right:16px;text-decoration:none}nav a:hover{color:#fff}
main{padding:0 32px 40px;max-width:1500px}section{margin-top:28px}
h2{border-bottom:2px solid #d9e2ec;padding-bottom:4px;margin-bottom:12px}h3{margin:18px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:12px}
.card{border:1px solid #d9e2ec;border-radius:8px;padding:10px 14px;width:230px}
.card.big{width:440px;padding:14px 18px}.card .name{font-weight:600;color:#334e68}
.card .value{font-size:26px;font-weight:700}.card.big .value{font-size:52px;line-height:1.1}
.card .def{font-size:12px;color:#52606d}.card ul{margin:6px 0 0;padding-left:16px;font-size:12px;color:#52606d}
.bar{height:8px;background:#e4e7eb;border-radius:4px;margin:6px 0}.bar div{height:8px;border-radius:4px}
.good{background:#2f9e44}.bad{background:#c92a2a}
table{border-collapse:collapse;font-size:13px}th{background:#f0f4f8}
th,td{border-bottom:1px solid #e4e7eb;padding:3px 10px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}td.text{text-align:left;white-space:normal;max-width:560px}
.scroll{overflow-x:auto;max-width:100%}
table.columns{width:100%}table.columns th{white-space:normal;text-align:left}
table.columns td{white-space:normal;text-align:left}table.columns td.num{text-align:right;white-space:nowrap}
table.columns td.name{max-width:16em;overflow-wrap:break-word;font-weight:600}
table.columns td.nw{white-space:nowrap}
table.columns td.text{max-width:none;font-size:12px;color:#334e68}.tall{max-height:640px;overflow-y:auto}.tall th{position:sticky;top:0}
.plots{display:flex;flex-wrap:wrap;gap:8px}img{max-width:100%}
.note{color:#52606d;font-size:13px}details{margin:8px 0}summary{cursor:pointer;font-weight:600;padding:4px 0}
ul.ledger{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
.banner{background:#c92a2a;color:#fff;border-radius:6px;padding:12px 18px;margin-top:20px;font-size:15px}
.banner b{font-size:17px}
.verdicts{display:flex;flex-wrap:wrap;gap:12px}.verdict{flex:1 1 300px;border-radius:8px;padding:4px 16px;
border:1px solid #d9e2ec}.verdict h3{margin:8px 0 4px}.verdict ul{margin:4px 0 10px;padding-left:18px}
.verdict li{margin:4px 0}.verdict.kept{border-left:6px solid #2f9e44}.verdict.lost{border-left:6px solid #e8590c}
.verdict.risks{border-left:6px solid #c92a2a}.verdict.warn{flex-basis:100%;border-left:6px solid #c92a2a;
background:#fff5f5}
ul.parts{font-size:13px;color:#1f2933}ul.parts li.out{color:#7b8794}.unreliable{color:#c92a2a;font-weight:700}
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _table(header: list[str], rows: list[list[Any]], tall: bool = False) -> str:
    def cell(i: int, value: Any) -> str:
        text = i and value is not None and _number(value) is None  # text is left-aligned and may wrap
        return f'<td{" class=text" if text else ""}>{_e(_fmt(value))}</td>'

    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return (f'<div class="scroll{" tall" if tall else ""}"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


class _Page:
    def __init__(self, report: Report) -> None:
        self.scores = report.scores
        self.data = report.data
        self.privacy = report.privacy
        self.utility = report.scores.get("utility") or {}
        self.risk = report.scores.get("risk") or {}
        self.meta = report.scores.get("meta") or {}
        self.kinds: dict[str, str] = dict(report.data.kinds) if report.data is not None else dict(
            self.meta.get("columns") or {})
        seed = self.meta.get("seed")
        self.seed = seed if isinstance(seed, int) and seed >= 0 else 0
        self.plots: Plots | None = None

    def render(self) -> str:
        self.plots = Plots()
        with self.plots.style():
            sections = [
                ("verdict", "Verdict", self.verdict_section()),
                ("scorecard", "Score card", self.scorecard()),
                ("columns", "Columns", self.columns()),
                ("pairs", "Pairs", self.pairs()),
                ("risk", "Disclosure risk", self.risk_section()),
                ("privacy", "Privacy ledger", self.privacy_section()),
                ("meta", "Meta", self.meta_section()),
            ]
        nav = "".join(f'<a href="#{sid}">{_e(title)}</a>' for sid, title, _ in sections)
        body_top = self.banner()
        body = "\n".join(f'<section id="{sid}"><h2>{_e(title)}</h2>\n{content}\n</section>'
                         for sid, title, content in sections)
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>datatwin evaluation report</title><style>{CSS}</style></head>\n<body>"
            f"<header><h1>datatwin evaluation report</h1><div>{_e(self.subtitle())}</div><nav>{nav}</nav></header>"
            f"\n<main>\n{body_top}{body}\n</main></body></html>\n"
        )

    def banner(self) -> str:
        """A red banner when the holdout overlaps the real data (its risk numbers are not to be trusted)."""
        overlap = self.risk.get("holdout_overlap")
        if not isinstance(overlap, dict) or not overlap.get("suspected"):
            return ""
        from datatwin.evaluate.risk import overlap_message

        try:
            text = overlap_message(overlap)
        except (KeyError, TypeError, ValueError):  # scores from elsewhere, without the counts
            text = "the holdout overlaps the real data"
        unreliable = overlap.get("unreliable") or []
        listed = f" Marked unreliable: {', '.join(map(str, unreliable))}." if unreliable else ""
        return (f'<div class="banner" id="holdout-overlap" role="alert"><b>Holdout overlaps the real data.</b> '
                f"{_e(text[0].upper() + text[1:])}.{_e(listed)}</div>\n")

    def verdict_section(self) -> str:
        """Plain sentences: what is kept, what is not, the main risks; the thresholds behind them."""
        found = verdict(self.scores)
        if self.banner():  # the red banner above already says it
            found["warnings"] = [w for w in found["warnings"] if w["topic"] != "holdout overlaps"]
        blocks = []
        for key, title, css in (("warnings", "Warnings", "warn"), ("kept", "What is kept", "kept"),
                                ("not_kept", "What is not kept", "lost"), ("risks", "Main risks", "risks")):
            items = "".join(f"<li>{_e(item['sentence'])}</li>" for item in found[key])
            if items or key != "warnings":
                blocks.append(f'<div class="verdict {css}"><h3>{_e(title)}</h3><ul>'
                              f'{items or "<li>Nothing to say: the scores needed are missing.</li>"}</ul></div>')
        rows = [[name, value, text] for name, value, text in THRESHOLDS]
        thresholds = ('<details><summary>The thresholds behind these sentences</summary>'
                      '<p class="note">Each sentence compares one score with one threshold '
                      "(datatwin.evaluate.verdict; docs/report.md).</p>"
                      + _table(["threshold", "value", "decides"], rows) + "</details>")
        return f'<div class="verdicts">{"".join(blocks)}</div>{thresholds}'

    def subtitle(self) -> str:
        rows = self.meta.get("rows") or {}
        parts = [f"{k} {_fmt(rows[k])} rows" for k in ("real", "synthetic", "holdout") if rows.get(k) is not None]
        return " · ".join([*parts, f"{len(self.kinds)} columns", f"datatwin {__version__}"])

    # -- score card
    def scorecard(self) -> str:
        big = self.big_card("utility.overall", self.utility, "good", "higher = more useful") + self.big_card(
            "risk.overall", self.risk, "bad", "higher = more disclosive")
        utility = [k for k in UTILITY_PARTS if k in self.utility] + [
            k for k in self.utility if k not in UTILITY_PARTS and k not in NOT_COMPONENTS]
        risk = [k for k in self.risk if k not in NOT_COMPONENTS and k != "components"]
        # risk.components: what each metric contributes to risk.overall (the largest sets it)
        parts = {k: _number(v) for k, v in (self.risk.get("components") or {}).items()}
        top = _number(self.risk.get("overall"))

        def share(name: str) -> str:
            if parts.get(name) is None:
                return ""
            sets = " — sets risk.overall" if top is not None and parts[name] == top and top > 0 else ""
            return f'<div class="def">counts {_fmt(parts[name])} toward risk.overall{sets}</div>'

        return (f'<div class="cards">{big}</div><h3>Utility components</h3><div class="cards">'
                + "".join(self.card(k, self.utility[k]) for k in utility)
                + '</div><h3>Risk components</h3><div class="cards">'
                + "".join(self.card(k, self.risk[k], share(k)) for k in risk) + "</div>")

    @staticmethod
    def big_card(name: str, section: dict[str, Any], colour: str, sense: str) -> str:
        value = _number(section.get("overall"))
        bar = f'<div class="bar"><div class="{colour}" style="width:{100 * min(max(value, 0), 1):.1f}%"></div></div>' \
            if value is not None else ""
        shown = f"{value:.3f}" if value is not None else "n/a"
        interval = section.get("interval")
        if isinstance(interval, list) and len(interval) == 2 and None not in interval:
            shown_interval = f'<div class="note">95 % interval {_fmt3(interval[0])} – {_fmt3(interval[1])}</div>'
        else:
            shown_interval = ""
        definition = section.get("definition") or "(no definition given)"
        return (f'<div class="card big"><div class="name">{_e(name)} <span class="note">({_e(sense)})</span></div>'
                f'<div class="value">{_e(shown)}</div>{shown_interval}{bar}{_Page.averaged(section)}'
                f'<div class="def">{_e(definition)}</div></div>')

    @staticmethod
    def averaged(section: dict[str, Any]) -> str:
        """The components utility.overall averaged, with their weights, and those left out."""
        components = section.get("components")
        if not isinstance(components, dict) or not components or "weight" not in str(components):
            return ""
        items = []
        for name, part in components.items():
            if not isinstance(part, dict):
                continue
            value, weight, interval = _number(part.get("value")), _number(part.get("weight")), part.get("interval")
            spread = (f" [{_fmt3(interval[0])}, {_fmt3(interval[1])}]"
                      if isinstance(interval, list) and len(interval) == 2 and None not in interval else "")
            items.append(f"<li><b>{_e(name)}</b> {_e(_fmt3(value))}{_e(spread)} × weight {_e(_fmt(weight))}</li>")
        left = section.get("left_out") if isinstance(section.get("left_out"), dict) else {}
        items += [f'<li class="out">{_e(name)}: left out ({_e(why)})</li>' for name, why in left.items()]
        return f'<div class="def">the mean of:</div><ul class="parts">{"".join(items)}</ul>'

    @staticmethod
    def card(name: str, value: Any, extra: str = "") -> str:
        key, head = _headline(value)
        shown = _fmt(head) if head is not None else ("not computed" if value is None else "–")
        # which number the headline is, on its own line (a long key would overflow the big figure)
        label = f'<div class="note">{_e(key)}</div>' if key is not None and key not in ("score", "risk") else ""
        bar = f'<div class="bar"><div class="good" style="width:{100 * min(max(head, 0), 1):.1f}%"></div></div>' \
            if head is not None and 0 <= head <= 1 and name in UTILITY_PARTS else ""
        items = []
        if isinstance(value, dict):
            for path, v in _leaves(value):
                if path == key or v is None or isinstance(v, list) and (len(v) > 8 or not v):
                    continue
                text = _fmt(v)
                items.append(f"<li>{_e(path)}: {_e(text if len(text) <= 60 else text[:59] + '…')}</li>")
        more = f"<ul>{''.join(items[:12])}</ul>" if items else ""
        flag = ' <span class="unreliable">unreliable</span>' if isinstance(value, dict) and value.get(
            "reliable") is False else ""
        return (f'<div class="card"><div class="name">{_e(name)}{flag}</div><div class="value">{_e(shown)}</div>'
                f"{label}{bar}{extra}{more}</div>")

    # -- columns
    def columns(self) -> str:
        metrics = self.utility.get("columns") or {}
        names = list(self.data.real.columns) if self.data is not None else list(self.kinds or metrics)
        table = _column_table(names, self.kinds, metrics, tall=len(names) >= COLLAPSE_FROM)
        if self.data is None:
            return table + '<p class="note">No data given: plots need the real and synthetic frames.</p>'
        assert self.plots is not None
        note = ('<p class="note">Real (filled) against synthetic (line). Histograms span the real data\'s '
                "0.5–99.5 % range, values beyond it are counted in the end bins; bars show the "
                f"{TOP_LABELS} most common real labels and the rest as “(other)”.</p>")
        if len(names) < COLLAPSE_FROM:
            plots = [self.plots.column(n, self.kinds[n], self.data.real[n], self.data.synthetic[n]) for n in names]
            return table + note + f'<div class="plots">{"".join(plots)}</div>'
        order = sorted(names, key=lambda n: -_column_badness(metrics.get(n)))  # stable: ties keep table order
        blocks = []
        for start in range(0, len(order), PLOTS_PER_BLOCK):
            chunk = order[start : start + PLOTS_PER_BLOCK]
            plots = "".join(self.plots.column(n, self.kinds[n], self.data.real[n], self.data.synthetic[n])
                            for n in chunk)
            title = f"columns {start + 1}–{start + len(chunk)} of {len(order)}: {', '.join(chunk)}"
            blocks.append(f'<details{" open" if start == 0 else ""}><summary>{_e(title)}</summary>'
                          f'<div class="plots">{plots}</div></details>')
        return (table + note + f'<p class="note">{len(names)} columns: plots are in blocks of {PLOTS_PER_BLOCK}, '
                "the columns least like the real data first.</p>" + "".join(blocks))

    # -- pairs
    def pairs(self) -> str:
        pairs = self.utility.get("pairs")
        numbers = [[p, v] for p, v in _leaves(pairs or {}) if _number(v) is not None]
        summary = _table(["pair metric", "value"], numbers) if numbers and len(numbers) <= 40 else ""
        if isinstance(pairs, dict) and isinstance(pairs.get("note"), str):
            summary += f'<p class="note">{_e(pairs["note"])}</p>'
        worst = pairs.get("worst") if isinstance(pairs, dict) else None
        if isinstance(worst, list) and worst and all(isinstance(w, dict) for w in worst):
            keys = list(dict.fromkeys(k for w in worst for k in w))
            rows = [[w.get(k) for k in keys] for w in worst]
            summary += "<h3>Pairs least like the real data</h3>" + _table(keys, rows)
        found = association_matrices(pairs)
        if found is None:
            return summary + '<p class="note">The scores hold no association matrices to draw.</p>'
        assert self.plots is not None
        columns, real, synth = found
        note = ('<p class="note">Association of each pair of columns: Pearson\'s r for two numeric columns, '
                "Cramér's V for two categorical ones, the correlation ratio for a mixed pair (see "
                "utility.pairs.association.method); the third map is synthetic minus real.</p>")
        if len(columns) > MAX_HEATMAP_COLUMNS:
            diff = np.nan_to_num(np.abs(synth - real), nan=0.0)
            keep = np.sort(np.argsort(-diff.max(axis=1), kind="stable")[:MAX_HEATMAP_COLUMNS])
            note += (f'<p class="note">{len(columns)} columns: showing only the {MAX_HEATMAP_COLUMNS} whose '
                     "associations differ most between real and synthetic.</p>")
            columns = [columns[i] for i in keep]
            real, synth = real[np.ix_(keep, keep)], synth[np.ix_(keep, keep)]
        maps = self.plots.heatmaps(columns, real, synth)
        return summary + note + f'<div class="plots">{"".join(maps)}</div>'

    # -- risk
    def risk_section(self) -> str:
        assert self.plots is not None
        found = dcr_histogram(self.risk.get("dcr"), self.data, self.seed)
        if found is None:
            plot = '<p class="note">No distance histogram in the scores and no data to compute one.</p>'
        else:
            edges, synth, hold, note = found
            plot = self.plots.dcr(edges, synth, hold) + (f'<p class="note">{_e(note)}</p>' if note else "")
            if hold is None:
                plot += '<p class="note">No holdout given: nothing to compare the synthetic distances with.</p>'
        rows = [[p, v] for p, v in _leaves({k: v for k, v in self.risk.items() if k != "definition"})
                if ".histogram." not in p]  # the plotted arrays
        return plot + "<h3>Every risk metric</h3>" + _table(["metric", "value"], rows)

    # -- privacy
    def privacy_section(self) -> str:
        if self.privacy is None:
            return "<p>No model file given: no privacy ledger to show.</p>"
        policy = self.privacy.get("policy", "(none stated)")
        budget = [  # budget, spent, settings: objects in the model file, shown as key=value
            f"{_e(k)}: {_e(', '.join(f'{kk}={_fmt(vv)}' for kk, vv in v.items()))}" if isinstance(v, dict)
            else f"{_e(k)} {_e(_fmt(v))}"
            for k, v in self.privacy.items() if k not in ("policy", "ledger")
        ]
        ledger = self.privacy.get("ledger") or []
        lines = []
        for entry in ledger:
            if isinstance(entry, dict):
                what = entry.get("what", "")
                rest = " · ".join(f"{k} {_fmt(v)}" for k, v in entry.items() if k != "what")
                lines.append(f"<li><b>{_e(what)}</b>{' — ' if what and rest else ''}{_e(rest)}</li>")
            else:
                lines.append(f"<li>{_e(entry)}</li>")
        entries = f'<ul class="ledger">{"".join(lines)}</ul>' if lines else (
            "<p>The ledger is empty: nothing was released through a privacy mechanism.</p>")
        return (f"<p>Policy: <b>{_e(policy)}</b>" + (f" · {' · '.join(budget)}" if budget else "")
                + f"</p><p>{len(ledger)} ledger entries:</p>" + entries)

    # -- meta
    def meta_section(self) -> str:
        rows = self.meta.get("rows") or {}
        parts = [_table(["frame", "rows"], [[k, rows.get(k)] for k in ("real", "synthetic", "holdout")])]
        sizes = self.meta.get("sample_sizes") or {}
        parts.append("<h3>Rows used by the expensive metrics</h3>" + (
            _table(["metric", "rows used"], [[k, v] for k, v in _leaves(sizes)]) if sizes
            else '<p class="note">No sample sizes recorded.</p>'))
        counts: dict[str, int] = {}
        for kind in self.kinds.values():
            counts[kind] = counts.get(kind, 0) + 1
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        parts.append(f"<p>Seed: {_e(_fmt(self.meta.get('seed')))} · {len(self.kinds)} columns ({_e(kinds)}) · "
                     f"report by datatwin {_e(__version__)}</p>")
        other = {k: v for k, v in self.meta.items() if k not in ("rows", "sample_sizes", "seed", "columns")}
        if other:
            parts.append(_table(["", "value"], [[p, v] for p, v in _leaves(other)]))
        return "".join(parts)
