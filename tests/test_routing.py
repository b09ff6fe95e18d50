"""journeysim.engine.routing: StaticRouting's inverse-CDF lookup."""

from __future__ import annotations

import math

import pytest

from journeysim.engine.routing import RoutingRule, StaticRouting

BELOW_ONE = math.nextafter(1.0, 0.0)


def rule(row):
    return StaticRouting(row, resolve=str.upper)


def test_targets_are_resolved_and_cumulated():
    r = rule({"a": 0.2, "b": 0.5, "c": 0.3})
    assert r.targets == ["A", "B", "C"]
    assert r.cum[:2] == pytest.approx([0.2, 0.7])
    assert r.cum[-1] == math.inf  # the last edge takes the rounding


@pytest.mark.parametrize(
    ("u", "target"),
    [
        (0.0, "A"),
        (math.nextafter(0.2, 0.0), "A"),
        (0.2, "B"),  # a bound belongs to the next edge: [0, 0.2) is A
        (0.5, "B"),
        (math.nextafter(0.7, 0.0), "B"),
        (0.7, "C"),
        (BELOW_ONE, "C"),
    ],
)
def test_lookup_at_the_bounds(u, target):
    r = rule({"a": 0.2, "b": 0.5, "c": 0.3})
    assert r.next(None, 0.0, u) == target


def test_zero_probability_edges_are_skipped():
    resolved = []

    def resolve(name):
        resolved.append(name)
        return name

    r = StaticRouting({"a": 0.5, "gone": 0.0, "b": 0.5, "never": 0.0}, resolve)
    assert resolved == ["a", "b"]
    assert r.targets == ["a", "b"]
    assert {r.next(None, 0.0, u / 1000) for u in range(1000)} == {"a", "b"}
    # a zero edge at the end does not take the rounding: the last positive edge does
    assert r.next(None, 0.0, BELOW_ONE) == "b"
    assert r.cum == [0.5, math.inf]


def test_last_edge_takes_the_rounding():
    # the probabilities sum to a little less than 1
    r = rule({"a": 0.3, "b": 0.3, "c": 0.3999999})
    assert r.next(None, 0.0, 0.99999995) == "C"
    assert r.next(None, 0.0, BELOW_ONE) == "C"


def test_single_edge_takes_everything():
    r = rule({"exit": 1.0})
    assert [r.next(None, 0.0, u) for u in (0.0, 0.5, BELOW_ONE)] == ["EXIT"] * 3


def test_shares_follow_the_probabilities():
    row = {"a": 0.1, "b": 0.25, "c": 0.0, "d": 0.65}
    r = rule(row)
    n = 10_000
    counts: dict[str, int] = {}
    for i in range(n):
        target = r.next(None, 0.0, (i + 0.5) / n)
        counts[target] = counts.get(target, 0) + 1
    assert counts == {"A": 1000, "B": 2500, "D": 6500}


def test_customer_and_time_do_not_matter():
    r = rule({"a": 0.5, "b": 0.5})
    assert r.next(object(), 123.0, 0.7) == r.next(None, 0.0, 0.7) == "B"


def test_base_rule_is_abstract():
    with pytest.raises(NotImplementedError):
        RoutingRule().next(None, 0.0, 0.5)


@pytest.mark.parametrize("one_edge", [True, False])
def test_state_routing_with_extreme_states_keeps_its_shares(one_edge):
    """Weights up to 20 times a feature that grows without bound (complaints, tenure) put
    exp() beyond a float: the row is then taken relative to its largest exponent (the same
    shares), never an OverflowError, an inf or an all-zero row."""
    from types import SimpleNamespace

    from journeysim.engine.routing import StateRouting
    from journeysim.scenario.schema import StateWeights

    weights = {"call": StateWeights(complaints=20.0)}
    if not one_edge:  # every edge shifted down: each exp(e) alone is 0.0
        weights = {
            "web": StateWeights(complaints=-20.0),
            "call": StateWeights(complaints=-19.0),
        }
    rule = StateRouting({"web": 0.9, "call": 0.1}, weights, str, 8.2)
    assert (rule.one is not None) is one_edge
    for complaints in (36, 40, 1000):
        c = SimpleNamespace(complaints=complaints)
        shares = rule.probabilities(c, 0.0)
        assert shares[1] == pytest.approx(1.0) and sum(shares) == pytest.approx(1.0)
        assert all(rule.next(c, 0.0, u / 100) == "call" for u in range(1, 100))
    # and an ordinary state keeps the ordinary formula: p x exp(e), renormalised
    c = SimpleNamespace(complaints=0.05)
    e = weights["call"].complaints * 0.05
    w_web = 0.9 * math.exp(weights["web"].complaints * 0.05) if "web" in weights else 0.9
    expected = 0.1 * math.exp(e) / (w_web + 0.1 * math.exp(e))
    assert rule.probabilities(c, 0.0)[1] == pytest.approx(expected)
