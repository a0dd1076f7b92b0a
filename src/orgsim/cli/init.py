"""init: a scenario of the user's own company from the handful of facts a client knows."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from orgsim.cli import (
    _emit_json,
    err,
    file_option,
    json_option,
    out,
    quiet_option,
    seed_option,
    workers_option,
)
from orgsim.errors import InputError
from orgsim.params import STRUCTURES

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

# flag -> (prompt, type); asked in this order when missing and stdin is a terminal
QUESTIONS: dict[str, tuple[str, type]] = {
    "structure": ("How are sales and marketing organised today", str),
    "marketers": ("Marketers (people)", int),
    "sellers": ("Sellers carrying a quota (people)", int),
    "sdrs": ("SDRs booking meetings for the sellers (people; blank: the model's default)", int),
    "marketing_budget": ("Yearly marketing program budget, salaries excluded", float),
    "deal_size": ("Average deal size (first-year value)", float),
    "cycle_days": ("Sales cycle, opportunity to decision, in calendar days", float),
    "inbound_leads": ("Inbound leads a month (inquiries: form fills, demo requests, ...)", float),
    "win_rate": ("Win rate, won / decided opportunities (blank if unknown)", str),
}
OPTIONAL = ("sdrs", "win_rate")


def _win_rate(text: Any) -> float | None:
    """``0.22``, ``22%`` or blank (unknown)."""
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip()
    try:
        return float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise InputError(f"--win-rate: {raw!r} is not a share; use e.g. 0.22 or 22%") from None


def _optional_int(text: Any, flag: str) -> int | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        raise InputError(f"{flag}: {text!r} is not a whole number") from None


def _ask(answers: dict[str, Any]) -> dict[str, Any]:
    """Fill missing answers by prompting on a terminal; without one, name the missing flag."""
    interactive = sys.stdin.isatty()
    for key, (prompt, kind) in QUESTIONS.items():
        if answers.get(key) is not None:
            continue
        flag = "--" + key.replace("_", "-")
        if not interactive:
            if key in OPTIONAL:
                continue
            raise InputError(f"{flag}: missing; give it as a flag (there is no terminal to ask on)")
        if key == "structure":
            answers[key] = click.prompt(prompt, type=click.Choice(STRUCTURES), default="separate")
        elif key in OPTIONAL:  # blank: unknown
            answers[key] = click.prompt(prompt, type=str, default="", show_default=False)
            if key == "sdrs":
                answers[key] = _optional_int(answers[key], flag)
        else:
            answers[key] = click.prompt(prompt, type=kind)
    return answers


@click.command("init")
@click.argument("name")
@file_option("--out", "out_path", "Scenario file [scenarios/NAME.toml].")
@file_option("--targets", "targets_path", "Targets file for `orgsim calibrate` [calibration/NAME.toml].")
@click.option("--structure", default=None, help=f"Structure today: {', '.join(STRUCTURES)}.")
@click.option("--marketers", type=int, default=None, help="Marketers (people).")
@click.option("--sellers", type=int, default=None, help="Quota-carrying sellers (people).")
@click.option("--sdrs", type=int, default=None, help="SDRs booking meetings (people; default: the model's).")
@click.option(
    "--marketing-budget", type=float, default=None, help="Yearly program budget, salaries excluded."
)
@click.option("--deal-size", type=float, default=None, help="Average first-year deal value.")
@click.option(
    "--cycle-days", type=float, default=None, help="Sales cycle in CALENDAR days (opportunity to decision)."
)
@click.option("--inbound-leads", type=float, default=None, help="Inbound leads (inquiries) a month.")
@click.option("--win-rate", default=None, help="Won / decided opportunities, e.g. 0.22 or 22% (optional).")
@seed_option("Seed of the check runs.")
@workers_option("Processes for the check runs.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@quiet_option
@json_option
def init_command(
    name: str,
    out_path: str | None,
    targets_path: str | None,
    seed: int,
    workers: int | None,
    force: bool,
    quiet: bool,
    as_json: bool,
    **answers: Any,
) -> None:
    """Write a scenario of your company (scenarios/NAME.toml) from a few facts you know.

    Missing facts are asked for on a terminal; scripts give them as flags:

    \b
      orgsim init acme --structure separate --marketers 4 --sellers 8 --sdrs 2 \\
        --marketing-budget 600000 --deal-size 25000 --cycle-days 90 --inbound-leads 400 --win-rate 20%

    Calendar days become business days (x 250/365), SDRs become outbound calling budget, and the
    inbound volume and win rate are matched by a few short seeded runs (about a minute). Every
    other parameter keeps its default. A targets file for `orgsim calibrate` is written too.
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from orgsim.company import CompanyFacts, company_scenario, scenario_toml, targets_toml
    from orgsim.outputs import write_atomic

    if not NAME.match(name):
        raise InputError(f"NAME: {name!r} is not allowed; use letters, digits, '-' and '_'")
    scenario_file = Path(out_path or f"scenarios/{name}.toml")
    targets_file = Path(targets_path or f"calibration/{name}.toml")
    from orgsim.outputs import prepare_output

    prepare_output(scenario_file, "--out", kind="file", force=force, others=[("--targets", targets_file)])
    prepare_output(targets_file, "--targets", kind="file", force=force)
    answers = _ask(answers)
    facts = CompanyFacts(
        name=name,
        structure=str(answers["structure"]).strip(),
        marketers=answers["marketers"],
        sellers=answers["sellers"],
        sdrs=answers["sdrs"],
        marketing_budget=answers["marketing_budget"],
        deal_size=answers["deal_size"],
        sales_cycle_days=answers["cycle_days"],
        inbound_leads_per_month=answers["inbound_leads"],
        win_rate=_win_rate(answers["win_rate"]),
    )
    facts.check()
    if sys.stderr.isatty() and not quiet:
        with err.status("check runs") as status:
            setup = company_scenario(facts, seed=seed, workers=workers, progress=status.update)
    else:
        setup = company_scenario(facts, seed=seed, workers=workers)
    write_atomic(scenario_file, scenario_toml(setup).encode())
    # the scenario as seen from the targets file's folder: calibrate reads it from there
    relative = os.path.relpath(scenario_file.resolve(), targets_file.resolve().parent)
    write_atomic(targets_file, targets_toml(setup, Path(relative).as_posix()).encode())
    next_commands = [
        f"orgsim validate {scenario_file}",
        f"orgsim calibrate {targets_file} --out out/{name}-calibration",
    ]
    if as_json:
        _emit_json(
            {
                "scenario": str(scenario_file),
                "targets": str(targets_file),
                "parameters": [
                    {"key": c.key, "value": c.value, "fact": c.fact, "conversion": c.how}
                    for c in setup.conversions
                ],
                "measured": setup.measured,
                "next": next_commands,
            }
        )
        return
    table = Table(title=Text(f"{name}: the client's facts in the model's units"), title_justify="left")
    for col in ("fact", "parameter", "value", "conversion"):
        table.add_column(col, overflow="fold")
    for c in setup.conversions:
        table.add_row(c.fact, c.key, f"{c.value:g}" if isinstance(c.value, float) else str(c.value), c.how)
    out.print(table)
    out.print(f"wrote {scenario_file} (scenario) and {targets_file} (targets for calibrate)", markup=False)
    out.print("next:")
    for command in next_commands:
        out.print(f"  {command}", markup=False)
