"""A run's event log -> the journey event-log format the fit reads (docs/calibration.md).

The engine logs, per customer: ``acquired`` (value: segment), ``visited`` / ``abandoned`` (at
the end of a visit; value: the wait in days), ``purchase`` / ``exit`` (the journey's end;
value: the amount), ``survey`` (value: LTR) and ``churned``; ``Results.journeys`` holds each
journey's start. A journey's first visit starts at the journey's start, every later one when
the previous one ends (there is no travel time), so each row gets its arrival time, wait and
service duration. Simulation days become timestamps from ``origin`` (a Monday).
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
    starts_frame = getattr(results, "journeys", None)
    if events is None or starts_frame is None:
        raise ScenarioError("journey_log needs simulate(..., event_log=True)", field="events")
    starts: dict[int, list[float]] = {}
    for time, customer in zip(starts_frame["time"], starts_frame["customer"], strict=True):
        starts.setdefault(int(customer), []).append(float(time))
    rows: list[list[Any]] = []
    segment = dict(zip(starts_frame["customer"], starts_frame["segment"], strict=True))
    ended: dict[int, int] = {}  # journeys a customer has finished
    arrive: dict[int, float] = {}  # arrival at the next visit of the open journey
    last: dict[int, int] = {}  # index into rows of the customer's latest visit in this journey
    for time, customer, event, touchpoint, value in events.itertuples(index=False):
        if event in ("visited", "abandoned"):
            if customer not in arrive:  # the journey's first visit: it began at its start
                arrive[customer] = starts[customer][ended.get(customer, 0)]
            start = arrive[customer]
            wait = float(value)
            duration = (time - start - wait) if event == "visited" else np.nan
            rows.append(
                [
                    str(customer),
                    f"{customer}-{ended.get(customer, 0) + 1}",
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
        elif event in ("purchase", "exit"):
            if customer in last:
                row = rows[last[customer]]
                row[7] = "abandon" if row[4] == "abandoned" else event
                row[8] = float(value)
            ended[customer] = ended.get(customer, 0) + 1
            arrive.pop(customer, None)
            last.pop(customer, None)
        elif event == "survey" and customer in last:
            rows[last[customer]][9] = float(value)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["timestamp"] = pd.Timestamp(origin) + pd.to_timedelta(frame["timestamp"], unit="D")
    return frame
