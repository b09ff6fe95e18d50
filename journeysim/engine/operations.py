"""The operations visit: opening hours, balking, priority, retries and service-level figures.

A staffed touchpoint that sets any operations key (``opening_hours``, ``schedule``,
``max_queue``, ``priority``, ``retry``, ``service_level_target``) is visited through
:func:`ops_visit` instead of the plain FIFO :func:`~journeysim.engine.visit.queue_visit`; a
self-service one with opening hours too (its queue has unlimited servers while open, none while
closed). The choice is made once per touchpoint when the model is built (a rule, not a branch).

Every attempt at the touchpoint is *offered* (a retry is a new attempt); an offered attempt ends
as *answered* (service starts), *abandoned* (patience ran out in the queue), *balked* (found
``max_queue`` waiting), *closed* (found it closed with ``when_closed = "leave"``) or is still
*waiting at the end* of the run. Figures are counted when the wait ends, so a customer in
service at the horizon is answered, and one still queued is counted with their wait censored at
the horizon: the reported waits then satisfy Little's law L = lambda W on [warm-up, horizon].

Retries and channel switches draw no number from the visit's sequence: they use
``keyed_uniform(customer.key, RETRY_SALT, n)`` (the customer's n-th retry decision), the same
under every strategy (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from heapq import heappush
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import NORMAL, PENDING

from journeysim.engine.recorder import TouchpointStats
from journeysim.engine.streams import keyed_uniform

if TYPE_CHECKING:
    from journeysim.engine.calendar import Calendar
    from journeysim.engine.customer import Customer
    from journeysim.engine.touchpoint import TouchpointNode

__all__ = [
    "DEFAULT_SERVICE_LEVEL_TARGET",
    "RETRY_SALT",
    "FirstOf",
    "OpsRule",
    "OpsStats",
    "Patience",
    "ops_visit",
]

#: The 80/20 convention of contact centres: answered within 20 seconds (in days).
DEFAULT_SERVICE_LEVEL_TARGET = 20.0 / 86400.0
RETRY_SALT = 0x11_0E7


class Patience:
    """A waiting caller's patience in the schedule (where ``env.timeout(patience)`` was).

    The same key as the ``Timeout`` (its time, ``NORMAL``, the event counter), no ``Timeout``
    object: its one callback is its :class:`FirstOf`'s check. Duck-typed for the event loop
    (``callbacks``, ``_ok``, ``_value``).
    """

    __slots__ = ("callbacks",)
    _ok = True
    _value = None


class FirstOf(simpy.Event):
    """``request | env.timeout(patience)`` (SimPy's any-of ``Condition``) for a queued request.

    The same events are scheduled at the same moments as with the ``Condition``: the patience
    runs out at the timeout's key (a :class:`Patience` entry, made first, as the timeout was),
    and the first of the two to be processed triggers this event (scheduled, ``NORMAL``, at the
    current time; a failed one fails it). What it skips is the ``Timeout`` object, the
    ``ConditionValue`` (the visit reads ``request.triggered``, not the value) and the removal
    of its check from the other event once triggered: the check is left there and does
    nothing when that event is processed (a triggered ``FirstOf`` ignores it, as ``Condition``
    does), which is what removing it achieves. A waiting visit at an operations touchpoint
    costs a few microseconds less (issue 17). ``request`` must be pending (queued).
    ``tests/test_fast_draws.py`` compares it with the ``Condition``.
    """

    __slots__ = ()

    def __init__(self, env: simpy.Environment, request: simpy.Event, patience: float) -> None:
        timer = Patience()
        check = self._check
        timer.callbacks = [check]
        heappush(env._queue, (env._now + patience, NORMAL, next(env._eid), timer))
        self.env = env
        self.callbacks: list[Any] = []
        self._value = PENDING
        request.callbacks.append(check)

    def _check(self, event: Any) -> None:
        """Condition._check for "any of": the first event processed triggers it."""
        if self._value is not PENDING:
            return
        if not event._ok:
            event._defused = True
            self.fail(event._value)
        else:
            self._ok = True
            self._value = None
            env = self.env
            heappush(env._queue, (env._now + 0, NORMAL, next(env._eid), self))  # env.schedule


class OpsRule:
    """A touchpoint's operations settings, compiled once per run."""

    __slots__ = (
        "calendar",
        "open_slots",
        "leave_when_closed",
        "max_queue",
        "levels",
        "priority",
        "retry_p",
        "retry_delay",
        "retry_attempts",
        "switch_to",
        "switch_p",
        "target",
        "waits_as_days",
    )

    def __init__(
        self,
        calendar: Calendar,
        open_slots: list[bool] | None,
        leave_when_closed: bool,
        max_queue: int | None,
        priority: dict[str, int] | None,
        retry: Any,
        target: float | None,
    ) -> None:
        self.calendar = calendar
        self.open_slots = open_slots
        self.leave_when_closed = leave_when_closed and open_slots is not None
        self.max_queue = max_queue
        self.priority = priority is not None
        self.levels = dict(priority or {})
        if retry is not None:
            self.retry_p = retry.probability
            self.retry_delay = retry.delay
            self.retry_attempts = retry.attempts
            self.switch_p = retry.switch_probability if retry.switch_to else 0.0
        else:
            self.retry_p = self.retry_delay = self.switch_p = 0.0
            self.retry_attempts = 0
        self.switch_to: Any = None  # the node, wired once every node exists
        self.target = DEFAULT_SERVICE_LEVEL_TARGET if target is None else target
        # the visit may yield a wait as a plain number of days (JourneyModel sets it when a
        # JourneyRunner drives every walk: returning customers)
        self.waits_as_days = False

    def level(self, segment: str) -> int:
        """Priority level of a segment (unlisted: after every listed level)."""
        return self.levels.get(segment, 1 << 30)

    def is_open(self, t: float) -> bool:
        """Whether the touchpoint is open at ``t``."""
        slots = self.open_slots
        return slots is None or slots[self.calendar.slot(t)]


class OpsStats(TouchpointStats):
    """Touchpoint statistics of the operations visit, with an hour-of-week profile."""

    __slots__ = (
        "target",
        "balked",
        "closed",
        "answered",
        "in_target",
        "waited",
        "retries",
        "switched",
        "waiting_n",
        "waiting_since",
        "censored",
        "waiting_at_end",
        "scheduled",
        "slot_offered",
        "slot_answered",
        "slot_in_target",
        "slot_lost",
        "slot_wait",
        "calendar",
        "period",
        "n_periods",
        "p_offered",
        "p_answered",
        "p_in_target",
        "p_wait",
    )

    def __init__(
        self,
        name: str,
        capacity: int | None,
        target: float,
        calendar: Calendar,
        period: float,
        n_periods: int,
    ) -> None:
        super().__init__(name, capacity)
        self.period = period
        self.n_periods = n_periods
        self.p_offered = [0] * n_periods
        self.p_answered = [0] * n_periods
        self.p_in_target = [0] * n_periods
        self.p_wait = [0.0] * n_periods  # days waited by the answered
        self.target = target
        self.calendar = calendar
        self.balked = self.closed = self.answered = self.in_target = self.waited = 0
        self.retries = self.switched = 0
        self.waiting_n = 0
        self.waiting_since = 0.0
        self.censored = 0.0  # days waited by those still queued at the horizon
        self.waiting_at_end = 0
        self.scheduled = math.nan  # server-days scheduled after the warm-up
        self.slot_offered = [0] * 168
        self.slot_answered = [0] * 168
        self.slot_in_target = [0] * 168
        self.slot_lost = [0] * 168  # abandoned, balked or closed
        self.slot_wait = [0.0] * 168

    def record_visit(self, wait: float, abandoned: bool, failed: bool) -> None:
        """Only failures: the operations visit counts everything else when the wait ends."""
        if failed and not abandoned:
            self.failed += 1

    def period_of(self, t: float) -> int:
        """Reporting period of time ``t``."""
        index = int(t / self.period)
        return index if index < self.n_periods else self.n_periods - 1

    def offer(self, slot: int, period: int) -> None:
        """Count an attempt at the touchpoint."""
        self.visits += 1
        self.slot_offered[slot] += 1
        self.p_offered[period] += 1

    def answer(self, wait: float, slot: int, period: int) -> None:
        """Count an answered attempt (service starts) after ``wait`` days."""
        self.p_answered[period] += 1
        self.p_wait[period] += wait
        self.served += 1
        self.answered += 1
        self.wait_served += wait
        self.slot_answered[slot] += 1
        self.slot_wait[slot] += wait
        if wait > 0.0:
            self.waited += 1
            self.hist.add(wait * 1440.0)
        else:
            self.hist.zeros += 1
        if wait <= self.target:
            self.in_target += 1
            self.slot_in_target[slot] += 1
            self.p_in_target[period] += 1

    def lose(self, wait: float, slot: int, kind: str) -> None:
        """Count an attempt that ended without service: ``abandoned``, ``balked`` or ``closed``."""
        if kind == "abandoned":
            self.abandoned += 1
            self.wait_abandoned += wait
            self.slot_wait[slot] += wait
            if wait > 0.0:
                self.hist.add(wait * 1440.0)
            else:
                self.hist.zeros += 1
        elif kind == "balked":
            self.balked += 1
        else:
            self.closed += 1
        self.slot_lost[slot] += 1

    def finish(self, horizon: float) -> None:
        """Censor the waits of those still queued at the horizon (counted ``waiting_at_end``)."""
        self.waiting_at_end = self.waiting_n
        self.censored = self.waiting_n * horizon - self.waiting_since


def ops_visit(
    env: simpy.Environment,
    node: TouchpointNode,
    c: Customer,
    service: float,
    patience: float,
    warmup: float,
    horizon: float,
) -> Generator[simpy.Event, Any, tuple[float, Any]]:
    """One visit with opening hours, balking, priority and retries (see the module docstring).

    Returns
    -------
    tuple
        ``(wait in days, outcome)``: outcome ``False`` (served), ``True`` (the journey ends: the
        customer abandoned, balked or found it closed) or the touchpoint node the customer
        switches to.
    """
    ops: OpsRule = node.ops
    res = node.resource
    stats: OpsStats = node.stats
    offset = ops.calendar.offset
    n_periods = stats.n_periods
    waited = 0.0
    attempt = 0
    while True:
        arrive = env._now  # env.now without the property call
        counted = arrive >= warmup
        # calendar.slot(arrive), stats.period_of(arrive) and stats.offer(slot, period) inline
        slot = (int(arrive * 24.0) + offset) % 168
        period = int(arrive / stats.period)
        if period >= n_periods:
            period = n_periods - 1
        if counted:
            stats.visits += 1
            stats.slot_offered[slot] += 1
            stats.p_offered[period] += 1
        # not ops.is_open(arrive), inline (leave_when_closed implies opening hours)
        if ops.leave_when_closed and not ops.open_slots[slot]:
            kind = "closed"
            wait = 0.0
        elif ops.max_queue is not None and len(res.queue) >= ops.max_queue:
            kind = "balked"
            wait = 0.0
        else:
            # take/free: ScheduledResource's request/release for a visit that never waits on a
            # granted request or a release (no event for a server free at once)
            req = res.request(priority=ops.level(c.segment)) if ops.priority else res.take()
            served = True
            if req._value is PENDING:  # not req.triggered, without the property call
                stats.queue_change(arrive, warmup, 1)
                if counted:
                    stats.waiting_n += 1
                    stats.waiting_since += arrive
                if patience == math.inf:
                    yield req
                else:
                    yield FirstOf(env, req, patience)  # req | env.timeout(patience)
                    if req._value is PENDING:  # not req.triggered, without the property call
                        res.put_queue.remove(req)  # req.cancel() of a request still queued
                        served = False
                stats.queue_change(env._now, warmup, -1)
                if counted:
                    stats.waiting_n -= 1
                    stats.waiting_since -= arrive
            wait = env._now - arrive
            waited += wait
            if served:
                if counted:
                    stats.answer(wait, slot, period)
                stats.add_busy(env._now, service, warmup, horizon)
                # a JourneyRunner takes a wait as a number of days: the key env.timeout gives
                yield service if ops.waits_as_days else env.timeout(service)
                res.free(req)
                return waited, False
            kind = "abandoned"
        if counted:
            stats.lose(wait, slot, kind)
        # not served: retry later, switch to another touchpoint, or leave
        if ops.retry_attempts == 0:
            return waited, True
        n = c.retry_decisions
        c.retry_decisions = n + 1
        if attempt < ops.retry_attempts and keyed_uniform(c.key, RETRY_SALT, 3 * n) < ops.retry_p:
            attempt += 1
            if counted:
                stats.retries += 1
            u = keyed_uniform(c.key, RETRY_SALT, 3 * n + 1)
            delay = -math.log(1.0 - u) * ops.retry_delay
            yield delay if ops.waits_as_days else env.timeout(delay)
            continue
        if ops.switch_p > 0.0 and keyed_uniform(c.key, RETRY_SALT, 3 * n + 2) < ops.switch_p:
            if counted:
                stats.switched += 1
            return waited, ops.switch_to
        return waited, True
