"""Model rules: psychology, routing, failures, reneging, event log and flat memory."""

import math
import tracemalloc

import pytest

import journeysim as js
from journeysim.engine.satisfaction import journey_satisfaction as _journey_satisfaction
from journeysim.scenario import Psychology, scenario_from_dict
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
    scenario = scenario_from_dict(raw, source="t")
    row = js.simulate(scenario, seed=1).kpis.iloc[0]
    expected = 0.9 * 0.3 + 0.1
    se = math.sqrt(expected * (1 - expected) / row["journeys"])
    assert abs(row["conversion_rate"] - expected) < 4 * se


def test_failures_route_to_recovery_and_are_logged_as_complaints():
    # web never routes to the desk: every desk visit is a failed web visit sent to recovery
    raw = minimal(population={"arrivals_per_day": 5, "returning": False})
    raw["journey"] = {
        "entry": {"web": 1.0},
        "routes": {"web": {"purchase": 1.0}, "desk": {"exit": 1.0}},
    }
    raw["touchpoints"]["web"].update({"failure_probability": 0.5, "recovery": "desk"})
    raw["touchpoints"]["desk"]["capacity"] = "unlimited"
    scenario = scenario_from_dict(raw, source="t")
    results = js.simulate(scenario, seed=2, event_log=True)
    tp = results.touchpoints.set_index("touchpoint")
    failed = tp.loc["web", "failed"]
    se = math.sqrt(0.25 / tp.loc["web", "served"])
    assert abs(failed / tp.loc["web", "served"] - 0.5) < 4 * se
    assert tp.loc["desk", "visits"] == failed  # each failure went to recovery, nothing else did
    events = results.events
    visits = events[events["event"].isin(["visited", "failed"])]
    after_failure = visits.groupby("customer")["touchpoint"].apply(list)
    assert (after_failure.str.len() == 2).sum() == failed
    assert all(path == ["web", "desk"] for path in after_failure if len(path) == 2)
    # failed journeys end at the recovery touchpoint's exit: no purchase
    row = results.kpis.iloc[0]
    assert row["purchases"] == row["journeys"] - failed


def _impatient(abandon_quality: float, patience: str | None):
    raw = minimal(
        population={"arrivals_per_day": 150, "returning": False},
        simulation={"horizon": "20 d", "period": "10 d", "survey_rate": 1.0},
    )
    raw["journey"] = {
        "entry": {"desk": 1.0},
        "routes": {"web": {"exit": 1.0}, "desk": {"purchase": 1.0}},
    }
    raw["touchpoints"]["desk"]["service"] = {"distribution": "exponential", "mean": "8 min"}
    raw["segments"]["all"]["patience"] = patience or "unlimited"
    raw["psychology"] = {"abandon_quality": abandon_quality, "wait_penalty_per_hour": 0.0}
    raw["journey"]["entry"] = {"desk": 0.9, "web": 0.1}
    return scenario_from_dict(raw, source="t")


def test_impatient_customers_abandon_and_that_is_a_bad_moment():
    # a busy desk (rho ~ 0.83) with patience of 2 minutes: many abandon
    awful = js.simulate(_impatient(0.0, "2 min"), seed=1)
    fine = js.simulate(_impatient(10.0, "2 min"), seed=1)
    desk = awful.touchpoints.set_index("touchpoint").loc["desk"]
    assert desk["abandoned"] > 0.1 * desk["visits"]
    # the same customers, the same abandonments: only how an abandonment feels differs
    assert desk["abandoned"] == fine.touchpoints.set_index("touchpoint").loc["desk", "abandoned"]
    assert awful.kpis["nps"].iloc[0] < fine.kpis["nps"].iloc[0] - 10
    assert awful.kpis["csat"].iloc[0] < fine.kpis["csat"].iloc[0]
    # without abandonment, abandon_quality cannot matter
    patient_awful = js.simulate(_impatient(0.0, None), seed=1).kpis["nps"].iloc[0]
    patient_fine = js.simulate(_impatient(10.0, None), seed=1).kpis["nps"].iloc[0]
    assert patient_awful == patient_fine


def test_event_log_only_when_asked():
    scenario = scenario_from_dict(minimal(), source="t")
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
    peak_traced_memory(2)  # warm-up: first-use allocations (imports, caches) are not the run's
    small, large = peak_traced_memory(2), peak_traced_memory(20)  # 10x the events
    assert large < 1.2 * small + 50_000  # per-event storage would make this ~10x


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

    peak(300)  # warm-up: first-use allocations are not the run's
    (small, journeys_small), (large, journeys_large) = peak(300), peak(1500)
    assert journeys_large > 4.5 * journeys_small
    assert large < 1.5 * small + 500_000


def test_one_off_customers_still_pay_for_what_they_buy():
    scenario = scenario_from_dict(minimal(population={"arrivals_per_day": 20, "returning": False}))
    row = js.simulate(scenario, seed=3).kpis.iloc[0]
    assert row["purchases"] > 0
    assert row["revenue"] / row["purchases"] == pytest.approx(50.0, rel=0.1)  # basket mean 50


def _outcomes(scenario, seed=1):
    """Every journey's (remembered, journey satisfaction, expectation after, cumulative S)."""
    seen = []

    class Outcomes(js.Strategy):
        name = "outcomes"

        def on_journey_end(self, model, customer, outcome):
            # simulate() runs a copy of the instance; the closure's list is shared by the copy
            seen.append(
                (
                    outcome.remembered,
                    outcome.satisfaction,
                    customer.expectation,
                    customer.satisfaction,
                )
            )

    js.simulate(scenario, Outcomes(), seed=seed)
    return seen


def _two_step_scenario(**psychology):
    """Deterministic experience: two self-service touchpoints, quality 10 then 6, no noise."""
    raw = minimal(population={"arrivals_per_day": 2, "returning": False})
    raw["segments"]["all"]["initial_expectation"] = 7.0
    raw["touchpoints"] = {
        "first": {"service": {"distribution": "deterministic", "mean": "1 min"}, "quality": 10.0},
        "last": {"service": {"distribution": "deterministic", "mean": "1 min"}, "quality": 6.0},
    }
    for tp in raw["touchpoints"].values():
        tp.update({"consistency": 0.0, "effort": 0.0})
    raw["journey"] = {
        "entry": {"first": 1.0},
        "routes": {"first": {"last": 1.0}, "last": {"purchase": 1.0}},
    }
    raw["psychology"] = psychology
    return scenario_from_dict(raw, source="t")


def test_peak_end_memory_disconfirmation_and_adapting_expectations():
    """P = (10, 6) against E = 7: peak 10 (farthest from E), end 6, mean 8, so
    R = 0.2*8 + 0.4*10 + 0.4*6 = 8.0; D = 1 > tolerance 0.5, so s = 7.5 + 0.6*(1 - 0.5) = 7.8;
    S = 0.5*7.5 + 0.5*7.8 = 7.65; E' = 0.9*7 + 0.1*8 = 7.1 (the documented defaults)."""
    seen = _outcomes(_two_step_scenario())
    assert seen, "no journey ended"
    for remembered, satisfaction, expectation, cumulative in seen:
        assert remembered == pytest.approx(8.0)
        assert satisfaction == pytest.approx(7.8)
        assert expectation == pytest.approx(7.1)
        assert cumulative == pytest.approx(7.65)
    # with the end's weight moved to the mean, the bad last moment counts for less
    weights = {"mean_weight": 0.6, "peak_weight": 0.4, "end_weight": 0.0}
    seen = _outcomes(_two_step_scenario(**weights))
    assert all(r == pytest.approx(0.6 * 8 + 0.4 * 10) for r, *_ in seen)


def test_nps_uses_the_standard_cut_offs_on_every_surveyed_answer():
    """NPS in the kpis equals %(LTR 9-10) - %(LTR 0-6) of the answers in the event log."""
    scenario = scenario_from_dict(minimal(simulation={"horizon": "60 d", "survey_rate": 1.0}))
    results = js.simulate(scenario, seed=4, event_log=True)
    ltr = results.events.loc[results.events["event"] == "survey", "ltr"].astype(int)
    assert ltr.between(0, 10).all() and ltr.nunique() >= 4  # a spread of answers
    expected = 100 * ((ltr >= 9).mean() - (ltr <= 6).mean())
    assert results.kpis["nps"].iloc[0] == pytest.approx(expected)
    assert results.kpis["survey_responses"].iloc[0] == len(ltr)


def test_ces_falls_with_effort_and_rounds_half_up():
    """Without answer noise, CES = round_half_up(clip(7 - 0.5 * effort, 1, 7)): no effort
    scores 7 ("very easy"); two touchpoints of effort 4 score 7 - 0.5 * 8 = 3; efforts of 2.5
    each land on the tie 4.5, which is 5 (Python's round would give 4)."""
    exact = {"ces_when_effortless": 7.0, "ces_noise": 0.0}
    assert js.simulate(_two_step_scenario(**exact), seed=1).kpis["ces"].iloc[0] == 7.0
    for effort, ces in ((4.0, 3.0), (2.5, 5.0), (0.5, 7.0)):
        heavy = _two_step_scenario(**exact).with_overrides(
            {"touchpoints.first.effort": effort, "touchpoints.last.effort": effort}
        )
        assert js.simulate(heavy, seed=1).kpis["ces"].iloc[0] == ces, effort


def test_per_journey_churn_is_geometric_in_journeys_with_effects_off():
    """churn = "journey", effects off: after each journey a customer leaves with probability
    theta ~ Beta(a, b), so the share leaving after exactly one journey is a / (a + b)."""
    a, b = 2.0, 6.0
    raw = minimal(
        simulation={"horizon": "400 d", "period": "30 d", "churn": "journey"},
        population={"arrivals_per_day": 4},
        psychology={"churn_effects": False},
    )
    raw["segments"]["all"].update({"churn": {"a": a, "b": b}, "time_between_needs": "2 d"})
    raw["segments"]["all"]["patience"] = "unlimited"
    results = js.simulate(scenario_from_dict(raw, source="t"), seed=8, event_log=True)
    events = results.events
    ends = events[events["event"].isin(["purchase", "exit"])].groupby("customer").size()
    churned = set(events.loc[events["event"] == "churned", "customer"])
    early = events.loc[(events["event"] == "acquired") & (events["time"] < 100), "customer"]
    one = [c for c in early if ends.get(c, 0) == 1 and c in churned]
    share, n = len(one) / len(early), len(early)
    expected = a / (a + b)
    assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / n), (share, n)
