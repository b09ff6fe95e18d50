"""Engines: in-process, local processes, and Dask on a real scheduler with real workers.

Nothing here is mocked: the Dask tests start a scheduler and worker processes on loopback (or
let the sweep start its own ``LocalCluster``) and compare results with the in-process engine.
"""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import journeysim as js
from journeysim.experiments.engines import make_executor
from tests.helpers import RETAIL

SPEC = {
    "scenario": str(RETAIL),
    "strategies": ["baseline", "cem"],
    "replications": 2,
    "seed": 5,
    "outcomes": ["nps", "retention_rate", "profit"],
    "overrides": {"simulation.horizon": "40 d", "population.arrivals_per_day": 6},
    "design": {"kind": "lhs", "samples": 3, "seed": 1},
    "parameters": {"touchpoints.call_centre.quality": {"low": 5.0, "high": 8.0}},
}


def comparable(frame):
    return frame.drop(columns=["error"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    return js.sweep(out=tmp_path_factory.mktemp("serial") / "out", workers=1, **SPEC)


def test_local_engine_kinds():
    executor, close, n = make_executor("local", workers=1)
    assert executor is None and n == 1
    close()
    executor, close, n = make_executor("local", workers=2)
    try:
        assert isinstance(executor, ProcessPoolExecutor) and n == 2
        assert executor.submit(pow, 2, 10).result() == 1024
    finally:
        close()


def test_bad_engine_settings():
    with pytest.raises(js.ScenarioError, match="unknown engine 'spark'; allowed: local, dask"):
        make_executor("spark")
    with pytest.raises(js.ScenarioError, match="workers must be at least 1"):
        make_executor("local", workers=0)
    with pytest.raises(js.ScenarioError, match="scheduler address needs the dask engine"):
        make_executor("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(js.ScenarioError, match="running cluster .* has its own workers"):
        make_executor("dask", workers=2, scheduler="tcp://127.0.0.1:8786")


def test_no_start_method_is_forced_at_import():
    code = (
        "import multiprocessing as mp, journeysim, journeysim.experiments.sweeps;"
        "import journeysim.experiments.engines;"
        "print(mp.get_start_method(allow_none=True))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


@pytest.mark.slow
def test_dask_local_cluster_started_by_the_sweep_matches_in_process(tmp_path, in_process):
    pytest.importorskip("distributed")
    dask = js.sweep(out=tmp_path / "dask", engine="dask", workers=2, **SPEC)
    pd.testing.assert_frame_equal(comparable(in_process), comparable(dask))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_processes(tmp_path):
    """A real ``dask scheduler`` and two ``dask worker`` processes on loopback."""
    pytest.importorskip("distributed")
    dask = Path(sys.executable).with_name("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen(
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        **common,
    )
    workers = [
        subprocess.Popen(
            [str(dask), "worker", address, "--nthreads", "1", "--no-dashboard", "--no-nanny"],
            **common,
        )
        for _ in range(2)
    ]
    try:
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in [*workers, scheduler]:
            proc.terminate()
        for proc in [*workers, scheduler]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_dask_scheduler_and_worker_processes_match_in_process(tmp_path, in_process, dask_processes):
    data = js.sweep(out=tmp_path / "d", engine="dask", scheduler=dask_processes, **SPEC)
    pd.testing.assert_frame_equal(comparable(in_process), comparable(data))


def test_unreachable_scheduler_fails_within_the_timeout_and_writes_nothing(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "o"
    start = time.monotonic()
    with pytest.raises(js.ScenarioError, match="cannot reach the Dask scheduler at tcp://"):
        js.sweep(
            out=out, engine="dask", scheduler=f"tcp://127.0.0.1:{_free_port()}", timeout=2, **SPEC
        )
    assert time.monotonic() - start < 30
    assert not out.exists()


def test_a_scheduler_without_workers_fails_within_the_timeout_and_writes_nothing(tmp_path):
    pytest.importorskip("distributed")
    dask = Path(sys.executable).with_name("dask")
    port = _free_port()
    scheduler = subprocess.Popen(
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:  # wait until the scheduler listens
            try:
                Client(f"tcp://127.0.0.1:{port}", timeout="2s").close()
                break
            except (OSError, TimeoutError):
                assert time.monotonic() < deadline, "the test scheduler did not start"
        out = tmp_path / "o"
        start = time.monotonic()
        with pytest.raises(js.ScenarioError, match="has no worker .* dask worker tcp://"):
            js.sweep(out=out, engine="dask", scheduler=f"tcp://127.0.0.1:{port}", timeout=2, **SPEC)
        assert time.monotonic() - start < 30
        assert not out.exists()
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=15)


def test_a_malformed_scheduler_address_is_one_clear_error(tmp_path):
    pytest.importorskip("distributed")
    with pytest.raises(js.ScenarioError, match="not a Dask scheduler address: 'nonsense'"):
        make_executor("dask", scheduler="nonsense", timeout=2)


def test_local_workers_fork_whatever_the_default_start_method(tmp_path):
    """Python 3.14 makes ``forkserver`` the default on Linux; a script without a __main__
    guard (or a notebook) must still be able to use local workers."""
    if not sys.platform.startswith("linux"):
        pytest.skip("workers are forked on Linux only")
    script = tmp_path / "script.py"
    script.write_text(
        "import multiprocessing, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "multiprocessing.set_start_method('forkserver')\n"
        "import journeysim as js\n"
        "def model(point, strategy, seed, identity):\n"
        "    return {'y': point['x'] + 0.5}\n"
        f"data = js.sweep(out={str(tmp_path / 'o')!r}, workers=2, model=model,\n"
        "                parameters={'x': {'type': 'int', 'low': 0, 'high': 3}})\n"
        "print(data['y'].tolist())\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[0.5, 1.5, 2.5, 3.5]"
