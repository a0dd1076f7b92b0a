"""Small real inputs for the chart and report tests: a real comparison and real sweep directories.

Sweeps are run by :func:`orgsim.sweep` itself (in this process, on a one-thread executor), so
the manifest, the runs and series tables are exactly what ``orgsim sweep`` writes; nothing is
hand-made. Runs are tiny (1,500 prospects, a few weeks) so the tests stay fast.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

from orgsim import Comparison, compare
from orgsim.experiment import sweep as sweep_module

# a short warm-up: these tests check charts and reports drawn from real runs, not a going concern
TINY = {"market.prospects": 1500, "horizon.warmup_days": 20}
DAYS = 40


def small_comparison(
    structures: tuple[str, ...] = ("separate", "merged", "aligned"), reps: int = 3, seed: int = 0
) -> Comparison:
    """``compare(structures, reps, days=DAYS, series=True)`` on a tiny market, one worker."""
    return compare(list(structures), reps=reps, seed=seed, days=DAYS, overrides=TINY, workers=1, series=True)


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("model blew up")


def _failing(run_id: int) -> Any:
    """``sweep.execute`` whose model raises in run ``run_id`` only (in-process executors)."""
    real = sweep_module.execute

    def execute(scenario: Any, spec: Any, series: bool) -> Any:
        if spec.run_id != run_id:
            return real(scenario, spec, series)
        with mock.patch.object(sweep_module, "simulate", _boom):
            return real(scenario, spec, series)

    return execute


def make_sweep_dir(
    path: Path,
    design: str,
    factors: dict[str, Any],
    structures: tuple[str, ...] = ("separate", "aligned"),
    reps: int = 2,
    n: int = 8,
    seed: int = 7,
    series: bool = False,
    fail_one: bool = False,
    days: int = DAYS,
    structure_factor: bool = True,
    held: dict[str, Any] | None = None,
) -> Path:
    """Run a real sweep into ``path``: ``factors`` maps dotted keys to levels or ``(lo, hi)`` ranges.

    With several ``structures`` they are a ``structure`` factor (``structure_factor``) or the
    base scenarios; ``n`` is the sample size of lhs/sobol/morris designs. ``fail_one`` makes
    the model raise in the last run, which the sweep records as a failed run. ``held`` replaces
    the parameters held fixed (default :data:`TINY`).
    """
    spec: dict[str, Any] = {}
    if len(structures) > 1 and structure_factor:
        spec["structure"] = {"levels": list(structures)}
    for key, values in factors.items():
        spec[key] = {"levels": list(values)} if design == "factorial" else {"range": list(values)}
    experiment: dict[str, Any] = {
        "name": f"test-{design}",
        "description": f"A tiny {design} sweep for tests.",
        "scenarios": [structures[0]] if structure_factor else list(structures),
        "design": design,
        "replications": reps,
        "days": days,
        "seed": seed,
        "series": series,
        "set": dict(TINY if held is None else held),
        "factors": spec,
    }
    if design != "factorial":
        experiment["samples"] = n
    exp = sweep_module.as_experiment(experiment)
    if not fail_one:
        return sweep_module.sweep(exp, path, executor=ThreadPoolExecutor(1))
    with mock.patch.object(sweep_module, "execute", _failing(exp.runs()[-1].run_id)):
        return sweep_module.sweep(exp, path, executor=ThreadPoolExecutor(1))
