"""Sweeps: reproducible whatever the executor, resumable after a kill, failures recorded."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from concurrent.futures import BrokenExecutor
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sweep_faults
from orgsim.analyses.analyze import analyze
from orgsim.errors import InputError
from orgsim.experiment import sweep as sweep_module
from orgsim.experiment.storage import DirectoryLock, load_manifest, load_runs, load_series
from orgsim.experiment.sweep import sweep
from orgsim.model.metrics import flat_columns
from tiny_sweeps import SOBOL, TINY, copy_sweep, write

# long enough (96 runs, a few seconds on 2 workers) for a kill or Ctrl-C to land mid-sweep
KILLABLE = (
    TINY.replace("replications = 3", "replications = 16")
    .replace("days = 15", "days = 100")
    .replace('"market.prospects" = 600', '"market.prospects" = 2000')
    .replace('"horizon.warmup_days" = 20\n', "")  # the full warm-up: long runs for a kill to land in
)


def table(out: Path) -> pd.DataFrame:
    """The runs table without the one column that may differ between runs (wall time)."""
    return load_runs(out).drop(columns=["elapsed_s"])


@pytest.fixture(scope="module")
def tiny(tiny_sweep) -> pd.DataFrame:
    """The table of the shared TINY sweep (one worker)."""
    return table(tiny_sweep)


@pytest.fixture(scope="module")
def killable(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The KILLABLE experiment file and the table of its uninterrupted sweep."""
    tmp = tmp_path_factory.mktemp("killable")
    exp = write(tmp, KILLABLE)
    return exp, table(sweep(exp, tmp / "reference", workers=2))


def parts(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("part-*.parquet"))


# -- reproducible -------------------------------------------------------------------------------
def test_same_table_for_one_and_two_workers(tmp_path, tiny):
    exp = write(tmp_path, TINY)
    two = table(sweep(exp, tmp_path / "w2", workers=2, chunk_runs=5))
    assert len(tiny) == 18 and list(tiny["run_id"]) == list(range(18))
    assert (tiny["status"] == "ok").all()
    assert len(parts(tmp_path / "w2")) >= 4  # streamed in chunks, not written at the end
    pd.testing.assert_frame_equal(tiny, two)


@pytest.mark.slow
def test_same_table_on_a_local_dask_cluster(tmp_path, tiny):
    dask = table(sweep(write(tmp_path, TINY), tmp_path / "dask", workers=2, executor="dask"))
    pd.testing.assert_frame_equal(tiny, dask)


@pytest.mark.slow
def test_the_cli_runs_on_an_existing_dask_scheduler_by_address(tmp_path, capsys, tiny):
    from dask.distributed import LocalCluster

    from orgsim.cli import main

    exp = write(tmp_path, TINY)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        main(["sweep", str(exp), "--out", str(tmp_path / "dask"), "--executor", "dask"]
             + ["--address", cluster.scheduler_address, "--quiet"])  # fmt: skip
    assert load_manifest(tmp_path / "dask").sessions[0].address.startswith("tcp://")
    pd.testing.assert_frame_equal(table(tmp_path / "dask"), tiny)
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(exp), "--out", str(tmp_path / "x"), "--address", "tcp://127.0.0.1:1"])
    assert info.value.code == 2 and "--address needs --executor dask" in capsys.readouterr().err


def test_the_table_has_the_documented_columns_and_types(tmp_path):
    text = TINY.split("[factors]")[0] + (
        "[factors]\n"
        '"sla.enabled" = { levels = [true, false] }\n'
        '"sales.prioritisation" = { levels = ["sla", "cherry_pick"] }\n'
        '"sales.headcount" = { levels = [2, "3"] }\n'
    )
    runs = load_runs(sweep(write(tmp_path, text), tmp_path / "out", workers=1))
    first = ["run_id", "design_point", "replicate", "seed", "status", "error", "elapsed_s", "structure"]
    assert list(runs.columns[:8]) == first
    factors = ["sla.enabled", "sales.prioritisation", "sales.headcount"]
    assert list(runs.columns[9:12]) == factors and runs.columns[8] == "scenario"
    assert list(runs.columns[12:]) == flat_columns()
    assert (runs["status"] == "ok").all() and len(runs) == 24
    assert runs["sla.enabled"].dtype == bool
    assert set(runs["sales.prioritisation"]) == {"sla", "cherry_pick"}
    assert runs["sales.headcount"].dtype == "int64" and set(runs["sales.headcount"]) == {2, 3}
    assert runs["seed"].is_unique and (runs["elapsed_s"] > 0).all()


def test_the_manifest_records_experiment_versions_and_times(tiny_sweep):
    out = tiny_sweep
    manifest = load_manifest(out)
    assert {"orgsim", "mesa", "numpy", "python"} <= set(manifest.versions)
    assert manifest.name == "tiny" and len(manifest.experiment_hash) == 16
    assert manifest.design.name == "factorial" and manifest.replications == 3 and manifest.seed == 7
    assert [(f.key, f.levels) for f in manifest.factors][1] == ("sla.response_hours", (2, 48))
    assert manifest.runs == 18 and manifest.stored_runs == {"ok": 18}
    assert manifest.status == "complete" and manifest.started <= manifest.finished
    # the horizon is part of the recorded scenario, not only of the call; [set] is held fixed
    assert manifest.scenarios[0].parameters["horizon.days"] == 15
    held = {"market.prospects": 600, "sales.headcount": 3, "horizon.warmup_days": 20, "horizon.days": 15}
    assert manifest.overrides == held
    raw = json.loads((out / "manifest.json").read_text())  # the JSON layout readers relied on
    assert raw["experiment"]["factors"]["sla.response_hours"] == {"levels": [2, 48]}


def test_results_are_readable_by_the_team(tiny_sweep):
    out = tiny_sweep  # swept under umask 022 (conftest)
    for path in [out / "manifest.json", *parts(out)]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_the_python_api_takes_a_dict_and_shows_progress_on_a_terminal(tmp_path, monkeypatch, capsys):
    import orgsim

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    experiment = {"scenarios": ["merged"], "replications": 4, "days": 10, "set": {"market.prospects": 500}}
    out = orgsim.sweep(experiment, tmp_path / "out", workers=1, quiet=False)
    assert out == tmp_path / "out"
    assert "runs/s" in capsys.readouterr().err  # the bar: runs done, runs/s, ETA
    runs = orgsim.load_runs(out)
    assert len(runs) == 4 and set(runs["structure"]) == {"merged"}


# -- nothing lost -------------------------------------------------------------------------------
@pytest.mark.slow
def test_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path, killable):
    exp, reference = killable
    out = tmp_path / "killed"
    code = (
        "from orgsim.experiment.sweep import sweep\n"
        f"sweep({str(exp)!r}, {str(out)!r}, workers=2, chunk_runs=4)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(parts(out)) < 3:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = load_runs(out)
    assert 0 < len(partial) < len(reference), "the kill should land mid-sweep"
    assert load_manifest(out).status == "running"  # what a kill leaves: no chance to say more
    (out / "runs" / ".part-000099.parquet.abc.tmp").write_bytes(b"PAR1 cut off")  # as a kill can leave
    resumed = table(sweep(exp, out, workers=2, resume=True))
    assert not list((out / "runs").glob(".*.tmp"))
    assert resumed["run_id"].is_unique
    pd.testing.assert_frame_equal(resumed, reference)
    assert load_manifest(out).status == "complete"
    assert [s.status for s in load_manifest(out).sessions] == ["running", "complete"]


def interrupt_cli_sweep(exp: Path, out: Path, signum: int) -> subprocess.CompletedProcess:
    """Start `orgsim sweep` as a terminal would, send ``signum`` to its group mid-sweep."""
    command = [sys.executable, "-m", "orgsim", "sweep", str(exp), "--out", str(out), "--workers", "2"]

    def as_a_terminal_would():  # background jobs start with SIGINT ignored; a shell's Ctrl-C does not
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()

    proc = subprocess.Popen(command, preexec_fn=as_a_terminal_would, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / "manifest.json").exists():
        time.sleep(0.02)
    time.sleep(0.5)
    os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole foreground group; so may a scheduler
    _, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(command, proc.returncode, "", stderr)


@pytest.mark.slow
def test_ctrl_c_saves_completed_runs_and_the_same_command_resumes(tmp_path, killable):
    exp, reference = killable
    out = tmp_path / "interrupted"
    stopped = interrupt_cli_sweep(exp, out, signal.SIGINT)
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr.startswith("orgsim: interrupted; completed runs are saved in"), stopped.stderr
    assert stopped.stderr.count("\n") == 1  # one line: no traceback from the parent or any worker
    assert load_manifest(out).status == "interrupted"
    assert load_manifest(out).stored_runs.get("ok", 0) < len(reference)
    # a hang guard, not a speed check: the resume runs most of the sweep again, slow on a busy machine
    again = subprocess.run([*stopped.args, "--quiet"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(table(out), reference)


@pytest.mark.slow
def test_sigterm_stops_like_ctrl_c_with_whole_runs_saved(tmp_path, killable):
    exp, reference = killable
    out = tmp_path / "terminated"
    stopped = interrupt_cli_sweep(exp, out, signal.SIGTERM)
    assert stopped.returncode == 143, stopped.stderr
    assert stopped.stderr.startswith("orgsim: terminated; completed runs are saved in"), stopped.stderr
    assert stopped.stderr.count("\n") == 1
    assert load_manifest(out).status == "interrupted"
    saved = table(out) if list((out / "runs").glob("part-*")) else reference.iloc[:0]
    assert len(saved) < len(reference)
    pd.testing.assert_frame_equal(
        saved, reference[reference["run_id"].isin(saved["run_id"])].reset_index(drop=True)
    )


@pytest.mark.slow
def test_a_dead_worker_stops_the_sweep_cleanly_and_it_resumes(tmp_path, killable):
    exp, reference = killable
    out = tmp_path / "broken"
    with (
        pytest.raises(BrokenExecutor),
        sweep_faults.Injecting(sweep_faults.kills_its_worker) as pool,
    ):
        sweep(exp, out, executor=pool, chunk_runs=1)
    assert load_manifest(out).status == "interrupted"
    stored = load_runs(out)
    assert sweep_faults.DIE_AT_RUN not in set(stored["run_id"])
    assert (stored["status"] == "ok").all()
    pd.testing.assert_frame_equal(table(sweep(exp, out, workers=2)), reference)


def test_a_rerun_of_a_finished_sweep_adds_nothing(tmp_path, tiny_sweep, tiny):
    exp = write(tmp_path, TINY)
    out = copy_sweep(tiny_sweep, tmp_path)
    before = parts(out)
    second = table(sweep(exp, out, workers=1, resume=True))
    assert parts(out) == before
    pd.testing.assert_frame_equal(tiny, second)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    real = sweep_module.simulate

    def flaky(scenario, **kwargs):
        if scenario.structure == "merged" and scenario.sla.response_hours == 48:
            raise RuntimeError("model blew up")
        return real(scenario, **kwargs)

    monkeypatch.setattr(sweep_module, "simulate", flaky)
    runs = load_runs(sweep(write(tmp_path, TINY), tmp_path / "out", workers=1))
    failed = runs[runs["status"] == "error"]
    assert len(runs) == 18 and len(failed) == 3
    assert (failed["error"] == "RuntimeError: model blew up").all()
    assert failed["revenue"].isna().all() and (failed["structure"] == "merged").all()
    assert (runs.loc[runs["status"] == "ok", "revenue"].notna()).all()
    assert (runs.loc[runs["status"] == "ok", "error"] == "").all()
    result = analyze(tmp_path / "out")
    assert result.failed == 3
    point = result.points.set_index("design_point").loc[3]  # merged x 48 h: every run failed
    assert point["runs"] == 0 and point["failed"] == 3 and pd.isna(point["revenue.mean"])
    assert result.points["failed"].sum() == 3 and len(result.points) == 6
    assert load_manifest(tmp_path / "out").stored_runs == {"ok": 15, "error": 3}


def test_a_run_failing_inside_a_worker_process_is_recorded(tmp_path, tiny):
    exp = write(tmp_path, TINY)
    with sweep_faults.Injecting(sweep_faults.raises_for_merged_48h) as pool:
        runs = load_runs(sweep(exp, tmp_path / "out", executor=pool, chunk_runs=4))
    failed = runs[runs["status"] == "error"]
    assert list(runs["run_id"]) == list(range(18))
    assert len(failed) == 3 and (failed["error"] == "RuntimeError: model blew up").all()
    assert set(failed["design_point"]) == {3}  # merged x 48 h: the 4th point of the factorial
    # the other runs are exactly those of a clean sweep
    clean = tiny
    ok = runs["status"] == "ok"
    pd.testing.assert_frame_equal(
        runs[ok].drop(columns="elapsed_s").reset_index(drop=True),
        clean[ok].reset_index(drop=True),
    )


def test_a_task_dask_gave_up_on_is_that_runs_failure_anything_else_stops_the_sweep(tmp_path):
    from concurrent.futures import Future
    from types import SimpleNamespace

    from distributed.scheduler import KilledWorker

    from orgsim.experiment.experiment import load_experiment

    exp = load_experiment(write(tmp_path, TINY))
    spec, scenario = exp.runs()[4], exp.scenarios[0]
    future: Future = Future()
    last = SimpleNamespace(address="tcp://10.0.0.5:4001")
    future.set_exception(KilledWorker("execute-123", last, 3))  # the task killed 3 workers
    row, frame = sweep_module._outcome(future, spec, scenario)
    assert row["status"] == "error" and row["error"].startswith("KilledWorker: ")
    assert row["run_id"] == 4 and frame is None
    lost: Future = Future()
    lost.set_exception(OSError("scheduler connection closed"))
    with pytest.raises(sweep_module.WorkerError, match="run 4 failed outside the model: OSError"):
        sweep_module._outcome(lost, spec, scenario)


# -- refused ---------------------------------------------------------------------------------------
def test_a_different_experiment_or_a_foreign_directory_is_refused(tmp_path, tiny_sweep):
    copy_sweep(tiny_sweep, tmp_path)
    other = write(tmp_path, TINY.replace("seed = 7", "seed = 99"), "other.toml")
    with pytest.raises(InputError, match="holds a different experiment") as info:
        sweep(other, tmp_path / "out", workers=1)
    assert "\n" not in str(info.value)
    renamed = write(tmp_path, TINY.replace('name = "tiny"', 'name = "renamed"'), "renamed.toml")
    sweep(renamed, tmp_path / "out", workers=1)  # same runs under another name: accepted
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file.txt").write_text("x")
    with pytest.raises(InputError, match="not a sweep directory"):
        sweep(other, tmp_path / "junk", workers=1)


def test_two_sweeps_never_write_into_one_directory(tmp_path, tiny_sweep):
    exp = write(tmp_path, TINY)
    out = copy_sweep(tiny_sweep, tmp_path)
    with DirectoryLock(out), pytest.raises(InputError, match="another sweep .* is writing here"):
        sweep(exp, out, workers=1)
    assert len(load_runs(sweep(exp, out, workers=1))) == 18  # the lock is released


# -- series ----------------------------------------------------------------------------------------
def test_series_are_recorded_when_asked(tiny_series_sweep, tiny_sweep):
    out = tiny_series_sweep  # on two workers
    series = load_series(out)
    assert series is not None and set(series["run_id"]) == set(range(18))
    assert (series.groupby("run_id")["day"].count() == 15).all()
    assert list(series.columns[:2]) == ["run_id", "day"] and len(series.columns) > 2
    assert load_series(tiny_sweep) is None


def test_series_left_by_a_kill_between_two_parts_are_not_doubled(tmp_path, tiny_series_sweep):
    out = copy_sweep(tiny_series_sweep, tmp_path)
    clean = load_series(out)
    part = pq.read_table(sorted((out / "series").glob("part-*.parquet"))[0])
    pq.write_table(part, out / "series" / "part-000090.parquet")  # a series part written twice
    orphan = part.to_pandas().assign(run_id=999)  # series of a run never stored
    orphan.to_parquet(out / "series" / "part-000091.parquet")
    pd.testing.assert_frame_equal(load_series(out), clean)


# -- analysis --------------------------------------------------------------------------------------
def test_sobol_sweep_is_analysed_with_indices(sobol_sweep):
    result = analyze(sobol_sweep, ["mqls"])
    assert set(result.sensitivity["factor"]) == {"marketing.budget", "sla.response_hours"}
    indices = result.sensitivity.set_index("factor")
    # the budget drives the MQL count; an SLA clock (disabled in this scenario) cannot
    assert indices.loc["marketing.budget", "ST"] > 0.1
    assert abs(indices.loc["sla.response_hours", "ST"]) < indices.loc["marketing.budget", "ST"]
    assert {"S1_conf", "ST_conf"} <= set(result.sensitivity.columns)
    assert len(result.points) == 4 * 4 and result.notes == []


def test_morris_with_integer_and_categorical_factors(tmp_path, caplog):
    text = (
        SOBOL.replace('design = "sobol"', 'design = "morris"')
        .replace("samples = 4", "samples = 3")
        .replace('"sla.response_hours" = { range = [1, 96] }', '"sales.headcount" = { range = [1, 6] }')
        + 'structure = { levels = ["separate", "merged", "aligned"] }\n'
    )
    out = sweep(write(tmp_path, text), tmp_path / "out", workers=1)
    with caplog.at_level("WARNING"):
        result = analyze(out, ["mqls", "revenue"])
    assert not caplog.records  # the effects use the sampled coordinates, drawn again from the manifest
    sens = result.sensitivity
    assert len(sens) == 2 * 3 and {"mu_star", "mu_star_conf", "sigma"} <= set(sens.columns)
    assert (sens["mu_star"] >= 0).all() and sens["mu_star"].notna().all()
    assert load_runs(out)["sales.headcount"].between(1, 6).all()


def test_each_base_scenario_gets_its_own_points_and_indices(tmp_path):
    text = SOBOL.replace('name = "sobol"', 'name = "two"\nscenarios = ["separate", "merged"]')
    text = text.replace("samples = 4", "samples = 2")
    out = sweep(write(tmp_path, text), tmp_path / "out", workers=1)
    runs = load_runs(out)
    assert list(runs["scenario"].unique()) == ["separate", "merged"] and len(runs) == 2 * 2 * 4
    assert set(runs.loc[runs["scenario"] == "merged", "structure"]) == {"merged"}
    result = analyze(out, ["mqls"])
    assert len(result.points) == 16 and set(result.points["scenario"]) == {"separate", "merged"}
    assert set(result.sensitivity["scenario"]) == {"separate", "merged"}


def test_analysis_of_an_unfinished_sweep_says_so(tmp_path, capsys, sobol_sweep):
    from orgsim.cli import main

    out = copy_sweep(sobol_sweep, tmp_path)
    runs = load_runs(out)
    for part in parts(out):
        part.unlink()
    runs[runs["design_point"] < 10].to_parquet(out / "runs" / "part-000000.parquet")
    result = analyze(out, ["mqls"])
    assert result.sensitivity is None and len(result.points) == 10
    assert any("unfinished: 10 of 16 runs" in n for n in result.notes)
    assert any("6 of 16 design points have no successful run" in n for n in result.notes)
    main(["analyze", str(out), "--measure", "mqls"])
    assert "no sobol indices" in capsys.readouterr().out


# -- command line ----------------------------------------------------------------------------------
def test_cli_sweep_and_analyze(tmp_path, capsys):
    from orgsim.cli import main

    exp = write(tmp_path, TINY)
    out = tmp_path / "out"
    main(["sweep", str(exp), "--out", str(out), "--dry-run"])
    text = capsys.readouterr().out
    assert "18 runs (6 design points x 3 replications x 1 base scenario)" in text and not out.exists()
    main(["sweep", str(exp), "--out", str(out), "--dry-run", "--json"])
    plan = json.loads(capsys.readouterr().out)
    assert plan["runs"] == 18 and plan["estimate_s"] >= 0
    main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--json"])
    done = json.loads(capsys.readouterr().out)
    assert done["stored_runs"] == {"ok": 18} and done["out"] == str(out)
    main(["analyze", str(out), "--json", "--csv", str(tmp_path / "points.csv")])
    data = json.loads(capsys.readouterr().out)
    assert data["design"] == "factorial" and len(data["points"]) == 6 and data["failed_runs"] == 0
    assert len(pd.read_csv(tmp_path / "points.csv")) == 6
    main(["analyze", str(out), "--measure", "revenue"])
    assert "mean [95% CI] per design point" in capsys.readouterr().out


def test_cli_analyze_writes_indices_next_to_the_points(tmp_path, capsys, sobol_sweep):
    from orgsim.cli import main

    main(["analyze", str(sobol_sweep), "--measure", "mqls", "--csv", str(tmp_path / "sobol.csv")])
    assert "Sobol indices, share of its variance" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "sobol.csv")) == 16
    assert set(pd.read_csv(tmp_path / "sobol_sensitivity.csv")["factor"]) == {
        "marketing.budget",
        "sla.response_hours",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "{tmp}/nowhere"], "manifest.json: not found"),
        (["analyze", "{out}", "--measure", "revenu"], "unknown measure 'revenu'"),
        (["sweep", "{tmp}/missing.toml", "--out", "{tmp}/o"], "missing.toml: file not found"),
        (["sweep", "{exp}", "--out", "{tmp}/o", "--workers", "0"], "--workers"),
        (["sweep", "{exp}", "--out", "{tmp}/o", "--executor", "mpi"], "--executor"),
        (
            ["sweep", "{exp}", "--out", "{tmp}/o", "--executor", "dask", "--address", "nowhere"],
            "--scheduler: cannot reach a Dask scheduler at 'nowhere'",  # the older spelling of --scheduler
        ),
        pytest.param(  # a Dask test: the client retries for its 10 s connect timeout before it gives up
            ["sweep", "{exp}", "--out", "{tmp}/o", "--scheduler", "nowhere.invalid:1"],
            "--scheduler: cannot reach a Dask scheduler at 'nowhere.invalid:1'",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_cli_errors_are_one_line_with_exit_2(tmp_path, capsys, args, message, tiny_sweep):
    from orgsim.cli import main

    exp = write(tmp_path, TINY)
    out = tiny_sweep  # analyze only reads it
    argv = [a.format(tmp=tmp_path, exp=exp, out=out) for a in args]
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o" / "manifest.json").exists()  # nothing started, nothing to resume


def test_a_real_sweep_renders_its_report(tmp_path, tiny_series_sweep):
    from orgsim.presentation.report import write_sweep_report

    out = copy_sweep(tiny_series_sweep, tmp_path)
    html = write_sweep_report(out).read_text()
    assert "sla.response_hours" in html or "SLA response hours" in html
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html
    charts = {p.name for p in (out / "charts").glob("*.png")}
    assert {"outcomes.png", "funnel.png", "leakage_by_cause.png"} <= charts
    assert any(name.startswith("winner") or name.startswith("response") for name in charts), charts


def session_processes(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, _pgrp, session = stat_line.rsplit(")", 1)[1].split()[:4]
        if int(session) == sid and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_exit_when_a_sweep_is_killed(tmp_path):
    """SIGKILL of the sweep alone (not its group): workers, fork server and tracker follow it."""
    exp = write(tmp_path, KILLABLE)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "orgsim", "sweep", str(exp), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(session_processes(proc.pid)) < 4:
        time.sleep(0.05)  # the sweep, its fork server and workers are up
    assert len(session_processes(proc.pid)) >= 4, "the sweep's workers never started"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and session_processes(proc.pid):
        time.sleep(0.1)
    left = session_processes(proc.pid)
    for pid in left:  # do not leave them behind for the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} orphans of the killed sweep still alive"
