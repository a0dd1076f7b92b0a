"""The ``orgsim`` command line: a thin shell over the Python API.

Commands live in the modules of this package (``core``: run, compare, scenarios, show;
``sweep``: sweep, analyze; ``report``; ``explain``; ``claims``; ``calibrate``; ``init``;
``validate``; ``dashboard``; ``tornado``; ``glossary``) and are loaded only when they are
called, so ``orgsim --help`` and ``--version`` answer without importing the model, pandas or mesa.
Benchmarks run with ``python -m benchmarks``.

To add a command: write it in a module of this package with ``@click.command()`` (not
``@cli.command()``), import heavy things inside the function, and add one line to
:data:`COMMANDS`: ``"name": ("orgsim.cli.module", "function", "one-line help")``. Take the
shared options from here (``reps_option``, ``seed_option``, ``structures_option``,
``file_option``, ``parallel_options`` (--workers and --scheduler), ``out_dir_option``,
``quiet_option``, ``days_option``, ``set_option``, ``json_option``; ``analysis_options`` stacks
the last six and --currency, as compare, explain, claims, tornado and validate end, and hands the
command one typed :class:`AnalysisOptions` ``opts`` in their place) rather than declaring --reps
or --seed again.

Every command that prints a table also takes ``--json``. Bad input exits with code 2 and one
line on stderr naming the file or flag, the field and what is allowed.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import click

from orgsim import __version__
from orgsim.errors import InputError
from orgsim.jsonsafe import nan_to_null

# name -> (module, function, short help shown by `orgsim --help` without importing the module)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("orgsim.cli.core", "run", "Run SCENARIO once and summarise it."),
    "compare": ("orgsim.cli.core", "compare", "Compare SCENARIOS over replications: mean and 95% CI."),
    "scenarios": ("orgsim.cli.core", "scenarios", "List the scenarios you can name."),
    "show": ("orgsim.cli.core", "show", "Print SCENARIO's resolved parameters with units and ranges."),
    "schema": ("orgsim.cli.core", "schema", "The column dictionary of a sweep's runs/ and series/ tables."),
    "sweep": ("orgsim.cli.sweep", "sweep", "Run EXPERIMENT into --out DIR as tidy Parquet, resumably."),
    "analyze": ("orgsim.cli.sweep", "analyze", "Summarise a sweep DIRECTORY: means, CIs, indices."),
    "report": ("orgsim.cli.report", "report", "Write charts and a self-contained report.html for a sweep."),
    "calibrate": ("orgsim.cli.calibrate", "calibrate_command", "Fit parameters so the model hits targets."),
    "init": ("orgsim.cli.init", "init_command", "Write a scenario of your company from a few facts."),
    "validate": ("orgsim.cli.validate", "validate_command", "Compare SCENARIO with the published figures."),
    "dashboard": ("orgsim.cli.dashboard", "dashboard", "Open the interactive dashboard in a browser."),
    "explain": ("orgsim.cli.explain", "explain", "Why B beats A, parameter by parameter (Shapley)."),
    "claims": ("orgsim.cli.claims", "claims", "Test the seed articles' claims as paired experiments."),
    "tornado": ("orgsim.cli.tornado", "tornado", "A's margin over B, one parameter at a time."),
    "decide": ("orgsim.cli.decide", "decide", "Which structure holds up across what you don't know."),
    "glossary": ("orgsim.cli.glossary", "glossary", "Define a term or measure (MQL, leakage, ...)."),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported from :data:`COMMANDS` on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: D102
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:  # noqa: D102
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        command = getattr(import_module(module), attr)
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands with their registered short help (no command module is imported)."""
        rows = []
        for name in self.list_commands(ctx):
            if name in COMMANDS:
                rows.append((name, COMMANDS[name][2]))
            else:
                rows.append((name, self.commands[name].get_short_help_str(formatter.width)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class _LazyConsole:
    """A rich Console made on first use (rich costs start-up time that --help need not pay)."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Any = None

    @property
    def console(self) -> Any:
        """The rich Console itself (for ``Progress(console=...)``, which needs the real one)."""
        if self._console is None:
            from rich.console import Console

            if self._stderr:
                self._console = Console(stderr=True)
            else:
                # off a terminal (a file, a pipe) tables are not squeezed to 80 columns, unless
                # the user says how wide with COLUMNS
                chosen = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
                self._console = Console(soft_wrap=True, width=None if chosen else 200)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


out: Any = _LazyConsole(stderr=False)
err: Any = _LazyConsole(stderr=True)


def safe(text: object) -> str:
    """User text made inert for a terminal, as reports HTML-escape it.

    Control characters (ANSI escapes) are shown as Python escapes, not sent; rich markup such
    as ``[bold]`` is escaped, so a name prints as written.
    """
    from rich.markup import escape

    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return escape(shown)


def plain(text: object) -> str:
    """A message for click.echo: control characters shown, not sent to the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _overrides(assignments: Sequence[str]) -> dict[str, Any]:
    from orgsim.scenario import parse_assignment

    return dict(parse_assignment(a) for a in assignments)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_json_default, allow_nan=False))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


_clean = nan_to_null  # NaN is not JSON: report it as null (dicts and lists throughout)


def _progress(total: int, quiet: bool, label: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """:func:`orgsim.progress.display` counted up by ``advance(n)``: returns ``(advance(n), stop())``."""
    from orgsim.progress import display

    update, stop = display(label, unit=label, quiet=quiet)
    done = [0]

    def advance(n: int) -> None:
        done[0] += n
        update(done[0], total)

    return advance, stop


class PlannedProgress:
    """A progress bar started once the number of runs is known (after planning)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._advance: Callable[[int], None] | None = None
        self._stop: Callable[[], None] | None = None

    def start(self, total: int) -> None:
        """Show a bar of ``total`` runs (on a terminal, unless quiet)."""
        self._advance, self._stop = _progress(total, self.quiet, "runs")

    def advance(self, n: int) -> None:
        """``n`` more runs finished."""
        if self._advance:
            self._advance(n)

    def stop(self) -> None:
        """Remove the bar."""
        if self._stop:
            self._stop()


# Options shared by commands: each declared once here, so a flag means the same everywhere.
# Plain decorators where every command says the same; factories where the count or the
# output differs (the help then says per what, or what is written).

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def reps_option(
    default: int = 10, minimum: int = 2, per: str = "structure", limited: bool = True
) -> Decorator:
    """--reps: replications (one seed each) per ``per``; paired CIs need at least two.

    At most :data:`orgsim.limits.MAX_REPS`, checked before anything runs (``limited=False``: the
    command checks its own total, as compare does against the runs it can hold).
    """
    from orgsim.limits import MAX_REPS

    return click.option(
        "--reps",
        type=click.IntRange(min=minimum, max=MAX_REPS if limited else None),
        default=default,
        show_default=True,
        help=f"Replications per {per}.",
    )


def seed_option(
    help: str = "Experiment seed: replication r runs seed SEED * 2^32 + r (with 0: `orgsim run --seed r`).",
    max_seed: int = 2**31 - 1,
    default: int | None = 0,
) -> Decorator:
    """--seed: the seed everything random is drawn from (the same seed, the same numbers).

    An experiment's seed is at most 2^31 - 1 (its runs' seeds stay below 2^63); a single run's
    seed (``max_seed=2**63 - 1``) may be any run seed.
    """
    return click.option(
        "--seed",
        type=click.IntRange(min=0, max=max_seed),
        default=default,
        show_default=default is not None,
        help=help,
    )


def workers_option(help: str = "Processes (default: all cores).") -> Decorator:
    """--workers: how many processes run simulations (None: all cores; at most MAX_WORKERS)."""
    from orgsim.limits import MAX_WORKERS

    return click.option("--workers", type=click.IntRange(min=1, max=MAX_WORKERS), default=None, help=help)


def _check_scheduler(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--scheduler is ``local`` or a Dask scheduler's address (``tcp://HOST:PORT``, ``HOST:PORT``)."""
    import re

    if value is None or value == "local" or re.fullmatch(r"\w+://\S+|[^\s/:]+:\d+", value):
        return value
    raise click.BadParameter(
        f"{value!r} is not a Dask scheduler; give its address as tcp://HOST:PORT, or local for a "
        "LocalCluster of --workers processes here"
    )


def scheduler_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--scheduler ADDRESS: run on a Dask cluster (``local``: a LocalCluster here) instead of processes.

    The command gets ``scheduler`` (None: local processes). The older ``--executor dask`` and
    ``--address`` are kept, hidden: ``--executor dask --address A`` is ``--scheduler A`` and
    ``--executor dask`` alone is ``--scheduler local``.
    """
    import functools

    from orgsim.experiment.executors import EXECUTORS

    @functools.wraps(func)
    def resolved(*args: Any, executor: str, address: str | None, scheduler: str | None, **kwargs: Any) -> Any:
        if address and executor != "dask":
            raise click.UsageError("--address needs --executor dask (or give --scheduler ADDRESS)")
        if executor == "dask":
            if scheduler is not None:
                raise click.UsageError("--scheduler and --executor dask say the same: give --scheduler only")
            scheduler = address or "local"
        return func(*args, scheduler=scheduler, **kwargs)

    resolved = click.option("--address", default=None, hidden=True)(resolved)
    kinds = click.Choice(EXECUTORS)
    resolved = click.option("--executor", type=kinds, default="local", hidden=True)(resolved)
    return click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        callback=_check_scheduler,
        help="Run on the Dask scheduler at ADDRESS (tcp://HOST:PORT; `local`: a Dask LocalCluster "
        "of --workers processes here) instead of local processes.",
    )(resolved)


def parallel_options(help: str = "Processes (default: all cores).") -> Decorator:
    """--workers and --scheduler: where a command's simulations run (see the run loop)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        return workers_option(help)(scheduler_options(func))

    return decorate


def out_dir_option(help: str, required: bool = False, path_type: type | None = None) -> Decorator:
    """--out DIR (parameter ``out_dir``): the directory a command writes into."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=path_type),
        required=required,
        default=None,
        help=help,
    )


def file_option(flag: str, dest: str, help: str, path_type: type | None = None) -> Decorator:
    """``flag`` FILE (parameter ``dest``, default None): a file a command reads or writes, not a directory."""
    return click.option(
        flag, dest, type=click.Path(dir_okay=False, path_type=path_type), default=None, help=help
    )


quiet_option = click.option("--quiet", is_flag=True, help="No progress bar.")
set_option = click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a parameter, e.g. --set sla.response_hours=4 (repeatable; see `orgsim show`).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def _check_days(ctx: click.Context, param: click.Parameter, days: int | None) -> int | None:
    """--days within the schema's horizon.days range (the same limit as a scenario file)."""
    if days is not None:
        from orgsim.limits import check_days

        check_days(days)
    return days


days_option = click.option(
    "--days",
    type=int,
    default=None,
    callback=_check_days,
    help="Business days to simulate (250 = a year; the horizon.days range).",
)


def structures_option(default: str | None, help: str, metavar: str = "A,B,...") -> Decorator:
    """--structures A,B,...: the structures a command runs its scenario under (comma-separated)."""
    return click.option(
        "--structures", default=default, show_default=default is not None, metavar=metavar, help=help
    )


@dataclass(frozen=True)
class AnalysisOptions:
    """What a command's shared options say, as one typed value (``opts``), made by :func:`analysis_options`.

    ``workers``/``scheduler``: where the runs go (local processes, or a Dask scheduler; see
    :class:`orgsim.experiment.runner.Backend`); ``out_dir``: --out DIR (None: write nothing);
    ``quiet``: no progress bar; ``as_json``: print JSON; ``days``: --days (business days, None:
    the scenario's); ``assignments``: the --set KEY=VALUE texts (see :attr:`overrides`).
    """

    workers: int | None = None
    scheduler: str | None = None
    out_dir: str | None = None
    quiet: bool = False
    as_json: bool = False
    days: int | None = None
    assignments: tuple[str, ...] = ()

    @property
    def overrides(self) -> dict[str, Any]:
        """The --set assignments as ``{dotted.key: value}`` (InputError naming a bad one)."""
        return _overrides(self.assignments)

    def progress(self, total: int, label: str = "runs") -> tuple[Callable[[int], None], Callable[[], None]]:
        """A progress bar of ``total`` ``label`` (none with --quiet): ``(advance(n), stop())``."""
        return _progress(total, self.quiet, label)

    def planned_progress(self) -> PlannedProgress:
        """A progress bar of runs shown once the command knows how many (none with --quiet)."""
        return PlannedProgress(self.quiet)


def analysis_options(out_help: str, scenario_options: bool = True) -> Decorator:
    """The options every analysis command ends with, in this order, handed over as ``opts``.

    --workers/--scheduler, --out DIR (``out_help``), --quiet, --days and --set (unless
    ``scenario_options`` is False: validate), --json, --currency. The command takes one
    parameter ``opts: AnalysisOptions`` in their place (compare, explain, claims, tornado, validate).
    """
    import functools

    from orgsim.cli.money import currency_option

    stack = [parallel_options(), out_dir_option(out_help), quiet_option]
    if scenario_options:
        stack += [days_option, set_option]
    stack += [json_option, currency_option]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def collected(
            *args: Any,
            workers: int | None,
            scheduler: str | None,
            out_dir: str | None,
            quiet: bool,
            as_json: bool,
            days: int | None = None,
            assignments: Sequence[str] = (),
            **kwargs: Any,
        ) -> Any:
            opts = AnalysisOptions(workers, scheduler, out_dir, quiet, as_json, days, tuple(assignments))
            return func(*args, opts=opts, **kwargs)

        for option in reversed(stack):
            collected = option(collected)
        return collected

    return decorate


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="orgsim")
def cli() -> None:
    """Simulate B2B marketing and sales as separate, merged or SLA-aligned teams."""


def _flag_of(args: Sequence[str], path: str) -> str | None:
    """The option (``--out``) whose value holds ``path``, or None for a positional argument.

    The longest argument that holds the path (or that the path holds) is taken, so a short
    value such as ``--days 2`` never matches by chance.
    """
    found: tuple[int, str | None] = (0, None)
    for i, arg in enumerate(args):
        flag, _, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        if value and len(value) > found[0] and (value in path or path in value):
            before = args[i - 1] if i > 0 and args[i - 1].startswith("-") else None
            found = (len(value), flag or before)
    return found[1]


def interrupted() -> bool:
    """True once Ctrl-C reached this process during the command (a pool broken since is its doing)."""
    from orgsim import interrupts

    return interrupts.seen()


def _on_interrupt(signum: int, frame: object) -> None:
    """SIGINT: remember it and raise KeyboardInterrupt, once (``uv run`` forwards a second one)."""
    from orgsim import interrupts

    if interrupts.note(signum) == 1:
        raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning bad input into one line and exit code 2.

    Ctrl-C anywhere is "orgsim: interrupted" and exit code 130, whatever it broke on the way
    (a process pool whose workers it ended first, a half-read file): nothing else is printed.
    """
    import signal
    import threading

    watch = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )
    previous = signal.signal(signal.SIGINT, _on_interrupt) if watch else None
    try:
        _main(argv)
    except SystemExit:
        raise
    except BaseException:
        if not interrupted():
            raise
        click.echo("orgsim: interrupted", err=True)
        sys.exit(130)
    finally:
        if watch:
            signal.signal(signal.SIGINT, previous)


def _main(argv: Sequence[str] | None = None) -> None:
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        # cli.main without its own Ctrl-C handling (it prints an empty line first): ours is one line
        with cli.make_context("orgsim", list(args)) as ctx:
            cli.invoke(ctx)
    except InputError as exc:
        click.echo(f"orgsim: error: {plain(str(exc))}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"orgsim: error: {plain(exc.format_message())}", err=True)
        sys.exit(exc.exit_code if exc.exit_code else 2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("orgsim: interrupted", err=True)
        sys.exit(130)
    except ValueError as exc:  # a NUL byte in a path, wherever it is first used (click.Path stats it)
        if interrupted():
            click.echo("orgsim: interrupted", err=True)
            sys.exit(130)
        if "null byte" not in str(exc):
            raise
        flag = next((a.partition("=")[0] if "=" in a else args[i - 1] for i, a in enumerate(args)
                     if "\0" in a and i > 0), None)  # fmt: skip
        where = f"{flag}: " if flag and flag.startswith("-") else ""
        click.echo(f"orgsim: error: {where}a file name cannot hold a NUL byte (\\0)", err=True)
        sys.exit(2)
    except OSError as exc:  # a path argument longer than the system allows, wherever it is first used
        if exc.errno != errno.ENAMETOOLONG:
            raise
        name = plain(exc.filename if exc.filename is not None else "a path")
        shown = name if len(name) <= 60 else f"{name[:40]}...{name[-12:]} ({len(name):,} characters)"
        flag = _flag_of(args, str(exc.filename)) if exc.filename is not None else None
        where = f"{flag}: " if flag else ""
        click.echo(f"orgsim: error: {where}{shown}: file name too long (at most 255 bytes a name)", err=True)
        sys.exit(2)
    except Exception as exc:
        if interrupted():
            click.echo("orgsim: interrupted", err=True)  # e.g. the pool its Ctrl-C broke
            sys.exit(130)
        from concurrent.futures import BrokenExecutor

        if isinstance(exc, BrokenExecutor) or type(exc).__name__ == "WorkerError":  # the run loop's rule
            what = "a worker process died" if isinstance(exc, BrokenExecutor) else str(exc)
            click.echo(f"orgsim: error: {plain(what)}", err=True)
            sys.exit(1)
        raise
