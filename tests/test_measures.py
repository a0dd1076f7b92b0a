"""The measure schema: it describes every column a run produces, and the CLI shows it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from orgsim import measures
from orgsim.cli import cli
from orgsim.model.metrics import METRICS, flat_columns
from orgsim.model.simulate import simulate

TINY = ["--days", "15", "--set", "market.prospects=800"]


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_schema_covers_every_column_a_real_run_produces():
    result = simulate("aligned", seed=1, days=10, overrides={"market.prospects": 500})
    columns = list(result.flat())
    assert columns == flat_columns()  # the model's declared columns are the ones it emits
    missing = [c for c in columns if c not in measures.MEASURES]
    assert not missing, f"measures without a schema entry: {missing}"
    for name in columns:
        m = measures.MEASURES[name]
        assert m.label and m.meaning and m.unit in measures.UNIT_WORDS, name
        assert m.better in ("higher", "lower", "none") and m.fmt
    # the model emits its METRICS in their order, and each is the schema's record
    assert list(result.metrics) == list(METRICS)
    assert all(METRICS[n] is measures.MEASURES[n] for n in METRICS)


def test_schema_has_no_column_the_model_does_not_know_except_announced_ones():
    extra = set(measures.MEASURES) - set(flat_columns())
    assert extra <= {"contribution"}  # announced by the lead, not yet emitted


def test_labels_are_unique_so_a_measure_has_one_name():
    labels = [m.label for m in measures.MEASURES.values()]
    assert len(labels) == len(set(labels))


def test_inputs_are_not_ranked():
    assert measures.better("coordination_hours") == "none"
    assert measures.better("friction_index") == "lower"
    assert measures.better("revenue") == "higher"


def test_every_leak_cause_and_friction_source_of_the_model_is_defined():
    from orgsim.model.friction import SOURCES, FrictionSource
    from orgsim.model.lifecycle import FUNNEL_STAGES, LeadState, LeakCause

    assert [t.key for t in measures.LEAK_CAUSES] == [c.name.lower() for c in LeakCause if c != LeakCause.NONE]
    assert [t.key for t in measures.FRICTION_SOURCES] == list(SOURCES) == [s.value for s in FrictionSource]
    assert [t.key for t in measures.LEAD_STATES][1:] == [s.name.lower() for s in LeadState]
    assert list(measures.FUNNEL_STAGES) == [s.name.lower() for s in LeadState if s <= LeadState.WON]
    assert FUNNEL_STAGES is measures.FUNNEL_STAGES  # defined once


def test_series_schema_covers_the_per_day_columns():
    result = simulate("separate", seed=0, days=5, series=True, overrides={"market.prospects": 300})
    assert result.series is not None
    assert set(result.series.columns) <= set(measures.SERIES_MEASURES)


def test_run_prints_a_legend_from_the_schema_and_json_carries_it():
    text = invoke("run", "separate", *TINY).output
    legend = text[text.index("legend") :]
    for name in METRICS:
        m = measures.MEASURES[name]
        assert name in legend and m.meaning in legend
    assert "↓ lower" in legend and "· neither" in legend
    data = json.loads(invoke("run", "separate", *TINY, "--json").stdout)
    assert data["measures"]["friction_index"]["better"] == "lower"
    assert data["measures"]["leaked.too_late"]["unit"] == "leads"
    assert set(data["measures"]) == set(flat_columns())


def test_compare_prints_a_legend_of_the_rows_shown():
    text = invoke("compare", "separate", "merged", "--reps", "2", "--workers", "1", "--quiet", *TINY).output
    legend = text[text.index("legend") :]
    assert measures.MEASURES["leakage_rate"].meaning in legend
    data = json.loads(
        invoke("compare", "separate", "--reps", "2", "--workers", "1", "--quiet", *TINY, "--json").output
    )
    assert data["measures"]["revenue"]["label"] == "Revenue"


def test_show_has_a_meaning_column_and_fits_100_columns():
    text = invoke("show", "aligned", "--set", "sla.attempts=8").output
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "meaning [source]" in text and "Simulated business days" in text
    assert "[assumption]" in text  # sources are printed, not swallowed as markup
    assert "8 attempts *" in text
    wide = invoke("show", "aligned", "--wide").output.splitlines()
    row = next(line for line in wide if line.lstrip().startswith("horizon.days"))
    assert "Simulated business days" in row  # one line per parameter


def test_schema_command_and_parquet_metadata_carry_the_units(tmp_path):
    import pyarrow.parquet as pq

    from orgsim.experiment.sweep import sweep

    data = json.loads(invoke("schema", "--json").stdout)
    runs_cols = {row["column"]: row for row in data if row["table"] == "runs"}
    assert set(flat_columns()) <= set(runs_cols) and runs_cols["leakage_rate"]["unit"] == "share"
    assert {row["column"] for row in data if row["table"] == "series"} >= {"run_id", "day", "tension"}
    assert max(len(line) for line in invoke("schema").output.splitlines()) <= 100
    (tmp_path / "exp.toml").write_text(
        'name = "u"\nscenarios = ["separate"]\ndesign = "factorial"\nreplications = 1\n'
        "days = 5\nseries = true\n"
        '[set]\n"market.prospects" = 300\n[factors]\nstructure = { levels = ["separate", "aligned"] }\n'
    )
    out = sweep(tmp_path / "exp.toml", tmp_path / "out", workers=1)
    runs = pq.read_schema(next((out / "runs").glob("part-*.parquet")))
    assert runs.field("revenue").metadata[b"unit"] == b"currency"
    assert runs.field("leaked.too_late").metadata[b"better"] == b"lower"
    series = pq.read_schema(next((out / "series").glob("part-*.parquet")))
    assert series.field("tension").metadata[b"unit"] == b"0-1"


def test_readme_glossary_defines_every_term_cause_and_source():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    glossary = readme[readme.index("## Glossary") :]
    for word in ("MQL", "SAL", "SQL", "Nurture", "Recycling"):
        assert f"**{word}**" in glossary
    for t in (*measures.LEAK_CAUSES, *measures.FRICTION_SOURCES):
        assert f"`{t.key}`" in glossary and t.meaning in glossary


def test_readme_column_dictionary_lists_every_measure_as_the_schema_says():
    """README's runs/ table is the schema's, row for row: no stale measure, none missing."""
    from pathlib import Path

    from orgsim.model.metrics import METRICS

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    table = readme[readme.index("| column | unit | better | meaning |") :]
    table = table[: table.index("\n\n")]
    listed = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    assert [name for name in listed if "<" not in name] == list(METRICS)
    for name in METRICS:
        m = measures.get(name)
        row = f"| `{name}` | {measures.UNIT_WORDS.get(m.unit, m.unit)} | {m.better} | {m.meaning} |"
        assert row in table, f"README row for {name} differs from orgsim/measures.py: {row}"


def test_bounds_come_from_the_schema_so_a_new_measure_needs_no_other_list():
    import math

    from orgsim.experiment.stats import bounds

    for m in measures.METRIC_MEASURES:
        lo, hi = bounds(m.name)
        assert (lo, hi) == m.bounds
        if m.signed:  # a difference of money, revenue minus cost: either sign
            assert m.unit == "currency" and (lo, hi) == (-math.inf, math.inf)
        elif m.unit in measures.UNIT_BOUNDS:
            assert lo == 0.0 and hi > lo
    assert [m.name for m in measures.METRIC_MEASURES if m.signed] == ["contribution", "customer_value"]
    assert bounds("leaked.unheard_of") == (0.0, math.inf)
    assert list(METRICS) == [m.name for m in measures.METRIC_MEASURES]
