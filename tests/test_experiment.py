"""Experiment files: validated like scenarios, one clear line per mistake, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgsim.errors import InputError
from orgsim.experiment.experiment import load_experiment, parse_experiment
from orgsim.experiment.seeds import run_seed

GOOD = """
name = "good"
scenarios = ["separate"]
design = "factorial"
replications = 3
seed = 7
days = 15
[set]
"market.prospects" = 600
[factors]
structure = { levels = ["separate", "merged", "aligned"] }
"sla.response_hours" = { levels = [2, 48] }
"""
HEAD, FACTORS = GOOD.split("[factors]\n")


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_experiment(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message  # names the file
    assert "\n" not in message
    return message


def test_a_good_file_loads():
    exp = parse_experiment(
        {
            "scenarios": ["separate"],
            "replications": 3,
            "seed": 7,
            "factors": {"structure": {"levels": ["separate", "merged"]}, "sla.response_hours": [2, 48]},
        }
    )
    assert len(exp.points()) == 4 and len(exp.runs()) == 12
    assert [f.kind for f in exp.factors] == ["categorical", "real"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('design = "factorial"', 'design = "grid"'),
            "design: Input should be 'factorial', 'lhs', 'sobol' or 'morris' (got 'grid')",
        ),
        (
            ("replications = 3", "replications = 0"),
            "replications: Input should be greater than or equal to 1 (got 0); allowed: an integer in [1,",
        ),
        (
            ("replications = 3", "replications = 2.5"),
            "replications: Input should be a valid integer (got 2.5)",
        ),
        (('design = "factorial"', 'design = "lhs"'), "samples: the lhs design needs a sample size"),
        (('design = "factorial"', 'design = "sobol"\nsamples = 10'), "use a power of 2 (e.g. 8 or 16)"),
        (
            ('design = "factorial"', 'design = "morris"\nsamples = 2\nnum_levels = 1'),
            "num_levels: Input should be greater than or equal to 2 (got 1); allowed: an integer in [2,",
        ),
        (
            ("seed = 7", "seed = -1"),
            "seed: Input should be greater than or equal to 0 (got -1); allowed: an integer in [0, 2,147,",
        ),
        (
            ("days = 15", "days = 0"),
            "days: Input should be greater than or equal to 1 (got 0); allowed: an integer >= 1",
        ),
        (
            ("days = 15", "days = 15\nseries = 1"),
            "series: Input should be a valid boolean (got 1); allowed: true or false",
        ),
        (
            ("days = 15", 'days = 15\nmetrics = ["revenu"]'),
            "unknown measure 'revenu'; did you mean 'revenue'?",
        ),
        (("days = 15", 'days = 15\ncolour = "red"'), "unknown entry 'colour'; allowed: name, description,"),
        (('name = "good"', "name = 3"), "name: Input should be a valid string (got 3)"),
        (('["separate"]', '["separat"]'), "scenarios: separat: no such scenario"),
        (('["separate"]', '["nowhere.toml"]'), "nowhere.toml: file not found"),
        (('["separate"]', '["separate", "separate"]'), "two base scenarios share the name"),
        (('"market.prospects" = 600', '"market.prospect" = 600'), "did you mean 'market.prospects'?"),
        (
            ('"market.prospects" = 600', '"market.prospects" = 10'),
            "market.prospects: Input should be greater",
        ),
        (('"market.prospects" = 600', '"horizon.days" = 30'), "days and set.horizon.days both give"),
    ],
)
def test_bad_entries_name_file_field_and_what_is_allowed(tmp_path, change, message):
    old, new = change
    assert old in GOOD
    assert message in error_of(tmp_path, GOOD.replace(old, new, 1))


@pytest.mark.parametrize(
    ("factor", "message"),
    [
        ('"sla.respnse_hours" = { levels = [1] }', "unknown parameter 'sla.respnse_hours'; did you mean"),
        ('"sla.response_hours" = { levels = [-5] }', "sla.response_hours: Input should be greater than or"),
        ('"sales.headcount" = { levels = [2, 2000] }', "allowed: int in [0, 100] people"),
        ('"sales.headcount" = { levels = [2.5] }', "valid integer"),
        ('"sales.prioritisation" = { levels = ["sla", "gut"] }', "allowed: one of 'cherry_pick', 'sla'"),
        ('structure = { levels = ["flat"] }', "'flat' is not a structure; allowed: separate, merged"),
        ('"sales.headcount" = { range = [2, 9] }', "a factorial design needs levels"),
        ('"sales.headcount" = { levels = [] }', "levels: a non-empty list"),
        ('"sales.headcount" = { levels = [2, 2] }', "levels: 2 is repeated"),
        ('"sla.response_hours" = { levels = [2, 2.0] }', "levels: 2 is repeated; each level once"),
        ('"sales.headcount" = { levels = [[2]] }', "numbers, true/false or names only"),
        ('"sales.headcount" = { steps = 3 }', "unknown entry 'steps'; allowed: levels, range"),
        ('"sales.headcount" = { levels = [2], range = [1, 3] }', "give exactly one of levels or range"),
        ('"sales.headcount" = 3', "use { levels = [...] } or { range = [low, high] }"),
    ],
)
def test_bad_factors(tmp_path, factor, message):
    assert message in error_of(tmp_path, HEAD + "[factors]\n" + factor + "\n")


@pytest.mark.parametrize(
    ("factor", "message"),
    [
        ('"sla.response_hours" = { range = [48, 2] }', "range: low 48 must be below high 2"),
        ('"sla.response_hours" = { range = [1, 100000] }', "sla.response_hours: Input should be less than"),
        ('"sla.response_hours" = { range = [1] }', "use [low, high] with two numbers"),
        ('"sales.prioritisation" = { range = [0, 1] }', "sales.prioritisation is not numeric; give levels"),
        ("structure = { range = [0, 1] }", "structure is not numeric; give levels"),
    ],
)
def test_bad_ranges(tmp_path, factor, message):
    head = HEAD.replace('design = "factorial"', 'design = "lhs"\nsamples = 4')
    assert message in error_of(tmp_path, head + "[factors]\n" + factor + "\n")


def test_a_factor_without_levels_for_a_sampling_design(tmp_path):
    head = HEAD.replace('design = "factorial"', 'design = "sobol"\nsamples = 4')
    assert "factors: the sobol design needs factors" in error_of(tmp_path, head)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_experiment(tmp_path / "missing.toml")
    assert "malformed TOML" in error_of(tmp_path, GOOD + "x = [")


def test_bad_files_exit_2_with_one_line_from_the_cli(tmp_path, capsys):
    from orgsim.cli import main

    for text in [GOOD.replace("replications = 3", "replications = 0"), GOOD + "x = ["]:
        path = write(tmp_path, text)
        with pytest.raises(SystemExit) as info:
            main(["sweep", str(path), "--out", str(tmp_path / "out"), "--dry-run"])
        err = capsys.readouterr().err
        assert info.value.code == 2
        assert err.startswith(f"orgsim: error: {path}: ") and err.count("\n") == 1, err
        assert not (tmp_path / "out").exists()


def test_levels_take_the_parameters_types(tmp_path):
    text = HEAD + '[factors]\n"sales.headcount" = { levels = ["4", 6] }\n"sla.enabled" = [true, false]\n'
    exp = load_experiment(write(tmp_path, text))
    assert exp.factors[0].levels == (4, 6) and exp.factors[0].kind == "integer"
    assert exp.factors[1].levels == (True, False) and exp.factors[1].kind == "categorical"


def test_unquoted_dotted_keys_are_read_as_dotted_keys(tmp_path):
    text = HEAD.replace('"market.prospects" = 600', "market.prospects = 600") + (
        "[factors]\nsla.response_hours = { levels = [2, 48] }\nsales = { headcount = [2, 3] }\n"
    )
    exp = load_experiment(write(tmp_path, text))
    assert [f.key for f in exp.factors] == ["sla.response_hours", "sales.headcount"]
    assert exp.scenarios[0].market.prospects == 600


def test_days_is_the_horizon_and_a_horizon_factor_varies_it(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    assert exp.scenarios[0].horizon.days == 15
    text = HEAD + '[factors]\n"horizon.days" = { levels = [5, 10] }\n'
    exp = load_experiment(write(tmp_path, text, "horizon.toml"))
    assert [p["horizon.days"] for p in exp.points()] == [5, 10]


def test_scenario_files_are_found_next_to_the_experiment(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mine.toml").write_text(
        'name = "mine"\nstructure = "aligned"\n[market]\nprospects = 900\n'
    )
    exp = load_experiment(write(tmp_path / "sub", GOOD.replace('["separate"]', '["mine.toml", "merged"]')))
    assert [sc.name for sc in exp.scenarios] == ["mine", "merged"]
    assert exp.scenarios[0].structure == "aligned" and exp.scenarios[0].market.prospects == 600  # [set] wins
    assert len(exp.runs()) == 2 * 6 * 3
    assert {s.scenario for s in exp.runs()} == {"mine", "merged"}


def test_seeds_are_common_to_the_structures_of_a_setting(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    specs = exp.runs()
    assert [s.run_id for s in specs] == list(range(18))
    # points: structure x sla.response_hours (2, 48); a setting is one sla level, 3 replicates each
    by_setting: dict[tuple[int, int], set[int]] = {}
    for s in specs:
        by_setting.setdefault((s.values["sla.response_hours"], s.replicate), set()).add(s.seed)
    assert all(len(seeds) == 1 for seeds in by_setting.values())  # one seed per setting and replicate
    assert len({s.seed for s in specs}) == 6  # 2 settings x 3 replicates, shared by 3 structures
    sla2 = [s for s in specs if s.values["sla.response_hours"] == 2 and s.values["structure"] == "merged"]
    assert [s.seed for s in sla2] == [run_seed(7, r) for r in range(3)]
    assert [(s.design_point, s.replicate) for s in specs[:4]] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    other = load_experiment(write(tmp_path, GOOD.replace("seed = 7", "seed = 8"), "other.toml"))
    assert [s.seed for s in specs] != [s.seed for s in other.runs()]


def test_the_hash_follows_what_decides_the_results(tmp_path):
    base = load_experiment(write(tmp_path, GOOD)).hash()
    same = [
        GOOD.replace('name = "good"', 'name = "renamed"\ndescription = "words"'),
        GOOD.replace("days = 15", 'days = 15\nmetrics = ["revenue"]'),
    ]
    differ = [
        GOOD.replace("seed = 7", "seed = 8"),
        GOOD.replace("days = 15", "days = 16"),
        GOOD.replace("[2, 48]", "[2, 47]"),
        GOOD.replace('"market.prospects" = 600', '"market.prospects" = 601'),
        GOOD.replace("days = 15", "days = 15\nseries = true"),
    ]
    for i, text in enumerate(same):
        assert load_experiment(write(tmp_path, text, f"same{i}.toml")).hash() == base
    for i, text in enumerate(differ):
        assert load_experiment(write(tmp_path, text, f"differ{i}.toml")).hash() != base


def test_shipped_experiments_are_valid_and_say_what_they_ask():
    shipped = sorted(Path("experiments").glob("*.toml"))
    names = {p.stem for p in shipped}
    assert {"structures", "sla_response", "headcount_volume", "tough_times", "sensitivity"} <= names
    for path in shipped:
        exp = load_experiment(path)
        assert exp.description and len(exp.runs()) > 0
        assert path.read_text().startswith("#"), f"{path} should open with a comment saying what it asks"
    sla = load_experiment("experiments/sla_response.toml")
    hours = sla.factors[0].levels
    assert sla.factors[0].key == "sla.response_hours" and min(hours) == 1 and max(hours) == 96
    sobol = load_experiment("experiments/sensitivity.toml")
    assert sobol.design == "sobol" and "structure" in [f.key for f in sobol.factors]
    assert len(sobol.factors) >= 10
