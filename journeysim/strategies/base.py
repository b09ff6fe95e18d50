"""Strategies: small policy objects, registered by name.

A strategy is a *scenario transform* (investments: more staff, better quality ...) plus *hooks*
called at moments of the simulation (a customer acquired, a journey ended, a survey answered, a
period ended). Hooks receive the model's narrow interface,
:class:`~journeysim.engine.api.ModelAPI` (the clock, costs and revenue, ``pull_forward``, the
strategy's own random stream), never the engine's internals. Strategies written in a scenario
file are built by :mod:`journeysim.strategies.registry`; users add their own by subclassing
:class:`Strategy` and calling :func:`~journeysim.strategies.registry.register_strategy`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeysim.engine.api import ModelAPI
    from journeysim.engine.customer import Customer, JourneyOutcome
    from journeysim.scenario.schema import Scenario

__all__ = ["CompositeStrategy", "Strategy", "set_lever"]


class Strategy:
    """Base policy: the scenario as it is, no hooks. Subclasses override what they need.

    Hooks left as ``None`` cost nothing in the hot path: the model checks once per run.
    """

    name = "baseline"

    #: ``hook(model, customer)`` when a customer is acquired.
    on_acquire: Callable[[ModelAPI, Customer], None] | None = None
    #: ``hook(model, customer, outcome)`` at the end of every journey.
    on_journey_end: Callable[[ModelAPI, Customer, JourneyOutcome], None] | None = None
    #: ``hook(model, customer, ltr)`` when a customer answers a survey.
    on_survey: Callable[[ModelAPI, Customer, int], None] | None = None
    #: ``hook(model, period_index)`` at the end of every period.
    on_period: Callable[[ModelAPI, int], None] | None = None

    def transform(self, scenario: Scenario) -> Scenario:
        """Return the scenario this strategy runs on (investments change it)."""
        return scenario

    def setup(self, model: ModelAPI) -> None:
        """Called once before the run starts (book running costs, start ``every`` processes)."""

    def extra_kpis(self, model: ModelAPI) -> dict[str, float]:
        """Strategy-specific figures added to the run's ``kpis`` row (offers made ...)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class CompositeStrategy(Strategy):
    """Several policies acting together (a hybrid): transforms chained, hooks all called."""

    def __init__(self, name: str, parts: Sequence[Strategy]) -> None:
        self.name = name
        self.parts = list(parts)
        for hook in ("on_acquire", "on_journey_end", "on_survey", "on_period"):
            found = [getattr(p, hook) for p in self.parts if getattr(p, hook) is not None]
            if found:
                setattr(self, hook, _chain(found))

    def transform(self, scenario: Scenario) -> Scenario:
        """Apply every part's transform in turn."""
        for part in self.parts:
            scenario = part.transform(scenario)
        return scenario

    def setup(self, model: ModelAPI) -> None:
        """Set every part up."""
        for part in self.parts:
            part.setup(model)

    def extra_kpis(self, model: ModelAPI) -> dict[str, float]:
        """Every part's figures."""
        merged: dict[str, float] = {}
        for part in self.parts:
            merged.update(part.extra_kpis(model))
        return merged


def _chain(hooks: list[Callable[..., None]]) -> Callable[..., None]:
    return hooks[0] if len(hooks) == 1 else _Chain(hooks)


class _Chain:
    """Several parts' hooks called in turn.

    An object rather than a closure: copying or pickling a composite strategy (every run works
    on a copy; worker processes receive a pickle) then copies the bound hooks with their parts,
    so the hooks act on the very parts whose figures the run reports.
    """

    def __init__(self, hooks: list[Callable[..., None]]) -> None:
        self.hooks = hooks

    def __call__(self, *args: Any) -> None:
        for hook in self.hooks:
            hook(*args)


def set_lever(customer: Customer, lever: str, source: str, value: float) -> None:
    """Set one source's contribution to a customer lever and recompute the lever.

    Levers: ``churn_multiplier``, ``frequency_multiplier``, ``basket_multiplier`` (products of
    every source's factor) and ``discount`` (the largest offered). Keeping contributions per
    source lets CRM offers, loyalty tiers and goal gradients combine in a hybrid without one
    undoing another.
    """
    parts = customer.state.setdefault(lever, {})
    parts[source] = value
    if lever == "discount":
        combined = max(parts.values())
    else:
        combined = 1.0
        for factor in parts.values():
            combined *= factor
    setattr(customer, lever, combined)
