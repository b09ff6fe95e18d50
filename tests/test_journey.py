"""The walk (engine/journey.py): runs of self-service visits take one SimPy event each.

Collapsing a run must change no number (every table identical with it on and off) and must
leave one event per run where the run allows it.
"""

from __future__ import annotations

import sys
import tomllib

import pytest
import simpy

import journeysim as js
from journeysim.engine import journey, model, touchpoint
from journeysim.engine.results import TABLES
from journeysim.engine.routing import StateRouting
from tests.helpers import RETAIL, minimal


@pytest.fixture
def walk_timeouts(monkeypatch):
    """Count the timeouts the walk waits on (one per event): SimPy's, and plain waits.

    A returning customer's self-service run yields its wait as a number of days, which the
    JourneyRunner schedules itself (model.JourneyRunner): counted as the walk yields it.
    """
    counted = {"walk": 0}

    def timeout(env, delay, value=None):
        if sys._getframe(1).f_code.co_name == "walk":
            counted["walk"] += 1
        return simpy.Timeout(env, delay, value)

    def counting_walk(*args):
        walking = journey.walk(*args)
        resume, value = walking.send, None
        while True:
            try:
                event = resume(value)
            except StopIteration:
                return
            if event.__class__ is float:
                counted["walk"] += 1
            try:
                resume, value = walking.send, (yield event)
            except Exception as failed:  # a failed event: on to the walk
                resume, value = walking.throw, failed

    monkeypatch.setattr(simpy.Environment, "timeout", timeout)
    monkeypatch.setattr(model, "walk", counting_walk)
    return counted


def _omnichannel() -> js.Scenario:
    """Retail with long self-service runs: home, FAQ and account pages before web/app.

    It keeps what could tell a collapsed run from one event per visit: failures at self-service
    touchpoints (complaints the CRM scores), routing by tenure and complaints, a burn-in (runs
    across day 0), a warm-up, surveys, a self-service touchpoint with a cost per visit (not
    collapsible) and runs still under way at the horizon.
    """
    raw = tomllib.loads(RETAIL.read_text())
    raw["simulation"].update(horizon="45 d", period="7 d", warmup="3 d", burn_in="20 d")
    raw["population"]["arrivals_per_day"] = 40
    pages = {
        "home": {"distribution": "exponential", "mean": "40 s"},
        "faq": {"distribution": "lognormal", "mean": "2 min", "sd": "1 min"},
        "account": {"distribution": "gamma", "mean": "1 min", "sd": "30 s"},
    }
    for name, service in pages.items():
        raw["touchpoints"][name] = {
            "capacity": "unlimited",
            "service": service,
            "quality": 7.0,
            "effort": 0.3,
        }
    raw["touchpoints"]["account"]["failure_probability"] = 0.1
    raw["touchpoints"]["account"]["recovery"] = "support"
    raw["touchpoints"]["chat"] = {
        "capacity": "unlimited",
        "service": {"distribution": "exponential", "mean": "3 min"},
        "cost_per_visit": 0.05,
    }
    raw["journey"]["entry"] = {"home": 0.6, "app": 0.2, "store": 0.1, "call_centre": 0.1}
    routes = raw["journey"]["routes"]
    routes["home"] = {"faq": 0.35, "account": 0.3, "web": 0.25, "chat": 0.05, "exit": 0.05}
    routes["faq"] = {"home": 0.2, "account": 0.3, "web": 0.3, "call_centre": 0.1, "exit": 0.1}
    routes["account"] = {"faq": 0.2, "app": 0.4, "web": 0.3, "exit": 0.1}
    routes["chat"] = {"web": 0.5, "exit": 0.5}
    raw["journey"]["state_routing"]["faq"] = {
        "call_centre": {"tenure_years": 3.0, "complaints": 0.5}
    }
    return js.scenario_from_dict(raw)


@pytest.mark.parametrize("strategy", ["baseline", "crm", "hybrid"])
def test_collapsed_runs_give_the_same_tables(monkeypatch, walk_timeouts, strategy):
    scenario = _omnichannel()
    collapsed = js.simulate(scenario, strategy, seed=3)
    events_on = walk_timeouts["walk"]
    monkeypatch.setattr(journey, "COLLAPSE_SELF_SERVICE", False)
    one_each = js.simulate(scenario, strategy, seed=3)
    events_off = walk_timeouts["walk"] - events_on
    for table in (*TABLES, "profile"):
        a, b = getattr(collapsed, table), getattr(one_each, table)
        assert a.equals(b), table
    assert events_on < 0.6 * events_off  # the runs were collapsed (else this proves nothing)
    pages = collapsed.touchpoints.set_index("touchpoint")
    assert pages.loc["account", "failed"] > 0 and pages.loc["chat", "visits"] > 0


def _pages_only(mean="20 s", desk=False, **changes):
    """Four self-service pages in a row, returning customers (then a staffed desk if asked)."""
    raw = minimal(**changes)
    raw["touchpoints"] = {
        name: {"capacity": "unlimited", "service": {"distribution": "exponential", "mean": mean}}
        for name in ("a", "b", "c", "d")
    }
    routes = {"a": {"b": 1.0}, "b": {"c": 1.0}, "c": {"d": 1.0}, "d": {"purchase": 1.0}}
    if desk:
        raw["touchpoints"]["desk"] = {"capacity": 3, "service": {"mean": "1 min"}}
        routes["d"] = {"desk": 1.0}
        routes["desk"] = {"purchase": 1.0}
    raw["journey"] = {"entry": {"a": 1.0}, "routes": routes}
    return js.scenario_from_dict(raw)


def test_routing_sees_the_clock_of_each_visit(monkeypatch):
    calls = []
    rule_next = StateRouting.next

    def spy(rule, customer, now, u):
        calls.append((customer.id, now))
        return rule_next(rule, customer, now, u)

    monkeypatch.setattr(StateRouting, "next", spy)
    scenario = _omnichannel()
    js.simulate(scenario, seed=5)
    collapsed = sorted(calls)
    calls.clear()
    monkeypatch.setattr(journey, "COLLAPSE_SELF_SERVICE", False)
    js.simulate(scenario, seed=5)
    assert len(calls) > 1000 and collapsed == sorted(calls)


def test_runs_near_day_0_land_exactly_where_one_event_per_visit_would(monkeypatch):
    # runs starting at t0 and ending after 2 t0: now + (t - now) may miss t by a bit, so
    # those visits wait out their own timeouts (the desk's waits read the arrival time)
    scenario = _pages_only(
        "1 h",
        desk=True,
        simulation__horizon="1 d",
        simulation__period="1 d",
        population__arrivals_per_day=2000,
    )
    collapsed = js.simulate(scenario, seed=1)
    monkeypatch.setattr(journey, "COLLAPSE_SELF_SERVICE", False)
    one_each = js.simulate(scenario, seed=1)
    for table in TABLES:
        assert getattr(collapsed, table).equals(getattr(one_each, table)), table
    assert collapsed.touchpoints.set_index("touchpoint").loc["desk", "mean_wait_minutes"] > 0


def test_a_self_service_only_journey_takes_one_event(monkeypatch, walk_timeouts):
    scenario = _pages_only(simulation__horizon="30 d")
    results = js.simulate(scenario, seed=2)
    journeys = int(results.kpis["journeys"].iloc[0])
    visits = results.touchpoints["visits"]
    assert journeys > 50 and (visits == journeys).all()  # every journey visits a, b, c, d
    assert walk_timeouts["walk"] == journeys  # one event per journey, not four

    walk_timeouts["walk"] = 0
    monkeypatch.setattr(journey, "COLLAPSE_SELF_SERVICE", False)
    assert js.simulate(scenario, seed=2).kpis.equals(results.kpis)
    assert walk_timeouts["walk"] == 4 * journeys


def test_one_off_customers_and_the_event_log_keep_one_event_per_visit(walk_timeouts):
    # one-off customers share the run's visit stream: its order follows the events
    one_off = _pages_only(simulation__horizon="2 d", population__returning=False)
    results = js.simulate(one_off, seed=2)
    assert walk_timeouts["walk"] == int(results.touchpoints["visits"].sum())
    walk_timeouts["walk"] = 0
    logged = js.simulate(_pages_only(simulation__horizon="10 d"), seed=2, event_log=True)
    assert walk_timeouts["walk"] == int(logged.touchpoints["visits"].sum())


def test_which_touchpoints_collapse():
    raw = minimal()
    raw["touchpoints"].update(
        fixed={
            "capacity": "unlimited",
            "service": {"distribution": "deterministic", "mean": "1 min"},
        },
        paid={"capacity": "unlimited", "service": {"mean": "1 min"}, "cost_per_visit": 0.1},
        hours={
            "capacity": "unlimited",
            "service": {"mean": "1 min"},
            "opening_hours": [{"days": "daily", "hours": "09-17"}],
        },
    )
    raw["journey"]["routes"].update(fixed={"exit": 1.0}, paid={"exit": 1.0}, hours={"exit": 1.0})
    raw["journey"]["routes"]["web"] = {"fixed": 0.2, "paid": 0.2, "hours": 0.2, "exit": 0.4}
    scenario = js.scenario_from_dict(raw)
    collapsible = {name: touchpoint.collapsible(tp) for name, tp in scenario.touchpoints.items()}
    assert collapsible == {
        "web": True,
        "desk": False,
        "fixed": False,
        "paid": False,
        "hours": False,
    }
