"""The runtime touchpoint: a validated touchpoint compiled into its queue, rules and statistics.

A :class:`~journeysim.scenario.Touchpoint` becomes its queue and its rules (capacity, service,
perception, routing) with its statistics.

Built once per run by :class:`~journeysim.engine.model.JourneyModel`; the visit loop reads
these attributes directly (``__slots__``), and calls each rule once per visit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import simpy

from journeysim.engine.capacity import ScheduledCapacity, compile_capacity
from journeysim.engine.operations import OpsRule, ops_visit
from journeysim.engine.perception import PerceptionRule, compile_perception
from journeysim.engine.service import ServiceRule, compile_service
from journeysim.engine.visit import queue_visit
from journeysim.scenario.operations import open_by_slot, servers_by_slot

if TYPE_CHECKING:
    from journeysim.engine.calendar import Calendar
    from journeysim.engine.recorder import TouchpointStats
    from journeysim.engine.routing import RoutingRule
    from journeysim.scenario.schema import Psychology, Touchpoint

__all__ = ["EntryNode", "TouchpointNode", "collapsible", "uses_operations"]


def uses_operations(tp: Touchpoint) -> bool:
    """Whether a touchpoint takes the operations visit.

    Staffed with an operations key, or self-service with opening hours (see
    :mod:`journeysim.engine.operations`).
    """
    if tp.capacity == "unlimited":
        return tp.opening_hours is not None
    return tp.operations


def collapsible(tp: Touchpoint) -> bool:
    """Whether a touchpoint's visits may be part of a collapsed self-service run.

    What the touchpoint itself must be (the walk's rule, :mod:`journeysim.engine.journey`,
    "Self-service runs"): self-service (unlimited capacity) without opening hours (no
    operations visit), no cost per visit (a cost is added to sums other processes add to at
    their own moments), and a service time with a density (not deterministic; the schema keeps
    the mean and a lognormal's or gamma's sd positive), so that the moment a run ends never
    coincides with another event's by construction. The run as a whole must also allow it
    (per-customer visit streams, no event log):
    :func:`journeysim.engine.journey.plan_self_service_runs`.
    """
    return (
        tp.capacity == "unlimited"
        and tp.opening_hours is None
        and not tp.cost_per_visit
        and tp.service.distribution != "deterministic"
    )


class TouchpointNode:
    """A touchpoint at run time: queue, rules and statistics."""

    __slots__ = (
        "name",
        "capacity",
        "resource",
        "service",
        "service_rate",
        "perception",
        "effort",
        "failure_p",
        "recovery",
        "routing",
        "stats",
        "cost_per_visit",
        "staff_cost_per_server_day",
        "ops",
        "visit",
        "instant",
    )

    def __init__(
        self,
        name: str,
        tp: Touchpoint,
        env: simpy.Environment,
        stats: TouchpointStats,
        psych: Psychology,
        calendar: Calendar | None = None,
    ) -> None:
        self.name = name
        self.ops: OpsRule | None = None
        self.visit: Any = queue_visit
        if calendar is not None and uses_operations(tp):
            servers = servers_by_slot(tp.capacity, tp.schedule)
            is_open = open_by_slot(tp.opening_hours)
            if is_open is not None:
                servers = [n if flag else 0.0 for n, flag in zip(servers, is_open, strict=True)]
            self.capacity = ScheduledCapacity(servers, calendar, tp.priority is not None)
            self.ops = OpsRule(
                calendar,
                is_open,
                tp.when_closed == "leave",
                tp.max_queue,
                tp.priority,
                tp.retry,
                tp.service_level_target,
            )
            self.visit = ops_visit
        else:
            self.capacity = compile_capacity(tp.capacity)
        self.resource = self.capacity.resource(env)
        self.service: ServiceRule = compile_service(tp.service)
        # exponential service is drawn inline in the visit loop (no rule call per visit)
        self.service_rate = self.service.rate
        self.perception: PerceptionRule = compile_perception(tp, psych)
        self.effort = tp.effort
        self.failure_p = tp.failure_probability
        self.cost_per_visit = tp.cost_per_visit
        # a cost per server-hour, when given, is 24 per server-day of round-the-clock cover
        self.staff_cost_per_server_day = (
            tp.staff_cost_per_server_hour * 24.0 or tp.staff_cost_per_server_day
        )
        self.stats = stats
        # visits the walk may collapse into one timeout per run (see journey.py); the model
        # clears it where the run as a whole does not allow it (plan_self_service_runs)
        self.instant = self.ops is None and collapsible(tp)
        self.recovery: TouchpointNode | None = None  # wired once every node exists
        self.routing: RoutingRule | Any = None

    def __repr__(self) -> str:
        return f"TouchpointNode({self.name!r})"


class EntryNode:
    """The virtual node every journey starts from: only a routing rule."""

    __slots__ = ("name", "routing")

    def __init__(self, name: str) -> None:
        self.name = name
        self.routing: RoutingRule | Any = None
