"""Answering a survey at the end of a journey: LTR (NPS), CES of the journey, CSAT per visit.

A journey ends with a survey with probability ``simulation.survey_rate`` (the customer's own
draw). CSAT rates each counted visit against the expectation the customer came with (P - E), not
the one this journey has already moved; CES rates the journey's accumulated effort, with answer
noise keyed by the customer and the journey (no random stream moves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeysim.engine.satisfaction import ces_score, csat_score
from journeysim.engine.streams import keyed_normal

if TYPE_CHECKING:
    from journeysim.engine.customer import Customer, JourneyOutcome
    from journeysim.engine.model import JourneyModel
    from journeysim.engine.perception import Experience

__all__ = ["answer_survey"]

_CES_SALT = 0xCE5  # the CES answer noise of a customer's n-th journey, the same under every
# strategy (a keyed draw: no stream moves)


def answer_survey(
    model: JourneyModel,
    c: Customer,
    outcome: JourneyOutcome | None,
    ltr: int,
    experience: Experience,
    now: float,
    expectation: float,
) -> None:
    """Record one survey answer at ``now`` and call the ``on_survey`` hook."""
    psych = model.psych
    rec = model.recorder
    period = rec.period_of(now)
    if outcome is not None:
        outcome.ltr = ltr
    if period == rec.trash:  # during the burn-in: nothing counted (hooks are off then)
        return
    seg = rec.segments[c.segment]
    rec.p_responses[period] += 1
    seg.responses += 1
    if ltr >= 9:
        rec.p_promoters[period] += 1
        seg.promoters += 1
    elif ltr <= 6:
        rec.p_detractors[period] += 1
        seg.detractors += 1
    noise = keyed_normal(c.key, _CES_SALT, c.journeys) if psych.ces_noise > 0.0 else 0.0
    ces = ces_score(experience.effort, psych, noise)
    rec.p_ces_sum[period] += ces
    rec.p_ces_n[period] += 1
    seg.ces_sum += ces
    seg.ces_n += 1
    for stats, perceived in experience.marks or []:
        csat = csat_score(perceived, expectation, psych)
        stats.csat_sum += csat
        stats.csat_n += 1
        rec.p_csat_sum[period] += csat
        rec.p_csat_n[period] += 1
        seg.csat_sum += csat
        seg.csat_n += 1
    if model.logging:
        rec.log(now, c.id, "survey", ltr=ltr)
    if model.on_survey is not None:
        model.on_survey(model.api, c, ltr)
