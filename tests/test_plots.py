"""Every plot on real results: returns Axes/Figure, draws something, saves a non-empty PNG."""

import math

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import journeysim as js  # noqa: E402
from journeysim import plots  # noqa: E402
from tests.helpers import RETAIL  # noqa: E402


@pytest.fixture(scope="module")
def scenario():
    return js.load_scenario(
        RETAIL, {"simulation.horizon": "150 d", "population.arrivals_per_day": 12}
    )


@pytest.fixture(scope="module")
def comparison(scenario):
    return js.compare(scenario, ["baseline", "crm", "cem"], replications=3, seed=2, workers=1)


@pytest.fixture(scope="module")
def results(scenario):
    return js.simulate(scenario, seed=2)


@pytest.fixture(scope="module")
def sweep_data(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "out"
    short = {"simulation.horizon": "45 d", "population.arrivals_per_day": 8}
    return js.sweep(ROOT_SWEEP, out=out, workers=1, overrides=short, replications=1)


ROOT_SWEEP = RETAIL.parent / "sweeps" / "retail_staffing.toml"


def saved(thing, tmp_path, name):
    fig = thing if isinstance(thing, Figure) else thing.figure
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    plt.close(fig)
    assert path.stat().st_size > 5_000
    return path


def test_journey_graph(scenario, results, tmp_path):
    ax = plots.journey_graph(scenario, results, color_by="mean_csat")
    assert isinstance(ax, Axes) and len(ax.collections) >= 2  # nodes and edges drawn
    saved(ax, tmp_path, "graph")
    saved(plots.journey_graph(scenario), tmp_path, "graph_plain")


def test_journey_graph_runs_left_to_right_along_the_journey(scenario):
    from journeysim.plots.journeys import _layout

    x = {node: xy[0] for node, xy in _layout(js.build_graph(scenario)).items()}
    assert x["entry"] == 0
    # each step sits right of every step that can lead to it (failures go to support)
    assert x["web"] < x["call_centre"] < x["checkout"] < x["delivery"] < x["support"]
    assert x["purchase"] == x["exit"] == max(x.values())


def test_wait_distribution_needs_and_reads_the_event_log(scenario, results, tmp_path):
    with pytest.raises(ValueError, match="event_log"):
        plots.wait_distribution(results)
    logged = js.simulate(scenario, seed=2, event_log=True)
    ax = plots.wait_distribution(logged)
    queued = logged.touchpoints["capacity"].notna().sum()
    assert len(ax.get_legend().get_texts()) == queued
    for line in ax.get_lines():  # share waiting longer than t: falls from below 1 towards 0
        y = line.get_ydata()
        if len(y):
            assert 0 <= y.min() and y.max() <= 1 and (y[:-1] >= y[1:]).all()
    saved(ax, tmp_path, "wait_distribution")


def test_timeline_leaves_out_a_partial_last_period(scenario):
    short = js.simulate(scenario.with_overrides({"simulation.horizon": "100 d"}), seed=3)
    assert len(short.timeline) == 4  # three 30-day periods and a 10-day stub
    ax = plots.timeline(short, "revenue")
    assert list(ax.get_lines()[0].get_xdata()) == [0, 1, 2]
    plt.close(ax.figure)


@pytest.mark.parametrize("kind", ["results", "comparison"])
def test_customer_views(kind, results, comparison, tmp_path):
    data = results if kind == "results" else comparison
    n = 1 if kind == "results" else 3
    ax = plots.cohort_retention(data)
    assert len(ax.get_lines()) == n
    saved(ax, tmp_path, "cohorts")
    saved(plots.survival_curve(data), tmp_path, "survival")
    ax = plots.timeline(data, "nps")
    assert len(ax.get_lines()) == n
    saved(ax, tmp_path, "nps")
    fig = plots.timeline_panel(data)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    saved(fig, tmp_path, "panel")
    saved(plots.touchpoint_waits(data), tmp_path, "waits")
    saved(plots.touchpoint_utilisation(data), tmp_path, "utilisation")


def test_comparison_views(comparison, tmp_path):
    fig = plots.comparison_forest(comparison)
    assert len(fig.axes) == 6  # one panel per KPI, each with the 2 strategies vs the baseline
    assert all(len(ax.get_yticks()) == 2 for ax in fig.axes)
    saved(fig, tmp_path, "forest")
    ax = plots.cost_benefit(comparison)
    assert len(ax.get_legend().get_texts()) == 2
    saved(ax, tmp_path, "cost_benefit")


def test_plots_draw_on_given_axes(comparison):
    fig, axes = plt.subplots(1, 2)
    assert plots.cohort_retention(comparison, ax=axes[0]) is axes[0]
    assert plots.timeline(comparison, "revenue", ax=axes[1]) is axes[1]
    plt.close(fig)


def test_sweep_views(sweep_data, tmp_path):
    ax = plots.response_curve(sweep_data, "touchpoints.call_centre.capacity", "mean_wait_minutes")
    assert len(ax.get_lines()) >= 3
    saved(ax, tmp_path, "response")
    ax = plots.response_heatmap(
        sweep_data,
        "touchpoints.call_centre.capacity",
        "strategies.cem.cem.touchpoints.call_centre.quality",
        "nps",
        strategy="cem",
    )
    assert ax.images[0].get_array().shape == (3, 3)  # the grid itself: 3 qualities x 3 staffings
    saved(ax, tmp_path, "heatmap")


def _bowl(point, strategy, seed, identity):
    return {"y": (point["p.a"] - 0.3) ** 2 + (point["p.b"] - 0.6) ** 2}


def test_heatmap_of_a_space_filling_design_is_binned(tmp_path):
    """300 LHS points have 300 distinct values per parameter: the heatmap bins them."""
    params = {n: {"low": 0.0, "high": 1.0} for n in ("p.a", "p.b")}
    design = {"kind": "lhs", "samples": 300, "seed": 1}
    data = js.sweep(out=tmp_path / "lhs", workers=1, model=_bowl, parameters=params, design=design)
    ax = plots.response_heatmap(data, "p.a", "p.b", "y", bins=6)
    cells = ax.images[0].get_array()
    assert cells.shape == (6, 6) and cells.count() == 36  # every cell holds runs
    low = np.unravel_index(np.argmin(cells), cells.shape)  # (row = p.b, column = p.a)
    assert low == (3, 1)  # the bowl's bottom (a=0.3, b=0.6) is in the right bin
    assert len(ax.get_xticklabels()) == 6
    saved(ax, tmp_path, "heatmap_lhs")


MORRIS = """
name = "tiny-morris"
scenario = "{scenario}"
strategies = ["baseline"]
replications = 1
seed = 3
outcomes = ["nps", "profit"]

[overrides]
"simulation.horizon" = "45 d"
"population.arrivals_per_day" = 6

[design]
kind = "morris"
samples = 2
levels = 4

[parameters."touchpoints.call_centre.quality"]
low = 5.5
high = 8.0

[parameters."touchpoints.call_centre.capacity"]
type = "int"
low = 1
high = 3
"""


@pytest.fixture(scope="module")
def morris_dir(tmp_path_factory):
    """A real Morris sweep run through ``journeysim sweep --plots``."""
    from journeysim.cli import main

    root = tmp_path_factory.mktemp("morris")
    spec = root / "morris.toml"
    spec.write_text(MORRIS.format(scenario=RETAIL.as_posix()))
    out = root / "out"
    args = ["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet", "--plots"]
    assert main(args) == 0
    return out


def test_sweep_cli_plots_include_sensitivity(morris_dir):
    names = {p.name for p in (morris_dir / "plots").glob("*.png")}
    assert {
        "sensitivity_nps.png",
        "sensitivity_profit.png",
        "response_heatmap_baseline.png",
    } <= names
    assert all(p.stat().st_size > 5_000 for p in (morris_dir / "plots").glob("*.png"))


def test_sensitivity_bars_on_real_morris_indices(morris_dir, tmp_path):
    indices = js.sensitivity(morris_dir, ["nps", "profit"])
    ax = plots.sensitivity_bars(indices, "profit")
    own = indices[indices["kpi"] == "profit"]
    assert [p.get_height() for p in ax.patches] == pytest.approx(list(own["mu"]))  # signed mu
    assert len(ax.containers) == 3  # the mu bars, their error bars, the mu* markers with theirs
    assert [t.get_text() for t in ax.get_xticklabels()] == list(
        indices.loc[indices["kpi"] == "profit", "parameter"]
    )
    saved(ax, tmp_path, "morris")


def _ishigami(point, strategy, seed, identity):
    x1, x2, x3 = point["x1"], point["x2"], point["x3"]
    return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def test_sensitivity_bars_on_real_sobol_indices(tmp_path):
    """A real (small) Saltelli sweep of the Ishigami function: S1 and ST bars per parameter."""
    pytest.importorskip("SALib")
    params = {f"x{i}": {"low": -math.pi, "high": math.pi} for i in (1, 2, 3)}
    design = {"kind": "saltelli", "samples": 256, "seed": 1}
    out = tmp_path / "sobol"
    js.sweep(out=out, workers=1, model=_ishigami, parameters=params, design=design)
    indices = js.sensitivity(out, "y")
    ax = plots.sensitivity_bars(indices)
    assert len(ax.patches) == 2 * 3  # S1 and ST for three parameters
    heights = {round(p.get_height(), 6) for p in ax.patches}
    assert heights == {round(v, 6) for v in indices[["S1", "ST"]].to_numpy().ravel()}
    saved(ax, tmp_path, "sobol")


def test_compact_tick_labels():
    from journeysim.plots._common import _compact

    assert [_compact(v) for v in (0, 950, 25_000, 1_250_000, -40_000)] == [
        "0",
        "950",
        "25k",
        "1.25M",
        "-40k",
    ]


def test_save_figures(comparison, scenario, tmp_path):
    paths = plots.save_figures(comparison, tmp_path / "figs", scenario=scenario)
    assert {p.name for p in paths} >= {"comparison_forest.png", "journey_graph.png"}
    assert all(p.stat().st_size > 5_000 for p in paths)


def test_cli_plots_flag(tmp_path):
    from journeysim.cli import main

    short = ["--set", "simulation.horizon=60 d", "--set", "population.arrivals_per_day=8"]
    assert main(["run", str(RETAIL), "--out", str(tmp_path / "r"), "--plots", *short]) == 0
    assert (tmp_path / "r" / "plots" / "journey_graph.png").stat().st_size > 5_000
    args = ["compare", str(RETAIL), "--strategies", "baseline,cem", "--replications", "2"]
    args += ["--workers", "1", "--quiet", "--out", str(tmp_path / "c"), "--plots", *short]
    assert main(args) == 0
    assert (tmp_path / "c" / "plots" / "cost_benefit.png").exists()


def test_views_name_what_they_cannot_draw(results, sweep_data, comparison):
    with pytest.raises(js.ScenarioError, match="unknown touchpoint column 'nope'; allowed: "):
        plots.journey_graph(js.load_scenario(RETAIL), results, color_by="nope")
    with pytest.raises(js.ScenarioError, match="no column 'foo'; parameters and outcomes: "):
        plots.response_heatmap(sweep_data, "foo", "touchpoints.call_centre.capacity", "nps")
    with pytest.raises(js.ScenarioError, match="no successful run of strategy 'loyalty'"):
        plots.response_heatmap(
            sweep_data,
            "touchpoints.call_centre.capacity",
            "strategies.cem.cem.touchpoints.call_centre.quality",
            "nps",
            strategy="loyalty",
        )
    assert list(comparison.wide(["profit", "nps"]).index) == ["profit", "nps"]  # order asked
