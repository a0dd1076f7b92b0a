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


# the SplitMix64 constants as 0-d arrays: numpy 2 takes a slower path for a numpy scalar operand,
# which cost more than the arithmetic on the few leads a day (unsigned array arithmetic wraps
# without a warning, so no errstate is needed either)
_U = np.uint64
_A_GOLDEN, _A_M1, _A_M2 = (np.array(c, dtype=_U) for c in (_GOLDEN, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB))
_A_11, _A_16, _A_27, _A_30, _A_31, _A_32 = (np.array(c, dtype=_U) for c in (11, 16, 27, 30, 31, 32))
_UNIT = np.array(2.0**-53)
_LOW, _HIGH = np.array(1e-12), np.array(1 - 1e-12)


def _mix_array(x: np.ndarray) -> np.ndarray:
    """:func:`_mix` on an array of unsigned 64-bit integers (wrapping arithmetic); ``x`` is reused."""
    x += _A_GOLDEN
    t = x >> _A_30
    x ^= t
    x *= _A_M1
    np.right_shift(x, _A_27, out=t)
    x ^= t
    x *= _A_M2
    np.right_shift(x, _A_31, out=t)
    x ^= t
    return x


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
        h = _mix_array(prospects.astype(_U) ^ np.array(self.key, dtype=_U))
        h ^= (episodes.astype(_U) << _A_32) | (handoffs.astype(_U) << _A_16)
        events = np.array([(int(d) << 8) | attempt for d in draws], dtype=_U)
        h = _mix_array(h[:, None] ^ events[None, :])
        return (h >> _A_11).astype(np.float64) * _UNIT

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
        from scipy.special import ndtri  # (scipy's import is slow: only when a run needs it)

        h = _mix_array(prospects.astype(_U) ^ np.array(self.key, dtype=_U))
        h ^= (
            (episodes.astype(_U) << _A_32)
            | (handoffs.astype(_U) << _A_16)
            | np.array(int(draw) << 8, dtype=_U)
        )
        u = (_mix_array(h) >> _A_11).astype(np.float64) * _UNIT
        np.maximum(u, _LOW, out=u)  # np.clip's bounds, without its slower dispatch
        np.minimum(u, _HIGH, out=u)
        return ndtri(u)
