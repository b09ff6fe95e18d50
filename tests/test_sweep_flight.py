"""Many small runs: bounded work in flight, chunks of runs per task, identical results.

The sweep keeps at most 2 x workers tasks in flight and stores each run as it comes back, so
the driver never holds the sweep; chunks of fast runs go to a worker together. Whatever the
chunking and the number of workers, every run's key, identity and outcomes are those of
validating the whole scenario at the point (as before point validation became incremental).
"""

import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import journeysim as js
from journeysim.experiments import sweeps
from journeysim.experiments.store import SweepStore
from journeysim.scenario.loading import load_scenario
from tests.helpers import minimal, write_scenario


def _tiny(point, strategy, seed, identity):
    return {"y": 2.0 * point["x"] + seed + identity[-1] % 7}


class _Counting(ThreadPoolExecutor):
    """Two threads that record the most tasks and runs ever submitted and not yet done."""

    def __init__(self) -> None:
        super().__init__(2)
        self.lock = threading.Lock()
        self.tasks = self.runs = self.peak_tasks = self.peak_runs = 0
        self.chunks: list[int] = []

    def submit(self, fn, /, *args, **kwargs):
        runs = len(args[1])
        with self.lock:
            self.tasks += 1
            self.runs += runs
            self.peak_tasks = max(self.peak_tasks, self.tasks)
            self.peak_runs = max(self.peak_runs, self.runs)
            self.chunks.append(runs)
        future = super().submit(fn, *args, **kwargs)

        def done(_):
            with self.lock:
                self.tasks -= 1
                self.runs -= runs

        future.add_done_callback(done)
        return future


def test_runs_in_flight_and_rows_in_memory_stay_bounded(tmp_path, monkeypatch):
    pool = _Counting()
    monkeypatch.setattr(sweeps, "make_executor", lambda *a, **k: (pool, pool.shutdown, 2))
    held = []
    real_add = SweepStore.add

    def add(self, row):
        real_add(self, row)
        held.append(len(self._rows))

    monkeypatch.setattr(SweepStore, "add", add)
    params = {"x": {"type": "int", "low": 0, "high": 1999}}
    data = js.sweep(
        out=tmp_path / "o", workers=2, model=_tiny, parameters=params, design={"kind": "grid"}
    )
    assert len(data) == 2000 and (data["status"] == "ok").all()
    assert pool.peak_tasks <= 4  # 2 x workers tasks, never the sweep
    assert pool.peak_runs <= 4 * sweeps._Flight.MAX
    assert max(pool.chunks) > 1  # fast runs travel together
    assert max(held) < 50  # the store holds one batch of rows (batch_size 50), not the sweep


def _key(material: str, strategy: str, replication: int) -> tuple[str, list[int]]:
    digest = hashlib.sha256(material.encode()).digest()
    key = hashlib.sha256(digest + f"|{strategy}|{replication}".encode()).hexdigest()[:32]
    point = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return key, [*point, replication]


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    path = write_scenario(
        tmp_path_factory.mktemp("scenario"),
        minimal(simulation={"horizon": "4 d", "period": "2 d"}),
    )
    return {
        "scenario": str(path),
        "replications": 2,
        "seed": 3,
        "common_random_numbers": False,  # identities come from the scenario at the point
        "outcomes": ["revenue", "mean_wait_minutes"],
        "design": {"kind": "lhs", "samples": 40, "seed": 2},
        "parameters": {
            "touchpoints.desk.quality": {"low": 4.0, "high": 9.0},
            "population.arrivals_per_day": {"low": 2.0, "high": 6.0},
        },
    }


def test_chunked_runs_match_in_process_and_full_validation(tmp_path, tiny_sweep):
    serial = js.sweep(out=tmp_path / "a", workers=1, **tiny_sweep)
    parallel = js.sweep(out=tmp_path / "b", workers=2, **tiny_sweep)
    assert len(serial) == 80 and (serial["status"] == "ok").all()
    pd.testing.assert_frame_equal(serial, parallel)
    base = load_scenario(tiny_sweep["scenario"])
    for row in serial.head(10).to_dict("records"):
        full = base.with_overrides({name: row[name] for name in tiny_sweep["parameters"]})
        material = json.dumps(full.model_dump(mode="json"), sort_keys=True, default=str)
        key, identity = _key(material, row["strategy"], row["replication"])
        assert (row["key"], json.loads(row["identity"])) == (key, identity)


def test_chunked_runs_on_dask_match_in_process(tmp_path, tiny_sweep):
    pytest.importorskip("distributed")
    serial = js.sweep(out=tmp_path / "a", workers=1, **tiny_sweep)
    dask = js.sweep(out=tmp_path / "d", engine="dask", workers=2, **tiny_sweep)
    pd.testing.assert_frame_equal(serial, dask)
