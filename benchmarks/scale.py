"""Scale with the customer base: retail at 1x and 5x arrivals, this tree against another.

Issue 17 (target 2) and issue 16 (point 11). For each source tree (this checkout and
``OTHER``, e.g. ``/work/base``, a checkout of an older main) and each arrival multiplier, a fresh
interpreter (``PYTHONPATH`` set to the tree) loads ``scenarios/retail.toml`` with
``population.arrivals_per_day`` x the multiplier (one replication, the file's horizon and burn-in,
``baseline``, seed 1) and reports:

- **CPU seconds of the run** (``time.process_time`` around ``simulate``; import and validation
  excluded) and CPU microseconds per journey. CPU time, not wall time: other processes on a
  shared machine move it much less. Rounds alternate between the trees and the medians are
  reported, with the same-run ratio other / this.
- **Peak RSS** of that interpreter (``resource.getrusage(RUSAGE_SELF).ru_maxrss``), i.e. the
  whole process: interpreter, libraries, the run and its result tables.
- **Memory per active customer** (separate, shorter run: tracemalloc slows a run ~3x): the
  bytes Python allocated during the run and still held at its end (``tracemalloc`` traced
  memory after ``JourneyModel.run`` minus before it, after a full ``gc.collect()``), divided by
  the customers active at the end. It counts everything the run keeps: customers, their
  pending events in the SimPy schedule, generators, the recorder's fixed aggregates (a few
  hundred KB, so the figure is a slight over-estimate per customer).

Run: ``python benchmarks/scale.py /work/base [--rounds 3] [--scales 1 5]
[--memory-scale 5 --memory-horizon "180 d"]``. Results go to stdout as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

RUN = """
import json, resource, sys, time, warnings
import journeysim as js
warnings.simplefilter("ignore")
path, scale = sys.argv[1], float(sys.argv[2])
base = js.load_scenario(path)
scenario = js.load_scenario(
    path, overrides={"population.arrivals_per_day": base.population.arrivals_per_day * scale}
)
start = time.process_time()
results = js.simulate(scenario, "baseline", seed=1)
cpu = time.process_time() - start
row = results.kpis.iloc[0]
print(json.dumps({
    "cpu": cpu,
    "journeys": int(row["journeys"]),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

MEMORY = """
import gc, json, sys, tracemalloc, warnings
import journeysim as js
from journeysim.engine.model import JourneyModel
warnings.simplefilter("ignore")
path, scale, horizon = sys.argv[1], float(sys.argv[2]), sys.argv[3]
base = js.load_scenario(path)
scenario = js.load_scenario(path, overrides={
    "population.arrivals_per_day": base.population.arrivals_per_day * scale,
    "simulation.horizon": horizon,
})
found = {}
run = JourneyModel.run

def measured(self, *args, **kwargs):
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    recorder = run(self, *args, **kwargs)
    gc.collect()
    found["bytes"] = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    found["active"] = len(self.active)
    return recorder

JourneyModel.run = measured
js.simulate(scenario, "baseline", seed=1)
print(json.dumps({"per_active": found["bytes"] / found["active"], **found}))
"""


def _python(code: str, tree: Path, *args: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tree,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other source tree (its root)")
    parser.add_argument("--scenario", default="scenarios/retail.toml")
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-scale", type=float, default=5.0)
    parser.add_argument("--memory-horizon", default="180 d")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    trees = {"this": here, "other": args.other.resolve()}
    scenario = str((here / args.scenario).resolve())
    runs: dict[tuple[str, float], list[dict[str, float]]] = {}
    for round_ in range(args.rounds):
        for scale in args.scales:
            order = list(trees.items()) if round_ % 2 == 0 else list(trees.items())[::-1]
            for name, tree in order:
                result = _python(RUN, tree, scenario, str(scale))
                runs.setdefault((name, scale), []).append(result)
                print(
                    f"round {round_ + 1} {name:5} x{scale:g}: {result['cpu']:.2f} s CPU, "
                    f"{result['journeys']:,} journeys, peak {result['peak_mb']:.0f} MB",
                    file=sys.stderr,
                )
    memory = {
        name: _python(MEMORY, tree, scenario, str(args.memory_scale), args.memory_horizon)
        for name, tree in trees.items()
    }
    print(
        "\nretail (the file's horizon after its burn-in), baseline, seed 1; "
        f"medians of {args.rounds} interleaved rounds"
    )
    print(f"other = {trees['other']}")
    print(f"{'tree':6}{'scale':>6}{'CPU s':>9}{'us/journey':>12}{'journeys':>10}{'peak MB':>9}")
    median: dict[tuple[str, float], dict[str, float]] = {}
    for (name, scale), results in sorted(runs.items()):
        cpu = statistics.median(r["cpu"] for r in results)
        peak = statistics.median(r["peak_mb"] for r in results)
        journeys = results[0]["journeys"]
        median[name, scale] = {"cpu": cpu, "per_journey": cpu / journeys * 1e6}
        print(
            f"{name:6}{scale:>6g}{cpu:>9.2f}{cpu / journeys * 1e6:>12.1f}{journeys:>10,}"
            f"{peak:>9.0f}"
        )
    for scale in args.scales:
        ratio = median["other", scale]["cpu"] / median["this", scale]["cpu"]
        print(f"x{scale:g}: this is {ratio:.2f}x faster than other (CPU, same run)")
    low, high = min(args.scales), max(args.scales)
    for name in trees:
        growth = median[name, high]["per_journey"] / median[name, low]["per_journey"]
        print(f"{name}: cost per journey at x{high:g} / at x{low:g} = {growth:.2f}")
    print(
        f"memory per active customer (x{args.memory_scale:g}, {args.memory_horizon}, "
        "tracemalloc at the end of the run / active customers):"
    )
    for name, found in memory.items():
        print(
            f"  {name:6}{found['per_active']:>8.0f} bytes ({found['active']:,} active, "
            f"{found['bytes'] / 1e6:.1f} MB)"
        )


if __name__ == "__main__":
    main()
