"""journeysim.engine.arrivals: the Poisson arrival rule."""

from __future__ import annotations

import math
import random

import pytest

from journeysim.engine.arrivals import ArrivalRule, PoissonArrivals


@pytest.mark.parametrize("rate", [0.5, 4.0, 200.0])
def test_poisson_gap_mean(rate):
    rule = PoissonArrivals(rate)
    rng = random.Random(11)
    n = 4000
    gaps = [rule.gap(0.0, rng) for _ in range(n)]
    assert min(gaps) > 0
    mean = 1 / rate
    sample_mean = sum(gaps) / n
    # exponential gaps: sd = mean, SE of the sample mean = mean / sqrt(n)
    assert abs(sample_mean - mean) < 4 * mean / math.sqrt(n)
    # and the spread of an exponential: sd = mean (SE of the sample sd ~ 2.2% here)
    sd = math.sqrt(sum((g - sample_mean) ** 2 for g in gaps) / (n - 1))
    assert sd == pytest.approx(mean, rel=0.1)


def test_gap_does_not_depend_on_now():
    rule = PoissonArrivals(3.0)
    rng_a, rng_b = random.Random(5), random.Random(5)
    a = [rule.gap(0.0, rng_a) for _ in range(5)]
    b = [rule.gap(t, rng_b) for t in (1.0, 9.0, 30.0, 31.0, 99.0)]
    assert a == b


def test_one_draw_per_gap():
    rng, twin = random.Random(8), random.Random(8)
    PoissonArrivals(2.0).gap(0.0, rng)
    twin.random()
    assert rng.random() == twin.random()


def test_base_rule_is_abstract():
    with pytest.raises(NotImplementedError):
        ArrivalRule().gap(0.0, random.Random(0))
