"""journeysim.simulation: ``simulate`` is a pure function of scenario, strategy, seed, identity."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from journeysim.engine.results import TABLES
from journeysim.scenario.loading import scenario_from_dict
from journeysim.simulation import simulate
from journeysim.strategies.base import Strategy
from tests.helpers import minimal


class Counting(Strategy):
    """Counts acquisitions in its own state and reports them."""

    name = "counting"

    def __init__(self) -> None:
        self.acquired = 0
        self.seen: list[int] = []

    def on_acquire(self, model, customer):
        self.acquired += 1
        self.seen.append(1)

    def extra_kpis(self, model):
        return {"counting_acquired": self.acquired, "counting_constant": 2.5}


@pytest.fixture(scope="module")
def scenario():
    return scenario_from_dict(minimal())


def table_bytes(results):
    out = {}
    for name in TABLES:
        buffer = io.StringIO()
        getattr(results, name).to_csv(buffer, index=False, float_format="%.17g")
        out[name] = buffer.getvalue()
    return out


def test_same_inputs_give_byte_identical_tables(scenario):
    a = simulate(scenario, "baseline", seed=4, identity=(1,))
    b = simulate(scenario, "baseline", seed=4, identity=(1,))
    assert table_bytes(a) == table_bytes(b)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_seeds_zero_and_one_differ(scenario):
    a = simulate(scenario, seed=0).kpis.iloc[0]
    b = simulate(scenario, seed=1).kpis.iloc[0]
    assert (a["journeys"], a["revenue"]) != (b["journeys"], b["revenue"])


def test_identity_changes_the_numbers(scenario):
    plain = table_bytes(simulate(scenario, seed=0))
    rep0 = table_bytes(simulate(scenario, seed=0, identity=(0,)))
    rep1 = table_bytes(simulate(scenario, seed=0, identity=(1,)))
    assert rep0["timeline"] != rep1["timeline"]
    assert plain["timeline"] != rep0["timeline"]


def test_meta_columns(scenario):
    row = simulate(scenario, seed=7).kpis.iloc[0]
    assert (row["scenario"], row["strategy"], row["seed"]) == ("minimal", "baseline", 7)


def test_strategy_instance_is_not_mutated(scenario):
    policy = Counting()
    first = simulate(scenario, policy, seed=0)
    assert policy.acquired == 0
    assert policy.seen == []
    second = simulate(scenario, policy, seed=0)
    assert policy.acquired == 0
    # each run started from the fresh instance, so both count the same
    assert first.kpis.iloc[0]["counting_acquired"] == second.kpis.iloc[0]["counting_acquired"]
    assert first.kpis.iloc[0]["counting_acquired"] == first.kpis.iloc[0]["customers_acquired"]


def test_extra_kpis_land_in_the_kpis_row(scenario):
    results = simulate(scenario, Counting(), seed=0)
    row = results.kpis.iloc[0]
    assert row["strategy"] == "counting"
    assert row["counting_constant"] == 2.5
    assert row["counting_acquired"] > 0
    assert list(results.kpis.columns[-2:]) == ["counting_acquired", "counting_constant"]


def test_a_hookless_instance_matches_the_baseline_name(scenario):
    by_name = simulate(scenario, "baseline", seed=3)
    by_instance = simulate(scenario, Strategy(), seed=3)
    assert table_bytes(by_name) == table_bytes(by_instance)


def test_scenario_is_not_mutated(scenario):
    before = scenario.model_dump()
    simulate(scenario, Counting(), seed=0)
    assert scenario.model_dump() == before
