"""Every chart's title agrees with the tables on the same measure, and says clear or not clear.

A compare report and a sweep report are rendered from tiny real runs; each ranking in a chart
title is checked against the verdict the headline table and decision matrix use (the same
measure, the same definition, e.g. leakage = leaked / leads with intent), and the forest plot of
paired differences sits in the executive summary, right after the recommendation.
"""

from __future__ import annotations

import html
import re

import pytest

from orgsim import measures
from orgsim.presentation import report
from orgsim.presentation.findings import SHORT
from orgsim.presentation.style import in_sentence
from report_fixtures import make_sweep_dir, small_comparison

RANKING = re.compile(r"\b(most|fewest|least|best|leads on)\b")


def titles(page: str) -> dict[str, str]:
    """``{figure id: chart title}`` from the report's figures (the title is the image's alt text)."""
    found = re.findall(r"<figure id='([^']+)'>.*?<img [^>]*alt=\"([^\"]*)\"", page, flags=re.S)
    return {name: html.unescape(alt) for name, alt in found}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("agree")
    comp = small_comparison()
    compare_page = report.write_comparison_report(comp, root / "compare").read_text()
    sweep_dir = make_sweep_dir(
        root / "sweep", "factorial", {"sla.response_hours": [2, 24]}, ("separate", "merged", "aligned")
    )
    sweep_page = report.write_sweep_report(sweep_dir, root / "sweep_out").read_text()
    return {
        "compare": (report.from_comparison(comp), compare_page),
        "sweep": (report.from_sweep(sweep_dir), sweep_page),
    }


@pytest.mark.parametrize("kind", ["compare", "sweep"])
def test_every_ranking_title_agrees_with_the_verdict_and_says_clear(rendered, kind):
    data, page = rendered[kind]
    shown = titles(page)
    order = {m: data.verdict(m).order for m in ("leakage_rate", "friction_index", data.economic)}
    leak = shown["leakage_by_cause"]
    assert leak.startswith(f"{order['leakage_rate'][0]} leaks the fewest leads with intent"), leak
    assert f"{order['leakage_rate'][-1]} the most" in leak
    fric = shown["friction_by_source"]
    assert fric.startswith(f"{order['friction_index'][0]} has the least friction"), fric
    assert f"{order['friction_index'][-1]} the most" in fric
    # a title names a measure by its short name, else by its label in the measure schema
    econ = SHORT.get(data.economic) or in_sentence(measures.label(data.economic))
    outcomes, tradeoff = shown["outcomes"], shown["tradeoff"]
    best = order[data.economic][0]
    assert f"{econ}: {best} (" in outcomes or outcomes.startswith(f"{best} leads on {econ}"), outcomes
    if kind == "compare":
        starts = (f"{best} is best on both {econ}", f"A tradeoff: {best} is best on {econ}")
        assert tradeoff.startswith(starts), tradeoff
    else:  # setting by setting, then the design averages the tables use
        assert f"over the settings: {best} best on {econ}" in tradeoff, tradeoff
    for name, title in shown.items():
        if RANKING.search(title) and not name.startswith("lead_flow"):
            assert "clear" in title, (name, title)


@pytest.mark.parametrize("kind", ["compare", "sweep"])
def test_the_forest_plot_follows_the_recommendation(rendered, kind):
    data, page = rendered[kind]
    assert "forest" in titles(page)
    summary = page.index("Executive summary")
    assert summary < page.index("id='forest'") < page.index("Decision matrix") < page.index("What came out")
    pick = data.verdict(data.economic).order[0]
    assert titles(page)["forest"].startswith(f"{pick} against each other structure")


def test_decision_matrix_cells_carry_their_ci(rendered):
    _, page = rendered["compare"]
    matrix = page[page.index("Decision matrix") :]
    matrix = matrix[: matrix.index("</table>")]
    assert re.search(r"<td[^>]*>[^<]+<br><span class='note'>\[[^\]]+\]</span><br>", matrix)  # mean, CI, mark
