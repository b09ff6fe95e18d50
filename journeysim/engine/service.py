"""Service-time rules: how long a touchpoint takes to serve one customer.

A rule is compiled once per touchpoint from its :class:`~journeysim.scenario.ServiceTime` and
called once per visit with the visit's own generator: ``draw(rng) -> days``. Its place in the
visit's draws is fixed (second, after the routing number; see :mod:`journeysim.engine`).
Exponential service also exposes its ``rate`` so the visit loop can draw it inline.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeysim.scenario.schema import ServiceTime

__all__ = [
    "DeterministicService",
    "ExponentialService",
    "GammaService",
    "LognormalService",
    "ServiceRule",
    "compile_service",
    "lognormal_params",
]


class ServiceRule:
    """Base of service-time rules. ``rate`` is non-zero only for exponential service."""

    __slots__ = ("mean", "rate")

    def __init__(self, mean: float) -> None:
        self.mean = mean
        self.rate = 0.0

    def draw(self, rng: random.Random) -> float:
        """One service time in days."""
        raise NotImplementedError


class ExponentialService(ServiceRule):
    """Exponential service (sd = mean): the M in M/M/c."""

    __slots__ = ()

    def __init__(self, mean: float) -> None:
        super().__init__(mean)
        self.rate = 1.0 / mean

    def draw(self, rng: random.Random) -> float:
        """One service time in days."""
        return rng.expovariate(self.rate)


class DeterministicService(ServiceRule):
    """Always the mean (no draw)."""

    __slots__ = ()

    def draw(self, rng: random.Random) -> float:
        """The mean service time in days (draws nothing)."""
        return self.mean


class LognormalService(ServiceRule):
    """Lognormal with the given mean and sd (moments matched)."""

    __slots__ = ("mu", "sigma")

    def __init__(self, mean: float, sd: float) -> None:
        super().__init__(mean)
        sigma2 = math.log1p((sd / mean) ** 2)
        self.mu, self.sigma = math.log(mean) - sigma2 / 2, math.sqrt(sigma2)

    def draw(self, rng: random.Random) -> float:
        """One service time in days."""
        return rng.lognormvariate(self.mu, self.sigma)


class GammaService(ServiceRule):
    """Gamma with the given mean and sd (shape (mean/sd)^2)."""

    __slots__ = ("shape", "scale")

    def __init__(self, mean: float, sd: float) -> None:
        super().__init__(mean)
        self.shape = (mean / sd) ** 2
        self.scale = mean / self.shape

    def draw(self, rng: random.Random) -> float:
        """One service time in days."""
        return rng.gammavariate(self.shape, self.scale)


def compile_service(spec: ServiceTime) -> ServiceRule:
    """The rule of a validated service-time table."""
    if spec.distribution == "exponential":
        return ExponentialService(spec.mean)
    if spec.distribution == "deterministic":
        return DeterministicService(spec.mean)
    sd = spec.sd or 0.0
    if spec.distribution == "lognormal":
        return LognormalService(spec.mean, sd)
    return GammaService(spec.mean, sd)


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """``(mu, sigma)`` of the lognormal with this mean and sd (sd 0: a point mass)."""
    if sd <= 0:
        return math.log(mean), 0.0
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)
