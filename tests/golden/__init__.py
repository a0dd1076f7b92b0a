"""Golden runs: the flat measures of a fixed set of small seeded runs, kept in ``runs.json``.

Each case is one scenario (a structure preset or a scenario file), a seed and a few dotted
overrides, chosen so that together they pass through the model's code paths: every structure,
the SLA on and off, the shared inbox and named routing, recycling, cold calls, queue and inbox
expiry, mixed plans, generalist selling, tough times and the other scenario files. Markets are
small (2,000-3,000 prospects) and horizons short (5-90 business days), so all of them run in a
few seconds.

``tests/test_golden.py`` reruns every case and compares it with the file. A model change that
moves any number fails it; if the change is intended, rewrite the file with::

    uv run python -m tests.golden

and explain in the commit message why each changed measure changed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

GOLDEN_FILE = Path(__file__).with_name("runs.json")
REGENERATE = "uv run python -m tests.golden"
RELATIVE_TOLERANCE = 1e-9

_SMALL = {"market.prospects": 3000, "horizon.days": 60}

# name -> (scenario, seed, overrides); the overrides are applied on top of _SMALL
CASES: dict[str, tuple[str, int, dict[str, Any]]] = {
    # every structure preset, two seeds for the presets the scenario files use
    "separate": ("separate", 1, {}),
    "separate_seed2": ("separate", 2, {"horizon.days": 90}),
    "defined": ("defined", 1, {}),
    "aligned": ("aligned", 1, {}),
    "aligned_seed2": ("aligned", 2, {"horizon.days": 90}),
    "merged": ("merged", 1, {}),
    "integrated": ("integrated", 1, {}),
    # the SLA off where it is usually on, on where it is usually off, and breached often
    "aligned_no_sla": ("aligned", 1, {"sla.enabled": False, "sales.prioritisation": "cherry_pick"}),
    "separate_with_sla": (
        "separate",
        1,
        {"sla.enabled": True, "sla.response_hours": 8.0, "sales.prioritisation": "sla"},
    ),
    "tight_sla": ("aligned", 3, {"sla.response_hours": 1.0, "sla.attempts": 2, "sales.headcount": 3}),
    # routing: every MQL in the shared inbox, every MQL to a named rep
    "aligned_all_inbox": ("aligned", 1, {"policy.lead_routing": 0.0}),
    "separate_all_routed": ("separate", 1, {"policy.lead_routing": 1.0}),
    # recycling none and all
    "no_recycling": ("separate", 1, {"policy.recycling": 0.0}),
    "full_recycling": ("defined", 1, {"policy.recycling": 1.0, "marketing.nurture_days": 10}),
    # cold calls: none, and a big outbound budget
    "no_cold_calls": ("separate", 1, {"sales.outbound_budget": 0}),
    "many_cold_calls": ("merged", 1, {"sales.outbound_budget": 600000, "sales.outbound_max_share": 0.8}),
    # overloaded sales: leads age out of queues and the inbox
    "overloaded_sales": (
        "separate",
        1,
        {"sales.headcount": 2, "sales.queue_tolerance": 3, "sales.lead_expiry_days": 5},
    ),
    "overloaded_aligned": (
        "aligned",
        1,
        {
            "sales.headcount": 2,
            "sales.queue_tolerance": 3,
            "sales.lead_expiry_days": 5,
            "policy.recycling": 0.0,
        },
    ),
    # merged with mixed plans, a biased head and generalists selling
    "merged_mixed_plans": ("merged", 1, {"policy.mixed_plans": True, "policy.head_bias": 0.8}),
    "merged_generalists": ("merged", 1, {"policy.generalist_selling": 0.4, "policy.specialisation": 0.2}),
    # friction that bites: disputes, erosion of trust, coordination and joint planning
    "high_friction": (
        "separate",
        1,
        {
            "friction.scale": 5.0,
            "friction.trust_erosion": 0.02,
            "policy.feedback": 0.0,
            "policy.follow_up_duty": 1.0,
        },
    ),
    "coordinated": ("defined", 2, {"policy.coordination_hours_per_week": 4.0, "policy.joint_planning": 1.0}),
    # the scenario files
    "tough_times": ("tough_times", 1, {}),
    "startup": ("startup", 1, {"market.prospects": 2000}),
    "enterprise": ("enterprise", 1, {"horizon.days": 90}),
    "heterogeneous": ("heterogeneous", 1, {}),
    # edges: a week's horizon, a one-person company
    "one_week": ("aligned", 4, {"horizon.days": 5}),
    "one_of_each": ("merged", 4, {"sales.headcount": 1, "marketing.headcount": 1, "market.prospects": 2000}),
}


def run_case(name: str) -> dict[str, float]:
    """The flat measures of one golden case, as ``RunResult.flat()`` gives them."""
    from orgsim import simulate

    scenario, seed, overrides = CASES[name]
    result = simulate(scenario, seed=seed, overrides={**_SMALL, **overrides})
    return {key: float(value) for key, value in result.flat().items()}


def load() -> dict[str, dict[str, float]]:
    """The measures kept in ``runs.json``, by case name."""
    return {name: case["measures"] for name, case in json.loads(GOLDEN_FILE.read_text()).items()}


def differences(expected: dict[str, float], actual: dict[str, float]) -> list[str]:
    """One line per measure that is missing, new or differs beyond ``RELATIVE_TOLERANCE``."""
    lines = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            lines.append(f"  {key}: {expected[key]!r} -> (no longer measured)")
        elif key not in expected:
            lines.append(f"  {key}: (new measure) -> {actual[key]!r}")
        else:
            old, new = expected[key], actual[key]
            same = (math.isnan(old) and math.isnan(new)) or math.isclose(
                old, new, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12
            )
            if not same:
                lines.append(f"  {key}: {old!r} -> {new!r}")
    return lines


def regenerate() -> Path:
    """Rerun every case and rewrite ``runs.json`` (sorted keys, one case per block)."""
    cases = {}
    for name, (scenario, seed, overrides) in CASES.items():
        cases[name] = {
            "scenario": scenario,
            "seed": seed,
            "overrides": {**_SMALL, **overrides},
            "measures": run_case(name),
        }
    GOLDEN_FILE.write_text(json.dumps(cases, indent=1, sort_keys=True) + "\n")
    return GOLDEN_FILE
