"""journeysim.engine.customer: what a customer costs between journeys, and their journeys' draws.

Issue 16 (point 11) and issue 17 (target 2): a returning customer between journeys holds no
random generator and no SimPy process, only its slots and the pending need in the schedule:
under 1 KB (benchmarks/scale.py measures the whole run's memory per active customer).
"""

from __future__ import annotations

import sys

import pytest

import journeysim as js
from journeysim.engine.customer import Customer
from journeysim.engine.model import JourneyModel, NeedDue
from journeysim.engine.streams import RunStreams, seed_sequence
from journeysim.scenario import scenario_from_dict
from tests.helpers import minimal

SHARED = (bool, str, type(None))  # singletons and the segment's name: not the customer's own


def own_size(customer: Customer) -> int:
    """Bytes a customer holds on its own: the object, its attribute values, its pending need.

    Floats, large ints, dicts and anything else an attribute points to count (one level deep:
    a generator held by a customer counts its full 2.5 KB); ``None``, booleans, small ints and
    the segment name are shared by all customers. A pending need counts with its entry in the
    SimPy schedule (the 4-tuple, its time and its sequence number).
    """
    total = sys.getsizeof(customer)
    values = [getattr(customer, name, None) for name in getattr(type(customer), "__slots__", ())]
    if hasattr(customer, "__dict__"):
        total += sys.getsizeof(customer.__dict__)
        values += list(vars(customer).values())
    for value in values:
        if isinstance(value, SHARED) or (type(value) is int and -5 <= value <= 256):
            continue
        total += sys.getsizeof(value)
        if isinstance(value, NeedDue):
            total += sys.getsizeof((0.0, 1, 2, value)) + sys.getsizeof(0.0) + sys.getsizeof(2**40)
    return total


def run_model(raw: dict, seed: int = 1) -> JourneyModel:
    model = JourneyModel(scenario_from_dict(raw), RunStreams(seed_sequence(seed)))
    model.run()
    return model


def test_a_customer_between_journeys_costs_under_1_kb():
    model = run_model(minimal(**{"simulation__churn": "period"}))
    waiting = [c for c in model.active.values() if c.waiting]
    assert len(waiting) > 50
    sizes = [own_size(c) for c in waiting]
    assert max(sizes) < 1024, max(sizes)
    assert all(c.visit_rng is None and c.life_rng is None for c in waiting)
    assert all(isinstance(c.process, NeedDue) and c.process.customer is c for c in waiting)


def test_a_churned_customer_leaves_the_schedule():
    model = run_model(minimal(**{"simulation__churn": "period"}))
    # the schedule: SimPy's heap and the needs kept aside until their hour (NeedCalendar)
    schedule = [*model.env._queue, *(x for b in model.needs.buckets.values() for x in b)]
    pending = [e for *_, e in schedule if isinstance(e, NeedDue)]
    queued = {id(e.customer) for e in pending if e.customer is not None}
    assert queued  # customers are waiting for their needs ...
    assert all(id(c) in queued for c in model.active.values() if c.waiting)
    active = {id(c) for c in model.active.values()}
    # ... and no pending need of a churned customer holds on to them (cancelled: None)
    assert queued <= active
    assert len(queued) < len(pending)  # some churned at the last boundary, while waiting


def test_strategies_keep_their_data_in_state():
    c = Customer(1, "value", 0, 0.0, 0.1, 7.0, 8.0)
    assert c._state is None  # made on first use only
    c.state["offer"] = 3.0
    assert c.state == {"offer": 3.0}


def first_web_service_times(raw: dict) -> dict[int, list[float]]:
    """Per customer, the service time of the web visit that starts each of their journeys."""
    events = js.simulate(scenario_from_dict(raw), seed=5, event_log=True).events
    web = events[(events["event"] == "visited") & (events["touchpoint"] == "web")]
    times: dict[int, list[float]] = {}
    for row in web.itertuples():
        times.setdefault(row.customer, []).append(row.time - row.arrival)
    return times


def test_journey_k_draws_do_not_depend_on_the_visits_of_earlier_journeys():
    """Journey k's numbers are a pure function of (customer key, k): a lever that changes how
    many visits earlier journeys had leaves journey k's first service time where it was (with
    one visit stream per customer, as before version 0.3, every later draw shifted)."""
    raw = minimal(
        **{
            "population__arrivals_per_day": 2,
            "touchpoints__extra": {"service": {"mean": "3 min"}},
            "touchpoints__desk": None,
            "journey": {
                "entry": {"web": 1.0},
                "routes": {
                    "web": {"extra": 0.5, "purchase": 0.5},
                    "extra": {"purchase": 1.0},
                },
            },
        }
    )
    loops = {**raw, "journey": {**raw["journey"], "routes": {**raw["journey"]["routes"]}}}
    loops["journey"]["routes"]["extra"] = {"extra": 0.7, "purchase": 0.3}  # more visits
    one, more = first_web_service_times(raw), first_web_service_times(loops)
    compared = 0
    for customer, times in one.items():
        other = more.get(customer, [])
        n = min(len(times), len(other))
        # (durations from absolute clock readings: equal up to the clock's rounding)
        assert times[:n] == pytest.approx(other[:n], rel=1e-9, abs=1e-12), customer
        compared += max(n - 1, 0)  # journeys after the first
    assert compared > 100
