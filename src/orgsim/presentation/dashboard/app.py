"""The dashboard page: set-up and run controls in the sidebar, live panels in the main area.

Serve it with ``orgsim dashboard`` (or ``solara run orgsim.presentation.dashboard.app``). The
initial scenario comes from ``ORGSIM_DASHBOARD_SCENARIO`` and reports go under
``ORGSIM_DASHBOARD_REPORTS``; the CLI sets both. Each browser tab gets its own
:class:`~orgsim.presentation.dashboard.session.Session`.

Controls follow Mesa's SolaraViz (Reset, play/pause, Step; a set-up applies on Reset). The page
keeps its own controller rather than SolaraViz's because the sliders show the chosen scenario
and structure's values and send only the moved ones, so picking a structure is never undone by
sliders holding another structure's values, and the twin run steps in lockstep.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import solara
import solara.lab
from mesa.visualization.utils import force_update, update_counter

from orgsim.errors import InputError
from orgsim.params import STRUCTURES
from orgsim.presentation.dashboard.components import (
    FrictionChart,
    FrictionFeed,
    FunnelChart,
    Headline,
    LeakageChart,
    People,
    RevenueChart,
    SideBySide,
)
from orgsim.presentation.dashboard.session import (
    SEED_RUNS,
    Session,
    SetUp,
    SliderSpec,
    Spread,
    control_help,
    control_label,
    slider_specs,
    start_scenario,
)
from orgsim.scenario import available

REPORTS_ENV = "ORGSIM_DASHBOARD_REPORTS"
SPECS = slider_specs()


def initial_setup() -> SetUp:
    """The set-up a new tab starts with (the scenario given to ``orgsim dashboard``)."""
    return SetUp(scenario=start_scenario())


HELP_STYLE = {"font-size": "0.75em", "color": "#666666", "display": "block", "margin": "-2px 0 12px 0"}
ONE_SEED = (
    "One seed is one possible year: the market's draws and each lead's luck. Another seed gives another "
    "year, so a gap between two runs may be luck. Run 10 seeds to see the spread before concluding."
)


def Help(text: str) -> None:
    """A control's meaning, unit and range, in small print under it."""
    solara.Text(text, classes=["orgsim-help"], style=HELP_STYLE)


@solara.component
def Control(spec: SliderSpec, value: Any, on_change: Callable[[str, Any], None]) -> None:
    """One parameter's control (slider or checkbox) with its meaning, unit and range under it."""
    if spec.type == "bool":
        solara.Checkbox(label=spec.label, value=bool(value), on_value=lambda v: on_change(spec.key, v))
    else:
        slider = solara.SliderInt if spec.type == "int" else solara.SliderFloat
        slider(
            control_label(spec, value),
            value=value,
            min=spec.lo,
            max=spec.hi,
            step=spec.step,
            on_value=lambda v: on_change(spec.key, v),
        )
    Help(control_help(spec))


@solara.component
def SetUpCard(setup: solara.Reactive[SetUp], error: solara.Reactive[str | None]) -> None:
    """Scenario, structure, seed, the twin's structure and the sliders (applied on Reset)."""
    s = setup.value
    try:
        base = s.base()
        values = s.values()
    except InputError as exc:
        solara.Error(str(exc))
        return

    def pick_scenario(name: str) -> None:
        setup.value = SetUp(scenario=name, seed=s.seed, twin=s.twin)

    def pick_structure(name: str) -> None:
        setup.value = SetUp(scenario=s.scenario, structure=name, seed=s.seed, twin=s.twin)

    def pick_seed(value: int | None) -> None:
        if value is None or not 0 <= value < 2**63:
            error.value = "seed: use an integer >= 0"
            return
        setup.value = SetUp(s.scenario, s.structure, int(value), s.overrides, s.twin)

    def pick_twin(name: str) -> None:
        setup.value = SetUp(s.scenario, s.structure, s.seed, s.overrides, name)

    def move(key: str, value: Any) -> None:
        setup.value = setup.value.moved(key, value)

    with solara.Card("Set-up (applies on Reset)"):
        solara.Select("Scenario", value=s.scenario, values=list(available()), on_value=pick_scenario)
        Help("The company: market, teams and budgets (orgsim scenarios lists them).")
        solara.Select("Org structure", value=base.structure, values=list(STRUCTURES), on_value=pick_structure)
        Help("How marketing and sales are organised; sets the policies below to that structure's values.")
        solara.InputInt("Seed", value=s.seed, on_value=pick_seed, continuous_update=False)
        Help("Which possible year is drawn (an integer >= 0); the same seed gives the same run.")
        twins = [x for x in STRUCTURES if x != base.structure]
        solara.Select(
            "Side by side with",
            value=s.twin if s.twin in twins else twins[0],
            values=twins,
            on_value=pick_twin,
        )
        Help("Another structure run on the same scenario and seed, day by day.")
        moved = ", ".join(sorted(s.overrides)) or "none"
        solara.Text(f"Moved from the scenario: {moved}", style={"font-size": "0.8em"})
        for spec in SPECS:
            Control(spec, values[spec.key], move)


@solara.component
def ReportCard(session: Session, day: int, playing: solara.Reactive[bool]) -> None:
    """A button that writes the report of the run and its twin so far."""
    written = solara.use_reactive("")
    requested = solara.use_reactive(0)

    def write() -> None:
        if requested.value == 0:
            return
        root = os.environ.get(REPORTS_ENV, "dashboard-reports")
        written.value = str(session.write_report(root))

    task = solara.lab.use_task(write, dependencies=[requested.value], prefer_threaded=True)

    def ask() -> None:
        playing.value = False  # the report reads the models: stop stepping first
        requested.value += 1

    with solara.Card("Report"):
        solara.Button("Write report of this run", on_click=ask, disabled=task.pending or day == 0)
        if task.pending:
            solara.Text("Writing charts and report.html ...")
        elif task.error:
            solara.Error(f"report failed: {task.exception}")
        elif written.value:
            solara.Text(f"Written: {written.value}")


@solara.component
def SeedsCard(session: Session, day: int, playing: solara.Reactive[bool]) -> None:
    """The one-seed warning, and a button that runs 10 seeds of both structures to this day."""
    requested = solara.use_reactive(0)
    progress = solara.use_reactive("")
    shown: solara.Reactive[Spread | None] = solara.use_reactive(None)

    def run() -> None:
        if requested.value == 0:
            return
        report = lambda done, total: progress.set(f"{done} of {total} runs")  # noqa: E731
        shown.value = session.run_seeds(SEED_RUNS, report)

    task = solara.lab.use_task(run, dependencies=[requested.value], prefer_threaded=True)

    def ask() -> None:
        playing.value = False
        progress.value = ""
        requested.value += 1

    spread = session.current_spread()
    with solara.Card(f"One seed or {SEED_RUNS}"):
        solara.Warning(ONE_SEED, classes=["orgsim-one-seed"])
        solara.Button(f"Run {SEED_RUNS} seeds", color="primary", on_click=ask, disabled=task.pending)
        if task.pending:
            solara.Text(f"Running {SEED_RUNS} seeds of both structures to day {day}: {progress.value} ...")
        elif task.error:
            solara.Error(f"seeds failed: {task.exception}")
        elif spread is not None:
            SpreadTable(spread)
        elif shown.value is not None:
            solara.Text("The set-up or the day changed since: run the seeds again to see this day's spread.")


def SpreadTable(spread: Spread) -> None:
    """Each headline measure per structure: this run, and the mean, 95% CI and range over the seeds."""
    from orgsim.experiment.stats import measure_ci
    from orgsim.model.native import HEADLINE
    from orgsim.presentation.style import compact_number, measure_name, measure_unit

    rows = []
    for name in HEADLINE:
        unit = measure_unit(name)
        row = [measure_name(name)]
        for structure in spread.structures:
            values = spread.values(structure, name)
            mean, low, high = measure_ci(values, name)
            row += [
                f"{compact_number(mean, unit)} [{compact_number(low, unit)}, {compact_number(high, unit)}]",
                f"{compact_number(min(values), unit)} to {compact_number(max(values), unit)}",
            ]
        rows.append(row)
    head = ["Measure"] + [
        f"{s}: {what}" for s in spread.structures for what in ("mean [95% CI]", "lowest to highest")
    ]
    n, base = len(spread.seeds), spread.setup.seed
    with solara.Div(classes=["orgsim-spread"]):
        solara.Text(
            f"{n} seeds at day {spread.day}: replications 0 to {n - 1} of seed {base} (run seed "
            f"{base}·2³² + r, as orgsim compare --seed {base}). Mean [95% CI] and the range over the "
            "seeds; the report now compares these runs.",
            style={"display": "block", "margin-bottom": "6px"},
        )
        _spread_html(head, rows)


def _spread_html(head: list[str], rows: list[list[str]]) -> None:
    from orgsim.presentation.dashboard.components import _table

    _table(head, rows)


@solara.component
def RunCard(
    session: Session,
    playing: solara.Reactive[bool],
    days_per_update: solara.Reactive[int],
    pause_ms: solara.Reactive[int],
    error: solara.Reactive[str | None],
    on_reset: Callable[[], None],
) -> None:
    """Reset, play/pause, step, speed, and the day (redrawn with every update)."""
    update_counter.get()

    def step() -> None:
        session.advance(days_per_update.value)
        force_update()

    with solara.Card("Run"):
        with solara.Row(justify="space-between"):
            solara.Button("Reset", color="primary", on_click=on_reset)
            solara.Button(
                "Pause" if playing.value else "Play",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not session.running,
            )
            solara.Button(
                "Step", color="primary", on_click=step, disabled=playing.value or not session.running
            )
        solara.SliderInt(f"Days per update: {days_per_update.value}", value=days_per_update, min=1, max=25)
        solara.SliderInt(
            f"Pause between updates: {pause_ms.value} ms", value=pause_ms, min=0, max=500, step=10
        )
        solara.Text(f"Day {session.day} of {session.horizon}")
        if error.value:
            solara.Error(error.value)


@solara.component
def Panels(run: Session, playing: solara.Reactive[bool]) -> None:
    """The main area: every panel, redrawn together when Mesa's ``update_counter`` moves."""
    update_counter.get()
    run.show_currency()  # this tab's scenario (money is one setting per process)
    with solara.Column(style={"padding": "8px"}):
        Headline(run.model, run.day)
        SeedsCard(run, run.day, playing)  # full width, near the top: one run is one possible year
        with solara.Columns([1, 1]):
            RevenueChart(run.model, run.day)
            FrictionChart(run.model, run.day)
        with solara.Columns([1, 1]):
            LeakageChart(run.model, run.day)
            FunnelChart(run.model, run.day)
        SideBySide(run.model, run.twin, run.day)
        with solara.Columns([3, 2]):
            People(run.model, run.day)
            with solara.Column():
                FrictionFeed(run.model, run.day)
                ReportCard(run, run.day, playing)


@solara.component
def Page() -> None:
    """The whole dashboard for one browser tab (only the panels redraw as days run)."""
    setup = solara.use_reactive(initial_setup())
    session = solara.use_reactive(solara.use_memo(lambda: Session(setup.value), []))
    playing = solara.use_reactive(False)
    days_per_update = solara.use_reactive(10)
    pause_ms = solara.use_reactive(0)
    error = solara.use_reactive(None)

    def play() -> None:
        while playing.value and session.value.running:
            session.value.advance(days_per_update.value)
            force_update()
            time.sleep(pause_ms.value / 1000)
        playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def reset() -> None:
        playing.value = False
        try:
            session.value = Session(setup.value)
            error.value = None
        except InputError as exc:
            error.value = str(exc)
        force_update()

    run = session.value
    solara.Title("orgsim dashboard")
    with solara.AppBar():
        solara.AppBarTitle("orgsim: marketing and sales, day by day")
    with solara.Sidebar():
        RunCard(run, playing, days_per_update, pause_ms, error, reset)
        SetUpCard(setup, error)
    Panels(run, playing)


page = Page
