"""journeysim.engine.satisfaction: disconfirmation and the survey scales, by hand."""

from __future__ import annotations

import pytest

from journeysim.engine.satisfaction import ces_score, csat_score, journey_satisfaction, ltr_score
from journeysim.scenario.schema import Psychology

# S_met 7.5, zone of tolerance +-0.5, +0.6 per point above, 1.2 per point below
PSYCH = Psychology(
    satisfaction_when_met=7.5, tolerance=0.5, gain_above=0.6, gain_below=1.2, ces_effort_scale=0.5
)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (0.0, 7.5),
        (0.5, 7.5),  # the edge of the zone of tolerance
        (-0.5, 7.5),
        (2.5, 7.5 + 0.6 * 2.0),
        (-2.5, 7.5 - 1.2 * 2.0),
        (10.0, 10.0),  # 7.5 + 0.6 x 9.5 = 13.2, clipped
        (-10.0, 0.0),  # 7.5 - 1.2 x 9.5 = -3.9, clipped
    ],
)
def test_journey_satisfaction(d, expected):
    assert journey_satisfaction(d, PSYCH) == pytest.approx(expected)


def test_shortfalls_weigh_more_than_surpluses():
    above = journey_satisfaction(2.0, PSYCH) - 7.5
    below = 7.5 - journey_satisfaction(-2.0, PSYCH)
    assert below == pytest.approx(2 * above)


@pytest.mark.parametrize(
    ("perceived", "expectation", "csat"),
    [
        (7.0, 7.0, 4),  # met: 1 + 0.4 x 7.5 = 4.0
        (9.5, 7.0, 4),  # 1 + 0.4 x 8.7 = 4.48
        (10.0, 4.0, 5),  # 1 + 0.4 x 10 = 5
        (4.5, 7.0, 3),  # 1 + 0.4 x 5.1 = 3.04
        (6.0, 7.0, 4),  # 1 + 0.4 x 6.9 = 3.76
        (0.0, 10.0, 1),  # satisfaction 0: 1
    ],
)
def test_csat_score(perceived, expectation, csat):
    value = csat_score(perceived, expectation, PSYCH)
    assert value == csat
    assert type(value) is int


@pytest.mark.parametrize(
    ("effort", "ces"),
    [(0.0, 7), (2.2, 6), (4.0, 5), (7.0, 4), (11.6, 1), (50.0, 1)],  # 7 - 0.5 x effort
)
def test_ces_score(effort, ces):
    value = ces_score(effort, PSYCH)
    assert value == ces
    assert type(value) is int


def test_ces_scale_matters():
    steep = Psychology(ces_effort_scale=1.0)
    assert ces_score(4.0, steep) == 3
    assert ces_score(4.0, Psychology(ces_effort_scale=0.0)) == 7


@pytest.mark.parametrize(
    ("satisfaction", "noise", "ltr"),
    [(8.4, 0.3, 9), (6.2, 0.1, 6), (9.6, 1.0, 10), (1.0, -3.0, 0), (7.0, 0.0, 7), (5.0, -0.4, 5)],
)
def test_ltr_score(satisfaction, noise, ltr):
    value = ltr_score(satisfaction, noise)
    assert value == ltr
    assert type(value) is int
