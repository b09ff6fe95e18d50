"""Sweep throughput: runs/s with 1 and 2 local workers and on Dask (2 workers), and the
overhead per run of the sweep machinery against calling ``simulate`` in a loop.

Run: ``python benchmarks/sweep_throughput.py [--runs 64] [--rounds 2]``. Not a test: nothing
asserts time. Contenders are interleaved over rounds and the best round is kept, so a noisy
neighbour on a shared machine hurts every contender alike. The load average is printed: on a
2-core machine with other work running, the 2-worker numbers say little.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import journeysim as js

ROOT = Path(__file__).resolve().parents[1]
OVERRIDES = {"simulation.horizon": "60 d", "population.arrivals_per_day": 10}
QUALITY = "touchpoints.call_centre.quality"


def spec(runs: int) -> dict:
    return {
        "scenario": str(ROOT / "scenarios" / "retail.toml"),
        "strategies": ["baseline"],
        "replications": 1,
        "seed": 1,
        "overrides": OVERRIDES,
        "design": {"kind": "lhs", "samples": runs, "seed": 1},
        "parameters": {QUALITY: {"low": 5.0, "high": 8.0}},
    }


def _noop(point, strategy, seed, identity):
    return {"y": 0.0}


def timed_sweep(runs: int, model=None, **engine) -> float:
    """Seconds for a sweep of ``runs`` runs (engine start-up included)."""
    out = Path(tempfile.mkdtemp()) / "sweep"
    fields = spec(runs)
    if model is not None:
        fields = {"parameters": {"x": {"low": 0.0, "high": 1.0}}, "design": fields["design"]}
    start = time.perf_counter()
    js.sweep(out=out, model=model, **engine, **fields)
    elapsed = time.perf_counter() - start
    shutil.rmtree(out.parent)
    return elapsed


def simulate_loop(runs: int) -> float:
    """Seconds for the same runs as plain ``simulate`` calls (scenario override included)."""
    base = js.load_scenario(ROOT / "scenarios" / "retail.toml", OVERRIDES)
    start = time.perf_counter()
    for i in range(runs):
        scenario = base.with_overrides({QUALITY: 5.0 + 3.0 * i / runs})
        js.simulate(scenario, seed=1, identity=(i,))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--noop-runs", type=int, default=5000)
    args = parser.parse_args()
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    contenders = {
        "simulate loop": lambda: simulate_loop(args.runs),
        "sweep local 1 worker": lambda: timed_sweep(args.runs, workers=1),
        "sweep local 2 workers": lambda: timed_sweep(args.runs, workers=2),
        "sweep dask 2 workers (running cluster)": lambda: timed_sweep(
            args.runs, engine="dask", scheduler=cluster.scheduler_address
        ),
        "sweep dask 2 workers (LocalCluster started per sweep)": lambda: timed_sweep(
            args.runs, engine="dask", workers=2
        ),
    }
    best = {name: float("inf") for name in contenders}
    load = []
    try:
        for _ in range(args.rounds):
            for name, run in contenders.items():
                best[name] = min(best[name], run())
                load.append(os.getloadavg()[0])
        noop_1 = timed_sweep(args.noop_runs, model=_noop, workers=1)
        noop_2 = timed_sweep(args.noop_runs, model=_noop, workers=2)
    finally:
        cluster.close()
    rate = {name: args.runs / seconds for name, seconds in best.items()}
    loop, one = best["simulate loop"], best["sweep local 1 worker"]
    report = {
        "runs": args.runs,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "load_average_during": [round(v, 2) for v in (min(load), max(load))],
        "runs_per_s": {name: round(value, 2) for name, value in rate.items()},
        "scaling_2_vs_1_local_workers": round(
            rate["sweep local 2 workers"] / rate["sweep local 1 worker"], 2
        ),
        "overhead_ms_per_run_1_worker_vs_loop": round(1000 * (one - loop) / args.runs, 2),
        "machinery_ms_per_run_noop_model": {
            "in-process": round(1000 * noop_1 / args.noop_runs, 3),
            "2 local workers": round(1000 * noop_2 / args.noop_runs, 3),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
