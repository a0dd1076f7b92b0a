"""Like with like: structures compared within each setting of a real tiny sweep, paired by seed.

The per-setting differences, the design average and its CI are checked against a calculation
written out here with numpy and scipy; the verdict rule against the CIs it states; the typed
manifest against wrong shapes.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from orgsim.analyses.decision import flips, verdict
from orgsim.errors import InputError
from orgsim.experiment.manifest import Manifest
from orgsim.experiment.storage import load_manifest, load_runs
from orgsim.experiment.within import constant_within, design_mean, within_difference
from report_fixtures import make_sweep_dir

FACTORS = {"sales.headcount": [4, 10]}


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("within")
    return make_sweep_dir(root / "sweep", "factorial", FACTORS, structures=("merged", "aligned"), reps=3)


@pytest.fixture(scope="module")
def runs(sweep_dir):
    return load_runs(sweep_dir).assign(group=lambda r: r["structure"])


def test_structures_of_a_setting_share_their_seeds(runs):
    seeds = runs.groupby(["sales.headcount", "replicate"])["seed"].nunique()
    assert (seeds == 1).all()  # common random numbers across the two structures
    assert runs["seed"].nunique() == 2 * 3  # one per setting and replicate


def test_within_difference_matches_a_hand_calculation(runs):
    d = within_difference(runs, "revenue", a="merged", b="aligned", factors=["sales.headcount"])
    assert d.paired_by_seed and len(d.cells) == 2
    means, variances = [], []
    for level in (4, 10):
        at = runs[runs["sales.headcount"] == level]
        a = at[at["group"] == "merged"].sort_values("replicate")["revenue"].to_numpy()
        b = at[at["group"] == "aligned"].sort_values("replicate")["revenue"].to_numpy()
        diff = b - a
        cell = next(c for c in d.cells if dict(c.setting)["sales.headcount"] == level)
        half = stats.t.ppf(0.975, 2) * diff.std(ddof=1) / math.sqrt(3)
        assert cell.diff.mean == pytest.approx(diff.mean())
        assert cell.diff.ci_low == pytest.approx(diff.mean() - half)
        means.append(diff.mean())
        variances.append(diff.var(ddof=1) / 3)
    # design average: mean of the two cells, se from within-cell variances only
    se = math.sqrt(sum(variances)) / 2
    dof = sum(variances) ** 2 / sum(v**2 / 2 for v in variances)
    half = stats.t.ppf(0.975, dof) * se
    assert d.overall.mean == pytest.approx(np.mean(means))
    assert d.overall.ci_low == pytest.approx(np.mean(means) - half)
    assert d.overall.ci_high == pytest.approx(np.mean(means) + half)


def test_design_mean_weighs_settings_equally_and_excludes_their_spread(runs):
    part = runs[runs["group"] == "aligned"]
    mean, low, high = design_mean(part, "revenue", ["sales.headcount"])
    cell_means = part.groupby("sales.headcount")["revenue"].mean()
    assert mean == pytest.approx(cell_means.mean())
    pooled_sd = part["revenue"].std(ddof=1) / math.sqrt(len(part))
    within_sd = math.sqrt(sum(part.groupby("sales.headcount")["revenue"].var(ddof=1) / 3)) / 2
    half = stats.t.ppf(0.975, _dof(part)) * within_sd
    assert high == pytest.approx(mean + half, rel=1e-6)
    assert low == pytest.approx(max(mean - half, 0.0), rel=1e-6)  # cut: revenue is never negative
    assert within_sd <= pooled_sd * 1.5  # no between-setting spread in it


def _dof(part):
    v = part.groupby("sales.headcount")["revenue"].var(ddof=1) / 3
    return v.sum() ** 2 / (v**2 / 2).sum()


def test_the_verdict_follows_the_cis(runs):
    v = verdict(runs, "revenue", True, ["sales.headcount"])
    other = v.runner_up
    d = v.margins[other].overall
    assert v.means[v.leader][0] >= v.means[other][0]
    assert v.clear == (d.ci_low > 0)  # recommended only when the margin's CI is above zero
    assert v.mark(v.leader) == ("best" if v.clear else "tied")
    assert v.mark(other) == ("behind" if v.clear else "tied")
    lower = verdict(runs, "leakage_rate", False, ["sales.headcount"])
    d = lower.margins[lower.runner_up].overall
    assert lower.clear == (d.ci_high < 0)  # lower is better: the leader's difference is negative


def test_an_input_is_never_a_clear_winner(runs):
    # meetings are set by the structure's policy: the same in every run of a structure and setting
    assert constant_within(runs, "coordination_hours", ["sales.headcount"])
    v = verdict(runs, "coordination_hours", False, ["sales.headcount"])
    assert not v.clear and {v.mark(g) for g in v.order} == {"input"}
    assert not constant_within(runs, "revenue", ["sales.headcount"])


def test_flips_name_the_settings_the_leader_loses(runs):
    v = verdict(runs, "revenue", True, ["sales.headcount"])
    f = flips(runs, "revenue", True, v.leader, ["sales.headcount"])
    assert f.settings == 2
    for setting, winner, _ in f.lost:
        cell = runs[runs["sales.headcount"] == dict(setting)["sales.headcount"]]
        means = cell.groupby("group")["revenue"].mean()
        assert means.idxmax() == winner != v.leader
    for factor, level, winner in f.conditions:
        assert all(dict(s)[factor] != level or w == winner for s, w, _ in f.lost)


def test_manifest_round_trips_and_records_what_was_held_fixed(sweep_dir):
    m = load_manifest(sweep_dir)
    assert m.overrides == {"market.prospects": 1500, "horizon.warmup_days": 20, "horizon.days": 40}
    assert [f.key for f in m.factors] == ["structure", "sales.headcount"]
    assert m.structures == ["merged", "aligned"] and m.seeding == "common-random-numbers"
    assert m.stored_runs == {"ok": 12} and m.status == "complete" and len(m.sessions) == 1
    again = Manifest.from_dict(json.loads(json.dumps(m.to_dict())))
    assert again.to_dict() == m.to_dict()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]", "expected a JSON object, got a list"),
        ("{}", "experiment: missing"),
        ('{"experiment": {"design": "grid"}}', "experiment.design: 'grid' is not one of"),
        ('{"experiment": {"factors": {"x": 3}}}', "experiment.factors.x: expected a JSON object"),
        ('{"experiment": {"replications": "3"}}', "experiment.replications: expected an integer"),
    ],
)
def test_a_wrong_shape_manifest_is_one_line(tmp_path, content, expected):
    (tmp_path / "manifest.json").write_text(content)
    with pytest.raises(InputError) as info:
        load_manifest(tmp_path)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / "manifest.json") in message and expected in message


def test_design_stats_cuts_the_interval_to_the_measures_values():
    """Two runs per setting with a big spread: the t interval of a share would leave [0, 1]."""
    frame = pd.DataFrame(
        {
            "group": ["a"] * 4,
            "market.demand": [0.5, 0.5, 2.0, 2.0],
            "leakage_rate": [0.01, 0.30, 0.02, 0.35],
        }
    )
    from orgsim.experiment.within import design_stats

    st = design_stats(frame, "leakage_rate", ["market.demand"]).iloc[0]
    assert st["low"] == 0.0 and st["high"] <= 1.0
    assert st["low"] <= st["mean"] <= st["high"]
    money = frame.rename(columns={"leakage_rate": "contribution"})
    signed = design_stats(money, "contribution", ["market.demand"])
    assert signed["low"].iloc[0] < 0  # a signed measure keeps its t interval


# -- the pairing rules, on a hand-made table (within_difference pairs runs by position) ------------
def _pairs_table() -> pd.DataFrame:
    """Two groups in two settings of ``f``, replicates 0-2; setting f=3 has only group a."""
    rows = []
    for f in (1, 2):
        for rep in range(3):
            rows.append({"group": "a", "f": f, "replicate": rep, "seed": 10 * f + rep, "x": f + rep**2})
            rows.append({"group": "b", "f": f, "replicate": rep, "seed": 10 * f + rep, "x": 2 * f + rep})
    rows.append({"group": "a", "f": 3, "replicate": 0, "seed": 30, "x": 99.0})
    return pd.DataFrame(rows)


def test_within_difference_pairs_by_replicate_not_by_row_order():
    table = _pairs_table()
    d = within_difference(table, "x", a="a", b="b", factors=["f"])
    shuffled = within_difference(table.sample(frac=1, random_state=3), "x", a="a", b="b", factors=["f"])
    assert d.paired_by_seed and [dict(c.setting)["f"] for c in d.cells] == [1, 2]  # f=3 lacks b
    for cell in d.cells:
        f = dict(cell.setting)["f"]
        diffs = np.array([(2 * f + r) - (f + r**2) for r in range(3)], dtype=float)
        assert cell.diff.mean == pytest.approx(diffs.mean()) and cell.diff.n == 3
        half = stats.t.ppf(0.975, 2) * diffs.std(ddof=1) / math.sqrt(3)
        assert cell.diff.ci_high == pytest.approx(diffs.mean() + half)
    by_f = {dict(c.setting)["f"]: c.diff for c in shuffled.cells}
    assert {dict(c.setting)["f"]: c.diff for c in d.cells} == by_f


def test_within_difference_keeps_the_first_run_of_a_repeated_replicate_and_sees_unshared_seeds():
    table = _pairs_table()
    extra = pd.DataFrame([{"group": "b", "f": 1, "replicate": 0, "seed": 999, "x": 1e6}])
    d = within_difference(pd.concat([table, extra], ignore_index=True), "x", a="a", b="b", factors=["f"])
    assert d.cells[0].diff == within_difference(table, "x", a="a", b="b", factors=["f"]).cells[0].diff
    table.loc[(table["group"] == "b") & (table["replicate"] == 1), "seed"] += 1
    assert not within_difference(table, "x", a="a", b="b", factors=["f"]).paired_by_seed


def test_without_a_pairing_column_runs_pair_in_their_order():
    table = _pairs_table().drop(columns="replicate")
    d = within_difference(table, "x", a="a", b="b", factors=["f"], pair_on="replicate")
    a = table[(table["group"] == "a") & (table["f"] == 2)]["x"].to_numpy(float)
    b = table[(table["group"] == "b") & (table["f"] == 2)]["x"].to_numpy(float)
    assert d.cells[1].diff.mean == pytest.approx((b - a).mean())


def test_design_mean_is_the_average_of_the_settings_means():
    table = _pairs_table()
    part = table[table["group"] == "a"].assign(x=lambda t: t["x"].where(t["replicate"] != 2))  # a NaN
    mean, low, high = design_mean(part, "x", ["f"])
    per = part.dropna(subset=["x"]).groupby("f")["x"]
    assert mean == pytest.approx(per.mean().mean())
    assert math.isnan(low) and math.isnan(high)  # f=3 has one run: its noise, and so the CI, is unknown
    both = part[part["f"] < 3]
    mean, low, high = design_mean(both, "x", ["f"])
    values = both.dropna(subset=["x"]).groupby("f")["x"]
    var_means, counts = values.var(ddof=1) / values.count(), values.count()
    se = math.sqrt(var_means.sum()) / 2  # two settings, each the same weight
    dof = var_means.sum() ** 2 / (var_means**2 / (counts - 1)).sum()  # Welch-Satterthwaite
    half = stats.t.ppf(0.975, dof) * se
    assert (low, high) == pytest.approx((mean - half, mean + half))


def test_step_conversion_in_a_sweep_is_each_groups_design_stats_of_its_runs_ratios():
    from orgsim.experiment.summaries import step_conversion
    from orgsim.experiment.within import design_stats

    rng = np.random.default_rng(11)
    n = 36
    groups = np.repeat(["merged", "aligned", "separate"], 12)
    runs = pd.DataFrame({"group": groups, "f": np.tile([1, 2, 3], 12)})
    runs["funnel.inquiry"] = rng.integers(0, 40, n)  # some runs have no inquiry: they do not count
    runs["funnel.mql"] = (runs["funnel.inquiry"] * rng.random(n)).astype(int)
    runs["funnel.won"] = (runs["funnel.mql"] * rng.random(n)).astype(int)
    table = step_conversion(runs, ["inquiry", "mql", "won"], ["f"])
    assert list(table["group"].unique()) == ["merged", "aligned", "separate"]
    assert list(table["step"].unique()) == ["mql/inquiry", "won/mql", "won/inquiry"]
    for row in table.itertuples():
        after, before = row.step.split("/")
        part = runs[runs["group"] == row.group]
        ratio = part[f"funnel.{after}"] / part[f"funnel.{before}"].where(part[f"funnel.{before}"] > 0)
        st = design_stats(part[["f"]].assign(group=row.group, r=ratio), "r", ["f"]).iloc[0]
        assert row.mean == pytest.approx(st["mean"], rel=1e-12)
        assert row.low == pytest.approx(max(st["low"], 0.0), rel=1e-12)
        assert row.high == pytest.approx(min(st["high"], 1.0), rel=1e-12)
