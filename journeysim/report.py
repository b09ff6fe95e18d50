"""Readable text tables of KPIs for the terminal (the CLI prints these)."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["format_kpi", "kpi_table", "summary_table"]

_PERCENT = {"retention_rate", "churn_rate", "conversion_rate", "abandonment_rate"}
_MONEY = {"revenue", "cost", "profit", "clv"}
_LABELS = {
    "customers_acquired": "customers acquired",
    "customers_referred": "  of which referred",
    "customers_active_end": "customers active at end",
    "customers_churned": "customers churned",
    "retention_rate": "retention (per period)",
    "churn_rate": "churn (per period)",
    "nps": "NPS",
    "csat": "CSAT (1-5)",
    "ces": "CES (1-7, 7 = easy)",
    "survey_responses": "survey responses",
    "journeys": "journeys",
    "purchases": "purchases",
    "conversion_rate": "conversion",
    "abandonment_rate": "queue abandonment (journeys)",
    "revenue": "revenue",
    "cost": "cost",
    "profit": "profit (margin - cost)",
    "clv": "CLV (discounted margin)",
    "mean_wait_minutes": "mean wait (min)",
}


def format_kpi(kpi: str, value: float) -> str:
    """Format one KPI value for people: percentages, money with separators, counts."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kpi in _PERCENT:
        return f"{100 * value:.1f}%"
    if kpi in _MONEY or kpi.startswith("cost_"):
        return f"{value:,.0f}"
    if kpi in ("nps",):
        return f"{value:+.1f}"
    if abs(value) >= 100 or (float(value).is_integer() and abs(value) >= 10):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def label(kpi: str) -> str:
    """Human label of a KPI column."""
    return _LABELS.get(kpi, kpi.replace("_", " "))


def kpi_table(kpis: pd.DataFrame, columns: tuple[str, ...]) -> str:
    """Two-column text table of one run's KPIs."""
    row = kpis.iloc[0]
    lines = []
    width = max(len(label(k)) for k in columns)
    for kpi in columns:
        if kpi in row:
            lines.append(f"  {label(kpi):<{width}}  {format_kpi(kpi, row[kpi]):>14}")
    return "\n".join(lines)


def summary_table(summary: pd.DataFrame) -> str:
    """Text table of a replication summary: mean and 95% confidence interval per KPI."""
    width = max(len(label(k)) for k in summary["kpi"])
    header = f"  {'KPI':<{width}}  {'mean':>14}  {'95% CI':>27}"
    lines = [header, "  " + "-" * (len(header) - 2)]
    for _, r in summary.iterrows():
        ci = f"[{format_kpi(r.kpi, r.ci_low)}, {format_kpi(r.kpi, r.ci_high)}]"
        lines.append(f"  {label(r.kpi):<{width}}  {format_kpi(r.kpi, r['mean']):>14}  {ci:>27}")
    return "\n".join(lines)
