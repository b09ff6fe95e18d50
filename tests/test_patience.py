"""journeysim.engine.patience: how long a customer waits before abandoning."""

from __future__ import annotations

import math
import random

import pytest

from journeysim.engine.patience import (
    ExponentialPatience,
    PatienceRule,
    UnlimitedPatience,
    compile_patience,
)


def test_unlimited_draws_nothing():
    rng = random.Random(2)
    state = rng.getstate()
    rule = UnlimitedPatience()
    assert [rule.draw(rng) for _ in range(5)] == [math.inf] * 5
    assert rng.getstate() == state
    assert rule.finite is False


def test_exponential_mean():
    mean = 10 / 1440
    rule = ExponentialPatience(mean)
    assert rule.finite is True
    assert rule.rate == pytest.approx(1 / mean)
    rng = random.Random(7)
    n = 4000
    values = [rule.draw(rng) for _ in range(n)]
    assert min(values) > 0
    # exponential: sd = mean, so the sample mean's SE is mean / sqrt(n)
    assert abs(sum(values) / n - mean) < 4 * mean / math.sqrt(n)


def test_exponential_draws_one_number_per_visit():
    rule = ExponentialPatience(0.01)
    rng, twin = random.Random(3), random.Random(3)
    rule.draw(rng)
    twin.random()
    assert rng.random() == twin.random()


def test_compile_patience():
    assert isinstance(compile_patience(math.inf), UnlimitedPatience)
    rule = compile_patience(0.5)
    assert isinstance(rule, ExponentialPatience)
    assert rule.rate == 2.0


def test_base_rule_is_abstract():
    assert PatienceRule.finite is True
    with pytest.raises(NotImplementedError):
        PatienceRule().draw(random.Random(0))
