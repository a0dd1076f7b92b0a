"""Decision exhibits: where the leads go, what a structure recovers, and what the answer hinges on.

- :func:`lead_flow`: a Sankey of every lead created into its end state (won, lost, recycled,
  disqualified, still open by stage, leaked by cause), mean per run of one group.
- :func:`recovered_by_cause`: a waterfall from one structure's expected revenue leaked to
  another's, one step per leak cause with its paired 95% CI.
- :func:`tornado`: the margin of one structure over another on the headline economic measure at
  the low and the high end of each swept parameter (see
  :func:`orgsim.experiment.summaries.margins_by_factor`).

Drawn with matplotlib alone; inputs are the tidy ``runs`` frames of :mod:`charts`. Colours: leak
causes keep their fixed colours, structures theirs, everything else is grey.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from orgsim import measures
from orgsim.analyses.tornado import BOUNDS_RULE, Tornado
from orgsim.currency import money
from orgsim.experiment import summaries
from orgsim.experiment.within import within_difference
from orgsim.params import PARAMETERS
from orgsim.presentation import findings, style
from orgsim.presentation.style import (
    INK,
    MUTED,
    compact_number,
    end_label,
    factor_name,
    finish,
    in_sentence,
    new_figure,
    themed,
)

OUTCOME_COLORS = {
    "won": "#2B2B2B",
    "lost": "#8A8A8A",
    "recycled": "#B8B8B8",
    "disqualified": "#D6D6D6",
    "open": "#EDEDED",
}
"""End states other than leaked: greys, dark for won, so the leak causes' colours stand out."""

LEAKED_COLOR = "#5B1A5B"
"""The leaked node: a dark plum no structure, cause or outcome uses (it was a red near separate's)."""

OPEN_STAGES = measures.FUNNEL_STAGES[:-1]
"""The open stages a still-open lead splits into, in funnel order (every stage before won)."""
HALO = [patheffects.withStroke(linewidth=3, foreground="white")]
LABEL_GAP = 0.036
"""Least vertical distance between two lead-flow labels in one column (axes units: a line of text)."""


def economic_measure(runs: pd.DataFrame) -> str:
    """The decision measure: the first of :data:`orgsim.presentation.report.data.ECONOMIC` in ``runs``."""
    from orgsim.presentation.report.data import ECONOMIC  # the one place it is defined

    return next((m for m in ECONOMIC if m in runs), "revenue")


def _band(
    ax: Axes, x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float], color: str
) -> None:
    """A Sankey link from ``(x0, y0 bottom..top)`` to ``(x1, y1 bottom..top)`` as a smooth band."""
    xm = (x0 + x1) / 2
    verts = [
        (x0, y0[1]),
        (xm, y0[1]),
        (xm, y1[1]),
        (x1, y1[1]),
        (x1, y1[0]),
        (xm, y1[0]),
        (xm, y0[0]),
        (x0, y0[0]),
        (x0, y0[1]),
    ]
    codes = [Path.MOVETO, *[Path.CURVE4] * 3, Path.LINETO, *[Path.CURVE4] * 3, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(verts, codes), facecolor=color, edgecolor="none", alpha=0.45, zorder=1))


def _stack(values: Sequence[float], top: float, gap: float, floor: float) -> list[tuple[float, float]]:
    """Node spans ``(bottom, top)`` stacked downward from ``top``, each at least ``floor`` tall."""
    spans, y = [], top
    for v in values:
        h = max(v, floor)
        spans.append((y - h, y))
        y -= h + gap
    return spans


@themed
def lead_flow(
    runs: pd.DataFrame, group: str | None = None, title: str | None = None, note: str | None = None
) -> Figure:
    """Where every lead created ends up, mean per run of ``group`` (default: the first group).

    Created -> won / lost / recycled / disqualified / still open / leaked; open leads split by
    the stage they are in, leaked leads by cause. Widths are leads (a lead is counted once, in
    its state at the end of the horizon).
    """
    group = group or summaries.groups_of(runs)[0]
    part = runs[runs["group"] == group]
    mean = part.mean(numeric_only=True)
    created = float(mean["ledger.created"])
    causes = [t.key for t in measures.LEAK_CAUSES if f"leaked.{t.key}" in part]
    outcome = {
        s: float(mean.get(f"ledger.{s}", 0.0)) for s in ("won", "lost", "leaked", "recycled", "disqualified")
    }
    opened = {s: float(mean.get(f"ledger.{s}", 0.0)) for s in OPEN_STAGES}
    outcome["open"] = sum(opened.values())
    leaked = {c: float(mean[f"leaked.{c}"]) for c in causes}
    order = ["won", "lost", "leaked", "recycled", "disqualified", "open"]
    fig = new_figure(height=7.2)
    ax = fig.subplots()
    scale = 1.0 / created if created else 1.0
    gap, floor = 0.012, 0.004
    total_gaps = gap * (len(order) - 1)
    top = 1.0 + total_gaps
    # column 0: created; column 1: end states; column 2: causes and open stages
    ax.add_patch(Rectangle((0, top - 1.0 - total_gaps / 2 - 0.0), 0.03, 1.0, color="#555555", zorder=2))
    src_y = top - total_gaps / 2
    spans1 = _stack([outcome[s] * scale for s in order], top, gap, floor)
    colors1 = {**OUTCOME_COLORS, "leaked": LEAKED_COLOR}
    labels: list[tuple[float, float, str, str]] = []  # x, y, text, colour
    for s, (lo, hi) in zip(order, spans1, strict=True):
        h = outcome[s] * scale
        color = colors1[s]
        _band(ax, 0.03, (src_y - h, src_y), 1.0, (hi - h, hi), color if s != "open" else "#BBBBBB")
        src_y -= h
        ax.add_patch(
            Rectangle(
                (1.0, lo),
                0.03,
                hi - lo,
                color=color,
                ec="#777777" if s == "open" else "none",
                lw=0.5,
                zorder=2,
            )
        )
        name = measures.term("state", s).label if s != "open" else "Still open"
        # an end state with no onward flow is labelled right of its node, clear of its own band;
        # leaked and open split further to the right, so theirs stay left of the node
        onward = s in ("leaked", "open")
        labels.append(
            (
                0.97 if onward else 1.06,
                (lo + hi) / 2,
                f"{name}  {_count(outcome[s])} ({100 * outcome[s] / created:.1f}%)",
                "right" if onward else "left",
            )
        )
    # children: leaked by cause, open by stage
    kids = {"leaked": [(c, leaked[c]) for c in causes], "open": [(s, opened[s]) for s in OPEN_STAGES]}
    right_labels: list[tuple[float, str, str]] = []
    for parent, items in kids.items():
        lo, hi = spans1[order.index(parent)]
        items = [(k, v) for k, v in items if v > 0]
        if not items:
            continue
        inner_gap = 0.006
        need = sum(max(v * scale, floor) for _, v in items) + inner_gap * (len(items) - 1)
        y = (hi + lo) / 2 + need / 2
        src = hi
        for k, v in items:
            h = v * scale
            color = style.CAUSE_COLORS.get(k, "#999999") if parent == "leaked" else "#CFCFCF"
            kh = max(h, floor)
            _band(ax, 1.03, (src - h, src), 2.0, (y - h, y), color)
            ax.add_patch(Rectangle((2.0, y - kh), 0.03, kh, color=color, zorder=2))
            name = style.cause_name(k) if parent == "leaked" else f"Open at {style.stage_name(k)}"
            right_labels.append((y - kh / 2, f"{name}  {_count(v)}", color))
            src -= h
            y -= kh + inner_gap
    ax.text(
        0.0,
        top + 0.02,
        f"Created\n{compact_number(created)} leads",
        ha="left",
        va="bottom",
        fontsize=10.5,
        fontweight="bold",
        color=INK,
    )
    last = math.inf  # end states right of their nodes: small neighbours (won, lost) kept a line apart
    for i, (x, y, text, ha) in enumerate(labels):
        if ha == "left":
            labels[i] = (x, min(y, last - LABEL_GAP), text, ha)
            last = labels[i][1]
    for x, y, text, ha in labels:
        ax.text(x, y, text, ha=ha, va="center", fontsize=9.5, color=INK, path_effects=HALO, zorder=5)
    if right_labels:
        ys = sorted(right_labels, key=lambda r: -r[0])
        placed, last = [], math.inf
        for y, text, _color in ys:
            y = min(y, last - LABEL_GAP)
            placed.append((y, text))
            last = y
        for y, text in placed:
            ax.text(2.06, y, text, ha="left", va="center", fontsize=9.5, color=INK)
    ax.set_xlim(-0.02, 2.75)
    ax.set_ylim(min(-0.05, min(y for y, _ in placed) - 0.03) if right_labels else -0.05, top + 0.12)
    ax.axis("off")
    won_share = outcome["won"] / created if created else 0.0
    rate = float(part["leakage_rate"].mean()) if "leakage_rate" in part else float("nan")  # as in the tables
    top_cause = max(leaked, key=lambda c: leaked[c]) if leaked and max(leaked.values()) > 0 else None
    title = title or (
        f"{group}: of {compact_number(created)} leads created, {100 * won_share:.1f}% are won; "
        f"{100 * rate:.1f}% of the leads with buying intent leak"
        + (f", most of them {in_sentence(style.cause_name(top_cause))}" if top_cause else "")
    )
    subtitle = (
        "Where every lead created ends up at the horizon (mean per run; widths are leads) · leaked: real "
        "buying intent lost to the process, by cause · open: still in the funnel, by stage"
    )
    n = len(part)
    return finish(fig, title, subtitle, note if note is not None else f"orgsim · {group} · mean of {n} runs")


@themed
def recovered_by_cause(
    runs: pd.DataFrame,
    a: str,
    b: str,
    title: str | None = None,
    note: str | None = None,
    settings: Sequence[str] = (),
) -> Figure:
    """Waterfall from ``a``'s expected revenue leaked to ``b``'s, one step per leak cause.

    Each step is ``b`` minus ``a`` on that cause (negative: ``b`` recovers revenue ``a`` leaks),
    with the 95% CI of the paired difference when runs share replicates, else Welch's. With
    ``settings`` (a sweep's factor columns) each step is paired within every setting and
    averaged over the settings (:func:`~orgsim.experiment.within.within_difference`).
    """
    causes = [t.key for t in measures.LEAK_CAUSES if f"leaked_revenue.{t.key}" in runs]
    pair = findings.pair_column(runs)
    settings = [f for f in settings if f in runs]

    def diff(measure: str) -> summaries.Difference:
        if not settings:
            return summaries.difference(runs, measure, b, a, pair_on=pair)
        w = within_difference(runs, measure, a=a, b=b, factors=settings, pair_on=pair or "replicate").overall
        return summaries.Difference(b, a, w.mean, w.ci_low, w.ci_high)

    diffs = {c: diff(f"leaked_revenue.{c}") for c in causes}
    causes = sorted((c for c in causes if diffs[c].diff != 0), key=lambda c: diffs[c].diff)
    start = float(summaries.group_stats(runs, "leaked_revenue", settings).loc[a, "mean"])
    end = float(summaries.group_stats(runs, "leaked_revenue", settings).loc[b, "mean"])
    total = diff("leaked_revenue")
    fig = new_figure(height=max(5.0, 2.6 + 0.42 * (len(causes) + 2)))
    ax = fig.subplots()
    styles = summaries_styles(runs)
    rows = [f"{a}: revenue leaked"] + [style.cause_name(c) for c in causes] + [f"{b}: revenue leaked"]
    ax.barh(0, start, color=styles[a], height=0.62, zorder=3)
    level, ends = start, [start, end]
    for i, c in enumerate(causes, start=1):
        d = diffs[c]
        ax.barh(i, d.diff, left=level, height=0.62, color=style.CAUSE_COLORS.get(c, "#999999"), zorder=3)
        if not math.isnan(d.low):
            ax.plot([level + d.low, level + d.high], [i, i], color=INK, lw=1.2, zorder=4)
            ends += [level + d.low, level + d.high]
        word = "recovered" if d.diff < 0 else "more leaked"
        clear = "" if d.clear else ", not clear"
        right = max(level, level + d.diff, level + d.high if not math.isnan(d.high) else level)
        ax.annotate(
            f"{compact_number(abs(d.diff), 'currency')} {word}{clear}",
            (right, i),
            xytext=(6, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=9,
            color=INK,
        )
        ax.plot([level + d.diff] * 2, [i + 0.31, i + 0.69], color=MUTED, lw=0.8, zorder=2)
        level += d.diff
    ax.barh(len(causes) + 1, end, color=styles[b], height=0.62, zorder=3)
    for y, v in ((0, start), (len(causes) + 1, end)):
        end_label(ax, compact_number(v, "currency"), (v, y))
    ax.set_yticks(range(len(rows)), rows)
    ax.invert_yaxis()
    low, high = min(0.0, min(ends)), max(ends)
    margin = 0.03 * (high - low) if low < 0 else 0.0  # a whisker below zero ends inside the axes
    ax.set_xlim(low - margin, high * 1.25)  # room for the step labels on the right
    ax.xaxis.set_major_formatter(style.unit_formatter("currency"))
    ax.set_xlabel(f"Expected revenue leaked ({measures.UNIT_WORDS['currency']}, mean per run)")
    ax.grid(axis="y", visible=False)
    saved = -total.diff
    verb = "recovers" if saved > 0 else "loses"
    main = (causes[0] if saved > 0 else causes[-1]) if causes else None
    title = title or (
        f"{b} {verb} {compact_number(abs(saved), 'currency')} of the revenue {a} leaks"
        + ("" if total.clear else " (within the noise)")
        + (f"; the largest step: {in_sentence(style.cause_name(main))}" if main else "")
    )
    subtitle = (
        f"From {a}'s expected revenue leaked to {b}'s, one step per leak cause · whisker: 95% CI of the "
        "difference"
        + (
            " (paired by seed within each setting, averaged over the settings)"
            if settings
            else " (paired by replicate)"
            if pair
            else ""
        )
    )
    return finish(fig, title, subtitle, note if note is not None else findings_note(runs))


def summaries_styles(runs: pd.DataFrame) -> dict[str, str]:
    """Each group's structure colour."""
    groups = summaries.groups_of(runs)
    first = runs.drop_duplicates("group").set_index("group")["structure"]
    styles = style.group_styles(groups, [str(first[g]) for g in groups])
    return {g: s.color for g, s in styles.items()}


def findings_note(runs: pd.DataFrame) -> str:
    """The footnote: runs per group and the CI method."""
    counts = runs.groupby("group", sort=False).size()
    n = f"{counts.iloc[0]} runs per group" if counts.nunique() == 1 else f"{counts.min()}-{counts.max()} runs"
    return f"orgsim · {n} · 95% CI: Student t"


@themed
def tornado(
    margins: pd.DataFrame,
    measure: str,
    a: str,
    b: str,
    title: str | None = None,
    note: str = "",
    subtitle: str | None = None,
    centre_ci: tuple[float, float] | None = None,
    centre_label: str = "the margin over all runs",
) -> Figure:
    """The margin of ``a`` over ``b`` on ``measure`` at each parameter's low and high end.

    ``margins``: one row per factor and end, columns ``factor``, ``end`` ("low"/"high"),
    ``level``, ``margin``, ``low``, ``high`` (95% CI) and ``overall`` (the centre line: the
    margin over all runs of a sweep, or the base margin of a one-at-a-time tornado); see
    :func:`orgsim.experiment.summaries.margins_by_factor` and
    :meth:`orgsim.analyses.tornado.Tornado.margins`. Factors are sorted by swing, largest on
    top. ``centre_ci`` shades the centre's 95% CI.
    """
    unit = measures.unit(measure)
    wide = margins.pivot(index="factor", columns="end", values=["level", "margin", "low", "high"])
    swing = (wide["margin"]["high"] - wide["margin"]["low"]).abs().sort_values()
    factors = list(swing.index)
    overall = float(margins["overall"].iloc[0])
    fig = new_figure(height=max(4.6, 2.6 + 0.55 * len(factors)))
    ax = fig.subplots()
    low_c, high_c = style.DIVERGING["down"], style.DIVERGING["up"]  # the neutral low/high scale
    for i, f in enumerate(factors):
        for end, color, dy in (("low", low_c, 0.18), ("high", high_c, -0.18)):
            m = float(wide["margin"][end][f])
            ax.barh(i + dy, m - overall, left=overall, height=0.34, color=color, zorder=3)
            lo, hi = float(wide["low"][end][f]), float(wide["high"][end][f])
            if not math.isnan(lo):
                ax.plot([lo, hi], [i + dy] * 2, color=INK, lw=1, zorder=4)
            level = wide["level"][end][f]
            text = f"at {level_text(level, f)}: {'+' if m > 0 else ''}{compact_number(m, unit)}"
            ax.annotate(
                text,
                (max(m, hi) if m >= overall else min(m, lo), i + dy),
                xytext=(4 if m >= overall else -4, 0),
                textcoords="offset points",
                ha="left" if m >= overall else "right",
                va="center",
                fontsize=8.5,
                path_effects=HALO,  # readable over the zero line, the centre and whiskers
                zorder=5,
                color=INK,
            )
    if centre_ci is not None and not any(math.isnan(v) for v in centre_ci):
        ax.axvspan(*centre_ci, color="#E4E4E4", zorder=1, lw=0)
    ax.axvline(overall, color=MUTED, lw=1, ls="--", zorder=2)
    ax.axvline(0, color=INK, lw=1.2, zorder=2)
    ax.set_yticks(range(len(factors)), [factor_name(f) for f in factors])
    ax.xaxis.set_major_formatter(style.unit_formatter(unit))
    lo_x = float(np.nanmin([*margins[["low", "margin"]].to_numpy(dtype=float).ravel(), *(centre_ci or ())]))
    hi_x = float(np.nanmax([*margins[["high", "margin"]].to_numpy(dtype=float).ravel(), *(centre_ci or ())]))
    pad = 0.3 * (hi_x - lo_x or 1.0)
    ax.set_xlim(min(lo_x, 0) - pad, max(hi_x, 0) + pad)
    ax.set_xlabel(f"{measures.label(measure)}: {a} minus {b} ({measures.get(measure).unit_words})")
    ax.grid(axis="y", visible=False)
    from matplotlib.patches import Patch

    handles = [
        Patch(color=low_c, label="parameter at its low end"),
        Patch(color=high_c, label="parameter at its high end"),
    ]
    if centre_ci is not None:
        handles.append(Patch(color="#E4E4E4", label=f"{centre_label}: 95% CI"))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles),
              frameon=False)  # fmt: skip
    flips = [f for f in factors if np.sign(wide["margin"]["low"][f]) != np.sign(wide["margin"]["high"][f])]
    top = factors[-1] if factors else ""
    what = in_sentence(measures.label(measure))
    if flips:
        sure = [f for f in flips if all(_clear(wide, end, f) for end in ("low", "high"))]
        title = title or (
            f"{a}'s margin over {b} on {what} flips sign with "
            + _and(in_sentence(factor_name(f)) for f in sure)
            if sure
            else f"{a}'s margin over {b} on {what} may flip sign with "
            + _and(in_sentence(factor_name(f)) for f in flips)
            + " (not clearly at both ends)"
        )
    else:
        clear = bool(((margins["low"] > 0) | (margins["high"] < 0)).all())
        verb = ("beats" if overall > 0 else "trails") if clear else ("leads" if overall > 0 else "lags")
        title = title or (
            f"{a} {verb} {b} on {what} at both ends of every parameter"
            + ("" if clear else " (not clearly at each end)")
            + f"; {in_sentence(factor_name(top))} moves the margin most"
        )
    subtitle = subtitle or (
        f"Margin of {a} over {b} at the low and high end of each swept parameter (paired within design "
        f"points, averaged over the others) · dashed: {centre_label} · whisker: 95% CI"
    )
    return finish(fig, title, subtitle, note)


def _clear(wide: pd.DataFrame, end: str, factor: str) -> bool:
    low, high = float(wide["low"][end][factor]), float(wide["high"][end][factor])
    return low > 0 or high < 0


def tornado_figure(result: Tornado, title: str | None = None, note: str | None = None) -> Figure:
    """The chart of a one-at-a-time :class:`~orgsim.analyses.tornado.Tornado` (centre: the base margin)."""
    base = result.base
    subtitle = (
        f"Margin of {result.a} over {result.b} (paired by seed, {result.reps} replications) with one "
        f"parameter at a time at its low and its high value, the rest as in {result.scenario} · "
        f"dashed: the base margin, {'+' if base.mean > 0 else ''}"
        f"{compact_number(base.mean, measures.unit(result.measure))} · whisker: 95% CI"
    )
    if note is None:
        note = (
            f"orgsim tornado · {result.scenario} · {result.days} business days · seed {result.seed} · "
            "bounds: " + _bounds_note(result)
        )
    return tornado(result.margins(), result.measure, result.a, result.b, title=title, note=note,
                   subtitle=subtitle, centre_ci=(base.ci_low, base.ci_high),
                   centre_label="base margin")  # fmt: skip


def _count(value: float) -> str:
    """A mean count of leads: 48, 3.5, 1.2k."""
    return compact_number(value) if value >= 1e4 else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _and(items) -> str:  # noqa: ANN001
    return findings.and_list(list(items))


def _bounds_note(result: Tornado) -> str:
    given = [in_sentence(factor_name(s.bounds.key)) for s in result.swings if s.bounds.rule != BOUNDS_RULE]
    if not given:
        return "half and double the base value"
    if len(given) == len(result.swings):
        return "given"
    return f"half and double the base value; given for {findings.and_list(given)}"


UNIT_SUFFIX = {
    "currency per year": "/yr",
    "currency per hour": "/h",
    "people": " people",
    "minutes": " min",
    "hours": " h",
    "working hours": " working h",
    "business days": " days",
    "multiplier": "x",
}
"""Short unit suffixes for a parameter's value in a label (``20 people``, ``1.00M/yr``, ``12 min``)."""


def level_text(value: object, key: str = "") -> str:
    """A parameter value for a label, with its unit when short: ``0.5x``, ``20 people``, ``30.0%``."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        spec = PARAMETERS.get(key)
        unit = spec.unit if spec else ""
        if unit == "share":
            return f"{100 * float(value):.0f}%"
        number = compact_number(float(value)) if abs(value) >= 1e4 else f"{float(value):.3g}"
        if unit.startswith("currency"):
            number = money(number)
        return number + UNIT_SUFFIX.get(unit, "")
    return str(value)


__all__ = ["economic_measure", "lead_flow", "level_text", "recovered_by_cause", "tornado", "tornado_figure"]
