"""Each part of the model reaches the model only through its protocol (``model/world.py``).

The model satisfies every protocol, and a protocol lists exactly the members its part's code
reads off its model (as ``self.model.x``, ``m.x`` or ``model.x``): a part that starts using more
of the model, or stops using something, says so there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from orgsim import load_scenario
from orgsim.model import world
from orgsim.model.model import OrgModel

MODEL = Path(__file__).resolve().parents[1] / "src" / "orgsim" / "model"

PARTS = {
    "customers": world.CustomersWorld,
    "desk": world.DeskWorld,
    "marketing": world.MarketingWorld,
    "organisation": world.OrganisationWorld,
    "outbound": world.OutboundWorld,
    "sla": world.SlaWorld,
}
"""Each part's module and the protocol its model is typed with."""


def members(protocol: type) -> set[str]:
    """The names a protocol lists, its bases' included."""
    names: set[str] = set()
    for cls in protocol.__mro__:
        if cls.__module__ == world.__name__:
            names |= set(cls.__annotations__) | {k for k in vars(cls) if not k.startswith("_")}
    return names


def reached(module: str) -> set[str]:
    """The members a module's code reads off its model."""
    tree = ast.parse((MODEL / f"{module}.py").read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        named = isinstance(owner, ast.Name) and owner.id in ("m", "model")
        held = isinstance(owner, ast.Attribute) and owner.attr == "model"  # self.model.x
        if named or held:
            out.add(node.attr)
    return out


def test_the_model_satisfies_every_part_s_protocol():
    model = OrgModel(load_scenario("aligned"), seed=1)
    for protocol in {*PARTS.values(), world.LeadWorld}:
        assert isinstance(model, protocol), protocol.__name__
    assert isinstance(model.baseline, world.Cohort)


@pytest.mark.parametrize("module", sorted(PARTS))
def test_a_part_s_protocol_lists_what_it_reaches_and_no_more(module):
    uses, listed = reached(module), members(PARTS[module])
    assert not uses - listed, f"model/{module}.py reads {sorted(uses - listed)} off its model (world.py)"
    assert not listed - uses, f"world.py lists {sorted(listed - uses)} that model/{module}.py never reads"
    assert f"model: {PARTS[module].__name__}" in (MODEL / f"{module}.py").read_text(encoding="utf-8")
