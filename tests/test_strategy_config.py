"""journeysim.scenario.strategy_config: strategy tables as data."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from journeysim.scenario.fields import DAYS_CONTEXT
from journeysim.scenario.strategy_config import (
    CEMConfig,
    CRMConfig,
    FollowUpConfig,
    LoyaltyConfig,
    ReferralConfig,
    StrategyConfig,
    TierConfig,
    TouchpointInvestment,
)


def test_crm_defaults_do_nothing():
    crm = CRMConfig()
    assert crm.segments == []
    assert crm.at_risk_share == crm.offer_discount == crm.offer_churn_reduction == 0.0
    assert crm.offer_duration == 60.0
    assert crm.holdout == 0.0
    assert crm.campaign_every is None
    assert crm.lapsed_after is None and crm.winback_after is None
    assert crm.cost_per_offer == crm.cost_per_contact == crm.cost_per_winback == 0.0


def test_crm_durations_need_units():
    assert CRMConfig(offer_duration="30 d").offer_duration == 30.0
    assert CRMConfig(campaign_every="2 w").campaign_every == 14.0
    with pytest.raises(ValidationError):
        CRMConfig(offer_duration=30)
    assert (
        CRMConfig.model_validate({"offer_duration": 30}, context=DAYS_CONTEXT).offer_duration == 30
    )


@pytest.mark.parametrize(
    "changes", [{"at_risk_share": 1.5}, {"holdout": -0.1}, {"cost_per_offer": -1.0}]
)
def test_crm_bounds(changes):
    with pytest.raises(ValidationError):
        CRMConfig(**changes)


def test_touchpoint_investment_defaults():
    inv = TouchpointInvestment()
    assert (inv.quality, inv.consistency, inv.effort, inv.capacity, inv.cost_per_day) == (
        0.0,
        0.0,
        0.0,
        0,
        0.0,
    )


def test_investments_may_lower_consistency_and_effort():
    inv = TouchpointInvestment(consistency=-0.5, effort=-0.2, quality=-1.0)
    assert (inv.consistency, inv.effort, inv.quality) == (-0.5, -0.2, -1.0)


@pytest.mark.parametrize("key", ["consistency", "effort"])
def test_investments_may_not_raise_consistency_or_effort(key):
    with pytest.raises(ValidationError, match="from -10 to 0"):
        TouchpointInvestment(**{key: 0.1})


@pytest.mark.parametrize("changes", [{"capacity": -1}, {"cost_per_day": -5.0}])
def test_investment_bounds(changes):
    with pytest.raises(ValidationError):
        TouchpointInvestment(**changes)


def test_cem_defaults():
    cem = CEMConfig()
    assert cem.touchpoints == {} and cem.routes == {} and cem.follow_up is None
    follow = FollowUpConfig()
    assert follow.success_probability == follow.satisfaction_boost == 0.0


def test_cem_route_probabilities_are_bounded():
    with pytest.raises(ValidationError):
        CEMConfig(routes={"web": {"purchase": 1.2}})


def test_loyalty_defaults():
    loyalty = LoyaltyConfig()
    assert loyalty.enrolment == 0.0
    assert loyalty.points_per_currency == 1.0
    assert loyalty.reward_threshold == 100.0
    assert loyalty.tiers == []
    with pytest.raises(ValidationError):
        LoyaltyConfig(reward_threshold=0)


def test_tiers_sorted_by_min_spend_are_accepted():
    tiers = [
        {"name": "silver", "min_spend": 100},
        {"name": "gold", "min_spend": 500},
        {"name": "gold+", "min_spend": 500},
    ]
    loyalty = LoyaltyConfig(tiers=tiers)
    assert [t.name for t in loyalty.tiers] == ["silver", "gold", "gold+"]
    assert isinstance(loyalty.tiers[0], TierConfig)


def test_unsorted_tiers_are_refused():
    tiers = [{"name": "gold", "min_spend": 500}, {"name": "silver", "min_spend": 100}]
    with pytest.raises(ValidationError, match="increasing min_spend"):
        LoyaltyConfig(tiers=tiers)


def test_tier_needs_name_and_spend():
    with pytest.raises(ValidationError):
        TierConfig(name="gold")
    with pytest.raises(ValidationError):
        TierConfig(name="gold", min_spend=-1)


def test_strategy_defaults_and_components():
    empty = StrategyConfig()
    assert (empty.description, empty.crm, empty.cem, empty.loyalty) == ("", None, None, None)
    hybrid = StrategyConfig(crm={"at_risk_share": 0.1}, loyalty={"enrolment": 0.5})
    assert hybrid.crm.at_risk_share == 0.1
    assert hybrid.loyalty.enrolment == 0.5
    assert hybrid.cem is None


def test_referral_defaults_and_bounds():
    assert ReferralConfig().per_promoter_per_day == 0.0
    with pytest.raises(ValidationError):
        ReferralConfig(per_promoter_per_day=-0.1)


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (CRMConfig, {"at_risk": 0.1}),
        (TouchpointInvestment, {"qualty": 1.0}),
        (FollowUpConfig, {"boost": 1.0}),
        (CEMConfig, {"touchpoint": {}}),
        (TierConfig, {"name": "x", "min_spend": 1, "discount": 0.1}),
        (LoyaltyConfig, {"enrollment": 0.5}),
        (StrategyConfig, {"crm": {}, "cx": {}}),
        (ReferralConfig, {"per_promoter": 1.0}),
    ],
)
def test_unknown_keys_are_refused(model, data):
    with pytest.raises(ValidationError, match="[Ee]xtra"):
        model.model_validate(data)


def test_unknown_keys_nested_are_refused():
    with pytest.raises(ValidationError, match="[Ee]xtra"):
        StrategyConfig.model_validate({"cem": {"touchpoints": {"desk": {"qualty": 1}}}})
