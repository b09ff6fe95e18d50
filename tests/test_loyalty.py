"""Loyalty mechanisms one at a time: goal gradient, post-reward dip, keyed enrolment."""

import pytest

import journeysim as js
from journeysim.scenario.strategy_config import LoyaltyConfig
from journeysim.strategies.loyalty import LoyaltyPolicy
from tests.helpers import RETAIL, paired_gap

BASE = {"enrolment": 0.6, "points_per_currency": 1.0, "reward_threshold": 150.0}


@pytest.fixture(scope="module")
def retail():
    # no word of mouth: acquisitions are then identical under every policy
    return js.load_scenario(
        RETAIL,
        {
            "simulation.horizon": "180 d",
            "referrals.per_promoter_per_day": 0.0,
            "referrals.suppression_per_detractor_per_day": 0.0,
        },
    )


def policy(name, **settings):
    loyalty = LoyaltyPolicy(LoyaltyConfig(**{**BASE, **settings}))
    loyalty.name = name
    return loyalty


def test_goal_gradient_makes_members_buy_sooner_as_a_reward_nears(retail):
    flat, gradient = policy("flat"), policy("gradient", goal_gradient=1.0)
    result = js.compare(retail, ["baseline", flat, gradient], replications=3, seed=7, workers=1)
    low, _ = paired_gap(result, "gradient", "loyalty_member_purchases", "flat")[1:]
    assert low > 0
    runs = result.runs.set_index(["strategy", "replication"])
    # the same customers join under both policies (enrolment is keyed by customer)
    assert (runs.loc["flat", "loyalty_members"] == runs.loc["gradient", "loyalty_members"]).all()


def test_a_dip_after_each_reward_slows_members_down(retail):
    none, dip = (
        policy("no_dip", reward_value=5.0),
        policy("dip", reward_value=5.0, post_reward_dip=0.6),
    )
    result = js.compare(retail, ["baseline", none, dip], replications=3, seed=8, workers=1)
    assert paired_gap(result, "dip", "loyalty_member_purchases", "no_dip")[2] < 0
    runs = result.runs.query("strategy == 'no_dip'")
    assert runs["cost_loyalty_rewards"].to_numpy() == pytest.approx(5.0 * runs["loyalty_rewards"])


def test_a_hybrid_s_other_parts_never_shift_who_joins(retail):
    """Each part draws from its own stream and enrolment is keyed by customer: changing the CRM
    part of a hybrid leaves the loyalty part's members exactly as they were."""
    from journeysim.scenario.strategy_config import CRMConfig
    from journeysim.strategies.crm import CRMPolicy

    def hybrid(name, holdout):
        crm = CRMPolicy(CRMConfig(at_risk_share=0.1, offer_discount=0.1, holdout=holdout), retail)
        return js.CompositeStrategy(name, [crm, policy("loyalty")])

    a = js.simulate(retail, hybrid("a", 0.0), seed=9).kpis.iloc[0]
    b = js.simulate(retail, hybrid("b", 0.5), seed=9).kpis.iloc[0]
    alone = js.simulate(retail, policy("loyalty"), seed=9).kpis.iloc[0]
    assert a["loyalty_members"] == b["loyalty_members"] == alone["loyalty_members"] > 0
    assert a["crm_offers"] != b["crm_offers"]  # the CRM part did change
