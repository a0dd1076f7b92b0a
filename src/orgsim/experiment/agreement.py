"""The one rule that says whether a model estimate agrees with a published or wanted range.

``validate`` (a fact's verdict) and ``calibrate`` ("met") both call :func:`agreement`; each
states the widest CI that may decide (a fact's ``ci_width``; a target's range or
``MET_CI_WIDTH`` of its size). The estimate's CI is already cut to the values the measure can
take (``Observable.estimate``, ``analyses.validate._cut``).
"""

from __future__ import annotations

import math

AGREES, DISAGREES, NOT_ENOUGH_DATA = "agrees", "disagrees", "not enough data"
VERDICTS = (AGREES, DISAGREES, NOT_ENOUGH_DATA)
AGREEMENT_RULE = (
    "agrees: the 95% CI is no wider than the stated widest CI and the point estimate is in the range "
    "(a single value: the CI covers it); disagrees: the whole CI lies outside the range, whatever its "
    "width; otherwise not enough data (a CI too wide to decide, no CI, or a point outside the range "
    "with a CI that still reaches into it)"
)


def ci_span(ci_low: float, ci_high: float, ratio: bool = False) -> float:
    """How wide a CI is: ``high - low``, or for a ratio the factor ``high / low`` (inf if unbounded)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return math.inf
    if ratio:
        return ci_high / ci_low if ci_low > 0 else math.inf
    return ci_high - ci_low


def agreement(
    value: float,
    ci_low: float,
    ci_high: float,
    low: float,
    high: float | None,
    widest: float,
    ratio: bool = False,
) -> str:
    """:data:`AGREEMENT_RULE` for an estimate ``value`` [``ci_low``, ``ci_high``] and a range.

    ``low``..``high`` is the published or wanted range (``high`` None: no upper bound; ``low ==
    high``: a single value). ``widest`` is the widest CI that can earn "agrees", in the unit of
    :func:`ci_span` (a factor when ``ratio``). Returns ``AGREES``, ``DISAGREES`` or
    ``NOT_ENOUGH_DATA``.
    """
    top = math.inf if high is None else high
    if not (math.isfinite(value) and math.isfinite(ci_low) and math.isfinite(ci_high)):
        return NOT_ENOUGH_DATA  # no CI (one replication, or undefined): never decided
    if ci_high < low or ci_low > top:
        return DISAGREES  # every value the CI allows misses the range: enough data to say no
    if not ci_span(ci_low, ci_high, ratio) <= widest:  # NaN width: never decided
        return NOT_ENOUGH_DATA
    inside = ci_low <= low <= ci_high if low == top else low <= value <= top
    return AGREES if inside else NOT_ENOUGH_DATA
