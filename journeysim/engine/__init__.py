"""The simulation engine: the only package that imports SimPy.

:class:`~journeysim.engine.model.JourneyModel` wires a scenario into SimPy processes, rule
objects compiled into every touchpoint and segment (capacity, service, patience, perception,
routing; the run's arrivals and churn), a streaming recorder and the strategy hooks, which see
only :class:`~journeysim.engine.api.ModelAPI`. See ``docs/architecture.md``.

Common random numbers, the contract every rule keeps
----------------------------------------------------
A run's streams derive from its seed and identity (:mod:`journeysim.engine.streams`). Each
customer has a visit generator and a life generator seeded from their own 64-bit seed. A visit
draws, in this fixed order: the routing number (routing rule), the service time (service rule;
none if deterministic), the patience (patience rule; only if finite), the perception noise
(perception rule; only with psychology on) and the failure number (only where the touchpoint
can fail). A journey draws survey, basket and LTR noise from the life generator at its start,
and the time to the next need and the per-journey churn number at its end. Whether a draw is
taken depends on the scenario, never on what happened, so the k-th visit of a customer uses the
same numbers under every strategy. A new rule never adds to these sequences: it draws from a
run-level stream of its own (append to ``COMPONENTS``) or a keyed draw
(:func:`~journeysim.engine.streams.keyed_uniform`), so adding it never shifts the others.
"""


def __getattr__(name: str) -> object:
    """Import a submodule on first use (``import journeysim; journeysim.engine.results``)."""
    import importlib
    import importlib.util

    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.{name}")
