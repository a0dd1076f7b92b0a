"""Analyse a sweep: means with 95% CIs per design point, and Sobol or Morris indices.

The sensitivity indices use SALib's ``analyze`` on the design points' mean results (over
replications), in the order the sampler produced them (``design_point``), with bootstrap
95% confidence intervals. Morris elementary effects need the sampled coordinates, not the
rounded or categorical values stored in the table, so the design is drawn again from the
manifest (it is seeded) and checked against the stored values.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.errors import InputError
from orgsim.experiment.design import Design, matrix, salib_problem
from orgsim.experiment.experiment import Factor
from orgsim.experiment.manifest import Manifest
from orgsim.experiment.stats import measure_ci
from orgsim.experiment.storage import load_manifest, load_runs
from orgsim.model.metrics import METRICS

DEFAULT_MEASURES = (
    "customer_value",
    "revenue",
    "bookings",
    "contribution",
    "friction_index",
    "leakage_rate",
    "win_rate",
    "leaked_revenue",
)

log = logging.getLogger(__name__)


@dataclass
class Analysis:
    """What a sweep found: per-point summaries and, for Sobol/Morris designs, indices.

    ``points``: one row per base scenario and design point with the factor values, ``runs``
    (successful runs) and ``<measure>.mean``, ``.low``, ``.high`` (95% CI).
    ``sensitivity``: per measure and factor, Sobol ``S1``, ``ST`` or Morris ``mu_star``,
    ``sigma``, each with its 95% CI half-width (``*_conf``); None for other designs or when
    the indices cannot be computed (``notes`` says why).
    """

    design: str
    points: pd.DataFrame
    sensitivity: pd.DataFrame | None
    failed: int
    notes: list[str] = field(default_factory=list)

    def write_csv(self, path: str | Path) -> list[Path]:
        """Write ``points`` to ``path`` and the indices next to it as ``<stem>_sensitivity.csv``."""
        path = Path(path)
        from orgsim.outputs import to_csv

        to_csv(self.points, path)
        written = [path]
        if self.sensitivity is not None:
            extra = path.with_name(f"{path.stem}_sensitivity{path.suffix or '.csv'}")
            to_csv(self.sensitivity, extra)
            written.append(extra)
        return written

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
            "notes": self.notes,
        }


def factors_of(manifest: Manifest) -> list[Factor]:
    """The sweep's factors, from its manifest."""
    return list(manifest.factors)


def point_summary(runs: pd.DataFrame, factors: list[Factor], measures: Sequence[str]) -> pd.DataFrame:
    """One row per base scenario and design point, in run order.

    Columns: ``scenario``, ``design_point``, the factor values, ``runs`` (successful) and
    ``failed`` counts, and ``<measure>.mean``, ``.low``, ``.high`` (95% CI over the
    successful replications).
    """
    keys = [f.key for f in factors if f.key in runs.columns]
    if "scenario" not in runs.columns:
        runs = runs.assign(scenario="")
    rows = []
    for (scenario, point), part in runs.groupby(["scenario", "design_point"], sort=False):
        ok = part[part["status"] == "ok"]
        row: dict[str, Any] = {"scenario": scenario, "design_point": int(point)}
        row.update({k: part[k].iloc[0] for k in keys})
        row.update(runs=len(ok), failed=len(part) - len(ok))
        for m in measures:
            mean, low, high = measure_ci(ok[m].to_numpy(dtype=float), m)
            row.update({f"{m}.mean": mean, f"{m}.low": low, f"{m}.high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def sensitivity(
    runs: pd.DataFrame,
    manifest: Manifest,
    measures: Sequence[str],
    scenario: str | None = None,
) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices with 95% CIs per measure and factor.

    Uses the design points of base scenario ``scenario`` (default: the first). Raises
    ValueError with the reason when the sweep does not allow it (not Sobol/Morris, or a
    design point without a successful run).
    """
    design = manifest.design
    if design.name not in ("sobol", "morris"):
        raise ValueError(f"sensitivity indices need a sobol or morris design, not {design.name}")
    factors = factors_of(manifest)
    problem = salib_problem(factors)
    part = runs[runs["status"] == "ok"]
    if "scenario" in part.columns:
        names = [sc.name for sc in manifest.scenarios] or list(pd.unique(runs["scenario"]))
        part = part[part["scenario"] == (scenario or names[0])]
    means = part.groupby("design_point")[list(measures)].mean().sort_index()
    expected = _expected_points(design, factors, runs)
    missing = sorted(set(range(expected)) - set(means.index))
    if missing:
        raise ValueError(
            f"{len(missing)} of {expected} design points have no successful run (first: {missing[0]})"
        )
    x = _coordinates(design, factors, part, means.index) if design.name == "morris" else None
    frames = []
    for measure in measures:
        y = means[measure].to_numpy(dtype=float)
        if np.isnan(y).any():
            raise ValueError(f"{measure} is undefined (NaN) at {int(np.isnan(y).sum())} design points")
        if design.name == "sobol":
            from SALib.analyze import sobol as sobol_analyze

            res = sobol_analyze.analyze(
                problem, y, calc_second_order=design.calc_second_order, seed=design.seed
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

            res = morris_analyze.analyze(problem, x, y, num_levels=design.num_levels, seed=design.seed)
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


def _expected_points(design: Design, factors: list[Factor], runs: pd.DataFrame) -> int:
    """How many design points the sampler drew (from the design; else the largest stored index)."""
    if design.samples > 0 and factors:
        return design.size(len(factors))
    return int(runs["design_point"].max()) + 1


def _coordinates(design: Design, factors: list[Factor], runs: pd.DataFrame, points: pd.Index) -> np.ndarray:
    """The sampled coordinates per design point: the design drawn again, if it matches the table.

    Falls back to the stored values (levels as their index) for a table the sampler did not
    write; Morris effects of rounded integer or categorical factors are then approximate.
    """
    stored = _stored_matrix(runs, factors, points)
    try:
        drawn = matrix(design, factors)[points.to_numpy()]
    except (ValueError, IndexError, KeyError) as exc:
        log.warning("cannot draw the Morris design again (%s); using the stored values", exc)
        return stored
    numeric = [i for i, f in enumerate(factors) if f.levels is None]
    x, v = drawn[:, numeric], stored[:, numeric]
    agrees = bool((np.isclose(x, v) | np.isclose(np.round(x), v)).all())  # integers are stored rounded
    for i, f in enumerate(factors):
        if f.levels is not None:  # a level is picked by the coordinate's integer part
            agrees &= bool((np.minimum(np.floor(drawn[:, i]), len(f.levels) - 1) == stored[:, i]).all())
    if not agrees:
        log.warning("the Morris design drawn again differs from the stored values; using the stored values")
        return stored
    return drawn


def _stored_matrix(runs: pd.DataFrame, factors: list[Factor], points: pd.Index) -> np.ndarray:
    """The stored factor values per design point (levels as their index)."""
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
    chosen = list(measures or manifest.metrics or DEFAULT_MEASURES)
    unknown = [m for m in chosen if m not in runs.columns]
    if unknown:
        raise InputError(f"--measure: unknown measure {unknown[0]!r}; allowed: {', '.join(METRICS)}")
    factors = factors_of(manifest)
    design = manifest.design.name
    notes: list[str] = []
    total = manifest.runs or len(runs)
    if len(runs) < total:
        notes.append(
            f"the sweep is unfinished: {len(runs):,} of {total:,} runs stored; run it again to resume"
        )
    indices = None
    if design in ("sobol", "morris"):
        names: list[str | None] = [sc.name for sc in manifest.scenarios] or [None]
        frames = []
        for name in names:
            try:
                frame = sensitivity(runs, manifest, chosen, scenario=name)
            except ValueError as exc:
                notes.append(f"no {design} indices{f' for {name}' if len(names) > 1 else ''}: {exc}")
                continue
            frames.append(frame.assign(scenario=name) if len(names) > 1 else frame)
        indices = pd.concat(frames, ignore_index=True) if frames else None
    return Analysis(
        design=design,
        points=point_summary(runs, factors, chosen),
        sensitivity=indices,
        failed=int((runs["status"] != "ok").sum()),
        notes=notes,
    )
