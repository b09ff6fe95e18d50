"""Service-level figures: the touchpoints table, the hour-of-week profile, overload warnings.

Definitions (per touchpoint, visits after the warm-up):

- ``offered``: attempts that reached the touchpoint (a retry is a new attempt);
- ``served`` (answered): service started; ``abandoned``: patience ran out in the queue;
  ``balked``: found ``max_queue`` waiting; ``closed``: found it closed and left;
  ``waiting_at_end``: still queued at the horizon. offered = served + abandoned + balked +
  closed + waiting_at_end.
- ``p_wait``: share of the served who waited at all; ``asa_minutes``: mean wait of the served
  (average speed of answer).
- ``service_level``: answered within ``service_level_target`` over offered. Abandons, balks,
  closed and those still waiting count as not answered in time, whatever their wait (the
  strictest of the usual conventions; an abandon within the target also counts against it).
- ``mean_wait_minutes``: over every offered attempt, the waits of those still queued censored
  at the horizon, so L = lambda W holds on the reported ``mean_queue_length``,
  ``arrival_rate_per_day`` and ``mean_wait_minutes`` (exactly with no warm-up).
- ``utilisation``: busy server time over *scheduled* server time.

Touchpoints without operations keys take the plain FIFO visit, counted when the visit ends:
their ``service_level`` and ``p_wait`` are not recorded (NaN) and a customer still in the
system at the horizon is only in ``waiting_at_end``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeysim.engine.operations import OpsStats
from journeysim.scenario.operations import WEEKDAYS
from journeysim.scenario.units import MINUTES_PER_DAY

if TYPE_CHECKING:
    from journeysim.engine.model import JourneyModel

__all__ = ["overload_warnings", "profile_table", "touchpoint_rows"]


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def touchpoint_rows(model: JourneyModel) -> list[dict[str, Any]]:
    """One row per touchpoint of the touchpoints table."""
    rows = []
    observed = model.horizon - model.warmup
    for name, s in model.recorder.stats.items():
        node = model.nodes[name]
        queued = s.capacity is not None
        ops = isinstance(s, OpsStats)
        censored = s.censored if ops else 0.0
        waits = s.wait_served + s.wait_abandoned + censored
        offered = s.visits
        if ops:
            scheduled = s.scheduled
            waiting_at_end = s.waiting_at_end
        else:
            scheduled = s.capacity * observed if queued else math.nan
            waiting_at_end = s.queue_len if queued else 0
        row = {
            "touchpoint": name,
            "capacity": s.capacity if queued else np.nan,
            "visits": offered,
            "served": s.served,
            "abandoned": s.abandoned,
            "failed": s.failed,
            "abandonment_rate": _ratio(s.abandoned, offered),
            "mean_wait_minutes": _ratio(waits * MINUTES_PER_DAY, offered),
            "mean_wait_served_minutes": _ratio(s.wait_served * MINUTES_PER_DAY, s.served),
            "p90_wait_minutes": s.hist.quantile(0.9),
            "mean_queue_length": s.queue_area / observed,
            "arrival_rate_per_day": offered / observed,
            "utilisation": s.busy / scheduled if queued and scheduled > 0 else np.nan,
            "mean_csat": _ratio(s.csat_sum, s.csat_n),
            "csat_responses": s.csat_n,
            # service-level figures (see the module docstring)
            "offered": offered,
            "balked": s.balked if ops else 0,
            "closed": s.closed if ops else 0,
            "waiting_at_end": waiting_at_end,
            "retries": s.retries if ops else 0,
            "switched": s.switched if ops else 0,
            "p_wait": _ratio(s.waited, s.answered) if ops else math.nan,
            "service_level": _ratio(s.in_target, offered) if ops else math.nan,
            "service_level_target_seconds": s.target * 86400.0 if ops else math.nan,
            "asa_minutes": _ratio(s.wait_served * MINUTES_PER_DAY, s.served),
            "p50_wait_minutes": s.hist.quantile(0.5),
            "p95_wait_minutes": s.hist.quantile(0.95),
            "scheduled_server_hours": scheduled * 24.0 if queued else math.nan,
            "mean_service_minutes": node.service.mean * MINUTES_PER_DAY,
            "_wait_days": waits,  # for the KPI's mean wait (popped before the table is built)
        }
        rows.append(row)
    return rows


def _slot_hours(model: JourneyModel) -> list[float]:
    """Hours each hour-of-week slot was observed between the warm-up and the horizon."""
    hours = [0.0] * 168
    calendar = model.calendar
    t, end = model.warmup, model.horizon
    while t < end - 1e-12:
        nxt = min((math.floor(t * 24.0 + 1e-9) + 1) / 24.0, end)
        hours[calendar.slot(t + 1e-9)] += (nxt - t) * 24.0
        t = nxt
    return hours


def profile_table(model: JourneyModel) -> pd.DataFrame | None:
    """Waits, service level and load by weekday and hour of the operations touchpoints.

    One row per touchpoint, weekday (Monday first) and hour of day: ``servers`` scheduled,
    ``offered``, ``served``, ``lost`` (abandoned, balked or closed), ``service_level``,
    ``mean_wait_minutes`` (waits of the served and the abandoned), ``offered_load`` (offered
    per hour x mean service, in erlangs), ``rho`` (load over servers) and ``occupancy`` (the
    answered load over servers: answered per hour x mean service / servers, the share of the
    scheduled agents' time spent serving, which contact centres plan at 75-85%; below ``rho``
    by the abandoned, balked and closed). ``None`` when no touchpoint takes the operations
    visit.
    """
    hours = _slot_hours(model)
    rows = []
    for name, node in model.nodes.items():
        s = node.stats
        if not isinstance(s, OpsStats):
            continue
        mean_service_h = node.service.mean * 24.0
        by_slot = getattr(node.capacity, "by_slot", None)
        for slot in range(168):
            servers = by_slot[slot] if by_slot is not None else node.capacity.servers(0.0)
            offered = s.slot_offered[slot]
            rate = _ratio(offered, hours[slot])
            load = rate * mean_service_h
            finished = s.slot_answered[slot] + s.slot_lost[slot]
            rows.append(
                {
                    "touchpoint": name,
                    "weekday": WEEKDAYS[slot // 24],
                    "hour": slot % 24,
                    "servers": servers,
                    "offered": offered,
                    "served": s.slot_answered[slot],
                    "lost": s.slot_lost[slot],
                    "service_level": _ratio(s.slot_in_target[slot], offered),
                    "mean_wait_minutes": _ratio(s.slot_wait[slot] * 60.0 * 24.0, finished),
                    "offered_load": load,
                    "rho": load / servers if servers and not math.isinf(servers) else math.nan,
                    "occupancy": (
                        _ratio(s.slot_answered[slot], hours[slot]) * mean_service_h / servers
                        if servers and not math.isinf(servers)
                        else math.nan
                    ),
                }
            )
    return pd.DataFrame(rows) if rows else None


def overload_warnings(model: JourneyModel, profile: pd.DataFrame | None) -> list[str]:
    """A warning per staffed touchpoint whose offered load reaches its capacity (rho >= 1).

    Operations touchpoints are checked window by window: a window is a run of hours with the
    same number of servers, the load is the window's offered attempts x mean service over its
    hours. Plain touchpoints are checked over the whole run.
    """
    out = []
    hours = _slot_hours(model) if profile is not None else []
    observed = model.horizon - model.warmup
    for name, node in model.nodes.items():
        s = node.stats
        if s.capacity is None and not isinstance(s, OpsStats):
            continue
        mean_service = node.service.mean
        if not isinstance(s, OpsStats):
            offered = s.visits + s.queue_len
            load = offered * mean_service / observed
            if load >= s.capacity:
                out.append(
                    f"touchpoint {name!r} is overloaded: offered load {load:.1f} erlangs "
                    f"against {s.capacity} servers (rho {load / s.capacity:.2f})"
                )
            continue
        by_slot = getattr(node.capacity, "by_slot", None)
        if by_slot is None or any(math.isinf(v) for v in by_slot):
            continue
        worst = None
        slot = 0
        while slot < 168:
            end = slot + 1
            while end < 168 and by_slot[end] == by_slot[slot]:
                end += 1
            servers = by_slot[slot]
            span = sum(hours[slot:end])
            offered = sum(s.slot_offered[slot:end])
            if servers > 0 and span > 0:
                load = offered / span * mean_service * 24.0
                rho = load / servers
                if rho >= 1.0 and (worst is None or rho > worst[0]):
                    worst = (rho, load, servers, slot, end)
            slot = end
        if worst is not None:
            rho, load, servers, first, end = worst
            when = (
                "all week"
                if end - first == 168
                else f"{WEEKDAYS[first // 24][:3]} {first % 24:02d}:00-"
                f"{WEEKDAYS[(end - 1) // 24][:3]} {(end - 1) % 24 + 1:02d}:00"
            )
            out.append(
                f"touchpoint {name!r} is overloaded: offered load {load:.1f} erlangs against "
                f"{servers:g} servers (rho {rho:.2f}) in {when}; "
                f"{s.waiting_at_end} still waiting at the end"
            )
    return out
