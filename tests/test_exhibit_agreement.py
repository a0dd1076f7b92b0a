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


@pytest.mark.parametrize("kind", ["compare", "sweep"])
def test_the_daily_series_title_names_what_it_draws(rendered, kind):
    """The series panel draws cumulative bookings; its title must not call them revenue (a table row)."""
    _, page = rendered[kind]
    series = titles(page).get("series")
    if series is None:
        pytest.skip("no daily series in this report")
    assert "most bookings" in series and "revenue" not in series, series
    assert "cumulative bookings are highest" in page and "cumulative revenue" not in page


def test_the_headline_table_writes_units_as_the_axes_do(rendered):
    _, page = rendered["compare"]
    table = page[page.index("<th>Measure</th><th>Unit</th>") :]
    table = table[: table.index("</table>")]
    units = re.findall(r"</span></td><td>([^<]*)</td>", table)
    assert units and "currency" not in units and "share" not in units, units
    assert measures.get("revenue").unit_words in units and "%" in units


def test_the_page_colours_never_take_a_structure_hue(rendered):
    import colorsys

    from orgsim.presentation.style import STRUCTURE_COLORS

    def hls(hex_: str) -> tuple[float, float, float]:
        hex_ = hex_.lstrip("#")
        hex_ = "".join(c * 2 for c in hex_) if len(hex_) == 3 else hex_
        return colorsys.rgb_to_hls(*(int(hex_[i : i + 2], 16) / 255 for i in (0, 2, 4)))

    _, page = rendered["compare"]
    css = page[page.index("<style>") : page.index("</style>")]
    structure_hues = [hls(c)[0] for c in STRUCTURE_COLORS.values()]
    for colour in set(re.findall(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", css)):
        hue, light, sat = hls(colour)
        if sat < 0.3 or light > 0.92:  # greys and near-white tints read as neutral
            continue
        near = min(min(abs(hue - h), 1 - abs(hue - h)) for h in structure_hues)
        assert near > 15 / 360, f"{colour} is a structure's hue"


def test_the_forest_plot_wraps_its_panels_so_each_stays_readable(rendered):
    from orgsim.presentation import charts
    from orgsim.presentation.report.data import DECISION_MEASURES

    data, _ = rendered["compare"]
    shown = [m for m in DECISION_MEASURES if m in data.runs]
    fig = charts.forest(data.runs, data.groups[0], shown)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title(loc="left")]
    assert sorted(ax.get_title(loc="left") for ax in panels) == sorted(measures.label(m) for m in shown)
    rows: dict[float, int] = {}
    for ax in panels:
        y = round(ax.get_position().y0, 2)
        rows[y] = rows.get(y, 0) + 1
    assert max(rows.values()) <= charts.FOREST_COLUMNS < len(shown)


def test_the_forest_plot_writes_share_differences_in_points_as_the_tables_do(rendered):
    from orgsim.presentation import charts

    data, _ = rendered["compare"]
    fig = charts.forest(data.runs, data.groups[0], ["leakage_rate"])
    labels = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert labels and all(" pts (" in text for text in labels), labels
    assert "points" in fig.axes[0].get_xlabel()


@pytest.mark.parametrize("kind", ["compare", "sweep"])
def test_the_forest_reading_says_which_way_each_clear_difference_goes(rendered, kind):
    from orgsim.presentation.report import readings
    from orgsim.presentation.report.data import DECISION_MEASURES

    data, _ = rendered[kind]
    pick = data.verdict(data.economic).order[0]
    shown = [m for m in DECISION_MEASURES if m in data.runs and not data.verdict(m).constant]
    text = readings.read_forest(data, pick, shown)
    assert text.startswith(f"Against {pick}: ")
    assert "clearly differ;" not in text and "none clearly" not in text
    for part in text.rstrip(".").split("; "):
        said = re.search(r"(is|are) clearly (ahead|behind|different)", part)
        assert "no clear difference" in part or said, part
