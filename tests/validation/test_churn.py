"""Churn against the shifted-beta-geometric model (Fader & Hardie) with the effects off.

With ``churn = "period"`` and ``churn_effects = false`` each customer decides once per full
period of tenure, leaving with probability theta ~ Beta(a, b); the decision falls on the first
period boundary after each anniversary, so none at the end of the acquisition period. Column
``k + 1`` of the cohort table (the end of the k-th period after the acquisition period) has
therefore seen k decisions: S(k) = B(a, b + k) / B(a, b). Pooled over cohorts (weighted by
size), each column is a binomial proportion over N customers: tolerance Z = 4 binomial
standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import journeysim as js
from tests.validation.theory import sbg_scenario, sbg_survival

A, B = 1.2, 6.0


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["effects_off", "psych_off"])
def test_cohort_survival_is_shifted_beta_geometric(mode):
    """Holds whether only the churn effects or the whole psychology layer is switched off."""
    cohorts = js.simulate(sbg_scenario(A, B, mode), seed=21).cohorts
    assert (cohorts["1"].dropna() == 1.0).all()  # no decision in the acquisition period
    for k in range(1, 9):
        column = cohorts[str(k + 1)]
        observed = column.notna()
        sizes = cohorts.loc[observed, "customers"].to_numpy()
        survival = float(np.average(column[observed], weights=sizes))
        expected = sbg_survival(A, B, k)
        se = math.sqrt(expected * (1 - expected) / sizes.sum())
        assert abs(survival - expected) < 4 * se, (k, survival, expected, se)


def test_retention_rate_is_the_pooled_period_retention():
    results = js.simulate(sbg_scenario(A, B), seed=22)
    cohorts = results.cohorts
    kept = at_risk = 0.0
    for _, row in cohorts.iterrows():
        counts = [row[str(k)] * row["customers"] for k in range(len(cohorts) + 1)]
        for k in range(2, len(counts)):
            if not math.isnan(counts[k]):
                at_risk += counts[k - 1]
                kept += counts[k]
    assert results.kpis["retention_rate"].iloc[0] == pytest.approx(kept / at_risk)


def test_retention_rate_matches_the_shifted_beta_geometric_expectation():
    """Each complete period after the acquisition period is one decision for every survivor:
    expected retention = sum_c N_c sum_k S(k + 1) / sum_c N_c sum_k S(k) over the decisions the
    run holds. Run-to-run differences from it over 6 replications: within 4 standard errors
    (theta is drawn per customer, so decisions are not independent across periods and the
    replication spread, not a binomial formula, gives the error)."""
    gaps = []
    for seed in range(6):
        results = js.simulate(sbg_scenario(A, B), seed=100 + seed)
        cohorts = results.cohorts
        full = int(cohorts["1"].notna().sum())  # complete periods
        at_risk = kept = 0.0
        for cohort, size in zip(cohorts["cohort"], cohorts["customers"], strict=True):
            for k in range(max(0, full - cohort - 1)):  # decisions at ends of c+1 .. full-1
                at_risk += size * sbg_survival(A, B, k)
                kept += size * sbg_survival(A, B, k + 1)
        gaps.append(results.kpis["retention_rate"].iloc[0] - kept / at_risk)
    mean, se = float(np.mean(gaps)), float(np.std(gaps, ddof=1) / math.sqrt(len(gaps)))
    assert abs(mean) < 4 * se, (mean, se)
    # precise enough to see one decision too many per customer (that moves it by ~0.014)
    assert se < 0.002


def test_effects_switch_changes_churn():
    on = js.simulate(sbg_scenario(A, B, "effects_on"), seed=23).kpis.iloc[0]
    off = js.simulate(sbg_scenario(A, B), seed=23).kpis.iloc[0]
    assert on["customers_acquired"] == off["customers_acquired"]  # same arrivals stream
    assert on["customers_churned"] != off["customers_churned"]
