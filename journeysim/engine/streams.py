"""Random streams: every draw in a run derives from one seed, never from execution order.

A run's identity (root seed plus e.g. replication number or design point) becomes a
:class:`numpy.random.SeedSequence`. Each stochastic *component* (arrivals, customer attributes,
strategy decisions ...) gets its own child sequence, addressed by a fixed index rather than by
spawn order, so adding a component or changing one lever never shifts the draws of another.

Customers carry their own streams too: the attribute stream hands every new customer a 64-bit
seed, from which two independent generators are made, one for visit-level draws (routing,
service time, patience, quality) and one for life-level draws (time between needs, basket,
survey, per-journey churn). Every visit and every journey draws a fixed set of numbers, whatever
happens in it; churn decided at period boundaries has a third generator of its own, so its
draws do not depend on how many journeys fitted into a period. That is what makes common random
numbers work: under two strategies the same customer arrives at the same time, with the same
churn propensity and the same needs, and a difference in outcome is caused by the strategy, not
by reshuffled luck. Customers who never return
(``population.returning = false``, the pure queueing mode) have no life to keep aligned: they
share one run-level ``visits`` stream, which keeps queueing runs as cheap as a bare SimPy script.

Generators are :class:`random.Random` instances (Mersenne Twister) seeded from the
SeedSequence: scalar draws from them cost ~50 ns, against ~1 us for numpy scalar draws, and the
engine draws one number at a time. There is no module-level random state anywhere.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = [
    "COMPONENTS",
    "MAX_PREDRAWN",
    "PredrawnUniforms",
    "RunStreams",
    "keyed_normal",
    "keyed_uniform",
    "seed_sequence",
]

#: Fixed indices of the run-level components. Append new ones; never reorder.
COMPONENTS: dict[str, int] = {
    "arrivals": 0,
    "attributes": 1,
    "strategy": 2,  # user-written strategies
    "referrals": 3,
    "periods": 4,
    "visits": 5,  # visit-level draws of one-off customers (pure queueing runs)
    "suppression": 6,  # which prospects detractors keep away
    "crm": 7,  # each built-in strategy part draws from its own stream, so in a hybrid one
    "cem": 8,  # part's settings never shift another part's draws
    "loyalty": 9,
    "market": 15,  # which organic prospects a finite market still holds (thinning)
}

_LIFE_SALT = 1 << 64  # makes a customer's life seed differ from its visit seed
_CHURN_SALT = 2 << 64  # and their period-churn seed differ from both
_NEED_SALT = 3 << 64  # and the seed of their need rate (segments.NAME.need_rate_shape)


_MASK64 = (1 << 64) - 1


def keyed_uniform(key: int, salt: int, count: int = 0) -> float:
    """A uniform number in [0, 1) that is a pure function of ``(key, salt, count)``.

    For per-customer decisions a strategy takes (enrol in the programme? hold out of an
    offer?): keyed by the customer's seed, the decision is the same under every strategy and
    in every hybrid that takes it, whatever else happened in the run (common random numbers),
    without a generator per customer. SplitMix64's finaliser mixes the bits.
    """
    z = (key + 0x9E3779B97F4A7C15 * (salt * 0x10001 + count + 1)) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    z ^= z >> 31
    return (z >> 11) * (1.0 / (1 << 53))


def seed_sequence(seed: int, identity: Sequence[int] = ()) -> np.random.SeedSequence:
    """The SeedSequence of a run: root ``seed`` plus the run's ``identity`` (e.g. replication)."""
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    return np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(int(i) for i in identity))


def _random_from(sequence: np.random.SeedSequence) -> random.Random:
    words = sequence.generate_state(4, dtype=np.uint32)
    return random.Random(int.from_bytes(words.tobytes(), "little"))


class RunStreams:
    """All random generators of one run, created on demand from the run's SeedSequence."""

    def __init__(self, sequence: np.random.SeedSequence) -> None:
        self.sequence = sequence
        self._cache: dict[str, random.Random] = {}

    def component(self, name: str) -> random.Random:
        """The generator of a run-level component (see :data:`COMPONENTS`)."""
        rng = self._cache.get(name)
        if rng is None:
            child = np.random.SeedSequence(
                entropy=self.sequence.entropy,
                spawn_key=(*self.sequence.spawn_key, COMPONENTS[name]),
            )
            rng = self._cache[name] = _random_from(child)
        return rng

    def run_key(self) -> int:
        """A 64-bit number of this run, for keys of things that have no seed of their own."""
        words = self.sequence.generate_state(2, dtype=np.uint32)
        return int.from_bytes(words.tobytes(), "little")

    @staticmethod
    def customer_streams(customer_seed: int) -> tuple[random.Random, random.Random]:
        """The (visit, life) generators of a customer, from the seed the attribute stream drew."""
        return random.Random(customer_seed), random.Random(customer_seed | _LIFE_SALT)

    @staticmethod
    def churn_stream(customer_seed: int, decisions: int | None = None) -> Any:
        """A customer's period-churn numbers: one ``random()`` per period boundary they face.

        Kept apart from the life stream, whose position depends on how many journeys fitted
        before a boundary, so a lever that only moves journeys in time (staff, waits) leaves
        every churn decision's random number where it was (common random numbers).

        With ``decisions`` (an upper bound on the boundaries left) of at most
        :data:`MAX_PREDRAWN`, the numbers are drawn up front into a :class:`PredrawnUniforms`
        (8 bytes each instead of a 2.5 KB generator per active customer); they are exactly the
        numbers the generator would give one at a time.
        """
        seed = customer_seed | _CHURN_SALT
        if decisions is not None and decisions <= MAX_PREDRAWN:
            return PredrawnUniforms(seed, decisions)
        return random.Random(seed)

    @staticmethod
    def need_rate(customer_seed: int, shape: float, mean: float) -> float:
        """A customer's need rate: Gamma with ``shape`` and ``mean`` (per day).

        Drawn from a generator of the customer's own seed (used for nothing else), so whether
        need rates vary shifts no other draw, and a customer's rate is the same under every
        strategy (common random numbers).
        """
        return random.Random(customer_seed | _NEED_SALT).gammavariate(shape, mean / shape)


def keyed_normal(key: int, salt: int, count: int = 0) -> float:
    """A standard normal number that is a pure function of ``(key, salt, count)``.

    The inverse normal CDF of :func:`keyed_uniform` (shifted half a step off 0), for answer
    noise that must be the same under every strategy without a draw from any stream.
    """
    return _NORMAL.inv_cdf(keyed_uniform(key, salt, count) + 0.5 / (1 << 53))


_NORMAL = NormalDist()

#: Most churn numbers drawn up front per customer (beyond, a generator is kept: 2.5 KB).
MAX_PREDRAWN = 256


class PredrawnUniforms:
    """The first ``count`` numbers of ``random.Random(seed).random()``, drawn up front.

    ``random()`` returns them in order, exactly as the generator would; past ``count`` it
    goes on from a generator re-created and advanced past them (``random()`` takes two 32-bit
    words, ``getrandbits(64 * count)`` skips as many), so a caller that asks for more still
    gets the same sequence.
    """

    __slots__ = ("seed", "values", "used", "rng")

    def __init__(self, seed: int, count: int) -> None:
        rng = random.Random(seed)
        draw = rng.random
        self.seed = seed
        self.values = array("d", [draw() for _ in range(count)])
        self.used = 0
        self.rng: random.Random | None = None

    def random(self) -> float:
        """The next number of the sequence."""
        used = self.used
        self.used = used + 1
        if used < len(self.values):
            return self.values[used]
        if self.rng is None:
            self.rng = random.Random(self.seed)
            if self.values:
                self.rng.getrandbits(64 * len(self.values))
        return self.rng.random()
