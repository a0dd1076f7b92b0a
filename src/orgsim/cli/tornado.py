"""tornado: what the margin of one structure over another hinges on, one parameter at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from orgsim.cli import (
    AnalysisOptions,
    _emit_json,
    analysis_options,
    out,
    reps_option,
    seed_option,
    structures_option,
)


@click.command("tornado")
@click.argument("scenario", default="separate")
@structures_option("aligned,separate", "The two structures; the margin is A minus B, seed by seed.", "A,B")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY[=LOW:HIGH]",
    help="A parameter to vary (repeatable), at LOW and HIGH or by default at half and double the "
    "scenario's value (within its declared range). Default: the parameters listed in the "
    "description above.",
)
@click.option(
    "--measure",
    default="contribution",
    show_default=True,
    help="The measure whose margin is shown (contribution: revenue minus cost, the economic headline).",
)
@reps_option(per="arm")
@seed_option()
@analysis_options(
    "Write DIR/tornado.png/.svg (the chart), tornado.csv (the bars), tornado_runs.csv (every run) "
    "and tornado.json; a compare report later written into DIR shows the tornado."
)
def tornado(
    scenario: str,
    structures: str,
    params: Sequence[str],
    measure: str,
    reps: int,
    seed: int,
    opts: AnalysisOptions,
) -> None:
    """Tornado of A's margin over B on SCENARIO (default: the default company), one parameter at a time.

    Runs A and B on SCENARIO (the base) and again with each key parameter at its low and its
    high value, every other parameter at the base. Replicate r uses the same seed in every run
    (common random numbers), so each margin is a paired difference A - B with a 95% CI. Bars
    are sorted by swing (|margin at high - margin at low|); the base margin is the centre line.

    \b
    Default parameters, conditions both structures share, each at half and double:
      market.demand               buyers coming into the market (good or tough times)
      marketing.budget            how many leads marketing buys
      sales.headcount             the capacity to work those leads
      market.deal_size            what a won (or leaked) lead is worth against fixed costs
      market.hard_lead_share      how hard lead quality is to read
      sales.contact_half_minutes  how fast a lead cools (what speed to lead is worth)
      market.sales_cycle_days     how much pipeline closes inside the horizon
      costs.hourly_rate           what an hour of coordination costs

    Policies a structure's preset sets are what A and B differ in and cannot be varied here.
    Runs (1 + 2 x parameters) x 2 x --reps simulations: 340 with the defaults.
    """  # noqa: D301 - \b keeps click from rewrapping the list
    from orgsim.analyses import tornado as oat
    from orgsim.model.simulate import as_scenario

    base = as_scenario(scenario, opts.overrides)
    pair = tuple(s.strip() for s in structures.split(","))
    if opts.out_dir is not None:
        _check_out(opts.out_dir)
    bounds, _ = oat.plan_bounds(base, list(params) or None, oat.check_structures(pair))  # fail before running
    total = (1 + 2 * len(bounds)) * 2 * reps
    advance, stop = opts.progress(total)
    try:
        result = oat.tornado(
            base, pair, list(params) or None, measure, reps, seed, opts.days, opts.workers, advance,
            scheduler=opts.scheduler,
        )  # fmt: skip
    finally:
        stop()
    if opts.out_dir is not None:
        written = write_outputs(result, opts.out_dir)
        files = "tornado.csv, tornado_runs.csv, tornado.json"
        if not opts.as_json:
            out.print(f"wrote {written} and {files} in {opts.out_dir}", markup=False, highlight=False)
    if opts.as_json:
        payload = result.to_dict()
        if opts.out_dir is not None:
            payload["written"] = {"chart": written, "folder": str(opts.out_dir)}
        _emit_json(payload)
        return
    _print(result)


def _check_out(out_dir: str) -> None:
    """Refuse an --out of a user's files, a file, or a place that cannot be written, before running."""
    from orgsim.outputs import check_report_dir

    check_report_dir(out_dir)


def write_outputs(result: Any, out_dir: str) -> str:
    """The chart (PNG, SVG), the bars (CSV), every run (CSV) and the result (JSON); returns the PNG."""
    import json

    from orgsim.outputs import claim_report_dir, to_csv, write_atomic
    from orgsim.presentation import charts
    from orgsim.presentation.exhibits import tornado_figure

    out_path = claim_report_dir(out_dir)  # marked as orgsim's: a compare report may join it
    png, _ = charts.save(tornado_figure(result), out_path / "tornado")
    to_csv(result.table(), out_path / "tornado.csv")
    to_csv(result.runs, out_path / "tornado_runs.csv")
    write_atomic(out_path / "tornado.json", json.dumps(result.to_dict(), indent=2).encode())
    return str(png)


def _print(result: Any) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from orgsim.presentation.answers import difference_cell, signed
    from orgsim.presentation.exhibits import level_text
    from orgsim.presentation.style import factor_name

    m = result.measure
    base = difference_cell(m, result.base, short=True)
    title = (
        f"{result.a} minus {result.b} on {m}, {result.scenario}, {result.reps} paired reps, "
        f"{result.days} business days\nbase margin {base}"
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("parameter\n  key (for --param)", no_wrap=True)
    table.add_column("margin at low\n[95% CI]", justify="right", no_wrap=True)
    table.add_column("margin at high\n[95% CI]", justify="right", no_wrap=True)
    table.add_column("swing", justify="right", no_wrap=True)
    for s in result.swings:
        key = s.bounds.key
        cells = [_cell(m, d, level_text(v, key)) for d, v in ((s.low, s.bounds.low), (s.high, s.bounds.high))]
        swing = signed(m, s.swing).lstrip("+") + ("\nflips" if s.flips else "")
        table.add_row(f"{factor_name(key)}\n  {key}", *cells, swing, end_section=True)
    console = out if out.is_terminal else Console(width=100)
    console.print(f"{title}\n", markup=False, highlight=False)
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    console.print(
        "Paired by seed: replicate r has the same seed in every arm and structure (common random "
        "numbers). * = the 95% CI excludes zero. Swing = |margin at high - margin at low|; flips = "
        "the margin changes sign between the ends. Units: " + _unit(m),
        markup=False,
    )


def _cell(measure: str, d: Any, level: str) -> str:
    """``at 20 people: +49.3k*`` over its 95% CI (``*``: the CI excludes zero)."""
    from orgsim.presentation.answers import signed

    mark = "*" if d.clear else " "
    ci = f"[{signed(measure, d.ci_low)}, {signed(measure, d.ci_high)}]"
    return f"at {level}: {signed(measure, d.mean)}{mark}\n{ci} "


def _unit(measure: str) -> str:
    from orgsim import measures

    m = measures.get(measure)
    return f"{measure} in {m.unit_words} ({m.meaning})"
