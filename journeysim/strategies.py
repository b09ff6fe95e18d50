"""Strategies: small policy objects, registered by name.

A strategy is a *scenario transform* (investments: more staff, better quality ...) plus *hooks*
called at moments of the simulation (a customer acquired, a journey ended, a survey answered, a
period ended). It books its own costs through ``model.recorder.add_cost``. Strategies written
in a scenario file (``[strategies.NAME]`` with ``crm``, ``cem`` and/or ``loyalty`` tables) are
built from :mod:`journeysim.crm`, :mod:`journeysim.cem` and :mod:`journeysim.loyalty`; a table
with several components is a hybrid. Users add their own by subclassing :class:`Strategy` and
calling :func:`register_strategy`; nothing in the package needs editing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from journeysim.errors import ScenarioError

if TYPE_CHECKING:
    from journeysim.model import Customer, JourneyModel, JourneyOutcome
    from journeysim.scenario import Scenario

__all__ = [
    "CompositeStrategy",
    "Strategy",
    "available_strategies",
    "register_strategy",
    "resolve_strategy",
    "set_lever",
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
        """Called once before the run starts (e.g. to book running costs, start processes)."""

    def extra_kpis(self, model: JourneyModel) -> dict[str, float]:
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

    def setup(self, model: JourneyModel) -> None:
        """Set every part up."""
        for part in self.parts:
            part.setup(model)

    def extra_kpis(self, model: JourneyModel) -> dict[str, float]:
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


_REGISTRY: dict[str, Callable[[Scenario], Strategy]] = {}


def register_strategy(name: str, factory: Callable[[Scenario], Strategy]) -> None:
    """Register ``factory(scenario) -> Strategy`` under ``name`` (replacing an earlier one).

    Examples
    --------
    >>> class Nothing(Strategy):
    ...     name = "nothing"
    >>> register_strategy("nothing", lambda scenario: Nothing())
    """
    _REGISTRY[name] = factory


def available_strategies(scenario: Scenario | None = None) -> list[str]:
    """Names a scenario can be run under: registered ones plus those the scenario defines."""
    names = set(_REGISTRY)
    if scenario is not None:
        names |= set(scenario.strategies)
    return sorted(names)


def resolve_strategy(strategy: str | Strategy, scenario: Scenario) -> Strategy:
    """Turn a name (or an instance, returned as is) into a :class:`Strategy` for ``scenario``.

    Names defined in the scenario file win over registered names.
    """
    if isinstance(strategy, Strategy):
        return strategy
    spec = scenario.strategies.get(strategy)
    if spec is not None:
        return _from_config(strategy, spec, scenario)
    factory = _REGISTRY.get(strategy)
    if factory is None:
        raise ScenarioError(
            f"unknown strategy {strategy!r}; available: "
            f"{', '.join(available_strategies(scenario))}",
            source=scenario.source or f"scenario {scenario.name!r}",
            field="strategy",
        )
    return factory(scenario)


def _from_config(name: str, spec: Any, scenario: Scenario) -> Strategy:
    from journeysim.cem import CEMPolicy
    from journeysim.crm import CRMPolicy
    from journeysim.loyalty import LoyaltyPolicy

    parts: list[Strategy] = []
    if spec.cem is not None:
        parts.append(CEMPolicy(spec.cem))
    if spec.crm is not None:
        parts.append(CRMPolicy(spec.crm, scenario))
    if spec.loyalty is not None:
        parts.append(LoyaltyPolicy(spec.loyalty))
    if len(parts) == 1:
        parts[0].name = name
        return parts[0]
    return CompositeStrategy(name, parts)


register_strategy("baseline", lambda scenario: Strategy())
