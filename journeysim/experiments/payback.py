"""Payback over time: when a strategy's extra spending comes back as extra profit.

For every strategy and replication ``r`` the per-period profit of the baseline's replication
``r`` is subtracted (paired: under common random numbers both saw the same customers), and the
differences are summed over periods. Per period this gives

* ``cum_diff``: cumulative profit difference up to the period's end (currency);
* ``npv``: the same with each period's difference discounted to day 0 at the scenario's
  ``money.annual_discount_rate``, ``(1 + rate) ** (-end_day / 365)`` (end-of-period cash flow):
  the net present value of choosing the strategy over the baseline for a horizon ending there;
* ``roi``: cumulative profit difference / cumulative extra spend (costs plus discounts given),
  i.e. profit gained per unit of money spent on the strategy (NaN while it spends nothing extra),

each with its 95% Student-t interval across the paired replications
(:func:`journeysim.confidence.mean_ci`; no interval below
:data:`~journeysim.confidence.MIN_REPLICATIONS` replications).

**Break-even** is the first period after which the mean cumulative difference stays at or above
zero. Its interval reads the pointwise 95% band: ``earliest`` is the first period from which the
upper bound stays at or above zero (it may have paid back by then), ``latest`` the first period
from which the lower bound does (it has paid back, at 95%). A period beyond the horizon is
reported as NaN ("not within the horizon").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeysim.confidence import mean_ci

if TYPE_CHECKING:
    from journeysim.experiments.comparison import Comparison

__all__ = ["break_even_table", "payback_table"]


def _paired(comparison: Comparison, column: str) -> dict[str, pd.DataFrame]:
    """Per strategy: rows = periods, columns = replications, values = strategy - baseline."""
    frame = comparison.timelines
    wide = {
        name: own.pivot(index="period", columns="replication", values=column)
        for name, own in frame.groupby("strategy", sort=False)
    }
    base = wide[comparison.baseline]
    return {name: wide[name] - base for name in comparison.strategies}


def payback_table(comparison: Comparison) -> pd.DataFrame:
    """Cumulative and discounted profit difference vs the baseline, per strategy and period.

    Parameters
    ----------
    comparison:
        A :class:`~journeysim.experiments.Comparison` (its ``timelines`` hold per-period profit,
        cost and discounts of every run).

    Returns
    -------
    pandas.DataFrame
        One row per (strategy, period): ``strategy, period, end_day, cum_diff, cum_diff_ci_low,
        cum_diff_ci_high, npv, npv_ci_low, npv_ci_high, roi, roi_ci_low, roi_ci_high, n``.
        Money in the scenario's currency; ``roi`` as a ratio (0.25 = 25%).
    """
    timeline = comparison.timelines
    ends = timeline.drop_duplicates("period").set_index("period")["end_day"].sort_index()
    factor = (1.0 + comparison.annual_discount_rate) ** (-ends.to_numpy(dtype=float) / 365.0)
    profit = _paired(comparison, "profit")
    spend = {
        name: cost + discounts
        for (name, cost), discounts in zip(
            _paired(comparison, "cost").items(),
            _paired(comparison, "discounts").values(),
            strict=True,
        )
    }
    rows = []
    for name in comparison.strategies:
        diff = profit[name].sort_index()
        cumulative = diff.cumsum().to_numpy()
        discounted = (diff.mul(factor, axis=0)).cumsum().to_numpy()
        extra = spend[name].sort_index().cumsum().to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            roi = np.where(np.abs(extra) > 1e-9, cumulative / extra, np.nan)
        for i, period in enumerate(diff.index):
            c, d, r = mean_ci(cumulative[i]), mean_ci(discounted[i]), mean_ci(roi[i])
            rows.append(
                {
                    "strategy": name,
                    "period": int(period),
                    "end_day": float(ends.loc[period]),
                    "cum_diff": c["mean"],
                    "cum_diff_ci_low": c["ci_low"],
                    "cum_diff_ci_high": c["ci_high"],
                    "npv": d["mean"],
                    "npv_ci_low": d["ci_low"],
                    "npv_ci_high": d["ci_high"],
                    "roi": r["mean"],
                    "roi_ci_low": r["ci_low"],
                    "roi_ci_high": r["ci_high"],
                    "n": c["n"],
                }
            )
    return pd.DataFrame(rows)


def _first_from(periods: np.ndarray, ok: np.ndarray) -> float:
    """First period from which ``ok`` holds to the end (NaN if it does not hold at the end)."""
    if not len(ok) or not ok[-1]:
        return math.nan
    bad = np.flatnonzero(~ok)
    return float(periods[bad[-1] + 1]) if len(bad) else float(periods[0])


def break_even_table(comparison: Comparison) -> pd.DataFrame:
    """Break-even period (with its interval), NPV and ROI at the horizon, per strategy.

    Returns
    -------
    pandas.DataFrame
        One row per strategy other than the baseline: ``strategy, break_even_period,
        break_even_earliest, break_even_latest`` (periods; NaN = not within the horizon),
        ``break_even_day`` (end day of the break-even period), ``period_days``, ``npv,
        npv_ci_low, npv_ci_high, roi, roi_ci_low, roi_ci_high`` at the horizon, ``n``.
    """
    table = payback_table(comparison)
    rows = []
    for name in comparison.strategies:
        if name == comparison.baseline:
            continue
        own = table[table["strategy"] == name].sort_values("period")
        periods = own["period"].to_numpy()
        mean = own["cum_diff"].to_numpy()
        low = own["cum_diff_ci_low"].to_numpy()
        high = own["cum_diff_ci_high"].to_numpy()
        estimate = _first_from(periods, mean >= 0)
        last = own.iloc[-1]
        days = own["end_day"].to_numpy()
        rows.append(
            {
                "strategy": name,
                "break_even_period": estimate,
                "break_even_earliest": _first_from(periods, np.nan_to_num(high, nan=-1) >= 0)
                if not np.isnan(high).all()
                else math.nan,
                "break_even_latest": _first_from(periods, np.nan_to_num(low, nan=-1) >= 0)
                if not np.isnan(low).all()
                else math.nan,
                "break_even_day": float(days[periods == estimate][0])
                if not math.isnan(estimate)
                else math.nan,
                "period_days": float(days[0]) if len(days) else math.nan,
                "npv": last["npv"],
                "npv_ci_low": last["npv_ci_low"],
                "npv_ci_high": last["npv_ci_high"],
                "roi": last["roi"],
                "roi_ci_low": last["roi_ci_low"],
                "roi_ci_high": last["roi_ci_high"],
                "n": int(last["n"]),
            }
        )
    return pd.DataFrame(rows)
