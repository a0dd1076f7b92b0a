"""Regenerate the calibration and "which structure wins where" tables of docs/model.md.

Run ``uv run python docs/tables.py`` and paste its output over the two tables.
"""

from __future__ import annotations

import numpy as np

from orgsim import compare, load_scenario
from orgsim.presentation.format import fmt_ci

STRUCTURES = ("separate", "merged", "aligned")
STAGES = ("inquiry", "mql", "sal", "sql", "opportunity", "won")
CONTEXTS = ("separate", "startup", "enterprise", "tough_times")
# measure: higher is better?
MEASURES = {
    "revenue": True,
    "profit": True,
    "cost": False,
    "friction_index": False,
    "leakage_rate": False,
    "win_rate": True,
}


def calibration(reps: int = 10) -> None:
    """Stage conversion rates of the baseline company under each structure."""
    runs = compare(list(STRUCTURES), reps=reps).runs()
    print("| transition | " + " | ".join(STRUCTURES) + " |")
    for a, b in zip(STAGES, STAGES[1:], strict=False):
        cells = []
        for s in STRUCTURES:
            part = runs[runs["scenario"] == s]
            cells.append(f"{100 * np.mean(part[f'funnel.{b}'] / part[f'funnel.{a}']):.1f}%")
        print(f"| {a} -> {b} | " + " | ".join(cells) + " |")
    e2e = [
        np.mean(runs[runs.scenario == s]["funnel.won"] / runs[runs.scenario == s]["funnel.inquiry"])
        for s in STRUCTURES
    ]
    print("| end to end | " + " | ".join(f"{100 * x:.1f}%" for x in e2e) + " |")


def winners(reps: int = 20) -> None:
    """Per context, each structure's mean [95% CI] per measure, the best one in bold."""
    print("| context | " + " | ".join(MEASURES) + " |")
    print("|---" * (len(MEASURES) + 1) + "|")
    for ctx in CONTEXTS:
        base = load_scenario(ctx)
        scenarios = [base.with_overrides({"structure": s}).model_copy(update={"name": s}) for s in STRUCTURES]
        summary = compare(scenarios, reps=reps).summary(list(MEASURES))
        cells = []
        for measure, up in MEASURES.items():
            part = summary[summary["measure"] == measure].set_index("scenario")
            best = part["mean"].idxmax() if up else part["mean"].idxmin()
            text = []
            for s in STRUCTURES:
                row = part.loc[s]
                value = f"{s[:3]} " + fmt_ci(measure, row["mean"], row["low"], row["high"])
                text.append(f"**{value}**" if s == best else value)
            cells.append("<br>".join(text))
        print(f"| {ctx} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    calibration()
    print()
    winners()
