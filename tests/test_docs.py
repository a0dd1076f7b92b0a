"""docs/model.md stays true to the code: every parameter, state, cause and source is described."""

from __future__ import annotations

from pathlib import Path

from orgsim import PARAMETERS
from orgsim.model.friction import SOURCES
from orgsim.model.lifecycle import LeadState, LeakCause

DOC = (Path(__file__).parent.parent / "docs" / "model.md").read_text()


def test_every_parameter_is_in_the_parameter_table():
    missing = [key for key in PARAMETERS if f"`{key}`" not in DOC]
    assert not missing, missing


def test_every_parameter_default_is_documented():
    for key, spec in PARAMETERS.items():
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{key}` |"))
        default = (
            f"{spec.default:,}" if not isinstance(spec.default, (bool, str)) else str(spec.default).lower()
        )
        assert f"| {default} |" in row, (key, row)


def test_every_state_cause_and_friction_source_is_described():
    for name in (
        [s.name.lower() for s in LeadState] + [c.name.lower() for c in LeakCause if c] + list(SOURCES)
    ):
        assert name in DOC, name


def test_readme_documents_every_per_lead_column():
    from orgsim.model.lifecycle import LEAD_COLUMNS

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    missing = [name for name, meaning in LEAD_COLUMNS.items() if f"| `{name}` | {meaning} |" not in readme]
    assert not missing, missing


def test_the_gallery_readme_names_every_file_in_the_gallery():
    gallery = Path(__file__).parent.parent / "docs" / "gallery"
    readme = (gallery / "README.md").read_text()
    unnamed = [p.name for p in gallery.iterdir() if p.name != "README.md" and p.name not in readme]
    assert not unnamed, unnamed
