"""The engine's inline draws give the very numbers of :mod:`random` (same draws, same floats)."""

from __future__ import annotations

import math
import random

import pytest

from journeysim.engine.service import (
    BetaDraw,
    GammaService,
    LognormalService,
    lognormal,
    standard_normal,
)


@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 1.0), (-5.2, 0.6), (3.7, 0.0), (1.0, 2.5)])
def test_lognormal_is_lognormvariate(mu: float, sigma: float) -> None:
    for seed in range(200):
        a, b = random.Random(seed), random.Random(seed)
        assert [lognormal(a, mu, sigma) for _ in range(20)] == [
            b.lognormvariate(mu, sigma) for _ in range(20)
        ]
        assert a.getstate() == b.getstate()


def test_standard_normal_is_gauss_and_keeps_its_pairing() -> None:
    for seed in range(200):
        a, b = random.Random(seed), random.Random(seed)
        # odd counts, then the library's own gauss: the held-back value must carry over
        assert [standard_normal(a) for _ in range(7)] == [b.gauss(0.0, 1.0) for _ in range(7)]
        assert a.gauss(0.0, 1.0) == b.gauss(0.0, 1.0)
        assert a.getstate() == b.getstate()


@pytest.mark.parametrize(("mean", "sd"), [(0.008, 0.004), (2.0, 1.0), (1.0, 3.0), (5.0, 0.5)])
def test_service_draws_are_the_library_draws(mean: float, sd: float) -> None:
    for rule, library in (
        (LognormalService(mean, sd), lambda r, s: r.lognormvariate(s.mu, s.sigma)),
        (GammaService(mean, sd), lambda r, s: r.gammavariate(s.shape, s.scale)),
    ):
        for seed in range(200):
            a, b = random.Random(seed), random.Random(seed)
            assert [rule.draw(a) for _ in range(20)] == [library(b, rule) for _ in range(20)]
            assert a.getstate() == b.getstate()


def test_reseeded_journey_stream_is_a_new_one() -> None:
    from journeysim.engine.streams import RunStreams

    used = random.Random(0)
    used.gauss(0.0, 1.0)  # holds a Gaussian back: reseeding must drop it
    for key, k in [(1, 0), (2**64 - 1, 7), (123456789, 3)]:
        RunStreams.reseed_journey_stream(used, key, k)
        fresh = RunStreams.journey_stream(key, k)
        assert used.getstate() == fresh.getstate()
        assert [used.gauss(0.0, 1.0) for _ in range(3)] == [fresh.gauss(0.0, 1.0) for _ in range(3)]


def _advance_reference(profile, t: float, amount: float) -> float:
    """RateProfile.advance as written before inlining: through _w and _w_inverse."""
    from journeysim.engine.calendar import HOURS_PER_MONTH

    woff, h, a = profile.woff, t * 24.0, amount * 24.0
    while True:
        q = math.floor((h + profile.moff) / HOURS_PER_MONTH)
        end = (q + 1) * HOURS_PER_MONTH - profile.moff
        m = profile.months[int(q) % 12]
        if m > 0.0:
            w0 = profile._w(h + woff)
            segment = m * (profile._w(end + woff) - w0)
            if a <= segment:
                return (profile._w_inverse(w0 + a / m) - woff) / 24.0
            a -= segment
        h = end


def test_inlined_advance_is_the_reference() -> None:
    from journeysim.engine.calendar import RateProfile

    r = random.Random(5)
    for _ in range(15):
        week = [r.choice([0.0, 2.0 * r.random()]) for _ in range(168)]
        week[r.randrange(168)] = 1.0
        months = [r.choice([0.0, 2.0 * r.random(), 1.0]) for _ in range(12)]
        months[r.randrange(12)] = 1.3
        profile = RateProfile(week, months, r.randrange(7), r.randrange(1, 13))
        for _ in range(1000):
            t = r.random() * r.choice([1.0, 100.0, -1000.0])
            amount = r.expovariate(r.choice([1.0, 0.03, 10.0]))
            assert profile.advance(t, amount) == _advance_reference(profile, t, amount)


def test_run_until_is_simpys_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import journeysim as js
    from journeysim.engine import model

    scenario = js.load_scenario("scenarios/retail.toml", overrides={"simulation.horizon": "40 d"})
    ours = js.simulate(scenario, "baseline", seed=3)
    monkeypatch.setattr(model, "run_until", lambda env, at: env.run(until=at))
    simpys = js.simulate(scenario, "baseline", seed=3)
    assert ours.kpis.equals(simpys.kpis)
    assert ours.timeline.equals(simpys.timeline)


def test_run_until_raises_a_failed_event_and_stops_at_the_time() -> None:
    import simpy

    from journeysim.engine.model import run_until

    env = simpy.Environment()
    seen = []

    def ticker():
        while True:
            yield env.timeout(1.0)
            seen.append(env.now)

    env.process(ticker())
    run_until(env, 3.5)
    assert seen == [1.0, 2.0, 3.0] and env.now == 3.5
    env.event().fail(KeyError("boom"))
    with pytest.raises(KeyError):
        run_until(env, 10.0)
    with pytest.raises(ValueError):
        run_until(env, env.now)


def test_the_needs_calendar_keeps_simpys_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Needs kept aside until their hour (model.NeedCalendar) give SimPy's one-heap order.

    With buckets wider than the run every need goes straight into SimPy's heap (what
    ``env.schedule`` did); with hours or minutes they wait aside. Every table is the same.
    """
    import journeysim as js
    from journeysim.engine import model
    from journeysim.engine.results import TABLES

    scenario = js.load_scenario(
        "scenarios/retail.toml",
        overrides={"simulation.horizon": "60 d", "simulation.burn_in": "45 d"},
    )
    ours = js.simulate(scenario, "crm", seed=4)
    for width in (1e9, 1.0 / 1440.0):
        monkeypatch.setattr(model, "NEED_BUCKET", width)
        other = js.simulate(scenario, "crm", seed=4)
        for table in TABLES:
            assert getattr(ours, table).equals(getattr(other, table)), (width, table)


def test_first_of_is_simpys_any_of_condition(monkeypatch: pytest.MonkeyPatch) -> None:
    """operations.FirstOf (a waiting caller's request or patience) schedules what ``a | b`` does.

    Retail's staffed touchpoints all take the operations visit (rotas, retries, a VIP line
    under CEM): every table is the same with SimPy's ``Condition``.
    """
    import journeysim as js
    from journeysim.engine import operations
    from journeysim.engine.results import TABLES

    scenario = js.load_scenario(
        "scenarios/retail.toml",
        overrides={"simulation.horizon": "40 d", "simulation.burn_in": "20 d"},
    )
    ours = js.simulate(scenario, "cem", seed=5)
    assert ours.touchpoints.set_index("touchpoint").loc["call_centre", "abandoned"] > 0
    monkeypatch.setattr(
        operations, "FirstOf", lambda env, request, patience: request | env.timeout(patience)
    )
    simpys = js.simulate(scenario, "cem", seed=5)
    for table in TABLES:
        assert getattr(ours, table).equals(getattr(simpys, table)), table


def test_scheduled_resource_requests_are_simpys(monkeypatch: pytest.MonkeyPatch) -> None:
    """capacity.ScheduledResource's request/release do what SimPy's constructors do.

    Every table of retail (rotas, opening hours, retries) is the same with SimPy's own
    ``Resource.request`` and ``Resource.release``.
    """
    import simpy

    import journeysim as js
    from journeysim.engine import capacity
    from journeysim.engine.results import TABLES

    scenario = js.load_scenario(
        "scenarios/retail.toml",
        overrides={"simulation.horizon": "40 d", "simulation.burn_in": "20 d"},
    )
    ours = js.simulate(scenario, "crm", seed=6)
    for name, simpys_own in (
        ("request", "request"),
        ("release", "release"),
        ("take", "request"),
        ("free", "release"),
    ):
        monkeypatch.setattr(capacity.ScheduledResource, name, vars(simpy.Resource)[simpys_own])
    simpys = js.simulate(scenario, "crm", seed=6)
    for table in TABLES:
        assert getattr(ours, table).equals(getattr(simpys, table)), table


def test_operations_waits_as_days_are_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operations visit's service and retry waits yielded as numbers (JourneyRunner) keep
    every table of retail the same as with ``env.timeout``."""
    import journeysim as js
    from journeysim.engine.operations import OpsRule
    from journeysim.engine.results import TABLES

    scenario = js.load_scenario(
        "scenarios/retail.toml",
        overrides={"simulation.horizon": "40 d", "simulation.burn_in": "20 d"},
    )
    ours = js.simulate(scenario, "baseline", seed=7)
    assert ours.touchpoints.set_index("touchpoint").loc["call_centre", "retries"] > 0
    monkeypatch.setattr(OpsRule, "waits_as_days", property(lambda self: False, lambda s, v: None))
    timeouts = js.simulate(scenario, "baseline", seed=7)
    for table in TABLES:
        assert getattr(ours, table).equals(getattr(timeouts, table)), table


def _queue_log(seed: int, fast: bool) -> list[tuple[float, str, str]]:
    """Callers of one operations queue, scripted on whole minutes so that moments tie.

    ``fast``: the operations visit's ``take``/``free``/``FirstOf``; else SimPy's
    ``request``/``release`` and ``request | timeout``. The log is every step of every
    process in the order they happen (and a bystander's steps at the same moments).
    """
    import simpy
    from simpy.events import PENDING

    from journeysim.engine.capacity import ScheduledResource
    from journeysim.engine.operations import FirstOf

    rng = random.Random(seed)
    env = simpy.Environment()
    res = ScheduledResource(env, rng.choice([1, 2]))
    log: list[tuple[float, str, str]] = []

    def caller(name: str, arrive: int, service: int, patience: float):
        # in two steps, so that callers arriving together were scheduled in any order
        step = rng.randint(0, arrive)
        yield env.timeout(step)
        yield env.timeout(arrive - step)
        req = res.take() if fast else res.request()
        log.append((env.now, name, "arrive"))
        if req._value is PENDING:
            if fast:
                yield FirstOf(env, req, patience)
            else:
                yield req | env.timeout(patience)
            if req._value is PENDING:
                if fast:
                    res.put_queue.remove(req)
                else:
                    req.cancel()
                log.append((env.now, name, "abandon"))
                return
        log.append((env.now, name, "start"))
        yield env.timeout(service)
        if fast:
            res.free(req)
        else:
            res.release(req)
        log.append((env.now, name, "end"))
        for step in range(3):  # steps at the same moment: their order shows every key's
            yield env.timeout(0)
            log.append((env.now, name, f"after {step}"))

    def bystander():
        while True:
            yield env.timeout(1)
            log.append((env.now, "bystander", "tick"))

    def shifts():
        while True:
            yield env.timeout(rng.randint(1, 4))
            res.set_capacity(rng.choice([1, 2, 3]))
            log.append((env.now, "shifts", str(res.capacity)))

    for i in range(40):
        env.process(caller(f"c{i}", rng.randint(0, 12), rng.choice([0, 0, 1]), rng.choice([1, 3])))
    env.process(bystander())
    env.process(shifts())
    env.run(until=30)
    return log


def test_take_free_and_first_of_keep_simpys_order_when_moments_tie() -> None:
    """ScheduledResource.take/free and FirstOf: the same steps in the same order as SimPy's own
    request, release and any-of condition, with many callers arriving, leaving and giving up
    at the same moments (the Freed entry of a release must grant a caller queued after it)."""
    for seed in range(100):
        assert _queue_log(seed, fast=True) == _queue_log(seed, fast=False), seed


@pytest.mark.parametrize(
    ("row", "weights"),
    [
        ({"web": 0.4, "app": 0.25, "store": 0.2, "call": 0.15}, {"app": {"loyalty": 1.5}}),
        (
            {"checkout": 0.55, "call": 0.1, "exit": 0.35},
            {"call": {"satisfaction": -0.4, "recent_failure": 0.8}},
        ),
        ({"a": 0.3, "b": 0.7}, {"a": {"complaints": 0.5, "tenure_years": -1.0, "member": 2.0}}),
        ({"a": 0.2, "b": 0.3, "c": 0.5}, {"c": {"loyalty": -3.0}}),
    ],
)
def test_state_routing_with_one_shifted_edge_is_the_general_path(
    row: dict[str, float], weights: dict[str, dict[str, float]]
) -> None:
    """routing.StateRouting's path for a row with one shifted edge picks what the general
    path picks, for many states and routing numbers (extremes included)."""
    from types import SimpleNamespace

    from journeysim.engine.routing import StateRouting
    from journeysim.scenario.schema import StateWeights

    rule = StateRouting(row, {t: StateWeights(**w) for t, w in weights.items()}, str, 8.2)
    general = StateRouting(row, {t: StateWeights(**w) for t, w in weights.items()}, str, 8.2)
    general.one = None
    assert rule.one is not None
    rng = random.Random(3)
    for n in range(20_000):
        c = SimpleNamespace(
            satisfaction=rng.uniform(0.0, 10.0),
            loyalty=rng.random() if n % 7 else rng.choice([0.0, 1.0]),
            complaints=rng.randint(0, 40),
            recent_failure=rng.random() < 0.3,
            acquired_at=-rng.uniform(0.0, 4000.0),
            member=rng.random() < 0.5,
        )
        u = rng.random() if n % 11 else rng.choice([0.0, 0.9999999999999999])
        assert rule.next(c, 10.0, u) == general.next(c, 10.0, u)


@pytest.mark.parametrize(
    ("a", "b"), [(6.0, 80.0), (6.0, 114.0), (0.7, 3.0), (2.5, 0.4), (1.0, 1.0)]
)
def test_beta_draw_is_betavariate(a: float, b: float) -> None:
    """service.BetaDraw (a prospect's churn propensity) is ``random.betavariate``."""
    rule = BetaDraw(a, b)
    for seed in range(300):
        x, y = random.Random(seed), random.Random(seed)
        assert [rule.draw(x) for _ in range(10)] == [y.betavariate(a, b) for _ in range(10)]
        assert x.getstate() == y.getstate()
