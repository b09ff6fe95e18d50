"""Strategies: the levers a business pulls (CRM, CEM, loyalty, hybrids) as small policy objects.

A strategy is a scenario transform (investments) plus hooks called at moments of a run, acting
through the narrow model interface :class:`journeysim.engine.api.ModelAPI`. Users add their own
by subclassing :class:`Strategy` and calling :func:`register_strategy`.
"""

from journeysim.strategies.base import CompositeStrategy, Strategy, set_lever
from journeysim.strategies.cem import CEMPolicy
from journeysim.strategies.crm import CRMPolicy, risk_score
from journeysim.strategies.loyalty import LoyaltyPolicy
from journeysim.strategies.registry import (
    available_strategies,
    register_strategy,
    resolve_strategy,
)

__all__ = [
    "CEMPolicy",
    "CRMPolicy",
    "CompositeStrategy",
    "LoyaltyPolicy",
    "Strategy",
    "available_strategies",
    "register_strategy",
    "resolve_strategy",
    "risk_score",
    "set_lever",
]


def __getattr__(name: str) -> object:
    """Import a submodule on first use (``import journeysim; journeysim.strategies.crm``)."""
    import importlib
    import importlib.util

    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.{name}")
