"""Results of one run: pandas DataFrames built from the recorder's aggregates."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeysim.atomic import write_all_atomic
from journeysim.engine.operations import OpsStats
from journeysim.engine.service_level import overload_warnings, profile_table, touchpoint_rows
from journeysim.errors import ScenarioError
from journeysim.kpis import KPI_COLUMNS, SEGMENT_COLUMNS
from journeysim.scenario.units import MINUTES_PER_DAY

if TYPE_CHECKING:
    from journeysim.engine.model import JourneyModel

__all__ = [
    "EVENT_COLUMNS",
    "KPI_COLUMNS",
    "Results",
    "SEGMENT_COLUMNS",
    "TABLES",
    "segment_table",
    "write_tables",
]

#: The event log's columns (``simulate(..., event_log=True)``), one meaning each. Times are
#: simulation days since the start; NaN (or empty) where a column does not apply to the event.
EVENT_COLUMNS: dict[str, str] = {
    "time": "day the event happened (visits: when the visit ended, served or abandoned)",
    "customer": "customer id (unique within the run)",
    "event": "acquired | visited | failed (visited, the touchpoint failed: sent to recovery) | "
    "abandoned (left the queue) | purchase | exit (journey ended without buying) | survey | "
    "churn_decision (the customer decided whether to leave) | churned",
    "touchpoint": "touchpoint of a visit",
    "segment": "segment of an acquired customer",
    "arrival": "day the customer arrived at the touchpoint (visits; the first attempt's if "
    "they retried)",
    "service_start": "day service started (visits; NaN when abandoned)",
    "wait_minutes": "minutes waited in the queue (visits; until abandoning if abandoned; with "
    "retries, the queue time of every attempt, not the delays between them)",
    "perceived": "perceived quality of the visit, on the scenario's quality scale (psychology on)",
    "amount": "money paid, in the scenario's currency (purchase; 0 at exit)",
    "ltr": "likelihood to recommend, 0-10 (survey answer; at journey end the current one)",
    "satisfaction": "satisfaction after the event, on the quality scale (journey end, acquired, "
    "churned)",
    "expectation": "expectation after the event, on the quality scale (journey end, acquired, "
    "churned)",
    "churn_probability": "probability of leaving at a churn decision (churn_decision events: "
    "after each journey, or at each period boundary, as the scenario decides churn)",
}

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
        The event log, only when ``simulate(..., event_log=True)``: one row per event, the
        columns of :data:`EVENT_COLUMNS` (times in days, waits in minutes).
    journeys:
        With the event log: the start of every journey (``time, customer, segment``), so a
        visit's arrival time, wait and service time can be recovered
        (:func:`journeysim.calibrate.journey_log`).
    profile:
        Waits, service level and load by touchpoint, weekday and hour of the touchpoints that
        take the operations visit (``None`` if none does); see
        :func:`journeysim.engine.service_level.profile_table`.
    warnings:
        Honest-overload warnings: staffed touchpoints whose offered load reached their
        capacity (rho >= 1) in a schedule window.
    """

    kpis: pd.DataFrame
    timeline: pd.DataFrame
    touchpoints: pd.DataFrame
    cohorts: pd.DataFrame
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame | None = None
    costs: dict[str, float] = field(default_factory=dict)
    journeys: pd.DataFrame | None = None
    profile: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)

    def write(self, out: str | Path) -> list[Path]:
        """Write the tables as CSV and Parquet into directory ``out``; return the paths.

        The five tables, and the hour-of-week ``profile`` when there is one.
        """
        tables = {name: getattr(self, name) for name in TABLES}
        if self.profile is not None:
            tables["profile"] = self.profile
        return write_tables(tables, out)

    @classmethod
    def from_model(cls, model: JourneyModel, meta: dict[str, object]) -> Results:
        """Build the tables from a finished model run."""
        rec = model.recorder
        n = rec.n_periods
        touch = touchpoint_rows(model)
        wait_days = wait_visits = 0.0
        for row in touch:
            waits = row.pop("_wait_days")
            if not math.isnan(row["capacity"]):
                wait_days += waits
                wait_visits += row["visits"]
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

        # service level over the operations touchpoints, per period (NaN without any)
        ops = [m for m in rec.stats.values() if isinstance(m, OpsStats) and m.capacity]
        offered = np.sum([m.p_offered for m in ops], axis=0) if ops else np.zeros(n)
        answered = np.sum([m.p_answered for m in ops], axis=0) if ops else np.zeros(n)
        in_target = np.sum([m.p_in_target for m in ops], axis=0) if ops else np.zeros(n)
        asa = np.sum([m.p_wait for m in ops], axis=0) if ops else np.zeros(n)
        with np.errstate(invalid="ignore", divide="ignore"):
            timeline["queue_offered"] = offered
            timeline["service_level"] = np.where(offered > 0, in_target / offered, np.nan)
            timeline["asa_minutes"] = np.where(
                answered > 0, asa * MINUTES_PER_DAY / answered, np.nan
            )
        total_offered = float(offered.sum())

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
            "discounts": discounts,
            "cost": cost,
            "profit": (revenue + discounts) * margin - discounts - cost,
            "clv": _ratio(rec.clv_sum, rec.acquired),
            "mean_wait_minutes": _ratio(wait_days * MINUTES_PER_DAY, wait_visits),
            "service_level": _ratio(float(in_target.sum()), total_offered),
        }
        for category, amount in sorted(rec.costs.items()):
            kpis[f"cost_{category}"] = amount
        events = journeys = None
        if rec.events is not None:
            events = pd.DataFrame(rec.events, columns=list(EVENT_COLUMNS))
            journeys = pd.DataFrame(rec.journey_starts, columns=["time", "customer", "segment"])
        profile = profile_table(model)
        notes = overload_warnings(model, profile)
        if model.starting_base is not None:
            notes += model.starting_base.notes
        for note in notes:
            warnings.warn(note, UserWarning, stacklevel=2)
        return cls(
            kpis=pd.DataFrame([kpis]),
            timeline=timeline,
            touchpoints=touchpoints,
            cohorts=cohorts,
            segments=segment_table(model),
            events=events,
            costs=dict(rec.costs),
            journeys=journeys,
            profile=profile,
            warnings=notes,
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


def write_tables(
    tables: dict[str, pd.DataFrame], out: str | Path, csv_only: Collection[str] = ()
) -> list[Path]:
    """Write each table as ``NAME.csv`` and ``NAME.parquet`` in ``out``, all or nothing.

    Every file is written under a temporary name first and the files are renamed only once all
    were written, so a reader (or a crash, or a full disk) never leaves a directory with some
    tables of a result and not others. Tables named in ``csv_only`` get no Parquet copy.

    Raises
    ------
    ScenarioError
        One line naming ``out`` if it cannot be created or written (nothing is left behind).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError("is a file, not a directory: give --out a directory", source=str(out))
    files: dict[Path, Callable[[Path], object]] = {}
    for name, frame in tables.items():
        files[out / f"{name}.csv"] = lambda tmp, f=frame: f.to_csv(tmp, index=False)
        if name not in csv_only:
            files[out / f"{name}.parquet"] = lambda tmp, f=frame: f.to_parquet(tmp, index=False)
    try:
        out.mkdir(parents=True, exist_ok=True)
        return write_all_atomic(files)
    except OSError as exc:
        raise ScenarioError(
            f"cannot write the results here ({exc.strerror or exc}); nothing was written",
            source=str(out),
        ) from None
