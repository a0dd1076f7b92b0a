"""Charts of a calibration: how the loss fell over the trials."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.presentation.charts import save
from orgsim.presentation.style import MUTED, OKABE_ITO, finish, new_figure, themed


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
