"""``orgsim glossary [TERM]``: the words orgsim's output uses, defined once (measures.py)."""

from __future__ import annotations

import click
from rich.table import Table

from orgsim import measures
from orgsim.cli import _emit_json, json_option, out, safe
from orgsim.errors import InputError, suggest


def entries() -> dict[str, tuple[str, str]]:
    """Every defined word: ``{name: (kind, meaning)}`` (terms, measures, causes, sources, states)."""
    found: dict[str, tuple[str, str]] = {}
    for name, meaning in measures.GLOSSARY.items():
        found[name] = ("term", meaning)
    for t in measures.LEAK_CAUSES:
        found.setdefault(t.label, ("leak cause", f"{t.meaning} (leaked.{t.key})"))
    for t in measures.FRICTION_SOURCES:
        found.setdefault(t.label, ("friction source", f"{t.meaning} (friction_by_source.{t.key})"))
    for t in measures.LEAD_STATES:
        found.setdefault(t.label, ("lead state", f"{t.meaning} (ledger.{t.key})"))
    for m in measures.METRIC_MEASURES:
        unit = measures.UNIT_WORDS.get(m.unit, m.unit)
        better = {"higher": "higher is better", "lower": "lower is better"}.get(m.better, "neither")
        found.setdefault(m.name, ("measure", f"{m.label}: {m.meaning} [{unit}; {better}]"))
    return found


def lookup(term: str) -> dict[str, tuple[str, str]]:
    """The entries matching ``term`` (case, spaces and underscores ignored); InputError if none."""
    found = entries()

    def norm(text: str) -> str:
        return text.lower().replace("_", " ").replace("-", " ").strip()

    wanted = norm(term)
    exact = {name: e for name, e in found.items() if norm(name) == wanted}
    inside = {name: e for name, e in found.items() if wanted and wanted in norm(name)}
    if exact or inside:
        return {**exact, **inside}
    spelt = {}
    for name in found:  # the first name of each normalised spelling
        spelt.setdefault(norm(name), name)
    hint = suggest(wanted, spelt, show=spelt.__getitem__)
    raise InputError(f"glossary: no entry for {term!r}{hint} (run `orgsim glossary` for the list)")


@click.command()
@click.argument("term", required=False)
@json_option
def glossary(term: str | None, as_json: bool) -> None:
    """Define TERM (e.g. MQL, leakage, contribution), or list every term and measure.

    Terms are matched ignoring case, spaces and underscores; a part of a name finds every
    entry containing it.
    """
    shown = entries() if term is None else lookup(term)
    if as_json:
        _emit_json({name: {"kind": kind, "meaning": meaning} for name, (kind, meaning) in shown.items()})
        return
    table = Table(title="glossary", title_justify="left")
    table.add_column("term")
    table.add_column("kind")
    table.add_column("meaning")
    for name, (kind, meaning) in shown.items():
        table.add_row(safe(name), kind, safe(meaning))
    out.print(table)
