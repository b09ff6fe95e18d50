"""Operations: calendar and windows, demand profile, schedules, opening hours, balking, retries,
priorities set by CEM, the service-level figures and honest overload."""

from __future__ import annotations

import copy
import math

import pytest
import simpy

import journeysim as js
from journeysim.engine.calendar import Calendar, RateProfile
from journeysim.engine.capacity import ScheduledResource
from journeysim.errors import ScenarioError
from journeysim.scenario import scenario_from_dict
from journeysim.scenario.operations import parse_days, week_slots, windows_from_slots
from tests.validation.test_operations import ops_scenario


def test_windows_read_like_a_rota():
    assert parse_days("mon-fri") == [0, 1, 2, 3, 4]
    assert parse_days("sat,sun") == [5, 6]
    assert parse_days("fri-mon") == [0, 4, 5, 6]
    assert parse_days("daily") == list(range(7))
    assert week_slots("mon", "08-10") == [8, 9]
    assert week_slots("sun", "22-02") == [0, 1, 166, 167]  # wraps into Monday
    servers = [1.0] * 168
    servers[8:12] = [3.0] * 4
    rebuilt = [0.0] * 168
    for w in windows_from_slots(servers):
        for slot in week_slots(w["days"], w["hours"]):
            rebuilt[slot] = w["servers"]
    assert rebuilt == servers


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("opening_hours", [{"days": "mon-fri", "hours": "8-25"}], "start 0-23, end 1-24"),
        ("opening_hours", [{"days": "mo-fr", "hours": "8-20"}], "unknown weekday"),
        ("schedule", [{"days": "mon", "hours": "08-20", "servers": -1}], "whole number from 0"),
        ("priority", {"nobody": 0}, "unknown segment 'nobody'"),
        ("retry", {"probability": 0.5, "delay": "5 min", "switch_to": "q"}, "switch_to"),
    ],
)
def test_bad_operations_keys_name_the_field(key, value, message):
    tp = {"capacity": 1, "service": {"mean": "1 min"}, key: value}
    with pytest.raises(ScenarioError) as info:
        ops_scenario(tp, 1.0, 1.0, warmup_days=0)
    assert message in str(info.value)
    assert f"touchpoints.q.{key}" in str(info.value)


def test_patience_table_errors_do_not_ask_for_a_unit():
    with pytest.raises(ScenarioError) as info:
        ops_scenario(
            {"capacity": 1, "service": {"mean": "1 min"}},
            1.0,
            1.0,
            warmup_days=0,
            patience={"distribution": "gamma", "mean": "2 min"},
        )
    assert "a gamma patience needs a positive 'sd'" in str(info.value)
    assert "unit" not in str(info.value)


def test_self_service_takes_no_schedule():
    with pytest.raises(ScenarioError, match="takes no 'schedule'"):
        ops_scenario(
            {
                "capacity": "unlimited",
                "service": {"mean": "1 min"},
                "schedule": [{"days": "mon", "hours": "08-10", "servers": 1}],
            },
            1.0,
            1.0,
            warmup_days=0,
        )


def test_rate_profile_integral_and_its_inverse():
    week = [float(1 + (h % 24 >= 8) * 3 - (h % 24 < 6)) for h in range(168)]
    week = [w * 168 / sum(week) for w in week]
    months = [0.5] * 6 + [1.5] * 6
    profile = RateProfile(week, months, weekday0=3, month0=11)
    for t, amount in [(0.0, 0.01), (0.3, 2.0), (40.2, 17.5), (300.0, 45.0)]:
        end = profile.advance(t, amount)
        assert profile.integral(t, end) == pytest.approx(amount, rel=1e-9)
    # closed hours are skipped: from 02:00 on day 0 (factor 0) the first arrival is after 06:00
    assert profile.advance(2 / 24, 1e-9) == pytest.approx(6 / 24)
    assert Calendar(3).slot(0.0) == 72  # day 0 a Thursday, 00:00


def test_lower_capacity_lets_service_finish_and_higher_starts_waiting_customers():
    env = simpy.Environment()
    res = ScheduledResource(env, 2)
    starts = []

    def customer(name, service):
        with res.request() as req:
            yield req
            starts.append((name, env.now))
            yield env.timeout(service)

    def shifts():
        yield env.timeout(1)
        res.set_capacity(0)  # shift ends: nobody is pre-empted
        yield env.timeout(4)
        res.set_capacity(3)  # three start at once

    for i, service in enumerate([3, 3, 1, 1, 1]):
        env.process(customer(i, service))
    env.process(shifts())
    env.run()
    assert starts == [(0, 0), (1, 0), (2, 5), (3, 5), (4, 5)]


def test_overloaded_touchpoint_is_reported_honestly():
    """rho 1.3, no patience: the queue grows; those still waiting are counted and L = lambda W."""
    scenario = ops_scenario(
        {"capacity": 2, "service": {"mean": "1 min"}, "service_level_target": "20 s"},
        2.6,
        days=1,
        warmup_days=0,
    )
    with pytest.warns(UserWarning, match=r"touchpoint 'q' is overloaded: offered load 2\.\d"):
        results = js.simulate(scenario, seed=3)
    row = results.touchpoints.set_index("touchpoint").loc["q"]
    assert row["waiting_at_end"] > 100
    assert row["offered"] == (
        row["served"] + row["abandoned"] + row["balked"] + row["closed"] + row["waiting_at_end"]
    )
    little = row["arrival_rate_per_day"] * row["mean_wait_minutes"] / 1440
    assert row["mean_queue_length"] == pytest.approx(little, rel=1e-9)
    assert results.warnings and "still waiting at the end" in results.warnings[0]
    assert row["utilisation"] == pytest.approx(1.0, abs=0.01)


def test_closed_touchpoint_wait_or_leave():
    base = {
        "capacity": 1,
        "service": {"mean": "1 min"},
        "opening_hours": [{"days": "daily", "hours": "08-20"}],
    }
    waiting = ops_scenario(base, 0.2, days=3, warmup_days=0, patience="unlimited")
    leaving = ops_scenario({**base, "when_closed": "leave"}, 0.2, days=3, warmup_days=0)
    w = js.simulate(waiting, seed=1)
    row = w.touchpoints.set_index("touchpoint").loc["q"]
    assert row["closed"] == 0 and row["p90_wait_minutes"] > 60  # night arrivals wait for 08:00
    prof = w.profile.set_index(["weekday", "hour"])
    assert prof.loc[("monday", 3), "servers"] == 0
    assert prof.loc[("monday", 3), "service_level"] == 0  # served at 08:00 at the earliest
    left = js.simulate(leaving, seed=1)
    row = left.touchpoints.set_index("touchpoint").loc["q"]
    assert row["closed"] == pytest.approx(row["offered"] / 2, rel=0.1)
    assert left.kpis["abandonment_rate"].iloc[0] == pytest.approx(0.5, abs=0.05)


def test_retry_and_channel_switch_are_counted():
    tp = {
        "capacity": 1,
        "service": {"mean": "1 min"},
        "max_queue": 0,
        "retry": {"probability": 0.5, "delay": "3 min", "attempts": 2},
    }
    raw = ops_scenario(tp, 0.8, days=2, warmup_days=0).document
    raw = copy.deepcopy(raw)
    raw["touchpoints"]["web"] = {"capacity": "unlimited", "service": {"mean": "2 min"}}
    raw["journey"]["routes"]["web"] = {"exit": 1.0}
    raw["touchpoints"]["q"]["retry"]["switch_to"] = "web"
    results = js.simulate(scenario_from_dict(raw), seed=2)
    table = results.touchpoints.set_index("touchpoint")
    q = table.loc["q"]
    assert q["retries"] > 0 and q["switched"] > 0 and q["balked"] > 0
    assert table.loc["web", "visits"] == pytest.approx(q["switched"], abs=2)  # some in service


def test_cem_extra_staff_by_window_and_a_vip_line():
    raw = ops_scenario(
        {
            "capacity": 1,
            "service": {"mean": "1 min"},
            "staff_cost_per_server_hour": 10.0,
            "schedule": [{"days": "mon-fri", "hours": "08-18", "servers": 2}],
        },
        0.5,
        days=7,
        warmup_days=0,
        segments={"vip": 0.2, "rest": 0.8},
    ).document
    raw = copy.deepcopy(raw)
    raw["strategies"] = {
        "peak": {
            "cem": {
                "touchpoints": {
                    "q": {
                        "schedule": [{"days": "mon", "hours": "08-12", "servers": 2}],
                        "priority": {"vip": 0},
                    }
                }
            }
        }
    }
    scenario = scenario_from_dict(raw)
    base = js.simulate(scenario, "baseline", seed=1)
    peak = js.simulate(scenario, "peak", seed=1)
    hours_base = 168 + 5 * 10  # 1 server all week, 2 on weekdays 08-18
    assert base.touchpoints.loc[0, "scheduled_server_hours"] == pytest.approx(hours_base)
    assert base.kpis["cost_staff"].iloc[0] == pytest.approx(10.0 * hours_base)
    assert peak.kpis["cost_staff"].iloc[0] == pytest.approx(10.0 * (hours_base + 8))
    prof = peak.profile.set_index(["weekday", "hour"])
    assert prof.loc[("monday", 9), "servers"] == 4
    assert prof.loc[("tuesday", 9), "servers"] == 2


def test_needs_follow_the_profile_with_the_same_mean_gap():
    raw = copy.deepcopy(js.load_scenario("scenarios/retail.toml").document)
    raw["simulation"]["horizon"] = "120 d"
    hourly = [0] * 7 + [1] * 14 + [0] * 3
    raw["population"]["demand"] = {"hourly": hourly}
    results = js.simulate(scenario_from_dict(raw), seed=5, event_log=True)
    ev = results.events
    # visits of a few minutes at the self-service entry points: they end when they start
    starts = ev[(ev["event"] == "visited") & ev["touchpoint"].isin(["web", "app"])]["time"]
    hours = ((starts * 24) % 24).astype(int)
    assert hours.between(7, 23).mean() > 0.99  # nobody shops at 3 a.m.
    flat = copy.deepcopy(raw)
    del flat["population"]["demand"]
    k_flat = js.simulate(scenario_from_dict(flat), seed=5).kpis["journeys"].iloc[0]
    k_prof = results.kpis["journeys"].iloc[0]
    assert k_prof == pytest.approx(k_flat, rel=0.05)


def test_default_scenarios_keep_the_fast_path():
    scenario = js.load_scenario("scenarios/retail.toml", overrides={"simulation.horizon": "20 d"})
    results = js.simulate(scenario, seed=1)
    assert results.profile is None or set(results.profile["touchpoint"]) == {
        name for name, tp in scenario.touchpoints.items() if tp.operations
    }
    assert not math.isnan(results.kpis["mean_wait_minutes"].iloc[0])


def test_service_profile_plot_shows_the_week():
    import matplotlib

    matplotlib.use("Agg")
    from journeysim import plots

    scenario = ops_scenario(
        {
            "capacity": 1,
            "service": {"mean": "1 min"},
            "opening_hours": [{"days": "mon-fri", "hours": "08-18"}],
        },
        0.3,
        days=7,
        warmup_days=0,
    )
    results = js.simulate(scenario, seed=1)
    ax = plots.service_profile(results, "q", "servers")
    grid = ax.images[0].get_array()
    assert grid.shape == (7, 24)
    assert grid[0, 9] == 1 and grid[0, 20] == 0 and grid[6, 12] == 0
    assert "servers" in ax.get_title()
    with pytest.raises(ValueError, match="no hour-of-week profile"):
        plots.service_profile(results, "nowhere")


def test_cli_prints_overload_as_a_plain_note(capsys):
    from journeysim.cli import main

    args = ["run", "scenarios/saas.toml", "--set", "simulation.horizon=10 d"]
    assert main([*args, "--set", "population.arrivals_per_day=300"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("note: touchpoint 'support_chat' is overloaded")
    assert "UserWarning" not in err


def test_unknown_start_weekday_names_the_field():
    with pytest.raises(ScenarioError) as info:
        ops_scenario(
            {"capacity": 1, "service": {"mean": "1 min"}},
            1.0,
            1.0,
            warmup_days=0,
            simulation={"start_weekday": "someday"},
        )
    assert "simulation.start_weekday" in str(info.value)
    assert "monday..sunday" in str(info.value)
