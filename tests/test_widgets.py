"""The classroom widget layer, headless: the function and the ipywidgets wrapper."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import journeysim as js  # noqa: E402
from journeysim.widgets import budget_mix_strategy, trainer_case, trainer_dashboard  # noqa: E402
from tests.helpers import RETAIL  # noqa: E402


@pytest.fixture(scope="module")
def retail():
    return js.load_scenario(RETAIL, {"population.arrivals_per_day": 10})


def test_budget_split_sets_levers_and_costs(retail):
    all_crm = budget_mix_strategy(retail, 200.0, 1.0, "call_centre")
    crm, cem = all_crm.parts
    assert crm.config.at_risk_share == pytest.approx(0.10)
    assert sum(i.cost_per_day for i in cem.config.touchpoints.values()) == 0
    all_cem = budget_mix_strategy(retail, 200.0, 0.0, "call_centre")
    assert all_cem.parts[0].config.at_risk_share == 0
    assert all_cem.parts[1].config.touchpoints["call_centre"].quality == pytest.approx(0.6)


def test_trainer_case_compares_with_baseline(retail):
    result, fig = trainer_case(retail, crm_share=0.0, budget_per_day=500, horizon="60 d")
    assert result.strategies == ["baseline", "budget_mix"]
    assert len(fig.axes) >= 3
    cost = result.table.set_index(["strategy", "kpi"]).loc[("budget_mix", "cost"), "diff"]
    assert cost == pytest.approx(500 * 60, rel=1e-9)  # the CEM budget, booked every day


def test_dashboard_sliders_rerun_the_simulation(retail):
    dashboard = trainer_dashboard(retail, horizon="30 d", replications=1)
    names = [w.description for w in dashboard.kwargs_widgets]
    assert names == ["CRM share", "Budget/day", "Staff", "Patience (min)"]
    dashboard.kwargs_widgets[2].value = 2  # two call-centre agents
    dashboard.update()
    result, fig = dashboard.result
    assert result.strategies == ["baseline", "budget_mix"]
    runs = result.touchpoints.query("touchpoint == 'call_centre'")
    assert (runs["capacity"] == 2).all()


def test_trainer_case_warns_below_three_replications(retail):
    result, fig = trainer_case(retail, horizon="30 d", replications=2, workers=1)
    assert "WARNING: only 2 replications: no confidence intervals" in fig._suptitle.get_text()
    assert result.table["diff_ci_low"].isna().all()
    plt.close(fig)
