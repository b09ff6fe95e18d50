"""Transactions -> repeat-purchase model, basket distribution and acquisition, per segment.

The pieces, each with its method (docs/calibration.md):

- **RFM summary** (:func:`rfm`): purchases are counted per customer and day (several orders on
  one day are one purchase occasion, as in Fader, Hardie & Lee 2005); ``x`` = repeat occasions,
  ``t_x`` = time of the last one after the first, ``T`` = time from the first to the end of the
  calibration period.
- **BG/NBD and MBG/NBD** (:mod:`.bgnbd`) by maximum likelihood on the calibration period, with
  standard errors from the observed information.
- **Basket**: lognormal maximum likelihood on the amount per purchase occasion; mean and sd of
  the fitted lognormal with delta-method standard errors.
- **Acquisition**: first purchases per period; the rate per day is their count over the window
  (Poisson: SE = sqrt(n) / window).
- **Holdout tracking** (:func:`tracking`): cumulative repeat purchases by period, observed vs the
  model's expectation sum_i E[X(s - first_i)] over the customers acquired in the calibration
  period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from journeysim.calibrate.bgnbd import Model, expected_repeats, negloglik
from journeysim.calibrate.data import DataError, Table
from journeysim.calibrate.mle import Z95, Estimate, fit_positive

__all__ = [
    "BasketFit",
    "RepeatFit",
    "SegmentTransactions",
    "TransactionsFit",
    "fit_basket",
    "fit_repeat",
    "fit_transactions",
    "rfm",
    "tracking",
]

#: Fewer customers than this in a segment: the fit is refused (merge the segment).
MIN_CUSTOMERS = 30


@dataclass
class RepeatFit:
    """A BG/NBD or MBG/NBD fit. Rates are per ``unit_days`` days."""

    model: Model
    r: Estimate
    alpha: Estimate
    a: Estimate
    b: Estimate
    loglik: float
    customers: int
    repeats: int
    unit_days: float

    @property
    def params(self) -> tuple[float, float, float, float]:
        """``(r, alpha, a, b)`` as numbers."""
        return self.r.value, self.alpha.value, self.a.value, self.b.value

    def expected(self, t_days: np.ndarray | float) -> np.ndarray:
        """E[X(t)] for ``t`` in days."""
        return expected_repeats(np.asarray(t_days) / self.unit_days, *self.params, self.model)

    def mean_gap_days(self) -> Estimate:
        """1 / E[lambda] = alpha / r in days (the scenario's ``time_between_needs``)."""
        r, alpha = self.r, self.alpha
        value = alpha.value / r.value * self.unit_days
        # delta method on log(alpha) - log(r), ignoring their covariance (reported as such)
        rel = math.hypot(alpha.se / alpha.value, r.se / r.value)
        return Estimate(
            value, value * rel, value * math.exp(-Z95 * rel), value * math.exp(Z95 * rel)
        )


@dataclass
class BasketFit:
    """Lognormal spend per purchase occasion."""

    mean: Estimate
    sd: Estimate
    n: int


@dataclass
class SegmentTransactions:
    """Everything fitted for one segment."""

    segment: str
    customers: int
    share: float
    repeat: dict[str, RepeatFit]
    basket: BasketFit
    acquisition: pd.DataFrame  # period start, new customers, rate per day
    arrivals_per_day: Estimate
    single_purchase: int


@dataclass
class TransactionsFit:
    """The fit of a transaction table: per segment, plus the tracking table."""

    segments: dict[str, SegmentTransactions]
    calibration_end: pd.Timestamp
    end: pd.Timestamp
    start: pd.Timestamp
    unit_days: float
    tracking: pd.DataFrame
    data: list[str] = field(default_factory=list)
    engine_model: Model = "mbgnbd"
    acquisition_days: float = 0.0  # from the first first-purchase to the last (calibration)

    @property
    def arrivals_per_day(self) -> Estimate:
        """All segments' acquisition rate (sum; SEs combined)."""
        fits = [s.arrivals_per_day for s in self.segments.values()]
        value = sum(f.value for f in fits)
        se = math.sqrt(sum(f.se**2 for f in fits))
        return Estimate(value, se, value - Z95 * se, value + Z95 * se)


def rfm(frame: pd.DataFrame, calibration_end: pd.Timestamp, unit_days: float = 1.0) -> pd.DataFrame:
    """Per-customer ``x, t_x, T`` (in units of ``unit_days``) from the calibration period.

    Customers whose first purchase is after ``calibration_end`` are left out. Time is counted
    from the start of the first purchase day to the end of ``calibration_end``'s day.
    """
    days = frame.assign(day=frame["date"].dt.normalize())
    days = days[days["day"] <= calibration_end]
    occasions = days.groupby(["customer_id", "day"], sort=True).size().reset_index()
    grouped = occasions.groupby("customer_id")["day"]
    first = grouped.min()
    last = grouped.max()
    x = grouped.size() - 1
    end = calibration_end.normalize() + pd.Timedelta(days=1)
    out = pd.DataFrame(
        {
            "x": x.astype(float),
            "t_x": (last - first).dt.days / unit_days,
            "T": ((end - first).dt.days - 1) / unit_days,
            "first": first,
        }
    )
    return out


def fit_repeat(summary: pd.DataFrame, model: Model = "bgnbd", unit_days: float = 1.0) -> RepeatFit:
    """Fit ``(r, alpha, a, b)`` to an RFM summary by maximum likelihood."""
    x = summary["x"].to_numpy(float)
    t_x = summary["t_x"].to_numpy(float)
    T = summary["T"].to_numpy(float)

    def nll(theta: np.ndarray) -> float:
        return negloglik(theta, x, t_x, T, model)

    scale = max(float(np.mean(T)), 1e-9)
    (r, alpha, a, b), loglik, _ = fit_positive(nll, [1.0, scale, 1.0, 1.0])
    return RepeatFit(model, r, alpha, a, b, loglik, len(x), int(x.sum()), unit_days)


def fit_basket(amounts: np.ndarray) -> BasketFit:
    """Lognormal MLE of spend; mean and sd of the fitted lognormal with delta-method SEs."""
    logs = np.log(np.asarray(amounts, dtype=float))
    n = len(logs)
    mu = float(np.mean(logs))
    s2 = float(np.var(logs))  # the MLE
    mean = math.exp(mu + s2 / 2)
    sd = mean * math.sqrt(math.expm1(s2))
    # var(mu) = s2/n, var(s2) = 2 s2^2/n (independent); gradients of mean and sd
    var_mu, var_s2 = s2 / n, 2 * s2 * s2 / n
    se_mean = mean * math.sqrt(var_mu + var_s2 / 4)
    d_sd_s2 = sd / 2 + mean * math.exp(s2) / (2 * math.sqrt(math.expm1(s2))) if s2 > 0 else 0.0
    se_sd = math.sqrt(sd * sd * var_mu + d_sd_s2 * d_sd_s2 * var_s2)
    return BasketFit(
        Estimate(mean, se_mean, mean - Z95 * se_mean, mean + Z95 * se_mean),
        Estimate(sd, se_sd, max(sd - Z95 * se_sd, 0.0), sd + Z95 * se_sd),
        n,
    )


def tracking(
    frame: pd.DataFrame,
    fit: RepeatFit,
    calibration_end: pd.Timestamp,
    end: pd.Timestamp,
    period_days: float = 7.0,
) -> pd.DataFrame:
    """Cumulative repeat purchases by period: observed vs the model's expectation.

    Customers are those first buying by ``calibration_end``; the model's curve is
    ``sum_i E[X(s - first_i)]``. Columns ``day`` (since the first purchase in the data),
    ``observed``, ``model``, ``holdout`` (True after the calibration end).
    """
    occasions = (
        frame.assign(day=frame["date"].dt.normalize())
        .groupby(["customer_id", "day"])
        .size()
        .reset_index()
    )
    first = occasions.groupby("customer_id")["day"].min()
    first = first[first <= calibration_end]
    occasions = occasions[occasions["customer_id"].isin(first.index)]
    start = first.min()
    repeat_day = occasions.merge(first.rename("first"), left_on="customer_id", right_index=True)
    repeat_day = repeat_day[repeat_day["day"] > repeat_day["first"]]
    elapsed = (repeat_day["day"] - start).dt.days.to_numpy() + 1  # by the end of that day
    horizon = (end.normalize() - start).days + 1
    marks = np.arange(period_days, horizon + 1e-9, period_days)
    observed = np.searchsorted(np.sort(elapsed), marks, side="right")
    first_days = (first - start).dt.days.to_numpy().astype(float)
    model = np.array(
        [float(np.sum(fit.expected(np.clip(m - first_days - 1, 0, None)))) for m in marks]
    )
    cut = (calibration_end.normalize() - start).days + 1
    return pd.DataFrame(
        {"day": marks, "observed": observed, "model": model, "holdout": marks > cut + 1e-9}
    )


def fit_transactions(
    table: Table,
    *,
    calibration_end: Any = None,
    unit_days: float = 7.0,
    period_days: float = 30.0,
    engine_model: Model = "mbgnbd",
) -> TransactionsFit:
    """Fit every segment of a transaction table (see the module docstring).

    Parameters
    ----------
    table:
        From :func:`~journeysim.calibrate.data.load_transactions`.
    calibration_end:
        Last day of the calibration period; later purchases are the holdout. Default: the
        midpoint of the data's time span.
    unit_days:
        Time unit of the reported r and alpha (7 = weeks, as in the literature).
    period_days:
        Length of the acquisition periods.
    engine_model:
        Which model the scenario gets (the engine's: MBG/NBD, see :mod:`.bgnbd`).

    Raises
    ------
    DataError
        A segment with fewer than ``MIN_CUSTOMERS`` customers, or no repeat purchase at all.
    """
    frame = table.frame
    start = frame["date"].min().normalize()
    end = frame["date"].max().normalize()
    if calibration_end is None:
        cut = start + (end - start) / 2
    else:
        cut = pd.Timestamp(calibration_end)
    cut = cut.normalize()
    if not start <= cut <= end:
        raise DataError(
            f"calibration end {cut.date()} is outside the data ({start.date()} to {end.date()})",
            source=table.source,
        )
    segs = frame["segment"] if "segment" in frame else pd.Series("all", index=frame.index)
    names = list(dict.fromkeys(segs))
    customers_total = frame["customer_id"].nunique()
    out: dict[str, SegmentTransactions] = {}
    for name in names:
        part = frame[segs == name]
        summary = rfm(part, cut, unit_days)
        n = len(summary)
        if n < MIN_CUSTOMERS:
            raise DataError(
                f"segment {name!r} has {n} customers in the calibration period; at least "
                f"{MIN_CUSTOMERS} are needed to fit it (merge it with another segment)",
                source=table.source,
                field="column 'segment'",
            )
        if summary["x"].sum() == 0:
            raise DataError(
                f"segment {name!r}: no customer bought twice in the calibration period; "
                "repeat purchasing cannot be fitted (extend the calibration period)",
                source=table.source,
            )
        repeat = {m: fit_repeat(summary, m, unit_days) for m in ("bgnbd", "mbgnbd")}
        occasion_amounts = (
            part.assign(day=part["date"].dt.normalize())
            .groupby(["customer_id", "day"])["amount"]
            .sum()
            .to_numpy()
        )
        basket = fit_basket(occasion_amounts[occasion_amounts > 0])
        firsts = summary["first"]
        window = (cut - start).days + 1
        bins = pd.cut(
            (firsts - start).dt.days,
            bins=np.arange(0, window + period_days, period_days),
            right=False,
        )
        acquisition = firsts.groupby(bins, observed=False).size().rename("new_customers")
        acquisition = acquisition.reset_index(drop=True).to_frame()
        acquisition.insert(0, "start_day", np.arange(len(acquisition)) * period_days)
        lengths = np.minimum(period_days, window - acquisition["start_day"].to_numpy())
        acquisition["per_day"] = acquisition["new_customers"] / lengths
        rate = n / window
        se = math.sqrt(n) / window
        out[str(name)] = SegmentTransactions(
            str(name),
            n,
            part["customer_id"].nunique() / customers_total,
            repeat,
            basket,
            acquisition,
            Estimate(rate, se, rate - Z95 * se, rate + Z95 * se),
            int((summary["x"] == 0).sum()),
        )
    everyone = rfm(frame, cut, unit_days)
    if len(out) == 1:
        fit = next(iter(out.values())).repeat[engine_model]
    else:
        fit = fit_repeat(everyone, engine_model, unit_days)
    track = tracking(frame, fit, cut, end, period_days=7.0)
    window = float((everyone["first"].max() - everyone["first"].min()).days + 1)
    return TransactionsFit(
        out, cut, end, start, unit_days, track, table.summary(), engine_model, window
    )
