"""journeysim.confidence: the one Student-t interval."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from journeysim.confidence import MIN_REPLICATIONS, mean_ci, t_half_width


@pytest.mark.parametrize("n", [3, 5, 10, 30, 200])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_half_width_matches_scipy(n, level):
    sd = 2.5
    expected = stats.t.ppf((1 + level) / 2, n - 1) * sd / math.sqrt(n)
    assert float(t_half_width(sd, n, level)) == pytest.approx(expected, rel=1e-12)


def test_half_width_by_hand_for_three_values():
    # t_{0.975, 2} = 4.3026..., sd 1, n 3
    assert float(t_half_width(1.0, 3)) == pytest.approx(4.30265273 / math.sqrt(3), rel=1e-7)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_half_width_is_nan_below_three(n):
    # below 3 replications no interval is shown (issue 15: too few pass silently otherwise)
    assert MIN_REPLICATIONS == 3
    assert math.isnan(float(t_half_width(1.0, n)))


def test_half_width_is_vectorised():
    sd = np.array([1.0, 2.0, 0.5, 3.0])
    n = np.array([2, 3, 10, 40])
    half = t_half_width(sd, n)
    assert half.shape == (4,)
    assert math.isnan(half[0])
    for i in range(1, 4):
        assert half[i] == pytest.approx(stats.t.ppf(0.975, n[i] - 1) * sd[i] / math.sqrt(n[i]))


def test_half_width_broadcasts_a_scalar_n():
    half = t_half_width(np.array([1.0, 2.0]), 5)
    assert half[1] == pytest.approx(2 * half[0])


def test_mean_ci_by_hand():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    ci = mean_ci(values)
    sd = float(np.std(values, ddof=1))
    half = stats.t.ppf(0.975, 4) * sd / math.sqrt(5)
    assert ci["n"] == 5
    assert ci["mean"] == 3.0
    assert ci["sd"] == pytest.approx(sd)
    assert ci["ci_low"] == pytest.approx(3.0 - half)
    assert ci["ci_high"] == pytest.approx(3.0 + half)


def test_mean_ci_level():
    values = np.array([1.0, 4.0, 2.0, 8.0])
    narrow, wide = mean_ci(values, level=0.8), mean_ci(values, level=0.99)
    assert wide["ci_high"] - wide["ci_low"] > narrow["ci_high"] - narrow["ci_low"]


def test_mean_ci_drops_nans():
    with_nan = mean_ci(np.array([1.0, np.nan, 3.0, np.nan, 5.0]))
    without = mean_ci(np.array([1.0, 3.0, 5.0]))
    assert with_nan == without
    assert with_nan["n"] == 3


def test_mean_ci_of_one_value():
    ci = mean_ci(np.array([np.nan, 4.0]))
    assert ci["n"] == 1 and ci["mean"] == 4.0
    assert math.isnan(ci["sd"]) and math.isnan(ci["ci_low"]) and math.isnan(ci["ci_high"])


def test_mean_ci_of_nothing():
    for values in (np.array([]), np.array([np.nan, np.nan])):
        ci = mean_ci(values)
        assert ci["n"] == 0
        assert all(math.isnan(ci[k]) for k in ("mean", "sd", "ci_low", "ci_high"))


def test_mean_ci_accepts_lists():
    assert mean_ci([2, 4])["mean"] == 3.0
