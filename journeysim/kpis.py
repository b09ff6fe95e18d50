"""The KPI registry: every headline figure's name, label, unit, format and direction, in one place.

Results build their ``kpis`` row in registry order, the terminal report and the plots read
labels, units and formats from it, and ``compare`` shows the KPIs flagged ``compare``. A new
KPI is added here once; nothing else keeps a list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "COMPARE_KPIS",
    "KPI",
    "KPIS",
    "KPI_COLUMNS",
    "SEGMENT_COLUMNS",
    "display_scale",
    "kpi",
    "label",
    "unit",
]

Kind = Literal["count", "share", "score", "nps", "money", "minutes"]


@dataclass(frozen=True)
class KPI:
    """One headline figure of a run.

    Attributes
    ----------
    name:
        Column name in ``Results.kpis`` and every table built from it.
    label:
        Human label (terminal tables, axes).
    unit:
        Unit of the value as stored: ``"customers"``, ``"share"`` (0-1), ``"points"`` (NPS,
        -100..100), ``"1-5"``/``"1-7"`` scale points, ``"currency"``, ``"minutes"``.
    kind:
        How it is formatted: counts and money with separators, shares as percentages (their
        differences in percentage points), NPS signed with one decimal, scores with decimals.
    higher_is_better:
        Direction for a business (``None`` where it depends: counts of journeys, costs that
        buy something).
    compare:
        Shown by ``journeysim compare`` (all KPIs are in the written tables).
    """

    name: str
    label: str
    unit: str
    kind: Kind
    higher_is_better: bool | None
    compare: bool = False


KPIS: dict[str, KPI] = {
    k.name: k
    for k in (
        KPI("customers_at_start", "customers at start (burn-in)", "customers", "count", None),
        KPI("customers_acquired", "customers acquired", "customers", "count", True, True),
        KPI("customers_referred", "  of which referred", "customers", "count", True, True),
        KPI("customers_active_end", "customers active at end", "customers", "count", True),
        KPI("customers_churned", "customers churned", "customers", "count", False),
        KPI("retention_rate", "retention (per period)", "share", "share", True, True),
        KPI("churn_rate", "churn (per period)", "share", "share", False),
        KPI("nps", "NPS", "points", "nps", True, True),
        KPI("csat", "CSAT (1-5)", "1-5", "score", True, True),
        KPI("ces", "CES (1-7, 7 = easy)", "1-7", "score", True, True),
        KPI("survey_responses", "survey responses", "responses", "count", None),
        KPI("journeys", "journeys", "journeys", "count", None),
        KPI("purchases", "purchases", "purchases", "count", True, True),
        KPI("conversion_rate", "conversion", "share", "share", True),
        KPI("abandonment_rate", "queue abandonment (journeys)", "share", "share", False),
        KPI("revenue", "revenue", "currency", "money", True, True),
        KPI("discounts", "discounts given", "currency", "money", None, True),
        KPI("cost", "cost", "currency", "money", False, True),
        KPI("profit", "profit (margin - cost)", "currency", "money", True, True),
        KPI("clv", "CLV (discounted margin)", "currency", "money", True, True),
        KPI("mean_wait_minutes", "mean wait (min)", "minutes", "minutes", False, True),
        KPI("service_level", "service level (answered in target)", "share", "share", True),
    )
}

#: The KPI columns every run reports, in table order.
KPI_COLUMNS: tuple[str, ...] = tuple(KPIS)

#: KPIs shown by ``journeysim compare``, in the order shown.
COMPARE_KPIS: tuple[str, ...] = (
    "retention_rate",
    "nps",
    "csat",
    "ces",
    "customers_acquired",
    "customers_referred",
    "purchases",
    "revenue",
    "discounts",
    "cost",
    "profit",
    "clv",
    "mean_wait_minutes",
)
assert all(KPIS[name].compare for name in COMPARE_KPIS)
assert sum(k.compare for k in KPIS.values()) == len(COMPARE_KPIS)


def kpi(name: str) -> KPI | None:
    """The registry entry of ``name``, or ``None`` for a strategy's own figure (``crm_offers``)."""
    return KPIS.get(name)


def label(name: str) -> str:
    """Human label of a KPI column (strategy figures: the name with spaces)."""
    entry = KPIS.get(name)
    return entry.label if entry is not None else name.replace("_", " ")


def unit(name: str) -> str:
    """Unit of a KPI column as stored (``""`` when unknown)."""
    entry = KPIS.get(name)
    return entry.unit if entry is not None else ""


#: Columns of the per-segment table (``Results.segments``, besides ``segment``), in order:
#: KPIs of the registry computed over one segment's customers; :func:`journeysim.compare`
#: gives each a mean, CI and paired difference per segment.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "customers_at_start",
    "customers_acquired",
    "customers_referred",
    "customers_active_end",
    "customers_churned",
    "retention_rate",
    "nps",
    "csat",
    "ces",
    "survey_responses",
    "journeys",
    "purchases",
    "abandonment_rate",
    "revenue",
    "discounts",
    "clv",
)
assert all(name in KPIS for name in SEGMENT_COLUMNS)


def display_scale(name: str, difference: bool = False, currency: str = "EUR") -> tuple[float, str]:
    """Factor and unit text to show a KPI (or a difference of it) in its natural unit.

    Shares are shown in % and their differences in percentage points (``pp``); NPS in points
    (a difference of NPS is in points too, never a percentage of itself); money in
    ``currency``; waits in minutes; scores in points of their scale; counts in their unit.

    Returns
    -------
    (factor, unit)
        Multiply the stored value by ``factor`` and label it with ``unit``.
    """
    entry = KPIS.get(name)
    if entry is None:
        return 1.0, ""
    if entry.kind == "share":
        return 100.0, "pp" if difference else "%"
    if entry.kind == "nps":
        return 1.0, "NPS points"
    if entry.kind == "money":
        return 1.0, currency
    if entry.kind == "minutes":
        return 1.0, "min"
    if entry.kind == "score":
        return 1.0, f"points on the {entry.unit} scale"
    return 1.0, entry.unit
