"""Class exercises for the dashboard: settings to start from and what to look for.

Each preset changes some controls of the scenario's :func:`~journeysim.dashboard.case.
classroom_defaults` (the rest stay as the scenario has them) and explains, in the words of
the people in the room, what the exercise shows. The explanations describe the mechanisms
of the model, not a promised outcome: the class reads the numbers and the intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeysim.dashboard.case import ClassroomSettings

__all__ = ["PRESETS", "Preset", "apply_preset"]


@dataclass(frozen=True)
class Preset:
    """A class exercise: a title, the controls it sets and a paragraph on what to look for.

    ``changes`` are set as given; ``fewer_staff`` takes that many servers off the scenario's
    staffing (at least one stays), so an exercise works whatever the team's size.
    """

    title: str
    explanation: str
    changes: dict[str, Any] = field(default_factory=dict)
    fewer_staff: int = 0


PRESETS: dict[str, Preset] = {
    "balanced": Preset(
        "Balanced plan",
        "Half of the daily budget goes to CRM retention offers (discounts for the customers "
        "the company's data marks as at risk), half to CEM (better, steadier service at the "
        "call centre and in delivery). Offers buy time with customers who are about to leave, "
        "but they do not change what anyone experiences; service investment changes every "
        "journey. Look at the key figures: which KPIs move, by how much, and does the "
        "interval of the difference exclude zero? Then open Payback: when does the plan earn "
        "back what it costs?",
        {"crm_share": 0.5},
    ),
    "waits_double": Preset(
        "Short-staffed at peak (one agent fewer)",
        "The call centre loses an agent: one person fewer answers the phone in every open "
        "hour, so at the busy hours the queue grows and waits pile up (in the retail scenario over "
        "180 days the average caller waits about two thirds longer and one call in four is "
        "abandoned instead of one in six). An abandoned call is a bad moment that customers "
        "remember. Both the baseline and the plan run with the thin team: compare waiting "
        "time, abandonment and NPS with the balanced plan. How much of the plan's gain does "
        "the queue eat, and can better-trained agents make up for not having enough of them?",
        {"crm_share": 0.5},
        fewer_staff=1,
    ),
    "cem_no_staff": Preset(
        "CEM with no budget for staff",
        "All of the budget goes to customer experience, but into training and better tools "
        "rather than people: quality rises at the call centre and in delivery while the team "
        "runs one agent short. Customers who get through are served better; those who wait "
        "too long still hang up. Look at CSAT and NPS against the waiting time and the "
        "abandonment rate, and at the journey map coloured by wait: where does the "
        "experience break, and would the money have done more as a second agent?",
        {"crm_share": 0.0},
        fewer_staff=1,
    ),
    "crm_no_campaigns": Preset(
        "CRM without campaigns",
        "All of the budget goes to CRM retention offers: no campaigns, no change to the "
        "service, just discounts for the customers the company's data scores as at risk "
        "(from what it can see: how recently and how often they bought, what they spent). "
        "Watch retention and the cost of discounts and offers against NPS and CSAT, which "
        "offers do not touch. Open Payback: do the customers kept pay for the discounts, "
        "and how soon?",
        {"crm_share": 1.0},
    ),
    "impatient": Preset(
        "Impatient customers",
        "Customers now hang up after about a minute and a half in the queue instead of "
        "several minutes, as on a busy day when people call from their phones between "
        "other things. The same staff and the same plan meet a much less forgiving public. "
        "Compare abandonment, NPS and retention with the balanced plan: the queue matters "
        "more than the quality of the call when people give up before they are served.",
        {"patience_minutes": 1.5, "crm_share": 0.5},
    ),
    "loyalty": Preset(
        "Loyalty programme on top",
        "The balanced plan plus a loyalty programme: points for every purchase, a reward "
        "voucher when enough points are collected, silver and gold tiers. Members buy "
        "faster as a reward nears and a little slower right after they redeem it. The "
        "programme's running cost and the rewards come on top of the budget. Look at "
        "revenue and profit and at Payback: do the extra purchases pay for the rewards "
        "within the horizon, and what happens to NPS, which points do not buy?",
        {"crm_share": 0.5, "loyalty": True},
    ),
    "crm_vs_cem": Preset(
        "CRM vs CEM side by side",
        "The same budget three ways: the mix on the slider, all on CRM offers, all on "
        "service (CEM). Runs three plans, so a click takes longer. CRM tends to show first "
        "in retention and costs, CEM in CSAT and NPS and, through word of mouth and "
        "customers who stay, later in revenue. Open Payback: which plan breaks even first, "
        "and does the order change with a longer horizon?",
        {"crm_share": 0.5, "pure_plans": True},
    ),
}


def apply_preset(settings: ClassroomSettings, name: str) -> ClassroomSettings:
    """``settings`` with the preset's controls set (KeyError for an unknown name).

    Start from :func:`~journeysim.dashboard.case.classroom_defaults` (the scenario as
    written) so that every exercise compares with the same business.
    """
    preset = PRESETS[name]
    out = settings.updated(**preset.changes)
    if preset.fewer_staff:
        out = out.updated(staff=max(1, settings.staff - preset.fewer_staff))
    return out
