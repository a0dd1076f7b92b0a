"""The dashboard's server enforces what the page offers, whatever a browser sends."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from orgsim.params import PARAMETERS
from orgsim.presentation.dashboard import session
from orgsim.presentation.dashboard.server import hide_resourcez, is_local
from orgsim.presentation.dashboard.session import SetUp, slider_value


def test_slider_values_keep_the_schemas_range_and_type():
    lo, hi = PARAMETERS["sales.headcount"].lo, PARAMETERS["sales.headcount"].hi
    assert SetUp().moved("sales.headcount", 1000).overrides["sales.headcount"] == hi
    assert SetUp().moved("sales.headcount", -5).overrides["sales.headcount"] == lo
    same = SetUp()
    for bad in ("abc", float("nan"), None, [1]):
        assert same.moved("sales.headcount", bad) == same  # not a number: the slider keeps its value
    assert same.moved("market.prospects", 10**9) == same  # not a slider
    assert slider_value("sla.enabled", 1) is None and slider_value("sla.enabled", True) is True
    sent = SetUp(overrides={"sales.headcount": 10**6, "no.such": 1})
    assert sent.overrides == {"sales.headcount": hi}


@pytest.mark.parametrize("name", ["/etc/passwd", "/dev/zero", "../scenarios/x.toml", "nosuch"])
def test_the_scenario_picker_takes_only_listed_names(name):
    picked = SetUp(scenario=name)
    assert picked.scenario == session.start_scenario()
    assert picked.scenario in session.pickable_scenarios()
    assert not math.isnan(picked.base().horizon.days)


def test_write_report_has_a_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(session, "MAX_REPORTS", 2)
    for i in range(2):
        (tmp_path / f"r{i}").mkdir()
    live = session.Session(SetUp(overrides={"sales.headcount": 2}))
    from orgsim.errors import InputError

    with pytest.raises(InputError, match="--reports"):
        live.write_report(tmp_path)


def test_resourcez_is_hidden_and_a_non_local_host_is_warned(monkeypatch):
    from solara.server.starlette import app

    hide_resourcez()
    assert all(getattr(r, "path", None) != "/resourcez" for r in app.router.routes)
    assert is_local("127.0.0.1") and is_local("localhost") and not is_local("0.0.0.0")
    from orgsim.cli.dashboard import dashboard

    monkeypatch.setattr("orgsim.presentation.dashboard.server.serve", lambda *a, **k: None)
    result = CliRunner().invoke(dashboard, ["separate", "--host", "0.0.0.0"])
    assert result.exit_code == 0 and "no login" in result.stderr
