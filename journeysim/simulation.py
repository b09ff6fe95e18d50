"""``simulate``: one run of one scenario under one strategy, a pure function of its inputs.

This is the contract every higher layer shares (replications, comparisons, sweeps, the CLI,
notebooks and tests): same scenario, strategy and seed give byte-identical results, whatever
process or machine runs it.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Sequence
from os import PathLike

from journeysim.engine.model import JourneyModel
from journeysim.engine.results import Results
from journeysim.engine.streams import RunStreams, seed_sequence
from journeysim.scenario.fields import check_seed
from journeysim.scenario.schema import Scenario
from journeysim.scenario.workload import check_planned_work
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
    progress: bool = False,
) -> Results:
    """Run ``scenario`` under ``strategy`` once.

    Parameters
    ----------
    scenario:
        A validated scenario (see :func:`journeysim.load_scenario`); a path to a scenario
        file or a scenario document (dict) is loaded and validated first.
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
    progress:
        Show a progress bar over simulated days (with the active customers) on stderr; the
        results are identical either way.

    Returns
    -------
    Results
        KPI, timeline, touchpoint and cohort tables.

    Raises
    ------
    TypeError
        If an argument has the wrong type (a seed that is not an integer, a strategy whose
        ``transform`` returns something other than a scenario ...).
    ValueError
        If the seed is out of range (0 to 2**64 - 1).
    ScenarioError
        If the run's planned work is out of proportion (see
        :func:`journeysim.scenario.workload.check_planned_work`), before it starts.
    """
    scenario = _as_scenario(scenario)
    if not isinstance(strategy, str | Strategy):
        raise TypeError(
            "strategy must be a strategy name (str) or a Strategy instance, not "
            f"{type(strategy).__name__} {strategy!r}"
        )
    seed = check_seed(seed)
    identity = _check_identity(identity)
    policy = resolve_strategy(strategy, scenario)
    if policy is strategy:
        # A policy instance keeps per-run state (counters, offers): every run gets a fresh copy,
        # exactly as a worker process would, so serial and parallel runs stay identical.
        policy = copy.deepcopy(policy)
    transformed = policy.transform(scenario)
    if not isinstance(transformed, Scenario):
        raise TypeError(
            f"{type(policy).__name__}.transform (strategy {policy.name!r}) must return a "
            f"Scenario, not {type(transformed).__name__}"
        )
    check_planned_work(transformed)
    streams = RunStreams(seed_sequence(seed, identity))
    # the burn-in runs the business as it was; the strategy's touchpoints and routes take
    # over at day 0, so every strategy starts from the same base (JourneyModel._day_zero)
    changes_business = transformed is not scenario and (
        transformed.touchpoints != scenario.touchpoints
        or transformed.journey != scenario.journey
        or transformed.segments != scenario.segments
    )
    model = JourneyModel(
        transformed,
        streams,
        policy,
        event_log=event_log,
        burn_in_scenario=scenario if changes_business else None,
    )
    if progress:
        _run_with_bar(model)
    else:
        model.run()
    meta = {"scenario": scenario.name, "strategy": policy.name, "seed": int(seed)}
    results = Results.from_model(model, meta)
    for key, value in policy.extra_kpis(model.api).items():
        results.kpis[key] = value
    return results


def _as_scenario(scenario: object) -> Scenario:
    """The scenario argument: a Scenario, or the obvious intent (a file path, a document)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | PathLike):
        from journeysim.scenario.loading import load_scenario

        return load_scenario(scenario)
    if isinstance(scenario, dict):
        from journeysim.scenario.loading import scenario_from_dict

        return scenario_from_dict(scenario)
    raise TypeError(
        "scenario must be a Scenario (journeysim.load_scenario), a path to a scenario file or "
        f"a scenario document (dict), not {type(scenario).__name__}"
    )


def _check_identity(identity: object) -> tuple[int, ...]:
    if isinstance(identity, str | bytes) or not isinstance(identity, Sequence):
        raise TypeError(
            f"identity must be a sequence of non-negative integers, not {type(identity).__name__}"
        )
    for part in identity:
        if isinstance(part, bool) or not isinstance(part, numbers.Integral) or part < 0:
            raise TypeError(f"identity must hold non-negative integers, got {part!r}")
    return tuple(int(part) for part in identity)


def _run_with_bar(model: JourneyModel) -> None:
    from tqdm.auto import tqdm

    horizon = model.horizon
    with tqdm(total=round(horizon), unit="day", desc="simulating", dynamic_ncols=True) as bar:

        def report(day: float, active: int) -> None:
            bar.update(round(day) - bar.n)
            bar.set_postfix_str(f"{active:,} active customers", refresh=False)

        model.run(progress=report)
