"""orgsim: simulate B2B marketing and sales under different org structures.

Quick start::

    from orgsim import simulate, compare
    result = simulate("aligned", seed=1)
    result.metrics["revenue"]
    table = compare(["separate", "merged", "aligned"], reps=20).summary()
    runs = load_runs(sweep("experiments/sla_response.toml", "out/sla"))
"""

from orgsim.errors import InputError
from orgsim.experiment.analyze import analyze
from orgsim.experiment.compare import Comparison, compare
from orgsim.experiment.experiment import Experiment, load_experiment
from orgsim.experiment.storage import load_manifest, load_runs, load_series
from orgsim.experiment.sweep import sweep
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
    "Experiment",
    "InputError",
    "OrgModel",
    "ParamSpec",
    "RunResult",
    "Scenario",
    "analyze",
    "compare",
    "load_experiment",
    "load_manifest",
    "load_runs",
    "load_scenario",
    "load_series",
    "simulate",
    "sweep",
]
