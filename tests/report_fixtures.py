"""Small real inputs for the chart and report tests: a comparison, and sweep directories.

Sweep directories follow the layout `orgsim sweep` writes (issue 4):
``DIR/manifest.json``, ``DIR/runs/part-*.parquet`` (one row per run:
run_id, design_point, replicate, seed, status, error, elapsed_s, structure, one column per
factor, then every key of RunResult.flat()) and optionally ``DIR/series/part-*.parquet``.
Runs are tiny (2,000 prospects, 60 days) so the report tests stay fast.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim import Comparison, load_scenario, simulate
from orgsim.experiment.seeds import run_seed

TINY = {"market.prospects": 2000}
DAYS = 60


def small_comparison(
    structures: tuple[str, ...] = ("separate", "merged", "aligned"), reps: int = 3, seed: int = 0
) -> Comparison:
    """What ``compare(structures, reps, days=60, series=True)`` returns, run in this process."""
    scenarios = [load_scenario(s, TINY) for s in structures]
    results = [
        simulate(sc, seed=run_seed(seed, r), days=DAYS, series=True) for sc in scenarios for r in range(reps)
    ]
    return Comparison(scenarios, reps, seed, results)


def _points(design: str, factors: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    names = list(factors)
    if design == "factorial":
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*factors.values())]
    bounds = [factors[k] for k in names]
    if design == "lhs":
        rng = np.random.default_rng(seed)
        cols = []
        for lo, hi in bounds:
            u = (rng.permutation(n) + rng.uniform(size=n)) / n
            cols.append(lo + u * (hi - lo))
        return [dict(zip(names, row, strict=True)) for row in np.array(cols).T]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    if design == "sobol":
        from SALib.sample import sobol

        sample = sobol.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris

        sample = morris.sample(problem, n, num_levels=4, seed=seed)
    return [dict(zip(names, row, strict=True)) for row in sample]


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
) -> Path:
    """Write a sweep DIR: ``factors`` maps dotted keys to levels (factorial) or (lo, hi) bounds.

    For sobol/morris the structure is fixed to ``structures[0]``; ``n`` is the base sample size.
    ``fail_one`` records the last run as an error row, as the sweep engine would.
    """
    points = _points(design, factors, n, seed)
    if design in ("factorial", "lhs") and len(structures) > 1:
        points = [{"structure": s, **p} for s in structures for p in points]
    rows, frames = [], []
    run_id = 0
    for dp, point in enumerate(points):
        structure = point.get("structure", structures[0])
        overrides = {
            k: (int(round(v)) if k.endswith(("headcount", "prospects")) else v) for k, v in point.items()
        }
        overrides.pop("structure", None)
        for rep in range(reps):
            s = run_seed(seed, run_id)
            res = simulate(structure, seed=s, days=DAYS, overrides={**TINY, **overrides}, series=series)
            row = {
                "run_id": run_id,
                "design_point": dp,
                "replicate": rep,
                "seed": s,
                "status": "ok",
                "error": None,
                "elapsed_s": 0.01,
                "structure": structure,
                **{k: v for k, v in point.items() if k != "structure"},
                **res.flat(),
            }
            rows.append(row)
            if series and res.series is not None:
                frames.append(res.series.assign(run_id=run_id))
            run_id += 1
    runs = pd.DataFrame(rows)
    if fail_one:
        metrics = [
            c for c in runs.columns if c not in ("run_id", "design_point", "replicate", "seed", "structure")
        ]
        runs.loc[runs.index[-1], metrics] = np.nan
        runs.loc[runs.index[-1], ["status", "error"]] = ["error", "ValueError: boom"]
    (path / "runs").mkdir(parents=True, exist_ok=True)
    half = len(runs) // 2
    runs.iloc[:half].to_parquet(path / "runs" / "part-00000.parquet")
    runs.iloc[half:].to_parquet(path / "runs" / "part-00001.parquet")
    if frames:
        (path / "series").mkdir(exist_ok=True)
        pd.concat(frames, ignore_index=True).to_parquet(path / "series" / "part-00000.parquet")
    spec: dict[str, Any] = {}
    for k, v in factors.items():
        spec[k] = {"levels": list(v)} if design == "factorial" else {"range": list(v)}
    if design in ("factorial", "lhs") and len(structures) > 1:
        spec = {"structure": {"levels": list(structures)}, **spec}
    manifest = {
        "experiment": {
            "name": f"test-{design}",
            "description": f"A tiny {design} sweep for tests.",
            "base": structures[0],
            "design": design,
            "factors": spec,
            "samples": n,
            "reps": reps,
            "seed": seed,
            "days": DAYS,
            "overrides": TINY,
        },
        "experiment_hash": "0123456789abcdef",
        "versions": {"orgsim": "0.1.0", "mesa": "3.5", "python": "3.12"},
        "started": "2025-01-01T10:00:00+00:00",
        "finished": "2025-01-01T10:01:00+00:00",
    }
    (path / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return path
