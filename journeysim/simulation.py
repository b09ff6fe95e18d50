"""``simulate``: one run of one scenario under one strategy, a pure function of its inputs.

This is the contract every higher layer shares (replications, comparisons, sweeps, the CLI,
notebooks and tests): same scenario, strategy and seed give byte-identical results, whatever
process or machine runs it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from journeysim.engine.model import JourneyModel
from journeysim.engine.results import Results
from journeysim.engine.streams import RunStreams, seed_sequence
from journeysim.scenario.schema import Scenario
from journeysim.strategies.base import Strategy
from journeysim.strategies.registry import resolve_strategy

__all__ = ["simulate"]


def simulate(
    scenario: Scenario,
    strategy: str | Strategy = "baseline",
    seed: int = 0,
    event_log: bool = False,
    *,
    identity: Sequence[int] = (),
) -> Results:
    """Run ``scenario`` under ``strategy`` once.

    Parameters
    ----------
    scenario:
        A validated scenario (see :func:`journeysim.load_scenario`).
    strategy:
        A registered strategy name (``"baseline"`` ...) or a :class:`Strategy` instance
        (each run works on a deep copy of it).
    seed:
        Root seed (non-negative integer).
    event_log:
        Also return a per-event log in ``Results.events`` (memory then grows with events).
    identity:
        The run's identity below the root seed, e.g. ``(replication,)``: the run's random
        streams derive from ``(seed, *identity)``, never from execution order.

    Returns
    -------
    Results
        KPI, timeline, touchpoint and cohort tables.
    """
    policy = resolve_strategy(strategy, scenario)
    if policy is strategy:
        # A policy instance keeps per-run state (counters, offers): every run gets a fresh copy,
        # exactly as a worker process would, so serial and parallel runs stay identical.
        policy = copy.deepcopy(policy)
    transformed = policy.transform(scenario)
    streams = RunStreams(seed_sequence(seed, identity))
    model = JourneyModel(transformed, streams, policy, event_log=event_log)
    model.run()
    meta = {"scenario": scenario.name, "strategy": policy.name, "seed": int(seed)}
    results = Results.from_model(model, meta)
    for key, value in policy.extra_kpis(model.api).items():
        results.kpis[key] = value
    return results
