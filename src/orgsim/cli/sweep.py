"""Sweep commands: sweep (run an experiment) and analyze (summarise its results)."""

from __future__ import annotations

import sys
from concurrent.futures import BrokenExecutor
from pathlib import Path

import click
from rich.table import Table

from orgsim.cli import _clean, _emit_json, cli, err, json_option, out
from orgsim.experiment.analyze import analyze as run_analyze
from orgsim.experiment.executors import EXECUTORS, default_workers
from orgsim.experiment.experiment import load_experiment
from orgsim.experiment.sweep import estimate_seconds
from orgsim.experiment.sweep import sweep as run_sweep
from orgsim.presentation.format import fmt_ci


def _bar(quiet: bool):
    """A progress bar with runs done, runs/s and ETA on stderr when it is a terminal."""
    if quiet or not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} runs/s"),
        TimeRemainingColumn(),
        console=err,
    )
    task = bar.add_task("sweep", total=None, rate="-")
    state = {"t0": None, "n0": 0}

    def update(done: int, total: int) -> None:
        import time

        if state["t0"] is None:
            state["t0"], state["n0"] = time.monotonic(), done
        elapsed = time.monotonic() - state["t0"]
        rate = (done - state["n0"]) / elapsed if elapsed > 0 else 0.0
        bar.update(task, completed=done, total=total, rate=f"{rate:.1f}")

    bar.start()
    return update, bar.stop


@cli.command()
@click.argument("experiment", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Workers (default: all cores).")
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    default="local",
    show_default=True,
    help="local processes, or a Dask distributed cluster.",
)
@click.option(
    "--address", default=None, metavar="tcp://HOST:PORT", help="Dask scheduler (with --executor dask)."
)
@click.option(
    "--resume", is_flag=True, help="Run only what DIR is missing (also automatic for the same experiment)."
)
@click.option("--dry-run", is_flag=True, help="Print the run count and an estimate of the time, run nothing.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sweep(
    experiment: str,
    out_dir: str,
    workers: int | None,
    executor: str,
    address: str | None,
    resume: bool,
    dry_run: bool,
    quiet: bool,
) -> None:
    """Run EXPERIMENT (a .toml file) into --out DIR as tidy Parquet, resumably."""
    exp = load_experiment(experiment)
    if address and executor != "dask":
        raise click.UsageError("--address needs --executor dask")
    n = len(exp.runs())
    if dry_run:
        w = workers or default_workers()
        seconds = estimate_seconds(exp, w)
        click.echo(
            f"{exp.name}: {n} runs ({len(exp.points())} design points x {exp.replications} replications "
            f"x {len(exp.scenarios)} scenario(s)), about {seconds:,.1f} s on {w} worker(s)"
        )
        return
    update, stop = _bar(quiet)
    try:
        path = run_sweep(
            exp, out_dir, workers=workers, executor=executor, address=address, resume=resume, progress=update
        )
    except KeyboardInterrupt:
        stop()
        click.echo(
            f"orgsim: interrupted; completed runs are saved in {out_dir}; run again to resume", err=True
        )
        sys.exit(130)
    except BrokenExecutor as exc:
        stop()
        click.echo(
            f"orgsim: error: a worker died ({exc}); completed runs are saved in {out_dir}; "
            "run again to resume",
            err=True,
        )
        sys.exit(1)
    finally:
        stop()
    if not quiet:
        err.print(f"{n} runs in {path}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--measure", "measures", multiple=True, help="Measure to analyse (repeatable).")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False), default=None, help="Also write the table as CSV."
)
@json_option
def analyze(directory: str, measures: tuple[str, ...], csv_path: str | None, as_json: bool) -> None:
    """Summarise a sweep DIRECTORY: means and 95% CIs per design point; Sobol/Morris indices."""
    result = run_analyze(directory, measures or None)
    if csv_path:
        frame = result.sensitivity if result.sensitivity is not None else result.points
        Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(csv_path, index=False)
    if as_json:
        _emit_json(_clean(result.to_dict()))
        return
    points = result.points
    chosen = [c[: -len(".mean")] for c in points.columns if c.endswith(".mean")]
    table = Table(title=f"{result.design} design: mean [95% CI] per design point", title_justify="left")
    plain = [c for c in points.columns if c != "runs" and not c.endswith((".mean", ".low", ".high"))]
    for col in [*plain, "runs", *chosen]:
        table.add_column(col, justify="right")
    for values in points.head(200).to_dict(orient="records"):
        cells = [str(values[k]) for k in [*plain, "runs"]]
        cells += [fmt_ci(m, values[f"{m}.mean"], values[f"{m}.low"], values[f"{m}.high"]) for m in chosen]
        table.add_row(*cells)
    out.print(table)
    if len(points) > 200:
        out.print(f"... {len(points) - 200} more design points (use --json or --csv)")
    if result.sensitivity is not None:
        sens = Table(title="sensitivity indices (95% CI half-widths)", title_justify="left")
        for col in result.sensitivity.columns:
            sens.add_column(col, justify="right")
        for row in result.sensitivity.itertuples(index=False):
            sens.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
        out.print(sens)
    if result.failed:
        out.print(f"{result.failed} run(s) failed; see the error column of the runs table")
