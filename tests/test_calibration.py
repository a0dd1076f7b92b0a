"""Calibration: the default scenario's funnel falls in the published ranges (FACTS.md §2)."""

from __future__ import annotations

import numpy as np

from orgsim import compare

# transition: (low, high) from the practitioner benchmarks in shared/FACTS.md §2
RANGES = {
    ("inquiry", "mql"): (0.10, 0.25),
    ("mql", "sal"): (0.40, 0.60),
    ("sal", "sql"): (0.50, 0.70),
    ("sql", "opportunity"): (0.30, 0.50),
}


def test_default_funnel_rates_fall_in_published_ranges():
    runs = compare(["separate"], reps=10, workers=2).runs()
    for (a, b), (low, high) in RANGES.items():
        rate = float(np.mean(runs[f"funnel.{b}"] / runs[f"funnel.{a}"]))
        assert low <= rate <= high, f"{a}->{b} = {rate:.3f} outside [{low}, {high}]"
    win_rate = float(runs["win_rate"].mean())
    assert 0.20 <= win_rate <= 0.30, win_rate  # opportunity -> won


def test_default_speed_to_lead_resembles_the_published_baseline():
    """Oldroyd et al. 2011: mean response ~42 h among firms that replied; 23% never replied."""
    runs = compare(["separate"], reps=6, workers=2).runs()
    assert 12 <= runs["median_response_hours"].mean() <= 48
    assert 0.10 <= runs["never_responded_share"].mean() <= 0.45
