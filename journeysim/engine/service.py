"""Service-time rules: how long a touchpoint takes to serve one customer.

A rule is compiled once per touchpoint from its :class:`~journeysim.scenario.ServiceTime` and
called once per visit with the visit's own generator: ``draw(rng) -> days``. Its place in the
visit's draws is fixed (second, after the routing number; see :mod:`journeysim.engine`).
Exponential service also exposes its ``rate`` so the visit loop can draw it inline.

Lognormal and gamma draws run CPython's own algorithms inline (:func:`lognormal` is
``random.Random.lognormvariate``, Kinderman-Monahan; gamma with shape above 1 is
``random.Random.gammavariate``'s Cheng 1977 branch): the same uniforms, the same float
operations, so the same numbers, without two or three Python calls per draw.
``tests/test_fast_draws.py`` checks them against the library on many seeds.
"""

from __future__ import annotations

import math
import random
from math import cos, exp, log, sin, sqrt
from math import tau as TAU
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeysim.scenario.schema import ServiceTime

__all__ = [
    "BetaDraw",
    "DeterministicService",
    "ExponentialService",
    "GammaService",
    "LognormalService",
    "ServiceRule",
    "compile_service",
    "lognormal",
    "lognormal_params",
]

#: ``random.NV_MAGICCONST``, ``random.LOG4`` and ``random.SG_MAGICCONST``, as CPython computes them
NV_MAGICCONST = 4 * exp(-0.5) / sqrt(2.0)
LOG4 = log(4.0)
SG_MAGICCONST = 1.0 + log(4.5)


def lognormal(rng: random.Random, mu: float, sigma: float) -> float:
    """``rng.lognormvariate(mu, sigma)``, the same number from the same draws, one call cheaper.

    CPython's ``normalvariate`` (Kinderman & Monahan 1977, ratio of uniforms) inline.
    """
    uniform = rng.random
    while True:
        u1 = uniform()
        u2 = 1.0 - uniform()
        z = NV_MAGICCONST * (u1 - 0.5) / u2
        if z * z / 4.0 <= -log(u2):
            return exp(mu + z * sigma)


def standard_normal(rng: random.Random) -> float:
    """``rng.gauss(0.0, 1.0)``: the same number from the same draws, one call cheaper.

    CPython's ``gauss`` (Box-Muller, the second value kept in ``rng.gauss_next``) inline, so a
    later ``rng.gauss`` call continues the same pairing. The per-visit loop inlines this body
    itself (one call per visit matters there); per-journey draws call this.
    """
    z = rng.gauss_next
    if z is None:
        x2pi = rng.random() * TAU
        g2rad = sqrt(-2.0 * log(1.0 - rng.random()))
        rng.gauss_next = sin(x2pi) * g2rad
        return 0.0 + cos(x2pi) * g2rad * 1.0
    rng.gauss_next = None
    return 0.0 + z * 1.0


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
        """One service time in days (``rng.lognormvariate(mu, sigma)``, inline)."""
        uniform = rng.random
        while True:
            u1 = uniform()
            u2 = 1.0 - uniform()
            z = NV_MAGICCONST * (u1 - 0.5) / u2
            if z * z / 4.0 <= -log(u2):
                return exp(self.mu + z * self.sigma)


class GammaService(ServiceRule):
    """Gamma with the given mean and sd (shape (mean/sd)^2)."""

    __slots__ = ("shape", "scale", "cheng", "ainv", "bbb", "ccc")

    def __init__(self, mean: float, sd: float) -> None:
        super().__init__(mean)
        shape = (mean / sd) ** 2
        self._constants(shape, mean / shape)

    @classmethod
    def of_shape(cls, shape: float, scale: float) -> GammaService:
        """``rng.gammavariate(shape, scale)`` as a rule (its mean is ``shape * scale``)."""
        rule = cls.__new__(cls)
        ServiceRule.__init__(rule, shape * scale)
        rule._constants(shape, scale)
        return rule

    def _constants(self, shape: float, scale: float) -> None:
        self.shape = shape
        self.scale = scale
        alpha = self.shape
        # shape above 1: CPython's branch (Cheng 1977) runs inline with its constants
        self.cheng = alpha > 1.0 and self.scale > 0.0
        if self.cheng:
            self.ainv = sqrt(2.0 * alpha - 1.0)
            self.bbb = alpha - LOG4
            self.ccc = alpha + self.ainv

    def draw(self, rng: random.Random) -> float:
        """One service time in days (``rng.gammavariate(shape, scale)``)."""
        if not self.cheng:
            return rng.gammavariate(self.shape, self.scale)
        uniform = rng.random
        alpha, ainv, bbb, ccc = self.shape, self.ainv, self.bbb, self.ccc
        while True:
            u1 = uniform()
            if not 1e-7 < u1 < 0.9999999:
                continue
            u2 = 1.0 - uniform()
            v = log(u1 / (1.0 - u1)) / ainv
            x = alpha * exp(v)
            z = u1 * u1 * u2
            r = bbb + ccc * v - x
            if r + SG_MAGICCONST - 4.5 * z >= 0.0 or r >= log(z):
                return x * self.scale


class BetaDraw:
    """``rng.betavariate(a, b)``: CPython's two gamma draws, each inline (:class:`GammaService`).

    ``y = gammavariate(a, 1.0)``, then ``y / (y + gammavariate(b, 1.0))`` (0.0 if ``y`` is
    0.0): the same uniforms and float operations, so the same number, with the constants of
    Cheng's algorithm computed once, not at every draw (a prospect's churn propensity, issue
    17). ``tests/test_fast_draws.py`` checks it against the library.
    """

    __slots__ = ("first", "second")

    def __init__(self, a: float, b: float) -> None:
        self.first = GammaService.of_shape(a, 1.0)
        self.second = GammaService.of_shape(b, 1.0)

    def draw(self, rng: random.Random) -> float:
        """One draw in [0, 1]."""
        y = self.first.draw(rng)
        if y:
            return y / (y + self.second.draw(rng))
        return 0.0


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
