"""orgsim init: a client's facts in the model's units, checked by real runs."""

from __future__ import annotations

import tomllib

import pytest

from orgsim.cli import main
from orgsim.company import CALENDAR_TO_BUSINESS, CompanyFacts, company_scenario, scenario_toml
from orgsim.errors import InputError
from orgsim.params import PARAMETERS
from orgsim.scenario import resolve

FACTS = dict(
    name="acme",
    structure="aligned",
    marketers=3,
    sellers=6,
    sdrs=2,
    marketing_budget=500_000,
    deal_size=30_000,
    sales_cycle_days=73,
    inbound_leads_per_month=300,
    win_rate=0.2,
)


@pytest.fixture(scope="module")
def acme():
    return company_scenario(CompanyFacts(**FACTS), workers=1)


def test_units_are_converted_and_every_value_says_how(acme):
    values = acme.values
    assert values["market.sales_cycle_days"] == pytest.approx(73 * 250 / 365, abs=0.05)  # 50 business days
    assert CALENDAR_TO_BUSINESS == pytest.approx(250 / 365)
    rate_key = "sales.outbound_hour_cost" if "sales.outbound_hour_cost" in PARAMETERS else "costs.hourly_rate"
    hours, rate = PARAMETERS["sales.hours_per_day"].default, PARAMETERS[rate_key].default
    assert values["sales.outbound_budget"] == 2 * hours * 250 * rate  # two SDRs' calling time a year
    assert values["marketing.headcount"] == 3 and values["sales.headcount"] == 6
    assert values["marketing.budget"] == 500_000 and values["market.deal_size"] == 30_000
    assert all(c.fact and c.how for c in acme.conversions)
    # both inquiry hazards move by the same factor
    k_in = values["marketing.inquiry_rate_in_market"] / PARAMETERS["marketing.inquiry_rate_in_market"].default
    k_out = (
        values["marketing.inquiry_rate_out_of_market"]
        / PARAMETERS["marketing.inquiry_rate_out_of_market"].default
    )
    assert k_in == pytest.approx(k_out, rel=1e-3)


def test_the_inbound_volume_is_matched_by_the_check_runs(acme):
    # the check runs at the written values raise the client's volume (within the 5% stop, or
    # close after the last step)
    assert acme.measured["inquiries_per_month"] == pytest.approx(300, rel=0.12)
    # the win rate scales with the base win chance: the check runs land near the client's 20%
    # (two runs decide ~100 deals: a standard error of ~0.04)
    assert acme.measured["win_rate"] == pytest.approx(0.2, abs=0.08)


def test_the_written_scenario_loads_and_keeps_every_other_default(acme):
    text = scenario_toml(acme)
    raw = tomllib.loads(text)
    sc = resolve(raw, source="acme.toml")
    assert sc.structure == "aligned" and sc.name == "acme"
    assert sc.market.sales_cycle_days == acme.values["market.sales_cycle_days"]
    preset = resolve({"structure": "aligned"}, source="preset").flat()
    changed = {k for k, v in sc.flat().items() if v != preset[k]}
    assert changed == set(acme.values)
    assert "73 x 250/365" in text  # the conversion is shown


@pytest.mark.parametrize(
    ("change", "flag"),
    [
        ({"structure": "flat"}, "--structure"),
        ({"sellers": 0}, "--sellers"),
        ({"sales_cycle_days": -5}, "--cycle-days"),
        ({"win_rate": 1.5}, "--win-rate"),
    ],
)
def test_impossible_facts_name_their_flag(change, flag):
    with pytest.raises(InputError, match=flag):
        CompanyFacts(**{**FACTS, **change}).check()


def test_init_without_a_terminal_names_the_missing_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["init", "acme", "--structure", "separate", "--marketers", "3"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--sellers: missing" in err and err.count("\n") == 1
    assert not (tmp_path / "scenarios").exists()  # nothing half-written


def test_init_refuses_to_overwrite(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "acme.toml").write_text("name = 'mine'\n")
    with pytest.raises(SystemExit) as info:
        main(["init", "acme"])
    assert info.value.code == 2
    assert "exists; use --force" in capsys.readouterr().err
    assert (tmp_path / "scenarios" / "acme.toml").read_text() == "name = 'mine'\n"


def test_the_written_targets_file_is_valid_toml_and_keeps_its_hints(acme):
    from orgsim.company import targets_toml

    text = targets_toml(acme, "scenarios/acme.toml")
    raw = tomllib.loads(text)
    assert raw["scenario"] == "scenarios/acme.toml"
    assert raw["targets"]["inquiries_per_month"] == pytest.approx(300)
    assert all(lo < hi for lo, hi in raw["parameters"].values())
    assert '# "sales.contact_floor" = [0.3, 0.9]' in text  # the commented suggestions stay comments


def test_init_targets_find_their_scenario_from_any_folder(acme, tmp_path, monkeypatch):
    """The targets file names its scenario from its own folder: calibrate works from anywhere."""
    from orgsim.analyses.calibrate import load_targets

    monkeypatch.setattr("orgsim.company.company_scenario", lambda facts, **kw: acme)  # no check runs
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    flags = ["--structure", "aligned", "--marketers", "3", "--sellers", "6", "--sdrs", "2",
             "--marketing-budget", "500000", "--deal-size", "30000", "--cycle-days", "73",
             "--inbound-leads", "300", "--win-rate", "20%", "--quiet"]  # fmt: skip
    main(["init", "acme", *flags])
    targets = project / "calibration" / "acme.toml"
    assert tomllib.loads(targets.read_text())["scenario"] == "../scenarios/acme.toml"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # once `scenarios/acme.toml: file not found` from here
    loaded = load_targets(targets)
    assert loaded.scenario.name == "acme"
    (tmp_path / "scenarios").mkdir()  # ../scenarios/acme.toml from here names another file
    (tmp_path / "scenarios" / "acme.toml").write_text('name = "another"\nstructure = "merged"\n')
    assert load_targets(targets).scenario.name == "acme"  # beside the targets file first, not the cwd's
