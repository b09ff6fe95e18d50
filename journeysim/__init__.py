"""journeysim: simulate customer journeys and what CRM, CEM and loyalty strategies do to them.

The public API, layer by layer (see ``docs/architecture.md``): scenarios (plain data), the
engine's run of one scenario (:func:`simulate`), strategies, many runs (replications,
comparisons, sweeps, sensitivity) and, imported on first use, :mod:`journeysim.plots`.
"""

from journeysim.engine.customer import Customer, JourneyOutcome
from journeysim.engine.model import JourneyModel
from journeysim.engine.results import Results
from journeysim.errors import JourneysimError, ScenarioError
from journeysim.experiments import (
    Comparison,
    Replications,
    SweepSpec,
    compare,
    load_sweep,
    replicate,
    rerun,
    sensitivity,
    sweep,
    trace,
)
from journeysim.kpis import KPI, KPI_COLUMNS, KPIS
from journeysim.scenario import (
    Scenario,
    apply_overrides,
    build_graph,
    load_scenario,
    parse_override,
    rebuild,
    scenario_from_dict,
)
from journeysim.simulation import simulate
from journeysim.strategies import (
    CEMPolicy,
    CompositeStrategy,
    CRMPolicy,
    LoyaltyPolicy,
    Strategy,
    available_strategies,
    register_strategy,
    resolve_strategy,
    set_lever,
)
from journeysim.version import __version__


def __getattr__(name: str) -> object:
    """Import ``journeysim.plots`` on first use: matplotlib stays out of plain imports."""
    if name == "plots":
        import importlib

        return importlib.import_module("journeysim.plots")
    raise AttributeError(f"module 'journeysim' has no attribute {name!r}")


__all__ = [
    "KPI",
    "KPIS",
    "KPI_COLUMNS",
    "CEMPolicy",
    "CRMPolicy",
    "Comparison",
    "CompositeStrategy",
    "Customer",
    "JourneyModel",
    "JourneyOutcome",
    "JourneysimError",
    "LoyaltyPolicy",
    "Replications",
    "Results",
    "Scenario",
    "ScenarioError",
    "Strategy",
    "SweepSpec",
    "__version__",
    "apply_overrides",
    "available_strategies",
    "build_graph",
    "compare",
    "load_scenario",
    "load_sweep",
    "parse_override",
    "plots",
    "rebuild",
    "register_strategy",
    "replicate",
    "rerun",
    "resolve_strategy",
    "scenario_from_dict",
    "sensitivity",
    "set_lever",
    "simulate",
    "sweep",
    "trace",
]
