"""User text reaches the terminal as written (no markup, no escapes); messages name the real cause."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orgsim import load_scenario
from orgsim.cli import plain, safe
from orgsim.errors import InputError
from orgsim.experiment.experiment import parse_experiment


def orgsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args], capture_output=True, text=True, timeout=600, cwd=cwd
    )


NASTY = "[/bold]oops [red]x\x1b[31mred\x07"


def scenario_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "nasty.toml"
    path.write_text(f"name = {json.dumps(name)}\nstructure = 'aligned'\n[market]\nprospects = 400\n")
    return path


def test_safe_escapes_markup_and_shows_control_characters():
    from rich.console import Console

    console = Console(record=True, width=200, force_terminal=True)
    console.print(safe(NASTY))
    text = console.export_text()
    assert "[/bold]oops [red]x" in text and "\\x1b[31mred\\x07" in text
    assert "\x1b" not in plain(NASTY) and "\\x1b" in plain(NASTY)


@pytest.mark.parametrize(
    "args",
    [
        ["run", "{file}", "--days", "3"],
        ["show", "{file}"],
        ["compare", "{file}", "--reps", "2", "--days", "3", "--workers", "1", "--quiet"],
    ],
    ids=["run", "show", "compare"],
)
def test_a_name_with_markup_and_escapes_prints_as_written(tmp_path, args):
    path = scenario_file(tmp_path, NASTY)
    done = orgsim(*[a.replace("{file}", str(path)) for a in args])
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "[/bold]oops" in done.stdout and "[red]x" in done.stdout


def test_compare_of_two_odd_names_prints_the_paired_table_as_written(tmp_path):
    """The paired table's title and sentences carry the baseline's name (a MarkupError once)."""
    first = scenario_file(tmp_path, NASTY)
    second = tmp_path / "plain.toml"
    second.write_text("name = '[b]plain'\nstructure = 'separate'\n[market]\nprospects = 400\n")
    tiny = ["--reps", "2", "--days", "3", "--workers", "1", "--quiet"]
    done = orgsim("compare", str(first), str(second), *tiny)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "paired difference to [/bold]oops [red]x" in done.stdout
    assert "[b]plain earns" in done.stdout and "than [/bold]oops [red]x" in done.stdout


def test_set_name_and_description_rename_the_scenario():
    sc = load_scenario("aligned", {"name": "mine", "description": "why"})
    assert (sc.name, sc.description, sc.structure) == ("mine", "why", "aligned")
    done = orgsim("run", "aligned", "--days", "3", "--set", "name=x", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["scenario"] == "x"


def test_a_very_long_name_is_one_line():
    done = orgsim("run", "aligned", "--days", "3", "--set", "name=" + "x" * 5000)
    assert done.returncode == 2 and "name: use 1 to 200 characters" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_set_value_is_blamed_on_set_not_the_file():
    with pytest.raises(InputError, match=r"^--set: sales.headcount"):
        load_scenario("scenarios/aligned.toml", {"sales.headcount": "abc"})
    done = orgsim("show", "scenarios/aligned.toml", "--set", "sales.headcount=abc")
    assert done.returncode == 2 and done.stderr.startswith("orgsim: error: --set: sales.headcount")


def test_an_experiment_set_value_is_blamed_on_the_experiment():
    with pytest.raises(InputError, match=r"^exp.toml: set: sales.headcount"):
        parse_experiment(
            {"scenarios": ["scenarios/separate.toml"], "set": {"sales.headcount": "abc"}}, source="exp.toml"
        )


def test_a_section_given_a_value_says_it_needs_a_table(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("sales = 5\n")
    with pytest.raises(InputError, match="sales: a table of parameters") as info:
        load_scenario(path)
    assert "did you mean" not in str(info.value)


def test_structures_naming_nothing_is_refused():
    done = orgsim("compare", "aligned", "--structures", ",", "--reps", "2")
    assert done.returncode == 2 and "--structures" in done.stderr


def test_a_read_only_out_is_not_called_resumable(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text('scenarios = ["aligned"]\ndays = 3\n')
    done = orgsim("sweep", str(exp), "--out", "/proc/orgsim-sweep")
    assert done.returncode == 2 and "cannot write" in done.stderr and "resume" not in done.stderr


def test_tables_in_a_pipe_follow_columns_when_it_is_set():
    import os

    def widest_table_line(env: dict[str, str]) -> int:
        done = subprocess.run(
            [sys.executable, "-m", "orgsim", "run", "separate", "--days", "3"],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        rows = [line for line in done.stdout.splitlines() if "│" in line or "legend" in line or "  " in line]
        return max(len(line.rstrip()) for line in rows if not line.startswith("lead ledger"))

    bare = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    assert widest_table_line({**bare, "COLUMNS": "100"}) <= 100  # the legend's meanings wrap
    assert widest_table_line(bare) > 100  # a file gets whole lines (200 columns) unless told
