"""Words a client reads: one spelling of hand-off, acronyms kept in generated labels, filled columns."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from orgsim import measures
from orgsim.cli import cli

ROOT = Path(__file__).resolve().parents[1]
HANDOFF_WORD = re.compile(r"(?<![_`\w])handoffs?(?![_`\w])", re.IGNORECASE)  # the word, not a key
BROKEN_ACRONYM = re.compile(r"\b[a-z][A-Z]{2,}")  # "sLA", "mQLs": an acronym lowered by its first letter


def _schema_text() -> list[str]:
    terms = (*measures.LEAK_CAUSES, *measures.FRICTION_SOURCES, *measures.LEAD_STATES)
    every = (*measures.MEASURES.values(), *measures.SERIES_MEASURES.values())
    return [*(m.label for m in every), *(m.meaning for m in every), *(t.label for t in terms),
            *(t.meaning for t in terms)]  # fmt: skip


def test_hand_off_is_spelt_one_way_in_the_schema_readme_and_docs():
    for text in _schema_text():
        assert not HANDOFF_WORD.search(text), text
    assert measures.term("cause", "handoff_lost").label == "Lost in the hand-off"
    for doc in ("README.md", "docs/model.md"):
        for n, line in enumerate((ROOT / doc).read_text(encoding="utf-8").splitlines(), 1):
            assert not HANDOFF_WORD.search(line), f"{doc}:{n}: {line}"


def test_generated_labels_keep_acronyms():
    assert measures.label("friction_by_source.sla_breach") == "Friction from SLA breaches"
    assert measures.label("friction_by_source.rejected_lead") == "Friction from leads rejected as junk"
    for text in _schema_text():
        assert not BROKEN_ACRONYM.search(text), text
    assert measures.in_sentence("MQLs never attempted") == "MQLs never attempted"
    assert measures.in_sentence("A lead") == "a lead"


def test_explain_fills_its_share_column_whether_or_not_the_total_is_clear():
    args = ["explain", "separate", "merged", "--measure", "mqls", "--reps", "2", "--workers", "1",
            "--days", "20", "--set", "market.prospects=600", "--set", "horizon.warmup_days=10"]  # fmt: skip
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    title = next(line for line in result.output.splitlines() if line.startswith("mqls:"))
    assert title.endswith("(clear)") or title.endswith("(not clear)"), title
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert rows, result.output
    shares = []
    for row in rows:
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert re.fullmatch(r"\d+%", cells[-1]), row  # never "-"
        shares.append(int(cells[-1][:-1]))
    assert abs(sum(shares) - 100) <= len(shares)  # rounded shares of the parts' sizes


def test_a_claim_carries_every_field_of_its_registry_entry():
    import dataclasses

    from orgsim.analyses.claims import Claim, ClaimEntry, Condition, load_claims

    assert {f.name for f in dataclasses.fields(Claim)} == set(ClaimEntry.model_fields)  # model_dump maps 1:1
    for c in load_claims():
        assert c.condition is None or isinstance(c.condition, Condition)
        assert isinstance(c.a, dict) and isinstance(c.carried_by, dict)


def test_the_older_option_names_are_gone_from_the_cli_module():
    import orgsim.cli

    assert not hasattr(orgsim.cli, "executor_options")  # use parallel_options / scheduler_options


def test_the_mesa_model_is_importable_from_the_package():
    import orgsim
    from orgsim.model.native import OrgSimModel

    assert orgsim.OrgSimModel is OrgSimModel and "OrgSimModel" in orgsim.__all__
