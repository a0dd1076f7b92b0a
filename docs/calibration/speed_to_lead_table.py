"""The speed-to-lead table of docs/model.md §9, from the per-lead table (default company, 4 seeds).

For marketing's MQLs under each structure: how soon sales first tried them, and how often that
first attempt reached (``first_contact``) and qualified (``first_qualified``) the buyer, by the
response time. A bucket with fewer than 20 leads shows its count instead of a rate.

Run: uv run python docs/calibration/speed_to_lead_table.py [key=value ...]
(e.g. ``sales.impulse_share=0.68`` to try the two-inquirer mechanism's settings)
"""

from __future__ import annotations

import sys

import pandas as pd

from orgsim import simulate

STAGES = ("inquiry", "mql", "sal", "sql", "opportunity", "won")
STRUCTURES = ("separate", "merged", "aligned")
MINUTE = 1 / 60
ROWS = (
    "≤ 1 h / 1–24 h / > 24 h / never (share of MQLs)",
    "first contact, ≤ 5 min vs 5–30 min vs 1–2 h",
    "first qualified, ≤ 5 min vs 5–30 min vs ≥ 24 h",
)


def rate(leads: pd.DataFrame, column: str) -> str:
    """The share of ``leads`` whose first attempt did ``column``, or their count when few."""
    return f"({len(leads)} leads)" if len(leads) < 20 else f"{leads[column].mean():.2f}"


def cells(structure: str, seeds: int = 4, overrides: dict | None = None) -> tuple[str, str, str]:
    """The three cells of one structure's column."""
    runs = [simulate(structure, seed=seed, overrides=overrides, leads=True) for seed in range(seeds)]
    leads = pd.concat([r.leads for r in runs])
    mqls = leads[(leads["source"] == "marketing") & (leads["furthest_stage"].map(STAGES.index) >= 1)]
    hours = mqls["response_hours"]
    shares = (hours <= 1, (hours > 1) & (hours <= 24), hours > 24, hours.isna())
    tried = mqls[hours.notna()]
    h = tried["response_hours"]
    soon, half_hour = h <= 5 * MINUTE, (h > 5 * MINUTE) & (h <= 30 * MINUTE)
    contact = (tried[soon], tried[half_hour], tried[(h > 1) & (h <= 2)])
    qualified = (tried[soon], tried[half_hour], tried[h >= 24])
    return (
        " / ".join(f"{100 * share.mean():.1f}" for share in shares) + "%",
        " / ".join(rate(part, "first_contact") for part in contact),
        " / ".join(rate(part, "first_qualified") for part in qualified),
    )


if __name__ == "__main__":
    overrides = {k: float(v) for k, v in (a.split("=", 1) for a in sys.argv[1:])} or None
    columns = {structure: cells(structure, overrides=overrides) for structure in STRUCTURES}
    print("| response | " + " | ".join(STRUCTURES) + " |")
    print("|---" * (len(STRUCTURES) + 1) + "|")
    for i, row in enumerate(ROWS):
        print(f"| {row} | " + " | ".join(columns[s][i] for s in STRUCTURES) + " |")
