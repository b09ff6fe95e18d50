"""Replications and comparisons: summaries, tables, CLI, and bad input."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import journeysim as js
from journeysim.cli import main
from journeysim.experiments import mean_ci
from tests.helpers import RETAIL

SHORT = {"simulation.horizon": "60 d", "population.arrivals_per_day": 10}


@pytest.fixture(scope="module")
def short():
    return js.load_scenario(RETAIL, SHORT)


def test_mean_ci_matches_student_t():
    values = np.array([1.0, 2.0, 4.0, 7.0])
    ci = mean_ci(values)
    half = stats.t.ppf(0.975, 3) * values.std(ddof=1) / 2
    assert ci["mean"] == pytest.approx(3.5)
    assert ci["ci_high"] - ci["mean"] == pytest.approx(half)
    assert math.isnan(mean_ci(np.array([1.0]))["ci_low"])


def test_replicate_gives_one_row_per_replication_and_summary(short):
    reps = js.replicate(short, "baseline", replications=3, seed=4, workers=1)
    assert list(reps.runs["replication"]) == [0, 1, 2]
    nps = reps.summary.set_index("kpi").loc["nps"]
    values = reps.runs["nps"].to_numpy(dtype=float)
    half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / math.sqrt(3)
    assert nps["mean"] == pytest.approx(values.mean())
    assert nps["ci_high"] - nps["mean"] == pytest.approx(half)
    assert nps["mean"] - nps["ci_low"] == pytest.approx(half)
    assert nps["n"] == 3
    assert nps["n"] == 3
    # replication r is simulate(..., identity=(r,)): independent of how it was scheduled
    again = js.simulate(short, seed=4, identity=(2,)).kpis
    pd.testing.assert_series_equal(
        reps.runs.iloc[2][again.columns], again.iloc[0], check_names=False
    )


def test_comparison_table_layout(short):
    result = js.compare(short, ["baseline", "crm"], replications=2, seed=1, workers=1)
    assert list(result.table.columns) == [
        "strategy",
        "kpi",
        "mean",
        "ci_low",
        "ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "n",
    ]
    base = result.table.query("strategy == 'baseline'")
    assert (base["diff"] == 0).all()
    assert set(result.timelines["strategy"]) == {"baseline", "crm"}
    assert {"strategy", "replication", "cohort"} <= set(result.cohorts.columns)
    assert result.wide(["nps", "revenue"]).shape == (2, 2)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"strategies": ["baseline", "nosuch"]}, "unknown strategy 'nosuch'"),
        ({"strategies": []}, "at least one strategy"),
        ({"strategies": ["crm", "crm"]}, "listed twice"),
        ({"replications": 0}, "replications must be an integer of at least 1"),
        ({"baseline": "cem", "strategies": ["baseline", "crm"]}, "not among the strategies"),
    ],
)
def test_compare_bad_input(short, kwargs, fragment):
    args = {"strategies": ["baseline", "crm"], "replications": 2, **kwargs}
    with pytest.raises(js.ScenarioError, match=fragment):
        js.compare(short, workers=1, **args)


STRATEGY_ERRORS = [
    (
        "[strategies.bad.cem.touchpoints.kiosk]\nquality = 1.0\n",
        "strategies.bad.cem.touchpoints.kiosk",
        "unknown touchpoint 'kiosk'",
    ),
    (
        '[strategies.bad.crm]\nsegments = ["students"]\n',
        "strategies.bad.crm.segments",
        "unknown segment 'students'",
    ),
    (
        "[strategies.bad.crm]\ncost_per_offer = -1.0\n",
        "strategies.bad.crm.cost_per_offer",
        "a number from 0 to 1e12",
    ),
    (
        "[strategies.bad.loyalty]\nfixed_cost_per_day = -5.0\n",
        "strategies.bad.loyalty.fixed_cost_per_day",
        "a number from 0 to 1e12",
    ),
    (
        "[strategies.bad.cem.touchpoints.web]\ncapacity = 2\n",
        "strategies.bad.cem.touchpoints.web.capacity",
        "unlimited",
    ),
    (
        "[strategies.bad.cem.routes]\nweb = { checkout = 0.7, kiosk = 0.3 }\n",
        "strategies.bad.cem.routes.web.kiosk",
        "unknown node 'kiosk'",
    ),
    (
        "[strategies.bad.cem.routes]\nweb = { checkout = 0.7, exit = 0.1 }\n",
        "strategies.bad.cem.routes.web",
        "must sum to 1",
    ),
    (
        "[strategies.bad.cem.routes]\nsupport = { support = 1.0 }\n",
        "strategies.bad.cem.routes.support",
        "no path from this touchpoint",
    ),
    (
        '[strategies.bad.loyalty]\nsegments = ["students"]\n',
        "strategies.bad.loyalty.segments",
        "unknown segment 'students'",
    ),
    (
        "[strategies.bad.cem.follow_up]\ncost_per_follow_up = -8.0\n",
        "strategies.bad.cem.follow_up.cost_per_follow_up",
        "a number from 0 to 1e12",
    ),
    ("[strategies.bad]\ndescription = 'x'\n", "strategies.bad", "needs a crm, cem or loyalty"),
    ("[strategies.baseline.crm]\n", "strategies.baseline", "reserved"),
]


@pytest.mark.parametrize(("extra", "field", "fragment"), STRATEGY_ERRORS)
def test_bad_strategy_tables(tmp_path, extra, field, fragment, capsys):
    path = tmp_path / "retail_bad.toml"
    path.write_text(RETAIL.read_text() + "\n" + extra)
    with pytest.raises(js.ScenarioError) as info:
        js.load_scenario(path)
    assert info.value.field == field
    assert fragment in str(info.value)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_replicate_rejects_an_unknown_strategy_before_running(short):
    with pytest.raises(js.ScenarioError, match="unknown strategy 'nosuch'; available: baseline"):
        js.replicate(short, "nosuch", replications=2, workers=2)


def test_cli_compare_prints_and_writes(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", str(RETAIL), "--strategies", "baseline,cem", "--replications", "2"]
    args += ["--workers", "1", "--quiet", "--out", str(out)]
    args += ["--set", "simulation.horizon=60 d", "--set", "population.arrivals_per_day=10"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Paired difference vs baseline" in text and "NPS" in text
    assert text.count("WARNING: only 2 replications: no confidence intervals") == 1
    assert "Payback vs baseline" in text and "  cem: " in text
    table = pd.read_parquet(out / "comparison.parquet")
    assert set(table["strategy"]) == {"baseline", "cem"}
    assert len(pd.read_csv(out / "runs.csv")) == 4


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--strategies", "baseline,nosuch"], "unknown strategy 'nosuch'"),
        (["--replications", "0"], "--replications"),
        (["--strategies", "baseline,crm,crm"], "listed twice"),
        (["--set", "strategies.crm.crm.cost_per_offer=-1"], "cost_per_offer"),
    ],
)
def test_cli_compare_errors(args, fragment, capsys):
    assert main(["compare", str(RETAIL), "--quiet", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
