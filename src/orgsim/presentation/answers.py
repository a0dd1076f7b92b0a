"""Answers for people: paired-difference sentences, the explain waterfall, and the claims page.

The statistics come from the experiment layer (:mod:`orgsim.experiment.stats`,
:mod:`~orgsim.analyses.explain`, :mod:`~orgsim.analyses.claims`); this module only words
and draws them, in the look of :mod:`orgsim.presentation.style`.
"""

from __future__ import annotations

import base64
import math
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup
from matplotlib.figure import Figure

from orgsim import measures
from orgsim.analyses.claims import (
    ASSUMED,
    ASSUMED_RULE,
    CONTRADICTED,
    NO_CLEAR_EFFECT,
    SUPPORTED,
    VERDICT_RULE,
    ClaimResult,
)
from orgsim.analyses.compare import Comparison
from orgsim.analyses.explain import Explanation
from orgsim.errors import InputError
from orgsim.experiment.stats import Difference
from orgsim.presentation.page import BASE_CSS
from orgsim.presentation.style import (
    DIVERGING,
    GRID,
    INK,
    MUTED,
    OKABE_ITO,
    STRUCTURE_COLORS,
    VERDICT_COLORS_BY_NAME,
    compact_number,
    factor_name,
    finish,
    new_figure,
    themed,
    unit_formatter,
)
from orgsim.presentation.templating import render
from orgsim.references import cite

PAIRED_NOTE = (
    "Paired by seed: replication r uses the same seed in every scenario (common random numbers), "
    "so each difference is taken seed by seed; 'clear' means its 95% CI excludes zero."
)
VERDICT_COLORS = {v: VERDICT_COLORS_BY_NAME[v] for v in (SUPPORTED, ASSUMED, CONTRADICTED, NO_CLEAR_EFFECT)}
"""Verdict colours from the style's named palette (never a structure's colour)."""
RAISE, LOWER = DIVERGING["up"], DIVERGING["down"]
"""The explain waterfall's steps: the neutral up/down scale, not structure colours."""
MONEY = (
    "revenue",
    "contribution",
    "cost",
    "friction_cost",
    "pipeline_value",
    "bookings",
    "customer_value",
    "arr_end",
    "new_arr",
    "churned_arr",
    "cac",
    "coordination_cost",
)


def in_sentence(text: str) -> str:
    """``Revenue`` -> ``revenue`` inside a sentence, but ``MQLs never attempted`` stays as it is."""
    return measures.in_sentence(text)


def label_of(measure: str) -> str:
    """A measure's name for people; a ratio ``funnel.sql/funnel.mql`` reads ``Funnel SQL / funnel MQL``."""
    if "/" in measure:
        top, bottom = (m.strip() for m in measure.split("/", 1))
        if top.startswith("funnel.") and bottom.startswith("funnel."):  # a stage conversion rate
            return f"{bottom[7:].upper()} to {top[7:].upper()} rate"
        return f"{measures.label(top)} / {in_sentence(measures.label(bottom))}"
    return measures.label(measure)


def unit_of(measure: str) -> str:
    """A measure's unit (ratios have none)."""
    return "" if "/" in measure else measures.unit(measure)


def value_text(measure: str, value: float) -> str:
    """A value in the measure's short form: 2.59M, 12.5%, 0.42."""
    return compact_number(value, unit_of(measure))


def signed(measure: str, value: float) -> str:
    """A difference in the measure's short form with its sign: +0.12M, -3.4, +2.1%."""
    if value is None or math.isnan(value):
        return "-"
    unit = unit_of(measure)
    text = compact_number(abs(value), unit) if unit or abs(value) >= 1 else f"{abs(value):.3f}"
    if unit == "share":
        text = f"{100 * abs(value):.1f} pts"
    return ("+" if value > 0 else "-" if value < 0 else "") + text


def difference_cell(measure: str, diff: Difference, short: bool = False) -> str:
    """``+0.12M [+0.03M, +0.21M] clear`` or ``... no clear difference`` (``short``: ``no clear diff``)."""
    if math.isnan(diff.mean):
        return "-"
    word = "clear" if diff.clear else "no clear diff" if short else "no clear difference"
    low, high = signed(measure, diff.ci_low), signed(measure, diff.ci_high)
    return f"{signed(measure, diff.mean)} [{low}, {high}] {word}"


def difference_sentence(measure: str, label: str, baseline: str, diff: Difference) -> str:
    """A plain verdict, e.g. ``merged earns 0.12M more revenue than separate [+0.03M, +0.21M] — clear``."""
    if math.isnan(diff.mean):
        return f"{label} vs {baseline}: {in_sentence(label_of(measure))} undefined"
    ci = f"[{signed(measure, diff.ci_low)}, {signed(measure, diff.ci_high)}]"
    tail = "clear" if diff.clear else "no clear difference"
    way = _better(measure)
    if diff.clear and way != "none":
        tail += ", better" if (diff.mean > 0) == (way == "higher") else ", worse"
    amount = signed(measure, abs(diff.mean))[1:] if diff.mean else "0"
    name = in_sentence(label_of(measure))
    if diff.mean == 0:  # not '0 less revenue'
        verb = "earns" if measure in MONEY else "has"
        return f"{label} {verb} the same {name} as {baseline} {ci} — {tail}"
    if measure in MONEY:
        more = "more" if diff.mean > 0 else "less"
        return f"{label} earns {amount} {more} {name} than {baseline} {ci} — {tail}"
    more = "higher" if diff.mean > 0 else "lower"
    return f"{label}'s {name} is {amount} {more} than {baseline}'s {ci} — {tail}"


def _better(measure: str) -> str:
    """``higher``, ``lower`` or ``none`` from the measure schema (``none`` for ratios and unknowns)."""
    from orgsim import measures

    try:
        return measures.better(measure)
    except (KeyError, ValueError, InputError):
        return "none"


DIFFERENCE_MEASURES = (
    "revenue",
    "contribution",
    "won_deals",
    "friction_index",
    "leakage_rate",
    "median_response_hours",
)


def differences_html(comp: Comparison, baseline: str | None = None, columns: Sequence[str] = ()) -> str:
    """An HTML table of every scenario's paired difference to ``baseline`` (a report section body).

    Rows are measures, columns the other scenarios; each cell is the mean difference with its 95%
    CI and whether it is clear. Empty when there is only one scenario.
    """
    base = baseline if baseline is not None else comp.labels[0]
    others = [label for label in comp.labels if label != base]
    if not others:
        return ""
    have = set(comp.runs().columns)
    names = [m for m in (columns or DIFFERENCE_MEASURES) if m in have]
    rows = [
        {
            "label": label_of(name),
            "cells": [difference_cell(name, comp.difference(label, name, base)) for label in others],
        }
        for name in names
    ]
    return render("differences.html.j2", base=base, others=others, rows=rows, note=PAIRED_NOTE)


# -- explain: the waterfall ---------------------------------------------------------------------
def part_name(name: str) -> str:
    """A player's name for people: a parameter key as a factor name, a group name as it is."""
    return factor_name(name) if "." in name and " " not in name else name


@themed
def waterfall(expl: Explanation) -> Figure:
    """From A's value to B's, one bar per parameter (largest first), each with its 95% CI."""
    parts = expl.ranked()
    n = len(parts)
    height = min(14.0, 2.4 + 0.42 * (n + 2))
    fig = new_figure(height=height)
    ax = fig.add_subplot()
    unit = unit_of(expl.measure)
    rows = [f"{expl.a} (A)"] + [f"{part_name(p.parameter)}  {p.a_value} → {p.b_value}" for p in parts]
    rows.append(f"{expl.b} (B)")
    level = expl.a_value
    ends = [expl.a_value, expl.b_value]
    for i, p in enumerate(parts, start=1):
        start, value = level, p.value
        color = RAISE if value > 0 else LOWER if value < 0 else MUTED
        ax.barh(i, value, left=start, color=color, height=0.62, zorder=3)
        if not math.isnan(p.ci_low) and (p.ci_low != p.ci_high):
            ax.plot([start + p.ci_low, start + p.ci_high], [i, i], color=INK, lw=1.2, zorder=4)
            ax.plot([start + value], [i], "|", color=INK, ms=9, zorder=4)
            ends += [start + p.ci_low, start + p.ci_high]
        ax.text(start + value, i - 0.36, " " + signed(expl.measure, value), va="bottom",
                ha="left" if value >= 0 else "right", fontsize=9, color=INK)  # fmt: skip
        level += value
        ends.append(level)
        if i < n:
            ax.plot([level, level], [i + 0.31, i + 0.69], color=MUTED, lw=0.8, zorder=2)
    lo, hi = min(ends), max(ends)
    pad = (hi - lo) * 0.12 or abs(hi) * 0.05 or 1.0
    left = lo - pad
    if lo > 0 and lo - pad * 4 < 0:
        left = 0.0  # near zero: show the whole bars
    for i, (name, value) in enumerate(((expl.a, expl.a_value), (expl.b, expl.b_value))):
        y = 0 if i == 0 else n + 1
        color = STRUCTURE_COLORS.get(name, OKABE_ITO["sky_blue"])
        ax.barh(y, value - left, left=left, color=color, height=0.62, zorder=3)
        ax.text(value, y, " " + compact_number(value, unit), va="center", ha="left", fontsize=10,
                fontweight="bold", color=INK)  # fmt: skip
    ax.set_xlim(left, hi + pad)
    ax.set_yticks(range(n + 2), rows)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    ax.grid(axis="x", color=GRID, zorder=0)
    ax.set_xlabel(f"{label_of(expl.measure)}" + ("" if left == 0 else " (axis does not start at zero)"))
    total = expl.total
    share = ""
    if parts and total.clear and total.mean:
        top = parts[0]
        share = f"; {part_name(top.parameter)} carries {100 * top.value / total.mean:.0f}% of it"
    title = (
        f"{expl.b} vs {expl.a}: {signed(expl.measure, total.mean)} {in_sentence(label_of(expl.measure))} "
        f"[{signed(expl.measure, total.ci_low)}, {signed(expl.measure, total.ci_high)}]"
        f" ({'clear' if total.clear else 'not clear'}){share}"
    )
    subtitle = (
        "Shapley attribution: each bar is what switching that parameter from A's value to B's adds, "
        "averaged over every order of switching; bars sum to the paired difference; dark purple raises "
        "the value, pale purple lowers it. "
        "Line: 95% CI over seeds" + (" and sampled orders." if expl.method == "permutation" else ".")
    )
    note = (
        f"{expl.reps} seeds per coalition, {expl.runs} runs, {expl.days} business days, "
        f"{'exact' if expl.method == 'exact' else f'{expl.permutations} sampled orders per seed'}."
    )
    return finish(fig, title, subtitle, note)


# -- claims: one chart per claim, and the page ---------------------------------------------------
@themed
def claim_chart(result: ClaimResult, reps: int) -> Figure:
    """The paired effect with its 95% CI in every context, coloured by verdict."""
    c = result.claim
    ctxs = result.contexts
    fig = new_figure(height=min(10.0, 2.8 + 0.45 * len(ctxs)))
    ax = fig.add_subplot()
    unit = unit_of(c.measure)
    scale = 1.0
    for i, ctx in enumerate(ctxs):
        e = ctx.effect
        color = VERDICT_COLORS.get(ctx.verdict, MUTED)
        if not math.isnan(e.ci_low):
            ax.plot([e.ci_low * scale, e.ci_high * scale], [i, i], color=color, lw=2.4, solid_capstyle="butt")
        ax.plot([e.mean * scale], [i], "o", color=color, ms=7 if i else 9, zorder=3)
    ax.axvline(0, color=INK, lw=1.0)
    lo, hi = ax.get_xlim()
    span = max(abs(lo), abs(hi)) or 1.0
    ax.set_xlim(-span * 1.08, span * 1.08)
    claimed = (0, span * 1.08) if c.direction > 0 else (-span * 1.08, 0)
    ax.axvspan(*claimed, color=GRID, alpha=0.6, zorder=0)  # the claimed direction
    labels = []
    for ctx in ctxs:
        lines = textwrap.wrap(ctx.label.replace(" = ", ", "), 36)
        labels.append("\n".join(lines[:2]) + ("…" if len(lines) > 2 else ""))
    ax.set_yticks(range(len(ctxs)), labels, fontsize=9.5)
    ax.set_ylim(len(ctxs) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    if unit == "share":
        xlabel = f"Change in {in_sentence(label_of(c.measure))} (percentage points), b - a"
    else:
        xlabel = f"Change in {in_sentence(label_of(c.measure))}, b - a"
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color=GRID, zorder=0)
    handles = [ax.plot([], [], "o-", color=col, lw=2.4, label=v)[0] for v, col in VERDICT_COLORS.items()]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, fontsize=9,
              frameon=False)  # fmt: skip
    title = f"“{c.claim}”: {result.verdict} in {c.scenario}"
    subtitle = (
        f"Change: {c.change}. Dot: paired mean difference over {reps} seeds; line: 95% CI; colour: "
        "the verdict there; shaded: the side the claim predicts. Rows: the claim's scenario (large "
        "dot; scenarios giving the same pair share its row), the other shipped scenarios, its key condition."
    )
    note = f"Source: {cite(c.source)} — “{c.quote}”"
    return finish(fig, title, subtitle, note)


CSS = (
    BASE_CSS
    + """
.note { color: var(--muted); font-size: 14px; }
.supported { color: #222255; font-weight: 700; } .contradicted { color: #882255; font-weight: 700; }
.unclear { color: #555; font-weight: 700; } .assumed { color: #6b6b1f; font-weight: 700; }
.inexpressible { color: #777; font-style: italic; }
blockquote { color: var(--muted); margin: 4px 0 8px 0; padding-left: 12px;
             border-left: 3px solid var(--rule); }
"""
)

_VERDICT_CLASS = {
    SUPPORTED: "supported",
    ASSUMED: "assumed",
    CONTRADICTED: "contradicted",
    NO_CLEAR_EFFECT: "unclear",
}


def effect_text(result: ClaimResult) -> str:
    """``+0.12M [+0.03M, +0.21M]`` for the claim's own scenario, '-' if not expressible."""
    m = result.main
    if m is None:
        return "-"
    e = m.effect
    return f"{signed(result.claim.measure, e.mean)} [{signed(result.claim.measure, e.ci_low)}, " + (
        f"{signed(result.claim.measure, e.ci_high)}]"
    )


def write_claims_page(results: Sequence[ClaimResult], out_dir: str | Path, reps: int, seed: int) -> Path:
    """Write ``charts/claim_<id>.png|svg`` and a self-contained ``claims.html`` in ``out_dir``."""
    from orgsim.outputs import claim_report_dir
    from orgsim.presentation.charts import save

    out = claim_report_dir(out_dir)  # never over a user's files; see orgsim.outputs
    rows, sections = [], []
    for r in results:
        c = r.claim
        cls = _VERDICT_CLASS.get(r.verdict, "inexpressible")
        where = " ".join(x for x in (r.assumed_text(), r.where() if r.main else c.missing) if x)
        shown = {"claim": c.claim, "source": cite(c.source), "measure": label_of(c.measure)}
        effect, judged = effect_text(r), {"cls": cls, "verdict": r.verdict}
        sign = "+" if c.direction > 0 else "-"
        rows.append({**shown, **judged, "sign": sign, "effect": effect, "where": where})
        if r.main is None:
            continue
        fig = claim_chart(r, reps)
        png, _ = save(fig, out / "charts" / f"claim_{c.id}")
        sections.append(
            {
                **shown,
                "id": c.id,
                "quote": c.quote,
                "change": c.change,
                "scenario": c.scenario,
                "way": "up" if c.direction > 0 else "down",
                **judged,
                "effect": effect,
                "assumed": r.assumed_text(),
                "where": r.where(),
                "image": base64.b64encode(png.read_bytes()).decode("ascii"),
            }
        )
    missing = [
        {"claim": r.claim.claim, "source": cite(r.claim.source), "missing": r.claim.missing}
        for r in results
        if r.main is None
    ]
    page = render(
        "claims.html.j2",
        css=Markup(CSS),
        reps=reps,
        seed=seed,
        when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        verdict_rule=VERDICT_RULE,
        assumed_rule=ASSUMED_RULE,
        paired_note=PAIRED_NOTE,
        rows=rows,
        sections=sections,
        missing=missing,
    )
    path = out / "claims.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
