"""Sweep commands: sweep (run an experiment) and analyze (summarise its results)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from concurrent.futures import BrokenExecutor
from typing import Any

import click
from rich.table import Table

from orgsim.cli import (
    _clean,
    _emit_json,
    file_option,
    json_option,
    out,
    out_dir_option,
    parallel_options,
    plain,
    quiet_option,
    safe,
)
from orgsim.cli.money import currency_option
from orgsim.experiment.executors import default_workers
from orgsim.presentation.format import fmt_ci, fmt_compact


class Terminated(KeyboardInterrupt):
    """SIGTERM (a batch scheduler's pre-emption, `kill`): stop like Ctrl-C, saving completed runs."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@click.command()
@click.argument("experiment", type=click.Path(dir_okay=False))
@out_dir_option("Output directory.", required=True)
@parallel_options("Worker processes (default: all cores; with --scheduler ADDRESS, the cluster's workers).")
@click.option(
    "--resume", is_flag=True, help="Run only what DIR is missing (also automatic for the same experiment)."
)
@click.option("--dry-run", is_flag=True, help="Print the run count and an estimate of the time, run nothing.")
@quiet_option
@json_option
@currency_option
def sweep(
    experiment: str,
    out_dir: str,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    dry_run: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Run EXPERIMENT (a .toml file) into --out DIR as tidy Parquet, resumably.

    Results stream to DIR/runs/part-*.parquet (one row per run), DIR/series/ (per-day
    series, when the experiment asks) and DIR/manifest.json. Run the same command again
    after a crash or Ctrl-C: only the missing runs are run. Load the results in Python with
    orgsim.load_runs(DIR); summarise them with `orgsim analyze DIR`. --quiet also drops the
    summary line.

    \b
    Examples:
      orgsim sweep experiments/sla_response.toml --out out/sla --dry-run
      orgsim sweep experiments/sla_response.toml --out out/sla --workers 8
      orgsim sweep experiments/sensitivity.toml --out out/sobol --scheduler tcp://HOST:8786
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from orgsim.experiment.experiment import load_experiment
    from orgsim.experiment.storage import load_manifest
    from orgsim.experiment.sweep import WorkerError, estimate
    from orgsim.experiment.sweep import sweep as run_sweep

    exp = load_experiment(experiment)
    n = exp.n_runs
    if dry_run:
        w = workers or default_workers()
        guess = estimate(exp, w, out_dir)
        points, scenarios = exp.n_points, len(exp.scenarios)
        if as_json:
            _emit_json(
                {
                    "experiment": exp.name,
                    "runs": n,
                    "missing_runs": guess.missing,
                    "design_points": points,
                    "replications": exp.replications,
                    "scenarios": scenarios,
                    "workers": guess.workers,
                    "sampled_runs": guess.sampled,
                    "run_s": round(guess.run_seconds, 3),
                    "estimate_s": round(guess.seconds, 1),
                    "free_cores": round(guess.free_cores, 1),
                }
            )
            return
        todo = "" if guess.missing == n else f"; {guess.missing:,} still to run in {out_dir}"
        busy = (
            f"; the machine is busy: about {guess.free_cores:.1f} of {guess.workers} cores free"
            if guess.missing and guess.free_cores < guess.workers
            else ""
        )
        click.echo(
            f"{plain(exp.name)}: {_plural(n, 'run')} ({_plural(points, 'design point')} x "
            f"{_plural(exp.replications, 'replication')} x {_plural(scenarios, 'base scenario')}{todo}), "
            f"about {guess.seconds:,.0f} s on {_plural(guess.workers, 'worker')} "
            f"({guess.run_seconds:.2f} s a run, timed on {_plural(guess.sampled, 'run')}{busy})"
        )
        return
    start = time.monotonic()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        path = run_sweep(exp, out_dir, workers=workers, scheduler=scheduler, resume=resume, quiet=quiet)
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        click.echo(f"orgsim: {what}; completed runs are saved in {out_dir}; run again to resume", err=True)
        sys.exit(143 if isinstance(exc, Terminated) else 130)
    except (BrokenExecutor, WorkerError, OSError) as exc:
        from orgsim.cli import interrupted

        if interrupted():  # Ctrl-C ended the workers first: an interruption, not a failure
            saved = f"completed runs are saved in {out_dir}; run again to resume"
            click.echo(f"orgsim: interrupted; {saved}", err=True)
            sys.exit(130)
        what = "a worker process died" if isinstance(exc, BrokenExecutor) else str(exc)
        click.echo(
            f"orgsim: error: {what}; completed runs are saved in {out_dir}; run again to resume", err=True
        )
        sys.exit(1)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    stored = load_manifest(path).stored_runs
    elapsed = time.monotonic() - start
    if as_json:
        _emit_json({"out": str(path), "runs": n, "stored_runs": stored, "elapsed_s": round(elapsed, 2)})
    else:  # the output folder on stdout (for a script), even with --quiet
        failed = n - stored.get("ok", 0)
        tail = f", {failed} failed (see the error column)" if failed else ""
        click.echo(f"{_plural(n, 'run')} in {plain(path)} ({elapsed:,.1f} s{tail})")


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--measure", "measures", multiple=True, help="Measure to analyse (repeatable).")
@file_option(
    "--csv", "csv_path", "Also write the per-point table as CSV (and the indices as <name>_sensitivity.csv)."
)
@click.option(
    "--points",
    "show_points",
    is_flag=True,
    help="Sobol/Morris: also print the per-design-point table (always printed for other designs).",
)
@click.option("--force", is_flag=True, help="Replace an existing --csv FILE (and its _sensitivity.csv).")
@click.option("--quiet", is_flag=True, help="Only the tables and the files written: no hints or notes.")
@json_option
def analyze(
    directory: str,
    measures: tuple[str, ...],
    csv_path: str | None,
    show_points: bool,
    force: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Summarise a sweep DIRECTORY: Sobol/Morris indices, ranked; means and 95% CIs per design point.

    For Sobol and Morris sweeps the sensitivity indices come first, one table per measure with
    factors ranked by influence, and the per-point table only with --points. Measures default to
    the experiment's `metrics`, else revenue, contribution, friction, leakage and win rate. An
    unfinished sweep is summarised as far as it got.
    """
    from orgsim.analyses.analyze import analyze as run_analyze
    from orgsim.experiment.stats import CI_METHOD

    if csv_path:  # before the analysis: a bad --csv path costs nothing

        from orgsim.outputs import prepare_output

        target = prepare_output(csv_path, "--csv", kind="file", force=force)
        extra = target.with_name(f"{target.stem}_sensitivity{target.suffix or '.csv'}")
        prepare_output(extra, "--csv", kind="file", force=force)

    result = run_analyze(directory, measures or None)
    written = result.write_csv(csv_path) if csv_path else []
    if not as_json:
        for path in written:
            click.echo(f"wrote {plain(path)}")
    if as_json:
        extra_json = {"written": [str(p) for p in written]} if written else {}
        _emit_json({**_clean(result.to_dict()), "ci_method": CI_METHOD, **extra_json})
        return
    if result.sensitivity is not None:
        _print_indices(result.sensitivity, result.design)
    if result.sensitivity is None or show_points:
        _print_points(result.points, result.design)
    elif len(result.points) and not quiet:
        out.print(f"{len(result.points)} design points: add --points (or --csv FILE) for the per-point table")
    if result.failed:  # even with --quiet: a failure is not a hint
        out.print(f"{_plural(result.failed, 'run')} failed; see the error column of the runs table")
    if quiet:
        return
    for note in result.notes:
        out.print(safe(note))


def _print_points(points: Any, design: str) -> None:
    """The per-design-point table: factor values, run counts, each measure's mean [95% CI]."""
    from orgsim.experiment.stats import CI_SHORT

    chosen = [c[: -len(".mean")] for c in points.columns if c.endswith(".mean")]
    table = Table(title=f"{design} design: mean [95% CI] per design point", title_justify="left")
    counts = ["runs", "failed"] if points["failed"].any() else ["runs"]
    shown = [
        c
        for c in points.columns
        if c not in ("runs", "failed") and not c.endswith((".mean", ".low", ".high"))
    ]
    if points["scenario"].nunique() <= 1:
        shown.remove("scenario")  # one base scenario: the column says nothing
    for col in [*shown, *counts, *chosen]:
        table.add_column(safe(col), justify="right", min_width=len(col), overflow="fold")  # headers whole
    for values in points.head(200).to_dict(orient="records"):
        cells = [safe(values[k]) for k in [*shown, *counts]]
        cells += [fmt_ci(m, values[f"{m}.mean"], values[f"{m}.low"], values[f"{m}.high"]) for m in chosen]
        table.add_row(*cells)
    out.print(table)
    out.print(CI_SHORT)
    if len(points) > 200:
        out.print(f"... {len(points) - 200} more design points (use --json or --csv)")


def _print_indices(indices: Any, design: str) -> None:
    """One table per measure, factors ranked by total effect (Sobol ST) or mean |effect| (Morris mu*)."""
    from orgsim import measures as schema

    sobol = design == "sobol"
    key = "ST" if sobol else "mu_star"
    by = ["scenario", "measure"] if "scenario" in indices else ["measure"]
    for keys, part in indices.groupby(by, sort=False):
        *scenario, measure = keys if isinstance(keys, tuple) else (keys,)
        name = schema.label(str(measure)) + (f" ({safe(scenario[0])})" if scenario else "")
        if sobol:
            title = (
                f"{name}: Sobol indices, share of its variance due to each factor (ranked by total effect)"
            )
            heads = ("rank", "factor", "total effect ST [95% CI]", "first-order S1 [95% CI]")
        else:
            unit = schema.get(str(measure)).unit_words
            title = f"{name}: Morris elementary effects in {unit} (ranked by mean |effect|)"
            heads = ("rank", "factor", "mean |effect| mu* [95% CI]", "spread sigma (interactions)")
        table = Table(title=title, title_justify="left")
        for i, head in enumerate(heads):
            table.add_column(head, justify="left" if i == 1 else "right", min_width=len(head))
        ranked = part.sort_values(key, ascending=False)
        for rank, row in enumerate(ranked.to_dict(orient="records"), start=1):
            if sobol:
                cells = [_ci(row["ST"], row["ST_conf"]), _ci(row["S1"], row["S1_conf"])]
            else:
                m = str(measure)
                mu, conf = row["mu_star"], row["mu_star_conf"]
                cells = [
                    f"{fmt_compact(m, mu)} [{fmt_compact(m, mu - conf)}, {fmt_compact(m, mu + conf)}]",
                    fmt_compact(m, row["sigma"]),
                ]
            table.add_row(str(rank), safe(row["factor"]), *cells)
        out.print(table)


def _ci(value: float, half: float) -> str:
    """``0.42 [0.30, 0.54]`` from a value and its CI half-width."""
    return f"{value:.3f} [{value - half:.3f}, {value + half:.3f}]"
