"""Word of mouth: who is a promoter or a detractor now, and the prospects they bring or keep away.

A customer's advocacy is their likelihood to recommend after their latest journey (surveyed or
not): 9-10 promoter (+1), 0-6 detractor (-1), else passive (0). Promoters bring referred
prospects, a Poisson process at ``per_promoter_per_day`` x promoters; detractors keep organic
prospects away, each with probability ``suppression_per_detractor_per_day / arrivals_per_day``
x detractors, decided by a stream of its own ("suppression").
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

if TYPE_CHECKING:
    import random

    from journeysim.engine.customer import Customer

__all__ = ["WordOfMouth"]


class WordOfMouth:
    """Counts of promoters and detractors among active customers, and the referral process."""

    __slots__ = ("promoters", "detractors", "per_promoter", "suppression")

    def __init__(self, per_promoter: float, suppression_per_detractor: float) -> None:
        self.promoters = 0
        self.detractors = 0
        self.per_promoter = per_promoter
        self.suppression = suppression_per_detractor

    def set_advocacy(self, customer: Customer, advocacy: int) -> None:
        """Make ``customer`` a promoter (+1), passive (0) or detractor (-1)."""
        old = customer.advocacy
        if old == advocacy:
            return
        if old == 1:
            self.promoters -= 1
        elif old == -1:
            self.detractors -= 1
        if advocacy == 1:
            self.promoters += 1
        elif advocacy == -1:
            self.detractors += 1
        customer.advocacy = advocacy

    def referrals(
        self,
        env: simpy.Environment,
        horizon: float,
        rng: random.Random,
        admit: Callable[[random.Random], None],
    ) -> Generator[simpy.Event, Any, None]:
        """Referred prospects: a Poisson process at rate promoters x ``per_promoter`` per day.

        The rate is re-read every day (piecewise constant); by memorylessness, drawing the next
        gap afresh at each day boundary is exact for such a rate. ``admit(rng)`` draws and
        admits one referred prospect from the referral stream.
        """
        per_promoter = self.per_promoter
        while env.now < horizon:
            day_end = min(env.now + 1.0, horizon)
            rate = self.promoters * per_promoter
            if rate > 0:
                t = env.now + rng.expovariate(rate)
                while t < day_end:
                    yield env.timeout(t - env.now)
                    admit(rng)
                    t += rng.expovariate(rate)
            yield env.timeout(day_end - env.now)
