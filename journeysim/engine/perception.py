"""Perception and journey memory: what a visit feels like, and what a journey is remembered as.

**Perception rule** (compiled into each touchpoint): the perceived quality of a visit is the
touchpoint's quality level plus consistency noise (``consistency x z``, ``z`` the visit's
standard normal draw, its fourth draw) minus a waiting penalty per hour, an effort penalty and a
failure penalty, clipped to the 0-10 scale; abandoning a queue is perceived as
``abandon_quality`` (a bad moment).

**Experience accumulator** (one per journey): collects the perceived moments and the effort,
and remembers the journey by the peak-end rule (Kahneman et al. 1993; Fredrickson & Kahneman
1993): a weighted mix of the most intense moment (the largest gap to the expectation the customer
came with), the last moment and the mean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeysim.engine.recorder import TouchpointStats
    from journeysim.scenario.schema import Psychology, Touchpoint

__all__ = [
    "Experience",
    "PerceptionRule",
    "PersonalizedPerception",
    "QualityPerception",
    "compile_perception",
]


class PerceptionRule:
    """Base of perception rules: ``perceive(node, wait, z, failed, abandoned, known) -> 0..10``."""

    __slots__ = ()

    def perceive(
        self, node: Any, wait: float, z: float, failed: bool, abandoned: bool, known: bool
    ) -> float:
        """Perceived quality of one visit (0-10); ``wait`` in days.

        ``known``: the company knows the customer (a purchase on file), which a touchpoint with
        personalization turns into a better experience.
        """
        raise NotImplementedError


class QualityPerception(PerceptionRule):
    """Quality + consistency noise - waiting, effort and failure penalties (clipped to 0-10)."""

    __slots__ = ("quality", "consistency", "effort", "psych")

    def __init__(self, quality: float, consistency: float, effort: float, psych: Psychology):
        self.quality = quality
        self.consistency = consistency
        self.effort = effort
        self.psych = psych

    def perceive(
        self, node: Any, wait: float, z: float, failed: bool, abandoned: bool, known: bool
    ) -> float:
        """Perceived quality of one visit (0-10); ``wait`` in days."""
        psych = self.psych
        if abandoned:
            return psych.abandon_quality
        perceived = (
            self.quality
            + self.consistency * z
            - psych.wait_penalty_per_hour * wait * 24.0
            - psych.effort_penalty * self.effort
            - (psych.failure_penalty if failed else 0.0)
        )
        if perceived < 0.0:
            return 0.0
        if perceived > 10.0:
            return 10.0
        return perceived


class PersonalizedPerception(QualityPerception):
    """Quality perception plus a personal touch: ``personalization`` points for known customers.

    Compiled only at touchpoints with ``personalization > 0`` (the company's data about the
    customer is used there), so other touchpoints pay nothing for it. A customer counts as
    known when the company has a purchase of theirs on file (Peppers & Rogers' one-to-one
    marketing: the relationship is what the company remembers of the customer).
    """

    __slots__ = ("personalization",)

    def __init__(
        self,
        quality: float,
        consistency: float,
        effort: float,
        psych: Psychology,
        personalization: float,
    ) -> None:
        super().__init__(quality, consistency, effort, psych)
        self.personalization = personalization

    def perceive(
        self, node: Any, wait: float, z: float, failed: bool, abandoned: bool, known: bool
    ) -> float:
        """Perceived quality of one visit (0-10), personal touch included for known customers."""
        if abandoned or not known:
            return QualityPerception.perceive(self, node, wait, z, failed, abandoned, known)
        perceived = QualityPerception.perceive(self, node, wait, z, failed, abandoned, known)
        perceived += self.personalization
        return 10.0 if perceived > 10.0 else perceived


def compile_perception(tp: Touchpoint, psych: Psychology) -> PerceptionRule:
    """The perception rule of a touchpoint.

    The touchpoint's manner (``friendliness``: unfriendly staff below 0) and warmth (generic,
    cold service below 0) add to its quality level; with both absent the level is ``quality``
    itself, so a scenario without the keys perceives exactly as before.
    """
    level = tp.quality + tp.friendliness + tp.warmth
    if tp.personalization > 0.0:
        return PersonalizedPerception(level, tp.consistency, tp.effort, psych, tp.personalization)
    return QualityPerception(level, tp.consistency, tp.effort, psych)


class Experience:
    """What one journey felt like so far: perceived moments, effort and the CSAT marks.

    Parameters
    ----------
    expectation:
        The expectation the customer came with (0-10).
    psych:
        The behaviour parameters.
    surveyed:
        Whether this journey ends with a survey: then each counted visit's perceived quality is
        kept for its CSAT rating.
    known:
        Whether the company knows the customer (a purchase on file): personalization applies.
    """

    __slots__ = (
        "expectation",
        "psych",
        "n",
        "total",
        "peak",
        "peak_gap",
        "end",
        "effort",
        "marks",
        "known",
    )

    def __init__(
        self, expectation: float, psych: Psychology, surveyed: bool, known: bool = False
    ) -> None:
        self.expectation = expectation
        self.known = known
        self.psych = psych
        self.n = 0
        self.total = 0.0
        self.peak = self.end = expectation
        self.peak_gap = -1.0
        self.effort = 0.0
        self.marks: list[tuple[TouchpointStats, float]] | None = [] if surveyed else None

    def add(
        self,
        node: Any,
        wait: float,
        z: float,
        failed: bool,
        abandoned: bool,
        stats: TouchpointStats | None,
    ) -> None:
        """Add one visit (``stats``: the touchpoint's statistics if the visit counts, else None)."""
        perceived = node.perception.perceive(node, wait, z, failed, abandoned, self.known)
        self.effort += node.effort + self.psych.wait_effort_per_hour * wait * 24.0
        self.n += 1
        self.total += perceived
        gap = abs(perceived - self.expectation)
        if gap > self.peak_gap:
            self.peak_gap, self.peak = gap, perceived
        self.end = perceived
        if self.marks is not None and stats is not None:
            self.marks.append((stats, perceived))

    def remembered(self) -> float:
        """The journey as remembered: mean, peak and end weighted (the peak-end rule)."""
        psych = self.psych
        return (
            psych.mean_weight * (self.total / self.n)
            + psych.peak_weight * self.peak
            + psych.end_weight * self.end
        )
