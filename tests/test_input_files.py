"""Every input file is read by a pydantic model and reports through one formatter.

Each mistake is one line naming the file, the field and what is allowed (or the nearest name),
so the shape of a message is the same whichever file it comes from.
"""

from __future__ import annotations

import pytest

from orgsim.analyses.calibrate import TOP_KEYS as TARGET_KEYS
from orgsim.analyses.calibrate import parse_targets
from orgsim.analyses.claims import load_claims
from orgsim.analyses.validate import load_facts
from orgsim.errors import InputError, nearest, suggest
from orgsim.experiment.experiment import TOP_KEYS, parse_experiment

TARGETS = {"targets": {"win_rate": 0.2}, "parameters": {"sales.win_rate": [0.1, 0.3]}}
FACT = 'name = "x"\nmeasure = "win_rate"\nkind = "level"\nlow = 0.1\nhigh = 0.2\n'
CLAIM = (
    'id = "x"\nclaim = "c"\nquote = "q"\nsource = "s"\nmeasure = "win_rate"\ndirection = 1\nmissing = "m"\n'
)


def message(call, *args) -> str:
    with pytest.raises(InputError) as info:
        call(*args)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_suggest_names_the_nearest_option_or_says_nothing():
    assert suggest("revenu", ["revenue", "cost"]) == "; did you mean 'revenue'?"
    assert suggest("zzz", ["revenue", "cost"]) == ""
    assert suggest("zzz", ["revenue"], otherwise="; see x") == "; see x"
    assert nearest("mergd", ["separate", "merged"]) == "merged"


def test_an_unknown_entry_lists_the_fields_and_the_nearest_one_in_every_file(tmp_path):
    exp = message(parse_experiment, {"replicatons": 2}, "exp.toml")
    assert exp.startswith("exp.toml: unknown entry 'replicatons'; allowed: " + ", ".join(TOP_KEYS))
    assert exp.endswith("did you mean 'replications'?")
    targets = message(parse_targets, {**TARGETS, "sed": 1}, "t.toml")
    assert targets.startswith("t.toml: unknown entry 'sed'; allowed: " + ", ".join(TARGET_KEYS))
    assert targets.endswith("did you mean 'seed'?")
    entry = message(
        parse_targets, {**TARGETS, "targets": {"win_rate": {"value": 0.2, "wieght": 2}}}, "t.toml"
    )
    assert "t.toml: targets.win_rate: unknown entry 'wieght'; allowed: value, range" in entry
    facts = tmp_path / "facts.toml"
    facts.write_text("[[fact]]\n" + FACT + "sorce = 'a'\n")
    fact = message(load_facts, facts)
    assert fact.startswith(f"{facts}: fact 1 (x): unknown entry 'sorce'; allowed: name, measure")
    assert fact.endswith("did you mean 'source'?")
    claims = tmp_path / "claims.toml"
    claims.write_text("[[claim]]\n" + CLAIM + "scenaro = 'x'\n")
    claim = message(load_claims, claims)
    assert claim.startswith(f"{claims}: claim 'x': unknown entry 'scenaro'; allowed: id, claim")


def test_a_wrong_value_names_the_field_the_value_and_what_is_allowed(tmp_path):
    assert (
        "t.toml: seed: Input should be greater than or equal to 0 (got -1); allowed: an integer in [0,"
        in (message(parse_targets, {**TARGETS, "seed": -1}, "t.toml"))
    )
    weight = message(
        parse_targets, {**TARGETS, "targets": {"win_rate": {"value": 0.2, "weight": 0}}}, "t.toml"
    )
    assert "targets.win_rate.weight:" in weight and "(got 0); allowed: a number > 0" in weight
    assert "structures.0:" in message(parse_targets, {**TARGETS, "structures": ["flat"]}, "t.toml")
    assert "did you mean 'lhs'?" in message(parse_experiment, {"design": "lsh"}, "exp.toml")
    facts = tmp_path / "facts.toml"
    facts.write_text("[[fact]]\n" + FACT.replace('"level"', '"levle"'))
    assert (
        "fact 1 (x): kind: Input should be 'level', 'ratio' or 'band' (got 'levle'); did you mean 'level'?"
        in (message(load_facts, facts))
    )
    claims = tmp_path / "claims.toml"
    claims.write_text("[[claim]]\n" + CLAIM.replace("direction = 1", "direction = 2"))
    assert "claim 'x': direction: Input should be 1 or -1 (got 2)" in message(load_claims, claims)
    claims.write_text("[[claim]]\n" + CLAIM.replace('quote = "q"\n', ""))
    assert "claim 'x': quote: Field required" in message(load_claims, claims)


def test_the_shipped_files_read_cleanly():
    assert load_claims() and load_facts()
