"""``orgsim claims``: the seed articles' claims as paired experiments, with verdicts."""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.table import Table

from orgsim.cli import AnalysisOptions, _clean, _emit_json, analysis_options, out, reps_option, seed_option


@click.command()
@reps_option(per="side")
@seed_option()
@click.option("--only", "only", multiple=True, metavar="ID", help="Only this claim (repeatable; see --list).")
@click.option("--list", "list_only", is_flag=True, help="List the registered claims and exit (no runs).")
@click.option(
    "--flips/--no-flips",
    default=True,
    show_default=True,
    help="Also run each claim in every shipped scenario and along its key condition.",
)
@analysis_options("Write claims.html and one chart per claim here.")
def claims(
    reps: int,
    seed: int,
    only: Sequence[str],
    list_only: bool,
    flips: bool,
    opts: AnalysisOptions,
) -> None:
    """Test the seed articles' claims: effect, 95% CI, verdict, and where it flips.

    Each claim (registered in orgsim/data/claims.toml with its article and a few quoted words)
    is a paired experiment: a change, a measure and the direction the claim predicts, run with
    the same seeds on both sides. The verdict follows from the CI by the rule printed below the
    table. With --flips (default) each claim also runs in every shipped scenario and along a
    short sweep of its key condition. Claims the model cannot express are listed with the
    mechanism they need.

    \b
    Examples:
      orgsim claims --reps 10
      orgsim claims --only merge_in_tough_times --json
      orgsim claims --reps 6 --out out/claims
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from orgsim.analyses.claims import ASSUMED_RULE, VERDICT_RULE, check_claims, load_claims, select
    from orgsim.presentation.answers import PAIRED_NOTE, effect_text, label_of

    chosen = select(load_claims(), only)
    if list_only:
        if opts.as_json:
            _emit_json([{"id": c.id, "claim": c.claim, "source": c.source, "expressible": c.expressible}
                        for c in chosen])  # fmt: skip
            return
        table = Table(title="registered claims", title_justify="left")
        for col in ("id", "claim", "source", "scenario", "change"):
            table.add_column(col, overflow="fold")
        for c in chosen:
            table.add_row(
                c.id, c.claim, c.source, c.scenario or "-", c.change or f"not expressible: {c.missing}"
            )
        out.print(table)
        return
    if opts.out_dir is not None:  # before any run: a refused or read-only --out loses no work
        from orgsim.outputs import prepare_output

        prepare_output(opts.out_dir)
    bar = opts.planned_progress()
    try:
        results = check_claims(
            chosen,
            reps=reps,
            seed=seed,
            days=opts.days,
            overrides=opts.overrides,
            flips=flips,
            workers=opts.workers,
            scheduler=opts.scheduler,
            progress=bar.advance,
            on_plan=bar.start,
        )
    finally:
        bar.stop()
    if opts.out_dir is not None:
        from orgsim.presentation.answers import write_claims_page

        path = write_claims_page(results, opts.out_dir, reps=reps, seed=seed)
        if not opts.as_json:
            out.print(f"claims page written to {path}", markup=False, highlight=False)
    if opts.as_json:
        _emit_json(_clean([r.to_dict() for r in results]))
        return
    table = Table(title=f"the seed articles' claims, {reps} seeds per side", title_justify="left")
    table.add_column("claim", overflow="fold", ratio=3)
    table.add_column("measure", overflow="fold")
    table.add_column("says", justify="center")
    table.add_column("effect [95% CI]", justify="right")
    table.add_column("verdict")
    table.add_column("where it holds or flips", overflow="fold", ratio=4)
    for r in results:
        c = r.claim
        where = r.where() if r.main else f"missing: {c.missing}"
        if r.assumed_text():
            where = f"{r.assumed_text()}. {where}"
        table.add_row(
            f"{c.claim} [dim]({c.source}, {c.id})[/dim]",
            label_of(c.measure),
            "up" if c.direction > 0 else "down",
            effect_text(r),
            r.verdict,
            where,
        )
    out.print(table)
    out.print(f"Verdict rule: {VERDICT_RULE}; {ASSUMED_RULE}.")
    out.print(PAIRED_NOTE)
