"""Sweep throughput: runs/s with 1 and 2 local workers and on Dask (2 workers), and the
overhead per run of the sweep machinery against calling ``simulate`` in a loop.

Run: ``python benchmarks/sweep_throughput.py [--runs 48]``. Not a test: nothing asserts time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import journeysim as js

ROOT = Path(__file__).resolve().parents[1]
OVERRIDES = {"simulation.horizon": "60 d", "population.arrivals_per_day": 10}


def set_days(days: float) -> None:
    """Length of each simulated run (longer runs make per-run overhead relatively smaller)."""
    OVERRIDES["simulation.horizon"] = f"{days:g} d"


def spec(runs: int) -> dict:
    return {
        "scenario": str(ROOT / "scenarios" / "retail.toml"),
        "strategies": ["baseline"],
        "replications": 1,
        "seed": 1,
        "overrides": OVERRIDES,
        "design": {"kind": "lhs", "samples": runs, "seed": 1},
        "parameters": {"touchpoints.call_centre.quality": {"low": 5.0, "high": 8.0}},
    }


def timed_sweep(runs: int, **engine) -> float:
    out = Path(tempfile.mkdtemp()) / "sweep"
    start = time.perf_counter()
    js.sweep(out=out, **engine, **spec(runs))
    elapsed = time.perf_counter() - start
    shutil.rmtree(out.parent)
    return runs / elapsed


def simulate_loop(runs: int) -> float:
    base = js.load_scenario(ROOT / "scenarios" / "retail.toml", OVERRIDES)
    start = time.perf_counter()
    for i in range(runs):
        scenario = base.with_overrides({"touchpoints.call_centre.quality": 5.0 + 3.0 * i / runs})
        js.simulate(scenario, seed=1, identity=(i,))
    return runs / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=48)
    parser.add_argument("--days", type=float, default=60.0, help="simulated days per run")
    args = parser.parse_args()
    set_days(args.days)
    loop = simulate_loop(args.runs)
    one = timed_sweep(args.runs, workers=1)
    two = timed_sweep(args.runs, workers=2)
    dask = timed_sweep(args.runs, engine="dask", workers=2)
    report = {
        "runs": args.runs,
        "days_per_run": args.days,
        "runs_per_s": {
            "simulate loop": round(loop, 2),
            "sweep local 1 worker": round(one, 2),
            "sweep local 2 workers": round(two, 2),
            "sweep dask 2 workers (incl. cluster start)": round(dask, 2),
        },
        "scaling_2_vs_1_workers": round(two / one, 2),
        "overhead_ms_per_run_vs_loop": round(1000 * (1 / one - 1 / loop), 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
