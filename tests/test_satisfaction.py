"""journeysim.engine.satisfaction: disconfirmation and the survey scales, by hand.

(Issue 13: CSAT and CES on their full scales, every score rounded half up at the ties.)"""

from __future__ import annotations

import pytest

from journeysim.engine.satisfaction import (
    ces_score,
    csat_score,
    journey_satisfaction,
    ltr_score,
    round_half_up,
)
from journeysim.scenario.schema import Psychology

# S_met 7.5, zone of tolerance +-0.5, +0.6 per point above, 1.2 per point below
PSYCH = Psychology(
    satisfaction_when_met=7.5,
    tolerance=0.5,
    gain_above=0.6,
    gain_below=1.2,
    ces_effort_scale=0.5,
    ces_when_effortless=7.0,
    ces_noise=0.0,
    csat_when_met=4.3,
    csat_per_point_above=0.6,
    csat_per_point_below=0.9,
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
        (7.0, 7.0, 4),  # met: 4.3
        (7.5, 7.0, 5),  # 4.3 + 0.6 x 0.5 = 4.6
        (10.0, 4.0, 5),  # clipped at 5
        (4.5, 7.0, 2),  # 4.3 - 0.9 x 2.5 = 2.05
        (6.0, 7.0, 3),  # 4.3 - 0.9 = 3.4
        (0.0, 10.0, 1),  # clipped at 1
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
    steep = Psychology(ces_effort_scale=1.0, ces_when_effortless=7.0, ces_noise=0.0)
    assert ces_score(4.0, steep) == 3
    assert ces_score(4.0, Psychology(ces_effort_scale=0.0, ces_noise=0.0)) == 7  # 6.6 -> 7


@pytest.mark.parametrize(
    ("satisfaction", "noise", "ltr"),
    [(8.4, 0.3, 9), (6.2, 0.1, 6), (9.6, 1.0, 10), (1.0, -3.0, 0), (7.0, 0.0, 7), (5.0, -0.4, 5)],
)
def test_ltr_score(satisfaction, noise, ltr):
    value = ltr_score(satisfaction, noise)
    assert value == ltr
    assert type(value) is int


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 1), (1.5, 2), (2.5, 3), (3.5, 4), (4.5, 5), (6.5, 7), (8.5, 9), (2.49, 2), (0.0, 0)],
)
def test_round_half_up_at_the_ties(value, expected):
    assert round_half_up(value) == expected  # round() would give 0, 2, 2, 4, 4, 6, 8 at ties


def test_every_score_rounds_its_ties_up():
    # LTR: satisfaction 8.5 is a promoter's 9, not 8
    assert ltr_score(8.0, 0.5) == 9 and ltr_score(6.0, 0.5) == 7
    # CES without noise: 7 - 0.5 x effort 1 = 6.5 -> 7; effort 5 -> 4.5 -> 5
    psych = Psychology(ces_when_effortless=7.0, ces_noise=0.0)
    assert ces_score(1.0, psych) == 7 and ces_score(5.0, psych) == 5 and ces_score(3.0, psych) == 6
    # CSAT: 4.5 when met -> 5; 2.5 -> 3
    assert csat_score(7.0, 7.0, Psychology(csat_when_met=4.5)) == 5
    psych = Psychology(csat_when_met=4.0, csat_per_point_below=1.0, csat_per_point_above=0.5)
    assert csat_score(5.5, 7.0, psych) == 3  # 4 - 1.5 = 2.5 -> 3


def test_csat_and_ces_reach_both_ends_of_their_scales():
    psych = Psychology()
    assert csat_score(1.0, 7.0, psych) == 1  # an abandoned queue against an expectation of 7
    assert csat_score(8.0, 7.0, psych) == 5  # a point above the expectation
    assert csat_score(7.0, 7.0, psych) == 4  # met: 4.3 before rounding
    assert csat_score(5.0, 7.0, psych) == 3  # two points short: 4.3 - 1.8 = 2.5 -> 3
    assert ces_score(0.0, psych) == 7 and ces_score(12.0, psych) == 1
    assert ces_score(0.0, psych, noise=-1.0) == 6  # 6.6 - 0.8 = 5.8
