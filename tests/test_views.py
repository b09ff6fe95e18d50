"""What the survival, journey-graph and timeline views show (values, labels, units)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import journeysim as js  # noqa: E402
from journeysim import plots  # noqa: E402
from journeysim.plots.customers import fit_sbg, prior_survival  # noqa: E402
from tests.helpers import RETAIL  # noqa: E402
from tests.validation.theory import sbg_scenario, sbg_survival  # noqa: E402

A, B = 1.2, 6.0


@pytest.fixture(scope="module")
def sbg():
    scenario = sbg_scenario(A, B, horizon_days=180, arrivals_per_day=20)
    return scenario, js.simulate(scenario, seed=3)


def test_survival_fit_recovers_a_known_prior_on_the_models_clock(sbg):
    scenario, results = sbg
    fit = fit_sbg(results.cohorts)
    assert fit["a_low"] < A < fit["a_high"] and fit["b_low"] < B < fit["b_high"]
    assert fit["a_high"] / fit["a_low"] < 4  # an interval that says something
    t = np.arange(6)
    np.testing.assert_allclose(prior_survival(scenario, t), [sbg_survival(A, B, k) for k in t])
    ax = plots.survival_curve(results, scenario)
    prior = next(line for line in ax.get_lines() if line.get_label() == "scenario prior")
    np.testing.assert_allclose(prior.get_ydata(), prior_survival(scenario, prior.get_xdata()))
    observed = next(line for line in ax.get_lines() if line.get_label() == "baseline simulated")
    assert observed.get_xdata()[0] == 0 and observed.get_ydata()[0] == 1.0  # no decision yet
    assert ax.get_xlabel().startswith("churn decisions made")
    assert any("sBG MLE a=" in line.get_label() for line in ax.get_lines())
    plt.close(ax.figure)


def test_survival_fit_is_bounded_and_declines_without_data(sbg):
    _, results = sbg
    short = results.cohorts[["cohort", "customers", "0", "1", "2"]]
    assert fit_sbg(short) is None  # one decision: nothing to fit
    no_churn = results.cohorts.copy()
    for column in [c for c in no_churn.columns if c.isdigit()]:
        no_churn[column] = no_churn[column].where(no_churn[column].isna(), 1.0)
    assert fit_sbg(no_churn) is None


@pytest.fixture(scope="module")
def retail():
    return js.load_scenario(
        RETAIL, {"simulation.horizon": "90 d", "population.arrivals_per_day": 8}
    )


def test_journey_graph_fixed_scale_legend_probabilities_and_clear_edges(retail):
    from journeysim.plots.journeys import _edge_routes, _layout

    results = js.simulate(retail, seed=1)
    ax = plots.journey_graph(retail, results)
    nodes = [c for c in ax.collections if c.get_array() is not None]
    assert nodes[0].get_clim() == (0.0, 30.0)  # fixed, not the data's own range
    colorbar = ax.figure.axes[-1]
    assert colorbar.get_ylabel() == "mean wait (minutes)"
    graph = js.build_graph(retail)
    labels = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("edge")}
    assert len(labels) == graph.number_of_edges()
    assert labels["edge:entry->web"] == f"{graph.edges['entry', 'web']['p']:.2g}"
    routes = _edge_routes(graph, _layout(graph), ax)
    assert min(clearance for _, clearance in routes.values()) > 0  # no edge through a node
    plt.close(ax.figure)


@pytest.fixture(scope="module")
def comparison(retail):
    return js.compare(retail, ["baseline", "cem"], replications=3, seed=1, workers=1)


def test_graph_of_a_comparison_and_the_paired_differences(retail, comparison):
    ax = plots.journey_graph(retail, comparison, strategy="cem", color_by="utilisation")
    nodes = [c for c in ax.collections if c.get_array() is not None]
    assert nodes[0].get_clim() == (0.0, 1.0) and "(cem)" in ax.get_title()
    plt.close(ax.figure)
    fig = plots.timeline_differences(comparison, kpis=("nps", "profit"))
    table = comparison.timelines.pivot_table(
        index="period", columns=["strategy", "replication"], values="nps"
    )
    diff = (table["cem"] - table["baseline"]).mean(axis=1)
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), diff.to_numpy())
    assert fig.axes[1].get_ylabel() == "difference (EUR)"
    assert all(float(t).is_integer() for t in fig.axes[0].get_xticks())
    assert len(fig.axes[0].collections) == 1  # the 95% band
    plt.close(fig)


def test_existing_views_draw_the_replication_means(comparison):
    from journeysim.confidence import t_half_width

    tl = comparison.timelines
    nps = tl[tl["strategy"] == "cem"].pivot(index="period", columns="replication", values="nps")
    ax = plots.timeline(comparison, "nps")
    line = next(line for line in ax.get_lines() if line.get_label() == "cem")
    full = nps.index[:-1] if len(nps) > 3 else nps.index  # 90 days = three full periods
    np.testing.assert_allclose(line.get_ydata(), nps.loc[full].mean(axis=1))
    assert ax.get_ylabel() == "NPS" and all(float(t).is_integer() for t in ax.get_xticks())
    plt.close(ax.figure)
    ax = plots.touchpoint_waits(comparison)
    tp = comparison.touchpoints
    queued = tp[tp["capacity"].notna() & (tp["strategy"] == "baseline")]
    means = queued.groupby("touchpoint", sort=False)["mean_wait_minutes"]
    from matplotlib.container import BarContainer

    bars = [c for c in ax.containers if isinstance(c, BarContainer)][0]  # baseline mean waits
    np.testing.assert_allclose([b.get_height() for b in bars], means.mean().to_numpy())
    assert ax.get_ylabel() == "wait (minutes)"
    plt.close(ax.figure)
    ax = plots.cost_benefit(comparison)
    runs = comparison.runs.set_index(["strategy", "replication"])
    extra = (runs.loc["cem", "cost"] + runs.loc["cem", "discounts"]) - (
        runs.loc["baseline", "cost"] + runs.loc["baseline", "discounts"]
    )
    x = ax.containers[0].lines[0].get_xdata()[0]
    assert x == pytest.approx(extra.mean())
    half = float(t_half_width(extra.std(ddof=1), 3))
    assert half >= 0
    plt.close(ax.figure)
