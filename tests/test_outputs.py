"""compare --out and report --out never overwrite a user's files and fail before any run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orgsim.errors import InputError
from orgsim.outputs import MARKER, check_report_dir, claim_report_dir, seal

TINY = ["--reps", "2", "--days", "5", "--set", "market.prospects=400", "--workers", "1", "--quiet"]


def orgsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args], capture_output=True, text=True, timeout=600, cwd=cwd
    )


def test_compare_refuses_a_directory_of_user_files_and_leaves_them(tmp_path):
    mine = tmp_path / "d"
    mine.mkdir()
    (mine / "summary.csv").write_text("mine\n")
    (mine / "report.html").write_text("mine\n")
    done = orgsim("compare", "aligned", *TINY, "--out", str(mine))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and str(mine) in done.stderr and "report.html" in done.stderr
    assert (mine / "summary.csv").read_text() == "mine\n" and (mine / "report.html").read_text() == "mine\n"
    assert sorted(p.name for p in mine.iterdir()) == ["report.html", "summary.csv"]


def test_compare_writes_a_new_directory_and_may_rewrite_its_own_report(tmp_path):
    out = tmp_path / "new" / "cmp"
    first = orgsim("compare", "aligned", *TINY, "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert (out / "report.html").is_file() and (out / MARKER).is_file() and (out / "runs.csv").is_file()
    again = orgsim("compare", "merged", *TINY, "--out", str(out))
    assert again.returncode == 0, again.stderr


def test_an_unwritable_out_fails_before_any_run(tmp_path):
    done = orgsim("compare", "aligned", "--reps", "5000", "--days", "250", "--out", "/proc/orgsim-out")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "/proc/orgsim-out" in done.stderr and "cannot write" in done.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = orgsim("compare", "aligned", *TINY, "--out", str(blocker / "sub"))
    assert done.returncode == 2 and "is a file" in done.stderr


def test_report_out_refuses_user_files(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n")
    done = orgsim("report", str(tmp_path / "no-sweep"), "--out", str(mine))
    assert done.returncode == 2 and "notes.txt" in done.stderr and "did not write" in done.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_report_dir_rules(tmp_path):
    assert check_report_dir(tmp_path / "fresh") == tmp_path / "fresh"
    empty = tmp_path / "empty"
    empty.mkdir()
    claim_report_dir(empty)
    assert (empty / MARKER).exists()
    (empty / "report.html").write_text("old report")
    check_report_dir(empty)  # our own earlier report: may be replaced
    sweep_dir = tmp_path / "sweep"
    sweep_dir.mkdir()
    (sweep_dir / "manifest.json").write_text(json.dumps(seal({})))
    check_report_dir(sweep_dir)  # a sweep directory (its manifest orgsim's): the report goes next to the runs
    (sweep_dir / "manifest.json").write_text("{}")  # a manifest.json orgsim did not write
    with pytest.raises(InputError, match="did not write"):
        check_report_dir(sweep_dir)
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("")
    with pytest.raises(InputError, match="did not write"):
        check_report_dir(other)


def test_analyze_csv_in_an_unwritable_place_is_one_line(tmp_path):
    done = orgsim("analyze", str(tmp_path), "--csv", "/proc/nope.csv")
    assert done.returncode == 2 and "--csv: /proc/nope.csv" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "aligned", "--reps", "2", "--quiet"],
        ["tornado", "aligned", "--reps", "2", "--param", "market.demand", "--quiet"],
    ],
)
def test_other_commands_with_out_refuse_user_files_before_running(tmp_path, command):
    mine = tmp_path / "d"
    mine.mkdir()
    (mine / "validation.png").write_text("mine\n")
    (mine / "tornado.csv").write_text("mine\n")
    done = orgsim(*command, "--out", str(mine))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "did not write" in done.stderr
    assert [(mine / n).read_text() for n in ("validation.png", "tornado.csv")] == ["mine\n", "mine\n"]
