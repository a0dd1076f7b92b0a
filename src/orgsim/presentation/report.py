"""The self-contained HTML report of a comparison or a sweep, with its charts as PNG and SVG.

A reader who sees only ``report.html`` must understand what was compared and what came out:
the question, the scenarios and their parameters, a headline table with 95% confidence
intervals, each chart with a one-line reading computed from the same numbers the chart draws,
and the method (replications, seeds, versions, the lead-ledger check). The file embeds its
images as base64 and references nothing outside itself, so it opens offline and can be mailed.

Two entry points: :func:`write_comparison_report` (``orgsim compare ... --out DIR``) and
:func:`write_sweep_report` (``orgsim report DIR``, reading what ``orgsim sweep`` wrote). Both
turn their input into one :class:`ReportData` and share everything after that. The report picks
the charts that fit the design: factor-response and "who wins where" charts for factorial and
Latin-hypercube sweeps, sensitivity indices for Sobol and Morris sweeps.
"""

from __future__ import annotations

import base64
import html
import importlib.metadata
import json
import logging
import math
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib.figure
import numpy as np
import pandas as pd

from orgsim.errors import InputError
from orgsim.experiment.compare import Comparison
from orgsim.experiment.experiment import Factor
from orgsim.params import PARAMETERS, STRUCTURES
from orgsim.presentation import charts, style
from orgsim.presentation.format import fmt_compact as _fmt
from orgsim.presentation.style import LOWER_IS_BETTER, factor_name, in_sentence, measure_name

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
MAX_RESPONSE_CHARTS = 4  # one-factor response charts drawn for a many-factor sweep


def _describe(factor: Factor) -> str:
    """A factor's levels, ``1, 4, 24, 96``, or range, ``1 to 96``."""
    if factor.levels is not None:
        return ", ".join(_plain(v) for v in factor.levels)
    if factor.lo is not None and factor.hi is not None:
        return f"{_plain(factor.lo)} to {_plain(factor.hi)}"
    return "-"


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


@dataclass
class Chart:
    """One chart of the report: file stem, title, its reading and the written files."""

    name: str
    title: str
    reading: str
    png: Path
    svg: Path
    how_to_read: str = ""


# -- helpers ---------------------------------------------------------------------------------
def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 1e4 else str(value)
    return str(value)


def _level(value: Any) -> str:
    """A factor level for a sentence: 3 significant digits for binned continuous values."""
    if isinstance(value, int | float) and abs(value) >= 1e4:
        return style.compact_number(float(value))
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3g}"
    return _plain(value)


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("orgsim", "mesa", "numpy", "pandas", "matplotlib", "scipy", "SALib"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            continue
    out["python"] = platform.python_version()
    return out


def _diff_text(measure: str, value: float) -> str:
    if style.measure_unit(measure) == "share":
        return f"{100 * abs(value):.1f} points"
    return _fmt(measure, abs(value))


def _signed_order(measure: str) -> str:
    return "lowest" if measure in LOWER_IS_BETTER else "highest"


def _note(data: ReportData, extra: str = "") -> str:
    version = data.versions.get("orgsim", "")
    parts = [f"orgsim {version}".strip()]
    if data.kind == "compare":
        parts.append(f"{data.reps} replications per scenario, seed {data.seed}")
    else:
        parts.append(f"{data.design} sweep, {len(data.runs)} runs, seed {data.seed}")
    if data.days:
        parts.append(f"{data.days} business days")
    if extra:
        parts.append(extra)
    return " · ".join(parts)


def _pooled(data: ReportData) -> str:
    if data.kind == "sweep" and data.runs["design_point"].nunique() > data.runs["structure"].nunique():
        return "pooled over the sweep's design points"
    return ""


# -- readings: one line per chart, from the numbers the chart draws --------------------------
def _lead_sentence(data: ReportData, measure: str) -> str:
    stats = charts.group_stats(data.runs, measure)
    order = charts.ranked(data.runs, measure)
    if not order:
        return f"{measure_name(measure)}: no data"
    best = order[0]
    b = stats.loc[best]
    name = in_sentence(measure_name(measure))
    text = f"{name} is {_signed_order(measure)} for {best} at {_fmt(measure, b['mean'])}"
    if len(order) > 1:
        second = order[1]
        d = charts.difference(data.runs, measure, best, second, pair_on=data.pair_on)
        runner = f"{second} ({_fmt(measure, stats.loc[second, 'mean'])})"
        if d.clear:
            text += f", clearly ahead of {runner} by {_diff_text(measure, d.diff)}"
        else:
            text += f", ahead of {runner} but not clearly: the 95% CI of the difference includes zero"
    return text


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def read_outcomes(data: ReportData) -> str:
    """E.g. 'Revenue is highest for aligned at 4.22M, clearly better than integrated ...'."""
    sentences = [_lead_sentence(data, m) for m in charts.HEADLINE if m in data.runs]
    return _capital("; ".join(sentences)) + "."


def _share(value: float) -> str:
    return f"{100 * value:.1f}%"


def read_leakage(data: ReportData) -> str:
    """The biggest cause, who leaks most and least, and where the groups differ most."""
    runs = data.runs
    causes = [c for c in charts.parts(runs, "leaked.") if runs[f"leaked.{c}"].sum() > 0]
    if not causes:
        return "No lead leaked in any run."
    share = pd.DataFrame(
        {c: runs[f"leaked.{c}"] / runs["ledger.created"].where(runs["ledger.created"] > 0) for c in causes}
    ).assign(group=runs["group"])
    by_group = share.groupby("group", sort=False).mean()
    overall = by_group.mean()
    top = overall.idxmax()
    total = by_group.sum(axis=1)
    worst, best = total.idxmax(), total.idxmin()
    name = in_sentence(style.CAUSE_NAMES.get(top, style.pretty(top)))
    text = f"The biggest cause is '{name}' ({_share(overall[top])} of leads on average across groups)"
    if len(total) > 1:
        text += (
            f"; {worst} leaks most ({_share(total[worst])} of leads), {best} least ({_share(total[best])})"
        )
        spread = (by_group.max() - by_group.min()).drop(top, errors="ignore")
        if len(spread) and spread.max() > 0:
            c = spread.idxmax()
            cname = in_sentence(style.CAUSE_NAMES.get(c, style.pretty(c)))
            lo, hi = by_group[c].idxmin(), by_group[c].idxmax()
            text += (
                f"; besides that, the groups differ most in '{cname}' "
                f"({_share(by_group.loc[lo, c])} for {lo} vs {_share(by_group.loc[hi, c])} for {hi})"
            )
    return text + "."


def read_friction(data: ReportData) -> str:
    """Who has most and least friction and what it is made of."""
    runs = data.runs
    sources = charts.parts(runs, "friction_by_source.")
    by_group = runs.groupby("group", sort=False)[[f"friction_by_source.{s}" for s in sources]].mean()
    by_group.columns = sources
    total = runs.groupby("group", sort=False)["friction_index"].mean()
    worst, best = total.idxmax(), total.idxmin()
    top = by_group.loc[worst].idxmax()
    share = by_group.loc[worst, top] / total[worst] if total[worst] > 0 else 0.0
    top_name = in_sentence(style.SOURCE_NAMES.get(top, style.pretty(top)))
    if len(total) == 1:
        return f"The friction index is {total[worst]:.1f} of 100, {100 * share:.0f}% of it from {top_name}."
    return (
        f"Most friction: {worst} ({total[worst]:.1f} of 100), {100 * share:.0f}% of it from {top_name}; "
        f"least: {best} ({total[best]:.1f})."
    )


def read_funnel(data: ReportData) -> str:
    """Overall conversion range and the step where groups differ most."""
    stages = charts.funnel_stages(data.runs)
    conv = charts.step_conversion(data.runs, stages)
    overall_step = f"{stages[-1]}/{stages[0]}"
    overall = conv[conv["step"] == overall_step].set_index("group")["mean"].dropna()
    if overall.empty:
        return "No lead reached the end of the funnel."
    lo, hi = overall.idxmin(), overall.idxmax()
    won = in_sentence(style.STAGE_NAMES.get(stages[-1], stages[-1]))
    text = (
        f"Overall, {100 * overall[lo]:.2f}% ({lo}) to {100 * overall[hi]:.2f}% ({hi}) of inquiries are {won}"
        if lo != hi
        else f"Overall, {100 * overall[hi]:.2f}% of inquiries are {won}"
    )
    steps = conv[conv["step"] != overall_step].pivot(index="step", columns="group", values="mean")
    if steps.shape[1] > 1:
        spread = (steps.max(axis=1) - steps.min(axis=1)).dropna()
        if len(spread):
            step = spread.idxmax()
            after, before = step.split("/")
            names = style.STAGE_NAMES
            row = steps.loc[step]
            text += (
                f"; the largest gap is at {names.get(before, before)} → {names.get(after, after)}: "
                f"{100 * row.min():.0f}% ({row.idxmin()}) to {100 * row.max():.0f}% ({row.idxmax()})"
            )
    return text + "."


def read_series(data: ReportData) -> str:
    """Final cumulative revenue ranking and each extreme of team tension."""
    assert data.series is not None
    rev = charts.series_band(data.series, "revenue")
    last = rev["day"].max()  # the last recorded day
    final = rev[rev["day"] == last].set_index("group")["mean"]
    best = final.idxmax()
    text = f"By the end of the run, cumulative revenue is highest for {best} ({_fmt('revenue', final[best])})"
    if len(final) > 1:
        text += f" and lowest for {final.idxmin()} ({_fmt('revenue', final.min())})"
    if "tension" in data.series:
        ten = charts.series_band(data.series, "tension")
        peak = ten.loc[ten["mean"].idxmax()]
        day = int(peak["day"])
        text += f"; team tension peaks at {peak['mean']:.0f}/100 for {peak['group']} around day {day}"
    return text + "."


def read_tradeoff(data: ReportData) -> str:
    """Who forms the Pareto front, and whether one group is best on both means."""
    runs = data.runs[["group", "friction_index", "revenue"]].dropna()
    front = charts.pareto_front(runs["friction_index"].to_numpy(float), runs["revenue"].to_numpy(float))
    counts = runs.iloc[front]["group"].value_counts()
    who = ", ".join(f"{n} {g}" for g, n in counts.items())
    text = f"{len(front)} of {len(runs)} runs are on the Pareto front ({who})"
    rev, fri = charts.ranked(data.runs, "revenue"), charts.ranked(data.runs, "friction_index")
    if len(rev) > 1:
        if rev[0] == fri[0]:
            text += f"; {rev[0]} has both the highest mean revenue and the lowest mean friction"
        else:
            text += f"; no group is best on both: {rev[0]} earns most, {fri[0]} has least friction"
    return text + "."


def read_winner_map(data: ReportData, fx: str, fy: str, measure: str) -> str:
    """How many cells each group wins, how many clearly, and who wins at the corners."""
    cells = charts.winners(data.runs, fx, fy, measure, pair_on=data.pair_on)
    parts = []
    for g, part in cells.groupby("winner", sort=False):
        parts.append(f"{g} in {len(part)} of {len(cells)} ({int(part['clear'].sum())} clearly)")
    text = f"{_signed_order(measure).capitalize()} {in_sentence(measure_name(measure))}: " + "; ".join(parts)
    xs, ys = sorted(cells["x"].unique()), sorted(cells["y"].unique())
    fxn, fyn = in_sentence(factor_name(fx)), in_sentence(factor_name(fy))
    rank = cells["x"].map(xs.index) + cells["y"].map(ys.index)  # the cells nearest the two corners
    low, high = cells.loc[rank.idxmin(), "winner"], cells.loc[rank.idxmax(), "winner"]
    if low != high:
        text += f". At the lowest {fxn} and {fyn}, {low} wins; at the highest, {high}"
    else:
        text += f". At both the lowest and the highest {fxn} and {fyn}, {low} wins"
    return text + "."


def read_response(data: ReportData, factor: str, measure: str = "revenue") -> str:
    """How ``measure`` moves from the lowest to the highest level of ``factor``, per group."""
    level = charts.binned(data.runs[factor])
    lo_level, hi_level = level.min(), level.max()
    name = in_sentence(factor_name(factor))
    parts = []
    at_lo = data.runs[level == lo_level]
    at_hi = data.runs[level == hi_level]
    for g in data.groups:
        a = at_lo.loc[at_lo["group"] == g, measure].mean()
        b = at_hi.loc[at_hi["group"] == g, measure].mean()
        if not (math.isnan(a) or math.isnan(b)):
            parts.append(f"from {_fmt(measure, a)} to {_fmt(measure, b)} under {g}")
    what = in_sentence(measure_name(measure))
    text = f"Raising {name} from {_level(lo_level)} to {_level(hi_level)} moves {what} "
    text += "; ".join(parts) if parts else "(no data at both ends)"
    if len(data.groups) > 1:
        best_lo = charts.ranked(at_lo, measure)[:1]
        best_hi = charts.ranked(at_hi, measure)[:1]
        if best_lo and best_hi:
            if best_lo == best_hi:
                text += f"; {best_lo[0]} is best at both ends"
            else:
                text += f"; the best structure changes from {best_lo[0]} to {best_hi[0]}"
    return text + "."


def read_sensitivity(indices: pd.DataFrame, method: str) -> str:
    """The most influential factors per measure, with their index, and a warning if CIs are wide."""
    key, conf, symbol = ("ST", "ST_conf", "ST") if method == "sobol" else ("mu_star", "mu_star_conf", "μ*")
    parts = []
    for measure, part in indices.groupby("measure", sort=False):
        top = part.sort_values(key, ascending=False).head(2)
        names = []
        for row in top.itertuples():
            value = getattr(row, key)
            shown = f"{value:.2f}" if method == "sobol" else _fmt(str(measure), value)
            names.append(f"{in_sentence(factor_name(row.factor))} ({symbol} {shown})")
        parts.append(f"{in_sentence(measure_name(str(measure)))} depends most on " + ", then ".join(names))
    text = "; ".join(parts)
    text = _capital(text) + "."
    wide = indices[conf] > 0.5 * indices[key].abs().clip(lower=0.05 if method == "sobol" else 0)
    if wide.mean() > 0.5:
        text += " Most confidence intervals are wide: a larger sample would sharpen this ranking."
    return text


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
            f"Should this company run marketing and sales as {_or_list(labels)}? We compare revenue, "
            f"friction between the teams and leads lost to the process over {days} business days{years}."
        )
    else:
        question = (
            f"Which of these set-ups works best: {_or_list(labels)}? We compare revenue, friction between "
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
        versions=_versions(),
        pair_on="replicate",
        descriptions={lab: sc.description for lab, sc in zip(labels, comp.scenarios, strict=True)},
    )


def _or_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


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


def _exp_get(manifest: dict[str, Any], *keys: str) -> Any:
    """First of ``keys`` found in the manifest's experiment, or at its top level."""
    exp = manifest.get("experiment")
    for scope in (exp if isinstance(exp, dict) else {}, manifest):
        for key in keys:
            if key in scope and scope[key] is not None:
                return scope[key]
    return None


def _design_name(manifest: dict[str, Any]) -> str:
    design = _exp_get(manifest, "design")
    if isinstance(design, dict):
        design = design.get("name") or design.get("type") or design.get("method")
    name = str(design or "factorial").lower()
    return {"full_factorial": "factorial", "latin_hypercube": "lhs", "latin": "lhs"}.get(name, name)


def _factors(manifest: dict[str, Any], runs: pd.DataFrame) -> list[Factor]:
    raw = _exp_get(manifest, "factors")
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
        ok["structure"] = str(_exp_get(manifest, "structure", "base") or "custom")
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
    name = _exp_get(manifest, "name") or Path(path).resolve().name
    description = _exp_get(manifest, "description")
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
        f"How do revenue, friction between the teams and lead leakage respond to {_and_list(factor_names)}"
        + (f", under {_and_list(structures)}?" if len(structures) > 1 else f" (structure: {structures[0]})?")
    )
    question = f"{question} {generated}".strip() if question else generated
    versions = _exp_get(manifest, "versions", "package_versions", "packages")
    days = _exp_get(manifest, "days", "horizon_days", "horizon")
    if isinstance(days, dict):
        days = days.get("days")
    seed = _exp_get(manifest, "seed")
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
        versions={str(k): str(v) for k, v in versions.items()} if isinstance(versions, dict) else _versions(),
        failed=failed,
        experiment=manifest,
    )


def _and_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items) or "the factors"
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- choosing and drawing the charts ------------------------------------------------------------
Plan = list[tuple[str, Callable[[], matplotlib.figure.Figure], Callable[[], str], str]]
"""Planned charts: ``(file stem, draw, one-line reading, how to read it)``."""


def plan(data: ReportData) -> Plan:
    """The charts that fit the data: ``(name, draw, read, how to read)`` in report order."""
    note = _note(data)
    pooled = _pooled(data)
    pooled_note = _note(data, pooled) if pooled else note
    runs = data.runs
    by = "org structure" if list(runs.drop_duplicates("group")["structure"]) == data.groups else "scenario"
    out: Plan = [
        (
            "outcomes",
            lambda: charts.outcomes(
                runs, title=f"Revenue, friction and lead leakage by {by}", note=pooled_note
            ),
            lambda: read_outcomes(data),
            "Bars are means, whiskers 95% confidence intervals of the mean, dots single runs.",
        ),
        (
            "tradeoff",
            lambda: charts.tradeoff(runs, note=pooled_note),
            lambda: read_tradeoff(data),
            "Each dot is one run. Runs on the dashed Pareto front are beaten by no other run on both "
            "revenue and friction.",
        ),
        (
            "leakage_by_cause",
            lambda: charts.leakage_by_cause(runs, note=pooled_note),
            lambda: read_leakage(data),
            "Leaked leads had real buying intent and fit, and were lost to the process: the simulation "
            "knows each prospect's true intent, which no CRM can show.",
        ),
        (
            "friction_by_source",
            lambda: charts.friction_by_source(runs, note=pooled_note),
            lambda: read_friction(data),
            "The friction index is the mean daily tension between the teams (0-100), split by the events "
            "that raised it.",
        ),
        (
            "funnel",
            lambda: charts.funnel(runs, note=pooled_note),
            lambda: read_funnel(data),
            "Counts are leads that ever reached each stage; conversion is per step, from the earlier stage.",
        ),
    ]
    if data.series is not None and not data.series.empty:
        variables = [v for v in charts.SERIES_VARS if v in data.series]
        out.append(
            (
                "series",
                lambda: charts.series_bands(data.series, variables, note=pooled_note),
                lambda: read_series(data),
                "Lines are the mean over runs on each business day; bands are 95% confidence intervals.",
            )
        )
    if data.design in ("factorial", "lhs"):
        swept = data.swept
        if len(swept) == 2 and len(data.groups) > 1:
            fx, fy = swept
            for measure in ("revenue", "friction_index"):
                out.append(
                    (
                        f"winner_map_{measure}",
                        lambda m=measure: charts.winner_map(runs, fx, fy, m, note=note, pair_on=data.pair_on),
                        lambda m=measure: read_winner_map(data, fx, fy, m),
                        "Each cell shows the structure with the best mean there; pale hatched cells are "
                        "toss-ups, where the margin over the runner-up is within its 95% CI.",
                    )
                )
        for factor in swept[:MAX_RESPONSE_CHARTS]:
            others = [f for f in swept if f != factor]
            averaged = f"averaged over {_and_list([in_sentence(factor_name(f)) for f in others])}"
            out.append(
                (
                    f"response_{factor.replace('.', '_')}",
                    lambda f=factor, a=averaged, o=others: charts.metric_vs_factor(
                        runs, f, note=_note(data, a) if o else note
                    ),
                    lambda f=factor: read_response(data, f),
                    "Lines are means at each level"
                    + (f", {averaged}" if others else "")
                    + "; bands are 95% confidence intervals; dots are single runs.",
                )
            )
    if data.design in ("sobol", "morris"):
        try:
            indices = sensitivity_indices(data)
        except ValueError as exc:
            why = f"Sensitivity indices could not be computed: {exc}."
            if why not in data.notes:
                data.notes.append(why)
        else:
            out.append(
                (
                    f"sensitivity_{data.design}",
                    lambda: charts.sensitivity(indices, data.design, note=note),
                    lambda: read_sensitivity(indices, data.design),
                    "Sobol: S1 is the share of a result's variance a factor causes alone, ST including its "
                    "interactions (SALib, Saltelli 2010)."
                    if data.design == "sobol"
                    else "Morris: μ* is the mean absolute change in the result when the factor moves one "
                    "step; σ its spread, large when the factor interacts with others (SALib).",
                )
            )
    return out


def draw_charts(
    data: ReportData,
    out_dir: Path,
    planned: Plan | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Chart]:
    """Draw, save (PNG and SVG under ``out_dir/charts``) and read every planned chart."""
    out: list[Chart] = []
    for name, draw, read, how in planned if planned is not None else plan(data):
        fig = draw()
        png, svg = charts.save(fig, out_dir / "charts" / name)
        title = fig.texts[0].get_text().replace("\n", " ") if fig.texts else name
        out.append(Chart(name=name, title=title, reading=read(), png=png, svg=svg, how_to_read=how))
        log.info("chart %s: %s", name, out[-1].reading)
        if progress:
            progress(1)
    return out


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


# -- HTML -------------------------------------------------------------------------------------
CSS = """
:root { --ink:#222; --muted:#666; --rule:#e3e3e3; --accent:#0072B2; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--ink);
       max-width: 1180px; margin: 0 auto; padding: 28px 32px 60px; line-height: 1.5; background: #fff; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 38px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
h3 { font-size: 17px; margin: 26px 0 6px; }
.meta { color: var(--muted); font-size: 14px; }
.question { font-size: 18px; background: #f5f8fb; border-left: 4px solid var(--accent); padding: 12px 16px; }
ul.findings li { margin: 6px 0; }
table { border-collapse: collapse; margin: 10px 0 6px; font-size: 14px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: #fafafa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { font-weight: 700; background: #eef7f1; }
td.changed { font-weight: 600; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
          vertical-align: baseline; }
figure { margin: 8px 0 28px; }
figure img { width: 100%; height: auto; border: 1px solid var(--rule); }
.reading { font-size: 15.5px; margin: 4px 0 8px; }
.reading b { color: var(--accent); }
figcaption { color: var(--muted); font-size: 13px; }
.ok { color: #00795a; font-weight: 700; } .bad { color: #b8430a; font-weight: 700; }
.note { color: var(--muted); font-size: 13.5px; }
pre { background: #f7f7f7; padding: 12px; overflow-x: auto; font-size: 12.5px; }
details summary { cursor: pointer; color: var(--accent); }
@media print { figure { break-inside: avoid; } body { padding: 0; } }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _swatch(data: ReportData, group: str) -> str:
    color = charts.styles_of(data.runs)[group].color
    return f'<span class="swatch" style="background:{color}"></span>{_e(group)}'


def _img(path: Path, alt: str) -> str:
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{_e(alt)}">'


Cell = str | tuple[str, str]
"""A table cell: escaped HTML, or ``(escaped HTML, extra CSS class)``."""


def _table(head: Sequence[str], rows: Sequence[Sequence[Cell]], num_from: int = 1) -> str:
    """An HTML table; columns from ``num_from`` on are right-aligned numbers."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text, extra = cell if isinstance(cell, tuple) else (cell, "")
            cls = " ".join(c for c in ("num" if i >= num_from else "", extra) if c)
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _headline_html(data: ReportData, table: pd.DataFrame) -> str:
    head = ["Measure", "Unit"] + [_swatch(data, g) for g in data.groups]
    rows = []
    for measure, part in table.groupby("measure", sort=False):
        unit = style.measure_unit(measure)
        better = "lower is better" if measure in LOWER_IS_BETTER else "higher is better"
        cells: list[Cell] = [f"{_e(measure_name(measure))}<br><span class='note'>{better}</span>", _e(unit)]
        for row in part.itertuples():
            text = _e(_fmt(measure, row.mean))
            if not math.isnan(row.low):
                interval = f"{_fmt(measure, row.low)} to {_fmt(measure, row.high)}"
                text += f"<br><span class='note'>{_e(interval)}</span>"
            cells.append((text, "best") if row.best else text)
        rows.append(cells)
    return _table(head, rows, num_from=2)


def _parameters_html(data: ReportData) -> str:
    if data.parameters is None:
        return ""
    params = data.parameters
    groups = [c for c in params.columns if c not in ("unit", "default")]
    head = ["Parameter", "Unit", "Default"] + [_e(g) for g in groups]
    rows = []
    for key, row in params.iterrows():
        spec = PARAMETERS.get(str(key))
        label = f"<code>{_e(key)}</code>"
        if spec and spec.doc:
            label += f"<br><span class='note'>{_e(spec.doc)}</span>"
        cells: list[Cell] = [label, _e(row["unit"]), _e(_plain(row["default"]))]
        for g in groups:
            value = row[g]
            text = _e(_plain(value))
            cells.append((text, "changed") if value != row["default"] else text)
        rows.append(cells)
    return (
        "<p>Parameters that differ from the defaults in at least one scenario (bold: differs from the "
        "default). Every other parameter has its documented default (<code>orgsim show SCENARIO</code>).</p>"
        + _table(head, rows, num_from=2)
    )


def _factors_html(data: ReportData) -> str:
    if not data.factors:
        return "<p>No factor was varied.</p>"
    rows = []
    for f in data.factors:
        spec = PARAMETERS.get(f.key)
        doc = spec.doc if spec else ("Org structure preset" if f.key == "structure" else "")
        levels = _describe(f)
        if f.levels is None and f.key in data.runs and f.lo is None:
            levels = ", ".join(_plain(v) for v in sorted(data.runs[f.key].unique()))
        rows.append([f"<code>{_e(f.key)}</code>", _e(doc), _e(spec.unit if spec else ""), _e(levels)])
    fixed = _exp_get(data.experiment or {}, "overrides", "set", "fixed")
    base = _exp_get(data.experiment or {}, "base", "scenario", "scenarios", "base_scenarios")
    text = f"<p>Design: <b>{_e(_design_title(data.design))}</b>"
    if base:
        text += (
            f"; base scenario(s): <b>{_e(', '.join(map(str, base)) if isinstance(base, list) else base)}</b>"
        )
    n_failed = 0 if data.failed is None else len(data.failed)
    text += (
        f"; {data.runs['design_point'].nunique()} design points × {data.reps} replications: "
        f"{len(data.runs)} successful runs" + (f", {n_failed} failed" if n_failed else "") + ".</p>"
    )
    text += _table(["Factor", "Meaning", "Unit", "Levels or range"], rows, num_from=9)
    if isinstance(fixed, dict) and fixed:
        text += (
            "<p>Held fixed for every run: "
            + ", ".join(f"<code>{_e(k)}</code> = {_e(_plain(v))}" for k, v in fixed.items())
            + ".</p>"
        )
    return text


def _design_title(design: str) -> str:
    return {
        "factorial": "full factorial",
        "lhs": "Latin hypercube sample",
        "sobol": "Sobol (Saltelli) sample for variance-based sensitivity",
        "morris": "Morris elementary-effects screening",
        "compare": "replicated comparison",
    }.get(design, design)


def _ledger_html(data: ReportData) -> str:
    check = ledger_check(data.runs)
    n_bad = int((~check["holds"]).sum())
    status = (
        f"<span class='ok'>✓ holds for all {len(check)} runs</span>"
        if n_bad == 0
        else f"<span class='bad'>✗ fails for {n_bad} of {len(check)} runs</span>"
    )
    totals = check.groupby("group", sort=False)[["created", "open", *CLOSED_STATES]].mean()
    rows = [
        [_swatch(data, g)] + [_e(f"{v:,.0f}") for v in totals.loc[g]]
        for g in data.groups
        if g in totals.index
    ]
    head = ["Group", "Created", "Open", *(s.capitalize() for s in CLOSED_STATES)]
    return (
        "<p>Every lead is in exactly one state at every moment. For each run the report recounts "
        "<b>created = open + won + lost + recycled + disqualified + leaked</b> "
        f"(open = inquiry, MQL, SAL, SQL or opportunity): {status}.</p>"
        "<p class='note'>Mean leads per run in each state at the end:</p>" + _table(head, rows)
    )


def _method_html(data: ReportData) -> str:
    items = []
    if data.kind == "compare":
        items.append(
            f"{data.reps} replications of each of {len(data.groups)} scenarios ({len(data.runs)} runs), "
            f"{data.days} business days each."
        )
        items.append(
            f"Seeds: replication <i>r</i> runs with seed SeedSequence([{data.seed}, <i>r</i>]) in every "
            "scenario (common random numbers), so differences between scenarios are not differences in luck. "
            "Same scenario and seed give identical results on any machine and worker count."
        )
        items.append(
            "Uncertainty: 95% confidence intervals of the mean (Student t over replications). A difference "
            "is called clear when the 95% CI of the paired difference between two scenarios excludes zero."
        )
    else:
        n_fail = 0 if data.failed is None else len(data.failed)
        items.append(
            f"{_design_title(data.design).capitalize()}: "
            f"{data.runs['design_point'].nunique()} design points, "
            f"up to {data.reps} replications each; {len(data.runs)} successful runs"
            + (f", {n_fail} failed (listed below)" if n_fail else "")
            + (f"; {data.days} business days per run." if data.days else ".")
        )
        items.append(
            f"Seeds: experiment seed {data.seed}; each run's seed derives from it and the run's index "
            "(numpy SeedSequence), fixed before dispatch."
        )
        items.append(
            "Uncertainty: 95% confidence intervals of the mean (Student t over runs); differences between "
            "structures use Welch's interval. Charts by structure pool all design points of the sweep, so "
            "their intervals include the spread across the design, not only replication noise."
        )
        manifest = data.experiment or {}
        for key, label in (
            ("experiment_hash", "Experiment hash"),
            ("started", "Started"),
            ("finished", "Finished"),
        ):
            value = _exp_get(
                manifest, key, key.replace("started", "start_time").replace("finished", "end_time")
            )
            if value:
                items.append(f"{label}: <code>{_e(value)}</code>")
    items.append("Versions: " + ", ".join(f"{_e(k)} {_e(v)}" for k, v in data.versions.items()) + ".")
    text = "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    if data.failed is not None and len(data.failed):
        rows = [[_e(v) for v in r] for r in data.failed.head(20).astype(str).itertuples(index=False)]
        text += "<h3>Failed runs</h3>" + _table(list(map(_e, data.failed.columns)), rows, num_from=99)
    if data.experiment:
        dump = json.dumps(data.experiment, indent=2, default=str)
        summary = "<summary>The experiment as recorded in manifest.json</summary>"
        text += f"<details>{summary}<pre>{_e(dump)}</pre></details>"
    return text


def render_html(data: ReportData, chart_list: Sequence[Chart], table: pd.DataFrame) -> str:
    """The report as one self-contained HTML string (images inline, no external references)."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    findings = [_capital(_lead_sentence(data, m)) + "." for m in charts.HEADLINE if m in data.runs]
    findings += [
        c.reading
        for c in chart_list
        if c.name == "tradeoff" or c.name.startswith(("winner", "sens", "response"))
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{_e(data.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(data.title)}</h1>",
        f"<p class='meta'>Generated {generated} by orgsim {_e(data.versions.get('orgsim', ''))} · "
        f"{len(data.runs)} runs · {_e(_design_title(data.design))}</p>",
        "<h2>The question</h2>",
        f"<p class='question'>{_e(data.question)}</p>",
        "<h2>What came out</h2><ul class='findings'>",
        *(f"<li>{_e(text)}</li>" for text in findings),
        "</ul>",
    ]
    parts.append("<h2>What was compared</h2>")
    if data.kind == "compare":
        items = "".join(
            f"<li>{_swatch(data, g)}"
            + (f": {_e(data.descriptions[g])}" if data.descriptions.get(g) else "")
            + "</li>"
            for g in data.groups
        )
        parts.append(
            f"<p>{len(data.groups)} scenarios, each structure in its own colour in every chart:</p>"
            f"<ul>{items}</ul>"
        )
        parts.append(_parameters_html(data))
    else:
        parts.append(_factors_html(data))
    parts.extend(f"<p class='note'>{_e(n)}</p>" for n in data.notes)
    parts.append("<h2>Headline results</h2>")
    scope = " (pooled over the sweep's design points)" if _pooled(data) else ""
    parts.append(
        f"<p>Mean per {'scenario' if data.kind == 'compare' else 'structure'}{scope}, with the 95% "
        "confidence "
        "interval below it. Shaded bold: clearly best (its lead over the runner-up is outside the noise).</p>"
    )
    parts.append(_headline_html(data, table))
    parts.append("<h2>Charts</h2>")
    for c in chart_list:
        parts.append(
            f"<figure id='{_e(c.name)}'><h3>{_e(c.title)}</h3>"
            f"<p class='reading'><b>Reading:</b> {_e(c.reading)}</p>"
            f"{_img(c.png, c.title)}"
            f"<figcaption>{_e(c.how_to_read)} Files: charts/{_e(c.png.name)}, charts/{_e(c.svg.name)}."
            "</figcaption></figure>"
        )
    parts.append("<h2>Method</h2>")
    parts.append(_method_html(data))
    parts.append("<h2>Lead-ledger check</h2>")
    parts.append(_ledger_html(data))
    parts.append("</body></html>")
    return "\n".join(parts)


# -- entry points -----------------------------------------------------------------------------
def write_report(
    data: ReportData,
    out_dir: str | Path,
    planned: Plan | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write charts (PNG, SVG), ``summary.csv`` and ``report.html`` into ``out_dir``; return the HTML path.

    ``planned`` is :func:`plan`'s result if the caller already has it; ``progress(1)`` is called
    after each chart.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chart_list = draw_charts(data, out, planned, progress)
    table = headline(data)
    table.drop(columns="best").to_csv(out / "summary.csv", index=False)
    path = out / "report.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(data, chart_list, table), encoding="utf-8")
    tmp.replace(path)  # never a half-written report
    log.info("report written to %s", path)
    return path


def write_comparison_report(comp: Comparison, out_dir: str | Path) -> Path:
    """The report of ``orgsim compare ... --out DIR``; also writes ``runs.csv``. Returns report.html."""
    data = from_comparison(comp)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data.runs.rename(columns={"group": "scenario"}).to_csv(out / "runs.csv", index=False)
    return write_report(data, out)


def write_sweep_report(sweep_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """The report of a sweep directory, written into ``out_dir`` (default: the sweep directory)."""
    data = from_sweep(sweep_dir)
    return write_report(data, out_dir if out_dir is not None else sweep_dir)


__all__ = [
    "Chart",
    "Factor",
    "ReportData",
    "from_comparison",
    "from_sweep",
    "headline",
    "ledger_check",
    "read_sweep",
    "render_html",
    "sensitivity_indices",
    "write_comparison_report",
    "write_report",
    "write_sweep_report",
]
