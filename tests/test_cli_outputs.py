"""Every command that writes files names them on stdout (or in --json) and takes --quiet."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from orgsim.cli import COMMANDS, cli, main
from tiny_sweeps import TINY, write

# the options through which a command writes files (the dashboard writes only from its page)
WRITING = {"out_dir", "csv_path", "leads_path", "out_path", "targets_path"}


def _command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    return command


def test_every_command_that_writes_takes_quiet():
    writers = []
    for name in COMMANDS:
        params = {p.name for p in _command(name).params}
        if params & WRITING:
            writers.append(name)
            assert "quiet" in params, f"orgsim {name} writes files but has no --quiet"
    assert {"run", "compare", "sweep", "analyze", "report", "explain", "validate", "init"} <= set(writers)


def test_sweep_names_its_folder_on_stdout_even_quiet(tmp_path, capsys):
    exp = write(tmp_path, TINY.replace("replications = 3", "replications = 1"))
    main(["sweep", str(exp), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"])
    captured = capsys.readouterr()
    assert captured.out.startswith("6 runs in ") and str(tmp_path / "out") in captured.out
    assert captured.err == ""


def test_report_names_its_page_on_stdout_and_quiet_drops_the_notes(tiny_sweep, tmp_path):
    runner = CliRunner()
    loud = runner.invoke(cli, ["report", str(tiny_sweep), "--out", str(tmp_path / "a")])
    assert loud.exit_code == 0, loud.output
    page = tmp_path / "a" / "report.html"
    assert page.is_file() and f"report written to {page}" in loud.stdout
    quiet = runner.invoke(cli, ["report", str(tiny_sweep), "--out", str(tmp_path / "b"), "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stdout.strip() == f"report written to {tmp_path / 'b' / 'report.html'}"
    assert "note:" not in quiet.stderr
    as_json = runner.invoke(cli, ["report", str(tiny_sweep), "--out", str(tmp_path / "c"), "--json"])
    assert json.loads(as_json.stdout)["report"] == str(tmp_path / "c" / "report.html")


def test_analyze_quiet_keeps_the_tables_and_the_files_written(tiny_sweep, tmp_path):
    runner = CliRunner()
    csv = tmp_path / "points.csv"
    done = runner.invoke(cli, ["analyze", str(tiny_sweep), "--csv", str(csv), "--quiet"])
    assert done.exit_code == 0, done.output
    assert f"wrote {csv}" in done.stdout and "per design point" in done.stdout and csv.is_file()
