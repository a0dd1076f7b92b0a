"""The report as one self-contained HTML page: sections, tables and inline images."""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim.experiment.decision import RULE
from orgsim.experiment.experiment import SEEDING
from orgsim.experiment.stats import CI_METHOD
from orgsim.params import PARAMETERS
from orgsim.presentation import charts, style
from orgsim.presentation.format import sla_clock
from orgsim.presentation.page import BASE_CSS
from orgsim.presentation.page import escape as _e
from orgsim.presentation.report.data import CLOSED_STATES, ReportData, ledger_check
from orgsim.presentation.report.plan import Chart
from orgsim.presentation.report.readings import lead_sentence
from orgsim.presentation.report.summary import Summary, mark_text, summarise
from orgsim.presentation.report.text import capital, describe, design_title, fmt, plain
from orgsim.presentation.style import in_sentence, measure_name

# -- HTML -------------------------------------------------------------------------------------
CSS = (
    BASE_CSS
    + """
* { box-sizing: border-box; }
h3 { font-size: 17px; margin: 26px 0 6px; }
ul.findings li { margin: 6px 0; }
td.best { font-weight: 700; background: #eef7f1; }
td.changed { font-weight: 600; }
.verdict { font-size: 19px; font-weight: 600; background: #f3f8f3; border-left: 4px solid #00795a;
           padding: 12px 16px; }
section.summary { margin-bottom: 10px; }
td.m-best { background: #e3f2e8; font-weight: 700; } td.m-behind { color: #8a3b12; }
td.m-input { color: var(--muted); } .mark { font-size: 12.5px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
          vertical-align: baseline; }
.reading { font-size: 15.5px; margin: 4px 0 8px; }
.reading b { color: var(--accent); }
figcaption { color: var(--muted); font-size: 13px; }
.ok { color: #00795a; font-weight: 700; } .bad { color: #b8430a; font-weight: 700; }
.note { color: var(--muted); font-size: 13.5px; }
pre { background: #f7f7f7; padding: 12px; overflow-x: auto; font-size: 12.5px; }
details summary { cursor: pointer; color: var(--accent); }
"""
)


# with experiment seed 0, run seeds are the replication numbers themselves (experiment.seeds)
RUN_IS_REPLICATION = " and replication <i>r</i> is <code>orgsim run --seed</code> <i>r</i>. "


def _swatch(data: ReportData, group: str) -> str:
    color = charts.styles_of(data.runs)[group].color
    return f'<span class="swatch" style="background:{color}"></span>{_e(group)}'


def _img(path: Path, alt: str) -> str:
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{_e(alt)}">'


Cell = str | tuple[str, str]
"""A table cell: escaped HTML, or ``(escaped HTML, extra CSS class)``."""


def _table(head: Sequence[str], rows: Sequence[Sequence[Cell]], num_from: int = 1) -> str:
    """An HTML table; columns from ``num_from`` on are right-aligned numbers."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text, extra = cell if isinstance(cell, tuple) else (cell, "")
            cls = " ".join(c for c in ("num" if i >= num_from else "", extra) if c)
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _headline_html(data: ReportData, table: pd.DataFrame) -> str:
    head = ["Measure", "Unit"] + [_swatch(data, g) for g in data.groups]
    rows = []
    for measure, part in table.groupby("measure", sort=False):
        unit = style.measure_unit(measure)
        better = {"higher": "higher is better", "lower": "lower is better"}.get(
            data.direction(str(measure)), "neither is better"
        )
        label = f"{_e(measure_name(measure))}<br><span class='note'>{better}"
        if (part["mark"] == "input").all():
            label += "; set by the inputs (no verdict)"
        label += f"{_e(MEASURE_NOTES.get(measure, ''))}"
        if measure == "median_response_hours":
            label += "".join(f"; {_e(line)}" for line in sla_clocks(data))
        if measure == "sla_met_share" and (times := sla_times(data)):
            label += "; " + _e(times)
        label += "</span>"
        cells: list[Cell] = [label, _e(unit)]
        for row in part.itertuples():
            text = _e(fmt(measure, row.mean))
            if not math.isnan(row.low):
                interval = f"{fmt(measure, row.low)} to {fmt(measure, row.high)}"
                text += f"<br><span class='note'>{_e(interval)}</span>"
            cells.append((text, "best") if row.best else text)
        rows.append(cells)
    return _table(head, rows, num_from=2)


def _parameter(data: ReportData, key: str, group: str) -> Any:
    """A group's value of ``key`` from the report's parameter table (its default when not listed)."""
    params = data.parameters
    if params is not None and key in params.index and group in params.columns:
        return params.loc[key, group]
    return PARAMETERS[key].default


def sla_clocks(data: ReportData) -> list[str]:
    """Each group's SLA in speed to lead's calendar hours (groups whose SLA binds; compare reports)."""
    if data.parameters is None:
        return []
    return [
        sla_clock(
            g,
            float(_parameter(data, "sla.response_hours", g)),
            float(_parameter(data, "sales.hours_per_day", g)),
        )
        for g in data.groups
        if bool(_parameter(data, "sla.enabled", g))
    ]


def sla_times(data: ReportData) -> str:
    """The SLA times the share is measured against, when they differ between groups ('' otherwise)."""
    if data.parameters is None:
        return ""
    hours = {g: float(_parameter(data, "sla.response_hours", g)) for g in data.groups}
    if len(set(hours.values())) < 2:
        return ""
    each = ", ".join(f"{g} {h:g}" for g, h in hours.items())
    return f"the times differ ({each} working hours), so the shares are not on one yardstick"


MEASURE_NOTES = {
    "won_deals": "; every source (the funnel chart counts marketing-sourced leads only)",
    "median_response_hours": (
        "; calendar hours from MQL to first attempt (nights count; an SLA counts working hours)"
    ),
    "coordination_hours": "; meeting and joint-planning hours, set by the structure's policy",
    "sla_met_share": "; against each scenario's own sla.response_hours (working hours), agreed or not",
}
"""What a reader must know next to a measure's name in the headline table."""


def _parameters_html(data: ReportData) -> str:
    if data.parameters is None:
        return ""
    params = data.parameters
    groups = [c for c in params.columns if c not in ("unit", "default")]
    head = ["Parameter", "Unit", "Default"] + [_e(g) for g in groups]
    rows = []
    for key, row in params.iterrows():
        spec = PARAMETERS.get(str(key))
        label = f"<code>{_e(key)}</code>"
        if spec and spec.doc:
            label += f"<br><span class='note'>{_e(spec.doc)}</span>"
        cells: list[Cell] = [label, _e(row["unit"]), _e(plain(row["default"]))]
        for g in groups:
            value = row[g]
            text = _e(plain(value))
            cells.append((text, "changed") if value != row["default"] else text)
        rows.append(cells)
    return (
        "<p>Parameters that differ from the defaults in at least one scenario (bold: differs from the "
        "default). Every other parameter has its documented default (<code>orgsim show SCENARIO</code>).</p>"
        + _table(head, rows, num_from=2)
    )


def _factors_html(data: ReportData) -> str:
    """What a sweep compared (structures, factors, base scenarios) and what it held fixed."""
    m = data.manifest
    rows = []
    for f in data.factors:
        spec = PARAMETERS.get(f.key)
        doc = spec.doc if spec else ("Org structure preset" if f.key == "structure" else "")
        rows.append([f"<code>{_e(f.key)}</code>", _e(doc), _e(spec.unit if spec else ""), _e(describe(f))])
    n_failed = 0 if data.failed is None else len(data.failed)
    text = (
        f"<p>Design: <b>{_e(design_title(data.design))}</b>; "
        f"{data.runs['design_point'].nunique()} design points × {data.reps} replications: "
        f"{len(data.runs)} successful runs" + (f", {n_failed} failed" if n_failed else "") + ".</p>"
    )
    if data.groups:
        text += (
            f"<p>Structures compared: {', '.join(_swatch(data, g) for g in data.groups)}"
            + (
                f", within each of {data.runs.groupby(data.settings).ngroups} settings of "
                + ", ".join(f"<code>{_e(k)}</code>" for k in data.settings)
                if data.settings
                else ""
            )
            + ".</p>"
        )
    if rows:
        text += "<p>Factors varied:</p>" + _table(["Factor", "Meaning", "Unit", "Levels or range"], rows, 9)
    if m is None:
        return text
    if m.scenarios:
        items = "".join(
            f"<li><b>{_e(sc.name)}</b> (structure {_e(sc.structure)})"
            + (f": {_e(sc.description)}" if sc.description else "")
            + "</li>"
            for sc in m.scenarios
        )
        text += f"<p>Base scenario{'s' if len(m.scenarios) > 1 else ''}:</p><ul>{items}</ul>"
        diffs = _scenario_differences(data)
        if diffs:
            text += (
                f"<p>The base scenarios differ in {len(diffs)} parameters, listed under "
                "<a href='#parameters'>Parameters</a> after the results.</p>"
            )
    fixed = {k: v for k, v in m.overrides.items()}
    if fixed:
        text += (
            "<p>Held fixed in every run (the experiment's <code>[set]</code>): "
            + ", ".join(f"<code>{_e(k)}</code> = {_e(plain(v))}" for k, v in fixed.items())
            + ". Every other parameter keeps the base scenario's value "
            "(<code>orgsim show SCENARIO</code> lists them).</p>"
        )
    else:
        text += (
            "<p>Held fixed: every parameter other than the factors keeps the base scenario's value "
            "(<code>orgsim show SCENARIO</code> lists them).</p>"
        )
    return text


def _scenario_differences(data: ReportData) -> dict[str, dict[str, Any]]:
    """The parameters (not swept) in which a sweep's base scenarios differ, by scenario name."""
    m = data.manifest
    if m is None or not m.scenarios:
        return {}
    return {k: v for k, v in m.scenario_differences.items() if k not in {f.key for f in m.factors}}


def _scenario_differences_html(data: ReportData) -> str:
    """The table of :func:`_scenario_differences` (after the results: it is reference, not finding)."""
    diffs = _scenario_differences(data)
    if not diffs:
        return ""
    names = [sc.name for sc in data.manifest.scenarios]
    drows = [
        [f"<code>{_e(k)}</code>"] + [_e(plain(values.get(n))) for n in names] for k, values in diffs.items()
    ]
    return (
        "<p>How the base scenarios differ (every other parameter is the same in all of them):</p>"
        + _table(["Parameter", *map(_e, names)], drows)
    )


def _ledger_html(data: ReportData) -> str:
    check = ledger_check(data.runs)
    n_bad = int((~check["holds"]).sum())
    status = (
        f"<span class='ok'>✓ holds for all {len(check)} runs</span>"
        if n_bad == 0
        else f"<span class='bad'>✗ fails for {n_bad} of {len(check)} runs</span>"
    )
    totals = check.groupby("group", sort=False)[["created", "open", *CLOSED_STATES]].mean()
    rows = [
        [_swatch(data, g)] + [_e(f"{v:,.0f}") for v in totals.loc[g]]
        for g in data.groups
        if g in totals.index
    ]
    head = ["Group", "Created", "Open", *(s.capitalize() for s in CLOSED_STATES)]
    return (
        "<p>Every lead is in exactly one state at every moment. For each run the report recounts "
        "<b>created = open + won + lost + recycled + disqualified + leaked</b> "
        f"(open = inquiry, MQL, SAL, SQL or opportunity): {status}.</p>"
        "<p class='note'>Mean leads per run in each state at the end:</p>" + _table(head, rows)
    )


def _method_html(data: ReportData) -> str:
    items = []
    if data.kind == "compare":
        items.append(
            f"{data.reps} replications of each of {len(data.groups)} scenarios ({len(data.runs)} runs), "
            f"{data.days} business days each."
        )
        items.append(
            f"Seeds: replication <i>r</i> runs with seed {data.seed} &times; 2<sup>32</sup> + <i>r</i> "
            "in every scenario (common random numbers), so differences between scenarios are not "
            "differences in luck"
            + (". " if data.seed else RUN_IS_REPLICATION)
            + "Same scenario and seed give identical results on any machine and worker count."
        )
        items.append(
            f"Uncertainty: {_e(CI_METHOD)}. A difference is called clear when the 95% CI of the paired "
            "difference between two scenarios excludes zero."
        )
    else:
        n_fail = 0 if data.failed is None else len(data.failed)
        items.append(
            f"{design_title(data.design).capitalize()}: "
            f"{data.runs['design_point'].nunique()} design points, "
            f"up to {data.reps} replications each; {len(data.runs)} successful runs"
            + (f", {n_fail} failed (listed below)" if n_fail else "")
            + (f"; {data.days} business days per run." if data.days else ".")
        )
        m = data.manifest
        common = m is not None and m.seeding == SEEDING
        items.append(
            f"Seeds: experiment seed {data.seed}; "
            + (
                "replicate <i>r</i> of a setting runs with the same seed under every structure (common "
                "random numbers), so structures are compared on the same luck and paired by seed."
                if common
                else "each run's seed derives from it and the run's index (this sweep predates shared seeds)."
            )
        )
        items.append(
            "Uncertainty: structures are compared within each setting (the same values of every other "
            "factor), paired by replicate: the paired difference per setting has a Student-t 95% CI, and "
            "the average over settings weighs each setting the same, with a CI from within-setting noise "
            "only, cut to the values the measure can take. Means in the headline table are such design "
            "averages. Nothing pools different settings into one interval."
        )
        if m is not None:
            for label, value in (
                ("Experiment hash", m.experiment_hash),
                ("Started", m.started),
                ("Finished", m.finished),
                ("Sessions", len(m.sessions) or None),
            ):
                if value:
                    items.append(f"{label}: <code>{_e(value)}</code>")
    items.append(f"Verdict rule: {_e(RULE)}")
    items.append("Versions: " + ", ".join(f"{_e(k)} {_e(v)}" for k, v in data.versions.items()) + ".")
    text = "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    if data.failed is not None and len(data.failed):
        rows = [[_e(v) for v in r] for r in data.failed.head(20).astype(str).itertuples(index=False)]
        text += "<h3>Failed runs</h3>" + _table(list(map(_e, data.failed.columns)), rows, num_from=99)
    return text


def _figure_html(c: Chart, heading: str) -> str:
    """One chart: a short heading, its reading (unless it only repeats the title), image, caption.

    The finding is the image's own title (it must survive being pasted into a deck), so the
    heading names the exhibit and the reading is shown only when it adds to the title.
    """
    same = c.reading.rstrip(".").lower() == c.title.rstrip(".").lower()
    reading = "" if same else f"<p class='reading'><b>Reading:</b> {_e(c.reading)}</p>"
    return (
        f"<figure id='{_e(c.name)}'><h3>{_e(heading)}</h3>{reading}{_img(c.png, c.title)}"
        f"<figcaption>{_e(c.how_to_read)} Files: charts/{_e(c.png.name)}, charts/{_e(c.svg.name)}."
        "</figcaption></figure>"
    )


EXHIBIT_NAMES = {
    "forest": "Paired differences to the pick",
    "outcomes": "Headline measures",
    "tradeoff": "Tradeoff",
    "leakage_by_cause": "Leakage by cause",
    "friction_by_source": "Friction by source",
    "funnel": "Funnel",
    "recovered_by_cause": "Revenue recovered, by leak cause",
    "series": "Day by day",
    "tornado": "Tornado",
    "tornado_one_at_a_time": "Tornado, one parameter at a time",
    "validation": "Validation",
}
"""Short headings of the exhibits in the report (the finding is in each image's title)."""


def exhibit_name(name: str) -> str:
    """``Leakage by cause`` for ``leakage_by_cause``; ``Lead flow: aligned`` for ``lead_flow_aligned``."""
    if name in EXHIBIT_NAMES:
        return EXHIBIT_NAMES[name]
    if name.startswith("lead_flow_"):
        return "Lead flow: " + name.removeprefix("lead_flow_")
    return name.replace("_", " ").capitalize()


def _summary_html(data: ReportData, summary: Summary, forest: Chart | None = None) -> str:
    """The executive summary: recommendation, margins, the forest plot, flips, decision matrix, caveats."""
    parts = [f"<p class='verdict'>{_e(summary.headline)}</p>"]
    if summary.margins:
        parts.append(
            f"<p>Paired margin on {_e(in_sentence(measure_name(summary.measure)))}, leader minus each other "
            "structure:</p><ul>" + "".join(f"<li>{_e(t)}</li>" for t in summary.margins) + "</ul>"
        )
    if forest is not None:
        parts.append(_figure_html(forest, exhibit_name(forest.name)))
    if summary.assumptions:
        parts.append(
            "<p><b>What the margin rests on</b> (assumed values, with their plausible range)</p><ul>"
            + "".join(f"<li>{_e(t)}</li>" for t in summary.assumptions)
            + "</ul>"
        )
    if summary.flips:
        parts.append(
            "<p><b>When the answer changes</b></p><ul>"
            + "".join(f"<li>{_e(t)}</li>" for t in summary.flips)
            + "</ul>"
        )
    if len(data.groups) > 1 and summary.matrix:
        words = {"higher": "higher is better", "lower": "lower is better", "none": "neither is better"}
        head = ["Structure"] + [
            f"{_e(measure_name(m))}<br><span class='note'>{words[data.direction(m)]}</span>"
            for m in summary.matrix
        ]
        rows = []
        for g in data.groups:
            cells: list[Cell] = [_swatch(data, g)]
            for m in summary.matrix:
                value, mark = summary.cells[(g, m)]
                mean, _, ci = value.partition(" [")  # the CI on its own line keeps the matrix narrow
                shown = _e(mean) + (f"<br><span class='note'>[{_e(ci)}</span>" if ci else "")
                cells.append((f"{shown}<br><span class='mark'>{_e(mark_text(mark))}</span>", f"m-{mark}"))
            rows.append(cells)
        parts.append(
            "<p><b>Decision matrix</b>: each structure's mean and its mark by the verdict rule — "
            "✓ best: clearly ahead of every other structure; ≈ tied: not clearly different from the "
            "leader; ✗ behind: clearly worse than the leader; set by inputs: no noise, so no verdict.</p>"
            + _table(head, rows)
        )
    parts.append(
        "<p><b>Caveats</b></p><ul>" + "".join(f"<li>{_e(t)}</li>" for t in summary.caveats) + "</ul>"
    )
    parts.append(f"<p class='note'>Verdict rule: {_e(summary.rule)}</p>")
    return "<section class='summary'>" + "".join(parts) + "</section>"


def render_html(data: ReportData, chart_list: Sequence[Chart], table: pd.DataFrame) -> str:
    """The report as one self-contained HTML string (images inline, no external references)."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    findings = [capital(lead_sentence(data, m)) + "." for m in data.headline]
    findings += [
        c.reading
        for c in chart_list
        if c.name == "tradeoff" or c.name.startswith(("winner", "sens", "response"))
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{_e(data.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(data.title)}</h1>",
        f"<p class='meta'>Generated {generated} by orgsim {_e(data.versions.get('orgsim', ''))} · "
        f"{len(data.runs)} runs · "
        f"{_e(design_title(data.design) if data.reps > 1 else 'one run per structure (no CI)')}</p>",
        f"<p class='question'>{_e(data.question)}</p>",
        "<h2>Executive summary</h2>",
        _summary_html(data, summarise(data), next((c for c in chart_list if c.name == "forest"), None)),
        "<h2>What came out</h2><ul class='findings'>",
        *(f"<li>{_e(text)}</li>" for text in findings),
        "</ul>",
    ]
    parts.append("<h2>What was compared</h2>")
    if data.kind == "compare":
        items = "".join(
            f"<li>{_swatch(data, g)}"
            + (f": {_e(data.descriptions[g])}" if data.descriptions.get(g) else "")
            + "</li>"
            for g in data.groups
        )
        parts.append(
            f"<p>{len(data.groups)} scenarios, each structure in its own colour in every chart:</p>"
            f"<ul>{items}</ul>"
        )
    else:
        parts.append(_factors_html(data))
    parts.extend(f"<p class='note'>{_e(n)}</p>" for n in data.notes)
    parts.append("<h2>Headline results</h2>")
    scope = (
        " over the sweep's settings (each weighs the same; the CI holds within-setting noise only)"
        if data.kind == "sweep" and data.settings
        else ""
    )
    parts.append(
        f"<p>Mean per {'scenario' if data.kind == 'compare' else 'structure'}{scope}, with the 95% "
        "confidence interval below it. Shaded bold: clearly best by the verdict rule (its paired lead "
        "over every other structure is outside the noise). A measure set by the inputs (no noise within "
        "a structure and setting) is never shaded.</p>"
    )
    parts.append(_headline_html(data, table))
    if data.differences:
        parts.append(f"<h2>Differences to {_e(data.baseline)}, seed by seed</h2>")
        parts.append(data.differences)
    parts.append("<h2>Charts</h2>")
    for c in chart_list:
        if c.name != "forest":
            parts.append(_figure_html(c, exhibit_name(c.name)))
    if data.kind == "compare":
        parts.append("<h2 id='parameters'>Parameters</h2>")
        parts.append(_parameters_html(data))
    elif _scenario_differences(data):
        parts.append("<h2 id='parameters'>Parameters</h2>")
        parts.append(_scenario_differences_html(data))
    parts.append("<h2>Method</h2>")
    parts.append(_method_html(data))
    parts.append("<h2>Lead-ledger check</h2>")
    parts.append(_ledger_html(data))
    parts.append("</body></html>")
    return "\n".join(parts)
