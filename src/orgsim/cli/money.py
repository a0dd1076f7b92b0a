"""``--currency``: the one option that sets how money is written (a shared option, kept in one place).

Added to every command that shows money. It sets :mod:`orgsim.currency` before the command runs
and passes nothing to the command itself, so adding it changes no command's signature. Without
the option, the currency named by the scenarios the command loads applies (``currency = "EUR"``
in a scenario file); with it, the option wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from orgsim import currency
from orgsim.errors import InputError

CURRENCY_HELP = (
    "Currency to write money in, e.g. EUR or USD: its symbol on every amount (tables, charts, report, "
    "terminal) and its code on axes. Labels only: nothing is converted. Default: the scenario's "
    "`currency`, else plain currency units."
)


def _set_currency(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    try:
        currency.begin(value)
    except InputError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[1], ctx=ctx, param=param) from None


def currency_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: the ``--currency CODE`` option (sets the currency, passes no argument)."""
    return click.option(
        "--currency",
        default=None,
        metavar="CODE",
        expose_value=False,
        is_eager=True,
        callback=_set_currency,
        help=CURRENCY_HELP,
    )(func)


__all__ = ["CURRENCY_HELP", "currency_option"]
