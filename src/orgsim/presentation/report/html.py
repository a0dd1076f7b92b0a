"""The report as one self-contained HTML page: sections, tables and inline images.

The page is the jinja2 template ``presentation/templates/report.html.j2`` (autoescaped); this
module gathers what it shows, as plain text and numbers, from the report's data.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from orgsim.analyses.decision import RULE
from orgsim.experiment.experiment import SEEDING
from orgsim.experiment.stats import CI_METHOD
from orgsim.params import PARAMETERS
from orgsim.presentation import charts
from orgsim.presentation.format import sla_clock
from orgsim.presentation.page import BASE_CSS
from orgsim.presentation.report.data import CLOSED_STATES, ReportData, ledger_check
from orgsim.presentation.report.plan import Chart
from orgsim.presentation.report.readings import lead_sentence
from orgsim.presentation.report.summary import Summary, mark_text, summarise
from orgsim.presentation.report.text import capital, describe, design_title, fmt, plain
from orgsim.presentation.style import in_sentence, measure_name
from orgsim.presentation.templating import render

# -- HTML -------------------------------------------------------------------------------------
# Page colours stay neutral (ink, slate, greys): the structures own orange, blue and green, so a
# green "best" or a vermillion "behind" would read as a structure. Marks carry the meaning (✓ ≈ ✗).
CSS = (
    BASE_CSS
    + """
* { box-sizing: border-box; }
h3 { font-size: 17px; margin: 26px 0 6px; }
ul.findings li { margin: 6px 0; }
td.best { font-weight: 700; background: #eeeef4; }
td.changed { font-weight: 600; }
.verdict { font-size: 19px; font-weight: 600; background: #f4f4f7; border-left: 4px solid var(--accent);
           padding: 12px 16px; }
section.summary { margin-bottom: 10px; }
td.m-best { background: #e6e6ee; font-weight: 700; } td.m-behind { color: var(--ink); }
td.m-input { color: var(--muted); } .mark { font-size: 12.5px; }
table.matrix { font-size: 13px; } table.matrix th, table.matrix td { padding: 4px 6px; }
table.matrix .note { font-size: 12px; }  /* nine columns of mean, CI and mark fit the page */
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
          vertical-align: baseline; }
.reading { font-size: 15.5px; margin: 4px 0 8px; }
.reading b { color: var(--accent); }
figcaption { color: var(--muted); font-size: 13px; }
.ok { color: var(--ink); font-weight: 700; }
.bad { color: var(--ink); font-weight: 700; text-decoration: underline; }
.note { color: var(--muted); font-size: 13.5px; }
pre { background: #f7f7f7; padding: 12px; overflow-x: auto; font-size: 12.5px; }
details summary { cursor: pointer; color: var(--accent); }
"""
)


def _swatch(data: ReportData, group: str) -> dict[str, str]:
    return {"name": group, "color": charts.styles_of(data.runs)[group].color}


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def unit_words(measure: str) -> str:
    """A measure's unit as a reader sees it (``EUR``, ``%``, ``index, 0-100``), as on its chart axes."""
    from orgsim import measures

    return measures.get(measure).unit_words


def _headline_view(data: ReportData, table: pd.DataFrame) -> dict[str, Any]:
    rows = []
    for measure, part in table.groupby("measure", sort=False):
        note = {"higher": "higher is better", "lower": "lower is better"}.get(
            data.direction(str(measure)), "neither is better"
        )
        if (part["mark"] == "input").all():
            note += "; set by the inputs (no verdict)"
        note += MEASURE_NOTES.get(measure, "")
        if measure == "median_response_hours":
            note += "".join(f"; {line}" for line in sla_clocks(data))
        if measure == "sla_met_share" and (times := sla_times(data)):
            note += "; " + times
        cells = [
            {
                "mean": fmt(measure, row.mean),
                "interval": ""
                if math.isnan(row.low)
                else f"{fmt(measure, row.low)} to {fmt(measure, row.high)}",
                "best": bool(row.best),
            }
            for row in part.itertuples()
        ]
        rows.append(
            {"name": measure_name(measure), "note": note, "unit": unit_words(measure), "cells": cells}
        )
    return {"groups": [_swatch(data, g) for g in data.groups], "rows": rows}


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


def _parameters_view(data: ReportData) -> dict[str, Any] | None:
    if data.parameters is None:
        return None
    params = data.parameters
    groups = [c for c in params.columns if c not in ("unit", "default")]
    rows = []
    for key, row in params.iterrows():
        spec = PARAMETERS.get(str(key))
        values = [{"text": plain(row[g]), "changed": bool(row[g] != row["default"])} for g in groups]
        rows.append(
            {
                "key": key,
                "doc": spec.doc if spec else "",
                "unit": row["unit"],
                "default": plain(row["default"]),
                "cells": values,
            }
        )
    return {"groups": groups, "rows": rows}


def _factors_view(data: ReportData) -> dict[str, Any]:
    """What a sweep compared (structures, factors, base scenarios) and what it held fixed."""
    m = data.manifest
    rows = []
    for f in data.factors:
        spec = PARAMETERS.get(f.key)
        doc = spec.doc if spec else ("Org structure preset" if f.key == "structure" else "")
        rows.append({"key": f.key, "doc": doc, "unit": spec.unit if spec else "", "levels": describe(f)})
    view: dict[str, Any] = {
        "design": design_title(data.design),
        "n_points": data.runs["design_point"].nunique(),
        "reps": data.reps,
        "n_runs": len(data.runs),
        "n_failed": 0 if data.failed is None else len(data.failed),
        "groups": [_swatch(data, g) for g in data.groups],
        "settings": (
            {"n": data.runs.groupby(data.settings).ngroups, "names": list(data.settings)}
            if data.groups and data.settings
            else None
        ),
        "rows": rows,
        "manifest": m is not None,
        "scenarios": [],
        "diffs": None,
        "fixed": [],
    }
    if m is None:
        return view
    view["scenarios"] = [
        {"name": sc.name, "structure": sc.structure, "description": sc.description} for sc in m.scenarios
    ]
    diffs = {k: v for k, v in m.scenario_differences.items() if k not in {f.key for f in m.factors}}
    if m.scenarios and diffs:
        names = [sc.name for sc in m.scenarios]
        view["diffs"] = {
            "names": names,
            "rows": [(k, [plain(values.get(n)) for n in names]) for k, values in diffs.items()],
        }
    view["fixed"] = [(k, plain(v)) for k, v in m.overrides.items()]
    return view


def _ledger_view(data: ReportData) -> dict[str, Any]:
    check = ledger_check(data.runs)
    totals = check.groupby("group", sort=False)[["created", "open", *CLOSED_STATES]].mean()
    rows = [
        {"swatch": _swatch(data, g), "cells": [f"{v:,.0f}" for v in totals.loc[g]]}
        for g in data.groups
        if g in totals.index
    ]
    return {
        "n": len(check),
        "n_bad": int((~check["holds"]).sum()),
        "head": ["Group", "Created", "Open", *(s.capitalize() for s in CLOSED_STATES)],
        "rows": rows,
    }


def _method_view(data: ReportData) -> dict[str, Any]:
    m = data.manifest
    failed = None
    if data.failed is not None and len(data.failed):
        failed = {
            "columns": list(data.failed.columns),
            "rows": [list(r) for r in data.failed.head(20).astype(str).itertuples(index=False)],
        }
    provenance = []
    if m is not None:
        for label, value in (
            ("Experiment hash", m.experiment_hash),
            ("Started", m.started),
            ("Finished", m.finished),
            ("Sessions", len(m.sessions) or None),
        ):
            if value:
                provenance.append((label, value))
    return {
        "reps": data.reps,
        "n_groups": len(data.groups),
        "n_runs": len(data.runs),
        "days": data.days,
        "seed": data.seed,
        "ci_method": CI_METHOD,
        "design": design_title(data.design).capitalize(),
        "n_points": data.runs["design_point"].nunique() if "design_point" in data.runs else 0,
        "n_failed": 0 if data.failed is None else len(data.failed),
        "common": m is not None and m.seeding == SEEDING,
        "provenance": provenance,
        "rule": RULE,
        "versions": list(data.versions.items()),
        "failed": failed,
    }


def _figure_view(c: Chart, heading: str) -> dict[str, Any]:
    """One chart: a short heading, its reading (unless it only repeats the title), image, caption.

    The finding is the image's own title (it must survive being pasted into a deck), so the
    heading names the exhibit and the reading is shown only when it adds to the title.
    """
    same = c.reading.rstrip(".").lower() == c.title.rstrip(".").lower()
    return {
        "name": c.name,
        "heading": heading,
        "reading": "" if same else c.reading,
        "image": _b64(c.png),
        "title": c.title,
        "how_to_read": c.how_to_read,
        "png": c.png.name,
        "svg": c.svg.name,
    }


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


def _summary_view(data: ReportData, summary: Summary, forest: Chart | None = None) -> dict[str, Any]:
    """The executive summary: recommendation, margins, the forest plot, flips, decision matrix, caveats."""
    matrix = None
    if len(data.groups) > 1 and summary.matrix:
        words = {"higher": "higher is better", "lower": "lower is better", "none": "neither is better"}
        rows = []
        for g in data.groups:
            cells = []
            for m in summary.matrix:
                value, mark = summary.cells[(g, m)]
                mean, _, ci = value.partition(" [")  # the CI on its own line keeps the matrix narrow
                cells.append({"mean": mean, "ci": ci, "mark": mark, "mark_text": mark_text(mark)})
            rows.append({"swatch": _swatch(data, g), "cells": cells})
        head = [{"label": measure_name(m), "better": words[data.direction(m)]} for m in summary.matrix]
        matrix = {"head": head, "rows": rows}
    return {
        "headline": summary.headline,
        "margins": list(summary.margins),
        "measure": in_sentence(measure_name(summary.measure)) if summary.margins else "",
        "forest": _figure_view(forest, exhibit_name(forest.name)) if forest is not None else None,
        "assumptions": list(summary.assumptions),
        "flips": list(summary.flips),
        "matrix": matrix,
        "caveats": list(summary.caveats),
        "rule": summary.rule,
    }


def render_html(data: ReportData, chart_list: Sequence[Chart], table: pd.DataFrame) -> str:
    """The report as one self-contained HTML string (images inline, no external references)."""
    findings = [capital(lead_sentence(data, m)) + "." for m in data.headline]
    findings += [
        c.reading
        for c in chart_list
        if c.name == "tradeoff" or c.name.startswith(("winner", "sens", "response"))
    ]
    scope = (
        " over the sweep's settings (each weighs the same; the CI holds within-setting noise only)"
        if data.kind == "sweep" and data.settings
        else ""
    )
    return render(
        "report.html.j2",
        title=data.title,
        css=Markup(CSS),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=data.versions.get("orgsim", ""),
        n_runs=len(data.runs),
        design_label=design_title(data.design) if data.reps > 1 else "one run per structure (no CI)",
        question=data.question,
        summary=_summary_view(
            data, summarise(data), next((c for c in chart_list if c.name == "forest"), None)
        ),
        findings=findings,
        kind=data.kind,
        compared=[{**_swatch(data, g), "description": data.descriptions.get(g, "")} for g in data.groups],
        factors=_factors_view(data) if data.kind != "compare" else None,
        notes=list(data.notes),
        scope=scope,
        headline=_headline_view(data, table),
        baseline=data.baseline,
        differences=Markup(data.differences) if data.differences else "",  # rendered by its own template
        charts=[_figure_view(c, exhibit_name(c.name)) for c in chart_list if c.name != "forest"],
        parameters=_parameters_view(data) if data.kind == "compare" else None,
        method=_method_view(data),
        ledger=_ledger_view(data),
    )
