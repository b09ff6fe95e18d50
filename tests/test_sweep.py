"""Sweeps: determinism across engines, failures, kill-and-resume, and bad input."""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import journeysim as js
from journeysim.cli import main
from journeysim.sweep import load_sweep
from tests.helpers import ROOT

STAFFING = ROOT / "scenarios" / "sweeps" / "retail_staffing.toml"
KPIS = ["retention_rate", "nps", "csat", "mean_wait_minutes", "revenue", "cost", "profit"]


def small_sweep(**changes):
    spec = {
        "scenario": str(ROOT / "scenarios" / "retail.toml"),
        "strategies": ["baseline", "cem"],
        "replications": 2,
        "seed": 5,
        "outcomes": ["nps", "retention_rate", "profit"],
        "overrides": {"simulation.horizon": "40 d", "population.arrivals_per_day": 6},
        "design": {"kind": "lhs", "samples": 3, "seed": 1},
        "parameters": {"touchpoints.call_centre.quality": {"low": 5.0, "high": 8.0}},
    }
    spec.update(changes)
    return spec


def comparable(frame):
    return frame.drop(columns=["error"]).reset_index(drop=True)


def test_example_sweep_runs_and_keys_are_unique(tmp_path):
    data = js.sweep(STAFFING, out=tmp_path / "out", workers=1)
    assert len(data) == 18 * 3
    assert data["key"].is_unique
    assert (data["status"] == "ok").all()
    assert {"touchpoints.call_centre.capacity", "strategy", "replication", "seed"} <= set(data)
    assert set(KPIS) <= set(data)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["runs"] == 54 and manifest["points"] == 18
    # written in batches, not one file per run
    assert len(list((tmp_path / "out" / "runs").glob("part-*.parquet"))) <= 2


def test_same_results_in_process_and_on_two_workers(tmp_path):
    serial = js.sweep(out=tmp_path / "a", workers=1, **small_sweep())
    parallel = js.sweep(out=tmp_path / "b", workers=2, batch_size=3, **small_sweep())
    pd.testing.assert_frame_equal(comparable(serial), comparable(parallel))


def test_strategies_share_random_numbers_at_a_point(tmp_path):
    spec = small_sweep(strategies=["baseline", "zero"], replications=1)
    data = js.sweep(out=tmp_path / "a", workers=1, model=_echo_identity, **spec)
    by_point = data.groupby("point")["identity"].nunique()
    assert (by_point == 1).all()  # same identity for both strategies -> CRN


def _echo_identity(point, strategy, seed, identity):
    return {"identity": float(hash(identity) % 10_000)}


def _flaky(point, strategy, seed, identity):
    if point["x"] > 0.5:
        raise RuntimeError("model broke")
    return {"y": point["x"]}


def test_failed_runs_are_retried_then_recorded(tmp_path):
    spec = {
        "parameters": {"x": {"values": [0.2, 0.9]}},
        "design": {"kind": "grid"},
        "retries": 2,
    }
    data = js.sweep(out=tmp_path / "o", workers=1, model=_flaky, **spec)
    failed = data[data["status"] == "failed"].iloc[0]
    assert failed["attempts"] == 3 and "RuntimeError: model broke" in failed["error"]
    assert data[data["status"] == "ok"]["y"].tolist() == [0.2]


def _ishigami(point, strategy, seed, identity):
    x1, x2, x3 = point["x1"], point["x2"], point["x3"]
    return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def test_sobol_indices_of_ishigami_through_the_sweep_path(tmp_path):
    params = {f"x{i}": {"low": -math.pi, "high": math.pi} for i in (1, 2, 3)}
    design = {"kind": "saltelli", "samples": 1024, "seed": 1}
    js.sweep(out=tmp_path / "ish", workers=1, model=_ishigami, parameters=params, design=design)
    indices = js.sensitivity(tmp_path / "ish", "y").set_index("parameter")
    # analytic indices for a = 7, b = 0.1 (Ishigami & Homma 1990)
    v = 7**2 / 8 + 0.1 * math.pi**4 / 5 + 0.1**2 * math.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + 0.1 * math.pi**4 / 5) ** 2
    v2 = 7**2 / 8
    v13 = 0.1**2 * math.pi**8 * (1 / 18 - 1 / 50)
    exact_s1 = {"x1": v1 / v, "x2": v2 / v, "x3": 0.0}
    exact_st = {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v}
    for name in exact_s1:
        row = indices.loc[name]
        # SALib's bootstrap CI (95%) is the stated tolerance; 2 half-widths keeps it non-flaky
        assert abs(row["S1"] - exact_s1[name]) < 2 * row["S1_conf"] + 1e-9, name
        assert abs(row["ST"] - exact_st[name]) < 2 * row["ST_conf"] + 1e-9, name
        assert row["S1_conf"] < 0.1 and row["ST_conf"] < 0.1


def _linear(point, strategy, seed, identity):
    return {"y": 10 * point["a"] + 1 * point["b"] + 0 * point["c"]}


def test_morris_ranks_a_linear_function(tmp_path):
    params = {n: {"low": 0.0, "high": 1.0} for n in "abc"}
    design = {"kind": "morris", "samples": 10, "levels": 4, "seed": 2}
    js.sweep(out=tmp_path / "m", workers=1, model=_linear, parameters=params, design=design)
    mu = js.sensitivity(tmp_path / "m", "y").set_index("parameter")["mu_star"]
    assert mu["a"] == pytest.approx(10) and mu["b"] == pytest.approx(1) and mu["c"] == 0


def test_sensitivity_needs_a_sensitivity_design(tmp_path):
    js.sweep(
        out=tmp_path / "g",
        workers=1,
        model=_linear,
        parameters={"a": {"values": [0, 1]}, "b": {"values": [0]}, "c": {"values": [0]}},
    )
    with pytest.raises(js.ScenarioError, match="needs a 'saltelli' or 'morris' design"):
        js.sensitivity(tmp_path / "g")


def test_kill_and_resume_loses_nothing(tmp_path):
    spec = small_sweep(design={"kind": "lhs", "samples": 8, "seed": 3}, batch_size=4)
    sweepfile = tmp_path / "sweep.toml"
    sweepfile.write_text(_to_toml(spec))
    reference = js.sweep(sweepfile, out=tmp_path / "reference", workers=1)
    out = tmp_path / "killed"
    exe = Path(sys.executable).with_name("journeysim")
    cmd = [str(exe), "sweep", str(sweepfile), "--out", str(out), "--workers", "1", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out / "runs" / "journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until some runs, not all, are stored
        parts = list((out / "runs").glob("part-*.parquet")) if out.exists() else []
        lines = journal.read_text().count("\n") if journal.exists() else 0
        if parts and lines >= 1:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = load_sweep(out)
    assert 0 < len(stored) < len(reference)  # killed in the middle
    assert main(["sweep", str(sweepfile), "--out", str(out), "--resume", "--quiet"]) == 0
    resumed = load_sweep(out)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(reference))
    # resuming a complete sweep runs nothing and changes nothing
    assert main(["sweep", str(sweepfile), "--out", str(out), "--resume", "--quiet"]) == 0
    pd.testing.assert_frame_equal(comparable(load_sweep(out)), comparable(reference))


@pytest.mark.slow
def test_dask_engine_on_a_local_cluster_matches_local(tmp_path):
    pytest.importorskip("distributed")
    local = js.sweep(out=tmp_path / "local", workers=1, **small_sweep())
    dask = js.sweep(out=tmp_path / "dask", engine="dask", workers=2, **small_sweep())
    pd.testing.assert_frame_equal(comparable(local), comparable(dask))


def test_dask_with_a_real_scheduler_address(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:
        data = js.sweep(
            out=tmp_path / "d",
            engine="dask",
            scheduler=cluster.scheduler_address,
            **small_sweep(replications=1),
        )
    local = js.sweep(out=tmp_path / "l", workers=1, **small_sweep(replications=1))
    pd.testing.assert_frame_equal(comparable(local), comparable(data))


def test_unreachable_scheduler_fails_fast(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(
        STAFFING.read_text().replace('"../retail.toml"', f'"{ROOT}/scenarios/retail.toml"')
    )
    start = time.monotonic()
    code = main(
        [
            "sweep",
            str(spec),
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ]
    )
    assert code == 2 and time.monotonic() - start < 60
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            {"parameters": {"touchpoints.kiosk.quality": {"low": 1.0, "high": 2.0}}},
            "no 'kiosk' under touchpoints",
        ),
        (
            {"parameters": {"touchpoints.call_centre.quality": {"low": 2.0, "high": 2.0}}},
            "empty range",
        ),
        (
            {
                "design": {"kind": "grid", "max_points": 2},
                "parameters": {
                    "touchpoints.call_centre.capacity": {"type": "int", "low": 1, "high": 5}
                },
            },
            "more than max_points",
        ),
        ({"strategies": ["baseline", "nosuch"]}, "unknown strategy 'nosuch'"),
        ({"outcomes": ["happiness"]}, "unknown outcome 'happiness'"),
        ({"replications": 0}, "greater than or equal to 1"),
    ],
)
def test_bad_sweep_files_exit_2_and_write_nothing(tmp_path, change, fragment, capsys):
    sweepfile = tmp_path / "bad.toml"
    sweepfile.write_text(_to_toml(small_sweep(**change)))
    out = tmp_path / "out"
    assert main(["sweep", str(sweepfile), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_output_directory_guards(tmp_path, capsys):
    sweepfile = tmp_path / "s.toml"
    sweepfile.write_text(_to_toml(small_sweep(replications=1)))
    out = tmp_path / "out"
    assert main(["sweep", str(sweepfile), "--out", str(out), "--quiet"]) == 0
    before = load_sweep(out)
    # same sweep again without --resume: refused, nothing lost
    assert main(["sweep", str(sweepfile), "--out", str(out), "--quiet"]) == 2
    assert "use --resume" in capsys.readouterr().err
    # a different sweep into the same directory: refused, nothing lost
    other = tmp_path / "other.toml"
    other.write_text(_to_toml(small_sweep(replications=1, seed=99)))
    assert main(["sweep", str(other), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "holds a different sweep" in capsys.readouterr().err
    pd.testing.assert_frame_equal(load_sweep(out), before)
    shutil.rmtree(out)


def _to_toml(spec):
    lines = []
    tables = {}
    for key, value in spec.items():
        if isinstance(value, dict):
            tables[key] = value
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    for name, table in tables.items():
        lines.append(f"[{name}]")
        for key, value in table.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
                lines.append(f'"{key}" = {{ {inner} }}')
            else:
                lines.append(f'"{key}" = {json.dumps(value)}')
    return "\n".join(lines) + "\n"
