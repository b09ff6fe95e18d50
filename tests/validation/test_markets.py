"""Customers and markets against theory (issue 12): Bass diffusion, exact referral timing, MBG/NBD.

* Finite market: arrivals p N per day, ``referrals.per_customer_per_day = q``, no churn,
  psychology off: adopters follow the stochastic Bass model, whose mean tends to Bass F(t).
  The issue's p = 0.011 and q = 1.5 per year are used with the year scaled to a day (the
  process only depends on p t and q t), N = 2000.
* Exact referral timing: with no market bound, A(t) is a linear birth process with
  immigration, E[A(t)] = (a / q)(e^{qt} - 1). A rate re-read once a day falls well below it.
* Need-rate heterogeneity: Gamma need rates, per-journey churn with a Beta propensity, every
  journey a purchase, psychology off: the MBG/NBD model (a customer may leave right after the
  first purchase), E[X(t)] and P(alive) closed forms averaged over the customers' ages.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import journeysim as js
from tests.validation.theory import (
    age_average,
    assert_close,
    bass_cdf,
    bass_chain_mean,
    bg_expected_repeats,
    mbg_by_quadrature,
    mbg_expected_repeats,
    mbg_p_alive,
)


def market_scenario(
    arrivals: float,
    per_customer: float,
    horizon: float,
    market_size: int | None = None,
    period: str = "1 d",
    gap: str = "100000 d",
    shape: float | None = None,
    churn: tuple[float, float] = (1e-9, 1.0),
):
    """One segment, one instant self-service touchpoint that always sells, psychology off."""
    segment = {
        "share": 1.0,
        "basket": {"mean": 1.0},
        "time_between_needs": gap,
        "churn": {"a": churn[0], "b": churn[1]},
    }
    if shape is not None:
        segment["need_rate_shape"] = shape
    raw = {
        "name": "market",
        "simulation": {"horizon": f"{horizon} d", "period": period, "churn": "journey"},
        "population": {"arrivals_per_day": arrivals},
        "psychology": {"enabled": False},
        "segments": {"all": segment},
        "touchpoints": {"web": {"service": {"distribution": "deterministic", "mean": "1 s"}}},
        "journey": {"entry": {"web": 1.0}, "routes": {"web": {"purchase": 1.0}}},
    }
    if market_size is not None:
        raw["population"]["market_size"] = market_size
    if per_customer:
        raw["referrals"] = {"per_customer_per_day": per_customer}
    return js.scenario_from_dict(raw, source="validation")


def test_finite_market_follows_bass_diffusion():
    n, p, q, reps = 2000, 0.011, 1.5, 10
    scenario = market_scenario(p * n, q, 4, market_size=n)
    adopted = []
    for r in range(reps):
        timeline = js.simulate(scenario, seed=12, identity=(r,)).timeline
        adopted.append(np.cumsum(timeline["new_customers"].to_numpy()) / n)
    adopted = np.array(adopted)
    times = [1, 2, 3, 4]
    chain = bass_chain_mean(n, p, q, times)
    for i, t in enumerate(times):
        bass = bass_cdf(t, p, q)
        # the exact mean of the finite stochastic model ...
        assert_close(adopted[:, i], chain[i], relative_se=0.25, what=f"E[A({t})]/N")
        # ... and the closed form, allowing the finite-N gap of the mean-field limit (O(1/N))
        assert abs(chain[i] - bass) < 0.015
        assert_close(adopted[:, i], bass, 0.25, f"Bass F({t})", bias=abs(chain[i] - bass))
    assert bass_cdf(1, p, q) == pytest.approx(0.0251, abs=5e-5)  # the figures
    assert bass_cdf(4, p, q) == pytest.approx(0.7538, abs=5e-5)
    # nobody beyond the market, and no organic arrivals once it is used up
    assert (adopted <= 1.0).all()


def test_referrals_follow_the_customer_count_at_once():
    a, q, t, reps = 10.0, 0.3, 10, 20
    scenario = market_scenario(a, q, t, period=f"{t} d")
    acquired = [
        js.simulate(scenario, seed=3, identity=(r,)).kpis["customers_acquired"].iloc[0]
        for r in range(reps)
    ]
    expected = a / q * (math.exp(q * t) - 1)  # 636; a rate re-read once a day gave 402 (-37%)
    assert_close(acquired, expected, relative_se=0.06, what="E[A(t)]")


def test_finite_market_stops_organic_acquisition():
    scenario = market_scenario(50.0, 0.0, 30, market_size=300)
    kpis = js.simulate(scenario, seed=4).kpis.iloc[0]
    assert 280 <= kpis["customers_acquired"] <= 300


R, MEAN_GAP, A, B = 1.5, 20.0, 3.0, 6.0


def test_mbg_closed_forms_match_their_integrals():
    for t in (5.0, 60.0, 150.0):
        repeats, alive = mbg_by_quadrature(t, R, R * MEAN_GAP, A, B)
        assert mbg_expected_repeats(t, R, R * MEAN_GAP, A, B) == pytest.approx(repeats, rel=1e-8)
        assert mbg_p_alive(t, R, R * MEAN_GAP, A, B) == pytest.approx(alive, rel=1e-8)


def test_heterogeneous_need_rates_give_mbg_nbd():
    """Repeat purchases and the share alive of customers who arrived uniformly over [0, H]."""
    horizon, reps, alpha = 150.0, 10, R * MEAN_GAP
    scenario = market_scenario(
        15.0, 0.0, horizon, period="30 d", gap=f"{MEAN_GAP} d", shape=R, churn=(A, B)
    )
    repeats, alive = [], []
    for r in range(reps):
        kpis = js.simulate(scenario, seed=8, identity=(r,)).kpis.iloc[0]
        acquired = kpis["customers_acquired"]
        repeats.append((kpis["purchases"] - acquired) / acquired)
        alive.append(kpis["customers_active_end"] / acquired)
    expected_repeats = age_average(lambda u: mbg_expected_repeats(u, R, alpha, A, B), horizon)
    expected_alive = age_average(lambda u: mbg_p_alive(u, R, alpha, A, B), horizon)
    mean, se = assert_close(repeats, expected_repeats, 0.03, "E[X(t)] per customer")
    assert_close(alive, expected_alive, 0.03, "P(alive)")
    # it is MBG/NBD, not BG/NBD (which has no dropout right after the first purchase)
    bg = age_average(lambda u: bg_expected_repeats(u, R, alpha, A, B), horizon)
    assert abs(mean - bg) > 10 * se
