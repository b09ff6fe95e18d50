"""The simulated customer and what one journey did: the state rules and strategies act on.

A :class:`Customer` holds hidden state (satisfaction, expectation, churn propensity) beside
the history a company can observe (recency, frequency, monetary value, complaints) and the
levers strategies may set. Strategies read the observable part; the hidden part is for the
engine's rules and for analysis (a company cannot see it).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import random

__all__ = ["Customer", "JourneyOutcome"]


class Customer:
    """A simulated customer: hidden state and the history a company can observe.

    Hidden: satisfaction, expectation, churn propensity. Observable (what CRM sees): recency,
    frequency, monetary value, complaints.

    Attributes live in ``__slots__`` (no instance ``__dict__``) and a customer holds no random
    generator between journeys: a journey's generator is made when it starts, from the
    customer's ``key`` and the journey's number (:meth:`RunStreams.journey_stream`), and dropped
    when it ends. So a customer between journeys costs a few hundred bytes (issue 16: under
    1 KB per active customer, tests/test_customer.py). Strategies keep their own per-customer
    data in :attr:`state` (a dict made on first use).
    """

    __slots__ = (
        "id",
        "segment",
        "cohort",
        "acquired_at",
        "theta",
        "expectation",
        "satisfaction",
        "visit_rng",
        "life_rng",
        "referred",
        "_state",
        "loyalty",
        "active",
        "journeys",
        "purchases",
        "spend",
        "last_purchase_at",
        "complaints",
        "recent_failure",
        "member",
        "need_rate",
        "churn_multiplier",
        "frequency_multiplier",
        "basket_multiplier",
        "discount",
        "ltr",
        "advocacy",
        "retry_decisions",
        "churn_decisions",
        "pulled",
        "waiting",
        "process",
        "key",
    )

    def __init__(
        self,
        ident: int,
        segment: str,
        cohort: int,
        acquired_at: float,
        theta: float,
        expectation: float,
        satisfaction: float,
        visit_rng: random.Random | None = None,
        life_rng: random.Random | None = None,
        referred: bool = False,
    ) -> None:
        self.id = ident
        self.segment = segment
        self.cohort = cohort
        self.acquired_at = acquired_at
        self.theta = theta  # base churn propensity (Beta draw)
        self.expectation = expectation
        self.satisfaction = satisfaction
        # the generators of the journey under way (None between journeys)
        self.visit_rng = visit_rng
        self.life_rng = life_rng
        self.referred = referred
        self._state: dict[str, Any] | None = None
        self.loyalty = 0.0
        self.active = True
        # observable history (what CRM sees)
        self.journeys = 0
        self.purchases = 0
        self.spend = 0.0
        self.last_purchase_at: float | None = None
        self.complaints = 0
        # the latest journey (or this one so far) had a failed or abandoned visit (kept only
        # when a state-routing rule weighs it: model.track_failures)
        self.recent_failure = False
        # in the loyalty programme (set by the loyalty strategy; state routing can weigh it)
        self.member = False
        # the customer's own need rate per day when need rates vary (0: the segment's rate)
        self.need_rate = 0.0
        # levers strategies may set
        self.churn_multiplier = 1.0
        self.frequency_multiplier = 1.0
        self.basket_multiplier = 1.0
        self.discount = 0.0
        # likelihood to recommend after the latest journey, advocacy (+1 promoter, -1 detractor)
        self.ltr: int | None = None
        self.advocacy = 0
        self.retry_decisions = 0  # retry/switch decisions taken (keys their random numbers)
        self.churn_decisions = 0  # period churn decisions taken (keys their random numbers)
        self.pulled = False  # a strategy asked for the next journey to start when this one ends
        self.waiting = False  # between journeys, waiting for the next need (campaigns may pull)
        # the pending need while waiting (model.NeedDue; None during a journey of a returning
        # customer, the model.OneOffWalk driving a one-off customer's journey)
        self.process: Any = None
        # the customer's seed: keys their journeys' generators and per-customer decisions
        # (see streams.keyed_uniform)
        self.key = 0

    @property
    def state(self) -> dict[str, Any]:
        """Strategies' own data about this customer (made on first use)."""
        state = self._state
        if state is None:
            state = self._state = {}
        return state


class JourneyOutcome:
    """What happened in one journey: handed to strategy hooks."""

    __slots__ = (
        "purchased",
        "abandoned",
        "failed",
        "amount",
        "remembered",
        "satisfaction",
        "satisfaction_before",
        "effort",
        "wait",
        "ltr",
        "touchpoints",
    )

    def __init__(self) -> None:
        self.purchased = False
        self.abandoned = False
        self.failed = False
        self.amount = 0.0
        self.remembered = math.nan
        self.satisfaction = math.nan
        self.satisfaction_before = math.nan  # cumulative satisfaction before this journey
        self.effort = 0.0
        self.wait = 0.0
        self.ltr: int | None = None
        self.touchpoints: list[str] = []
