"""Readable text tables of KPIs for the terminal (the CLI prints these)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from journeysim.confidence import MIN_REPLICATIONS, few_replications_warning
from journeysim.kpis import COMPARE_KPIS, KPIS, SEGMENT_COLUMNS, label

__all__ = [
    "COMPARE_KPIS",
    "comparison_table",
    "format_kpi",
    "kpi_table",
    "number",
    "segment_comparison_table",
    "segment_table",
    "payback_lines",
    "summary_table",
]


def number(value: float, signed: bool = False) -> str:
    """A number for people, never in scientific notation.

    Whole numbers and large ones without decimals (with thousands separators), small ones with
    three significant digits: a CSAT difference of -0.0046 must not print as -0.00.
    """
    sign = "+" if signed else ""
    if value == 0 or float(value).is_integer() or abs(value) >= 100:
        return f"{value:{sign},.0f}"
    decimals = max(2, 2 - math.floor(math.log10(abs(value))))
    return f"{value:{sign}.{decimals}f}"


def _kind(kpi: str) -> str | None:
    entry = KPIS.get(kpi)
    return entry.kind if entry is not None else None


def _is_share(kpi: str) -> bool:
    return _kind(kpi) == "share"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_kpi(kpi: str, value: float) -> str:
    """Format one KPI value for people: percentages, money with separators, counts."""
    if _missing(value):
        return "n/a"
    if _is_share(kpi):
        return f"{100 * value:.1f}%"
    if _kind(kpi) == "nps":
        return f"{value:+.1f}"
    return number(value)


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
    warning = few_replications_warning(int(summary["n"].max())) if len(summary) else None
    lines = [f"WARNING: {warning}"] if warning else []
    lines += [header, "  " + "-" * (len(header) - 2)]
    for _, r in summary.iterrows():
        ci = f"[{format_kpi(r.kpi, r.ci_low)}, {format_kpi(r.kpi, r.ci_high)}]"
        lines.append(f"  {label(r.kpi):<{width}}  {format_kpi(r.kpi, r['mean']):>14}  {ci:>27}")
    return "\n".join(lines)


def _diff(kpi: str, value: float) -> str:
    if _missing(value):
        return "n/a"
    if _is_share(kpi):
        return f"{100 * value:+.2f} pp"
    return number(value, signed=True)


def comparison_table(table: pd.DataFrame, strategies: list[str], baseline: str) -> str:
    """Two text blocks: mean [95% CI] per strategy, then paired differences vs the baseline.

    A difference whose 95% CI excludes zero is marked ``*``. Below
    :data:`~journeysim.confidence.MIN_REPLICATIONS` replications no interval and no ``*`` is
    shown and the table starts with a warning line.
    """
    kpis = [k for k in COMPARE_KPIS if k in set(table["kpi"])]
    rows = {(r.strategy, r.kpi): r for r in table.itertuples()}
    width = max(len(label(k)) for k in kpis)
    col = max(16, *(len(s) + 2 for s in strategies))

    def block(title: str, cell: Any, names: list[str]) -> list[str]:
        lines = [title, f"  {'':<{width}}" + "".join(f"{s:>{col}}" for s in names)]
        for kpi in kpis:
            lines.append(
                f"  {label(kpi):<{width}}" + "".join(f"{cell(rows[s, kpi]):>{col}}" for s in names)
            )
        return lines

    def mean_cell(r: Any) -> str:
        return format_kpi(r.kpi, r.mean)

    def ci_cell(r: Any) -> str:
        if r.n < MIN_REPLICATIONS:
            return "n/a"
        return f"±{_half(r.kpi, (r.ci_high - r.ci_low) / 2)}"

    def diff_cell(r: Any) -> str:
        enough = r.n >= MIN_REPLICATIONS
        significant = enough and (r.diff_ci_low > 0 or r.diff_ci_high < 0)
        half = (r.diff_ci_high - r.diff_ci_low) / 2 if enough else math.nan
        mark = "*" if significant else " "
        return f"{_diff(r.kpi, r.diff)}{mark} ±{_half(r.kpi, half)}"

    others = [s for s in strategies if s != baseline]
    col_diff = max(col, 24)
    n = int(table["n"].min()) if len(table) else 0
    warning = few_replications_warning(n)
    out = [f"WARNING: {warning}", ""] if warning else []
    out += block("Mean per strategy", mean_cell, strategies)
    out += [""] + block("95% CI half-width", ci_cell, strategies)
    if others:
        lines = [
            f"Paired difference vs {baseline} (* = 95% CI excludes 0)",
            f"  {'':<{width}}" + "".join(f"{s:>{col_diff}}" for s in others),
        ]
        for kpi in kpis:
            cells = "".join(f"{diff_cell(rows[s, kpi]):>{col_diff}}" for s in others)
            lines.append(f"  {label(kpi):<{width}}" + cells)
        out += [""] + lines
    return "\n".join(out)


def _half(kpi: str, value: float) -> str:
    if _missing(value):
        return "n/a"
    if _is_share(kpi):
        return f"{100 * value:.2f} pp"
    return number(value)


def segment_table(segments: pd.DataFrame) -> str:
    """Text table of per-segment figures: KPI rows x segment columns.

    ``segments`` is one run's ``Results.segments`` (cells: the value), or a comparison's
    ``segment_table`` restricted to one strategy (cells: mean ± 95% CI half-width).
    """
    names = list(dict.fromkeys(segments["segment"]))
    summary = "mean" in segments
    kpis = [k for k in SEGMENT_COLUMNS if (k in set(segments["kpi"]) if summary else k in segments)]
    width = max(len(label(k)) for k in kpis)
    col = max(16, *(len(n) + 2 for n in names)) + (10 if summary else 0)

    def cell(kpi: str, name: str) -> str:
        if not summary:
            value = segments.loc[segments["segment"] == name, kpi].iloc[0]
            return format_kpi(kpi, value)
        row = segments[(segments["segment"] == name) & (segments["kpi"] == kpi)].iloc[0]
        if row["n"] < 2:
            return format_kpi(kpi, row["mean"])
        half = (row["ci_high"] - row["ci_low"]) / 2
        return f"{format_kpi(kpi, row['mean'])} ±{_half(kpi, half)}"

    lines = ["Per segment", f"  {'':<{width}}" + "".join(f"{n:>{col}}" for n in names)]
    for kpi in kpis:
        lines.append(f"  {label(kpi):<{width}}" + "".join(f"{cell(kpi, n):>{col}}" for n in names))
    return "\n".join(lines)


def segment_comparison_table(table: pd.DataFrame, strategies: list[str], baseline: str) -> str:
    """:func:`comparison_table` once per segment of a comparison's ``segment_table``."""
    blocks = []
    for name in dict.fromkeys(table["segment"]):
        own = table[table["segment"] == name].drop(columns="segment")
        blocks.append(f"Segment {name}\n" + comparison_table(own, strategies, baseline))
    return "\n\n".join(blocks)


def payback_lines(comparison: Any) -> str:
    """One line per strategy: break-even period with its interval, NPV and ROI at the horizon.

    ``comparison`` is a :class:`~journeysim.experiments.Comparison`; see
    :mod:`journeysim.experiments.payback` for the definitions.
    """
    even = comparison.break_even()
    if not len(even):
        return ""
    currency = comparison.currency
    lines = [f"Payback vs {comparison.baseline} (profit difference; NPV and ROI at the horizon)"]
    for r in even.itertuples():
        enough = r.n >= MIN_REPLICATIONS
        if math.isnan(r.break_even_period):
            when = "no break-even within the horizon"
        else:
            when = f"breaks even in period {r.break_even_period:.0f} (day {r.break_even_day:g})"
            if enough:
                when += (
                    f", 95% between {_when(r.break_even_earliest)} and {_when(r.break_even_latest)}"
                )
        npv = f"NPV {number(r.npv, signed=True)} {currency}"
        roi = "ROI n/a" if _missing(r.roi) else f"ROI {100 * r.roi:+.0f}%"
        if enough:
            npv += f" [{number(r.npv_ci_low, signed=True)}, {number(r.npv_ci_high, signed=True)}]"
            if not _missing(r.roi_ci_low):
                roi += f" [{100 * r.roi_ci_low:+.0f}%, {100 * r.roi_ci_high:+.0f}%]"
        lines.append(f"  {r.strategy}: {when}; {npv}; {roi}")
    return "\n".join(lines)


def _when(period: float) -> str:
    return "beyond the horizon" if _missing(period) else f"period {period:.0f}"
