"""Throughput and memory benchmark: journeysim vs a bare SimPy script (and Ciw if installed).

The same open queueing network is run three ways in one process, one after the other:

* ``journeysim``: a pure queueing scenario (one journey per customer, psychology off);
* ``bare simpy``: the same network hand-written as the smallest reasonable SimPy script;
* ``ciw``: the same network in Ciw, when the ``ciw`` package is installed.

It reports customer-touchpoint visits per second, the ratio journeysim/bare (the cost of the
toolkit per visit), and the peak memory of a journeysim run with 1x and 10x the events, each
in a fresh subprocess, to show that memory does not grow with the number of events.

Wall-clock time on a shared virtual machine can swing by 20% from one run to the next, so with
``--instructions`` it also counts CPU instructions per visit under ``valgrind --tool=callgrind``
(repeatable to the instruction, whatever else the machine does): each contender runs a short and
a long horizon in a fresh interpreter and the difference, divided by the extra visits, is the
cost of one visit with the import and setup costs cancelled out. Cache misses are not counted,
so this ratio is a lower bound of the wall-clock one.

Run: ``python benchmarks/throughput.py [--days 40] [--repeat 7] [--instructions]``. Not a test:
wall-clock is never asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time

import simpy

import journeysim
from journeysim.scenario import scenario_from_dict

# The network: arrivals -> A (2 servers); A -> B (60%) or C (40%); B (1 server) and
# C (2 servers) -> exit. Rates per minute; utilisations ~0.75.
ARRIVALS_PER_MIN = 1.0
SERVICE_MIN = {"a": 1.5, "b": 1.2, "c": 3.5}
SERVERS = {"a": 2, "b": 1, "c": 2}
ROUTE_A_TO_B = 0.6


def journeysim_scenario(days: float) -> journeysim.Scenario:
    """The network as a journeysim scenario (pure queueing: returning=false, no psychology)."""
    raw = {
        "name": "bench-network",
        "simulation": {"horizon": f"{days} d", "period": "30 d"},
        "population": {"arrivals_per_day": ARRIVALS_PER_MIN * 1440, "returning": False},
        "segments": {
            "all": {
                "share": 1.0,
                "basket": {"mean": 1.0},
                "time_between_needs": "30 d",
                "churn": {"a": 1.0, "b": 1.0},
            }
        },
        "touchpoints": {
            name: {
                "capacity": SERVERS[name],
                "service": {"distribution": "exponential", "mean": f"{SERVICE_MIN[name]} min"},
            }
            for name in ("a", "b", "c")
        },
        "journey": {
            "entry": {"a": 1.0},
            "routes": {
                "a": {"b": ROUTE_A_TO_B, "c": 1 - ROUTE_A_TO_B},
                "b": {"exit": 1.0},
                "c": {"exit": 1.0},
            },
        },
        "psychology": {"enabled": False},
    }
    return scenario_from_dict(raw, source="benchmark")


def run_journeysim(days: float, seed: int = 1) -> tuple[int, float]:
    scenario = journeysim_scenario(days)
    start = time.perf_counter()
    results = journeysim.simulate(scenario, seed=seed)
    elapsed = time.perf_counter() - start
    return int(results.touchpoints["visits"].sum()), elapsed


def run_bare_simpy(days: float, seed: int = 1) -> tuple[int, float]:
    """The same network as a minimal SimPy script: one Random, waits summed per node."""
    rng = random.Random(seed)
    env = simpy.Environment()
    res = {name: simpy.Resource(env, SERVERS[name]) for name in SERVERS}
    rate = {name: 1.0 / (SERVICE_MIN[name] / 1440) for name in SERVICE_MIN}
    stats = {name: [0, 0.0] for name in SERVERS}
    horizon = float(days)

    def visit(name):
        arrive = env.now
        with res[name].request() as req:
            yield req
            stats[name][0] += 1
            stats[name][1] += env.now - arrive
            yield env.timeout(rng.expovariate(rate[name]))

    def customer():
        yield from visit("a")
        yield from visit("b" if rng.random() < ROUTE_A_TO_B else "c")

    def arrivals():
        lam = ARRIVALS_PER_MIN * 1440
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(arrivals())
    start = time.perf_counter()
    env.run(until=horizon)
    elapsed = time.perf_counter() - start
    return sum(s[0] for s in stats.values()), elapsed


def run_ciw(days: float, seed: int = 1) -> tuple[int, float] | None:
    try:
        import ciw
    except ImportError:
        return None
    minutes = days * 1440
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(ARRIVALS_PER_MIN), None, None],
        service_distributions=[
            ciw.dists.Exponential(1 / SERVICE_MIN["a"]),
            ciw.dists.Exponential(1 / SERVICE_MIN["b"]),
            ciw.dists.Exponential(1 / SERVICE_MIN["c"]),
        ],
        routing=[[0.0, ROUTE_A_TO_B, 1 - ROUTE_A_TO_B], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        number_of_servers=[SERVERS["a"], SERVERS["b"], SERVERS["c"]],
    )
    ciw.seed(seed)  # Ciw's own global random state: one reason journeysim does not use it
    sim = ciw.Simulation(network)
    start = time.perf_counter()
    sim.simulate_until_max_time(minutes)
    elapsed = time.perf_counter() - start
    return len(sim.get_all_records()), elapsed


def _peak_memory_mb(days: float) -> tuple[float, float]:
    """(peak RSS, peak traced Python allocations during the run) in MB, in a fresh interpreter.

    RSS includes the interpreter and every imported library (its peak is reached while
    importing); the tracemalloc peak counts only what ``simulate`` allocates, so growth with the
    number of events would show there.
    """
    code = (
        "import resource, sys, tracemalloc; sys.path.insert(0, 'benchmarks');"
        "import throughput as t; tracemalloc.start();"
        f"t.run_journeysim({days!r});"
        "peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop();"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, peak)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    rss_kb, traced = out.strip().splitlines()[-1].split()
    return int(rss_kb) / 1024, int(traced) / 2**20


def _instructions_per_visit(contender: str, short: float = 0.5, long: float = 3.0) -> float:
    """Callgrind instruction count of one visit: (long run - short run) / extra visits."""
    import re

    from callgrind import callgrind

    code = (
        "import sys; sys.path.insert(0, 'benchmarks'); import throughput as t;"
        f"fn = t.run_{contender};"
        "print('VISITS', fn(float(sys.argv[1]))[0])"
    )
    counts = []
    for days in (short, long):
        instructions, stdout = callgrind(["-c", code, str(days)])
        visits = re.search(r"VISITS ([0-9]+)", stdout)
        assert visits, stdout[-500:]
        counts.append((instructions, int(visits.group(1))))
    (i0, v0), (i1, v1) = counts
    return (i1 - i0) / (v1 - v0)


def _baseline_rss_mb() -> float:
    code = (
        "import resource, sys; sys.path.insert(0, 'benchmarks'); import throughput;"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return int(out.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=40.0, help="simulated days per run")
    parser.add_argument("--repeat", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per visit with valgrind (a few minutes)",
    )
    args = parser.parse_args()

    # Interleave the contenders (alternating which goes first) and keep each one's best, so
    # drifting machine load hits both; also report the median of the per-round ratios, which a
    # single lucky round cannot move.
    contenders = [("journeysim", run_journeysim), ("bare simpy", run_bare_simpy)]
    rows: dict[str, float] = {}
    round_ratios = []
    for rep in range(args.repeat):
        speed = {}
        for name, fn in contenders if rep % 2 == 0 else contenders[::-1]:
            visits, elapsed = fn(args.days, seed=rep + 1)
            speed[name] = visits / elapsed
            rows[name] = max(rows.get(name, 0.0), speed[name])
        round_ratios.append(speed["bare simpy"] / speed["journeysim"])
    ciw_result = run_ciw(min(args.days, 10.0))
    if ciw_result is not None:
        rows["ciw"] = ciw_result[0] / ciw_result[1]
    report = {"visits_per_second": {k: round(v) for k, v in rows.items()}}
    report["cost_ratio_journeysim_vs_bare"] = round(rows["bare simpy"] / rows["journeysim"], 3)
    report["cost_ratio_median_of_rounds"] = round(statistics.median(round_ratios), 3)
    report["rounds"] = args.repeat
    if args.instructions:
        per_visit = {name: _instructions_per_visit(name) for name in ("journeysim", "bare_simpy")}
        report["instructions_per_visit"] = {k: round(v) for k, v in per_visit.items()}
        report["instruction_ratio_journeysim_vs_bare"] = round(
            per_visit["journeysim"] / per_visit["bare_simpy"], 3
        )
    if not args.no_memory:
        base = _baseline_rss_mb()
        one_rss, one_traced = _peak_memory_mb(args.days)
        ten_rss, ten_traced = _peak_memory_mb(args.days * 10)
        report["peak_rss_mb"] = {
            "interpreter_with_imports": round(base, 1),
            f"{args.days:g}_days": round(one_rss, 1),
            f"{args.days * 10:g}_days (10x events)": round(ten_rss, 1),
        }
        report["peak_traced_mb_during_run"] = {
            f"{args.days:g}_days": round(one_traced, 2),
            f"{args.days * 10:g}_days (10x events)": round(ten_traced, 2),
        }
        report["memory_growth_10x_events_mb"] = round(ten_traced - one_traced, 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
