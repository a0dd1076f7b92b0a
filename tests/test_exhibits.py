"""The decision exhibits and chart titles, drawn from real runs: findings in titles, text in SVGs."""

from __future__ import annotations

import numpy as np
import pytest

from orgsim.experiment import summaries
from orgsim.experiment.storage import load_runs
from orgsim.experiment.sweep import sweep
from orgsim.presentation import charts, exhibits, style
from orgsim.presentation.report import from_comparison
from report_fixtures import small_comparison

SWEEP = """
name = "tornado"
scenarios = ["separate"]
design = "factorial"
replications = 2
seed = 3
days = 20
[set]
"market.prospects" = 600
"horizon.warmup_days" = 20
[factors]
structure = { levels = ["separate", "aligned"] }
"sla.response_hours" = { levels = [2, 48] }
"marketing.budget" = { levels = [300000, 2000000] }
"""


@pytest.fixture(scope="module")
def runs():
    return from_comparison(small_comparison(("separate", "aligned"), reps=3)).runs


@pytest.fixture(scope="module")
def sweep_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tornado")
    (tmp / "exp.toml").write_text(SWEEP)
    out = sweep(tmp / "exp.toml", tmp / "out", workers=1)
    table = load_runs(out)
    return table.assign(group=table["structure"])


def test_svg_keeps_the_title_as_text(runs, tmp_path):
    fig = charts.outcomes(runs)
    title = fig.texts[0].get_text().split("\n")[0]
    _, svg = charts.save(fig, tmp_path / "outcomes")
    text = svg.read_text()
    assert "<text" in text and title in text  # editable text, not glyph paths


def test_default_titles_state_the_finding(runs):
    best = summaries.ranked(runs, "revenue")[0]
    title = charts.outcomes(runs).texts[0].get_text().replace("\n", " ")
    assert title.startswith(best) or title.startswith(f"Best on revenue: {best}")
    friction = runs.groupby("group")["friction_index"].mean()
    title = charts.friction_by_source(runs).texts[0].get_text().replace("\n", " ")
    assert title.startswith(f"{friction.idxmin()} has the least friction ({friction.min():.0f} of 100")
    assert f"{friction.idxmax()} the most ({friction.max():.0f}," in title and "clear" in title


def test_causes_and_sources_never_take_a_structure_colour():
    structures = set(style.STRUCTURE_COLORS.values()) | set(style.EXTRA_COLORS)
    causes, sources = set(style.CAUSE_COLORS.values()), set(style.SOURCE_COLORS.values())
    assert not (causes & structures) and not (sources & structures) and not (causes & sources)
    assert len(causes) == len(style.CAUSE_COLORS) and len(sources) == len(style.SOURCE_COLORS)


def test_lead_flow_title_counts_the_ledger(runs):
    part = runs[runs["group"] == "aligned"]
    fig = exhibits.lead_flow(runs, "aligned")
    title = fig.texts[0].get_text().replace("\n", " ")
    won = 100 * part["ledger.won"].mean() / part["ledger.created"].mean()
    rate = 100 * part["leakage_rate"].mean()  # the tables' leakage rate: leaked / leads with intent
    assert f"{won:.1f}% are won" in title and f"{rate:.1f}% of the leads with buying intent leak" in title


def test_waterfall_steps_add_up_to_the_difference_in_revenue_leaked(runs):
    causes = summaries.parts(runs, "leaked_revenue.")
    steps = sum(summaries.difference(runs, f"leaked_revenue.{c}", "aligned", "separate").diff for c in causes)
    total = summaries.difference(runs, "leaked_revenue", "aligned", "separate").diff
    assert steps == pytest.approx(total, rel=1e-9, abs=1e-6)
    title = exhibits.recovered_by_cause(runs, "separate", "aligned").texts[0].get_text()
    verb = "recovers" if total < 0 else "loses"
    assert title.startswith(f"aligned {verb} {style.compact_number(abs(total))}")


def test_margins_by_factor_pair_like_with_like_and_draw_a_tornado(sweep_runs):
    margins = summaries.margins_by_factor(
        sweep_runs, ["sla.response_hours", "marketing.budget"], "revenue", "aligned", "separate"
    )
    assert set(margins["factor"]) == {"sla.response_hours", "marketing.budget"}
    # hand calculation at sla.response_hours = 2: pair on the budget and the replicate
    at = sweep_runs[sweep_runs["sla.response_hours"] == 2]
    key = ["marketing.budget", "replicate"]
    a = at[at["group"] == "aligned"].set_index(key)["revenue"]
    b = at[at["group"] == "separate"].set_index(key)["revenue"]
    row = margins[(margins["factor"] == "sla.response_hours") & (margins["end"] == "low")].iloc[0]
    assert row["n"] == 4 and row["margin"] == pytest.approx(float(np.mean(a - b.loc[a.index])))
    assert row["low"] <= row["margin"] <= row["high"]
    fig = exhibits.tornado(margins, "revenue", "aligned", "separate")
    assert "aligned" in fig.texts[0].get_text()
