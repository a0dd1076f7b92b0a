"""The report's input, whatever produced it: :class:`ReportData` from a comparison or a sweep directory.

Also the numbers every part of the report shares: the headline table (means, 95% CIs, the
clear best), the lead-ledger check and, for Sobol and Morris sweeps, the sensitivity indices.
"""

from __future__ import annotations

import importlib.metadata
import logging
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.errors import InputError
from orgsim.experiment.compare import Comparison
from orgsim.experiment.experiment import Factor
from orgsim.params import PARAMETERS, STRUCTURES
from orgsim.presentation import charts
from orgsim.presentation.report.text import and_list, or_list
from orgsim.presentation.style import factor_name, in_sentence

log = logging.getLogger(__name__)

TABLE_MEASURES = (
    "revenue",
    "profit",
    "cost",
    "won_deals",
    "win_rate",
    "pipeline_value",
    "friction_index",
    "friction_hours",
    "coordination_hours",
    "leakage_rate",
    "leaked_revenue",
    "median_response_hours",
    "never_responded_share",
    "mean_trust",
)
"""Rows of the headline table, in this order (those present in the runs)."""

OPEN_STATES = ("inquiry", "mql", "sal", "sql", "opportunity")
CLOSED_STATES = ("won", "lost", "recycled", "disqualified", "leaked")
SWEEP_DESIGNS = ("factorial", "lhs", "sobol", "morris")


@dataclass
class ReportData:
    """Everything the report shows, whatever produced it (a comparison or a sweep)."""

    kind: str  # "compare" or "sweep"
    title: str
    question: str
    design: str  # "compare", "factorial", "lhs", "sobol" or "morris"
    runs: pd.DataFrame  # successful runs: group, structure, factor columns, every measure
    series: pd.DataFrame | None  # group, structure, run, day, series variables
    reps: int
    seed: int | None
    days: int | None
    factors: list[Factor] = field(default_factory=list)
    parameters: pd.DataFrame | None = None  # parameter rows x scenario columns, differences only
    versions: dict[str, str] = field(default_factory=dict)
    failed: pd.DataFrame | None = None  # runs that raised: run_id, error
    experiment: dict[str, Any] | None = None  # the sweep's manifest, shown verbatim
    pair_on: str | None = None  # column pairing runs across groups (common random numbers)
    notes: list[str] = field(default_factory=list)  # what the report could not do, and why
    descriptions: dict[str, str] = field(default_factory=dict)  # group -> what the scenario represents
    validation: list[Any] | None = None  # FactChecks of `orgsim validate --out` in the report's directory

    @property
    def groups(self) -> list[str]:
        """The compared groups, in order."""
        return charts.groups_of(self.runs)

    @property
    def swept(self) -> list[str]:
        """Factors that vary across the runs, other than the structure (which is the grouping)."""
        return [
            f.key
            for f in self.factors
            if f.key != "structure" and f.key in self.runs and self.runs[f.key].nunique() > 1
        ]


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that decide or draw the results."""
    out = {}
    for pkg in ("orgsim", "mesa", "numpy", "pandas", "matplotlib", "scipy", "SALib"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            continue
    out["python"] = platform.python_version()
    return out


# -- sensitivity indices ---------------------------------------------------------------------
def sensitivity_indices(data: ReportData, measures: Sequence[str] = charts.HEADLINE) -> pd.DataFrame:
    """Sobol or Morris indices per measure and factor (``orgsim.experiment.analyze``).

    Raises ValueError with a reason when the sweep does not allow it.
    """
    from orgsim.experiment.analyze import sensitivity

    try:
        return sensitivity(data.runs, data.experiment or {}, list(measures))
    except KeyError as exc:
        raise ValueError(f"the manifest lacks {exc}") from None


# -- inputs ------------------------------------------------------------------------------------
def from_comparison(comp: Comparison) -> ReportData:
    """A report's data from an :class:`~orgsim.experiment.compare.Comparison`."""
    runs = comp.runs().rename(columns={"scenario": "group"})
    series = comp.series()
    series = series.rename(columns={"scenario": "group", "replicate": "run"}) if not series.empty else None
    labels = comp.labels
    days = comp.results[0].days if comp.results else None
    years = f" (about {days / 250:.2g} year{'s' if days > 250 else ''})" if days and days >= 125 else ""
    structures = [sc.structure for sc in comp.scenarios]
    if labels == structures:
        question = (
            f"Should this company run marketing and sales as {or_list(labels)}? We compare revenue, "
            f"friction between the teams and leads lost to the process over {days} business days{years}."
        )
    else:
        question = (
            f"Which of these set-ups works best: {or_list(labels)}? We compare revenue, friction between "
            f"the teams and leads lost to the process over {days} business days{years}."
        )
    rows: dict[str, dict[str, Any]] = {}
    flats = [sc.flat() for sc in comp.scenarios]
    for key, spec in PARAMETERS.items():
        values = [flat[key] for flat in flats]
        if any(v != spec.default for v in values):
            rows[key] = {"unit": spec.unit, "default": spec.default, **dict(zip(labels, values, strict=True))}
    params = pd.DataFrame.from_dict(rows, orient="index") if rows else None
    structure_row = pd.DataFrame(
        [{"unit": "", "default": "separate", **dict(zip(labels, structures, strict=True))}],
        index=["structure"],
    )
    params = structure_row if params is None else pd.concat([structure_row, params])
    return ReportData(
        kind="compare",
        title="orgsim: " + " vs ".join(labels),
        question=question,
        design="compare",
        runs=runs,
        series=series,
        reps=comp.reps,
        seed=comp.seed,
        days=days,
        parameters=params,
        versions=package_versions(),
        pair_on="replicate",
        descriptions={lab: sc.description for lab, sc in zip(labels, comp.scenarios, strict=True)},
    )


def read_sweep(path: str | Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame | None]:
    """``(manifest, runs, series)`` of a sweep directory written by ``orgsim sweep``."""
    from orgsim.experiment import storage

    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path}: not a directory (expected the --out DIR of `orgsim sweep`)")
    series = storage.load_series(path)
    return (
        storage.load_manifest(path),
        storage.load_runs(path),
        None if series is None or series.empty else series,
    )


def exp_get(manifest: dict[str, Any], *keys: str) -> Any:
    """First of ``keys`` found in the manifest's experiment, or at its top level."""
    exp = manifest.get("experiment")
    for scope in (exp if isinstance(exp, dict) else {}, manifest):
        for key in keys:
            if key in scope and scope[key] is not None:
                return scope[key]
    return None


def _design_name(manifest: dict[str, Any]) -> str:
    design = exp_get(manifest, "design")
    if isinstance(design, dict):
        design = design.get("name") or design.get("type") or design.get("method")
    name = str(design or "factorial").lower()
    return {"full_factorial": "factorial", "latin_hypercube": "lhs", "latin": "lhs"}.get(name, name)


def _factors(manifest: dict[str, Any], runs: pd.DataFrame) -> list[Factor]:
    raw = exp_get(manifest, "factors")
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [(f.get("key") or f.get("name") or f.get("param"), f) for f in raw if isinstance(f, dict)]
    else:
        items = []
    out = []
    for key, spec in items:
        if not key:
            continue
        if isinstance(spec, list | tuple):
            out.append(Factor(key, levels=tuple(spec)))
            continue
        if not isinstance(spec, dict):
            out.append(Factor(key, levels=(spec,)))
            continue
        levels = spec.get("levels") or spec.get("values") or spec.get("choices")
        rng = spec.get("range") or spec.get("bounds")
        lo = spec.get("lo", spec.get("min", spec.get("low")))
        hi = spec.get("hi", spec.get("max", spec.get("high")))
        if rng and len(rng) == 2:
            lo, hi = rng
        out.append(Factor(key, levels=tuple(levels) if levels else None, lo=lo, hi=hi))
    if not out:  # no factors in the manifest: parameters whose column varies across runs
        measures = ("friction_by_source.", "leaked.", "leaked_revenue.", "ledger.", "funnel.")
        for col in runs.columns:
            if col in PARAMETERS and not col.startswith(measures) and runs[col].nunique() > 1:
                out.append(Factor(col, lo=runs[col].min(), hi=runs[col].max()))
    return out


def from_sweep(path: str | Path) -> ReportData:
    """A report's data from a sweep directory (see :func:`read_sweep`)."""
    manifest, runs, series = read_sweep(path)
    status = runs["status"] if "status" in runs else pd.Series("ok", index=runs.index)
    failed = runs.loc[
        status != "ok", [c for c in ("run_id", "design_point", "replicate", "error") if c in runs]
    ]
    ok = runs.loc[status == "ok"].copy()
    if ok.empty:
        raise InputError(f"{path}: no successful run to report on ({len(failed)} runs failed)")
    if "structure" not in ok:
        ok["structure"] = str(exp_get(manifest, "structure", "base") or "custom")
    if "design_point" not in ok:
        ok["design_point"] = np.arange(len(ok))
    order = {s: i for i, s in enumerate(STRUCTURES)}
    ok["_order"] = ok["structure"].map(lambda s: order.get(s, len(order)))
    sort_cols = ["_order", "design_point"] + (["replicate"] if "replicate" in ok else [])
    ok = ok.sort_values(sort_cols, kind="stable").drop(columns="_order").reset_index(drop=True)
    ok["group"] = ok["structure"].astype(str)  # a sweep compares structures
    design = _design_name(manifest)
    if design not in SWEEP_DESIGNS:
        log.warning("unknown design %r in %s; treating it as factorial", design, path)
    factors = _factors(manifest, ok)
    name = exp_get(manifest, "name") or Path(path).resolve().name
    description = exp_get(manifest, "description")
    if series is not None and "run_id" in series and "run_id" in ok:
        keys = ok[["run_id", "group", "structure"]]
        series = series.merge(keys, on="run_id", how="inner").rename(columns={"run_id": "run"})
    else:
        series = None
    reps = int(ok.groupby("design_point").size().max())
    factor_names = [in_sentence(factor_name(f.key)) for f in factors if f.key != "structure"]
    structures = list(pd.unique(ok["group"]))
    question = str(description).strip() if description else ""
    generated = (
        f"How do revenue, friction between the teams and lead leakage respond to {and_list(factor_names)}"
        + (f", under {and_list(structures)}?" if len(structures) > 1 else f" (structure: {structures[0]})?")
    )
    question = f"{question} {generated}".strip() if question else generated
    versions = exp_get(manifest, "versions", "package_versions", "packages")
    days = exp_get(manifest, "days", "horizon_days", "horizon")
    if isinstance(days, dict):
        days = days.get("days")
    seed = exp_get(manifest, "seed")
    recorded = {str(k): str(v) for k, v in versions.items()} if isinstance(versions, dict) else {}
    return ReportData(
        kind="sweep",
        title=f"orgsim sweep: {name}",
        question=question,
        design=design if design in SWEEP_DESIGNS else "factorial",
        runs=ok,
        series=series,
        reps=reps,
        seed=int(seed) if seed is not None else None,
        days=int(days) if days is not None else None,
        factors=factors,
        versions=recorded if isinstance(versions, dict) else package_versions(),
        failed=failed,
        experiment=manifest,
    )


# -- tables -----------------------------------------------------------------------------------
def headline(data: ReportData) -> pd.DataFrame:
    """Mean and 95% CI per group and measure: columns group, measure, mean, low, high, best."""
    rows = []
    for measure in [m for m in TABLE_MEASURES if m in data.runs]:
        stats = charts.group_stats(data.runs, measure)
        order = charts.ranked(data.runs, measure)
        clear_best = None
        if len(order) > 1 and charts.difference(data.runs, measure, order[0], order[1], data.pair_on).clear:
            clear_best = order[0]
        for g in data.groups:
            s = stats.loc[g]
            rows.append(
                {
                    "group": g,
                    "measure": measure,
                    "mean": s["mean"],
                    "low": s["low"],
                    "high": s["high"],
                    "best": g == clear_best,
                }  # fmt: skip
            )
    return pd.DataFrame(rows)


def ledger_check(runs: pd.DataFrame) -> pd.DataFrame:
    """Per run: created, open, each closed state and whether created = open + closed holds."""
    missing = [
        c for c in ("ledger.created", *(f"ledger.{s}" for s in OPEN_STATES + CLOSED_STATES)) if c not in runs
    ]
    if missing:
        raise ValueError(f"runs lack ledger columns: {', '.join(missing)}")
    out = pd.DataFrame({"group": runs["group"], "created": runs["ledger.created"].astype(int)})
    out["open"] = sum(runs[f"ledger.{s}"].astype(int) for s in OPEN_STATES)
    for s in CLOSED_STATES:
        out[s] = runs[f"ledger.{s}"].astype(int)
    out["holds"] = out["created"] == out["open"] + out[list(CLOSED_STATES)].sum(axis=1)
    return out
