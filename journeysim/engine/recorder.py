"""Streaming recorder: metrics aggregated while the simulation runs.

Memory must not grow with the number of events (DESIGN.md), so nothing here keeps per-event
records unless the event log is asked for. Touchpoints keep sums, counts and a fixed
log-spaced histogram of waits (for percentiles); periods and cohorts keep fixed-size counters.
The recorder turns these into the :class:`~journeysim.engine.results.Results` DataFrames at the end.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from journeysim.scenario.units import MINUTES_PER_DAY

__all__ = ["Recorder", "SegmentStats", "TouchpointStats", "WaitHistogram"]


class WaitHistogram:
    """Fixed-size histogram of waits in minutes: exact zero count plus log-spaced bins.

    Bins span 0.001 to 100,000 minutes with 40 bins per decade, so a percentile read from it is
    within about 6% of the exact value, and memory is the same for ten or ten million waits.
    """

    LOW_EXP = -3.0
    BINS_PER_DECADE = 40
    N_BINS = 8 * BINS_PER_DECADE

    __slots__ = ("zeros", "counts")

    def __init__(self) -> None:
        self.zeros = 0
        self.counts = [0] * self.N_BINS

    def add(self, minutes: float) -> None:
        """Count one wait."""
        if minutes <= 0.0:
            self.zeros += 1
            return
        index = int((math.log10(minutes) - self.LOW_EXP) * self.BINS_PER_DECADE)
        if index < 0:
            index = 0
        elif index >= self.N_BINS:
            index = self.N_BINS - 1
        self.counts[index] += 1

    @property
    def total(self) -> int:
        """Number of waits counted."""
        return self.zeros + sum(self.counts)

    def quantile(self, q: float) -> float:
        """Approximate ``q``-quantile in minutes (log-interpolated inside a bin)."""
        total = self.total
        if total == 0:
            return math.nan
        rank = q * total
        if rank <= self.zeros:
            return 0.0
        seen = float(self.zeros)
        for index, count in enumerate(self.counts):
            if count and seen + count >= rank:
                fraction = (rank - seen) / count
                exponent = self.LOW_EXP + (index + fraction) / self.BINS_PER_DECADE
                return 10.0**exponent
            seen += count
        return 10.0 ** (self.LOW_EXP + self.N_BINS / self.BINS_PER_DECADE)


class TouchpointStats:
    """Running statistics of one touchpoint (visits after the warm-up only)."""

    __slots__ = (
        "name",
        "capacity",
        "visits",
        "served",
        "abandoned",
        "failed",
        "wait_served",
        "wait_abandoned",
        "hist",
        "busy",
        "queue_len",
        "queue_area",
        "queue_last",
        "csat_sum",
        "csat_n",
    )

    def __init__(self, name: str, capacity: int | None) -> None:
        self.name = name
        self.capacity = capacity
        self.visits = 0
        self.served = 0
        self.abandoned = 0
        self.failed = 0
        self.wait_served = 0.0  # days
        self.wait_abandoned = 0.0  # days
        self.hist = WaitHistogram()
        self.busy = 0.0  # server-days
        self.queue_len = 0
        self.queue_area = 0.0  # customer-days waiting
        self.queue_last = 0.0
        self.csat_sum = 0
        self.csat_n = 0

    def record_visit(self, wait: float, abandoned: bool, failed: bool) -> None:
        """Count one visit after the warm-up: its wait (days), and how it ended."""
        self.visits += 1
        if wait > 0.0:
            self.hist.add(wait * MINUTES_PER_DAY)
        else:
            self.hist.zeros += 1
        if abandoned:
            self.abandoned += 1
            self.wait_abandoned += wait
        else:
            self.served += 1
            self.wait_served += wait
            if failed:
                self.failed += 1

    def add_busy(self, begin: float, service: float, warmup: float, horizon: float) -> None:
        """Add the server time of a service starting at ``begin``, clipped to the observed window.

        ``service`` in days; the window is [warmup, horizon]. The visit loop's default path does
        the same inline (a call per visit there would cost 1% of a visit).
        """
        end = begin + service
        lo = begin if begin > warmup else warmup
        hi = end if end < horizon else horizon
        if hi > lo:
            self.busy += hi - lo

    def queue_change(self, now: float, warmup: float, delta: int) -> None:
        """Add the queue-length integral up to ``now`` (after the warm-up), then change it."""
        start = self.queue_last if self.queue_last > warmup else warmup
        if now > start:
            self.queue_area += self.queue_len * (now - start)
        self.queue_last = now
        self.queue_len += delta


class SegmentStats:
    """Running totals of one segment (fixed size: counters and a cohort x period churn table).

    Filled beside the run-wide counters, with the same conventions, so the per-segment table
    adds up to the headline figures.
    """

    __slots__ = (
        "name",
        "acquired",
        "referred",
        "churned",
        "journeys",
        "purchases",
        "revenue",
        "discounts",
        "clv_sum",
        "abandoned",
        "responses",
        "promoters",
        "detractors",
        "csat_sum",
        "csat_n",
        "ces_sum",
        "ces_n",
        "p_new",
        "cohort_churn",
        "base",
    )

    def __init__(self, name: str, n_periods: int) -> None:
        self.name = name
        self.base = 0  # the segment's starting base (acquired in the burn-in, active at day 0)
        self.acquired = self.referred = self.churned = 0
        self.journeys = self.purchases = self.abandoned = 0
        self.revenue = self.discounts = self.clv_sum = 0.0
        self.responses = self.promoters = self.detractors = 0
        self.csat_sum = self.csat_n = self.ces_sum = self.ces_n = 0
        self.p_new = [0] * n_periods
        self.cohort_churn: list[dict[int, int]] = [{} for _ in range(n_periods)]  # sparse


class Recorder:
    """Aggregates everything a run reports. One per run; owned by the model."""

    def __init__(
        self,
        touchpoints: dict[str, int | None],
        horizon: float,
        period: float,
        warmup: float,
        annual_discount_rate: float,
        gross_margin: float,
        event_log: bool = False,
        segments: tuple[str, ...] = (),
        burn_in: float = 0.0,
    ) -> None:
        self.horizon = horizon
        self.period = period
        self.warmup = warmup
        self.gross_margin = gross_margin
        self.daily_discount = math.log1p(annual_discount_rate) / 365.0
        self.n_periods = max(1, math.ceil(horizon / period - 1e-9))
        self.n_full_periods = int(math.floor(horizon / period + 1e-9))
        self.stats = {name: TouchpointStats(name, cap) for name, cap in touchpoints.items()}
        # Index of the burn-in: what happens before day 0 is counted there and thrown away
        # (finish()), so the per-period counters need no test of time on the hot path.
        self.trash = self.n_periods
        self.base = 0  # customers acquired during the burn-in and still active at day 0
        self.burn_in = burn_in
        if burn_in > 0:
            self.period_of = self._period_of_with_burn_in  # type: ignore[method-assign]
        n = self.n_periods + (1 if burn_in > 0 else 0)
        self.p_new = [0] * n
        self.p_new_referred = [0] * n
        self.p_churned = [0] * n
        self.p_journeys = [0] * n
        self.p_purchases = [0] * n
        self.p_revenue = [0.0] * n
        self.p_discounts = [0.0] * n
        self.p_cost = [0.0] * n
        self.p_responses = [0] * n
        self.p_promoters = [0] * n
        self.p_detractors = [0] * n
        self.p_csat_sum = [0] * n
        self.p_csat_n = [0] * n
        self.p_ces_sum = [0] * n
        self.p_ces_n = [0] * n
        self.p_abandoned = [0] * n
        # churns by (acquisition period, churn period), sparse: memory follows the churns that
        # happened, not periods^2 (a one-hour period on a two-year horizon has 17,520 periods)
        self.cohort_churn: list[dict[int, int]] = [{} for _ in range(n)]
        self.costs: dict[str, float] = {}
        self.clv_sum = 0.0
        self.acquired = 0
        self.referred = 0
        self.churned = 0
        self.events: list[tuple[Any, ...]] | None = [] if event_log else None
        self.segments = {name: SegmentStats(name, n) for name in segments}
        # with the event log: (time, customer, segment) of every journey's start
        self.journey_starts: list[tuple[float, int, str]] | None = [] if event_log else None
        self.base_churn = [0] * self.n_periods  # churn of the starting base per period

    # -- helpers used by the model -------------------------------------------------------------

    def period_of(self, t: float) -> int:
        """Index of the reporting period that contains time ``t``."""
        index = int(t / self.period)
        return index if index < self.n_periods else self.n_periods - 1

    def _period_of_with_burn_in(self, t: float) -> int:
        """As :meth:`period_of`, and the burn-in's index for times before day 0."""
        if t < 0.0:
            return self.trash
        index = int(t / self.period)
        return index if index < self.n_periods else self.n_periods - 1

    def add_cost(self, category: str, amount: float, t: float) -> None:
        """Book a cost (strategy spend, staff ...) at time ``t`` (nothing before day 0)."""
        period = self.period_of(t)
        if period == self.trash:
            return
        self.costs[category] = self.costs.get(category, 0.0) + amount
        self.p_cost[period] += amount

    def acquire(self, cohort: int, referred: bool, seg: SegmentStats | None = None) -> None:
        """Count a new customer in its acquisition period (and in its segment ``seg``).

        A customer acquired during the burn-in (``cohort`` = the burn-in's index) joins the
        starting base instead.
        """
        if cohort == self.trash:
            self.base += 1
            if seg is not None:
                seg.base += 1
            return
        self.acquired += 1
        self.p_new[cohort] += 1
        if referred:
            self.referred += 1
            self.p_new_referred[cohort] += 1
        if seg is not None:
            seg.acquired += 1
            seg.p_new[cohort] += 1
            if referred:
                seg.referred += 1

    def churn(self, cohort: int, period: int, seg: SegmentStats | None = None) -> None:
        """Count a churn in ``period`` for a customer acquired in ``cohort`` (in ``seg``).

        Nothing is counted during the burn-in; the starting base's churn is counted per period
        (its "cohort" is the burn-in's index).
        """
        if period == self.trash:  # left during the burn-in: not part of the starting base
            self.base -= 1
            if seg is not None:
                seg.base -= 1
            return
        if cohort == self.trash:
            self.churned += 1
            self.p_churned[period] += 1
            self.base_churn[period] += 1
            if seg is not None:
                seg.churned += 1
                own = seg.cohort_churn[cohort]
                own[period] = own.get(period, 0) + 1
            return
        self.churned += 1
        self.p_churned[period] += 1
        row = self.cohort_churn[cohort]
        row[period] = row.get(period, 0) + 1
        if seg is not None:
            seg.churned += 1
            own = seg.cohort_churn[cohort]
            own[period] = own.get(period, 0) + 1

    def purchase(
        self,
        t: float,
        amount: float,
        acquired_at: float,
        discount: float = 0.0,
        count: bool = True,
        seg: SegmentStats | None = None,
    ) -> None:
        """Book revenue ``amount`` (what the customer paid) and the ``discount`` given.

        A discount comes entirely out of margin: the goods cost the same. CLV adds the
        discounted margin, (amount + discount) x gross_margin - discount.
        """
        period = self.period_of(t)
        if period == self.trash:
            return
        if count:
            self.p_purchases[period] += 1
        self.p_revenue[period] += amount
        if discount:
            self.p_discounts[period] += discount
        margin = (amount + discount) * self.gross_margin - discount
        # CLV is per customer acquired in the horizon: the starting base adds revenue, not CLV
        value = (
            margin * math.exp(-self.daily_discount * (t - acquired_at)) if acquired_at >= 0 else 0.0
        )
        self.clv_sum += value
        if seg is not None:
            if count:
                seg.purchases += 1
            seg.revenue += amount
            seg.discounts += discount
            seg.clv_sum += value

    def log(
        self,
        time: float,
        customer: int,
        event: str,
        touchpoint: str | None = None,
        *,
        segment: str | None = None,
        arrival: float = math.nan,
        service_start: float = math.nan,
        wait: float = math.nan,
        perceived: float = math.nan,
        amount: float = math.nan,
        ltr: float = math.nan,
        satisfaction: float = math.nan,
        expectation: float = math.nan,
        churn_probability: float = math.nan,
    ) -> None:
        """Append one event to the log (only called when the log is on).

        Times in days, ``wait`` in days (the table shows minutes); see
        :data:`journeysim.engine.results.EVENT_COLUMNS` for each column's one meaning.
        """
        assert self.events is not None
        self.events.append(
            (
                time,
                customer,
                event,
                touchpoint,
                segment,
                arrival,
                service_start,
                wait * MINUTES_PER_DAY,
                perceived,
                amount,
                ltr,
                satisfaction,
                expectation,
                churn_probability,
            )
        )

    def finish_queues(self) -> None:
        """Close the queue-length integrals at the horizon; drop the burn-in's counters."""
        for stats in self.stats.values():
            stats.queue_change(self.horizon, self.warmup, 0)
        n = self.n_periods
        if self.burn_in > 0 and len(self.p_new) > n:
            for name in (
                "p_new",
                "p_new_referred",
                "p_churned",
                "p_journeys",
                "p_purchases",
                "p_revenue",
                "p_discounts",
                "p_cost",
                "p_responses",
                "p_promoters",
                "p_detractors",
                "p_csat_sum",
                "p_csat_n",
                "p_ces_sum",
                "p_ces_n",
                "p_abandoned",
            ):
                setattr(self, name, getattr(self, name)[:n])
            self.cohort_churn = [
                {p: k for p, k in row.items() if p < n} for row in self.cohort_churn[:n]
            ]
            for seg in self.segments.values():
                seg.p_new = seg.p_new[:n]
                seg.cohort_churn = [  # keeps the base row
                    {p: k for p, k in row.items() if p < n} for row in seg.cohort_churn
                ]

    # -- tables ----------------------------------------------------------------------------------

    def cohort_table(self) -> pd.DataFrame:
        """Survival share by acquisition period (rows) and periods since acquisition (columns).

        Column ``0`` is the moment of acquisition (1.0); column ``k`` is the share still active at
        the end of period ``cohort + k - 1``. Cells whose period is not complete are empty (NaN).
        """
        n, full = self.n_periods, self.n_full_periods
        data = np.full((n, n + 1), np.nan)
        for cohort in range(n):
            size = self.p_new[cohort]
            if size == 0:
                continue
            data[cohort, 0] = 1.0
            alive = size
            for k in range(1, n - cohort + 1):
                period = cohort + k - 1
                if period >= full:
                    break
                alive -= self.cohort_churn[cohort].get(period, 0)
                data[cohort, k] = alive / size
        table = pd.DataFrame(data, columns=[str(k) for k in range(n + 1)])
        table.insert(0, "customers", self.p_new)
        table.insert(0, "cohort", range(n))
        return table

    def retention_rate(self, seg: SegmentStats | None = None) -> float:
        """Customer-weighted period-over-period retention over complete periods.

        Of all customers active at the start of a complete period (acquired before it), the share
        still active at its end; equivalently the customer-weighted mean of the cohorts'
        period-over-period retention. With ``seg``: the same among that segment's customers.
        """
        p_new = self.p_new if seg is None else seg.p_new
        cohort_churn = self.cohort_churn if seg is None else seg.cohort_churn
        at_risk = kept = 0
        # the starting base (burn-in): at risk from period 0 on
        alive = self.base if seg is None else seg.base
        if alive:
            base_churn = self.base_churn if seg is None else seg.cohort_churn[self.trash]
            for period in range(self.n_full_periods):
                churned = base_churn.get(period, 0) if seg is not None else base_churn[period]
                at_risk += alive
                kept += alive - churned
                alive -= churned
        for cohort in range(self.n_periods):
            churns = cohort_churn[cohort]
            alive = p_new[cohort] - churns.get(cohort, 0)
            for period in range(cohort + 1, self.n_full_periods):
                churned = churns.get(period, 0)
                at_risk += alive
                kept += alive - churned
                alive -= churned
        return kept / at_risk if at_risk else math.nan
