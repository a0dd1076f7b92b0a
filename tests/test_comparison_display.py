"""A Comparison in a notebook: a one-line repr, an HTML table, one CI column naming."""

from __future__ import annotations

import pytest

from orgsim import compare

TINY = {"market.prospects": 800, "horizon.days": 15}


@pytest.fixture(scope="module")
def comparison():
    return compare(["separate", "aligned"], reps=3, overrides=TINY, workers=1)


def test_summary_and_differences_name_the_ci_alike(comparison):
    summary, diffs = comparison.summary(), comparison.differences()
    assert {"ci_low", "ci_high"} <= set(summary.columns) and {"ci_low", "ci_high"} <= set(diffs.columns)
    ok = summary.dropna(subset=["ci_low"])
    assert (ok["ci_low"] <= ok["mean"] + 1e-9).all() and (ok["mean"] <= ok["ci_high"] + 1e-9).all()


def test_repr_is_one_short_line_and_html_is_a_table(comparison):
    text = repr(comparison)
    assert "\n" not in text and len(text) < 200 and "separate" in text and "3 reps" in text
    page = comparison._repr_html_()
    assert page.count("<table>") == 1 and "Revenue" in page and "vs separate" in page
    assert "clear" in page
