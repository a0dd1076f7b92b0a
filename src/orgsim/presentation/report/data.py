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

import pandas as pd

from orgsim import measures
from orgsim.analyses.compare import Comparison
from orgsim.analyses.decision import Verdict, verdict
from orgsim.analyses.tornado import Tornado
from orgsim.errors import InputError
from orgsim.experiment.experiment import SEEDING, Factor
from orgsim.experiment.manifest import Manifest
from orgsim.model.calendar import YEAR_DAYS
from orgsim.params import PARAMETERS, STRUCTURES
from orgsim.presentation import charts
from orgsim.presentation.report.text import and_list, or_list
from orgsim.presentation.style import LOWER_IS_BETTER, factor_name, in_sentence

log = logging.getLogger(__name__)

ECONOMIC = ("customer_value", "contribution", "revenue")
"""The decision measure, first present: the recommendation is made on it. ``customer_value``
(lifetime value of the customers won plus the open pipeline's, minus sales-and-marketing cost)
does not flip with where the horizon falls; runs without it fall back to contribution, revenue."""

DECISION_MEASURES = (
    "customer_value",
    "revenue",
    "bookings",
    "contribution",
    "friction_index",
    "leakage_rate",
    "cost",
    "coordination_hours",
)
"""Columns of the executive summary's decision matrix (those present in the runs)."""

TABLE_MEASURES = (
    "customer_value",
    "revenue",
    "bookings",
    "contribution",
    "sm_share",
    "cac_payback_months",
    "net_revenue_retention",
    "churned_arr",
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
    "sla_met_share",
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
    manifest: Manifest | None = None  # the sweep's manifest (what was run, held fixed, seeded)
    pair_on: str | None = "replicate"  # column pairing runs across groups (common random numbers)
    notes: list[str] = field(default_factory=list)  # what the report could not do, and why
    descriptions: dict[str, str] = field(default_factory=dict)  # group -> what the scenario represents
    validation: list[Any] | None = None  # FactChecks of `orgsim validate --out` in the report's directory
    tornado: Tornado | None = None  # `orgsim tornado --out` in the report's directory
    explanation: dict[str, Any] | None = None  # `orgsim explain --out`'s explain.json in the directory
    baseline: str | None = None  # compare: the scenario the others are differenced against
    differences: str = ""  # compare: HTML table of paired differences to the baseline (answers)

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

    @property
    def settings(self) -> list[str]:
        """The columns whose values make one setting: groups are compared within each (see ``within``).

        Empty when the groups were not run in the same settings (a Latin hypercube that samples
        the structure): then there is nothing to pair, and groups are compared over the design.
        """
        return self.swept if self.crossed else []

    @property
    def crossed(self) -> bool:
        """True when every setting of the swept factors was run under every group."""
        swept = self.swept
        if not swept:
            return True
        per_setting = self.runs.groupby(swept, sort=False)["group"].nunique()
        return bool((per_setting == self.runs["group"].nunique()).all())

    @property
    def economic(self) -> str:
        """The decision measure: the first of :data:`ECONOMIC` the runs carry."""
        return next(m for m in ECONOMIC if m in self.runs)

    @property
    def headline(self) -> tuple[str, ...]:
        """The measures the outcomes chart draws: the decision measure, friction and leakage."""
        return tuple(dict.fromkeys(m for m in (self.economic, *charts.HEADLINE[1:]) if m in self.runs))

    def higher_is_better(self, measure: str) -> bool:
        """Whether more of ``measure`` is better (from the measure schema's direction)."""
        return self.direction(measure) != "lower"

    def direction(self, measure: str) -> str:
        """``higher``, ``lower`` or ``none`` (neither is better: a cost, an input) from the measure schema."""
        try:
            return measures.better(measure)
        except KeyError:
            return "lower" if measure in LOWER_IS_BETTER else "higher"

    def mark(self, measure: str, group: str) -> str:
        """The verdict mark of ``group`` on ``measure``; ``none`` where neither direction is better."""
        if self.direction(measure) == "none":
            return "none"
        if self.reps < 2 and not self.settings:  # one run per group: no noise estimate, no verdict
            return "single"
        v = self.verdict(measure)
        return v.mark(group) if group in v.order else ""

    def verdict(self, measure: str) -> Verdict:
        """The leader on ``measure`` and its paired margins within settings (``experiment.decision``)."""
        key = (measure, tuple(self.settings))
        if key not in self._verdicts:
            self._verdicts[key] = verdict(
                self.runs, measure, self.higher_is_better(measure), self.settings, pair_on=self.pair_on or ""
            )
        return self._verdicts[key]

    _verdicts: dict[tuple[str, tuple[str, ...]], Verdict] = field(
        default_factory=dict, init=False, repr=False
    )


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
    """Sobol or Morris indices per measure and factor (``orgsim.analyses.analyze``).

    Raises ValueError with a reason when the sweep does not allow it.
    """
    from orgsim.analyses.analyze import sensitivity

    if data.manifest is None:
        raise ValueError("no manifest")
    return sensitivity(data.runs, data.manifest, list(measures))


# -- inputs ------------------------------------------------------------------------------------
def from_comparison(comp: Comparison, baseline: str | None = None) -> ReportData:
    """A report's data from a :class:`~orgsim.analyses.compare.Comparison` (differences to ``baseline``)."""
    from orgsim.presentation.answers import differences_html

    runs = comp.runs().rename(columns={"scenario": "group"})
    series = comp.series()
    series = series.rename(columns={"scenario": "group", "replicate": "run"}) if not series.empty else None
    labels = comp.labels
    days = comp.results[0].days if comp.results else None
    long = days and days >= YEAR_DAYS / 2
    years = f" (about {days / YEAR_DAYS:.2g} year{'s' if days > YEAR_DAYS else ''})" if long else ""
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
        baseline=baseline or labels[0],
        differences=differences_html(comp, baseline),
    )


def read_sweep(path: str | Path) -> tuple[Manifest, pd.DataFrame, pd.DataFrame | None]:
    """``(manifest, runs, series)`` of a sweep directory written by ``orgsim sweep``."""
    from orgsim.experiment import storage

    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path}: not a directory (expected the --out DIR of `orgsim sweep`)")
    manifest = storage.load_manifest(path)
    series = storage.load_series(path)
    return (manifest, storage.load_runs(path), None if series is None or series.empty else series)


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
    order = {s: i for i, s in enumerate(STRUCTURES)}
    ok["_order"] = ok["structure"].map(lambda s: order.get(s, len(order)))
    sort_cols = ["_order", "design_point"] + (["replicate"] if "replicate" in ok else [])
    ok = ok.sort_values(sort_cols, kind="stable").drop(columns="_order").reset_index(drop=True)
    ok["group"] = ok["structure"].astype(str)  # a sweep compares structures
    factors = list(manifest.factors)
    if series is not None and "run_id" in series:
        factor_cols = [f.key for f in factors if f.key != "structure" and f.key in ok and f.key not in series]
        keys = ok[["run_id", "group", "structure", *factor_cols]]  # factor columns: compare within settings
        series = series.merge(keys, on="run_id", how="inner").rename(columns={"run_id": "run"})
    reps = int(ok.groupby(["design_point", "group"]).size().max())
    factor_names = [in_sentence(factor_name(f.key)) for f in factors if f.key != "structure"]
    structures = list(pd.unique(ok["group"]))
    generated = (
        "Which structure should this company choose, and does the answer change with "
        f"{and_list(factor_names)}?"
        if len(structures) > 1
        else f"How do the results of {structures[0]} respond to {and_list(factor_names)}?"
    )
    described = manifest.description.strip()
    if described and described[-1] not in ".?!":
        described += "."
    question = f"{described} {generated}".strip()
    days = manifest.days
    if days is None and manifest.scenarios:
        days = manifest.scenarios[0].parameters.get("horizon.days")
    notes = []
    if manifest.seeding != SEEDING and len(structures) > 1:
        notes.append(
            "This sweep was run before structures shared their seeds (each run had its own), so "
            "within-setting comparisons pair independent runs: valid, but wider than they need to be."
        )
    data = ReportData(
        kind="sweep",
        title=f"orgsim sweep: {manifest.name or Path(path).resolve().name}",
        question=question,
        design=manifest.design.name,
        runs=ok,
        series=series,
        reps=reps,
        seed=manifest.seed,
        days=int(days) if days is not None else None,
        factors=factors,
        versions=manifest.versions or package_versions(),
        failed=failed,
        manifest=manifest,
        notes=notes,
        descriptions={sc.name: sc.description for sc in manifest.scenarios if sc.description},
    )
    if len(structures) > 1 and not data.crossed:
        data.pair_on = None
        data.notes.append(
            "The structures were not run in the same settings (the design samples the structure with "
            "the other factors), so nothing can be paired within a setting: structures are compared "
            "over the whole design, as independent samples of it."
        )
    return data


# -- tables -----------------------------------------------------------------------------------
def headline(data: ReportData) -> pd.DataFrame:
    """Per group and measure: mean over the design with its 95% CI, and its mark.

    Columns group, measure, mean, low, high, mark (``best``/``tied``/``behind``/``input``, see
    :class:`~orgsim.analyses.decision.Verdict`) and best (the clear best). In a sweep the mean
    weighs each setting the same and the CI holds within-setting noise only.
    """
    rows = []
    for measure in [m for m in TABLE_MEASURES if m in data.runs]:
        v = data.verdict(measure)
        for g in data.groups:
            mean, low, high = v.means.get(g, (float("nan"),) * 3)
            mark = data.mark(measure, g)
            rows.append(
                {
                    "group": g,
                    "measure": measure,
                    "mean": mean,
                    "low": low,
                    "high": high,
                    "mark": mark,
                    "best": mark == "best",
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
