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

    Counters and strategy levers start as class-level defaults and become instance attributes
    on first write: creating a customer is on the hot path of every arrival.
    """

    loyalty = 0.0
    active = True
    # observable history (what CRM sees)
    journeys = 0
    purchases = 0
    spend = 0.0
    last_purchase_at: float | None = None
    complaints = 0
    # the latest journey (or this one so far) had a failed or abandoned visit (kept only when
    # a state-routing rule weighs it: model.track_failures)
    recent_failure = False
    # in the loyalty programme (set by the loyalty strategy; state routing can weigh it)
    member = False
    # the customer's own need rate per day when need rates vary (0: the segment's rate)
    need_rate = 0.0
    # levers strategies may set
    churn_multiplier = 1.0
    frequency_multiplier = 1.0
    basket_multiplier = 1.0
    discount = 0.0
    # likelihood to recommend after the latest journey, and advocacy (+1 promoter, -1 detractor)
    ltr: int | None = None
    advocacy = 0
    retry_decisions = 0  # retry/switch decisions taken (keys their random numbers)
    pulled = False  # a strategy asked for the next journey to start when this one ends
    waiting = False  # between journeys, waiting for the next need (campaigns may pull it)
    process: Any = None
    # period churn decisions draw from their own stream, so journey timing never shifts them
    churn_rng: Any = None
    # the customer's seed: keys per-customer strategy decisions (see streams.keyed_uniform)
    key = 0

    def __init__(
        self,
        ident: int,
        segment: str,
        cohort: int,
        acquired_at: float,
        theta: float,
        expectation: float,
        satisfaction: float,
        visit_rng: random.Random,
        life_rng: random.Random | None,
        referred: bool,
    ) -> None:
        self.id = ident
        self.segment = segment
        self.cohort = cohort
        self.acquired_at = acquired_at
        self.theta = theta
        self.expectation = expectation
        self.satisfaction = satisfaction
        self.visit_rng = visit_rng
        self.life_rng = life_rng
        self.referred = referred
        self.state: dict[str, Any] = {}


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
