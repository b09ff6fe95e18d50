"""What a strategy is, as data: the ``[strategies.NAME]`` and ``[referrals]`` tables.

A strategy table combines up to three components (``crm``, ``cem``, ``loyalty``); a table with
several is a hybrid. Every lever states its cost. The policy objects that act on these settings
live in :mod:`journeysim.strategies` (``crm``, ``cem`` and ``loyalty``).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from journeysim.scenario.fields import (
    Amount,
    Coefficient,
    Count,
    FrozenModel,
    NonNegativeDays,
    PositiveDays,
    Probability,
    Rate,
    Score,
    ScoreChange,
    bounded_float,
)
from journeysim.scenario.operations import StaffWindow

__all__ = [
    "CEMConfig",
    "CRMConfig",
    "ComplaintHandling",
    "FollowUpConfig",
    "LoyaltyConfig",
    "ReferralConfig",
    "StrategyConfig",
    "TierConfig",
    "TouchpointInvestment",
]

Points5 = bounded_float(-5.0, 5.0)
Points10 = bounded_float(0.0, 10.0)
PointsUp5 = bounded_float(0.0, 5.0)
Steadier = bounded_float(-10.0, 0.0)
"""A non-positive change on the 0-10 scale (quality spread, effort)."""


class ComplaintHandling(FrozenModel):
    """Reactive CRM: every complaint the company logs gets a service-recovery contact.

    A complaint is logged when a visit fails (the customer is sent to recovery) and, with
    ``abandonments``, when a customer abandons a queue (the company sees the dropped call).
    The contact succeeds with ``success_probability``: the customer's satisfaction is restored
    to its level before the failed journey plus ``recovery_paradox`` points (the service
    recovery paradox: a complaint handled well can leave a customer happier than no failure,
    McCollough & Bharadwaj 1992; meta-analysis De Matos, Henrique & Rossi 2007). A failed
    recovery is a double deviation (Bitner, Booms & Tetreault 1990): satisfaction drops by
    ``failure_effect`` more.
    """

    success_probability: Probability = 0.6
    recovery_paradox: Points5 = Field(
        default=0.3,
        ge=-5,
        le=5,
        description="Points above the pre-failure satisfaction after a successful recovery.",
    )
    failure_effect: Points10 = Field(
        default=0.5, ge=0, le=10, description="Points lost after a failed recovery."
    )
    cost_per_contact: Amount = Field(default=10.0, ge=0)
    abandonments: bool = Field(
        default=True, description="Abandoned queues are logged complaints too (dropped calls)."
    )


class CRMConfig(FrozenModel):
    """CRM: the company's view of the customer, from data it can observe.

    Customers are scored every period from recency, frequency, monetary value and complaints
    logged (never from hidden satisfaction); the riskiest share of the customers on file who
    have not lapsed gets a retention offer. Unless the business is contractual, the file also
    holds customers who have already left: the company cannot tell them from quiet ones.
    """

    segments: list[str] = Field(default_factory=list, description="Targeted segments (all).")
    at_risk_share: Probability = Field(
        default=0.0,
        description="Share of the customers on file who have not lapsed (highest score first) "
        "offered each period.",
    )
    offer_discount: Probability = Field(default=0.0, description="Discount while offer runs.")
    offer_duration: PositiveDays = Field(default=60.0)
    offer_churn_reduction: Probability = Field(
        default=0.0,
        description="Churn hazard x (1 - this x segment price_sensitivity, capped at 1) while "
        "the offer runs: discounts move price-sensitive segments more.",
    )
    cost_per_offer: Amount = 0.0
    holdout: Probability = Field(
        default=0.0,
        description="Share of the customers selected for an offer kept as a random control "
        "group (no offer, no cost): measures the offers' uplift on targeted customers.",
    )
    campaign_every: PositiveDays | None = Field(
        default=None, description="Period of campaigns to every customer on file not lapsed."
    )
    campaign_response: Probability = Field(
        default=0.0, description="Share of contacted customers whose next need comes now."
    )
    cost_per_contact: Amount = 0.0
    upsell_take_up: Probability = 0.0
    upsell_uplift: Coefficient = Field(default=0.0, description="Basket uplift when taken.")
    cost_per_upsell: Amount = 0.0
    lapsed_after: PositiveDays | None = Field(
        default=None,
        description="No purchase for this long = lapsed: no more offers or campaigns (default: "
        "winback_after if set, else 4x the segment's time between needs).",
    )
    winback_after: PositiveDays | None = Field(
        default=None, description="Win-back contact after this long without a purchase (none)."
    )
    winback_response: Probability = 0.0
    cost_per_winback: Amount = 0.0
    campaign_response_time: NonNegativeDays = Field(
        default=3.0,
        description="Mean (exponential) delay between a campaign contact and the responder's "
        "journey, e.g. '3 d' (0: everyone at once, a flash crowd).",
    )
    personalization: dict[str, PointsUp5] = Field(
        default_factory=dict,
        description="Touchpoints where the CRM's customer data is put to use, with the points "
        "a known customer gains there (added to the touchpoint's personalization).",
    )
    personalization_cost_per_day: Amount = Field(
        default=0.0, ge=0, description="Running cost per personalized touchpoint per day."
    )
    complaint_handling: ComplaintHandling | None = Field(
        default=None,
        description="Reactive CRM: a service-recovery contact for every complaint logged.",
    )


class TouchpointInvestment(FrozenModel):
    """CEM investment at one touchpoint: changes and their running cost."""

    quality: ScoreChange = Field(default=0.0, description="Points added to the quality level.")
    consistency: Steadier = Field(
        default=0.0, description="Change of the quality spread (negative = steadier)."
    )
    effort: Steadier = Field(default=0.0, description="Change of effort (negative = easier).")
    capacity: Count = Field(default=0, description="Extra servers (staff cost applies).")
    schedule: list[StaffWindow] = Field(
        default_factory=list,
        description="Extra servers in windows of the week (paid per scheduled server-hour).",
    )
    priority: dict[str, int] | None = Field(
        default=None, description="Priority level per segment (a VIP line); lower served first."
    )
    resolution: Probability = Field(
        default=0.0,
        description="Share of the failures removed (first-contact resolution raised: "
        "failure_probability x (1 - this)): better answers, tools and authority.",
    )
    friendliness: Points10 = Field(
        default=0.0, ge=0, le=10, description="Points added to friendliness (staff training)."
    )
    warmth: Points10 = Field(
        default=0.0, ge=0, le=10, description="Points added to warmth (human, unscripted service)."
    )
    personalization: PointsUp5 = Field(
        default=0.0,
        ge=0,
        le=5,
        description="Points added to personalization (customer data at the touchpoint).",
    )
    cost_per_day: Amount = Field(default=0.0, description="Running cost of the programme.")
    cost_per_visit: Amount = Field(
        default=0.0, ge=0, description="Running cost per visit (added to the touchpoint's)."
    )


class FollowUpConfig(FrozenModel):
    """Close the loop: contact detractors who answered a survey (service recovery)."""

    success_probability: Probability = 0.0
    satisfaction_boost: Score = Field(default=0.0, description="Points restored.")
    cost_per_follow_up: Amount = 0.0


class CEMConfig(FrozenModel):
    """CEM: the customer's view of the company, touchpoint by touchpoint."""

    touchpoints: dict[str, TouchpointInvestment] = Field(default_factory=dict)
    routes: dict[str, dict[str, Probability]] = Field(
        default_factory=dict,
        description="Routing rows replaced (effort reduction: shortcut edges, fewer steps).",
    )
    follow_up: FollowUpConfig | None = None


class TierConfig(FrozenModel):
    """A loyalty tier, reached by cumulative spend."""

    name: str
    min_spend: Amount
    churn_reduction: Probability = 0.0
    frequency_boost: Coefficient = 0.0


Points = bounded_float(0.0, 1e12, low_open=True)


class LoyaltyConfig(FrozenModel):
    """Loyalty programme: points per spend, rewards, tiers."""

    segments: list[str] = Field(default_factory=list, description="Eligible segments (all).")
    enrolment: Probability = Field(default=0.0, description="Share of customers who join.")
    points_per_currency: Coefficient = 1.0
    reward_threshold: Points = Field(default=100.0, description="Points per reward.")
    reward_value: Amount = Field(default=0.0, description="Cost of one reward.")
    goal_gradient: Coefficient = Field(
        default=0.0, description="Frequency boost as a reward nears (Kivetz et al. 2006)."
    )
    post_reward_dip: Probability = Field(
        default=0.0, description="Frequency drop for the need right after a redemption."
    )
    loyalty_per_reward: Probability = Field(default=0.0, description="Loyalty gained.")
    tiers: list[TierConfig] = Field(default_factory=list)
    fixed_cost_per_day: Amount = 0.0

    @model_validator(mode="after")
    def _tiers_sorted(self) -> LoyaltyConfig:
        spends = [tier.min_spend for tier in self.tiers]
        if spends != sorted(spends):
            raise ValueError("tiers must be listed by increasing min_spend")
        return self


class StrategyConfig(FrozenModel):
    """One named strategy: any combination of CRM, CEM and loyalty (a hybrid when several)."""

    description: str = ""
    crm: CRMConfig | None = None
    cem: CEMConfig | None = None
    loyalty: LoyaltyConfig | None = None


class ReferralConfig(FrozenModel):
    """Word of mouth: promoters bring prospects, detractors keep some away.

    A customer's advocacy is their likelihood to recommend after their latest journey (whether
    or not they were surveyed): 9-10 promoter, 0-6 detractor. Rates are per active advocate.
    ``per_customer_per_day`` is word of mouth from every active customer, whatever they think
    (the Bass model's internal influence q; it works with psychology off too).
    """

    per_promoter_per_day: Rate = 0.0
    per_customer_per_day: Rate = Field(
        default=0.0, description="Referred prospects per active customer per day."
    )
    suppression_per_detractor_per_day: Rate = 0.0
