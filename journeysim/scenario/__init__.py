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


def __getattr__(name: str) -> object:
    """Import a submodule on first use (``import journeysim; journeysim.scenario.workload``)."""
    import importlib
    import importlib.util

    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.{name}")
