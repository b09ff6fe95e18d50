"""Reactive CRM (complaint handling), personalization and campaign responses spread over days.

* Every complaint the company logs (a failed visit; an abandoned queue when ``abandonments``)
  gets one paid recovery contact; the share recovered estimates ``success_probability``
  (binomial: checked within 4 standard errors), and recovering more complaints raises NPS
  (paired runs, common random numbers).
* A campaign's responders start their journeys after an exponential delay with mean
  ``campaign_response_time``: the mean delay is checked against it (4 standard errors); with
  ``"0 d"`` every responder starts at the contact's instant (a flash crowd).
* Explicit zero experience keys are the defaults (byte-identical results).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import journeysim as js
from journeysim.scenario import scenario_from_dict
from tests.helpers import minimal


def complaints_scenario(**handling):
    raw = minimal(
        simulation={"horizon": "60 d", "period": "30 d", "survey_rate": 1.0},
        population={"arrivals_per_day": 10},
    )
    raw["segments"]["all"]["patience"] = "4 min"
    raw["touchpoints"]["web"].update({"failure_probability": 0.2, "recovery": "desk"})
    raw["strategies"] = {
        "reactive": {
            "crm": {
                "complaint_handling": {
                    "success_probability": 0.6,
                    "cost_per_contact": 10.0,
                    **handling,
                }
            }
        }
    }
    return scenario_from_dict(raw, source="complaints")


def test_every_logged_complaint_gets_one_paid_contact_and_success_has_its_probability():
    scenario = complaints_scenario()
    res = js.simulate(scenario, "reactive", seed=3, event_log=True)
    k = res.kpis.iloc[0]
    events = res.events
    journeys_failed_or_abandoned = k["crm_complaints_handled"]
    # failed web visits are complaints; abandoned queues too (abandonments default true)
    n_failed = res.touchpoints["failed"].sum()
    n_abandoned = (events["event"] == "abandoned").sum()
    assert n_failed > 100 and n_abandoned > 10
    assert journeys_failed_or_abandoned <= n_failed + n_abandoned
    assert journeys_failed_or_abandoned >= max(n_failed, n_abandoned)
    assert k["cost_crm_complaints"] == pytest.approx(10.0 * journeys_failed_or_abandoned)
    n, rate = journeys_failed_or_abandoned, k["crm_recovery_rate"]
    se = math.sqrt(0.6 * 0.4 / n)
    assert abs(rate - 0.6) < 4 * se, (rate, se)
    # without abandonments, only failed journeys are handled
    quiet = js.simulate(complaints_scenario(abandonments=False), "reactive", seed=3)
    assert quiet.kpis["crm_complaints_handled"].iloc[0] < n


def test_recovering_complaints_raises_nps_and_a_failed_recovery_lowers_it():
    """Paired: success 1 (with the recovery paradox) against success 0 (every recovery fails:
    a double deviation), same seeds."""
    good = complaints_scenario(success_probability=1.0, recovery_paradox=0.5)
    bad = complaints_scenario(success_probability=0.0, failure_effect=1.0)
    diffs = [
        js.simulate(good, "reactive", seed=5, identity=(r,)).kpis["nps"].iloc[0]
        - js.simulate(bad, "reactive", seed=5, identity=(r,)).kpis["nps"].iloc[0]
        for r in range(3)
    ]
    assert min(diffs) > 2.0, diffs


def campaign_scenario(response_time):
    """Needs practically never recur on their own: every second journey is a campaign response
    to the one campaign, on day 30."""
    raw = minimal(
        simulation={"horizon": "59 d", "period": "30 d"},
        population={"arrivals_per_day": 8},
    )
    raw["segments"]["all"].update(
        {"time_between_needs": "100000 d", "churn": {"a": 1.0, "b": 1000.0}}
    )
    raw["strategies"] = {
        "campaign": {
            "crm": {
                "campaign_every": "30 d",
                "campaign_response": 1.0,
                "campaign_response_time": response_time,
            }
        }
    }
    return scenario_from_dict(raw, source="campaign")


def _response_delays(response_time):
    events = js.simulate(campaign_scenario(response_time), "campaign", seed=2, event_log=True)
    log = events.events
    before = log.loc[(log["event"] == "acquired") & (log["time"] < 29.9), "customer"]
    visits = log[
        log["event"].isin(["visited", "abandoned"])
        & (log["time"] > 30.0)
        & log["customer"].isin(before)
    ]
    # a responder's first visit after the campaign ends minutes after their journey starts
    return visits.groupby("customer")["time"].min().to_numpy() - 30.0


def test_campaign_responses_spread_over_the_response_time():
    delays = _response_delays("3 d")
    assert len(delays) > 150
    se = delays.std(ddof=1) / math.sqrt(len(delays))
    assert abs(delays.mean() - 3.0) < 4 * se + 0.01, (delays.mean(), se)  # + service minutes
    assert np.mean(delays < 15 / 1440) < 0.02  # nobody crowds the first 15 minutes
    flash = _response_delays("0 d")
    assert np.all(flash < 1.0)  # every responder starts at the campaign's instant
    assert np.mean(flash < 1 / 24) > 0.9


def test_explicit_neutral_experience_keys_are_the_defaults():
    raw = minimal()
    base = js.simulate(scenario_from_dict(raw, source="a"), seed=9)
    for tp in raw["touchpoints"].values():
        tp.update({"friendliness": 0.0, "warmth": 0.0, "personalization": 0.0})
    same = js.simulate(scenario_from_dict(raw, source="b"), seed=9)
    assert base.kpis.equals(same.kpis)
    assert base.touchpoints.equals(same.touchpoints)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda raw: raw["touchpoints"]["web"].update(friendliness=7),
            "touchpoints.web.friendliness",
        ),
        (lambda raw: raw.update(psychology={"csat_per_point_below": 0.1}), "psychology"),
        (
            lambda raw: raw.update(strategies={"s": {"crm": {"personalization": {"kiosk": 1.0}}}}),
            "strategies.s.crm.personalization.kiosk",
        ),
        (
            lambda raw: raw.update(
                strategies={"s": {"cem": {"touchpoints": {"desk": {"resolution": 1.5}}}}}
            ),
            "strategies.s.cem.touchpoints.desk.resolution",
        ),
    ],
)
def test_bad_experience_keys_are_one_line_naming_the_field(change, field):
    raw = minimal()
    change(raw)
    with pytest.raises(js.ScenarioError) as info:
        scenario_from_dict(raw, source="x.toml")
    message = str(info.value)
    assert "\n" not in message and f"x.toml: {field}" in message, message
