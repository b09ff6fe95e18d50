"""Results of one run: pandas DataFrames built from the recorder's aggregates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeysim.atomic import write_atomic
from journeysim.errors import ScenarioError
from journeysim.kpis import KPI_COLUMNS, SEGMENT_COLUMNS
from journeysim.scenario.units import MINUTES_PER_DAY

if TYPE_CHECKING:
    from journeysim.engine.model import JourneyModel

__all__ = ["KPI_COLUMNS", "Results", "SEGMENT_COLUMNS", "TABLES", "segment_table", "write_tables"]

#: Tables written by :meth:`Results.write`.
TABLES = ("kpis", "timeline", "touchpoints", "cohorts", "segments")


@dataclass
class Results:
    """Everything one run reports.

    Attributes
    ----------
    kpis:
        One row of headline figures (see README, "Metrics").
    timeline:
        One row per reporting period.
    touchpoints:
        One row per touchpoint: visits, waits, utilisation, abandonment, CSAT.
    cohorts:
        Survival share by acquisition period (rows) and periods since acquisition (columns).
    segments:
        One row per segment: acquired, active at the end, retention, NPS, CSAT, CES,
        purchases, revenue and CLV of that segment's customers (see :data:`SEGMENT_COLUMNS`).
    events:
        The event log, only when ``simulate(..., event_log=True)``.
    """

    kpis: pd.DataFrame
    timeline: pd.DataFrame
    touchpoints: pd.DataFrame
    cohorts: pd.DataFrame
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame | None = None
    costs: dict[str, float] = field(default_factory=dict)

    def write(self, out: str | Path) -> list[Path]:
        """Write the five tables as CSV and Parquet into directory ``out``; return the paths."""
        return write_tables({name: getattr(self, name) for name in TABLES}, out)

    @classmethod
    def from_model(cls, model: JourneyModel, meta: dict[str, object]) -> Results:
        """Build the tables from a finished model run."""
        rec = model.recorder
        n = rec.n_periods
        touch = []
        wait_days = wait_visits = 0.0
        for name, s in rec.stats.items():
            observed = model.horizon - model.warmup
            queued = s.capacity is not None
            waits = s.wait_served + s.wait_abandoned
            if queued:
                wait_days += waits
                wait_visits += s.visits
            touch.append(
                {
                    "touchpoint": name,
                    "capacity": s.capacity if queued else np.nan,
                    "visits": s.visits,
                    "served": s.served,
                    "abandoned": s.abandoned,
                    "failed": s.failed,
                    "abandonment_rate": _ratio(s.abandoned, s.visits),
                    "mean_wait_minutes": _ratio(waits * MINUTES_PER_DAY, s.visits),
                    "mean_wait_served_minutes": _ratio(s.wait_served * MINUTES_PER_DAY, s.served),
                    "p90_wait_minutes": s.hist.quantile(0.9),
                    "mean_queue_length": s.queue_area / observed,
                    "arrival_rate_per_day": s.visits / observed,
                    "utilisation": s.busy / (s.capacity * observed) if queued else np.nan,
                    "mean_csat": _ratio(s.csat_sum, s.csat_n),
                    "csat_responses": s.csat_n,
                }
            )
        touchpoints = pd.DataFrame(touch)

        active = rec.base + np.cumsum(rec.p_new) - np.cumsum(rec.p_churned)
        starts = np.arange(n) * rec.period
        timeline = pd.DataFrame(
            {
                "period": np.arange(n),
                "start_day": starts,
                "end_day": np.minimum(starts + rec.period, model.horizon),
                "new_customers": rec.p_new,
                "referred_customers": rec.p_new_referred,
                "churned": rec.p_churned,
                "active_end": active,
                "journeys": rec.p_journeys,
                "purchases": rec.p_purchases,
                "revenue": rec.p_revenue,
                "discounts": rec.p_discounts,
                "cost": rec.p_cost,
                "abandoned_journeys": rec.p_abandoned,
                "survey_responses": rec.p_responses,
                "nps": [
                    _nps(p, d, r)
                    for p, d, r in zip(
                        rec.p_promoters, rec.p_detractors, rec.p_responses, strict=False
                    )
                ],
                "csat": [_ratio(s, k) for s, k in zip(rec.p_csat_sum, rec.p_csat_n, strict=False)],
                "ces": [_ratio(s, k) for s, k in zip(rec.p_ces_sum, rec.p_ces_n, strict=False)],
            }
        )
        margin = model.scenario.money.gross_margin
        # A discount comes out of margin: profit = list price x margin - discounts - costs.
        timeline["profit"] = (
            (timeline["revenue"] + timeline["discounts"]) * margin
            - timeline["discounts"]
            - timeline["cost"]
        )

        cohorts = rec.cohort_table()
        retention = rec.retention_rate()
        revenue = float(sum(rec.p_revenue))
        discounts = float(sum(rec.p_discounts))
        cost = float(sum(rec.costs.values()))
        responses = sum(rec.p_responses)
        journeys = sum(rec.p_journeys)
        purchases = sum(rec.p_purchases)
        kpis = {
            **meta,
            "customers_at_start": rec.base,
            "customers_acquired": rec.acquired,
            "customers_referred": rec.referred,
            "customers_active_end": len(model.active),
            "customers_churned": rec.churned,
            "retention_rate": retention,
            "churn_rate": 1.0 - retention if not math.isnan(retention) else math.nan,
            "nps": _nps(sum(rec.p_promoters), sum(rec.p_detractors), responses),
            "csat": _ratio(sum(rec.p_csat_sum), sum(rec.p_csat_n)),
            "ces": _ratio(sum(rec.p_ces_sum), sum(rec.p_ces_n)),
            "survey_responses": responses,
            "journeys": journeys,
            "purchases": purchases,
            "conversion_rate": _ratio(purchases, journeys),
            "abandonment_rate": _ratio(sum(rec.p_abandoned), journeys),
            "revenue": revenue,
            "cost": cost,
            "discounts": discounts,
            "profit": (revenue + discounts) * margin - discounts - cost,
            "clv": _ratio(rec.clv_sum, rec.acquired),
            "mean_wait_minutes": _ratio(wait_days * MINUTES_PER_DAY, wait_visits),
        }
        for category, amount in sorted(rec.costs.items()):
            kpis[f"cost_{category}"] = amount
        events = None
        if rec.events is not None:
            events = pd.DataFrame(
                rec.events, columns=["time", "customer", "event", "touchpoint", "value"]
            )
        return cls(
            kpis=pd.DataFrame([kpis]),
            timeline=timeline,
            touchpoints=touchpoints,
            cohorts=cohorts,
            segments=segment_table(model),
            events=events,
            costs=dict(rec.costs),
        )


def segment_table(model: JourneyModel) -> pd.DataFrame:
    """One row per segment, from the recorder's per-segment totals (same rules as the KPIs).

    ``clv`` is the discounted margin per acquired customer of the segment; ``retention_rate``
    the customer-weighted period-over-period retention of its cohorts; ``nps``, ``csat`` and
    ``ces`` are over its survey answers; ``abandonment_rate`` per journey.
    """
    rec = model.recorder
    active: dict[str, int] = {}
    for customer in model.active.values():
        active[customer.segment] = active.get(customer.segment, 0) + 1
    rows = []
    for name, s in rec.segments.items():
        rows.append(
            {
                "segment": name,
                "customers_at_start": s.base,
                "customers_acquired": s.acquired,
                "customers_referred": s.referred,
                "customers_active_end": active.get(name, 0),
                "customers_churned": s.churned,
                "retention_rate": rec.retention_rate(s),
                "nps": _nps(s.promoters, s.detractors, s.responses),
                "csat": _ratio(s.csat_sum, s.csat_n),
                "ces": _ratio(s.ces_sum, s.ces_n),
                "survey_responses": s.responses,
                "journeys": s.journeys,
                "purchases": s.purchases,
                "abandonment_rate": _ratio(s.abandoned, s.journeys),
                "revenue": s.revenue,
                "discounts": s.discounts,
                "clv": _ratio(s.clv_sum, s.acquired),
            }
        )
    return pd.DataFrame(rows, columns=["segment", *SEGMENT_COLUMNS])


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def _nps(promoters: int, detractors: int, responses: int) -> float:
    return 100.0 * (promoters - detractors) / responses if responses else math.nan


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path) -> list[Path]:
    """Write each table as ``NAME.csv`` and ``NAME.parquet`` in ``out``, each file atomically.

    A file is written under a temporary name and renamed, so a reader (or a crash) never sees a
    half-written table.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError("is a file, not a directory: give --out a directory", source=str(out))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        for suffix in ("csv", "parquet"):
            path = out / f"{name}.{suffix}"
            if suffix == "csv":
                write_atomic(path, lambda tmp, f=frame: f.to_csv(tmp, index=False))
            else:
                write_atomic(path, lambda tmp, f=frame: f.to_parquet(tmp, index=False))
            written.append(path)
    return written
