"""The survey scales: half-up rounding at the ties, full range of CSAT and CES."""

from __future__ import annotations

import pytest

from journeysim.engine.satisfaction import ces_score, csat_score, ltr_score, round_half_up
from journeysim.scenario.schema import Psychology


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
