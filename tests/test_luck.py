"""Each lead's own luck: uniform, reproducible, and shared by the same lead under every structure."""

from __future__ import annotations

import numpy as np
from scipy import stats

from orgsim import load_scenario
from orgsim.model.luck import Draw, Luck
from orgsim.model.simulate import simulate


def test_draws_are_uniform_reproducible_and_keyed() -> None:
    luck = Luck(7)
    u = np.array([luck.uniform(p, 0, 0, Draw.CONTACT, 1) for p in range(20_000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert luck.uniform(5, 0, 0, Draw.CONTACT, 1) == Luck(7).uniform(5, 0, 0, Draw.CONTACT, 1)
    # another seed, event, attempt, pass or episode is another draw
    base = luck.uniform(5, 0, 0, Draw.CONTACT, 1)
    others = [
        Luck(8).uniform(5, 0, 0, Draw.CONTACT, 1),
        luck.uniform(5, 0, 0, Draw.WON, 1),
        luck.uniform(5, 0, 0, Draw.CONTACT, 2),
        luck.uniform(5, 0, 1, Draw.CONTACT, 1),
        luck.uniform(5, 1, 0, Draw.CONTACT, 1),
    ]
    assert base not in others
    # draws of different events for the same leads are uncorrelated
    v = np.array([luck.uniform(p, 0, 0, Draw.WON, 1) for p in range(20_000)])
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.03


def test_vectorised_normals_equal_the_scalar_ones() -> None:
    luck = Luck(3)
    pro = np.arange(50, dtype=np.int64)
    episode = np.arange(50, dtype=np.int32) % 3
    handoff = np.arange(50, dtype=np.int16) % 2
    many = luck.normals(pro, episode, handoff, Draw.SCORING_NOISE)
    keys = zip(pro.tolist(), episode.tolist(), handoff.tolist(), strict=True)
    one = [luck.normal(p, e, h, Draw.SCORING_NOISE) for p, e, h in keys]
    np.testing.assert_allclose(many, one, rtol=1e-9, atol=1e-9)
    z = luck.normals(np.arange(20_000), np.zeros(20_000, int), np.zeros(20_000, int), Draw.GUT_FEEL)
    assert stats.kstest(z, "norm").pvalue > 0.001


def _first_attempted_leads(structure: str, seed: int):
    scenario = load_scenario(structure, {"horizon.days": 120})
    table = simulate(scenario, seed=seed, leads=True).leads
    table = table[(table.source == "marketing") & table.response_hours.notna()]
    return table.drop_duplicates("prospect").set_index("prospect")


def test_the_same_buyer_has_the_same_luck_under_another_structure() -> None:
    """Common random numbers per lead: first-attempt outcomes agree far more than chance.

    The chances differ between structures (speed to lead, skill, trust), so the outcomes need
    not be equal; with independent draws they would agree only as often as p_a p_b +
    (1 - p_a)(1 - p_b).
    """
    a = _first_attempted_leads("separate", seed=3)
    b = _first_attempted_leads("aligned", seed=3)
    both = a.add_suffix("_sep").join(b.add_suffix("_ali"), how="inner")
    assert len(both) >= 50
    for outcome in ("first_contact", "first_qualified"):
        x = both[f"{outcome}_sep"].to_numpy(bool)
        y = both[f"{outcome}_ali"].to_numpy(bool)
        chance_agreement = x.mean() * y.mean() + (1 - x.mean()) * (1 - y.mean())
        assert (x == y).mean() > chance_agreement + 0.1, outcome
