"""Patience rules: how long a customer waits in a queue before abandoning (reneging).

Compiled once per segment; called once per visit with the visit's generator,
``draw(rng) -> days`` (``inf`` = waits for ever). Its place in the visit's draws is fixed
(third, after routing and service) and taken only when patience is finite, which is a property
of the scenario, not of the visit, so every visit of a run draws the same count of numbers.
"""

from __future__ import annotations

import math
import random

__all__ = ["ExponentialPatience", "PatienceRule", "UnlimitedPatience", "compile_patience"]


class PatienceRule:
    """Base of patience rules."""

    __slots__ = ()

    #: Whether some draw can be finite (a queue visit must then race the request and a timer).
    finite = True

    def draw(self, rng: random.Random) -> float:
        """One patience in days (``inf``: never abandons)."""
        raise NotImplementedError


class UnlimitedPatience(PatienceRule):
    """Customers who wait as long as it takes (draws nothing)."""

    __slots__ = ()
    finite = False

    def draw(self, rng: random.Random) -> float:
        """Infinity, without a draw."""
        return math.inf


class ExponentialPatience(PatienceRule):
    """Exponential patience with the given mean (the +M of Erlang A, M/M/c+M)."""

    __slots__ = ("rate",)

    def __init__(self, mean: float) -> None:
        self.rate = 1.0 / mean

    def draw(self, rng: random.Random) -> float:
        """One patience in days."""
        return rng.expovariate(self.rate)


def compile_patience(mean: float) -> PatienceRule:
    """The rule of a segment's ``patience`` (``inf`` = unlimited)."""
    return UnlimitedPatience() if math.isinf(mean) else ExponentialPatience(mean)
