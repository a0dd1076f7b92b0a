"""Fit the speed-to-lead curves to the published first-attempt ratios ([oldroyd2007]), and show the tension.

Contact on an attempt ``h`` hours after the buyer raised their hand:
    contact(h) = rate * (floor + (1 - floor) / (1 + (60 h / half_min)^k))
Qualification of a reached buyer cools: warmth(h) = wfloor + (1 - wfloor) * (1 + h / whalf)^-wpow.
First-attempt qualification = contact(h) * base * warmth(h), base = the rest of the chance (skill,
real intent), which cancels in probability ratios but not in odds ratios.

Run: uv run python docs/calibration/speed_to_lead_fit.py
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

BASE = 0.45  # qualify_rate x skill x share of reached MQLs with real intent (model, approx.)
RATE = 0.97


def contact(h, floor, half_min, k):
    return RATE * (floor + (1 - floor) / (1 + (60 * np.asarray(h) / half_min) ** k))


def warmth(h, wfloor, whalf, wpow):
    return wfloor + (1 - wfloor) * (1 + np.asarray(h) / whalf) ** -wpow


def odds(p):
    return p / (1 - p)


def band(f, lo, hi):
    h = np.linspace(lo, hi, 400)
    return float(np.mean(f(h)))


def ratios(x):
    floor, half_min, k, wfloor, whalf, wpow = x

    def qual(h):
        return contact(h, floor, half_min, k) * BASE * warmth(h, wfloor, whalf, wpow)

    c5, c30 = contact(5 / 60, floor, half_min, k), contact(0.5, floor, half_min, k)
    return {
        "contact odds 5 vs 30 min (100x)": odds(c5) / odds(c30),
        "contact odds 0 vs 60 min (>10x)": odds(contact(0.0, floor, half_min, k))
        / odds(contact(1.0, floor, half_min, k)),
        "qualification odds 5 vs 30 min (21x)": odds(qual(5 / 60)) / odds(qual(0.5)),
        "qualification, within 1 h vs the 2nd hour (7x)": band(qual, 0, 1) / band(qual, 1, 2),
        "qualification, within 1 h vs 24-48 h (60x)": band(qual, 0, 1) / band(qual, 24, 48),
        "eventual contact, 6 attempts vs 1, a day late (+70%)": (
            1 - (1 - contact(24, floor, half_min, k)) ** 6
        )
        / contact(24, floor, half_min, k),
    }


TARGETS = [100, 10, 21, 7, 60, 1.7]


def loss(x, floor_min):
    if not (
        floor_min <= x[0] < 1
        and 0.5 < x[1] < 600
        and 0.5 < x[2] < 8
        and 0 <= x[3] < 1
        and 0.01 < x[4] < 100
        and 0 < x[5] < 5
    ):
        return 1e9
    r = list(ratios(x).values())
    return float(sum(np.log(a / t) ** 2 for a, t in zip(r, TARGETS, strict=True)))


if __name__ == "__main__":
    for floor_min in (0.0, 0.3, 0.5):
        best = min(
            (
                minimize(
                    loss,
                    x0,
                    args=(floor_min,),
                    method="Nelder-Mead",
                    options={"maxiter": 4000, "xatol": 1e-4},
                )
                for x0 in (
                    [max(0.1, floor_min), 10, 3, 0.1, 1, 1],
                    [max(0.3, floor_min), 15, 4, 0.3, 0.5, 1.5],
                )
            ),
            key=lambda r: r.fun,
        )
        print(
            f"\ncontact floor >= {floor_min}: params floor, half_min, k, wfloor, whalf, wpow = "
            + ", ".join(f"{v:.3g}" for v in best.x)
            + f"  (loss {best.fun:.2f})"
        )
        for (name, value), target in zip(ratios(best.x).items(), TARGETS, strict=True):
            print(f"  {name:55s} model {value:8.2f}   published {target}")
