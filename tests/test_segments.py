"""Customers and markets (issue 12): per-segment results, segment journeys, state routing."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import journeysim as js
from journeysim.cli import main
from journeysim.kpis import SEGMENT_COLUMNS
from tests.helpers import RETAIL

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
