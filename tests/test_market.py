"""The vectorised market and its fast paths: exact against straightforward versions."""

from __future__ import annotations

import numpy as np
import pytest

import orgsim.model.model as model_module
from orgsim import load_scenario
from orgsim.model.market import IN_MARKET_ENGAGEMENT, Market
from orgsim.model.metrics import measure
from orgsim.model.model import OrgModel
from orgsim.model.outbound import cold_call, cold_calls


class PlainMarket(Market):
    """The market's rules written plainly (touches one at a time; campaigns that would take the
    day's touches past the market's size pooled and counted per prospect in one draw), the spec
    of its fast paths.

    It consumes random numbers exactly as ``Market`` must, so a model run with either gives
    identical numbers for a fixed seed.
    """

    def enter(self, day: int) -> np.ndarray:
        k = self.entry_rng.binomial(self.n, self.entry_rate)
        cand = np.unique(self.entry_rng.integers(0, self.n, k))
        new = cand[~self.in_market[cand] & ~self.customer[cand]]
        self.in_market[new] = True
        self._schedule_exits(new, day)
        return new

    def due_exits(self, day: int) -> np.ndarray:
        idx = np.unique(np.array(self._exits.pop(day, []), dtype=np.int64))
        return idx[self.in_market[idx] & (self.window_end[idx] == day)]

    def hold_window(self, i: int) -> None:
        self.window_end[i] = np.iinfo(np.int32).max

    def weights(self, targeting: float) -> np.ndarray:
        """The chance that an accepted touch lands on each prospect (uniform if none would fit)."""
        weight = np.ones(self.n) if targeting <= 0 else self.fit.astype(np.float64) ** targeting
        return weight / weight.sum() if weight.sum() > 0 else np.ones(self.n) / self.n

    def touch(self, n_touches: int, effect: float, targeting: float, message_alignment: float) -> None:
        if n_touches <= 0:
            return
        if self._direct_today + n_touches > self.n:  # the day's touches past the market: pooled
            self._pooled.setdefault((targeting, message_alignment), []).append((n_touches, effect))
            return
        self._direct_today += n_touches
        self._campaigns.append((n_touches, effect, targeting, message_alignment))

    def draw_until_accepted(self, n_touches: int, targeting: float) -> list[int]:
        """One campaign's touches drawn on their own, until enough are accepted."""
        reached: list[int] = []
        draw = int(n_touches * (1.0 + targeting) * 1.6) + 8
        while len(reached) < n_touches:  # draw until enough are accepted
            cand = self.rng.integers(0, self.n, draw)
            if targeting > 0:
                cand = cand[self.rng.random(draw) < self.fit[cand] ** targeting]
            reached += cand[: n_touches - len(reached)].tolist()
            draw = int((n_touches - len(reached)) * 1.5 * draw / max(cand.size, 1)) + 8
            if len(reached) < n_touches and draw > 4 * self.n:  # nearly all rejected: weigh each once
                counts = self.rng.multinomial(n_touches - len(reached), self.weights(targeting))
                reached += np.repeat(np.arange(self.n), counts).tolist()
        return reached

    def deliver_touches(self) -> None:
        self._direct_today = 0
        campaigns, self._campaigns = self._campaigns, []
        # the day's campaigns draw together: each its candidates, from one draw of prospects and
        # one of acceptance uniforms (if any campaign targets), in the order they were bought
        draws = [int(n * (1.0 + t) * 1.6) + 8 for n, _, t, _ in campaigns]
        cand = self.rng.integers(0, self.n, sum(draws)) if campaigns else np.empty(0, dtype=np.int64)
        u = self.rng.random(sum(draws)) if any(t > 0 for _, _, t, _ in campaigns) else None
        start = 0
        for (n_touches, effect, targeting, message_alignment), draw in zip(campaigns, draws, strict=True):
            mine = cand[start : start + draw]
            if u is not None and targeting > 0:
                mine = mine[u[start : start + draw] < self.fit[mine] ** targeting]
            start += draw
            reached = mine[:n_touches].tolist()
            if len(reached) < n_touches:  # too few accepted: the rest drawn on its own
                reached += self.draw_until_accepted(n_touches - len(reached), targeting)
            for i in reached:  # one touch at a time
                boost = np.float32(IN_MARKET_ENGAGEMENT if self.in_market[i] else 1.0)
                self.engagement[i] += np.float32(effect) * boost
                self.perception[i] += np.float32(0.1) * (np.float32(message_alignment) - self.perception[i])
        for (targeting, message_alignment), campaigns in self._pooled.items():
            total = sum(n for n, _ in campaigns)
            effect = campaigns[0][1] if len(campaigns) == 1 else sum(n * e for n, e in campaigns) / total
            counts = self.rng.multinomial(total, self.weights(targeting))  # how many each gets
            for i in np.flatnonzero(counts):  # k touches at once: k gains, k 10% steps
                k = np.float32(counts[i])
                boost = np.float32(IN_MARKET_ENGAGEMENT if self.in_market[i] else 1.0)
                self.engagement[i] += k * (np.float32(effect) * boost)
                align = np.float32(message_alignment)
                self.perception[i] = align + (self.perception[i] - align) * np.float32(0.9) ** k
        self._pooled = {}

    def inquiries(self, rate_in: float, rate_out: float, eligible: np.ndarray) -> np.ndarray:
        rate = np.where(self.in_market, np.float32(rate_in), np.float32(rate_out))
        hit = self.inquiry_rng.random(self.n, dtype=np.float32) < rate * self.engagement
        return np.flatnonzero(hit & eligible)


STATE = ("fit", "deal_size", "in_market", "window_end", "engagement", "perception", "customer")


def twin(rng: np.random.Generator) -> np.random.Generator:
    """A generator in the same state as ``rng``, advancing independently."""
    copy = np.random.Generator(type(rng.bit_generator)())
    copy.bit_generator.state = rng.bit_generator.state
    return copy


def market_pair(seed: int, prospects: int) -> tuple[Market, PlainMarket]:
    sc = load_scenario("separate", {"market.prospects": prospects})
    fast = Market(sc.market, sc.marketing, np.random.default_rng(seed))
    plain = PlainMarket(sc.market, sc.marketing, np.random.default_rng(seed))
    return fast, plain


def market_args() -> tuple:
    sc = load_scenario("separate", {"market.prospects": 2000})
    return sc.market, sc.marketing


def stream_state(rng: np.random.Generator) -> dict:
    """A generator's state as far as its next draws go (a stale buffered half is never read)."""
    state = dict(rng.bit_generator.state)
    if not state.get("has_uint32", 1):
        state["uinteger"] = None
    return state


def assert_same(fast: Market, plain: Market) -> None:
    for name in STATE:
        assert np.array_equal(getattr(fast, name), getattr(plain, name)), name
    for stream in ("rng", "entry_rng", "window_rng", "inquiry_rng"):
        assert stream_state(getattr(fast, stream)) == stream_state(getattr(plain, stream)), stream


@pytest.mark.parametrize(
    ("scenario", "overrides", "days"),
    [
        ("separate", {}, 250),
        ("aligned", {"marketing.learning_rate": 0.2, "policy.feedback": 1.0}, 150),  # sharp targeting
        ("merged", {"market.prospects": 400, "horizon.days": 120}, 120),  # crowded: repeat touches
    ],
)
def test_model_runs_identical_with_the_plain_market(monkeypatch, scenario, overrides, days):
    sc = load_scenario(scenario, overrides or None)
    fast = OrgModel(sc, seed=11).run(days)
    monkeypatch.setattr(model_module, "Market", PlainMarket)
    plain = OrgModel(sc, seed=11).run(days)
    assert isinstance(plain.market, PlainMarket)
    assert measure(fast).metrics == measure(plain).metrics
    assert_same(fast.market, plain.market)


def test_daily_rules_match_the_plain_rules_day_by_day():
    fast, plain = market_pair(3, prospects=5000)
    gen = np.random.default_rng(0)  # drives both markets' inputs
    for day in range(120):
        assert np.array_equal(fast.enter(day), plain.enter(day))
        due = fast.due_exits(day)
        assert np.array_equal(due, plain.due_exits(day))
        assert np.array_equal(fast.close_windows(due), plain.close_windows(due))
        early = gen.choice(fast.n, 40, replace=False)  # deals decided: windows close early
        early = early[fast.in_market[early]]
        assert np.array_equal(fast.close_windows(early), plain.close_windows(early))
        fast.decay_engagement()
        plain.decay_engagement()
        touches, targeting = (
            int(gen.integers(0, 3000)),
            float(gen.choice([0.0, 0.3, 1.5, 6.0])),
        )  # 6: most rejected
        fast.touch(touches, 0.3, targeting, 0.8)
        plain.touch(touches, 0.3, targeting, 0.8)
        if day % 3:  # another campaign, another effect: the day's campaigns land together, in order
            fast.touch(touches // 2, 0.7, targeting, 0.8)
            plain.touch(touches // 2, 0.7, targeting, 0.8)
        fast.deliver_touches()
        plain.deliver_touches()
        eligible = gen.random(fast.n) < 0.9
        rate_in, rate_out = gen.choice([(0.02, 0.004), (0.001, 0.05), (0.3, 0.3)])
        hands = fast.inquiries(rate_in, rate_out, eligible)
        assert np.array_equal(hands, plain.inquiries(rate_in, rate_out, eligible))
        assert_same(fast, plain)


@pytest.mark.parametrize("prospects", [5000, 5001])  # an odd market draws the plain way
def test_inquiry_uniforms_are_numpys_float32_draws(prospects):
    fast, plain = market_pair(8, prospects=prospects)
    out = np.empty(prospects, dtype=np.float32)
    for _ in range(3):
        fast._inquiry_uniforms(out)
        expected = plain.inquiry_rng.random(prospects, dtype=np.float32)
        assert np.array_equal(out, expected)
        assert stream_state(fast.inquiry_rng) == stream_state(plain.inquiry_rng)
    assert plain.inquiry_rng.random() == fast.inquiry_rng.random()  # the streams go on alike


def test_due_exits_are_exactly_the_windows_ending_today():
    sc = load_scenario("separate", {"market.prospects": 5000})
    market = Market(sc.market, sc.marketing, np.random.default_rng(4))
    for day in range(150):
        market.enter(day)
        expected = np.flatnonzero(market.in_market & (market.window_end == day))
        due = market.due_exits(day)
        assert np.array_equal(due, expected), day  # sorted, each once
        market.close_windows(due)
        if day % 7 == 0 and due.size:
            market.hold_window(int(due[0]))  # a held window never comes due


@pytest.mark.parametrize("targeting", [0.0, 1.0, 12.0])  # 12: most draws rejected, drawn again
def test_every_touch_counts(targeting):
    market = Market(*market_args(), np.random.default_rng(2))
    market.in_market[:] = False
    market.perception[:] = 0.5
    before = market.engagement.astype(np.float64).sum()
    market.touch(1900, 0.25, targeting, 0.5)  # 1,900 touches on 2,000 prospects: many repeats
    market.deliver_touches()
    assert market.engagement.astype(np.float64).sum() - before == pytest.approx(1900 * 0.25, rel=1e-4)


def test_touches_reach_fitting_prospects_when_targeted():
    market = Market(*market_args(), np.random.default_rng(3))
    market.touch(200, 1.0, 2.0, 1.0)  # acceptance fit^2: reached fit ~0.57 against 0.4
    market.deliver_touches()
    touched = market.perception > 0.5
    assert market.fit[touched].mean() > market.fit.mean() + 0.1


def test_a_window_booked_twice_for_a_day_is_due_once():
    market = Market(*market_args(), np.random.default_rng(1))
    i = int(np.flatnonzero(market.in_market)[0])
    end = int(market.window_end[i])
    market._exits[end].append(i)  # closed early, reopened, and due again the same day
    assert market.due_exits(end).tolist().count(i) == 1


def test_in_market_share_stays_near_its_parameter():
    sc = load_scenario("separate", {"market.prospects": 50_000})
    market = Market(sc.market, sc.marketing, np.random.default_rng(5))
    shares = []
    for day in range(200):
        market.enter(day)
        market.close_windows(market.due_exits(day))
        shares.append(market.in_market.mean())
    assert abs(np.mean(shares[50:]) - sc.market.in_market_share) < 0.01


def test_cold_calls_match_the_plain_numpy_rule():
    model = OrgModel(load_scenario("separate"), seed=9)
    model.run(30)
    model.market.in_market[:] = True  # more buyers to reach (else most calls reach none)
    found = 0
    for hours in (0.5, 3.0, 6.0, 12.0):
        rng = twin(model.rng)
        s, mk = model.params.sales, model.market
        dials = int(hours * s.dials_per_hour)
        connects = int(np.count_nonzero(rng.random(dials) < s.cold_connect_rate))  # one uniform a dial
        pro = rng.integers(0, mk.n, connects)
        ok = mk.in_market[pro] & (mk.fit[pro] >= s.fit_min) & ~mk.customer[pro]
        ok &= model.ledger.open_lead[pro] < 0
        expected = np.unique(pro[ok]).tolist()
        assert [w.prospect for w in cold_call(model, hours)[0]] == expected
        found += len(expected)
    assert found > 0  # the rule was seen to reach someone


def test_a_team_s_callers_take_their_buyers_in_turn():
    """The team's dials are drawn together; no buyer becomes two callers' lead; each keeps its hours."""
    busy = {"sales.dials_per_hour": 100, "sales.cold_connect_rate": 1.0, "sales.fit_min": 0.0}
    model = OrgModel(load_scenario("separate").with_overrides(busy | {"market.prospects": 2000}), seed=4)
    model.market.in_market[:] = True  # every connect is a buyer
    hours, talk = [3.0, 0.0, 3.0, 0.01], 0.75
    calls = cold_calls(model, hours, talk_hours=talk)
    reached = [[w.prospect for w in leads] for leads, _ in calls]
    assert reached[1] == [] and calls[1][1] == 0.0  # no hours, no calls
    everyone = [p for mine in reached for p in mine]
    assert len(everyone) == len(set(everyone)) > 0  # in a small market, repeats were passed over
    for h, (leads, spent) in zip(hours, calls, strict=True):
        assert h <= spent <= h + talk + 1e-9  # only the last call runs over
        assert all(model.ledger.open_lead[w.prospect] == w.lead for w in leads)


@pytest.mark.parametrize("talk_hours", [0.05, 0.75, 4.0])
def test_a_rep_cold_calling_spends_the_hours_on_dials_and_conversations_together(talk_hours):
    """Conversations come out of the calling hours: a rep never talks past the hours given."""
    busy = {"sales.dials_per_hour": 100, "sales.cold_connect_rate": 1.0, "sales.fit_min": 0.0}
    model = OrgModel(load_scenario("separate").with_overrides(busy), seed=4)
    model.market.in_market[:] = True  # every connect is a buyer
    dial = 1 / model.params.sales.dials_per_hour
    for hours in (0.5, 3.0, 8.0):
        reached, spent = cold_call(model, hours, talk_hours=talk_hours)
        # every dial connects to a buyer, so the k-th call starts at k * dial + (k - 1) * talk
        # at the earliest; a dial that reaches a prospect twice wastes its time (a few in 20k)
        most = int((hours + talk_hours) / (dial + talk_hours) + 1e-9)
        assert 0.9 * most <= len(reached) <= most
        assert hours <= spent <= hours + talk_hours + 1e-9  # only the last call runs over
