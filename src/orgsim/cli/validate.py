"""validate: the model against the published figures, per structure."""

from __future__ import annotations

import math
from dataclasses import asdict

import click
from rich.table import Table
from rich.text import Text

from orgsim.cli import (
    AnalysisOptions,
    _clean,
    _emit_json,
    analysis_options,
    err,
    out,
    reps_option,
    seed_option,
    structures_option,
)
from orgsim.errors import InputError


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


def _table(
    name: str,
    structure: str,
    checks: list,
    calibrated: bool,
    reps: int,
    units: dict[str, str],
    kinds: dict[str, str],
) -> Table:
    """One structure's held-out facts, or its calibration targets, with their verdicts."""
    from orgsim.analyses.validate import score

    agree, _ = score(checks)
    what = "calibration targets (fitted: agreeing is not evidence)" if calibrated else "held-out facts"
    title = f"{name} under {structure}, {what}: {agree} of {len(checks)} agree ({reps} reps)"
    table = Table(title=Text(title), title_justify="left")  # a scenario name as written
    table.add_column("fact", overflow="fold")
    table.add_column("published", justify="right")
    table.add_column("model [95% CI]", justify="right")
    table.add_column("widest CI", justify="right")
    table.add_column("verdict")
    for c in checks:
        unit = units.get(c.fact, "")
        high = _fmt(c.published_high, unit) if c.published_high is not None else ""
        published = f"{_fmt(c.published_low, unit)}..{high}"
        measured = c.model is not None and math.isfinite(c.model)
        ci = f"[{_fmt(c.ci_low, unit)}, {_fmt(c.ci_high, unit)}]"
        model = f"{_fmt(c.model, unit)} {ci}" if measured else "-"
        width = c.ci_width
        if width is None or not math.isfinite(width):
            widest = "-"
        elif kinds.get(c.fact) == "ratio":
            widest = f"x{width:g}"
        else:
            widest = f"{width:.0%}" if unit in ("share", "band") else f"{width:g}"
        verdict = {"agrees": "agrees", "disagrees": "DISAGREES"}.get(c.verdict, c.verdict)
        table.add_row(c.fact, published, model, widest, verdict)
    return table


@click.command("validate")
@click.argument("scenario", default="separate")
@structures_option("separate,merged,aligned", "Structures to validate the scenario under.")
@reps_option(per="structure")
@seed_option()
@analysis_options(
    "Also write DIR/validation.png/.svg (a scorecard chart) and DIR/validation.json.", scenario_options=False
)
def validate_command(
    scenario: str,
    structures: str,
    reps: int,
    seed: int,
    opts: AnalysisOptions,
) -> None:
    """Compare SCENARIO (default: the default company) with the published figures.

    Per structure and fact: the published range, the model's mean with its 95% CI over --reps
    seeded replications (at least 2; below 5 most CIs are too wide), and a strict verdict:
    agrees only when the mean is in the range and the CI no wider than the fact's widest CI;
    disagrees only when the whole CI misses the range; else not enough data. Facts that are also
    calibration targets are listed apart from held-out facts. Bands (alignment effects) are
    plausibility checks. The facts and their sources are in orgsim/data/facts.toml.
    """
    from orgsim.analyses.validate import (
        MIN_REPS,
        VERDICT_RULE,
        WARN_REPS,
        dropped_facts,
        load_facts,
        score,
        validate,
    )
    from orgsim.cli.core import structure_names
    from orgsim.model.simulate import as_scenario

    if reps < MIN_REPS:
        raise InputError(f"--reps: {reps} is not allowed; use an integer >= {MIN_REPS} (a CI needs 2 seeds)")

    names = structure_names(structures)  # one line for ',' or an unknown name, before any run
    base = as_scenario(scenario)
    if opts.out_dir is not None:  # before any run: a refused or unwritable --out loses no work
        from orgsim.outputs import check_report_dir

        check_report_dir(opts.out_dir)
    # after the checks that refuse: an error is then the one line, without a warning before it
    if reps < WARN_REPS:
        err.print(
            f"warning: --reps {reps} is below {WARN_REPS}: most CIs will be too wide for a verdict "
            "(not enough data)",
            markup=False,
        )
    facts = load_facts()
    total = len(names) * reps * 3  # an estimate: bands add runs
    advance, stop = opts.progress(total)
    try:
        checks = validate(
            base, names, reps=reps, seed=seed, workers=opts.workers, facts=facts, progress=advance,
            scheduler=opts.scheduler,
        )
    finally:
        stop()
    rows = [_clean(asdict(c)) for c in checks]
    if opts.out_dir is not None:
        import json
        from pathlib import Path

        from orgsim.outputs import claim_report_dir, write_atomic
        from orgsim.presentation.calibration import validation_chart

        claim_report_dir(opts.out_dir)  # marked as orgsim's: a report may join it later
        png, _ = validation_chart(checks, Path(opts.out_dir) / "validation")
        write_atomic(Path(opts.out_dir) / "validation.json", json.dumps(rows, indent=2).encode())
        # the written paths on stdout for a script; with --json stdout is the list of checks alone
        (err if opts.as_json else out).print(
            f"wrote {png}, its .svg and validation.json in {opts.out_dir}", markup=False, highlight=False
        )
    if opts.as_json:
        _emit_json(rows)
        return
    units = {f.name: ("band" if f.kind == "band" else f.measure.unit) for f in facts}
    kinds = {f.name: f.kind for f in facts}
    for structure in names:
        part = [c for c in checks if c.structure == structure]
        for calibrated in (False, True):
            rows_here = [c for c in part if c.calibrated == calibrated]
            if rows_here:
                out.print(_table(base.name, structure, rows_here, calibrated, reps, units, kinds))
    missing = sorted({c.note for c in checks if c.ok is None and c.note.startswith("not measured")})
    for note in missing:
        out.print(f"not enough data: {note}", markup=False)
    for calibrated, what in ((False, "held-out facts"), (True, "calibration targets")):
        agree, judged = score([c for c in checks if c.calibrated == calibrated])
        total_n = sum(1 for c in checks if c.calibrated == calibrated)
        if total_n:
            out.print(
                f"{what}: {agree} of {total_n} agree, {judged - agree} disagree, "
                f"{total_n - judged} not enough data",
                markup=False,
            )
    out.print(f"Verdict rule: {VERDICT_RULE}.", markup=False)
    for name, why in dropped_facts():
        out.print(f"not checked: {name}: {why}", markup=False)
    out.print("sources, published wording and tolerances: --json, or orgsim/data/facts.toml")
