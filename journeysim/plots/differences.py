"""Paired differences over time: each strategy minus the baseline, period by period."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from journeysim.confidence import few_replications_warning
from journeysim.kpis import display_scale, label
from journeysim.plots._common import _band, _colors, _compact

if TYPE_CHECKING:
    from journeysim.experiments import Comparison

#: Readable names of timeline columns that are not KPIs.
_NAMES = {"active_end": "active customers (end of period)", "new_customers": "new customers"}


def timeline_differences(
    comparison: Comparison, kpis: Sequence[str] = ("nps", "active_end", "revenue", "profit")
) -> Figure:
    """Per period, each strategy minus the baseline (paired by replication) with 95% CIs.

    Two unpaired bands can overlap while the paired difference is clearly non-zero (common
    random numbers remove the noise both arms share); this panel shows the difference itself,
    the quantity the comparison table tests. A last period shorter than the others is left out
    (as in :func:`journeysim.plots.timeline`).

    Parameters
    ----------
    comparison:
        A Comparison of at least two strategies.
    kpis:
        Timeline columns, one panel each.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per column; one line (mean difference) and band (95% CI) per strategy other
        than the baseline; x = period with integer ticks, y in the column's unit.
    """
    frame = comparison.timelines
    length = frame["end_day"] - frame["start_day"]
    full = float(length.max()) if len(frame) else 0.0
    frame = frame[length >= full - 1e-9]
    others = [s for s in comparison.strategies if s != comparison.baseline]
    colours = _colors(comparison.strategies)
    n = comparison.replications
    warning = few_replications_warning(n)
    fig, axes = plt.subplots(1, len(kpis), figsize=(4.6 * len(kpis), 3.6), squeeze=False)
    for ax, kpi in zip(axes[0], kpis, strict=True):
        wide = {
            name: own.pivot(index="period", columns="replication", values=kpi)
            for name, own in frame.groupby("strategy", sort=False)
        }
        factor, unit_text = display_scale(kpi, difference=True, currency=comparison.currency)
        if kpi in ("active_end", "new_customers"):
            unit_text = "customers"
        for name in others:
            diff = (wide[name] - wide[comparison.baseline]) * factor
            mean, low, high = _band(diff)
            ax.plot(diff.index, mean, marker="o", ms=3, color=colours[name], label=name)
            if not warning:
                ax.fill_between(diff.index, low, high, alpha=0.2, color=colours[name])
        ax.axhline(0, color="grey", lw=1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(_compact)
        ax.set_xlabel(f"period ({full:g} days each)")
        name = _NAMES.get(kpi, label(kpi))
        ax.set_ylabel(f"difference ({unit_text})" if unit_text else "difference")
        ax.set_title(f"{name}: {', '.join(others)} - {comparison.baseline}", fontsize=9)
        ax.legend(fontsize=8)
    title = "Paired differences vs " + comparison.baseline
    title += f" ({warning})" if warning else f" with 95% CI ({n} replications)"
    fig.suptitle(title, fontsize=10, color="firebrick" if warning else "black")
    fig.tight_layout()
    return fig


__all__ = ["timeline_differences"]
