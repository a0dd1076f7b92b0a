"""Each lead's own luck: chance draws keyed by who and what, not by the order they are asked for.

A paired comparison runs the same seed under two structures. If every chance draw came from one
stream, the first decision that differs (a rep who works a lead the other structure ignores)
would shift every later draw, and two runs of the same company would share little luck beyond the
market they start with. Here a draw about a lead is a hash of the run's seed, the prospect, which
of the prospect's leads it is, its hand-off, the event and the attempt: the same buyer answers the
same call, judges the same pitch and decides the same deal alike under every structure unless the
structure changes the odds. That is common random numbers per lead (Law 2015, ch. 11), and it is
what lets paired differences isolate the effect of the structure.
"""

from __future__ import annotations

from enum import IntEnum
from statistics import NormalDist

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_NORMAL = NormalDist()


class Draw(IntEnum):
    """What a lead's draw decides (part of its key, so each event has its own luck)."""

    INQUIRY_IN_HOURS = 1  # the buyer raises their hand in working hours
    INQUIRY_HOUR = 2  # when in the day
    HANDOFF_DELAY = 3  # CRM sync delay before sales can see the lead
    GUT_FEEL = 4  # a rep's read of the lead's fit
    ROUTED = 5  # assigned to a named rep, or left in the shared inbox
    IGNORED = 6  # the rep never means to work it
    CONTACT = 7  # an attempt reaches the buyer (one per attempt)
    QUALIFIED = 8  # the conversation qualifies the buyer
    EVALUATES = 9  # the buyer agrees to evaluate us (an opportunity)
    CYCLE = 10  # how long the buyer takes to decide
    WON = 11  # the buyer signs
    RECYCLED = 12  # a returned lead goes back to nurture
    CREDIT_DISPUTE = 13  # a won deal starts a fight over who sourced it
    SCORING_NOISE = 14  # marketing's error reading the lead's fit and intent
    IMPULSE = 15  # the inquiry is an impulse (interest gone within the hour), not a project buyer


def _mix(x: int) -> int:
    """SplitMix64's finaliser: a 64-bit integer to a well-spread 64-bit integer."""
    x = (x + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _mix_array(x: np.ndarray) -> np.ndarray:
    """:func:`_mix` on an array of unsigned 64-bit integers (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(_GOLDEN)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


class Luck:
    """Uniform draws in [0, 1) for one run, keyed by (prospect, episode, hand-off, event, attempt).

    ``episode`` counts the prospect's leads (0 for their first), ``handoff`` how many times this
    lead went to sales before (a recycled lead gets fresh luck on its next pass), ``attempt`` the
    contact attempt.
    """

    def __init__(self, seed: int | None) -> None:
        state = np.random.SeedSequence([0x1EAD, seed if seed is not None else 0]).generate_state(1, np.uint64)
        self.key = int(state[0])

    def _hash(self, prospect: int, episode: int, handoff: int, draw: Draw, attempt: int) -> int:
        h = _mix(self.key ^ prospect)
        h = _mix(h ^ ((episode << 32) | (handoff << 16) | (int(draw) << 8) | attempt))
        return h

    def uniform(self, prospect: int, episode: int, handoff: int, draw: Draw, attempt: int = 0) -> float:
        """A uniform draw in [0, 1) for this lead and event."""
        # _hash and _mix inlined: this runs for every chance a lead meets
        x = ((self.key ^ prospect) + _GOLDEN) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        x ^= (x >> 31) ^ ((episode << 32) | (handoff << 16) | (draw << 8) | attempt)
        x = (x + _GOLDEN) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        return ((x ^ (x >> 31)) >> 11) * 2.0**-53

    def uniforms(
        self, prospects: np.ndarray, episodes: np.ndarray, handoffs: np.ndarray, draw: Draw, attempt: int = 0
    ) -> np.ndarray:
        """:meth:`uniform` for many leads at once (the same numbers, as float64)."""
        return self.uniforms_of(prospects, episodes, handoffs, (draw,), attempt)[:, 0]

    def uniforms_of(
        self,
        prospects: np.ndarray,
        episodes: np.ndarray,
        handoffs: np.ndarray,
        draws: tuple[Draw, ...],
        attempt: int = 0,
    ) -> np.ndarray:
        """:meth:`uniform` for many leads and several events: column ``j`` is event ``draws[j]``."""
        h = _mix_array(np.uint64(self.key) ^ prospects.astype(np.uint64))
        tail = (episodes.astype(np.uint64) << np.uint64(32)) | (handoffs.astype(np.uint64) << np.uint64(16))
        events = np.array([(int(d) << 8) | attempt for d in draws], dtype=np.uint64)
        h = _mix_array((h ^ tail)[:, None] ^ events[None, :])
        return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53

    def normal(self, prospect: int, episode: int, handoff: int, draw: Draw, attempt: int = 0) -> float:
        """A standard normal draw for this lead and event (inverse CDF of :meth:`uniform`)."""
        return self.normal_of(self.uniform(prospect, episode, handoff, draw, attempt))

    @staticmethod
    def normal_of(u: float) -> float:
        """The standard normal draw a uniform draw ``u`` stands for (inverse CDF, tails clipped)."""
        return _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))

    def normals(
        self, prospects: np.ndarray, episodes: np.ndarray, handoffs: np.ndarray, draw: Draw
    ) -> np.ndarray:
        """Standard normal draws for many leads at once (attempt 0); equal to :meth:`normal`'s."""
        from scipy.special import ndtri

        p = prospects.astype(np.uint64)
        h = _mix_array(np.uint64(self.key) ^ p)
        tail = (episodes.astype(np.uint64) << np.uint64(32)) | (handoffs.astype(np.uint64) << np.uint64(16))
        h = _mix_array(h ^ (tail | np.uint64(int(draw) << 8)))
        u = (h >> np.uint64(11)).astype(np.float64) * 2.0**-53
        return ndtri(np.clip(u, 1e-12, 1 - 1e-12))
