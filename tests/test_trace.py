"""The event log (one meaning per column) and the per-customer trace (table and plot)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import journeysim as js  # noqa: E402
from journeysim import plots  # noqa: E402
from journeysim.engine.results import EVENT_COLUMNS  # noqa: E402
from tests.helpers import RETAIL  # noqa: E402


@pytest.fixture(scope="module")
def run():
    scenario = js.load_scenario(
        RETAIL,
        {
            "simulation.horizon": "90 d",
            "simulation.burn_in": "0 d",
            "simulation.start": "empty",
            "population.arrivals_per_day": 8,
        },
    )
    return scenario, js.simulate(scenario, seed=3, event_log=True)


def test_event_log_columns_have_one_meaning_each(run):
    _, results = run
    events = results.events
    assert list(events.columns) == list(EVENT_COLUMNS)
    visits = events[events["event"].isin(["visited", "failed", "abandoned"])]
    served = visits[visits["event"] != "abandoned"]
    # arrival <= service start <= end, and the wait is service start - arrival, in minutes
    # (a visit that retried waited less than that: the delays between attempts are no queue)
    assert (served["arrival"] <= served["service_start"]).all()
    assert (served["service_start"] <= served["time"] + 1e-12).all()
    elapsed = (served["service_start"] - served["arrival"]) * 1440
    assert (elapsed >= served["wait_minutes"] - 1e-6).all()
    retried = elapsed > served["wait_minutes"] + 1e-6
    assert 0 < retried.sum() < 0.01 * len(served)  # the retail call centre's callers call back
    assert set(served.loc[retried, "touchpoint"]) <= {"call_centre"}
    np.testing.assert_allclose(served.loc[~retried, "wait_minutes"], elapsed[~retried], atol=1e-6)
    assert visits.loc[visits["event"] == "abandoned", "service_start"].isna().all()
    # money only on journey ends, LTR 0-10 on survey answers, segment only at acquisition
    assert events.loc[~events["event"].isin(["purchase", "exit"]), "amount"].isna().all()
    assert events.loc[events["event"] == "purchase", "amount"].sum() == pytest.approx(
        results.kpis["revenue"].iloc[0]
    )
    answers = events.loc[events["event"] == "survey", "ltr"]
    assert answers.between(0, 10).all() and len(answers) == results.kpis["survey_responses"][0]
    assert events.loc[events["event"] != "acquired", "segment"].isna().all()
    decisions = events[events["event"] == "churn_decision"]
    assert decisions["churn_probability"].between(0, 1).all() and len(decisions)
    assert events.loc[events["event"] != "churn_decision", "churn_probability"].isna().all()
    # every churn follows a decision at the same moment
    churned = events[events["event"] == "churned"]
    keys = set(zip(decisions["customer"], decisions["time"], strict=True))
    assert all((c, t) in keys for c, t in zip(churned["customer"], churned["time"], strict=True))
    # mean wait at queued touchpoints equals the touchpoint table's
    # (only at touchpoints on the plain FIFO path: those with operations keys count every
    # offered attempt, balks, closed arrivals and censored waits, which the log does not pair)
    tp = results.touchpoints.set_index("touchpoint")
    plain = tp.index[tp["capacity"].notna() & tp["asa_minutes"].isna()]
    for name in plain:
        mine = visits.loc[visits["touchpoint"] == name, "wait_minutes"].mean()
        assert mine == pytest.approx(tp.loc[name, "mean_wait_minutes"], rel=1e-9, abs=1e-12)
    # at operations touchpoints a row of the log is a visit, which may take several attempts
    # (retries); the table counts attempts: its queue time over every offered attempt is the
    # log's over every visit, and ASA (the answered attempt's own wait) is at most the log's
    # wait of the served, which adds the waits of earlier, abandoned attempts of the same visit.
    # The horizon is at midnight: nobody is in service, and nobody still waits here
    ops = tp.index[tp["asa_minutes"].notna() & tp["service_level"].notna()]
    assert {"store", "call_centre", "support"} <= set(ops)
    for name in ops:
        mine = visits[visits["touchpoint"] == name]
        done = mine[mine["event"] != "abandoned"]
        assert tp.loc[name, "waiting_at_end"] == 0
        assert len(done) == tp.loc[name, "served"]
        assert mine["wait_minutes"].sum() == pytest.approx(
            tp.loc[name, "mean_wait_minutes"] * tp.loc[name, "offered"], rel=1e-9
        )
        assert tp.loc[name, "asa_minutes"] * len(done) <= done["wait_minutes"].sum() + 1e-9
        # a retried visit's arrival is its first attempt's: service starts after the delay too
        elapsed = (done["service_start"] - done["arrival"]) * 1440
        assert (elapsed >= done["wait_minutes"] - 1e-6).all()


def test_asa_is_the_mean_wait_of_the_answered_when_nobody_retries():
    """Without retries a visit is one attempt: the log's mean wait of the served is the ASA."""
    changes = {
        "simulation.horizon": "60 d",
        "simulation.burn_in": "0 d",
        "simulation.start": "empty",
    }
    changes["population.arrivals_per_day"] = 8
    for name in ("call_centre",):
        changes[f"touchpoints.{name}.retry.probability"] = 0.0
    results = js.simulate(js.load_scenario(RETAIL, changes), seed=4, event_log=True)
    events, tp = results.events, results.touchpoints.set_index("touchpoint")
    for name in ("store", "call_centre", "support"):
        done = events[(events["touchpoint"] == name) & events["event"].isin(["visited", "failed"])]
        assert len(done) == tp.loc[name, "served"]
        assert done["wait_minutes"].mean() == pytest.approx(tp.loc[name, "asa_minutes"], rel=1e-9)
        elapsed = (done["service_start"] - done["arrival"]) * 1440
        np.testing.assert_allclose(elapsed, done["wait_minutes"], atol=1e-6)


def test_logging_draws_nothing(run):
    scenario, results = run
    plain = js.simulate(scenario, seed=3)
    assert plain.kpis.equals(results.kpis)


def test_trace_table_and_plot(run):
    scenario, results = run
    table = js.experiments.customer_trace(results, n=2)
    assert table["customer"].nunique() == 2
    first = table[table["customer"] == table["customer"].iloc[0]]
    assert first["event"].iloc[0] == "acquired" and first["journey"].iloc[0] == 0
    ends = first[first["event"].isin(["purchase", "exit"])]
    assert list(ends["journey"]) == list(range(1, len(ends) + 1)) and len(ends) >= 2
    assert js.trace(scenario, seed=3, customers=[int(first["customer"].iloc[0])]).equals(
        table[table["customer"] == first["customer"].iloc[0]].reset_index(drop=True)
    )
    fig = plots.customer_trace_plot(table)
    assert len(fig.axes) == 2
    ax = fig.axes[0]
    sat = next(line for line in ax.get_lines() if line.get_label() == "satisfaction")
    np.testing.assert_allclose(
        sat.get_ydata(),
        first.loc[first["event"].isin(["acquired", "purchase", "exit", "churned"]), "satisfaction"],
    )
    assert ax.get_title(loc="left").startswith(f"customer {first['customer'].iloc[0]} (")
    assert ax.get_ylabel() == "quality scale"
    plt.close(fig)
    with pytest.raises(js.ScenarioError, match="no customer 999999"):
        js.experiments.customer_trace(results, [999999])
    with pytest.raises(js.ScenarioError, match="event_log=True"):
        js.experiments.customer_trace(js.simulate(scenario, seed=3))
