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
    from journeysim.scenario import Scenario


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


def survival_curve(
    data: Results | Comparison, scenario: Scenario | None = None, ax: Axes | None = None
) -> Axes:
    """The sBG view on the model's own clock: observed survival, its MLE fit and the prior.

    With ``simulation.churn = "period"`` a customer decides once per full period of tenure and
    never in the period they arrived in, so column ``k + 1`` of the cohort table has seen ``k``
    decisions: the x axis is the number of churn decisions (periods of tenure completed), where
    the shifted-beta-geometric model reads S(t) = B(a, b + t) / B(a, b). (Read against periods
    since acquisition, the empty first period bends a fit towards absurd ``a``.)

    The fitted curve is the maximum-likelihood sBG (Fader & Hardie 2007, eq. 7) over every
    cohort's churn counts pooled across replications, with ``a`` and ``b`` bounded to
    [0.001, 1000] and 95% intervals from the observed information (delta method on the log
    scale); fewer than 3 decision columns give no fit (said in the legend). With ``scenario``
    the prior curve of its segments' Beta(a, b) (mixed by segment share) is drawn beside: the
    two agree when churn effects are off, and the gap is what satisfaction and loyalty do.

    Parameters
    ----------
    data:
        One run's Results, a Replications or a Comparison (one colour per strategy).
    scenario:
        Optional: draw the scenario's prior sBG curve (dashed, black).
    ax:
        Axes to draw on (a new figure when None).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(scenario, Axes):  # the former signature survival_curve(data, ax)
        scenario, ax = None, scenario
    ax = _axes(ax)
    frame, names = _long(data, "cohorts")
    colours = _colors(names)
    grid_max = 0
    for name in names:
        own = frame[frame["strategy"] == name]
        table = _pooled_survival(own).dropna(how="all")
        table = table[table.index >= 1]
        table.index = table.index - 1  # decisions made
        survival = table.mean(axis=1)
        ks = survival.index.to_numpy()
        grid_max = max(grid_max, int(ks.max()) if len(ks) else 0)
        ax.plot(ks, survival.to_numpy(), "o", ms=4, color=colours[name], label=f"{name} simulated")
        fit = fit_sbg(own)
        if fit is None:
            ax.plot([], [], " ", label=f"{name}: too few decisions for an sBG fit")
            continue
        grid = np.arange(0, ks.max() + 1)
        ax.plot(
            grid,
            np.exp(_log_beta_ratio(fit["a"], fit["b"], grid)),
            "-",
            color=colours[name],
            alpha=0.7,
            label=f"{name} sBG MLE a={fit['a']:.2f} [{fit['a_low']:.2f}, {fit['a_high']:.2f}], "
            f"b={fit['b']:.2f} [{fit['b_low']:.2f}, {fit['b_high']:.2f}]",
        )
    if scenario is not None:
        grid = np.arange(0, max(grid_max, 1) + 1)
        ax.plot(grid, prior_survival(scenario, grid), "--", color="black", label="scenario prior")
    per_journey = scenario is not None and scenario.simulation.churn != "period"
    if per_journey:  # the sBG clock is one decision per period; here it is per journey
        ax.set_xlabel("periods of tenure completed (churn is decided per journey: not sBG's clock)")
    else:
        ax.set_xlabel("churn decisions made (periods of tenure completed)")
    ax.set_ylabel("survival S(t)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, 1.02)
    ax.set_title("Survival: simulated, sBG maximum-likelihood fit (95% CI) and prior")
    ax.legend(fontsize=7)
    return ax


def prior_survival(scenario: Scenario, t: np.ndarray) -> np.ndarray:
    """The scenario's prior sBG survival after ``t`` decisions, mixed over segments by share."""
    t = np.asarray(t, dtype=float)
    total = np.zeros_like(t)
    for segment in scenario.segments.values():
        a, b = segment.churn.a, segment.churn.b
        total += segment.share * np.exp(_log_beta_ratio(a, b, t))
    return total


def _log_beta_ratio(a: float, b: float, t: np.ndarray) -> np.ndarray:
    from scipy.special import betaln

    return betaln(a, b + t) - betaln(a, b)


def _churn_counts(cohorts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Pooled sBG data: churners at decision t (t = 1..T) and survivors censored at t.

    Each cohort row contributes ``customers x (S(t-1) - S(t))`` churners at decision ``t``
    (column ``t + 1``) and its survivors at its last observed decision.
    """
    ks = sorted(int(c) for c in cohorts.columns if str(c).isdigit())
    size = max(ks, default=1)
    churned = np.zeros(size + 1)
    censored = np.zeros(size + 1)
    for _, row in cohorts.iterrows():
        n = float(row["customers"])
        if not n > 0:
            continue
        values = [float(row[str(k)]) for k in ks if k >= 1]
        observed = [v for v in values if not math.isnan(v)]
        if len(observed) < 2:
            continue
        for t in range(1, len(observed)):
            churned[t] += n * (observed[t - 1] - observed[t])
        censored[len(observed) - 1] += n * observed[-1]
    return churned, censored


def fit_sbg(cohorts: pd.DataFrame) -> dict[str, float] | None:
    """Maximum-likelihood shifted-beta-geometric fit of cohort tables, with 95% intervals.

    Parameters
    ----------
    cohorts:
        Cohort table(s) as in ``Results.cohorts`` (several replications may be stacked).

    Returns
    -------
    dict or None
        ``a, b, a_low, a_high, b_low, b_high`` (bounded to [0.001, 1000]) or None when fewer
        than 3 decisions are observed or nobody churned.
    """
    from scipy.optimize import minimize
    from scipy.special import betaln

    churned, censored = _churn_counts(cohorts)
    decisions = np.flatnonzero(churned + censored)
    if len(decisions) == 0 or decisions.max() < 3 or churned.sum() <= 0:
        return None
    t = np.arange(len(churned))

    def nll(params: np.ndarray) -> float:
        a, b = np.exp(params)
        base = betaln(a, b)
        # P(T = t) = B(a + 1, b + t - 1) / B(a, b); S(t) = B(a, b + t) / B(a, b)
        p = betaln(a + 1, b + t[1:] - 1) - base
        s = betaln(a, b + t) - base
        return -float(np.sum(churned[1:] * p) + np.sum(censored * s))

    bound = math.log(1000.0)
    best = minimize(nll, x0=np.log([1.0, 5.0]), method="L-BFGS-B", bounds=[(-bound, bound)] * 2)
    x = best.x
    h = 1e-4
    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (
                nll(x + ei + ej) - nll(x + ei - ej) - nll(x - ei + ej) + nll(x - ei - ej)
            ) / (4 * h * h)
    try:
        se = np.sqrt(np.diag(np.linalg.inv(hess)))
    except np.linalg.LinAlgError:
        se = np.array([np.nan, np.nan])
    se = np.where(np.isfinite(se), se, np.nan)
    a, b = np.exp(x)
    return {
        "a": float(a),
        "b": float(b),
        "a_low": float(np.exp(x[0] - 1.96 * se[0])),
        "a_high": float(np.exp(x[0] + 1.96 * se[0])),
        "b_low": float(np.exp(x[1] - 1.96 * se[1])),
        "b_high": float(np.exp(x[1] + 1.96 * se[1])),
    }


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
