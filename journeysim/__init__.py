"""journeysim: simulate customer journeys and what CRM, CEM and loyalty strategies do to them."""

from journeysim.cem import CEMPolicy
from journeysim.crm import CRMPolicy
from journeysim.errors import JourneysimError, ScenarioError
from journeysim.experiments import Comparison, Replications, compare, replicate
from journeysim.journey_graph import build_graph
from journeysim.loyalty import LoyaltyPolicy
from journeysim.model import Customer, JourneyModel, JourneyOutcome
from journeysim.results import KPI_COLUMNS, Results
from journeysim.scenario import Scenario, load_scenario
from journeysim.sensitivity import sensitivity
from journeysim.simulation import simulate
from journeysim.strategies import (
    CompositeStrategy,
    Strategy,
    available_strategies,
    register_strategy,
    resolve_strategy,
)
from journeysim.sweep import SweepSpec, load_sweep, sweep

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """Import ``journeysim.plots`` on first use: matplotlib stays out of plain imports."""
    if name == "plots":
        import importlib

        return importlib.import_module("journeysim.plots")
    raise AttributeError(f"module 'journeysim' has no attribute {name!r}")


__all__ = [
    "KPI_COLUMNS",
    "CEMPolicy",
    "CRMPolicy",
    "Comparison",
    "CompositeStrategy",
    "LoyaltyPolicy",
    "Replications",
    "compare",
    "replicate",
    "Customer",
    "JourneyModel",
    "JourneyOutcome",
    "JourneysimError",
    "Results",
    "Scenario",
    "ScenarioError",
    "Strategy",
    "available_strategies",
    "build_graph",
    "load_scenario",
    "plots",
    "register_strategy",
    "resolve_strategy",
    "sensitivity",
    "simulate",
    "load_sweep",
    "sweep",
    "SweepSpec",
]
