"""The currency money is shown in: a symbol on every exhibit's money (tables, charts, terminal).

The model has no currency: deal sizes, budgets and salaries are plain numbers in one currency,
whichever the scenario was written in. By default orgsim writes money as plain numbers and
axes as "currency units". :func:`use` (``--currency EUR`` on the commands that show money) puts
that currency's symbol on every amount (``€2.59M``) and its code on axes (``Revenue (EUR)``);
it converts nothing.

A scenario may name its currency (``currency = "EUR"`` at the top of its file). On the command
line the resolved setting is: ``--currency`` when given, else the currency of the scenarios the
command loaded (:func:`adopt`; two scenarios naming different currencies are an error), else
plain currency units. Every money display reads that one setting through :func:`current`. The
dashboard shows one scenario at a time and writes money in that one's currency (:func:`follow`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from orgsim.errors import InputError


@dataclass(frozen=True)
class Currency:
    """How amounts are written: ``symbol`` before the number, ``words`` on an axis."""

    code: str  # ISO 4217, or "" for plain currency units
    symbol: str
    words: str


UNITS = Currency("", "", "currency units")
"""The default: plain numbers, axes in "currency units"."""

SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CHF": "CHF ",
    "CAD": "C$",
    "AUD": "A$",
    "INR": "₹",
    "CNY": "CN¥",
    "SEK": "SEK ",
    "NOK": "NOK ",
    "DKK": "DKK ",
    "PLN": "PLN ",
    "BRL": "R$",
}
"""Known symbols; any other three-letter ISO 4217 code is written as a prefix (``ZAR 2.59M``)."""

_current: list[Currency] = [UNITS]
_flag: list[bool] = [False]  # --currency was given on this command: it wins over the scenarios'
_adopting: list[bool] = [False]  # a command is running: loaded scenarios set the currency
_adopted_from: list[str | None] = [None]  # where the scenario currency in use came from


def parse(code: str | None, flag: str = "--currency") -> Currency:
    """The currency for ``code`` (case-insensitive; empty or ``units`` for plain currency units).

    Raises InputError naming ``flag`` when ``code`` is not a three-letter code.
    """
    text = (code or "").strip()
    if text.lower() in ("", "units", "none"):
        return UNITS
    if not re.fullmatch(r"[A-Za-z]{3}", text):
        known = ", ".join(SYMBOLS)
        raise InputError(
            f"{flag}: {code!r} is not a currency code; use a three-letter ISO 4217 code (e.g. {known}) "
            "or 'units'"
        )
    upper = text.upper()
    return Currency(upper, SYMBOLS.get(upper, f"{upper} "), upper)


def current() -> Currency:
    """The currency amounts are written in now."""
    return _current[0]


def use(code: str | Currency | None) -> Currency:
    """Write money in ``code`` from now on (``None``/``units``: plain currency units); returns it."""
    from orgsim import measures

    chosen = code if isinstance(code, Currency) else parse(code)
    _current[0] = chosen
    measures.UNIT_WORDS["currency"] = chosen.words  # every axis and legend reads the schema's words
    return chosen


def begin(code: str | None) -> Currency:
    """Start a command: ``--currency`` (``code``, None when not given) and no scenario currency yet.

    From here on :func:`adopt` lets a loaded scenario's currency apply unless ``code`` was given.
    """
    chosen = use(code)
    _flag[0] = code is not None
    _adopting[0] = True
    _adopted_from[0] = None
    return chosen


def adopt(code: str, source: str) -> None:
    """A loaded scenario's currency (``code``; '' names none) read from ``source``.

    Applies only inside a command (:func:`begin`) and when ``--currency`` was not given. Raises
    InputError naming ``source`` when the code is bad or differs from another scenario's.
    """
    if not code or not _adopting[0] or _flag[0]:
        return
    chosen = parse(code, f"{source}: currency")
    before = _adopted_from[0]
    if before is not None and chosen.code != current().code:
        raise InputError(
            f"{source}: currency: {chosen.code} differs from {current().code} in {before}; "
            "write every scenario in one currency, or choose one with --currency"
        )
    use(chosen)
    _adopted_from[0] = source


def follow(code: str | None = None) -> Currency:
    """For a view that shows one scenario at a time (the dashboard): money in that scenario's currency.

    From now on loaded scenarios no longer :func:`adopt` (picking another scenario is no clash:
    only one is shown). ``code`` (``''`` for plain units), the currency of the scenario shown now,
    applies unless ``--currency`` was given; ``None`` keeps the currency in use. Returns it.
    """
    _adopting[0] = False
    _adopted_from[0] = None
    if code is None or _flag[0]:
        return current()
    return use(code or None)


def given() -> bool:
    """Whether ``--currency`` was given on the command running now (it wins over anything saved)."""
    return _flag[0]


@contextmanager
def using(code: str | Currency | None) -> Iterator[Currency]:
    """Write money in ``code`` inside the block, then go back to the currency before it."""
    before = current()
    try:
        yield use(code)
    finally:
        use(before)


def money(text: str) -> str:
    """``text`` (a formatted amount such as ``-2.59M``) with the currency symbol after its sign."""
    symbol = current().symbol
    if not symbol or not text or text == "-":
        return text
    sign = text[0] if text[0] in "+-−" and len(text) > 1 else ""
    return f"{sign}{symbol}{text[len(sign) :]}"


__all__ = [
    "SYMBOLS",
    "UNITS",
    "Currency",
    "adopt",
    "begin",
    "current",
    "follow",
    "given",
    "money",
    "parse",
    "use",
    "using",
]
