"""Churn against the shifted-beta-geometric model (Fader & Hardie) with the effects off.

With ``churn = "period"`` and ``churn_effects = false`` each customer leaves at each period
boundary with probability theta ~ Beta(a, b), so a cohort's survival after k boundaries is
S(k) = B(a, b + k) / B(a, b). Pooled over cohorts (weighted by size), each column is a
binomial proportion over N customers: tolerance Z = 4 binomial standard errors.
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
    for k in range(1, 9):
        column = cohorts[str(k)]
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


def test_effects_switch_changes_churn():
    on = js.simulate(sbg_scenario(A, B, "effects_on"), seed=23).kpis.iloc[0]
    off = js.simulate(sbg_scenario(A, B), seed=23).kpis.iloc[0]
    assert on["customers_acquired"] == off["customers_acquired"]  # same arrivals stream
    assert on["customers_churned"] != off["customers_churned"]
