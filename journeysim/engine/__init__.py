"""The simulation engine: the only package that imports SimPy.

:class:`~journeysim.engine.model.JourneyModel` wires a scenario into SimPy processes, rule
objects compiled into every touchpoint and segment (capacity, service, patience, perception,
routing; the run's arrivals and churn), a streaming recorder and the strategy hooks, which see
only :class:`~journeysim.engine.api.ModelAPI`. See ``docs/architecture.md``.

Common random numbers, the contract every rule keeps
----------------------------------------------------
A run's streams derive from its seed and identity (:mod:`journeysim.engine.streams`). Each
customer has a 64-bit key; journey number k draws from its own generator seeded from (key, k)
(``RunStreams.journey_stream``), made when the journey starts and dropped when it ends, in this
fixed order: the per-journey churn number and the uniform of the time to the next need (used
at the journey's end), survey, basket and LTR noise, then its visits. A visit draws, in this
fixed order: the routing number (routing rule), the service time (service rule; none if
deterministic), the patience (patience rule; only if finite), the perception noise (perception
rule; only with psychology on) and the failure number (only where the touchpoint can fail).
The n-th period churn decision of a customer takes ``keyed_uniform(key, CHURN_SALT, n)``.
Whether a draw is taken depends on the scenario, never on what happened, so journey k of a
customer, and the j-th visit within it, use the same numbers under every strategy, whatever
earlier journeys did. A new rule never adds to these sequences: it draws from a
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
