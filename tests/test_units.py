import math

import pytest

from journeysim.scenario.units import days_to_minutes, parse_duration


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("8 min", 8 / 1440),
        ("2 h", 2 / 24),
        ("30 d", 30.0),
        ("1.5 days", 1.5),
        ("90 s", 90 / 86400),
        ("2 weeks", 14.0),
        ("1e1 min", 10 / 1440),
        (" 3   hours ", 0.125),
    ],
)
def test_parse_duration_converts_to_days(text, days):
    assert math.isclose(parse_duration(text), days, rel_tol=1e-12)


@pytest.mark.parametrize("value", [8, 8.0, None, True, "8", "min"])
def test_duration_without_unit_is_refused(value):
    with pytest.raises(ValueError, match="unit|duration"):
        parse_duration(value)


def test_unknown_unit_lists_allowed_units():
    with pytest.raises(ValueError, match="unknown time unit 'months'.*allowed: s, min, h, d, w"):
        parse_duration("3 months")


def test_days_to_minutes():
    assert days_to_minutes(1.0) == 1440.0
