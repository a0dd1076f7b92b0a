"""Sweeps: reproducible whatever the executor, resumable after a kill, failures recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from orgsim.errors import InputError
from orgsim.experiment import sweep as sweep_module
from orgsim.experiment.analyze import analyze
from orgsim.experiment.experiment import load_experiment, parse_experiment
from orgsim.experiment.storage import load_manifest, load_runs, load_series
from orgsim.experiment.sweep import sweep

TINY = """
name = "tiny"
scenarios = ["separate"]
design = "factorial"
replications = 3
seed = 7
days = 15
[set]
"market.prospects" = 600
"sales.headcount" = 3
[factors]
structure = { levels = ["separate", "merged", "aligned"] }
"sla.response_hours" = { levels = [2, 48] }
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def table(out: Path) -> pd.DataFrame:
    return load_runs(out).drop(columns=["elapsed_s"])


def test_same_table_for_one_two_workers_and_dask(tmp_path):
    exp = write(tmp_path, TINY)
    one = table(sweep(exp, tmp_path / "w1", workers=1))
    two = table(sweep(exp, tmp_path / "w2", workers=2, chunk_runs=5))
    dask = table(sweep(exp, tmp_path / "dask", workers=2, executor="dask"))
    assert len(one) == 18 and list(one["run_id"]) == list(range(18))
    assert (one["status"] == "ok").all()
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, dask)


def test_seeds_depend_on_experiment_seed_and_run_index(tmp_path):
    exp = load_experiment(write(tmp_path, TINY))
    seeds = [s.seed for s in exp.runs()]
    assert len(set(seeds)) == len(seeds)
    again = load_experiment(write(tmp_path, TINY.replace("seed = 7", "seed = 8"), "other.toml"))
    assert seeds != [s.seed for s in again.runs()]


def test_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path):
    text = TINY.replace("replications = 3", "replications = 12").replace("days = 15", "days = 40")
    exp = write(tmp_path, text)
    reference = table(sweep(exp, tmp_path / "ref", workers=2))
    out = tmp_path / "killed"
    code = (
        "from orgsim.experiment.sweep import sweep\n"
        f"sweep({str(exp)!r}, {str(out)!r}, workers=2, chunk_runs=4)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "runs").glob("part-*.parquet"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = load_runs(out)
    assert 0 < len(partial) < len(reference), "the kill should land mid-sweep"
    resumed = table(sweep(exp, out, workers=2, resume=True))
    assert not list((out / "runs").glob(".*.tmp"))  # a part cut off by the kill is cleared
    assert resumed["run_id"].is_unique
    pd.testing.assert_frame_equal(resumed, reference)
    assert load_manifest(out)["status"] == "complete"


def test_rerun_of_a_finished_sweep_adds_nothing(tmp_path):
    exp = write(tmp_path, TINY)
    first = table(sweep(exp, tmp_path / "out", workers=1))
    second = table(sweep(exp, tmp_path / "out", workers=1))
    pd.testing.assert_frame_equal(first, second)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    real = sweep_module.simulate

    def flaky(scenario, seed, days, series):
        if scenario.structure == "merged" and scenario.sla.response_hours == 48:
            raise RuntimeError("model blew up")
        return real(scenario, seed=seed, days=days, series=series)

    monkeypatch.setattr(sweep_module, "simulate", flaky)
    runs = load_runs(sweep(write(tmp_path, TINY), tmp_path / "out", workers=1))
    failed = runs[runs["status"] == "error"]
    assert len(runs) == 18 and len(failed) == 3
    assert failed["error"].str.contains("RuntimeError: model blew up").all()
    assert failed["revenue"].isna().all()
    assert (runs.loc[runs["status"] == "ok", "revenue"].notna()).all()
    assert analyze(tmp_path / "out").failed == 3


def test_a_different_experiment_in_the_same_dir_is_refused(tmp_path):
    sweep(write(tmp_path, TINY), tmp_path / "out", workers=1)
    other = write(tmp_path, TINY.replace("seed = 7", "seed = 99"), "other.toml")
    with pytest.raises(InputError, match="holds a different experiment"):
        sweep(other, tmp_path / "out", workers=1)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file.txt").write_text("x")
    with pytest.raises(InputError, match="not a sweep directory"):
        sweep(other, tmp_path / "junk", workers=1)


def test_series_are_recorded_when_asked(tmp_path):
    exp = write(tmp_path, TINY.replace("days = 15", "days = 15\nseries = true"))
    out = sweep(exp, tmp_path / "out", workers=2)
    series = load_series(out)
    assert series is not None and set(series["run_id"]) == set(range(18))
    assert (series.groupby("run_id")["day"].count() == 15).all()


def test_bad_experiment_values_name_file_and_field(tmp_path):
    cases = {
        'design = "grid"': "design: 'grid' is not a design; allowed: factorial, lhs, sobol, morris",
        "replications = 0": "replications: 0 is not allowed; use an integer >= 1",
        'design = "lhs"': "samples: the lhs design needs a sample size",
        'colour = "red"': "unknown entry 'colour'",
    }
    for line, message in cases.items():
        path = write(
            tmp_path,
            line
            + "\n"
            + TINY.replace('design = "factorial"\n', "").replace(
                "replications = 3\n", "" if "replications" in line else "replications = 3\n"
            ),
        )
        with pytest.raises(InputError) as info:
            load_experiment(path)
        assert str(path) in str(info.value) and message in str(info.value), str(info.value)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("factor", "message"),
    [
        ('"sla.respnse_hours" = { levels = [1] }', "did you mean 'sla.response_hours'"),
        (
            '"sla.response_hours" = { levels = [-5] }',
            "sla.response_hours: Input should be greater than or equal",
        ),
        ('structure = { levels = ["flat"] }', "'flat' is not a structure"),
        ('"sales.headcount" = { range = [2, 9] }', "a factorial design needs levels"),
        ('"sales.headcount" = { levels = [] }', "levels: a non-empty list"),
        ('"sales.headcount" = { steps = 3 }', "unknown entry 'steps'"),
    ],
)
def test_bad_factors(tmp_path, factor, message):
    text = TINY.split("[factors]")[0] + "[factors]\n" + factor + "\n"
    with pytest.raises(InputError, match=None) as info:
        load_experiment(write(tmp_path, text))
    assert message in str(info.value), str(info.value)


def test_sampling_designs_have_the_expected_shapes():
    base = {
        "scenarios": ["separate"],
        "seed": 1,
        "factors": {
            "sales.headcount": {"range": [4, 20]},
            "sla.response_hours": {"range": [1, 96]},
            "structure": {"levels": ["separate", "merged", "aligned"]},
        },
    }
    lhs = parse_experiment({**base, "design": "lhs", "samples": 30})
    points = lhs.points()
    assert len(points) == 30
    hours = sorted(p["sla.response_hours"] for p in points)
    strata = [int((h - 1) / 95 * 30) for h in hours]
    assert sorted(strata) == list(range(30))  # one point per stratum
    assert all(isinstance(p["sales.headcount"], int) and 4 <= p["sales.headcount"] <= 20 for p in points)
    assert lhs.points() == points  # seeded
    sobol = parse_experiment({**base, "design": "sobol", "samples": 8})
    assert len(sobol.points()) == 8 * (3 + 2)
    morris = parse_experiment({**base, "design": "morris", "samples": 5})
    assert len(morris.points()) == 5 * (3 + 1)
    assert {p["structure"] for p in morris.points()} <= {"separate", "merged", "aligned"}


def test_sobol_sweep_is_analysed_with_indices(tmp_path):
    text = """
name = "sobol"
design = "sobol"
samples = 4
days = 15
seed = 2
[set]
"market.prospects" = 500
"sales.headcount" = 2
[factors]
"marketing.budget" = { range = [0, 2000000] }
"sla.response_hours" = { range = [1, 96] }
"""
    out = sweep(write(tmp_path, text), tmp_path / "out", workers=2)
    result = analyze(out, ["mqls"])
    assert set(result.sensitivity["factor"]) == {"marketing.budget", "sla.response_hours"}
    indices = result.sensitivity.set_index("factor")
    # the budget drives the MQL count; an SLA clock (disabled in this scenario) cannot
    assert indices.loc["marketing.budget", "ST"] > 0.1
    assert abs(indices.loc["sla.response_hours", "ST"]) < indices.loc["marketing.budget", "ST"]
    assert len(result.points) == 4 * 4


def test_cli_sweep_and_analyze(tmp_path, capsys):
    from orgsim.cli import main

    exp = write(tmp_path, TINY)
    out = tmp_path / "out"
    main(["sweep", str(exp), "--out", str(out), "--dry-run"])
    assert "18 runs" in capsys.readouterr().out and not out.exists()
    main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"])
    main(["analyze", str(out), "--json", "--csv", str(tmp_path / "points.csv")])
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["design"] == "factorial" and len(data["points"]) == 6
    assert (tmp_path / "points.csv").exists()
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(tmp_path / "missing.toml"), "--out", str(out)])
    assert info.value.code == 2
    assert "missing.toml: file not found" in capsys.readouterr().err


def test_shipped_experiments_are_valid():
    shipped = sorted(Path("experiments").glob("*.toml"))
    assert len(shipped) >= 5
    for path in shipped:
        exp = load_experiment(path)
        assert exp.description and len(exp.runs()) > 0


def test_flag_and_choice_factors_are_stored_with_their_types(tmp_path):
    text = TINY.split("[factors]")[0] + (
        '[factors]\n"sla.enabled" = { levels = [true, false] }\n'
        '"sales.prioritisation" = { levels = ["sla", "cherry_pick"] }\n'
    )
    runs = load_runs(sweep(write(tmp_path, text), tmp_path / "out", workers=1))
    assert (runs["status"] == "ok").all() and len(runs) == 12
    assert runs["sla.enabled"].dtype == bool
    assert set(runs["sales.prioritisation"]) == {"sla", "cherry_pick"}


def test_a_real_sweep_renders_its_report(tmp_path):
    from orgsim.presentation.report import write_sweep_report

    out = sweep(
        write(tmp_path, TINY.replace("days = 15", "days = 15\nseries = true")), tmp_path / "out", workers=1
    )
    html = write_sweep_report(out).read_text()
    assert "sla.response_hours" in html or "SLA response hours" in html
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html
    charts = {p.name for p in (out / "charts").glob("*.png")}
    assert {"outcomes.png", "funnel.png", "leakage_by_cause.png"} <= charts
    assert any(name.startswith("winner") or name.startswith("response") for name in charts), charts
