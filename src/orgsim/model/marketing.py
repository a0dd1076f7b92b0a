"""The marketing pipeline: brand, inquiries, nurture, lead scoring and the hand-off of MQLs.

Marketers' campaigns build engagement (``agents.Marketer``); here the team's shared machinery
turns it into leads. Brand spend builds awareness that pulls in-market buyers; engaged prospects
inquire; inquiries and recycled leads sit in nurture and are scored every day against the MQL
definition; leads that cross the threshold are handed to sales; stale ones are closed.

The score mixes a read of fit and intent (weighted by how far the lead definition is shared,
``policy.lead_definition``, and what sales feedback has taught marketing) with raw activity.
Reading fit and intent is a screening skill: for *hard* leads (``market.hard_lead_share``) the
read is noisy, more so for generalists whose skill is diluted (Rubel et al., SSRN 3493361:
with heterogeneous leads a specialised screening function can beat an integrated one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.model.calendar import YEAR_DAYS
from orgsim.model.lifecycle import LeadSource, LeadState, LeakCause
from orgsim.model.luck import Draw

if TYPE_CHECKING:
    from orgsim.model.world import MarketingWorld

ENGAGEMENT_HALF_SCORE = 1.0  # engagement at which the activity part of the score is 0.5


class MarketingPipeline:
    """Brand awareness, the nurture pool, the scoring model and what marketing has learned."""

    def __init__(self, model: MarketingWorld) -> None:
        self.model = model
        mk = model.params.marketing
        self.knowledge = 0.0  # what sales feedback has taught the scoring model, 0..1
        self.brand_decay = 0.5 ** (1 / mk.brand_half_life_days)
        # brand awareness, an index (1 = sustained by marketing.brand_reference_budget a year)
        self.brand = mk.budget * mk.past_brand_share / mk.brand_reference_budget if mk.headcount else 0.0
        self.nurture_ids = np.empty(0, dtype=np.int64)
        self.noise = np.empty(0, dtype=np.float32)  # each nurtured lead's scoring noise
        # leads returned today, waiting to join the pool in one go: (lead, noise sd, hard-lead sd)
        self._returned: list[tuple[int, float, float]] = []
        self.mqls_this_month = 0

    # -- brand and inquiries ---------------------------------------------------------------
    def build_brand(self) -> None:
        """Brand spend builds awareness slowly; without it awareness fades over years."""
        m = self.model
        mk = m.params.marketing
        spend = m.program_budget_day * m.params.policy.brand_share if m.marketers else 0.0
        m.spend_on_programs(spend)
        org = m.org
        built = spend / (mk.brand_reference_budget / YEAR_DAYS) * org.skill_factor * org.campaign_time_factor
        self.brand = self.brand * self.brand_decay + (1 - self.brand_decay) * built

    def take_inquiries(self) -> None:
        """Prospects without a live lead raise their hand: new inquiries enter nurture.

        Engagement from campaigns draws inquiries from everyone; brand draws them from buyers
        who are in market.
        """
        m = self.model
        mk = m.params.marketing
        eligible = (m.ledger.open_lead < 0) & ~m.market.customer
        who = m.market.inquiries(mk.inquiry_rate_in_market, mk.inquiry_rate_out_of_market, eligible)
        if self.brand > 0:
            eligible[who] = False
            pulled = (m.market.in_market & eligible).nonzero()[0]
            hit = m.rng.random(pulled.size) < mk.inquiry_rate_in_market * mk.brand_effect * self.brand
            who = np.sort(np.concatenate([who, pulled[hit]]))
        ids = m.ledger.create(who, m.day, LeadState.INQUIRY, LeadSource.MARKETING, m.has_intent(who))
        self._nurture(ids)

    def _nurture(self, ids: np.ndarray) -> None:
        """Put leads in the nurture pool, each with the screener's read error for this stint.

        The day's returned leads join first, in the order they came back; one draw for all.
        """
        sd, hard_sd = self._noise_sds()
        if self._returned:
            back, back_sd, back_hard = self._pop_returned()
            ids = np.concatenate([back, ids])
            sd = np.concatenate([back_sd, np.full(ids.size - back.size, sd)])
            hard_sd = np.concatenate([back_hard, np.full(ids.size - back.size, hard_sd)])
        self._join(ids, sd, hard_sd)

    def _noise_sds(self) -> tuple[float, float]:
        """The screener's read error now: its sd on every lead, and the extra weight on hard ones."""
        m = self.model
        mk = m.params.marketing
        sd = mk.scoring_noise * (1.0 - 0.5 * self.knowledge)
        hard_sd = mk.hard_lead_noise / max(m.org.skill_factor * mk.skill_mean, 0.05)
        return sd, self.definition_weight * hard_sd

    def _join(self, ids: np.ndarray, sd: float | np.ndarray, hard_sd: float | np.ndarray) -> None:
        m = self.model
        pro = m.ledger.prospect[ids]
        luck = m.luck.normals(pro, m.ledger.episode[ids], m.ledger.recycles[ids], Draw.SCORING_NOISE)
        noise = luck * (sd + hard_sd * m.market.hard[pro])
        self.nurture_ids = np.concatenate([self.nurture_ids, ids])
        self.noise = np.concatenate([self.noise, noise.astype(np.float32)])

    def recycle(self, leads: list[int]) -> None:
        """Leads sales returned go back to nurture, in order, to be re-scored and maybe re-promoted.

        Their read error is fixed now (what marketing knows today); they join the pool with the
        day's other returns (one array operation instead of one per lead).
        """
        self.model.ledger.since_day[leads] = self.model.day
        sds = self._noise_sds()
        self._returned.extend((lead, *sds) for lead in leads)

    def _take_returned(self) -> None:
        """Returned leads join the nurture pool, in the order they came back."""
        if self._returned:
            self._join(*self._pop_returned())

    def _pop_returned(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The leads returned since the pool last took them, in order, with their read errors' sds."""
        ids, sd, hard_sd = (np.array(c) for c in zip(*self._returned, strict=True))
        self._returned = []
        return ids.astype(np.int64), sd, hard_sd

    # -- scoring and hand-off -----------------------------------------------------------------
    @property
    def definition_weight(self) -> float:
        """How much the score reads fit and intent rather than activity (shared definition, learning)."""
        q = self.model.params.policy.lead_definition
        return q + (1 - q) * 0.5 * self.knowledge

    def scores(self, ids: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """Marketing's lead score, 0-1 plus noise: a read of fit and intent, and raw activity."""
        m = self.model
        pro = m.ledger.prospect[ids]
        q = self.definition_weight
        signal = 0.6 * m.market.fit[pro] + 0.4 * m.market.in_market[pro]
        eng = m.market.engagement[pro]
        activity = eng / (eng + ENGAGEMENT_HALF_SCORE)
        return q * signal + (1 - q) * activity + noise

    def score_and_hand_off(self) -> None:
        """Nurtured leads that cross the MQL threshold go to sales; stale ones are closed."""
        m = self.model
        self._take_returned()
        ids, noise = self.nurture_ids, self.noise
        if ids.size == 0:
            return
        state = m.ledger.state[ids]
        live = (state == LeadState.INQUIRY) | (state == LeadState.RECYCLED)
        ids, noise = ids[live], noise[live]
        threshold = m.params.marketing.mql_threshold - m.params.policy.mql_volume_bias
        mql = self.scores(ids, noise) >= threshold
        stale = ~mql & (m.day - m.ledger.since_day[ids] >= m.params.marketing.nurture_days)
        self.close_stale(ids[stale])
        keep = ~mql & ~stale
        self.nurture_ids, self.noise = ids[keep], noise[keep]
        promoted = ids[mql]
        m.ledger.move(promoted, LeadState.MQL)
        self.mqls_this_month += promoted.size
        m.desk.hand_off(promoted)

    def close_stale(self, leads: np.ndarray) -> None:
        """Leads nurtured too long without reaching MQL are closed (leaked if the buyer had intent)."""
        recycled = self.model.ledger.state[leads] == LeadState.RECYCLED
        for cause, these in ((LeakCause.LOST_IN_NURTURE, recycled), (LeakCause.MISSED_BY_SCORING, ~recycled)):
            self.model.desk.close(leads[these], cause)

    def take_month_mqls(self) -> int:
        """MQLs handed to sales since the last month end (the count starts again)."""
        mqls, self.mqls_this_month = self.mqls_this_month, 0
        return mqls

    def learn(self) -> None:
        """A sales outcome reaches marketing, or not; if it does, scoring and targeting improve.

        Confirmations and rejections alike teach; tension between the teams blocks the loop.
        """
        m = self.model
        m.org.count_outcome()
        reach = m.org.feedback_reach * (1.0 - 0.5 * m.friction.level)
        if m.random.random() < reach:
            self.knowledge += m.params.marketing.learning_rate * (1.0 - self.knowledge)
