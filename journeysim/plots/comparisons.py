"""Strategy comparisons: paired differences (forest plot) and cost vs benefit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from journeysim.confidence import few_replications_warning
from journeysim.errors import ScenarioError
from journeysim.kpis import KPIS, display_scale, label
from journeysim.plots._common import _axes, _colors, _compact, _mean_half

if TYPE_CHECKING:
    from journeysim.experiments import Comparison


def comparison_forest(
    comparison: Comparison,
    kpis: Sequence[str] = ("retention_rate", "nps", "csat", "revenue", "cost", "profit"),
    ax: Axes | None = None,
) -> Figure:
    """Forest plot: paired differences vs the baseline with 95% CIs, each KPI in its own unit.

    Small multiples, one panel (and one x scale) per KPI: retention in percentage points, NPS
    in NPS points, money in the scenario's currency, scores in points of their scale, waits in
    minutes. (A shared "% of baseline" axis let a large relative profit change squash NPS and
    retention to nothing, and made NPS, itself a difference, a percentage of itself.)
    Below :data:`~journeysim.confidence.MIN_REPLICATIONS` replications only the mean
    differences are drawn and the figure says why there are no intervals.

    Parameters
    ----------
    comparison:
        A :class:`~journeysim.experiments.Comparison` of at least two strategies.
    kpis:
        KPI columns, one panel each (top to bottom).
    ax:
        A slot to draw in (its area is split into one panel per KPI); None: a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes are the panels in ``kpis`` order.
    """
    known = list(dict.fromkeys(comparison.table["kpi"]))
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise ScenarioError(
            f"unknown KPI {unknown[0]!r}; the comparison has: {', '.join(known)}", field="kpis"
        )
    others = [s for s in comparison.strategies if s != comparison.baseline]
    height = 0.35 * max(1, len(others)) + 0.75
    if ax is None:
        fig = plt.figure(figsize=(7, height * len(kpis) + 0.8))
        grid = fig.add_gridspec(len(kpis), 1)
    else:
        fig = ax.figure
        grid = ax.get_subplotspec().subgridspec(len(kpis), 1, hspace=1.2)
        ax.remove()
    table = comparison.table.set_index(["strategy", "kpi"])
    colours = _colors(comparison.strategies)
    n = int(comparison.table["n"].min()) if len(comparison.table) else 0
    warning = few_replications_warning(n)
    currency = getattr(comparison, "currency", "EUR")
    for i, kpi in enumerate(kpis):
        panel = fig.add_subplot(grid[i])
        factor, unit_text = display_scale(kpi, difference=True, currency=currency)
        for y, name in enumerate(others):
            row = table.loc[(name, kpi)]
            mid = factor * row["diff"]
            low, high = factor * row["diff_ci_low"], factor * row["diff_ci_high"]
            xerr = None if warning or math.isnan(low) else [[mid - low], [high - mid]]
            panel.errorbar(mid, -y, xerr=xerr, fmt="o", color=colours[name], capsize=3)
        panel.axvline(0, color="grey", lw=1)
        panel.set_yticks([-y for y in range(len(others))], others, fontsize=8)
        panel.set_ylim(-len(others) + 0.5, 0.5)
        panel.set_title(label(kpi), fontsize=9, loc="left")
        panel.set_xlabel(f"difference vs {comparison.baseline} ({unit_text})", fontsize=8)
        panel.tick_params(axis="x", labelsize=8)
        if KPIS.get(kpi) is not None and KPIS[kpi].kind == "money":
            panel.xaxis.set_major_formatter(_compact)
    title = "Paired differences vs " + comparison.baseline
    title += f" ({warning})" if warning else f" with 95% CI ({n} replications)"
    fig.suptitle(title, fontsize=10, color="firebrick" if warning else "black")
    if ax is None:
        fig.tight_layout()
    return fig


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
