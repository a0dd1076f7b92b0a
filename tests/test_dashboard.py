"""The dashboard without a browser: its set-up and session, and the page rendered headless."""

from __future__ import annotations

import re

import ipyvuetify as v
import pytest
import solara

from orgsim.params import PARAMETERS
from orgsim.presentation.dashboard import app
from orgsim.presentation.dashboard.session import SCENARIO_ENV, SLIDERS, Session, SetUp, slider_specs

TINY = {"market.prospects": 1200, "horizon.days": 12, "sales.headcount": 3, "marketing.headcount": 2}


def tiny_setup(**kwargs) -> SetUp:
    return SetUp(scenario="separate", overrides=dict(TINY), **kwargs)


def test_sliders_come_from_the_parameter_schema():
    for spec in slider_specs():
        schema = PARAMETERS[spec.key]
        assert spec.type == schema.type and spec.unit == schema.unit and spec.doc == schema.doc
        if spec.type != "bool":
            assert schema.lo <= spec.lo < spec.hi <= schema.hi
    assert len(slider_specs()) == len(SLIDERS)


def test_a_slider_back_at_the_scenario_value_is_no_override():
    setup = SetUp(scenario="aligned")
    moved = setup.moved("sla.response_hours", 12.0)
    assert moved.overrides == {"sla.response_hours": 12.0}
    assert moved.values()["sla.response_hours"] == 12.0
    assert moved.moved("sla.response_hours", 4.0).overrides == {}  # aligned's own value
    # the sliders show the chosen structure's values, not the scenario file's
    values = SetUp(scenario="separate", structure="aligned").values()
    assert values["policy.recycle_owner_hours_per_week"] == 4.0


def test_session_steps_the_run_and_its_twin_in_lockstep_to_the_horizon():
    session = Session(tiny_setup(twin="merged"))
    assert (session.model.params.structure, session.twin.params.structure) == ("separate", "merged")
    assert session.twin.seed == session.model.seed
    assert session.advance(5) == 5 and session.day == session.twin.measured_days == 5  # after the warm-up
    assert session.advance(100) == 7 and not session.running
    # the twin may not be the run's own structure
    assert (
        Session(SetUp(scenario="aligned", overrides=dict(TINY), twin="aligned")).twin.params.structure
        != "aligned"
    )


def test_the_report_button_writes_a_report_of_both_runs(tmp_path):
    session = Session(tiny_setup())
    session.advance(8)
    path = session.write_report(tmp_path)
    assert path.name == "report.html" and path.parent.parent == tmp_path
    text = path.read_text()
    assert "separate" in text and "aligned" in text
    assert (path.parent / "runs.csv").read_text().count("\n") == 3  # header and two runs
    import pandas as pd

    runs = pd.read_csv(path.parent / "runs.csv")
    label = "group" if "group" in runs else "scenario"
    assert set(runs[label]) == {"separate", "aligned"}  # each run labelled by its own structure
    assert "95% CI no CI" not in text and "<span class='mark'>set by inputs</span>" not in text
    assert "<span class='mark'>one run: no verdict</span>" in text  # one run: no CI, no verdict
    assert "one run per structure (no CI)" in text and "a single seed is one possible year" in text


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "separate")
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


def text_shown(rc, text: str) -> bool:
    return bool(rc.find(children=[text]).widgets)


def test_page_renders_headless_and_steps(page):
    assert text_shown(page, "Day 0 of 250")
    charts = page.find(solara.components.echarts.EchartsWidget).widgets
    assert len(charts) >= 6
    before = [c.option for c in charts]
    page.find(v.Btn, children=["Step"]).widget.click()
    assert text_shown(page, "Day 10 of 250")
    after = [c.option for c in page.find(solara.components.echarts.EchartsWidget).widgets]
    assert after != before


def test_a_moved_slider_applies_on_reset(page):
    slider = next(w for w in page.find(v.Slider).widgets if w.label.startswith("Sales headcount"))
    slider.v_model = 4
    assert text_shown(page, "Moved from the scenario: sales.headcount")
    assert text_shown(page, "Day 0 of 250")
    page.find(v.Btn, children=["Reset"]).widget.click()
    tables = [w.unsafe_innerHTML for w in page.find(solara.widgets.HTML).widgets]
    people = next(t for t in tables if "Salesperson" in t)
    assert "Rep 4<" in people and "Rep 5<" not in people  # 4 salespeople instead of 10


def test_every_control_says_its_meaning_unit_and_range():
    from orgsim.presentation.dashboard.session import control_help, control_label

    for spec in slider_specs():
        text = control_help(spec)
        assert text.startswith(spec.doc)
        if spec.type == "bool":
            assert "On or off" in text
        else:
            assert "Unit:" in text and f"Range here: {spec.lo:g} to {spec.hi:g}" in text
            assert control_label(spec, spec.lo).startswith(spec.label + ": ")
    share = next(s for s in slider_specs() if s.unit == "share")
    assert control_label(share, 0.3).endswith(": 30%")


def test_run_seeds_replicates_the_setup_and_the_report_compares_them(tmp_path):
    from orgsim.experiment.seeds import run_seed

    session = Session(tiny_setup())
    session.advance(4)
    spread = session.run_seeds(3)
    assert spread.seeds == [run_seed(0, r) for r in range(3)]
    assert spread.structures == ["separate", "aligned"] and len(spread.results) == 6
    # replication 0 of seed 0 is this run: same revenue at the same day
    assert spread.values("separate", "revenue")[0] == pytest.approx(session.model.today.metrics["revenue"])
    assert len(set(spread.values("separate", "revenue"))) > 1  # other seeds, other years
    text = session.write_report(tmp_path).read_text()
    assert "one run per structure (no CI)" not in text
    assert "separate" in text and "aligned" in text
    session.advance(1)
    assert session.current_spread() is None  # another day: the seeds are stale


def test_page_warns_that_one_seed_is_one_year(page):
    assert text_shown(page, app.ONE_SEED)
    assert page.find(v.Btn, children=[f"Run {app.SEED_RUNS} seeds"]).widget
    spec = next(s for s in slider_specs() if s.key == "sales.headcount")
    from orgsim.presentation.dashboard.session import control_help

    assert text_shown(page, control_help(spec))


def _priced(folder, name: str, code: str | None) -> None:
    line = f'currency = "{code}"\n' if code else ""
    (folder / f"{name}.toml").write_text(
        f'description = "{name}"\nstructure = "merged"\n{line}[horizon]\ndays = 12\nwarmup_days = 5\n'
        "[market]\nprospects = 600\n[sales]\nheadcount = 3\n"
    )


def _texts(widget) -> list[str]:
    """Every text shown under ``widget``."""
    children = getattr(widget, "children", None) or []
    return [t for c in children for t in ([c] if isinstance(c, str) else _texts(c))]


def _budget_line(box) -> str:
    """The people card's budget line (money, in the currency the page writes)."""
    return next(t for t in _texts(box) if t.startswith("Budget set by"))


@pytest.mark.parametrize("flag", [None, "gbp"])
def test_switching_to_a_scenario_in_another_currency_redraws_money_in_it(tmp_path, monkeypatch, flag):
    """As `orgsim dashboard [--currency]` runs it: each scenario's own currency, or the flag's."""
    from orgsim import currency
    from orgsim.scenario import load_scenario

    (tmp_path / "scenarios").mkdir()
    for name, code in (("eu", "EUR"), ("us", "USD"), ("plain", None)):
        _priced(tmp_path / "scenarios", name, code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(SCENARIO_ENV, "eu")
    currency.begin(flag)  # what the CLI's --currency callback does
    load_scenario("eu")  # and the CLI's check of the start scenario
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        for name, symbol in (("eu", "€"), ("us", "$"), ("plain", ""), ("eu", "€")):
            select = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
            select.v_model = name
            rc.find(v.Btn, children=["Reset"]).widget.click()
            assert [w.children for w in rc.find(v.Alert).widgets if w.type == "error"] == []
            shown, want = _budget_line(box), "£" if flag else symbol
            assert re.search(f"at a yearly rate of {re.escape(want)}[0-9]", shown), (name, shown)
            assert not ({"€", "$", "£"} - {want}) & set(shown), (name, shown)
    finally:
        rc.close()
        currency.begin(None)  # the next command starts without the flag
        currency.use(None)
