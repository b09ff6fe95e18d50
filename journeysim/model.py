"""The simulation model: SimPy processes for arrivals, customer lives and journeys.

One :class:`JourneyModel` is one run. It owns its SimPy environment, its random streams and its
recorder; nothing is global, so any number of runs can execute side by side (SimPy's own design
note on global state applies here too). The per-visit loop is the hottest code in the project:
it is written inline, without per-visit allocations beyond what SimPy itself needs.

Behaviour rules (each small and switchable; parameters in :class:`~journeysim.scenario.Psychology`):

* perceived quality of a visit = touchpoint quality + consistency noise - waiting and effort
  penalties (- a failure penalty), clipped to 0-10; abandoning a queue is perceived as
  ``abandon_quality``;
* the journey is remembered by the peak-end rule: a weighted mix of the most intense moment
  (largest gap to the expectation), the last moment and the mean;
* expectation-disconfirmation with a zone of tolerance and asymmetric gains turns the
  remembered experience into journey satisfaction; cumulative satisfaction is a moving average;
* expectations adapt towards experience, loyalty grows with good journeys;
* churn hazard = Beta-drawn base propensity x exp(-k_s (S - S_met)) x exp(-k_L L) x strategy
  multiplier; with ``churn_effects = false`` it is the base propensity alone (exact sBG).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from journeysim.journey_graph import ENTRY
from journeysim.recorder import Recorder, TouchpointStats
from journeysim.streams import RunStreams
from journeysim.units import MINUTES_PER_DAY

if TYPE_CHECKING:
    import random

    from journeysim.scenario import Scenario, Segment, ServiceTime, Touchpoint
    from journeysim.strategies import Strategy

__all__ = ["Customer", "JourneyModel", "JourneyOutcome"]

PURCHASE = "purchase"
EXIT = "exit"


class Customer:
    """A simulated customer: hidden state and the history a company can observe.

    Hidden: satisfaction, expectation, churn propensity. Observable (what CRM sees): recency,
    frequency, monetary value, complaints.

    Counters and strategy levers start as class-level defaults and become instance attributes
    on first write: creating a customer is on the hot path of every arrival.
    """

    loyalty = 0.0
    active = True
    # observable history (what CRM sees)
    journeys = 0
    purchases = 0
    spend = 0.0
    last_purchase_at: float | None = None
    complaints = 0
    # levers strategies may set
    churn_multiplier = 1.0
    frequency_multiplier = 1.0
    basket_multiplier = 1.0
    discount = 0.0
    # likelihood to recommend after the latest journey, and advocacy (+1 promoter, -1 detractor)
    ltr: int | None = None
    advocacy = 0
    waiting = False  # between journeys, waiting for the next need (campaigns may pull it)
    process: Any = None
    # period churn decisions draw from their own stream, so journey timing never shifts them
    churn_rng: Any = None
    # the customer's seed: keys per-customer strategy decisions (see streams.keyed_uniform)
    key = 0

    def __init__(
        self,
        ident: int,
        segment: str,
        cohort: int,
        acquired_at: float,
        theta: float,
        expectation: float,
        satisfaction: float,
        visit_rng: random.Random,
        life_rng: random.Random | None,
        referred: bool,
    ) -> None:
        self.id = ident
        self.segment = segment
        self.cohort = cohort
        self.acquired_at = acquired_at
        self.theta = theta
        self.expectation = expectation
        self.satisfaction = satisfaction
        self.visit_rng = visit_rng
        self.life_rng = life_rng
        self.referred = referred
        self.state: dict[str, Any] = {}


class JourneyOutcome:
    """What happened in one journey: handed to strategy hooks."""

    __slots__ = (
        "purchased",
        "abandoned",
        "failed",
        "amount",
        "remembered",
        "satisfaction",
        "effort",
        "wait",
        "ltr",
        "touchpoints",
    )

    def __init__(self) -> None:
        self.purchased = False
        self.abandoned = False
        self.failed = False
        self.amount = 0.0
        self.remembered = math.nan
        self.satisfaction = math.nan
        self.effort = 0.0
        self.wait = 0.0
        self.ltr: int | None = None
        self.touchpoints: list[str] = []


class _Node:
    """Runtime view of a touchpoint: resource, samplers, routing table and statistics."""

    __slots__ = (
        "name",
        "resource",
        "service",
        "service_rate",
        "quality",
        "consistency",
        "effort",
        "failure_p",
        "recovery",
        "route_cum",
        "route_next",
        "stats",
        "cost_per_visit",
    )

    def __init__(self, name: str, tp: Touchpoint | None, env: simpy.Environment) -> None:
        self.name = name
        self.stats: TouchpointStats | None = None
        self.route_cum: list[float] = []
        self.route_next: list[Any] = []
        self.recovery: _Node | None = None
        if tp is None:  # the virtual entry node
            self.resource = None
            self.service = None
            self.service_rate = 0.0
            self.quality = self.consistency = self.effort = self.failure_p = 0.0
            self.cost_per_visit = 0.0
            return
        capacity = tp.capacity
        self.resource = None if capacity == "unlimited" else simpy.Resource(env, capacity)
        self.service = _service_sampler(tp.service)
        # exponential service is drawn inline in the visit loop (no sampler call per visit)
        exponential = tp.service.distribution == "exponential"
        self.service_rate = 1.0 / tp.service.mean if exponential else 0.0
        self.quality = tp.quality
        self.consistency = tp.consistency
        self.effort = tp.effort
        self.failure_p = tp.failure_probability
        self.cost_per_visit = tp.cost_per_visit

    def route(self, u: float) -> Any:
        """Next node for a uniform draw ``u``."""
        index = bisect_right(self.route_cum, u)
        nxt = self.route_next
        return nxt[index] if index < len(nxt) else nxt[-1]


def _service_sampler(spec: ServiceTime) -> Callable[[random.Random], float]:
    mean = spec.mean
    if spec.distribution == "exponential":
        rate = 1.0 / mean
        return lambda rng: rng.expovariate(rate)
    if spec.distribution == "deterministic":
        return lambda rng: mean
    sd = spec.sd or 0.0
    if spec.distribution == "lognormal":
        sigma2 = math.log1p((sd / mean) ** 2)
        mu, sigma = math.log(mean) - sigma2 / 2, math.sqrt(sigma2)
        return lambda rng: rng.lognormvariate(mu, sigma)
    shape = (mean / sd) ** 2
    scale = mean / shape
    return lambda rng: rng.gammavariate(shape, scale)


def _lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    if sd <= 0:
        return math.log(mean), 0.0
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


class _SegmentRuntime:
    __slots__ = ("name", "spec", "gap_rate", "basket_mu", "basket_sigma", "patience_rate")

    def __init__(self, name: str, spec: Segment) -> None:
        self.name = name
        self.spec = spec
        self.gap_rate = 1.0 / spec.time_between_needs
        self.basket_mu, self.basket_sigma = _lognormal_params(spec.basket.mean, spec.basket.sd)
        self.patience_rate = None if math.isinf(spec.patience) else 1.0 / spec.patience


class JourneyModel:
    """One simulation run of a scenario under a strategy.

    Parameters
    ----------
    scenario:
        The (already strategy-transformed) scenario.
    streams:
        The run's random streams.
    strategy:
        Policy object whose hooks are called at journey end, survey and period tick.
    event_log:
        Keep a per-event log (memory grows with events; off by default).
    """

    def __init__(
        self,
        scenario: Scenario,
        streams: RunStreams,
        strategy: Strategy | None = None,
        event_log: bool = False,
    ) -> None:
        self.scenario = scenario
        self.streams = streams
        self.strategy = strategy
        self.env = simpy.Environment()
        sim = scenario.simulation
        self.horizon = sim.horizon
        self.warmup = sim.warmup
        self.period = sim.period
        self.psych = scenario.psychology
        self.psych_on = scenario.psychology.enabled
        self.returning = scenario.population.returning
        self.survey_rate = sim.survey_rate if self.psych_on else 0.0
        # one-off customers (pure queueing) leave after their journey: no period churn for them
        self.churn_per_period = sim.churn == "period" and self.returning
        self.recorder = Recorder(
            {
                name: (None if tp.capacity == "unlimited" else tp.capacity)
                for name, tp in scenario.touchpoints.items()
            },
            horizon=sim.horizon,
            period=sim.period,
            warmup=sim.warmup,
            annual_discount_rate=scenario.money.annual_discount_rate,
            gross_margin=scenario.money.gross_margin,
            event_log=event_log,
        )
        self.logging = event_log
        self.nodes = {name: _Node(name, tp, self.env) for name, tp in scenario.touchpoints.items()}
        for name, node in self.nodes.items():
            node.stats = self.recorder.stats[name]
            recovery = scenario.touchpoints[name].recovery
            node.recovery = self.nodes[recovery] if recovery else None
        self.entry = _Node(ENTRY, None, self.env)
        self._wire(self.entry, scenario.journey.entry)
        for name, row in scenario.journey.routes.items():
            self._wire(self.nodes[name], row)
        self.segments = [_SegmentRuntime(n, s) for n, s in scenario.segments.items()]
        cum, total = [], 0.0
        for seg in self.segments:
            total += seg.spec.share
            cum.append(total)
        self.segment_cum = cum
        self.active: dict[int, Customer] = {}
        self.next_id = 0
        self.arrival_rng = streams.component("arrivals")
        self.attribute_rng = streams.component("attributes")
        self.visit_rng = streams.component("visits")
        self.run_key = streams.run_key()
        referrals = scenario.referrals
        self.word_of_mouth = (
            referrals is not None
            and self.psych_on
            and (
                referrals.per_promoter_per_day > 0
                or referrals.suppression_per_detractor_per_day > 0
            )
        )
        self.promoters = 0
        self.detractors = 0
        hooks = strategy
        self.on_journey_end = getattr(hooks, "on_journey_end", None) if hooks else None
        self.on_survey = getattr(hooks, "on_survey", None) if hooks else None
        self.on_period = getattr(hooks, "on_period", None) if hooks else None
        self.on_acquire = getattr(hooks, "on_acquire", None) if hooks else None

    def _wire(self, node: _Node, row: dict[str, float]) -> None:
        total = 0.0
        for target, p in row.items():
            if p <= 0:
                continue
            total += p
            node.route_cum.append(total)
            node.route_next.append(self.nodes.get(target, target))
        node.route_cum[-1] = math.inf  # guard against rounding: the last edge takes the rest

    # -- running -------------------------------------------------------------------------------

    def run(self) -> Recorder:
        """Run to the horizon and return the recorder holding every aggregate."""
        env = self.env
        if self.strategy is not None and hasattr(self.strategy, "setup"):
            self.strategy.setup(self)
        env.process(self._arrivals(self.scenario.population.arrivals_per_day))
        if self.word_of_mouth and self.scenario.referrals.per_promoter_per_day > 0:
            env.process(self._referrals(self.scenario.referrals.per_promoter_per_day))
        env.process(self._period_ticks())
        env.run(until=self.horizon)
        boundary = self.recorder.n_full_periods
        if boundary * self.period >= self.horizon - 1e-9 and boundary >= 1:
            self._tick(boundary)  # the boundary at the horizon itself
        self.recorder.finish_queues()
        self._book_fixed_costs()
        return self.recorder

    def _book_fixed_costs(self) -> None:
        horizon = self.horizon
        rec = self.recorder
        for tp in self.scenario.touchpoints.values():
            if tp.capacity != "unlimited" and tp.staff_cost_per_server_day > 0:
                per_day = tp.capacity * tp.staff_cost_per_server_day
                _spread(rec, "staff", per_day, horizon)
        fixed = self.scenario.money.fixed_cost_per_day
        if fixed > 0:
            _spread(rec, "fixed", fixed, horizon)

    def _arrivals(self, rate: float) -> Generator[simpy.Event, Any, None]:
        """Poisson prospects; detractors' word of mouth thins them out.

        Every prospect's attributes are drawn whether or not they are kept, so a change in
        word of mouth never shifts the attributes of later customers (common random numbers).
        """
        env, rng, horizon = self.env, self.arrival_rng, self.horizon
        attr = self.attribute_rng
        suppression = (
            self.scenario.referrals.suppression_per_detractor_per_day / rate
            if self.word_of_mouth
            else 0.0
        )
        thin = self.streams.component("suppression") if suppression > 0 else None
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= horizon:
                return
            prospect = self._draw_prospect(attr)
            if thin is not None and thin.random() < suppression * self.detractors:
                continue
            self._admit(prospect, referred=False)

    def _referrals(self, per_promoter: float) -> Generator[simpy.Event, Any, None]:
        """Referred prospects: a Poisson process at rate promoters x ``per_promoter`` per day.

        The rate is re-read every day (piecewise constant); by memorylessness, drawing the next
        gap afresh at each day boundary is exact for such a rate.
        """
        env, horizon = self.env, self.horizon
        rng = self.streams.component("referrals")
        while env.now < horizon:
            day_end = min(env.now + 1.0, horizon)
            rate = self.promoters * per_promoter
            if rate > 0:
                t = env.now + rng.expovariate(rate)
                while t < day_end:
                    yield env.timeout(t - env.now)
                    self._admit(self._draw_prospect(rng), referred=True)
                    t += rng.expovariate(rate)
            yield env.timeout(day_end - env.now)

    def _draw_prospect(
        self, attr: random.Random
    ) -> tuple[_SegmentRuntime, float, Any, Any, Any, int]:
        """Segment, churn propensity, random streams and seed of a new prospect."""
        index = bisect_right(self.segment_cum, attr.random())
        seg = self.segments[min(index, len(self.segments) - 1)]
        if self.returning:
            spec = seg.spec
            theta = attr.betavariate(spec.churn.a, spec.churn.b)
            customer_seed = attr.getrandbits(64)
            visit_rng, life_rng = RunStreams.customer_streams(customer_seed)
            churn_rng = RunStreams.churn_stream(customer_seed) if self.churn_per_period else None
            return seg, theta, visit_rng, life_rng, churn_rng, customer_seed
        # One-off customers (pure queueing) have no life to keep aligned across strategies and
        # never churn: they share the run-level visit stream and skip the Beta draw.
        return seg, 0.0, self.visit_rng, None, None, 0

    def acquire(self, referred: bool = False) -> Customer:
        """Create a customer now (attributes from the attribute stream) and start their life."""
        return self._admit(self._draw_prospect(self.attribute_rng), referred)

    def _admit(
        self, prospect: tuple[_SegmentRuntime, float, Any, Any, Any, int], referred: bool
    ) -> Customer:
        seg, theta, visit_rng, life_rng, churn_rng, key = prospect
        now = self.env.now
        cohort = self.recorder.period_of(now)
        customer = Customer(
            self.next_id,
            seg.name,
            cohort,
            now,
            theta,
            seg.spec.initial_expectation,
            self.psych.satisfaction_when_met,
            visit_rng,
            life_rng,
            referred,
        )
        if churn_rng is not None:
            customer.churn_rng = churn_rng
        # one-off customers have no seed of their own: key them by run and arrival
        customer.key = key or (self.run_key + customer.id) & 0xFFFFFFFFFFFFFFFF
        self.next_id += 1
        self.active[customer.id] = customer
        self.recorder.acquire(cohort, referred)
        if self.logging:
            self.recorder.log(now, customer.id, "acquired", None, seg.name)
        if self.on_acquire is not None:
            self.on_acquire(self, customer)
        # one-off customers (pure queueing) live exactly one journey: no life loop around it
        life = self._life(customer, seg) if self.returning else self._journey(customer, seg)
        customer.process = self.env.process(life)
        return customer

    def pull_forward(self, customer: Customer) -> bool:
        """Make a customer who is waiting for their next need start a journey now (campaigns)."""
        if customer.active and customer.waiting:
            customer.waiting = False
            customer.process.interrupt("pulled forward")
            return True
        return False

    def book_daily_cost(self, category: str, per_day: float) -> None:
        """Book a running cost of ``per_day`` for every simulated day (period by period)."""
        _spread(self.recorder, category, per_day, self.horizon)

    def add_revenue(self, customer: Customer, amount: float) -> None:
        """Book extra revenue from ``customer`` now (e.g. an accepted upsell)."""
        customer.spend += amount
        self.recorder.purchase(self.env.now, amount, customer.acquired_at, count=False)

    def churn(self, customer: Customer, period: int | None = None) -> None:
        """Customer leaves for good (counted in ``period``, default: the current one)."""
        if not customer.active:
            return
        customer.active = False
        del self.active[customer.id]
        if customer.life_rng is not None:
            # a journey under way keeps its own references; nothing draws for this customer
            # again, so a CRM file of gone customers does not keep their generators alive
            customer.visit_rng = customer.life_rng = customer.churn_rng = None
        if customer.advocacy:
            self._set_advocacy(customer, 0)
        now = self.env.now
        self.recorder.churn(
            customer.cohort, self.recorder.period_of(now) if period is None else period
        )
        if self.logging:
            self.recorder.log(now, customer.id, "churned", None, None)

    def hazard(self, customer: Customer) -> float:
        """Churn probability of ``customer`` now (per journey or per period)."""
        p = customer.theta * customer.churn_multiplier
        psych = self.psych
        if self.psych_on and psych.churn_effects:
            p *= math.exp(
                -psych.churn_satisfaction_sensitivity
                * (customer.satisfaction - psych.satisfaction_when_met)
                - psych.churn_loyalty_sensitivity * customer.loyalty
            )
        return p if p < 1.0 else 1.0

    def _life(self, c: Customer, seg: _SegmentRuntime) -> Generator[simpy.Event, Any, None]:
        env = self.env
        while True:
            yield from self._journey(c, seg)
            if not c.active:
                return
            life = c.life_rng
            assert life is not None
            u_churn = life.random()
            gap = life.expovariate(
                seg.gap_rate
                * c.frequency_multiplier
                * (1.0 + self.psych.loyalty_frequency_effect * c.loyalty)
            )
            if not self.churn_per_period and u_churn < self.hazard(c):
                self.churn(c)
                return
            c.waiting = True
            try:
                yield env.timeout(gap)
            except simpy.Interrupt:  # a campaign pulled the next need forward
                pass
            c.waiting = False
            if not c.active:
                return

    def _journey(self, c: Customer, seg: _SegmentRuntime) -> Generator[simpy.Event, Any, None]:
        """One journey from entry to a terminal. Every visit draws a fixed set of numbers."""
        env = self.env
        rng = c.visit_rng
        psych_on = self.psych_on
        psych = self.psych
        warmup, horizon = self.warmup, self.horizon
        logging = self.logging
        rec = self.recorder
        patience_rate = seg.patience_rate
        life = c.life_rng
        if life is not None:
            # life draws of this journey, all made up front so their number never varies
            u_survey = life.random()
            basket = life.lognormvariate(seg.basket_mu, seg.basket_sigma)
            ltr_noise = life.gauss(0.0, 1.0)
        else:
            # one-off customers share the visit stream (nothing to keep aligned): draw only
            # what is used; the basket when they buy
            u_survey = rng.random() if self.survey_rate > 0.0 else 1.0
            ltr_noise = rng.gauss(0.0, 1.0) if psych_on else 0.0
            basket = -1.0
        surveyed = u_survey < self.survey_rate
        expectation = c.expectation
        hooked = self.on_journey_end is not None or self.on_survey is not None
        outcome = JourneyOutcome() if hooked else None
        abandoned_journey = failed_journey = False
        n_seen = 0
        sum_p = 0.0
        peak_p = end_p = expectation
        peak_gap = -1.0
        effort = wait_total = 0.0
        csat_marks: list[tuple[TouchpointStats, float]] | None = [] if surveyed else None
        entry = self.entry
        node: Any = entry.route_next[bisect_right(entry.route_cum, rng.random())]
        while node.__class__ is _Node:
            u_route = rng.random()
            rate = node.service_rate
            service = rng.expovariate(rate) if rate else node.service(rng)
            patience = rng.expovariate(patience_rate) if patience_rate is not None else math.inf
            z = rng.gauss(0.0, 1.0) if psych_on else 0.0
            failed = node.failure_p > 0.0 and rng.random() < node.failure_p
            stats = node.stats
            arrive = env.now
            counted = arrive >= warmup
            abandoned = False
            wait = 0.0
            res = node.resource
            if res is None:
                yield env.timeout(service)
            else:
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
            if counted:
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
            if node.cost_per_visit:
                rec.add_cost("visits", node.cost_per_visit, arrive)
            if logging:
                rec.log(env.now, c.id, "abandoned" if abandoned else "visited", node.name, wait)
            wait_total += wait
            if hooked:
                outcome.touchpoints.append(node.name)
            if psych_on:
                if abandoned:
                    perceived = psych.abandon_quality
                else:
                    perceived = (
                        node.quality
                        + node.consistency * z
                        - psych.wait_penalty_per_hour * wait * 24.0
                        - psych.effort_penalty * node.effort
                        - (psych.failure_penalty if failed else 0.0)
                    )
                    if perceived < 0.0:
                        perceived = 0.0
                    elif perceived > 10.0:
                        perceived = 10.0
                effort += node.effort + psych.wait_effort_per_hour * wait * 24.0
                n_seen += 1
                sum_p += perceived
                gap = abs(perceived - expectation)
                if gap > peak_gap:
                    peak_gap, peak_p = gap, perceived
                end_p = perceived
                if csat_marks is not None and counted:
                    csat_marks.append((stats, perceived))
            if abandoned:
                abandoned_journey = True
                rec.p_abandoned[rec.period_of(env.now)] += 1
                node = EXIT
                break
            if failed:
                failed_journey = True
                c.complaints += 1
                node = node.recovery
            else:
                node = node.route_next[bisect_right(node.route_cum, u_route)]
        # -- journey end
        now = env.now
        c.journeys += 1
        rec.p_journeys[rec.period_of(now)] += 1
        purchased = node == PURCHASE
        amount = 0.0
        if outcome is not None:
            outcome.wait = wait_total
            outcome.effort = effort
            outcome.abandoned = abandoned_journey
            outcome.failed = failed_journey
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
            rec.purchase(now, amount, c.acquired_at, discount=listed - amount)
        if psych_on and n_seen:
            remembered = (
                psych.mean_weight * (sum_p / n_seen)
                + psych.peak_weight * peak_p
                + psych.end_weight * end_p
            )
            satisfaction = _journey_satisfaction(remembered - expectation, psych)
            m = psych.satisfaction_memory
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
            raw_ltr = c.satisfaction + psych.ltr_noise * ltr_noise
            ltr = int(round(10.0 if raw_ltr > 10.0 else (0.0 if raw_ltr < 0.0 else raw_ltr)))
            c.ltr = ltr
            if self.word_of_mouth and c.active:  # one who left meanwhile recommends no more
                self._set_advocacy(c, 1 if ltr >= 9 else (-1 if ltr <= 6 else 0))
            if surveyed:
                self._survey(c, outcome, ltr, effort, csat_marks or [], now, expectation)
        if logging:
            rec.log(now, c.id, "purchase" if purchased else "exit", None, amount)
        if self.on_journey_end is not None:
            self.on_journey_end(self, c, outcome)
        if not self.returning:
            self.churn(c)  # a one-off customer leaves after their only journey

    def _survey(
        self,
        c: Customer,
        outcome: JourneyOutcome | None,
        ltr: int,
        effort: float,
        marks: list[tuple[TouchpointStats, float]],
        now: float,
        expectation: float,
    ) -> None:
        """Answer a survey: LTR (NPS), CES of the journey, CSAT of each touchpoint visited.

        CSAT rates a visit against the expectation the customer came with (P - E), not the
        one this journey has already moved.
        """
        psych = self.psych
        rec = self.recorder
        period = rec.period_of(now)
        if outcome is not None:
            outcome.ltr = ltr
        rec.p_responses[period] += 1
        if ltr >= 9:
            rec.p_promoters[period] += 1
        elif ltr <= 6:
            rec.p_detractors[period] += 1
        ces = int(round(min(7.0, max(1.0, 7.0 - psych.ces_effort_scale * effort))))
        rec.p_ces_sum[period] += ces
        rec.p_ces_n[period] += 1
        for stats, perceived in marks:
            score = _journey_satisfaction(perceived - expectation, psych)
            csat = int(round(min(5.0, max(1.0, 1.0 + 0.4 * score))))
            stats.csat_sum += csat
            stats.csat_n += 1
            rec.p_csat_sum[period] += csat
            rec.p_csat_n[period] += 1
        if self.logging:
            rec.log(now, c.id, "survey", None, ltr)
        if self.on_survey is not None:
            self.on_survey(self, c, ltr)

    def _set_advocacy(self, customer: Customer, advocacy: int) -> None:
        old = customer.advocacy
        if old == advocacy:
            return
        if old == 1:
            self.promoters -= 1
        elif old == -1:
            self.detractors -= 1
        if advocacy == 1:
            self.promoters += 1
        elif advocacy == -1:
            self.detractors += 1
        customer.advocacy = advocacy

    # -- periods -------------------------------------------------------------------------------

    def _period_ticks(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        boundary = 1
        while boundary * self.period < self.horizon - 1e-9:
            yield env.timeout(boundary * self.period - env.now)
            self._tick(boundary)
            boundary += 1

    def _tick(self, boundary: int) -> None:
        """Period boundary ``boundary`` (end of period ``boundary - 1``): churn, hooks."""
        ended = boundary - 1
        if self.churn_per_period:
            # A customer decides once per full period of tenure (the sBG clock), at the first
            # boundary after each anniversary: so not at the end of the period they arrived in.
            # A decision is then at most one period late, and by any boundary a customer has
            # made exactly as many decisions as periods completed since acquisition.
            started = ended * self.period
            for customer in list(self.active.values()):
                if customer.acquired_at > started:
                    continue
                if customer.churn_rng.random() < self.hazard(customer):
                    self.churn(customer, period=ended)
        if self.on_period is not None:
            self.on_period(self, ended)


def _journey_satisfaction(disconfirmation: float, psych: Any) -> float:
    """Expectation-disconfirmation with a zone of tolerance and asymmetric gains (0-10)."""
    tol = psych.tolerance
    if disconfirmation > tol:
        value = psych.satisfaction_when_met + psych.gain_above * (disconfirmation - tol)
    elif disconfirmation < -tol:
        value = psych.satisfaction_when_met + psych.gain_below * (disconfirmation + tol)
    else:
        value = psych.satisfaction_when_met
    return 0.0 if value < 0.0 else (10.0 if value > 10.0 else value)


def _spread(rec: Recorder, category: str, per_day: float, horizon: float) -> None:
    """Book a cost that accrues evenly per day over the whole horizon, period by period."""
    for period in range(rec.n_periods):
        lo = period * rec.period
        hi = min(horizon, lo + rec.period)
        if hi > lo:
            rec.add_cost(category, per_day * (hi - lo), lo)
