"""Closed forms the engine is checked against, statistics helpers and scenario builders."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import betaln

from journeysim.scenario import scenario_from_dict

#: Tolerance in standard errors of a replication mean. With the standard error estimated from
#: n replications the statistic is Student t with n - 1 degrees of freedom: at n = 10 a correct
#: engine fails one check with probability P(|T_9| > 4) ~ 0.003. Seeds are fixed, so a given
#: engine passes or fails deterministically: the suite is never flaky.
Z = 4.0


# -- queueing ----------------------------------------------------------------------------------


def erlang_c_probability(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Erlang C: probability that an arrival to M/M/c has to wait, P(Wq > 0)."""
    a = arrival_rate / service_rate
    rho = a / servers
    assert rho < 1, "unstable queue"
    terms = sum(a**k / math.factorial(k) for k in range(servers))
    top = a**servers / math.factorial(servers) / (1 - rho)
    return top / (terms + top)


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue Wq of M/M/c (same time unit as the rates): C / (c mu - lambda)."""
    p_wait = erlang_c_probability(arrival_rate, service_rate, servers)
    return p_wait / (servers * service_rate - arrival_rate)


def erlang_c_wait_quantile(
    q: float, arrival_rate: float, service_rate: float, servers: int
) -> float:
    """q-quantile of the M/M/c wait: P(Wq > t) = C exp(-(c mu - lambda) t)."""
    p_wait = erlang_c_probability(arrival_rate, service_rate, servers)
    if p_wait <= 1 - q:
        return 0.0
    return math.log(p_wait / (1 - q)) / (servers * service_rate - arrival_rate)


def erlang_a(
    arrival_rate: float, service_rate: float, servers: int, abandon_rate: float, cap: int = 600
) -> tuple[float, float, float]:
    """M/M/c+M (Erlang A) from its birth-death chain truncated at ``cap`` customers.

    Returns (P(abandon), mean wait of all arrivals, P(wait > 0)): with exponential patience
    the abandonment flow is theta E[Lq], so P(ab) = theta E[Lq] / lambda; by Little's law the
    mean wait of all arrivals (served or not) is E[Lq] / lambda; by PASTA P(wait > 0) = P(N >= c).
    The truncation error is negligible: the death rate grows linearly beyond ``servers``.
    """
    p = [1.0]
    for n in range(1, cap):
        death = min(n, servers) * service_rate + max(n - servers, 0) * abandon_rate
        p.append(p[-1] * arrival_rate / death)
    probs = np.array(p) / sum(p)
    assert probs[-1] < 1e-12, "truncate the state space higher"
    queue = np.maximum(np.arange(cap) - servers, 0)
    mean_queue = float((probs * queue).sum())
    p_wait = float(probs[servers:].sum())
    return abandon_rate * mean_queue / arrival_rate, mean_queue / arrival_rate, p_wait


def mmck(
    arrival_rate: float, service_rate: float, servers: int, system_capacity: int
) -> tuple[float, float, float]:
    """M/M/c/K from its birth-death chain: (P(block), Lq, mean wait of the admitted).

    An arrival finding K in the system is blocked (PASTA: P(block) = p_K); by Little's law the
    admitted wait Lq / (lambda (1 - p_K)) on average (e.g. Gross & Harris, ch. 2.6).
    """
    p = [1.0]
    for n in range(1, system_capacity + 1):
        p.append(p[-1] * arrival_rate / (min(n, servers) * service_rate))
    probs = np.array(p) / sum(p)
    queue = np.maximum(np.arange(system_capacity + 1) - servers, 0)
    lq = float((probs * queue).sum())
    block = float(probs[-1])
    return block, lq, lq / (arrival_rate * (1 - block))


def cobham_waits(arrival_rates: Sequence[float], service_rate: float) -> list[float]:
    """Mean waits per class of a non-pre-emptive priority M/M/1 (class 0 served first).

    Cobham (1954): W_k = W0 / ((1 - s_{k-1})(1 - s_k)), s_k = sum of rho_i for i <= k and
    W0 = sum lambda_i E[S^2] / 2 = lambda / mu^2 for exponential service of rate mu.
    """
    w0 = sum(arrival_rates) / service_rate**2
    waits, sigma = [], 0.0
    for lam in arrival_rates:
        before = sigma
        sigma += lam / service_rate
        waits.append(w0 / ((1 - before) * (1 - sigma)))
    return waits


def traffic_equations(
    external: dict[str, float], routes: dict[str, dict[str, float]]
) -> dict[str, float]:
    """Total arrival rate of each node of an open Jackson network: lambda = e + P^T lambda."""
    names = sorted(routes)
    index = {name: i for i, name in enumerate(names)}
    transfer = np.zeros((len(names), len(names)))
    for source, row in routes.items():
        for target, p in row.items():
            if target in index:
                transfer[index[source], index[target]] = p
    e = np.array([external.get(name, 0.0) for name in names])
    rates = np.linalg.solve(np.eye(len(names)) - transfer.T, e)
    return dict(zip(names, rates, strict=True))


# -- churn ---------------------------------------------------------------------------------------


def sbg_survival(a: float, b: float, t: int) -> float:
    """Shifted-beta-geometric survival S(t) = B(a, b + t) / B(a, b)."""
    return math.exp(betaln(a, b + t) - betaln(a, b))


# -- statistics ----------------------------------------------------------------------------------


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of independent replication values."""
    array = np.asarray(values, dtype=float)
    return float(array.mean()), float(array.std(ddof=1) / math.sqrt(len(array)))


def assert_close(
    values: Sequence[float],
    expected: float,
    relative_se: float = 0.05,
    what: str = "",
    bias: float = 0.0,
) -> tuple[float, float]:
    """Replication means within Z standard errors (+ a stated ``bias`` bound) of theory.

    Also requires the standard error to be below ``relative_se`` x the expected value, so a
    noisy estimate cannot pass by being vague. Returns (mean, SE) for reporting.
    """
    mean, se = mean_se(values)
    assert se < relative_se * expected, f"{what}: SE {se:.4g} too large for {expected:.4g}"
    assert abs(mean - expected) < Z * se + bias, (
        f"{what}: {mean:.5g} vs theory {expected:.5g} (SE {se:.3g}, bias bound {bias:.3g})"
    )
    return mean, se


# -- scenarios -----------------------------------------------------------------------------------


def queueing_scenario(
    touchpoints: dict[str, tuple[int, float]],
    entry: dict[str, float],
    routes: dict[str, dict[str, float]],
    arrivals_per_minute: float,
    days: float,
    warmup_days: float = 1.0,
    patience_minutes: float | None = None,
):
    """A pure open queueing network: one journey per customer, psychology off.

    ``touchpoints`` maps a name to (servers, mean service minutes), exponential service.
    Customers never return (``population.returning = false``), so arrivals to the entry are
    exactly Poisson and every visit is one of the network's.
    """
    raw = {
        "name": "queueing",
        "simulation": {"horizon": f"{days} d", "warmup": f"{warmup_days} d", "period": "30 d"},
        "population": {"arrivals_per_day": arrivals_per_minute * 1440, "returning": False},
        "segments": {
            "all": {
                "share": 1.0,
                "basket": {"mean": 1.0},
                "time_between_needs": "30 d",
                "patience": "unlimited" if patience_minutes is None else f"{patience_minutes} min",
                "churn": {"a": 1.0, "b": 1.0},
            }
        },
        "touchpoints": {
            name: {
                "capacity": servers,
                "service": {"distribution": "exponential", "mean": f"{minutes} min"},
            }
            for name, (servers, minutes) in touchpoints.items()
        },
        "journey": {"entry": entry, "routes": routes},
        "psychology": {"enabled": False},
    }
    return scenario_from_dict(raw, source="validation")


def sbg_scenario(
    a: float,
    b: float,
    mode: str = "effects_off",
    arrivals_per_day: float = 40.0,
    horizon_days: int = 360,
    capacity: int | str = "unlimited",
    service: str = "5 min",
):
    """Returning customers, churn decided at each 30-day boundary with theta ~ Beta(a, b).

    ``mode``: ``"effects_off"`` (psychology on, ``churn_effects = false``), ``"psych_off"``
    (``psychology.enabled = false``) or ``"effects_on"`` (satisfaction and loyalty scale churn).
    """
    raw = {
        "name": "sbg",
        "simulation": {"horizon": f"{horizon_days} d", "period": "30 d", "churn": "period"},
        "population": {"arrivals_per_day": arrivals_per_day},
        "segments": {
            "all": {
                "share": 1.0,
                "basket": {"mean": 10.0},
                "time_between_needs": "20 d",
                "churn": {"a": a, "b": b},
            }
        },
        "touchpoints": {"shop": {"capacity": capacity, "service": {"mean": service}}},
        "journey": {"entry": {"shop": 1.0}, "routes": {"shop": {"purchase": 1.0}}},
        "psychology": {
            "enabled": mode != "psych_off",
            "churn_effects": mode == "effects_on",
        },
    }
    return scenario_from_dict(raw, source="sbg")


# -- markets and purchase rates (issue 12) -------------------------------------------------------


def bass_cdf(t: float, p: float, q: float) -> float:
    """Bass (1969) cumulative adoption F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    e = math.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + q / p * e)


def bass_chain_mean(n: int, p: float, q: float, times: Sequence[float]) -> np.ndarray:
    """E[A(t)] / N of the stochastic Bass model: a pure birth chain on 0..N adopters.

    A jumps k -> k + 1 at rate (N - k)(p + q k / N) (the engine's organic plus referral rate);
    its forward equations dP/dt = Q P are integrated with classical Runge-Kutta (step 1/4000
    of a time unit; the largest rate x step stays below 0.3, far inside RK4's stability region
    and its error below 1e-9 here).
    """
    k = np.arange(n + 1)
    rate = (n - k) * (p + q * k / n)

    def forward(prob: np.ndarray) -> np.ndarray:
        flow = rate * prob
        change = -flow
        change[1:] += flow[:-1]
        return change

    prob = np.zeros(n + 1)
    prob[0] = 1.0
    h, now, out = 1.0 / 4000.0, 0.0, []
    for t in sorted(times):
        while now < t - 1e-12:
            step = min(h, t - now)
            k1 = forward(prob)
            k2 = forward(prob + step / 2 * k1)
            k3 = forward(prob + step / 2 * k2)
            k4 = forward(prob + step * k3)
            prob = prob + step / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            now += step
        out.append(float(k @ prob) / n)
    return np.array(out)


def mbg_expected_repeats(t: float, r: float, alpha: float, a: float, b: float) -> float:
    """MBG/NBD E[X(t)]: repeat purchases by age t (Batislam, Denizel & Filiztekin 2007).

    Purchase rate lambda ~ Gamma(r, rate alpha); after every purchase, the first one at age 0
    included, the customer leaves with probability p ~ Beta(a, b):
    given (lambda, p), E[X(t)] = sum_k (1 - p)^k P(N(t) >= k) = (1 - p) / p (1 - e^{-lambda p t});
    integrated (Euler's integral, then Pfaff's transformation):
    E[X(t)] = b / (a - 1) [1 - (alpha / (alpha + t))^r 2F1(r, b + 1; a + b; t / (alpha + t))].
    """
    from scipy.special import hyp2f1

    z = t / (alpha + t)
    return b / (a - 1) * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, z))


def bg_expected_repeats(t: float, r: float, alpha: float, a: float, b: float) -> float:
    """BG/NBD E[X(t)] (Fader, Hardie & Lee 2005): no dropout right after the first purchase."""
    from scipy.special import hyp2f1

    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def mbg_p_alive(t: float, r: float, alpha: float, a: float, b: float) -> float:
    """MBG/NBD P(alive at age t) = E[(1 - p) (alpha / (alpha + p t))^r].

    Alive means the decision after the first purchase and after each later one (Poisson with
    rate lambda while alive) all said stay: given (lambda, p), (1 - p) e^{-lambda p t}.
    Integrated (Euler's integral): b / (a + b) 2F1(r, a; a + b + 1; -t / alpha).
    """
    from scipy.special import hyp2f1

    return b / (a + b) * hyp2f1(r, a, a + b + 1, -t / alpha)


def mbg_by_quadrature(t: float, r: float, alpha: float, a: float, b: float) -> tuple[float, float]:
    """(E[X(t)], P(alive)) of MBG/NBD by numerical integration over p: checks the closed forms."""
    from scipy.integrate import quad
    from scipy.stats import beta

    def density(p: float) -> float:
        return beta.pdf(p, a, b)

    def repeats(p: float) -> float:
        return (1 - p) / p * (1 - (alpha / (alpha + p * t)) ** r) * density(p)

    def alive(p: float) -> float:
        return (1 - p) * (alpha / (alpha + p * t)) ** r * density(p)

    return quad(repeats, 0, 1, limit=200)[0], quad(alive, 0, 1, limit=200)[0]


def age_average(function, horizon: float) -> float:  # noqa: ANN001 - a function of age
    """(1 / H) x integral of ``function(age)`` over [0, H]: customers who arrived uniformly."""
    from scipy.integrate import quad

    return quad(function, 0.0, horizon, limit=200)[0] / horizon
