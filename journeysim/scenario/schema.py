"""The scenario schema: pydantic models of everything a scenario file says.

A scenario describes the business being simulated: who arrives (segments), which touchpoints
they walk through (the journey graph), how the touchpoints perform, how customers feel about it
(psychology parameters) and what it all earns and costs (money). Validation is done once, here,
by pydantic v2, so the simulation can trust every number it reads. Reading files and applying
overrides live in :mod:`journeysim.scenario.loading` and :mod:`journeysim.scenario.overrides`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from journeysim.errors import ScenarioError
from journeysim.scenario.fields import (
    FrozenModel,
    NonNegativeDays,
    Patience,
    PositiveDays,
    Probability,
    Score,
)
from journeysim.scenario.graph import TERMINALS, validate_journey
from journeysim.scenario.messages import first_error
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
    "SegmentJourney",
    "ServiceTime",
    "StateWeights",
    "SimulationSettings",
    "Touchpoint",
    "TERMINALS",
]


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
    churn: Literal["journey", "period"] = Field(
        default="journey",
        description="When churn is decided: after each journey, or at each period boundary.",
    )
    survey_rate: Probability = Field(
        default=0.25, description="Share of journeys after which the customer answers a survey."
    )

    @model_validator(mode="after")
    def _warmup_inside_horizon(self) -> SimulationSettings:
        if self.warmup >= self.horizon:
            raise ValueError("warmup must be shorter than horizon")
        return self


class Basket(FrozenModel):
    """Spend per purchase, lognormal with the given mean and standard deviation."""

    mean: float = Field(gt=0, description="Mean spend per purchase (currency units).")
    sd: float = Field(default=0.0, ge=0, description="Standard deviation of the spend.")


class ChurnPrior(FrozenModel):
    """Beta(a, b) prior of each customer's base churn probability (sBG model)."""

    a: float = Field(gt=0)
    b: float = Field(gt=0)


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

    satisfaction: float = 0.0
    loyalty: float = 0.0
    complaints: float = 0.0
    recent_failure: float = 0.0
    tenure_years: float = 0.0
    member: float = 0.0


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

    share: float = Field(gt=0, le=1, description="Share of new prospects in this segment.")
    basket: Basket
    time_between_needs: PositiveDays = Field(
        description="Mean time between two needs (exponential), e.g. '21 d'."
    )
    initial_expectation: Score = Field(default=7.0)
    patience: Patience = Field(
        default=math.inf,
        description="Mean time a customer waits in a queue before abandoning (exponential).",
    )
    price_sensitivity: float = Field(
        default=1.0, ge=0, description="How strongly discounts move this segment (1 = average)."
    )
    churn: ChurnPrior
    need_rate_shape: float | None = Field(
        default=None,
        gt=0,
        description="Gamma shape r of each customer's need rate (mean 1/time_between_needs); "
        "unset: every customer has the same rate. The NBD part of BG/NBD.",
    )
    journey: SegmentJourney | None = Field(
        default=None, description="Entry and route rows of this segment (default: [journey])."
    )


class ServiceTime(FrozenModel):
    """Distribution of the time a touchpoint takes to serve one customer."""

    distribution: Literal["exponential", "deterministic", "lognormal", "gamma"] = "exponential"
    mean: PositiveDays
    sd: NonNegativeDays | None = Field(
        default=None, description="Required for lognormal and gamma; not allowed otherwise."
    )

    @model_validator(mode="after")
    def _sd_when_needed(self) -> ServiceTime:
        if self.distribution in ("lognormal", "gamma") and not self.sd:
            raise ValueError(f"a {self.distribution} service time needs a positive 'sd'")
        if self.distribution in ("exponential", "deterministic") and self.sd is not None:
            spread = "sd = mean" if self.distribution == "exponential" else "no spread"
            raise ValueError(
                f"an {self.distribution} service time takes no 'sd' (it has {spread}); "
                "use lognormal or gamma for another spread"
            )
        return self


class Touchpoint(FrozenModel):
    """A place in the journey: web shop, store, call centre, checkout ..."""

    capacity: Annotated[int, Field(gt=0)] | Literal["unlimited"] = Field(
        default="unlimited",
        description="Number of servers (staff, tills); 'unlimited' for self-service.",
    )
    service: ServiceTime
    quality: Score = Field(default=7.0, description="Mean perceived quality of a visit (0-10).")
    consistency: float = Field(
        default=1.0, ge=0, description="Standard deviation of perceived quality (lower = steadier)."
    )
    effort: float = Field(default=1.0, ge=0, description="Effort a visit asks of the customer.")
    failure_probability: Probability = 0.0
    recovery: str | None = Field(
        default=None, description="Touchpoint a failed visit sends the customer to."
    )
    staff_cost_per_server_day: float = Field(default=0.0, ge=0)
    cost_per_visit: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _recovery_when_failing(self) -> Touchpoint:
        if self.failure_probability > 0 and self.recovery is None:
            raise ValueError("failure_probability > 0 needs a 'recovery' touchpoint")
        return self


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

    arrivals_per_day: float = Field(gt=0, description="Poisson rate of new prospects per day.")
    returning: bool = Field(
        default=True,
        description="False: every customer makes one journey and never returns (pure queueing).",
    )
    market_size: int | None = Field(
        default=None,
        gt=0,
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
    tolerance: float = Field(default=0.5, ge=0, description="Zone of tolerance half-width.")
    gain_above: float = Field(default=0.6, ge=0, description="Satisfaction per point above.")
    gain_below: float = Field(default=1.2, ge=0, description="Satisfaction per point below.")
    expectation_weight: Probability = 0.1
    satisfaction_memory: Probability = Field(
        default=0.5, description="Weight of the latest journey in cumulative satisfaction."
    )
    peak_weight: Probability = 0.4
    end_weight: Probability = 0.4
    mean_weight: Probability = 0.2
    wait_penalty_per_hour: float = Field(default=4.0, ge=0)
    effort_penalty: float = Field(default=0.3, ge=0)
    failure_penalty: float = Field(default=3.0, ge=0)
    abandon_quality: Score = 1.0
    ltr_noise: float = Field(default=1.0, ge=0)
    churn_satisfaction_sensitivity: float = Field(default=0.35, ge=0)
    churn_loyalty_sensitivity: float = Field(default=1.5, ge=0)
    loyalty_gain: Probability = 0.05
    loyalty_loss: Probability = 0.1
    loyalty_frequency_effect: float = Field(default=0.5, ge=0)
    ces_effort_scale: float = Field(default=0.5, ge=0)
    wait_effort_per_hour: float = Field(default=2.0, ge=0)

    @model_validator(mode="after")
    def _memory_weights(self) -> Psychology:
        total = self.peak_weight + self.end_weight + self.mean_weight
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"peak_weight + end_weight + mean_weight must equal 1 (got {total:g})")
        if self.gain_below < self.gain_above:
            raise ValueError(
                "gain_below must be at least gain_above (shortfalls weigh more than surpluses)"
            )
        return self


class Money(FrozenModel):
    """Revenue, costs and discounting."""

    currency: str = "EUR"
    gross_margin: float = Field(
        default=1.0, gt=0, le=1, description="Share of revenue that is profit before costs."
    )
    annual_discount_rate: float = Field(default=0.1, ge=0, le=1)
    fixed_cost_per_day: float = Field(default=0.0, ge=0)


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
        for name, segment in self.segments.items():
            if segment.journey is not None:
                self._check_segment_journey(name, segment.journey)
        self._check_strategy_references()
        return self

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
            if spec.cem is not None:
                for tp in spec.cem.touchpoints:
                    if tp not in self.touchpoints:
                        raise ScenarioError(
                            f"unknown touchpoint {tp!r}; known: {touchpoints}",
                            field=f"{where}.cem.touchpoints.{tp}",
                        )
                    if spec.cem.touchpoints[tp].capacity and (
                        self.touchpoints[tp].capacity == "unlimited"
                    ):
                        raise ScenarioError(
                            "cannot add capacity to an unlimited (self-service) touchpoint",
                            field=f"{where}.cem.touchpoints.{tp}.capacity",
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
            raise ScenarioError(exc.message, source=source, field=exc.field) from None
        scenario._document = raw
        scenario._source = source
        return scenario
