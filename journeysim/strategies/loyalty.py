"""Loyalty programme: points per spend, rewards, tiers.

Members earn points on what they spend; at the reward threshold points turn into a reward
(its value is the programme's cost). Two documented behaviours shape purchase timing (Kivetz,
Urminsky & Zheng 2006): the *goal gradient* - customers buy sooner as a reward nears - and a
*post-reward dip* right after a redemption. Redemptions build attachment (loyalty), which
lowers churn and raises purchase frequency through the model's loyalty rules; tiers reached
by cumulative spend add their own churn reduction and frequency boost.

Who joins is decided at random (``enrolment``), so eligible customers who did not join are a
control group: the run reports members' and non-members' purchases and how many of each are
still active at the end, a difference caused by the programme rather than by self-selection
(a real programme's member/non-member gap mixes the two).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeysim.engine.streams import keyed_uniform
from journeysim.strategies.base import Strategy, set_lever

if TYPE_CHECKING:
    from journeysim.engine.api import ModelAPI
    from journeysim.engine.customer import Customer, JourneyOutcome
    from journeysim.scenario.strategy_config import LoyaltyConfig

__all__ = ["LoyaltyPolicy"]

_POINTS = "loyalty_points"
_ENROL_SALT = 0x107A1
_NON_MEMBER = "loyalty_non_member"


class LoyaltyPolicy(Strategy):
    """Points, rewards and tiers for enrolled customers."""

    name = "loyalty"

    def __init__(self, config: LoyaltyConfig) -> None:
        self.config = config
        self.segments = set(config.segments)
        self.members = self.rewards = 0
        self.member_purchases = 0
        self.non_members = self.non_member_purchases = 0

    def setup(self, model: ModelAPI) -> None:
        """Book the fixed running cost."""
        if self.config.fixed_cost_per_day > 0:
            model.book_daily_cost("loyalty_running", self.config.fixed_cost_per_day)

    def on_acquire(self, model: ModelAPI, c: Customer) -> None:
        """Enrol a share of eligible new customers."""
        if self.segments and c.segment not in self.segments:
            return
        # keyed by the customer: the same customers join under loyalty and under any hybrid
        if keyed_uniform(c.key, _ENROL_SALT) < self.config.enrolment:
            c.state[_POINTS] = 0.0
            c.member = True
            self.members += 1
        else:
            c.state[_NON_MEMBER] = True
            self.non_members += 1

    def on_journey_end(self, model: ModelAPI, c: Customer, outcome: JourneyOutcome) -> None:
        """Earn points on a purchase, redeem rewards, move tiers, set the goal gradient."""
        if not outcome.purchased:
            return
        points = c.state.get(_POINTS)
        if points is None:
            if _NON_MEMBER in c.state:
                self.non_member_purchases += 1
            return
        cfg = self.config
        self.member_purchases += 1
        points += outcome.amount * cfg.points_per_currency
        rewards = int(points // cfg.reward_threshold)
        if rewards:
            points -= rewards * cfg.reward_threshold
            self.rewards += rewards
            model.book_cost("loyalty_rewards", rewards * cfg.reward_value)
            c.loyalty += cfg.loyalty_per_reward * (1.0 - c.loyalty)
            frequency = 1.0 - cfg.post_reward_dip
        else:
            frequency = 1.0 + cfg.goal_gradient * points / cfg.reward_threshold
        c.state[_POINTS] = points
        set_lever(c, "frequency_multiplier", "loyalty_gradient", frequency)
        tier = None
        for candidate in cfg.tiers:
            if c.spend >= candidate.min_spend:
                tier = candidate
        if tier is not None:
            set_lever(c, "churn_multiplier", "loyalty_tier", 1.0 - tier.churn_reduction)
            set_lever(c, "frequency_multiplier", "loyalty_tier", 1.0 + tier.frequency_boost)

    def extra_kpis(self, model: ModelAPI) -> dict[str, float]:
        """Members and eligible non-members: counts, purchases, still active; rewards redeemed."""
        members_active = non_members_active = 0
        for c in model.active_customers():
            state = c.state
            if _POINTS in state:
                members_active += 1
            elif _NON_MEMBER in state:
                non_members_active += 1
        return {
            "loyalty_members": self.members,
            "loyalty_member_purchases": self.member_purchases,
            "loyalty_members_active_end": members_active,
            "loyalty_non_members": self.non_members,
            "loyalty_non_member_purchases": self.non_member_purchases,
            "loyalty_non_members_active_end": non_members_active,
            "loyalty_rewards": self.rewards,
        }
