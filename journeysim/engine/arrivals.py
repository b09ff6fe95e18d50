"""Arrival-process rules: when the next prospect arrives.

Compiled once per run (per source of prospects) and called once per arrival with the arrival
stream: ``gap(now, rng) -> days`` until the next arrival. The arrival stream draws nothing else,
so a changed arrival rule never shifts customers' own draws (they come from their own seeds).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeysim.engine.calendar import RateProfile

__all__ = ["ArrivalRule", "PoissonArrivals", "ProfiledArrivals"]


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


class ProfiledArrivals(ArrivalRule):
    """A non-homogeneous Poisson process: ``rate`` x the profile's factor (mean 1) per day.

    Exact by the time-change theorem: the same exponential gap as :class:`PoissonArrivals`
    (one draw from the arrival stream), read against the integrated profile
    (:meth:`~journeysim.engine.calendar.RateProfile.advance`). The count in [a, b] is Poisson
    with mean ``rate`` x the profile's integral over [a, b].
    """

    __slots__ = ("rate", "profile")

    def __init__(self, rate: float, profile: RateProfile) -> None:
        self.rate = rate
        self.profile = profile

    def gap(self, now: float, rng: random.Random) -> float:
        """Days from ``now`` to the next arrival."""
        end = self.profile.advance(now, rng.expovariate(self.rate))
        return end - now if end > now else 0.0
