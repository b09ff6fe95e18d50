"""The visit at a staffed touchpoint: queue (with reneging), service and queue statistics.

A SimPy sub-process of the journey (``wait, abandoned = yield from queue_visit(...)``). Self-
service touchpoints have no queue: the journey just waits out the service time. Statistics of
the queue (its length integral, busy server time) are kept from the warm-up on.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from journeysim.engine.capacity import RENEGED

if TYPE_CHECKING:
    from journeysim.engine.touchpoint import TouchpointNode

__all__ = ["queue_visit"]


def queue_visit(
    env: simpy.Environment,
    node: TouchpointNode,
    c: Any,
    service: float,
    patience: float,
    warmup: float,
    horizon: float,
) -> Generator[simpy.Event, Any, tuple[float, bool]]:
    """Queue for a server, be served for ``service`` days, or abandon after ``patience`` days.

    The plain FIFO visit of a touchpoint with a fixed number of servers (``c``, the customer, is
    not used here: the operations visit, :func:`~journeysim.engine.operations.ops_visit`, has
    the same signature).

    Returns
    -------
    tuple
        ``(wait in days, abandoned)``.
    """
    res = node.resource  # a FifoServers (engine/capacity.py)
    stats = node.stats
    arrive = env.now
    wait = 0.0
    abandoned = False
    if res.busy < res.capacity:  # a free server: taken at once
        res.busy += 1
    else:
        turn = res.wait(patience)  # a server handed over, or RENEGED when patience ran out
        stats.queue_change(arrive, warmup, 1)
        yield turn
        abandoned = turn._value is RENEGED
        now = env.now
        stats.queue_change(now, warmup, -1)
        wait = now - arrive
    if not abandoned:
        stats.add_busy(env.now, service, warmup, horizon)
        yield env.timeout(service)
        res.release()
    return wait, abandoned
