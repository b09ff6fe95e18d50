"""Follow chosen customers through a run: every visit, wait, feeling, answer and the churn.

The tables of a run are aggregates; to see *why* they come out as they do, follow a few
customers. :func:`trace` runs the simulation once with the event log on and keeps the chosen
customers' events, numbered by journey (see
:data:`journeysim.engine.results.EVENT_COLUMNS` for the columns and their units).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from journeysim.engine.results import Results
from journeysim.errors import ScenarioError
from journeysim.scenario.schema import Scenario
from journeysim.strategies.base import Strategy

__all__ = ["customer_trace", "trace"]


def customer_trace(
    results: Results, customers: Sequence[int] | None = None, n: int = 3
) -> pd.DataFrame:
    """The event log of chosen customers, with a ``journey`` number, from one run.

    Parameters
    ----------
    results:
        A run with ``results.events`` (``simulate(..., event_log=True)``).
    customers:
        Customer ids to follow (default: the first ``n`` customers with at least two journeys,
        else the first ``n`` acquired).
    n:
        How many customers to pick when ``customers`` is None.

    Returns
    -------
    pandas.DataFrame
        The customers' events in time order: the event-log columns plus ``journey`` (1, 2, ...
        for the journey an event belongs to; 0 for acquisition).

    Raises
    ------
    ScenarioError
        No event log, or a customer id the run does not have.
    """
    events = results.events
    if events is None:
        raise ScenarioError("a trace needs the event log: simulate(..., event_log=True)")
    if customers is None:
        ends = events[events["event"].isin(["purchase", "exit"])]
        counts = ends.groupby("customer").size()
        regulars = list(counts[counts >= 2].index[:n])
        customers = regulars or list(events["customer"].drop_duplicates()[:n])
    known = set(events["customer"])
    unknown = [c for c in customers if c not in known]
    if unknown:
        raise ScenarioError(
            f"no customer {unknown[0]} in this run (ids 0 to {max(known)})", field="customers"
        )
    own = events[events["customer"].isin(list(customers))].copy()
    ended = own["event"].isin(["purchase", "exit"]).astype(int)
    # a journey's events come before its end: number = journeys ended before + 1
    before = ended.groupby(own["customer"]).cumsum() - ended
    own["journey"] = np.where(own["event"].isin(["acquired"]), 0, before + 1)
    churn = own["event"].isin(["churned", "churn_decision"])  # decided after a journey ended
    own.loc[churn, "journey"] = before[churn]
    return own.sort_values(["customer", "time"], kind="stable").reset_index(drop=True)


def trace(
    scenario: Scenario,
    strategy: str | Strategy = "baseline",
    seed: int = 0,
    customers: Sequence[int] | None = None,
    *,
    n: int = 3,
    identity: Sequence[int] = (),
) -> pd.DataFrame:
    """Run once with the event log on and follow chosen customers (see :func:`customer_trace`).

    The run is exactly ``simulate(scenario, strategy, seed, identity=identity)``: the event
    log records, it draws nothing, so the customers are those of the untraced run.
    """
    from journeysim.simulation import simulate

    results = simulate(scenario, strategy, seed, event_log=True, identity=identity)
    return customer_trace(results, customers, n)
