"""--currency: a symbol on every amount, the code on axes, plain currency units by default."""

from __future__ import annotations

import warnings

import pytest
from click.testing import CliRunner

from orgsim import currency, measures
from orgsim.presentation import style
from orgsim.presentation.format import fmt_ci, fmt_value


@pytest.fixture(autouse=True)
def back_to_units():
    yield
    currency.use(None)


def test_default_writes_plain_numbers_and_currency_units():
    assert currency.current() == currency.UNITS
    assert fmt_value("revenue", 1234.0) == "1,234"
    assert style.compact_number(2.59e6, "currency") == "2.59M"
    assert measures.get("revenue").axis_label == "Revenue (currency units)"


def test_a_currency_puts_its_symbol_on_money_and_its_code_on_axes():
    with currency.using("eur"):
        assert fmt_value("revenue", -1234.0) == "-€1,234"
        assert fmt_ci("revenue", 2.5e6, 1e6, 4e6) == "€2.50M [€1.00M, €4.00M]"
        assert style.compact_number(2.59e6, "currency") == "€2.59M"
        assert style.unit_formatter("currency")(1.5e6) == "€1.5M"
        assert measures.get("revenue").axis_label == "Revenue (EUR)"
        # not money: untouched
        assert fmt_value("leakage_rate", 0.25) == "25.0%"
        assert style.compact_number(12.0, "hours") == "12.0"
    assert measures.get("revenue").axis_label == "Revenue (currency units)"


def test_an_unknown_code_gets_a_prefix_and_a_bad_one_a_one_line_error():
    assert currency.parse("zar").symbol == "ZAR "
    from orgsim.cli import cli

    result = CliRunner().invoke(cli, ["compare", "separate", "--currency", "euros", "--reps", "1"])
    assert result.exit_code == 2
    assert "--currency" in result.output and "three-letter" in result.output
    assert "Traceback" not in result.output


def test_every_command_that_shows_money_takes_the_option():
    from orgsim.cli import cli

    for command in ("run", "compare", "sweep", "report", "explain", "tornado", "decide", "claims",
                    "validate", "dashboard"):  # fmt: skip
        out = CliRunner().invoke(cli, [command, "--help"]).output
        assert "--currency" in out, command


def _scenario(tmp_path, name: str, code: str | None, structure: str = "merged"):
    path = tmp_path / f"{name}.toml"
    line = "" if code is None else f'currency = "{code}"\n'
    path.write_text(f'name = "{name}"\nstructure = "{structure}"\n{line}')
    return path


def test_a_scenario_names_its_currency_and_the_flag_overrides_it(tmp_path):
    from orgsim.cli import cli

    eu = _scenario(tmp_path, "eu", "eur")
    shown = CliRunner().invoke(cli, ["run", str(eu), "--days", "3"])
    assert shown.exit_code == 0, shown.output
    assert "€" in shown.output and "EUR" in shown.output
    flagged = CliRunner().invoke(cli, ["run", str(eu), "--days", "3", "--currency", "usd"])
    assert flagged.exit_code == 0, flagged.output
    assert "$" in flagged.output and "€" not in flagged.output and "EUR" not in flagged.output
    plain = CliRunner().invoke(cli, ["run", "merged", "--days", "3"])  # the last command's currency is gone
    assert "€" not in plain.output and "currency units" in plain.output


def test_the_scenario_currency_survives_overrides_and_can_be_set():
    from orgsim.scenario import load_scenario, resolve

    sc = resolve({"structure": "merged", "currency": "gbp"}, source="x.toml")
    assert sc.currency == "GBP"
    assert sc.with_overrides({"structure": "aligned"}).currency == "GBP"
    assert load_scenario("separate", {"currency": "chf"}).currency == "CHF"
    assert load_scenario("separate").currency == ""


@pytest.mark.parametrize("value", ['"euros"', "3", '"E1"'])
def test_a_bad_scenario_currency_is_one_line_naming_file_and_field(tmp_path, capsys, value):
    path = tmp_path / "bad.toml"
    path.write_text(f'structure = "merged"\ncurrency = {value}\n')
    code, err = _main(capsys, "run", str(path), "--days", "3")
    assert code == 2
    assert err.count("\n") == 1, err
    assert "bad.toml: currency:" in err and "three-letter" in err and "EUR" in err


def _main(capsys, *args: str) -> tuple[int, str]:
    """The CLI in-process as the console script runs it: (exit code, stderr)."""
    from orgsim.cli import main

    with pytest.raises(SystemExit) as info:
        main(list(args))
    return int(info.value.code or 0), capsys.readouterr().err


def test_scenarios_in_two_currencies_are_an_error_unless_the_flag_chooses(tmp_path, capsys):
    from orgsim.cli import cli

    eu, us, bare = (
        _scenario(tmp_path, "eu", "EUR"),
        _scenario(tmp_path, "us", "USD"),
        _scenario(tmp_path, "b", None),
    )
    code, err = _main(capsys, "compare", str(eu), str(us), "--reps", "1", "--days", "3")
    assert code == 2 and err.count("\n") == 1, err
    assert "us.toml: currency: USD differs from EUR" in err and "--currency" in err
    # a scenario that names no currency agrees with any
    mixed = CliRunner().invoke(cli, ["compare", str(eu), str(bare), "--reps", "1", "--days", "3"])
    assert mixed.exit_code == 0, mixed.output
    assert "€" in mixed.output
    chosen = CliRunner().invoke(cli, ["compare", str(eu), str(us), "--reps", "1", "--days", "3",
                                      "--currency", "gbp"])  # fmt: skip
    assert chosen.exit_code == 0, chosen.output
    assert "£" in chosen.output and "€" not in chosen.output


def test_a_sweep_manifest_keeps_each_scenario_currency():
    from orgsim.experiment.manifest import BaseScenario, Manifest

    m = Manifest.from_dict({"experiment": {"scenarios": {"eu": {"structure": "merged"}, "x": {}},
                                           "currencies": {"eu": "EUR"}}})  # fmt: skip
    assert [sc.currency for sc in m.scenarios] == ["EUR", ""]
    assert m.to_dict()["experiment"]["currencies"] == {"eu": "EUR"}
    assert BaseScenario("a", "merged", {}).currency == ""


TWO_RUNS = """
name = "priced"
scenarios = ["separate"]
replications = 1
days = 5
[set]
"market.prospects" = 300
"sales.headcount" = 2
"horizon.warmup_days" = 5
[factors]
structure = { levels = ["separate", "aligned"] }
"""


def test_a_sweeps_currency_is_saved_for_its_report(tmp_path):
    """`sweep --currency EUR` then `report DIR`: the report writes euros; report's own flag wins."""
    import json

    from orgsim.cli import cli
    from orgsim.experiment.storage import load_manifest

    exp = tmp_path / "exp.toml"
    exp.write_text(TWO_RUNS)
    swept = CliRunner().invoke(cli, ["sweep", str(exp), "--out", str(tmp_path / "sw"), "--workers", "1",
                                     "--quiet", "--currency", "eur"])  # fmt: skip
    assert swept.exit_code == 0, swept.output
    assert load_manifest(tmp_path / "sw").currency == "EUR"
    currency.use(None)  # a new command starts from plain units
    with warnings.catch_warnings(record=True) as caught:  # aligned has no leads to leak in 5 days
        warnings.simplefilter("always")
        made = CliRunner().invoke(cli, ["report", str(tmp_path / "sw"), "--quiet"])
    assert made.exit_code == 0, made.output
    assert not [w for w in caught if "All-NaN" in str(w.message)]  # a measure with no value is labelled
    page = (tmp_path / "sw" / "report.html").read_text()
    assert "€" in page and "currency units" not in page
    assert any("EUR" in p.read_text() for p in (tmp_path / "sw" / "charts").glob("*.svg"))
    chosen = CliRunner().invoke(cli, ["report", str(tmp_path / "sw"), "--quiet", "--currency", "usd",
                                      "--out", str(tmp_path / "usd")])  # fmt: skip
    assert chosen.exit_code == 0, chosen.output
    page = (tmp_path / "usd" / "report.html").read_text()
    assert "$" in page and "€" not in page
    # a resume without the flag keeps the first session's currency
    again = CliRunner().invoke(cli, ["sweep", str(exp), "--out", str(tmp_path / "sw"), "--quiet"])
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "sw" / "manifest.json").read_text())["currency"] == "EUR"


def test_a_manifest_without_a_currency_reads_as_units_and_a_bad_one_names_the_field():
    from orgsim.errors import InputError
    from orgsim.experiment.manifest import Manifest

    assert Manifest.from_dict({"experiment": {}}).currency == ""
    assert Manifest.from_dict({"experiment": {}, "currency": "gbp"}).to_dict()["currency"] == "GBP"
    with pytest.raises(InputError) as info:
        Manifest.from_dict({"experiment": {}, "currency": "euros"}, source="sw/manifest.json")
    text = str(info.value)
    assert text.startswith("sw/manifest.json: currency:") and "three-letter" in text and "\n" not in text
