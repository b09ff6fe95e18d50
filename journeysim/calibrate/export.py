"""A run's event log -> the journey event-log format the fit reads (docs/calibration.md).

The engine logs, per customer: ``acquired`` (value: segment), ``journey`` (a journey starts),
``visited`` / ``abandoned`` (at the end of a visit; value: the wait in days), ``purchase`` /
``exit`` (the journey's end; value: the amount), ``survey`` (value: LTR) and ``churned``. A visit
starts when the previous one ends (there is no travel time), so each row gets its arrival time,
wait and service duration. Simulation days become timestamps from ``origin`` (a Monday).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from journeysim.errors import ScenarioError
from journeysim.scenario.units import MINUTES_PER_DAY

__all__ = ["journey_log"]

COLUMNS = (
    "customer_id",
    "journey_id",
    "timestamp",
    "touchpoint",
    "event",
    "wait",
    "duration",
    "outcome",
    "amount",
    "ltr",
    "segment",
)


def journey_log(results: Any, origin: str = "2024-01-01") -> pd.DataFrame:
    """One row per touchpoint visit (arrival time, wait and duration in minutes).

    Parameters
    ----------
    results:
        A :class:`~journeysim.Results` of ``simulate(..., event_log=True)``.
    origin:
        Timestamp of simulation day 0.

    Returns
    -------
    DataFrame
        Columns ``customer_id, journey_id, timestamp, touchpoint, event, wait, duration,
        outcome, amount, ltr, segment``. ``outcome`` (purchase, exit or abandon), ``amount``
        and ``ltr`` are on a journey's last row; a journey cut by the horizon has no outcome.
    """
    events = getattr(results, "events", None)
    if events is None:
        raise ScenarioError("journey_log needs simulate(..., event_log=True)", field="events")
    rows: list[list[Any]] = []
    segment: dict[int, str] = {}
    journeys: dict[int, int] = {}
    arrive: dict[int, float] = {}
    last: dict[int, int] = {}  # index into rows of the customer's latest visit in this journey
    for time, customer, event, touchpoint, value in events.itertuples(index=False):
        if event == "acquired":
            segment[customer] = value
        elif event == "journey":
            journeys[customer] = journeys.get(customer, 0) + 1
            arrive[customer] = time
            last.pop(customer, None)
        elif event in ("visited", "abandoned"):
            start = arrive[customer]
            wait = float(value)
            duration = (time - start - wait) if event == "visited" else np.nan
            rows.append(
                [
                    str(customer),
                    f"{customer}-{journeys[customer]}",
                    start,
                    touchpoint,
                    event,
                    wait * MINUTES_PER_DAY,
                    max(duration, 0.0) * MINUTES_PER_DAY,
                    "",
                    np.nan,
                    np.nan,
                    segment.get(customer, ""),
                ]
            )
            last[customer] = len(rows) - 1
            arrive[customer] = time
        elif event in ("purchase", "exit") and customer in last:
            row = rows[last[customer]]
            row[7] = "abandon" if row[4] == "abandoned" else event
            row[8] = float(value)
        elif event == "survey" and customer in last:
            rows[last[customer]][9] = float(value)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["timestamp"] = pd.Timestamp(origin) + pd.to_timedelta(frame["timestamp"], unit="D")
    return frame
