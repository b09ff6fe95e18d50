"""Journey event log -> entry and route probabilities, service times, demand, patience, waits.

Methods (docs/calibration.md, "Event logs"):

- **Entry and routes**: counts of first touchpoints and of transitions between consecutive
  visits of a journey (the last visit leads to the journey's outcome, ``purchase`` or ``exit``).
  An abandoned visit ends the journey and is patience data, not a route; a journey without an
  outcome (cut by the end of the log) gives no final transition. Probabilities are the shares
  with Wilson 95% intervals. Failures sent to recovery appear as routes to the recovery
  touchpoint (the log does not say a visit failed).
- **Service times** (visits served, ``duration`` in minutes, or the gap to the next visit minus
  the wait): exponential, lognormal and gamma are fitted by maximum likelihood
  (``scipy.stats``, location 0) and the family with the lowest AIC = 2k - 2 log L is chosen;
  ``deterministic`` when all durations are equal (within 0.1%). The mean's interval is the
  Student-t interval of the sample mean.
- **Capacity**: a touchpoint where nobody ever waited is self-service (``unlimited``);
  otherwise the largest number of visits in service at the same time.
- **Arrivals**: new customers (first appearance) per day over the log's span, Poisson interval;
  visits per day per touchpoint.
- **Demand profile**: journey starts by hour of day and by weekday, as multipliers of mean 1.
- **Time between journeys**: start-to-start gaps of a customer's journeys (mean, exponential).
- **Patience**: waits of abandoned visits are patience times; waits of served visits are
  right-censored (patience was longer). Exponential MLE with censoring: mean = total waiting
  time / abandonments, SE = mean / sqrt(abandonments); the Kaplan-Meier median is reported.
- **Waits and service level**: mean and 90th percentile wait, abandonment rate, share answered
  within 20 s, per touchpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from journeysim.calibrate.data import DataError, Table
from journeysim.calibrate.mle import Z95, Estimate

__all__ = [
    "EventLogFit",
    "ServiceFit",
    "fit_event_log",
    "fit_patience",
    "fit_service",
    "wilson",
]

TERMINAL_OUTCOMES = {"purchase": "purchase", "exit": "exit"}


def wilson(k: float, n: float) -> Estimate:
    """Share ``k / n`` with its Wilson 95% interval (SE = sqrt(p (1 - p) / n))."""
    if n <= 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan)
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(p, math.sqrt(p * (1 - p) / n), max(centre - half, 0.0), min(centre + half, 1.0))


@dataclass
class ServiceFit:
    """The chosen service-time family of one touchpoint (minutes)."""

    distribution: str
    mean: Estimate
    sd: float
    n: int
    aic: dict[str, float]
    sample: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def pdf(self, minutes: np.ndarray) -> np.ndarray:
        """Density of the chosen family (same mean and sd) at ``minutes``; deterministic: NaN."""
        from scipy import stats

        x = np.asarray(minutes, dtype=float)
        m, s = self.mean.value, self.sd
        if self.distribution == "exponential":
            return stats.expon.pdf(x, scale=m)
        if self.distribution == "gamma":
            k = (m / s) ** 2
            return stats.gamma.pdf(x, k, scale=m / k)
        if self.distribution == "lognormal":
            sigma2 = math.log1p((s / m) ** 2)
            return stats.lognorm.pdf(x, math.sqrt(sigma2), scale=m * math.exp(-sigma2 / 2))
        return np.full(x.shape, np.nan)


def fit_service(minutes: np.ndarray) -> ServiceFit:
    """Choose exponential, deterministic, lognormal or gamma by AIC; see the module docstring."""
    from scipy import stats

    x = np.asarray(minutes, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        raise ValueError("need at least two service times")
    mean = float(np.mean(x))
    sd_sample = float(np.std(x, ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd_sample / math.sqrt(n)
    estimate = Estimate(mean, sd_sample / math.sqrt(n), mean - half, mean + half)
    if np.ptp(x) <= 1e-3 * mean:
        return ServiceFit("deterministic", estimate, 0.0, n, {}, x)
    x = np.maximum(x, 1e-9 * mean)
    aic = {"exponential": 2 * 1 - 2 * float(np.sum(stats.expon.logpdf(x, scale=mean)))}
    s, _, scale = stats.lognorm.fit(x, floc=0)
    aic["lognormal"] = 4 - 2 * float(np.sum(stats.lognorm.logpdf(x, s, 0, scale)))
    k, _, theta = stats.gamma.fit(x, floc=0)
    aic["gamma"] = 4 - 2 * float(np.sum(stats.gamma.logpdf(x, k, 0, theta)))
    best = min(aic, key=aic.get)
    if best == "lognormal":
        sd = math.sqrt(math.expm1(s * s)) * scale * math.exp(s * s / 2)
    elif best == "gamma":
        sd = math.sqrt(k) * theta
    else:
        sd = mean
    return ServiceFit(best, estimate, sd, n, aic, x)


def fit_patience(waits: np.ndarray, abandoned: np.ndarray) -> dict[str, float | Estimate]:
    """Exponential patience MLE with right-censoring, and the Kaplan-Meier median (minutes).

    ``waits`` of abandoned visits are patience times; of served visits, lower bounds.
    """
    waits = np.asarray(waits, dtype=float)
    abandoned = np.asarray(abandoned, dtype=bool)
    k = int(abandoned.sum())
    total = float(waits.sum())
    if k == 0:
        return {"abandoned": 0, "visits": len(waits), "mean": math.inf}
    mean = total / k
    se = mean / math.sqrt(k)
    # Kaplan-Meier on the waits (ties: events before censorings)
    order = np.lexsort((~abandoned, waits))
    w, d = waits[order], abandoned[order]
    at_risk = len(w) - np.arange(len(w))
    surv = np.cumprod(np.where(d, 1 - 1 / at_risk, 1.0))
    below = np.flatnonzero(surv <= 0.5)
    median = float(w[below[0]]) if len(below) else math.inf
    families = _censored_families(waits, abandoned) if k >= 10 else {}
    return {
        "families": families,
        "abandoned": k,
        "visits": len(waits),
        "mean": Estimate(
            mean, se, mean * math.exp(-Z95 / math.sqrt(k)), mean * math.exp(Z95 / math.sqrt(k))
        ),
        "km_median": median,
    }


def _censored_families(waits: np.ndarray, abandoned: np.ndarray) -> dict[str, dict[str, float]]:
    """Exponential, lognormal and gamma patience by censored MLE; AIC, mean and sd (minutes).

    log L = sum over abandoned visits of log f(wait) + sum over served ones of log S(wait).
    """
    from scipy import optimize, stats

    w = np.maximum(waits, 1e-6)
    done, cens = w[abandoned], w[~abandoned & (waits > 0)]
    out: dict[str, dict[str, float]] = {}
    mean = float(waits.sum() / abandoned.sum())
    ll = float(
        np.sum(stats.expon.logpdf(done, scale=mean)) + np.sum(stats.expon.logsf(cens, scale=mean))
    )
    out["exponential"] = {"aic": 2 - 2 * ll, "mean": mean, "sd": mean}
    for name, dist in (("lognormal", stats.lognorm), ("gamma", stats.gamma)):

        def nll(z: np.ndarray, dist: Any = dist) -> float:
            shape, scale = np.exp(z)
            value = -(
                np.sum(dist.logpdf(done, shape, 0, scale))
                + np.sum(dist.logsf(cens, shape, 0, scale))
            )
            return float(value) if np.isfinite(value) else 1e300

        start = np.log([1.0, mean])
        best = optimize.minimize(nll, start, method="Nelder-Mead")
        shape, scale = np.exp(best.x)
        m, v = dist.stats(shape, 0, scale, moments="mv")
        if np.isfinite(m) and np.isfinite(v):
            out[name] = {"aic": 4 + 2 * float(best.fun), "mean": float(m), "sd": float(np.sqrt(v))}
    return out


@dataclass
class EventLogFit:
    """Everything fitted from an event log."""

    journeys: int
    customers: int
    span_days: float
    entry: pd.DataFrame  # segment, touchpoint, count, p, low, high
    routes: pd.DataFrame  # segment, from, to, count, p, low, high
    service: dict[str, ServiceFit]
    capacity: dict[str, int | str]
    arrivals_per_day: Estimate
    segment_customers: dict[str, int]
    visits_per_day: dict[str, float]
    hourly: list[float] | None
    weekly: list[float] | None
    gap_days: Estimate | None
    patience: dict[str, dict]
    waits: pd.DataFrame
    basket: dict[str, np.ndarray]  # purchase amounts by segment, and "all"
    survey: dict[str, float]
    data: list[str] = field(default_factory=list)
    start: pd.Timestamp | None = None  # the log's first timestamp (day 0 of the scenario)


def _shares(frame: pd.DataFrame, keys: list[str], target: str) -> pd.DataFrame:
    counts = frame.groupby([*keys, target]).size().rename("count").reset_index()
    totals = counts.groupby(keys)["count"].transform("sum")
    est = [wilson(k, n) for k, n in zip(counts["count"], totals, strict=True)]
    counts["n"] = totals
    counts["p"] = [e.value for e in est]
    counts["low"] = [e.low for e in est]
    counts["high"] = [e.high for e in est]
    return counts


def _max_concurrent(starts: np.ndarray, ends: np.ndarray) -> int:
    ends = np.maximum(ends - 1_000_000, starts)  # 1 ms: hand-overs rounded to the nanosecond
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((steps, times))  # an end before a start at the same instant
    return int(np.max(np.cumsum(steps[order]))) if len(order) else 0


def fit_event_log(table: Table, *, service_level_seconds: float = 20.0) -> EventLogFit:
    """Fit an event log read by :func:`~journeysim.calibrate.data.load_event_log`.

    Raises
    ------
    DataError
        No complete journey, or a touchpoint named like a terminal (``purchase``, ``exit``).
    """
    frame = table.frame.copy()
    if "segment" not in frame:
        frame["segment"] = "all"
    for bad in ("purchase", "exit", "entry"):
        if (frame["touchpoint"] == bad).any():
            row = int(np.flatnonzero((frame["touchpoint"] == bad).to_numpy())[0])
            raise DataError(
                f"column 'touchpoint': {bad!r} is a reserved name (a journey's end); "
                "put outcomes in the 'outcome' column",
                source=table.source,
                line=row + 2,
            )
    if "event" not in frame:
        frame["event"] = "visited"
    frame["event"] = frame["event"].replace("", "visited")
    if "wait" not in frame:
        frame["wait"] = 0.0
    frame["wait"] = frame["wait"].fillna(0.0)
    jid = frame["journey_id"]
    nxt = frame.groupby(jid)["touchpoint"].shift(-1)
    next_time = frame.groupby(jid)["timestamp"].shift(-1)
    is_last = nxt.isna()
    # the journey's outcome
    if "outcome" in frame:
        outcome = frame["outcome"].fillna("")
    else:
        amount = frame["amount"] if "amount" in frame else pd.Series(0.0, index=frame.index)
        outcome = np.where(amount.fillna(0) > 0, "purchase", "exit")
        outcome = pd.Series(outcome, index=frame.index)
    served = frame["event"] == "visited"
    ends = outcome.where(is_last & served, "").map(TERMINAL_OUTCOMES).fillna("")
    target = nxt.where(~is_last, ends)
    transitions = frame.assign(**{"from": frame["touchpoint"], "to": target})
    transitions = transitions[served & (transitions["to"].fillna("") != "")]
    if transitions.empty:
        raise DataError("no complete journey in the log", source=table.source)
    firsts = frame.drop_duplicates("journey_id")
    segments_present = len(set(frame["segment"])) > 1
    entry = _shares(firsts.assign(segment="all"), ["segment"], "touchpoint")
    routes = _shares(transitions.assign(segment="all"), ["segment", "from"], "to")
    if segments_present:
        entry = pd.concat([entry, _shares(firsts, ["segment"], "touchpoint")])
        routes = pd.concat([routes, _shares(transitions, ["segment", "from"], "to")])
    # service times (minutes)
    if "duration" in frame:
        duration = frame["duration"]
    else:
        gap = (next_time - frame["timestamp"]).dt.total_seconds() / 60.0
        duration = gap - frame["wait"]
    service: dict[str, ServiceFit] = {}
    capacity: dict[str, int | str] = {}
    span = (frame["timestamp"].max() - frame["timestamp"].min()).total_seconds() / 86400.0
    span = max(span, 1e-9)
    visits_per_day = {}
    wait_rows = []
    patience: dict[str, dict] = {}
    for tp, part in frame.groupby("touchpoint", sort=False):
        ok = (part["event"] == "visited") & duration.loc[part.index].notna()
        values = duration.loc[part.index][ok].to_numpy(float)
        if len(values) >= 2:
            service[tp] = fit_service(values)
        visits_per_day[tp] = len(part) / span
        waits = part["wait"].to_numpy(float)
        if (waits > 0).any():
            start = part["timestamp"][ok] + pd.to_timedelta(part["wait"][ok], unit="min")
            end = start + pd.to_timedelta(values, unit="min")
            capacity[tp] = max(
                _max_concurrent(start.to_numpy().astype(np.int64), end.to_numpy().astype(np.int64)),
                1,
            )
            abandoned = (part["event"] == "abandoned").to_numpy()
            wait_rows.append(
                {
                    "touchpoint": tp,
                    "visits": len(part),
                    "mean_wait_minutes": float(waits.mean()),
                    "p90_wait_minutes": float(np.quantile(waits, 0.9)),
                    "abandonment_rate": float(abandoned.mean()),
                    "service_level": float(
                        np.mean((waits <= service_level_seconds / 60.0) & ~abandoned)
                    ),
                }
            )
        else:
            capacity[tp] = "unlimited"
    staffed = frame[frame["touchpoint"].map(lambda t: capacity.get(t) != "unlimited")]
    if len(staffed):
        patience["all"] = fit_patience(
            staffed["wait"].to_numpy(float), (staffed["event"] == "abandoned").to_numpy()
        )
    for seg, part in staffed.groupby("segment"):
        patience[str(seg)] = fit_patience(
            part["wait"].to_numpy(float), (part["event"] == "abandoned").to_numpy()
        )
    # arrivals: customers' first appearance
    first_seen = frame.groupby("customer_id")["timestamp"].min()
    n_new = len(first_seen)
    rate = n_new / span
    se = math.sqrt(n_new) / span
    arrivals = Estimate(rate, se, rate - Z95 * se, rate + Z95 * se)
    segment_customers = frame.drop_duplicates("customer_id")["segment"].value_counts().to_dict()
    # demand by hour and weekday (journey starts)
    starts = firsts["timestamp"]
    hourly = weekly = None
    if span >= 7:
        by_hour = np.bincount(starts.dt.hour, minlength=24).astype(float)
        by_day = np.bincount(starts.dt.day_of_week, minlength=7).astype(float)
        hourly = list(np.round(by_hour / by_hour.mean(), 4))
        weekly = list(np.round(by_day / by_day.mean(), 4))
    # time between journeys (start to start)
    gaps = firsts.sort_values("timestamp").groupby("customer_id")["timestamp"].diff().dropna()
    gap_days = None
    if len(gaps) >= 2:
        g = gaps.dt.total_seconds().to_numpy() / 86400.0
        mean = float(g.mean())
        s = float(g.std(ddof=1)) / math.sqrt(len(g))
        gap_days = Estimate(mean, s, mean - Z95 * s, mean + Z95 * s)
    basket: dict[str, np.ndarray] = {}
    if "amount" in frame:
        bought = frame[(outcome == "purchase") & is_last & (frame["amount"].fillna(0) > 0)]
        basket = {
            str(seg): part["amount"].to_numpy(float)
            for seg, part in bought.groupby("segment")
            if len(part) >= 2
        }
        if len(bought) >= 2:
            basket["all"] = bought["amount"].to_numpy(float)
    survey = {}
    if "ltr" in frame and frame["ltr"].notna().any():
        ltr = frame["ltr"].dropna()
        survey = {
            "responses": float(len(ltr)),
            "nps": float(100 * ((ltr >= 9).mean() - (ltr <= 6).mean())),
            "mean_ltr": float(ltr.mean()),
        }
    if "csat" in frame and frame["csat"].notna().any():
        survey["csat"] = float(frame["csat"].dropna().mean())
    return EventLogFit(
        journeys=int(frame["journey_id"].nunique()),
        customers=n_new,
        span_days=span,
        entry=entry.reset_index(drop=True),
        routes=routes.reset_index(drop=True),
        service=service,
        capacity=capacity,
        arrivals_per_day=arrivals,
        segment_customers={str(k): int(v) for k, v in segment_customers.items()},
        visits_per_day=visits_per_day,
        hourly=hourly,
        weekly=weekly,
        gap_days=gap_days,
        patience=patience,
        waits=pd.DataFrame(wait_rows),
        basket=basket,
        survey=survey,
        data=table.summary(),
        start=frame["timestamp"].min(),
    )


def segment_differences(
    fit: EventLogFit, level: float = 0.01, min_count: int = 30
) -> dict[str, dict[str, Any]]:
    """Entry and route rows where a segment differs from the other segments.

    For every segment and row (``entry`` or a touchpoint), a chi-square test of homogeneity
    compares the segment's counts with the other segments' (``scipy.stats.chi2_contingency``);
    rows with at least ``min_count`` of the segment's journeys and p < ``level`` are returned
    as ``{segment: {"entry": frame, "routes": {touchpoint: frame}, "p": {row: p}}}``.
    """
    from scipy.stats import chi2_contingency

    out: dict[str, dict[str, Any]] = {}
    segments = [s for s in fit.segment_customers if s != "all"]
    if len(segments) < 2:
        return out
    tables = [("entry", fit.entry, "touchpoint", None)]
    rows = fit.routes[fit.routes["segment"] != "all"]
    tables += [(tp, rows[rows["from"] == tp], "to", tp) for tp in rows["from"].unique()]
    for seg in segments:
        for row_name, frame, target, _ in tables:
            frame = frame[frame["segment"] != "all"]
            mine = frame[frame["segment"] == seg].groupby(target)["count"].sum()
            rest = frame[frame["segment"] != seg].groupby(target)["count"].sum()
            if mine.sum() < min_count or rest.sum() < min_count:
                continue
            table = pd.concat([mine, rest], axis=1).fillna(0).to_numpy()
            if table.shape[0] < 2:
                continue
            p = float(chi2_contingency(table)[1])
            if p < level:
                part = frame[frame["segment"] == seg]
                found = out.setdefault(seg, {"entry": None, "routes": {}, "p": {}})
                found["p"][row_name] = p
                if row_name == "entry":
                    found["entry"] = part
                else:
                    found["routes"][row_name] = part
    return out
