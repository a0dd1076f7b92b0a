"""The look of every orgsim chart: one colour per structure, readable labels, deck-ready layout.

Consultants paste these charts into client decks, so each chart must stand alone: a title that
says what is shown, a subtitle that says how to read it (what the bars, dots and bands are), axis
labels with units, and a footnote with the replications and horizon. Colours come from the
Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays distinguishable for
the common forms of colour blindness; each structure keeps its colour in every chart.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

import matplotlib

matplotlib.use("Agg")  # files only, never a window; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

from orgsim import measures  # noqa: E402
from orgsim.currency import money  # noqa: E402
from orgsim.params import PARAMETERS  # noqa: E402

# Okabe-Ito, in hex; black and yellow are kept out of the structure colours (black is the
# Pareto front's ink, yellow is too light on white for thin lines).
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

STRUCTURE_COLORS: dict[str, str] = {
    "separate": OKABE_ITO["vermillion"],
    "merged": OKABE_ITO["blue"],
    "aligned": OKABE_ITO["bluish_green"],
    "defined": OKABE_ITO["orange"],
    "integrated": OKABE_ITO["reddish_purple"],
}
"""One fixed colour per structure, the same in every chart."""

EXTRA_COLORS = (OKABE_ITO["sky_blue"], OKABE_ITO["black"])
"""For structures not in :data:`STRUCTURE_COLORS` (a future preset), in order of appearance."""

# Every other palette keeps clear of the structures' hues (orange, vermillion, blue, green and
# reddish purple), so a structure colour always means a structure. Each palette is for one kind
# of chart part, and its colours are fixed per key, so a colour means one thing in every chart
# and in the dashboard, which reads these same dictionaries.
CAUSE_COLORS: dict[str, str] = {
    "handoff_lost": "#332288",  # indigo
    "never_followed_up": "#88CCEE",  # cyan
    "too_late": "#DDCC77",  # sand
    "wrongly_rejected": "#882255",  # wine
    "queue_expired": "#999933",  # olive
    "never_recycled": "#AA4499",  # purple
    "missed_by_scoring": "#8C510A",  # brown
    "lost_in_nurture": "#6699CC",  # cornflower
}
"""Leak causes: Paul Tol's colour-blind safe "muted" scheme without its greens and rose (its pale
lavender, close to integrated's reddish purple, swapped for cornflower)."""

SOURCE_COLORS: dict[str, str] = {
    "rejected_lead": "#222255",  # navy
    "unworked_lead": "#99DDFF",  # light cyan
    "budget_dispute": "#663333",  # maroon
    "credit_dispute": "#EEDD88",  # pale yellow
    "comp_inequity": "#777777",  # grey
    "sla_breach": "#FFCCCC",  # pale rose
}
"""Friction sources: dark and pale in turn (from Paul Tol's "dark", "light" and "pale" schemes), so
neighbours in a stacked bar differ in lightness as well as hue."""

DIVERGING: dict[str, str] = {
    "up": "#542788",  # deep purple: the step raises the value
    "down": "#B2ABD2",  # pale purple: the step lowers it
}
"""Up and down steps (explain waterfall, tornado ends): one neutral hue, dark up and pale down,
so a direction never reads as a structure or as good/bad (which depends on the measure)."""

VERDICT_COLORS_BY_NAME: dict[str, str] = {
    "supported": "#222255",  # navy
    "assumed": "#999933",  # olive
    "contradicted": "#882255",  # wine
    "no clear effect": "#8C8C8C",  # grey
}
"""Claims verdicts (orgsim claims), never in a structure's colour."""

PALETTES: dict[str, dict[str, str]] = {
    "structures": STRUCTURE_COLORS,
    "leak causes": CAUSE_COLORS,
    "friction sources": SOURCE_COLORS,
    "up and down": DIVERGING,
    "claims verdicts": VERDICT_COLORS_BY_NAME,
}
"""Every named palette, for the documentation and the tests (one meaning per colour)."""

PART_COLORS = ("#6F6F9F", "#B0B0D0", "#5F7F5F")
"""Fallback for a part with no colour above (a cause or source added later), in order."""


def part_colors(keys: Sequence[str], kind: str) -> dict[str, str]:
    """Colour per cause (``kind="cause"``) or friction source (``"source"``), fixed per key."""
    fixed = CAUSE_COLORS if kind == "cause" else SOURCE_COLORS
    spare = iter(PART_COLORS * (len(keys) + 1))
    return {k: fixed[k] if k in fixed else next(spare) for k in keys}


INK = "#222222"
MUTED = "#666666"
GRID = "#E6E6E6"

FIG_WIDTH = 11.0  # inches; 16:9-friendly at the default height
FIG_HEIGHT = 6.0
PNG_DPI = 200  # >= 150 for print-quality slides

THEME = {
    "font.size": 11,
    "axes.titlesize": 12.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#999999",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 10,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",  # text stays text in SVGs: editable and searchable
    "font.family": "DejaVu Sans",
}

# Names, units and directions come from the measure schema (orgsim.measures); these are views
# of it. Parts of a breakdown are named by cause_name/source_name/stage_name below.
UNIT_WORDS = measures.UNIT_WORDS

LOWER_IS_BETTER = frozenset(n for n, m in measures.MEASURES.items() if m.better == "lower")
"""Measures where the smaller value is the better outcome (used by readings and win maps)."""

_ACRONYMS = {"sla": "SLA", "mql": "MQL", "sql": "SQL", "sal": "SAL", "icp": "ICP"}
_LINESTYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v")
_HATCHES = ("", "//", "..", "xx", "\\\\")


@dataclass(frozen=True)
class GroupStyle:
    """How one compared group (a scenario or a structure) is drawn."""

    color: str
    marker: str = "o"
    linestyle: str = "-"
    hatch: str = ""


def group_styles(groups: Sequence[str], structures: Sequence[str]) -> dict[str, GroupStyle]:
    """A style per group: its structure's colour; groups sharing a structure differ in marks.

    ``structures[i]`` is the structure of ``groups[i]``. Two scenarios under the same structure
    keep that structure's colour and get a different marker, line style and hatch.
    """
    extra: dict[str, str] = {}  # structures without a fixed colour, in order of appearance
    seen: dict[str, int] = {}
    out: dict[str, GroupStyle] = {}
    for group, structure in zip(groups, structures, strict=True):
        k = seen.get(structure, 0)
        seen[structure] = k + 1
        if structure not in STRUCTURE_COLORS and structure not in extra:
            extra[structure] = EXTRA_COLORS[len(extra) % len(EXTRA_COLORS)]
        out[group] = GroupStyle(
            color=STRUCTURE_COLORS.get(structure) or extra[structure],
            marker=_MARKERS[k % len(_MARKERS)],
            linestyle=_LINESTYLES[k % len(_LINESTYLES)],
            hatch=_HATCHES[k % len(_HATCHES)],
        )
    return out


def pretty(key: str) -> str:
    """``never_followed_up`` -> ``Never followed up``, keeping acronyms such as SLA."""
    words = [_ACRONYMS.get(w, w) for w in key.replace(".", " ").replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def measure_name(measure: str) -> str:
    """A measure's name for people from the schema, e.g. ``Leakage rate``."""
    return measures.label(measure)


def measure_unit(measure: str) -> str:
    """A measure's unit key from the schema ('' when unknown)."""
    return measures.unit(measure)


def measure_label(measure: str) -> str:
    """Axis label with the unit, e.g. ``Revenue (currency units)``."""
    return measures.get(measure).axis_label


def better_text(measure: str) -> str:
    """``higher is better``, ``lower is better`` or ``neither is better`` (from the schema)."""
    return measures.get(measure).direction


def cause_name(key: str) -> str:
    """A leak cause's name, e.g. ``Reached too late``."""
    return measures.term("cause", key).label


def source_name(key: str) -> str:
    """A friction source's name, e.g. ``Budget disputes``."""
    return measures.term("source", key).label


def stage_name(key: str) -> str:
    """A lead state's or funnel stage's name, e.g. ``MQL``."""
    return measures.term("state", key).label


def factor_name(key: str) -> str:
    """A parameter's name for people, on charts and tables.

    The schema's label (``Deal size`` for ``market.deal_size``), else one derived from the key
    (``SLA response hours`` for ``sla.response_hours``).
    """
    if key == "structure":
        return "Org structure"
    spec = PARAMETERS.get(key)
    if spec is not None and spec.label:
        return spec.label
    section, _, name = key.partition(".")
    words = pretty(name)
    if section not in ("policy", "") and not words.lower().startswith(section):
        words = f"{pretty(section)} {words[:1].lower()}{words[1:]}"
        words = " ".join(_ACRONYMS.get(w.lower(), w) for w in words.split())
    return words


def factor_label(key: str) -> str:
    """Axis label of a sweep factor, e.g. ``SLA response hours (hours)``."""
    spec = PARAMETERS.get(key)
    unit = spec.unit if spec else ""
    words = factor_name(key)
    return f"{words} ({unit})" if unit and unit not in ("flag", "choice") else words


def in_sentence(text: str) -> str:
    """``Sales headcount`` -> ``sales headcount`` but ``SLA response hours`` stays as it is."""
    return measures.in_sentence(text)


def compact_number(value: float, unit: str = "") -> str:
    """Short number for labels: 2.59M, 415k, 12.5%, 0.42 (by unit); money with the currency's symbol."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "currency":
        return money(_compact(value, ""))
    return _compact(value, unit)


def end_label(ax: Axes, text: str, xy: tuple[float, float], fontsize: float = 10) -> None:
    """A bold value label 5 points right of a horizontal bar's end at ``xy`` (data coordinates)."""
    ax.annotate(
        text,
        xy,
        xytext=(5, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=fontsize,
        fontweight="bold",
        color=INK,
    )


def _compact(value: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "0-1":
        return f"{value:.2f}"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            scaled = value / size
            return f"{scaled:.2f}{suffix}" if abs(scaled) < 10 else f"{scaled:.1f}{suffix}"
    if unit in ("0-100", "hours", "calendar hours") or not float(value).is_integer():
        return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    return f"{value:.0f}"


def measure_formatter(measure: str) -> FuncFormatter | PercentFormatter:
    """Tick formatter by unit: shares as percentages, money as 1.2M."""
    unit = measure_unit(measure)
    if unit == "share":
        return PercentFormatter(xmax=1.0, decimals=0)
    return unit_formatter(unit)


def unit_formatter(unit: str) -> FuncFormatter:
    """Tick formatter for a unit name (see :func:`compact_number`)."""

    def fmt(x: float, _pos: int | None = None) -> str:
        if unit == "currency":
            return money(plain(x))
        return plain(x)

    def plain(x: float) -> str:
        if unit == "share":
            return f"{100 * x:.0f}%"
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(x) >= size:
                return f"{x / size:.3g}{suffix}"
        if unit == "0-1":
            return f"{x:.2f}".rstrip("0").rstrip(".") if x else "0"
        return f"{x:g}"

    return FuncFormatter(fmt)


@contextmanager
def theme() -> Iterator[None]:
    """Apply the orgsim chart theme for the charts drawn inside the block."""
    with plt.rc_context(THEME):
        yield


def themed[**P](func: Callable[P, Figure]) -> Callable[P, Figure]:
    """Decorator: draw the whole chart inside :func:`theme` (rc values are read at draw time)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with theme():
            return func(*args, **kwargs)

    return wrapper


def new_figure(width: float = FIG_WIDTH, height: float = FIG_HEIGHT) -> Figure:
    """A blank figure of the standard size (not registered with pyplot, so nothing leaks)."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)  # a canvas that can measure text, for wrapping titles
    return fig


def _wrap(fig: Figure, text: str, fontsize: float, weight: str = "normal") -> list[str]:
    """Split ``text`` into lines that fit the figure's width at ``fontsize``."""
    renderer = fig.canvas.get_renderer()
    probe = fig.text(0, 0, text, fontsize=fontsize, fontweight=weight)
    width_px = probe.get_window_extent(renderer).width
    probe.remove()
    usable_px = (fig.get_size_inches()[0] - 0.25) * fig.dpi
    if width_px <= usable_px:
        return [text]
    chars = max(20, int(len(text) * usable_px / width_px * 0.97))
    return textwrap.wrap(text, chars)


def finish(
    fig: Figure,
    title: str,
    subtitle: str = "",
    note: str = "",
    legend_rows: int = 0,
) -> Figure:
    """Place title, subtitle and footnote in fixed inch margins, then lay out the panels.

    Long titles and subtitles wrap to the figure's width. ``legend_rows`` reserves room at the
    bottom for a figure-level legend of that many rows.
    """
    with theme():
        w, h = fig.get_size_inches()
        title_lines = _wrap(fig, title, 15, "bold")
        sub_lines = _wrap(fig, subtitle, 10.5) if subtitle else []
        title_in = 0.14 + 0.28 * len(title_lines)
        top_in = title_in + 0.06 + 0.21 * len(sub_lines) + 0.08
        bottom_in = (0.3 if note else 0.08) + 0.3 * legend_rows
        fig.text(0.10 / w, 1 - 0.14 / h, "\n".join(title_lines), ha="left", va="top", fontsize=15,
                 fontweight="bold", color=INK, linespacing=1.25)  # fmt: skip
        if sub_lines:
            fig.text(0.10 / w, 1 - (title_in + 0.06) / h, "\n".join(sub_lines), ha="left", va="top",
                     fontsize=10.5, color=MUTED, linespacing=1.35)  # fmt: skip
        if note:
            fig.text(0.10 / w, 0.08 / h, note, ha="left", va="bottom", fontsize=8.5, color=MUTED)
        rect = (0.0, bottom_in / h, 1.0, 1 - top_in / h)
        fig.tight_layout(rect=rect, w_pad=2.0, h_pad=1.5)
        if _fit_ylabels(fig):  # a broken label is narrower: lay out again
            fig.tight_layout(rect=rect, w_pad=2.0, h_pad=1.5)
    return fig


YLABEL_ROOM = 0.85
"""Share of its axes' height a one-line y-axis label may take before it is broken in two."""


def _fit_ylabels(fig: Figure) -> bool:
    """Break each y-axis label nearly as tall as its axes before its unit (``(EUR)`` on a line of its own).

    A label as long as a short panel runs into the panel's title, the panel above or off the
    figure. Returns whether any label was broken.
    """
    renderer = fig.canvas.get_renderer()
    broken = False
    for ax in fig.axes:
        label = ax.yaxis.label
        text = label.get_text()
        if not ax.get_visible() or " (" not in text or "\n" in text:
            continue
        if label.get_window_extent(renderer).height > YLABEL_ROOM * ax.get_window_extent(renderer).height:
            head, unit = text.rsplit(" (", 1)
            label.set_text(f"{head}\n({unit}")
            broken = True
    return broken
