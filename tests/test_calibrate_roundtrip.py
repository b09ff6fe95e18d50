"""Round trip: simulate a shipped scenario with the event log, export, fit, recover the truth."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import journeysim as js
from journeysim.calibrate.data import load_event_log
from journeysim.calibrate.document import build_document, plain, to_toml
from journeysim.calibrate.eventlog import fit_event_log
from journeysim.calibrate.export import journey_log
from journeysim.confidence import mean_ci
from journeysim.scenario.units import MINUTES_PER_DAY

BANK = Path(__file__).resolve().parents[1] / "scenarios" / "bank.toml"
# one journey per customer (no churn to fit from a log); a slow one-agent contact centre, so
# customers queue (about half its time busy) and some abandon (patience 6 and 10 min)
SETTINGS = {
    "simulation.horizon": "60 d",
    "population.returning": False,
    "population.arrivals_per_day": 40,
    "touchpoints.adviser.capacity": 1,
    "touchpoints.contact_centre.capacity": 1,
    "touchpoints.contact_centre.service.mean": "100 min",
}


#: operations keys a log fit does not recover (a staff rota, opening hours, retries): the
#: round trip uses the bank's touchpoints with fixed servers around the clock, and flat demand
FIXED_SERVERS = ("schedule", "opening_hours", "when_closed", "retry", "staff_cost_per_server_hour")


def bank_document() -> dict:
    raw = js.load_scenario(BANK, overrides=SETTINGS).document
    raw["population"].pop("demand", None)  # stationary arrivals: the 60 days are the average
    for tp in raw["touchpoints"].values():
        for key in FIXED_SERVERS:
            tp.pop(key, None)
    for strategy in raw.get("strategies", {}).values():
        for investment in strategy.get("cem", {}).get("touchpoints", {}).values():
            investment.pop("schedule", None)
    return raw


@pytest.fixture(scope="module")
def truth():
    return js.scenario_from_dict(bank_document(), source="bank (fixed servers)")


@pytest.fixture(scope="module")
def fitted(truth):
    results = js.simulate(truth, seed=11, event_log=True)
    log = journey_log(results)
    return fit_event_log(load_event_log(log, today="2100-01-01")), results


def effective_routes(scenario):
    """What a log shows: a failed visit goes to recovery, whatever its route."""
    out = {}
    for tp, row in scenario.journey.routes.items():
        f = scenario.touchpoints[tp].failure_probability
        rec = scenario.touchpoints[tp].recovery
        probs = {k: (1 - f) * v for k, v in row.items()}
        if f:
            probs[rec] = probs.get(rec, 0.0) + f
        out[tp] = probs
    return out


# About 30 intervals are checked at once: each is widened from 95% to 99.9% (Bonferroni: the
# chance that any true value falls outside is then below 3%, with this seed fixed anyway).
Z = 3.29


def within(estimate, se, truth):
    return abs(estimate - truth) <= Z * se


def test_routes_entry_service_and_arrivals_recovered(truth, fitted):
    fit, _ = fitted
    entry = fit.entry[fit.entry["segment"] == "all"].set_index("touchpoint")
    for tp, p in truth.journey.entry.items():
        n = entry.loc[tp, "n"]
        assert within(entry.loc[tp, "p"], np.sqrt(p * (1 - p) / n), p), tp
    routes = fit.routes[fit.routes["segment"] == "all"]
    checked = 0
    for tp, row in effective_routes(truth).items():
        for target, p in row.items():
            hit = routes[(routes["from"] == tp) & (routes["to"] == target)]
            assert len(hit) == 1, (tp, target)
            n = hit["n"].iloc[0]
            assert within(hit["p"].iloc[0], np.sqrt(p * (1 - p) / n), p), (tp, target, p)
            checked += 1
    assert checked >= 12
    for tp, spec in truth.touchpoints.items():
        est = fit.service[tp].mean
        true_minutes = spec.service.mean * MINUTES_PER_DAY
        assert within(est.value, est.se, true_minutes), tp
    # exponential service: AIC picks the exponential, or a gamma it nests with shape ~1 (the
    # extra parameter can win by chance); either way the spread is the mean's (cv 1)
    desk = fit.service["contact_centre"]
    assert desk.distribution in ("exponential", "gamma")
    assert abs(desk.sd / desk.mean.value - 1.0) < 4 / np.sqrt(desk.n)
    assert fit.service["adviser"].distribution in ("gamma", "lognormal")
    rate = fit.arrivals_per_day
    assert within(rate.value, rate.se, 40)
    assert fit.capacity["adviser"] == 1 and fit.capacity["contact_centre"] == 1
    assert fit.capacity["app"] == "unlimited"
    for name, segment in truth.segments.items():
        patience = fit.patience[name]["mean"]
        assert within(patience.value, patience.se, segment.patience * MINUTES_PER_DAY), name


def test_resimulated_kpis_match_within_cis(truth, fitted):
    fit, _ = fitted
    doc, _ = build_document(name="bank-fitted", event_log=fit, horizon_days=60)
    text = to_toml(doc)
    assert text.count("# fitted:") >= 20
    raw = tomllib.loads(text)
    assert raw == plain(doc)
    raw["population"]["returning"] = False
    copy = js.scenario_from_dict(raw, source="fitted")
    reps = 6
    # (the KPI mean_wait_minutes averages over staffed touchpoints: the refit rightly finds
    # that only the adviser ever queues, so compare the adviser's own wait)
    kpis = ("conversion_rate", "journeys", "revenue", "adviser_wait")
    original = {k: [] for k in kpis}
    again = {k: [] for k in kpis}
    for rep in range(reps):
        a, b = (js.simulate(s, seed=100 + rep) for s in (truth, copy))
        a, b = (
            {
                **r.kpis.iloc[0],
                "adviser_wait": r.touchpoints.set_index("touchpoint").loc[
                    "adviser", "mean_wait_minutes"
                ],
            }
            for r in (a, b)
        )
        for k in kpis:
            original[k].append(a[k])
            again[k].append(b[k])
    for k in kpis:
        diff = mean_ci(np.array(again[k]) - np.array(original[k]))
        # the refit carries its own estimation error: allow it on top of the replication noise
        assert diff["ci_low"] <= 0.03 * abs(np.mean(original[k])) and diff["ci_high"] >= (
            -0.03 * abs(np.mean(original[k]))
        ), (k, diff)


def test_segment_rows_that_differ_are_found():
    from journeysim.calibrate.eventlog import segment_differences

    raw = bank_document()
    # bank's two segments share one journey: nothing should differ
    same = fit_event_log(
        load_event_log(
            journey_log(
                js.simulate(js.scenario_from_dict(raw, source="t"), seed=3, event_log=True)
            ),
            today="2100-01-01",
        )
    )
    assert segment_differences(same) == {}
    # the affluent start at the branch far more often: their entry row differs
    log = journey_log(js.simulate(js.scenario_from_dict(raw, source="t"), seed=4, event_log=True))
    firsts = log.drop_duplicates("journey_id")
    moved = firsts[(firsts["segment"] == "affluent") & (firsts["touchpoint"] == "app")].index[::2]
    log.loc[moved, "touchpoint"] = "branch"  # half the affluent app starts become branch starts
    found = segment_differences(fit_event_log(load_event_log(log, today="2100-01-01")))
    assert "entry" in found["affluent"]["p"]
