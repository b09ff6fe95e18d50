"""The engine's inline draws give the very numbers of :mod:`random` (same draws, same floats)."""

from __future__ import annotations

import math
import random

import pytest

from journeysim.engine.service import (
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
    monkeypatch.setattr(operations, "FirstOf", lambda env, request, timer: request | timer)
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
    monkeypatch.setattr(capacity.ScheduledResource, "request", vars(simpy.Resource)["request"])
    monkeypatch.setattr(capacity.ScheduledResource, "release", vars(simpy.Resource)["release"])
    simpys = js.simulate(scenario, "crm", seed=6)
    for table in TABLES:
        assert getattr(ours, table).equals(getattr(simpys, table)), table
