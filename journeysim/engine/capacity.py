"""Capacity rules: how many servers a touchpoint has, over time, and what they cost.

Compiled once per touchpoint. ``resource(env)`` builds the queue the visits use (``None`` for
self-service touchpoints with unlimited capacity), ``servers(t)`` is the number of servers at
time ``t`` and ``book_staff(...)`` books the staff cost of the run. The default rule is a fixed
number of servers; time-varying capacity (staff schedules) is another rule with the same
interface. Capacity draws no random numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

__all__ = ["CapacityRule", "FixedCapacity", "UnlimitedCapacity", "compile_capacity"]


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


class UnlimitedCapacity(CapacityRule):
    """Self-service: every customer is served at once; no staff."""

    __slots__ = ()

    def resource(self, env: simpy.Environment) -> None:
        """No queue."""
        return None

    def servers(self, t: float) -> float:
        """Unlimited."""
        return float("inf")


class FixedCapacity(CapacityRule):
    """The same number of servers all the time, paid per server-day."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count

    def resource(self, env: simpy.Environment) -> simpy.Resource:
        """A FIFO resource with ``count`` servers."""
        return simpy.Resource(env, self.count)

    def servers(self, t: float) -> float:
        """The fixed number of servers."""
        return float(self.count)

    def book_staff(
        self, book: Callable[[str, float], None], cost_per_server_day: float, horizon: float
    ) -> None:
        """Servers x cost per server-day, every day of the run."""
        if cost_per_server_day > 0:
            book("staff", self.count * cost_per_server_day)


def compile_capacity(capacity: int | str) -> CapacityRule:
    """The rule of a touchpoint's ``capacity`` (a number of servers or ``"unlimited"``)."""
    return UnlimitedCapacity() if capacity == "unlimited" else FixedCapacity(int(capacity))
