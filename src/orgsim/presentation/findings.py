"""The finding each chart carries in its title: one short sentence from the numbers it draws.

A chart pasted into a deck keeps its message only if the message is in the image, so every
chart's default title is its finding ("aligned leads on revenue, friction and leakage"), and the
subtitle says how to read it. The numbers come from :mod:`orgsim.experiment.summaries`, the same
functions the charts draw with; "clearly" means the 95% CI of the difference excludes zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from orgsim import measures
from orgsim.experiment import summaries
from orgsim.experiment.within import within_difference
from orgsim.presentation.style import cause_name, compact_number, factor_name, in_sentence, source_name

SHORT: dict[str, str] = {
    "revenue": "revenue",
    "contribution": "contribution",
    "friction_index": "friction",
    "leakage_rate": "leakage",
}
"""Short names of headline measures inside a title."""


def _short(measure: str) -> str:
    return SHORT.get(measure, in_sentence(measures.label(measure)))


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def pair_column(runs: pd.DataFrame) -> str | None:
    """``replicate`` when runs are paired by it across groups (common random numbers)."""
    return "replicate" if "replicate" in runs else None


def leader(runs: pd.DataFrame, measure: str, settings: Sequence[str] = ()) -> tuple[str, float, bool]:
    """The best group on ``measure``, its mean, and whether it is clearly ahead of the runner-up.

    With ``settings`` (a sweep's factor columns) the mean weighs each setting the same and
    "clearly" is the verdict on the paired differences within settings, averaged.
    """
    means = summaries.group_stats(runs, measure, settings)["mean"]  # once: ranked() would compute it again
    order = list(means.dropna().sort_values(ascending=measures.lower_is_better(measure)).index)
    best = order[0]
    mean = float(means.loc[best])
    if len(order) < 2:
        return best, mean, True
    if settings:
        pair_on = pair_column(runs) or "replicate"
        w = within_difference(runs, measure, a=order[1], b=best, factors=settings, pair_on=pair_on)
        return best, mean, w.overall.clear
    d = summaries.difference(runs, measure, best, order[1], pair_on=pair_column(runs))
    return best, mean, d.clear


def value(measure: str, x: float) -> str:
    """A value for a title: 2.72M, 18.2, 6.7%."""
    return compact_number(x, measures.unit(measure))


def outcomes(runs: pd.DataFrame, shown: Sequence[str], settings: Sequence[str] = ()) -> str:
    """``aligned leads on revenue, friction and leakage (clearly on friction and leakage)``."""
    groups = summaries.groups_of(runs)
    if len(groups) == 1:
        stats = {m: summaries.group_stats(runs, m, settings).loc[groups[0], "mean"] for m in shown}
        return f"{groups[0]}: " + ", ".join(f"{_short(m)} {value(m, v)}" for m, v in stats.items())
    lead = {m: leader(runs, m, settings) for m in shown}
    bests = {b for b, _, _ in lead.values()}
    if len(bests) == 1:
        best = bests.pop()
        clear = [_short(m) for m, (_, _, c) in lead.items() if c]
        text = f"{best} leads on {and_list([_short(m) for m in shown])}"
        if len(clear) == len(shown):
            return text + ", clear on each"
        if clear:
            return text + f" (clear on {and_list(clear)}; not clear on the rest)"
        return text + ", not clear on any (within the noise)"
    parts = [f"{_short(m)}: {b} ({value(m, v)}, {sure(c)})" for m, (b, v, c) in lead.items()]
    return "Best on " + "; ".join(parts)


def sure(clear: bool) -> str:
    """The word every ranking in a title carries: ``clear`` when the paired 95% CI excludes zero."""
    return "clear" if clear else "not clear"


def leakage(runs: pd.DataFrame, causes: Sequence[str], settings: Sequence[str] = ()) -> str:
    """Who leaks least and most by the tables' leakage rate (leaked / leads with intent); the top cause."""
    if not causes or runs[[f"leaked.{c}" for c in causes]].to_numpy(float).sum() <= 0:
        return "No lead with real buying intent leaked"
    totals = runs[[f"leaked.{c}" for c in causes]].sum()
    after = totals.drop([f"leaked.{c}" for c in measures.BEFORE_HANDOFF], errors="ignore")  # never an MQL
    top = (after if len(after) and after.max() > 0 else totals).idxmax().split(".", 1)[1]
    biggest = f"the biggest cause after the hand-off: {in_sentence(cause_name(top))}"
    rate = summaries.group_stats(runs, "leakage_rate", settings)["mean"].dropna()
    if len(rate) == 1:
        return f"{100 * rate.iloc[0]:.1f}% of leads with intent leak; {biggest}"
    order = summaries.ranked(runs, "leakage_rate", settings)
    best, worst = order[0], order[-1]
    _, _, clear = leader(runs, "leakage_rate", settings)
    return (
        f"{best} leaks the fewest leads with intent ({100 * rate[best]:.1f}%, {sure(clear)} vs {order[1]}), "
        f"{worst} the most ({100 * rate[worst]:.1f}%); {biggest}"
    )


def friction(runs: pd.DataFrame, sources: Sequence[str], settings: Sequence[str] = ()) -> str:
    """Who has least and most friction (with clear / not clear), and what most of it comes from."""
    total = summaries.group_stats(runs, "friction_index", settings)["mean"].dropna()
    order = summaries.ranked(runs, "friction_index", settings)
    if not order or total.max() <= 0:
        return "No friction between the teams"
    best, worst = order[0], order[-1]
    parts = runs[runs["group"] == worst][[f"friction_by_source.{s}" for s in sources]].mean()
    if not len(parts):
        return "No friction between the teams"
    top = parts.idxmax().split(".", 1)[1]
    share = parts.max() / total[worst]
    what = f"{100 * share:.0f}% of it from {in_sentence(source_name(top))}"
    if len(total) == 1:
        return f"Friction index {total[worst]:.0f} of 100, {what}"
    _, _, clear = leader(runs, "friction_index", settings)
    return (
        f"{best} has the least friction ({total[best]:.0f} of 100, {sure(clear)} vs {order[1]}); "
        f"{worst} the most ({total[worst]:.0f}, {what})"
    )


def funnel(runs: pd.DataFrame, stages: Sequence[str], settings: Sequence[str] = ()) -> str:
    """Who turns the most marketing inquiries into won deals."""
    conv = summaries.step_conversion(runs, stages, settings)
    overall = conv[conv["step"] == f"{stages[-1]}/{stages[0]}"].set_index("group")["mean"].dropna()
    if overall.empty:
        return "No marketing inquiry reached a won deal"
    hi, lo = overall.idxmax(), overall.idxmin()
    if hi == lo:
        return f"{100 * overall[hi]:.2f}% of marketing inquiries end in a won deal"
    runner = overall.drop(hi).idxmax()
    inquiries = runs[f"funnel.{stages[0]}"].astype(float)
    ratio = runs.assign(_conversion=runs[f"funnel.{stages[-1]}"] / inquiries.where(inquiries > 0))
    pair_on = pair_column(runs) or "replicate"
    w = within_difference(ratio, "_conversion", a=runner, b=hi, factors=settings, pair_on=pair_on)
    clear = w.overall.clear
    return (
        f"{hi} turns the most marketing inquiries into won deals ({100 * overall[hi]:.2f}%, {sure(clear)} "
        f"vs {runner}), {lo} the fewest ({100 * overall[lo]:.2f}%)"
    )


def series(frame: pd.DataFrame, variables: Sequence[str], settings: Sequence[str] = ()) -> str:
    """Who ends the horizon with the most bookings, and whose friction runs highest."""
    text = []
    if "revenue" in variables:
        rev = summaries.series_band(frame, "revenue", settings)
        final = rev[rev["day"] == rev["day"].max()].set_index("group")["mean"]
        best = final.idxmax()
        last = frame[frame["day"] == frame["day"].max()]
        tail = ""
        if len(final) > 1:
            runner = final.drop(best).idxmax()
            d = summaries.difference(last, "revenue", runner, best, pair_on=pair_column(last))
            tail = f", {sure(d.clear)} vs {runner}"
        # the series' own measure, as its chart panel names it: "Cumulative bookings" -> "bookings"
        drawn = in_sentence(measures.SERIES_MEASURES["revenue"].label.removeprefix("Cumulative "))
        text.append(f"{best} ends with the most {drawn} ({value('revenue', final.max())}{tail})")
    if "tension" in variables:
        ten = summaries.series_band(frame, "tension", settings)
        mean = ten.groupby("group", sort=False)["mean"].mean()
        text.append(f"friction runs highest under {mean.idxmax()}" if len(mean) > 1 else "")
    sentence = "; ".join(t for t in text if t)
    return sentence or "The runs day by day"


def tradeoff(runs: pd.DataFrame, x: str, y: str, settings: Sequence[str] = ()) -> str:
    """Whether one group is best on both axes (design-average means with ``settings``)."""
    by_y, by_x = summaries.ranked(runs, y, settings), summaries.ranked(runs, x, settings)
    if len(by_y) < 2:
        return f"{by_y[0]}: {_short(y)} against {_short(x)}, run by run"
    cy, cx = (sure(leader(runs, m, settings)[2]) for m in (y, x))
    if by_y[0] == by_x[0]:
        return f"{by_y[0]} is best on both {_short(y)} ({cy}) and {_short(x)} ({cx}): no tradeoff to make"
    return f"A tradeoff: {by_y[0]} is best on {_short(y)} ({cy}), {by_x[0]} on {_short(x)} ({cx})"


def tradeoff_by_setting(runs: pd.DataFrame, x: str, y: str, settings: Sequence[str]) -> str:
    """``merged is best on both revenue and friction in 5 of 8 settings`` (each setting on its own)."""
    both: dict[str, int] = {}
    k = 0
    for _, cell in runs.groupby(list(settings), sort=False):
        by_y, by_x = summaries.ranked(cell, y), summaries.ranked(cell, x)
        if len(by_y) < 2 or not by_x:
            continue
        k += 1
        if by_y[0] == by_x[0]:
            both[by_y[0]] = both.get(by_y[0], 0) + 1
    if not k:
        text = f"{_short(y)} against {_short(x)}, setting by setting"  # one group: nothing to rank
        return text[0].upper() + text[1:]
    if not both:
        return f"A tradeoff in every setting: no structure is best on both {_short(y)} and {_short(x)}"
    order = sorted(both, key=lambda g: -both[g])
    text = f"{order[0]} is best on both {_short(y)} and {_short(x)} in {both[order[0]]} of {k} settings"
    rest = [f"{g} in {both[g]}" for g in order[1:]]
    tradeoffs = k - sum(both.values())
    if rest:
        text += "; " + ", ".join(rest)
    if tradeoffs:
        text += f"; a tradeoff in {tradeoffs}"
    lead_y, lead_x = leader(runs, y, settings), leader(runs, x, settings)
    text += (
        f" (over the settings: {lead_y[0]} best on {_short(y)}, {sure(lead_y[2])}; "
        f"{lead_x[0]} on {_short(x)}, {sure(lead_x[2])})"
    )
    return text


def winner_map(cells: pd.DataFrame, measure: str) -> str:
    """``aligned has the highest contribution in 7 of 9 settings (5 clearly)``."""
    if cells.empty:
        return f"No winner on {_short(measure)}"
    counts = cells.groupby("winner", sort=False).agg(n=("winner", "size"), clear=("clear", "sum"))
    counts = counts.sort_values("n", ascending=False)
    top = counts.index[0]
    direction = "lowest" if measures.lower_is_better(measure) else "highest"
    text = (
        f"{top} has the {direction} {_short(measure)} in {counts.loc[top, 'n']} of {len(cells)} settings "
        f"({int(counts.loc[top, 'clear']) or 'none'} clearly)"
    )
    if len(counts) > 1:
        text += "; " + ", ".join(f"{g} in {int(r.n)}" for g, r in counts.iloc[1:].iterrows())
    return text


def response(runs: pd.DataFrame, factor: str, measure: str, settings: Sequence[str] = ()) -> str:
    """Which group is best on ``measure`` at the lowest and at the highest level of ``factor``.

    With ``settings``, by the mean over the other factors' settings at that level (each the same weight).
    """
    level = summaries.binned(runs[factor])
    lo = summaries.ranked(runs[level == level.min()], measure, settings)[:1]
    hi = summaries.ranked(runs[level == level.max()], measure, settings)[:1]
    name = in_sentence(factor_name(factor))
    direction = "lowest" if measures.lower_is_better(measure) else "highest"
    if not lo or not hi:
        return f"How {_short(measure)} responds to {name}"
    c_lo = sure(leader(runs[level == level.min()], measure, settings)[2])
    c_hi = sure(leader(runs[level == level.max()], measure, settings)[2])
    if lo == hi:
        return f"{lo[0]} has the {direction} {_short(measure)} at both ends of {name} ({c_lo}, {c_hi})"
    return (
        f"The best structure on {_short(measure)} changes with {name}: {lo[0]} when low ({c_lo}), "
        f"{hi[0]} when high ({c_hi})"
    )


def sensitivity(indices: pd.DataFrame, method: str) -> str:
    """The factor each measure depends on most."""
    key = "ST" if method == "sobol" else "mu_star"
    parts = []
    for measure, part in indices.groupby("measure", sort=False):
        top = part.sort_values(key, ascending=False).iloc[0]
        parts.append(f"{_short(str(measure))} on {in_sentence(factor_name(str(top['factor'])))}")
    return "Depends most: " + "; ".join(parts)
