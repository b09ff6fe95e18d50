"""journeysim.scenario.fields: durations with units, patience, probabilities and scores."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from journeysim.scenario.fields import (
    DAYS_CONTEXT,
    Days,
    FrozenModel,
    NonNegativeDays,
    Patience,
    PositiveDays,
    Probability,
    Score,
)


class Example(FrozenModel):
    duration: Days = 0.0
    positive: PositiveDays = 1.0
    non_negative: NonNegativeDays = 0.0
    patience: Patience = math.inf
    probability: Probability = 0.5
    score: Score = 5.0


def check(**values):
    return Example.model_validate(values)


def check_days(**values):
    return Example.model_validate(values, context=DAYS_CONTEXT)


@pytest.mark.parametrize(
    ("text", "days"),
    [("1 d", 1.0), ("12 h", 0.5), ("30 min", 30 / 1440), ("90 s", 90 / 86400), ("2 w", 14.0)],
)
def test_durations_are_held_in_days(text, days):
    assert check(duration=text).duration == pytest.approx(days)


@pytest.mark.parametrize("value", [5, 5.0, "5", "5 parsecs", "min"])
def test_durations_need_a_unit(value):
    with pytest.raises(ValidationError):
        check(duration=value)


def test_days_context_accepts_floats_and_ints():
    assert check_days(duration=0.25).duration == 0.25
    assert check_days(duration=3).duration == 3.0
    assert check_days(duration="6 h").duration == 0.25  # units still work under the context


def test_days_context_does_not_accept_booleans():
    with pytest.raises(ValidationError):
        check_days(duration=True)


def test_a_context_without_the_flag_does_not_accept_floats():
    with pytest.raises(ValidationError):
        Example.model_validate({"duration": 0.25}, context={"other": True})
    with pytest.raises(ValidationError):
        Example.model_validate({"duration": 0.25}, context={"durations_in_days": False})


def test_positive_and_non_negative_days():
    assert check(non_negative="0 min").non_negative == 0.0
    with pytest.raises(ValidationError):
        check(positive="0 min")
    with pytest.raises(ValidationError):
        check(positive="-1 min")
    with pytest.raises(ValidationError):
        check(non_negative="-1 min")
    with pytest.raises(ValidationError):
        check_days(positive=0.0)


def test_patience_unlimited_is_infinity():
    assert check(patience="unlimited").patience == math.inf
    assert check_days(patience=math.inf).patience == math.inf
    assert check(patience="10 min").patience == pytest.approx(10 / 1440)
    assert check_days(patience=0.5).patience == 0.5


@pytest.mark.parametrize("value", ["0 min", "-5 min"])
def test_patience_must_be_positive(value):
    with pytest.raises(ValidationError, match="positive|at least 1 ms"):
        check(patience=value)


def test_patience_must_be_positive_under_the_context_too():
    with pytest.raises(ValidationError, match="positive|at least 1 ms"):
        check_days(patience=0.0)


def test_patience_needs_a_unit():
    with pytest.raises(ValidationError):
        check(patience=10)
    with pytest.raises(ValidationError):
        check(patience="forever")


@pytest.mark.parametrize("value", [0.0, 0.3, 1.0])
def test_probability_bounds_accept(value):
    assert check(probability=value).probability == value


@pytest.mark.parametrize("value", [-0.01, 1.01])
def test_probability_bounds_refuse(value):
    with pytest.raises(ValidationError):
        check(probability=value)


@pytest.mark.parametrize("value", [0.0, 7.5, 10.0])
def test_score_bounds_accept(value):
    assert check(score=value).score == value


@pytest.mark.parametrize("value", [-0.1, 10.1])
def test_score_bounds_refuse(value):
    with pytest.raises(ValidationError):
        check(score=value)


def test_frozen_model_refuses_unknown_keys_and_changes():
    with pytest.raises(ValidationError, match="[Ee]xtra"):
        check(duraton="1 d")
    example = check()
    with pytest.raises(ValidationError):
        example.score = 3.0
