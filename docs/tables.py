"""Regenerate the tables of docs/model.md: parameters (§10), calibration and "which wins where" (§9).

``uv run python docs/tables.py params`` rewrites §10 in place from the parameter schema;
``uv run python docs/tables.py`` prints the calibration and winner tables to paste over §9's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from orgsim import compare, load_scenario
from orgsim.params import PARAMETERS, SECTIONS
from orgsim.presentation.format import fmt_ci

STRUCTURES = ("separate", "merged", "aligned")
STAGES = ("inquiry", "mql", "sal", "sql", "opportunity", "won")
CONTEXTS = ("separate", "startup", "enterprise", "tough_times", "heterogeneous")
# measure: higher is better?
MEASURES = {
    "revenue": True,
    "contribution": True,
    "cost": False,
    "friction_index": False,
    "leakage_rate": False,
    "win_rate": True,
}


def calibration(reps: int = 10) -> None:
    """Stage conversion rates of the baseline company under each structure."""
    runs = compare(list(STRUCTURES), reps=reps, workers=2).runs()
    print("| transition | " + " | ".join(STRUCTURES) + " |")
    for a, b in zip(STAGES, STAGES[1:], strict=False):
        cells = []
        for s in STRUCTURES:
            part = runs[runs["scenario"] == s]
            cells.append(f"{100 * np.mean(part[f'funnel.{b}'] / part[f'funnel.{a}']):.1f}%")
        print(f"| {a} -> {b} | " + " | ".join(cells) + " |")
    e2e = [
        np.mean(runs[runs.scenario == s]["funnel.won"] / runs[runs.scenario == s]["funnel.inquiry"])
        for s in STRUCTURES
    ]
    print("| end to end | " + " | ".join(f"{100 * x:.1f}%" for x in e2e) + " |")


def winners(reps: int = 20) -> None:
    """Per context, each structure's mean [95% CI] per measure, the best one in bold.

    Then the paired margins to separate (same seeds in every arm) on revenue and contribution.
    """
    margins = []
    print("| context | " + " | ".join(MEASURES) + " |")
    print("|---" * (len(MEASURES) + 1) + "|")
    for ctx in CONTEXTS:
        base = load_scenario(ctx)
        scenarios = [base.with_overrides({"structure": s}).model_copy(update={"name": s}) for s in STRUCTURES]
        comparison = compare(scenarios, reps=reps, workers=2)
        summary = comparison.summary(list(MEASURES))
        margins.append((ctx, comparison))
        cells = []
        for measure, up in MEASURES.items():
            part = summary[summary["measure"] == measure].set_index("scenario")
            best = part["mean"].idxmax() if up else part["mean"].idxmin()
            text = []
            for s in STRUCTURES:
                row = part.loc[s]
                value = f"{s[:3]} " + fmt_ci(measure, row["mean"], row["ci_low"], row["ci_high"])
                text.append(f"**{value}**" if s == best else value)
            cells.append("<br>".join(text))
        print(f"| {ctx} | " + " | ".join(cells) + " |")
    print()
    print("| context | merged − separate revenue | aligned − separate revenue "
          "| merged − separate contribution | aligned − separate contribution |")
    print("|---|---|---|---|---|")
    for ctx, comparison in margins:
        cells = []
        for measure in ("revenue", "contribution"):
            for s in ("merged", "aligned"):
                d = comparison.difference(s, measure, "separate")
                cells.append(fmt_ci(measure, d.mean, d.ci_low, d.ci_high))
        print(f"| {ctx} | " + " | ".join(cells) + " |")


def _default(value: object) -> str:
    return f"{value:,}" if not isinstance(value, (bool, str)) else str(value).lower()


def _range(lo: float | None, hi: float | None, choices: tuple | None) -> str:
    if choices:
        return ", ".join(str(c) for c in choices)
    fmt = lambda v: f"{v:g}"  # noqa: E731
    return f"{fmt(lo)} – {fmt(hi)}" if lo is not None and hi is not None else ""


def parameter_table() -> str:
    """§10's body: one table per section, every parameter from the schema."""
    out = []
    for section in SECTIONS:
        out += [f"**{section}**", "", "| parameter | default | unit | range | source | meaning |"]
        out.append("|---|---|---|---|---|---|")
        for key, spec in PARAMETERS.items():
            if key.startswith(section + "."):
                cells = [
                    f"`{key}`",
                    _default(spec.default),
                    spec.unit,
                    _range(spec.lo, spec.hi, spec.choices),
                ]
                out.append("| " + " | ".join([*cells, spec.source, spec.doc]) + " |")
        out.append("")
    return "\n".join(out)


def rewrite_parameters(path: Path = Path(__file__).parent / "model.md") -> None:
    """Replace §10's tables (from the first section heading to §11) with the schema's."""
    text = path.read_text()
    start = text.index("**horizon**", text.index("## 10. Parameters"))
    end = text.index("## 11.")
    path.write_text(text[:start] + parameter_table() + "\n" + text[end:])


if __name__ == "__main__" and sys.argv[1:] == ["params"]:
    rewrite_parameters()
elif __name__ == "__main__":
    calibration()
    print()
    winners()
