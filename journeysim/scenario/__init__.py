"""Scenarios as plain data: units, the schema, journey-graph checks, loading and overrides.

Nothing here simulates (no SimPy): a :class:`Scenario` is an immutable, validated description
of a business that every other layer reads.
"""

from journeysim.scenario.graph import ENTRY, TERMINALS, build_graph, validate_journey
from journeysim.scenario.loading import load_scenario, read_toml_text, rebuild, scenario_from_dict
from journeysim.scenario.overrides import apply_overrides, parse_override
from journeysim.scenario.schema import (
    Basket,
    ChurnPrior,
    Journey,
    Money,
    Population,
    Psychology,
    Scenario,
    Segment,
    ServiceTime,
    SimulationSettings,
    Touchpoint,
)
from journeysim.scenario.units import parse_duration

__all__ = [
    "ENTRY",
    "TERMINALS",
    "Basket",
    "ChurnPrior",
    "Journey",
    "Money",
    "Population",
    "Psychology",
    "Scenario",
    "Segment",
    "ServiceTime",
    "SimulationSettings",
    "Touchpoint",
    "apply_overrides",
    "build_graph",
    "load_scenario",
    "parse_duration",
    "parse_override",
    "read_toml_text",
    "rebuild",
    "scenario_from_dict",
    "validate_journey",
]
