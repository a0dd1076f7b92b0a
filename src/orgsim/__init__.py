"""orgsim: simulate B2B marketing and sales under different org structures.

Quick start::

    from orgsim import simulate, compare
    result = simulate("aligned", seed=1)
    result.metrics["revenue"]
    table = compare(["separate", "merged", "aligned"], reps=20).summary()
    runs = load_runs(sweep("experiments/sla_response.toml", "out/sla"))

Names are imported on first use, so ``import orgsim`` (and every worker process) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "InputError": "orgsim.errors",
    "analyze": "orgsim.analyses.analyze",
    "calibrate": "orgsim.analyses.calibrate",
    "CompanyFacts": "orgsim.company",
    "company_scenario": "orgsim.company",
    "load_facts": "orgsim.analyses.validate",
    "load_targets": "orgsim.analyses.calibrate",
    "validate": "orgsim.analyses.validate",
    "Comparison": "orgsim.analyses.compare",
    "compare": "orgsim.analyses.compare",
    "Experiment": "orgsim.experiment.experiment",
    "load_experiment": "orgsim.experiment.experiment",
    "load_manifest": "orgsim.experiment.storage",
    "load_runs": "orgsim.experiment.storage",
    "load_series": "orgsim.experiment.storage",
    "sweep": "orgsim.experiment.sweep",
    "METRICS": "orgsim.model.metrics",
    "RunResult": "orgsim.model.metrics",
    "OrgModel": "orgsim.model.model",
    "OrgSimModel": "orgsim.model.native",
    "simulate": "orgsim.model.simulate",
    "PARAMETERS": "orgsim.params",
    "PRESETS": "orgsim.params",
    "STRUCTURES": "orgsim.params",
    "ParamSpec": "orgsim.params",
    "Scenario": "orgsim.scenario",
    "load_scenario": "orgsim.scenario",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'orgsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
