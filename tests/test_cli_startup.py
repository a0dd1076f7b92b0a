"""The CLI starts without the model: commands are imported only when they are called."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from orgsim.cli import COMMANDS, cli

HEAVY = ("mesa", "pandas", "numpy", "scipy", "pyarrow", "rich", "pydantic", "matplotlib")


def _loaded_after(args: list[str]) -> list[str]:
    code = (
        "import sys\n"
        "from orgsim.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = done.stdout.rsplit("LOADED:", 1)[1].strip()
    return [m for m in line.split(",") if m]


def test_help_and_version_import_nothing_heavy():
    assert _loaded_after(["--version"]) == []
    assert _loaded_after(["--help"]) == []


def test_show_does_not_import_the_model():
    loaded = _loaded_after(["show", "aligned", "--json"])
    assert "mesa" not in loaded and "pandas" not in loaded


def test_every_registered_command_loads_and_its_short_help_is_listed():
    listing = CliRunner().invoke(cli, ["--help"]).output
    for name, (module, attr, short) in COMMANDS.items():
        command = cli.get_command(None, name)
        assert command is not None and command.name == name, (module, attr)
        assert short in " ".join(listing.split())


def test_unknown_command_is_one_line_exit_2():
    done = subprocess.run(
        [sys.executable, "-m", "orgsim", "runn"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "runn" in done.stderr and "Traceback" not in done.stderr
