"""journeysim: simulate customer journeys and what CRM, CEM and loyalty strategies do to them."""

from journeysim.errors import JourneysimError, ScenarioError
from journeysim.journey_graph import build_graph
from journeysim.model import Customer, JourneyModel, JourneyOutcome
from journeysim.results import KPI_COLUMNS, Results
from journeysim.scenario import Scenario, load_scenario
from journeysim.simulation import simulate
from journeysim.strategies import (
    Strategy,
    available_strategies,
    register_strategy,
    resolve_strategy,
)

__version__ = "0.1.0"

__all__ = [
    "KPI_COLUMNS",
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
    "register_strategy",
    "resolve_strategy",
    "simulate",
]
