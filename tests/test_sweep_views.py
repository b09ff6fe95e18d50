"""Sweeps that show signal: common random numbers, re-runs, signed Morris, undefined KPIs."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import journeysim as js  # noqa: E402
from journeysim import plots  # noqa: E402
from tests.helpers import RETAIL  # noqa: E402

SPEC = {
    "scenario": str(RETAIL),
    "strategies": ["baseline", "crm"],
    "replications": 3,
    "seed": 4,
    "outcomes": ["nps", "retention_rate", "mean_wait_minutes", "profit"],
    "overrides": {"simulation.horizon": "30 d", "population.arrivals_per_day": 6},
    "parameters": {
        "touchpoints.call_centre.capacity": {"type": "int", "low": 1, "high": 2},
        "strategies.crm.crm.offer_discount": {"values": [0.05, 0.15]},
        "segments.value.patience": {"values": [2, 8], "unit": "min"},
    },
}


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("crn") / "out"
    js.sweep(out=out, workers=1, **SPEC)
    return out


def test_common_random_numbers_across_points_and_stored_identity(sweep_dir):
    data = js.load_sweep(sweep_dir)
    assert set(data["identity"]) == {"[0]", "[1]", "[2]"}
    assert (data["identity"] == data["replication"].map(lambda r: f"[{r}]")).all()
    # the CRM discount cannot touch the baseline: with CRN its runs are identical across it
    base = data[data["strategy"] == "baseline"]
    spread = base.groupby(
        ["touchpoints.call_centre.capacity", "segments.value.patience", "replication"]
    )["profit"].nunique()
    assert (spread == 1).all()
    # replication r is replication r of compare() with the same seed (the same streams)
    first = data.iloc[0]
    scenario = js.load_scenario(
        RETAIL,
        {
            **SPEC["overrides"],
            "touchpoints.call_centre.capacity": int(first["touchpoints.call_centre.capacity"]),
            "strategies.crm.crm.offer_discount": float(first["strategies.crm.crm.offer_discount"]),
            "segments.value.patience": f"{first['segments.value.patience']} min",
        },
    )
    assert (
        js.simulate(scenario, "baseline", 4, identity=(0,)).kpis["profit"].iloc[0]
        == first["profit"]
    )


def test_independent_streams_per_point_on_request(tmp_path):
    def echo(point, strategy, seed, identity):
        return {"y": float(len(identity))}

    data = js.sweep(
        out=tmp_path / "off",
        workers=1,
        model=echo,
        parameters={"a": {"values": [0, 1]}},
        common_random_numbers=False,
    )
    assert (data["y"] == 5).all() and data["identity"].nunique() == 2


def test_rerun_returns_the_full_results_equal_to_the_stored_kpis(sweep_dir, tmp_path):
    from journeysim.cli import main

    data = js.load_sweep(sweep_dir)
    row = data.iloc[7]
    results = js.rerun(sweep_dir, row, event_log=True)
    for kpi in SPEC["outcomes"]:
        a, b = results.kpis[kpi].iloc[0], row[kpi]
        assert a == b or (math.isnan(a) and math.isnan(b))
    assert len(results.timeline) and results.events is not None and len(results.events)
    assert results.kpis["strategy"].iloc[0] == row["strategy"]
    assert main(["rerun", str(sweep_dir), "7", "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "timeline.csv").exists()
    assert main(["rerun", str(sweep_dir), "999"]) == 2


def test_response_curve_units_ticks_pairing_and_reach(sweep_dir):
    data = js.load_sweep(sweep_dir)
    ax = plots.response_curve(data, "strategies.crm.crm.offer_discount", "profit")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    reach = "not drawn (strategies.crm.crm.offer_discount cannot affect): baseline"
    assert sorted(labels) == ["crm", reach]
    assert ax.get_ylabel() == "profit (margin - cost) (EUR)"
    plt.close(ax.figure)
    p = "segments.value.patience"
    ax = plots.response_curve(data, p, "mean_wait_minutes", unit="min", paired=True)
    assert ax.get_xlabel() == f"{p} (min)"
    assert "95% CI over 3 replications" in ax.get_title()
    line = ax.containers[0].lines[0]
    assert list(line.get_xdata()) == [2, 8] and line.get_ydata()[0] == 0  # change from first
    assert all(float(t).is_integer() for t in ax.get_xticks())
    base = data[data["strategy"] == "baseline"]
    per = base.groupby([p, "replication"])["mean_wait_minutes"].mean().unstack()
    assert line.get_ydata()[1] == pytest.approx((per.loc[8] - per.loc[2]).mean())
    plt.close(ax.figure)
    ax = plots.response_heatmap(
        data, "touchpoints.call_centre.capacity", p, "profit", strategy="baseline"
    )
    assert "noise: cell means +-" in ax.get_title()
    assert ax.figure.axes[-1].get_ylabel() == "profit (margin - cost) (EUR)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]
    plt.close(ax.figure)
    ax = plots.response_heatmap(data, "touchpoints.call_centre.capacity", p, "retention_rate")
    assert "retention_rate undefined in these runs" in ax.get_title()  # 30 days: no full period
    assert ax.figure.axes[-1].get_ylabel() == "retention (per period) (%)"
    plt.close(ax.figure)
    one = data[data["replication"] == 0]
    ax = plots.response_curve(one, p, "nps")
    assert "only 1 replication" in ax.get_title() and not ax.containers[0].has_yerr
    plt.close(ax.figure)


def _signed(point, strategy, seed, identity):
    return {"y": 5 - 3 * point["a"] + point["b"], "u": math.nan}


def test_signed_morris_and_an_undefined_kpi_is_named_not_fatal(tmp_path):
    params = {n: {"low": 0.0, "high": 1.0} for n in "ab"}
    design = {"kind": "morris", "samples": 6, "levels": 4, "seed": 2}
    out = tmp_path / "m"
    js.sweep(out=out, workers=1, model=_signed, parameters=params, design=design)
    with pytest.warns(UserWarning, match=r"u is undefined \(NaN\) at every design point"):
        indices = js.sensitivity(out)
    assert set(indices["kpi"]) == {"y"}
    own = indices.set_index("parameter")
    assert own.loc["a", "mu"] == pytest.approx(-3) and own.loc["a", "mu_star"] == pytest.approx(3)
    assert own.loc["b", "mu"] == pytest.approx(1)
    ax = plots.sensitivity_bars(indices, "y")
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([-3, 1])
    assert np.allclose(ax.patches[0].get_facecolor()[:3], matplotlib.colors.to_rgb("tab:red"))
    plt.close(ax.figure)
    with pytest.raises(js.ScenarioError, match="nothing to analyse: u is undefined"):
        js.sensitivity(out, "u")


def test_sweep_plots_name_an_undefined_kpi_and_draw_the_others(sweep_dir, tmp_path):
    from journeysim.plots import save_figures

    # left: retention (undefined on 30 days) and profit
    data = js.load_sweep(sweep_dir).drop(columns=["nps"])
    with pytest.warns(UserWarning, match="no sweep plots of retention_rate: it is undefined"):
        paths = save_figures(data, tmp_path / "plots", sweep_dir=sweep_dir)
    names = {p.name for p in paths}
    assert "response_touchpoints_call_centre_capacity_profit.png" in names
    assert "response_heatmap_baseline.png" in names
    assert "response_heatmap_crm.png" in names  # staffing x discount: both reach the CRM
