"""Golden runs: a fixed set of small seeded runs gives exactly the measures kept in the repo.

The cases and the file live in ``tests/golden/``. A failure here means a change moved the
model's numbers; if that is intended, regenerate the file and explain each change in the commit.
"""

from __future__ import annotations

import pytest
from tests.golden import CASES, GOLDEN_FILE, REGENERATE, differences, load, run_case

GOLDEN = load()

_ADVICE = f"If this change is intended, regenerate with `{REGENERATE}` and explain each change in the commit."


def test_the_golden_file_holds_every_case():
    assert sorted(GOLDEN) == sorted(CASES), (
        f"{GOLDEN_FILE} has cases {sorted(set(GOLDEN) ^ set(CASES))} that differ from tests/golden CASES. "
        + _ADVICE
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_golden_run_gives_the_kept_measures(name):
    changed = differences(GOLDEN.get(name, {}), run_case(name))
    assert not changed, (
        f"golden case {name!r} {CASES[name]} changed (kept -> now):\n" + "\n".join(changed) + "\n" + _ADVICE
    )


def test_the_comparison_catches_a_moved_number():
    kept = {"revenue": 1000.0, "mqls": 10.0, "median_response_hours": float("nan")}
    assert differences(kept, dict(kept)) == []
    assert differences(kept, {**kept, "revenue": 1000.0 * (1 + 1e-12)}) == []
    assert differences(kept, {**kept, "revenue": 1000.001}) == ["  revenue: 1000.0 -> 1000.001"]
    assert differences(kept, {"revenue": 1000.0, "mqls": 10.0}) == [
        "  median_response_hours: nan -> (no longer measured)"
    ]
    assert differences(kept, {**kept, "won": 1.0}) == ["  won: (new measure) -> 1.0"]
