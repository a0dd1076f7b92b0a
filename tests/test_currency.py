"""--currency: a symbol on every amount, the code on axes, plain currency units by default."""

from __future__ import annotations

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
