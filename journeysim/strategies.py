"""Strategies: small policy objects, registered by name.

A strategy is a *scenario transform* (investments: more staff, better quality ...) plus *hooks*
called at moments of the simulation (a customer acquired, a journey ended, a survey answered, a
period ended). It books its own costs through ``model.recorder.add_cost``. Users add their own
by subclassing :class:`Strategy` and calling :func:`register_strategy`; nothing in the package
needs editing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from journeysim.errors import ScenarioError

if TYPE_CHECKING:
    from journeysim.model import Customer, JourneyModel, JourneyOutcome
    from journeysim.scenario import Scenario

__all__ = [
    "Strategy",
    "available_strategies",
    "register_strategy",
    "resolve_strategy",
]


class Strategy:
    """Base policy: the scenario as it is, no hooks. Subclasses override what they need.

    Hooks left as ``None`` cost nothing in the hot path: the model checks once per run.
    """

    name = "baseline"

    #: ``hook(model, customer)`` when a customer is acquired.
    on_acquire: Callable[[JourneyModel, Customer], None] | None = None
    #: ``hook(model, customer, outcome)`` at the end of every journey.
    on_journey_end: Callable[[JourneyModel, Customer, JourneyOutcome], None] | None = None
    #: ``hook(model, customer, ltr)`` when a customer answers a survey.
    on_survey: Callable[[JourneyModel, Customer, int], None] | None = None
    #: ``hook(model, period_index)`` at the end of every period.
    on_period: Callable[[JourneyModel, int], None] | None = None

    def transform(self, scenario: Scenario) -> Scenario:
        """Return the scenario this strategy runs on (investments change it)."""
        return scenario

    def setup(self, model: JourneyModel) -> None:
        """Called once before the run starts (e.g. to book up-front costs)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


_REGISTRY: dict[str, Callable[..., Strategy]] = {}


def register_strategy(name: str, factory: Callable[..., Strategy]) -> None:
    """Register ``factory(scenario) -> Strategy`` under ``name`` (replacing an earlier one)."""
    _REGISTRY[name] = factory


def available_strategies(scenario: Scenario | None = None) -> list[str]:
    """Names a scenario can be run under: registered ones plus those the scenario defines."""
    names = set(_REGISTRY)
    defined = getattr(scenario, "strategies", None) if scenario is not None else None
    if defined:
        names |= set(defined)
    return sorted(names)


def resolve_strategy(strategy: str | Strategy, scenario: Scenario) -> Strategy:
    """Turn a name (or an instance, returned as is) into a :class:`Strategy` for ``scenario``."""
    if isinstance(strategy, Strategy):
        return strategy
    factory: Any = _REGISTRY.get(strategy)
    if factory is None:
        raise ScenarioError(
            f"unknown strategy {strategy!r}; available: "
            f"{', '.join(available_strategies(scenario))}",
            field="strategy",
        )
    return factory(scenario)


register_strategy("baseline", lambda scenario: Strategy())
