"""The market of prospects, held as arrays so a year of the largest market (10^5 accounts) stays fast.

Each prospect (a buying organisation) has a fit to the ideal customer profile, a latent buying
window (in market or not: only a small share is in market at a time), a deal size, an
engagement score built by marketing touches, and a perception of the company that consistent
messages raise and contradictory ones lower, and whether its fit and intent are hard to read.
Daily dynamics are vectorised; per-prospect detail is materialised by :meth:`Market.prospect`
only where a lead is worked.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from orgsim.model.calendar import YEAR_DAYS
from orgsim.params import Market as MarketParams
from orgsim.params import Marketing as MarketingParams

FIT_CONCENTRATION = 5.0  # Beta(a, b) with a + b = 5: sd ~0.2 around the mean fit
IN_MARKET_ENGAGEMENT = 3.0  # in-market prospects respond to a touch this many times as much
HELD = np.iinfo(np.int32).max  # window_end of a buying window held open by an opportunity
SMALL = 256  # below this many items, plain Python sets beat numpy's per-call overhead
_TENTH = np.array(0.1, dtype=np.float32)  # a message's pull on perception (0-d: numpy 2's faster path)
_EIGHT = np.array(8, dtype=np.uint32)
_FLOAT_UNIT = np.array(2.0**-24, dtype=np.float32)  # numpy's float32 from a 32-bit draw: (u >> 8) * 2**-24
LITTLE_ENDIAN = sys.byteorder == "little"


@dataclass(frozen=True)
class Prospect:
    """A read-only view of one prospect, for inspection and per-lead decisions."""

    index: int
    fit: float
    deal_size: float
    in_market: bool
    engagement: float
    perception: float
    customer: bool
    hard: bool


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted, as ``np.unique(values)`` gives them.

    By a sort: numpy 2's hashing ``np.unique`` took 0.3 s for 300,000 prospect indices, a sort 6 ms.
    """
    ordered = np.sort(values)
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


class Market:
    """All prospects as arrays, with the daily buying-window and engagement dynamics."""

    def __init__(
        self,
        params: MarketParams,
        marketing: MarketingParams,
        rng: np.random.Generator,
    ) -> None:
        n = params.prospects
        self.params = params
        # separate streams, so one process drawing more (touches bought by a bigger budget) does
        # not reshuffle another's luck: buyers enter, leave and raise their hands alike under
        # every structure for the same seed (common random numbers for the market)
        self.rng = rng  # the market's make-up now, campaign touches later
        self.entry_rng, self.window_rng, self.inquiry_rng = rng.spawn(3)
        self.n = n
        a = params.fit_mean * FIT_CONCENTRATION
        self.fit = rng.beta(a, FIT_CONCENTRATION - a, n).astype(np.float32)
        mu = np.log(params.deal_size) - params.deal_size_spread**2 / 2
        self.deal_size = rng.lognormal(mu, params.deal_size_spread, n).astype(np.float32)
        self.customer = np.zeros(n, dtype=bool)
        self.perception = np.full(n, 0.5, dtype=np.float32)
        # buying windows: start in the stationary state, with windows ending in future days
        self.in_market = rng.random(n) < params.in_market_share
        self.window_end = np.full(n, -1, dtype=np.int32)
        self._exits: dict[int, list[int]] = {}
        starters = np.flatnonzero(self.in_market)
        self._schedule_exits(starters, 0)
        # engagement starts at the level the marketing budget sustains (zero budget: zero)
        daily_budget = marketing.budget / YEAR_DAYS
        touches_per_day = daily_budget / marketing.cost_per_touch if marketing.headcount else 0
        self.decay = np.float32(0.5 ** (1 / marketing.engagement_half_life_days))
        steady = touches_per_day / n * marketing.touch_engagement / (1 - self.decay)
        boost = np.where(self.in_market, IN_MARKET_ENGAGEMENT, 1.0)
        self.engagement = (steady * boost * rng.exponential(1.0, n)).astype(np.float32)
        rate = params.in_market_share / (1 - params.in_market_share) / params.buying_window_days
        self.entry_rate = min(1.0, rate * params.demand)
        # scratch buffers for the daily inquiry draw (reused: no large allocations per day)
        self._uniform = np.empty(n, dtype=np.float32)
        self._bound = np.empty(n, dtype=np.float32)
        self._hit = np.empty(n, dtype=bool)
        self._slot = np.zeros(n, dtype=np.int32)  # scratch for finding repeat touches
        # today's saturating campaigns, (targeting, message) -> [(touches, effect)], in order
        self._pooled: dict[tuple[float, float], list[tuple[int, float]]] = {}
        # today's drawn campaigns, (touches, effect, targeting, message): drawn and landed together
        self._campaigns: list[tuple[int, float, float, float]] = []
        self._direct_today = 0  # touches drawn one by one today (past the market's size: pooled)
        # accounts whose fit and intent are hard to read (Rubel et al.: heterogeneous leads)
        self.hard = rng.random(n) < params.hard_lead_share

    def _schedule_exits(self, idx: np.ndarray, day: int) -> None:
        if idx.size == 0:
            return
        length = self.window_rng.exponential(self.params.buying_window_days, idx.size)
        ends = day + 1 + length.astype(np.int32)
        self.window_end[idx] = ends
        exits = self._exits  # day -> prospects whose window is due to close that day
        for i, end in zip(idx.tolist(), ends.tolist(), strict=True):
            bucket = exits.get(end)
            if bucket is None:
                exits[end] = [i]
            else:
                bucket.append(i)

    def enter(self, day: int) -> np.ndarray:
        """Open buying windows for some out-of-market non-customers; returns their indices."""
        k = self.entry_rng.binomial(self.n, self.entry_rate)
        draws = self.entry_rng.integers(0, self.n, k)
        cand = np.array(sorted(set(draws.tolist())), dtype=np.int64) if k < SMALL else sorted_distinct(draws)
        new = cand[~(self.in_market[cand] | self.customer[cand])]
        self.in_market[new] = True
        self._schedule_exits(new, day)
        return new

    def due_exits(self, day: int) -> np.ndarray:
        """Prospects whose buying window is scheduled to close today (still in market), sorted.

        Each is listed once (a window closed early and reopened may be booked twice for a day).
        """
        bucket = self._exits.pop(day, None)
        if not bucket:
            return np.empty(0, dtype=np.int64)
        idx = np.array(sorted(set(bucket)), dtype=np.int64)
        return idx[self.in_market[idx] & (self.window_end[idx] == day)]

    def close_windows(self, idx: np.ndarray) -> np.ndarray:
        """Close buying windows; returns the subset that bought from some vendor (a competitor)."""
        self.in_market[idx] = False
        self.window_end[idx] = -1
        return idx[self.window_rng.random(idx.size) < self.params.buy_share]

    def hold_window(self, i: int) -> None:
        """Keep a prospect in market while it evaluates us in an open opportunity."""
        self.window_end[i] = HELD

    def hear_sales(self, i: int, alignment: float) -> None:
        """A sales conversation moves what buyer ``i`` believes toward sales' message (``alignment``)."""
        self.perception[i] += np.float32(0.3) * (np.float32(alignment) - self.perception[i])

    def decay_engagement(self) -> None:
        """Engagement fades with its half-life."""
        self.engagement *= self.decay

    def touch(
        self,
        n_touches: int,
        effect: float,
        targeting: float,
        message_alignment: float,
    ) -> None:
        """Campaign touches: fit-targeted prospects gain engagement; messages shape perception.

        Each of the ``n_touches`` reaches one prospect, drawn with replacement (now) and accepted
        with probability ``fit ** targeting`` (0: untargeted). Every touch counts: a prospect
        reached twice today gains twice and hears the message twice, as if touched in turn;
        ``effect`` is one touch's engagement gain (engagement units, times
        ``IN_MARKET_ENGAGEMENT`` for an in-market prospect). The touches are drawn and land
        when the day's campaigns are over (:meth:`deliver_touches`): all campaigns in one draw
        and one pass, in the order they were bought.

        A campaign with more touches than prospects saturates the market: it is held and
        counted, with the day's other saturating campaigns of the same targeting and message,
        by :meth:`deliver_touches` (one multinomial draw per pool), so a huge budget costs
        memory and time in proportion to the market, not to the budget or the headcount.
        So is a campaign that would take the day's touches drawn one by one past the
        market's size (many marketers each just under it): a day's touches cost at most about
        two draws over the market plus one per pool, whatever the marketing headcount.
        """
        if n_touches <= 0:
            return
        if self._direct_today + n_touches > self.n:  # (a single campaign over the market too)
            self._pooled.setdefault((targeting, message_alignment), []).append((n_touches, effect))
            return
        self._direct_today += n_touches
        self._campaigns.append((n_touches, effect, targeting, message_alignment))

    def deliver_touches(self) -> None:
        """The day's campaigns land: drawn touches in the order they were bought, then the pools.

        The touches of all the day's drawn campaigns are drawn at once (:meth:`_reach_all`).
        """
        campaigns, self._campaigns = self._campaigns, []
        self._direct_today = 0  # (called once a day, after every marketer's campaign)
        if campaigns:
            reached, sizes = self._reach_all(campaigns)
            start, at = 0, 0
            while start < len(campaigns):  # campaigns with one message land together (all, usually)
                end = start + 1
                while end < len(campaigns) and campaigns[end][3] == campaigns[start][3]:
                    end += 1
                size = sum(sizes[start:end])
                effects = [c[1] for c in campaigns[start:end]]
                self._land(reached[at : at + size], sizes[start:end], effects, campaigns[start][3])
                start, at = end, at + size
        self._deliver_pooled_touches()

    def _land(self, reached: np.ndarray, sizes: list[int], effects: list[float], message: float) -> None:
        """Drawn touches of campaigns with one message: each prospect gains touch by touch, in order.

        ``reached`` holds the campaigns' touches one campaign after another (``sizes`` each, one
        touch's engagement gain ``effects`` each). ``np.add.at`` adds repeats one after another
        in array order, so the float32 sums are those of touching in turn; the message
        (``message``, the alignment) moves perception 10% of the way per touch.
        """
        if len(effects) == 1:
            gain = np.float32(effects[0])
            gains = np.array([gain, gain * np.float32(IN_MARKET_ENGAGEMENT)], dtype=np.float32)
            values = gains[self.in_market[reached].view(np.uint8)]
        else:
            out = np.array(effects, dtype=np.float32)  # out of market, per campaign
            inside = out * np.float32(IN_MARKET_ENGAGEMENT)
            in_market = self.in_market[reached]
            values = np.where(in_market, np.repeat(inside, sizes), np.repeat(out, sizes))
        np.add.at(self.engagement, reached, values)
        aligned = np.float32(message)  # the message: perception moves toward it
        aligned_0d = np.array(aligned)  # (a 0-d array: numpy's fast path for array operands)
        ordered = np.sort(reached)
        first = np.empty(ordered.size, dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        heard_by = ordered[first]  # each reached prospect once
        perception = self.perception
        heard = perception[heard_by]
        perception[heard_by] = heard + _TENTH * (aligned_0d - heard)
        again = ordered[~first]  # a prospect touched k times is listed k - 1 times here
        while again.size:
            if again.size < SMALL // 16:  # a handful of repeats: one at a time is cheaper
                for i in again.tolist():
                    perception[i] += np.float32(0.1) * (aligned - perception[i])
                return
            keep = np.empty(again.size, dtype=bool)
            keep[:1] = True
            np.not_equal(again[1:], again[:-1], out=keep[1:])
            once = again[keep]
            heard = perception[once]
            perception[once] = heard + _TENTH * (aligned_0d - heard)
            again = again[~keep]

    def _deliver_pooled_touches(self) -> None:
        """Count the day's saturating campaigns per prospect: one multinomial per pool.

        Campaigns with the same targeting and message are pooled: the sum of independent
        multinomial draws with the same probabilities is one multinomial of their total, so
        how many touches (and messages) each prospect gets is drawn exactly. Each counted touch
        gains the pool's touch-weighted mean ``effect``: the expected engagement is exact; its
        spread across prospects from marketers' different skills is left out (with more touches
        than prospects it is a small fraction of the draw's own).
        """
        pools, self._pooled = self._pooled, {}
        for (targeting, message_alignment), campaigns in pools.items():
            n_touches = sum(n for n, _ in campaigns)
            if len(campaigns) == 1:
                effect = campaigns[0][1]
            else:
                effect = math.fsum(n * e for n, e in campaigns) / n_touches
            hit, k = self._touch_counts(n_touches, targeting)
            gain = np.float32(effect)
            in_market_gain = gain * np.float32(IN_MARKET_ENGAGEMENT)
            align = np.float32(message_alignment)
            self.engagement[hit] += k * np.where(self.in_market[hit], in_market_gain, gain)
            # k messages in turn, each moving perception 10% of the way to the alignment
            self.perception[hit] = align + (self.perception[hit] - align) * np.float32(0.9) ** k

    def _touch_counts(self, n_touches: int, targeting: float) -> tuple[np.ndarray, np.ndarray]:
        """How many of ``n_touches`` touches each prospect gets: ``(indices, counts)``, counts >= 1.

        The same distribution as :meth:`_reach` (each accepted touch lands on prospect ``i``
        with probability proportional to ``fit[i] ** targeting``) drawn as one multinomial, so
        memory and work follow the number of prospects, not the budget.
        """
        weight = np.ones(self.n) if targeting <= 0 else self.fit.astype(np.float64) ** targeting
        total = weight.sum()
        if not total > 0:  # sharp targeting on a market of near-zero fit: uniform over prospects
            weight, total = np.ones(self.n), float(self.n)
        counts = self.rng.multinomial(n_touches, weight / total)
        hit = np.flatnonzero(counts)
        return hit, counts[hit].astype(np.float32)

    def _reach_all(self, campaigns: list[tuple[int, float, float, float]]) -> tuple[np.ndarray, list[int]]:
        """The prospects each campaign's touches reach, all campaigns in one draw: ``(reached, sizes)``.

        ``campaigns`` are ``(touches, effect, targeting, message)``. Each campaign draws candidates
        as :meth:`_reach` does (a touch is accepted with probability ``fit ** targeting``), but
        the day's candidates come from one draw of prospects and one of acceptance uniforms, so
        the team's campaigns cost two draws, not two per marketer. ``reached`` holds each
        campaign's touches in turn (``sizes[i]`` = its touches); a campaign whose sharp targeting
        left too few accepted draws the rest with :meth:`_reach`.
        """
        need = [c[0] for c in campaigns]
        targeting = [c[2] for c in campaigns]
        draws = [_first_draw(n, t) for n, t in zip(need, targeting, strict=True)]
        cand = self.rng.integers(0, self.n, sum(draws))
        accepted = None
        if any(t > 0 for t in targeting):
            power = np.repeat(np.array(targeting, dtype=np.float32), draws)  # (float32, as fit ** a float)
            accepted = self.rng.random(cand.size) < self.fit[cand] ** power
        parts, start = [], 0
        for n, t, draw in zip(need, targeting, draws, strict=True):  # (a few campaigns: views, no copies)
            mine = cand[start : start + draw]
            if accepted is not None and t > 0:
                mine = mine[accepted[start : start + draw]]
            start += draw
            mine = mine[:n]
            if mine.size < n:  # rare: sharp targeting rejected too many; the rest drawn on its own
                mine = np.concatenate([mine, self._reach(n - mine.size, t)])
            parts.append(mine)
        return (parts[0] if len(parts) == 1 else np.concatenate(parts)), need

    def _reach(self, n_touches: int, targeting: float) -> np.ndarray:
        """The prospects ``n_touches`` touches reach, drawn with replacement (indices)."""
        parts = []
        need = n_touches
        draw = _first_draw(need, targeting)
        while True:
            cand = self.rng.integers(0, self.n, draw)
            if targeting > 0:
                cand = cand[self.rng.random(draw) < self.fit[cand] ** targeting]
            parts.append(cand[:need])
            need -= min(need, cand.size)
            if need == 0:
                return parts[0] if len(parts) == 1 else np.concatenate(parts)
            # sharp targeting rejected too many: draw more, sized by the acceptance seen
            draw = int(need * 1.5 * draw / max(cand.size, 1)) + 8
            if draw > 4 * self.n:  # almost nothing accepted: weigh every prospect once instead
                hit, k = self._touch_counts(need, targeting)
                parts.append(np.repeat(hit, k.astype(np.int64)))
                return np.concatenate(parts)

    def inquiries(self, rate_in: float, rate_out: float, eligible: np.ndarray) -> np.ndarray:
        """Prospects that raise their hand today, sorted (hazard grows with engagement).

        Each prospect draws ``u`` ~ U(0, 1) (float32) and inquires if eligible and ``u`` is below
        its rate (in or out of market) times its engagement. Only the few ``u`` under the larger
        rate's hazard can hit, so the exact test runs on those alone.
        """
        r_in, r_out = np.float32(rate_in), np.float32(rate_out)
        u, bound, hit = self._uniform, self._bound, self._hit
        self._inquiry_uniforms(u)
        np.multiply(self.engagement, max(r_in, r_out), out=bound)  # float32 rounding is monotone
        np.less(u, bound, out=hit)
        cand = hit.nonzero()[0]
        rates = np.array([r_out, r_in], dtype=np.float32)  # out of market, in market
        hazard = rates[self.in_market[cand].view(np.uint8)] * self.engagement[cand]
        return cand[(u[cand] < hazard) & eligible[cand]]

    def _inquiry_uniforms(self, out: np.ndarray) -> None:
        """``inquiry_rng.random(n, dtype=float32)`` into ``out``: the same numbers, drawn faster.

        numpy makes a float32 from each 32-bit half of PCG64's 64-bit outputs, low half first
        (``(u32 >> 8) * 2**-24``, exact in float32); drawing the 64-bit outputs in bulk and
        splitting them gives the same numbers and leaves the generator in the same state,
        when the count is even (no half is ever left over: this stream serves only this draw).
        """
        bits = self.inquiry_rng.bit_generator
        if self.n % 2 or not LITTLE_ENDIAN or type(bits) is not np.random.PCG64:
            self.inquiry_rng.random(self.n, dtype=np.float32, out=out)
            return
        halves = bits.random_raw(self.n // 2).view(np.uint32)  # little-endian: low half first
        np.right_shift(halves, _EIGHT, out=halves)
        np.multiply(halves, _FLOAT_UNIT, out=out, dtype=np.float32, casting="unsafe")  # (exact: < 2**24)

    def prospect(self, i: int) -> Prospect:
        """Materialise one prospect's detail."""
        return Prospect(
            index=int(i),
            fit=float(self.fit[i]),
            deal_size=float(self.deal_size[i]),
            in_market=bool(self.in_market[i]),
            engagement=float(self.engagement[i]),
            perception=float(self.perception[i]),
            customer=bool(self.customer[i]),
            hard=bool(self.hard[i]),
        )


def _first_draw(touches: int, targeting: float) -> int:
    """Candidates drawn first for ``touches`` touches: enough that targeting rarely needs a second draw."""
    return int(touches * (1.0 + targeting) * 1.6) + 8
