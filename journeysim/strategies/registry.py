"""The strategy registry: names to policy objects.

Strategies written in a scenario file (``[strategies.NAME]`` with ``crm``, ``cem`` and/or
``loyalty`` tables) are built from :mod:`~journeysim.strategies.crm`,
:mod:`~journeysim.strategies.cem` and :mod:`~journeysim.strategies.loyalty`; a table with several
components is a hybrid. Users add their own with :func:`register_strategy`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from journeysim.errors import ScenarioError
from journeysim.strategies.base import CompositeStrategy, Strategy
from journeysim.strategies.cem import CEMPolicy
from journeysim.strategies.crm import CRMPolicy
from journeysim.strategies.loyalty import LoyaltyPolicy

if TYPE_CHECKING:
    from journeysim.scenario.schema import Scenario

__all__ = ["available_strategies", "register_strategy", "resolve_strategy"]


_REGISTRY: dict[str, Callable[[Scenario], Strategy]] = {}


def register_strategy(name: str, factory: Callable[[Scenario], Strategy]) -> None:
    """Register ``factory(scenario) -> Strategy`` under ``name`` (replacing an earlier one).

    Examples
    --------
    >>> class Nothing(Strategy):
    ...     name = "nothing"
    >>> register_strategy("nothing", lambda scenario: Nothing())

    Raises
    ------
    TypeError
        If ``name`` is not a non-empty string or ``factory`` is not callable.
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must be a non-empty string, not {name!r}")
    if not callable(factory):
        raise TypeError(
            "factory must be callable: factory(scenario) -> Strategy (e.g. a Strategy subclass "
            f"or a lambda), not {type(factory).__name__}"
        )
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
        if not isinstance(strategy, str):
            raise TypeError(
                "strategy must be a strategy name (str) or a Strategy instance, not "
                f"{type(strategy).__name__} {strategy!r}"
            )
        raise ScenarioError(
            f"unknown strategy {strategy!r}; available: "
            f"{', '.join(available_strategies(scenario))}",
            source=scenario.source or f"scenario {scenario.name!r}",
            field="strategy",
        )
    policy = factory(scenario)
    if not isinstance(policy, Strategy):
        raise TypeError(
            f"the factory registered as {strategy!r} must return a Strategy, not "
            f"{type(policy).__name__}"
        )
    return policy


def _from_config(name: str, spec: Any, scenario: Scenario) -> Strategy:
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
