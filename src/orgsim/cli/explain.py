"""``orgsim explain A B``: why B beats A, parameter by parameter (Shapley attribution)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from orgsim.analyses.explain import Explanation

from orgsim.cli import (
    AnalysisOptions,
    _clean,
    _emit_json,
    analysis_options,
    out,
    reps_option,
    seed_option,
)
from orgsim.errors import InputError
from orgsim.limits import MAX_PERMUTATIONS


def missing_b(a: str) -> str:
    """The one-line error for ``explain A`` alone: a glossary word gets pointed to ``orgsim glossary``."""
    from orgsim.cli.glossary import lookup

    usage = "explain: missing scenario B (it compares two, e.g. `orgsim explain separate aligned`)"
    try:
        lookup(a)
    except InputError:
        return usage
    return f"{usage}; to define {a!r} run `orgsim glossary {a}`"


@click.command()
@click.argument("a")
@click.argument("b", required=False)
@click.option("--measure", default="revenue", show_default=True, help="Measure, e.g. revenue.")
@reps_option(per="subset")
@seed_option()
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="NAME=KEY,KEY",
    help="Count these parameters as one (shell patterns), e.g. --group 'the SLA=sla.*,sales.prioritisation'.",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "exact", "permutation"]),
    default="auto",
    show_default=True,
    help="exact: every subset (2^n runs per seed); permutation: sampled orders; auto: exact up to 5.",
)
@click.option(
    "--permutations",
    type=click.IntRange(min=1, max=MAX_PERMUTATIONS),
    default=2,
    show_default=True,
    help="Sampled orders per seed (permutation method).",
)
@click.option(
    "--ranges/--no-ranges",
    default=True,
    show_default=True,
    help="Re-run the margin with the largest part's assumed values at A's level and their plausible ends.",
)
@analysis_options("Write the waterfall chart and explain.json here (a report in DIR then cites it).")
def explain(
    a: str,
    b: str | None,
    measure: str,
    reps: int,
    seed: int,
    groups: Sequence[str],
    method: str,
    permutations: int,
    ranges: bool,
    opts: AnalysisOptions,
) -> None:
    """Why does B differ from A? Split the paired difference among the parameters that differ.

    A and B are scenarios (a preset name, a shipped or scenarios/ name, or a .toml path). Each parameter
    that differs gets its Shapley value: what switching it from A's value to B's adds to
    --measure, averaged over every order of switching, with a 95% CI over seeds. The parts add
    up to the paired difference B - A. --group counts several parameters as one.

    Below the table: the assumed values each part moves (with their plausible range from the
    parameter schema) and, with --ranges, the margin re-run (same seeds) with the largest
    part's assumed values at A's level and at the ends of their plausible range, and whether
    the verdict holds across it.

    \b
    Examples:
      orgsim explain separate aligned --measure revenue
      orgsim explain separate merged --measure contribution --group 'the SLA=sla.*'
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from orgsim.analyses.explain import explain as run_explain
    from orgsim.analyses.explain import parse_group
    from orgsim.presentation.answers import PAIRED_NOTE, part_name, signed, value_text

    if b is None:
        raise InputError(missing_b(a))
    group_map = dict(parse_group(g) for g in groups)
    if opts.out_dir is not None:  # before any run: a refused or read-only --out loses no work
        from orgsim.outputs import prepare_output

        prepare_output(opts.out_dir)
    bar = opts.planned_progress()
    try:
        result = run_explain(
            a,
            b,
            measure=measure,
            reps=reps,
            seed=seed,
            groups=group_map,
            method=method,  # type: ignore[arg-type]
            permutations=permutations,
            days=opts.days,
            overrides=opts.overrides,
            workers=opts.workers,
            scheduler=opts.scheduler,
            progress=bar.advance,
            on_plan=bar.start,
            ranges=ranges,
        )
    finally:
        bar.stop()
    if opts.out_dir is not None:
        import json
        from pathlib import Path

        from orgsim.outputs import claim_report_dir, write_atomic
        from orgsim.presentation.answers import waterfall
        from orgsim.presentation.charts import save

        folder = claim_report_dir(opts.out_dir)
        stem = f"explain_{result.measure.replace('/', '_per_')}"
        png, _ = save(waterfall(result), folder / "charts" / stem)
        data = _clean(result.to_dict())
        data["summary"] = assumption_lines(result)
        write_atomic(Path(folder) / "explain.json", json.dumps(data, indent=2).encode())
        if not opts.as_json:
            written = f"waterfall chart written to {png}; explain.json beside it"
            out.print(written, markup=False, highlight=False)
    if opts.as_json:
        payload = _clean(result.to_dict())
        payload["summary"] = assumption_lines(result)
        if opts.out_dir is not None:
            payload["written"] = {"chart": str(png), "explain_json": str(Path(folder) / "explain.json")}
        _emit_json(payload)
        return
    m = result.measure
    total = result.total
    how = "exact" if result.method == "exact" else f"{result.permutations} sampled orders per seed"
    table = Table(
        title=Text(  # Text: scenario names print as written, never as rich markup
            f"{m}: {result.a} {value_text(m, result.a_value)} -> {result.b} {value_text(m, result.b_value)}, "
            f"difference {signed(m, total.mean)} [{signed(m, total.ci_low)}, {signed(m, total.ci_high)}]"
            f" ({'clear' if total.clear else 'not clear'})"
        ),
        title_justify="left",
        caption=(
            f"Shapley values, {how}, {result.reps} seeds, {result.runs} runs; parts sum to the total; "
            "share: the part's size among all parts (|part| / sum of |parts|)."
        ),
        caption_justify="left",
    )
    table.add_column("parameter")
    table.add_column("A", justify="right")
    table.add_column("B", justify="right")
    table.add_column("part", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("share", justify="right")  # of the parts' sizes, clear total or not
    ranked = result.ranked()
    sizes = [abs(p.value) if p.value and not math.isnan(p.value) else 0.0 for p in ranked]
    for p, size in zip(ranked, sizes, strict=True):
        share = f"{100 * size / sum(sizes):.0f}%" if sum(sizes) > 0 else "0%"
        table.add_row(
            part_name(p.parameter),
            p.a_value,
            p.b_value,
            signed(m, p.value) if p.value else "0",
            f"[{signed(m, p.ci_low)}, {signed(m, p.ci_high)}]",
            share,
        )
    out.print(table)
    for note in result.notes:
        out.print(note, markup=False)
    for line in assumption_lines(result):
        out.print(line, markup=False)
    out.print(PAIRED_NOTE)


def assumption_lines(result: Explanation) -> list[str]:
    """What each part rests on (assumed values, plausible ranges) and the range check, as sentences."""
    from orgsim.presentation.answers import part_name, signed

    m = result.measure
    lines = []
    ranked = [p for p in result.ranked() if p.value and not math.isnan(p.value)]
    if ranked:
        said = []
        for p in ranked:
            ci = f"[{signed(m, p.ci_low)}, {signed(m, p.ci_high)}]"
            said.append(f"{part_name(p.parameter)} {signed(m, p.value)} {ci}")
        lines.append(f"{result.b} - {result.a} on {m}, its parts largest first: " + "; ".join(said) + ".")
    parts = [p for p in result.ranked() if result.assumptions.get(p.parameter)]
    if parts:
        lines.append("Assumed values each part moves (A -> B, plausible range in the parameter schema):")
        for p in parts:
            moved = "; ".join(result.assumptions[p.parameter])
            lines.append(f"  {part_name(p.parameter)} ({signed(m, p.value)}): {moved}")
    if result.range_check is not None:
        lines.append(result.range_check.sentence(result, lambda v: signed(m, v)))
    if result.measure_check:
        lines.append(result.measure_sentence(lambda v: signed(m, v)))
    return lines

