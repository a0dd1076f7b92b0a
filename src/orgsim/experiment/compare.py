"""Compare scenarios over seeded replications, with means and 95% confidence intervals.

Replication ``r`` uses the same seed in every scenario (common random numbers), so
differences between scenarios are not differences in luck.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim.errors import InputError
from orgsim.experiment.executors import default_workers, make_executor
from orgsim.experiment.seeds import run_seed
from orgsim.experiment.stats import mean_ci
from orgsim.model.metrics import METRICS, RunResult
from orgsim.model.simulate import as_scenario, simulate
from orgsim.scenario import Scenario


def _run(args: tuple[Scenario, int, int | None, bool]) -> RunResult:
    scenario, seed, days, series = args
    return simulate(scenario, seed=seed, days=days, series=series)


@dataclass
class Comparison:
    """Replicated runs of several scenarios: the runs, and a summary with CIs."""

    scenarios: list[Scenario]
    reps: int
    seed: int
    results: list[RunResult]

    @property
    def labels(self) -> list[str]:
        """One unique label per scenario, in the order given."""
        return _labels(self.scenarios)

    def runs(self) -> pd.DataFrame:
        """One row per run: scenario label, structure, replicate, seed, then every measure."""
        rows = []
        for i, res in enumerate(self.results):
            label = self.labels[i // self.reps]
            rows.append(
                {
                    "scenario": label,
                    "structure": res.structure,
                    "replicate": i % self.reps,
                    "seed": res.seed,
                    **res.flat(),
                }
            )
        return pd.DataFrame(rows)

    def series(self) -> pd.DataFrame:
        """Per-day series of every run (if kept), long format with scenario and replicate."""
        frames = []
        for i, res in enumerate(self.results):
            if res.series is not None:
                frames.append(
                    res.series.assign(
                        scenario=self.labels[i // self.reps], structure=res.structure, replicate=i % self.reps
                    )
                )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def summary(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Mean and 95% CI per scenario and measure: columns scenario, measure, mean, low, high."""
        runs = self.runs()
        cols = list(columns) if columns else [c for c in runs.columns if c in METRICS or "." in c]
        out = []
        for label in self.labels:
            part = runs[runs["scenario"] == label]
            for col in cols:
                mean, low, high = mean_ci(part[col].to_numpy(dtype=float))
                out.append({"scenario": label, "measure": col, "mean": mean, "low": low, "high": high})
        return pd.DataFrame(out)


def _labels(scenarios: Sequence[Scenario]) -> list[str]:
    labels: list[str] = []
    for sc in scenarios:
        label = sc.name
        while label in labels:
            label += "'"
        labels.append(label)
    return labels


def compare(
    scenarios: Sequence[Scenario | str | Path],
    reps: int = 20,
    seed: int = 0,
    days: int | None = None,
    overrides: dict[str, Any] | None = None,
    workers: int | None = None,
    series: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Comparison:
    """Run ``reps`` replications of each scenario in parallel processes and collect them."""
    resolved = [as_scenario(s, overrides) for s in scenarios]
    if reps < 1:
        raise InputError(f"--reps: {reps} is not allowed; use an integer >= 1")
    tasks = [(sc, run_seed(seed, r), days, series) for sc in resolved for r in range(reps)]
    results: list[RunResult] = []
    with make_executor("local", workers=min(workers or default_workers(), len(tasks))) as pool:
        for res in pool.map(_run, tasks):
            results.append(res)
            if progress:
                progress(1)
    return Comparison(resolved, reps, seed, results)
