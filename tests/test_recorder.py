"""Streaming aggregates: wait percentiles, cohort survival and retention from counts."""

import math
import random

import numpy as np
import pytest

from journeysim.engine.recorder import Recorder, WaitHistogram


def test_histogram_quantiles_match_exact_within_bin_width():
    rng = random.Random(7)
    waits = [0.0] * 300 + [rng.expovariate(1 / 4.0) for _ in range(5000)]
    hist = WaitHistogram()
    for w in waits:
        hist.add(w)
    assert hist.total == len(waits)
    width = 10 ** (1 / WaitHistogram.BINS_PER_DECADE) - 1  # relative width of one bin (~5.9%)
    for q in (0.5, 0.9, 0.99):
        exact = float(np.quantile(waits, q))
        assert hist.quantile(q) == pytest.approx(exact, rel=width)
    assert hist.quantile(0.05) == 0.0  # 300 / 5300 waits were zero


def test_histogram_empty_is_nan():
    assert math.isnan(WaitHistogram().quantile(0.9))


def make_recorder(horizon=40.0, period=10.0):
    return Recorder({}, horizon, period, 0.0, annual_discount_rate=0.0, gross_margin=1.0)


def test_cohort_table_and_retention_from_counts():
    rec = make_recorder()
    # cohort 0: 10 customers; 2 churn in period 0, 4 in period 1, 1 in period 3
    for _ in range(10):
        rec.acquire(0, referred=False)
    for period, n in ((0, 2), (1, 4), (3, 1)):
        for _ in range(n):
            rec.churn(0, period)
    # cohort 2: 5 customers, 1 churns in period 3
    for _ in range(5):
        rec.acquire(2, referred=False)
    rec.churn(2, 3)
    table = rec.cohort_table()
    row0 = table.loc[0, ["0", "1", "2", "3", "4"]].to_list()
    assert row0 == pytest.approx([1.0, 0.8, 0.4, 0.4, 0.3])
    row2 = table.loc[2, ["0", "1", "2"]].to_list()
    assert row2 == pytest.approx([1.0, 1.0, 0.8])
    assert math.isnan(table.loc[2, "3"])  # period 4 does not exist in a 40-day run
    # at risk at the start of complete periods: cohort 0: 8 (p1), 4 (p2), 4 (p3); cohort 2: 5 (p3)
    kept = (8 - 4) + (4 - 0) + (4 - 1) + (5 - 1)
    assert rec.retention_rate() == pytest.approx(kept / (8 + 4 + 4 + 5))


def test_partial_last_period_is_not_used_for_retention():
    rec = make_recorder(horizon=25.0, period=10.0)  # periods 0, 1 complete; 2 partial
    for _ in range(4):
        rec.acquire(0, referred=False)
    rec.churn(0, 2)  # churn in the partial period must not count
    assert rec.n_full_periods == 2
    assert rec.retention_rate() == 1.0


def test_purchase_discounts_margin_for_clv():
    rec = Recorder({}, 730.0, 30.0, 0.0, annual_discount_rate=0.1, gross_margin=0.5)
    rec.purchase(t=365.0, amount=110.0, acquired_at=0.0)
    assert rec.clv_sum == pytest.approx(110.0 * 0.5 / 1.1)
    assert rec.p_revenue[rec.period_of(365.0)] == 110.0
