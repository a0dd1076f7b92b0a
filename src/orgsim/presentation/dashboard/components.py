"""The dashboard's panels: live charts over the model's DataCollector, and plain Solara views.

Each panel is a function of the model, the shape of a Mesa SolaraViz component, plus the day it
shows: the page redraws when Mesa's ``update_counter`` moves, and a panel whose day changed
redraws with it (one redraw per update, not one per panel; panels with unchanged arguments are
skipped). The line charts read
:class:`~orgsim.model.native.OrgSimModel`'s DataCollector; the funnel, the people, the friction
feed and the side-by-side view read the models. Colours and names are those of every orgsim
chart (:mod:`orgsim.presentation.style`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

import solara
from solara.components.echarts import EchartsWidget

from orgsim.measures import FUNNEL_STAGES
from orgsim.model.calendar import YEAR_DAYS
from orgsim.model.native import CAUSES, HEADLINE, OrgSimModel
from orgsim.presentation.dashboard.charts import Line, bar_option, line_option
from orgsim.presentation.style import (
    MUTED,
    STRUCTURE_COLORS,
    cause_name,
    compact_number,
    measure_name,
    measure_unit,
    part_colors,
    source_name,
    stage_name,
)

CONTRIBUTION = "contribution"
FEED_LINES = 12
CHART_STYLE = {"style": "height: 340px; width: 100%;"}


def color_of(model: OrgSimModel) -> str:
    """The structure's colour, as in every orgsim chart."""
    return STRUCTURE_COLORS.get(model.params.structure, MUTED)


def _column(model: OrgSimModel, name: str) -> list[float]:
    """The series ``name`` over the measured days only (the warm-up's rows are left out)."""
    values = list(model.datacollector.model_vars.get(name, []))
    days = model.measured_days
    return values[-days:] if days > 0 else []


@solara.component
def LiveEcharts(option_json: str) -> solara.Element:
    """An ECharts figure whose option arrives as JSON text and is set on the widget directly.

    Passed as a prop, an option of a few thousand points is walked value by value on every
    redraw (seconds per update on a busy machine); text is compared in one go.
    """
    element = EchartsWidget.element(attributes=CHART_STYLE)

    def push() -> None:
        solara.get_widget(element).option = json.loads(option_json)

    solara.use_effect(push, [option_json])
    return element


def _chart(option: dict, name: str) -> None:
    with solara.Div(classes=["orgsim-chart", f"orgsim-chart-{name}"], style={"width": "100%"}):
        LiveEcharts(json.dumps(option, allow_nan=False))


@solara.component
def RevenueChart(model: OrgSimModel, day: int) -> None:
    """Revenue won and contribution so far (currency), in the structure's colour."""
    c = color_of(model)
    lines = [
        Line(measure_name("revenue"), c, _column(model, "revenue")),
        Line(measure_name(CONTRIBUTION), c, _column(model, CONTRIBUTION), dashed=True),
    ]
    _chart(line_option("Revenue and contribution so far", lines, "currency"), "revenue")


@solara.component
def FrictionChart(model: OrgSimModel, day: int) -> None:
    """The friction index so far and the day's tension, 0-100."""
    c = color_of(model)
    tension = [100 * v for v in _column(model, "tension")]
    lines = [
        Line(measure_name("friction_index"), c, _column(model, "friction_index")),
        Line("Tension that day", MUTED, tension, dashed=True),
    ]
    _chart(line_option("Friction between the teams", lines, "0-100"), "friction")


@solara.component
def LeakageChart(model: OrgSimModel, day: int) -> None:
    """Leads with real intent lost to the process so far, one line per cause (the report's colours)."""
    cause_colors = part_colors(list(CAUSES), "cause")
    lines = [
        Line(
            cause_name(cause),
            cause_colors[cause],
            _column(model, f"leaked.{cause}"),
        )
        for cause in CAUSES
    ]
    _chart(line_option("Leaked leads by cause, so far", lines, "leads", legend_rows=3), "leakage")


@solara.component
def FunnelChart(model: OrgSimModel, day: int) -> None:
    """Marketing leads that reached each stage so far."""
    funnel = model.today.funnel
    stages = [s for s in FUNNEL_STAGES if s in funnel]
    option = bar_option(
        "Funnel: marketing leads that reached each stage",
        [stage_name(s) for s in stages],
        [funnel[s] for s in stages],
        color_of(model),
        "leads",
    )
    _chart(option, "funnel")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A small HTML table (numbers right-aligned)."""
    cell = "padding: 2px 10px; text-align: {};"
    th = "".join(
        f'<th style="{cell.format("left" if i == 0 else "right")}">{html.escape(h)}</th>'
        for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="{cell.format("left" if i == 0 else "right")}">{html.escape(v)}</td>'
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    solara.HTML(
        tag="table",
        unsafe_innerHTML=f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody>",
        style={"border-collapse": "collapse", "font-size": "0.9em"},
    )


@solara.component
def Headline(model: OrgSimModel, day: int) -> None:
    """The day and the headline measures so far."""
    m = model.today.metrics
    p = model.params
    day_of = f"day {model.measured_days} of {p.horizon.days}"  # measured days, after the warm-up
    with solara.Card(f"{p.name} ({p.structure}), seed {model.seed}: {day_of}"):
        with solara.Row(style={"flex-wrap": "wrap", "gap": "28px"}):
            for name in HEADLINE:
                with solara.Column(gap="0px", classes=[f"orgsim-kpi-{name}"]):
                    solara.Text(measure_name(name), style={"font-size": "0.8em", "color": MUTED})
                    solara.Text(compact_number(m[name], measure_unit(name)), style={"font-size": "1.3em"})


@solara.component
def People(model: OrgSimModel, day: int) -> None:
    """Each salesperson's queue, open deals and trust; the heads' budget split."""
    rows = [
        [
            f"Rep {i + 1}",
            f"{rep.skill:.2f}",
            str(len(rep.queue)),
            str(len(rep.deals)),
            compact_number(sum(d.value for d in rep.deals), "currency"),
            f"{rep.trust:.2f}",
        ]
        for i, rep in enumerate(model.salespeople)
    ]
    program = model.program_budget_day * YEAR_DAYS
    outbound = model.outbound_budget_day * YEAR_DAYS
    total = program + outbound
    split = (
        f"{program / total:.0%} marketing programs, {outbound / total:.0%} sales outbound"
        if total
        else "none yet"
    )
    heads = " and ".join(f"the head of {h.department}" for h in model.heads)
    with solara.Card("The people"):
        _table(
            ["Salesperson", "Skill", "Queue (leads)", "Open deals", "Pipeline", "Trust in marketing"], rows
        )
        solara.Text(
            f"Budget set by {heads}, at a yearly rate of {compact_number(total, 'currency')}: {split}.",
            style={"display": "block", "margin-top": "8px"},
        )


@solara.component
def FrictionFeed(model: OrgSimModel, day: int) -> None:
    """The latest friction events, newest first."""
    recent = model.friction_log[-FEED_LINES:][::-1]
    with solara.Card("Friction events, newest first"):
        if not recent:
            solara.Text("No friction yet.")
        for e in recent:
            times = f" ×{e.count}" if e.count > 1 else ""
            solara.Text(
                f"Day {e.day}: {source_name(e.source)}{times}",
                style={"display": "block"},
            )


@solara.component
def SideBySide(model: OrgSimModel, twin: OrgSimModel, day: int) -> None:
    """The same scenario and seed under two structures: revenue and friction, day by day."""
    runs = [model, twin]
    revenue = [Line(m.params.structure, color_of(m), _column(m, "revenue")) for m in runs]
    friction = [Line(m.params.structure, color_of(m), _column(m, "friction_index")) for m in runs]
    rows = [
        [measure_name(n), *(compact_number(m.today.metrics[n], measure_unit(n)) for m in runs)]
        for n in HEADLINE
    ]
    with solara.Card(
        f"Side by side: {model.params.structure} and {twin.params.structure}, same scenario and seed"
    ):
        with solara.Columns([2, 2, 1.4]):
            _chart(line_option(measure_name("revenue") + " so far", revenue, "currency"), "twin-revenue")
            _chart(line_option(measure_name("friction_index"), friction, "0-100"), "twin-friction")
            _table(["Measure", *(m.params.structure for m in runs)], rows)


__all__ = [
    "FrictionChart",
    "FrictionFeed",
    "FunnelChart",
    "Headline",
    "LeakageChart",
    "People",
    "RevenueChart",
    "SideBySide",
]
