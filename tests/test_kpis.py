"""journeysim.kpis: the KPI registry, and that reports and plots read it."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from journeysim import report
from journeysim.kpis import COMPARE_KPIS, KPI_COLUMNS, KPIS, Kind, kpi, label, unit
from journeysim.scenario.loading import scenario_from_dict
from journeysim.simulation import simulate
from tests.helpers import minimal

META = {"scenario", "strategy", "seed"}
STRATEGY_PREFIXES = ("crm_", "cem_", "loyalty_")


@pytest.fixture(scope="module")
def hybrid_kpis():
    """A real run of a hybrid strategy (all three components report extras)."""
    raw = minimal()
    raw["strategies"] = {
        "hybrid": {
            "crm": {"at_risk_share": 0.2, "offer_discount": 0.1, "cost_per_offer": 1.0},
            "cem": {
                "touchpoints": {"desk": {"quality": 1.0, "cost_per_day": 5.0}},
                "follow_up": {"success_probability": 0.5, "satisfaction_boost": 1.0},
            },
            "loyalty": {"enrolment": 0.5, "reward_value": 5.0},
        }
    }
    return simulate(scenario_from_dict(raw), "hybrid", seed=0).kpis


def test_registry_names_match_keys():
    assert all(name == entry.name for name, entry in KPIS.items())
    assert KPI_COLUMNS == tuple(KPIS)


def test_every_kpi_of_a_run_is_registered(hybrid_kpis):
    columns = set(hybrid_kpis.columns)
    extras = {c for c in columns if c.startswith(STRATEGY_PREFIXES)}
    costs = {c for c in columns if c.startswith("cost_")}
    assert extras, "the hybrid reports strategy figures"
    assert {"cost_staff", "cost_cem_investment"} <= costs
    assert columns - META - extras - costs == set(KPI_COLUMNS)


def test_kinds_and_units_are_known():
    kinds = set(typing.get_args(Kind))
    assert kinds == {"count", "share", "score", "nps", "money", "minutes"}
    for entry in KPIS.values():
        assert entry.kind in kinds
        assert entry.label and entry.unit
        if entry.kind == "share":
            assert entry.unit == "share"


def test_compare_flags_match_compare_kpis():
    flagged = {name for name, entry in KPIS.items() if entry.compare}
    assert flagged == set(COMPARE_KPIS)
    assert len(COMPARE_KPIS) == len(set(COMPARE_KPIS))
    assert report.COMPARE_KPIS is COMPARE_KPIS


def test_lookups():
    assert kpi("nps") is KPIS["nps"]
    assert kpi("crm_offers") is None
    assert label("retention_rate") == KPIS["retention_rate"].label
    assert label("crm_offers_to_gone") == "crm offers to gone"
    assert unit("revenue") == "currency"
    assert unit("crm_offers") == ""


@pytest.mark.parametrize("name", [n for n, e in KPIS.items() if e.kind == "share"])
def test_shares_format_as_percentages(name):
    assert report.format_kpi(name, 0.1234) == "12.3%"


def test_nps_is_signed():
    assert report.format_kpi("nps", 12.34) == "+12.3"
    assert report.format_kpi("nps", -5.0) == "-5.0"
    assert report.format_kpi("nps", 0.0) == "+0.0"


def test_money_and_counts_have_separators():
    assert report.format_kpi("revenue", 1234567.8) == "1,234,568"
    assert report.format_kpi("customers_acquired", 12345) == "12,345"
    assert report.format_kpi("csat", 3.9381) == "3.94"
    assert report.format_kpi("csat", float("nan")) == "n/a"


def test_format_follows_the_kind(monkeypatch):
    monkeypatch.setitem(KPIS, "csat", dataclasses.replace(KPIS["csat"], kind="share"))
    assert report.format_kpi("csat", 0.5) == "50.0%"
    monkeypatch.setitem(KPIS, "csat", dataclasses.replace(KPIS["csat"], kind="nps"))
    assert report.format_kpi("csat", 3.0) == "+3.0"


def test_report_labels_come_from_the_registry(monkeypatch, hybrid_kpis):
    monkeypatch.setitem(KPIS, "nps", dataclasses.replace(KPIS["nps"], label="Net Promoter Zz"))
    table = report.kpi_table(hybrid_kpis, KPI_COLUMNS)
    assert "Net Promoter Zz" in table
    assert len(table.splitlines()) == len(KPI_COLUMNS)


def test_plot_labels_come_from_the_registry(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from journeysim.plots.customers import timeline

    results = simulate(scenario_from_dict(minimal()), seed=0)
    monkeypatch.setitem(KPIS, "revenue", dataclasses.replace(KPIS["revenue"], label="Takings Zz"))
    ax = timeline(results, kpi="revenue")
    try:
        assert ax.get_ylabel() == "Takings Zz"
    finally:
        plt.close(ax.figure)
