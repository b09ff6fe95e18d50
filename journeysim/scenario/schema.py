"""The scenario schema: pydantic models of everything a scenario file says.

A scenario describes the business being simulated: who arrives (segments), which touchpoints
they walk through (the journey graph), how the touchpoints perform, how customers feel about it
(psychology parameters) and what it all earns and costs (money). Validation is done once, here,
by pydantic v2, so the simulation can trust every number it reads. Reading files and applying
overrides live in :mod:`journeysim.scenario.loading` and :mod:`journeysim.scenario.overrides`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from journeysim.errors import ScenarioError
from journeysim.scenario.fields import (
    Amount,
    Coefficient,
    Count,
    FrozenModel,
    NonNegativeDays,
    Patience,
    Positive,
    PositiveAmount,
    PositiveDays,
    PositiveRate,
    Probability,
    Score,
    Servers,
    Share,
    bounded_float,
    bounded_int,
)
from journeysim.scenario.graph import TERMINALS, validate_journey
from journeysim.scenario.messages import find_line, first_error
from journeysim.scenario.operations import (
    WEEKDAYS,
    DemandProfile,
    Distribution,
    Retry,
    StaffWindow,
    Window,
    weekday_index,
)
from journeysim.scenario.overrides import apply_overrides
from journeysim.scenario.strategy_config import ReferralConfig, StrategyConfig

__all__ = [
    "Basket",
    "ChurnPrior",
    "Journey",
    "Money",
    "Population",
    "Psychology",
    "Scenario",
    "Segment",
    "PatienceTime",
    "SegmentJourney",
    "ServiceTime",
    "StateWeights",
    "SimulationSettings",
    "Touchpoint",
    "TERMINALS",
    "WEEKDAYS",
]


#: Bounded types of this module's fields (see journeysim.scenario.fields for the shared ones).
Month = bounded_int(1, 12)
MarketSize = bounded_int(1, 10**10)
Points5 = bounded_float(-5.0, 5.0)
PointsUp5 = bounded_float(0.0, 5.0)
CsatScale = bounded_float(1.0, 5.0)
CesScale = bounded_float(1.0, 7.0)


#: Longest mean customer lifetime (days) a steady start accepts (also the longest life it
#: replays, ``engine.starting_base.LONGEST_LIFE``).
MAX_STEADY_LIFETIME = 50 * 365.0


def steady_lifetime(simulation: SimulationSettings, segment: Segment) -> float:
    """A new customer's mean lifetime in days without psychology (the closed form, a > 1).

    Period churn: ``P (a + b - 1) / (a - 1)`` (``P E[1/theta]``, shifted-beta-geometric,
    Fader & Hardie 2007); per-journey churn: ``T b / (a - 1)``, times ``r / (r - 1)`` with
    ``need_rate_shape = r`` (``E[(1 - theta) / theta] E[1 / nu]``). See
    ``journeysim/engine/starting_base.py``.
    """
    a, b = segment.churn.a, segment.churn.b
    if simulation.churn == "period":
        return simulation.period * (a + b - 1.0) / (a - 1.0)
    days = segment.time_between_needs * b / (a - 1.0)
    shape = segment.need_rate_shape
    return days if shape is None else days * shape / (shape - 1.0)


class SimulationSettings(FrozenModel):
    """Clock settings of a run."""

    horizon: PositiveDays = Field(description="Length of the simulated time, e.g. '730 d'.")
    period: PositiveDays = Field(
        default=30.0, description="Reporting period for timeline, cohorts and retention."
    )
    warmup: NonNegativeDays = Field(
        default=0.0,
        description="Touchpoint statistics (waits, utilisation) ignore visits before this.",
    )
    burn_in: NonNegativeDays = Field(
        default=0.0,
        description="Simulated before day 0 and not counted: the customers acquired then are "
        "the existing base the reported horizon starts from (a steady-state start).",
    )
    start: Literal["empty", "steady"] = Field(
        default="empty",
        description="How the burn-in starts: 'empty' (no customers, the base builds up) or "
        "'steady' (a base drawn from the stationary distribution of acquisition and churn, "
        "sized and re-sized during the burn-in so that day 0 finds a settled business).",
    )
    churn: Literal["journey", "period"] = Field(
        default="journey",
        description="When churn is decided: after each journey, or at each period boundary.",
    )
    survey_rate: Probability = Field(
        default=0.25, description="Share of journeys after which the customer answers a survey."
    )
    start_weekday: str = Field(
        default="monday", description="Weekday of day 0, which starts at 00:00."
    )
    start_month: Month = Field(
        default=1, ge=1, le=12, description="Month of day 0 (for population.demand.monthly)."
    )

    @field_validator("start_weekday")
    @classmethod
    def _known_weekday(cls, value: str) -> str:
        weekday_index(value)  # raises ValueError naming what is allowed
        return value

    @model_validator(mode="after")
    def _warmup_inside_horizon(self) -> SimulationSettings:
        if self.warmup >= self.horizon:
            raise ValueError("warmup must be shorter than horizon")
        return self

    @property
    def weekday0(self) -> int:
        """Index (Monday 0) of the weekday of day 0."""
        return weekday_index(self.start_weekday)


class Basket(FrozenModel):
    """Spend per purchase, lognormal with the given mean and standard deviation."""

    mean: PositiveAmount = Field(description="Mean spend per purchase (currency units).")
    sd: Amount = Field(default=0.0, description="Standard deviation of the spend.")


ChurnShape = bounded_float(0.0, 1e6, low_open=True)
"""A Beta shape parameter: above 0, at most 1,000,000."""
Spread = bounded_float(0.0, 10.0)
"""A standard deviation on the 0-10 quality scale."""


class ChurnPrior(FrozenModel):
    """Beta(a, b) prior of each customer's base churn probability (sBG model)."""

    a: ChurnShape
    b: ChurnShape


#: A log-odds weight of state-dependent routing: exp(20) is a 500-million-fold shift already.
LogOdds = bounded_float(-20.0, 20.0)


class StateWeights(FrozenModel):
    """Log-odds weights of one routing edge on the customer's state (state-dependent routing).

    The edge's probability p becomes p x exp(sum of weight x feature), then the row is
    renormalised (a multinomial-logit shift around the file's probabilities). Features:
    ``satisfaction`` = S - psychology.satisfaction_when_met (points on the 0-10 scale),
    ``loyalty`` in [0, 1], ``complaints`` on file (a count), ``recent_failure`` = 1 if the
    customer's latest journey (or this one so far) had a failed or abandoned visit,
    ``tenure_years`` since acquisition, ``member`` = 1 in the loyalty programme. All weights 0
    (the default) keep the file's probabilities.
    """

    satisfaction: LogOdds = 0.0
    loyalty: LogOdds = 0.0
    complaints: LogOdds = 0.0
    recent_failure: LogOdds = 0.0
    tenure_years: LogOdds = 0.0
    member: LogOdds = 0.0


StateRows = dict[str, dict[str, StateWeights]]


class SegmentJourney(FrozenModel):
    """A segment's own journey rows, replacing the global ``[journey]`` rows they name."""

    entry: dict[str, Probability] | None = Field(
        default=None, description="This segment's entry row (default: the global one)."
    )
    routes: dict[str, dict[str, Probability]] = Field(
        default_factory=dict,
        description="Route rows replacing the global rows of these touchpoints for this segment.",
    )
    state_routing: StateRows = Field(
        default_factory=dict,
        description="State-dependent weights replacing the global ones of these rows.",
    )


class Segment(FrozenModel):
    """A persona: what its customers buy, how often, expect and tolerate."""

    share: Share = Field(description="Share of new prospects in this segment.")
    basket: Basket
    time_between_needs: PositiveDays = Field(
        description="Mean time between two needs (exponential), e.g. '21 d'."
    )
    initial_expectation: Score = Field(default=7.0)
    patience: PatienceSpec = Field(
        default=math.inf,
        description="Mean time a customer waits in a queue before abandoning (exponential), "
        "or a distribution table like `service`.",
    )
    price_sensitivity: Coefficient = Field(
        default=1.0, description="How strongly discounts move this segment (1 = average)."
    )
    churn: ChurnPrior
    need_rate_shape: Positive | None = Field(
        default=None,
        description="Gamma shape r of each customer's need rate (mean 1/time_between_needs); "
        "unset: every customer has the same rate. The NBD part of BG/NBD.",
    )
    journey: SegmentJourney | None = Field(
        default=None, description="Entry and route rows of this segment (default: [journey])."
    )


class ServiceTime(Distribution):
    """Distribution of the time a touchpoint takes to serve one customer."""

    what: ClassVar[str] = "service time"


class PatienceTime(Distribution):
    """Distribution of how long a customer waits in a queue before abandoning."""

    what: ClassVar[str] = "patience"


# tag names start with "tagged-union" so error messages drop them from the field path
_TABLE, _DURATION = "tagged-union-table", "tagged-union-duration"


def _patience_kind(value: Any) -> str:
    return _TABLE if isinstance(value, dict | Distribution) else _DURATION


PatienceSpec = Annotated[
    Annotated[Patience, Tag(_DURATION)] | Annotated[PatienceTime, Tag(_TABLE)],
    Discriminator(_patience_kind),
]
"""Patience: a duration (exponential mean), ``"unlimited"``, or a distribution table."""


class Touchpoint(FrozenModel):
    """A place in the journey: web shop, store, call centre, checkout ..."""

    capacity: Servers = Field(
        default="unlimited",
        description="Number of servers (staff, tills); 'unlimited' for self-service.",
    )
    service: ServiceTime
    quality: Score = Field(default=7.0, description="Mean perceived quality of a visit (0-10).")
    consistency: Spread = Field(
        default=1.0, description="Standard deviation of perceived quality (lower = steadier)."
    )
    effort: Coefficient = Field(default=1.0, description="Effort a visit asks of the customer.")
    failure_probability: Probability = 0.0
    recovery: str | None = Field(
        default=None, description="Touchpoint a failed visit sends the customer to."
    )
    staff_cost_per_server_day: Amount = 0.0
    cost_per_visit: Amount = 0.0
    # -- operations (issue 11): all optional; absent = a fixed FIFO queue open around the clock
    opening_hours: list[Window] | None = Field(
        default=None, description="When the touchpoint is open (absent: 24/7)."
    )
    when_closed: Literal["wait", "leave"] = Field(
        default="wait",
        description="At a closed touchpoint: wait for it to open (patience applies) or leave.",
    )
    schedule: list[StaffWindow] | None = Field(
        default=None,
        description="Servers by window of the week; hours no window covers have `capacity`.",
    )
    staff_cost_per_server_hour: Amount = Field(
        default=0.0, ge=0, description="Cost per scheduled server-hour (0: per server-day / 24)."
    )
    max_queue: Count | None = Field(
        default=None, ge=0, description="Balking: who finds this many waiting does not join."
    )
    priority: dict[str, int] | None = Field(
        default=None, description="Priority level per segment, lower served first (unlisted last)."
    )
    retry: Retry | None = Field(
        default=None, description="After an abandon or balk: retry later or switch touchpoint."
    )
    service_level_target: PositiveDays | None = Field(
        default=None, description='Service level = share answered within this (default "20 s").'
    )
    expected_wait: NonNegativeDays | None = Field(
        default=None,
        description="Wait customers expect here (tolerance of the wait rule, e.g. '2 min'); "
        "absent: psychology.wait_tolerance.",
    )
    friendliness: Points5 = Field(
        default=0.0,
        ge=-5.0,
        le=5.0,
        description="Points added to perceived quality by the staff's manner "
        "(negative = unfriendly staff).",
    )
    warmth: Points5 = Field(
        default=0.0,
        ge=-5.0,
        le=5.0,
        description="Points added by a warm, human service (negative = generic, cold, scripted).",
    )
    personalization: PointsUp5 = Field(
        default=0.0,
        ge=0.0,
        le=5.0,
        description="Points added when the company knows the customer here (CRM data at the "
        "touchpoint and a purchase on file); 0 = no personal touch.",
    )

    @model_validator(mode="after")
    def _recovery_when_failing(self) -> Touchpoint:
        if self.failure_probability > 0 and self.recovery is None:
            raise ValueError("failure_probability > 0 needs a 'recovery' touchpoint")
        if self.capacity == "unlimited":
            for key in ("schedule", "max_queue", "priority"):
                if getattr(self, key) is not None:
                    raise ValueError(f"an unlimited (self-service) touchpoint takes no {key!r}")
        return self

    @property
    def operations(self) -> bool:
        """Whether any operations key is set (the touchpoint then takes the operations path)."""
        return any(
            getattr(self, key) is not None
            for key in (
                "opening_hours",
                "schedule",
                "max_queue",
                "priority",
                "retry",
                "service_level_target",
            )
        )


class Journey(FrozenModel):
    """The touchpoint graph: where journeys start and where each touchpoint leads."""

    entry: dict[str, Probability] = Field(
        description="Probability that a journey starts at each touchpoint."
    )
    routes: dict[str, dict[str, Probability]] = Field(
        description="For each touchpoint, the probability of each next node."
    )
    state_routing: StateRows = Field(
        default_factory=dict,
        description="FROM (a touchpoint or 'entry') -> TO -> log-odds weights on the "
        "customer's state (see StateWeights).",
    )

    def for_segment(self, segment: SegmentJourney | None) -> Journey:
        """The journey with ``segment``'s rows in place of the global ones they name."""
        if segment is None:
            return self
        state = {**self.state_routing, **segment.state_routing}
        return self.model_copy(
            update={
                "entry": segment.entry if segment.entry is not None else self.entry,
                "routes": {**self.routes, **segment.routes},
                "state_routing": state,
            }
        )


class Population(FrozenModel):
    """Where customers come from."""

    arrivals_per_day: PositiveRate = Field(description="Poisson rate of new prospects per day.")
    returning: bool = Field(
        default=True,
        description="False: every customer makes one journey and never returns (pure queueing).",
    )
    demand: DemandProfile | None = Field(
        default=None,
        description="Arrival multipliers by hour, weekday and month (absent: flat demand).",
    )
    market_size: MarketSize | None = Field(
        default=None,
        description="Finite market N: organic and referral rates x (N - ever acquired) / N "
        "(unset: an unlimited market).",
    )
    contractual: bool = Field(
        default=False,
        description="True: customers end a contract, so the company sees who churned "
        "(telecom, subscriptions); false: a customer who left looks like a quiet one (retail).",
    )


class Psychology(FrozenModel):
    """Parameters of the small, documented behaviour rules (see docs/model.md)."""

    enabled: bool = Field(
        default=True, description="False skips satisfaction entirely (pure queueing runs)."
    )
    churn_effects: bool = Field(
        default=True,
        description="False: churn hazard is the Beta-drawn base propensity alone (exact sBG).",
    )
    satisfaction_when_met: Score = 7.5
    tolerance: Score = Field(default=0.5, description="Zone of tolerance half-width.")
    gain_above: Coefficient = Field(default=0.6, description="Satisfaction per point above.")
    gain_below: Coefficient = Field(default=1.2, description="Satisfaction per point below.")
    expectation_weight: Probability = 0.1
    satisfaction_memory: Probability = Field(
        default=0.5, description="Weight of the latest journey in cumulative satisfaction."
    )
    peak_weight: Probability = 0.4
    end_weight: Probability = 0.4
    mean_weight: Probability = 0.2
    wait_penalty_per_hour: Coefficient = 4.0
    effort_penalty: Coefficient = 0.3
    failure_penalty: Coefficient = 3.0
    abandon_quality: Score = 1.0
    ltr_noise: Coefficient = 1.0
    churn_satisfaction_sensitivity: Coefficient = 0.35
    churn_loyalty_sensitivity: Coefficient = 1.5
    loyalty_gain: Probability = 0.05
    loyalty_loss: Probability = 0.1
    loyalty_frequency_effect: Coefficient = 0.5
    ces_effort_scale: Coefficient = 0.5
    wait_effort_per_hour: Coefficient = 2.0
    # -- survey scales (see docs/model.md, "Score scales")
    csat_when_met: CsatScale = Field(
        default=4.3,
        ge=1,
        le=5,
        description="CSAT (before rounding) of a visit that meets the expectation exactly.",
    )
    csat_per_point_above: Coefficient = Field(
        default=0.6, ge=0, description="CSAT points per point perceived above the expectation."
    )
    csat_per_point_below: Coefficient = Field(
        default=0.9, ge=0, description="CSAT points per point perceived below the expectation."
    )
    ces_when_effortless: CesScale = Field(
        default=6.6,
        ge=1,
        le=7,
        description="CES (before noise and rounding) of a journey without effort.",
    )
    ces_noise: Coefficient = Field(
        default=0.8, ge=0, description="Standard deviation of the CES answer (1-7 points)."
    )
    # -- effort and waits (see docs/model.md, "Effort" and "Waiting")
    wait_tolerance: NonNegativeDays = Field(
        default=5.0 / 1440.0,
        description="Wait customers accept where a touchpoint sets no expected_wait.",
    )
    wait_within_weight: Probability = Field(
        default=0.5, description="Weight of a minute waited within the tolerance (beyond: 1)."
    )
    wait_escalation: PositiveDays = Field(
        default=30.0 / 1440.0,
        description="Beyond the tolerance each further minute weighs 1 + excess / this.",
    )
    abandon_effort: Coefficient = Field(
        default=4.0, ge=0, description="Effort of abandoning a queue: unmet need, to repeat."
    )
    failure_effort: Coefficient = Field(
        default=2.0, ge=0, description="Effort of a failed (unresolved) contact."
    )
    transfer_effort: Coefficient = Field(
        default=1.0, ge=0, description="Effort of being passed between two staffed touchpoints."
    )

    @model_validator(mode="after")
    def _memory_weights(self) -> Psychology:
        total = self.peak_weight + self.end_weight + self.mean_weight
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"peak_weight + end_weight + mean_weight must equal 1 (got {total:g})")
        if self.gain_below < self.gain_above:
            raise ValueError(
                "gain_below must be at least gain_above (shortfalls weigh more than surpluses)"
            )
        if self.csat_per_point_below < self.csat_per_point_above:
            raise ValueError(
                "csat_per_point_below must be at least csat_per_point_above "
                "(shortfalls weigh more than surpluses)"
            )
        return self


class Money(FrozenModel):
    """Revenue, costs and discounting."""

    currency: str = "EUR"
    gross_margin: Share = Field(
        default=1.0, description="Share of revenue that is profit before costs."
    )
    annual_discount_rate: Probability = 0.1
    fixed_cost_per_day: Amount = 0.0


class Scenario(FrozenModel):
    """A validated, immutable scenario.

    Build it with :func:`journeysim.load_scenario` (a TOML file) or
    :func:`journeysim.scenario_from_dict` (a document built in Python).
    """

    name: str
    description: str = ""
    simulation: SimulationSettings
    population: Population
    segments: dict[str, Segment] = Field(min_length=1)
    touchpoints: dict[str, Touchpoint] = Field(min_length=1)
    journey: Journey
    psychology: Psychology = Psychology()
    money: Money = Money()
    strategies: dict[str, StrategyConfig] = Field(
        default_factory=dict, description="Named strategies (CRM, CEM, loyalty, hybrids)."
    )
    referrals: ReferralConfig | None = None

    #: Every key :meth:`_consistent` reads (``*``: any table key). A sweep point that touches
    #: none of them skips these checks (see ``overrides.PointOverrides``): a rule added below
    #: that reads another key must list it here (tests/test_overrides_fast.py checks them).
    override_rule_keys: ClassVar[tuple[str, ...]] = (
        "segments.*.share",
        "segments.*.journey",
        "touchpoints.*.priority",
        "touchpoints.*.retry",
        "touchpoints.*.recovery",
        "touchpoints.*.failure_probability",
        "touchpoints.*.capacity",
        "journey",
        "strategies",
        "simulation.start",
        "simulation.burn_in",
        "simulation.churn",
        "population.returning",
        "population.market_size",
        "segments.*.churn",
        "segments.*.need_rate_shape",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        total = sum(s.share for s in self.segments.values())
        if abs(total - 1.0) > 1e-6:
            raise ScenarioError(f"shares must sum to 1 (got {total:g})", field="segments")
        for name in self.touchpoints:
            if name in TERMINALS:
                raise ScenarioError(
                    f"'{name}' is a reserved terminal node name", field=f"touchpoints.{name}"
                )
        validate_journey(self)
        self._check_operations()
        for name, segment in self.segments.items():
            if segment.journey is not None:
                self._check_segment_journey(name, segment.journey)
        self._check_strategy_references()
        if self.simulation.start == "steady":
            self._check_steady_start()
        return self

    def _check_steady_start(self) -> None:
        """A steady start needs a stationary distribution to draw the base from."""
        sim = self.simulation
        if sim.burn_in <= 0:
            raise ScenarioError(
                "start = 'steady' needs a burn_in > 0 (the drawn base settles during it); "
                "for an empty start set simulation.start = 'empty' too",
                field="simulation.burn_in",
            )
        if not self.population.returning:
            raise ScenarioError(
                "start = 'steady' needs returning customers (one-off customers have no base)",
                field="simulation.start",
            )
        if self.population.market_size is not None:
            raise ScenarioError(
                "start = 'steady' and market_size exclude each other: a finite market is "
                "used up, so it has no steady state (remove one of them)",
                field="population.market_size",
            )
        for name, segment in self.segments.items():
            if segment.churn.a <= 1.0:
                raise ScenarioError(
                    f"start = 'steady' needs churn a > 1 (got {segment.churn.a:g}): with "
                    "a <= 1 the mean lifetime (a + b - 1) / (a - 1) periods is infinite and "
                    "a base fed by steady acquisition never settles",
                    field=f"segments.{name}.churn.a",
                )
            shape = segment.need_rate_shape
            if sim.churn == "journey" and shape is not None and shape <= 1.0:
                raise ScenarioError(
                    f"start = 'steady' with churn = 'journey' needs need_rate_shape > 1 (got "
                    f"{shape:g}): customers who almost never buy almost never decide to "
                    "leave, and the mean lifetime is infinite",
                    field=f"segments.{name}.need_rate_shape",
                )
            self._check_steady_lifetime(name, segment)

    def _check_steady_lifetime(self, name: str, segment: Segment) -> None:
        """A new customer's mean lifetime (the closed form's) is at most 50 years.

        With a just above 1 (or need_rate_shape just above 1) it is finite but centuries
        long, and the steady base (arrivals x lifetime) would be millions of customers.
        """
        a, b = segment.churn.a, segment.churn.b
        field = f"segments.{name}.churn.a"
        cause = f"churn a = {a:g}, b = {b:g}; raise a"
        days = steady_lifetime(self.simulation, segment)
        shape = segment.need_rate_shape
        if self.simulation.churn == "journey" and shape is not None:
            if days * (shape - 1.0) / shape <= MAX_STEADY_LIFETIME:  # the shape makes it long
                field = f"segments.{name}.need_rate_shape"
                cause = f"need_rate_shape = {shape:g}; raise it"
        if days > MAX_STEADY_LIFETIME:
            raise ScenarioError(
                f"start = 'steady' needs a mean customer lifetime of at most "
                f"{MAX_STEADY_LIFETIME / 365:g} years, got {days / 365:,.0f} years (the steady "
                f"base, arrivals x lifetime, would be too large to simulate) with {cause} or use "
                "start = 'empty'",
                field=field,
            )

    def _check_operations(self) -> None:
        segments = ", ".join(sorted(self.segments))
        for name, tp in self.touchpoints.items():
            where = f"touchpoints.{name}"
            for segment in tp.priority or {}:
                if segment not in self.segments:
                    raise ScenarioError(
                        f"unknown segment {segment!r}; known: {segments}", field=f"{where}.priority"
                    )
            target = tp.retry.switch_to if tp.retry is not None else None
            if target is not None and (target not in self.touchpoints or target == name):
                raise ScenarioError(
                    f"switch_to must name another touchpoint (got {target!r})",
                    field=f"{where}.retry.switch_to",
                )

    def _check_segment_journey(self, name: str, own: SegmentJourney) -> None:
        """A segment's journey (its rows over the global ones) passes the global checks."""
        where = f"segments.{name}.journey"
        journey = self.journey.for_segment(own)
        try:
            validate_journey(
                self.model_copy(update={"journey": journey}), every_touchpoint_reachable=False
            )
        except ScenarioError as exc:
            field = exc.field or ""
            rest = field.removeprefix("journey.")
            key = rest.split(".")
            overridden = (key[0] == "entry" and own.entry is not None) or (
                key[0] in ("routes", "state_routing")
                and len(key) > 1
                and key[1] in getattr(own, key[0])
            )
            if rest != field and overridden:
                raise ScenarioError(exc.message, field=f"{where}.{rest}") from None
            raise ScenarioError(
                f"with this segment's rows, {field}: {exc.message}", field=where
            ) from None

    def _check_strategy_references(self) -> None:
        touchpoints = ", ".join(sorted(self.touchpoints))
        segments = ", ".join(sorted(self.segments))
        for name, spec in self.strategies.items():
            where = f"strategies.{name}"
            if name == "baseline":
                raise ScenarioError("'baseline' is reserved for the scenario as it is", field=where)
            if spec.crm is None and spec.cem is None and spec.loyalty is None:
                raise ScenarioError("a strategy needs a crm, cem or loyalty table", field=where)
            for part in (spec.crm, spec.loyalty):
                for segment in part.segments if part is not None else []:
                    if segment not in self.segments:
                        kind = "crm" if part is spec.crm else "loyalty"
                        raise ScenarioError(
                            f"unknown segment {segment!r}; known: {segments}",
                            field=f"{where}.{kind}.segments",
                        )
            if spec.crm is not None:
                for tp in spec.crm.personalization:
                    if tp not in self.touchpoints:
                        raise ScenarioError(
                            f"unknown touchpoint {tp!r}; known: {touchpoints}",
                            field=f"{where}.crm.personalization.{tp}",
                        )
            if spec.cem is not None:
                for tp in spec.cem.touchpoints:
                    if tp not in self.touchpoints:
                        raise ScenarioError(
                            f"unknown touchpoint {tp!r}; known: {touchpoints}",
                            field=f"{where}.cem.touchpoints.{tp}",
                        )
                    inv = spec.cem.touchpoints[tp]
                    if self.touchpoints[tp].capacity == "unlimited":
                        for key in ("capacity", "schedule", "priority"):
                            if getattr(inv, key):
                                raise ScenarioError(
                                    f"cannot add {key} to an unlimited (self-service) touchpoint",
                                    field=f"{where}.cem.touchpoints.{tp}.{key}",
                                )
                for tp in spec.cem.routes:
                    if tp not in self.touchpoints:
                        raise ScenarioError(
                            f"unknown touchpoint {tp!r}; known: {touchpoints}",
                            field=f"{where}.cem.routes.{tp}",
                        )
                if spec.cem.routes:
                    self._check_strategy_routes(f"{where}.cem.routes", spec.cem.routes)

    def _check_strategy_routes(self, where: str, routes: dict[str, dict[str, float]]) -> None:
        """Check a strategy's replacement routes now, not when the strategy first runs.

        The journey with the rows replaced must pass the same checks as the file's own
        (known targets, rows summing to 1, every walk ending), so a typo in a shortcut is a
        load-time error naming the strategy's field instead of a failure inside a worker.
        """
        journey = self.journey.model_copy(update={"routes": {**self.journey.routes, **routes}})
        try:
            validate_journey(self.model_copy(update={"journey": journey}))
        except ScenarioError as exc:
            field = exc.field or ""
            row = field.removeprefix("journey.routes.")
            if row != field and row.split(".")[0] in routes:
                raise ScenarioError(exc.message, field=f"{where}.{row}") from None
            raise ScenarioError(f"with these routes, {field}: {exc.message}", field=where) from None

    _document: dict[str, Any] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr(default="")

    @property
    def document(self) -> dict[str, Any]:
        """The raw TOML document (overrides applied) this scenario was validated from."""
        return self._document

    @property
    def source(self) -> str:
        """Where the scenario came from (its file), for error messages; empty if unknown."""
        return self._source

    def with_overrides(self, overrides: dict[str, Any] | list[str] | None) -> Scenario:
        """Return a new scenario: this one's document with dotted-path overrides, re-validated.

        Working on the document rather than on the validated model keeps units honest: an
        override of a duration must again say ``"8 min"``, exactly as in the file.
        """
        if not overrides:
            return self
        if not self._document:
            raise ScenarioError("this scenario has no source document to override")
        scenario = Scenario.from_document(apply_overrides(self._document, overrides), "--set")
        scenario._source = self._source
        return scenario

    @classmethod
    def from_document(cls, raw: dict[str, Any], source: str, text: str | None = None) -> Scenario:
        """Validate a raw document (as TOML reads it); errors name ``source`` and lines of ``text``.

        The document is kept (not copied) as :attr:`document`, the base of later overrides.
        """
        try:
            scenario = cls.model_validate(raw)
        except ValidationError as exc:
            raise first_error(exc, source, text, cls) from None
        except ScenarioError as exc:  # raised by graph validation with its own field
            parts = exc.field.split(".") if exc.field else []
            line = find_line(text, parts) if text and parts else None
            raise ScenarioError(exc.message, source=source, field=exc.field, line=line) from None
        scenario._document = raw
        scenario._source = source
        return scenario
