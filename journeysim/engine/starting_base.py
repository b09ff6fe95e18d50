"""A steady-state start: the existing customer base a settled business has on day 0.

With ``simulation.start = "steady"`` the burn-in does not begin with an empty shop. It runs in
three steps, all before day 0 and counted nowhere (see
:class:`~journeysim.engine.recorder.Recorder`):

1. **Draw** (at ``-burn_in``): the active base that steady acquisition and the churn
   propensities leave behind after running for ever, from its stationary distribution in
   closed form (below), each customer with a new customer's state. It puts the right load on
   the touchpoints from the first day.
2. **Rebuild** (at the first and second sixths of the burn-in): the journeys of the week
   before show the experiences the business delivers; whole customer lives are replayed with
   them, without queues (:class:`Lives`: satisfaction, expectation, loyalty and likelihood to
   recommend move journey by journey and the churn rule's hazard decides, exactly as in the
   engine), and the customers acquired before ``-burn_in`` are replaced by customers of those
   lives at their age and state (the second time with experiences of the rebuilt base). This
   is what a burn-in of many lifetimes would give: loyal customers who have stayed for years
   (loyalty grows over dozens of journeys and the loyal churn less), in the right numbers.
3. **Re-size** (at the third, fourth and fifth sixths): each segment is brought to the size at
   which, with its present customers, inflow equals churn (see :meth:`SteadyStart.resize`).
   The last sixth lets everything settle.

The stationary base (Little's law and the size-biased lifetime)
---------------------------------------------------------------
New customers of segment ``s`` arrive at rate ``lambda_s`` per day (Poisson; a demand profile's
multipliers average 1) and carry a churn propensity ``theta ~ Beta(a, b)``. With the churn
probability per decision ``theta`` (``psychology.churn_effects = false``: the
shifted-beta-geometric model of Fader & Hardie 2007) the active customers at time ``t`` form a
Poisson process over (propensity, age) with intensity ``lambda_s Beta(theta; a, b) P(alive at
age u | theta)``, so

- **period churn** (``simulation.churn = "period"``, period ``P``): a customer decides at the
  first period boundary after each anniversary of their acquisition, so with ``f`` the time
  since the last boundary, a customer of age ``u < f + P`` has made no decision and one of age
  ``u`` in ``[f + kP, f + (k + 1)P)`` has survived ``k``: ``P(alive) = (1 - theta)^k``. The
  base has ``Poisson(lambda_s (f + P E[1/theta]))`` customers, ``E[1/theta] = (a + b - 1) /
  (a - 1)`` (finite for ``a > 1``); their propensities have density proportional to
  ``Beta(theta; a, b) (f + P / theta)`` (at a boundary, ``Beta(a - 1, b)``); given ``theta``,
  the age is uniform on ``[0, f)`` with probability ``f / (f + P / theta)``, else ``f + (k + U)
  P`` with ``k ~ Geometric(theta)`` on ``{0, 1, ...}``;
- **per-journey churn**: the first journey starts at acquisition, the decision follows each
  journey and needs arrive at rate ``nu`` (Poisson), so ``P(alive at age u) = (1 - theta)
  e^{-theta nu u}``: ``Poisson(lambda_s E[(1 - theta) / theta] E[1 / nu])`` customers
  (``lambda_s b / (a - 1) T`` with need rate ``1/T``), propensities with density proportional
  to ``Beta(theta; a, b) (1 - theta) / theta``, need rates size-biased by ``1 / nu`` (with
  ``need_rate_shape = r``, ``Gamma(r)`` becomes ``Gamma(r - 1)`` at the same scale, ``E[1/nu]
  = r T / (r - 1)``), and age ``Exponential(theta nu)``.

Propensities are drawn by rejection from ``Beta(a - 1, b)`` (density ``Beta(a, b) / theta``
up to a constant). With word of mouth the steady size is ``N* = lambda E / (1 - E r)``
(:func:`steady_size`: ``E`` the mean time a new customer stays, ``r`` the net inflow each
active customer adds per day). With psychology off the draw is the exact stationary base and
the rebuild is skipped; ``tests/validation/test_steady_start.py`` checks the closed forms and
that the shipped scenarios are flat year on year.

Random numbers come from the run's ``base`` stream only, so a steady start never shifts the
draws of arrivals, journeys or strategies (common random numbers); a replayed life has a seed
of its own, so it can be replayed exactly.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Generator
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import simpy

from journeysim.engine.customer import Customer
from journeysim.engine.satisfaction import journey_satisfaction
from journeysim.engine.streams import RunStreams
from journeysim.errors import ScenarioError
from journeysim.scenario.schema import MAX_STEADY_LIFETIME

if TYPE_CHECKING:
    from journeysim.engine.model import JourneyModel, SegmentRuntime

__all__ = ["RESIZES", "LifeState", "Lives", "SteadyStart", "mean_inverse_propensity", "steady_size"]

#: How many times the base is rebuilt from replayed lives (at the first sixths of the burn-in).
REBUILDS = 2
#: How many times it is then re-sized (at the next sixths; the last sixth lets it settle).
RESIZES = 3
#: Days before the rebuild over which journeys' experiences are read back (a whole week).
SNAPSHOT_WINDOW = 7.0
#: Fewest experiences a segment needs to replay lives with its own (else all segments').
MIN_EXPERIENCES = 50
#: Fewest lives replayed per segment.
MIN_LIVES = 200
#: Longest replayed life (days): a life that has not ended by then is cut there.
LONGEST_LIFE = MAX_STEADY_LIFETIME
#: Most that word of mouth multiplies the first drawn base by with psychology on (see
#: :meth:`SteadyStart._first_guess`).
FIRST_GUESS_GAIN = 3.0
#: Smallest propensity or need rate drawn for the base (Beta(a - 1, b) and Gamma(r - 1) with
#: shapes near 0 give smaller ones, or 0.0): their lifetimes and gaps (and products) would not
#: be finite floats. Far below anything a settled base holds; smaller draws are drawn again.
TINY = 1e-150


def mean_inverse_propensity(a: float, b: float) -> float:
    """``E[1/theta]`` for ``theta ~ Beta(a, b)``: ``(a + b - 1) / (a - 1)`` (``a > 1``).

    The mean lifetime in decisions of the shifted-beta-geometric model (Fader & Hardie 2007).
    """
    return (a + b - 1.0) / (a - 1.0)


def steady_size(
    arrivals_per_day: float, stay_days: float, net_referrals_per_customer_day: float
) -> float:
    """Steady active base ``N* = lambda E / (1 - E r)`` (Little's law with word of mouth).

    Parameters
    ----------
    arrivals_per_day:
        Organic prospects per day, ``lambda``.
    stay_days:
        Mean time a new customer stays active, ``E`` (days).
    net_referrals_per_customer_day:
        Net inflow that each active customer adds per day through word of mouth, ``r``
        (referred prospects minus prospects kept away).

    Raises
    ------
    ValueError
        If ``E r >= 1``: word of mouth grows the base without bound, there is no steady size.
    """
    gain = stay_days * net_referrals_per_customer_day
    if gain >= 1.0:
        raise ValueError("word of mouth grows the base without bound")
    return arrivals_per_day * stay_days / (1.0 - gain)


class LifeState:
    """A replayed customer at some age: propensity, need rate, age and psychological state."""

    __slots__ = (
        "theta",
        "need_rate",
        "age",
        "decisions",
        "journeys",
        "satisfaction",
        "expectation",
        "loyalty",
        "ltr",
    )

    def __init__(self, theta: float, need_rate: float) -> None:
        self.theta = theta
        self.need_rate = need_rate
        self.age = 0.0
        self.decisions = 0
        self.journeys = 0
        self.satisfaction = 0.0
        self.expectation = 0.0
        self.loyalty = 0.0
        self.ltr: int | None = None


class Lives:
    """Whole lives of a segment's customers, replayed without queues.

    A life follows the engine's rules with the journeys' remembered experiences drawn from
    ``experiences`` (those the business delivered during the burn-in): the first journey at
    acquisition, needs at the customer's rate (raised by loyalty, ``psychology.
    loyalty_frequency_effect``), after each journey satisfaction, expectation, loyalty and
    likelihood to recommend as in :func:`~journeysim.engine.journey.end_journey`, and churn
    decisions with the churn rule's hazard (per journey, or at the first period boundary after
    each anniversary: here every period from an age uniform in ``[P, 2P)``). Lives are cut at
    :data:`LONGEST_LIFE` days. Each life has its own seed, so :meth:`states` replays it exactly.

    Parameters
    ----------
    seg:
        The segment (its churn prior, need rate and initial expectation).
    psych:
        The run's psychology.
    period:
        The churn period in days, or ``None`` for per-journey churn.
    experiences:
        Remembered experiences (0-10 quality scale) to draw journeys from.
    rng:
        The stream the lives' seeds come from.
    n:
        How many lives to replay.
    """

    def __init__(
        self,
        seg: SegmentRuntime,
        psych: Any,
        period: float | None,
        experiences: list[float],
        rng: random.Random,
        n: int,
    ) -> None:
        self.seg = seg
        self.psych = psych
        self.period = period
        self.experiences = experiences
        self.seeds = [rng.getrandbits(64) for _ in range(n)]
        self.lengths = [self._live(seed, [], []) for seed in self.seeds]
        self.mean_life = sum(self.lengths) / n
        self.cumulative = list(accumulate(self.lengths))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> int:
        """A life picked in proportion to its length (the size-biased pick of the base)."""
        target = rng.random() * self.total
        return min(bisect_left(self.cumulative, target), len(self.lengths) - 1)

    def states(self, index: int, ages: list[float]) -> list[LifeState]:
        """The states of life ``index`` at ``ages`` (sorted, each below its length)."""
        out: list[LifeState] = []
        self._live(self.seeds[index], ages, out)
        return out

    def _live(self, seed: int, ages: list[float], out: list[LifeState]) -> float:
        """Replay one life; append its state at each of ``ages``; return its length (days)."""
        rng = random.Random(seed)
        seg, psych = self.seg, self.psych
        churn = seg.spec.churn
        theta = rng.betavariate(churn.a, churn.b)
        shape = seg.need_shape
        rate = seg.gap_rate if shape is None else rng.gammavariate(shape, seg.gap_rate / shape)
        state = LifeState(theta, 0.0 if shape is None else rate)
        state.satisfaction = psych.satisfaction_when_met
        state.expectation = seg.spec.initial_expectation
        effects = psych.enabled and psych.churn_effects
        sat_sens = psych.churn_satisfaction_sensitivity
        loyalty_sens = psych.churn_loyalty_sensitivity
        met = psych.satisfaction_when_met
        memory, weight = psych.satisfaction_memory, psych.expectation_weight
        gain, loss, noise = psych.loyalty_gain, psych.loyalty_loss, psych.ltr_noise
        frequency = psych.loyalty_frequency_effect
        experiences = self.experiences
        n_exp = len(experiences)
        period = self.period
        decision = period * (1.0 + rng.random()) if period is not None else math.inf
        pending = iter(ages)
        next_age = next(pending, math.inf)
        t = 0.0

        def hazard() -> float:
            p = theta
            if effects:
                p *= math.exp(-sat_sens * (state.satisfaction - met) - loyalty_sens * state.loyalty)
            return p if p < 1.0 else 1.0

        def record(age: float) -> None:
            copy = LifeState(theta, state.need_rate)
            copy.age, copy.decisions, copy.journeys = age, state.decisions, state.journeys
            copy.satisfaction, copy.expectation = state.satisfaction, state.expectation
            copy.loyalty, copy.ltr = state.loyalty, state.ltr
            out.append(copy)

        while t < LONGEST_LIFE:
            while next_age < t:  # states between two journeys
                record(next_age)
                next_age = next(pending, math.inf)
            # a journey (the first at acquisition)
            remembered = experiences[int(rng.random() * n_exp)]
            sat = journey_satisfaction(remembered - state.expectation, psych)
            state.satisfaction = (1.0 - memory) * state.satisfaction + memory * sat
            state.expectation = (1.0 - weight) * state.expectation + weight * remembered
            if sat >= met:
                state.loyalty += gain * (1.0 - state.loyalty)
            else:
                state.loyalty *= 1.0 - loss
            raw = state.satisfaction + noise * rng.gauss(0.0, 1.0)
            state.ltr = math.floor((10.0 if raw > 10.0 else (0.0 if raw < 0.0 else raw)) + 0.5)
            state.journeys += 1
            if period is None and rng.random() < hazard():
                return t
            gap = rng.expovariate(rate * (1.0 + frequency * state.loyalty))
            while decision <= t + gap:  # period churn decisions before the next journey
                while next_age < decision:
                    record(next_age)
                    next_age = next(pending, math.inf)
                if rng.random() < hazard():
                    return decision
                state.decisions += 1
                decision += period
            t += gap
        return LONGEST_LIFE


class SteadyStart:
    """Draws the starting base at ``-burn_in``, rebuilds it from replayed lives, re-sizes it.

    Parameters
    ----------
    model:
        The run (a :class:`~journeysim.engine.model.JourneyModel` whose clock is at
        ``-burn_in``).
    rng:
        The run's ``base`` stream (every draw of the starting base comes from it).
    """

    def __init__(self, model: JourneyModel, rng: random.Random) -> None:
        self.model = model
        self.rng = rng
        scenario = model.scenario
        self.arrivals = scenario.population.arrivals_per_day
        self.period = model.period
        self.per_period = model.churn_per_period
        self.resizes: list[dict[str, Any]] = []  # what each re-size saw and did (diagnostics)
        self.drawn = 0
        self.drawn_at = model.env.now
        self.seen: dict[int, tuple[float, float, int]] = {}
        self.lives: dict[str, Lives] = {}
        self.notes: list[str] = []  # what the run's results must say (a base not rebuilt)

    # -- closed forms --------------------------------------------------------------------------

    def _phase(self) -> float:
        """Time since the last period boundary (boundaries are multiples of the period)."""
        now, period = self.model.env.now, self.period
        f = now - period * math.floor(now / period + 1e-9)
        return f if f > 1e-9 else 0.0

    def stay(self, seg: SegmentRuntime, h: float) -> float:
        """Expected active time (days) of the segment's customers now, ``E_s`` above."""
        lives = self.lives.get(seg.name)
        if lives is not None:
            return lives.mean_life
        churn = seg.spec.churn
        inverse = mean_inverse_propensity(churn.a, churn.b) / h
        if self.per_period:
            return self._phase() + self.period * inverse
        need = 1.0 / seg.gap_rate  # mean time between needs T
        shape = seg.need_shape
        mean_gap = need if shape is None else need * shape / (shape - 1.0)
        return max(inverse - 1.0, 0.0) * mean_gap

    def _draw(self, seg: SegmentRuntime, h: float) -> tuple[float, float, int, float]:
        """(propensity, age in days, decisions survived, need rate or 0) of one base customer."""
        rng = self.rng
        churn = seg.spec.churn
        a, b = churn.a, churn.b
        if self.per_period:
            f, period = self._phase(), self.period
            bound = f + period * max(1.0 / h, 1.0)
            while True:  # rejection from Beta(a - 1, b) (density Beta(a, b) / theta)
                theta = rng.betavariate(a - 1.0, b)
                if theta < TINY:  # a - 1 near 0: no float lifetime; draw again
                    continue
                eff = min(h * theta, 1.0)
                if rng.random() * bound < theta * (f + period / eff):
                    break
            if rng.random() * (f + period / eff) < f:
                return theta, rng.random() * f, 0, 0.0
            k = 0 if eff >= 1.0 else int(math.log(1.0 - rng.random()) / math.log1p(-eff))
            return theta, f + (k + rng.random()) * period, k, 0.0
        while True:  # weight (1 - theta') / theta'; over the proposal: theta (1 - theta') / theta'
            theta = rng.betavariate(a - 1.0, b)
            if theta < TINY:  # a - 1 near 0: no float lifetime; draw again
                continue
            eff = min(h * theta, 1.0)
            if rng.random() * max(1.0 / h, 1.0) < theta * (1.0 - eff) / eff:
                break
        rate = seg.gap_rate
        shape = seg.need_shape
        need_rate = 0.0
        if shape is not None:  # size-biased Gamma(shape) of mean gap_rate: Gamma(shape - 1)
            need_rate = 0.0
            while need_rate < TINY:  # again if no float gap (shape - 1 near 0)
                need_rate = rng.gammavariate(shape - 1.0, rate / shape)
            rate = need_rate
        return theta, rng.expovariate(eff * rate), 0, need_rate

    def _targets(self, r: float, hs: dict[str, float] | None = None) -> dict[SegmentRuntime, float]:
        """Each segment's steady size for churn multipliers ``hs`` and net referral rate r."""
        model = self.model
        stays = {seg: self.stay(seg, 1.0 if hs is None else hs[seg.name]) for seg in model.segments}
        mean_stay = sum(seg.spec.share * e for seg, e in stays.items())
        try:
            total = steady_size(self.arrivals, mean_stay, r)
        except ValueError:
            raise ScenarioError(
                f"no steady state to start from: word of mouth brings {r:.5f} net customers "
                f"per active customer a day and a customer stays {mean_stay:,.0f} days on "
                "average, so the base grows without bound; lower the referral rates or use "
                "start = 'empty'",
                source=model.scenario.source or f"scenario {model.scenario.name!r}",
                field="simulation.start",
            ) from None
        inflow = total / mean_stay if mean_stay > 0 else self.arrivals
        return {seg: seg.spec.share * inflow * e for seg, e in stays.items()}

    def _poisson(self, mean: float) -> int:
        """A Poisson count from the base stream (normal approximation above a mean of 500)."""
        rng = self.rng
        if mean <= 0:
            return 0
        if mean > 500:
            return max(0, round(rng.gauss(mean, math.sqrt(mean))))
        limit, k, p = math.exp(-mean), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k

    # -- the base ------------------------------------------------------------------------------

    def seed(self) -> None:
        """Draw the starting base at ``-burn_in`` from the closed form (a new customer's state)."""
        model = self.model
        wom = model.word_of_mouth
        r = wom.per_customer if wom is not None else 0.0
        targets = self._first_guess(r) if model.psych_on and r > 0 else self._targets(r)
        for seg, target in targets.items():
            for _ in range(self._poisson(target)):
                theta, age, decisions, need_rate = self._draw(seg, 1.0)
                self._add(seg, theta, age, decisions, need_rate)
        self.drawn = model.next_id  # customers 0 .. drawn - 1 are the drawn base
        self.drawn_at = model.env.now

    def _first_guess(self, r: float) -> dict[SegmentRuntime, float]:
        """The drawn base's size with word of mouth ``r`` when psychology is on.

        The closed form's stay ignores what satisfaction and loyalty do to churn, so with
        psychology on it is only a first guess, and the rebuild sizes the base from replayed
        lives (refusing word of mouth that has no steady state). Word of mouth multiplies the
        guess by ``1 / (1 - E r)``, which near ``E r = 1`` explodes (hundreds of times a base
        that settles much smaller when unhappy customers leave sooner) or has no steady state
        at all; the guess is therefore at most :data:`FIRST_GUESS_GAIN` times the base
        without word of mouth.
        """
        plain = self._targets(0.0)
        try:
            amplified = self._targets(r)
        except ScenarioError:  # the closed form's stay: the lives' decide (rebuild)
            return {seg: FIRST_GUESS_GAIN * n for seg, n in plain.items()}
        return {seg: min(n, FIRST_GUESS_GAIN * plain[seg]) for seg, n in amplified.items()}

    def _add(
        self,
        seg: SegmentRuntime,
        theta: float,
        age: float,
        decisions: int,
        need_rate: float,
        state: LifeState | None = None,
    ) -> Customer:
        """One customer of the steady base joins now, between two journeys."""
        model = self.model
        rng = self.rng
        now = model.env.now
        rec = model.recorder
        psych = model.psych
        c = Customer(
            model.next_id,
            seg.name,
            rec.trash,
            now - min(age, LONGEST_LIFE),  # 1 < a <= 2: ages of any size (E[age] infinite)
            theta,
            seg.spec.initial_expectation,
            psych.satisfaction_when_met,
        )
        c.key = rng.getrandbits(64) | 1  # never 0 (a one-off customer's mark)
        c.churn_decisions = decisions
        model.next_id += 1
        model.active[c.id] = c
        if need_rate > 0:
            c.need_rate = need_rate
        elif seg.need_shape is not None:
            c.need_rate = RunStreams.need_rate(c.key, seg.need_shape, seg.gap_rate)
        wom = model.word_of_mouth
        if wom is not None:
            wom.customers += 1
            wom.acquired = model.next_id
        rec.acquire(rec.trash, False, seg.stats)
        if state is not None:
            c.journeys = state.journeys
            self._state(c, state)
        # the next need: exponential at the customer's rate (memoryless: the same whatever the
        # time since the last one), read against the demand profile as every need is
        rate = (c.need_rate or seg.gap_rate) * (1.0 + psych.loyalty_frequency_effect * c.loyalty)
        gap = rng.expovariate(rate)
        profile = model.need_profile
        if profile is not None:
            gap = max(profile.advance(now, gap) - now, 0.0)
        c.waiting = True
        c.process = model.schedule_need(c, gap)
        return c

    def _add_state(self, seg: SegmentRuntime, state: LifeState) -> Customer:
        """A customer of a replayed life joins now, at the life's age and state."""
        return self._add(seg, state.theta, state.age, state.decisions, state.need_rate, state)

    def _state(self, c: Customer, state: LifeState) -> None:
        """Give ``c`` the psychological state of a replayed life."""
        c.satisfaction = state.satisfaction
        c.expectation = state.expectation
        c.loyalty = state.loyalty
        c.ltr = state.ltr
        ltr = state.ltr
        advocacy = 0 if ltr is None else (1 if ltr >= 9 else (-1 if ltr <= 6 else 0))
        wom = self.model.word_of_mouth
        if wom is not None:
            wom.set_advocacy(c, advocacy)
        else:
            c.advocacy = advocacy

    # -- rebuilding and re-sizing ---------------------------------------------------------------

    def resizing(self, burn_in: float) -> Generator[simpy.Event, Any, None]:
        """The burn-in's schedule: rebuild at its first two sixths, re-size at the next three.

        A week before each of the first :data:`REBUILDS` sixths every customer's state is
        noted (:meth:`snapshot`); at the sixth the base is rebuilt from replayed lives
        (:meth:`rebuild`). The second rebuild learns from the experiences of the rebuilt base
        (loyal customers use other channels than new ones: state-dependent routing), so its
        lives are closer to the steady ones. At each of the next :data:`RESIZES` sixths the base
        is re-sized (:meth:`resize`); the last sixth lets it settle.
        """
        env = self.model.env
        step = burn_in / 6.0
        window = min(SNAPSHOT_WINDOW, step / 2.0)
        if self.model.psych_on and window < 1.0:  # less than a day: the hours it falls in
            self._note(
                f"simulation.burn_in: {burn_in:g} d is too short for a steady start: its base "
                f"is rebuilt from {window * 24:.0f} hours of journeys (not a whole day: at "
                "least 12 d), so day 0 may not find a settled business; lengthen the burn-in "
                "(e.g. '365 d')"
            )
        for _ in range(REBUILDS):
            yield env.timeout(step - window)
            self.snapshot()
            yield env.timeout(window)
            self.rebuild()
        for _ in range(RESIZES):
            yield env.timeout(step)
            self.resize()

    def _note(self, text: str) -> None:
        """Say ``text`` in the run's results (the first such note only: one is enough)."""
        if not self.notes:
            self.notes.append(text)

    def snapshot(self) -> None:
        """Note every customer's loyalty, expectation and journeys (for :meth:`experiences`)."""
        self.seen = {
            c.id: (c.loyalty, c.expectation, c.journeys) for c in self.model.active.values()
        }

    def experiences(self) -> dict[str, list[float]]:
        """Remembered experiences of the journeys since :meth:`snapshot`, by segment.

        A customer with exactly one journey since the snapshot moved their expectation from
        ``X`` to ``(1 - w) X + w R`` (``w`` = ``psychology.expectation_weight``), so that
        journey's remembered experience ``R`` is read back exactly, with no work per journey.
        """
        w = self.model.psych.expectation_weight
        seen, self.seen = self.seen, {}
        out: dict[str, list[float]] = {seg.name: [] for seg in self.model.segments}
        if w <= 0:
            return out
        for c in self.model.active.values():
            before = seen.get(c.id)
            if before is None or c.journeys != before[2] + 1:
                continue
            loyalty, expectation, _ = before
            if c.loyalty == loyalty and c.expectation == expectation:
                continue  # a journey with nothing experienced (no visit): nothing to learn
            out[c.segment].append((c.expectation - (1.0 - w) * expectation) / w)
        return out

    def rebuild(self) -> None:
        """Replace the customers acquired before ``-burn_in`` by customers of replayed lives.

        With psychology off the closed form is exact and nothing changes. Otherwise each
        segment's lives (:class:`Lives`) are replayed with the experiences of the last week;
        the customers acquired before ``-burn_in`` (drawn, or from an earlier rebuild) leave,
        and in their place
        each life ``i`` of length ``T_i`` gives ``Poisson(c (T_i - A)^+)`` customers of ages
        uniform on ``[A, T_i]`` (``A`` the time since the draw, ``c`` the segment's inflow
        over the number of lives: the stationary intensity), with the state of their age.
        """
        model = self.model
        samples = self.experiences()
        pooled = [x for xs in samples.values() for x in xs]
        if not model.psych_on:
            return  # the closed form is exact: nothing to rebuild
        if model.psych.expectation_weight <= 0:  # experiences are read from expectations
            self._note(
                "psychology.expectation_weight = 0: the steady start cannot read the burn-in's "
                "experiences back from expectations that never move, so its base keeps new "
                "customers' satisfaction and loyalty, not a settled business's (use a small "
                "weight, e.g. 0.01, or start = 'empty' with a long burn-in)"
            )
            return
        if len(pooled) < MIN_EXPERIENCES:  # nothing to learn from: keep the closed-form base
            self._note(
                f"simulation.burn_in: the steady start's base was not rebuilt (only "
                f"{len(pooled)} journeys before day {model.env.now:.1f}, {MIN_EXPERIENCES} "
                "needed), so it starts with new customers' satisfaction and loyalty, not a "
                "settled business's; lengthen the burn-in (e.g. '365 d')"
            )
            return
        rng = self.rng
        since = model.env.now - self.drawn_at
        for seg in model.segments:
            own = samples[seg.name]
            n = max(MIN_LIVES, round(self.arrivals * seg.spec.share * self.stay(seg, 1.0) / 3))
            self.lives[seg.name] = Lives(
                seg,
                model.psych,
                self.period if self.per_period else None,
                own if len(own) >= MIN_EXPERIENCES else pooled,
                rng,
                n,
            )
        targets = self._targets(self._net_referrals())
        before = self.drawn_at
        for seg in model.segments:
            for c in [c for c in model.active.values() if c.segment == seg.name]:
                if c.acquired_at < before and c.waiting:  # drawn or rebuilt earlier
                    model.churn(c)  # quietly: a churn of the burn-in is counted nowhere
            lives = self.lives[seg.name]
            per_life = targets[seg] / lives.mean_life / len(lives.lengths)
            for index, length in enumerate(lives.lengths):
                count = self._poisson(per_life * max(length - since, 0.0))
                if count:
                    ages = sorted(since + rng.random() * (length - since) for _ in range(count))
                    for state in lives.states(index, ages):
                        self._add(
                            seg, state.theta, state.age, state.decisions, state.need_rate, state
                        )
        self.resizes.append({"day": model.env.now, "rebuilt": len(model.active)})

    def _net_referrals(self) -> float:
        """Net word-of-mouth inflow per active customer per day, read from the base now."""
        model = self.model
        n = len(model.active)
        wom = model.word_of_mouth
        if wom is None or n == 0:
            return 0.0
        net = wom.per_promoter * wom.promoters + wom.per_customer * n
        return (net - wom.suppression * wom.detractors) / n

    def resize(self) -> None:
        """Bring each segment to its steady size.

        After a rebuild the size follows from the balance of flows that defines a steady
        state: a segment of ``N_s`` customers loses ``O_s`` a day (the churn rule's hazard of
        each customer due to decide, per period: ``sum h_i / P``; per journey: ``sum h_i
        nu_i``) and gains ``I_s`` (its share of organic prospects less those detractors keep
        away, plus referrals), so its steady size with this composition is ``N_s I_s / O_s``.
        Without replayed lives (psychology off) it is the closed form's, with the churn rule's
        mean multiplier measured on the base (1 when churn effects are off). Customers added
        are drawn from the stationary base (a replayed life picked in proportion to its
        length, an age uniform on it); customers removed are picked at random among those
        between journeys.
        """
        model = self.model
        by_segment: dict[str, list[Customer]] = {seg.name: [] for seg in model.segments}
        for c in model.active.values():
            by_segment[c.segment].append(c)
        rule = model.churn_rule
        r = self._net_referrals()
        hs = {seg.name: 1.0 for seg in model.segments}
        if self.lives:
            n = len(model.active)
            inflow = self.arrivals + r * n  # organic, less suppressed, plus referred (a day)
            due = model.env.now - self._phase()  # acquired by then: decides at the next boundary
            frequency = model.psych.loyalty_frequency_effect
            targets = {}
            for seg in model.segments:
                members = by_segment[seg.name]
                if self.per_period:
                    out = sum(rule.hazard(c) for c in members if c.acquired_at <= due)
                    out /= self.period
                else:
                    out = sum(
                        rule.hazard(c)
                        * (c.need_rate or seg.gap_rate)
                        * (1.0 + frequency * c.loyalty)
                        for c in members
                    )
                gain = seg.spec.share * inflow
                targets[seg] = len(members) * gain / out if out > 0 else float(len(members))
        else:
            for seg in model.segments:
                members = by_segment[seg.name]
                weight = sum(c.theta for c in members)
                # no strategy acts during the burn-in: the hazard is theta x the rule's multiplier
                hs[seg.name] = sum(rule.hazard(c) for c in members) / weight if weight > 0 else 1.0
            targets = self._targets(r, hs)
        rng = self.rng
        seen: dict[str, Any] = {"day": model.env.now, "active": len(model.active), "r": r}
        for seg, target in targets.items():
            members = by_segment[seg.name]
            change = round(target) - len(members)
            seen[seg.name] = change
            lives = self.lives.get(seg.name)
            for _ in range(max(change, 0)):
                if lives is None:
                    self._add(seg, *self._draw(seg, hs[seg.name]))
                    continue
                index = lives.pick(rng)
                for state in lives.states(index, [rng.random() * lives.lengths[index]]):
                    self._add_state(seg, state)
            if change < 0:
                waiting = [c for c in members if c.waiting]
                for c in rng.sample(waiting, min(-change, len(waiting))):
                    model.churn(c)
        self.resizes.append(seen)
