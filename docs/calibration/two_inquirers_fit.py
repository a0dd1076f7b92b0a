"""Joint fit of the two-inquirer speed-to-lead mechanism: lead-level ratios and funnel rates together.

Two kinds of inquirer (docs/model.md §4): an *impulse* inquiry (share ``s``) is reachable only
while the buyer is still at their desk and its interest is gone within the hour; a *project*
buyer stays reachable (``floor``) and in market, but a competitor who answers first takes them
(mean ``comp`` days). Both are at their desk in the first minutes (Hill curve, 12 min, k = 4).

The loss adds the squared log-misses of the published first-attempt ratios (Oldroyd 2007,
HBR 2011) and of the SAL->SQL rate (50-70%) of each structure, the latter scaled from today's
model by the change in eventual qualification over that structure's own response times (from
one run's per-lead table per structure). A miss inside a band counts zero.

Run: uv run python docs/calibration/two_inquirers_fit.py
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from orgsim import load_scenario, simulate

RATE, HALF_MIN, K = 0.97, 12.0, 4.0
BASE = 0.45  # qualify_rate x skill x share of reached MQLs with real intent (model, approx.)
SPACING_H = 48.0  # hours between attempts (2 business days, roughly)
STRUCTURES = ("separate", "merged", "aligned")
# published ratio: (low, high) band, as orgsim validate's facts
RATIOS = {
    "contact odds 5 vs 30 min": (50, 200),
    "qualification odds 5 vs 30 min": (10.5, 42),
    "qualification, 1st vs 2nd hour": (3.5, 14),
    "qualification, 1 h vs 24 h+": (60, np.inf),
}
FUNNEL = (0.50, 0.70)  # SAL -> SQL


def desk(h):
    return 1 / (1 + (60 * np.asarray(h, dtype=float) / HALF_MIN) ** K)


def contact(h, x, impulse):
    s, floor, wfloor, imp_min, comp = x
    return RATE * (desk(h) if impulse else floor + (1 - floor) * desk(h))


def warmth(h, x, impulse):
    s, floor, wfloor, imp_min, comp = x
    h = np.asarray(h, dtype=float)
    if impulse:
        return np.exp(-60 * h / imp_min)
    hot = (1 + h / 0.5) ** -1.5
    return (wfloor + (1 - wfloor) * hot) * np.exp(-h / (24 * comp))


def first(h, x, what):
    """First-attempt contact or qualification, mixed over the two kinds."""
    s = x[0]
    out = 0.0
    for impulse, share in ((True, s), (False, 1 - s)):
        c = contact(h, x, impulse)
        out = out + share * (c if what == "contact" else c * BASE * warmth(h, x, impulse))
    return out


def eventual(h, x, attempts):
    """Eventual qualification of a lead first attempted at ``h`` with ``attempts`` tries."""
    s = x[0]
    total = 0.0
    for impulse, share in ((True, s), (False, 1 - s)):
        left = 1.0
        q = 0.0
        for j in range(attempts):
            t = h + SPACING_H * j
            c = contact(t, x, impulse)
            q = q + left * c * warmth(t, x, impulse)
            left = left * (1 - c)
        total = total + share * q
    return total


def odds(p):
    return p / (1 - p)


def band(f, lo, hi):
    return float(np.mean(f(np.linspace(lo, hi, 200))))


def ratios(x):
    q = lambda h: first(h, x, "qualify")  # noqa: E731
    return {
        "contact odds 5 vs 30 min": odds(first(5 / 60, x, "contact")) / odds(first(0.5, x, "contact")),
        "qualification odds 5 vs 30 min": odds(q(5 / 60)) / odds(q(0.5)),
        "qualification, 1st vs 2nd hour": band(q, 0, 1) / band(q, 1, 2),
        "qualification, 1 h vs 24 h+": band(q, 0, 1) / band(q, 24, 48),
    }


TODAY = (0.0, 0.6, 0.75, 20.0, 1e6)  # today's model: one kind of inquirer, no competitor


def responses() -> dict[str, tuple[np.ndarray, int, float]]:
    """Each structure's response hours, attempts and today's SAL->SQL rate (one run, seed 0)."""
    out = {}
    for st in STRUCTURES:
        sc = load_scenario(st)
        r = simulate(st, seed=0, leads=True)
        h = r.leads[(r.leads.source == "marketing") & r.leads.response_hours.notna()].response_hours
        attempts = sc.sla.attempts if sc.sla.enabled else sc.sales.attempts
        out[st] = (h.to_numpy(), attempts, r.funnel["sql"] / r.funnel["sal"])
    return out


def funnel(x, data):
    return {
        st: rate * float(np.mean(eventual(h, x, a))) / float(np.mean(eventual(h, TODAY, a)))
        for st, (h, a, rate) in data.items()
    }


def miss(value, lo, hi):
    return 0.0 if lo <= value <= hi else float(np.log(value / (lo if value < lo else hi)) ** 2)


def loss(x, data, funnel_weight=1.0):
    s, floor, wfloor, imp_min, comp = x
    if not (0 <= s < 1 and 0 < floor <= 1 and 0 <= wfloor <= 1 and 1 < imp_min < 120 and 0.05 < comp < 1e6):
        return 1e9
    r = sum(miss(v, *RATIOS[k]) for k, v in ratios(x).items())
    f = sum(miss(v, *FUNNEL) for v in funnel(x, data).values())
    return r + funnel_weight * f


def show(label, x, data):
    print(f"\n{label}: impulse_share, contact_floor, intent_floor, impulse_minutes, competitor_days = "
          + ", ".join(f"{v:.3g}" for v in x) + f"  (loss {loss(x, data):.3f})")
    for k, v in ratios(x).items():
        print(f"  {k:34s} model {v:8.2f}   published band {RATIOS[k]}")
    for st, v in funnel(x, data).items():
        print(f"  SAL->SQL {st:25s} model {v:8.3f}   published band {FUNNEL}")


if __name__ == "__main__":
    data = responses()
    show("today", TODAY, data)
    starts = ([0.5, 0.3, 0.6, 20, 3], [0.3, 0.25, 0.5, 15, 10], [0.7, 0.5, 0.75, 20, 5], [0.2, 0.4, 0.7, 30, 2])
    for weight, label in ((0.0, "ratios only"), (1.0, "joint (ratios + funnel)"), (1e3, "funnel first")):
        best = min(
            (minimize(loss, x0, args=(data, weight), method="Nelder-Mead", options={"maxiter": 3000})
             for x0 in starts),
            key=lambda r: r.fun,
        )
        show(label, best.x, data)
