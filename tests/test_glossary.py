"""`orgsim glossary`: every defined word, one term, and a one-line error with a suggestion."""

from __future__ import annotations

import json

from click.testing import CliRunner

from orgsim import measures
from orgsim.cli import cli, main


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_list_holds_every_glossary_term_and_measure():
    listed = json.loads(invoke("glossary", "--json").stdout)
    assert set(measures.GLOSSARY) <= set(listed)
    assert {m.name for m in measures.METRIC_MEASURES} <= set(listed)


def test_one_term_ignores_case_and_finds_measures_containing_it():
    found = json.loads(invoke("glossary", "leakage", "--json").stdout)
    assert found["Leakage"]["meaning"] == measures.GLOSSARY["Leakage"]
    assert "leakage_rate" in found and found["leakage_rate"]["kind"] == "measure"
    assert set(json.loads(invoke("glossary", "MQL", "--json").stdout)) >= {"MQL", "mqls"}


def test_an_unknown_term_is_one_line_with_a_suggestion(capsys):
    try:
        main(["glossary", "contribtion"])
    except SystemExit as done:
        assert done.code == 2
    err = capsys.readouterr().err
    assert "did you mean 'Contribution'" in err and "Traceback" not in err and err.count("\n") == 1


def test_explain_with_one_word_points_a_glossary_term_to_the_glossary(capsys):
    for args, hint in ((["explain", "leakage"], True), (["explain", "separate"], False)):
        try:
            main(args)
        except SystemExit as done:
            assert done.code == 2
        err = capsys.readouterr().err
        assert "missing scenario B" in err and err.count("\n") == 1 and "Traceback" not in err
        assert ("orgsim glossary leakage" in err) is hint
