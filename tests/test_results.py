"""journeysim.engine.results: the tables of one run and how they are written."""

from __future__ import annotations

import pandas as pd
import pytest

from journeysim.engine.results import EVENT_COLUMNS, TABLES, Results, write_tables
from journeysim.errors import ScenarioError
from journeysim.kpis import KPI_COLUMNS
from journeysim.scenario.loading import scenario_from_dict
from journeysim.simulation import simulate
from tests.helpers import minimal

TOUCHPOINT_COLUMNS = [
    "touchpoint",
    "capacity",
    "visits",
    "served",
    "abandoned",
    "failed",
    "abandonment_rate",
    "mean_wait_minutes",
    "mean_wait_served_minutes",
    "p90_wait_minutes",
    "mean_queue_length",
    "arrival_rate_per_day",
    "utilisation",
    "mean_csat",
    "csat_responses",
]
TIMELINE_COLUMNS = [
    "period",
    "start_day",
    "end_day",
    "new_customers",
    "referred_customers",
    "churned",
    "active_end",
    "journeys",
    "purchases",
    "revenue",
    "discounts",
    "cost",
    "abandoned_journeys",
    "survey_responses",
    "nps",
    "csat",
    "ces",
    "profit",
]
META = ["scenario", "strategy", "seed"]


@pytest.fixture(scope="module")
def scenario():
    return scenario_from_dict(minimal())


@pytest.fixture(scope="module")
def results(scenario):
    return simulate(scenario, "baseline", seed=0)


def test_tables_are_the_four_written():
    assert TABLES == ("kpis", "timeline", "touchpoints", "cohorts", "segments")


def test_touchpoint_columns(results):
    columns = list(results.touchpoints.columns)
    assert columns[: len(TOUCHPOINT_COLUMNS)] == TOUCHPOINT_COLUMNS  # service-level figures follow
    assert sorted(results.touchpoints["touchpoint"]) == ["desk", "web"]


def test_touchpoint_capacity_only_for_queues(results):
    tp = results.touchpoints.set_index("touchpoint")
    assert tp.loc["desk", "capacity"] == 1
    assert pd.isna(tp.loc["web", "capacity"])
    assert pd.isna(tp.loc["web", "utilisation"])
    assert 0 < tp.loc["desk", "utilisation"] < 1


def test_timeline_columns_and_periods(results):
    assert set(TIMELINE_COLUMNS) <= set(results.timeline.columns)
    # 60 days in periods of 10 days
    assert list(results.timeline["period"]) == list(range(6))
    assert list(results.timeline["start_day"]) == [0, 10, 20, 30, 40, 50]
    assert list(results.timeline["end_day"]) == [10, 20, 30, 40, 50, 60]


def test_timeline_sums_to_kpis(results):
    row = results.kpis.iloc[0]
    for column in ("journeys", "purchases", "revenue", "discounts", "cost"):
        assert results.timeline[column].sum() == pytest.approx(row[column])
    assert results.timeline["new_customers"].sum() == row["customers_acquired"]
    assert results.timeline["churned"].sum() == row["customers_churned"]


def test_kpis_is_one_row_with_meta_first(results):
    assert len(results.kpis) == 1
    assert list(results.kpis.columns[:3]) == META
    row = results.kpis.iloc[0]
    assert (row["scenario"], row["strategy"], row["seed"]) == ("minimal", "baseline", 0)


def test_every_registered_kpi_is_reported(results):
    assert set(KPI_COLUMNS) <= set(results.kpis.columns)


def test_kpi_columns_in_registry_order(results):
    columns = [c for c in results.kpis.columns if c in KPI_COLUMNS]
    assert columns == list(KPI_COLUMNS)


def test_cost_categories_follow_the_kpis(results):
    columns = list(results.kpis.columns)
    costs = [c for c in columns if c.startswith("cost_")]
    assert costs == ["cost_staff"]
    assert columns.index("cost_staff") > max(columns.index(k) for k in KPI_COLUMNS)
    assert results.kpis.iloc[0]["cost_staff"] == pytest.approx(results.costs["staff"])


def test_events_only_with_event_log(scenario, results):
    assert results.events is None
    logged = simulate(scenario, "baseline", seed=0, event_log=True)
    assert list(logged.events.columns) == list(EVENT_COLUMNS)
    assert len(logged.events) > 0
    assert logged.events["time"].is_monotonic_increasing


def test_write_round_trips_csv_and_parquet(results, tmp_path):
    paths = results.write(tmp_path / "out")
    expected = {tmp_path / "out" / f"{t}.{s}" for t in TABLES for s in ("csv", "parquet")}
    assert set(paths) == expected
    assert all(p.exists() for p in paths)
    assert not list((tmp_path / "out").glob("*.tmp"))
    for name in TABLES:
        frame = getattr(results, name)
        parquet = pd.read_parquet(tmp_path / "out" / f"{name}.parquet")
        pd.testing.assert_frame_equal(parquet, frame)
        csv = pd.read_csv(tmp_path / "out" / f"{name}.csv")
        # CSV loses dtypes and column types (cohort columns are numbers): compare values
        pd.testing.assert_frame_equal(
            csv, frame.set_axis([str(c) for c in frame.columns], axis=1), check_dtype=False
        )


def test_write_does_not_write_events(scenario, tmp_path):
    logged = simulate(scenario, "baseline", seed=0, event_log=True)
    logged.write(tmp_path)
    assert not (tmp_path / "events.csv").exists()


def test_write_tables_refuses_a_file_as_directory(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(ScenarioError, match="not a directory"):
        write_tables({"kpis": pd.DataFrame({"a": [1]})}, target)


def test_results_is_a_dataclass_with_optional_events():
    empty = pd.DataFrame()
    r = Results(kpis=empty, timeline=empty, touchpoints=empty, cohorts=empty)
    assert r.events is None
    assert r.costs == {}
