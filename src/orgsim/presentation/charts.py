"""The charts of orgsim results, one function per chart type, each returning a matplotlib Figure.

The input is tidy: ``runs`` has one row per run with a ``group`` column (what is being compared:
a scenario label or a structure), its ``structure``, and the measures of
:meth:`~orgsim.model.metrics.RunResult.flat` (``revenue``, ``friction_by_source.*``, ``leaked.*``,
``funnel.*``, ...); sweep runs also carry one column per factor. ``series`` is the long per-day
frame with ``group``, ``structure``, ``run`` (any run key), ``day`` and the series variables.

Every chart shows its uncertainty: means come with Student-t 95% confidence intervals over the
replications, and the individual runs are drawn where they fit. The small statistics the charts
draw (:func:`group_stats`, :func:`pareto_front`, :func:`winners`, ...) are public so that the
report's one-line readings quote exactly the numbers in the picture. :func:`save` writes a
figure as PNG (200 dpi) and SVG. Colours and labels come from :mod:`orgsim.presentation.style`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from orgsim import measures as schema
from orgsim.currency import money
from orgsim.experiment.stats import measure_ci
from orgsim.experiment.summaries import (  # re-exported: the report's readings quote them
    MAP_BINS,
    Difference,
    binned,
    difference,
    funnel_stages,
    group_stats,
    groups_of,
    margins_by_factor,
    pareto_front,
    parts,
    ranked,
    series_band,
    step_conversion,
    winner_panels,
    winners,
)
from orgsim.experiment.within import design_stats
from orgsim.presentation import findings, style
from orgsim.presentation.style import (
    INK,
    LOWER_IS_BETTER,
    MUTED,
    PNG_DPI,
    GroupStyle,
    compact_number,
    factor_label,
    factor_name,
    finish,
    in_sentence,
    measure_formatter,
    measure_label,
    measure_name,
    measure_unit,
    new_figure,
    themed,
)

log = logging.getLogger(__name__)

HEADLINE = ("revenue", "friction_index", "leakage_rate")
"""The three measures every report leads with."""

SERIES_VARS = ("revenue", "pipeline_value", "tension")
"""Per-day series drawn by default: cumulative revenue, open pipeline, friction level."""

CI_NOTE = "95% confidence interval of the mean"
BAND_NOTE = f"shaded band: {CI_NOTE}"
WITHIN_CI = "95% CI from the noise within settings"
"""A sweep chart's CI when it averages over settings (the spread between settings is the design)."""


def _mean_text(frame: pd.DataFrame, settings: Sequence[str], runs: int) -> str:
    """What a bar or line is, ``runs`` being the runs per group.

    ``mean of 40 runs``, or with settings ``mean over 8 settings (40 runs), each the same weight``.
    """
    if not settings:
        return f"mean of {runs} runs"
    k = len(frame.groupby(list(settings), sort=False))
    return f"mean over {k} settings ({runs} runs), each the same weight"


# -- statistics the charts draw live in orgsim.experiment.summaries (re-exported here) ------
def styles_of(runs: pd.DataFrame) -> dict[str, GroupStyle]:
    """Colour and marks of each group, by its structure."""
    groups = groups_of(runs)
    first = runs.drop_duplicates("group").set_index("group")["structure"]
    return style.group_styles(groups, [str(first[g]) for g in groups])


def _default_note(runs: pd.DataFrame) -> str:
    counts = runs.groupby("group", sort=False).size()
    n = f"{counts.iloc[0]} runs per group" if counts.nunique() == 1 else f"{counts.min()}-{counts.max()} runs"
    return f"orgsim · {n} · 95% CI: Student t over runs"


# -- drawing helpers ----------------------------------------------------------------------------
def _pale(color: str, amount: float = 0.55) -> tuple[float, float, float]:
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _dark(color: str, amount: float = 0.25) -> tuple[float, float, float]:
    r, g, b = to_rgb(color)
    return (r * (1 - amount), g * (1 - amount), b * (1 - amount))


def _text_on(color: str | tuple[float, float, float]) -> str:
    r, g, b = to_rgb(color)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.55 else INK


def _group_ticklabels(
    ax: Axes, groups: Sequence[str], styles: dict[str, GroupStyle], axis: str = "x"
) -> None:
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    for label, g in zip(labels, groups, strict=False):
        label.set_color(styles[g].color)
        label.set_fontweight("bold")


def _group_legend(
    fig: Figure,
    groups: Sequence[str],
    styles: dict[str, GroupStyle],
    labels: Sequence[str] | None = None,
    markers: bool = True,
) -> int:
    """A figure-level legend of the groups at the bottom; returns its number of rows."""
    handles = [
        Line2D(
            [],
            [],
            color=styles[g].color,
            linestyle=styles[g].linestyle,
            marker=styles[g].marker if markers else None,
            lw=2.4,
        )
        for g in groups
    ]
    labels = list(labels) if labels is not None else list(groups)
    ncol = min(len(groups), 5 if max(len(x) for x in labels) < 22 else 3)
    fig.legend(handles, labels, loc="lower center", ncol=ncol, bbox_to_anchor=(0.5, 0.0), frameon=False)
    return math.ceil(len(groups) / ncol)


def _spread(ax: Axes, ys: Sequence[float], gap_px: float = 13.0) -> list[float]:
    """Label heights (data units) near ``ys`` but at least ``gap_px`` apart on screen."""
    to_px = ax.transData.transform
    px = np.array([to_px((0.0, y))[1] for y in ys])
    order = np.argsort(px)
    placed = px.copy()
    for k in range(1, len(order)):
        prev, cur = order[k - 1], order[k]
        placed[cur] = max(placed[cur], placed[prev] + gap_px)
    shift = (placed - px).mean() if len(px) else 0.0
    placed -= min(shift, np.max(placed - px)) / 2 if len(px) else 0.0
    inv = ax.transData.inverted().transform
    return [float(inv((0.0, p))[1]) for p in placed]


def _place_bottom_legend(fig: Figure, note: str) -> None:
    """Move a figure legend just above the footnote once the layout is known."""
    h = fig.get_size_inches()[1]
    for legend in fig.legends:
        legend.set_bbox_to_anchor((0.5, (0.34 if note else 0.06) / h), transform=fig.transFigure)


def save(fig: Figure, stem: str | Path) -> tuple[Path, Path]:
    """Write ``stem.png`` (200 dpi) and ``stem.svg``; return both paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    # appended, not with_suffix: a stem with a dot ("acme_v1.0") keeps its whole name
    png, svg = stem.with_name(f"{stem.name}.png"), stem.with_name(f"{stem.name}.svg")
    title = next((t.get_text() for t in fig.texts), stem.name)
    with style.theme():  # svg.fonttype "none": the SVG keeps its text as editable text
        fig.savefig(png, dpi=PNG_DPI, metadata={"Software": None, "Title": title})
        fig.savefig(svg, metadata={"Creator": None, "Title": title, "Date": None})
    log.debug("wrote %s and %s", png, svg)
    return png, svg


# -- 1. headline measures by group -----------------------------------------------------------
@themed
def outcomes(
    runs: pd.DataFrame,
    measures: Sequence[str] = HEADLINE,
    title: str | None = None,
    note: str | None = None,
    settings: Sequence[str] = (),
) -> Figure:
    """Bars of the mean per group with 95% CI whiskers, every run as a dot; one panel per measure.

    With ``settings`` (a sweep's factor columns other than the grouping) a bar is the mean over
    the settings, each weighing the same, its whisker the 95% CI from within-setting noise only,
    and a dot is one setting's mean: the groups are compared on the same companies, and the
    spread between companies is shown, not mistaken for noise.
    """
    groups, styles = groups_of(runs), styles_of(runs)
    settings = [f for f in settings if f in runs]
    fig = new_figure(height=max(4.6, 2.6 + 0.62 * len(groups)))
    axes = fig.subplots(1, len(measures), squeeze=False, sharey=True)[0]
    rng = np.random.default_rng(0)
    for ax, measure in zip(axes, measures, strict=True):
        st = group_stats(runs, measure, settings)
        unit = measure_unit(measure)
        right = left = 0.0  # a measure that can be negative (customer value) extends the axis left
        for i, g in enumerate(groups):
            s = styles[g]
            mean, low, high = st.loc[g, ["mean", "low", "high"]]
            ax.barh(i, mean, height=0.64, color=_pale(s.color, 0.6), edgecolor=s.color, lw=1.2, hatch=s.hatch)
            part = runs.loc[runs["group"] == g]
            if settings:  # one dot per setting (its mean): runs of one company are not independent dots
                part = part.groupby(settings, sort=False)[measure].mean().to_frame()
            vals = part[measure].dropna().to_numpy(dtype=float)
            jitter = rng.uniform(-0.17, 0.17, vals.size)
            ax.scatter(vals, i + jitter, s=13, color=s.color, alpha=0.7, lw=0, zorder=3)
            if not math.isnan(low):
                ax.errorbar(
                    mean, i, xerr=[[mean - low], [high - mean]], color=INK, lw=1.6, capsize=5, zorder=4
                )
            extent = [v for v in (mean, low, high) if not math.isnan(v)]
            if vals.size:
                extent += [float(vals.min()), float(vals.max())]
            if not extent:  # no run of this group gave the measure a value (e.g. no leads to leak)
                style.end_label(ax, "no value", (0.0, i), fontsize=10.5)
                continue
            end = max(extent)
            right = max(right, end)
            left = min(left, min(extent))
            style.end_label(ax, compact_number(mean, unit), (end, i), fontsize=10.5)
        ax.set_yticks(range(len(groups)), groups)
        _group_ticklabels(ax, groups, styles, axis="y")
        ax.set_title(measure_name(measure), pad=20)
        better = "lower is better" if measure in LOWER_IS_BETTER else "higher is better"
        ax.text(0.0, 1.015, better, transform=ax.transAxes, ha="left", va="bottom", fontsize=9.5, color=MUTED)
        ax.set_xlabel(measure_label(measure))
        ax.xaxis.set_major_formatter(measure_formatter(measure))
        span = (right - left) or 1.0
        ax.set_xlim(left - 0.05 * span if left < 0 else 0, right + 0.22 * span if right > 0 else 1)
        if left < 0:
            ax.axvline(0, color=MUTED, lw=0.8)
        ax.grid(axis="y", visible=False)
    axes[0].invert_yaxis()
    n = int(runs.groupby("group").size().max())
    whisker, dots = (f"its {WITHIN_CI}", "each setting's mean") if settings else (CI_NOTE, "single runs")
    subtitle = f"Bar: {_mean_text(runs, settings, n)} · whisker: {whisker} · dots: {dots}"
    title = title or findings.outcomes(runs, measures, settings)
    return finish(fig, title, subtitle, note if note is not None else _default_note(runs))


# -- 2. stacked breakdowns --------------------------------------------------------------------
def _stacked(
    ax: Axes,
    runs: pd.DataFrame,
    prefix: str,
    keys: Sequence[str],
    colors: dict[str, str],
    measure_unit_: str,
    per: str | None = None,
) -> None:
    groups, styles = groups_of(runs), styles_of(runs)
    means = {}
    for g in groups:
        part = runs[runs["group"] == g]
        cols = part[[prefix + k for k in keys]].astype(float)
        if per is not None:
            cols = cols.div(part[per].astype(float).where(part[per] > 0), axis=0)
        means[g] = cols.mean()
    table = pd.DataFrame(means).T  # group x part
    table.columns = list(keys)
    totals = table.sum(axis=1)
    span = float(totals.max()) if len(totals) and totals.max() > 0 else 1.0
    for i, g in enumerate(groups):
        left = 0.0
        for k in keys:
            v = float(table.loc[g, k])
            if v <= 0:
                continue
            ax.barh(i, v, left=left, height=0.62, color=colors[k], edgecolor="white", lw=0.8)
            if v / span >= 0.1:
                ax.text(
                    left + v / 2,
                    i,
                    _segment_text(v, measure_unit_),
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    color=_text_on(colors[k]),
                )
            left += v
        ax.text(
            left + span * 0.01,
            i,
            compact_number(float(totals[g]), measure_unit_),
            va="center",
            ha="left",
            fontsize=10,
            fontweight="bold",
            color=INK,
        )
    ax.set_yticks(range(len(groups)), groups)
    _group_ticklabels(ax, groups, styles, axis="y")
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.set_xlim(0, span * 1.15)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(style.unit_formatter(measure_unit_))


def _segment_text(value: float, unit: str) -> str:
    """A short label inside a bar segment: 3 significant digits at most (254k, 1.2M, 5.0%)."""
    if unit == "currency" and abs(value) >= 1e3:
        size, suffix = (1e6, "M") if abs(value) >= 1e6 else (1e3, "k")
        return money(f"{value / size:.3g}{suffix}")
    return compact_number(value, unit)


@dataclass(frozen=True)
class _Parts:
    """A stacked breakdown's parts (leak causes or friction sources) and how they are drawn."""

    kind: Literal["cause", "source"]
    drawn: list[str]
    """Parts with a non-zero value somewhere (stacked and in the legend)."""
    absent: list[str]
    """Parts that are zero everywhere (named in the subtitle)."""
    colors: dict[str, str]
    """Every part's colour, drawn or not, so a part keeps its colour across charts."""

    def name(self, key: str) -> str:
        """The part's name from the measure schema, e.g. ``Reached too late``."""
        return style.cause_name(key) if self.kind == "cause" else style.source_name(key)


def _parts(runs: pd.DataFrame, prefix: str, kind: Literal["cause", "source"]) -> _Parts:
    keys = parts(runs, prefix)
    drawn = [k for k in keys if runs[prefix + k].astype(float).abs().sum() > 0]
    absent = [k for k in keys if k not in drawn]
    return _Parts(kind, drawn, absent, style.part_colors(keys, kind))


def row_major[T](items: Sequence[T], ncol: int) -> list[T]:
    """``items`` reordered so a legend of ``ncol`` columns reads in their order, row by row.

    Matplotlib fills a legend column by column (the first ``len % ncol`` columns one row longer):
    five causes in four columns would read 1, 3, 4, 5 / 2.
    """
    rows, long_cols = divmod(len(items), ncol)
    heights = [rows + 1] * long_cols + [rows] * (ncol - long_cols)
    return [items[r * ncol + c] for c in range(ncol) for r in range(heights[c])]


def _finish_breakdown(
    fig: Figure, runs: pd.DataFrame, p: _Parts, title: str, subtitle: str, absent_words: str, note: str | None
) -> Figure:
    """The parts' legend, the absent parts named after ``absent_words`` in the subtitle, the footnote."""
    handles = [Patch(facecolor=p.colors[k], label=p.name(k)) for k in p.drawn]
    ncol = min(len(p.drawn), 4) or 1
    fig.legend(handles=row_major(handles, ncol), loc="lower center", ncol=ncol, frameon=False)
    if p.absent:
        subtitle += f" · {absent_words}: " + ", ".join(in_sentence(p.name(k)) for k in p.absent)
    note = note if note is not None else _default_note(runs)
    finish(fig, title, subtitle, note, legend_rows=math.ceil(len(p.drawn) / ncol))
    _place_bottom_legend(fig, note)
    return fig


@themed
def leakage_by_cause(
    runs: pd.DataFrame,
    title: str | None = None,
    note: str | None = None,
    settings: Sequence[str] = (),
) -> Figure:
    """Leakage per group stacked by cause: the tables' leakage rate and the expected revenue lost.

    The left panel divides by the leads with real buying intent, as ``leakage_rate`` does in
    every table, so a bar's length is the table's leakage rate and its segments its causes.
    """
    p = _parts(runs, "leaked.", "cause")
    fig = new_figure(height=max(4.6, 2.8 + 0.55 * runs["group"].nunique()))
    left, right = fig.subplots(1, 2, sharey=True)
    _stacked(left, with_intent_shares(runs, p.drawn), "_share.", p.drawn, p.colors, "share")
    left.set_title("Leakage rate, by cause")
    left.set_xlabel("Leaked leads (% of leads with buying intent, mean per run)")
    rev_keys = [k for k in p.drawn if f"leaked_revenue.{k}" in runs]
    _stacked(right, runs, "leaked_revenue.", rev_keys, p.colors, "currency")
    right.set_title("Expected revenue leaked")
    right.set_xlabel(f"Expected revenue leaked ({schema.UNIT_WORDS["currency"]}, mean per run)")
    subtitle = (
        "Leaked: leads in market and fitting, lost to the process rather than to the buyer's choice"
        " · left: leakage rate = leaked / leads with intent, as in the tables"
    )
    title = title or findings.leakage(runs, p.drawn, settings)
    return _finish_breakdown(fig, runs, p, title, subtitle, "no leaks", note)


def with_intent_shares(runs: pd.DataFrame, causes: Sequence[str]) -> pd.DataFrame:
    """``runs`` plus ``_share.<cause>``: leaked leads of each cause / leads with intent, per run.

    The shares of a run add up to its ``leakage_rate`` (leaked / leads with intent).
    """
    cols = [f"leaked.{c}" for c in causes]
    leaked = runs[cols].astype(float).sum(axis=1) if cols else pd.Series(0.0, index=runs.index)
    scale = (runs["leakage_rate"].astype(float) / leaked.where(leaked > 0)).fillna(0.0)
    return runs.assign(**{f"_share.{c}": runs[f"leaked.{c}"].astype(float) * scale for c in causes})


@themed
def friction_by_source(
    runs: pd.DataFrame,
    title: str | None = None,
    note: str | None = None,
    settings: Sequence[str] = (),
) -> Figure:
    """The friction index per group stacked by the source of the tension."""
    p = _parts(runs, "friction_by_source.", "source")
    fig = new_figure(height=max(4.4, 2.6 + 0.55 * runs["group"].nunique()))
    ax = fig.subplots()
    _stacked(ax, runs, "friction_by_source.", p.drawn, p.colors, "0-100")
    ax.set_xlabel("Friction index points (0-100, mean per run)")
    subtitle = (
        "Friction index = mean daily tension between marketing and sales, split by the events that raised it"
    )
    title = title or findings.friction(runs, p.drawn, settings)
    return _finish_breakdown(fig, runs, p, title, subtitle, "none from", note)


# -- 3. funnel --------------------------------------------------------------------------------
@themed
def funnel(
    runs: pd.DataFrame,
    title: str | None = None,
    note: str | None = None,
    settings: Sequence[str] = (),
) -> Figure:
    """Leads reaching each stage (log scale) and the conversion of each step, per group.

    The legend gives each group's overall conversion, inquiry to won. With ``settings`` (a
    sweep's factor columns) means weigh each setting the same and CIs hold within-setting noise.
    """
    settings = [f for f in settings if f in runs and runs[f].nunique() > 1]
    groups, styles = groups_of(runs), styles_of(runs)
    stages = funnel_stages(runs)
    names = [style.stage_name(s) for s in stages]
    fig = new_figure(height=6.2)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
    ends = []
    # one group_stats per stage for every group (each group's cells are its own runs)
    stage_means = [group_stats(runs, f"funnel.{st}", settings)["mean"] for st in stages]
    for g in groups:
        s = styles[g]
        part = runs[runs["group"] == g]
        means = np.array([m.loc[g] for m in stage_means], dtype=float)
        shown = np.where(means > 0, means, np.nan)
        left.plot(range(len(stages)), shown, color=s.color, marker=s.marker, ls=s.linestyle, lw=2.2, ms=6)
        total = float(part["won_deals"].mean()) if stages[-1] == "won" and "won_deals" in part else math.nan
        ends.append((g, means[-1], shown[-1], total))
    left.set_yscale("log")
    left.yaxis.set_major_formatter(style.unit_formatter("leads"))
    left.set_xticks(range(len(stages)), names)
    left.set_xlim(-0.3, len(stages) - 0.3)
    left.set_title("Leads reaching each stage")
    left.set_ylabel("Leads per run (mean, log scale)")
    left.grid(axis="x", visible=False)
    visible = [(g, m, y, t) for g, m, y, t in ends if not math.isnan(y)]
    end_labels = [
        compact_number(m) + (f" of {compact_number(t)}" if not math.isnan(t) else "")
        for _, m, _, t in visible
    ]
    of_all = next((text for text in end_labels if " of " in text), "")
    for (g, _, _, _), y, text in zip(
        visible, _spread(left, [y for _, _, y, _ in visible]), end_labels, strict=True
    ):
        left.annotate(
            text,
            (len(stages) - 1, y),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=_dark(styles[g].color, 0.15),
            fontweight="bold",
        )

    conv = step_conversion(runs, stages, settings)
    steps = list(pd.unique(conv["step"]))[:-1]  # the last is overall, in the legend
    overall = conv[conv["step"] == f"{stages[-1]}/{stages[0]}"].set_index("group")["mean"]
    width = 0.8 / len(groups)
    for j, g in enumerate(groups):
        s = styles[g]
        part = conv[conv["group"] == g].set_index("step").loc[steps]
        xs = np.arange(len(steps)) + (j - (len(groups) - 1) / 2) * width
        right.bar(
            xs, part["mean"], width=width * 0.92, color=s.color, hatch=s.hatch, edgecolor="white", lw=0.5
        )
        err = np.vstack([part["mean"] - part["low"], part["high"] - part["mean"]])
        ok = ~np.isnan(err).any(axis=0)
        right.errorbar(xs[ok], part["mean"][ok], yerr=err[:, ok], fmt="none", ecolor=INK, lw=1, capsize=2.5)
        if len(groups) <= 4:
            # side by side, three or more labels of one step collide ("47%47%47%"): stand them upright
            upright = len(groups) >= 3
            for x, m, hi in zip(xs, part["mean"], part["high"], strict=True):
                if not math.isnan(m):
                    y = hi if not math.isnan(hi) else m
                    right.text(x, y + 0.015, f"{100 * m:.0f}%", ha="center", va="bottom", fontsize=8,
                               color=INK, rotation=90 if upright else 0)  # fmt: skip
    labels = []
    for step in steps:
        after, before = step.split("/")
        labels.append(f"{style.stage_name(before)}\n→ {style.stage_name(after)}")
    right.set_xticks(range(len(steps)), labels, fontsize=9.5)
    right.yaxis.set_major_formatter(style.unit_formatter("share"))
    top = np.nanmax(conv["high"].fillna(conv["mean"]).to_numpy(dtype=float)) if len(conv) else 1
    right.set_ylim(0, min(1.16, top * 1.18 + 0.08))  # room for the labels above the whiskers
    right.set_title("Conversion of each step")
    right.set_ylabel("Conversion (% of leads at the earlier stage)")
    right.grid(axis="x", visible=False)
    won = in_sentence(style.stage_name(stages[-1]))
    legend = [f"{g}: {100 * overall[g]:.2f}% of inquiries {won}" for g in groups]
    rows = _group_legend(fig, groups, styles, labels=legend)
    title = title or findings.funnel(runs, stages, settings)
    subtitle = (
        "Marketing-sourced leads only"
        + (
            f" (at Won, '{of_all}': marketing-sourced of all deals won per run; the table's deals won "
            "counts sales-sourced leads too)"
            if of_all
            else " (deals won counts sales-sourced leads too)"
        )
        + " · left: leads that ever reached a stage · right: conversion per step, mean with 95% CI whiskers"
    )
    if settings:
        subtitle += " · means over the sweep's settings, each the same weight; CIs from noise within settings"
    note = note if note is not None else _default_note(runs)
    finish(fig, title, subtitle, note, legend_rows=rows)
    _place_bottom_legend(fig, note)
    return fig


# -- 4. per-day series ------------------------------------------------------------------------
@themed
def series_bands(
    series: pd.DataFrame,
    variables: Sequence[str] = SERIES_VARS,
    title: str | None = None,
    note: str | None = None,
    settings: Sequence[str] = (),
) -> Figure:
    """One panel per series variable: mean over runs per day with a 95% CI band, per group.

    With ``settings`` (factor columns in ``series``) the mean weighs each setting the same and
    the band holds within-setting noise only.
    """
    settings = [f for f in settings if f in series and series[f].nunique() > 1]
    groups = list(pd.unique(series["group"]))
    first = series.drop_duplicates("group").set_index("group")["structure"]
    styles = style.group_styles(groups, [str(first[g]) for g in groups])
    fig = new_figure(height=5.4)
    axes = fig.subplots(1, len(variables), squeeze=False)[0]
    for ax, var in zip(axes, variables, strict=True):
        spec = schema.SERIES_MEASURES.get(var) or schema.get(var)
        name, unit = spec.label, ("0-100" if var == "tension" else spec.unit)
        band = series_band(series, var, settings)
        for g in groups:
            s = styles[g]
            b = band[band["group"] == g]
            ax.fill_between(b["day"], b["low"], b["high"], color=s.color, alpha=0.18, lw=0)
            ax.plot(b["day"], b["mean"], color=s.color, ls=s.linestyle, lw=2)
        ax.set_title(name)
        ax.set_xlabel("Business day")
        unit_word = style.UNIT_WORDS.get(unit, unit)
        ax.set_ylabel(f"{name} ({unit_word})" if unit_word else name)
        ax.yaxis.set_major_formatter(style.unit_formatter(unit))
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
    rows = _group_legend(fig, groups, styles, markers=False)
    n = int(series.groupby("group")["run"].nunique().max())
    band = f"shaded band: its {WITHIN_CI}" if settings else BAND_NOTE
    subtitle = f"Day by day · line: {_mean_text(series, settings, n)} · {band}"
    title = title or findings.series(series, variables, settings)
    note = note if note is not None else f"orgsim · {n} runs per group · {band}"
    finish(fig, title, subtitle, note, legend_rows=rows)
    _place_bottom_legend(fig, note)
    return fig


# -- 5. tradeoff ------------------------------------------------------------------------------
MAX_TRADEOFF_PANELS = 9
"""Settings drawn as one tradeoff panel each; above this, one panel of the settings' means."""


def setting_label(setting: dict[str, Any], sep: str = "\n") -> str:
    """``Sales headcount = 4`` and ``Marketing budget = 1.5M`` on one line each: a panel title."""
    return sep.join(f"{factor_name(k)} = {_level_text(v)}" for k, v in setting.items())


def _tradeoff_axes(
    ax: Axes,
    runs: pd.DataFrame,
    x: str,
    y: str,
    groups: Sequence[str],
    styles: dict[str, GroupStyle],
    settings: Sequence[str] = (),
    dots: str = "runs",
    small: bool = False,
) -> None:
    """One tradeoff panel: dots, group means with 95% CIs and (dots of runs) their Pareto front.

    ``dots`` is ``runs`` (one setting's runs) or ``settings`` (each setting's group means).
    """
    data = runs[[x, y, "group", *settings]].dropna(subset=[x, y])
    if dots == "settings":
        data = data.groupby(["group", *settings], sort=False)[[x, y]].mean().reset_index()
    for g in groups:
        s = styles[g]
        part = data[data["group"] == g]
        ax.scatter(part[x], part[y], s=14 if small else 22, color=s.color, marker=s.marker, alpha=0.55, lw=0,
                   label=g)  # fmt: skip
    xs, ys = data[x].to_numpy(dtype=float), data[y].to_numpy(dtype=float)
    if dots == "runs":
        front = pareto_front(xs, ys) if len(data) else np.array([], dtype=int)
        if front.size:
            fx, fy = xs[front], ys[front]
            lw = 1.2 if small else 1.4
            ax.plot(fx, fy, drawstyle="steps-post", color=INK, lw=lw, ls=(0, (4, 2)), zorder=4)
            ax.scatter(fx, fy, s=40 if small else 70, facecolor="none", edgecolor=INK, lw=1.2, zorder=5)
    sx, sy = group_stats(runs, x, settings), group_stats(runs, y, settings)
    for g in groups:
        if g not in sx.index or math.isnan(sx.loc[g, "mean"]):
            continue
        s = styles[g]
        mx, my = sx.loc[g, "mean"], sy.loc[g, "mean"]
        xerr = None if math.isnan(sx.loc[g, "low"]) else [[mx - sx.loc[g, "low"]], [sx.loc[g, "high"] - mx]]
        yerr = None if math.isnan(sy.loc[g, "low"]) else [[my - sy.loc[g, "low"]], [sy.loc[g, "high"] - my]]
        dark = _dark(s.color)
        size = (8, 1.6, 3) if small else (12, 2, 4)
        ax.errorbar(mx, my, xerr=xerr, yerr=yerr, fmt=s.marker, ms=size[0], color=s.color, mec="white",
                    mew=1.5, ecolor=dark, elinewidth=size[1], capsize=size[2], zorder=6)  # fmt: skip
        if small:
            continue
        lo, hi = (np.nanmin(xs), np.nanmax(xs)) if len(xs) else (0.0, 0.0)
        right_side = hi > lo and (mx - lo) / (hi - lo) > 0.7  # label towards the inside of the plot
        ax.annotate(g, (mx, my), xytext=(-10 if right_side else 10, 8), textcoords="offset points",
                    ha="right" if right_side else "left", fontsize=10.5, fontweight="bold", color=dark,
                    zorder=7)  # fmt: skip
    ax.xaxis.set_major_formatter(measure_formatter(x))
    ax.yaxis.set_major_formatter(measure_formatter(y))


def _floor_at_zero(ax: Axes, runs: pd.DataFrame, x: str, y: str) -> None:
    """Start an axis at zero when its measure is never negative (a wider CI is cut at the edge).

    Call once all (shared) panels are drawn: it fixes the limits autoscaling found for all.
    """
    ax.autoscale_view()
    if (runs[x].dropna() >= 0).all():
        ax.set_xlim(left=0)
    if (runs[y].dropna() >= 0).all():
        ax.set_ylim(bottom=0)


@themed
def tradeoff(
    runs: pd.DataFrame,
    x: str = "friction_index",
    y: str = "revenue",
    title: str | None = None,
    note: str | None = None,
    settings: Sequence[str] = (),
) -> Figure:
    """Every run as a dot, each group's mean with 95% CIs, and the Pareto front of the runs.

    With ``settings`` (a sweep's factor columns other than the grouping) runs of different
    settings (different companies) are never put on one front: up to
    :data:`MAX_TRADEOFF_PANELS` settings get one panel each (its runs, means and front); more
    settings get one panel of each setting's group means, with the design-average means and
    their within-setting 95% CIs, and no front.
    """
    groups, styles = groups_of(runs), styles_of(runs)
    settings = [f for f in settings if f in runs and runs[f].nunique() > 1]
    keyed = list(runs.groupby(settings, sort=True)) if settings else []
    panels = len(keyed) if settings and len(keyed) <= MAX_TRADEOFF_PANELS else 0
    better_x = "less" if x in LOWER_IS_BETTER else "more"
    better_y = "more" if y not in LOWER_IS_BETTER else "less"
    handles = [
        Line2D([], [], color=styles[g].color, marker=styles[g].marker, ls="none", ms=7, label=g)
        for g in groups
    ]
    handles.append(
        Line2D([], [], color="#777777", marker="o", ms=11, mec="white", ls="-", lw=2, label="mean ± 95% CI")
    )
    if panels:
        ncol = min(panels, 3 if panels in (3, 5, 6, 9) else 4)
        nrow = math.ceil(panels / ncol)
        fig = new_figure(height=1.9 + (2.9 + 0.2 * len(settings)) * nrow)
        axes = fig.subplots(nrow, ncol, squeeze=False, sharex=True, sharey=True).ravel()
        for ax, (key, cell) in zip(axes, keyed, strict=False):
            values = key if isinstance(key, tuple) else (key,)
            _tradeoff_axes(ax, cell, x, y, groups, styles, small=True)
            label = setting_label(dict(zip(settings, values, strict=True)))
            ax.set_title(label, fontsize=9.5, linespacing=1.25)
        for ax in axes[panels:]:
            ax.set_visible(False)
        _floor_at_zero(axes[0], runs, x, y)
        for ax in axes[(nrow - 1) * ncol :]:
            ax.set_xlabel(measure_label(x))
        for ax in axes[::ncol]:
            ax.set_ylabel(measure_label(y))
        handles.append(
            Line2D([], [], color=INK, ls=(0, (4, 2)), marker="o", mfc="none", ms=8, label="Pareto front")
        )
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
        subtitle = (
            f"One panel per setting ({panels}): dots are its runs, large marks the structures' means with "
            f"95% CIs, dashed its Pareto front (runs no other run of that setting beats on both) · better: "
            f"top left ({better_y} {in_sentence(measure_name(y))}, {better_x} {in_sentence(measure_name(x))})"
        )
        title = title or findings.tradeoff_by_setting(runs, x, y, settings)
        note = note if note is not None else _default_note(runs)
        finish(fig, title, subtitle, note, legend_rows=1)
        _place_bottom_legend(fig, note)
        return fig
    fig = new_figure(height=6.4)
    ax = fig.subplots()
    dots = "settings" if settings else "runs"
    _tradeoff_axes(ax, runs, x, y, groups, styles, settings=settings, dots=dots)
    _floor_at_zero(ax, runs, x, y)
    ax.set_xlabel(measure_label(x))
    ax.set_ylabel(measure_label(y))
    if dots == "runs":
        handles.append(
            Line2D([], [], color=INK, ls=(0, (4, 2)), marker="o", mfc="none", ms=8, label="Pareto front")
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    front_text = "\nPareto front: runs that\nno other run beats on both." if dots == "runs" else ""
    ax.text(
        1.02,
        0.0,
        f"Better: towards the top left\n({better_y} {in_sentence(measure_name(y))},\n"
        f"{better_x} {in_sentence(measure_name(x))})." + front_text,
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=9.5,
        color=MUTED,
        linespacing=1.4,
    )
    if dots == "settings":
        subtitle = (
            f"Dots: each setting's mean ({len(keyed)} settings) · large marks: means over the settings, each "
            "the same weight, with 95% CIs from the noise within settings · no Pareto front across settings "
            "(they are different companies)"
        )
    else:
        subtitle = "Dots: individual runs · large marks: group means with 95% CIs · dashed: the Pareto front"
    title = title or (
        findings.tradeoff_by_setting(runs, x, y, settings) if settings else findings.tradeoff(runs, x, y)
    )
    return finish(fig, title, subtitle, note if note is not None else _default_note(runs))


# -- 6. two-factor map ------------------------------------------------------------------------
def _level_text(value: object) -> str:
    """A factor level as a tick label: 0.5, 24, 250k, 1.5M."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return f"{float(value):g}" if abs(value) < 1e4 else style.unit_formatter("")(float(value))
    return str(value)


@themed
def winner_map(
    runs: pd.DataFrame,
    fx: str,
    fy: str,
    measure: str = "revenue",
    title: str | None = None,
    note: str | None = None,
    pair_on: str | None = None,
    settings: Sequence[str] = (),
    panel_by: str | None = None,
) -> Figure:
    """Which group wins on ``measure`` in each cell of two factors; pale where it is a toss-up.

    With ``settings`` (every factor of the sweep but the grouping) each cell's margin is paired
    within settings (:func:`~orgsim.experiment.summaries.winners`). ``panel_by`` (a third
    factor) draws one map per level of it, so no cell averages over that factor; any further
    factor is averaged within settings, and the subtitle says so.
    """
    groups, styles = groups_of(runs), styles_of(runs)
    panels: list[Any] = [None] if panel_by is None else sorted(pd.unique(runs[panel_by]))
    cells = winner_panels(runs, fx, fy, measure, pair_on=pair_on, settings=settings, panel_by=panel_by)
    xs, ys = sorted(pd.unique(cells["x"])), sorted(pd.unique(cells["y"]))
    ncol = min(len(panels), 3)
    nrow = math.ceil(len(panels) / ncol)
    width = max(8.5, 3.2 + 1.35 * len(xs) * ncol)
    fig = new_figure(width=min(width, 15.0), height=max(5.4, 2.6 + (0.8 * len(ys) + 0.9) * nrow))
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    unit = measure_unit(measure)
    fontsize = 9 if len(xs) * ncol <= 6 else 7.5
    for ax, panel in zip(axes, panels, strict=False):
        for row in cells[cells["panel"].isna() if panel is None else cells["panel"] == panel].itertuples():
            i, j = xs.index(row.x), ys.index(row.y)
            color = styles[row.winner].color
            face = color if row.clear else _pale(color, 0.62)
            ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor=face, edgecolor="white", lw=2,
                                   hatch=None if row.clear else "//"))  # fmt: skip
            text = f"{row.winner}\n{compact_number(row.mean, unit)}"
            if row.runner_up is not None and not math.isnan(row.margin):
                margin = (
                    compact_number(abs(row.margin), unit)
                    if unit != "share"
                    else f"{100 * abs(row.margin):.1f} pts"
                )
                sign = "−" if measure in LOWER_IS_BETTER else "+"
                text += f"\n{sign}{margin} vs {row.runner_up}"
            ax.text(i, j, text, ha="center", va="center", fontsize=fontsize, color=_text_on(face),
                    linespacing=1.3)  # fmt: skip
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylim(-0.5, len(ys) - 0.5)
        ax.set_xticks(range(len(xs)), [_level_text(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_level_text(v) for v in ys])
        ax.set_xlabel(factor_label(fx))
        ax.set_ylabel(factor_label(fy))
        if panel_by is not None:
            ax.set_title(f"{factor_name(panel_by)} = {_level_text(panel)}", fontsize=11)
        ax.grid(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    present = [g for g in groups if g in set(cells["winner"])]
    handles = [Patch(facecolor=styles[g].color, label=f"{g} wins") for g in groups if g in present]
    handles.append(
        Patch(facecolor=_pale("#888888", 0.62), hatch="//", label="best, but not clearly (95% CI)")
    )
    if panel_by is None:
        axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        rows = 0
    else:
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
        rows = 1
    direction = "lowest" if measure in LOWER_IS_BETTER else "highest"
    title = title or findings.winner_map(cells, measure)
    subtitle = (
        f"Each cell: the structure with the {direction} mean, its mean, and its margin over the runner-up · "
        "pale hatched: margin's 95% CI includes zero"
    )
    if settings:
        subtitle += " · margins paired by seed within each setting"
    averaged = [f for f in settings if f in runs and f not in (fx, fy, panel_by) and runs[f].nunique() > 1]
    if averaged:
        names = findings.and_list([in_sentence(factor_name(f)) for f in averaged])
        subtitle += f" · each cell averages its settings of {names}, each the same weight"
    note = note if note is not None else _default_note(runs)
    finish(fig, title, subtitle, note, legend_rows=rows)
    if rows:
        _place_bottom_legend(fig, note)
    return fig


# -- 7. one-factor response -------------------------------------------------------------------
@themed
def metric_vs_factor(
    runs: pd.DataFrame,
    factor: str,
    measures: Sequence[str] = HEADLINE,
    title: str | None = None,
    note: str | None = None,
    panel_by: str | None = None,
    settings: Sequence[str] = (),
) -> Figure:
    """Mean of each measure against one factor, per group, with a 95% CI band and the runs as dots.

    ``panel_by`` (another factor) draws one row of panels per level of it (small multiples), so
    no band pools runs of different settings. ``settings`` (a sweep's factor columns) names the
    factors that make a setting: those other than ``factor`` and ``panel_by`` are averaged with
    each setting the same weight, the band holds within-setting noise only, and the dots are
    each setting's mean.
    """
    groups, styles = groups_of(runs), styles_of(runs)
    rest = [f for f in settings if f in runs and f not in (factor, panel_by) and runs[f].nunique() > 1]
    numeric = pd.api.types.is_numeric_dtype(runs[factor])
    panels: list[Any] = [None] if panel_by is None else sorted(pd.unique(runs[panel_by]))
    fig = new_figure(height=5.4 if panel_by is None else 2.4 + 3.0 * len(panels))
    grid = fig.subplots(len(panels), len(measures), squeeze=False)
    all_runs = runs
    for row_axes, panel in zip(grid, panels, strict=True):
        runs = all_runs if panel is None else all_runs[all_runs[panel_by] == panel]
        _response_row(
            runs, all_runs, factor, measures, row_axes, groups, styles, numeric, panel_by, panel, rest
        )
    runs = all_runs
    rows = _group_legend(fig, groups, styles)
    if title is None:  # the finding over every panel: say which factor it averages over
        title = findings.response(runs, factor, measures[0], [*rest, *([panel_by] if panel_by else [])])
        if panel_by is not None:
            title += f" (averaged over {in_sentence(factor_name(panel_by))})"
    binned_note = " (binned)" if runs[factor].nunique() > 12 else ""
    if rest:
        names = findings.and_list([in_sentence(factor_name(f)) for f in rest])
        subtitle = (
            f"{'Line' if numeric else 'Marker'}: mean at each level{binned_note} over the settings of "
            f"{names}, each the same weight · {'band' if numeric else 'whisker'}: its {WITHIN_CI} · "
            "dots: each setting's mean"
        )
    elif numeric:
        subtitle = f"Line: mean at each level{binned_note} · {BAND_NOTE} · dots: individual runs"
    else:
        subtitle = "Marker: mean at each level · whisker: 95% confidence interval · dots: individual runs"
    if panel_by is not None:
        subtitle += f" · one row per {factor_name(panel_by).lower()}"
    note = note if note is not None else _default_note(runs)
    finish(fig, title, subtitle, note, legend_rows=rows)
    _place_bottom_legend(fig, note)
    return fig


def _response_row(
    runs: pd.DataFrame,
    all_runs: pd.DataFrame,
    factor: str,
    measures: Sequence[str],
    axes: Any,
    groups: list[str],
    styles: dict[str, GroupStyle],
    numeric: bool,
    panel_by: str | None,
    panel: Any,
    rest: Sequence[str] = (),
) -> None:
    """One row of :func:`metric_vs_factor`: each measure against ``factor`` for the runs given.

    ``rest`` are the factors averaged within settings (design means, within-setting CIs).
    """
    level = binned(runs[factor])
    rest = list(rest)
    values = all_runs[factor].to_numpy(dtype=float) if numeric else None
    logx = bool(
        numeric
        and values is not None
        and np.nanmin(values) > 0
        and np.nanmax(values) / np.nanmin(values) >= 20
    )
    cats = sorted(pd.unique(binned(all_runs[factor]))) if not numeric else None
    few_levels = numeric and all_runs[factor].nunique() <= 8
    for ax, measure in zip(axes, measures, strict=True):
        top = 0.0
        for j, g in enumerate(groups):
            s = styles[g]
            mask = runs["group"] == g
            part = runs.loc[mask].assign(_level=level[mask])
            rows = []
            for lv, cell in part.groupby("_level", sort=True):
                if rest:
                    st = design_stats(cell, measure, rest)
                    mean, low, high = (float(st[c].iloc[0]) for c in ("mean", "low", "high"))
                else:
                    mean, low, high = measure_ci(cell[measure].to_numpy(dtype=float), measure)
                rows.append((lv, mean, low, high))
            if not rows:
                continue
            if rest:  # one dot per setting: its mean at this level
                part = part.groupby([factor, "_level", *rest], sort=False)[measure].mean().reset_index()
            lv, mean, low, high = (np.array(c) for c in zip(*rows, strict=True))
            mean, low, high = mean.astype(float), low.astype(float), high.astype(float)
            if numeric:
                xpos = lv.astype(float)
                ax.scatter(part[factor].astype(float), part[measure], s=14, color=s.color, alpha=0.4, lw=0)
                ax.fill_between(xpos, low, high, color=s.color, alpha=0.2, lw=0)
                ax.plot(xpos, mean, color=s.color, ls=s.linestyle, marker=s.marker, ms=5, lw=2)
            else:  # categories: dodged points with whiskers, no line implying an order between them
                dodge = (j - (len(groups) - 1) / 2) * 0.14
                xpos = np.array([cats.index(v) for v in lv], dtype=float) + dodge
                raw_x = np.array([cats.index(v) for v in part[factor]], dtype=float) + dodge - 0.045
                ax.scatter(raw_x, part[measure], s=14, color=s.color, alpha=0.4, lw=0)
                err = np.vstack([mean - low, high - mean])
                ax.errorbar(xpos, mean, yerr=np.where(np.isnan(err), 0, err), fmt=s.marker, ms=7,
                            color=s.color, capsize=4, lw=1.8)  # fmt: skip
            top = max(top, float(np.nanmax(part[measure])), float(np.nanmax(mean)))
        if logx:
            ax.set_xscale("log")
        if few_levels:
            ticks = sorted(runs[factor].dropna().unique())
            ax.set_xticks(ticks, [_level_text(t) for t in ticks])
            ax.xaxis.set_minor_locator(NullLocator())
        elif numeric:
            ax.xaxis.set_major_formatter(style.unit_formatter(""))
        if cats is not None:
            ax.set_xticks(range(len(cats)), [str(c) for c in cats])
            ax.set_xlim(-0.5, len(cats) - 0.5)
            ax.grid(axis="x", visible=False)
        ax.set_title(
            measure_name(measure)
            if panel_by is None
            else f"{measure_name(measure)}\n{factor_name(panel_by)} = {_level_text(panel)}",
            fontsize=None if panel_by is None else 11,
        )
        ax.set_xlabel(factor_label(factor))
        ax.set_ylabel(measure_label(measure))
        ax.yaxis.set_major_formatter(measure_formatter(measure))
        # the axis fits the runs; a band wider than that is cut at the edge (it is that uncertain)
        ax.set_ylim(0, top * 1.15 if top > 0 else 1)


# -- 8. sensitivity ---------------------------------------------------------------------------
@themed
def sensitivity(
    indices: pd.DataFrame,
    method: str,
    title: str | None = None,
    note: str = "",
    top: int = 12,
) -> Figure:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices with 95% CIs, one panel per measure.

    ``indices`` columns: ``measure``, ``factor`` and for Sobol ``S1``, ``S1_conf``, ``ST``,
    ``ST_conf`` (conf = CI half-width); for Morris ``mu_star``, ``mu_star_conf``, ``sigma``.
    """
    measures = list(pd.unique(indices["measure"]))
    n_factors = indices.groupby("measure").size().max()
    fig = new_figure(height=max(4.8, 2.4 + (0.5 if method == "sobol" else 0.36) * min(n_factors, top)))
    axes = fig.subplots(1, len(measures), squeeze=False)[0]
    dark, light = "#4D4D4D", "#B3B3B3"
    sobol = method == "sobol"
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]  # whiskers visible on dark bars

    def whisker(ax: Axes, x: pd.Series, y: np.ndarray, half: pd.Series) -> None:
        _, caps, bars = ax.errorbar(x, y, xerr=half, fmt="none", ecolor=INK, lw=1.2, capsize=3, zorder=5)
        for artist in (*caps, *bars):
            artist.set_path_effects(halo)

    for ax, measure in zip(axes, measures, strict=True):
        part = indices[indices["measure"] == measure]
        key = "ST" if sobol else "mu_star"
        part = part.sort_values(key, ascending=False).head(top).iloc[::-1]
        ys = np.arange(len(part), dtype=float)
        names = [factor_name(f) for f in part["factor"]]
        if sobol:
            ax.barh(ys + 0.2, part["ST"], height=0.38, color=light, label="total effect (ST)")
            whisker(ax, part["ST"], ys + 0.2, part["ST_conf"])
            ax.barh(ys - 0.2, part["S1"], height=0.38, color=dark, label="first-order (S1)")
            whisker(ax, part["S1"], ys - 0.2, part["S1_conf"])
            ax.set_xlabel("Share of variance")
            ax.axvline(0, color="#999999", lw=0.8)
            ax.set_xlim(min(-0.05, ax.get_xlim()[0]), max(1.0, ax.get_xlim()[1]))
        else:
            ax.barh(ys, part["mu_star"], height=0.6, color=light, label="μ* (mean |effect|)")
            whisker(ax, part["mu_star"], ys, part["mu_star_conf"])
            ax.scatter(part["sigma"], ys, marker="D", s=34, color=dark, edgecolor="white", lw=0.8, zorder=6,
                       label="σ (spread: interactions)")  # fmt: skip
            unit = style.UNIT_WORDS.get(measure_unit(measure), measure_unit(measure))
            ax.set_xlabel(f"Mean |effect| ({unit})" if unit else "Mean |effect|")
            ax.xaxis.set_major_formatter(measure_formatter(measure))
            ax.set_xlim(left=0)
        ax.set_yticks(ys, names)
        ax.set_title(measure_name(measure))
        ax.grid(axis="y", visible=False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="lower center", ncol=2, frameon=False)
    if sobol:
        title = title or findings.sensitivity(indices, method)
        subtitle = (
            "Bars: share of the result's variance due to each factor alone (S1) and with its "
            "interactions (ST) · whiskers: 95% CI (bootstrap)"
        )
    else:
        title = title or findings.sensitivity(indices, method)
        subtitle = (
            "Bar: mean absolute effect of moving the factor one step (μ*) with 95% CI · "
            "diamond: the spread of its effects (σ), large when it interacts with other factors"
        )
    finish(fig, title, subtitle, note, legend_rows=1)
    _place_bottom_legend(fig, note)
    return fig


__all__ = [
    "HEADLINE",
    "MAP_BINS",
    "SERIES_VARS",
    "Difference",
    "binned",
    "difference",
    "friction_by_source",
    "funnel",
    "funnel_stages",
    "group_stats",
    "groups_of",
    "leakage_by_cause",
    "margins_by_factor",
    "metric_vs_factor",
    "outcomes",
    "pareto_front",
    "parts",
    "ranked",
    "save",
    "sensitivity",
    "series_band",
    "series_bands",
    "step_conversion",
    "styles_of",
    "tradeoff",
    "winner_map",
    "winners",
]


# -- forest plot of the paired differences to the pick ----------------------------------------
def _difference_text(value: float, unit: str) -> str:
    """A paired difference as the tables write it: a share's in points (``-14.4 pts``), else short."""
    if unit == "share" and not math.isnan(value):
        return f"{100 * value:+.1f} pts"
    return compact_number(value, unit)


FOREST_COLUMNS = 4
"""Panels per row of the forest plot (one per decision measure); more wrap onto the next row."""


@themed
def forest(
    runs: pd.DataFrame,
    pick: str,
    measures: Sequence[str],
    title: str | None = None,
    note: str | None = None,
    settings: Sequence[str] = (),
    pair_on: str = "replicate",
) -> Figure:
    """Each challenger minus ``pick`` on every decision measure: the paired mean with its 95% CI.

    One panel per measure (its own unit), one row per challenger in its structure's colour; a
    filled dot is a clear difference (the CI excludes zero), a hollow one is not clear. With
    ``settings`` the difference is paired within each setting and averaged, each the same weight.
    """
    from orgsim.experiment.within import within_difference

    groups, styles = groups_of(runs), styles_of(runs)
    others = [g for g in groups if g != pick]
    shown = [m for m in measures if m in runs]
    ncols = min(FOREST_COLUMNS, max(1, len(shown)))  # a row of seven panels is too narrow to read
    nrows = max(1, math.ceil(len(shown) / ncols))
    fig = new_figure(height=nrows * max(2.9, 1.9 + 0.5 * len(others)) + 1.1)
    grid = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
    axes = list(grid.flat)
    for spare in axes[len(shown) :]:
        spare.remove()  # not drawn, and not among fig.axes
    settings = [f for f in settings if f in runs]
    n_clear = n_all = 0
    for ax, m in zip(axes, shown, strict=False):
        unit = measure_unit(m)
        for i, g in enumerate(others):
            d = within_difference(runs, m, a=pick, b=g, factors=settings, pair_on=pair_on).overall
            color = styles[g].color
            n_all += 1
            if not math.isnan(d.ci_low):
                ax.plot([d.ci_low, d.ci_high], [i, i], color=color, lw=2, solid_capstyle="butt")
            clear = d.clear
            n_clear += bool(clear)
            ax.plot([d.mean], [i], marker="o", ms=8, color=color, mfc=color if clear else "white", mew=2)
            ax.annotate(
                f"{_difference_text(d.mean, unit)} ({'clear' if clear else 'not clear'})",
                (d.mean, i),
                xytext=(0, 9),
                textcoords="offset points",
                ha="center",
                fontsize=8.5,
                color=INK,
            )
        ax.axvline(0, color=MUTED, lw=1, ls="--")
        direction = schema.better(m)
        better = {"higher": "challenger better →", "lower": "← challenger better"}
        ax.set_title(measure_name(m), fontsize=10.5)
        words = "points" if unit == "share" else schema.UNIT_WORDS.get(unit, unit)  # a difference of shares
        ax.set_xlabel(f"{words}\n{better.get(direction, 'no better direction')}", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, symmetric=False, prune=None))
        if unit == "share":
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{100 * x:+.0f}" if x else "0"))
        else:
            ax.xaxis.set_major_formatter(style.unit_formatter(unit))
        ax.margins(x=0.3)
    for row in grid:
        row[0].set_yticks(range(len(others)), others)
        _group_ticklabels(row[0], others, styles, axis="y")
    axes[0].set_ylim(len(others) - 0.5, -0.8)
    title = title or (
        f"{pick} against each other structure: {n_clear} of {n_all} differences clear, "
        f"{n_all - n_clear} not clear"
    )
    subtitle = (
        f"Paired differences (same seeds): each other structure minus {pick}; lines are 95% CIs; "
        "filled: clear (the CI excludes zero), hollow: not clear"
    )
    return finish(fig, title, subtitle, note or "")
