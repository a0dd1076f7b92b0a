"""Readings: one sentence per chart, computed from the same numbers the chart draws."""

from __future__ import annotations

import math

import pandas as pd

from orgsim import measures
from orgsim.analyses.tornado import Tornado
from orgsim.experiment.stats import Difference
from orgsim.presentation import charts, findings, style
from orgsim.presentation.answers import signed
from orgsim.presentation.exhibits import level_text as param_level
from orgsim.presentation.report.data import ReportData
from orgsim.presentation.report.text import and_list, capital, diff_text, fmt, level_text, share, signed_order
from orgsim.presentation.style import factor_name, in_sentence, measure_name


def lead_sentence(data: ReportData, measure: str) -> str:
    """Who is best on ``measure`` and whether clearly ahead of the runner-up (no final stop).

    Paired within settings in a sweep (see :mod:`orgsim.experiment.within`), so the margin is a
    like-with-like difference, never one between different companies.
    """
    v = data.verdict(measure)
    if not v.order:
        return f"{measure_name(measure)}: no data"
    best = v.leader
    name = in_sentence(measure_name(measure))
    text = f"{name} is {signed_order(measure)} for {best} at {fmt(measure, v.means[best][0])}"
    if v.constant:
        return text + " (set by the inputs, not an outcome with noise)"
    second = v.runner_up
    if second is not None:
        d = v.margins[second]
        runner = f"{second} ({fmt(measure, v.means[second][0])})"
        within = ""
        if len(d.cells) > 1:
            within = f", ahead in {d.wins(v.higher_is_better)} of {len(d.cells)} settings"
        if v.ahead_of(second):
            text += f", clearly ahead of {runner} by {diff_text(measure, d.overall.mean)}{within}"
        else:
            noise = "the 95% CI of the paired difference includes zero"
            text += f", ahead of {runner} but not clearly ({noise}){within}"
    return text


def read_outcomes(data: ReportData) -> str:
    """E.g. 'Revenue is highest for aligned at 4.22M, clearly better than integrated ...'."""
    sentences = [lead_sentence(data, m) for m in data.headline]
    return capital("; ".join(sentences)) + "."


def read_leakage(data: ReportData) -> str:
    """The biggest cause, who leaks most and least, and where the groups differ most."""
    runs = data.runs
    causes = [c for c in charts.parts(runs, "leaked.") if runs[f"leaked.{c}"].sum() > 0]
    if not causes:
        return "No lead leaked in any run."
    shares = charts.with_intent_shares(runs, causes)  # of leads with intent, as the leakage rate
    shares = shares[[f"_share.{c}" for c in causes]].set_axis(causes, axis=1).assign(group=runs["group"])
    by_group = shares.groupby("group", sort=False).mean()
    overall = by_group.mean()
    after = overall.drop(list(measures.BEFORE_HANDOFF), errors="ignore")  # never an MQL: said apart
    top = after.idxmax() if len(after) and after.max() > 0 else overall.idxmax()
    total = by_group.sum(axis=1)
    worst, best = total.idxmax(), total.idxmin()
    name = in_sentence(style.cause_name(top))
    text = (
        f"The biggest cause after the hand-off is '{name}' ({share(overall[top])} of leads with buying "
        "intent on average across groups)"
    )
    missed = [c for c in measures.BEFORE_HANDOFF if c in overall.index]
    if missed:
        text += f"; before it, '{in_sentence(style.cause_name(missed[0]))}' {share(overall[missed[0]])}"
        text += " (leads never promoted to MQL)"
    if len(total) > 1:
        text += (
            f"; {worst} leaks most ({share(total[worst])} of leads with intent), {best} least "
            f"({share(total[best])})"
        )
        spread = (by_group.max() - by_group.min()).drop(top, errors="ignore")
        if len(spread) and spread.max() > 0:
            c = spread.idxmax()
            cname = in_sentence(style.cause_name(c))
            lo, hi = by_group[c].idxmin(), by_group[c].idxmax()
            text += (
                f"; besides that, the groups differ most in '{cname}' "
                f"({share(by_group.loc[lo, c])} for {lo} vs {share(by_group.loc[hi, c])} for {hi})"
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
    top_name = in_sentence(style.source_name(top))
    if len(total) == 1:
        return f"The friction index is {total[worst]:.1f} of 100, {100 * share:.0f}% of it from {top_name}."
    return (
        f"Most friction: {worst} ({total[worst]:.1f} of 100), {100 * share:.0f}% of it from {top_name}; "
        f"least: {best} ({total[best]:.1f})."
    )


def read_funnel(data: ReportData) -> str:
    """Overall conversion range and the step where groups differ most."""
    stages = charts.funnel_stages(data.runs)
    conv = charts.step_conversion(data.runs, stages, data.settings)
    overall_step = f"{stages[-1]}/{stages[0]}"
    overall = conv[conv["step"] == overall_step].set_index("group")["mean"].dropna()
    if overall.empty:
        return "No lead reached the end of the funnel."
    lo, hi = overall.idxmin(), overall.idxmax()
    won = in_sentence(style.stage_name(stages[-1]))
    text = (
        f"Overall, {100 * overall[lo]:.2f}% ({lo}) to {100 * overall[hi]:.2f}% ({hi}) of inquiries are {won}"
        if lo != hi
        else f"Overall, {100 * overall[hi]:.2f}% of inquiries are {won}"
    )
    if "won_deals" in data.runs and stages[-1] == "won":
        won_mkt = data.runs.groupby("group", sort=False)["funnel.won"].mean()
        won_all = data.runs.groupby("group", sort=False)["won_deals"].mean()
        g = hi
        text += (
            f". The funnel follows marketing-sourced leads only: for {g}, {won_mkt[g]:,.1f} of its "
            f"{won_all[g]:,.1f} deals won per run; the rest came from leads sales found itself"
        )
    steps = conv[conv["step"] != overall_step].pivot(index="step", columns="group", values="mean")
    if steps.shape[1] > 1:
        spread = (steps.max(axis=1) - steps.min(axis=1)).dropna()
        if len(spread):
            step = spread.idxmax()
            after, before = step.split("/")
            row = steps.loc[step]
            text += (
                f"; the largest gap is at {style.stage_name(before)} → {style.stage_name(after)}: "
                f"{100 * row.min():.0f}% ({row.idxmin()}) to {100 * row.max():.0f}% ({row.idxmax()})"
            )
    return text + "."


def read_series(data: ReportData) -> str:
    """Final cumulative bookings ranking (the series ``revenue``) and the peak of the friction index."""
    assert data.series is not None
    settings = [f for f in data.settings if f in data.series]
    rev = charts.series_band(data.series, "revenue", settings)
    last = rev["day"].max()  # the last recorded day
    final = rev[rev["day"] == last].set_index("group")["mean"]
    best = final.idxmax()
    words = in_sentence(measures.SERIES_MEASURES["revenue"].label)  # "cumulative bookings", as charted
    text = f"By the end of the run, {words} are highest for {best} ({fmt('revenue', final[best])})"
    if len(final) > 1:
        text += f" and lowest for {final.idxmin()} ({fmt('revenue', final.min())})"
    if "tension" in data.series:
        ten = charts.series_band(data.series, "tension", settings)
        peak = ten.loc[ten["mean"].idxmax()]
        day = int(peak["day"])
        text += f"; the friction index peaks at {peak['mean']:.0f}/100 for {peak['group']} around day {day}"
    return text + "."


def read_tradeoff(data: ReportData) -> str:
    """Who forms the Pareto front, and whether one group is best on both means.

    In a sweep, fronts are drawn setting by setting (runs of different settings are different
    companies), so the count is of runs on their own setting's front.
    """
    econ = data.economic
    runs = data.runs.dropna(subset=["friction_index", econ])
    settings = data.settings
    blocks = [cell for _, cell in runs.groupby(settings, sort=False)] if settings else [runs]
    on_front = []
    for cell in blocks:
        front = charts.pareto_front(cell["friction_index"].to_numpy(float), cell[econ].to_numpy(float))
        on_front.append(cell.iloc[front]["group"])
    counts = pd.concat(on_front).value_counts()
    who = ", ".join(f"{n} {g}" for g, n in counts.items())
    if settings:
        text = (
            f"Setting by setting, {int(counts.sum())} of {len(runs)} runs are on their setting's Pareto "
            f"front ({who}); {findings.tradeoff_by_setting(runs, 'friction_index', econ, settings)}"
        )
        return text + "."
    text = f"{int(counts.sum())} of {len(runs)} runs are on the Pareto front ({who})"
    rev, fri = charts.ranked(data.runs, econ), charts.ranked(data.runs, "friction_index")
    name = in_sentence(style.measure_name(econ))
    if len(rev) > 1:
        if rev[0] == fri[0]:
            text += f"; {rev[0]} has both the best mean {name} and the lowest mean friction"
        else:
            text += f"; no group is best on both: {rev[0]} is best on {name}, {fri[0]} has least friction"
    return text + "."


def read_winner_map(data: ReportData, fx: str, fy: str, measure: str, panel_by: str | None = None) -> str:
    """How many cells each group wins, how many clearly, and who wins at the corners."""
    cells = charts.winner_panels(
        data.runs, fx, fy, measure, pair_on=data.pair_on, settings=data.settings, panel_by=panel_by
    )
    parts = []
    for g, part in cells.groupby("winner", sort=False):
        parts.append(f"{g} in {len(part)} of {len(cells)} ({int(part['clear'].sum())} clearly)")
    text = f"{signed_order(measure).capitalize()} {in_sentence(measure_name(measure))}: " + "; ".join(parts)
    xs, ys = sorted(cells["x"].unique()), sorted(cells["y"].unique())
    rank = cells["x"].map(xs.index) + cells["y"].map(ys.index)  # the cells nearest the two corners
    if panel_by is not None:
        rank = rank + cells["panel"].map(sorted(cells["panel"].unique()).index)
    names = and_list([in_sentence(factor_name(f)) for f in (fx, fy, panel_by) if f is not None])
    low, high = cells.loc[rank.idxmin(), "winner"], cells.loc[rank.idxmax(), "winner"]
    if low != high:
        text += f". At the lowest {names}, {low} wins; at the highest, {high}"
    else:
        text += f". At both the lowest and the highest {names}, {low} wins"
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
            parts.append(f"from {fmt(measure, a)} to {fmt(measure, b)} under {g}")
    what = in_sentence(measure_name(measure))
    text = f"Raising {name} from {level_text(lo_level)} to {level_text(hi_level)} moves {what} "
    text += "; ".join(parts) if parts else "(no data at both ends)"
    if len(data.groups) > 1:
        rest = [f for f in data.settings if f != factor]
        best_lo = charts.ranked(at_lo, measure, rest)[:1]
        best_hi = charts.ranked(at_hi, measure, rest)[:1]
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
            shown = f"{value:.2f}" if method == "sobol" else fmt(str(measure), value)
            names.append(f"{in_sentence(factor_name(row.factor))} ({symbol} {shown})")
        parts.append(f"{in_sentence(measure_name(str(measure)))} depends most on " + ", then ".join(names))
    text = "; ".join(parts)
    text = capital(text) + "."
    wide = indices[conf] > 0.5 * indices[key].abs().clip(lower=0.05 if method == "sobol" else 0)
    if wide.mean() > 0.5:
        text += " Most confidence intervals are wide: a larger sample would sharpen this ranking."
    return text


def read_validation(data: ReportData) -> str:
    """How the model fares on held-out published figures, apart from its calibration targets.

    A check agrees only with its point estimate in the range and a CI narrow enough to tell
    (``orgsim validate``'s rule); agreeing with a calibration target is fitted, not earned.
    """
    checks = data.validation or []
    if not checks:
        return "No published figure could be measured."
    out = []
    for calibrated, what in ((False, "held-out published figures"), (True, "calibration targets")):
        part = [c for c in checks if getattr(c, "calibrated", False) == calibrated]
        if not part:
            continue
        verdicts = [getattr(c, "verdict", "not enough data") for c in part]
        agree, disagree = verdicts.count("agrees"), verdicts.count("disagrees")
        text = f"On {len(part)} {what} the model agrees with {agree}, disagrees with {disagree}"
        text += f" and has not enough data for {len(part) - agree - disagree}"
        pairs = zip(part, verdicts, strict=True)
        missed = [f"{c.fact} ({c.structure})" for c, v in pairs if v == "disagrees"]
        if missed:
            more = f" and {len(missed) - 4} more" if len(missed) > 4 else ""
            text += "; it misses " + ", ".join(missed[:4]) + more
        if calibrated:
            text += " (fitted: agreement here is not evidence)"
        out.append(text + ".")
    return " ".join(out)


def read_tornado_flips(t: Tornado) -> list[str]:
    """Where the one-at-a-time tornado says the answer flips, or that it holds (for the summary).

    One sentence per parameter whose margin changes sign between its ends (with both margins and
    their 95% CIs), else one saying the sign holds and which parameter moves the margin most.
    """
    name = in_sentence(measure_name(t.measure))
    where = f"one parameter at a time on {t.scenario}, {t.reps} paired replications"

    def margin(d: Difference) -> str:
        low, high = signed(t.measure, d.ci_low), signed(t.measure, d.ci_high)
        return f"{signed(t.measure, d.mean)} [{low}, {high}]"

    out = []
    for s in t.swings:
        if s.flips:
            b = s.bounds
            sure = s.low.clear and s.high.clear
            out.append(
                f"{capital(in_sentence(factor_name(b.key)))}: {t.a}'s margin over {t.b} on {name} is "
                f"{margin(s.low)} at {param_level(b.low, b.key)} and {margin(s.high)} at "
                f"{param_level(b.high, b.key)}, "
                + (
                    "so the answer flips"
                    if sure
                    else "a change of sign, not a clear one (a CI includes zero)"
                )
                + f" (tornado: {where})."
            )
    if not out and t.swings:
        top = t.swings[0]
        out.append(
            f"{t.a}'s margin over {t.b} on {name} ({margin(t.base)} at the base) keeps its sign at both ends "
            f"of every parameter in the tornado ({where}); {in_sentence(factor_name(top.bounds.key))} moves "
            f"it most, from {margin(top.low)} to {margin(top.high)}."
        )
    return out


def read_forest(data: ReportData, pick: str, shown: list[str]) -> str:
    """Which paired differences to the pick are clear, measure by measure."""
    from orgsim.experiment.within import within_difference

    pair_on = data.pair_on or "replicate"
    parts = []
    for m in shown:
        said: dict[str, list[str]] = {}  # "ahead" / "behind" / "different" -> challengers clearly so
        for g in (g for g in data.groups if g != pick):
            d = within_difference(data.runs, m, a=pick, b=g, factors=data.settings, pair_on=pair_on).overall
            if d.clear:
                better = data.direction(m)
                word = (
                    "different"
                    if better not in ("higher", "lower")
                    else ("ahead" if (d.mean > 0) == (better == "higher") else "behind")
                )
                said.setdefault(word, []).append(g)
        name = in_sentence(measure_name(m))
        if not said:
            parts.append(f"on {name}, no clear difference")
            continue
        verbs = [f"{and_list(gs)} {'is' if len(gs) == 1 else 'are'} clearly {w}" for w, gs in said.items()]
        parts.append(f"on {name}, " + " and ".join(verbs))
    return capital(f"against {pick}: " + "; ".join(parts)) + "."
