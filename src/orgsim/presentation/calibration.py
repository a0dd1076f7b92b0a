"""Charts of a calibration (how the loss fell over the trials) and of a validation (a scorecard)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import patheffects

from orgsim.presentation.charts import save
from orgsim.presentation.style import INK, MUTED, OKABE_ITO, compact_number, finish, new_figure, themed

if TYPE_CHECKING:
    from orgsim.analyses.validate import FactCheck


@themed
def convergence_figure(trials: pd.DataFrame, baseline_loss: float):  # noqa: ANN201 - a Figure
    """Each trial's loss as a dot, the best so far as a step line, the starting loss as a rule.

    ``trials`` has columns trial, loss, best (from :meth:`Calibration.trials_frame`). The loss
    axis is logarithmic when the losses span more than two orders of magnitude.
    """
    fig = new_figure(height=5.2)
    ax = fig.subplots()
    losses = trials["loss"].to_numpy(dtype=float)
    ax.scatter(trials["trial"], losses, s=22, color=OKABE_ITO["sky_blue"], label="a trial's loss", zorder=2)
    ax.step(trials["trial"], trials["best"], where="post", color=OKABE_ITO["vermillion"], lw=2.2,
            label="best so far", zorder=3)  # fmt: skip
    ax.axhline(baseline_loss, color=MUTED, ls="--", lw=1.2, label="the scenario as given", zorder=1)
    positive = np.concatenate([losses[losses > 0], [baseline_loss] if baseline_loss > 0 else []])
    if positive.size and positive.max() / max(positive.min(), 1e-12) > 100:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    ax.set_xlabel("trial")
    ax.set_ylabel("loss (sum of squared relative misses)")
    ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="none")
    best = float(trials["best"].iloc[-1]) if len(trials) else float("nan")
    change = f"{baseline_loss:.3g} to {best:.3g}" if np.isfinite(best) else "no trials yet"
    return finish(
        fig,
        "Calibration: the loss over the trials",
        subtitle=f"Loss from {change} over {len(trials)} trials (0 = every target met)",
        note=(
            "Each trial: the same seeded replications (common random numbers); "
            "loss summed over targets and structures."
        ),
    )


def convergence_chart(trials: pd.DataFrame, baseline_loss: float, stem: str | Path) -> tuple[Path, Path]:
    """Write the convergence chart as ``stem.png`` and ``stem.svg``."""
    return save(convergence_figure(trials, baseline_loss), stem)


def _position(value: float, low: float, high: float | None, log: bool) -> float:
    """Where ``value`` lies against [low, high]: 0 at low, 1 at high (log scale for ratios).

    An open range (``high`` None: "more than 60x") is drawn as if it ended at 10 x low.
    """
    if value is None or not np.isfinite(value):
        return float("nan")
    top = high if high is not None else low * 10
    if log:
        if value <= 0 or low <= 0:
            return float("nan")
        return float((np.log(value) - np.log(low)) / (np.log(top) - np.log(low)))
    return float((value - low) / (top - low)) if top != low else float("nan")


@themed
def validation_figure(checks: Sequence[FactCheck]):  # noqa: ANN201 - a Figure
    """Each fact as a row: its published range as a band, each structure's mean and 95% CI.

    Every fact is drawn on its own scale (0 = the published low, 1 = the high; log for odds
    ratios), so facts in shares, hours and odds ratios share one axis; values far outside
    are drawn at the edge with an arrow, their number and the published range beside it.
    Held-out facts come first, calibration targets after (marked). Filled: agrees; hollow:
    disagrees; faint: not enough data. Facts not measured are listed as such.
    """
    from orgsim.presentation.style import STRUCTURE_COLORS

    def verdict_of(c: FactCheck) -> str:
        return getattr(c, "verdict", "not enough data")

    checks = sorted(checks, key=lambda c: bool(getattr(c, "calibrated", False)))  # held-out first
    facts = list(dict.fromkeys(c.fact for c in checks))
    targets = {c.fact for c in checks if getattr(c, "calibrated", False)}
    structures = list(dict.fromkeys(c.structure for c in checks))
    fig = new_figure(height=max(4.0, 1.6 + 0.34 * len(facts)))
    ax = fig.subplots()
    lo_edge, hi_edge = -1.0, 2.0
    ax.axvspan(0, 1, color="#E4E4E4", zorder=0, label="published range")  # grey: green is aligned's
    offsets = np.linspace(-0.22, 0.22, len(structures)) if len(structures) > 1 else [0.0]
    off: dict[tuple[int, str], list[FactCheck]] = {}
    for y, fact in enumerate(facts):
        for offset, structure in zip(offsets, structures, strict=True):
            check = next((c for c in checks if c.fact == fact and c.structure == structure), None)
            if check is None or not np.isfinite(check.model):
                continue
            log = check.kind == "ratio"
            x = _position(check.model, check.published_low, check.published_high, log)
            lo = _position(check.ci_low, check.published_low, check.published_high, log)
            hi = _position(check.ci_high, check.published_low, check.published_high, log)
            color = STRUCTURE_COLORS.get(structure, MUTED)
            yy = y + offset
            alpha = 0.35 if verdict_of(check) == "not enough data" else 1.0
            if np.isfinite(lo) and np.isfinite(hi):
                ax.plot([max(lo, lo_edge), min(hi, hi_edge)], [yy, yy], color=color, lw=1.6, zorder=2,
                        alpha=alpha)  # fmt: skip
            marker = ">" if x > hi_edge else "<" if x < lo_edge else "o"
            face = color if verdict_of(check) == "agrees" else "white"  # filled: agrees
            ax.scatter([min(max(x, lo_edge), hi_edge)], [yy], facecolor=face, edgecolor=color, marker=marker,
                       s=34, linewidths=1.5, zorder=3, alpha=alpha)  # fmt: skip
            if marker != "o":  # off the scale: its number goes in the row's label for that side
                off.setdefault((y, marker), []).append(check)
        for (row, marker), shown in off.items():  # one label per row and side, so none overlap
            above = marker == ">"
            ax.annotate(_off_scale_text(shown), (hi_edge if above else lo_edge, row),
                        xytext=(-8 if above else 8, 0), textcoords="offset points",
                        ha="right" if above else "left", va="center", fontsize=7.5, color=INK,
                        path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
                        zorder=4)  # fmt: skip
        off.clear()
    for structure in structures:
        ax.scatter([], [], color=STRUCTURE_COLORS.get(structure, MUTED), label=structure)
    names = []
    for fact in facts:
        measured = any(c.fact == fact and np.isfinite(c.model) for c in checks)
        name = f"{fact} (calibration target)" if fact in targets else fact
        names.append(name if measured else f"{name} (not measured)")
    ax.set_yticks(range(len(facts)), names)
    ax.invert_yaxis()
    ax.set_xlim(lo_edge - 0.05, hi_edge + 0.05)
    ax.set_xticks(
        [lo_edge, 0, 0.5, 1, hi_edge], ["far below", "published low", "", "published high", "far above"]
    )
    ax.grid(axis="y", visible=False)
    ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(structures) + 1, frameon=False, fontsize=9
    )
    held = [c for c in checks if c.fact not in targets]
    agree = sum(1 for c in held if verdict_of(c) == "agrees")
    fitted = sum(1 for c in checks if c.fact in targets and verdict_of(c) == "agrees")
    return finish(
        fig,
        f"The model agrees with {agree} of {len(held)} held-out published figures",
        subtitle=(
            f"Each structure's mean and 95% CI against the published range (shaded); "
            f"{fitted} of {len(checks) - len(held)} calibration targets agree (fitted)"
        ),
        note=(
            "Each fact on its own scale: 0 = published low, 1 = published high (log for odds ratios). "
            "Filled: agrees (mean in range, CI narrow enough); hollow: disagrees; faint: not enough data."
        ),
    )


def _number(value: float | None, check: FactCheck) -> str:
    """A fact's value in its own unit: ``0.6%``, ``4.75x``, ``48.0``."""
    from orgsim.experiment.observables import OBSERVABLES

    if value is None or not np.isfinite(value):
        return "-"
    if check.kind == "ratio":
        return f"{value:.3g}x"
    if check.kind == "band":
        return f"{value:+.0%}"
    unit = OBSERVABLES[check.measure].unit if check.measure in OBSERVABLES else ""
    if unit == "share":
        return f"{100 * value:.1f}%" if abs(value) >= 0.001 else f"{100 * value:.2g}%"
    return compact_number(value, unit) if unit else f"{value:.3g}"


def _off_scale_text(checks: Sequence[FactCheck]) -> str:
    """``separate 0.6%, merged 1.2% (published 27%-47%)`` for values drawn at the edge."""
    c = checks[0]
    high = "" if c.published_high is None else f"-{_number(c.published_high, c)}"
    values = ", ".join(f"{x.structure} {_number(x.model, x)}" for x in checks)
    return f"{values} (published {_number(c.published_low, c)}{high})"


def validation_chart(checks: Sequence[FactCheck], stem: str | Path) -> tuple[Path, Path]:
    """Write the validation scorecard chart as ``stem.png`` and ``stem.svg``."""
    return save(validation_figure(checks), stem)
