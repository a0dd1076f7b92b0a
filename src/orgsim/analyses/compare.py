"""Compare scenarios over seeded replications, with means and 95% confidence intervals.

Replication ``r`` uses the same seed in every scenario (common random numbers), so
differences between scenarios are not differences in luck: :meth:`Comparison.differences`
gives each scenario's paired difference to a baseline, seed by seed, with its 95% CI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.errors import InputError
from orgsim.experiment.observables import measure_of
from orgsim.experiment.runner import run_scenarios
from orgsim.experiment.seeds import run_seed
from orgsim.experiment.stats import Difference, measure_ci, paired_difference
from orgsim.limits import check_days
from orgsim.model.metrics import METRICS, RunResult
from orgsim.model.simulate import as_scenario
from orgsim.scenario import Scenario

HTML_MEASURES = (
    "contribution",
    "revenue",
    "won_deals",
    "win_rate",
    "cost",
    "friction_index",
    "leakage_rate",
    "median_response_hours",
)
"""Rows of a comparison's notebook table (those present in the runs)."""

MAX_RUNS = 100_000  # a comparison holds every run in memory; `orgsim sweep` streams more to disk


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

    def __repr__(self) -> str:
        """One line: how many scenarios and replications, the seed and the labels."""
        names = ", ".join(self.labels)
        return f"Comparison({len(self.scenarios)} scenarios x {self.reps} reps, seed {self.seed}: {names})"

    def _repr_html_(self) -> str:
        """A notebook table: headline measures' means with 95% CIs, and paired differences."""
        import html

        from orgsim import measures
        from orgsim.formats import fmt_ci

        runs = self.runs()
        shown = [m for m in HTML_MEASURES if m in runs]
        summary = self.summary(shown).set_index(["scenario", "measure"])
        diffs = None
        if len(self.labels) > 1:
            diffs = self.differences(columns=shown).set_index(["scenario", "measure"])
        base = self.labels[0]
        head = "".join(f"<th>{html.escape(lab)}</th>" for lab in self.labels)
        body = []
        for m in shown:
            cells = []
            for lab in self.labels:
                row = summary.loc[(lab, m)]
                text = fmt_ci(m, row["mean"], row["ci_low"], row["ci_high"])
                if diffs is not None and lab != base:
                    d = diffs.loc[(lab, m)]
                    sure = "clear" if d["ci_low"] > 0 or d["ci_high"] < 0 else "not clear"
                    ci = fmt_ci(m, d["mean"], d["ci_low"], d["ci_high"])
                    text += f"<br><small>vs {html.escape(base)}: {ci} ({sure})</small>"
                cells.append(f"<td>{text}</td>")
            unit = measures.UNIT_WORDS.get(measures.unit(m), measures.unit(m))
            name = html.escape(f"{measures.label(m)} ({unit})" if unit else measures.label(m))
            body.append(f"<tr><th style='text-align:left'>{name}</th>{''.join(cells)}</tr>")
        return (
            f"<p><b>{html.escape(repr(self))}</b><br>mean [95% CI] over replications; under each "
            f"challenger, its paired difference to {html.escape(base)} (same seeds) and whether its CI "
            "excludes zero (clear).</p>"
            f"<table><tr><th>measure</th>{head}</tr>{''.join(body)}</table>"
        )

    def summary(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Mean and 95% CI per scenario and measure: columns scenario, measure, mean, ci_low, ci_high, n.

        The CI columns are named as in :meth:`differences`. ``n`` counts the runs where the measure
        is defined: a ratio with a zero denominator (no decided opportunity for ``win_rate``) is
        NaN in its run and left out of the mean and CI.
        """
        runs = self.runs()
        cols = list(columns) if columns else [c for c in runs.columns if c in METRICS or "." in c]
        out = []
        for label in self.labels:
            part = runs[runs["scenario"] == label]
            for col in cols:
                values = part[col].to_numpy(dtype=float)
                mean, low, high = measure_ci(values, col)
                n = int(np.count_nonzero(~np.isnan(values)))
                out.append(
                    {"scenario": label, "measure": col, "mean": mean, "ci_low": low, "ci_high": high, "n": n}
                )
        return pd.DataFrame(out)

    def values(self, label: str, measure: str) -> np.ndarray:
        """One scenario's values of ``measure``, one per replicate in replicate order."""
        index = self._index(label)
        rows = self.results[index * self.reps : (index + 1) * self.reps]
        return np.array([measure_of(res, measure) for res in rows], dtype=float)

    def difference(self, label: str, measure: str, baseline: str | None = None) -> Difference:
        """Paired difference ``label - baseline`` in ``measure`` (baseline: the first scenario)."""
        base = self.labels[0] if baseline is None else baseline
        return paired_difference(self.values(base, measure), self.values(label, measure), measure=measure)

    def differences(self, baseline: str | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Paired difference to ``baseline`` of every other scenario, per measure.

        Columns: scenario, baseline, measure, mean, ci_low, ci_high, n. ``mean`` is the
        mean over replicates of (scenario - baseline) with the same seed; CIs are 95%.
        """
        base = self.labels[0] if baseline is None else baseline
        self._index(base)
        cols = list(columns) if columns else [c for c in self.runs().columns if c in METRICS or "." in c]
        out = []
        for label in self.labels:
            if label == base:
                continue
            for col in cols:
                d = self.difference(label, col, base)
                out.append(
                    {
                        "scenario": label,
                        "baseline": base,
                        "measure": col,
                        "mean": d.mean,
                        "ci_low": d.ci_low,
                        "ci_high": d.ci_high,
                        "n": d.n,
                    }
                )
        return pd.DataFrame(out)

    def _index(self, label: str) -> int:
        if label not in self.labels:
            raise InputError(
                f"--baseline: {label!r} is not one of the scenarios; allowed: {', '.join(self.labels)}"
            )
        return self.labels.index(label)


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
    scheduler: str | None = None,
) -> Comparison:
    """Run ``reps`` replications of each scenario (on ``workers`` processes or a Dask ``scheduler``)."""
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise InputError(f"--reps: {reps!r} is not allowed; use an integer >= 1")
    n_runs = len(scenarios) * reps
    if n_runs > MAX_RUNS:
        raise InputError(
            f"--reps: {len(scenarios)} scenario(s) x {reps:,} replications = {n_runs:,} runs; a comparison "
            f"holds at most {MAX_RUNS:,} in memory; use `orgsim sweep`, which streams runs to disk"
        )
    check_days(days)
    resolved = [as_scenario(s, overrides) for s in scenarios]
    tasks = [(sc, run_seed(seed, r)) for sc in resolved for r in range(reps)]
    results = run_scenarios(
        tasks, days=days, workers=workers, series=series, progress=progress, scheduler=scheduler
    )
    return Comparison(resolved, reps, seed, results)
