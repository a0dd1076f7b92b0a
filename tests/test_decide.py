"""orgsim decide: regret and p_best invariants, PRIM boxes that recompute, a known answer, errors, resume."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from orgsim.analyses import decide as dec
from orgsim.cli import main
from orgsim.experiment import sweep as sweep_module

SMALL = """
scenario = "separate"
structures = ["separate", "aligned"]
days = 5
seed = 3
[set]
"horizon.warmup_days" = 10  # regret, p_best and boxes are about the decision, not a going concern
"market.prospects" = 2000
"sales.headcount" = 3
"marketing.headcount" = 2
[uncertain]
"market.deal_size" = [20000, 120000]
"marketing.headcount" = [1, 3]
[uncertain.aligned]
"sla.response_hours" = [2, 24]
[uncertain.separate]
"sales.prioritisation" = ["cherry_pick", "sla"]
"""


def write(tmp_path: Path, text: str, name: str = "unc.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A tiny real decide run: 8 worlds x 2 structures x 1 replication of 5 days."""
    tmp = tmp_path_factory.mktemp("decide")
    spec = dec.load_uncertainty(write(tmp, SMALL))
    out = tmp / "out"
    result = dec.decide(spec, out, worlds=8, reps=1, measure="contribution", workers=1)
    return result, out


def test_p_best_sums_to_one_and_regret_is_zero_only_for_the_best(small_run):
    result, out = small_run
    assert sum(s["p_best"] for s in result["structures"].values()) == pytest.approx(1.0)
    table = pd.read_parquet(out / dec.WORLDS)
    assert len(table) == 8 * 2  # one row per world and structure
    assert set(table.columns) >= {"world", "structure", "market.deal_size", "aligned:sla.response_hours"}
    assert (table["regret"] >= 0).all()
    assert (table.loc[table["is_best"], "regret"] == 0).all()
    for _, world in table.groupby("world"):  # the best is the one with the highest contribution
        assert world.loc[world["contribution"].idxmax(), "is_best"]
    for s, row in result["structures"].items():
        mine = table[table["structure"] == s]
        assert row["max_regret"] == pytest.approx(mine["regret"].max())
        assert row["mean_regret"] == pytest.approx(mine["regret"].mean())
    choice = result["choice"]["minimax_regret"]
    assert result["structures"][choice]["max_regret"] == min(
        s["max_regret"] for s in result["structures"].values()
    )


def test_decision_json_has_the_issue_shape(small_run):
    result, out = small_run
    data = json.loads((out / dec.DECISION).read_text())
    for key in (
        "measure",
        "worlds",
        "reps",
        "rule",
        "choice",
        "structures",
        "boxes",
        "scores",
        "worlds_table",
    ):
        assert key in data
    assert set(data["choice"]) == {"minimax_regret", "most_often_best"}
    for row in data["structures"].values():
        assert {"p_best", "mean_regret", "max_regret"} <= set(row)
    names = {s["parameter"] for s in data["scores"]}
    assert names == {
        "market.deal_size",
        "marketing.headcount",
        "aligned:sla.response_hours",
        "separate:sales.prioritisation",
    }


def test_common_random_numbers_within_a_world(small_run):
    _, out = small_run
    runs = sweep_module.load_runs(out, ["design_point", "replicate", "seed", "structure"])
    runs["world"] = runs["design_point"] // 2
    assert (runs.groupby(["world", "replicate"])["seed"].nunique() == 1).all()
    assert runs.groupby("world")["seed"].first().nunique() == 8


def test_per_structure_values_reach_only_their_structure(small_run):
    _, out = small_run
    runs = sweep_module.load_runs(out, ["structure", "sla.response_hours", "sales.prioritisation"])
    assert runs.loc[runs["structure"] == "separate", "sla.response_hours"].isna().all()
    assert runs.loc[runs["structure"] == "aligned", "sales.prioritisation"].isna().all()


def _recompute(box, table):
    worlds = table.drop_duplicates("world").set_index("world")
    inside = dec.in_box(worlds, box["conditions"])
    wins = (worlds["best"] == box["structure"]).to_numpy()
    return (inside & wins).sum() / wins.sum(), (inside & wins).sum() / inside.sum()


def test_box_coverage_and_density_recompute_from_worlds_parquet(small_run):
    result, out = small_run
    table = pd.read_parquet(out / dec.WORLDS)
    for box in result["boxes"]:
        coverage, density = _recompute(box, table)
        assert box["coverage"] == pytest.approx(coverage)
        assert box["density"] == pytest.approx(density)


def fake_simulate(
    calls: list | None = None,
    stop_after: int | None = None,
    key: str = "market.deal_size",
    at: float = 50_000,
):
    """A stand-in model: aligned's contribution is ``key``'s value, separate's is flat at ``at``.

    So aligned is best exactly when ``key`` > ``at`` and nothing else matters.
    """

    def simulate(sc, seed, series=False):
        if calls is not None:
            calls.append(seed)
            if stop_after is not None and len(calls) > stop_after:
                raise KeyboardInterrupt
        noise = (seed % 1000) / 1e6  # the same luck for both structures of a world
        value = float(sc.get(key)) if sc.structure == "aligned" else float(at)
        return SimpleNamespace(flat=lambda: {"contribution": value + noise}, series=None)

    return simulate


KNOWN = """
scenario = "separate"
structures = ["separate", "aligned"]
days = 5
[uncertain]
"market.deal_size" = [20000, 120000]
"market.demand" = [0.5, 1.5]
"policy.skill_dilution" = [0.0, 0.5]
[uncertain.aligned]
"sla.response_hours" = [2, 24]
"""


def test_known_answer_finds_the_one_parameter_and_its_threshold(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_module, "simulate", fake_simulate())
    spec = dec.load_uncertainty(write(tmp_path, KNOWN))
    result = dec.decide(spec, tmp_path / "out", worlds=200, reps=1, measure="contribution", workers=1)
    assert result["structures"]["aligned"]["p_best"] == pytest.approx(0.7, abs=0.02)  # (120k-50k)/100k
    assert result["scores"][0]["parameter"] == "market.deal_size"
    box = next(b for b in result["boxes"] if b["structure"] == "aligned")
    assert [c["parameter"] for c in box["conditions"]] == ["market.deal_size"]
    threshold = box["conditions"][0]["low"]
    assert 48_000 <= threshold <= 53_000
    assert box["coverage"] > 0.95 and box["density"] > 0.95
    assert any("market.deal_size` ≥" in line for line in result["sentences"])


def test_known_answer_on_an_integer_parameter(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_module, "simulate", fake_simulate(key="sales.headcount", at=9.5))
    text = KNOWN.replace('"market.deal_size" = [20000, 120000]', '"sales.headcount" = [7, 13]')
    spec = dec.load_uncertainty(write(tmp_path, text))
    result = dec.decide(spec, tmp_path / "out", worlds=70, reps=1, measure="contribution", workers=1)
    assert result["structures"]["aligned"]["p_best"] == pytest.approx(4 / 7)  # 10..13 of 7..13
    box = next(b for b in result["boxes"] if b["structure"] == "aligned")
    assert [c["parameter"] for c in box["conditions"]] == ["sales.headcount"]
    assert 9 < box["conditions"][0]["low"] <= 10
    assert box["coverage"] == 1.0 and box["density"] == 1.0


def test_resume_runs_only_what_is_missing_and_gives_the_same_decision(tmp_path, monkeypatch):
    spec = dec.load_uncertainty(write(tmp_path, KNOWN))
    out = tmp_path / "out"
    calls: list = []
    monkeypatch.setattr(sweep_module, "simulate", fake_simulate(calls, stop_after=16))
    with pytest.raises(KeyboardInterrupt):
        dec.decide(spec, out, worlds=10, reps=1, measure="contribution", workers=1)
    stored = len(sweep_module.load_runs(out, ["run_id"]))
    assert 0 < stored < 20
    again: list = []
    monkeypatch.setattr(sweep_module, "simulate", fake_simulate(again))
    resumed = dec.decide(spec, out, worlds=10, reps=1, measure="contribution", workers=1)
    assert len(again) == 20 - stored
    fresh = dec.decide(spec, tmp_path / "fresh", worlds=10, reps=1, measure="contribution", workers=1)
    assert resumed["structures"] == fresh["structures"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('structures = ["separate", "aligned"]\ncolour = 1\n', ["colour", "unknown entry", "allowed"]),
        ('structures = ["separate", "solo"]\n', ["structures", "'solo'", "allowed: separate"]),
        ('structures = ["separate"]\n', ["structures", "at least two"]),
        ('[uncertain]\n"market.deal_sise" = [1, 2]\n', ["uncertain.market.deal_sise", "deal_size"]),
        ('[uncertain]\n"market.deal_size" = [9, 2]\n', ["uncertain.market.deal_size", "below high"]),
        ('[uncertain]\n"market.fit_mean" = [0.1, 7]\n', ["uncertain", "market.fit_mean"]),
        ('[uncertain]\n"sales.headcount" = [2.5, 9]\n', ["uncertain.sales.headcount", "whole-number"]),
        ('[uncertain]\n"sales.prioritisation" = ["fifo"]\n', ["sales.prioritisation", "cherry_pick"]),
        (
            'structures = ["separate", "merged"]\n[uncertain.aligned]\n"sla.response_hours" = [2, 9]\n',
            ["uncertain.aligned", "not compared"],
        ),
        (
            '[uncertain]\n"sla.response_hours" = [2, 9]\n'
            '[uncertain.aligned]\n"sla.response_hours" = [2, 9]\n',
            ["uncertain.aligned.sla.response_hours", "one place"],
        ),
    ],
)
def test_bad_files_are_one_line_errors_naming_file_and_field(tmp_path, capsys, text, words):
    path = write(tmp_path, text)
    with pytest.raises(SystemExit) as exit_info:
        main(["decide", str(path), "--worlds", "2", "--reps", "1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(path) in err
    for word in words:
        assert word in err


def test_bad_measure_and_worlds_from_are_errors(tmp_path, capsys):
    path = write(tmp_path, KNOWN)
    with pytest.raises(SystemExit) as exit_info:
        main(["decide", str(path), "--measure", "revenu"])
    assert exit_info.value.code == 2
    assert "--measure" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["decide", str(path), "--worlds-from", str(tmp_path / "none.parquet")])
    assert exit_info.value.code == 2
    assert "--worlds-from" in capsys.readouterr().err


def test_the_shipped_default_file_parses_and_samples_within_its_ranges():
    spec = dec.load_uncertainty(dec.default_file())
    assert spec.structures == ["separate", "merged", "aligned"]
    worlds = spec.sample(32)
    for u in spec.uncertain:
        col = worlds[u.name]
        if u.levels is None:
            assert col.min() >= u.lo and col.max() <= u.hi
            assert col.max() - col.min() > 0.8 * (u.hi - u.lo)  # a Latin hypercube spans the range
    assert any(":" in name for name in spec.names)
    assert Path("uncertainty/default.toml").resolve() == dec.default_file().resolve()


def test_worlds_from_a_posterior_are_used_as_they_are(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_module, "simulate", fake_simulate())
    spec = dec.load_uncertainty(write(tmp_path, KNOWN))
    posterior = pd.DataFrame(
        {"market.deal_size": [30_000.0, 90_000.0, 110_000.0], "distance": [0.1, 0.2, 0.3]}
    )
    path = tmp_path / "posterior.parquet"
    posterior.to_parquet(path)
    table = dec.worlds_from(path, spec, None)
    assert list(table.columns) == ["market.deal_size"]
    result = dec.decide(
        spec, tmp_path / "out", worlds=3, reps=1, measure="contribution", worlds_table=table, workers=1
    )
    assert result["structures"]["aligned"]["p_best"] == pytest.approx(2 / 3)
    assert np.isclose(pd.read_parquet(tmp_path / "out" / dec.WORLDS)["market.deal_size"].max(), 110_000)


def test_report_on_a_decide_folder_writes_the_decision_page(small_run, capsys):
    result, out = small_run
    main(["report", str(out)])
    page = (out / "decision.html").read_text()
    assert f"Pick: {result['choice']['minimax_regret']}" in page
    assert page.count("data:image/png;base64,") >= 1
    assert "need to believe" in page
    assert (out / "charts" / "decision_bars.png").stat().st_size > 0
    body = page.split("<body>", 1)[1]
    assert "`" not in body, "parameter names are set as <code>, not shown with their backticks"
    assert "<code>" in body and "<script" not in body


CAL_SCENARIO = """
name = "tiny"
structure = "separate"
[horizon]
days = 10
[market]
prospects = 1500
[sales]
headcount = 3
[marketing]
headcount = 2
"""

CAL_TARGETS = """
scenario = "tiny.toml"
[targets]
"funnel.mql_to_sal" = [0.80, 0.95]
[parameters]
"sales.fit_min" = [0.0, 0.6]
"""


def test_calibrate_posterior_feeds_decide(tmp_path, monkeypatch, capsys):
    (tmp_path / "tiny.toml").write_text(CAL_SCENARIO)
    targets = write(tmp_path, CAL_TARGETS, "targets.toml")
    cal = tmp_path / "cal"
    main(
        [
            "calibrate",
            str(targets),
            "--out",
            str(cal),
            "--trials",
            "6",
            "--reps",
            "1",
            "--workers",
            "1",
            "--posterior",
            "3",
            "--quiet",
            "--json",
        ]
    )
    post = pd.read_parquet(cal / "posterior.parquet")
    assert len(post) == 3 and list(post.columns[:3]) == ["trial", "distance", "tolerance"]
    assert post["distance"].is_monotonic_increasing
    assert (post["distance"] <= post["tolerance"]).all()
    trials = pd.concat(pd.read_parquet(p) for p in (cal / "trials").glob("*.parquet"))
    assert post["distance"].max() <= trials["loss"].nsmallest(3).max()  # the 3 closest trials
    assert post["sales.fit_min"].between(0.0, 0.6).all()
    monkeypatch.setattr(sweep_module, "simulate", fake_simulate())
    spec = dec.load_uncertainty(write(tmp_path, KNOWN))
    table = dec.worlds_from(cal / "posterior.parquet", spec, None)
    assert list(table.columns) == ["sales.fit_min"]
    result = dec.decide(
        spec, tmp_path / "out", worlds=3, reps=1, measure="contribution", worlds_table=table, workers=1
    )
    assert result["worlds"] == 3
    with pytest.raises(SystemExit) as exit_info:
        main(["calibrate", str(targets), "--out", str(tmp_path / "c2"), "--trials", "2", "--posterior", "9"])
    assert exit_info.value.code == 2
    assert "--posterior" in capsys.readouterr().err


def test_cli_json_is_the_decision_and_out_keeps_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sweep_module, "simulate", fake_simulate())
    path = write(tmp_path, KNOWN)
    out = tmp_path / "out"
    args = [
        "decide",
        str(path),
        "--worlds",
        "12",
        "--reps",
        "1",
        "--workers",
        "1",
        "--measure",
        "contribution",
    ]
    main([*args, "--out", str(out), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["worlds"] == 12 and data["reps"] == 1 and data["worlds_table"] == "worlds.parquet"
    stored = json.loads((out / dec.DECISION).read_text())
    assert data["choice"] == stored["choice"] and data["structures"] == stored["structures"]
    main(args)  # no --out: a table and the sentences, nothing kept
    text = capsys.readouterr().out
    assert "p_best" in text and "minimax regret" in text
