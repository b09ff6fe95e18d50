"""Model rules: psychology, routing, failures, reneging, event log and flat memory."""

import math
import tracemalloc

import pytest

import journeysim as js
from journeysim.model import _journey_satisfaction
from journeysim.scenario import Psychology, _validate
from tests.helpers import minimal
from tests.validation.theory import queueing_scenario


def test_zone_of_tolerance_and_asymmetric_gains():
    p = Psychology(satisfaction_when_met=7.0, tolerance=0.5, gain_above=0.6, gain_below=1.2)
    assert _journey_satisfaction(0.4, p) == 7.0 == _journey_satisfaction(-0.4, p)
    up = _journey_satisfaction(1.5, p) - 7.0
    down = 7.0 - _journey_satisfaction(-1.5, p)
    assert up == pytest.approx(0.6) and down == pytest.approx(1.2)
    assert _journey_satisfaction(100, p) == 10.0 and _journey_satisfaction(-100, p) == 0.0


def test_purchase_share_follows_routing_probabilities():
    raw = minimal(**{"population": {"arrivals_per_day": 200, "returning": False}})
    raw["journey"] = {
        "entry": {"web": 1.0},
        "routes": {"web": {"purchase": 0.3, "exit": 0.7}, "desk": {"purchase": 1.0}},
    }
    raw["touchpoints"]["desk"]["capacity"] = "unlimited"
    raw["journey"]["routes"]["web"]["desk"] = 0.0
    raw["journey"]["entry"] = {"web": 0.9, "desk": 0.1}
    scenario = _validate(raw, "t", None)
    row = js.simulate(scenario, seed=1).kpis.iloc[0]
    expected = 0.9 * 0.3 + 0.1
    se = math.sqrt(expected * (1 - expected) / row["journeys"])
    assert abs(row["conversion_rate"] - expected) < 4 * se


def test_failures_route_to_recovery_and_are_logged_as_complaints():
    raw = minimal()
    raw["touchpoints"]["web"].update({"failure_probability": 0.5, "recovery": "desk"})
    scenario = _validate(raw, "t", None)
    results = js.simulate(scenario, seed=2, event_log=True)
    web = results.touchpoints.set_index("touchpoint").loc["web"]
    assert web["failed"] > 0
    assert abs(web["failed"] / web["served"] - 0.5) < 0.1


def test_impatient_customers_abandon_and_that_is_a_bad_moment():
    patient = queueing_scenario({"q": (1, 5.0)}, {"q": 1.0}, {"q": {"exit": 1.0}}, 0.3, 5)
    impatient = queueing_scenario(
        {"q": (1, 5.0)}, {"q": 1.0}, {"q": {"exit": 1.0}}, 0.3, 5, patience_minutes=1.0
    )
    assert js.simulate(patient, seed=1).touchpoints["abandoned"].iloc[0] == 0
    assert js.simulate(impatient, seed=1).touchpoints["abandoned"].iloc[0] > 0


def test_event_log_only_when_asked():
    scenario = _validate(minimal(), "t", None)
    assert js.simulate(scenario, seed=1).events is None
    events = js.simulate(scenario, seed=1, event_log=True).events
    assert {"acquired", "visited", "purchase"} <= set(events["event"])
    assert events["time"].is_monotonic_increasing


def peak_traced_memory(days):
    scenario = queueing_scenario({"q": (2, 1.0)}, {"q": 1.0}, {"q": {"exit": 1.0}}, 1.0, days)
    tracemalloc.start()
    js.simulate(scenario, seed=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_events():
    small, large = peak_traced_memory(2), peak_traced_memory(20)  # 10x the events
    assert large < 1.5 * small + 200_000  # per-event storage would make this ~10x


def test_memory_of_returning_customers_grows_with_customers_alive_not_with_events():
    """Returning customers with psychology on and monthly churn: once the customer base is
    stationary (arrivals balance churn, ~10 periods here), 5x the horizon is 5x the events
    and the same base; per-event storage would multiply the peak by ~5."""
    from tests.validation.theory import sbg_scenario

    def peak(days):
        scenario = sbg_scenario(5.0, 5.0, "effects_on", arrivals_per_day=3, horizon_days=days)
        tracemalloc.start()
        row = js.simulate(scenario, seed=2).kpis.iloc[0]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak, row["journeys"]

    (small, journeys_small), (large, journeys_large) = peak(300), peak(1500)
    assert journeys_large > 4.5 * journeys_small
    assert large < 1.5 * small + 500_000


def test_one_off_customers_still_pay_for_what_they_buy():
    scenario = _validate(
        minimal(population={"arrivals_per_day": 20, "returning": False}), "t", None
    )
    row = js.simulate(scenario, seed=3).kpis.iloc[0]
    assert row["purchases"] > 0
    assert row["revenue"] / row["purchases"] == pytest.approx(50.0, rel=0.1)  # basket mean 50
