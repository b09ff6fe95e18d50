"""The engine against queueing theory: Erlang C, Erlang A, Little's law, a Jackson network.

Method of independent replications: replication r runs with identity (r,), so the replication
means are independent; the tolerance is Z = 4 standard errors of their mean. The standard
error is itself estimated from the 10 replications, so the statistic is Student t with 9
degrees of freedom: a correct engine fails one check with probability P(|T_9| > 4) ~ 0.003
(the seeds are fixed, so a given engine passes or fails deterministically). Each test also
requires the standard error to be small against the theoretical value, so a noisy estimate
cannot pass by being vague.
"""

from __future__ import annotations

import pytest

import journeysim as js
from tests.validation.theory import (
    assert_close,
    erlang_a,
    erlang_c_wait,
    erlang_c_wait_quantile,
    queueing_scenario,
    traffic_equations,
)

REPLICATIONS = 10


def replicate_touchpoint(scenario, seed, name):
    rows = []
    for r in range(REPLICATIONS):
        table = js.simulate(scenario, seed=seed, identity=(r,)).touchpoints
        rows.append(table.set_index("touchpoint").loc[name])
    return rows


# (servers, utilisation, simulated days): heavier traffic needs longer runs
CASES = [(1, 0.5, 15), (1, 0.9, 60), (3, 0.7, 10), (5, 0.9, 12)]


@pytest.mark.slow
@pytest.mark.parametrize(("servers", "rho", "days"), CASES)
def test_mmc_mean_wait_matches_erlang_c(servers, rho, days):
    service_minutes = 1.0
    lam = rho * servers / service_minutes  # arrivals per minute
    scenario = queueing_scenario(
        {"q": (servers, service_minutes)}, {"q": 1.0}, {"q": {"exit": 1.0}}, lam, days
    )
    rows = replicate_touchpoint(scenario, seed=100 + servers, name="q")
    expected = erlang_c_wait(lam, 1 / service_minutes, servers)
    assert_close([r["mean_wait_minutes"] for r in rows], expected, what="Wq")
    # the p90 wait comes from a log-spaced histogram whose bins are 5.9% wide: that is the
    # stated bias bound on top of the sampling error
    p90 = erlang_c_wait_quantile(0.9, lam, 1 / service_minutes, servers)
    assert_close([r["p90_wait_minutes"] for r in rows], p90, what="p90 wait", bias=0.06 * p90)
    assert_close([r["utilisation"] for r in rows], rho, relative_se=0.02, what="utilisation")
    for r in rows:  # Little's law holds within each run: Lq = lambda * Wq (edge effects only)
        lam_day = r["arrival_rate_per_day"]
        assert r["mean_queue_length"] == pytest.approx(
            lam_day * r["mean_wait_minutes"] / 1440, rel=0.01, abs=1e-4
        )


@pytest.mark.slow
def test_mmc_with_patience_matches_erlang_a():
    servers, service_minutes, patience_minutes, lam = 2, 1.0, 2.0, 2.2  # overloaded: rho = 1.1
    scenario = queueing_scenario(
        {"q": (servers, service_minutes)},
        {"q": 1.0},
        {"q": {"exit": 1.0}},
        lam,
        days=8,
        patience_minutes=patience_minutes,
    )
    rows = replicate_touchpoint(scenario, seed=7, name="q")
    p_abandon, mean_wait, _ = erlang_a(lam, 1 / service_minutes, servers, 1 / patience_minutes)
    assert_close([r["abandonment_rate"] for r in rows], p_abandon, what="P(abandon)")
    assert_close([r["mean_wait_minutes"] for r in rows], mean_wait, what="W (all arrivals)")
    for r in rows:  # Little's law again, with abandonment
        assert r["mean_queue_length"] == pytest.approx(
            r["arrival_rate_per_day"] * r["mean_wait_minutes"] / 1440, rel=0.01
        )


@pytest.mark.slow
def test_jackson_network_with_feedback():
    # entry -> a; a -> b (50%) or exit; b -> a (30%, feedback) or exit
    lam0 = 0.6
    routes = {"a": {"b": 0.5, "exit": 0.5}, "b": {"a": 0.3, "exit": 0.7}}
    rates = traffic_equations({"a": lam0}, routes)
    assert rates["a"] == pytest.approx(lam0 / (1 - 0.5 * 0.3))  # solved by hand
    nodes = {"a": (1, 0.8), "b": (2, 1.0)}
    scenario = queueing_scenario(nodes, {"a": 1.0}, routes, lam0, days=20)
    results = [js.simulate(scenario, seed=3, identity=(r,)) for r in range(REPLICATIONS)]
    for name, lam in rates.items():
        servers, minutes = nodes[name]
        rows = [res.touchpoints.set_index("touchpoint").loc[name] for res in results]
        assert_close([r["arrival_rate_per_day"] / 1440 for r in rows], lam, 0.01, f"{name} rate")
        expected = erlang_c_wait(lam, 1 / minutes, servers)
        assert_close([r["mean_wait_minutes"] for r in rows], expected, 0.06, f"{name} Wq")
        for r in rows:  # Little's law at every node of the network, run by run
            assert r["mean_queue_length"] == pytest.approx(
                r["arrival_rate_per_day"] * r["mean_wait_minutes"] / 1440, rel=0.01, abs=1e-4
            )
