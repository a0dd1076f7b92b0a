"""validate: the model against the published figures, per structure."""

from __future__ import annotations

import math
from dataclasses import asdict

import click
from rich.table import Table
from rich.text import Text

from orgsim.cli import (
    _clean,
    _emit_json,
    _progress,
    err,
    json_option,
    out,
    out_dir_option,
    quiet_option,
    reps_option,
    seed_option,
    workers_option,
)


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "-" if value is None or math.isnan(value) else "inf"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "band":
        return f"{value:+.0%}"
    if unit == "odds ratio":
        return f"{value:.3g}x"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


@click.command("validate")
@click.argument("scenario", default="separate")
@click.option(
    "--structures",
    default="separate,merged,aligned",
    show_default=True,
    metavar="A,B,...",
    help="Structures to validate the scenario under.",
)
@reps_option(per="structure")
@seed_option()
@workers_option()
@out_dir_option("Also write DIR/validation.png/.svg (a scorecard chart) and DIR/validation.json.")
@quiet_option
@json_option
def validate_command(
    scenario: str,
    structures: str,
    reps: int,
    seed: int,
    workers: int | None,
    out_dir: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Compare SCENARIO (default: the default company) with the published figures.

    Per structure and fact: the published range, the model's mean with its 95% CI over --reps
    seeded replications, and whether they agree (the CI overlaps the range). Bands (alignment
    effects, the attempts effect) are plausibility checks, not targets. The facts and their
    sources are in orgsim/data/facts.toml.
    """
    from orgsim.cli.core import structure_names
    from orgsim.experiment.validate import load_facts, score, validate
    from orgsim.model.simulate import as_scenario

    names = structure_names(structures)  # one line for ',' or an unknown name, before any run
    base = as_scenario(scenario)
    if out_dir is not None:  # before any run: a refused or unwritable --out loses no work
        from orgsim.outputs import check_report_dir

        check_report_dir(out_dir)
    facts = load_facts()
    total = len(names) * reps * 3  # an estimate: bands add runs
    advance, stop = _progress(total, quiet, "runs")
    try:
        checks = validate(base, names, reps=reps, seed=seed, workers=workers, facts=facts, progress=advance)
    finally:
        stop()
    rows = [_clean(asdict(c)) for c in checks]
    if out_dir is not None:
        import json
        from pathlib import Path

        from orgsim.experiment.storage import write_atomic
        from orgsim.outputs import claim_report_dir
        from orgsim.presentation.calibration import validation_chart

        claim_report_dir(out_dir)  # marked as orgsim's: a report may join it later
        png, _ = validation_chart(checks, Path(out_dir) / "validation")
        write_atomic(Path(out_dir) / "validation.json", json.dumps(rows, indent=2).encode())
        err.print(f"wrote {png}, its .svg and validation.json in {out_dir}", markup=False)
    if as_json:
        _emit_json(rows)
        return
    units = {f.name: ("band" if f.kind == "band" else f.measure.unit) for f in facts}
    for structure in names:
        part = [c for c in checks if c.structure == structure]
        agree, measured = score(part)
        title = f"{base.name} under {structure}: {agree} of {measured} measured facts agree ({reps} reps)"
        table = Table(title=Text(title), title_justify="left")  # a scenario name as written
        table.add_column("fact", overflow="fold")
        table.add_column("published", justify="right")
        table.add_column("model [95% CI]", justify="right")
        table.add_column("ok")
        for c in part:
            unit = units[c.fact]
            high = _fmt(c.published_high, unit) if c.published_high is not None else ""
            published = f"{_fmt(c.published_low, unit)}..{high}"
            model = f"{_fmt(c.model, unit)} [{_fmt(c.ci_low, unit)}, {_fmt(c.ci_high, unit)}]"
            ok = "n/a" if c.ok is None else "yes" if c.ok else "NO"
            table.add_row(c.fact, published, "-" if c.ok is None else model, ok)
        out.print(table)
    missing = sorted({c.note for c in checks if c.ok is None})
    for note in missing:
        out.print(f"n/a: {note}", markup=False)
    agree, measured = score(checks)
    if measured:
        out.print(f"overall: {agree} of {measured} measured facts agree ({agree / measured:.0%})")
    out.print("sources, published wording and tolerances: --json, or orgsim/data/facts.toml")
