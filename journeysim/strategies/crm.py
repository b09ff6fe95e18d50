"""CRM: the company's view of the customer.

The company scores customers from what it can observe - recency, frequency, monetary value and
complaints logged - never from their hidden satisfaction, and acts on the score: retention
offers to the customers scored most at risk, periodic campaigns that pull purchases forward,
upsell at checkout and win-back of lapsed customers. Everything it does costs money, and none
of it changes how a touchpoint performs: CRM cannot fix a problem customers do not report.

The company does not see churn either, unless the business is contractual
(``population.contractual``: a cancelled contract is a fact on file). In a non-contractual
business (retail) a customer who left for good looks exactly like a quiet one: the CRM keeps
every customer it acquired on file, and its offers, campaigns and win-back contacts reach
customers who are already gone - paid for, without effect. That is the real economics of
retention marketing; the run reports how much of it was wasted (``crm_*_to_gone``, which the
company itself could not know). Customers without a purchase for ``lapsed_after`` count as
lapsed: no more retention offers or campaigns for them (win-back contacts them after
``winback_after``, if configured).

Beside these proactive levers, CRM is also *reactive*: with ``complaint_handling`` every
complaint the company logs (a failed visit; an abandoned queue, a dropped call it can see)
gets a paid service-recovery contact that restores satisfaction (even above its level before
the failure: the service-recovery paradox) or, when it fails, lowers it further (a double
deviation). With ``personalization`` the company's data is used at chosen touchpoints, where
customers it knows get a personal touch (a cost per touchpoint per day). Campaign responders
start their journeys over the following days (``campaign_response_time``), not all at once.

An offer's effect on churn scales with the segment's ``price_sensitivity`` (a discount moves a
price-driven customer more). A ``holdout`` share of the customers selected for an offer can be
kept as a random control group, as CRM teams do to measure uplift: the run then reports how
many offered and held-out customers were still active when their offer window ended, and what
they spent meanwhile (``crm_offer_*`` and ``crm_holdout_*`` KPIs).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from journeysim.engine.streams import keyed_uniform
from journeysim.scenario.loading import rebuild
from journeysim.strategies.base import Strategy, set_lever

if TYPE_CHECKING:
    from journeysim.engine.api import ModelAPI
    from journeysim.engine.customer import Customer, JourneyOutcome
    from journeysim.scenario.schema import Scenario
    from journeysim.scenario.strategy_config import CRMConfig

__all__ = ["CRMPolicy", "risk_score"]

_OFFER = "crm_offer"
_SELECTED = "crm_selected"
_HOLDOUT_SALT = 0xC4A  # keyed draws: the same customer is held out under crm and any hybrid
_RECOVERY_SALT = 0xC4B  # ... and the same complaint is recovered under crm and any hybrid
_EPS = 1e-9  # offer windows end on period boundaries; float sums may land a hair early


def risk_score(customer: Customer, now: float, typical_gap: float, typical_basket: float) -> float:
    """Observable priority for a retention offer: higher = more value at risk.

    Recency (days since the last purchase, or since acquisition, relative to the segment's
    typical time between needs) plus one point per complaint logged, minus half the log of
    purchases made (frequency: a regular buyer is less at risk), plus half the log of the
    average purchase in typical baskets (monetary value: among equally at-risk customers, the
    bigger spenders come first). Hidden satisfaction, churn propensity and whether the
    customer has in fact left are absent: a company does not see them.
    """
    last = (
        customer.last_purchase_at if customer.last_purchase_at is not None else customer.acquired_at
    )
    purchases = customer.purchases
    average = customer.spend / purchases if purchases else 0.0
    return (
        (now - last) / typical_gap
        + customer.complaints
        - 0.5 * math.log1p(purchases)
        + 0.5 * math.log1p(average / typical_basket)
    )


class CRMPolicy(Strategy):
    """Retention offers, campaigns, upsell and win-back driven by an observable risk score."""

    name = "crm"

    def __init__(self, config: CRMConfig, scenario: Scenario) -> None:
        self.config = config
        self.segments = set(config.segments) or set(scenario.segments)
        self.contractual = scenario.population.contractual
        self.typical_gap = {n: s.time_between_needs for n, s in scenario.segments.items()}
        self.typical_basket = {n: s.basket.mean for n, s in scenario.segments.items()}
        self.churn_factor = {
            n: 1.0 - min(1.0, config.offer_churn_reduction * s.price_sensitivity)
            for n, s in scenario.segments.items()
        }
        # no purchase for this long = lapsed in the company's eyes (per segment)
        self.lapse = {
            n: config.lapsed_after or config.winback_after or 4.0 * s.time_between_needs
            for n, s in scenario.segments.items()
        }
        self.file: list[Customer] = []  # every targeted customer the company acquired
        self.offers = self.contacts = self.upsells_offered = self.upsells_taken = 0
        self.winbacks = 0
        self.offers_to_gone = self.contacts_to_gone = self.winbacks_to_gone = 0
        # retention-offer windows (until, customer, group, spend at start), in time order
        self.windows: deque[tuple[float, Customer, str, float]] = deque()
        self.window_stats = {g: [0, 0, 0.0] for g in ("offer", "holdout")}  # n, active, spend
        self.upsell = config.upsell_take_up > 0 and config.upsell_uplift > 0
        self.complaints = self.recoveries = 0
        self.complaint_handling = config.complaint_handling
        if not self.upsell and config.winback_after is None and self.complaint_handling is None:
            self.on_journey_end = None
        if not (config.at_risk_share > 0 or config.campaign_every or config.winback_after):
            self.on_acquire = None  # no lever reads the customer file: do not keep one

    def transform(self, scenario: Scenario) -> Scenario:
        """Put the customer data to use at the chosen touchpoints (personalization points)."""
        if not self.config.personalization:
            return scenario
        changes = {
            f"touchpoints.{name}.personalization": min(
                5.0, scenario.touchpoints[name].personalization + points
            )
            for name, points in self.config.personalization.items()
        }
        return rebuild(scenario, changes, source=f"strategy {self.name}")

    def setup(self, model: ModelAPI) -> None:
        """Start the campaign process, if configured; book personalization's running cost."""
        self.rng = model.stream("crm")
        cfg = self.config
        if cfg.personalization and cfg.personalization_cost_per_day > 0:
            model.book_daily_cost(
                "crm_personalization", cfg.personalization_cost_per_day * len(cfg.personalization)
            )
        every = cfg.campaign_every
        if every is not None and cfg.campaign_response >= 0:
            model.every(every, self._campaign)

    def on_acquire(self, model: ModelAPI, c: Customer) -> None:
        """A new customer goes on file."""
        if c.segment in self.segments:
            self.file.append(c)

    def _recency(self, c: Customer, now: float) -> float:
        last = c.last_purchase_at if c.last_purchase_at is not None else c.acquired_at
        return now - last

    def _lapsed(self, c: Customer, now: float) -> bool:
        return self._recency(c, now) >= self.lapse[c.segment]

    def on_period(self, model: ModelAPI, period: int) -> None:
        """Expire offers, score customers on file, make retention and win-back offers."""
        cfg = self.config
        now = model.now
        if self.contractual:  # cancelled contracts leave the file: the company sees them go
            self.file = [c for c in self.file if c.active]
        for c in self.file:
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
        if now >= model.horizon - _EPS:
            return  # the run ends here: an offer or a contact now could change nothing
        current = [c for c in self.file if not self._lapsed(c, now)]  # in the company's eyes
        if cfg.at_risk_share > 0:
            candidates = [c for c in current if c.state.get(_OFFER) is None]
            scored = sorted(
                candidates,
                key=lambda c: (
                    -risk_score(
                        c, now, self.typical_gap[c.segment], self.typical_basket[c.segment]
                    ),
                    c.id,
                ),
            )
            n = int(round(cfg.at_risk_share * len(current)))
            for c in scored[:n]:
                selected = c.state.get(_SELECTED, 0)
                c.state[_SELECTED] = selected + 1
                if cfg.holdout > 0 and keyed_uniform(c.key, _HOLDOUT_SALT, selected) < cfg.holdout:
                    c.state[_OFFER] = now + cfg.offer_duration  # not re-selected meanwhile
                    self.windows.append((now + cfg.offer_duration, c, "holdout", c.spend))
                    continue
                self.offers_to_gone += not c.active
                self._offer(model, c, now, "crm_offers", cfg.cost_per_offer)
                self.windows.append((now + cfg.offer_duration, c, "offer", c.spend))
        if cfg.winback_after is not None:
            for c in self.file:
                if self._recency(c, now) >= cfg.winback_after and not c.state.get("crm_winback"):
                    c.state["crm_winback"] = True
                    self.winbacks += 1
                    self.winbacks_to_gone += not c.active
                    model.book_cost("crm_winback", cfg.cost_per_winback)
                    if self.rng.random() < cfg.winback_response and c.active:
                        self._offer(model, c, now, None, 0.0)
                        model.pull_forward(c)

    def on_journey_end(self, model: ModelAPI, c: Customer, outcome: JourneyOutcome) -> None:
        """Handle a complaint logged in the journey; upsell / cross-sell at a purchase."""
        if c.segment not in self.segments:
            return
        handling = self.complaint_handling
        if handling is not None and (
            outcome.failed or (outcome.abandoned and handling.abandonments)
        ):
            self._handle_complaint(model, c, outcome)
        if not outcome.purchased:
            return
        c.state.pop("crm_winback", None)  # bought again: no longer lapsed
        if not self.upsell:
            return
        cfg = self.config
        self.upsells_offered += 1
        model.book_cost("crm_upsell", cfg.cost_per_upsell)
        if self.rng.random() < cfg.upsell_take_up:
            self.upsells_taken += 1
            model.add_revenue(c, outcome.amount * cfg.upsell_uplift)

    def _handle_complaint(self, model: ModelAPI, c: Customer, outcome: JourneyOutcome) -> None:
        """A service-recovery contact for a logged complaint (reactive CRM).

        Success (a keyed draw: the same complaint succeeds under every strategy that handles
        it) restores satisfaction to its level before the journey plus the recovery paradox;
        a failed recovery costs ``failure_effect`` points more (a double deviation).
        """
        handling = self.complaint_handling
        assert handling is not None
        self.complaints += 1
        model.book_cost("crm_complaints", handling.cost_per_contact)
        if keyed_uniform(c.key, _RECOVERY_SALT, c.journeys) < handling.success_probability:
            self.recoveries += 1
            before = outcome.satisfaction_before
            if before != before:  # nan: psychology off, nothing to restore
                return
            target = min(10.0, max(0.0, before + handling.recovery_paradox))
            if target > c.satisfaction:
                model.raise_satisfaction(c, target - c.satisfaction)
        else:
            c.satisfaction = max(0.0, c.satisfaction - handling.failure_effect)

    def _offer(
        self, model: ModelAPI, c: Customer, now: float, category: str | None, cost: float
    ) -> None:
        cfg = self.config
        self.offers += 1
        if category is not None:
            model.book_cost(category, cost)
        c.state[_OFFER] = now + cfg.offer_duration
        set_lever(c, "churn_multiplier", _OFFER, self.churn_factor[c.segment])
        set_lever(c, "discount", _OFFER, cfg.offer_discount)

    @staticmethod
    def _end_offer(c: Customer) -> None:
        del c.state[_OFFER]
        set_lever(c, "churn_multiplier", _OFFER, 1.0)
        set_lever(c, "discount", _OFFER, 0.0)

    def _campaign(self, model: ModelAPI) -> None:
        """Contact every customer on file who has not lapsed; responders' next need comes now."""
        cfg = self.config
        now = model.now
        for c in self.file:
            if self._lapsed(c, now) or (self.contractual and not c.active):
                continue  # lapsed (win-back's job) or a cancelled contract
            self.contacts += 1
            self.contacts_to_gone += not c.active
            model.book_cost("crm_campaigns", cfg.cost_per_contact)
            if self.rng.random() < cfg.campaign_response:
                # a responder acts within days, not all at the same instant (no flash crowd);
                # only a customer still there responds
                delay = cfg.campaign_response_time
                if delay > 0:
                    model.after(self.rng.expovariate(1.0 / delay), self._responder(model, c))
                else:
                    model.pull_forward(c)

    @staticmethod
    def _responder(model: ModelAPI, c: Customer) -> Callable[[], None]:
        def respond() -> None:
            model.pull_forward(c)

        return respond

    def extra_kpis(self, model: ModelAPI) -> dict[str, float]:
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
            # what the company paid for without knowing the customer had already left
            "crm_offers_to_gone": self.offers_to_gone,
            "crm_contacts_to_gone": self.contacts_to_gone,
            "crm_winback_contacts_to_gone": self.winbacks_to_gone,
        }
        if self.complaint_handling is not None:
            kpis["crm_complaints_handled"] = self.complaints
            kpis["crm_complaints_recovered"] = self.recoveries
            kpis["crm_recovery_rate"] = (
                self.recoveries / self.complaints if self.complaints else math.nan
            )
        for group, (n, active, spend) in self.window_stats.items():
            kpis[f"crm_{group}_windows"] = n
            kpis[f"crm_{group}_retained"] = active / n if n else math.nan
            kpis[f"crm_{group}_spend"] = spend / n if n else math.nan
        return kpis
