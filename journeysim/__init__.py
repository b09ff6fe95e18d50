"""journeysim: simulate customer journeys and what CRM, CEM and loyalty strategies do to them.

The public API, layer by layer (see ``docs/architecture.md``): scenarios (plain data), the
engine's run of one scenario (:func:`simulate`), strategies, many runs (replications,
comparisons, sweeps, sensitivity) and :mod:`journeysim.plots`.

Every name is imported on first use (PEP 562 module ``__getattr__``): ``import journeysim``
loads nothing heavy, ``journeysim.load_scenario`` loads the scenario layer only, and pandas,
SimPy, SciPy and matplotlib come in with the first name that needs them.
``from journeysim import simulate`` and ``journeysim.simulate`` work as with eager imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what static tools see; at run time __getattr__ imports on first use
    import journeysim.plots as plots
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

#: Where each public name lives: the module imported the first time the name is asked for.
_EXPORTS = {
    "Customer": "journeysim.engine.customer",
    "JourneyOutcome": "journeysim.engine.customer",
    "JourneyModel": "journeysim.engine.model",
    "Results": "journeysim.engine.results",
    "JourneysimError": "journeysim.errors",
    "ScenarioError": "journeysim.errors",
    "Comparison": "journeysim.experiments",
    "Replications": "journeysim.experiments",
    "SweepSpec": "journeysim.experiments",
    "compare": "journeysim.experiments",
    "load_sweep": "journeysim.experiments",
    "replicate": "journeysim.experiments",
    "rerun": "journeysim.experiments",
    "sensitivity": "journeysim.experiments",
    "sweep": "journeysim.experiments",
    "trace": "journeysim.experiments",
    "KPI": "journeysim.kpis",
    "KPI_COLUMNS": "journeysim.kpis",
    "KPIS": "journeysim.kpis",
    "Scenario": "journeysim.scenario",
    "apply_overrides": "journeysim.scenario",
    "build_graph": "journeysim.scenario",
    "load_scenario": "journeysim.scenario",
    "parse_override": "journeysim.scenario",
    "rebuild": "journeysim.scenario",
    "scenario_from_dict": "journeysim.scenario",
    "simulate": "journeysim.simulation",
    "CEMPolicy": "journeysim.strategies",
    "CompositeStrategy": "journeysim.strategies",
    "CRMPolicy": "journeysim.strategies",
    "LoyaltyPolicy": "journeysim.strategies",
    "Strategy": "journeysim.strategies",
    "available_strategies": "journeysim.strategies",
    "register_strategy": "journeysim.strategies",
    "resolve_strategy": "journeysim.strategies",
    "set_lever": "journeysim.strategies",
    "__version__": "journeysim.version",
}


def __getattr__(name: str) -> object:
    """Import a public name, or a subpackage or module (``plots``), the first time it is used."""
    import importlib.util

    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif not name.startswith("__") and importlib.util.find_spec(f"{__name__}.{name}"):
        value = importlib.import_module(f"{__name__}.{name}")  # journeysim.experiments.sweep
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later uses are plain attribute look-ups
    return value


def __dir__() -> list[str]:
    import pkgutil

    modules = (m.name for m in pkgutil.iter_modules(__path__))
    return sorted({*globals(), *_EXPORTS, *modules})


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
