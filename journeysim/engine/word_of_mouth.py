"""Word of mouth: who is a promoter or a detractor now, and the prospects they bring or keep away.

A customer's advocacy is their likelihood to recommend after their latest journey (surveyed or
not): 9-10 promoter (+1), 0-6 detractor (-1), else passive (0). Promoters bring referred
prospects, a Poisson process at ``per_promoter_per_day`` x promoters, plus
``per_customer_per_day`` x active customers (word of mouth whatever they think: the Bass
model's internal influence q). In a finite market of N people (``population.market_size``)
the referral rate is multiplied by (N - ever acquired) / N, like organic acquisition; with
arrivals p N per day and q per customer, no churn and psychology off, cumulative adoption is
then the Bass curve F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) (Bass 1969). The rate
is followed exactly (thinning), not re-read once a day. Detractors keep organic prospects
away, each with probability ``suppression_per_detractor_per_day / arrivals_per_day`` x
detractors, decided by a stream of its own ("suppression").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

if TYPE_CHECKING:
    import random

    from journeysim.engine.customer import Customer

__all__ = ["WordOfMouth"]


class WordOfMouth:
    """Counts of promoters, detractors and customers, and the referral process.

    Parameters
    ----------
    per_promoter, suppression_per_detractor:
        ``referrals.per_promoter_per_day`` and ``referrals.suppression_per_detractor_per_day``.
    per_customer:
        ``referrals.per_customer_per_day``: referrals per active customer per day (Bass q).
    market_size:
        ``population.market_size`` N, or ``None`` for an unlimited market.
    """

    __slots__ = (
        "promoters",
        "detractors",
        "customers",
        "acquired",
        "per_promoter",
        "per_customer",
        "suppression",
        "market_size",
        "bound",
        "process",
        "env",
    )

    def __init__(
        self,
        per_promoter: float,
        suppression_per_detractor: float,
        per_customer: float = 0.0,
        market_size: int | None = None,
    ) -> None:
        self.promoters = 0
        self.detractors = 0
        self.customers = 0  # active customers
        self.acquired = 0  # ever acquired (the finite market's depletion)
        self.per_promoter = per_promoter
        self.per_customer = per_customer
        self.suppression = suppression_per_detractor
        self.market_size = market_size
        self.bound = math.inf  # no referral process waiting yet: nothing to wake
        self.process: Any = None
        self.env: simpy.Environment | None = None

    @property
    def refers(self) -> bool:
        """Whether anyone ever refers (a referral process is needed)."""
        return self.per_promoter > 0 or self.per_customer > 0

    def rate(self) -> float:
        """Referred prospects per day now: (q_p x promoters + q_c x customers) x (N - A) / N."""
        rate = self.per_promoter * self.promoters + self.per_customer * self.customers
        n = self.market_size
        if n is not None:
            left = n - self.acquired
            rate = rate * left / n if left > 0 else 0.0
        return rate

    def notify(self) -> None:
        """A count went up: wake the referral process if the rate passed its bound."""
        if self.rate() > self.bound:
            process = self.process
            env = self.env
            if process is not None and process.is_alive and process is not env.active_process:
                self.bound = math.inf  # one wake-up is enough
                process.interrupt("rate above bound")

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
        if advocacy == 1 and self.per_promoter > 0:
            self.notify()

    def referrals(
        self,
        env: simpy.Environment,
        horizon: float,
        rng: random.Random,
        admit: Callable[[random.Random], None],
    ) -> Generator[simpy.Event, Any, None]:
        """Referred prospects: a Poisson process whose rate follows :meth:`rate` exactly.

        Thinning (Lewis & Shedler 1979): candidates arrive at a bound B >= rate, each is
        accepted with probability rate / B at its moment, so the rate is read the instant
        counts change, not once a day. A count that pushes the rate above B wakes the process
        (:meth:`notify`), which draws afresh at a doubled bound; by memorylessness that is
        exact. ``admit(rng)`` draws and admits one referred prospect from the referral stream.
        """
        self.env = env
        self.process = env.active_process
        while env.now < horizon:
            rate = self.rate()
            bound = self.bound = 2.0 * rate
            try:
                if bound <= 0.0:
                    yield env.timeout(horizon - env.now)  # until a count makes the rate positive
                    return
                while True:
                    yield env.timeout(rng.expovariate(bound))
                    rate = self.rate()
                    if rng.random() * bound < rate:
                        admit(rng)
                        if self.rate() > bound:  # this referral raised the rate past the bound
                            break
                    elif rate < 0.25 * bound:  # tighten a loose bound (fewer rejections)
                        break
            except simpy.Interrupt:
                pass
