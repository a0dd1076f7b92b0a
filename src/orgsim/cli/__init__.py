"""The ``orgsim`` command line: a thin shell over the Python API.

Commands live in the modules of this package (``core``: run, compare, scenarios, show;
``sweep``: sweep, analyze; ``report``: report; ``dashboard``: dashboard). Benchmarks run with
``python -m benchmarks``.

Every command that prints a table also takes ``--json``. Bad input exits with code 2 and one
line on stderr naming the file or flag, the field and what is allowed.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.console import Console

from orgsim.errors import InputError
from orgsim.scenario import parse_assignment

out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)


def _overrides(assignments: Sequence[str]) -> dict[str, Any]:
    return dict(parse_assignment(a) for a in assignments)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_json_default, allow_nan=False))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _clean(value: Any) -> Any:
    """NaN is not JSON: report it as null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _progress(total: int, quiet: bool, label: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A rich progress bar on stderr when it is a terminal; no-ops otherwise."""
    if quiet or not sys.stderr.isatty():
        return (lambda n: None), (lambda: None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task(label, total=total)
    bar.start()
    return (lambda n: bar.advance(task, n)), bar.stop


set_option = click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a parameter, e.g. --set sla.response_hours=4 (repeatable; see `orgsim show`).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
days_option = click.option(
    "--days", type=click.IntRange(min=1), default=None, help="Business days to simulate (250 = a year)."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orgsim")
def cli() -> None:
    """Simulate B2B marketing and sales as separate, merged or SLA-aligned teams."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning bad input into one line and exit code 2."""
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except InputError as exc:
        click.echo(f"orgsim: error: {exc}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"orgsim: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code if exc.exit_code else 2)
    except click.exceptions.Abort:
        click.echo("orgsim: interrupted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


# importing the command modules registers their commands on the group
from orgsim.cli import calibrate, claims, core, dashboard, explain, init, report, sweep, validate  # noqa: E402, F401
