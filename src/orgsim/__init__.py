"""orgsim: simulate B2B marketing and sales under different org structures.

Quick start::

    from orgsim import simulate, compare
    result = simulate("aligned", seed=1)
    result.metrics["revenue"]
    table = compare(["separate", "merged", "aligned"], reps=20).summary()
"""

from orgsim.errors import InputError
from orgsim.experiment.compare import Comparison, compare
from orgsim.model.metrics import METRICS, RunResult
from orgsim.model.model import OrgModel
from orgsim.model.simulate import simulate
from orgsim.params import PARAMETERS, PRESETS, STRUCTURES, ParamSpec
from orgsim.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = [
    "METRICS",
    "PARAMETERS",
    "PRESETS",
    "STRUCTURES",
    "Comparison",
    "InputError",
    "OrgModel",
    "ParamSpec",
    "RunResult",
    "Scenario",
    "compare",
    "load_scenario",
    "simulate",
]
