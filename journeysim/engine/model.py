"""The model: a scenario wired into SimPy processes, rule objects and a recorder.

One :class:`JourneyModel` is one run. It owns its SimPy environment, its random streams and its
recorder; nothing is global, so any number of runs can execute side by side (SimPy's own design
note on global state applies here too). The model itself is wiring: it compiles every
touchpoint into a :class:`~journeysim.engine.touchpoint.TouchpointNode` (capacity, service,
perception and routing rules), every segment into a :class:`SegmentRuntime` (patience and the
segment's draws), starts the arrival, referral and period processes, and runs customers' lives:
journeys (:mod:`journeysim.engine.journey`) separated by the time to their next need, and churn
decisions (:mod:`journeysim.engine.churn`). Strategies see it only through
:class:`~journeysim.engine.api.ModelAPI`.
"""

from __future__ import annotations

import gc
import math
import random
from bisect import bisect_right
from collections.abc import Callable, Generator
from heapq import heappop, heappush
from math import log
from typing import TYPE_CHECKING, Any

import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL, URGENT, EventPriority

from journeysim.engine.api import ModelAPI
from journeysim.engine.arrivals import ArrivalRule, PoissonArrivals, ProfiledArrivals
from journeysim.engine.calendar import Calendar, RateProfile
from journeysim.engine.churn import ChurnRule
from journeysim.engine.customer import Customer
from journeysim.engine.journey import plan_self_service_runs, walk
from journeysim.engine.operations import DEFAULT_SERVICE_LEVEL_TARGET, OpsStats
from journeysim.engine.patience import PatienceRule, compile_patience
from journeysim.engine.recorder import Recorder, SegmentStats
from journeysim.engine.routing import (
    RoutingRule,
    SegmentRouting,
    StateRouting,
    compile_routing,
)
from journeysim.engine.service import BetaDraw, lognormal_params
from journeysim.engine.starting_base import SteadyStart
from journeysim.engine.streams import _JOURNEY_SHIFT, _MASK64, CHURN_SALT, RunStreams, _seed
from journeysim.engine.touchpoint import EntryNode, TouchpointNode, uses_operations
from journeysim.engine.word_of_mouth import WordOfMouth
from journeysim.errors import ScenarioError
from journeysim.scenario.graph import ENTRY
from journeysim.scenario.workload import REFERRALS_PER_PROSPECT, max_active_customers

if TYPE_CHECKING:
    from journeysim.scenario.schema import Journey, Scenario, Segment

__all__ = ["JourneyModel", "NeedDue", "OneOffWalk", "SegmentRuntime"]

#: First-generation GC threshold while a run executes (Python's default is 700).
_GC_THRESHOLD = 100_000


#: Width (days) of a bucket of the needs calendar (NeedCalendar): an hour.
NEED_BUCKET = 1.0 / 24.0


#: How often a run with a progress callback reports (steps along the horizon).
PROGRESS_STEPS = 200


def run_until(env: simpy.Environment, at: float) -> None:
    """``env.run(until=at)`` for a time ``at``, with ``Environment.step`` inline.

    SimPy 4's ``run`` calls the ``step`` method once per event; this loop does what both do,
    in the same order (the stop event at ``at`` with URGENT priority; each event popped, its
    callbacks called, a failed event not defused re-raised; a ``StopSimulation`` raised by a
    callback puts the event's remaining callbacks back in the schedule), without the call per
    event. ``tests/test_fast_draws.py`` runs a model both ways.
    """
    at = at if isinstance(at, int) else float(at)
    if at <= env.now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    until = simpy.Event(env)
    until._ok = True
    until._value = None
    env.schedule(until, URGENT, at - env.now)
    until.callbacks.append(StopSimulation.callback)
    queue = env._queue
    try:
        while True:
            try:
                env._now, _, _, event = heappop(queue)
            except IndexError:
                raise RuntimeError(
                    f'No scheduled events left but "until" event was not triggered: {until}'
                ) from None
            callbacks, event.callbacks = event.callbacks, None
            try:
                for callback in callbacks:
                    callback(event)
            except StopSimulation:
                event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                env.schedule(event, EventPriority(-1))
                raise
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
    except StopSimulation:
        return


class NeedDue:
    """A returning customer's next need, waiting in the SimPy schedule: 64 bytes, no process.

    Between journeys a customer has no SimPy process and no generator: this small event is
    scheduled with :meth:`simpy.Environment.schedule` at the moment of the need, and its
    callback starts the next journeys (:class:`JourneyRunner`). A strategy that pulls the need
    forward, or a churn meanwhile, cancels it (``customer = None``). Duck-typed for
    ``Environment.step``, which reads ``callbacks`` and ``_ok`` only (the runner, ``_value``).
    """

    __slots__ = ("callbacks", "customer")
    _ok = True
    _value = None

    def __init__(self, callbacks: tuple[Callable[[NeedDue], None]], customer: Customer) -> None:
        self.callbacks = callbacks
        self.customer: Customer | None = customer


class NeedCalendar:
    """Needs far ahead wait here, out of SimPy's heap, until the hour they fall in begins.

    Between journeys every returning customer has a :class:`NeedDue` pending, so with SimPy's
    one heap every event of the run (a journey's timeouts, queue events, arrivals) paid a
    push and pop through a heap as big as the active base: about 17 levels of tuple
    comparisons, most of them cache misses, at the 5x retail case (issue 17, target 2: cost
    per journey flat as the base grows). Here a need is kept in a bucket of ``width`` days
    (a calendar queue, Brown 1988) and pushed into the heap when its bucket begins, by one
    chained event per bucket that runs before everything else at that moment (priority
    ``-2``, below SimPy's ``URGENT`` and the ``-1`` of a stop). Each entry keeps the key
    :meth:`simpy.Environment.schedule` gives it (time, ``NORMAL``, the event counter at the
    moment it is scheduled), and the heap pops by that key alone, so events are processed in
    exactly the same order as with one heap: every entry is in the heap before any entry with
    a larger key is popped.
    """

    __slots__ = ("env", "width", "buckets", "next_bucket", "callbacks")

    _ok = True
    _value = None

    def __init__(self, env: simpy.Environment, width: float) -> None:
        self.env = env
        self.width = width
        self.buckets: dict[int, list[tuple[float, int, int, Any]]] = {}
        self.next_bucket: int | None = None  # the bucket the next chained event opens
        self.callbacks: Any = None

    def schedule(self, need: NeedDue, delay: float) -> None:
        """``env.schedule(need, NORMAL, delay)``: the same key, kept aside if far enough."""
        env = self.env
        t = env._now + delay
        entry = (t, NORMAL, next(env._eid), need)
        width = self.width
        b = math.floor(t / width)
        if b * width > t:  # rounding put t in the next bucket: it belongs to this one
            b -= 1
        nb = self.next_bucket
        if nb is None:  # the first need: start the chain at the next bucket
            nb = math.floor(env._now / width) + 1
            self._chain(nb)
        if b < nb:  # its bucket is open: straight into the heap
            heappush(env._queue, entry)
            return
        bucket = self.buckets.get(b)
        if bucket is None:
            self.buckets[b] = [entry]
        else:
            bucket.append(entry)

    def _chain(self, b: int) -> None:
        """Put the event that opens bucket ``b`` into the heap (at the bucket's start)."""
        self.next_bucket = b
        self.callbacks = (self._open,)
        heappush(self.env._queue, (b * self.width, -2, 0, self))

    def _open(self, event: NeedCalendar) -> None:
        """Bucket ``next_bucket`` begins: its needs go into the heap; chain the next one."""
        b = self.next_bucket
        bucket = self.buckets.pop(b, None)
        self._chain(b + 1)
        if bucket is not None:
            queue = self.env._queue
            for entry in bucket:
                if entry[3].customer is not None:  # a cancelled need would do nothing
                    heappush(queue, entry)


class _Start:
    """Stands for the event that starts a fresh walk generator (``send(None)``)."""

    __slots__ = ()
    _ok = True
    _value = None


_START = _Start()


class JourneyRunner:
    """Drives a customer's journeys as a SimPy process would, without being an event.

    A :class:`simpy.events.Process` costs two events of its own (its start and its end) and a
    few hundred bytes; journeys start at a :class:`NeedDue` and nothing waits for their end,
    so this driver resumes the journey's :func:`~journeysim.engine.journey.walk` generator with
    each event it yields (the loop of ``Process._resume``: send the value, or throw a failed
    event's exception; an event already processed resumes at once). The first journey starts
    inside the callback that makes the runner, at the need's moment
    (:meth:`JourneyModel._start_journey`); when a walk ends, :meth:`JourneyModel._journey_ended`
    schedules the next need, or says the next journey starts at once (a strategy pulled it
    forward), and the runner goes on with a new walk. The walk generator is driven directly,
    not through a generator around it: one frame less at every event of the journey. An
    exception of the walk propagates out of ``env.run``. A walk may also yield a plain number
    of days (its self-service runs do): the runner then schedules itself, with the key
    ``env.timeout`` would have given (time, ``NORMAL``, the event counter), as the event that
    resumes it, so the order of events is the same without a ``Timeout`` object.
    """

    __slots__ = ("generator", "model", "customer", "seg", "rng", "u_churn", "u_gap", "callbacks")

    # the runner is itself the event of a wait the walk yields as a number of days
    _ok = True
    _value = None

    # no __init__: JourneyModel._need_due fills the slots (one Python frame less per journey)
    model: JourneyModel
    customer: Customer
    seg: SegmentRuntime

    def resume(self, event: Any) -> None:
        """Run the walks until one waits for an event not yet processed, or the last ends."""
        generator = self.generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    event = generator.throw(event._value)
            except StopIteration:
                model = self.model
                if not model._journey_ended(self):
                    return
                generator = self.generator = model._start_journey(self)
                event = _START
                continue
            if event.__class__ is float:
                # a wait of that many days (a self-service run): scheduled with the key
                # env.timeout(event) would get, the runner itself standing for the event
                env = self.model.env
                self.callbacks = (self.resume,)
                heappush(env._queue, (env._now + event, NORMAL, next(env._eid), self))
                return
            callbacks = event.callbacks
            if callbacks is not None:
                callbacks.append(self.resume)
                return


class OneOffWalk:
    """Drives a one-off customer's only journey as a SimPy process would, without a Process.

    A :class:`simpy.events.Process` costs its ``Initialize`` event, a failed-or-done event at
    its end that nothing waits for, and a heavier resume per event. This driver is scheduled
    itself, URGENT, at the moment of arrival, where ``Process`` scheduled its ``Initialize``
    (the same place in the schedule, so the walks start in the same order), then resumes the
    walk with each event it yields (:meth:`JourneyRunner.resume`'s loop). Duck-typed for the
    event loop, which reads ``callbacks`` and ``_ok`` (and ``_value``) only. An exception of
    the walk propagates out of ``env.run``.
    """

    __slots__ = ("generator", "callbacks", "step")
    _ok = True
    _value = None

    def __init__(self, generator: Generator[simpy.Event, Any, None]) -> None:
        self.generator = generator
        self.step = step = self.resume
        self.callbacks: tuple[Callable[[Any], None]] | None = (step,)

    def resume(self, event: Any) -> None:
        """Run the walk until it waits for an event not yet processed, or ends."""
        generator = self.generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    event = generator.throw(event._value)
            except StopIteration:
                self.step = None  # self -> bound method -> self: freed now, not by the GC
                return
            callbacks = event.callbacks
            if callbacks is not None:
                callbacks.append(self.step)
                return


class SegmentRuntime:
    """A segment at run time: its rules and the parameters of its customers' draws."""

    __slots__ = (
        "name",
        "spec",
        "gap_rate",
        "need_shape",
        "basket_mu",
        "basket_sigma",
        "patience",
        "stats",
        "churn_propensity",
    )

    def __init__(self, name: str, spec: Segment, stats: SegmentStats | None = None) -> None:
        self.name = name
        self.spec = spec
        self.stats = stats
        self.gap_rate = 1.0 / spec.time_between_needs
        self.need_shape = spec.need_rate_shape
        self.basket_mu, self.basket_sigma = lognormal_params(spec.basket.mean, spec.basket.sd)
        self.patience: PatienceRule = compile_patience(spec.patience)
        # a prospect's churn propensity: rng.betavariate(a, b), its constants computed once
        self.churn_propensity = BetaDraw(spec.churn.a, spec.churn.b)


class JourneyModel:
    """One simulation run of a scenario under a strategy.

    Parameters
    ----------
    scenario:
        The (already strategy-transformed) scenario.
    streams:
        The run's random streams.
    strategy:
        Policy object whose hooks are called with a :class:`ModelAPI` at acquisition, journey
        end, survey and period end (``None``: no hooks).
    event_log:
        Keep a per-event log (memory grows with events; off by default).
    burn_in_scenario:
        The business before the strategy (the untransformed scenario): its touchpoints and
        routes run the burn-in, and ``scenario``'s take over at day 0 (:meth:`_day_zero`), so
        every strategy starts from the same base. ``None``: ``scenario``'s from the start.
    """

    def __init__(
        self,
        scenario: Scenario,
        streams: RunStreams,
        strategy: Any = None,
        event_log: bool = False,
        burn_in_scenario: Scenario | None = None,
    ) -> None:
        self.scenario = scenario
        self.streams = streams
        self.strategy = strategy
        sim = scenario.simulation
        # a burn-in runs before day 0: the clock starts at -burn_in (nothing counted before 0)
        self.burn_in = sim.burn_in
        self.env = simpy.Environment(initial_time=-sim.burn_in)
        self.horizon = sim.horizon
        self.warmup = sim.warmup
        self.period = sim.period
        self.psych = scenario.psychology
        self.psych_on = scenario.psychology.enabled
        self.returning = scenario.population.returning
        self.survey_rate = sim.survey_rate if self.psych_on else 0.0
        # one-off customers (pure queueing) leave after their journey: no period churn for them
        self.churn_per_period = sim.churn == "period" and self.returning
        self.churn_rule = ChurnRule(self.psych)
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
            segments=tuple(scenario.segments),
            burn_in=sim.burn_in,
        )
        self.logging = event_log
        self.calendar = Calendar(sim.weekday0)
        # -- the touchpoint graph, compiled into nodes with their rules
        stats = self.recorder.stats
        before = burn_in_scenario if burn_in_scenario is not None and sim.burn_in > 0 else None
        for name, tp in scenario.touchpoints.items():
            if uses_operations(tp) or (
                before is not None and uses_operations(before.touchpoints[name])
            ):
                target = tp.service_level_target
                stats[name] = OpsStats(
                    name,
                    None if tp.capacity == "unlimited" else tp.capacity,
                    DEFAULT_SERVICE_LEVEL_TARGET if target is None else target,
                    self.calendar,
                    sim.period,
                    self.recorder.n_periods,
                )
        # the business that runs the burn-in: the strategy's own from day 0 (_day_zero)
        self._graph_at_zero = scenario if before is not None else None
        self._build_graph(before if before is not None else scenario)
        # -- segments and arrivals
        self.segments = [
            SegmentRuntime(n, s, self.recorder.segments[n]) for n, s in scenario.segments.items()
        ]
        cum, total = [], 0.0
        for seg in self.segments:
            total += seg.spec.share
            cum.append(total)
        self.segment_cum = cum
        self.segment_of = {seg.name: seg for seg in self.segments}
        self._need_callbacks = (self._need_due,)  # shared by every NeedDue (never mutated)
        # needs far ahead wait outside SimPy's heap (NeedCalendar: the same event order)
        self.needs = NeedCalendar(self.env, NEED_BUCKET)
        # -- demand over time: a profiled rate (arrivals, and needs if they follow it)
        demand = scenario.population.demand
        self.profile: RateProfile | None = None
        if demand is not None and not demand.flat:
            week, months = demand.factors()
            self.profile = RateProfile(week, months, sim.weekday0, sim.start_month)
        self.arrival_rule: ArrivalRule = (
            PoissonArrivals(scenario.population.arrivals_per_day)
            if self.profile is None
            else ProfiledArrivals(scenario.population.arrivals_per_day, self.profile)
        )
        self._free_streams: list[random.Random] = []  # generators of journeys that ended
        # returning customers' needs read their exponential clock against the same profile
        self.need_profile = (
            self.profile if self.profile is not None and demand.needs_follow else None
        )
        self.active: dict[int, Customer] = {}
        self.next_id = 0
        self.arrival_rng = streams.component("arrivals")
        self.attribute_rng = streams.component("attributes")
        self.visit_rng = streams.component("visits")
        self.run_key = streams.run_key()
        referrals = scenario.referrals
        self.market_size = scenario.population.market_size
        self.word_of_mouth: WordOfMouth | None = None
        self.max_active = max_active_customers()
        organic = scenario.population.arrivals_per_day * sim.horizon
        self.max_referred = int(max(100_000, REFERRALS_PER_PROSPECT * organic))
        if referrals is not None and (
            (
                self.psych_on
                and (
                    referrals.per_promoter_per_day > 0
                    or referrals.suppression_per_detractor_per_day > 0
                )
            )
            or referrals.per_customer_per_day > 0
        ):
            # promoters and detractors exist only with psychology on (advocacy comes from LTR)
            self.word_of_mouth = WordOfMouth(
                referrals.per_promoter_per_day if self.psych_on else 0.0,
                referrals.suppression_per_detractor_per_day if self.psych_on else 0.0,
                referrals.per_customer_per_day,
                self.market_size,
            )
        # -- strategy hooks, looked up once (None costs nothing per journey)
        hooks = strategy
        self.on_journey_end = getattr(hooks, "on_journey_end", None) if hooks else None
        self.on_survey = getattr(hooks, "on_survey", None) if hooks else None
        self.on_period = getattr(hooks, "on_period", None) if hooks else None
        self.on_acquire = getattr(hooks, "on_acquire", None) if hooks else None
        self.hooked = self.on_journey_end is not None or self.on_survey is not None
        self.ending: Customer | None = None  # whose on_journey_end hook is running
        self.starting_base: SteadyStart | None = None  # a steady start's base (see _run)
        self.api = ModelAPI(self)

    def _build_graph(self, scenario: Scenario) -> None:
        """Compile ``scenario``'s touchpoints and routes into nodes with their rules.

        Called when the model is built and, when a strategy changes the business, again at
        day 0 (:meth:`_day_zero`): the new nodes share the touchpoints' statistics, and
        journeys already under way finish on the nodes they started on.
        """
        stats = self.recorder.stats
        self.graph = scenario
        self.nodes = {
            name: TouchpointNode(name, tp, self.env, stats[name], self.psych, self.calendar)
            for name, tp in scenario.touchpoints.items()
        }
        for name, node in self.nodes.items():
            spec = scenario.touchpoints[name]
            node.recovery = self.nodes[spec.recovery] if spec.recovery else None
            if node.ops is not None and spec.retry is not None and spec.retry.switch_to:
                node.ops.switch_to = self.nodes[spec.retry.switch_to]
        self.track_failures = False  # set by _routing when a rule weighs recent_failure
        self.entry = EntryNode(ENTRY)
        self.entry.routing = self._routing(ENTRY)
        for name in scenario.journey.routes:
            self.nodes[name].routing = self._routing(name)
        plan_self_service_runs(self)  # runs of self-service visits: one event each where safe
        for node in self.nodes.values():
            if node.ops is not None:  # returning customers' walks run in a JourneyRunner,
                node.ops.waits_as_days = self.returning  # which schedules a number of days

    def _routing(self, source: str) -> RoutingRule:
        """The routing rule of a row: the global one, or one per segment where they differ."""
        journey = self.graph.journey
        met = self.psych.satisfaction_when_met

        def row_of(j: Journey) -> tuple[dict[str, float], Any]:
            row = j.entry if source == ENTRY else j.routes[source]
            return row, j.state_routing.get(source)

        default = row_of(journey)
        shared = compile_routing(*default, self._resolve, met)
        rules: dict[str, RoutingRule] = {}
        for name, spec in self.graph.segments.items():
            own = row_of(journey.for_segment(spec.journey))
            rules[name] = shared if own == default else compile_routing(*own, self._resolve, met)
        for rule in {id(r): r for r in rules.values()}.values():
            if isinstance(rule, StateRouting) and rule.weighs("recent_failure"):
                self.track_failures = True
        if all(rule is shared for rule in rules.values()):
            return shared  # no segment has its own row: the fast path
        return SegmentRouting(rules)

    def _resolve(self, target: str) -> Any:
        """A routing target: a touchpoint's node, or a terminal's name."""
        return self.nodes.get(target, target)

    # -- running -------------------------------------------------------------------------------

    def run(self, progress: Callable[[float, int], None] | None = None) -> Recorder:
        """Run to the horizon and return the recorder holding every aggregate.

        ``progress(day, active_customers)``, if given, is called about 200 times along the
        run. The run then advances in steps (``env.run(until=...)`` stops before any event at
        the step's time, which the next step processes in the same order), so results are
        identical with and without it.

        While it runs, the garbage collector's first-generation threshold is raised (and
        restored after): a run allocates millions of short-lived objects and keeps a large
        live customer base, and with the default threshold (700) full collections that
        traverse that base took about half of a one-year retail run's CPU time (at 10,000
        still ~2% of the 5x retail case, 0.8% at 100,000). Cycles are still collected, so
        memory still follows the live customers, not the events.
        """
        threshold = gc.get_threshold()
        gc.set_threshold(max(threshold[0], _GC_THRESHOLD), *threshold[1:])
        try:
            return self._run(progress)
        finally:
            gc.set_threshold(*threshold)

    def _run(self, progress: Callable[[float, int], None] | None) -> Recorder:
        env = self.env
        steady = None
        if self.scenario.simulation.start == "steady":  # an existing base, drawn, then settled
            steady = self.starting_base = SteadyStart(self, self.streams.component("base"))
            steady.seed()
        if self.burn_in > 0:
            env.process(self._day_zero())
        elif self.strategy is not None and hasattr(self.strategy, "setup"):
            self.strategy.setup(self.api)
        env.process(self._arrivals())
        wom = self.word_of_mouth
        if wom is not None and wom.refers:
            rng = self.streams.component("referrals")
            env.process(wom.referrals(env, self.horizon, rng, self._admit_referred))
        env.process(self._period_ticks())
        if steady is not None:
            env.process(steady.resizing(self.burn_in))
        if progress is None:
            run_until(env, self.horizon)
        else:
            steps = PROGRESS_STEPS
            for step in range(1, steps + 1):
                until = self.horizon if step == steps else self.horizon * step / steps
                if until > env.now:
                    run_until(env, until)
                progress(until, len(self.active))
        boundary = self.recorder.n_full_periods
        if boundary * self.period >= self.horizon - 1e-9 and boundary >= 1:
            self._tick(boundary)  # the boundary at the horizon itself
        self.recorder.finish_queues()
        for node in self.nodes.values():
            if node.ops is not None:
                node.stats.finish(self.horizon)
                node.stats.scheduled = node.capacity.server_days(self.warmup, self.horizon)
        self._book_fixed_costs()
        return self.recorder

    def _day_zero(self) -> Generator[simpy.Event, Any, None]:
        """End of the burn-in: the strategy's hooks and processes start acting at day 0.

        During the burn-in the business runs as it was, without the strategy: no hooks, and
        the touchpoints and routes of the untransformed scenario (``burn_in_scenario``), so
        the starting base has the same customers, states, needs and draws under every strategy
        (common random numbers). At day 0 the strategy's touchpoints and routes (its
        transform: added staff, quality ...) take over, compiled afresh; journeys under way
        finish on the touchpoints they started on (a caller already queueing is answered by
        the staff who were there). Then, after the churn decisions of the boundary at day 0
        (the burn-in's last), every active customer of the base goes through ``on_acquire``
        (the CRM file, loyalty enrolment), oldest first.
        """
        hooks = {
            name: getattr(self, name)
            for name in ("on_journey_end", "on_survey", "on_period", "on_acquire")
        }
        hooked = self.hooked
        self.on_journey_end = self.on_survey = self.on_period = self.on_acquire = None
        self.hooked = False
        yield self.env.timeout(self.burn_in)
        if self._graph_at_zero is not None:  # the strategy's business from day 0
            self._build_graph(self._graph_at_zero)
            self._graph_at_zero = None
        if self.churn_per_period:  # day 0 is a boundary: the burn-in's last decisions first
            yield self.env.timeout(0.0)  # (they close it; the base is who stays)
        for name, hook in hooks.items():
            setattr(self, name, hook)
        self.hooked = hooked
        if self.strategy is not None and hasattr(self.strategy, "setup"):
            self.strategy.setup(self.api)
        if self.on_acquire is not None:  # the company knows its existing customers
            for customer in list(self.active.values()):
                self.on_acquire(self.api, customer)

    def _book_fixed_costs(self) -> None:
        horizon = self.horizon
        for node in self.nodes.values():
            node.capacity.book_staff(self.book_daily_cost, node.staff_cost_per_server_day, horizon)
        fixed = self.scenario.money.fixed_cost_per_day
        if fixed > 0:
            self.book_daily_cost("fixed", fixed)

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        """Organic prospects from the arrival rule; detractors' word of mouth thins them out.

        Every prospect's attributes are drawn whether or not they are kept, so a change in
        word of mouth never shifts the attributes of later customers (common random numbers).
        """
        env, rng, horizon = self.env, self.arrival_rng, self.horizon
        rule = self.arrival_rule
        attr = self.attribute_rng
        wom = self.word_of_mouth
        suppression = (
            wom.suppression / self.scenario.population.arrivals_per_day if wom is not None else 0.0
        )
        thin = self.streams.component("suppression") if suppression > 0 else None
        market = self.market_size
        if market is not None:
            yield from self._market_arrivals(market, suppression, thin)
            return
        # the default rule inline: PoissonArrivals.gap is random.expovariate's formula
        rate = rule.rate if rule.__class__ is PoissonArrivals else 0.0
        timeout = env.timeout
        while True:
            if rate:
                yield timeout(-math.log(1.0 - rng.random()) / rate)
            else:
                yield timeout(rule.gap(env._now, rng))
            if env._now >= horizon:  # env.now without the property call
                return
            prospect = self._draw_prospect(attr)
            if thin is not None and thin.random() < suppression * wom.detractors:
                continue
            self._admit(prospect, referred=False)

    def _market_arrivals(
        self, market: int, suppression: float, thin: random.Random | None
    ) -> Generator[simpy.Event, Any, None]:
        """Organic prospects of a finite market: candidates thinned by (N - ever acquired) / N.

        Thinning the arrival rule's candidates (with a uniform of the "market" stream per
        candidate, drawn whatever happens) gives the rate ``arrivals x (N - A(t)) / N`` at every
        moment, exactly. Candidates' attributes are drawn as without a market.
        """
        env, rng, horizon = self.env, self.arrival_rng, self.horizon
        rule, attr, wom = self.arrival_rule, self.attribute_rng, self.word_of_mouth
        room = self.streams.component("market")
        while True:
            yield env.timeout(rule.gap(env.now, rng))
            if env.now >= horizon:
                return
            prospect = self._draw_prospect(attr)
            kept = room.random() * market < market - self.next_id
            if thin is not None and thin.random() < suppression * wom.detractors:
                kept = False
            if kept:
                self._admit(prospect, referred=False)

    def _admit_referred(self, rng: random.Random) -> None:
        if len(self.active) >= self.max_active or self.recorder.referred >= self.max_referred:
            self._runaway_referrals()
        self._admit(self._draw_prospect(rng), referred=True)

    def _runaway_referrals(self) -> None:
        """Word of mouth that feeds itself without bound: stop with a clear error.

        The planned-work check cannot bound referrals (they grow with promoters), so the
        referral path checks the customer base against memory as it grows.
        """
        raise ScenarioError(
            f"word of mouth runs away: by day {self.env.now:,.0f} of {self.horizon:,.0f}, "
            f"{self.recorder.referred:,} referred customers, {len(self.active):,} active "
            f"(limits: {self.max_referred:,} referred, {self.max_active:,} active for memory); "
            "lower the rate",
            source=self.scenario.source or f"scenario {self.scenario.name!r}",
            field="referrals.per_promoter_per_day",
        )

    def _draw_prospect(self, attr: random.Random) -> tuple[SegmentRuntime, float, Any, int]:
        """Segment, churn propensity, visit stream (one-off customers) and seed of a prospect."""
        index = bisect_right(self.segment_cum, attr.random())
        seg = self.segments[min(index, len(self.segments) - 1)]
        if self.returning:
            theta = seg.churn_propensity.draw(attr)  # attr.betavariate(a, b) of the segment
            customer_seed = attr.getrandbits(64)
            # no generator is made here: each journey makes its own from the seed
            return seg, theta, None, customer_seed
        # One-off customers (pure queueing) have no life to keep aligned across strategies and
        # never churn: they share the run-level visit stream and skip the Beta draw.
        return seg, 0.0, self.visit_rng, 0

    def _admit(self, prospect: tuple[SegmentRuntime, float, Any, int], referred: bool) -> Customer:
        seg, theta, visit_rng, key = prospect
        now = self.env._now  # env.now without the property call
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
            None,
            referred,
        )
        # one-off customers have no seed of their own: key them by run and arrival
        customer.key = key or (self.run_key + customer.id) & 0xFFFFFFFFFFFFFFFF
        self.next_id += 1
        self.active[customer.id] = customer
        if seg.need_shape is not None and key:
            customer.need_rate = RunStreams.need_rate(key, seg.need_shape, seg.gap_rate)
        wom = self.word_of_mouth
        if wom is not None:
            wom.customers += 1
            wom.acquired = self.next_id
            if wom.per_customer > 0:
                wom.notify()
        self.recorder.acquire(cohort, referred, seg.stats)
        if self.logging:
            self.recorder.log(
                now,
                customer.id,
                "acquired",
                segment=seg.name,
                satisfaction=customer.satisfaction,
                expectation=customer.expectation,
            )
        if self.on_acquire is not None:
            self.on_acquire(self.api, customer)
        if self.returning:  # the first journey starts now, after the current event
            customer.process = need = NeedDue(self._need_callbacks, customer)
            customer.waiting = True
            self.env.schedule(need, simpy.events.URGENT)
        else:  # one-off customers (pure queueing) live exactly one journey: no life around it
            customer.process = runner = OneOffWalk(walk(self, customer, seg))
            self.env.schedule(runner, simpy.events.URGENT)  # where Process put its Initialize
        return customer

    def _start_journey(self, runner: JourneyRunner) -> Generator[simpy.Event, Any, None]:
        """A returning customer's next journey: its generator, its life numbers, its walk.

        Journey number ``k`` draws from its own generator (``RunStreams.journey_stream(key,
        k)``): the churn number and the uniform of the time to the next need first, then (in
        :func:`~journeysim.engine.journey.walk`) survey, basket, LTR noise and the visits. The
        generator is made in place in one that a finished journey handed back
        (:meth:`RunStreams.reseed_journey_stream`: the same state, no allocation). When the
        walk ends, :meth:`_journey_ended` decides what follows: a customer waiting for their
        next need holds no process, frame or generator (issue 17: memory per active customer
        under 1 KB).
        """
        c = runner.customer
        free = self._free_streams
        rng = free.pop() if free else random.Random(0)
        # RunStreams.reseed_journey_stream(rng, c.key, c.journeys), inline (once per journey)
        _seed(rng, c.key | (c.journeys + _JOURNEY_SHIFT) << 64)
        rng.gauss_next = None
        runner.u_churn = rng.random()
        runner.u_gap = rng.random()
        runner.rng = rng
        c.visit_rng = c.life_rng = rng
        return walk(self, c, runner.seg)

    def _journey_ended(self, runner: JourneyRunner) -> bool:
        """After a walk: churn (per journey), the next need; True if it starts right now.

        The need is a :class:`NeedDue` in the schedule, whose callback starts the next journey.
        """
        c = runner.customer
        c.visit_rng = c.life_rng = None
        self._free_streams.append(runner.rng)  # the generator goes back to the free list
        runner.rng = None
        if not c.active:
            return False
        env = self.env
        gap_rate = c.need_rate or runner.seg.gap_rate  # the customer's own rate if rates vary
        # exponential time to the next need: what random.expovariate does with u_gap
        gap = -log(1.0 - runner.u_gap) / (
            gap_rate
            * c.frequency_multiplier
            * (1.0 + self.psych.loyalty_frequency_effect * c.loyalty)
        )
        if not self.churn_per_period:
            p_churn = self.churn_rule.hazard(c)
            if self.logging:
                self._log_decision(c, p_churn)
            if runner.u_churn < p_churn:
                self.churn(c)
                return False
        profile = self.need_profile
        if profile is not None:  # the same draw, read against the demand profile
            now = env._now  # env.now without the property call
            gap = profile.advance(now, gap) - now
            if gap < 0.0:  # max(gap, 0.0) without the call (the same value, -0.0 and nan too)
                gap = 0.0
        if c.pulled:  # a strategy pulled the next need forward during the journey
            c.pulled = False
            return True
        c.waiting = True
        c.process = need = NeedDue(self._need_callbacks, c)
        self.needs.schedule(need, gap)  # env.schedule(need, NORMAL, gap), kept aside
        return False

    def schedule_need(self, customer: Customer, gap: float) -> NeedDue:
        """``customer``'s next need, ``gap`` days from now (kept in the needs calendar)."""
        need = NeedDue(self._need_callbacks, customer)
        self.needs.schedule(need, gap)
        return need

    def _need_due(self, need: NeedDue) -> None:
        """A waiting customer's need has come: their next journey starts now."""
        c = need.customer
        if c is None:  # pulled forward or churned meanwhile
            return
        c.waiting = False
        c.process = None
        runner = JourneyRunner()
        runner.model = self
        runner.customer = c
        runner.seg = self.segment_of[c.segment]
        runner.generator = self._start_journey(runner)
        runner.resume(need)

    # -- what strategies may do (through ModelAPI) ---------------------------------------------

    def pull_forward(self, customer: Customer) -> bool:
        """Start ``customer``'s next journey now, or right after the current one."""
        if not customer.active or not self.returning:
            return False
        if customer.waiting:  # a new need now (after the current event) replaces the pending one
            customer.process.customer = None
            customer.process = need = NeedDue(self._need_callbacks, customer)
            self.env.schedule(need, simpy.events.URGENT)
            return True
        if customer is self.ending and not customer.pulled:
            customer.pulled = True  # the next journey starts as this one ends
            return True
        return False  # in the middle of a journey: nothing to pull

    def book_daily_cost(self, category: str, per_day: float) -> None:
        """Book a running cost of ``per_day`` for every simulated day (period by period)."""
        rec = self.recorder
        horizon = self.horizon
        for period in range(rec.n_periods):
            lo = period * rec.period
            hi = min(horizon, lo + rec.period)
            if hi > lo:
                rec.add_cost(category, per_day * (hi - lo), lo)

    def add_revenue(self, customer: Customer, amount: float) -> None:
        """Book extra revenue from ``customer`` now (e.g. an accepted upsell)."""
        customer.spend += amount
        rec = self.recorder
        seg = rec.segments.get(customer.segment)
        rec.purchase(self.env.now, amount, customer.acquired_at, count=False, seg=seg)

    def repeat(
        self, interval: float, action: Callable[[ModelAPI], None]
    ) -> Generator[simpy.Event, Any, None]:
        """Process body: ``action(api)`` every ``interval`` days while within the horizon."""
        env = self.env
        while env.now + interval < self.horizon:
            yield env.timeout(interval)
            action(self.api)

    def _log_decision(self, customer: Customer, p_churn: float) -> None:
        """Event log only: a churn decision and its probability (``churned`` follows if left)."""
        self.recorder.log(
            self.env.now,
            customer.id,
            "churn_decision",
            churn_probability=p_churn,
            satisfaction=customer.satisfaction,
            expectation=customer.expectation,
        )

    def churn(self, customer: Customer, period: int | None = None) -> None:
        """Customer leaves for good (counted in ``period``, default: the current one)."""
        if not customer.active:
            return
        customer.active = False
        del self.active[customer.id]
        if customer.waiting:  # the pending need is cancelled: the schedule lets go of them
            customer.waiting = False
            customer.process.customer = None
            customer.process = None
        wom = self.word_of_mouth
        if wom is not None:
            wom.customers -= 1
            if customer.advocacy:
                wom.set_advocacy(customer, 0)
        now = self.env._now  # env.now without the property call
        rec = self.recorder
        if period is None:
            period = rec.period_of(now)
        elif period < 0:  # a decision at a boundary of the burn-in (day 0 too): not counted
            period = rec.trash
        rec.churn(customer.cohort, period, rec.segments.get(customer.segment))
        if self.logging:
            self.recorder.log(
                now,
                customer.id,
                "churned",
                satisfaction=customer.satisfaction,
                expectation=customer.expectation,
            )

    # -- periods -------------------------------------------------------------------------------

    def _period_ticks(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        # the first boundary after the start (day 0, or -burn_in: boundaries before day 0 keep
        # the burn-in's period churn going; nothing of them is counted)
        boundary = 1 - math.floor(self.burn_in / self.period + 1e-9) if self.burn_in > 0 else 1
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
            rule = self.churn_rule
            # ChurnRule.hazard and keyed_uniform inline below (the same integer and float
            # operations): this loop visits every active customer once a period
            effects = rule.effects
            psych = rule.psych
            sat_sens = psych.churn_satisfaction_sensitivity
            loyalty_sens = psych.churn_loyalty_sensitivity
            met = psych.satisfaction_when_met
            exp = math.exp
            mask = _MASK64
            salted = CHURN_SALT * 0x10001 + 1  # keyed_uniform's salt * 0x10001 + count + 1
            for customer in list(self.active.values()):
                if customer.acquired_at > started:
                    continue
                # the n-th decision's number: a pure function of (key, n), no generator kept
                decisions = customer.churn_decisions
                customer.churn_decisions = decisions + 1
                # u_churn = keyed_uniform(customer.key, CHURN_SALT, decisions)
                z = (customer.key + 0x9E3779B97F4A7C15 * (salted + decisions)) & mask
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
                z ^= z >> 31
                u_churn = (z >> 11) * (1.0 / (1 << 53))
                # p_churn = hazard(customer)
                p_churn = customer.theta * customer.churn_multiplier
                if effects:
                    p_churn *= exp(
                        -sat_sens * (customer.satisfaction - met) - loyalty_sens * customer.loyalty
                    )
                if not p_churn < 1.0:  # hazard: p if p < 1.0 else 1.0
                    p_churn = 1.0
                if self.logging:
                    self._log_decision(customer, p_churn)
                if u_churn < p_churn:
                    self.churn(customer, period=ended)
        if self.on_period is not None and ended >= 0:
            self.on_period(self.api, ended)
