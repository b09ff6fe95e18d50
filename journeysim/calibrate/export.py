"""A run's event log -> the journey event-log format the fit reads (docs/calibration.md).

The engine's event log (columns in :data:`journeysim.engine.results.EVENT_COLUMNS`) gives each
visit (``visited``, ``failed``, ``abandoned``) its arrival, service start and wait, each
journey's end (``purchase`` / ``exit``, with the amount) and survey answers (``ltr``);
``Results.journeys`` gives each customer's segment. Simulation days become timestamps from
``origin`` (a Monday).
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
    rows: list[list[Any]] = []
    segment = dict(zip(starts_frame["customer"], starts_frame["segment"], strict=True))
    ended: dict[int, int] = {}  # journeys a customer has finished
    last: dict[int, int] = {}  # index into rows of the customer's latest visit in this journey
    columns = ["time", "customer", "event", "touchpoint", "arrival", "service_start"]
    columns += ["wait_minutes", "amount", "ltr"]
    for time, customer, event, touchpoint, arrival, begin, wait, amount, ltr in events[
        columns
    ].itertuples(index=False):
        if event in ("visited", "failed", "abandoned"):
            served = event != "abandoned"
            duration = (time - begin) * MINUTES_PER_DAY if served else np.nan
            rows.append(
                [
                    str(customer),
                    f"{customer}-{ended.get(customer, 0) + 1}",
                    float(arrival),
                    touchpoint,
                    "abandoned" if not served else "visited",
                    float(wait),
                    max(duration, 0.0) if served else np.nan,
                    "",
                    np.nan,
                    np.nan,
                    segment.get(customer, ""),
                ]
            )
            last[customer] = len(rows) - 1
        elif event in ("purchase", "exit"):
            if customer in last:
                row = rows[last[customer]]
                row[7] = "abandon" if row[4] == "abandoned" else event
                row[8] = float(amount)
            ended[customer] = ended.get(customer, 0) + 1
            last.pop(customer, None)
        elif event == "survey" and customer in last:
            rows[last[customer]][9] = float(ltr)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["timestamp"] = pd.Timestamp(origin) + pd.to_timedelta(frame["timestamp"], unit="D")
    return frame
