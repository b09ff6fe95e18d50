"""Payback, forest plot in natural units, few-replication warnings, long replication tables."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import journeysim as js  # noqa: E402
from journeysim import plots  # noqa: E402
from journeysim.confidence import mean_ci  # noqa: E402
from journeysim.report import comparison_table, payback_lines  # noqa: E402
from tests.helpers import RETAIL  # noqa: E402

SHORT = {"simulation.horizon": "120 d", "population.arrivals_per_day": 8}


@pytest.fixture(scope="module")
def scenario():
    return js.load_scenario(RETAIL, SHORT)


@pytest.fixture(scope="module")
def comparison(scenario):
    return js.compare(scenario, ["baseline", "crm", "cem"], replications=3, seed=5, workers=1)


def test_payback_table_is_the_paired_cumulative_profit_difference(comparison):
    table = comparison.payback()
    tl = comparison.timelines.pivot_table(
        index=["strategy", "replication"], columns="period", values="profit"
    )
    by_hand = (tl.loc["cem"] - tl.loc["baseline"]).cumsum(axis=1)  # replications x periods
    own = table[table["strategy"] == "cem"].set_index("period")
    for period in own.index:
        ci = mean_ci(by_hand[period].to_numpy())
        assert own.loc[period, "cum_diff"] == pytest.approx(ci["mean"])
        assert own.loc[period, "cum_diff_ci_high"] == pytest.approx(ci["ci_high"])
    # the horizon's cumulative difference is the KPI difference of profit
    runs = comparison.runs.set_index(["strategy", "replication"])["profit"]
    assert own["cum_diff"].iloc[-1] == pytest.approx((runs["cem"] - runs["baseline"]).mean())
    # discounting shrinks every period's flow: |NPV| below the plain sum when all flows agree
    rate = comparison.annual_discount_rate
    factor = (1 + rate) ** (-own["end_day"] / 365)
    flows = np.diff(np.r_[0, own["cum_diff"].to_numpy()])
    assert own["npv"].iloc[-1] == pytest.approx(float((flows * factor).sum()))
    assert (table.loc[table["strategy"] == "baseline", "cum_diff"] == 0).all()


def test_break_even_reads_the_cumulative_curve():
    from journeysim.experiments.payback import _first_from

    periods = np.arange(5)
    assert _first_from(periods, np.array([False, False, True, True, True])) == 2
    assert _first_from(periods, np.array([True, False, True, True, True])) == 2
    assert math.isnan(_first_from(periods, np.array([True, True, True, True, False])))
    assert _first_from(periods, np.ones(5, bool)) == 0


def test_break_even_table_and_cli_line(comparison):
    even = comparison.break_even().set_index("strategy")
    assert list(even.index) == ["crm", "cem"]
    table = comparison.payback()
    last = table[table["strategy"] == "cem"].iloc[-1]
    assert even.loc["cem", "npv"] == pytest.approx(last["npv"])
    # CEM's quality investment costs more than it earns back in 120 days on this scenario
    assert even.loc["cem", "npv_ci_high"] < 0 and math.isnan(even.loc["cem", "break_even_period"])
    text = payback_lines(comparison)
    assert "cem: no break-even within the horizon; NPV -" in text and "EUR" in text


def test_payback_plot_shows_the_table(comparison):
    ax = plots.payback_curve(comparison)
    table = comparison.payback()
    lines = [line for line in ax.get_lines() if line.get_label().startswith("cem")]
    np.testing.assert_allclose(
        lines[0].get_ydata(), table.loc[table["strategy"] == "cem", "cum_diff"]
    )
    assert "(EUR)" in ax.get_ylabel() and "cumulative profit difference" in ax.get_ylabel()
    assert all(float(t).is_integer() for t in ax.get_xticks())
    assert "no break-even" in lines[0].get_label()
    plt.close(ax.figure)
    ax = plots.payback_curve(comparison, discounted=True)
    assert ax.get_ylabel().startswith("NPV")
    plt.close(ax.figure)


def test_forest_has_one_panel_per_kpi_in_its_own_unit(comparison):
    kpis = ("retention_rate", "nps", "profit", "mean_wait_minutes")
    fig = plots.comparison_forest(comparison, kpis=kpis)
    assert len(fig.axes) == 4
    table = comparison.table.set_index(["strategy", "kpi"])
    units = ["(pp)", "(NPS points)", "(EUR)", "(min)"]
    for ax, kpi, unit in zip(fig.axes, kpis, units, strict=True):
        assert ax.get_xlabel().endswith(unit)
        assert ax.get_title(loc="left") == js.kpis.label(kpi)
        assert [t.get_text() for t in ax.get_yticklabels()] == ["crm", "cem"]
        x = [c.lines[0].get_xdata()[0] for c in ax.containers]
        factor = 100 if kpi == "retention_rate" else 1
        assert x == pytest.approx([factor * table.loc[(s, kpi), "diff"] for s in ("crm", "cem")])
    assert "95% CI (3 replications)" in fig._suptitle.get_text()
    plt.close(fig)
    with pytest.raises(js.ScenarioError, match="unknown KPI 'nope'; the comparison has: "):
        plots.comparison_forest(comparison, kpis=("nps", "nope"))


def test_fewer_than_three_replications_show_no_interval_and_say_so(scenario):
    two = js.compare(scenario, ["baseline", "cem"], replications=2, seed=1, workers=1)
    assert two.table["diff_ci_low"].isna().all() and two.table["ci_low"].isna().all()
    text = comparison_table(two.table, two.strategies, two.baseline)
    assert text.startswith("WARNING: only 2 replications: no confidence intervals")
    assert "*" not in text.split("Paired difference")[1].split("\n", 1)[1]
    fig = plots.comparison_forest(two, kpis=("nps",))
    assert "only 2 replications" in fig._suptitle.get_text()
    assert not fig.axes[0].collections  # no error bars
    plt.close(fig)
    ax = plots.payback_curve(two)
    assert "only 2 replications" in ax.get_title() and not ax.collections
    plt.close(ax.figure)


def test_replicate_keeps_every_replication_table(scenario, tmp_path):
    from journeysim.cli import main

    reps = js.replicate(scenario, "baseline", replications=3, seed=4, workers=1)
    assert sorted(reps.timelines["replication"].unique()) == [0, 1, 2]
    assert set(reps.cohorts["replication"]) == {0, 1, 2}
    one = js.simulate(scenario, seed=4, identity=(2,))
    own = reps.timelines[reps.timelines["replication"] == 2].drop(
        columns=["strategy", "replication"]
    )
    pd.testing.assert_frame_equal(own.reset_index(drop=True), one.timeline)
    ax = plots.timeline(reps, "nps")
    assert len(ax.collections) == 1  # a band from the three replications
    plt.close(ax.figure)
    out = tmp_path / "r"
    args = ["run", str(RETAIL), "--replications", "3", "--workers", "1", "--quiet"]
    args += ["--set", "simulation.horizon=60 d", "--set", "population.arrivals_per_day=6"]
    assert main([*args, "--out", str(out)]) == 0
    written = pd.read_csv(out / "timeline.csv")
    assert sorted(written["replication"].unique()) == [0, 1, 2]
