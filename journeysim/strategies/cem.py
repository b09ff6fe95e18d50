"""CEM: the customer's view of the company, touchpoint by touchpoint.

Customer experience management invests in what customers live through: a higher quality level
or a steadier one (consistency) at chosen touchpoints, more staff where queues hurt, less
effort (shortcut routes, fewer steps), better answers (first-contact resolution: fewer failed
contacts), friendlier and warmer staff, a personal touch (customer data at the touchpoint), and
closing the loop with detractors who said so in a survey (a follow-up that recovers some
satisfaction). Each investment costs per day and/or per visit. The investments change the scenario
itself (a transform, validated like a file); running costs and extra staff are booked from the
first day, so CEM costs up front and pays back as customers stay and recommend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from journeysim.scenario.loading import rebuild
from journeysim.scenario.operations import servers_by_slot, windows_from_slots
from journeysim.strategies.base import Strategy

if TYPE_CHECKING:
    from journeysim.engine.api import ModelAPI
    from journeysim.engine.customer import Customer
    from journeysim.scenario.schema import Scenario
    from journeysim.scenario.strategy_config import CEMConfig

__all__ = ["CEMPolicy"]


class CEMPolicy(Strategy):
    """Touchpoint investments (a scenario transform) plus detractor follow-up (a hook)."""

    name = "cem"

    def __init__(self, config: CEMConfig) -> None:
        self.config = config
        self.follow_ups = self.recovered = 0
        follow = config.follow_up
        if follow is None or (follow.success_probability <= 0 and follow.cost_per_follow_up <= 0):
            self.on_survey = None

    def transform(self, scenario: Scenario) -> Scenario:
        """The scenario with every investment applied (quality capped at 10, spreads at 0)."""
        changes: dict[str, Any] = {}
        for name, inv in self.config.touchpoints.items():
            tp = scenario.touchpoints[name]
            prefix = f"touchpoints.{name}"
            if inv.quality:
                changes[f"{prefix}.quality"] = min(10.0, max(0.0, tp.quality + inv.quality))
            if inv.consistency:
                changes[f"{prefix}.consistency"] = max(0.0, tp.consistency + inv.consistency)
            if inv.effort:
                changes[f"{prefix}.effort"] = max(0.0, tp.effort + inv.effort)
            if inv.capacity:
                assert isinstance(tp.capacity, int)
                changes[f"{prefix}.capacity"] = tp.capacity + inv.capacity
            if inv.schedule or (inv.capacity and tp.schedule):
                # extra staff (in every hour, and in windows): the touchpoint's servers hour by
                # hour plus the extra, written back as a schedule (paid per server-hour)
                servers = [n + inv.capacity for n in servers_by_slot(tp.capacity, tp.schedule)]
                for window in inv.schedule:
                    for slot in window.slots():
                        servers[slot] += window.servers
                changes[f"{prefix}.schedule"] = windows_from_slots(servers)
            if inv.priority is not None:
                changes[f"{prefix}.priority"] = dict(inv.priority)
            if inv.resolution:
                changes[f"{prefix}.failure_probability"] = tp.failure_probability * (
                    1.0 - inv.resolution
                )
            if inv.friendliness:
                changes[f"{prefix}.friendliness"] = min(5.0, tp.friendliness + inv.friendliness)
            if inv.warmth:
                changes[f"{prefix}.warmth"] = min(5.0, tp.warmth + inv.warmth)
            if inv.personalization:
                changes[f"{prefix}.personalization"] = min(
                    5.0, tp.personalization + inv.personalization
                )
            if inv.cost_per_visit:
                changes[f"{prefix}.cost_per_visit"] = tp.cost_per_visit + inv.cost_per_visit
        for name, row in self.config.routes.items():
            changes[f"journey.routes.{name}"] = dict(row)
        if not changes:
            return scenario
        return rebuild(scenario, changes, source=f"strategy {self.name}")

    def setup(self, model: ModelAPI) -> None:
        """Book the programmes' running costs for every day of the run."""
        per_day = sum(inv.cost_per_day for inv in self.config.touchpoints.values())
        if per_day > 0:
            model.book_daily_cost("cem_investment", per_day)
        self.rng = model.stream("cem")

    def on_survey(self, model: ModelAPI, c: Customer, ltr: int) -> None:
        """Close the loop: follow up a detractor; success restores some satisfaction."""
        if ltr > 6:
            return
        follow = self.config.follow_up
        assert follow is not None
        self.follow_ups += 1
        model.book_cost("cem_follow_up", follow.cost_per_follow_up)
        if self.rng.random() < follow.success_probability:
            self.recovered += 1
            model.raise_satisfaction(c, follow.satisfaction_boost)

    def extra_kpis(self, model: ModelAPI) -> dict[str, float]:
        """Detractor follow-ups made and recovered."""
        return {"cem_follow_ups": self.follow_ups, "cem_recovered": self.recovered}
