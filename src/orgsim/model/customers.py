"""Customers and recurring revenue: the installed base, contracts, renewals, churn and expansion.

A won deal becomes a customer with an annual contract value (ACV, the deal's first-year value).
Revenue is recognised every business day over the contract (ACV / 250 a day); at each term end
(``customers.contract_years``) the customer renews, with its contract value grown by
``customers.expansion_rate``, or churns. The company starts as a going concern with an installed
base of ``customers.installed_customers`` accounts, their contract values drawn like deal sizes
and their renewal dates spread over one term.

Retention follows what happened before the sale, never the org structure directly. A customer's
churn chance at renewal is ``churn_base`` scaled by a hazard fixed at the sale:

* fit to the ideal customer profile: ``exp(churn_fit_effect x (fit_reference - fit))`` (who
  gets sold: lead definition and qualification, ``sales.fit_min``, reach it);
* quota pressure on a poor fit: ``exp(churn_pressure_effect x pressure x (1 - fit))``, where
  pressure is the quarter's shortfall against the bookings target when the deal closed, felt by
  reps paid on individual commission (``1 - policy.shared_goal``): deals closed to make the
  number are oversold;
* message alignment: ``exp(churn_message_effect x (0.5 - perception))``, the consistency of what
  the buyer heard from marketing and sales by the sale (``market.perception``, which
  ``policy.message_alignment`` moves): a customer sold something other than what was promised
  leaves.

Sources: annual logo churn ~10% (Pacific Crest 2016 private SaaS survey); gross revenue
retention ~90% and net ~100-102% (SaaS Capital 2020 retention benchmarks); annual contracts the
norm and ~$28K median ACV over ~300 customers (KBCM 2019 private SaaS survey). The hazard
effects are assumptions with ranges (``orgsim show customers``). Customers are arrays, one slot
per customer, not Mesa agents. A churned customer does not return to the market within a run.

Draws are hashed from (seed, customer, renewal), so the same customer renews or churns alike
under every structure, and the customers never touch the rest of the model's random stream.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from orgsim.model.calendar import YEAR_DAYS

if TYPE_CHECKING:
    from orgsim.model.world import CustomersWorld

MAX_CHURN = 0.95  # no customer is certain to leave
INSTALLED, WON = 0, 1  # kinds of customer: in the installed base at start, or won in the run
_M1, _M2, _M3 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_MASK, _GOLDEN = (1 << 64) - 1, 0x9E3779B97F4A7C15
_AG, _A2, _A3 = (np.array(c, dtype=np.uint64) for c in (_M1, _M2, _M3))
_A1, _A11, _A27, _A30, _A31 = (np.array(c, dtype=np.uint64) for c in (1, 11, 27, 30, 31))
_UNIT = np.array(2.0**-53)


def _uniform(seed: int, kind: np.ndarray, ident: np.ndarray, renewal: np.ndarray) -> np.ndarray:
    """A uniform draw in [0, 1) per (seed, kind, ident, renewal), by a splitmix64 hash."""
    # on arrays with 0-d constants (numpy 2's faster path; unsigned array arithmetic wraps
    # without a warning), the seed's term in Python integers: the same bits as numpy scalars
    x = (kind.astype(np.uint64) + _A1) * _A2
    x ^= np.array((seed & _MASK) * _GOLDEN & _MASK, dtype=np.uint64)
    x ^= ident.astype(np.uint64) * _A3 + renewal.astype(np.uint64) * _AG
    for shift, mult in ((_A30, _A2), (_A27, _A3)):
        x ^= x >> shift
        x *= mult
    x ^= x >> _A31
    return (x >> _A11).astype(np.float64) * _UNIT


class Customers:
    """Every customer: contract value, churn chance at renewal, next term end, active or churned.

    Conservation: customers at any day = installed + won - churned (:meth:`check`).
    """

    _ARRAYS = {
        "kind": (np.int8, 0),
        "ident": (np.int64, 0),  # installed: its index; won: the prospect
        "acv": (np.float64, 0.0),  # annual contract value now (currency per year)
        "first_acv": (np.float64, 0.0),  # at the measured start, or when won (for retention)
        "churn": (np.float64, 0.0),  # chance of churning at an annual renewal
        "end_day": (np.int64, 0),  # business day the current term ends
        "renewals": (np.int32, 0),
        "active": (np.bool_, False),
        "won_day": (np.int64, -1),
        "in_cohort": (np.bool_, False),  # a customer at the measured start
    }

    def __init__(self, model: CustomersWorld) -> None:
        self.model = model
        self.p = model.params.customers
        self.term_days = max(1, round(self.p.contract_years * YEAR_DAYS))
        self.n = 0
        for name, (dtype, fill) in self._ARRAYS.items():
            setattr(self, name, np.full(64, fill, dtype=dtype))
        self.installed = 0
        self.won = 0
        self.churned = 0
        self.recognised = 0.0  # revenue recognised so far (currency)
        self.new_arr = 0.0  # contract value of customers won
        self.expansion_arr = 0.0  # contract value added at renewals
        self.churned_arr = 0.0  # contract value lost to churn
        self.start_count, self.start_arr, self.start_won, self.start_churned = 0, 0.0, 0, 0
        self.start_recognised = self.start_new = self.start_expansion = self.start_churned_arr = 0.0
        # kept between the days no contract changes (most days): the active contract value's sum
        # as step() would recount it (None: recount), and the first day a term can end
        self._active_acv: float | None = None
        self._next_end = math.inf
        self._install()

    # -- setup ---------------------------------------------------------------------------------
    def _grow(self, need: int) -> None:
        cap = max(need, 2 * self.acv.size)
        for name, (dtype, fill) in self._ARRAYS.items():
            old = getattr(self, name)
            new = np.full(cap, fill, dtype=dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def _add(self, kind: int, ident: np.ndarray, acv: np.ndarray, churn: np.ndarray, end: np.ndarray) -> None:
        k = ident.size
        if self.n + k > self.acv.size:
            self._grow(self.n + k)
        s = slice(self.n, self.n + k)
        self.kind[s] = kind
        self.ident[s] = ident
        self.acv[s] = acv
        self.first_acv[s] = acv
        self.churn[s] = churn
        self.end_day[s] = end
        self.active[s] = True
        self.won_day[s] = -1 if kind == INSTALLED else self.model.day
        self.n += k
        self._active_acv = None
        if k:
            self._next_end = min(self._next_end, int(end.min()))

    def _install(self) -> None:
        """The installed base: contract values like deal sizes, fits like fitting buyers, terms spread."""
        k = self.p.installed_customers
        if k == 0:
            return
        m = self.model
        mk = m.params.market
        rng = np.random.default_rng([m.seed, 0xC057])  # the same base under every structure
        mu = np.log(mk.deal_size) - mk.deal_size_spread**2 / 2
        acv = rng.lognormal(mu, mk.deal_size_spread, k)
        fitting = m.market.fit[m.market.fit >= m.params.sales.fit_min]
        fit = rng.choice(fitting, k) if fitting.size else np.full(k, m.params.sales.fit_min)
        churn = self.churn_chance(fit.astype(np.float64), np.full(k, 0.5), np.zeros(k))
        end = rng.integers(0, self.term_days, k)
        self._add(INSTALLED, np.arange(k), acv, churn, end)
        self.installed = k

    # -- retention -------------------------------------------------------------------------------
    def churn_chance(self, fit: np.ndarray, perception: np.ndarray, pressure: np.ndarray) -> np.ndarray:
        """Chance of churning at a renewal, from fit, quota pressure and message consistency at the sale."""
        p = self.p
        log_hazard = (
            p.churn_fit_effect * (p.fit_reference - fit)
            + p.churn_pressure_effect * pressure * (1.0 - fit)
            + p.churn_message_effect * (0.5 - perception)
        )
        annual = np.minimum(MAX_CHURN, p.churn_base * np.exp(log_hazard))
        return 1.0 - (1.0 - annual) ** p.contract_years  # the chance over one term

    def lifetime_value(self, acv: np.ndarray, churn: np.ndarray) -> np.ndarray:
        """Expected gross-margin value of a customer over ``lifetime_years``, discounted (currency).

        The first term is signed; each later year it stays with 1 - annual churn and grows by
        the expansion rate at renewal.
        """
        p = self.p
        annual_stay = (1.0 - churn) ** (1.0 / p.contract_years)
        q = annual_stay * (1.0 + p.expansion_rate) ** (1.0 / p.contract_years) / (1.0 + p.discount_rate)
        years = np.arange(p.lifetime_years)
        return p.gross_margin * acv * (q[:, None] ** years[None, :]).sum(axis=1)

    # -- the day ---------------------------------------------------------------------------------
    def win(self, prospect: int, acv: float, fit: float, perception: float, pressure: float) -> None:
        """A won deal becomes a customer whose first term starts today."""
        churn = self.churn_chance(np.array([fit]), np.array([perception]), np.array([pressure]))
        end = np.array([self.model.day + self.term_days])
        self._add(WON, np.array([prospect]), np.array([acv]), churn, end)
        self.won += 1
        self.new_arr += acv

    def step(self) -> None:
        """Recognise today's revenue, then renew or churn the contracts whose term ends today."""
        n = self.n
        active = self.active[:n]
        if self._active_acv is None:
            self._active_acv = float(self.acv[:n][active].sum())
        self.recognised += self._active_acv / YEAR_DAYS
        if self.model.day < self._next_end:  # no term ends today
            return
        due = (active & (self.end_day[:n] <= self.model.day)).nonzero()[0]
        if due.size == 0:
            ends = self.end_day[:n][active]
            self._next_end = int(ends.min()) if ends.size else math.inf
            return
        self._active_acv = None  # contracts renew (and grow) or end today
        u = _uniform(self.model.seed, self.kind[due], self.ident[due], self.renewals[due])
        leaves = u < self.churn[due]
        gone, stay = due[leaves], due[~leaves]
        self.active[gone] = False
        self.churned += gone.size
        self.churned_arr += float(self.acv[gone].sum())
        added = self.acv[stay] * self.p.expansion_rate
        self.expansion_arr += float(added.sum())
        self.acv[stay] += added
        self.end_day[stay] += self.term_days
        self.renewals[stay] += 1
        ends = self.end_day[:n][self.active[:n]]
        self._next_end = int(ends.min()) if ends.size else math.inf

    # -- measures --------------------------------------------------------------------------------
    def start_measuring(self) -> None:
        """The measured horizon starts: today's customers are the retention cohort; totals restart."""
        n = self.n
        self.in_cohort[:n] = self.active[:n]
        self.first_acv[:n] = self.acv[:n]
        self.start_count = self.count
        self.start_arr = self.arr
        self.start_won, self.start_churned = self.won, self.churned
        self.start_recognised = self.recognised
        self.start_new, self.start_expansion, self.start_churned_arr = (
            self.new_arr,
            self.expansion_arr,
            self.churned_arr,
        )

    def measured(self, days: int) -> dict[str, float]:
        """The horizon's customer measures (``days`` measured business days).

        Retention is of the cohort under contract at the start: net = its contract value now /
        at the start, gross = the start value of those still under contract / at the start,
        logo churn = the share of its customers who left; each annualised when the horizon is
        not a year.
        """
        n = self.n
        cohort = self.in_cohort[:n]
        still = cohort & self.active[:n]
        start_arr = self.start_arr
        per_year = YEAR_DAYS / days if days > 0 else 1.0

        def annual(ratio: float) -> float:
            return float(ratio**per_year) if ratio > 0 else 0.0

        nrr = annual(float(self.acv[:n][still].sum()) / start_arr) if start_arr > 0 else float("nan")
        grr = annual(float(self.first_acv[:n][still].sum()) / start_arr) if start_arr > 0 else float("nan")
        kept = np.count_nonzero(still) / self.start_count if self.start_count else float("nan")
        return {
            "revenue": self.recognised - self.start_recognised,
            "arr_start": start_arr,
            "arr_end": self.arr,
            "new_customers": float(self.won - self.start_won),
            "churned_customers": float(self.churned - self.start_churned),
            "customers_start": float(self.start_count),
            "customers_end": float(self.count),
            "new_logo_arr": self.new_arr - self.start_new,
            "expansion_arr": self.expansion_arr - self.start_expansion,
            "churned_arr": self.churned_arr - self.start_churned_arr,
            "net_revenue_retention": nrr,
            "gross_revenue_retention": grr,
            "logo_churn": 1.0 - annual(kept) if self.start_count else float("nan"),
        }

    def value_won(self, since_day: int) -> float:
        """Expected lifetime value of the customers won on or after ``since_day`` (currency)."""
        n = self.n
        mine = (self.kind[:n] == WON) & (self.won_day[:n] >= since_day)
        return float(self.lifetime_value(self.first_acv[:n][mine], self.churn[:n][mine]).sum())

    @property
    def count(self) -> int:
        """Customers under contract now."""
        return int(np.count_nonzero(self.active[: self.n]))

    @property
    def arr(self) -> float:
        """Annual recurring revenue now: contract values of active customers (currency per year)."""
        n = self.n
        return float(self.acv[:n][self.active[:n]].sum())

    def check(self) -> None:
        """Conservation: installed + won - churned = active customers."""
        if self.installed + self.won - self.churned != self.count:
            raise AssertionError(
                f"customers: {self.installed} installed + {self.won} won - {self.churned} churned "
                f"!= {self.count} under contract"
            )
