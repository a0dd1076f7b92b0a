"""``orgsim decide``: which structure holds up across what the client doesn't know."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click

from orgsim.cli import (
    _emit_json,
    days_option,
    file_option,
    json_option,
    out_dir_option,
    parallel_options,
    plain,
    quiet_option,
    reps_option,
    seed_option,
)
from orgsim.cli.money import currency_option


def _positive(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    """--worlds in [1, MAX_WORLDS], checked before the worlds are sampled."""
    from orgsim.limits import MAX_WORLDS

    if value is not None and not 1 <= value <= MAX_WORLDS:
        raise click.BadParameter(f"{value} is not allowed; use an integer in [1, {MAX_WORLDS:,}]")
    return value


@click.command()
@click.argument("file", metavar="FILE", default="default")
@click.option(
    "--worlds", type=int, default=64, show_default=True, callback=_positive, help="Worlds to sample."
)
@reps_option(default=2, minimum=1, per="structure in a world")
@click.option(
    "--measure",
    default=None,
    help="Measure the choice is taken on (default: customer_value if the model has it, else contribution).",
)
@out_dir_option("Keep the runs, worlds.parquet and decision.json here (and resume into it).", path_type=Path)
@parallel_options("Worker processes (default: all cores; with --scheduler ADDRESS, the cluster's workers).")
@seed_option("Seed of the worlds and runs (default: the file's).", default=None)
@days_option
@file_option(
    "--worlds-from",
    "worlds_from",
    "Take the worlds from a posterior.parquet (orgsim calibrate --posterior) instead of sampling.",
    path_type=Path,
)
@quiet_option
@json_option
@currency_option
def decide(
    file: str,
    worlds: int,
    reps: int,
    measure: str | None,
    out_dir: Path | None,
    workers: int | None,
    scheduler: str | None,
    seed: int | None,
    days: int | None,
    worlds_from: Path | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Which structure to pick given what you don't know, and what would flip the answer.

    FILE is an uncertainty file (default: the shipped commented one, uncertainty/default.toml):
    the company, the structures and a [low, high] range (or levels) for every unknown. Samples
    --worlds worlds (Latin hypercube), runs every structure in each --reps times on common random
    numbers, and reports per structure the share of worlds where it is best, its mean and maximum
    regret, the minimax-regret and most-often-best picks, and PRIM boxes saying where each wins.

    \b
    Examples:
      orgsim decide uncertainty/default.toml --worlds 64 --reps 2 --out out/decide
      orgsim decide my_company.toml --worlds-from out/cal/posterior.parquet --out out/decide
      orgsim report out/decide
    """  # noqa: D301
    from orgsim.analyses.decide import DEFAULT_MEASURE, default_file, load_uncertainty
    from orgsim.analyses.decide import decide as run_decide
    from orgsim.analyses.decide import worlds_from as read_worlds
    from orgsim.errors import InputError, suggest
    from orgsim.measures import MEASURES

    path = default_file() if file == "default" else Path(file)
    spec = load_uncertainty(path, days=days)
    if seed is not None:
        spec.seed = seed
    measure = measure or DEFAULT_MEASURE
    if measure not in MEASURES:
        hint = suggest(measure, MEASURES, cutoff=0.6, otherwise="; see `orgsim schema`")
        raise InputError(f"--measure: unknown measure {measure!r}{hint}")
    table = None
    if worlds_from is not None:
        given = click.get_current_context().get_parameter_source("worlds")
        n = worlds if given == click.core.ParameterSource.COMMANDLINE else None
        table = read_worlds(worlds_from, spec, n)
    start = time.monotonic()
    temp = tempfile.TemporaryDirectory(prefix="orgsim-decide-") if out_dir is None else None
    target = Path(temp.name) / "decide" if temp is not None else out_dir
    try:
        result = run_decide(
            spec,
            target,
            worlds=worlds,
            reps=reps,
            measure=measure,
            worlds_table=table,
            workers=workers,
            scheduler=scheduler,
            quiet=quiet or as_json,
        )
    except KeyboardInterrupt:
        where = f"completed runs are saved in {out_dir}; run again to resume" if out_dir else "nothing kept"
        click.echo(f"orgsim: interrupted; {where}", err=True)
        sys.exit(130)
    finally:
        if temp is not None:
            temp.cleanup()
    elapsed = time.monotonic() - start
    if as_json:
        keys = (
            "measure",
            "worlds",
            "reps",
            "rule",
            "choice",
            "structures",
            "boxes",
            "scores",
            "worlds_table",
        )
        data = {k: result[k] for k in keys}
        data.update(
            out=str(out_dir) if out_dir else None,
            elapsed_s=round(elapsed, 1),
            sentences=result["sentences"],
            worlds_dropped=result["worlds_dropped"],
            box_rule=result["box_rule"],
        )
        _emit_json(data)
        return
    _print(result)
    where = f" in {out_dir} (orgsim report {out_dir})" if out_dir else ""
    # the output folder on stdout (for a script); without --out only the timing, on stderr
    click.echo(f"{result['worlds']} worlds x {result['reps']} reps{where}, {elapsed:,.1f} s", err=not out_dir)


def _print(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from orgsim.cli import safe
    from orgsim.currency import money

    table = Table(title=f"Which structure, on {result['measure']} ({result['worlds']} worlds)")
    for col in ("structure", "p_best", "mean regret", "max regret", "mean"):
        table.add_column(col, justify="left" if col == "structure" else "right")
    for s, row in result["structures"].items():
        table.add_row(
            safe(s),
            f"{row['p_best']:.0%}",
            money(f"{row['mean_regret']:,.0f}"),
            money(f"{row['max_regret']:,.0f}"),
            money(f"{row['mean']:,.0f}"),
        )
    console = Console()
    console.print(table)
    for line in result["sentences"]:
        click.echo(plain(line))
    if result["scores"]:
        top = ", ".join(f"{s['parameter']} {s['score']:.2f}" for s in result["scores"][:5])
        click.echo(f"What moves the choice most (feature scores): {top}")
    click.echo(f"Rule: {result['rule']}")
