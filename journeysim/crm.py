"""CRM: the company's view of the customer.

The company scores customers from what it can observe - recency, frequency, monetary value and
complaints logged - never from their hidden satisfaction, and acts on the score: retention
offers to the customers scored most at risk, periodic campaigns that pull purchases forward,
upsell at checkout and win-back of lapsed customers. Everything it does costs money, and none
of it changes how a touchpoint performs: CRM cannot fix a problem customers do not report.

An offer's effect on churn scales with the segment's ``price_sensitivity`` (a discount moves a
price-driven customer more). A ``holdout`` share of the customers selected for an offer can be
kept as a random control group, as CRM teams do to measure uplift: the run then reports how
many offered and held-out customers were still active when their offer window ended, and what
they spent meanwhile (``crm_offer_*`` and ``crm_holdout_*`` KPIs).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from journeysim.strategies import Strategy, set_lever

if TYPE_CHECKING:
    from journeysim.model import Customer, JourneyModel, JourneyOutcome
    from journeysim.scenario import Scenario
    from journeysim.strategy_config import CRMConfig

__all__ = ["CRMPolicy", "risk_score"]

_OFFER = "crm_offer"
_EPS = 1e-9  # offer windows end on period boundaries; float sums may land a hair early


def risk_score(customer: Customer, now: float, typical_gap: float) -> float:
    """Observable churn-risk score: higher = more at risk.

    Days since the last purchase (or since acquisition) relative to the segment's typical time
    between needs, plus one point per complaint logged, minus half the log of purchases made.
    Hidden satisfaction is deliberately absent: a company does not see it.
    """
    last = (
        customer.last_purchase_at if customer.last_purchase_at is not None else customer.acquired_at
    )
    return (now - last) / typical_gap + customer.complaints - 0.5 * math.log1p(customer.purchases)


class CRMPolicy(Strategy):
    """Retention offers, campaigns, upsell and win-back driven by an observable risk score."""

    name = "crm"

    def __init__(self, config: CRMConfig, scenario: Scenario) -> None:
        self.config = config
        self.segments = set(config.segments) or set(scenario.segments)
        self.typical_gap = {n: s.time_between_needs for n, s in scenario.segments.items()}
        self.churn_factor = {
            n: 1.0 - min(1.0, config.offer_churn_reduction * s.price_sensitivity)
            for n, s in scenario.segments.items()
        }
        self.offers = self.contacts = self.upsells_offered = self.upsells_taken = 0
        self.winbacks = 0
        # retention-offer windows (until, customer, group, spend at start), in time order
        self.windows: deque[tuple[float, Customer, str, float]] = deque()
        self.window_stats = {g: [0, 0, 0.0] for g in ("offer", "holdout")}  # n, active, spend
        self.upsell = config.upsell_take_up > 0 and config.upsell_uplift > 0
        if not self.upsell and config.winback_after is None:
            self.on_journey_end = None

    def setup(self, model: JourneyModel) -> None:
        """Start the campaign process, if campaigns are configured."""
        self.rng = model.streams.component("strategy")
        if self.config.campaign_every is not None and self.config.campaign_response >= 0:
            model.env.process(self._campaigns(model))

    def on_period(self, model: JourneyModel, period: int) -> None:
        """Expire offers, score customers, make retention and win-back offers."""
        cfg = self.config
        now = model.env.now
        eligible = [c for c in model.active.values() if c.segment in self.segments]
        for c in eligible:
            until = c.state.get(_OFFER)
            if until is not None and until <= now + _EPS:
                self._end_offer(c)
        windows = self.windows
        while windows and windows[0][0] <= now + _EPS:
            _, c, group, spend = windows.popleft()
            stats = self.window_stats[group]
            stats[0] += 1
            stats[1] += c.active
            stats[2] += c.spend - spend
        if cfg.at_risk_share > 0:
            candidates = [c for c in eligible if c.state.get(_OFFER) is None]
            scored = sorted(
                candidates,
                key=lambda c: (-risk_score(c, now, self.typical_gap[c.segment]), c.id),
            )
            n = int(round(cfg.at_risk_share * len(eligible)))
            for c in scored[:n]:
                if cfg.holdout > 0 and self.rng.random() < cfg.holdout:
                    c.state[_OFFER] = now + cfg.offer_duration  # not re-selected meanwhile
                    self.windows.append((now + cfg.offer_duration, c, "holdout", c.spend))
                    continue
                self._offer(model, c, now, "crm_offers", cfg.cost_per_offer)
                self.windows.append((now + cfg.offer_duration, c, "offer", c.spend))
        if cfg.winback_after is not None:
            for c in eligible:
                last = c.last_purchase_at if c.last_purchase_at is not None else c.acquired_at
                if now - last >= cfg.winback_after and not c.state.get("crm_winback"):
                    c.state["crm_winback"] = True
                    self.winbacks += 1
                    model.recorder.add_cost("crm_winback", cfg.cost_per_winback, now)
                    if self.rng.random() < cfg.winback_response:
                        self._offer(model, c, now, None, 0.0)
                        model.pull_forward(c)

    def on_journey_end(self, model: JourneyModel, c: Customer, outcome: JourneyOutcome) -> None:
        """Upsell / cross-sell at a purchase: taken with a probability, lifts the basket."""
        if not outcome.purchased or c.segment not in self.segments:
            return
        c.state.pop("crm_winback", None)  # bought again: no longer lapsed
        if not self.upsell:
            return
        cfg = self.config
        self.upsells_offered += 1
        model.recorder.add_cost("crm_upsell", cfg.cost_per_upsell, model.env.now)
        if self.rng.random() < cfg.upsell_take_up:
            self.upsells_taken += 1
            model.add_revenue(c, outcome.amount * cfg.upsell_uplift)

    def _offer(
        self, model: JourneyModel, c: Customer, now: float, category: str | None, cost: float
    ) -> None:
        cfg = self.config
        self.offers += 1
        if category is not None:
            model.recorder.add_cost(category, cost, now)
        c.state[_OFFER] = now + cfg.offer_duration
        set_lever(c, "churn_multiplier", _OFFER, self.churn_factor[c.segment])
        set_lever(c, "discount", _OFFER, cfg.offer_discount)

    @staticmethod
    def _end_offer(c: Customer) -> None:
        del c.state[_OFFER]
        set_lever(c, "churn_multiplier", _OFFER, 1.0)
        set_lever(c, "discount", _OFFER, 0.0)

    def _campaigns(self, model: JourneyModel) -> Generator[Any, Any, None]:
        cfg = self.config
        env = model.env
        every = cfg.campaign_every
        assert every is not None
        while env.now + every < model.horizon:
            yield env.timeout(every)
            for c in list(model.active.values()):
                if c.segment not in self.segments:
                    continue
                self.contacts += 1
                model.recorder.add_cost("crm_campaigns", cfg.cost_per_contact, env.now)
                if self.rng.random() < cfg.campaign_response:
                    model.pull_forward(c)

    def extra_kpis(self, model: JourneyModel) -> dict[str, float]:
        """Offers, contacts and upsells made; offered vs held-out customers after their window.

        ``crm_offer_retained`` / ``crm_holdout_retained``: share still active when the offer
        window ended; ``crm_offer_spend`` / ``crm_holdout_spend``: mean revenue per customer in
        the window. Only windows that ended within the horizon count.
        """
        kpis: dict[str, float] = {
            "crm_offers": self.offers,
            "crm_contacts": self.contacts,
            "crm_winback_contacts": self.winbacks,
            "crm_upsells_taken": self.upsells_taken,
        }
        for group, (n, active, spend) in self.window_stats.items():
            kpis[f"crm_{group}_windows"] = n
            kpis[f"crm_{group}_retained"] = active / n if n else math.nan
            kpis[f"crm_{group}_spend"] = spend / n if n else math.nan
        return kpis
