"""Customers over time: cohort retention, the sBG survival view, timelines with CI bands."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from journeysim.kpis import label
from journeysim.plots._common import _axes, _band, _colors, _compact, _long

if TYPE_CHECKING:
    from journeysim.engine.results import Results
    from journeysim.experiments import Comparison


def _pooled_survival(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Size-weighted survival by periods since acquisition: rows k, columns replications."""
    ks = [c for c in cohorts.columns if str(c).isdigit()]
    out = {}
    for rep, own in cohorts.groupby("replication"):
        sizes = own["customers"].to_numpy(dtype=float)
        values = {}
        for k in ks:
            col = own[k].to_numpy(dtype=float)
            ok = ~np.isnan(col) & (sizes > 0)
            values[int(k)] = np.average(col[ok], weights=sizes[ok]) if ok.any() else np.nan
        out[rep] = values
    return pd.DataFrame(out).sort_index()


def cohort_retention(data: Results | Comparison, ax: Axes | None = None) -> Axes:
    """Cohort retention curves: share still active by periods since acquisition, per strategy."""
    ax = _axes(ax)
    frame, names = _long(data, "cohorts")
    colours = _colors(names)
    for name in names:
        table = _pooled_survival(frame[frame["strategy"] == name]).dropna(how="all")
        mean, low, high = _band(table)
        ax.plot(table.index, mean, marker="o", ms=3, label=name, color=colours[name])
        ax.fill_between(table.index, low, high, alpha=0.2, color=colours[name])
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("share of cohort still active")
    ax.set_ylim(0, 1.02)
    ax.set_title("Cohort retention (size-weighted over cohorts, 95% CI)")
    ax.legend(fontsize=8)
    return ax


def survival_curve(data: Results | Comparison, ax: Axes | None = None) -> Axes:
    """The sBG view: pooled survival with the best-fitting shifted-beta-geometric curve.

    The fitted Beta(a, b) says how heterogeneous churn propensities are: a small ``a`` means a
    few very disloyal customers and a loyal core, the flattening curve typical of real cohorts.
    """
    ax = _axes(ax)
    frame, names = _long(data, "cohorts")
    colours = _colors(names)
    for name in names:
        table = _pooled_survival(frame[frame["strategy"] == name]).dropna(how="all")
        survival = table.mean(axis=1)
        ks = survival.index.to_numpy()
        ax.plot(ks, survival.to_numpy(), "o", ms=4, color=colours[name], label=f"{name} observed")
        a, b = _fit_sbg(ks, survival.to_numpy())
        if not math.isnan(a):
            grid = np.arange(0, ks.max() + 1)
            fitted = np.exp(_log_beta_ratio(a, b, grid))
            ax.plot(
                grid,
                fitted,
                "-",
                color=colours[name],
                alpha=0.7,
                label=f"{name} sBG a={a:.2f}, b={b:.2f}",
            )
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("survival S(t)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Survival and shifted-beta-geometric fit")
    ax.legend(fontsize=7)
    return ax


def _log_beta_ratio(a: float, b: float, t: np.ndarray) -> np.ndarray:
    from scipy.special import betaln

    return betaln(a, b + t) - betaln(a, b)


def _fit_sbg(ks: np.ndarray, survival: np.ndarray) -> tuple[float, float]:
    from scipy.optimize import minimize

    ok = ~np.isnan(survival) & (survival > 0)
    if ok.sum() < 3:
        return math.nan, math.nan

    def loss(params: np.ndarray) -> float:
        a, b = np.exp(params)
        return float(np.sum((np.exp(_log_beta_ratio(a, b, ks[ok])) - survival[ok]) ** 2))

    best = minimize(loss, x0=np.log([1.0, 5.0]), method="Nelder-Mead")
    a, b = np.exp(best.x)
    return float(a), float(b)


#: Readable names of timeline columns (others fall back to the KPI labels).
_TIMELINE_LABELS = {
    "active_end": "active customers (end of period)",
    "new_customers": "new customers",
    "referred_customers": "referred customers",
    "abandoned_journeys": "abandoned journeys",
}


def timeline(data: Results | Comparison, kpi: str = "nps", ax: Axes | None = None) -> Axes:
    """A timeline column (``nps``, ``active_end``, ``revenue`` ...) per period, with CI bands.

    A last period shorter than the others (a horizon that is not a whole number of periods) is
    left out: its flows and survey counts cover only part of a period and would show as a
    false collapse at the end.

    Parameters
    ----------
    data:
        One run's Results or a Comparison (one line and 95% band per strategy).
    kpi:
        A column of the timeline table.
    ax:
        Axes to draw on (a new figure when None).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    frame, names = _long(data, "timeline")
    length = frame["end_day"] - frame["start_day"]
    full = float(length.max()) if len(frame) else 0.0
    frame = frame[length >= full - 1e-9]
    colours = _colors(names)
    for name in names:
        table = frame[frame["strategy"] == name].pivot(
            index="period", columns="replication", values=kpi
        )
        mean, low, high = _band(table)
        ax.plot(table.index, mean, label=name, color=colours[name])
        ax.fill_between(table.index, low, high, alpha=0.2, color=colours[name])
    ax.set_xlabel(f"period ({full:g} days each)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    name = _TIMELINE_LABELS.get(kpi, label(kpi))
    ax.set_ylabel(name)
    ax.set_title(f"{name[:1].upper()}{name[1:]} over time")
    ax.yaxis.set_major_formatter(_compact)
    ax.legend(fontsize=8)
    return ax


def timeline_panel(
    data: Results | Comparison, kpis: Sequence[str] = ("nps", "active_end", "revenue")
) -> Figure:
    """NPS, active customers and revenue over time, side by side."""
    fig, axes = plt.subplots(1, len(kpis), figsize=(5 * len(kpis), 3.8))
    for ax, kpi in zip(np.atleast_1d(axes), kpis, strict=True):
        timeline(data, kpi, ax=ax)
    fig.tight_layout()
    return fig
