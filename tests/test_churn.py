"""journeysim.engine.churn: the churn hazard of a customer."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from journeysim.engine.churn import ChurnRule
from journeysim.scenario.schema import Psychology


def customer(theta=0.1, multiplier=1.0, satisfaction=7.5, loyalty=0.0):
    return SimpleNamespace(
        theta=theta, churn_multiplier=multiplier, satisfaction=satisfaction, loyalty=loyalty
    )


@pytest.mark.parametrize(
    "psych", [Psychology(churn_effects=False), Psychology(enabled=False)], ids=["off", "no-psych"]
)
@pytest.mark.parametrize(("theta", "multiplier"), [(0.1, 1.0), (0.1, 0.5), (0.3, 1.5), (0.02, 0.0)])
def test_without_effects_it_is_theta_times_multiplier(psych, theta, multiplier):
    rule = ChurnRule(psych)
    assert rule.effects is False
    for satisfaction, loyalty in [(0.0, 0.0), (7.5, 0.5), (10.0, 1.0)]:
        c = customer(theta, multiplier, satisfaction, loyalty)
        assert rule.hazard(c) == pytest.approx(theta * multiplier)


@pytest.mark.parametrize(
    "psych", [Psychology(churn_effects=False), Psychology()], ids=["off", "on"]
)
def test_capped_at_one(psych):
    rule = ChurnRule(psych)
    assert rule.hazard(customer(theta=0.9, multiplier=2.0)) == 1.0
    assert rule.hazard(customer(theta=0.6, multiplier=1.0, satisfaction=0.0)) <= 1.0


def test_with_effects_by_hand():
    psych = Psychology(
        churn_satisfaction_sensitivity=0.35,
        churn_loyalty_sensitivity=1.5,
        satisfaction_when_met=7.5,
    )
    rule = ChurnRule(psych)
    assert rule.effects is True
    c = customer(theta=0.1, multiplier=0.8, satisfaction=5.5, loyalty=0.4)
    expected = 0.1 * 0.8 * math.exp(-0.35 * (5.5 - 7.5) - 1.5 * 0.4)
    assert rule.hazard(c) == pytest.approx(expected)
    # met expectations and no loyalty: theta x multiplier
    assert rule.hazard(customer(0.1, 0.8)) == pytest.approx(0.08)


def test_satisfaction_and_loyalty_lower_the_hazard():
    rule = ChurnRule(Psychology())
    low, high = customer(satisfaction=4.0), customer(satisfaction=9.0)
    assert rule.hazard(low) > rule.hazard(customer()) > rule.hazard(high)
    assert rule.hazard(customer(loyalty=0.8)) < rule.hazard(customer(loyalty=0.0))


def test_capped_with_effects():
    rule = ChurnRule(Psychology())
    # 0.5 x exp(0.35 x 7.5) ~ 6.9 before the cap
    assert rule.hazard(customer(theta=0.5, satisfaction=0.0)) == 1.0
