"""Capacity rules: how many servers a touchpoint has, over time, and what they cost.

Compiled once per touchpoint. ``resource(env)`` builds the queue the visits use (``None`` for
self-service touchpoints with unlimited capacity), ``servers(t)`` is the number of servers at
time ``t`` and ``book_staff(...)`` books the staff cost of the run. The default rule is a fixed
number of servers; time-varying capacity (staff schedules) is another rule with the same
interface. Capacity draws no random numbers.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL, PENDING
from simpy.resources.resource import Release, Request

from journeysim.engine.calendar import Calendar

__all__ = [
    "CapacityRule",
    "RENEGED",
    "FifoServers",
    "FixedCapacity",
    "Freed",
    "Renege",
    "ScheduledCapacity",
    "ScheduledPriorityResource",
    "ScheduledResource",
    "UnlimitedCapacity",
    "compile_capacity",
]


class CapacityRule:
    """Base of capacity rules."""

    __slots__ = ()

    def resource(self, env: simpy.Environment) -> simpy.Resource | None:
        """The queue of this touchpoint in ``env`` (``None``: no queue)."""
        raise NotImplementedError

    def servers(self, t: float) -> float:
        """Servers at time ``t`` (``inf`` for unlimited)."""
        raise NotImplementedError

    def book_staff(
        self, book: Callable[[str, float], None], cost_per_server_day: float, horizon: float
    ) -> None:
        """Book the staff cost of the run through ``book(category, per_day)``."""

    def server_days(self, t0: float, t1: float) -> float:
        """Scheduled server-days between ``t0`` and ``t1`` (``inf`` for unlimited)."""
        return self.servers(0.0) * (t1 - t0)


class UnlimitedCapacity(CapacityRule):
    """Self-service: every customer is served at once; no staff."""

    __slots__ = ()

    def resource(self, env: simpy.Environment) -> None:
        """No queue."""
        return None

    def servers(self, t: float) -> float:
        """Unlimited."""
        return float("inf")


class FifoServers:
    """``capacity`` identical servers, first come first served: the queue of a fixed capacity.

    What :class:`simpy.Resource` does for this case, without its two events per visit that
    nothing waits for (the request granted at once, the release) and its queue scans: a
    customer who finds a server free takes it at once (``busy += 1``, no event); one who
    finds none appends an event to ``waiting`` and waits for it; a customer who leaves hands
    their server to the first in the queue (that event succeeds now) or frees it. Same grants
    in the same order as SimPy's Resource (its put queue is scanned from the head on every
    change), so runs are byte-identical. The visit (:func:`~journeysim.engine.visit.queue_visit`
    and its inline copy in the walk) uses it as::

        if res.busy < res.capacity: res.busy += 1            # a free server, no event
        else: turn = res.wait(patience); yield turn          # RENEGED: patience ran out
        ... yield env.timeout(service) ...
        if res.waiting: res.waiting.popleft().succeed()      # handed over
        else: res.busy -= 1
    """

    __slots__ = ("env", "capacity", "busy", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        self.env = env
        self.capacity = capacity
        self.busy = 0  # servers serving (or handed to a waiting customer about to resume)
        self.waiting: deque[simpy.Event] = deque()  # one event per waiting customer, FIFO

    @property
    def count(self) -> int:
        """Servers in use (as :attr:`simpy.Resource.count`)."""
        return self.busy

    @property
    def queue(self) -> list[simpy.Event]:
        """The waiting customers' events, first in line first (as :attr:`simpy.Resource.queue`)."""
        return list(self.waiting)

    def wait(self, patience: float) -> simpy.Event:
        """Join the queue: the event that hands a server over (:data:`RENEGED`: patience ran out).

        ``patience`` in days (``inf``: waits as long as it takes).
        """
        env = self.env
        turn = simpy.Event(env)
        self.waiting.append(turn)
        if patience != math.inf:
            env.schedule(Renege(self, turn), NORMAL, patience)  # type: ignore[arg-type]
        return turn

    def release(self) -> None:
        """A customer leaves their server: the first waiting customer gets it, or it is free."""
        waiting = self.waiting
        if waiting:
            waiting.popleft().succeed()
        else:
            self.busy -= 1


#: The value of a waiting customer's event when their patience ran out first (FifoServers).
RENEGED = object()


def _expire(renege: Renege) -> None:
    """A waiting customer's patience has run out: unless served meanwhile, they leave the queue."""
    turn = renege.turn
    if turn._value is PENDING:
        renege.servers.waiting.remove(turn)
        turn.succeed(RENEGED)


_EXPIRE = (_expire,)


class Renege:
    """A waiting customer's patience, in SimPy's schedule: 48 bytes, no Timeout, no Condition.

    ``yield turn | env.timeout(patience)`` made a Timeout, a Condition and a ConditionValue
    and took two event hops to resume the customer. Instead this object is scheduled at the
    moment the patience runs out (where the Timeout was: the same place in the schedule); if
    the customer still waits then, they leave the queue and their own event succeeds with
    :data:`RENEGED`; a hand-over before that succeeds it with ``None``, and this entry does
    nothing when its moment comes. The customer waits on their one event::

        FifoServers.wait(env, res, patience)  ->  yield turn; reneged = turn._value is RENEGED

    Duck-typed for the event loop (``callbacks``, ``_ok``, ``_value``).
    """

    __slots__ = ("callbacks", "servers", "turn")
    _ok = True
    _value = None

    def __init__(self, servers: FifoServers, turn: simpy.Event) -> None:
        self.callbacks: tuple[Callable[[Renege], None]] | None = _EXPIRE
        self.servers = servers
        self.turn = turn


class FixedCapacity(CapacityRule):
    """The same number of servers all the time, paid per server-day."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count

    def resource(self, env: simpy.Environment) -> FifoServers:  # type: ignore[override]
        """A FIFO queue with ``count`` servers."""
        return FifoServers(env, self.count)

    def servers(self, t: float) -> float:
        """The fixed number of servers."""
        return float(self.count)

    def book_staff(
        self, book: Callable[[str, float], None], cost_per_server_day: float, horizon: float
    ) -> None:
        """Servers x cost per server-day, every day of the run."""
        if cost_per_server_day > 0:
            book("staff", self.count * cost_per_server_day)


class _Adjustable:
    """Mixin: a SimPy resource whose number of servers can change (no pre-emption).

    A lower capacity lets customers in service finish; nobody new starts until the number in
    service is below the new capacity. A higher one starts waiting customers at once.
    """

    def set_capacity(self: Any, capacity: float) -> None:
        grow = capacity > self._capacity
        self._capacity = capacity
        if grow:
            # SimPy's Resource grants one request per _trigger_put call
            while self.put_queue and len(self.users) < capacity:
                before = len(self.users)
                self._trigger_put(None)
                if len(self.users) == before:
                    break


class Freed:
    """What :meth:`ScheduledResource.free` schedules where ``release`` scheduled its ``Release``.

    Processing a ``Release`` event calls the resource's ``_trigger_put``, which grants the
    first queued request if a server is free: with nobody queued it does nothing. So a server
    freed while nobody is queued schedules this small entry (the same key: time, ``NORMAL``,
    the event counter), with no callbacks; if a request joins the queue before the entry is
    processed, the resource gives it ``_trigger_put`` back (:meth:`ScheduledResource.request`),
    so it grants exactly what the ``Release`` would have, at the same moment. Processed, its
    ``callbacks`` are ``None``, as any event's. Duck-typed for the event loop (``callbacks``,
    ``_ok``, ``_value``).
    """

    __slots__ = ("callbacks",)
    _ok = True
    _value = None


#: No callbacks (a Freed entry while nobody is queued).
_NONE: tuple[()] = ()


class ScheduledResource(_Adjustable, simpy.Resource):
    """A FIFO resource with a capacity that follows a schedule (may be 0: closed).

    ``request()`` and ``release(request)`` build SimPy's own ``Request`` and ``Release``
    events and do what their constructors do (``Put.__init__``/``Get.__init__``: queue the
    event, attach the resource's trigger, try to grant at once), in the same order, so the
    same events are scheduled at the same moments; they skip the generic constructor chain
    (``BoundClass`` look-up, ``Event.__init__``, ``Put.__init__``, the ``active_process``
    property): fewer calls per staffed visit (issue 17). ``tests/test_fast_draws.py`` compares
    a run with SimPy's constructors.

    The operations visit, which never waits on a granted request or on a release, takes and
    frees servers with :meth:`take` and :meth:`free`: no event at all for a request granted
    at once, and a light :class:`Freed` entry for a release (the same results, see there).
    """

    def __init__(self, env: simpy.Environment, capacity: float) -> None:
        super().__init__(env, 1)
        self._capacity = capacity
        # Freed entries scheduled while nobody was queued, maybe not yet processed (their
        # keys increase along the list, so once the last is processed all are)
        self._freed: list[Freed] = []

    def request(self) -> Request:  # type: ignore[override]
        """``Request(self)``: queued, and granted now if a server is free."""
        req = Request.__new__(Request)
        env = self._env
        req.env = env
        req.callbacks = [self._trigger_get]
        req._value = PENDING
        req.resource = self
        req.proc = env._active_proc
        self.put_queue.append(req)
        self._trigger_put(None)
        if req._value is PENDING and self._freed:
            self._queued()
        return req

    def _queued(self) -> None:
        """A request is queued: each Freed entry not yet processed grants as a Release would."""
        for freed in self._freed:
            if freed.callbacks is not None:
                freed.callbacks = [self._trigger_put]
        self._freed.clear()

    def take(self) -> Request:
        """:meth:`request` for a caller that does not wait on a request granted at once.

        A server free and nobody queued: the request is granted now (``users``,
        ``usage_since``) and marked processed, with no event. The ``Request`` event would
        only have called ``_trigger_get`` when processed, with no release pending (releases
        are done at once), so nothing: leaving it out of the schedule moves no other event
        (keys keep their order). Otherwise :meth:`request`.
        """
        req = Request.__new__(Request)
        env = self._env
        req.env = env
        req.resource = self
        req.proc = env._active_proc
        users = self.users
        put_queue = self.put_queue
        free = len(users) < self._capacity
        if free and not put_queue:
            req.callbacks = None  # processed: granted, nothing waits for it
            req._ok = True
            req._value = None
            users.append(req)
            req.usage_since = env._now
            return req
        # queued, as request() does; its _trigger_put grants at most the first in the queue
        # (Resource._do_put returns None): not this one, which is behind others or finds no
        # server free, and nothing at all without a free server, so it is called only then
        req.callbacks = [self._trigger_get]
        req._value = PENDING
        put_queue.append(req)
        if free:
            self._trigger_put(None)
        if self._freed:
            self._queued()
        return req

    def release(self, request: Request) -> Release:  # type: ignore[override]
        """``Release(self, request)``: the server is free at once (the event follows)."""
        rel = Release.__new__(Release)
        env = self._env
        rel.request = request
        rel.env = env
        rel.callbacks = [self._trigger_put]
        rel._value = PENDING
        rel.resource = self
        rel.proc = env._active_proc
        self.get_queue.append(rel)
        self._trigger_get(None)
        return rel

    def free(self, request: Request) -> None:
        """:meth:`release` for a caller that does not wait on the release (see :class:`Freed`).

        The server is free at once (``Resource._do_get``) and a :class:`Freed` entry is
        scheduled where the ``Release`` would have been, with its ``_trigger_put`` only if a
        request is queued.
        """
        try:
            self.users.remove(request)
        except ValueError:
            pass
        freed = Freed()
        if self.put_queue:
            freed.callbacks = [self._trigger_put]
        else:
            pending = self._freed
            if pending and pending[-1].callbacks is None:
                pending.clear()  # all processed
            freed.callbacks = _NONE
            pending.append(freed)
        env = self._env
        heappush(env._queue, (env._now + 0, NORMAL, next(env._eid), freed))  # env.schedule


class ScheduledPriorityResource(_Adjustable, simpy.PriorityResource):
    """A non-pre-emptive priority resource with a capacity that follows a schedule.

    ``free`` is SimPy's ``release`` (the operations visit frees servers with it).
    """

    free = vars(simpy.Resource)["release"]

    def __init__(self, env: simpy.Environment, capacity: float) -> None:
        super().__init__(env, 1)
        self._capacity = capacity


class ScheduledCapacity(CapacityRule):
    """Servers by hour of the week (a staff schedule; 0 while closed), paid per server-hour.

    Parameters
    ----------
    servers:
        168 numbers of servers, Monday 00:00 first (``inf``: self-service while open).
    calendar:
        The run's calendar (weekday of day 0).
    priority:
        Build a non-pre-emptive priority queue.
    """

    __slots__ = ("by_slot", "calendar", "priority")

    def __init__(self, servers: list[float], calendar: Calendar, priority: bool = False) -> None:
        self.by_slot = list(servers)
        self.calendar = calendar
        self.priority = priority

    def resource(self, env: simpy.Environment) -> simpy.Resource:
        """The queue, with a process that changes its capacity at the schedule's boundaries."""
        cls = ScheduledPriorityResource if self.priority else ScheduledResource
        res = cls(env, self.servers(env.now))
        env.process(self._shifts(env, res))
        return res

    def _shifts(self, env: simpy.Environment, res: Any) -> Generator[simpy.Event, Any, None]:
        by_slot, calendar = self.by_slot, self.calendar
        hour = math.floor(env.now * 24.0)
        current = by_slot[calendar.slot(env.now)]
        if all(v == current for v in by_slot):
            return
        while True:
            hour += 1
            value = by_slot[(hour + calendar.offset) % 168]
            if value != current:
                yield env.timeout(max(hour / 24.0 - env.now, 0.0))
                res.set_capacity(value)
                current = value

    def servers(self, t: float) -> float:
        """Servers on duty at time ``t``."""
        return float(self.by_slot[self.calendar.slot(t)])

    def server_days(self, t0: float, t1: float) -> float:
        """Scheduled server-days between ``t0`` and ``t1``."""
        if any(math.isinf(v) for v in self.by_slot):
            return math.inf
        total, t = 0.0, t0
        while t < t1 - 1e-12:
            end = min((math.floor(t * 24.0 + 1e-9) + 1) / 24.0, t1)
            total += self.by_slot[self.calendar.slot(t + 1e-9)] * (end - t)
            t = end
        return total

    def book_staff(
        self, book: Callable[[str, float], None], cost_per_server_day: float, horizon: float
    ) -> None:
        """Scheduled server-hours x cost per server-hour, spread evenly over the run's days."""
        if cost_per_server_day > 0 and horizon > 0:
            book("staff", self.server_days(0.0, horizon) * cost_per_server_day / horizon)


def compile_capacity(capacity: int | str) -> CapacityRule:
    """The rule of a touchpoint's ``capacity`` (a number of servers or ``"unlimited"``)."""
    return UnlimitedCapacity() if capacity == "unlimited" else FixedCapacity(int(capacity))
