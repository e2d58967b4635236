"""The report's plots: matplotlib figures as self-contained PNG ``<img>`` tags.

Plots are drawn with matplotlib's object interface (``matplotlib.figure.Figure``,
rendered by Agg), so writing a report neither switches the user's pyplot backend nor
leaves figures open in pyplot; sizes and fonts come from one fixed style
(:data:`STYLE`), whatever the user's matplotlib settings. matplotlib is imported when a
:class:`Plots` is created, not with this module.

:func:`association_matrices` and :func:`dcr_histogram` find what the heatmaps and the
distance plot show in the scores (see :mod:`datatwin.evaluate.report`).
"""

from __future__ import annotations

import base64
import html
import io
import math
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import polars as pl

from datatwin.errors import DatatwinError
from datatwin.evaluate.neighbours import GowerSpace
from datatwin.evaluate.prepare import NUMERIC_KINDS, EvalData, numeric_values, subsample

#: labels drawn per categorical column; the rest are one "(other)" bar
TOP_LABELS = 10
HIST_BINS = 30
#: size of every column plot, in inches
COLUMN_FIGURE = (4.2, 3.0)
#: rows used when the report has to compute distances to closest records itself
DCR_PLOT_ROWS = (1000, 5000)  # (synthetic or holdout rows, real rows)
REAL, SYNTH, HOLDOUT = "#1f77b4", "#e8590c", "#5c940d"
STYLE = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8, "figure.dpi": 100, "savefig.dpi": 100,
}


def _matplotlib() -> Any:
    try:
        import matplotlib
        import matplotlib.dates
        import matplotlib.figure  # the object interface: no pyplot
        import matplotlib.style
    except ImportError:
        raise DatatwinError("the HTML report needs matplotlib: pip install datatwin[evaluate]") from None
    return matplotlib


def _label(text: str, width: int) -> str:
    """Short plot label; ``$`` escaped so matplotlib does not read it as mathtext."""
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("$", r"\$")


class Plots:
    """The report's plots, each as an HTML ``<img>`` holding a base64 PNG.

    Creating one imports matplotlib (a :class:`~datatwin.errors.DatatwinError` if it is not
    installed); draw inside :meth:`style` so every plot has the report's fixed look.
    """

    def __init__(self) -> None:
        self.mpl = _matplotlib()

    def style(self) -> AbstractContextManager[Any]:
        """A context in which matplotlib uses the report's style, whatever the user's settings."""
        return self.mpl.style.context(["default", STYLE])

    def figure(self, size: tuple[float, float], layout: str | None = "constrained") -> Any:
        """A new ``matplotlib.figure.Figure`` of ``size`` inches, not registered with pyplot."""
        return self.mpl.figure.Figure(figsize=size, layout=layout)

    def img(self, fig: Any, alt: str) -> str:
        """``fig`` as an ``<img>`` tag with alternative text ``alt``; the figure is cleared."""
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        fig.clear()  # figures made this way are not registered with pyplot: nothing else to close
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'

    def column(self, name: str, kind: str, real: pl.Series, synth: pl.Series) -> str:
        """Real against synthetic distribution of one column: histogram, or bars of the top labels."""
        return self.img(self.column_figure(name, kind, real, synth), f"{name}: real and synthetic distributions")

    def column_figure(self, name: str, kind: str, real: pl.Series, synth: pl.Series) -> Any:
        """The figure of :meth:`column`; its legend sits below the axes, clear of bars and lines."""
        # fixed margins rather than a layout engine: every column plot the same size, and faster
        fig = self.figure(COLUMN_FIGURE, layout=None)
        bars = kind not in NUMERIC_KINDS and kind != "string"
        fig.subplots_adjust(left=0.31 if bars else 0.17, right=0.97, bottom=0.3, top=0.91)
        ax = fig.add_subplot()
        if kind == "string":  # mostly distinct texts: their lengths say more than their top labels
            lengths = [s.cast(pl.String).str.len_chars() for s in (real, synth)]
            self._histogram(ax, "discrete", *lengths)
            ax.set_xlabel("length of the text")
        elif bars:
            self._bars(ax, real, synth)
        else:
            self._histogram(ax, kind, real, synth)
        ax.set_title(_label(name, 45))
        if ax.get_legend_handles_labels()[0]:
            # below the axes and their labels: a legend inside the axes covers bars (two labels fill it)
            fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncols=2, frameon=False,
                       bbox_to_anchor=(0.5, 0.0))
        return fig

    def _histogram(self, ax: Any, kind: str, real: pl.Series, synth: pl.Series) -> None:
        r, s = _axis_values(real, kind), _axis_values(synth, kind)
        r, s = r[np.isfinite(r)], s[np.isfinite(s)]
        ref = r if len(r) else s
        if not len(ref):
            ax.text(0.5, 0.5, "all values missing", ha="center", va="center", transform=ax.transAxes)
            return
        edges = histogram_edges(ref, kind)
        for values, label, colour, filled in ((r, "real", REAL, True), (s, "synthetic", SYNTH, False)):
            counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), edges)
            share = counts / max(len(values), 1)
            ax.stairs(share, edges, label=label, color=colour, fill=filled, alpha=0.45 if filled else 1.0,
                      linewidth=1.5)
        ax.set_ylabel("share of rows")
        if kind in ("date", "datetime"):
            dates = self.mpl.dates
            locator = dates.AutoDateLocator(maxticks=5)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
        elif kind == "time":
            ax.set_xlabel("hour of day")

    def _bars(self, ax: Any, real: pl.Series, synth: pl.Series) -> None:
        r = real.cast(pl.String).fill_null("(missing)")
        s = synth.cast(pl.String).fill_null("(missing)")
        counts = r.value_counts(sort=True)
        labels = counts.to_series(0).head(TOP_LABELS).to_list()
        real_share = [(r == lab).mean() for lab in labels]
        synth_share = [(s == lab).mean() for lab in labels]
        if r.n_unique() > len(labels) or not s.is_in(labels).all():
            labels.append("(other)")
            real_share.append(1.0 - sum(real_share))
            synth_share.append(1.0 - sum(synth_share))
        y = np.arange(len(labels))
        ax.barh(y - 0.2, real_share, 0.4, label="real", color=REAL)
        ax.barh(y + 0.2, synth_share, 0.4, label="synthetic", color=SYNTH)
        ax.set_yticks(y, [_label(str(lab), 18) for lab in labels])
        ax.invert_yaxis()
        ax.set_xlabel("share of rows")

    def heatmaps(self, columns: list[str], real: np.ndarray, synth: np.ndarray) -> list[str]:
        """Three association heatmaps: real, synthetic, and synthetic minus real."""
        names = [_label(c, 16) for c in columns]
        size = 8 if len(columns) <= 15 else 6
        out = []
        for title, matrix, cmap in (
            ("real", real, "RdBu_r"), ("synthetic", synth, "RdBu_r"), ("synthetic − real", synth - real, "PuOr_r"),
        ):
            fig = self.figure((5.0, 4.6))
            ax = fig.add_subplot()
            image = ax.imshow(matrix, cmap=cmap, vmin=-1, vmax=1)
            ax.set_xticks(range(len(names)), names, rotation=90, fontsize=size)
            ax.set_yticks(range(len(names)), names, fontsize=size)
            ax.set_title(f"association: {title}")
            fig.colorbar(image, ax=ax, shrink=0.8)
            out.append(self.img(fig, f"association matrix, {title}"))
        return out

    def dcr(self, edges: np.ndarray, synth: np.ndarray, holdout: np.ndarray | None) -> str:
        """Histogram of distances to the closest real record (shares of rows per bin of ``edges``)."""
        fig = self.figure((6.0, 3.2))
        ax = fig.add_subplot()
        ax.stairs(synth, edges, label="synthetic → real", color=SYNTH, linewidth=1.8)
        if holdout is not None:
            ax.stairs(holdout, edges, label="holdout → real", color=HOLDOUT, fill=True, alpha=0.4)
        ax.set_xlabel("distance to the closest real record")
        ax.set_ylabel("share of rows")
        ax.set_title("distance to closest record")
        ax.legend(frameon=False)
        return self.img(fig, "histogram of distances to the closest real record")


def histogram_edges(values: np.ndarray, kind: str) -> np.ndarray:
    """Bin edges over the 0.5–99.5 % range of ``values`` (finite), at most :data:`HIST_BINS` bins.

    Whole numbers (a ``discrete`` column, or any numeric or date column whose values are all
    whole) get bins aligned on them: one bin per value when the range holds at most
    ``HIST_BINS`` values, else bins of ``w`` whole values each, edges at ``k·w - 0.5``, so no
    bin holds more values than another (equal-width bins over whole numbers alternate
    between holding ``n`` and ``n + 1`` values: a sawtooth).

    >>> histogram_edges(np.array([17.0, 30, 45, 90]), "discrete")[:4].tolist()
    [16.5, 19.5, 22.5, 25.5]
    >>> histogram_edges(np.array([0.0, 1, 1, 2, 3]), "discrete").tolist()
    [-0.5, 0.5, 1.5, 2.5, 3.5]
    """
    lo, hi = (float(q) for q in np.quantile(values, [0.005, 0.995]))
    whole = kind == "discrete" or (kind in ("continuous", "date") and bool(np.all(values == np.round(values))))
    if whole:
        lo, hi = math.floor(lo), math.ceil(hi)
        span = hi - lo + 1  # whole values in the range
        width = max(1, math.ceil(span / HIST_BINS))
        return lo - 0.5 + width * np.arange(math.ceil(span / width) + 1)
    lo, hi = (lo - 0.5, hi + 0.5) if hi <= lo else (lo, hi)
    return np.linspace(lo, hi, HIST_BINS + 1)


def _axis_values(series: pl.Series, kind: str) -> np.ndarray:
    """Values on a plot's x axis: matplotlib date numbers (days) for dates, hours for times."""
    if kind == "date":
        return series.cast(pl.Int32).cast(pl.Float64).fill_null(np.nan).to_numpy()
    if kind == "datetime":
        return (series.dt.epoch("us").cast(pl.Float64) / 86_400e6).fill_null(np.nan).to_numpy()
    if kind == "time":
        return numeric_values(series) / 3_600e9
    return numeric_values(series)


def association_matrices(pairs: Any) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """``(columns, real, synthetic)`` association matrices from the pair scores, if there."""
    if not isinstance(pairs, dict):
        return None
    for block in (pairs.get("association"), pairs.get("associations"), pairs):
        if isinstance(block, dict) and {"columns", "real", "synthetic"} <= block.keys():
            columns = [str(c) for c in block["columns"]]
            real, synth = (_matrix(block[k]) for k in ("real", "synthetic"))
            if real.shape == synth.shape == (len(columns), len(columns)):
                return columns, real, synth
    return None


def _matrix(rows: Any) -> np.ndarray:
    return np.array([[np.nan if v is None else float(v) for v in row] for row in rows], dtype=float)


def dcr_histogram(
    dcr: Any, data: EvalData | None, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str] | None:
    """``(edges, synthetic, holdout or None, note)`` for the DCR plot, or None.

    From ``dcr["histogram"]`` when the scores hold one; otherwise computed from ``data``
    (Gower distances on at most :data:`DCR_PLOT_ROWS` rows, seeded with ``seed``) with a
    ``note`` saying so; None without either.
    """
    hist = dcr.get("histogram") if isinstance(dcr, dict) else None
    if isinstance(hist, dict) and "edges" in hist and "synthetic" in hist:
        edges = np.asarray(hist["edges"], dtype=float)
        hold = hist.get("holdout")
        return edges, _shares(hist["synthetic"]), None if hold is None else _shares(hold), ""
    if data is None:
        return None
    n_query, n_real = DCR_PLOT_ROWS
    space = GowerSpace(data, data.real.columns)
    reference = space.encode(subsample(data.real, n_real, seed))

    def nearest(frame: pl.DataFrame, offset: int) -> np.ndarray:
        return space.nearest(space.encode(subsample(frame, n_query, seed + offset)), reference, 1)[0][:, 0]

    synth = nearest(data.synthetic, 1)
    hold = nearest(data.holdout, 2) if data.holdout is not None else None
    top = float(np.quantile(np.concatenate([synth, hold]) if hold is not None else synth, 0.99)) or 1.0
    edges = np.linspace(0.0, top, HIST_BINS + 1)
    share = [np.histogram(np.clip(d, 0, top), edges)[0] / len(d) for d in (synth, hold) if d is not None]
    note = (f"Computed for this plot on {len(synth):,} synthetic"
            + (f" and {len(hold):,} holdout" if hold is not None else "")
            + f" rows against {len(reference[1]):,} real rows (Gower distance); the scores did not include a histogram.")
    return edges, share[0], share[1] if hold is not None else None, note


def _shares(counts: Any) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    total = values.sum()
    return values / total if total > 1.0 + 1e-9 else values  # counts or shares alike

