"""Arrival-process rules: when the next prospect arrives.

Compiled once per run (per source of prospects) and called once per arrival with the arrival
stream: ``gap(now, rng) -> days`` until the next arrival. The arrival stream draws nothing else,
so a changed arrival rule never shifts customers' own draws (they come from their own seeds).
"""

from __future__ import annotations

import random

__all__ = ["ArrivalRule", "PoissonArrivals"]


class ArrivalRule:
    """Base of arrival rules."""

    __slots__ = ()

    def gap(self, now: float, rng: random.Random) -> float:
        """Days from ``now`` to the next arrival."""
        raise NotImplementedError


class PoissonArrivals(ArrivalRule):
    """A homogeneous Poisson process with ``rate`` arrivals per day (exponential gaps)."""

    __slots__ = ("rate",)

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def gap(self, now: float, rng: random.Random) -> float:
        """An exponential gap with mean ``1 / rate`` days."""
        return rng.expovariate(self.rate)
