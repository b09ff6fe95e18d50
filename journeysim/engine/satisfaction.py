"""Satisfaction and the survey scales: disconfirmation, LTR/NPS, CSAT and CES.

* Expectation-disconfirmation (Oliver 1980) with a zone of tolerance (Zeithaml, Berry &
  Parasuraman 1993) and asymmetric gains (Anderson & Sullivan 1993: shortfalls weigh more than
  surpluses) turns ``D = remembered - expected`` into journey satisfaction on 0-10.
* Likelihood to recommend (0-10) is cumulative satisfaction plus answer noise; 9-10 promoter,
  0-6 detractor (Reichheld 2003).
* CSAT (1-5) rates a visit by its disconfirmation ``D = perceived - expected``:
  ``csat_when_met + csat_per_point_above x D`` (``D > 0``) or ``+ csat_per_point_below x D``
  (``D < 0``). A visit that meets the expectation sits between 4 and 5, so typical good
  service spreads over the top two answers and a failure or an abandoned queue reaches the
  bottom, as published CSAT distributions do (top-2-box shares of 75-85% with 5 the most
  common answer: satisfaction ratings are skewed towards the top, Peterson & Wilson 1992;
  ACSI retail scores near 75-80/100).
* CES (1-7, 7 = very easy; Dixon, Freeman & Toman 2010, CEB's CES 2.0 agreement scale) falls
  linearly with the journey's effort: ``ces_when_effortless - ces_effort_scale x effort`` plus
  answer noise (``ces_noise``, a keyed normal per journey). Published means lie near 5-5.5 for
  good service; below 4 signals high effort.

Every score is rounded **half up** (:func:`round_half_up`): Python's ``round`` rounds ties to
even, which would move every answer that lands on .5 (round efforts do) by a whole point in
one direction or the other depending on the parity of the integer below.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["ces_score", "csat_score", "journey_satisfaction", "ltr_score", "round_half_up"]


def round_half_up(value: float) -> int:
    """``value`` rounded to the nearest integer, ties upwards (2.5 -> 3, 3.5 -> 4, -0.5 -> 0)."""
    return math.floor(value + 0.5)


def journey_satisfaction(disconfirmation: float, psych: Any) -> float:
    """Expectation-disconfirmation with a zone of tolerance and asymmetric gains (0-10)."""
    tol = psych.tolerance
    if disconfirmation > tol:
        value = psych.satisfaction_when_met + psych.gain_above * (disconfirmation - tol)
    elif disconfirmation < -tol:
        value = psych.satisfaction_when_met + psych.gain_below * (disconfirmation + tol)
    else:
        value = psych.satisfaction_when_met
    return 0.0 if value < 0.0 else (10.0 if value > 10.0 else value)


def ltr_score(satisfaction: float, noise: float) -> int:
    """Likelihood to recommend, 0-10: satisfaction plus answer noise, clipped, rounded half up."""
    raw = satisfaction + noise
    return round_half_up(10.0 if raw > 10.0 else (0.0 if raw < 0.0 else raw))


def ces_score(effort: float, psych: Any, noise: float = 0.0) -> int:
    """Customer effort score of a journey, 1-7 (7 = very easy), rounded half up.

    ``noise``: the answer's standard normal noise (scaled by ``psych.ces_noise``).
    """
    raw = psych.ces_when_effortless - psych.ces_effort_scale * effort + psych.ces_noise * noise
    return round_half_up(7.0 if raw > 7.0 else (1.0 if raw < 1.0 else raw))


def csat_score(perceived: float, expectation: float, psych: Any) -> int:
    """CSAT of one visit, 1-5, from its disconfirmation against the expectation (half up)."""
    gap = perceived - expectation
    slope = psych.csat_per_point_above if gap >= 0.0 else psych.csat_per_point_below
    raw = psych.csat_when_met + slope * gap
    return round_half_up(5.0 if raw > 5.0 else (1.0 if raw < 1.0 else raw))
