"""The executive summary on top of every report: the recommendation, its margin, when it flips, caveats.

Everything here is computed by :mod:`orgsim.analyses.decision` (the verdict rule on paired,
within-setting 95% CIs) and only put into words: the recommendation on the headline economic
measure, the paired margin over each other structure with its CI and the settings it wins, the
conditions under which another structure leads (from the sweep's settings, or — for a comparison
of one company — the measures on which the answer differs), a decision matrix with marks, and the
caveats a board needs (horizon, what revenue and contribution count, what the CIs cover).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from orgsim.analyses.decision import RULE, Contrast, Flip, Verdict, contrasts, flips
from orgsim.model.calendar import YEAR_DAYS
from orgsim.presentation.report.data import DECISION_MEASURES, ReportData
from orgsim.presentation.report.readings import read_tornado_flips
from orgsim.presentation.report.text import diff_text, fmt, level_text
from orgsim.presentation.style import factor_name, in_sentence, measure_name


@dataclass
class Summary:
    """The executive summary, as sentences and a matrix of marked cells."""

    measure: str
    verdict: Verdict
    headline: str  # the recommendation, one sentence
    margins: list[str]  # one sentence per other structure: paired margin, CI, settings won
    flips: list[str]  # when the answer changes
    matrix: list[str]  # measures (columns), in order
    cells: dict[tuple[str, str], tuple[str, str]]  # (group, measure) -> (value text, mark)
    caveats: list[str]
    rule: str = RULE
    notes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)  # what the leader's margins rest on


def _signed(measure: str, value: float) -> str:
    if math.isnan(value):
        return "n/a"
    sign = "+" if value >= 0 else "−"
    return sign + diff_text(measure, value)


def _interval(measure: str, low: float, high: float) -> str:
    if math.isnan(low):
        return "no CI (one run per setting)"
    return f"[{_signed(measure, low)}, {_signed(measure, high)}]"


def _setting_text(setting: tuple[tuple[str, object], ...]) -> str:
    return ", ".join(f"{in_sentence(factor_name(k))} = {level_text(v)}" for k, v in setting)


def _recommendation(data: ReportData, v: Verdict) -> str:
    name = in_sentence(measure_name(v.measure))
    if len(v.order) < 2:
        only = v.order[0] if v.order else "the one structure"
        return (
            f"Only {only} was run, so there is nothing to choose between: this report shows how its "
            f"{name} responds to the conditions varied."
        )
    where = " across the settings of this sweep" if data.kind == "sweep" and data.settings else ""
    if data.reps < 2 and not data.settings:
        return (
            f"One run of each structure (one seed): {v.leader} has the "
            f"{'highest' if v.higher_is_better else 'lowest'} {name} in this run, but a single seed is one "
            "possible year, so there is no confidence interval and no recommendation; run 10 or more "
            "seeds (orgsim compare --reps 10) before deciding."
        )
    if v.clear:
        return (
            f"Recommend {v.leader}: it has the {'highest' if v.higher_is_better else 'lowest'} {name}"
            f"{where}, and its paired margin over every other structure is clear (95% CI excludes zero)."
        )
    tied = ", ".join(v.tied)
    return (
        f"No clear winner on {name}{where}: {v.leader} leads, but its margin over {tied} is within the "
        "noise (the 95% CI of the paired difference includes zero). Decide on the other measures below."
    )


def _margin(data: ReportData, v: Verdict, other: str) -> str:
    d = v.margins[other]
    o = d.overall
    name = in_sentence(measure_name(v.measure))
    verdict_word = "clear" if v.ahead_of(other) else "not clear"
    text = f"{v.leader} vs {other}: {_signed(v.measure, o.mean)} {name} ({verdict_word}; "
    if math.isnan(o.ci_low):
        text += "no CI: one run each, a single seed is one possible year"
    else:
        text += f"95% CI {_interval(v.measure, o.ci_low, o.ci_high)}"
    if len(d.cells) > 1:
        hib = v.higher_is_better
        text += f"; ahead in {d.wins(hib)} of {len(d.cells)} settings, clearly in {d.clear_wins(hib)}" + (
            f", clearly behind in {d.clear_losses(hib)}" if d.clear_losses(hib) else ""
        )
    pairing = "paired by seed" if d.paired_by_seed else "paired by replicate"
    text += f"; {pairing})."
    return text


def _flips(data: ReportData, v: Verdict) -> list[str]:
    out = []
    if len(v.order) < 2:
        return out
    name = in_sentence(measure_name(v.measure))
    if data.kind == "sweep" and data.settings:
        pair_on = data.pair_on or ""
        f = flips(data.runs, v.measure, v.higher_is_better, v.leader, data.settings, pair_on=pair_on)
        if not f.lost:
            out.append(f"{v.leader} has the best mean {name} in all {f.settings} settings of the sweep.")
        else:
            for factor, level, winner in f.conditions:
                out.append(
                    f"Where {in_sentence(factor_name(factor))} = {level_text(level)}, {winner} leads on "
                    f"{name} instead (in every setting at that level)."
                )
            if not f.conditions and data.design != "factorial":
                # a sampled design: each setting has its own levels, so count and compare settings
                out.extend(_contrast_texts(f, contrasts(f), name))
            elif not f.conditions:
                partial = _partial_condition(data, f)
                if partial:
                    out.append(partial)
                for setting, winner, clear in f.lost[:4]:
                    out.append(
                        f"At {_setting_text(setting)}, {winner} leads on {name}"
                        + (" (clearly)." if clear else " (not clearly).")
                    )
                if len(f.lost) > 4:
                    out.append(f"… and in {len(f.lost) - 4} more settings (see the which-wins charts).")
            out.append(f"{v.leader} leads in {f.settings - len(f.lost)} of {f.settings} settings.")
    elif data.tornado is not None and data.tornado.swings:
        out.extend(read_tornado_flips(data.tornado))
    else:
        out.append(
            "This comparison holds one company fixed (the parameters listed below), so it cannot show "
            "where the answer flips: sweep the conditions that matter (demand, team sizes, budget, SLA) "
            "with `orgsim sweep` or `orgsim tornado --out` into this directory to find out."
        )
    if v.measure != "revenue" and "revenue" in data.runs:
        rv = data.verdict("revenue")
        if rv.order and rv.leader != v.leader:
            out.append(
                f"Judged on revenue alone the answer differs: {rv.leader} brings in the most revenue "
                f"({'clearly' if rv.clear else 'not clearly'}), but {v.leader} keeps more of it as {name}."
            )
    return out


def _contrast_texts(f: Flip, found: list[Contrast], name: str) -> list[str]:
    """``separate leads on contribution in 7 of 48 settings (clearly in 1); there, deal size is ...``."""
    out = []
    for challenger in sorted({w for _, w, _ in f.lost}):
        mine = [c for c in found if c.challenger == challenger][:3]
        won = sum(1 for _, w, _ in f.lost if w == challenger)
        clearly = sum(1 for _, w, clear in f.lost if w == challenger and clear)
        text = f"{challenger} leads on {name} in {won} of {f.settings} settings (clearly in {clearly})"
        if mine:
            parts = [
                f"{in_sentence(factor_name(c.factor))} is {'higher' if c.effect > 0 else 'lower'} "
                f"(median {level_text(c.median_won)} vs {level_text(c.median_kept)}"
                + (f" where {f.leader} leads)" if i == 0 else ")")
                for i, c in enumerate(mine)
            ]
            text += "; there, " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        out.append(text + ".")
    return out


def _partial_condition(data: ReportData, f: Flip) -> str:
    """``aligned leads in 3 of the 4 settings where SLA response hours = 4`` (the level losses cluster at).

    The level of one factor holding the largest share of the settings the leader loses (more
    than half of that level's settings, all to one structure), or "" when none does.
    """
    best: tuple[float, str] = (0.5, "")
    for factor in data.settings:
        for level in sorted(data.runs[factor].unique().tolist()):  # native values, as flips gives them
            at = data.runs[data.runs[factor] == level].groupby(data.settings).ngroups
            here = [x for x in f.lost if dict(x[0]).get(factor) == level]
            winners = {x[1] for x in here}
            if at >= 2 and len(winners) == 1 and len(here) / at > best[0]:
                text = (
                    f"{winners.pop()} leads in {len(here)} of the {at} settings where "
                    f"{in_sentence(factor_name(factor))} = {level_text(level)}."
                )
                best = (len(here) / at, text)
    return best[1]


def _levels(data: ReportData, group: str) -> dict[str, object] | None:
    """The parameter values of one compared group: from the comparison's table, else its preset."""
    from orgsim.params import PARAMETERS, STRUCTURES

    table = data.parameters
    if table is not None and group in table.columns:
        return {k: table.at[k, group] for k in table.index if k in PARAMETERS}
    if group in STRUCTURES:
        from orgsim.scenario import load_scenario

        return dict(load_scenario(group).flat())
    return None


def _assumptions(data: ReportData, v: Verdict) -> list[str]:
    """One sentence per other structure: the assumed levels the leader's margin over it rests on.

    Assumed: a value with a plausible range in the parameter schema (a preset's level or an
    assumption) that differs between the two; ``orgsim explain`` (its explain.json in the
    report's directory) says which of them carry the margin and whether it holds across the range.
    """
    from orgsim.params import PARAMETERS

    if len(v.order) < 2:
        return []
    out = []
    mine = _levels(data, v.leader)
    for other in v.margins:
        theirs = _levels(data, other)
        if mine is None or theirs is None:
            continue
        moved = []
        for key, spec in PARAMETERS.items():
            if spec.plausible is None or key not in mine or key not in theirs or mine[key] == theirs[key]:
                continue
            low, high = spec.plausible
            pair = f"{level_text(mine[key])} vs {level_text(theirs[key])}"
            moved.append(f"{key} {pair} (plausible {low:g}–{high:g})")
        if moved:
            out.append(
                f"{v.leader}'s margin over {other} rests on assumed levels, not measured ones: "
                + "; ".join(moved)
                + f". Run `orgsim explain {other} {v.leader} --out DIR` to see which carry it."
            )
    e = data.explanation or {}
    if v.leader in (e.get("a"), e.get("b")) and e.get("summary"):
        # the range check and the measure's own assumptions: the sentences, not the per-part list
        said = [str(line) for line in e["summary"] if not str(line).startswith(("  ", "Assumed values"))]
        for line in said:
            out.append(f"orgsim explain {e.get('a')} {e.get('b')}: " + line)
    return out


def _pipeline_worth(data: ReportData) -> str:
    """`` At the horizon the open pipeline is worth ...``: its face value per structure, and how it counts."""
    from orgsim.presentation.format import fmt_value

    if "pipeline_value" not in data.runs or "group" not in data.runs:
        return ""
    means = data.runs.groupby("group", sort=False)["pipeline_value"].mean()
    if means.empty or means.isna().all():
        return ""
    worth = ", ".join(f"{g} {fmt_value('pipeline_value', v)}" for g, v in means.items())
    text = f" At the horizon the open pipeline is worth (face value, mean) {worth}"
    if "customer_value" in data.runs:
        text += "; customer value counts it at the win rate, as the customers it would bring"
    return text + "."


def _caveats(data: ReportData) -> list[str]:
    out = []
    if data.days:
        years = data.days / YEAR_DAYS
        out.append(
            f"Horizon: {data.days} business days (about {years:.1f} year{'s' if years >= 1.05 else ''}), "
            "measured after a warm-up that is simulated and not counted. Revenue is recurring revenue "
            "recognised in the horizon (installed base and new customers); bookings are the first-year "
            "value of the deals won in it."
        )
        out[-1] += _pipeline_worth(data)
    if "customer_value" in data.runs:
        out.append(
            "The recommendation is made on customer value: the expected lifetime value (gross margin, "
            "discounted) of the customers won in the horizon, plus that of the opportunities still "
            "open at the end at their win rate, minus sales-and-marketing cost. It does not depend on "
            "where the horizon falls, as revenue and contribution do."
        )
    if "contribution" in data.runs:
        out.append(
            "Contribution = revenue minus all sales-and-marketing cost: salaries, heads, program "
            "and outbound spend, commission, and hours lost to friction and spent coordinating, at "
            "the hourly rate."
        )
        means = data.runs.groupby("group")["contribution"].mean()
        if len(means) and bool((means < 0).all()):
            out.append("All structures lose money here: every one's mean contribution is below zero.")
    out.append(
        "The 95% confidence intervals cover simulation noise (different seeds) only, not uncertainty "
        "in the model's assumptions or parameters (docs/model.md gives their sources; `orgsim show` "
        "gives each assumed value's plausible range, and `orgsim explain` re-runs a margin at its ends)."
    )
    if data.kind == "sweep" and data.settings:
        out.append(
            "Means average the sweep's settings with equal weight; a real company sits in one setting, "
            "so read where the answer flips."
        )
    out.append(
        "Leakage counts leads with real buying intent lost to the process: the simulation knows each "
        "buyer's intent, which no CRM does."
    )
    return out


def _mark_symbol(mark: str) -> str:
    marks = {
        "best": "✓ best",
        "tied": "≈ tied",
        "behind": "✗ behind",
        "input": "set by inputs",
        "single": "one run: no verdict",
    }
    return marks.get(mark, "no better direction" if mark == "none" else "")


def summarise(data: ReportData) -> Summary:
    """The executive summary of ``data`` (a comparison or a sweep)."""
    measure = data.economic
    v = data.verdict(measure)
    matrix = [m for m in DECISION_MEASURES if m in data.runs]
    cells: dict[tuple[str, str], tuple[str, str]] = {}
    for m in matrix:
        mv = data.verdict(m)
        for g in data.groups:
            mean, low, high = mv.means.get(g, (math.nan, math.nan, math.nan))
            text = fmt(m, mean) if not math.isnan(mean) else "n/a"
            if not math.isnan(mean) and not math.isnan(low):
                text += f" [{fmt(m, low)}, {fmt(m, high)}]"
            cells[(g, m)] = (text, data.mark(m, g))
    return Summary(
        measure=measure,
        verdict=v,
        headline=_recommendation(data, v),
        margins=[_margin(data, v, g) for g in v.margins],
        flips=_flips(data, v),
        matrix=matrix,
        cells=cells,
        caveats=_caveats(data),
        assumptions=_assumptions(data, v),
    )


def mark_text(mark: str) -> str:
    """A matrix mark for a reader: ``✓ best``, ``≈ tied``, ``✗ behind`` or ``set by inputs``."""
    return _mark_symbol(mark)


__all__ = ["Summary", "mark_text", "summarise"]
