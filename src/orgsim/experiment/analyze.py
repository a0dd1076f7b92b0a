"""Analyse a sweep: means with 95% CIs per design point, and Sobol or Morris indices.

The sensitivity indices use SALib's ``analyze`` on the design points' mean results, in the
order the sampler produced them (``design_point``), with bootstrap confidence intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.errors import InputError
from orgsim.experiment.design import salib_problem
from orgsim.experiment.experiment import Factor
from orgsim.experiment.stats import mean_ci
from orgsim.experiment.storage import load_manifest, load_runs
from orgsim.model.metrics import METRICS

DEFAULT_MEASURES = ("revenue", "profit", "friction_index", "leakage_rate", "win_rate", "leaked_revenue")


@dataclass
class Analysis:
    """What a sweep found: per-point summaries and, for Sobol/Morris designs, indices."""

    design: str
    points: pd.DataFrame
    sensitivity: pd.DataFrame | None
    failed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN as None)."""

        def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
            if frame is None:
                return None
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

        return {
            "design": self.design,
            "failed_runs": self.failed,
            "points": records(self.points),
            "sensitivity": records(self.sensitivity),
        }


def factors_of(manifest: dict[str, Any]) -> list[Factor]:
    """The sweep's factors, from its manifest."""
    out = []
    for key, spec in manifest["experiment"]["factors"].items():
        if "levels" in spec:
            out.append(Factor(key, levels=tuple(spec["levels"])))
        else:
            lo, hi = spec["range"]
            out.append(Factor(key, lo=lo, hi=hi))
    return out


def point_summary(runs: pd.DataFrame, factors: list[Factor], measures: Sequence[str]) -> pd.DataFrame:
    """Per base scenario and design point: the factor values, runs, and mean/low/high per measure."""
    ok = runs[runs["status"] == "ok"]
    keys = [f.key for f in factors if f.key in ok.columns]
    rows = []
    for (scenario, point), part in ok.groupby(["scenario", "design_point"], sort=True):
        row: dict[str, Any] = {"scenario": scenario, "design_point": int(point), "runs": len(part)}
        row.update({k: part[k].iloc[0] for k in keys})
        for m in measures:
            mean, low, high = mean_ci(part[m].to_numpy(dtype=float))
            row.update({f"{m}.mean": mean, f"{m}.low": low, f"{m}.high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def sensitivity(runs: pd.DataFrame, manifest: dict[str, Any], measures: Sequence[str]) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices with 95% CIs per measure and factor.

    Uses the first base scenario's design points; every point needs at least one good run.
    """
    exp = manifest["experiment"]
    design = exp["design"]
    if design not in ("sobol", "morris"):
        raise ValueError(f"sensitivity indices need a sobol or morris design, not {design}")
    factors = factors_of(manifest)
    problem = salib_problem(factors)
    part = runs[runs["status"] == "ok"]
    if "scenario" in part and part["scenario"].nunique() > 1:  # the first base scenario's points
        part = part[part["scenario"] == next(iter(exp["scenarios"]))]
    means = part.groupby("design_point")[list(measures)].mean().sort_index()
    expected = int(runs["design_point"].max()) + 1
    if len(means) != expected:
        raise ValueError(f"{expected - len(means)} design points have no successful run")
    frames = []
    for measure in measures:
        y = means[measure].to_numpy(dtype=float)
        if design == "sobol":
            from SALib.analyze import sobol as sobol_analyze

            res = sobol_analyze.analyze(
                problem, y, calc_second_order=bool(exp.get("calc_second_order")), seed=exp.get("seed", 0)
            )
            frame = pd.DataFrame(
                {
                    "factor": problem["names"],
                    "S1": res["S1"],
                    "S1_conf": res["S1_conf"],
                    "ST": res["ST"],
                    "ST_conf": res["ST_conf"],
                }
            )
        else:
            from SALib.analyze import morris as morris_analyze

            x = _design_matrix(part, factors, means.index)
            res = morris_analyze.analyze(
                problem, x, y, num_levels=int(exp.get("num_levels", 4)), seed=exp.get("seed", 0)
            )
            frame = pd.DataFrame(
                {
                    "factor": problem["names"],
                    "mu_star": res["mu_star"],
                    "mu_star_conf": res["mu_star_conf"],
                    "sigma": res["sigma"],
                }
            )
        frames.append(frame.assign(measure=measure))
    return pd.concat(frames, ignore_index=True)


def _design_matrix(runs: pd.DataFrame, factors: list[Factor], points: pd.Index) -> np.ndarray:
    """The sampled coordinates per design point (levels as their index)."""
    first = runs.groupby("design_point").first().loc[points]
    cols = []
    for f in factors:
        col = first[f.key]
        if f.levels is not None:
            col = col.map({v: float(i) for i, v in enumerate(f.levels)})
        cols.append(col.to_numpy(dtype=float))
    return np.column_stack(cols)


def analyze(out_dir: str | Path, measures: Sequence[str] | None = None) -> Analysis:
    """Summarise a sweep directory (see :mod:`orgsim.experiment.storage` for its layout)."""
    manifest = load_manifest(out_dir)
    runs = load_runs(out_dir)
    chosen = list(measures or manifest["experiment"].get("metrics") or DEFAULT_MEASURES)
    unknown = [m for m in chosen if m not in runs.columns]
    if unknown:
        raise InputError(f"--measure: unknown measure {unknown[0]!r}; allowed: {', '.join(METRICS)}")
    factors = factors_of(manifest)
    design = manifest["experiment"]["design"]
    indices = sensitivity(runs, manifest, chosen) if design in ("sobol", "morris") else None
    return Analysis(
        design=design,
        points=point_summary(runs, factors, chosen),
        sensitivity=indices,
        failed=int((runs["status"] != "ok").sum()),
    )
