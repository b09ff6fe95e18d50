"""Routing rules: where a customer goes after a touchpoint (or at the start of a journey).

A rule is compiled once per node and called once per visit: ``next(customer, now, u)``
returns the next node (a touchpoint's runtime node or a terminal name) for the visit's routing
number ``u``, the first draw of every visit (see :mod:`journeysim.engine`). Rules that depend on
the customer's state or the time take them from the arguments; they must still use ``u`` as
their only randomness, so a changed rule never shifts another rule's draws.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

__all__ = ["RoutingRule", "StaticRouting"]


class RoutingRule:
    """Base of routing rules."""

    __slots__ = ()

    def next(self, customer: Any, now: float, u: float) -> Any:
        """The next node for routing number ``u`` in [0, 1)."""
        raise NotImplementedError


class StaticRouting(RoutingRule):
    """Fixed probabilities: inverse-CDF lookup of ``u`` in the cumulative row.

    Zero-probability edges are dropped; the last edge takes whatever rounding leaves (its
    cumulative bound is infinity), so every ``u`` has a target.
    """

    __slots__ = ("cum", "targets")

    def __init__(self, row: dict[str, float], resolve: Callable[[str], Any]) -> None:
        self.cum: list[float] = []
        self.targets: list[Any] = []
        total = 0.0
        for target, p in row.items():
            if p <= 0:
                continue
            total += p
            self.cum.append(total)
            self.targets.append(resolve(target))
        self.cum[-1] = math.inf

    def next(self, customer: Any, now: float, u: float) -> Any:
        """The target whose cumulative interval holds ``u``."""
        return self.targets[bisect_right(self.cum, u)]
