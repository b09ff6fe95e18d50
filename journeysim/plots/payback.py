"""Payback over time: cumulative (or discounted) profit difference against the baseline."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from journeysim.confidence import few_replications_warning
from journeysim.plots._common import _axes, _colors, _compact

if TYPE_CHECKING:
    from journeysim.experiments import Comparison


def payback_curve(comparison: Comparison, discounted: bool = False, ax: Axes | None = None) -> Axes:
    """Cumulative profit difference vs the baseline by period, with paired 95% bands.

    A curve crossing zero from below is the strategy paying back its spending; the marker is
    the break-even period (first period from which the mean stays at or above zero), the
    legend gives its interval (see :mod:`journeysim.experiments.payback`). With
    ``discounted`` each period is discounted at the scenario's annual rate: the curve is the
    NPV of the strategy over a horizon ending at that period.

    Parameters
    ----------
    comparison:
        A Comparison of at least two strategies.
    discounted:
        Show the NPV (discounted) instead of the plain cumulative difference.
    ax:
        Axes to draw on (a new figure when None).

    Returns
    -------
    matplotlib.axes.Axes
        One line per strategy other than the baseline; x = period (integer ticks), y = money in
        the scenario's currency.
    """
    ax = _axes(ax)
    table = comparison.payback()
    even = comparison.break_even().set_index("strategy")
    colours = _colors(comparison.strategies)
    column = "npv" if discounted else "cum_diff"
    n = int(table["n"].min()) if len(table) else 0
    warning = few_replications_warning(n)
    for name in comparison.strategies:
        if name == comparison.baseline:
            continue
        own = table[table["strategy"] == name].sort_values("period")
        x = own["period"].to_numpy()
        row = even.loc[name]
        when = row["break_even_period"]
        if math.isnan(when):
            text = "no break-even within the horizon"
        else:
            low, high = row["break_even_earliest"], row["break_even_latest"]
            span = "" if warning else f" [{_period(low)}, {_period(high)}]"
            text = f"breaks even in period {when:.0f}{span}"
        ax.plot(x, own[column], marker="o", ms=3, color=colours[name], label=f"{name}: {text}")
        if not warning:
            ax.fill_between(
                x, own[f"{column}_ci_low"], own[f"{column}_ci_high"], alpha=0.2, color=colours[name]
            )
        if not math.isnan(when):
            y = float(own.loc[own["period"] == when, column].iloc[0])
            ax.plot([when], [y], "D", ms=8, mfc="none", color=colours[name])
    ax.axhline(0, color="grey", lw=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(_compact)
    days = float(table["end_day"].min()) if len(table) else 0.0
    ax.set_xlabel(f"period ({days:g} days each; value at the period's end)")
    what = "NPV (discounted profit difference)" if discounted else "cumulative profit difference"
    ax.set_ylabel(f"{what} vs {comparison.baseline} ({comparison.currency})")
    title = "Payback: " + what
    title += f"\n{warning}" if warning else " (95% CI)"
    ax.set_title(title, color="firebrick" if warning else "black")
    ax.legend(fontsize=8)
    return ax


def _period(value: float) -> str:
    return "beyond horizon" if math.isnan(value) else f"{value:.0f}"
