"""Which group to pick on a measure, by a stated rule on paired, within-setting confidence intervals.

The rule (:data:`RULE`): rank the groups by their design-average mean; the leader is
*recommended* when its within-setting paired difference to every other group has a 95% CI on
the good side of zero; otherwise the leader is *ahead, not clearly*, and the groups whose CI
includes zero are tied with it. The same rule marks each cell of a decision matrix (groups x
measures): ``best`` (the clear leader), ``tied`` (not clearly different from the leader),
``behind`` (clearly worse), or ``input`` for a measure that never varies within a group and
setting (set by the inputs, e.g. a structure's meeting hours: no verdict on noise).

For a sweep, :func:`flips` lists the settings where another group has the better mean and
the single-factor conditions that cover them ("merged wins where sales.headcount = 4"); for a
sampled design, :func:`contrasts` says how the settings each challenger wins differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orgsim.experiment.within import (
    WithinDifference,
    constant_within,
    design_mean,
    setting_of,
    within_difference,
)

RULE = (
    "A structure is recommended when its paired difference to every other structure, within each "
    "setting and averaged over the settings, has a 95% confidence interval that excludes zero in "
    "its favour; otherwise the leader is only ahead, and structures whose interval includes zero "
    "are tied with it."
)


@dataclass(frozen=True)
class Verdict:
    """The leader on one measure and its paired margins over each other group."""

    measure: str
    higher_is_better: bool
    order: tuple[str, ...]  # groups, best design-average mean first
    means: dict[str, tuple[float, float, float]]  # group -> (mean, low, high) over the design
    margins: dict[str, WithinDifference]  # other group -> leader minus it (b = leader, a = other)
    constant: bool  # the measure never varies within a group and setting (an input)

    @property
    def leader(self) -> str:
        """The group with the best design-average mean."""
        return self.order[0]

    @property
    def runner_up(self) -> str | None:
        """The second-best group, if any."""
        return self.order[1] if len(self.order) > 1 else None

    def ahead_of(self, group: str) -> int:
        """+1 if the leader is clearly better than ``group``, 0 if not clearly (see :data:`RULE`)."""
        want = 1 if self.higher_is_better else -1
        return 1 if self.margins[group].overall.sign == want else 0

    @property
    def clear(self) -> bool:
        """True when the leader is clearly better than every other group (and the measure is an outcome)."""
        return not self.constant and bool(self.margins) and all(self.ahead_of(g) for g in self.margins)

    @property
    def tied(self) -> list[str]:
        """Groups not clearly different from the leader."""
        return [g for g in self.margins if not self.ahead_of(g)]

    def mark(self, group: str) -> str:
        """``best``, ``tied``, ``behind`` or ``input`` for ``group`` on this measure."""
        if self.constant:
            return "input"
        if group == self.leader:
            return "best" if self.clear else "tied"
        return "tied" if group in self.tied else "behind"


def verdict(
    runs: pd.DataFrame,
    measure: str,
    higher_is_better: bool,
    factors: Sequence[str] = (),
    group: str = "group",
    pair_on: str = "replicate",
) -> Verdict:
    """Rank the groups on ``measure`` and compare the leader with each other group within settings."""
    groups = list(pd.unique(runs[group]))
    means = {g: design_mean(runs[runs[group] == g], measure, factors) for g in groups}
    valid = [g for g in groups if not math.isnan(means[g][0])]
    order = sorted(valid, key=lambda g: means[g][0], reverse=higher_is_better)
    margins = {}
    if order:
        for g in order[1:]:
            margins[g] = within_difference(
                runs, measure, a=g, b=order[0], factors=factors, group=group, pair_on=pair_on
            )
    return Verdict(
        measure=measure,
        higher_is_better=higher_is_better,
        order=tuple(order),
        means=means,
        margins=margins,
        constant=constant_within(runs, measure, factors, group=group),
    )


@dataclass(frozen=True)
class Flip:
    """Where another group beats the overall leader: the settings and the conditions covering them."""

    leader: str
    settings: int  # settings compared
    lost: tuple[tuple[tuple[tuple[str, Any], ...], str, bool], ...]  # (setting, winner there, clearly)
    # (factor, level, winner) where the leader loses in every setting (two or more) at that level
    conditions: tuple[tuple[str, Any, str], ...]
    kept: tuple[tuple[tuple[str, Any], ...], ...] = ()  # the settings where the leader leads


@dataclass(frozen=True)
class Contrast:
    """How the settings a challenger wins differ from those the leader keeps, on one factor.

    ``effect`` is the rank-biserial correlation (-1..1): +1 when every setting the challenger
    wins has a higher value of ``factor`` than every setting the leader keeps.
    """

    challenger: str
    factor: str
    effect: float
    median_won: float  # the factor's median where the challenger leads
    median_kept: float  # ... and where the leader leads
    won: int  # settings the challenger leads
    clearly: int  # ... of which with a clear paired margin


def contrasts(f: Flip, min_settings: int = 3, min_effect: float = 0.3) -> list[Contrast]:
    """For sampled designs (every setting its own levels): where each challenger leads, by factor.

    A factorial design names conditions ("merged leads where sales headcount = 4"); a Latin
    hypercube or Sobol sample has one setting per level, so instead the settings each challenger
    wins are compared with those the leader keeps, factor by factor (rank-biserial effect, a
    Mann-Whitney U scaled to -1..1). Challengers leading fewer than ``min_settings`` settings and
    effects weaker than ``min_effect`` are left out; strongest first per challenger.
    """
    out: list[Contrast] = []
    kept = [dict(s) for s in f.kept]
    for challenger in sorted({w for _, w, _ in f.lost}):
        mine = [(dict(s), clear) for s, w, clear in f.lost if w == challenger]
        if len(mine) < min_settings or len(kept) < min_settings:
            continue
        found = []
        for factor, value in mine[0][0].items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            a = np.array([s[factor] for s, _ in mine], dtype=float)
            b = np.array([s[factor] for s in kept], dtype=float)
            greater = (a[:, None] > b[None, :]).sum() + 0.5 * (a[:, None] == b[None, :]).sum()
            effect = 2.0 * greater / (a.size * b.size) - 1.0
            if abs(effect) >= min_effect:
                found.append(
                    Contrast(
                        challenger,
                        factor,
                        float(effect),
                        float(np.median(a)),
                        float(np.median(b)),
                        len(mine),
                        sum(clear for _, clear in mine),
                    )
                )
        out.extend(sorted(found, key=lambda c: -abs(c.effect)))
    return out


def flips(
    runs: pd.DataFrame,
    measure: str,
    higher_is_better: bool,
    leader: str,
    factors: Sequence[str],
    group: str = "group",
    pair_on: str = "replicate",
) -> Flip:
    """The settings where ``leader`` does not have the best mean, and single-factor conditions.

    A condition ``(factor, level, winner)`` is reported when the leader loses in every setting
    at that level of that factor (and one group wins all of them).
    """
    keyed = runs.assign(_setting=setting_of(runs, factors))
    lost = []
    kept = []
    n = 0
    for setting, cell in keyed.groupby("_setting", sort=False):
        means = cell.groupby(group, sort=False)[measure].mean().dropna()
        if leader not in means or len(means) < 2:
            continue
        n += 1
        best = means.idxmax() if higher_is_better else means.idxmin()
        if best != leader:
            d = within_difference(cell, measure, a=leader, b=best, group=group, pair_on=pair_on)
            lost.append((tuple(setting), str(best), d.overall.sign == (1 if higher_is_better else -1)))
        else:
            kept.append(tuple(setting))
    conditions = []
    all_settings = [tuple(s) for s in pd.unique(keyed["_setting"])]
    for f in factors:
        for level in pd.unique(keyed[f]) if f in keyed else []:
            at = [s for s in all_settings if dict(s).get(f) == level]
            here = [x for x in lost if dict(x[0]).get(f) == level]
            winners = {x[1] for x in here}
            # one setting at a level (a sampled design) is that setting, not a condition
            if len(at) >= 2 and len(here) == len(at) and len(winners) == 1:
                conditions.append((f, level.item() if hasattr(level, "item") else level, winners.pop()))
    return Flip(leader, n, tuple(lost), tuple(conditions), tuple(kept))


__all__ = ["RULE", "Contrast", "Flip", "Verdict", "contrasts", "flips", "verdict"]
