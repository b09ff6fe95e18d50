"""journeysim.engine.perception: perceived quality of a visit and the peak-end memory.

(Issue 13: felt waiting with a tolerance and a rising weight, friendliness / warmth /
personalization, effort of abandoning, failures and transfers.)"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from journeysim.engine.perception import Experience, PerceptionRule, QualityPerception
from journeysim.scenario.schema import Psychology

PSYCH = Psychology(
    wait_penalty_per_hour=4.0,
    effort_penalty=0.3,
    failure_penalty=3.0,
    abandon_quality=2.5,
    peak_weight=0.4,
    end_weight=0.4,
    mean_weight=0.2,
    wait_effort_per_hour=2.0,
    # waiting felt linearly (no tolerance, no escalation) for the formula by hand
    wait_tolerance="0 min",
    wait_escalation="100000 d",
    abandon_effort=0.0,
    failure_effort=0.0,
    transfer_effort=0.0,
)
HOUR = 1 / 24
MINUTE = HOUR / 60


def perceive(wait=0.0, z=0.0, failed=False, abandoned=False, known=False, **rule):
    settings = {"quality": 7.0, "consistency": 1.5, "effort": 2.0, "psych": PSYCH, **rule}
    quality_rule = QualityPerception(**settings)
    return quality_rule.perceive(quality_rule.felt_hours(wait), z, failed, abandoned, known)


def test_formula_by_hand():
    # 7 + 1.5 x 0.4 - 4/h x 0.5 h - 0.3 x 2 - 3 (failed) = 2.0
    assert perceive(wait=0.5 * HOUR, z=0.4, failed=True) == pytest.approx(2.0)
    # without failure: 5.0
    assert perceive(wait=0.5 * HOUR, z=0.4) == pytest.approx(5.0)
    # no wait, no noise: quality - effort penalty
    assert perceive() == pytest.approx(7.0 - 0.6)
    # consistency scales the noise
    assert perceive(z=-1.0, consistency=0.0) == pytest.approx(6.4)
    assert perceive(z=-1.0, consistency=2.0) == pytest.approx(4.4)


def test_clipped_to_the_scale():
    assert perceive(z=-10.0) == 0.0
    assert perceive(wait=5 * HOUR) == 0.0
    assert perceive(quality=10.0, effort=0.0, z=3.0) == 10.0


def test_abandoning_is_abandon_quality_whatever_else():
    assert perceive(abandoned=True) == 2.5
    assert perceive(abandoned=True, z=5.0, wait=0.0, quality=10.0) == 2.5
    assert perceive(abandoned=True, failed=True, wait=3 * HOUR) == 2.5


class Fixed(PerceptionRule):
    """A perception that returns the values given, in order."""

    def __init__(self, *values):
        self.values = list(values)

    def felt_hours(self, wait):
        return wait * 24.0

    def perceive(self, felt, z, failed, abandoned, known):
        return self.values.pop(0)


def journey(expectation, values, effort=1.0, waits=None, surveyed=False, stats=None):
    node = SimpleNamespace(perception=Fixed(*values), effort=effort, resource=None)
    experience = Experience(expectation, PSYCH, surveyed)
    for i in range(len(values)):
        wait = waits[i] if waits else 0.0
        experience.add(node, wait, 0.0, False, False, stats)
    return experience


def test_peak_end_by_hand():
    # expectation 7: gaps 1, 2.5, 0.5 -> peak 9.5, end 7.5, mean 23/3
    experience = journey(7.0, [6.0, 9.5, 7.5])
    assert experience.peak == 9.5
    assert experience.end == 7.5
    assert experience.n == 3
    assert experience.remembered() == pytest.approx(0.2 * 23 / 3 + 0.4 * 9.5 + 0.4 * 7.5)


def test_peak_is_the_largest_gap_either_side():
    # a bad moment 4 below beats a good one 2 above
    experience = journey(7.0, [9.0, 3.0, 8.0])
    assert experience.peak == 3.0
    assert experience.remembered() == pytest.approx(0.2 * 20 / 3 + 0.4 * 3.0 + 0.4 * 8.0)


def test_first_of_equal_gaps_is_the_peak():
    assert journey(5.0, [7.0, 3.0]).peak == 7.0


def test_one_moment_is_remembered_as_itself():
    assert journey(7.0, [4.2]).remembered() == pytest.approx(4.2)
    # even a moment that meets the expectation exactly
    assert journey(7.0, [7.0]).remembered() == pytest.approx(7.0)


def test_effort_adds_node_effort_and_waiting():
    experience = journey(7.0, [6.0, 6.0], effort=1.5, waits=[0.0, 0.5 * HOUR])
    # 1.5 + (1.5 + 2/h x 0.5 h)
    assert experience.effort == pytest.approx(4.0)


def test_marks_only_for_surveyed_journeys_and_counted_visits():
    stats = object()
    assert journey(7.0, [6.0, 8.0]).marks is None
    assert journey(7.0, [6.0, 8.0], surveyed=True, stats=None).marks == []
    assert journey(7.0, [6.0, 8.0], surveyed=True, stats=stats).marks == [
        (stats, 6.0),
        (stats, 8.0),
    ]


def test_experience_uses_the_node_rule():
    node = SimpleNamespace(
        perception=QualityPerception(7.0, 1.5, 2.0, PSYCH), effort=2.0, name="desk", resource=None
    )
    experience = Experience(7.0, PSYCH, surveyed=False)
    experience.add(node, 0.5 * HOUR, 0.4, True, False, None)
    assert experience.end == pytest.approx(2.0)


def test_base_rule_is_abstract():
    with pytest.raises(NotImplementedError):
        PerceptionRule().perceive(0.0, 0.0, False, False, False)
    with pytest.raises(NotImplementedError):
        PerceptionRule().felt_hours(0.0)


# -- issue 13 ------------------------------------------------------------------------------


def test_felt_waiting_by_hand():
    """Tolerance 5 min, weight 0.5 within, escalation 30 min: a 35-minute wait is felt as
    0.5 x 5 + 30 + 30^2 / (2 x 30) = 47.5 minutes; within the tolerance, half."""
    rule = QualityPerception(7.0, 0.0, 0.0, Psychology())
    assert rule.felt_hours(4 * MINUTE) == pytest.approx(2 / 60)
    assert rule.felt_hours(35 * MINUTE) == pytest.approx(47.5 / 60)
    # the touchpoint's expected wait is the tolerance
    assert QualityPerception(7.0, 0.0, 0.0, Psychology(), 20 * MINUTE).felt_hours(
        35 * MINUTE
    ) == pytest.approx((10 + 15 + 15**2 / 60) / 60)


def test_friendliness_warmth_and_personalization_compile_into_the_rule():
    from journeysim.engine.perception import PersonalizedPerception, compile_perception
    from journeysim.scenario.schema import Touchpoint

    service = {"mean": "5 min"}
    plain = compile_perception(Touchpoint(service=service, quality=7.0), PSYCH)
    assert type(plain) is QualityPerception and plain.quality == 7.0
    cold = compile_perception(
        Touchpoint(service=service, quality=7.0, friendliness=-1.0, warmth=-0.5), PSYCH
    )
    assert cold.quality == pytest.approx(5.5)
    personal = compile_perception(
        Touchpoint(service=service, quality=7.0, personalization=1.5, consistency=0.0), PSYCH
    )
    assert isinstance(personal, PersonalizedPerception)
    base = 7.0 - 0.3 * 1.0  # default effort 1
    assert personal.perceive(0.0, 0.0, False, False, True) == pytest.approx(base + 1.5)
    assert personal.perceive(0.0, 0.0, False, False, False) == pytest.approx(base)
    assert personal.perceive(0.0, 0.0, False, True, True) == PSYCH.abandon_quality


def test_abandoning_failing_and_transfers_are_effort():
    psych = Psychology(abandon_effort=4.0, failure_effort=2.0, transfer_effort=1.0)
    staffed = [
        SimpleNamespace(perception=Fixed(5.0), effort=1.0, resource=object()) for _ in range(3)
    ]
    self_service = SimpleNamespace(perception=Fixed(5.0), effort=1.0, resource=None)
    experience = Experience(7.0, psych, surveyed=False)
    experience.add(staffed[0], 0.0, 0.0, True, False, None)  # failed: 1 + 2
    experience.add(staffed[1], 0.0, 0.0, False, False, None)  # transferred: 1 + 1
    experience.add(self_service, 0.0, 0.0, False, False, None)  # 1
    experience.add(staffed[2], 0.0, 0.0, False, True, None)  # abandoned, no transfer: 1 + 4
    assert experience.effort == pytest.approx(3 + 2 + 1 + 5)
