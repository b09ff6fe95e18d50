"""Many runs: replications, comparisons, designs, sweeps, stores, engines and sensitivity.

Everything here calls :func:`journeysim.simulate` (the "run one" contract) and accepts any
:class:`concurrent.futures.Executor`.
"""

from journeysim.experiments.comparison import (
    Comparison,
    Replications,
    compare,
    mean_ci,
    replicate,
    run_many,
    summarise,
)
from journeysim.experiments.rerun import rerun
from journeysim.experiments.sensitivity import sensitivity
from journeysim.experiments.store import load_sweep
from journeysim.experiments.sweeps import SweepSpec, load_sweep_spec, sweep
from journeysim.experiments.trace import customer_trace, trace

__all__ = [
    "Comparison",
    "Replications",
    "SweepSpec",
    "compare",
    "customer_trace",
    "load_sweep",
    "load_sweep_spec",
    "mean_ci",
    "replicate",
    "rerun",
    "run_many",
    "sensitivity",
    "summarise",
    "sweep",
    "trace",
]


def __getattr__(name: str) -> object:
    """Import a submodule on first use (``import journeysim; journeysim.experiments.designs``)."""
    import importlib
    import importlib.util

    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.{name}")
