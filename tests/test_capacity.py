"""journeysim.engine.capacity: servers over time and their staff cost."""

from __future__ import annotations

import math
import random

import pytest
import simpy

from journeysim.engine.capacity import (
    RENEGED,
    CapacityRule,
    FifoServers,
    FixedCapacity,
    UnlimitedCapacity,
    compile_capacity,
)


def booked(rule, cost, horizon=60.0):
    bookings = []
    rule.book_staff(lambda category, per_day: bookings.append((category, per_day)), cost, horizon)
    return bookings


@pytest.mark.parametrize(("count", "cost"), [(1, 100.0), (3, 250.0), (12, 80.5)])
def test_fixed_capacity_books_count_times_cost_per_day(count, cost):
    assert booked(FixedCapacity(count), cost) == [("staff", count * cost)]


def test_fixed_capacity_books_per_day_whatever_the_horizon():
    assert booked(FixedCapacity(2), 50.0, horizon=10.0) == booked(FixedCapacity(2), 50.0, 365.0)


def test_free_staff_books_nothing():
    assert booked(FixedCapacity(4), 0.0) == []


def test_unlimited_capacity_books_nothing():
    assert booked(UnlimitedCapacity(), 100.0) == []


def test_fixed_capacity_servers_and_resource():
    rule = FixedCapacity(3)
    assert rule.servers(0.0) == rule.servers(42.5) == 3.0
    env = simpy.Environment()
    resource = rule.resource(env)
    assert isinstance(resource, FifoServers)
    assert resource.capacity == 3 and resource.count == 0 and resource.queue == []


def _queue_run(make, seed, deterministic):
    """Customers with patience at a 2-server queue: (who, start or None, when) of each."""
    rng = random.Random(seed)
    env = simpy.Environment()
    res = make(env)
    log = []

    def customer(k, service, patience):
        arrive = env.now
        if isinstance(res, FifoServers):
            if res.busy < res.capacity:
                res.busy += 1
            else:
                turn = res.wait(patience)
                yield turn
                if turn._value is RENEGED:
                    log.append((k, None, env.now - arrive))
                    return
            log.append((k, env.now, env.now - arrive))
            yield env.timeout(service)
            res.release()
        else:
            req = res.request()
            if not req.triggered:
                yield req | env.timeout(patience)
                if not req.triggered:
                    req.cancel()
                    log.append((k, None, env.now - arrive))
                    return
            log.append((k, env.now, env.now - arrive))
            yield env.timeout(service)
            res.release(req)

    def arrivals():
        for k in range(400):
            yield env.timeout(0.25 if deterministic else rng.expovariate(1.0))
            service = 2.0 if deterministic else rng.expovariate(0.55)
            env.process(customer(k, service, 1.0 if deterministic else rng.expovariate(0.5)))

    env.process(arrivals())
    env.run()
    return log


@pytest.mark.parametrize(("seed", "deterministic"), [(1, False), (2, False), (3, True)])
def test_fifo_servers_grant_as_simpy_resource(seed, deterministic):
    """Same grants, waits and renegings, in the same order, as simpy.Resource (ties too)."""
    lean = _queue_run(lambda env: FifoServers(env, 2), seed, deterministic)
    simpy_log = _queue_run(lambda env: simpy.Resource(env, 2), seed, deterministic)
    assert lean == simpy_log
    assert any(start is None for _, start, _ in lean)  # reneging happened
    assert any(start is not None and wait > 0 for _, start, wait in lean)  # so did waiting


def test_unlimited_capacity_has_no_queue():
    rule = UnlimitedCapacity()
    assert rule.resource(simpy.Environment()) is None
    assert rule.servers(5.0) == math.inf


def test_compile_capacity():
    assert isinstance(compile_capacity("unlimited"), UnlimitedCapacity)
    rule = compile_capacity(2)
    assert isinstance(rule, FixedCapacity)
    assert rule.count == 2


def test_base_rule():
    base = CapacityRule()
    with pytest.raises(NotImplementedError):
        base.servers(0.0)
    with pytest.raises(NotImplementedError):
        base.resource(simpy.Environment())
    assert booked(base, 100.0) == []  # books nothing by default
