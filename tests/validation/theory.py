"""Closed forms the engine is checked against, and pure-queueing scenario builders."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import betaln

from journeysim.scenario import _validate


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue Wq of M/M/c (same time unit as the rates)."""
    a = arrival_rate / service_rate
    rho = a / servers
    assert rho < 1
    terms = sum(a**k / math.factorial(k) for k in range(servers))
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (terms + top)
    return p_wait / (servers * service_rate - arrival_rate)


def erlang_a(
    arrival_rate: float, service_rate: float, servers: int, abandon_rate: float, cap: int = 400
) -> tuple[float, float]:
    """(P(abandon), mean wait of all arrivals) of M/M/c+M, from the birth-death chain."""
    p = [1.0]
    for n in range(1, cap):
        death = min(n, servers) * service_rate + max(n - servers, 0) * abandon_rate
        p.append(p[-1] * arrival_rate / death)
    probs = np.array(p) / sum(p)
    queue = np.maximum(np.arange(cap) - servers, 0)
    mean_queue = float((probs * queue).sum())
    return abandon_rate * mean_queue / arrival_rate, mean_queue / arrival_rate


def sbg_survival(a: float, b: float, t: int) -> float:
    """Shifted-beta-geometric survival S(t) = B(a, b + t) / B(a, b)."""
    return math.exp(betaln(a, b + t) - betaln(a, b))


def queueing_scenario(
    touchpoints: dict[str, tuple[int, float]],
    entry: dict[str, float],
    routes: dict[str, dict[str, float]],
    arrivals_per_minute: float,
    days: float,
    warmup_days: float = 1.0,
    patience_minutes: float | None = None,
):
    """A pure open queueing network: one journey per customer, psychology off.

    ``touchpoints`` maps a name to (servers, mean service minutes), exponential service.
    """
    raw = {
        "name": "queueing",
        "simulation": {"horizon": f"{days} d", "warmup": f"{warmup_days} d", "period": "30 d"},
        "population": {"arrivals_per_day": arrivals_per_minute * 1440, "returning": False},
        "segments": {
            "all": {
                "share": 1.0,
                "basket": {"mean": 1.0},
                "time_between_needs": "30 d",
                "patience": "unlimited" if patience_minutes is None else f"{patience_minutes} min",
                "churn": {"a": 1.0, "b": 1.0},
            }
        },
        "touchpoints": {
            name: {
                "capacity": servers,
                "service": {"distribution": "exponential", "mean": f"{minutes} min"},
            }
            for name, (servers, minutes) in touchpoints.items()
        },
        "journey": {"entry": entry, "routes": routes},
        "psychology": {"enabled": False},
    }
    return _validate(raw, "validation", None)
