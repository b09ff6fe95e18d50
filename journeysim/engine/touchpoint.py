"""The runtime touchpoint: a validated touchpoint compiled into its queue, rules and statistics.

A :class:`~journeysim.scenario.Touchpoint` becomes its queue and its rules (capacity, service,
perception, routing) with its statistics.

Built once per run by :class:`~journeysim.engine.model.JourneyModel`; the visit loop reads
these attributes directly (``__slots__``), and calls each rule once per visit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import simpy

from journeysim.engine.capacity import CapacityRule, compile_capacity
from journeysim.engine.perception import PerceptionRule, compile_perception
from journeysim.engine.service import ServiceRule, compile_service

if TYPE_CHECKING:
    from journeysim.engine.recorder import TouchpointStats
    from journeysim.engine.routing import RoutingRule
    from journeysim.scenario.schema import Psychology, Touchpoint

__all__ = ["EntryNode", "TouchpointNode"]


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
    )

    def __init__(
        self,
        name: str,
        tp: Touchpoint,
        env: simpy.Environment,
        stats: TouchpointStats,
        psych: Psychology,
    ) -> None:
        self.name = name
        self.capacity: CapacityRule = compile_capacity(tp.capacity)
        self.resource = self.capacity.resource(env)
        self.service: ServiceRule = compile_service(tp.service)
        # exponential service is drawn inline in the visit loop (no rule call per visit)
        self.service_rate = self.service.rate
        self.perception: PerceptionRule = compile_perception(tp, psych)
        self.effort = tp.effort
        self.failure_p = tp.failure_probability
        self.cost_per_visit = tp.cost_per_visit
        self.staff_cost_per_server_day = tp.staff_cost_per_server_day
        self.stats = stats
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
