"""Does a change in the order of random draws leave the model's outcomes where they were?

A change that keeps the model but draws its random numbers in another order (the team's cold
calls or the day's campaign touches drawn together) gives other numbers for a seed: the same
model, another stream. This compares the default scenarios of all three structures between two
source trees over the same seeds, measure by measure: Welch's t and the two-sample
Kolmogorov-Smirnov test as two independent samples, and the paired t on the seeds' differences
(the same seed shares the market's make-up and the people, so pairing is the sharper test).
With 5 measures x 3 structures = 15 comparisons per test, p-values are read against Holm's
step-down bound at 5% family-wise.

    uv run python -m benchmarks.draw_order --old /path/to/old/src --seeds 30

``--old`` is the ``src`` directory of the other tree (e.g. ``git archive <commit> src | tar -x``);
it is put first on ``PYTHONPATH`` of a child Python of this environment, so only the model's
code differs. Prints a Markdown table (for benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy import stats

STRUCTURES = ("separate", "merged", "aligned")
MEASURES = ("revenue", "win_rate", "leakage_rate", "sla_met_share", "friction_index")
HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys
from orgsim import load_scenario, simulate
import orgsim
seeds, measures = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = {"source": orgsim.__file__}
for structure in json.loads(sys.argv[3]):
    sc = load_scenario(structure)
    out[structure] = []
    for s in seeds:
        out[structure].append([simulate(sc, seed=s).metrics[m] for m in measures])
        print(orgsim.__file__.split("/")[-4], structure, s, file=sys.stderr, flush=True)
print(json.dumps(out))
"""


def start(src: Path, seeds: list[int]) -> subprocess.Popen:
    """Default runs of every structure with the model's code from ``src``, in a child Python."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    env["PYTHONPATH"] = str(src)
    args = [json.dumps(seeds), json.dumps(MEASURES), json.dumps(STRUCTURES)]
    cmd = [sys.executable, "-c", CHILD, *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)  # progress: stderr


def result(child: subprocess.Popen) -> dict:
    """A child's measures per structure and seed."""
    out, _ = child.communicate()
    if child.returncode:
        raise SystemExit(f"a child run failed (exit {child.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def holm(p: list[float], alpha: float = 0.05) -> list[bool]:
    """Holm's step-down: which of the p-values are significant at family-wise ``alpha``."""
    order = sorted(range(len(p)), key=p.__getitem__)
    reject = [False] * len(p)
    for k, i in enumerate(order):
        if p[i] > alpha / (len(p) - k):
            break
        reject[i] = True
    return reject


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="src directory of the tree to compare with")
    parser.add_argument("--new", type=Path, default=HERE.parent / "src", help="src directory (default: ours)")
    parser.add_argument("--seeds", type=int, default=30, help="seeds 1..N (default 30)")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    children = start(args.old.resolve(), seeds), start(args.new.resolve(), seeds)  # the two at once
    old, new = (result(c) for c in children)
    print(f"old: {old['source']}\nnew: {new['source']}\n", file=sys.stderr)
    rows = []
    for structure in STRUCTURES:
        a, b = np.array(old[structure], dtype=float), np.array(new[structure], dtype=float)
        for j, measure in enumerate(MEASURES):
            x, y = a[:, j], b[:, j]
            welch = stats.ttest_ind(y, x, equal_var=False).pvalue
            ks = stats.ks_2samp(y, x).pvalue
            paired = stats.ttest_rel(y, x).pvalue if np.any(y != x) else 1.0
            rows.append((structure, measure, x.mean(), y.mean(), welch, ks, paired))
    flags = [holm([r[k] for r in rows]) for k in (4, 5, 6)]
    print("| structure | measure | old mean | new mean | new - old (% of old) | Welch p | KS p | paired p |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for i, (structure, measure, mo, mn, welch, ks, paired) in enumerate(rows):
        cells = [f"{p:.3f}{' *' if f[i] else ''}" for p, f in zip((welch, ks, paired), flags, strict=True)]
        rel = f"{100 * (mn - mo) / mo:+.1f}%" if mo else "n/a"
        diff = f"{mn - mo:+,.4g} ({rel})"
        print(f"| {structure} | {measure} | {mo:,.4g} | {mn:,.4g} | {diff} | " + " | ".join(cells) + " |")
    smallest = min(min(r[4], r[5], r[6]) for r in rows)
    print(
        f"\n{len(seeds)} seeds (1-{len(seeds)}) per structure and tree; * = significant after Holm at 5% "
        f"family-wise over the {len(rows)} comparisons of each test; none marked: no measure differs "
        f"(smallest raw p {smallest:.3f}). Mean seconds a run are not compared here (see --only day)."
    )


if __name__ == "__main__":
    main()
