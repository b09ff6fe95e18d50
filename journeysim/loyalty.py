"""Loyalty programme: points per spend, rewards, tiers.

Members earn points on what they spend; at the reward threshold points turn into a reward
(its value is the programme's cost). Two documented behaviours shape purchase timing (Kivetz,
Urminsky & Zheng 2006): the *goal gradient* - customers buy sooner as a reward nears - and a
*post-reward dip* right after a redemption. Redemptions build attachment (loyalty), which
lowers churn and raises purchase frequency through the model's loyalty rules; tiers reached
by cumulative spend add their own churn reduction and frequency boost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeysim.strategies import Strategy, set_lever

if TYPE_CHECKING:
    from journeysim.model import Customer, JourneyModel, JourneyOutcome
    from journeysim.strategy_config import LoyaltyConfig

__all__ = ["LoyaltyPolicy"]

_POINTS = "loyalty_points"


class LoyaltyPolicy(Strategy):
    """Points, rewards and tiers for enrolled customers."""

    name = "loyalty"

    def __init__(self, config: LoyaltyConfig) -> None:
        self.config = config
        self.segments = set(config.segments)
        self.members = self.rewards = 0
        self.member_purchases = 0

    def setup(self, model: JourneyModel) -> None:
        """Book the fixed running cost; members are drawn from the strategy stream."""
        from journeysim.model import _spread

        self.rng = model.streams.component("strategy")
        if self.config.fixed_cost_per_day > 0:
            _spread(
                model.recorder, "loyalty_running", self.config.fixed_cost_per_day, model.horizon
            )

    def on_acquire(self, model: JourneyModel, c: Customer) -> None:
        """Enrol a share of eligible new customers."""
        if self.segments and c.segment not in self.segments:
            return
        if self.rng.random() < self.config.enrolment:
            c.state[_POINTS] = 0.0
            self.members += 1

    def on_journey_end(self, model: JourneyModel, c: Customer, outcome: JourneyOutcome) -> None:
        """Earn points on a purchase, redeem rewards, move tiers, set the goal gradient."""
        points = c.state.get(_POINTS)
        if points is None or not outcome.purchased:
            return
        cfg = self.config
        self.member_purchases += 1
        points += outcome.amount * cfg.points_per_currency
        rewards = int(points // cfg.reward_threshold)
        if rewards:
            points -= rewards * cfg.reward_threshold
            self.rewards += rewards
            model.recorder.add_cost("loyalty_rewards", rewards * cfg.reward_value, model.env.now)
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

    def extra_kpis(self, model: JourneyModel) -> dict[str, float]:
        """Members enrolled, their purchases and rewards redeemed."""
        return {
            "loyalty_members": self.members,
            "loyalty_member_purchases": self.member_purchases,
            "loyalty_rewards": self.rewards,
        }
