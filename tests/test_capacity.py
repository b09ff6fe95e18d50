"""journeysim.engine.capacity: servers over time and their staff cost."""

from __future__ import annotations

import math

import pytest
import simpy

from journeysim.engine.capacity import (
    CapacityRule,
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
    assert isinstance(resource, simpy.Resource)
    assert resource.capacity == 3


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
