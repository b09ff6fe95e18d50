"""The public API is a curated __all__ (pinned here, as SimPy does)."""

import journeysim


def test_public_api_is_pinned():
    assert sorted(journeysim.__all__) == sorted(
        [
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
    )
    for name in journeysim.__all__:
        assert getattr(journeysim, name) is not None


def test_public_callables_have_docstrings():
    for name in journeysim.__all__:
        obj = getattr(journeysim, name)
        if callable(obj):
            assert obj.__doc__, name
