"""Sweep throughput: machinery per run, scaling on 2 workers, driver and store memory.

Three measurements, each run in fresh interpreters so two source trees can be compared in the
same run (``--other /path/to/old/tree``: its package is put on ``PYTHONPATH``; the two
alternate, round by round, so a noisy neighbour hurts both alike). Not a test: nothing asserts
time.

``machinery``
    CPU seconds per run of everything a sweep does *besides simulating*: ``simulate`` is
    replaced by a stub returning one stored result, and an in-process sweep of N1 and of N2
    runs of the retail scenario (one parameter, an LHS design) is timed; the difference over
    N2 - N1 is the machinery per run (validating the point, keying the run, handing it to the
    model, storing its row), free of start-up costs. CPU time of one process: the load of a
    shared machine barely moves it. The same on 2 local workers (forked: they inherit the
    stub) in wall time: what the driver and the hand-over cost per run when runs are free.
``scaling``
    Wall seconds of the same sweep (retail, 60 days, 10 arrivals a day: ~0.1 s a run) on 1 and
    on 2 local workers, and on a running 2-worker Dask ``LocalCluster``; scaling = rate on 2
    / rate on 1, per round, and the median. Wall time on 2 cores shared with other work says
    little: the load average before and after each round is printed with it. Beside it, a
    bound that load barely moves: 2 x CPU seconds of the 1-worker sweep / CPU seconds of the
    2-worker sweep (driver and reaped worker processes): the scaling two free cores would give
    if the runs kept both busy (the driver's extra work per run and unpickling in each worker
    lower it; serial phases such as starting the pool are not in it). And the figure the
    issue quoted: (1-worker sweep - the same runs as a plain ``simulate`` loop) / runs, start-up
    of the sweep included.
``memory``
    A sweep of tiny runs (retail, 1 day, 2 arrivals a day) on a Dask ``LocalCluster`` of 2
    workers started by the sweep, at several sizes (default 1,000, 5,000 and 10,000 runs), each
    in a fresh interpreter: the driver's peak resident memory while the sweep runs (sampled
    every 20 ms) and its growth over the start, and the store's files, bytes and rows.
    Flat = the same at every size. ``checkpoints`` (not run by default): one sweep of the
    largest size on a cluster started with ``dask scheduler`` and ``dask worker`` (the driver
    then holds only the client, as on a multi-machine cluster), its resident memory and the
    store read as the 1,000th, 2,000th, 5,000th and 10,000th run is stored.

Run: ``python benchmarks/sweep_throughput.py [machinery scaling memory] [--other ../base]
[--rounds 3] [--runs 64] [--memory-runs 1000,5000,10000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
SCENARIO = str(ROOT / "scenarios" / "retail.toml")
QUALITY = "touchpoints.call_centre.quality"
# an empty start (the shipped three-year burn-in would make each run ~20x longer)
RUN = {
    "simulation.horizon": "60 d",
    "simulation.burn_in": "0 d",
    "simulation.start": "empty",
    "population.arrivals_per_day": 10,
}
TINY = {
    "simulation.horizon": "1 d",
    "simulation.burn_in": "0 d",
    "simulation.start": "empty",
    "simulation.period": "1 d",
    "population.arrivals_per_day": 2,
}


def spec(runs: int, overrides: dict, seed: int = 1) -> dict:
    return {
        "scenario": SCENARIO,
        "strategies": ["baseline"],
        "replications": 1,
        "seed": 1,
        "overrides": overrides,
        "design": {"kind": "lhs", "samples": runs, "seed": seed},
        "parameters": {QUALITY: {"low": 5.0, "high": 8.0}},
    }


def _noop(point, strategy, seed, identity):
    return {"y": 0.0}


def _warm_up(js) -> None:
    """Imports a first sweep pays (scipy for the design, pyarrow for the store)."""
    with tempfile.TemporaryDirectory() as tmp:
        js.sweep(
            out=Path(tmp) / "w",
            workers=1,
            model=_noop,
            parameters={"x": {"low": 0, "high": 1}},
            design={"kind": "lhs", "samples": 2},
        )


# --------------------------------------------------------------------------------------------
# what runs in a child interpreter (the tree under test is on PYTHONPATH)


def child_machinery(n1: int, n2: int) -> dict:
    import journeysim as js
    import journeysim.simulation as simulation

    stored = simulation.simulate(js.load_scenario(SCENARIO, TINY), "baseline", 1)
    simulation.simulate = lambda *args, **kwargs: stored  # every layer imports it at call time
    _warm_up(js)
    seconds, wall = {}, {}
    for n in (n1, n2):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.process_time()
            js.sweep(out=Path(tmp) / "s", workers=1, **spec(n, RUN))
            seconds[n] = time.process_time() - start
        with tempfile.TemporaryDirectory() as tmp:  # forked workers inherit the stub
            start = time.perf_counter()
            js.sweep(out=Path(tmp) / "s", workers=2, **spec(n, RUN))
            wall[n] = time.perf_counter() - start
    return {
        "ms_per_run_marginal": 1000 * (seconds[n2] - seconds[n1]) / (n2 - n1),
        f"ms_per_run_whole_sweep_of_{n2}": 1000 * seconds[n2] / n2,
        "wall_ms_per_run_marginal_2_local_workers": 1000 * (wall[n2] - wall[n1]) / (n2 - n1),
    }


def child_scaling(runs: int) -> dict:
    from distributed import LocalCluster

    import journeysim as js

    _warm_up(js)
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    seconds = {"simulate loop": _simulate_loop(js, runs)}
    try:
        for name, engine in (
            ("local 1 worker", {"workers": 1}),
            ("local 2 workers", {"workers": 2}),
            (
                "dask 2 workers (running cluster)",
                {"engine": "dask", "scheduler": cluster.scheduler_address},
            ),
        ):
            with tempfile.TemporaryDirectory() as tmp:
                cpu = _cpu()
                start = time.perf_counter()
                js.sweep(out=Path(tmp) / "s", **engine, **spec(runs, RUN))
                seconds[name] = time.perf_counter() - start
                seconds[f"cpu {name}"] = _cpu() - cpu  # local pools: workers are reaped
    finally:
        cluster.close()
    return seconds


def _simulate_loop(js, runs: int) -> float:
    """Wall seconds of the sweep's runs as plain ``simulate`` calls (the point applied)."""
    base = js.load_scenario(SCENARIO, RUN)
    start = time.perf_counter()
    for i in range(runs):
        js.simulate(base.with_overrides({QUALITY: 5.0 + 3.0 * i / runs}), seed=1, identity=(i,))
    return time.perf_counter() - start


def _cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child_memory(runs: int) -> dict:
    import threading

    import psutil

    import journeysim as js

    _warm_up(js)
    process = psutil.Process()
    start_rss = process.memory_info().rss
    peak = [start_rss]
    running = [True]

    def sample() -> None:
        while running[0]:
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.02)

    from journeysim.experiments import sweeps

    sampler = threading.Thread(target=sample, daemon=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s"
        real_load = sweeps.load_sweep
        sweeps.load_sweep = lambda out: None  # the sweep alone, not the table it returns
        sampler.start()
        begin = time.perf_counter()
        js.sweep(out=out, engine="dask", workers=2, **spec(runs, TINY))
        seconds = time.perf_counter() - begin
        running[0] = False
        sampler.join()
        files = [p for p in out.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        data = real_load(out)
    mb = 2.0**20
    return {
        "runs": runs,
        "seconds": round(seconds, 1),
        "driver_rss_start_mb": round(start_rss / mb, 1),
        "driver_rss_peak_mb": round(peak[0] / mb, 1),
        "driver_rss_growth_mb": round((peak[0] - start_rss) / mb, 1),
        "store_files": len(files),
        "store_rows": len(data),
        "store_bytes_per_row": round(size / max(len(data), 1), 1),
        "result_table_mb": round(data.memory_usage(deep=True).sum() / mb, 2),
    }


def child_checkpoints(runs: int) -> dict:
    """One sweep on a cluster started with ``dask scheduler`` / ``dask worker`` (as on many
    machines): the driver holds only the client, so its memory is the sweep's own. Resident
    memory and stored rows are read as the 1,000th, 5,000th ... run is stored."""
    import shutil
    import socket

    import psutil

    import journeysim as js
    from journeysim.experiments.store import SweepStore

    _warm_up(js)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or "dask"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--port", str(port), "--dashboard-address", ":0"], **quiet
    )
    worker = subprocess.Popen(
        [dask, "worker", address, "--nworkers", "2", "--nthreads", "1"], **quiet
    )
    process = psutil.Process()
    marks = {n for n in (1000, 2000, 5000, 10000, 20000) if n <= runs}
    seen: list[dict] = []
    real_add = SweepStore.add
    stored = [0]

    def add(self, row):
        real_add(self, row)
        stored[0] += 1
        if stored[0] in marks:
            files = [p for p in self.out.rglob("*") if p.is_file()]
            seen.append(
                {
                    "runs_stored": stored[0],
                    "driver_rss_mb": round(process.memory_info().rss / 2.0**20, 1),
                    "rows_held_by_store": len(self._rows),
                    "store_files": len(files),
                    "store_bytes_per_run": round(
                        sum(p.stat().st_size for p in files) / stored[0], 1
                    ),
                }
            )

    SweepStore.add = add
    try:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            js.sweep(
                out=Path(tmp) / "s",
                engine="dask",
                scheduler=address,
                timeout=60,
                **spec(runs, TINY),
            )
            seconds = time.perf_counter() - start
    finally:
        worker.terminate()
        scheduler.terminate()
        worker.wait(30)
        scheduler.wait(30)
    return {"runs": runs, "seconds": round(seconds, 1), "checkpoints": seen}


# --------------------------------------------------------------------------------------------
# the parent: alternate trees, report


def in_child(tree: Path, kind: str, *args: object) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, str(HERE), "--child", kind, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    )
    if out.returncode:
        raise RuntimeError(f"{kind} in {tree} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> float:
    return round(os.getloadavg()[0], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", default=["machinery", "scaling", "memory"])
    parser.add_argument("--other", type=Path, help="another source tree to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=64, help="runs of the scaling sweep")
    parser.add_argument("--machinery-runs", default="200,1000")
    parser.add_argument("--memory-runs", default="1000,5000,10000")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        function = {
            "machinery": child_machinery,
            "scaling": child_scaling,
            "memory": child_memory,
            "checkpoints": child_checkpoints,
        }
        print(json.dumps(function[kind](*map(int, rest))))
        return
    trees = {"this": ROOT}
    if args.other:
        trees["other"] = args.other.resolve()
    report: dict = {"cpus": os.cpu_count(), "trees": {k: str(v) for k, v in trees.items()}}
    if "machinery" in args.what:
        n1, n2 = map(int, args.machinery_runs.split(","))
        rounds: dict = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                rounds[name].append(in_child(tree, "machinery", n1, n2))
        report["machinery_cpu_ms_per_run"] = {
            name: {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
            for name, runs in rounds.items()
        }
        if args.other:
            key = "ms_per_run_marginal"
            this, other = (report["machinery_cpu_ms_per_run"][n][key] for n in ("this", "other"))
            report["machinery_other_over_this"] = round(other / this, 2)
    if "scaling" in args.what:
        rows: dict = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                before = load()
                seconds = in_child(tree, "scaling", args.runs)
                one = seconds["local 1 worker"]
                cpu_bound = 2 * seconds["cpu local 1 worker"] / seconds["cpu local 2 workers"]
                rows[name].append(
                    {
                        "load_before": before,
                        "load_after": load(),
                        "seconds": {k: round(v, 2) for k, v in seconds.items()},
                        "scaling_2_local": round(one / seconds["local 2 workers"], 3),
                        "overhead_ms_per_run_1_worker_vs_loop": round(
                            1000 * (one - seconds["simulate loop"]) / args.runs, 2
                        ),
                        "cpu_bound_scaling_2_local": round(cpu_bound, 3),
                        "scaling_2_dask": round(
                            one / seconds["dask 2 workers (running cluster)"], 3
                        ),
                    }
                )
        report["scaling"] = {
            name: {
                "rounds": runs,
                "median_scaling_2_local": statistics.median(r["scaling_2_local"] for r in runs),
                "median_scaling_2_dask": statistics.median(r["scaling_2_dask"] for r in runs),
                "median_overhead_ms_per_run_1_worker_vs_loop": statistics.median(
                    r["overhead_ms_per_run_1_worker_vs_loop"] for r in runs
                ),
                "median_cpu_bound_scaling_2_local": statistics.median(
                    r["cpu_bound_scaling_2_local"] for r in runs
                ),
            }
            for name, runs in rows.items()
        }
    if "memory" in args.what:
        sizes = [int(n) for n in args.memory_runs.split(",")]
        report["memory_dask_local_cluster"] = {
            name: [in_child(tree, "memory", n) for n in sizes] for name, tree in trees.items()
        }
    if "checkpoints" in args.what:
        largest = max(int(n) for n in args.memory_runs.split(","))
        report["memory_during_one_sweep_external_dask"] = {
            name: in_child(tree, "checkpoints", largest) for name, tree in trees.items()
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
