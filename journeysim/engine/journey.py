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

Self-service runs: one event where nothing else can happen
----------------------------------------------------------
A visit to a self-service touchpoint changes nothing that another process reads while it
lasts: no queue, no server, no state of the customer that strategies or other customers see.
So a *run* of consecutive such visits takes one SimPy event, not one per visit: the walk keeps
the clock on a local copy ``t`` (each visit starts at ``t`` and ends at ``t + service``, the
very sum SimPy's timeout would make), counts each visit at its own start time, routes with
``t`` as "now", and yields one timeout to the end of the run, before the next staffed visit or
the journey's end. Results are byte-identical to one timeout per visit. It holds when:

- the touchpoint is collapsible (:func:`~journeysim.engine.touchpoint.collapsible`: unlimited
  capacity, no opening hours, no cost per visit, a service time with a density), compiled into
  ``node.instant`` at build time;
- the run allows it (:func:`plan_self_service_runs`): each customer draws from their own visit
  generator (returning customers; one-off customers share the run's visit stream, whose order
  across customers follows the events) and no event log is kept (it is written in event order);
- a failure ends the run: the clock jumps to the failed visit's end before the complaint is
  counted (strategies and state routing read complaints);
- the single timeout lands exactly where the visits would have: ``now + (t - now) == t`` holds
  whenever ``now/2 <= t <= 2 now`` (Sterbenz's lemma), so a visit that would end beyond that,
  within a microsecond-day of the horizon (the run stops there and the visit never ends), or
  without moving the clock, waits out its own timeout as before.

Nothing that is counted depends on the real clock during the run: touchpoint counters are
integers, and what is timed (the visit's start, the journey's end, routing by tenure) uses the
same float values. A new per-visit effect that another process can see (a cost, a time-bucketed
count, a queue) must make its touchpoint non-collapsible in ``collapsible``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator
from math import cos, floor, log, sin, sqrt
from math import tau as TAU
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import NORMAL, Event

from journeysim.engine.capacity import RENEGED, Renege
from journeysim.engine.customer import JourneyOutcome
from journeysim.engine.patience import ExponentialPatience
from journeysim.engine.perception import Experience
from journeysim.engine.routing import StaticRouting
from journeysim.engine.satisfaction import journey_satisfaction
from journeysim.engine.service import lognormal, standard_normal
from journeysim.engine.survey import answer_survey
from journeysim.engine.touchpoint import TouchpointNode
from journeysim.engine.visit import queue_visit
from journeysim.scenario.units import MINUTES_PER_DAY

if TYPE_CHECKING:
    import random

    from journeysim.engine.customer import Customer
    from journeysim.engine.model import JourneyModel, SegmentRuntime

__all__ = ["EXIT", "PURCHASE", "end_journey", "plan_self_service_runs", "walk"]

PURCHASE = "purchase"
EXIT = "exit"

#: Internal switch: collapse runs of self-service visits into one event (tests turn it off to
#: check that the tables are the same).
COLLAPSE_SELF_SERVICE = True

#: A collapsed run ends at least this long (days, ~0.09 s) before the horizon: the run stops at
#: the horizon (up to rounding), and a visit ending at or after it must never be counted.
HORIZON_GUARD = 1e-6


def plan_self_service_runs(model: JourneyModel) -> None:
    """Keep ``node.instant`` only where the whole run allows collapsing (module docstring).

    Called once when the model is built: one-off customers share the run's visit stream and
    the event log is written in event order, so then every visit keeps its own event.
    """
    allowed = COLLAPSE_SELF_SERVICE and model.returning and not model.logging
    if not allowed:
        for node in model.nodes.values():
            node.instant = False


def walk(
    model: JourneyModel, c: Customer, seg: SegmentRuntime
) -> Generator[simpy.Event, Any, None]:
    """One journey from the entry to a terminal, then its end. A SimPy process body."""
    env = model.env
    rng = c.visit_rng
    psych_on = model.psych_on
    warmup, horizon = model.warmup, model.horizon
    guard = horizon - HORIZON_GUARD
    logging = model.logging
    rec = model.recorder
    patience_rule = seg.patience
    patience_finite = patience_rule.finite
    # exponential patience (the default finite one) inline: random.expovariate's formula
    patience_rate = patience_rule.rate if patience_rule.__class__ is ExponentialPatience else 0.0
    inf = math.inf
    life = c.life_rng
    if life is not None:
        # life draws of this journey, all made up front so their number never varies
        u_survey = life.random()
        basket = lognormal(life, seg.basket_mu, seg.basket_sigma)
        ltr_noise = standard_normal(life)  # life.gauss(0.0, 1.0): the same draws and floats
    else:
        # one-off customers share the visit stream (nothing to keep aligned): draw only
        # what is used; the basket when they buy
        u_survey = rng.random() if model.survey_rate > 0.0 else 1.0
        ltr_noise = standard_normal(rng) if psych_on else 0.0
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
    routing = model.entry.routing
    if routing.__class__ is StaticRouting:  # the default rule, looked up inline
        node: Any = routing.targets[bisect_right(routing.cum, rng.random())]
    else:
        node = routing.next(c, env._now, rng.random())  # env.now without the property call
    while node.__class__ is TouchpointNode:
        u_route = rng.random()
        rate = node.service_rate
        # exponential service inline: random.expovariate's formula on the same one draw
        service = -log(1.0 - rng.random()) / rate if rate else node.service.draw(rng)
        if patience_rate:
            patience = -log(1.0 - rng.random()) / patience_rate
        else:
            patience = patience_rule.draw(rng) if patience_finite else inf
        if psych_on:  # rng.gauss(0.0, 1.0) inline (random.gauss: same draws, same floats)
            z = rng.gauss_next
            if z is None:
                x2pi = rng.random() * TAU
                g2rad = sqrt(-2.0 * log(1.0 - rng.random()))
                z = cos(x2pi) * g2rad
                rng.gauss_next = sin(x2pi) * g2rad
            else:
                rng.gauss_next = None
            z = 0.0 + z * 1.0
        else:
            z = 0.0
        failed = node.failure_p > 0.0 and rng.random() < node.failure_p
        arrive = env._now  # env.now without the property call
        # (a) the visit: a self-service touchpoint has no queue; a staffed one takes its visit
        # rule, whose default (a FIFO queue with reneging, visit.queue_visit) runs inline here:
        # a sub-generator per visit would cost 2% of a visit's instructions
        res = node.resource
        wait = 0.0
        abandoned: Any = False
        if res is None:
            if node.instant:
                # a run of self-service visits, one event (see the module docstring): each
                # visit starts at t and ends at t + service, as SimPy would add them. The walk
                # yields the wait itself (a float, days): the JourneyRunner schedules it as
                # env.timeout would, without a Timeout object (returning customers only)
                t = arrive
                limit = t + t if t > 0.0 else (t * 0.5 if t < 0.0 else inf)
                if limit > guard:
                    limit = guard
                while True:
                    end = t + service
                    if not t < end <= limit:  # this visit waits out its own timeout
                        if t != env._now:
                            yield t - env._now  # exact: t <= limit
                        yield service
                        limit = end + end if end > 0.0 else (end * 0.5 if end < 0.0 else inf)
                        if limit > guard:
                            limit = guard
                    # the visit, counted as TouchpointStats.record_visit(0.0, False, failed)
                    if t >= warmup:
                        stats = node.stats
                        stats.visits += 1
                        stats.hist.zeros += 1
                        stats.served += 1
                        if failed:
                            stats.failed += 1
                    else:
                        stats = None
                    if outcome is not None:
                        outcome.touchpoints.append(node.name)
                    if experience is not None:
                        experience.add(node, 0.0, z, failed, False, stats)
                    t = end
                    if failed:  # seen by others: counted at its moment, which ends the run
                        if t != env._now:
                            yield t - env._now
                        failed_journey = True
                        c.complaints += 1
                        if model.track_failures:
                            c.recent_failure = True
                        node = node.recovery
                        break
                    routing = node.routing
                    if routing.__class__ is StaticRouting:
                        node = routing.targets[bisect_right(routing.cum, u_route)]
                    else:
                        node = routing.next(c, t, u_route)
                    if node.__class__ is not TouchpointNode or not node.instant:
                        if t != env._now:
                            yield t - env._now  # the run's one event
                        break
                    # the next visit of the run: the same draws in the same order as above
                    u_route = rng.random()
                    rate = node.service_rate
                    service = -log(1.0 - rng.random()) / rate if rate else node.service.draw(rng)
                    if patience_rate:
                        patience = -log(1.0 - rng.random()) / patience_rate
                    else:
                        patience = patience_rule.draw(rng) if patience_finite else inf
                    if psych_on:  # rng.gauss(0.0, 1.0) inline, as above
                        z = rng.gauss_next
                        if z is None:
                            x2pi = rng.random() * TAU
                            g2rad = sqrt(-2.0 * log(1.0 - rng.random()))
                            z = cos(x2pi) * g2rad
                            rng.gauss_next = sin(x2pi) * g2rad
                        else:
                            rng.gauss_next = None
                        z = 0.0 + z * 1.0
                    else:
                        z = 0.0
                    failed = node.failure_p > 0.0 and rng.random() < node.failure_p
                continue
            yield env.timeout(service)
            stats = node.stats if arrive >= warmup else None
            if stats is not None:
                stats.record_visit(wait, abandoned, failed)
        elif node.visit is queue_visit:
            stats = node.stats
            begin = arrive
            if res.busy < res.capacity:  # a free server (capacity.FifoServers): no event
                res.busy += 1
            else:
                # FifoServers.wait inline: the event a server is handed over by, or RENEGED
                turn = Event(env)
                res.waiting.append(turn)
                stats.queue_change(arrive, warmup, 1)
                if patience == inf:
                    yield turn
                else:
                    env.schedule(Renege(res, turn), NORMAL, patience)
                    yield turn
                    abandoned = turn._value is RENEGED
                begin = env._now  # env.now without the property call
                stats.queue_change(begin, warmup, -1)
                wait = begin - arrive
            if not abandoned:
                end = begin + service
                lo = begin if begin > warmup else warmup
                hi = end if end < horizon else horizon
                if hi > lo:
                    stats.busy += hi - lo
                yield env.timeout(service)
                waiting = res.waiting  # FifoServers.release, inline
                if waiting:
                    waiting.popleft().succeed()
                else:
                    res.busy -= 1
            # counted as TouchpointStats.record_visit(wait, abandoned, failed), inline
            if arrive >= warmup:
                stats.visits += 1
                if wait > 0.0:
                    stats.hist.add(wait * MINUTES_PER_DAY)
                else:
                    stats.hist.zeros += 1
                if abandoned:
                    stats.abandoned += 1
                    stats.wait_abandoned += wait
                else:
                    stats.served += 1
                    stats.wait_served += wait
                    if failed:
                        stats.failed += 1
            else:
                stats = None
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
                period = rec.period_of(env._now)
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
                node = routing.next(c, env._now, u_route)
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
    now = model.env._now  # env.now without the property call
    c.journeys += 1
    period = rec.period_of(now)
    rec.p_journeys[period] += 1
    if period != rec.trash:  # not in the burn-in
        seg.stats.journeys += 1
    purchased = terminal == PURCHASE
    amount = 0.0
    if purchased:
        if basket < 0.0:
            basket = lognormal(rng, seg.basket_mu, seg.basket_sigma)
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
        remembered = experience.remembered()  # the peak-end rule
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
        # ltr_score(c.satisfaction, psych.ltr_noise * ltr_noise), inline
        raw = c.satisfaction + psych.ltr_noise * ltr_noise
        ltr = floor((10.0 if raw > 10.0 else (0.0 if raw < 0.0 else raw)) + 0.5)
        c.ltr = ltr
        word_of_mouth = model.word_of_mouth
        if word_of_mouth is not None and c.active:  # one who left meanwhile recommends no more
            advocacy = 1 if ltr >= 9 else (-1 if ltr <= 6 else 0)
            if advocacy != c.advocacy:
                word_of_mouth.set_advocacy(c, advocacy)
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
