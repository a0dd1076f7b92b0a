"""The chart plan: which exhibits fit the data, how each is drawn and read, and drawing them.

To add an exhibit, append an :class:`Exhibit` in :func:`plan` (under the condition that says when
it fits): a file stem, a ``draw`` returning a matplotlib Figure (from :mod:`orgsim.presentation.charts`),
a ``read`` returning its one-line reading (from :mod:`.readings`) and a ``how`` caption. The HTML
shows exhibits in plan order; ``orgsim report --json`` lists them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib.figure

from orgsim.outputs import file_stem
from orgsim.presentation import charts, exhibits
from orgsim.presentation.report import readings
from orgsim.presentation.report.data import DECISION_MEASURES, ReportData, sensitivity_indices
from orgsim.presentation.report.text import and_list
from orgsim.presentation.style import factor_name, in_sentence
from orgsim.presentation.style import measure_name as style_measure_name

log = logging.getLogger(__name__)

MAX_RESPONSE_CHARTS = 4  # one-factor response charts drawn for a many-factor sweep


@dataclass
class Chart:
    """One chart of the report: file stem, title, its reading and the written files."""

    name: str
    title: str
    reading: str
    png: Path
    svg: Path
    how_to_read: str = ""


def _note(data: ReportData, extra: str = "") -> str:
    version = data.versions.get("orgsim", "")
    parts = [f"orgsim {version}".strip()]
    if data.kind == "compare":
        parts.append(f"{data.reps} replications per scenario, seed {data.seed}")
    else:
        parts.append(f"{data.design} sweep, {len(data.runs)} runs, seed {data.seed}")
    if data.days:
        parts.append(f"{data.days} business days")
    if extra:
        parts.append(extra)
    return " · ".join(parts)


def pooled_scope(data: ReportData) -> str:
    """How a chart by structure treats the sweep's settings, or "" when there is one setting.

    Charts given ``data.settings`` compare structures within each setting and average the
    settings with equal weight; a design that did not run every structure in every setting
    (a Latin hypercube sampling the structure) can only pool its runs, and says so.
    """
    if data.kind != "sweep" or data.runs["design_point"].nunique() <= data.runs["structure"].nunique():
        return ""
    if data.settings:
        k = data.runs.groupby(data.settings).ngroups
        return f"means over the sweep's {k} settings, each the same weight"
    return "pooled over the sweep's design points (structures were not run in the same settings)"


def response_panel(data: ReportData, factor: str) -> str | None:
    """The factor whose levels get one row of panels each in ``factor``'s response chart, or None.

    The other swept factor with the fewest levels (at most 4). Any further factor is averaged
    within settings by the chart, which says so.
    """
    others = [f for f in data.swept if f != factor and data.runs[f].nunique() <= 4]
    return min(others, key=lambda f: data.runs[f].nunique()) if others else None


FOREST = "forest"
"""The forest plot's exhibit name: the report shows it right after the recommendation."""


@dataclass(frozen=True)
class Exhibit:
    """One planned chart: its file stem, how to draw it, its one-line reading and its caption."""

    name: str  # file stem under charts/, also the figure's HTML id
    draw: Callable[[], matplotlib.figure.Figure]
    read: Callable[[], str]  # the reading, from the numbers the chart draws
    how: str  # how to read the chart (caption)


Plan = list[Exhibit]
"""The planned exhibits, in report order."""


def plan(data: ReportData) -> Plan:
    """The charts that fit the data: ``(name, draw, read, how to read)`` in report order."""
    note = _note(data)
    pooled = pooled_scope(data)
    pooled_note = _note(data, pooled) if pooled else note
    runs = data.runs
    settings = data.settings
    econ = in_sentence(style_measure_name(data.economic))
    out: Plan = [
        Exhibit(
            "outcomes",
            lambda: charts.outcomes(runs, data.headline, note=pooled_note, settings=settings),
            lambda: readings.read_outcomes(data),
            "Bars are means over the sweep's settings, each the same weight; whiskers are 95% confidence "
            "intervals from the noise within settings (the spread between settings is the design, not "
            "noise); dots are each setting's mean."
            if settings
            else "Bars are means, whiskers 95% confidence intervals of the mean, dots single runs.",
        ),
        Exhibit(
            "tradeoff",
            lambda: charts.tradeoff(
                runs, y=data.economic, note=note if settings else pooled_note, settings=settings
            ),
            lambda: readings.read_tradeoff(data),
            "One panel per setting (the same company): each dot is one run; runs on the dashed Pareto "
            f"front are beaten by no other run of that setting on both {econ} and friction."
            if settings and runs.groupby(settings).ngroups <= charts.MAX_TRADEOFF_PANELS
            else "Each dot is one setting's mean per structure; large marks are means over the settings "
            "with 95% CIs from the noise within settings."
            if settings
            else "Each dot is one run. Runs on the dashed Pareto front are beaten by no other run on both "
            f"{econ} and friction.",
        ),
        Exhibit(
            "leakage_by_cause",
            lambda: charts.leakage_by_cause(runs, note=pooled_note, settings=settings),
            lambda: readings.read_leakage(data),
            "Leaked leads had real buying intent and fit, and were lost to the process: the simulation "
            "knows each prospect's true intent, which no CRM can show.",
        ),
        Exhibit(
            "friction_by_source",
            lambda: charts.friction_by_source(runs, note=pooled_note, settings=settings),
            lambda: readings.read_friction(data),
            "The friction index is the mean daily tension between the teams (0-100), split by the events "
            "that raised it.",
        ),
        Exhibit(
            "funnel",
            lambda: charts.funnel(runs, note=pooled_note, settings=settings),
            lambda: readings.read_funnel(data),
            "Counts are leads that ever reached each stage; conversion is per step, from the earlier stage.",
        ),
    ]
    if len(data.groups) > 1:
        pick = data.verdict(data.economic).order[0]
        pair_on = data.pair_on or "replicate"
        shown = [m for m in DECISION_MEASURES if m in runs and not data.verdict(m).constant]
        out.insert(
            0,
            Exhibit(
                FOREST,
                lambda: charts.forest(
                    runs, pick, shown, note=pooled_note, settings=settings, pair_on=pair_on
                ),
                lambda: readings.read_forest(data, pick, shown),
                f"Each other structure minus {pick} (the pick on {econ}), paired by seed"
                + (" within each setting and averaged, each setting the same weight" if settings else "")
                + "; lines are 95% CIs; a measure set by the inputs (no noise) is left out.",
            ),
        )
    out.extend(decision_exhibits(data, pooled_note))
    if data.validation:
        from orgsim.presentation.calibration import validation_figure

        out.append(
            Exhibit(
                "validation",
                lambda: validation_figure(data.validation or []),
                lambda: readings.read_validation(data),
                "Each published figure on its own scale (0 = its low, 1 = its high); dots are each "
                "structure's mean, lines 95% CIs, filled where they overlap the range "
                "(`orgsim validate --out` wrote it; sources in orgsim/data/facts.toml).",
            )
        )
    if data.series is not None and not data.series.empty:
        variables = [v for v in charts.SERIES_VARS if v in data.series]
        out.append(
            Exhibit(
                "series",
                lambda: charts.series_bands(data.series, variables, note=pooled_note, settings=settings),
                lambda: readings.read_series(data),
                "Lines are the mean over runs on each business day"
                + (
                    ", each setting the same weight; bands are 95% CIs from the noise within settings."
                    if settings
                    else "; bands are 95% confidence intervals."
                ),  # fmt: skip
            )
        )
    if data.design in ("factorial", "lhs"):
        swept = data.swept
        if len(swept) >= 2 and len(data.groups) > 1:
            fx, fy = swept[:2]
            third = [f for f in swept[2:] if runs[f].nunique() <= 6]
            panel_by = third[0] if third else None
            averaged = [f for f in swept[2:] if f != panel_by]
            averaged_names = [in_sentence(factor_name(f)) for f in averaged]
            how = (
                "Each cell shows the structure with the best mean there; pale hatched cells are toss-ups, "
                "where the margin over the runner-up is within its 95% CI"
                + (", the margin paired by seed within the setting" if settings else "")
                + (f"; one map per level of {in_sentence(factor_name(panel_by))}" if panel_by else "")
                + (f"; each cell averages its settings of {and_list(averaged_names)}" if averaged else "")
                + "."
            )
            pair_on = data.pair_on
            for measure in (exhibits.economic_measure(runs), "friction_index"):
                out.append(
                    Exhibit(
                        f"winner_map_{measure}",
                        lambda m=measure: charts.winner_map(
                            runs, fx, fy, m, note=note, pair_on=pair_on, settings=settings, panel_by=panel_by
                        ),
                        lambda m=measure: readings.read_winner_map(data, fx, fy, m, panel_by=panel_by),
                        how,
                    )
                )
        for factor in swept[:MAX_RESPONSE_CHARTS]:
            panel = response_panel(data, factor)
            rest = [f for f in swept if f not in (factor, panel)]
            averaged = f"averaged over {and_list([in_sentence(factor_name(f)) for f in rest])}"
            out.append(
                Exhibit(
                    f"response_{factor.replace('.', '_')}",
                    lambda f=factor, a=averaged, p=panel, r=rest: charts.metric_vs_factor(
                        runs, f, note=_note(data, a) if r else note, panel_by=p, settings=settings
                    ),
                    lambda f=factor: readings.read_response(data, f),
                    "Lines are means at each level"
                    + (f", one row of panels per level of {in_sentence(factor_name(panel))}" if panel else "")
                    + (
                        f", {averaged} with each setting the same weight; bands are 95% CIs from the noise "
                        "within settings; dots are each setting's mean."
                        if rest and settings
                        else f", {averaged}; bands are 95% confidence intervals; dots are single runs."
                        if rest
                        else "; bands are 95% confidence intervals; dots are single runs."
                    ),
                )
            )
    if data.design in ("sobol", "morris"):
        try:
            indices = sensitivity_indices(data)
        except ValueError as exc:
            why = f"Sensitivity indices could not be computed: {exc}."
            if why not in data.notes:
                data.notes.append(why)
        else:
            out.append(
                Exhibit(
                    f"sensitivity_{data.design}",
                    lambda: charts.sensitivity(indices, data.design, note=note),
                    lambda: readings.read_sensitivity(indices, data.design),
                    "Sobol: S1 is the share of a result's variance a factor causes alone, ST including its "
                    "interactions (SALib, Saltelli 2010)."
                    if data.design == "sobol"
                    else "Morris: μ* is the mean absolute change in the result when the factor moves one "
                    "step; σ its spread, large when the factor interacts with others (SALib).",
                )
            )
    return out


def _titled(
    draw: Callable[[], matplotlib.figure.Figure],
) -> tuple[Callable[[], matplotlib.figure.Figure], Callable[[], str]]:
    """A draw function and a reading that is the finding the chart carries in its title."""
    seen: dict[str, str] = {}

    def drawn() -> matplotlib.figure.Figure:
        fig = draw()
        seen["title"] = fig.texts[0].get_text().replace("\n", " ") if fig.texts else ""
        return fig

    def read() -> str:
        title = seen.get("title") or draw().texts[0].get_text().replace("\n", " ")
        return title[:1].upper() + title[1:] + "."

    return drawn, read


MAX_LEAD_FLOWS = 6
"""Lead-flow Sankeys in a report (one per group, least leaking first)."""


def decision_exhibits(data: ReportData, note: str) -> list[Exhibit]:
    """Decision exhibits: lead flows, revenue recovered by cause, the tornado of the margin.

    Lead flow of every structure (up to :data:`MAX_LEAD_FLOWS`), the revenue the least leaking recovers,
    and (sweeps of two structures) a tornado of the economic margin across the swept parameters.
    """
    runs, out = data.runs, []
    order = charts.ranked(runs, "leakage_rate", data.settings)
    for g in order[:MAX_LEAD_FLOWS]:  # every structure gets its lead flow, least leaking first
        draw, read = _titled(lambda g=g: exhibits.lead_flow(runs, g, note=note))
        out.append(Exhibit(f"lead_flow_{file_stem(g)}", draw, read,
                           "Where every lead created ends up at the horizon, mean per run: widths are leads; "
                           "leaked leads split by cause, open leads by the stage they are in."))  # fmt: skip
    if len(order) > 1:
        best, worst = order[0], order[-1]
        draw, read = _titled(
            lambda: exhibits.recovered_by_cause(runs, worst, best, note=note, settings=data.settings)
        )
        out.append(Exhibit("recovered_by_cause", draw, read,
                           f"From {worst}'s expected revenue leaked to {best}'s, one step per leak cause; "
                           "whiskers are 95% CIs of the difference."))  # fmt: skip
    swept = data.swept
    if data.kind == "sweep" and swept and len(data.groups) == 2:
        measure = data.economic
        a, b = charts.ranked(runs, measure)
        margins = charts.margins_by_factor(runs, swept, measure, a, b)
        if not margins.empty:
            draw, read = _titled(lambda: exhibits.tornado(margins, measure, a, b, note=note))
            out.append(Exhibit("tornado", draw, read,
                               f"{a}'s margin over {b} at the low and high end of each swept parameter, "
                               "paired within settings and averaged over the other parameters."))  # fmt: skip
    if data.tornado is not None and data.tornado.swings:
        t = data.tornado
        draw, read = _titled(lambda: exhibits.tornado_figure(t))
        out.append(Exhibit("tornado_one_at_a_time", draw, read,
                           f"From orgsim tornado on {t.scenario} ({t.reps} paired replications, {t.days} "
                           f"business days): {t.a}'s margin over {t.b} with one parameter at a time at its "
                           "low and its high value, the rest at the base; the dashed line and grey band: "
                           "the base margin and its 95% CI; whiskers: 95% CIs; by swing."))  # fmt: skip
    return out


def draw_charts(
    data: ReportData,
    out_dir: Path,
    planned: Plan | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Chart]:
    """Draw, save (PNG and SVG under ``out_dir/charts``) and read every planned chart."""
    out: list[Chart] = []
    for ex in planned if planned is not None else plan(data):
        fig = ex.draw()
        png, svg = charts.save(fig, out_dir / "charts" / ex.name)
        title = fig.texts[0].get_text().replace("\n", " ") if fig.texts else ex.name
        out.append(Chart(name=ex.name, title=title, reading=ex.read(), png=png, svg=svg, how_to_read=ex.how))
        log.info("chart %s: %s", ex.name, out[-1].reading)
        if progress:
            progress(1)
    return out
