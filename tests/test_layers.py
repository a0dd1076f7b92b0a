"""Imports point downward only: params -> scenario -> model -> experiment -> analyses -> presentation -> cli.

Every ``import`` in ``src/orgsim`` is read (top-level, inside functions and under
``TYPE_CHECKING`` alike); a module may import its own layer and the layers below it, never one
above. An exception would be named in ``ALLOWED`` with its reason; there is none (an analysis's
notebook table writes values with :mod:`orgsim.formats`, which is below every layer).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

LAYERS = ("base", "scenario", "model", "experiment", "analyses", "presentation", "cli")
"""Bottom to top. ``base``: the schema and helpers every layer uses (params, errors, measures, ...)."""

PACKAGES = {
    "scenario": "scenario",
    "model": "model",
    "experiment": "experiment",  # the machinery: designs, seeds, run loop, sweeps, storage, statistics
    "analyses": "analyses",  # compare, explain, claims, validate, calibrate, tornado, decide
    "company": "analyses",  # a client's facts as a scenario, checked with a short comparison
    "presentation": "presentation",
    "cli": "cli",
    "__main__": "cli",
}
"""orgsim's first-level modules and packages above ``base``, by layer."""

ALLOWED: set[tuple[str, str]] = set()


def layer(module: str) -> str:
    """The layer of an orgsim module (``orgsim.analyses.compare`` -> ``analyses``)."""
    parts = module.split(".")
    return PACKAGES.get(parts[1], "base") if len(parts) > 1 else "base"


def imports() -> list[tuple[str, str, int]]:
    """Every (importing module, imported orgsim module, line) in src/orgsim."""
    found = []
    for path in sorted((SRC / "orgsim").rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [(module, name, node.lineno) for name in names if name.split(".")[0] == "orgsim"]
    return found


def test_every_module_has_a_layer_and_the_machinery_is_apart():
    modules = {module for module, _, _ in imports()}
    assert "orgsim.analyses.compare" in modules and "orgsim.experiment.runner" in modules
    assert layer("orgsim.experiment.sweep") == "experiment"
    assert layer("orgsim.analyses.decide") == "analyses"
    assert layer("orgsim.params") == "base"
    assert not (SRC / "orgsim" / "experiment" / "compare.py").exists()  # no shim left behind


def test_imports_point_downward_only():
    upward = [
        f"{module}:{line} imports {name} ({layer(module)} -> {layer(name)})"
        for module, name, line in imports()
        if LAYERS.index(layer(name)) > LAYERS.index(layer(module)) and (module, name) not in ALLOWED
    ]
    assert upward == []


def test_each_allowed_exception_is_still_needed():
    used = {(module, name) for module, name, _ in imports()}
    assert [pair for pair in sorted(ALLOWED) if pair not in used] == []
