"""Regenerate the tables of docs/model.md: parameters (§10), calibration and "which wins where" (§9).

``uv run python docs/tables.py params`` rewrites §10 in place from the parameter schema;
``uv run python docs/tables.py where [REPS]`` prints the calibration and winner tables to paste
over §9's (on customer value first, the decision measure); ``horizons [REPS]`` the one-, two-
and three-year table; ``explain [REPS]`` what carries aligned's and merged's margins over separate;
``capabilities [REPS]`` aligned's closed loop taken away and given to separate (default 5);
``all [REPS]`` all of them (REPS replications each; defaults 10/20, 4 and 4). After a model
change: ``uv run python docs/tables.py params`` and ``uv run python docs/tables.py all 4``.
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
    "customer_value": True,
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
    print(f"Each context under each structure, {reps} replications, one year (measured after the warm-up).")
    print()
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
    paired = ("customer_value", "revenue", "contribution")
    print(f"Paired margins to separate, mean [95% CI] over the same {reps} seeds in every arm:")
    print()
    print(
        "| context | "
        + " | ".join(f"{s} − separate {m}" for m in paired for s in ("merged", "aligned"))
        + " |"
    )
    print("|---" * (2 * len(paired) + 1) + "|")
    for ctx, comparison in margins:
        cells = []
        for measure in paired:
            for s in ("merged", "aligned"):
                d = comparison.difference(s, measure, "separate")
                cells.append(fmt_ci(measure, d.mean, d.ci_low, d.ci_high))
        print(f"| {ctx} | " + " | ".join(cells) + " |")


HORIZONS = (250, 500, 750)  # measured business days: one, two and three years


def _horizon_run(task: tuple[str, int]) -> dict[int, dict[str, float]]:
    """One run of ``structure`` to the longest horizon, measured at each of :data:`HORIZONS`.

    The horizon only says when measuring stops (the model's days do not depend on it), so a
    three-year run read at day 250 is the one-year run on the same seed.
    """
    from orgsim.model.metrics import live_metrics, pipeline_customer_value
    from orgsim.model.model import OrgModel

    structure, seed = task
    model = OrgModel(load_scenario(structure), seed=seed)
    out = {}
    for days in HORIZONS:
        model.run(days - model.measured_days)
        m = live_metrics(model)
        m["pipeline_customer_value"] = pipeline_customer_value(model)
        out[days] = m
    return out


def horizons(reps: int = 4) -> None:
    """One-, two- and three-year runs of the default company: do they tell one story on customer value.

    Per horizon: each structure's customer value, the paired margin to separate, what the open
    pipeline at the horizon is worth (face value, and expected lifetime value at the win rate)
    and the pipeline's share of the value before cost.
    """
    from concurrent.futures import ProcessPoolExecutor

    from orgsim.experiment.seeds import run_seed
    from orgsim.experiment.stats import mean_ci, paired_difference

    seeds = [run_seed(0, r) for r in range(reps)]
    tasks = [(s, seed) for s in STRUCTURES for seed in seeds]
    with ProcessPoolExecutor(2) as pool:
        runs = dict(zip(tasks, pool.map(_horizon_run, tasks), strict=True))

    def column(structure: str, days: int, key: str) -> np.ndarray:
        return np.array([runs[(structure, seed)][days][key] for seed in seeds])

    print(f"Default company, {reps} paired seeds; each three-year run read at 1, 2 and 3 years.")
    print()
    print(
        "| horizon | structure | customer value | margin to separate | margin per year | open pipeline "
        "(face) | pipeline's lifetime value | pipeline's share of value before cost |"
    )
    print("|---|---|---|---|---|---|---|---|")
    cv = "customer_value"
    for days in HORIZONS:
        for s in STRUCTURES:
            value = column(s, days, cv)
            d = paired_difference(column("separate", days, cv), value)
            margin = "—" if s == "separate" else fmt_ci(cv, d.mean, d.ci_low, d.ci_high)
            years = days / 250
            per_year = (
                "—" if s == "separate" else fmt_ci(cv, d.mean / years, d.ci_low / years, d.ci_high / years)
            )
            face, life = column(s, days, "pipeline_value"), column(s, days, "pipeline_customer_value")
            share = np.mean(life) / np.mean(value + column(s, days, "cost"))
            cells = [
                f"{days / 250:.0f} y",
                s,
                fmt_ci(cv, *mean_ci(value)),
                margin,
                per_year,
                fmt_ci("pipeline_value", *mean_ci(face)),
                fmt_ci(cv, *mean_ci(life)),
                f"{100 * share:.0f}%",
            ]
            print("| " + " | ".join(cells) + " |")


EXPLAIN_GROUPS: dict[str, dict[str, list[str]]] = {
    # §9 "What carries each margin": the groups each explain run counts as one player
    "aligned": {
        "hand-off and SLA": [
            "policy.handoff_delay_hours",
            "policy.lead_routing",
            "policy.follow_up_duty",
            "sla.*",
            "sales.prioritisation",
        ],
        "lead definition": ["policy.lead_definition", "policy.mql_volume_bias"],
        "closed loop and meetings": [
            "policy.recycle_owner_hours_per_week",
            "policy.coordination_hours_per_week",
        ],
        "shared goal": ["policy.shared_goal"],
        "one voice and planning": ["policy.message_alignment", "policy.joint_planning", "policy.brand_share"],
    },
    "merged": {
        "generalists": ["policy.specialisation", "policy.generalist_selling"],
        "one head": ["policy.heads", "policy.head_bias", "policy.joint_planning"],
        "hand-off and lead definition": [
            "policy.lead_definition",
            "policy.handoff_delay_hours",
            "policy.lead_routing",
            "policy.follow_up_duty",
            "policy.mql_volume_bias",
        ],
        "shared goal": ["policy.shared_goal"],
        "one voice": ["policy.message_alignment", "policy.brand_share"],
        "closed loop and meetings": [
            "policy.recycle_owner_hours_per_week",
            "policy.coordination_hours_per_week",
        ],
    },
}


def explanations(reps: int = 4) -> None:
    """``orgsim explain separate aligned`` and ``separate merged`` on customer value, as §9 reports them.

    Permutation Shapley over :data:`EXPLAIN_GROUPS`, 2 sampled orders per seed, the range check and
    the measure's own assumptions re-run; prints the sentences ``orgsim explain`` prints.
    """
    from orgsim.analyses.explain import explain
    from orgsim.cli.explain import assumption_lines

    for b, groups in EXPLAIN_GROUPS.items():
        e = explain(
            "separate", b, "customer_value", reps=reps, groups=groups, method="permutation", workers=2
        )
        print(f"orgsim explain separate {b} --measure customer_value: {reps} seeds, {e.runs} runs")
        for line in assumption_lines(e):
            print(line)
        print()


CAPABILITY_ARMS: dict[str, tuple[str, dict[str, float]]] = {
    # §9 "Where aligned's lead comes from now": aligned's closed loop taken away, given to separate
    "separate": ("separate", {}),
    "aligned": ("aligned", {}),
    "aligned, no owner": ("aligned", {"policy.recycle_owner_hours_per_week": 0}),
    "aligned, no reviews": ("aligned", {"policy.review_share": 0}),
    "separate + owner and meetings": (
        "separate",
        {"policy.recycle_owner_hours_per_week": 4, "policy.coordination_hours_per_week": 3},
    ),
}


def capabilities(reps: int = 5) -> None:
    """Aligned's capabilities one at a time: each arm's means and its paired difference to its base."""
    arms = [
        load_scenario(base, overrides).model_copy(update={"name": name})
        for name, (base, overrides) in CAPABILITY_ARMS.items()
    ]
    comparison = compare(arms, reps=reps, workers=2)
    measures = ["revenue", "contribution", "customer_value", "black_hole_share", "handoff_leakage_rate"]
    summary = comparison.summary(measures)
    print(f"Default company, {reps} paired seeds, one year.")
    print()
    print("| arm | " + " | ".join(measures) + " |")
    print("|---" * (len(measures) + 1) + "|")
    for name in CAPABILITY_ARMS:
        part = summary[summary["scenario"] == name].set_index("measure")
        cells = [fmt_ci(m, *part.loc[m, ["mean", "ci_low", "ci_high"]]) for m in measures]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    print("| difference | revenue | contribution | customer_value |")
    print("|---|---|---|---|")
    for base, arm in (
        ("separate", "aligned"),
        ("aligned", "aligned, no owner"),
        ("aligned", "aligned, no reviews"),
        ("separate", "separate + owner and meetings"),
    ):
        cells = []
        for m in ("revenue", "contribution", "customer_value"):
            d = comparison.difference(arm, m, base)
            cells.append(fmt_ci(m, d.mean, d.ci_low, d.ci_high))
        print(f"| {arm} − {base} | " + " | ".join(cells) + " |")


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


def main(argv: list[str]) -> None:
    """Run ``params``, ``where``, ``horizons``, ``explain``, ``capabilities`` or ``all``, then REPS."""
    what = argv[0] if argv else "where"
    reps = int(argv[1]) if len(argv) > 1 else None
    if what == "params":
        rewrite_parameters()
    elif what == "where":
        calibration(reps or 10)
        print()
        winners(reps or 20)
    elif what == "horizons":
        horizons(reps or 4)
    elif what == "explain":
        explanations(reps or 4)
    elif what == "capabilities":
        capabilities(reps or 5)
    elif what == "all":
        calibration(reps or 10)
        print()
        winners(reps or 20)
        print()
        horizons(reps or 4)
        print()
        explanations(reps or 4)
        print()
        capabilities(reps or 5)
    else:
        print(
            f"docs/tables.py: {what!r} is not a table; allowed: "
            "params, where, horizons, explain, capabilities, all",
            file=sys.stderr,
        )
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
