"""calibrate: fit parameters so the model reproduces target measures."""

from __future__ import annotations

import signal
import sys
import threading
from concurrent.futures import BrokenExecutor
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from orgsim.cli import (
    _clean,
    _emit_json,
    err,
    json_option,
    out,
    out_dir_option,
    parallel_options,
    quiet_option,
    reps_option,
)
from orgsim.limits import MAX_TRIALS


def _fmt(value: float) -> str:
    if value != value:  # NaN
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _ci(mean: float, low: float, high: float) -> str:
    if low != low or high != high:
        return _fmt(mean)
    return f"{_fmt(mean)} [{_fmt(low)}, {_fmt(high)}]"


@click.command("calibrate")
@click.argument("targets_file", metavar="TARGETS.toml", required=False)
@out_dir_option("Output directory (required).")
@click.option(
    "--trials", type=click.IntRange(min=1, max=MAX_TRIALS), default=40, show_default=True,
    help="Optimiser trials.",
)
@reps_option(default=4, minimum=1, per="structure per trial")
@parallel_options()
@click.option(
    "--measures", "list_measures", is_flag=True, help="List the measure names a target can use, then exit."
)
@click.option(
    "--posterior",
    type=click.IntRange(min=1),
    default=None,
    help="Also write posterior.parquet: the N trials closest to the targets (ABC rejection), for decide.",
)
@quiet_option
@json_option
def calibrate_command(
    targets_file: str | None,
    out_dir: str | None,
    trials: int,
    reps: int,
    workers: int | None,
    scheduler: str | None,
    list_measures: bool,
    posterior: int | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Fit the parameters of TARGETS.toml so the model reproduces its target measures.

    \b
    TARGETS.toml names a scenario, optional structures (calibrated jointly), the targets
    (measure = value or [low, high]) and the parameters to search (dotted.key = [low, high]):
      scenario = "scenarios/acme.toml"
      structures = ["separate", "aligned"]
      [targets]
      "funnel.mql_to_sal" = [0.40, 0.60]
      "win_rate" = 0.22
      [parameters]
      "sales.contact_floor" = [0.3, 0.9]
    \b
    Writes DIR/calibrated.toml (the scenario plus fitted values), DIR/fit.csv (each target
    before and after, with 95% CIs), DIR/convergence.png/.svg and DIR/trials/ (every trial, so
    running the same command again resumes a killed calibration). The published figures:
      orgsim calibrate experiments/calibration/published.toml --out out/published
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from orgsim.analyses.calibrate import calibrate, describe_measures, load_targets
    from orgsim.errors import InputError
    from orgsim.experiment.runner import WorkerError
    from orgsim.presentation.calibration import convergence_chart

    if list_measures:
        rows = describe_measures()
        if as_json:
            _emit_json([{"measure": n, "unit": u, "meaning": m} for n, u, m in rows])
            return
        table = Table(title="measures a target can name", title_justify="left")
        for col in ("measure", "unit", "meaning"):
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*row)
        out.print(table)
        return
    if targets_file is None:
        raise InputError("TARGETS.toml: missing; give a targets file (or --measures to list measure names)")
    if out_dir is None:
        raise InputError("--out: missing; give the directory to write the calibration into")
    from orgsim.outputs import prepare_output

    prepare_output(out_dir, "--out")  # before any trial: a refused or read-only --out loses no work
    targets = load_targets(targets_file)
    if posterior is not None and posterior > trials + 1:
        raise InputError(
            f"--posterior: {posterior} is more than the {trials} --trials; ask fewer or run more"
        )
    from orgsim.progress import display

    progress, stop_bar = display("calibrate", unit="trials", quiet=quiet)

    signals: list[int] = []  # Ctrl-C or SIGTERM seen: a pool broken by it is an interruption

    def stop(signum: int, frame: object) -> None:
        from orgsim import interrupts

        signals.append(signum)
        interrupts.note(signum)
        if len(signals) == 1:  # once: a repeat (uv run forwards the terminal's) must not cut the save
            raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)} if in_main else {}
    try:
        result = calibrate(
            targets, out_dir, trials=trials, reps=reps, workers=workers, scheduler=scheduler,
            progress=progress,
        )  # fmt: skip
    except (KeyboardInterrupt, BrokenExecutor, WorkerError) as exc:
        stop_bar()
        from orgsim.analyses.calibrate import load_trials

        saved = len(load_trials(out_dir, targets)) if Path(out_dir).is_dir() else 0
        where = f"{saved} trials saved in {out_dir}; run the same command again to resume"
        if isinstance(exc, KeyboardInterrupt) or signals:
            what = "terminated" if signal.SIGTERM in signals else "interrupted"
            click.echo(f"orgsim: {what}; {where}", err=True)
            sys.exit(143 if signal.SIGTERM in signals else 130)
        what = str(exc) if isinstance(exc, WorkerError) else "a worker process died"
        click.echo(f"orgsim: error: {what}; {where}", err=True)
        sys.exit(1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_bar()
    png, svg = convergence_chart(result.trials_frame(), result.baseline.loss, result.out_dir / "convergence")
    posterior_path = None
    if posterior is not None:
        from orgsim.analyses.calibrate import write_posterior

        posterior_path = write_posterior(result, posterior)
    fit = result.fit_table()
    best = result.best
    warnings = result.moved_from_init()
    if as_json:
        _emit_json(
            {
                "out": str(result.out_dir),
                "trials": len(result.trials),
                "reps": reps,
                "loss_before": result.baseline.loss,
                "loss_after": best.loss,
                "best_trial": best.number,
                "fitted": {k: v for k, v in best.values.items()},
                "fit": [_clean(row) for row in fit.to_dict("records")],
                "posterior": str(posterior_path) if posterior_path else None,
                "warnings": warnings,
                "written": {
                    k: str(v) for k, v in {**result.files, "chart_png": png, "chart_svg": svg}.items()
                },
            }
        )
        return
    table = Table(
        title=Text(  # Text: a file name prints as written, never as rich markup
            f"{targets.path}: {len(result.trials)} trials x {reps} reps, "
            f"loss {result.baseline.loss:.4g} -> {best.loss:.4g}"
        ),
        title_justify="left",
    )
    for col in ("target", "structure", "wanted", "before [95% CI]", "after [95% CI]", "met"):
        table.add_column(col, justify="left" if col in ("target", "structure") else "right")
    target_labels = {t.measure.name: t.label for t in targets.targets}
    for row in fit.itertuples():
        table.add_row(
            row.target,
            row.structure,
            target_labels[row.target],
            _ci(row.before, row.before_ci_low, row.before_ci_high),
            _ci(row.after, row.ci_low, row.ci_high),
            {"agrees": "yes", "disagrees": "no"}.get(row.verdict, row.verdict),
        )
    out.print(table)
    from orgsim.analyses.calibrate import MET_CI_WIDTH
    from orgsim.experiment.agreement import AGREEMENT_RULE

    out.print(
        f"met (yes / no / not enough data): {AGREEMENT_RULE}; the widest CI is the target's range "
        f"or {MET_CI_WIDTH:.0%} of its size, whichever is wider.",
        markup=False,
    )
    fitted = Table(title=f"fitted values (trial {best.number})", title_justify="left")
    for col in ("parameter", "before", "after", "serves"):
        fitted.add_column(col, overflow="fold")
    serves = result.serves()
    for key, value in best.values.items():
        fitted.add_row(key, _fmt(float(targets.scenario.get(key))), _fmt(float(value)), serves[key])
    out.print(fitted)
    for warning in warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)
    for path in (result.files["calibrated"], result.files["fit"], png, svg):
        out.print(f"wrote {path}", markup=False)
    if posterior_path is not None:
        out.print(f"wrote {posterior_path} ({posterior} parameter sets closest to the targets)", markup=False)
        out.print(f"then: orgsim decide FILE --worlds-from {posterior_path} --out DIR", markup=False)
    out.print(f"next: orgsim validate {result.files['calibrated']}", markup=False)
