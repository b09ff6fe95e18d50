"""Patience rules: how long a customer waits in a queue before abandoning (reneging).

Compiled once per segment; called once per visit with the visit's generator,
``draw(rng) -> days`` (``inf`` = waits for ever). Its place in the visit's draws is fixed
(third, after routing and service) and taken only when patience is finite, which is a property
of the scenario, not of the visit, so every visit of a run draws the same count of numbers.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from journeysim.engine.service import lognormal_params

if TYPE_CHECKING:
    from journeysim.scenario.operations import Distribution

__all__ = [
    "DeterministicPatience",
    "ExponentialPatience",
    "GammaPatience",
    "LognormalPatience",
    "PatienceRule",
    "UnlimitedPatience",
    "compile_patience",
]


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


class DeterministicPatience(PatienceRule):
    """Every customer waits exactly ``mean`` (the +D of M/M/c+D); draws nothing."""

    __slots__ = ("mean",)

    def __init__(self, mean: float) -> None:
        self.mean = mean

    def draw(self, rng: random.Random) -> float:
        """The fixed patience in days (no draw, like deterministic service)."""
        return self.mean


class LognormalPatience(PatienceRule):
    """Lognormal patience with the given mean and sd (moments matched)."""

    __slots__ = ("mu", "sigma")

    def __init__(self, mean: float, sd: float) -> None:
        self.mu, self.sigma = lognormal_params(mean, sd)

    def draw(self, rng: random.Random) -> float:
        """One patience in days."""
        return rng.lognormvariate(self.mu, self.sigma)


class GammaPatience(PatienceRule):
    """Gamma patience with the given mean and sd (shape (mean/sd)^2)."""

    __slots__ = ("shape", "scale")

    def __init__(self, mean: float, sd: float) -> None:
        self.shape = (mean / sd) ** 2
        self.scale = mean / self.shape

    def draw(self, rng: random.Random) -> float:
        """One patience in days."""
        return rng.gammavariate(self.shape, self.scale)


def compile_patience(spec: float | Distribution) -> PatienceRule:
    """The rule of a segment's ``patience``.

    A mean (exponential; ``inf`` = unlimited) or a distribution table (exponential,
    deterministic, lognormal, gamma).
    """
    if isinstance(spec, int | float):
        return UnlimitedPatience() if math.isinf(spec) else ExponentialPatience(spec)
    if spec.distribution == "exponential":
        return ExponentialPatience(spec.mean)
    if spec.distribution == "deterministic":
        return DeterministicPatience(spec.mean)
    sd = spec.sd or 0.0
    if spec.distribution == "lognormal":
        return LognormalPatience(spec.mean, sd)
    return GammaPatience(spec.mean, sd)
