"""The scenario library: every shipped scenario validates and runs with sane KPIs."""

import math
from pathlib import Path

import pytest

import journeysim as js
from journeysim.cli import main

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))


def test_library_has_four_industries():
    assert {p.stem for p in SCENARIOS} >= {"retail", "telecom", "saas", "bank"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_validates_with_the_cli(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert "valid scenario" in capsys.readouterr().out


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_smoke_run_of_every_strategy(path):
    scenario = js.load_scenario(path, {"simulation.horizon": "120 d"})
    assert {"crm", "cem", "loyalty", "hybrid"} <= set(scenario.strategies)
    for strategy in ["baseline", *scenario.strategies]:
        row = js.simulate(scenario, strategy, seed=1).kpis.iloc[0]
        assert row["customers_acquired"] > 50 and row["purchases"] > 0
        assert 0.5 < row["retention_rate"] < 1.0
        assert -100 <= row["nps"] <= 100 and 1 <= row["csat"] <= 5
        assert row["revenue"] > 0 and not math.isnan(row["profit"])
