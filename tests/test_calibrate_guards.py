"""calibrate: "met" needs a CI narrow enough to mean it; moving a value init set is said."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

from orgsim.analyses.calibrate import MET_CI_WIDTH, Calibration, Target
from orgsim.experiment.observables import OBSERVABLES, Estimate


def target(low: float, high: float) -> Target:
    return Target(OBSERVABLES["median_response_hours"], low, high, ("separate",))


def test_a_point_target_is_not_met_on_a_ci_wider_than_the_stated_width():
    point = target(24.0, 24.0)
    assert not point.hit(Estimate(34.0, -69.0, 137.0, 2))  # covers 24, but says nothing
    assert point.hit(Estimate(24.5, 22.0, 27.0, 20))
    half = MET_CI_WIDTH * 24.0 / 2
    assert not point.hit(Estimate(24.0, 24.0 - half - 0.1, 24.0 + half + 0.1, 20))


def test_a_range_target_is_not_met_on_a_ci_wider_than_its_range():
    band = target(20.0, 30.0)
    assert band.hit(Estimate(25.0, 21.0, 29.0, 20))
    assert not band.hit(Estimate(25.0, -40.0, 90.0, 2))


def test_met_uses_validates_rule_so_a_miss_needs_the_whole_ci_outside():
    band = target(20.0, 30.0)
    assert band.verdict(Estimate(25.0, 21.0, 29.0, 20)) == "agrees"
    assert band.verdict(Estimate(31.0, 29.0, 33.0, 20)) == "not enough data"  # CI reaches the range
    assert band.verdict(Estimate(34.0, 31.0, 37.0, 20)) == "disagrees"  # wholly above
    assert band.verdict(Estimate(25.0, 24.0, math.nan, 1)) == "not enough data"  # no CI: never met
    assert target(24.0, 24.0).verdict(Estimate(30.0, 28.0, 32.0, 20)) == "disagrees"
    assert target(0.0, 40.0).widest_ci == 40.0 and band.widest_ci == MET_CI_WIDTH * 25.0  # the wider


def _calibration(tmp_path: Path, header: str, fitted: float) -> Calibration:
    scenario = tmp_path / "acme.toml"
    scenario.write_text(f"{header}\nname = \"acme\"\nstructure = \"separate\"\n\n[sales]\nwin_rate = 0.17\n")
    targets = SimpleNamespace(
        scenario_ref=str(scenario), path=str(tmp_path / "t.toml"),
        parameters=(SimpleNamespace(key="sales.win_rate"),),
    )  # fmt: skip
    best = SimpleNamespace(values={"sales.win_rate": fitted}, loss=0.0, number=0)
    return Calibration(targets, 2, {0: best}, tmp_path)  # type: ignore[arg-type]


def test_calibrate_warns_when_it_moves_a_value_init_set_from_the_users_numbers(tmp_path):
    init_header = "# acme: written by `orgsim init` on 2026-01-01 from the client's facts."
    warnings = _calibration(tmp_path, init_header, 0.325).moved_from_init()
    assert len(warnings) == 1 and "sales.win_rate" in warnings[0] and "0.17" in warnings[0]
    assert _calibration(tmp_path, init_header, 0.17).moved_from_init() == []
    assert _calibration(tmp_path, "# my own scenario", 0.325).moved_from_init() == []
