"""Strategy comparisons: paired differences (forest plot) and cost vs benefit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.axes import Axes

from journeysim.kpis import label
from journeysim.plots._common import _axes, _colors, _compact, _mean_half

if TYPE_CHECKING:
    from journeysim.experiments import Comparison


def comparison_forest(
    comparison: Comparison,
    kpis: Sequence[str] = ("retention_rate", "nps", "csat", "revenue", "cost", "profit"),
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: paired difference vs the baseline with 95% CI, in % of the baseline mean."""
    ax = _axes(ax, (7, 0.45 * len(kpis) * max(1, len(comparison.strategies) - 1) + 1.5))
    table = comparison.table.set_index(["strategy", "kpi"])
    others = [s for s in comparison.strategies if s != comparison.baseline]
    colours = _colors(comparison.strategies)
    y = 0
    ticks, labels = [], []
    for kpi in kpis:
        base = abs(table.loc[(comparison.baseline, kpi), "mean"]) or 1.0
        for name in others:
            row = table.loc[(name, kpi)]
            mid = 100 * row["diff"] / base
            low, high = 100 * row["diff_ci_low"] / base, 100 * row["diff_ci_high"] / base
            ax.errorbar(
                mid,
                y,
                xerr=[[mid - low], [high - mid]],
                fmt="o",
                color=colours[name],
                capsize=3,
                label=name if kpi == kpis[0] else None,
            )
            ticks.append(y)
            labels.append(f"{label(kpi)} ({name})")
            y -= 1
        y -= 0.5
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_xlabel(f"difference vs {comparison.baseline} (% of baseline mean)")
    ax.set_title("Paired differences with 95% CI")
    ax.legend(fontsize=8)
    return ax


def cost_benefit(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Extra cost vs extra gross margin per strategy, with 95% CIs; ROI in the labels.

    Above the diagonal a strategy earns more margin than it costs (profit up).
    """
    ax = _axes(ax, (6, 5))
    runs = comparison.runs.set_index(["strategy", "replication"])
    others = [s for s in comparison.strategies if s != comparison.baseline]
    colours = _colors(comparison.strategies)
    base = runs.loc[comparison.baseline]
    # gross margin before costs = profit + cost
    for name in others:
        own = runs.loc[name]
        d_cost = (own["cost"] + own["discounts"]) - (base["cost"] + base["discounts"])
        d_margin = (own["profit"] + own["cost"] + own["discounts"]) - (
            base["profit"] + base["cost"] + base["discounts"]
        )
        cx, cy = _mean_half(d_cost), _mean_half(d_margin)
        roi = cy[0] / cx[0] - 1 if cx[0] else math.nan
        ax.errorbar(
            cx[0],
            cy[0],
            xerr=cx[1],
            yerr=cy[1],
            fmt="o",
            color=colours[name],
            capsize=3,
            label=f"{name} (ROI {roi:+.0%})",
        )
    lim = max(1.0, *[abs(v) for v in ax.get_xlim() + ax.get_ylim()])
    ax.plot([0, lim], [0, lim], "--", color="grey", lw=1)
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.xaxis.set_major_formatter(_compact)
    ax.yaxis.set_major_formatter(_compact)
    ax.set_xlabel(f"extra cost incl. discounts vs {comparison.baseline}")
    ax.set_ylabel("extra gross margin")
    ax.set_title("Cost vs benefit (above the diagonal: profit up)")
    ax.legend(fontsize=8)
    return ax
