"""Satisfaction and the survey scales: disconfirmation, LTR/NPS, CSAT and CES.

* Expectation-disconfirmation (Oliver 1980) with a zone of tolerance (Zeithaml, Berry &
  Parasuraman 1993) and asymmetric gains (Anderson & Sullivan 1993: shortfalls weigh more than
  surpluses) turns ``D = remembered - expected`` into journey satisfaction on 0-10.
* Likelihood to recommend (0-10) is cumulative satisfaction plus answer noise; 9-10 promoter,
  0-6 detractor (Reichheld 2003).
* CSAT (1-5) rates a visit against the expectation the customer came with; CES (1-7, 7 = very
  easy) falls with the journey's effort.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ces_score", "csat_score", "journey_satisfaction", "ltr_score"]


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
    """Likelihood to recommend, 0-10: satisfaction plus answer noise, clipped and rounded."""
    raw = satisfaction + noise
    return int(round(10.0 if raw > 10.0 else (0.0 if raw < 0.0 else raw)))


def ces_score(effort: float, psych: Any) -> int:
    """Customer effort score of a journey, 1-7 (7 = very easy)."""
    return int(round(min(7.0, max(1.0, 7.0 - psych.ces_effort_scale * effort))))


def csat_score(perceived: float, expectation: float, psych: Any) -> int:
    """CSAT of one visit, 1-5, from its disconfirmation against the expectation."""
    score = journey_satisfaction(perceived - expectation, psych)
    return int(round(min(5.0, max(1.0, 1.0 + 0.4 * score))))
