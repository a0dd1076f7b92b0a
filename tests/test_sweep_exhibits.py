"""Sweep exhibits compare like with like: structures within each setting, then over the settings.

Built from one real tiny 2x2x2 factorial sweep (two structures, three other factors, two
replicates, common random numbers per setting). Every number an exhibit draws is recomputed
here by hand from the runs table: per-setting means and paired differences with numpy and the
Student t of scipy. A chart that pooled the settings (different companies) into one mean, one
interval or one Pareto front would fail these checks.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from scipy import stats

from orgsim.experiment.stats import cut
from orgsim.presentation import charts, report
from orgsim.presentation.report import summary as summary_module
from orgsim.presentation.report.plan import plan
from orgsim.presentation.report.summary import summarise
from orgsim.presentation.report.text import level_text
from report_fixtures import make_sweep_dir

THREE = {"sales.headcount": [3, 8], "marketing.budget": [400000, 1500000], "sla.response_hours": [2, 48]}
SETTINGS = list(THREE)
GROUPS = ("merged", "aligned")


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("three")
    return make_sweep_dir(root / "sweep", "factorial", THREE, structures=GROUPS, reps=2, days=30, series=True)


@pytest.fixture(scope="module")
def data(sweep_dir):
    return report.from_sweep(sweep_dir)


@pytest.fixture(scope="module")
def written(data, tmp_path_factory):
    """The sweep's HTML report and its charts, as ``orgsim report`` writes them."""
    return report.write_report(data, tmp_path_factory.mktemp("report"))


def hand_design_mean(runs: pd.DataFrame, measure: str) -> tuple[float, float]:
    """Mean of the per-setting means, and the 95% half-width from within-setting variances only."""
    cells = runs.groupby(SETTINGS)[measure].agg(["mean", "var", "count"])
    vm = cells["var"] / cells["count"]
    k = len(cells)
    dof = vm.sum() ** 2 / (vm**2 / (cells["count"] - 1)).sum()
    return cells["mean"].mean(), stats.t.ppf(0.975, dof) * math.sqrt(vm.sum()) / k


def hand_paired(runs: pd.DataFrame, measure: str, a: str, b: str) -> tuple[list[float], float, float]:
    """Per-setting mean of ``b - a`` paired by replicate; their average and its 95% half-width."""
    means, var_means, dofs = [], [], []
    for _, cell in runs.groupby(SETTINGS):
        xa = cell[cell["group"] == a].set_index("replicate")[measure].sort_index()
        xb = cell[cell["group"] == b].set_index("replicate")[measure].sort_index()
        d = (xb - xa).to_numpy(float)
        means.append(d.mean())
        var_means.append(d.var(ddof=1) / d.size)
        dofs.append(d.size - 1)
    total = sum(var_means)
    dof = total**2 / sum(v**2 / n for v, n in zip(var_means, dofs, strict=True))
    return means, float(np.mean(means)), stats.t.ppf(0.975, dof) * math.sqrt(total) / len(means)


def test_the_sweep_pairs_structures_by_seed_in_every_setting(data):
    runs = data.runs
    assert data.settings == SETTINGS and data.crossed
    assert (runs.groupby([*SETTINGS, "replicate"])["seed"].nunique() == 1).all()
    assert runs.groupby(SETTINGS).ngroups == 8


def test_outcome_bars_are_means_over_settings_with_within_setting_cis(data):
    runs = data.runs
    fig = charts.outcomes(runs, settings=data.settings)
    for ax, measure in zip(fig.axes, charts.HEADLINE, strict=True):
        bars = [p for p in ax.patches if p.get_height() > 0.5]  # one bar per group, in group order
        whiskers = [c for c in ax.collections if isinstance(c, LineCollection)]
        dots = [c for c in ax.collections if isinstance(c, PathCollection)]
        for i, g in enumerate(data.groups):
            part = runs[runs["group"] == g]
            mean, half = hand_design_mean(part, measure)
            assert bars[i].get_width() == pytest.approx(mean)
            (low, _), (high, _) = whiskers[i].get_segments()[0]
            # the t interval, cut to the values the measure can take
            assert (low, high) == pytest.approx(cut(mean - half, mean + half, measure))
            # one dot per setting, at that setting's mean (not one per run of mixed companies)
            setting_means = sorted(part.groupby(SETTINGS)[measure].mean().tolist())
            drawn = sorted(np.asarray(dots[i].get_offsets())[:, 0].tolist())
            assert drawn == pytest.approx(setting_means)
    assert "mean over 8 settings" in fig.texts[1].get_text()


def test_the_executive_summary_margin_is_paired_within_settings_and_follows_its_ci(data):
    summary = summarise(data)
    v = summary.verdict
    (other,) = v.margins
    per_setting, mean, half = hand_paired(data.runs, v.measure, other, v.leader)
    d = v.margins[other]
    assert sorted(c.diff.mean for c in d.cells) == pytest.approx(sorted(per_setting))
    assert d.overall.mean == pytest.approx(mean)
    assert d.overall.ci_low == pytest.approx(mean - half)
    assert d.overall.ci_high == pytest.approx(mean + half)
    assert v.clear == (mean - half > 0)  # higher contribution is better: the rule, recomputed
    assert summary.headline.startswith(f"Recommend {v.leader}" if v.clear else "No clear winner")
    assert f"ahead in {sum(m > 0 for m in per_setting)} of 8 settings" in summary.margins[0]


def test_a_three_factor_winner_map_draws_one_map_per_level_of_the_third(data):
    measure = "contribution"
    fig = charts.winner_map(data.runs, SETTINGS[0], SETTINGS[1], measure, pair_on="replicate",
                            settings=data.settings, panel_by=SETTINGS[2])  # fmt: skip
    titles = [ax.get_title("left") for ax in fig.axes if ax.get_visible()]
    assert titles == ["SLA response hours = 2", "SLA response hours = 48"]
    cells = charts.winner_panels(data.runs, SETTINGS[0], SETTINGS[1], measure, pair_on="replicate",
                                 settings=data.settings, panel_by=SETTINGS[2])  # fmt: skip
    assert len(cells) == 8  # one cell per setting: nothing averaged over the third factor
    runs = data.runs
    for row in cells.itertuples():
        x, y, z = SETTINGS
        at = runs[(runs[x] == row.x) & (runs[y] == row.y) & (runs[z] == row.panel)]
        means = at.groupby("group")[measure].mean()
        assert row.winner == means.idxmax() and row.mean == pytest.approx(means.max())
        a = at[at["group"] == row.runner_up].set_index("replicate")[measure].sort_index()
        b = at[at["group"] == row.winner].set_index("replicate")[measure].sort_index()
        diff = (b - a).to_numpy(float)
        half = stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / math.sqrt(diff.size)
        assert row.margin == pytest.approx(diff.mean())
        assert row.clear == bool(diff.mean() - half > 0)
    assert "in 8 settings" in fig.texts[0].get_text() or " of 8 settings" in fig.texts[0].get_text()


def test_the_tradeoff_draws_one_pareto_front_per_setting(data):
    fig = charts.tradeoff(data.runs, settings=data.settings)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 8
    runs = data.runs
    for ax in panels:
        level = dict(re.findall(r"(.+?) = (\S+)", ax.get_title("left")))
        assert len(level) == 3
        front = [line for line in ax.lines if line.get_drawstyle() == "steps-post"]
        assert len(front) <= 1
        if front:  # the front joins runs of this panel's setting only
            xs, ys = front[0].get_xdata(), front[0].get_ydata()
            cell = runs
            for f in SETTINGS:
                label = charts.factor_name(f)
                cell = cell[cell[f].map(charts._level_text) == level[label]]
            assert len(cell) == 4
            pts = set(zip(cell["friction_index"].round(6), cell["revenue"].round(6), strict=True))
            assert set(zip(np.round(xs, 6), np.round(ys, 6), strict=True)) <= pts


def test_the_tradeoff_y_label_stays_beside_its_panel(data):
    """Short panels under three-line titles: the y label (measure and unit) fits their height.

    A label as tall as its panel runs into the panel's title and reads as clipped.
    """
    from orgsim import currency

    with currency.using(None):  # the longest unit words: "currency units"
        fig = charts.tradeoff(data.runs, y=data.economic, settings=data.settings)
    renderer = fig.canvas.get_renderer()
    labelled = [ax for ax in fig.axes if ax.get_visible() and ax.get_ylabel()]
    assert labelled
    for ax in labelled:
        label, box = ax.yaxis.label.get_window_extent(renderer), ax.get_window_extent(renderer)
        # inside the panel's height with room at both ends (as tall as the panel, it reads as cut off)
        assert box.y0 < label.y0 and label.y1 < box.y1 and label.height <= 0.9 * box.height, (
            ax.get_ylabel(),
            label.bounds,
            box.bounds,
        )
        assert ax.get_ylabel().replace("\n", " ") == charts.measure_label(data.economic)


def test_response_lines_average_the_remaining_factor_within_settings(data):
    runs = data.runs
    factor, panel_by, rest = SETTINGS[2], SETTINGS[0], SETTINGS[1]
    fig = charts.metric_vs_factor(runs, factor, panel_by=panel_by, settings=data.settings)
    assert "over the settings of marketing budget" in fig.texts[1].get_text()
    assert "(averaged over sales headcount)" in fig.texts[0].get_text().replace("\n", " ")
    revenue_axes = [ax for ax in fig.axes if ax.get_title("left").startswith("Revenue")]
    for ax, level in zip(revenue_axes, sorted(runs[panel_by].unique()), strict=True):
        lines = [ln for ln in ax.lines if len(ln.get_xdata()) == 2]
        for line, g in zip(lines, data.groups, strict=True):
            part = runs[(runs["group"] == g) & (runs[panel_by] == level)]
            want = part.groupby([factor, rest])["revenue"].mean().groupby(factor).mean()
            assert line.get_ydata() == pytest.approx(want.to_numpy())


def test_the_series_band_is_within_settings(data):
    assert data.series is not None and set(SETTINGS) <= set(data.series.columns)
    band = charts.series_band(data.series, "revenue", data.settings)
    last = data.series["day"].max()
    at = data.series[data.series["day"] == last]
    for g in data.groups:
        mean, half = hand_design_mean(at[at["group"] == g], "revenue")
        row = band[(band["group"] == g) & (band["day"] == last)].iloc[0]
        assert row["mean"] == pytest.approx(mean)
        assert (row["high"] - row["low"]) / 2 == pytest.approx(half)


def test_no_three_factor_exhibit_pools_or_calls_a_pooled_band_a_ci_of_the_mean(data, written):
    names = {ex.name for ex in plan(data)}
    assert {"winner_map_customer_value", "winner_map_friction_index", "tradeoff", "outcomes"} <= names
    path = written
    svgs = {p.stem: p.read_text(encoding="utf-8") for p in (path.parent / "charts").glob("*.svg")}
    assert {f"{n}" for n in names} <= set(svgs)
    for name, svg in svgs.items():
        assert "confidence interval of the mean" not in svg, name
        assert "pooled" not in svg, name
    html = path.read_text(encoding="utf-8")
    assert "pooled over" not in html


def test_no_input_is_shaded_as_best(data, written):
    table = report.headline(data)
    for measure in table.loc[table["best"], "measure"].unique():
        assert data.direction(measure) != "none", measure
        assert data.verdict(measure).clear and not data.verdict(measure).constant, measure
    assert not table.loc[table["measure"].isin(["coordination_hours", "cost"]), "best"].any()
    html = written.read_text(encoding="utf-8")
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        if "Coordination hours" in row or ">Cost<" in row:
            assert not any("best" in c.split() for c in re.findall(r'class="([^"]*)"', row))


def test_tornado_margins_are_paired_within_settings_with_within_setting_cis(data):
    runs = data.runs
    margins = charts.margins_by_factor(runs, SETTINGS, "revenue", "merged", "aligned")
    row = margins[(margins["factor"] == "sla.response_hours") & (margins["end"] == "low")].iloc[0]
    at = runs[runs["sla.response_hours"] == 2]
    means, var_means = [], []
    for _, cell in at.groupby(SETTINGS[:2]):
        a = cell[cell["group"] == "merged"].set_index("replicate")["revenue"].sort_index()
        b = cell[cell["group"] == "aligned"].set_index("replicate")["revenue"].sort_index()
        d = (a - b).to_numpy(float)
        means.append(d.mean())
        var_means.append(d.var(ddof=1) / d.size)
    dof = sum(var_means) ** 2 / sum(v**2 / 1 for v in var_means)  # two pairs per setting: 1 dof each
    half = stats.t.ppf(0.975, dof) * math.sqrt(sum(var_means)) / len(means)
    assert row["margin"] == pytest.approx(np.mean(means))
    assert (row["high"] - row["low"]) / 2 == pytest.approx(half)


@pytest.mark.parametrize("measure", ["contribution", "revenue", "leakage_rate"])
def test_when_the_answer_changes_counts_settings_by_hand(data, measure):
    v = data.verdict(measure)
    lines = summary_module._flips(data, v)  # what the executive summary lists under its heading
    means = data.runs.groupby([*SETTINGS, "group"])[measure].mean().unstack("group")
    best = means.idxmax(axis=1) if v.higher_is_better else means.idxmin(axis=1)
    top = means.max(axis=1) if v.higher_is_better else means.min(axis=1)
    lost = means[means[v.leader] != top]  # another structure strictly better (a tie is no loss)
    if lost.empty:
        assert lines[0].startswith(f"{v.leader} has the best mean ")
        assert f"in all {len(means)} settings" in lines[0]
    else:
        assert f"{v.leader} leads in {len(means) - len(lost)} of {len(means)} settings." in lines
    for line in lines:
        m = re.match(r"(\w+) leads in (\d+) of the (\d+) settings where (.+) = (\S+)\.$", line)
        if m:
            factor = next(f for f in SETTINGS if charts.factor_name(f).lower() == m.group(4).lower())
            levels = [level_text(x) for x in means.index.get_level_values(factor).tolist()]
            at = [lv == m.group(5) for lv in levels]
            assert int(m.group(3)) == sum(at)
            winner_better = means[m.group(1)] != means[v.leader]
            assert int(m.group(2)) == int(((best == m.group(1)) & winner_better)[at].sum()) > sum(at) / 2


def test_a_sampled_sweep_says_where_each_design_leads_not_one_setting_per_level(tmp_path):
    """In a Latin hypercube every setting has its own levels: "at that level" would name one setting."""
    from orgsim.analyses.decision import contrasts, flips

    factors = {"market.deal_size": (5000, 150000), "sales.headcount": (2, 20)}
    path = make_sweep_dir(
        tmp_path / "lhs",
        "lhs",
        factors,
        structures=("separate", "merged", "aligned"),
        n=10,
        structure_factor=False,
        days=30,
        held={"market.prospects": 1500},  # the default warm-up: a challenger leads somewhere
    )
    data = report.from_sweep(path)
    assert data.crossed and data.settings == list(factors)
    v = data.verdict("contribution")
    means = data.runs.groupby([*factors, "group"])["contribution"].mean().unstack("group")
    best = means.idxmax(axis=1)
    assert set(best) != {v.leader}, "the tiny sweep should have a challenger to describe"
    lines = summary_module._flips(data, v)
    assert not any("in every setting at that level" in line for line in lines)
    f = flips(data.runs, "contribution", True, v.leader, list(factors), pair_on=data.pair_on or "")
    assert f.conditions == () and len(f.kept) + len(f.lost) == f.settings == len(means)
    for challenger in set(best) - {v.leader}:  # each challenger's count, by hand
        won = int((best == challenger).sum())
        head = f"{challenger} leads on contribution in {won} of {len(means)} settings"
        assert any(line.startswith(head) for line in lines), (head, lines)
    for c in contrasts(f, min_settings=1, min_effect=0.0):  # medians and the effect, by hand
        mine = means[best == c.challenger].index.get_level_values(c.factor).to_numpy(float)
        kept = means[best == v.leader].index.get_level_values(c.factor).to_numpy(float)
        assert c.median_won == pytest.approx(np.median(mine))
        assert c.median_kept == pytest.approx(np.median(kept))
        u = stats.mannwhitneyu(mine, kept).statistic
        assert c.effect == pytest.approx(2 * u / (mine.size * kept.size) - 1)
