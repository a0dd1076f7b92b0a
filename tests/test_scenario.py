"""Scenario resolution and validation: presets, files, overrides, and one-line errors."""

from __future__ import annotations

import pytest

from orgsim import PARAMETERS, PRESETS, InputError, load_scenario
from orgsim.scenario import parse_assignment


def test_presets_apply_their_policies():
    aligned = load_scenario("aligned")
    assert aligned.sla.enabled and aligned.sla.response_hours == PRESETS["aligned"]["sla.response_hours"]
    merged = load_scenario("merged")
    assert merged.policy.heads == 1 and merged.policy.specialisation < 1
    assert load_scenario("separate").policy.heads == 2


def test_every_scenario_file_loads():
    for name in ("separate", "merged", "aligned", "startup", "enterprise", "tough_times"):
        sc = load_scenario(f"scenarios/{name}.toml")
        assert sc.description


def test_structure_override_swaps_policies_and_keeps_context():
    startup = load_scenario("scenarios/startup.toml")
    as_aligned = startup.with_overrides({"structure": "aligned"})
    assert as_aligned.structure == "aligned" and as_aligned.sla.enabled
    assert as_aligned.market.deal_size == startup.market.deal_size  # context kept
    assert as_aligned.policy.heads == 2  # merged's single head is gone
    back = as_aligned.with_overrides({"structure": "merged"})
    assert back.flat() == startup.flat()


def test_structure_set_before_other_overrides():
    sc = load_scenario("separate", {"structure": "aligned", "sla.response_hours": 24})
    assert sc.sla.enabled and sc.sla.response_hours == 24


def test_file_values_override_the_preset(tmp_path):
    path = tmp_path / "hybrid.toml"
    path.write_text('structure = "merged"\n[policy]\nspecialisation = 1.0\n')
    sc = load_scenario(path)
    assert sc.policy.heads == 1 and sc.policy.specialisation == 1.0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "[sla]\nrespnse_hours = 3\n",
            "unknown parameter 'sla.respnse_hours'; did you mean 'sla.response_hours'?",
        ),
        ("[market]\nprospects = 'many'\n", "market.prospects: Input should be a valid integer"),
        ("[sla]\nresponse_hours = -1\n", "allowed: float in [0.1, 500] working hours"),
        (
            "structure = 'merge'\n",
            "allowed: separate, merged, aligned, defined, integrated; did you mean 'merged'?",
        ),
        ("[sales]\nprioritisation = 'random'\n", "one of 'cherry_pick', 'sla'"),
        ("[markt]\nprospects = 5\n", "unknown parameter 'markt.prospects'; did you mean 'market.prospects'?"),
        ("[market\nprospects = 5\n", "malformed TOML"),
        ("[sales]\nheadcount = true\n", "sales.headcount: true/false is not a number (got true)"),
    ],
)
def test_bad_files_get_one_line_errors(tmp_path, content, expected):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


def test_a_directory_or_binary_file_as_a_scenario_is_one_line(tmp_path):
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(InputError, match=r"dir.toml: is a directory, not a .toml file$"):
        load_scenario(folder)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"name = '\xff\xfe'\n")
    with pytest.raises(InputError, match=r"bin.toml: cannot read it: not UTF-8 text"):
        load_scenario(binary)


def test_a_section_set_to_a_value_names_its_parameters():
    with pytest.raises(InputError, match=r"^--set: 'sales' is a section, not a parameter") as info:
        parse_assignment("sales=5")
    assert "sales.headcount" in str(info.value) and "did you mean" not in str(info.value)


def test_missing_file_and_unknown_name():
    with pytest.raises(InputError, match="file not found"):
        load_scenario("nowhere/x.toml")
    with pytest.raises(InputError, match="no such scenario.*did you mean 'aligned'"):
        load_scenario("alinged")


def test_set_assignments_parse_as_toml_values():
    assert parse_assignment("sla.response_hours=4") == ("sla.response_hours", 4)
    assert parse_assignment("sla.enabled=true") == ("sla.enabled", True)
    assert parse_assignment("structure=merged") == ("structure", "merged")
    with pytest.raises(InputError, match="not of the form"):
        parse_assignment("sla.response_hours")
    with pytest.raises(InputError, match="did you mean 'sales.headcount'"):
        parse_assignment("sales.headcont=3")


def test_every_parameter_documents_unit_range_and_meaning():
    for key, spec in PARAMETERS.items():
        assert spec.unit, key
        assert spec.doc, key
        assert spec.choices or spec.type == "bool" or (spec.lo is not None and spec.hi is not None), key
        if spec.lo is not None and not isinstance(spec.default, bool):
            assert spec.lo <= spec.default <= spec.hi, key


def test_issue_override_keys_exist():
    for key in (
        "market.prospects",
        "marketing.headcount",
        "marketing.budget",
        "sales.headcount",
        "sla.response_hours",
        "sla.attempts",
    ):
        assert key in PARAMETERS


def test_shipped_scenarios_resolve_from_any_folder(tmp_path, monkeypatch):
    from orgsim.scenario import available, descriptions

    monkeypatch.chdir(tmp_path)
    for name in ("startup", "enterprise", "tough_times", "heterogeneous"):
        sc = load_scenario(name)
        assert sc.name == name and sc.description
        assert available()[name] == "shipped"
        assert descriptions()[name] == sc.description
    assert load_scenario("scenarios/startup.toml").flat() == load_scenario("startup").flat()


def test_a_local_scenario_file_wins_over_the_shipped_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "startup.toml").write_text('name = "mine"\nstructure = "merged"\n')
    from orgsim.scenario import available

    assert load_scenario("startup").name == "mine"
    assert available()["startup"].endswith("startup.toml")


def test_claims_run_in_the_shipped_scenarios_whatever_the_current_folder_holds(tmp_path, monkeypatch):
    """A user's ./scenarios/ (their own company, or a file named like a shipped one) never enters
    the claims: the verdicts do not depend on where orgsim runs."""
    from orgsim.analyses.claims import _pairs, load_claims, shipped_scenarios
    from orgsim.scenario import SHIPPED_DIR

    shipped = sorted(p.stem for p in SHIPPED_DIR.glob("*.toml"))
    monkeypatch.chdir(tmp_path)
    assert shipped_scenarios() == shipped  # once: only the structure presets here
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "acme.toml").write_text('name = "acme"\nstructure = "merged"\n')
    (tmp_path / "scenarios" / "tough_times.toml").write_text(
        'name = "mine"\nstructure = "merged"\n[market]\nprospects = 77\n'
    )
    assert shipped_scenarios() == shipped  # once: only the user's acme and tough_times
    claim = next(c for c in load_claims() if c.expressible and c.scenario == "tough_times")
    pairs = _pairs(claim, shipped_scenarios(), {}, flips=True)
    shipped_prospects = load_scenario(SHIPPED_DIR / "tough_times.toml").market.prospects
    assert [p.a.market.prospects for p in pairs if p.kind == "claim"] == [shipped_prospects]
    assert all(p.a.market.prospects != 77 for p in pairs) and "acme" not in {p.label for p in pairs}
