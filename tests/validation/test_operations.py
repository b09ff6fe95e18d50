"""Operations against theory: time-varying arrivals, M/M/c/K, priorities, deterministic patience,
piecewise-stationary schedules and the service level of Erlang C.

Same method as ``test_queueing.py``: independent replications (identity ``(r,)``), Student t
with Z = 4 standard errors, fixed seeds (deterministic pass or fail), and a bound on the standard
error so a vague estimate cannot pass. Sized to run in well under a minute on one core.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import simpy

import journeysim as js
from journeysim.scenario import scenario_from_dict
from tests.validation.theory import (
    Z,
    assert_close,
    cobham_waits,
    erlang_c_probability,
    erlang_c_wait,
    mean_se,
    mmck,
)

REPLICATIONS = 10


def ops_scenario(
    touchpoint: dict,
    arrivals_per_minute: float,
    days: float,
    warmup_days: float = 0.5,
    patience: object = "unlimited",
    segments: dict[str, float] | None = None,
    demand: dict | None = None,
    simulation: dict | None = None,
):
    """A pure queueing scenario with one touchpoint ``q`` (one journey per customer)."""
    shares = segments or {"all": 1.0}
    raw = {
        "name": "operations",
        "simulation": {
            "horizon": f"{days} d",
            "warmup": f"{warmup_days} d",
            "period": "30 d",
            **(simulation or {}),
        },
        "population": {"arrivals_per_day": arrivals_per_minute * 1440, "returning": False},
        "segments": {
            name: {
                "share": share,
                "basket": {"mean": 1.0},
                "time_between_needs": "30 d",
                "patience": patience,
                "churn": {"a": 1.0, "b": 1.0},
            }
            for name, share in shares.items()
        },
        "touchpoints": {"q": touchpoint},
        "journey": {"entry": {"q": 1.0}, "routes": {"q": {"exit": 1.0}}},
        "psychology": {"enabled": False},
    }
    if demand is not None:
        raw["population"]["demand"] = demand
    return scenario_from_dict(raw, source="validation")


def rows_of(scenario, seed):
    return [
        js.simulate(scenario, seed=seed, identity=(r,)).touchpoints.set_index("touchpoint").loc["q"]
        for r in range(REPLICATIONS)
    ]


def _normalised(values):
    values = np.asarray(values, dtype=float)
    return values * len(values) / values.sum()


@pytest.mark.slow
def test_nhpp_counts_per_hour_match_the_integrated_rate():
    """Counts in every hour of a year are Poisson with the profile's mean (mean and variance)."""
    hourly = [0, 0, 0, 0, 0, 0, 0.5, 1, 2, 3, 3, 3, 2.5, 2.5, 3, 3, 3.5, 4, 3, 2, 1.5, 1, 0.5, 0]
    weekly = [1.2, 1.0, 1.0, 1.0, 1.1, 1.4, 0.5]
    monthly = [0.8, 0.8, 0.9, 1.0, 1.0, 1.0, 0.9, 0.9, 1.0, 1.1, 1.2, 1.6]
    per_day = 100.0
    days = 364
    scenario = ops_scenario(
        {"capacity": "unlimited", "service": {"mean": "1 min"}},
        per_day / 1440,
        days,
        warmup_days=0,
        demand={"hourly": hourly, "weekly": weekly, "monthly": monthly},
        simulation={"start_weekday": "wednesday", "start_month": 3},
    )
    events = js.simulate(scenario, seed=11, event_log=True).events
    times = events.loc[events["event"] == "acquired", "time"].to_numpy()
    counts = np.bincount((times * 24).astype(int), minlength=days * 24)[: days * 24]
    # the integrated rate, computed here from the definition: hour h of day d of month m
    hour = np.arange(days * 24)
    weekday = (2 + hour // 24) % 7  # day 0 is a Wednesday
    month = (2 + hour // 730) % 12  # day 0 starts March; a month is 730 hours
    mu = (
        per_day
        / 24
        * _normalised(hourly)[hour % 24]
        * _normalised(weekly)[weekday]
        * _normalised(monthly)[month]
    )
    assert counts[mu == 0].sum() == 0, "arrivals in hours with no demand"
    positive = mu > 0
    n, m = counts[positive], mu[positive]
    assert abs(n.sum() - m.sum()) < Z * math.sqrt(m.sum()), "total count"
    for slot in range(168):  # each hour of the week, summed over the year
        sel = ((weekday * 24 + hour % 24) == slot) & positive
        if sel.any():
            expected = mu[sel].sum()
            assert abs(counts[sel].sum() - expected) < 4.5 * math.sqrt(expected), f"slot {slot}"
    for k in range(12):  # each month
        sel = (month == k) & positive
        expected = mu[sel].sum()
        assert abs(counts[sel].sum() - expected) < Z * math.sqrt(expected), f"month {k}"
    # Poisson variance: sum of (n - mu)^2 / mu has mean H and variance sum(2 + 1/mu)
    dispersion = float(((n - m) ** 2 / m).sum())
    assert abs(dispersion - len(m)) < Z * math.sqrt((2 + 1 / m).sum()), "dispersion"


@pytest.mark.slow
def test_balking_matches_mmck():
    servers, mu, lam, max_queue = 2, 1.0, 2.2, 4  # overloaded (rho 1.1): blocking matters
    scenario = ops_scenario(
        {
            "capacity": servers,
            "service": {"mean": "1 min"},
            "max_queue": max_queue,
        },
        lam,
        days=3,
    )
    rows = rows_of(scenario, seed=21)
    block, lq, admitted_wait = mmck(lam, mu, servers, servers + max_queue)
    assert_close([r["balked"] / r["offered"] for r in rows], block, what="P(block)")
    assert_close([r["mean_wait_minutes"] for r in rows], lq / lam, what="W (all offered)")
    assert_close([r["asa_minutes"] for r in rows], admitted_wait, what="W (admitted)")


@pytest.mark.slow
def test_two_class_priority_matches_cobham():
    lam, mu, share_vip = 0.7, 1.0, 0.3
    scenario = ops_scenario(
        {"capacity": 1, "service": {"mean": "1 min"}, "priority": {"vip": 0}},
        lam,
        days=6,
        segments={"vip": share_vip, "standard": 1 - share_vip},
    )
    expected = cobham_waits([lam * share_vip, lam * (1 - share_vip)], mu)
    waits: dict[str, list[float]] = {"vip": [], "standard": []}
    for r in range(REPLICATIONS):
        events = js.simulate(scenario, seed=31, identity=(r,), event_log=True).events
        segment = events[events["event"] == "acquired"].set_index("customer")["segment"]
        visits = events[(events["event"] == "visited") & (events["time"] > 0.5)]
        by_class = visits.assign(segment=visits["customer"].map(segment))
        for name in waits:
            own = by_class.loc[by_class["segment"] == name, "wait_minutes"]
            waits[name].append(own.mean())
    assert_close(waits["vip"], expected[0], 0.06, "VIP wait")
    assert_close(waits["standard"], expected[1], 0.06, "standard wait")
    assert np.mean(waits["vip"]) < np.mean(waits["standard"]) / 3


def bare_simpy_mm1_deterministic_patience(
    lam: float, mu: float, patience: float, minutes: float, warmup: float, seed: int
) -> tuple[float, float]:
    """An independent M/M/1+D reference: (P(abandon), mean wait of all arrivals), in minutes."""
    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, 1)
    tally = {"n": 0, "ab": 0, "wait": 0.0}

    def customer():
        arrive = env.now
        req = server.request()
        result = yield req | env.timeout(patience)
        counted = arrive >= warmup
        if req not in result:
            req.cancel()
            if counted:
                tally["n"] += 1
                tally["ab"] += 1
                tally["wait"] += patience
            return
        if counted:
            tally["n"] += 1
            tally["wait"] += env.now - arrive
        yield env.timeout(rng.expovariate(mu))
        server.release(req)

    def source():
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    env.run(until=minutes)
    return tally["ab"] / tally["n"], tally["wait"] / tally["n"]


@pytest.mark.slow
def test_deterministic_patience_matches_a_bare_simpy_reference():
    lam, mu, patience = 1.2, 1.0, 2.0  # overloaded M/M/1+D: everyone waits at most 2 minutes
    days = 3
    scenario = ops_scenario(
        {"capacity": 1, "service": {"mean": "1 min"}, "service_level_target": "20 s"},
        lam,
        days=days,
        patience={"distribution": "deterministic", "mean": f"{patience} min"},
    )
    rows = rows_of(scenario, seed=41)
    reference = [
        bare_simpy_mm1_deterministic_patience(lam, mu, patience, days * 1440, 720, seed=500 + r)
        for r in range(REPLICATIONS)
    ]
    for got, ref, what in (
        ([r["abandonment_rate"] for r in rows], [x[0] for x in reference], "P(abandon)"),
        ([r["mean_wait_minutes"] for r in rows], [x[1] for x in reference], "W"),
    ):
        (m1, se1), (m2, se2) = mean_se(got), mean_se(ref)
        assert se1 < 0.05 * m2 and se2 < 0.05 * m2, what
        assert abs(m1 - m2) < Z * math.hypot(se1, se2), f"{what}: {m1:.4g} vs {m2:.4g}"
    # nobody waits longer than the patience
    assert max(r["p95_wait_minutes"] for r in rows) <= patience * 1.06


@pytest.mark.slow
def test_piecewise_stationary_windows_match_erlang_c():
    """12-hour windows (2 servers at night, 4 by day, demand doubling): Erlang C per window."""
    mu = 1.0
    night, day = 1.4, 2.8  # arrivals per minute: rho 0.7 in both windows
    scenario = ops_scenario(
        {
            "capacity": 2,
            "service": {"mean": "1 min"},
            "schedule": [{"days": "daily", "hours": "12-24", "servers": 4}],
        },
        (night + day) / 2,
        days=7,
        demand={"hourly": [night] * 12 + [day] * 12},
    )
    waits: dict[int, list[float]] = {2: [], 4: []}
    for r in range(REPLICATIONS):
        profile = js.simulate(scenario, seed=51, identity=(r,)).profile
        finished = profile["served"] + profile["lost"]
        profile = profile.assign(wait_sum=profile["mean_wait_minutes"].fillna(0) * finished)
        for servers, group in profile.groupby("servers"):
            waits[int(servers)].append(group["wait_sum"].sum() / (group["served"].sum()))
    for servers, lam in ((2, night), (4, day)):
        expected = erlang_c_wait(lam, mu, servers)
        # a window starts from the other window's queue: a few minutes of transition in 12 h
        assert_close(waits[servers], expected, 0.06, f"Wq, {servers} servers", bias=0.03 * expected)


@pytest.mark.slow
def test_service_level_and_p_wait_match_erlang_c():
    servers, mu, rho, target_minutes = 3, 1.0, 0.7, 1 / 3
    lam = rho * servers * mu
    scenario = ops_scenario(
        {"capacity": servers, "service": {"mean": "1 min"}, "service_level_target": "20 s"},
        lam,
        days=4,
    )
    rows = rows_of(scenario, seed=61)
    c = erlang_c_probability(lam, mu, servers)
    sl = 1 - c * math.exp(-(servers * mu - lam) * target_minutes)
    assert_close([r["p_wait"] for r in rows], c, 0.03, "P(wait)")
    assert_close([r["service_level"] for r in rows], sl, 0.01, "service level")
    assert_close([r["utilisation"] for r in rows], rho, 0.02, "utilisation")
