"""Churn rule: the probability that a customer leaves at a decision (per journey or period).

hazard = theta x strategy multiplier x exp(-k_S (S - S_met) - k_L L), capped at 1, where theta
is the customer's base propensity drawn from Beta(a, b) at acquisition. With
``psychology.churn_effects = false`` it is theta alone, and a cohort's survival is exactly the
shifted-beta-geometric S(t) = B(a, b + t) / B(a, b) (Fader & Hardie 2007).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeysim.engine.customer import Customer
    from journeysim.scenario.schema import Psychology

__all__ = ["ChurnRule"]


class ChurnRule:
    """The hazard of the run's psychology (compiled once per run)."""

    __slots__ = ("psych", "effects")

    def __init__(self, psych: Psychology) -> None:
        self.psych = psych
        self.effects = psych.enabled and psych.churn_effects

    def hazard(self, customer: Customer) -> float:
        """Churn probability of ``customer`` now."""
        p = customer.theta * customer.churn_multiplier
        if self.effects:
            psych = self.psych
            p *= math.exp(
                -psych.churn_satisfaction_sensitivity
                * (customer.satisfaction - psych.satisfaction_when_met)
                - psych.churn_loyalty_sensitivity * customer.loyalty
            )
        return p if p < 1.0 else 1.0
