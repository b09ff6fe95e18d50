"""Perception and journey memory: what a visit feels like, and what a journey is remembered as.

**Perception rule** (compiled into each touchpoint): the perceived quality of a visit is the
touchpoint's quality level (``quality + friendliness + warmth``, plus ``personalization`` for a
customer the company knows) plus consistency noise (``consistency x z``, ``z`` the visit's
standard normal draw, its fourth draw) minus a penalty per hour of *felt* waiting (waits beyond
the touchpoint's expected wait weigh more and more), an effort penalty and a failure penalty,
clipped to the 0-10 scale; abandoning a queue is perceived as ``abandon_quality`` (a bad
moment).

**Experience accumulator** (one per journey): collects the perceived moments and the effort
(touchpoint effort, felt waiting, abandoning, failed contacts, transfers), and remembers the
journey by the peak-end rule (Kahneman et al. 1993; Fredrickson & Kahneman 1993): a weighted
mix of the most intense moment (the largest gap to the expectation the customer came with), the
last moment and the mean.
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
    """Base of perception rules, compiled into each touchpoint.

    ``felt_hours(wait)`` turns a wait (days) into felt waiting (hours), ``perceive(felt, z,
    failed, abandoned, known)`` a visit into its perceived quality (0-10).
    """

    __slots__ = ()

    def felt_hours(self, wait: float) -> float:
        """Felt waiting of a wait of ``wait`` days, in hours."""
        raise NotImplementedError

    def perceive(self, felt: float, z: float, failed: bool, abandoned: bool, known: bool) -> float:
        """Perceived quality of one visit (0-10); ``felt``: felt waiting in hours.

        ``known``: the company knows the customer (a purchase on file), which a touchpoint with
        personalization turns into a better experience.
        """
        raise NotImplementedError


class QualityPerception(PerceptionRule):
    """Quality + consistency noise - felt waiting, effort and failure penalties (0-10).

    **Waiting** (Maister 1985, "The psychology of waiting lines": satisfaction = perception -
    expectation; uncertain and unexplained waits feel longer; Taylor 1994: a delay beyond
    what was expected drives the anger): within the touchpoint's expected wait (its
    tolerance ``T``) a minute weighs ``wait_within_weight``; beyond it each further minute
    weighs ``1 + excess / wait_escalation``, so felt waiting is

        felt(w) = within * min(w, T) + e + e^2 / (2 R),   e = max(0, w - T),  R = escalation

    (the integral of the rising weight), in hours. The visit loses ``wait_penalty_per_hour``
    quality points per felt hour.
    """

    __slots__ = (
        "quality",
        "consistency",
        "effort_loss",
        "psych",
        "tolerance",
        "within",
        "half_over_escalation",
    )

    def __init__(
        self,
        quality: float,
        consistency: float,
        effort: float,
        psych: Psychology,
        tolerance: float | None = None,
    ) -> None:
        self.quality = quality
        self.consistency = consistency
        self.effort_loss = psych.effort_penalty * effort
        self.psych = psych
        self.tolerance = psych.wait_tolerance if tolerance is None else tolerance
        self.within = psych.wait_within_weight
        self.half_over_escalation = 0.5 / psych.wait_escalation

    def felt_hours(self, wait: float) -> float:
        """Felt waiting of a wait of ``wait`` days, in hours (see the class docstring)."""
        tol = self.tolerance
        if wait <= tol:
            return self.within * wait * 24.0
        excess = wait - tol
        return (self.within * tol + excess + excess * excess * self.half_over_escalation) * 24.0

    def _perceived(self, level: float, felt: float, z: float, failed: bool) -> float:
        psych = self.psych
        perceived = (
            level
            + self.consistency * z
            - psych.wait_penalty_per_hour * felt
            - self.effort_loss
            - (psych.failure_penalty if failed else 0.0)
        )
        if perceived < 0.0:
            return 0.0
        if perceived > 10.0:
            return 10.0
        return perceived

    def perceive(self, felt: float, z: float, failed: bool, abandoned: bool, known: bool) -> float:
        """Perceived quality of one visit (0-10); ``felt``: felt waiting in hours."""
        if abandoned:
            return self.psych.abandon_quality
        return self._perceived(self.quality, felt, z, failed)


class PersonalizedPerception(QualityPerception):
    """Quality perception plus a personal touch: ``personalization`` points for known customers.

    Compiled only at touchpoints with ``personalization > 0`` (the company's data about the
    customer is used there), so other touchpoints pay nothing for it. A customer counts as
    known when the company has a purchase of theirs on file (Peppers & Rogers 1993, one-to-one
    marketing: the relationship is what the company remembers of the customer; Surprenant &
    Solomon 1987: personalization raises evaluations of the service encounter).
    """

    __slots__ = ("personalization",)

    def __init__(
        self,
        quality: float,
        consistency: float,
        effort: float,
        psych: Psychology,
        tolerance: float | None,
        personalization: float,
    ) -> None:
        super().__init__(quality, consistency, effort, psych, tolerance)
        self.personalization = personalization

    def perceive(self, felt: float, z: float, failed: bool, abandoned: bool, known: bool) -> float:
        """Perceived quality of one visit (0-10), personal touch included for known customers."""
        if abandoned:
            return self.psych.abandon_quality
        level = self.quality + self.personalization if known else self.quality
        return self._perceived(level, felt, z, failed)


def compile_perception(tp: Touchpoint, psych: Psychology) -> PerceptionRule:
    """The perception rule of a touchpoint.

    The touchpoint's manner (``friendliness``: unfriendly staff below 0) and warmth (generic,
    cold service below 0) add to its quality level; with both absent the level is ``quality``
    itself. Personalization compiles the personal-touch rule; the wait tolerance is the
    touchpoint's ``expected_wait`` (else ``psychology.wait_tolerance``).
    """
    level = tp.quality + tp.friendliness + tp.warmth
    if tp.personalization > 0.0:
        return PersonalizedPerception(
            level, tp.consistency, tp.effort, psych, tp.expected_wait, tp.personalization
        )
    return QualityPerception(level, tp.consistency, tp.effort, psych, tp.expected_wait)


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
        "staffed",
    )

    def __init__(
        self, expectation: float, psych: Psychology, surveyed: bool, known: bool = False
    ) -> None:
        self.expectation = expectation
        self.known = known
        self.staffed: Any = None  # the staffed touchpoint of the previous visit (transfers)
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
        """Add one visit (``stats``: the touchpoint's statistics if the visit counts, else None).

        Effort (what the customer had to do, Dixon, Freeman & Toman 2010): the touchpoint's
        effort, felt waiting, and the things customers report as most effortful: abandoning
        (the need is unmet and must be tried again), a failed contact (to repeat or recover)
        and a transfer (passed from one staffed touchpoint straight to another).
        """
        rule = node.perception
        psych = self.psych
        felt = rule.felt_hours(wait) if wait > 0.0 else 0.0
        if rule.__class__ is QualityPerception:  # the default rule's perceive(), inline
            rp = rule.psych
            if abandoned:
                perceived = rp.abandon_quality
            else:
                perceived = (
                    rule.quality
                    + rule.consistency * z
                    - rp.wait_penalty_per_hour * felt
                    - rule.effort_loss
                    - (rp.failure_penalty if failed else 0.0)
                )
                if perceived < 0.0:
                    perceived = 0.0
                elif perceived > 10.0:
                    perceived = 10.0
        else:
            perceived = rule.perceive(felt, z, failed, abandoned, self.known)
        effort = node.effort + psych.wait_effort_per_hour * felt
        if abandoned:
            effort += psych.abandon_effort
        elif failed:
            effort += psych.failure_effort
        if node.resource is not None:
            staffed = self.staffed
            if staffed is not None and staffed is not node:
                effort += psych.transfer_effort
            self.staffed = node
        else:
            self.staffed = None
        self.effort += effort
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
