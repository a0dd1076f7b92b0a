"""Folding closed, never-promoted inquiries: memory follows the leads worked, measures stay the same.

A run whose ledger folds every few hundred rows gives exactly the measures, ledger counts,
funnels and leaks of the same run that never folds, and its per-lead table is the unfolded one
without the folded inquiries' rows (their numbers are the gaps in ``lead_id``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from orgsim import load_scenario
from orgsim.model.lifecycle import LeadState, Ledger
from orgsim.model.metrics import measure
from orgsim.model.model import OrgModel

# a short nurture window closes inquiries fast (most never become MQLs), over a warm-up and after it
_CHURN = {"market.prospects": 3000, "marketing.nurture_days": 3, "horizon.days": 60}


def _run(structure: str, overrides: dict, fold_min: int | None, seed: int = 3):
    model = OrgModel(load_scenario(structure, {**_CHURN, **overrides}), seed)
    if fold_min is not None:
        model.ledger.fold_min = model.ledger.fold_at = fold_min
    model.run()
    return model, measure(model, leads=True)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize(("structure", "warmup"), [("separate", 0), ("aligned", 20), ("merged", 20)])
def test_a_folding_ledger_gives_the_measures_of_one_that_keeps_every_lead(structure, warmup):
    over = {"horizon.warmup_days": warmup}
    kept_model, kept = _run(structure, over, None)
    folded_model, folded = _run(structure, over, 200)
    assert kept_model.ledger.folded.sum() == 0
    assert folded_model.ledger.folded.sum() > 0, "the run should have folded inquiries"
    assert folded_model.ledger.n < kept_model.ledger.n
    for name, value in kept.metrics.items():
        assert _same(value, folded.metrics[name]), (name, value, folded.metrics[name])
    assert kept.ledger == folded.ledger
    assert kept.funnel == folded.funnel and kept.sales_funnel == folded.sales_funnel
    assert kept.leaked_by_cause == folded.leaked_by_cause
    for cause, value in kept.leaked_revenue_by_cause.items():
        assert _same(value, folded.leaked_revenue_by_cause[cause]), cause
    # the table: the unfolded rows minus the folded inquiries, numbers kept
    full, part = kept.leads, folded.leads
    gone = ~full["lead_id"].isin(part["lead_id"])
    assert gone.sum() == part.attrs["folded_inquiries"] > 0
    assert (full.loc[gone, "furthest_stage"] == "inquiry").all()
    assert full.loc[gone, "state"].isin(["disqualified", "leaked"]).all()
    left = full[~gone].reset_index(drop=True)
    assert left.drop(columns="lead_type").equals(part.drop(columns="lead_type"))
    assert full.attrs["folded_inquiries"] == 0


def test_a_fold_drops_only_closed_inquiries_and_renumbers_in_order():
    ledger = Ledger(n_prospects=10)
    intent = np.array([True, False, False, False, True, False])
    ids = ledger.create(np.arange(6), 0, LeadState.INQUIRY, 0, intent)
    ledger.move(ids[[1, 4]], LeadState.MQL)
    ledger.close(ids[[0, 2, 4]], 2, np.array([5.0, 6.0, 7.0]))  # 0 leaks, 2 disqualified, 4 was an MQL
    remap = ledger.fold(start=0)
    assert remap.tolist() == [-1, 0, -1, 1, 2, 3]
    assert ledger.n == 4 and ledger.created == 6
    assert ledger.serial[:4].tolist() == [1, 3, 4, 5]
    assert ledger.open_lead[:6].tolist() == [-1, 0, -1, 1, -1, 3]
    assert ledger.folded.tolist() == [0, 2] and ledger.folded_intent.tolist() == [0, 1]
    assert ledger.summary()["created"] == 6
    assert ledger.leaked_by_cause()["never_followed_up"] == 2  # one folded, one kept (it was an MQL)
    assert ledger.folded_causes[1, 2] == 1 and ledger.folded_value[1, 2] == 5.0
    ledger.check()
    assert ledger.fold(start=0) is None  # nothing left to fold
    assert ledger.table()["lead_id"].tolist() == [1, 3, 4, 5]
