"""Random streams: every draw in a run derives from one seed, never from execution order.

A run's identity (root seed plus e.g. replication number or design point) becomes a
:class:`numpy.random.SeedSequence`. Each stochastic *component* (arrivals, customer attributes,
strategy decisions ...) gets its own child sequence, addressed by a fixed index rather than by
spawn order, so adding a component or changing one lever never shifts the draws of another.

Customers carry a key instead of generators: the attribute stream hands every new customer a
64-bit seed (``Customer.key``). Journey number ``k`` of a customer (0 for the first) draws from
its own generator, :meth:`RunStreams.journey_stream` ``(key, k)``, made when the journey starts
(in place, in a generator a finished journey handed back: :meth:`RunStreams.reseed_journey_stream`)
and let go when it ends: first the life-level numbers (churn number and time to the next need,
used at the journey's end; then survey, basket and LTR noise), then the visit-level numbers
(routing, service time, patience, quality, failure), visit after visit. Every journey draws a
fixed set of life numbers whatever happens in it, and its visit numbers come last, so the
numbers of journey ``k`` are a pure function of ``(key, k)``: they do not depend on how many
visits earlier journeys had (common random numbers across strategies that change routes, waits
or failures). Churn decided at period boundaries takes the ``n``-th decision's number from
:func:`keyed_uniform` ``(key, CHURN_SALT, n)``, so its draws do not depend on how many
journeys fitted into a period. That is what makes common random numbers work: under two
strategies the same customer arrives at the same time, with the same churn propensity and the
same needs, and a difference in outcome is caused by the strategy, not by reshuffled luck.
Customers who never return (``population.returning = false``, the pure queueing mode) have no
life to keep aligned: they share one run-level ``visits`` stream, which keeps queueing runs as
cheap as a bare SimPy script.

Generators are :class:`random.Random` instances (Mersenne Twister): scalar draws from them cost
~50 ns, against ~1 us for numpy scalar draws, and the engine draws one number at a time. Seeding
one costs a few microseconds, paid once per journey; holding one costs 2.5 KB, which is why a
customer between journeys holds none (until version 0.2 every returning customer held two or
three, ~5-8 KB). There is no module-level random state anywhere.
"""

from __future__ import annotations

import _random
import random
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

__all__ = [
    "CHURN_SALT",
    "COMPONENTS",
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
    "base": 16,  # the starting base of a steady start (simulation.start = "steady")
}

# Seeds of a customer's generators: their key in the low 64 bits, the use above. 1 << 64 and
# 2 << 64 were the life and period-churn generators of version 0.2 (no longer made).
_NEED_SALT = 3 << 64  # the seed of their need rate (segments.NAME.need_rate_shape)
_JOURNEY_SHIFT = 4  # journey k's generator: key | (k + 4) << 64
_seed = _random.Random.seed  # the C seeding that random.Random.seed(int) ends in

#: Salt of the keyed uniform of a customer's n-th period churn decision (see keyed_uniform).
CHURN_SALT = 0x16C4


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
    def journey_stream(customer_seed: int, journey: int) -> random.Random:
        """The generator of journey number ``journey`` (0 for the first) of a customer.

        A pure function of ``(customer_seed, journey)``: the journey's numbers do not depend on
        what earlier journeys drew, so journey ``k`` gets the same numbers under every
        strategy whatever happened before it (common random numbers). The seed is the
        customer's key with ``journey + 4`` above its 64 bits, distinct from the need-rate
        seed (``3 << 64``) and from every other customer's seeds.
        """
        return random.Random(customer_seed | (journey + _JOURNEY_SHIFT) << 64)

    @staticmethod
    def reseed_journey_stream(rng: random.Random, customer_seed: int, journey: int) -> None:
        """Make ``rng`` the generator :meth:`journey_stream` would return, in place.

        The state is the one of ``random.Random(seed)``: the same Mersenne Twister seeding
        (``Random.seed`` of an int) and no Gaussian held back (``gauss_next``). The engine
        reuses the generators of journeys that ended (a free list) instead of allocating a
        new 2.5 KB object per journey, and skips the Python-level wrapper of ``seed``.
        """
        _seed(rng, customer_seed | (journey + _JOURNEY_SHIFT) << 64)
        rng.gauss_next = None

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
