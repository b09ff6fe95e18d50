"""Customers and markets (issue 12): per-segment results, segment journeys, state routing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import journeysim as js
from journeysim.cli import main
from journeysim.kpis import SEGMENT_COLUMNS
from tests.helpers import RETAIL, minimal

SHORT = {"simulation.horizon": "90 d", "population.arrivals_per_day": 8}


@pytest.fixture(scope="module")
def retail_loyalty():
    scenario = js.load_scenario(RETAIL, overrides=SHORT)
    return js.simulate(scenario, "hybrid", seed=5)


def test_segment_table_adds_up_to_the_headline_figures(retail_loyalty):
    seg, kpis = retail_loyalty.segments, retail_loyalty.kpis.iloc[0]
    assert list(seg.columns) == ["segment", *SEGMENT_COLUMNS]
    assert list(seg["segment"]) == ["value", "premium"]
    for column in (
        "customers_acquired",
        "customers_referred",
        "customers_active_end",
        "customers_churned",
        "survey_responses",
        "journeys",
        "purchases",
    ):
        assert seg[column].sum() == kpis[column], column
    for column in ("revenue", "discounts"):
        assert seg[column].sum() == pytest.approx(kpis[column], rel=1e-12)
    clv = (seg["clv"] * seg["customers_acquired"]).sum() / seg["customers_acquired"].sum()
    assert clv == pytest.approx(kpis["clv"], rel=1e-12)
    nps = (seg["nps"] * seg["survey_responses"]).sum() / seg["survey_responses"].sum()
    assert nps == pytest.approx(kpis["nps"], rel=1e-12)
    assert seg["retention_rate"].between(0, 1).all()
    # the premium segment spends more per purchase (its basket is larger)
    per_purchase = seg["revenue"] / seg["purchases"]
    assert per_purchase.iloc[1] > per_purchase.iloc[0]


def test_compare_gives_paired_differences_per_segment():
    scenario = js.load_scenario(RETAIL, overrides={**SHORT, "simulation.horizon": "60 d"})
    result = js.compare(scenario, ["baseline", "cem"], replications=2, seed=1, workers=1)
    table = result.segment_table
    assert set(table["segment"]) == {"value", "premium"}
    assert len(table) == 2 * 2 * len(SEGMENT_COLUMNS)
    base = table[table["strategy"] == "baseline"]
    assert (base["diff"] == 0).all()
    runs = result.segments
    cem = runs[(runs["strategy"] == "cem") & (runs["segment"] == "premium")]
    row = table[(table["strategy"] == "cem") & (table["segment"] == "premium")]
    row = row[row["kpi"] == "revenue"].iloc[0]
    assert row["mean"] == pytest.approx(cem["revenue"].mean())
    assert row["n"] == 2


def test_cli_by_segment_prints_and_writes_segment_tables(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["--set", "simulation.horizon=60 d", "--set", "population.arrivals_per_day=5"]
    assert main(["run", str(RETAIL), "--by-segment", "--out", str(out), *args]) == 0
    text = capsys.readouterr().out
    assert "Per segment" in text and "premium" in text
    assert len(pd.read_csv(out / "segments.csv")) == 2
    cmp_out = tmp_path / "cmp"
    argv = ["compare", str(RETAIL), "--strategies", "baseline,crm", "--replications", "2"]
    argv += ["--by-segment", "--quiet", "--workers", "1", "--out", str(cmp_out)]
    assert main([*argv, *args]) == 0
    text = capsys.readouterr().out
    assert "Segment value" in text and "Segment premium" in text
    assert not math.isnan(pd.read_csv(cmp_out / "segment_comparison.csv")["mean"].iloc[0])


# -- segment journeys and state-dependent routing ----------------------------------------------


def _two_segments(**journey_b):
    raw = minimal(**{"simulation__horizon": "40 d"})
    a = raw["segments"].pop("all")
    raw["segments"] = {"a": {**a, "share": 0.5}, "b": {**a, "share": 0.5}}
    if journey_b:
        raw["segments"]["b"]["journey"] = journey_b
    return raw


def test_segment_journey_overrides_entry_and_rows():
    raw = _two_segments(entry={"desk": 1.0}, routes={"desk": {"exit": 1.0}})
    results = js.simulate(js.scenario_from_dict(raw), seed=3, event_log=True)
    events = results.events
    segment = events[events["event"] == "acquired"].set_index("customer")["segment"]
    visits = events[events["event"].isin(["visited", "abandoned"])]
    by_segment = visits.groupby(visits["customer"].map(segment))["touchpoint"].unique()
    assert set(by_segment["b"]) == {"desk"}
    assert {"web", "desk"} <= set(by_segment["a"])
    seg = results.segments.set_index("segment")
    assert seg.loc["b", "purchases"] == 0 < seg.loc["a", "purchases"]


def test_segment_journey_is_validated_like_the_global_one():
    with pytest.raises(js.ScenarioError, match=r"segments\.b\.journey\.routes\.desk"):
        js.scenario_from_dict(_two_segments(routes={"desk": {"exit": 0.9}}))
    with pytest.raises(js.ScenarioError, match=r"segments\.b\.journey\.entry\.shop"):
        js.scenario_from_dict(_two_segments(entry={"shop": 1.0}))
    bad = {"web": {"exit": {"loyalty": 1.0}}, "desk": {"exit": {"loyalty": 1.0}}}
    with pytest.raises(js.ScenarioError, match=r"segments\.b\.journey\.state_routing\.desk\.exit"):
        js.scenario_from_dict(_two_segments(state_routing=bad))


def test_state_weights_must_name_a_live_edge():
    raw = minimal(journey__state_routing={"web": {"checkout": {"satisfaction": -0.5}}})
    with pytest.raises(js.ScenarioError, match=r"journey\.state_routing\.web\.checkout"):
        js.scenario_from_dict(raw)


class _Customer:
    segment = "a"
    satisfaction = 6.0
    loyalty = 0.5
    complaints = 2
    recent_failure = True
    acquired_at = 0.0
    member = True


def test_state_routing_is_a_renormalised_log_odds_shift_using_u_only():
    from journeysim.engine.routing import StateRouting
    from journeysim.scenario.schema import StateWeights

    row = {"purchase": 0.6, "desk": 0.1, "exit": 0.3}
    weights = {
        "desk": StateWeights(satisfaction=-0.4, complaints=0.5, recent_failure=1.0),
        "exit": StateWeights(loyalty=-2.0, tenure_years=0.3, member=-0.5),
    }
    rule = StateRouting(row, weights, lambda t: t, satisfaction_when_met=7.5)
    c, now = _Customer(), 730.0
    raw = {
        "purchase": 0.6,
        "desk": 0.1 * math.exp(-0.4 * (6.0 - 7.5) + 0.5 * 2 + 1.0),
        "exit": 0.3 * math.exp(-2.0 * 0.5 + 0.3 * 2.0 - 0.5),
    }
    total = sum(raw.values())
    expected = [raw[t] / total for t in ("purchase", "desk", "exit")]
    assert rule.probabilities(c, now) == pytest.approx(expected, rel=1e-12)
    n = 100_000
    hits = {t: 0 for t in raw}
    for i in range(n):
        hits[rule.next(c, now, (i + 0.5) / n)] += 1
    assert [hits[t] / n for t in ("purchase", "desk", "exit")] == pytest.approx(expected, abs=2e-5)
    # a customer with every feature at 0 gets the file's row
    neutral = _Customer()
    neutral.satisfaction, neutral.loyalty, neutral.complaints = 7.5, 0.0, 0
    neutral.recent_failure = neutral.member = False
    assert rule.probabilities(neutral, 0.0) == pytest.approx([0.6, 0.1, 0.3], rel=1e-12)


def test_unhappy_customers_call_more_in_a_run():
    # desk is weighed up for dissatisfied customers after web: more desk visits, same arrivals
    base = js.simulate(js.scenario_from_dict(minimal()), seed=2)
    shifted = minimal(journey__state_routing={"web": {"desk": {"satisfaction": -1.5}}})
    run = js.simulate(js.scenario_from_dict(shifted), seed=2)
    desk = {r.touchpoints.set_index("touchpoint").loc["desk", "visits"] for r in (base, run)}
    assert run.kpis["customers_acquired"].iloc[0] == base.kpis["customers_acquired"].iloc[0]
    assert len(desk) == 2
    assert (
        run.touchpoints.set_index("touchpoint").loc["desk", "visits"]
        > base.touchpoints.set_index("touchpoint").loc["desk", "visits"]
    )


# -- steady-state start (burn-in) --------------------------------------------------------------


def _steady(burn_in: str) -> js.Scenario:
    raw = minimal(
        simulation__horizon="300 d",
        simulation__burn_in=burn_in,
        simulation__churn="period",
        population__arrivals_per_day=4,
    )
    raw["segments"]["all"].update(time_between_needs="10 d", churn={"a": 3.0, "b": 12.0})
    return js.scenario_from_dict(raw)


def test_burn_in_is_counted_nowhere(tmp_path):
    scenario = _steady("200 d")
    results = js.simulate(scenario, "baseline", seed=1, event_log=True)
    k = results.kpis.iloc[0]
    events = results.events
    counted = events[events["time"] >= 0]
    assert k["customers_at_start"] > 0
    assert k["customers_acquired"] == (counted["event"] == "acquired").sum()
    assert k["customers_acquired"] == results.timeline["new_customers"].sum()
    assert k["purchases"] == (counted["event"] == "purchase").sum()
    assert k["journeys"] == counted["event"].isin(["purchase", "exit"]).sum()
    assert k["customers_active_end"] == (
        k["customers_at_start"] + k["customers_acquired"] - k["customers_churned"]
    )
    assert results.timeline["active_end"].iloc[-1] == k["customers_active_end"]
    visits = counted[counted["event"].isin(["visited", "abandoned"])]
    desk = results.touchpoints.set_index("touchpoint").loc["desk", "visits"]
    # a visit is counted when it starts after day 0; the log records when it ends
    assert abs(desk - (visits["touchpoint"] == "desk").sum()) <= 2
    # staff cost is for the horizon only: 300 days of one server at 100 a day
    assert k["cost"] == pytest.approx(300 * 100.0)
    seg = results.segments.iloc[0]
    assert seg["customers_at_start"] == k["customers_at_start"]
    assert 0 < k["retention_rate"] < 1


def test_baseline_with_burn_in_is_stationary():
    """Active base, NPS and abandonment: first five periods vs last five, paired by run."""
    reps = 5

    def drift(burn_in: str) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {"active_end": [], "nps": [], "abandoned": []}
        for r in range(reps):
            timeline = js.simulate(_steady(burn_in), seed=9, identity=(r,)).timeline
            share = timeline["abandoned_journeys"] / timeline["journeys"]
            for key, column in (
                ("active_end", timeline["active_end"]),
                ("nps", timeline["nps"]),
                ("abandoned", share),
            ):
                out[key].append(column.iloc[-5:].mean() - column.iloc[:5].mean())
        return out

    steady = drift("500 d")
    for key, values in steady.items():
        mean = float(np.mean(values))
        se = float(np.std(values, ddof=1) / math.sqrt(reps))
        assert abs(mean) < 4 * se + 1e-9, (key, mean, se)
    # without the burn-in the base starts empty and grows: the same check fails
    cold = drift("0 d")["active_end"]
    assert np.mean(cold) > 10 * np.std(cold, ddof=1) / math.sqrt(reps)
