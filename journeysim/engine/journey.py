"""One journey: the walk through the touchpoint graph, then the journey's end.

The walk is the hottest code of the project. Each visit takes, from the customer's visit
generator and in this fixed order: the routing number ``u`` (always), the service time (unless
deterministic), the patience (only if the segment's patience is finite), the perception noise
``z`` (only with psychology on) and the failure number (only at touchpoints that can fail).
Whether a draw is taken depends on the scenario, never on what happened in the visit, so the
k-th visit of a customer uses the same numbers under every strategy (common random numbers).
A new rule takes its randomness from its own place (a keyed draw or a stream of its own, see
:mod:`journeysim.engine`), never from this sequence.

(a) the visit: a self-service touchpoint waits out the service time; a staffed one queues
(:func:`~journeysim.engine.visit.queue_visit`); the touchpoint's statistics count it.
(b) the experience: :class:`~journeysim.engine.perception.Experience` collects perceived
moments and effort. (c) the end: money, satisfaction, loyalty, advocacy, survey and hooks
(:func:`end_journey`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from journeysim.engine.customer import JourneyOutcome
from journeysim.engine.perception import Experience
from journeysim.engine.routing import StaticRouting
from journeysim.engine.satisfaction import journey_satisfaction, ltr_score
from journeysim.engine.survey import answer_survey
from journeysim.engine.touchpoint import TouchpointNode
from journeysim.engine.visit import queue_visit

if TYPE_CHECKING:
    import random

    from journeysim.engine.customer import Customer
    from journeysim.engine.model import JourneyModel, SegmentRuntime

__all__ = ["EXIT", "PURCHASE", "end_journey", "walk"]

PURCHASE = "purchase"
EXIT = "exit"


def walk(
    model: JourneyModel, c: Customer, seg: SegmentRuntime
) -> Generator[simpy.Event, Any, None]:
    """One journey from the entry to a terminal, then its end. A SimPy process body."""
    env = model.env
    rng = c.visit_rng
    psych_on = model.psych_on
    warmup, horizon = model.warmup, model.horizon
    logging = model.logging
    rec = model.recorder
    patience_rule = seg.patience
    patience_finite = patience_rule.finite
    life = c.life_rng
    if life is not None:
        # life draws of this journey, all made up front so their number never varies
        u_survey = life.random()
        basket = life.lognormvariate(seg.basket_mu, seg.basket_sigma)
        ltr_noise = life.gauss(0.0, 1.0)
    else:
        # one-off customers share the visit stream (nothing to keep aligned): draw only
        # what is used; the basket when they buy
        u_survey = rng.random() if model.survey_rate > 0.0 else 1.0
        ltr_noise = rng.gauss(0.0, 1.0) if psych_on else 0.0
        basket = -1.0
    surveyed = u_survey < model.survey_rate
    expectation = c.expectation
    outcome = JourneyOutcome() if model.hooked else None
    experience = (
        Experience(expectation, model.psych, surveyed, c.purchases > 0) if psych_on else None
    )
    abandoned_journey = failed_journey = False
    wait_total = 0.0
    if logging:
        rec.journey_starts.append((env.now, c.id, seg.name))
    node: Any = model.entry.routing.next(c, env.now, rng.random())
    while node.__class__ is TouchpointNode:
        u_route = rng.random()
        rate = node.service_rate
        service = rng.expovariate(rate) if rate else node.service.draw(rng)
        patience = patience_rule.draw(rng) if patience_finite else math.inf
        z = rng.gauss(0.0, 1.0) if psych_on else 0.0
        failed = node.failure_p > 0.0 and rng.random() < node.failure_p
        arrive = env.now
        # (a) the visit: a self-service touchpoint has no queue; a staffed one takes its visit
        # rule, whose default (a FIFO queue with reneging, visit.queue_visit) runs inline here:
        # a sub-generator per visit would cost 2% of a visit's instructions
        res = node.resource
        wait = 0.0
        abandoned: Any = False
        if res is None:
            yield env.timeout(service)
        elif node.visit is queue_visit:
            stats = node.stats
            req = res.request()
            if not req.triggered:
                stats.queue_change(arrive, warmup, 1)
                if patience == math.inf:
                    yield req
                else:
                    yield req | env.timeout(patience)
                    if not req.triggered:
                        req.cancel()
                        abandoned = True
                now = env.now
                stats.queue_change(now, warmup, -1)
                wait = now - arrive
            if not abandoned:
                begin = env.now
                end = begin + service
                lo = begin if begin > warmup else warmup
                hi = end if end < horizon else horizon
                if hi > lo:
                    stats.busy += hi - lo
                yield env.timeout(service)
                res.release(req)
        else:
            wait, abandoned = yield from node.visit(
                env, node, c, service, patience, warmup, horizon
            )
        stats = node.stats if arrive >= warmup else None
        if stats is not None:
            stats.record_visit(wait, abandoned, failed)
        if node.cost_per_visit:
            rec.add_cost("visits", node.cost_per_visit, arrive)
        wait_total += wait
        if outcome is not None:
            outcome.touchpoints.append(node.name)
        # (b) the experience
        if experience is not None:
            experience.add(node, wait, z, failed, abandoned, stats)
        if logging:
            rec.log(
                env.now,
                c.id,
                "abandoned" if abandoned else ("failed" if failed else "visited"),
                node.name,
                arrival=arrive,
                # with retries the answered attempt began after arrive + wait (the delays)
                service_start=math.nan if abandoned else max(arrive + wait, env.now - service),
                wait=wait,
                perceived=experience.end if experience is not None else math.nan,
            )
        if abandoned:
            if abandoned is True:
                abandoned_journey = True
                period = rec.period_of(env.now)
                rec.p_abandoned[period] += 1
                if period != rec.trash:
                    seg.stats.abandoned += 1
                node = EXIT
                break
            node = abandoned  # the operations visit switched the customer to another touchpoint
        elif failed:
            failed_journey = True
            c.complaints += 1
            if model.track_failures:
                c.recent_failure = True
            node = node.recovery
        else:
            routing = node.routing
            if routing.__class__ is StaticRouting:  # the default rule, looked up inline
                node = routing.targets[bisect_right(routing.cum, u_route)]
            else:
                node = routing.next(c, env.now, u_route)
    if model.track_failures:  # only when a state-routing rule weighs recent failures
        c.recent_failure = abandoned_journey or failed_journey
    if outcome is not None:
        outcome.wait = wait_total
        outcome.effort = experience.effort if experience is not None else 0.0
        outcome.abandoned = abandoned_journey
        outcome.failed = failed_journey
    # (c) the end
    end_journey(
        model, c, seg, node, experience, outcome, rng, basket, ltr_noise, surveyed, expectation
    )


def end_journey(
    model: JourneyModel,
    c: Customer,
    seg: SegmentRuntime,
    terminal: str,
    experience: Experience | None,
    outcome: JourneyOutcome | None,
    rng: random.Random,
    basket: float,
    ltr_noise: float,
    surveyed: bool,
    expectation: float,
) -> None:
    """The journey's end: purchase, satisfaction, loyalty, advocacy, survey and hooks.

    ``basket < 0`` means it was not drawn up front (one-off customers draw it when they buy).
    """
    rec = model.recorder
    now = model.env.now
    c.journeys += 1
    period = rec.period_of(now)
    rec.p_journeys[period] += 1
    if period != rec.trash:  # not in the burn-in
        seg.stats.journeys += 1
    purchased = terminal == PURCHASE
    amount = 0.0
    if purchased:
        if basket < 0.0:
            basket = rng.lognormvariate(seg.basket_mu, seg.basket_sigma)
        listed = basket * c.basket_multiplier
        amount = listed * (1.0 - c.discount)
        if outcome is not None:
            outcome.purchased = True
            outcome.amount = amount
        c.purchases += 1
        c.spend += amount
        c.last_purchase_at = now
        rec.purchase(now, amount, c.acquired_at, listed - amount, True, seg.stats)
    if experience is not None and experience.n:
        psych = model.psych
        remembered = experience.remembered()
        satisfaction = journey_satisfaction(remembered - expectation, psych)
        m = psych.satisfaction_memory
        before = c.satisfaction
        c.satisfaction = (1.0 - m) * c.satisfaction + m * satisfaction
        w = psych.expectation_weight
        c.expectation = (1.0 - w) * expectation + w * remembered
        if satisfaction >= psych.satisfaction_when_met:
            c.loyalty += psych.loyalty_gain * (1.0 - c.loyalty)
        else:
            c.loyalty *= 1.0 - psych.loyalty_loss
        if outcome is not None:
            outcome.remembered = remembered
            outcome.satisfaction = satisfaction
            outcome.satisfaction_before = before
        ltr = ltr_score(c.satisfaction, psych.ltr_noise * ltr_noise)
        c.ltr = ltr
        word_of_mouth = model.word_of_mouth
        if word_of_mouth is not None and c.active:  # one who left meanwhile recommends no more
            word_of_mouth.set_advocacy(c, 1 if ltr >= 9 else (-1 if ltr <= 6 else 0))
        if surveyed:
            answer_survey(model, c, outcome, ltr, experience, now, expectation)
    if model.logging:
        rec.log(
            now,
            c.id,
            "purchase" if purchased else "exit",
            amount=amount,
            ltr=math.nan if c.ltr is None else c.ltr,
            satisfaction=c.satisfaction,
            expectation=c.expectation,
        )
    if outcome is not None and model.on_journey_end is not None:  # (a journey of the burn-in
        # that ends after day 0 has no outcome: its hooks were off when it started)
        model.ending = c  # pull_forward(c) now means: the next journey right after this one
        model.on_journey_end(model.api, c, outcome)
        model.ending = None
    if not model.returning:
        model.churn(c)  # a one-off customer leaves after their only journey
