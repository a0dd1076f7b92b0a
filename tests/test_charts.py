"""Charts: every chart type renders from real runs to a valid PNG (>= 150 dpi) and SVG, with a
title, labelled axes, a legend, and the same colour for a structure in every chart.

Model outputs are never hard-coded: the tests check shapes, files and the chart statistics
against numbers computed here from the same runs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from PIL import Image

from orgsim.presentation import charts, style
from orgsim.presentation.report import from_sweep
from report_fixtures import make_sweep_dir, small_comparison

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def comparison():
    return small_comparison()


@pytest.fixture(scope="module")
def runs(comparison):
    return comparison.runs().rename(columns={"scenario": "group"})


@pytest.fixture(scope="module")
def series(comparison):
    return comparison.series().rename(columns={"scenario": "group", "replicate": "run"})


@pytest.fixture(scope="module")
def sweep_runs(tmp_path_factory):
    """A 2 x 2 factorial over two numeric factors and two structures."""
    path = make_sweep_dir(
        tmp_path_factory.mktemp("factorial"),
        "factorial",
        {"sales.headcount": [4, 12], "market.demand": [0.6, 1.5]},
        structures=("separate", "aligned"),
        reps=2,
    )
    return from_sweep(path).runs


def sobol_indices() -> pd.DataFrame:
    rows = []
    for measure in charts.HEADLINE:
        for i, factor in enumerate(("sales.headcount", "marketing.budget", "sla.response_hours")):
            rows.append(
                {
                    "measure": measure,
                    "factor": factor,
                    "S1": 0.1 * i,
                    "S1_conf": 0.05,
                    "ST": 0.2 * i + 0.1,
                    "ST_conf": 0.04,
                    "mu_star": 10.0 * i + 1,
                    "mu_star_conf": 2.0,
                    "sigma": 3.0 * i,
                }  # fmt: skip
            )
    return pd.DataFrame(rows)


def figure_colours(fig) -> set[str]:
    """Every colour an artist of the figure draws with, as lower-case hex."""
    found: set[str] = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            found.add(to_hex(line.get_color()))
        for patch in ax.patches:
            found.update({to_hex(patch.get_facecolor()), to_hex(patch.get_edgecolor())})
        for coll in ax.collections:
            found.update(to_hex(c) for c in coll.get_facecolors())
            found.update(to_hex(c) for c in coll.get_edgecolors())
        for label in ax.get_xticklabels() + ax.get_yticklabels():
            found.add(to_hex(label.get_color()))
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        for handle in legend.legend_handles:
            if hasattr(handle, "get_color"):
                found.add(to_hex(handle.get_color()))
            if hasattr(handle, "get_facecolor"):
                found.add(to_hex(handle.get_facecolor()))
    return {c.lower() for c in found}


def check_files(fig, stem) -> None:
    png, svg = charts.save(fig, stem)
    data = png.read_bytes()
    assert data[:8] == PNG_MAGIC
    with Image.open(png) as img:
        img.verify()
    with Image.open(png) as img:
        assert img.info["dpi"][0] >= 150
        assert img.size[0] >= 1500 and img.size[1] >= 800
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert b"http" not in data  # no software URL in the PNG metadata


def check_labels(fig, legend: bool = True) -> None:
    assert fig.texts and fig.texts[0].get_text().strip(), "a title"
    for ax in fig.axes:
        assert ax.get_xlabel() or ax.get_ylabel(), "labelled axes"
        if len(fig.axes) > 1:
            assert ax.get_title("left"), "each panel is titled"
    if legend:
        assert fig.legends or any(ax.get_legend() for ax in fig.axes)
    else:  # the groups are named on an axis instead, in their colours
        labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
        assert {"separate", "aligned"} <= set(labels)


# -- style -------------------------------------------------------------------------------------
def test_every_structure_has_its_own_okabe_ito_colour():
    colours = [style.STRUCTURE_COLORS[s] for s in ("separate", "merged", "aligned", "defined", "integrated")]
    assert len(set(colours)) == len(colours)
    assert set(colours) <= set(style.OKABE_ITO.values())


def test_scenarios_sharing_a_structure_keep_its_colour_and_differ_in_marks():
    styles = style.group_styles(["a", "b", "c"], ["aligned", "aligned", "merged"])
    assert styles["a"].color == styles["b"].color == style.STRUCTURE_COLORS["aligned"]
    assert (styles["a"].marker, styles["a"].linestyle) != (styles["b"].marker, styles["b"].linestyle)
    assert styles["c"].color == style.STRUCTURE_COLORS["merged"]


def test_labels_carry_units():
    assert style.measure_label("revenue") == "Revenue (currency units)"
    assert style.measure_label("leakage_rate").endswith("(%)")
    assert style.factor_label("sla.response_hours") == "SLA response hours (working hours)"
    assert style.in_sentence("SLA response hours") == "SLA response hours"
    assert style.in_sentence("Sales headcount") == "sales headcount"


# -- statistics the charts draw ----------------------------------------------------------------
def test_pareto_front_keeps_only_undominated_points():
    x = np.array([1.0, 2.0, 3.0, 1.5, 4.0])  # friction: lower is better
    y = np.array([1.0, 3.0, 2.0, 0.5, 5.0])  # revenue: higher is better
    assert charts.pareto_front(x, y).tolist() == [0, 1, 4]


def test_difference_is_paired_on_replicates_when_asked():
    frame = pd.DataFrame(
        {
            "group": ["a"] * 4 + ["b"] * 4,
            "replicate": [0, 1, 2, 3] * 2,
            "m": [10.0, 20.0, 30.0, 40.0, 9.0, 19.0, 29.0, 39.5],
        }
    )
    paired = charts.difference(frame, "m", "a", "b", pair_on="replicate")
    welch = charts.difference(frame, "m", "a", "b")
    assert paired.diff == pytest.approx(welch.diff) == pytest.approx(0.875)
    assert paired.clear and not welch.clear  # common random numbers remove the shared noise


def test_group_stats_match_a_direct_computation(runs):
    stats = charts.group_stats(runs, "revenue")
    for g in charts.groups_of(runs):
        values = runs.loc[runs["group"] == g, "revenue"]
        assert stats.loc[g, "mean"] == pytest.approx(values.mean())
        assert stats.loc[g, "low"] <= stats.loc[g, "mean"] <= stats.loc[g, "high"]


def test_stacked_parts_sum_to_the_headline_measure(runs):
    sources = [f"friction_by_source.{s}" for s in charts.parts(runs, "friction_by_source.")]
    assert runs[sources].sum(axis=1).to_numpy() == pytest.approx(runs["friction_index"].to_numpy())


# -- every chart type ----------------------------------------------------------------------------
CHARTS = {
    "outcomes": lambda d: charts.outcomes(d["runs"]),
    "leakage_by_cause": lambda d: charts.leakage_by_cause(d["runs"]),
    "friction_by_source": lambda d: charts.friction_by_source(d["runs"]),
    "funnel": lambda d: charts.funnel(d["runs"]),
    "series": lambda d: charts.series_bands(d["series"]),
    "tradeoff": lambda d: charts.tradeoff(d["runs"]),
    "winner_map": lambda d: charts.winner_map(d["sweep"], "sales.headcount", "market.demand"),
    "metric_vs_factor": lambda d: charts.metric_vs_factor(d["sweep"], "sales.headcount"),
    "sensitivity_sobol": lambda d: charts.sensitivity(sobol_indices(), "sobol"),
    "sensitivity_morris": lambda d: charts.sensitivity(sobol_indices(), "morris"),
}


@pytest.mark.parametrize("name", list(CHARTS))
def test_chart_renders_to_valid_png_and_svg_with_labels(name, runs, series, sweep_runs, tmp_path):
    before = plt.get_fignums()
    fig = CHARTS[name]({"runs": runs, "series": series, "sweep": sweep_runs})
    check_labels(fig, legend=name != "outcomes")
    check_files(fig, tmp_path / name)
    assert plt.get_fignums() == before  # figures are not left registered with pyplot


@pytest.mark.parametrize(
    "name", ["outcomes", "leakage_by_cause", "friction_by_source", "funnel", "series", "tradeoff"]
)
def test_each_structure_keeps_its_colour_in_every_chart(name, runs, series, sweep_runs):
    fig = CHARTS[name]({"runs": runs, "series": series, "sweep": sweep_runs})
    colours = figure_colours(fig)
    for structure in ("separate", "merged", "aligned"):
        assert style.STRUCTURE_COLORS[structure].lower() in colours, (name, structure)


def test_winner_map_marks_the_best_structure_per_cell(sweep_runs):
    cells = charts.winners(sweep_runs, "sales.headcount", "market.demand", "revenue")
    assert len(cells) == 4
    for row in cells.itertuples():
        cell = sweep_runs[(sweep_runs["sales.headcount"] == row.x) & (sweep_runs["market.demand"] == row.y)]
        means = cell.groupby("group")["revenue"].mean()
        assert means[row.winner] == means.max()  # the best (either of two tied at the top)
        assert row.margin == pytest.approx(means.max() - means.drop(row.winner).max())
    lower = charts.winners(sweep_runs, "sales.headcount", "market.demand", "friction_index")
    for row in lower.itertuples():
        cell = sweep_runs[(sweep_runs["sales.headcount"] == row.x) & (sweep_runs["market.demand"] == row.y)]
        assert row.winner == cell.groupby("group")["friction_index"].mean().idxmin()


def test_continuous_factors_are_binned_for_maps_and_response_lines():
    values = pd.Series(np.linspace(1, 100, 200))
    levels = charts.binned(values)
    assert 2 < levels.nunique() <= 8
    assert charts.binned(pd.Series([1, 4, 24, 96] * 3)).nunique() == 4


def test_a_single_group_and_a_single_run_still_draw(runs, tmp_path):
    from matplotlib.container import BarContainer, ErrorbarContainer

    one = runs[(runs["group"] == "aligned")].head(1)
    colour = style.STRUCTURE_COLORS["aligned"].lower()
    for draw in (
        charts.outcomes,
        charts.leakage_by_cause,
        charts.friction_by_source,
        charts.funnel,
        charts.tradeoff,
    ):
        fig = draw(one)
        assert fig.texts and fig.texts[0].get_text().strip(), (draw.__name__, "a title")
        assert colour in figure_colours(fig), (draw.__name__, "drawn in aligned's colour")
        for ax in fig.axes:  # nothing placed at an undefined (NaN) size: one run has no interval
            for patch in ax.patches:
                assert np.isfinite(patch.get_extents().bounds).all(), (draw.__name__, patch)
        check_files(fig, tmp_path / draw.__name__)
    # the outcomes bar of one run is that run's value, with no whisker (a CI needs two runs)
    fig = charts.outcomes(one)
    for ax, measure in zip(fig.axes, charts.HEADLINE, strict=True):
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == 1 and len(bars[0].patches) == 1
        assert bars[0].patches[0].get_width() == pytest.approx(one[measure].iloc[0]), measure
        assert not [c for c in ax.containers if isinstance(c, ErrorbarContainer)], measure


def test_long_titles_wrap_inside_the_figure(runs):
    fig = charts.outcomes(runs, title="A very long title " * 8)
    assert "\n" in fig.texts[0].get_text()


def _alphabetical(runs: pd.DataFrame, positive: tuple[str, ...] = ()) -> pd.DataFrame:
    """``runs`` with its columns in alphabetical order (as a CSV or another writer may keep them);
    the columns under each of ``positive`` set to 1, 2, ... so every part is drawn."""
    out = runs[sorted(runs.columns)].copy()
    for prefix in positive:
        for i, col in enumerate(c for c in out.columns if c.startswith(prefix)):
            out[col] = float(i + 1)
    return out


def _legend_reading_order(fig) -> list[str]:
    """The figure legend's labels as a reader reads them: row by row, left to right."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_window_extent(renderer), t.get_text()) for t in fig.legends[0].get_texts()]
    return [text for box, text in sorted(boxes, key=lambda b: (-round(b[0].y0), b[0].x0))]


def test_breakdowns_follow_the_schema_order_whatever_the_column_order(runs):
    from orgsim import measures

    shuffled = _alphabetical(runs, ("leaked.", "leaked_revenue.", "friction_by_source."))
    causes = [t.key for t in measures.LEAK_CAUSES]
    sources = [t.key for t in measures.FRICTION_SOURCES]
    assert charts.parts(shuffled, "leaked.") == causes
    assert charts.parts(shuffled, "friction_by_source.") == sources
    assert charts.funnel_stages(shuffled) == list(measures.FUNNEL_STAGES)
    # legends read in the leak-cause and friction-source palette order, row by row
    fig = charts.leakage_by_cause(shuffled)
    assert _legend_reading_order(fig) == [style.cause_name(c) for c in causes]
    fig = charts.friction_by_source(shuffled)
    assert _legend_reading_order(fig) == [style.source_name(s) for s in sources]
    # the funnel's stages left to right in funnel order
    fig = charts.funnel(shuffled)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == [style.stage_name(s) for s in measures.FUNNEL_STAGES]


def test_the_lead_flow_lists_causes_and_open_stages_in_schema_order(runs):
    from orgsim import measures
    from orgsim.presentation import exhibits

    shuffled = _alphabetical(runs, ("leaked.", "ledger."))  # every cause and open stage drawn
    ledger = [f"ledger.{t.key}" for t in measures.LEAD_STATES if t.key != "created"]
    shuffled["ledger.leaked"] = shuffled[[f"leaked.{t.key}" for t in measures.LEAK_CAUSES]].sum(axis=1)
    shuffled["ledger.created"] = shuffled[ledger].sum(axis=1)  # every lead in one state
    fig = exhibits.lead_flow(shuffled, "merged")
    ax = fig.axes[0]
    right = sorted((t for t in ax.texts if t.get_position()[0] > 2.0), key=lambda t: -t.get_position()[1])
    names = [t.get_text().rsplit("  ", 1)[0] for t in right]
    want = [style.cause_name(t.key) for t in measures.LEAK_CAUSES]
    want += [f"Open at {style.stage_name(s)}" for s in measures.FUNNEL_STAGES[:-1]]
    assert names == want


def test_small_end_states_of_the_lead_flow_keep_their_labels_apart(runs):
    """No deal won and a few lost: the two thin nodes sit together, their labels a line apart."""
    from orgsim.presentation import exhibits

    few = runs.copy()
    few["ledger.won"], few["ledger.lost"] = 0.0, 1.0
    fig = exhibits.lead_flow(few, "merged")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    middle = [t for t in fig.axes[0].texts if t.get_position()[0] == 1.06]  # right of the end-state nodes
    assert len(middle) == 4  # won, lost, recycled, disqualified
    boxes = [t.get_window_extent(renderer) for t in middle]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a.y1 <= b.y0 or b.y1 <= a.y0, [t.get_text() for t in middle]


def test_the_recovered_waterfall_keeps_every_whisker_inside_its_axes(runs):
    from orgsim.presentation import exhibits

    fig = exhibits.recovered_by_cause(runs, "separate", "aligned")
    ax = fig.axes[0]
    left, right = ax.get_xlim()
    whiskers = [x for line in ax.lines for x in line.get_xdata() if len(line.get_xdata()) == 2]
    assert whiskers and left < min(whiskers) and max(whiskers) < right
