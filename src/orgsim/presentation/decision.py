"""The decision page of an ``orgsim decide`` folder: the pick and why, bars, the box chart, the alternatives.

``decision.html`` (self-contained: charts embedded as PNG) and ``charts/decision_*.png`` are
written from ``decision.json`` and ``worlds.parquet``; nothing is re-run.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim import measures
from orgsim.analyses.decide import DECISION, WORLDS, condition_text
from orgsim.errors import InputError
from orgsim.presentation.format import fmt_compact
from orgsim.presentation.page import BASE_CSS
from orgsim.presentation.style import EXTRA_COLORS, STRUCTURE_COLORS, measure_formatter, measure_label
from orgsim.presentation.templating import render

PAGE = "decision.html"


def is_decide_dir(path: Path) -> bool:
    """True when ``path`` holds an ``orgsim decide`` result (decision.json and worlds.parquet)."""
    return (path / DECISION).is_file() and (path / WORLDS).is_file()


def load(path: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """The decision and its worlds table from a decide folder."""
    try:
        decision = json.loads((path / DECISION).read_text())
        table = pd.read_parquet(path / WORLDS, use_threads=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path / DECISION}: unreadable decide result ({type(exc).__name__})") from None
    return decision, table


def _colors(structures: list[str]) -> dict[str, str]:
    extra = iter(EXTRA_COLORS)
    return {s: STRUCTURE_COLORS.get(s) or next(extra, "#777777") for s in structures}


def bars_chart(decision: dict[str, Any], path: Path) -> Path:
    """p_best and mean/max regret per structure, side by side."""
    from matplotlib.figure import Figure

    structures = list(decision["structures"])
    colors = _colors(structures)
    rows = decision["structures"]
    fig = Figure(figsize=(9, 3.4), dpi=110)
    left, right = fig.subplots(1, 2)
    left.barh(structures, [rows[s]["p_best"] for s in structures], color=[colors[s] for s in structures])
    left.set_xlim(0, 1)
    left.set_xlabel("share of worlds where it is best (p_best)")
    left.invert_yaxis()
    y = range(len(structures))
    right.barh(
        [i - 0.2 for i in y],
        [rows[s]["mean_regret"] for s in structures],
        height=0.4,
        color=[colors[s] for s in structures],
        label="mean regret",
    )
    right.barh(
        [i + 0.2 for i in y],
        [rows[s]["max_regret"] for s in structures],
        height=0.4,
        color=[colors[s] for s in structures],
        alpha=0.45,
        label="max regret",
    )
    right.set_yticks(list(y), structures)
    right.invert_yaxis()
    right.xaxis.set_major_formatter(measure_formatter(decision["measure"]))
    right.set_xlabel(
        f"regret in {measure_label(decision['measure'])}\n(best structure's value minus its own)"
    )
    from matplotlib.patches import Patch

    right.legend(
        handles=[
            Patch(color="#555555", label="mean regret"),
            Patch(color="#555555", alpha=0.45, label="max regret"),
        ],
        frameon=False,
        fontsize=8,
    )
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    return path


def top_two(decision: dict[str, Any], table: pd.DataFrame) -> list[str]:
    """The two most important numeric uncertainties (feature scores), for the box chart's axes."""
    numeric = [
        s["parameter"]
        for s in decision["scores"]
        if s["parameter"] in table.columns
        and pd.api.types.is_numeric_dtype(table[s["parameter"]])
        and table[s["parameter"]].dtype != bool
    ]
    return numeric[:2]


def box_chart(decision: dict[str, Any], table: pd.DataFrame, path: Path) -> Path | None:
    """Each world on the two most important uncertainties, coloured by its winner, with the boxes drawn."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    axes_keys = top_two(decision, table)
    if len(axes_keys) < 2:
        return None
    xk, yk = axes_keys
    worlds = table.drop_duplicates("world")
    structures = list(decision["structures"])
    colors = _colors(structures)
    fig = Figure(figsize=(7, 5.2), dpi=110)
    ax = fig.subplots()
    for s in structures:
        mine = worlds[worlds["best"] == s]
        if len(mine):
            ax.scatter(mine[xk], mine[yk], s=28, color=colors[s], label=f"{s} best", alpha=0.85, lw=0)
    x_lo, x_hi = worlds[xk].min(), worlds[xk].max()
    y_lo, y_hi = worlds[yk].min(), worlds[yk].max()
    for box in decision["boxes"]:
        cond = {c["parameter"]: c for c in box["conditions"] if c.get("levels") is None}
        if xk not in cond and yk not in cond:
            continue
        bx = (cond[xk]["low"], cond[xk]["high"]) if xk in cond else (x_lo, x_hi)
        by = (cond[yk]["low"], cond[yk]["high"]) if yk in cond else (y_lo, y_hi)
        ax.add_patch(
            Rectangle(
                (bx[0], by[0]),
                bx[1] - bx[0],
                by[1] - by[0],
                fill=False,
                lw=2,
                ls="--",
                edgecolor=colors[box["structure"]],
                label=f"{box['structure']} box (coverage {box['coverage']:.2f}, "
                f"density {box['density']:.2f})",
            )
        )
    ax.set_xlabel(xk)
    ax.set_ylabel(yk)
    ax.set_title("Where each structure wins (PRIM boxes; other restrictions not shown)", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")
    return path


def otherwise(decision: dict[str, Any], table: pd.DataFrame) -> list[str]:
    """What a client would need to believe to choose each structure other than the pick."""
    pick = decision["choice"]["minimax_regret"]
    worlds = table.drop_duplicates("world")
    ranges = {
        c: (worlds[c].min(), worlds[c].max())
        for c in worlds.columns
        if pd.api.types.is_numeric_dtype(worlds[c]) and worlds[c].dtype != bool
    }
    boxes = {b["structure"]: b for b in decision["boxes"]}
    out = []
    for s, row in decision["structures"].items():
        if s == pick:
            continue
        box = boxes.get(s)
        if row["p_best"] == 0:
            out.append(f"No sampled world favours {s}: nothing within these ranges makes it the best choice.")
        elif box is None or not box["conditions"]:
            out.append(
                f"{s} is best in {row['p_best']:.0%} of worlds, with no simple condition that picks them out."
            )
        else:
            conds = " and ".join(condition_text(c, ranges.get(c["parameter"])) for c in box["conditions"])
            out.append(
                f"To choose {s} instead, you would need to believe that {conds}: in such worlds {s} is best "
                f"{box['density']:.0%} of the time (they hold {box['coverage']:.0%} of the worlds "
                "where it wins)."
            )
    return out


def _png(path: Path | None) -> str:
    return base64.b64encode(path.read_bytes()).decode() if path is not None else ""


def write_decision_page(decide_dir: Path, out_dir: Path | None = None) -> Path:
    """Write decision.html and charts/decision_*.png for a decide folder; returns the page's path."""
    decision, table = load(decide_dir)
    target = out_dir or decide_dir
    charts = target / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    bars = bars_chart(decision, charts / "decision_bars.png")
    boxes = box_chart(decision, table, charts / "decision_boxes.png")
    measure = decision["measure"]

    def value(v: float) -> str:
        return fmt_compact(measure, v)

    html = render(
        "decision.html.j2",
        css=BASE_CSS,
        pick=decision["choice"]["minimax_regret"],
        worlds=decision["worlds"],
        reps=decision["reps"],
        measure_label=measures.label(measure),
        better=f"{decision.get('better', 'higher')} is better",
        sentences=decision.get("sentences", []),
        rule=decision["rule"],
        box_rule=decision.get("box_rule", ""),
        bars=_png(bars),
        boxes=_png(boxes),
        rows=[
            {
                "structure": s,
                "p_best": f"{r['p_best']:.0%}",
                "mean_regret": value(r["mean_regret"]),
                "max_regret": value(r["max_regret"]),
                "mean": value(r["mean"]),
            }
            for s, r in decision["structures"].items()
        ],
        otherwise=otherwise(decision, table),
        margins=[
            {"pair": f"{s} over {o}", "cells": [value(v) for v in m.values()]}
            for s, r in decision["structures"].items()
            for o, m in r.get("margin_over", {}).items()
        ],
        scores=[{"parameter": x["parameter"], "score": f"{x['score']:.3f}"} for x in decision["scores"]],
        worlds_table=decision["worlds_table"],
    )
    page = target / PAGE
    page.write_text(html)
    return page
