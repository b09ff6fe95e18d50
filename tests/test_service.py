"""journeysim.engine.service: service-time rules match their specification."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from journeysim.engine.service import (
    DeterministicService,
    ExponentialService,
    GammaService,
    LognormalService,
    ServiceRule,
    compile_service,
    lognormal_params,
)
from journeysim.scenario.schema import ServiceTime

N = 4000
MEAN = 6 / 1440  # 6 minutes in days


def sample(rule, seed=1):
    rng = random.Random(seed)
    return np.array([rule.draw(rng) for _ in range(N)])


def assert_moments(values, mean, sd):
    """Sample mean and variance within 4 standard errors of the specification."""
    se_mean = values.std(ddof=1) / math.sqrt(len(values))
    assert abs(values.mean() - mean) < 4 * se_mean
    centred = values - values.mean()
    var = centred.var(ddof=1)
    se_var = math.sqrt((np.mean(centred**4) - var**2) / len(values))
    assert abs(var - sd**2) < 4 * se_var


def test_exponential_mean_and_sd():
    rule = ExponentialService(MEAN)
    assert rule.rate == pytest.approx(1 / MEAN)
    values = sample(rule)
    assert (values > 0).all()
    assert_moments(values, MEAN, MEAN)


@pytest.mark.parametrize("cv", [0.3, 0.8])
def test_lognormal_mean_and_sd(cv):
    rule = LognormalService(MEAN, cv * MEAN)
    assert rule.rate == 0.0
    assert_moments(sample(rule), MEAN, cv * MEAN)


@pytest.mark.parametrize("cv", [0.3, 1.5])
def test_gamma_mean_and_sd(cv):
    rule = GammaService(MEAN, cv * MEAN)
    assert rule.shape == pytest.approx(1 / cv**2)
    assert rule.rate == 0.0
    assert_moments(sample(rule), MEAN, cv * MEAN)


def test_moment_check_can_tell_a_wrong_sd():
    # the tolerance is tight enough to refuse a spread 20% off the truth
    values = sample(GammaService(MEAN, 0.5 * MEAN))
    with pytest.raises(AssertionError):
        assert_moments(values, MEAN, 0.6 * MEAN)


def test_deterministic_draws_nothing():
    rng = random.Random(5)
    state = rng.getstate()
    rule = DeterministicService(MEAN)
    assert [rule.draw(rng) for _ in range(10)] == [MEAN] * 10
    assert rng.getstate() == state
    assert rule.rate == 0.0


@pytest.mark.parametrize(
    "rule", [ExponentialService(MEAN), LognormalService(MEAN, MEAN), GammaService(MEAN, MEAN)]
)
def test_random_rules_draw_from_the_generator_they_are_given(rule):
    assert sample(rule, seed=3)[:5].tolist() == sample(rule, seed=3)[:5].tolist()
    assert sample(rule, seed=3)[:5].tolist() != sample(rule, seed=4)[:5].tolist()


def test_lognormal_params_match_the_rule():
    rule = LognormalService(MEAN, 0.5 * MEAN)
    assert lognormal_params(MEAN, 0.5 * MEAN) == pytest.approx((rule.mu, rule.sigma))
    mu, sigma = lognormal_params(MEAN, 0.5 * MEAN)
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(MEAN)


def test_lognormal_params_of_zero_sd_is_a_point_mass():
    assert lognormal_params(2.0, 0.0) == (math.log(2.0), 0.0)


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ({"mean": "6 min"}, ExponentialService),
        ({"distribution": "deterministic", "mean": "6 min"}, DeterministicService),
        ({"distribution": "lognormal", "mean": "6 min", "sd": "2 min"}, LognormalService),
        ({"distribution": "gamma", "mean": "6 min", "sd": "2 min"}, GammaService),
    ],
)
def test_compile_service(spec, kind):
    rule = compile_service(ServiceTime.model_validate(spec))
    assert type(rule) is kind
    assert rule.mean == pytest.approx(MEAN)


def test_compiled_spread_is_the_spec():
    rule = compile_service(
        ServiceTime.model_validate({"distribution": "gamma", "mean": "6 min", "sd": "2 min"})
    )
    assert rule.shape == pytest.approx(9.0)
    assert rule.scale == pytest.approx(MEAN / 9)


def test_base_rule_is_abstract():
    with pytest.raises(NotImplementedError):
        ServiceRule(1.0).draw(random.Random(0))
