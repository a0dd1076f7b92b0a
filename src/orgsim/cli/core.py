"""Core commands: run, compare, scenarios, show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from orgsim import measures
from orgsim.cli import (
    AnalysisOptions,
    _clean,
    _emit_json,
    _overrides,
    analysis_options,
    days_option,
    err,
    json_option,
    out,
    plain,
    quiet_option,
    reps_option,
    safe,
    seed_option,
    set_option,
    structures_option,
)
from orgsim.cli.money import currency_option
from orgsim.errors import InputError

COMPARE_METRICS = [
    "customer_value",
    "revenue",
    "bookings",
    "contribution",
    "won_deals",
    "win_rate",
    "cost",
    "friction_index",
    "leakage_rate",
    "leaked_revenue",
    "median_response_hours",
    "sla_met_share",
    "mqls",
    "sqls",
]


@click.command()
@click.argument("scenario")
@seed_option("Run seed (replication r of `compare` runs seed r).", max_seed=2**63 - 1)
@days_option
@set_option
@click.option(
    "--leads",
    "leads_path",
    default=None,
    metavar="FILE",
    help="Also write one row per lead to FILE (.parquet or .csv; columns in README).",
)
@click.option("--force", is_flag=True, help="Replace an existing --leads FILE.")
@quiet_option
@json_option
@currency_option
def run(
    scenario: str,
    seed: int,
    days: int | None,
    assignments: Sequence[str],
    leads_path: str | None,
    force: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Run SCENARIO once (a preset name, a shipped or scenarios/ name, or a .toml path) and summarise it.

    Below the tables, a legend gives each measure's unit, better direction and meaning; --json
    carries the same under "measures". --leads writes one row per lead (columns in README).
    """
    from orgsim.experiment.leads import check_leads_path, write_leads
    from orgsim.model.metrics import METRICS
    from orgsim.model.simulate import as_scenario, simulate
    from orgsim.presentation.format import fmt_value

    if leads_path is not None:
        check_leads_path(leads_path, force=force)  # before running: a bad path costs nothing
    sc = as_scenario(scenario, _overrides(assignments))
    watch = DayProgress(quiet)
    try:
        result = simulate(sc, seed=seed, days=days, leads=leads_path is not None, progress=watch.update)
    finally:
        watch.stop()
    if leads_path is not None and result.leads is not None:
        written = write_leads(result.leads, leads_path)
        if not as_json:
            out.print(f"{len(result.leads):,} leads written to {written}", markup=False, highlight=False)
    if as_json:
        payload = result.to_dict()
        if leads_path is not None:
            payload["written"] = {"leads": str(written)}
        payload["measures"] = measures.metadata(list(result.flat()))
        _emit_json(_clean(payload))
        return
    title = f"{safe(result.scenario)} ({result.structure}), seed {seed}, {result.days} business days"
    table = Table(title=title, title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for name in METRICS:
        table.add_row(name, fmt_value(name, result.metrics[name]), measures.get(name).unit_words)
    out.print(table)
    friction = Table(title="friction index by source", title_justify="left")
    friction.add_column("source")
    friction.add_column("index points", justify="right")
    friction.add_column("what raised it", overflow="fold")
    for src, value in result.friction_by_source.items():
        t = measures.term("source", src)
        friction.add_row(src, f"{value:.1f}", t.meaning)
    out.print(friction)
    leaks = Table(
        title="leakage by cause (leads with real buying intent lost to the process)", title_justify="left"
    )
    leaks.add_column("cause")
    leaks.add_column("leads", justify="right")
    leaks.add_column("expected revenue", justify="right")
    leaks.add_column("meaning", overflow="fold")
    before = [c for c in result.leaked_by_cause if c in measures.BEFORE_HANDOFF]
    after = [c for c in result.leaked_by_cause if c not in measures.BEFORE_HANDOFF]
    for cause in after + before:  # leaks after the hand-off, then those of leads never handed off
        if cause == (before or [None])[0]:
            leaks.add_section()
        t = measures.term("cause", cause)
        n = result.leaked_by_cause[cause]
        leaks.add_row(cause, str(n), fmt_value("revenue", result.leaked_revenue_by_cause[cause]), t.meaning)
    out.print(leaks)
    out.print(
        f"leaked after the hand-off: {result.metrics['leaked_after_handoff']:.0f} leads"
        f" ({100 * result.metrics['handoff_leakage_rate']:.1f}% of MQLs with intent); below the line:"
        " never an MQL (missed by scoring); the black hole (MQLs sales never pursued):"
        f" {100 * result.metrics['black_hole_share']:.1f}%"
    )
    ledger = "  ".join(f"{k}={v}" for k, v in result.ledger.items())
    out.print(f"lead ledger (conserved): {ledger}")
    for line in sla_lines([sc], met=[result.metrics.get("sla_met_share", float("nan"))]):
        out.print(plain(line), markup=False, highlight=False)
    out.print(legend(list(METRICS)))


class DayProgress:
    """`orgsim run`'s progress: silent for a quick run; past a few seconds an estimate, then a bar.

    The estimate is a timed probe of the run itself: the time of the days done after at least
    :attr:`PROBE_S`, scaled to all the days simulated. A run's days cost about the same (the
    warm-up makes day 0 a going concern), while a cost model from the parameters would have to
    follow every change to the model's per-lead work, and a separate probe run would be wasted
    work. It is printed once on stderr when the run looks longer than :attr:`SHOW_S`; a run that
    slows down is caught at a later day. ``--quiet`` shows nothing; ``--json`` keeps stdout clean.
    """

    PROBE_S = 1.0  # seconds of running before the first estimate
    SHOW_S = 3.0  # runs estimated shorter than this show nothing

    def __init__(self, quiet: bool) -> None:
        import time

        self.quiet = quiet
        self.start = time.monotonic()
        self._update: Any = None
        self._stop: Any = None
        self.estimate_s: float | None = None  # the estimate shown, if one was

    def update(self, done: int, total: int) -> None:
        """Called after each simulated day (``done`` of ``total``, the warm-up included)."""
        if self.quiet:
            return
        if self._update is None:
            import time

            from orgsim.progress import _duration, display

            elapsed = time.monotonic() - self.start
            if elapsed < self.PROBE_S or done >= total:  # too early to say, or finished anyway
                return
            estimate = elapsed / done * total
            if estimate < self.SHOW_S:
                return
            self.estimate_s = estimate
            err.print(
                f"about {_duration(estimate)} for {total:,} business days "
                f"(estimated from the first {done:,}); progress below",
                markup=False,
                highlight=False,
            )
            self._update, self._stop = display("simulating", unit="days")
        self._update(done, total)

    def stop(self) -> None:
        """Take the bar down (if one was shown)."""
        if self._stop is not None:
            self._stop()


def _nanmean(values: Any) -> float:
    """Mean of the defined (not NaN) values; NaN when none is."""
    import numpy as np

    defined = np.asarray(values, dtype=float)
    defined = defined[~np.isnan(defined)]
    return float(defined.mean()) if len(defined) else float("nan")


def sla_lines(
    scenarios: Sequence[Any], labels: Sequence[str] | None = None, met: Sequence[float] | None = None
) -> list[str]:
    """Speed to lead (calendar hours) beside each scenario's SLA (working hours), one line each.

    ``met``: each scenario's (mean) ``sla_met_share``, said after the clock when given.
    """
    import math

    from orgsim.presentation.format import sla_clock

    names = labels or [sc.name for sc in scenarios]
    shares = met if met is not None else [math.nan] * len(scenarios)
    return [
        sla_clock(name, sc.sla.response_hours, sc.sales.hours_per_day)
        + ("" if math.isnan(share) else f"; met for {100 * share:.0f}% of MQLs")
        for name, sc, share in zip(names, scenarios, shares, strict=True)
        if sc.sla.enabled
    ]


_ARROWS = {"higher": "↑ higher", "lower": "↓ lower", "none": "· neither"}


def legend(names: Sequence[str]) -> Table:
    """A legend of measures from the schema: name, unit, better direction, one-line meaning."""
    table = Table(
        title="legend (better: which way is the better outcome)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("measure", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    table.add_column("better", no_wrap=True)
    table.add_column("meaning", overflow="fold", ratio=1)
    for name in names:
        m = measures.get(name)
        table.add_row(name, m.unit_words, _ARROWS[m.better], m.meaning)
    return table


def structure_names(structures: str, flag: str = "--structures") -> list[str]:
    """The structures a comma-separated ``A,B,...`` names; InputError if it names none or an unknown one."""
    from orgsim.params import STRUCTURES

    names = [s.strip() for s in structures.split(",") if s.strip()]
    if not names:
        raise InputError(f"{flag}: {structures!r} names no structure; allowed: {', '.join(STRUCTURES)}")
    for name in names:
        if name not in STRUCTURES:
            raise InputError(f"{flag}: {name!r} is not a structure; allowed: {', '.join(STRUCTURES)}")
    return names


def _expand(scenarios: Sequence[str], structures: str | None, overrides: dict[str, Any]) -> list:
    from orgsim.model.simulate import as_scenario

    resolved = [as_scenario(s, overrides) for s in scenarios]
    if structures is None:
        return resolved
    names = structure_names(structures)
    expanded = []
    for sc in resolved:
        for name in names:
            variant = sc.with_overrides({"structure": name})
            expanded.append(variant.model_copy(update={"name": f"{sc.name}/{name}"}))
    return expanded


@click.command()
@click.argument("scenarios", nargs=-1, required=True)
@reps_option(default=20, minimum=1, per="scenario", limited=False)
@seed_option()
@structures_option(None, "Run each scenario under each of these structures (e.g. separate,merged,aligned).")
@click.option(
    "--baseline",
    default=None,
    metavar="LABEL",
    help="Scenario the others are compared to, seed by seed (default: the first).",
)
@analysis_options("Write charts and report.html here.")
def compare(
    scenarios: Sequence[str],
    reps: int,
    seed: int,
    structures: str | None,
    baseline: str | None,
    opts: AnalysisOptions,
) -> None:
    """Compare SCENARIOS over --reps seeded replications: mean and 95% CI per measure.

    Replication r uses the same seed in every scenario (common random numbers), so each
    scenario's difference to --baseline is taken seed by seed (a paired difference, 95% CI).
    """
    from orgsim.analyses.compare import compare as run_compare
    from orgsim.experiment.stats import CI_METHOD, CI_SHORT
    from orgsim.presentation.answers import PAIRED_NOTE, difference_cell, difference_sentence
    from orgsim.presentation.format import fmt_ci

    resolved = _expand(scenarios, structures, opts.overrides)
    if baseline is not None:  # before any run, like every other check of the arguments
        from orgsim.analyses.compare import _labels

        if baseline not in (labels := _labels(resolved)):
            raise InputError(
                f"--baseline: {baseline!r} is not one of the scenarios; allowed: {', '.join(labels)}"
            )
    if opts.out_dir is not None:  # before any run: a refused or unwritable --out loses no work
        from orgsim.outputs import check_report_dir

        check_report_dir(opts.out_dir)
    advance, stop = opts.progress(len(resolved) * reps)
    try:
        result = run_compare(
            resolved,
            reps=reps,
            seed=seed,
            days=opts.days,
            workers=opts.workers,
            scheduler=opts.scheduler,
            series=opts.out_dir is not None,
            progress=advance,
        )
    finally:
        stop()
    summary = result.summary()
    base = baseline if baseline is not None else result.labels[0]
    diffs = result.differences(base)  # also checks --baseline names a scenario
    if opts.out_dir is not None:
        from orgsim.presentation.report import write_comparison_report

        path = write_comparison_report(result, opts.out_dir, base)
        if not opts.as_json:
            out.print(f"report written to {safe(path)}", highlight=False)
    if opts.as_json:
        shown = list(dict.fromkeys(summary["measure"]))
        payload: dict[str, Any] = {
            "reps": reps,
            "seed": seed,
            "baseline": base,
            "paired": "replication r uses the same seed in every scenario; difference = scenario - baseline",
            "measures": measures.metadata(shown),
            "ci_method": CI_METHOD,
            "scenarios": {},
        }
        if opts.out_dir is not None:
            payload["written"] = {"report": str(path)}
        for label in result.labels:
            part = summary[summary["scenario"] == label]
            entry: dict[str, Any] = {
                row.measure: _clean(
                    {"mean": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high, "runs_defined": row.n}
                )
                for row in part.itertuples()
            }
            if label != base:
                mine = diffs[diffs["scenario"] == label]
                entry["difference"] = {
                    row.measure: _clean({"mean": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high})
                    for row in mine.itertuples()
                }
            payload["scenarios"][label] = entry
        _emit_json(payload)
        return
    table = Table(title=f"{reps} replications each, mean [95% CI]", title_justify="left")
    table.add_column("measure")
    for label in result.labels:
        table.add_column(safe(label), justify="right")
    shown = [name for name in COMPARE_METRICS if name in set(summary["measure"])]
    for name in shown:
        cells = []
        for label in result.labels:
            row = summary[(summary["scenario"] == label) & (summary["measure"] == name)].iloc[0]
            cell = fmt_ci(name, row["mean"], row["ci_low"], row["ci_high"])
            if int(row["n"]) < reps:  # undefined in some runs (a zero denominator): say over how many
                cell += f" ({int(row['n'])} of {reps} runs)"
            cells.append(cell)
        table.add_row(name, *cells)
    out.print(table)
    out.print(CI_SHORT)
    if (summary["n"] < reps).any():
        out.print(
            "(k of N runs): a ratio undefined in the other runs (a zero denominator, e.g. no decided "
            "opportunity for win_rate) is left out of the mean and CI, not counted as 0."
        )
    met = [_nanmean(result.values(label, "sla_met_share")) for label in result.labels]
    for line in sla_lines(result.scenarios, result.labels, met):
        out.print(plain(line), markup=False, highlight=False)
    others = [label for label in result.labels if label != base]
    if not others:
        out.print(legend(shown))
        return
    paired = Table(title=f"paired difference to {safe(base)}, mean [95% CI]", title_justify="left")
    paired.add_column("measure")
    for label in others:
        paired.add_column(safe(f"{label} - {base}"), justify="right")
    for name in shown:
        paired.add_row(
            name, *(difference_cell(name, result.difference(label, name, base)) for label in others)
        )
    out.print(paired)
    for label in others:
        for name in ("customer_value", "bookings", "contribution"):
            sentence = difference_sentence(name, label, base, result.difference(label, name, base))
            out.print(plain(sentence), markup=False)
    out.print(PAIRED_NOTE)
    out.print(legend(shown))


@click.command()
@json_option
def scenarios(as_json: bool) -> None:
    """List the scenarios you can name: structure presets, shipped scenarios and scenarios/*.toml."""
    from orgsim.scenario import available, descriptions

    found = available()
    described = descriptions()
    if as_json:
        _emit_json(
            {name: {"where": where, "description": described.get(name, "")} for name, where in found.items()}
        )
        return
    table = Table(title="scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("what it is")
    table.add_column("where")
    for name, where in found.items():
        table.add_row(safe(name), safe(described.get(name, "")), safe(where))
    out.print(table)


@click.command()
@click.argument("scenario")
@set_option
@click.option(
    "--wide", is_flag=True, help="One line per parameter, however wide (default: wrap to the terminal)."
)
@json_option
def show(scenario: str, assignments: Sequence[str], wide: bool, as_json: bool) -> None:
    """Print SCENARIO's fully resolved parameters with units, ranges, meanings and sources.

    The table wraps to the terminal (100 columns when the output is not a terminal); --wide
    keeps one line per parameter.
    """
    from orgsim.params import PARAMETERS
    from orgsim.scenario import load_scenario

    sc = load_scenario(scenario, _overrides(assignments))
    flat = sc.flat()
    if as_json:
        _emit_json(
            {
                "name": sc.name,
                "structure": sc.structure,
                "parameters": {
                    key: {
                        "value": flat[key],
                        "default": spec.default,
                        "unit": spec.unit,
                        "min": spec.lo,
                        "max": spec.hi,
                        "choices": list(spec.choices) if spec.choices else None,
                        "source": spec.source,
                        "doc": spec.doc,
                        "assumed": spec.assumed or (flat[key] != spec.default and spec.plausible is not None),
                        "plausible": list(spec.plausible) if spec.plausible else None,
                    }
                    for key, spec in PARAMETERS.items()
                },
            }
        )
        return
    title = f"{safe(sc.name)}: structure {sc.structure} (* differs from the default)"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("parameter", no_wrap=True)
    if wide:
        for col in ("value", "unit", "range", "meaning [source]"):
            table.add_column(Text(col), no_wrap=True)
    else:  # value, unit and range share a column so the meaning has room at 100 columns
        table.add_column("value (range)", max_width=20, overflow="fold")
        table.add_column(Text("meaning [source]"), ratio=1, overflow="fold")
    assumed: list[str] = []  # assumed levels that differ from the default: what a structure rests on
    for key, spec in PARAMETERS.items():
        value = flat[key]
        mark = "" if value == spec.default else " *"
        rng = (
            "|".join(map(str, spec.choices))
            if spec.choices
            else f"{spec.lo:g}..{spec.hi:g}"
            if spec.lo is not None
            else ""
        )
        meaning = f"{spec.doc} [{spec.source}]" if spec.doc else f"[{spec.source}]"
        if spec.plausible:
            rng += f"; plausible {spec.plausible[0]:g}..{spec.plausible[1]:g}"
            if value != spec.default:
                meaning += " This value is assumed."
                assumed.append(f"{key} = {value} (plausible {spec.plausible[0]:g}..{spec.plausible[1]:g})")
        if wide:
            table.add_row(key, Text(f"{value}{mark}"), Text(spec.unit), Text(rng), Text(meaning))
        else:
            unit = "" if spec.unit in ("flag", "choice") else f" {spec.unit}"
            cell = f"{value}{unit}{mark}" + (f"\n({rng})" if rng else "")
            table.add_row(key, Text(cell), Text(meaning))
    if wide:
        console = Console(soft_wrap=True, width=10_000)
    elif out.is_terminal:
        console = out
    else:
        console = Console(width=100)
    console.print(table, crop=not wide)
    if assumed:
        console.print(
            Text(
                "Assumed levels set here (a structure's advantage may rest on them; `orgsim explain` "
                "says which carry a margin): " + "; ".join(assumed) + "."
            )
        )


@click.command()
@click.option(
    "--table", type=click.Choice(["runs", "series"]), default=None, help="Only this table's columns."
)
@json_option
def schema(table: str | None, as_json: bool) -> None:
    """The column dictionary of a sweep's runs/ and series/ tables: unit, better direction, meaning.

    Generated from the measure schema (orgsim.measures), the same source as every table, chart
    and report; the units are also stored in each Parquet file's column metadata.
    """
    cols = [c for c in measures.columns() if table is None or c.table == table]
    if as_json:
        _emit_json([{"table": c.table, "column": c.name, "unit": c.unit, "better": c.better,
                     "meaning": c.meaning} for c in cols])  # fmt: skip
        return
    for name in ("runs", "series"):
        part = [c for c in cols if c.table == name]
        if not part:
            continue
        grid = Table(title=f"{name}/ columns", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        grid.add_column("column", no_wrap=True)
        grid.add_column("unit", no_wrap=True)
        grid.add_column("better", no_wrap=True)
        grid.add_column("meaning", ratio=1, overflow="fold")
        for c in part:
            unit = measures.UNIT_WORDS.get(c.unit, c.unit)
            grid.add_row(c.name, unit, _ARROWS[c.better] if c.better != "none" else "", Text(c.meaning))
        (out if out.is_terminal else Console(width=100)).print(grid)
