"""What a strategy may see and do during a run: the narrow interface of the model.

Strategy hooks receive a :class:`ModelAPI`, never the model itself: they read the clock and
the scenario, the customers' observable history (recency, frequency, monetary value, complaints
on :class:`~journeysim.engine.customer.Customer`), set the customer levers
(:func:`journeysim.set_lever`), book costs and revenue, start a customer's next journey now,
run their own timed processes and draw from their own random stream. The recorder, the SimPy
environment and the random streams of other components stay private to the engine, so the
engine can change inside without breaking strategies, and a strategy cannot shift another
component's draws.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from journeysim.engine.streams import COMPONENTS

if TYPE_CHECKING:
    from journeysim.engine.customer import Customer
    from journeysim.engine.model import JourneyModel
    from journeysim.scenario.schema import Scenario

__all__ = ["ModelAPI"]


class ModelAPI:
    """The model as a strategy sees it (one per run).

    Attributes
    ----------
    scenario:
        The scenario being run (after the strategy's transform).
    horizon, period:
        Length of the run and of a reporting period, in days.
    """

    __slots__ = ("_model", "scenario", "horizon", "period")

    def __init__(self, model: JourneyModel) -> None:
        self._model = model
        self.scenario: Scenario = model.scenario
        self.horizon: float = model.horizon
        self.period: float = model.period

    @property
    def now(self) -> float:
        """The simulation clock, in days."""
        return self._model.env.now

    def stream(self, name: str) -> random.Random:
        """The random generator of a run-level component the strategy owns.

        Built-in strategy parts use ``"crm"``, ``"cem"`` and ``"loyalty"``; user-written
        strategies use ``"strategy"``. Each is its own stream, so a strategy's draws never shift
        the customers' (common random numbers).
        """
        if name not in ("crm", "cem", "loyalty", "strategy"):
            raise ValueError(
                f"strategies draw from 'crm', 'cem', 'loyalty' or 'strategy', not {name!r}"
            )
        assert name in COMPONENTS
        return self._model.streams.component(name)

    def book_cost(self, category: str, amount: float) -> None:
        """Book a cost now (reported as ``cost_<category>`` and in the period's cost)."""
        model = self._model
        model.recorder.add_cost(category, amount, model.env.now)

    def book_daily_cost(self, category: str, per_day: float) -> None:
        """Book a running cost of ``per_day`` for every simulated day (call it in ``setup``)."""
        self._model.book_daily_cost(category, per_day)

    def add_revenue(self, customer: Customer, amount: float) -> None:
        """Book extra revenue from ``customer`` now (e.g. an accepted upsell)."""
        self._model.add_revenue(customer, amount)

    def pull_forward(self, customer: Customer) -> bool:
        """Start ``customer``'s next journey now (a campaign response, a call back).

        Called while the customer waits for their next need, the journey starts at once;
        called from ``on_journey_end`` for the customer whose journey ends, the next journey
        starts right after this one (the need that would have come later is taken now).
        Returns whether a journey was pulled: False for a customer who left, one in the middle
        of a journey, one already pulled, or a one-off customer (``population.returning``
        false).
        """
        return self._model.pull_forward(customer)

    def raise_satisfaction(self, customer: Customer, points: float) -> None:
        """Raise a customer's cumulative satisfaction by ``points`` (capped at 10).

        Service recovery: a successful follow-up of a detractor, a complaint handled well.
        """
        customer.satisfaction = min(10.0, customer.satisfaction + points)

    def after(self, delay: float, action: Callable[[], None]) -> None:
        """Call ``action()`` once, ``delay`` days from now (never if that is past the horizon).

        E.g. a campaign responder whose journey starts a few days after the contact.
        """
        if delay < 0:
            raise ValueError("delay must be non-negative")
        event = self._model.env.timeout(delay)
        event.callbacks.append(lambda _event: action())

    def every(self, interval: float, action: Callable[[ModelAPI], None]) -> None:
        """Call ``action(api)`` every ``interval`` days, while the next call is within the run."""
        model = self._model
        model.env.process(model.repeat(interval, action))

    def active_customers(self) -> Iterable[Customer]:
        """Customers active now, for a strategy's *reports* (``extra_kpis``).

        A company does not see who has left unless the business is contractual, so a policy
        must not act on this.
        """
        return self._model.active.values()
