"""Sweeps: determinism across engines, failures, kill-and-resume, and bad input."""

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import journeysim as js
from journeysim.cli import main
from journeysim.experiments.sweeps import load_sweep
from tests.helpers import RETAIL, ROOT

STAFFING = ROOT / "scenarios" / "sweeps" / "retail_staffing.toml"
KPIS = ["retention_rate", "nps", "csat", "mean_wait_minutes", "revenue", "cost", "profit"]


def small_sweep(**changes):
    spec = {
        "scenario": str(ROOT / "scenarios" / "retail.toml"),
        "strategies": ["baseline", "cem"],
        "replications": 2,
        "seed": 5,
        "outcomes": ["nps", "retention_rate", "profit"],
        # an explicit empty start: the CLI in a subprocess reads the shipped file with its
        # burn-in, in-process tests without it (tests/conftest.py); a resume must see one sweep
        "overrides": {
            "simulation.horizon": "40 d",
            "population.arrivals_per_day": 6,
            "simulation.burn_in": "0 d",
            "simulation.start": "empty",
        },
        "design": {"kind": "lhs", "samples": 3, "seed": 1},
        "parameters": {"touchpoints.call_centre.quality": {"low": 5.0, "high": 8.0}},
    }
    spec.update(changes)
    return spec


def comparable(frame):
    return frame.drop(columns=["error"]).reset_index(drop=True)


def test_example_sweep_runs_and_keys_are_unique(tmp_path):
    data = js.sweep(STAFFING, out=tmp_path / "out", workers=1, replications=1)
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


def test_invalid_points_are_recorded_and_mixed_values_stored(tmp_path):
    """'unlimited' contradicts the call centre's staff schedule: that point is recorded as
    invalid, the others run; the mixed 2 / 'unlimited' column is stored as text."""
    capacity = "touchpoints.call_centre.capacity"
    spec = small_sweep(
        strategies=["baseline"],
        replications=1,
        design={"kind": "grid"},
        parameters={capacity: {"type": "categorical", "values": [2, "unlimited", 3]}},
    )
    data = js.sweep(out=tmp_path / "o", workers=1, **spec)
    assert data[capacity].tolist() == ["2", "unlimited", "3"]
    assert data["status"].tolist() == ["ok", "invalid", "ok"]
    invalid = data.iloc[1]
    assert "an unlimited (self-service) touchpoint takes no 'schedule'" in invalid["error"]
    assert invalid["attempts"] == 0 and pd.isna(invalid["nps"])
    assert data["key"].is_unique
    # the order of the values does not matter: an invalid first point is just as invalid
    first = {capacity: {"type": "categorical", "values": ["unlimited", 2, 3]}}
    data = js.sweep(out=tmp_path / "p", workers=1, **{**spec, "parameters": first})
    assert data["status"].tolist() == ["invalid", "ok", "ok"]


def test_a_point_the_engine_refuses_is_invalid_not_retried(tmp_path):
    """Runaway word of mouth has no steady state: the run refuses it (ScenarioError, the
    field named) the same way every time, so the point is invalid at once, not retried."""
    referrals = "referrals.per_customer_per_day"
    spec = small_sweep(
        strategies=["baseline"],
        replications=1,
        design={"kind": "grid"},
        parameters={referrals: {"values": [0.0, 0.01]}},
    )
    spec["overrides"].update(
        {"simulation.horizon": "20 d", "simulation.start": "steady", "simulation.burn_in": "6 d"}
    )
    data = js.sweep(out=tmp_path / "o", workers=1, **spec)
    assert data["status"].tolist() == ["ok", "invalid"]
    refused = data.iloc[1]
    assert refused["attempts"] == 1
    assert "simulation.start: no steady state" in refused["error"]


def test_a_list_design_needs_no_parameter_table(tmp_path, capsys):
    sweepfile = tmp_path / "list.toml"
    sweepfile.write_text(
        textwrap.dedent(
            f"""
            scenario = "{RETAIL}"
            outcomes = ["nps"]
            [overrides]
            "simulation.horizon" = "30 d"
            "population.arrivals_per_day" = 4
            [design]
            kind = "list"
            points = [
              {{ "touchpoints.call_centre.capacity" = 1, "segments.value.patience" = "3 min" }},
              {{ "touchpoints.call_centre.capacity" = 4, "segments.value.patience" = "9 min" }},
            ]
            """
        )
    )
    data = js.sweep(sweepfile, out=tmp_path / "o", workers=1)
    assert data["touchpoints.call_centre.capacity"].tolist() == [1, 4]
    assert data["segments.value.patience"].tolist() == ["3 min", "9 min"]
    assert (data["status"] == "ok").all()
    sweepfile.write_text(sweepfile.read_text().replace(', "segments.value.patience" = "9 min"', ""))
    assert main(["sweep", str(sweepfile), "--out", str(tmp_path / "p"), "--quiet"]) == 2
    assert f"{sweepfile}: design.points: point 1 does not set" in capsys.readouterr().err


def _die_in_worker(point, strategy, seed, identity):
    if point["x"] == 3:
        os._exit(1)  # a worker killed from outside (OOM killer, node lost ...)
    return {"y": 1.0}


def test_a_run_that_kills_its_worker_is_recorded_as_failed_and_the_sweep_completes(tmp_path):
    """The dying worker takes the runs in flight with it; they are rerun one at a time, so only
    the run that kills its worker even alone is failed, and a resume has nothing left to do."""
    params = {"x": {"type": "int", "low": 0, "high": 7}}
    data = js.sweep(out=tmp_path / "o", workers=2, model=_die_in_worker, parameters=params)
    assert len(data) == 8 and data["x"].tolist() == list(range(8))
    failed = data[data["status"] == "failed"]
    assert failed["x"].tolist() == [3]
    assert "worker process died" in failed["error"].iloc[0]
    assert (data.loc[data["x"] != 3, "y"] == 1.0).all()
    again = js.sweep(
        out=tmp_path / "o", workers=2, model=_die_in_worker, parameters=params, resume=True
    )
    pd.testing.assert_frame_equal(again, data)


def test_functions_defined_in_main_work_on_local_processes(tmp_path):
    """A notebook (or a script without a __main__ guard) defines its model in __main__."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(ROOT)!r})
            import journeysim as js

            OFFSET = 0.5

            def model(point, strategy, seed, identity):
                return {{"y": point["x"] * 2 + OFFSET}}

            data = js.sweep(
                out={str(tmp_path / "o")!r},
                workers=2,
                model=model,
                parameters={{"x": {{"type": "int", "low": 0, "high": 7}}}},
            )
            print(data["y"].tolist())
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str([x * 2 + 0.5 for x in range(8)])


def test_progress_bar_counts_runs_and_points(tmp_path, capsys):
    spec = {"parameters": {"x": {"type": "int", "low": 0, "high": 2}}, "replications": 2}
    js.sweep(out=tmp_path / "o", workers=1, model=_flaky, progress=True, **spec)
    err = capsys.readouterr().err
    assert "6/6" in err and "run/s" in err and "points 3/3" in err
    js.sweep(out=tmp_path / "q", workers=1, model=_flaky, progress=False, **spec)
    assert capsys.readouterr().err == ""
    # a design that revisits points (Morris on integers): the bar counts distinct runs
    revisits = {
        "parameters": {n: {"type": "int", "low": 0, "high": 1} for n in "ab"},
        "design": {"kind": "morris", "samples": 4, "levels": 2, "seed": 1},
    }
    data = js.sweep(out=tmp_path / "m", workers=1, model=_sum_ab, progress=True, **revisits)
    assert len(data) < 4 * 3
    final = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert f"{len(data)}/{len(data)}" in final, final


def _sum_ab(point, strategy, seed, identity):
    return {"y": float(point["a"] + point["b"])}


@pytest.fixture(scope="module")
def kill_reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kill")
    spec = small_sweep(design={"kind": "lhs", "samples": 8, "seed": 3}, batch_size=4)
    sweepfile = tmp / "sweep.toml"
    sweepfile.write_text(_to_toml(spec))
    return sweepfile, js.sweep(sweepfile, out=tmp / "reference", workers=1)


def _children(pid):
    """Processes whose parent is ``pid`` (Linux /proc)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_and_resume_loses_nothing(tmp_path, kill_reference, workers):
    sweepfile, reference = kill_reference
    out = tmp_path / "killed"
    exe = Path(sys.executable).with_name("journeysim")
    cmd = [str(exe), "sweep", str(sweepfile), "--out", str(out), "--workers", str(workers)]
    proc = subprocess.Popen([*cmd, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out / "runs" / "journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until some runs, not all, are stored
        parts = list((out / "runs").glob("part-*.parquet")) if out.exists() else []
        lines = journal.read_text().count("\n") if journal.exists() else 0
        if parts and lines >= 1:
            break
        time.sleep(0.05)
    workers_before = _children(proc.pid) if Path("/proc").is_dir() else []
    assert len(workers_before) >= (workers > 1 and Path("/proc").is_dir())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = load_sweep(out)
    assert 0 < len(stored) < len(reference)  # killed in the middle
    assert (stored["status"] == "ok").all()
    # the killed sweep's worker processes do not linger
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in workers_before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers_before)
    assert main([*cmd[1:], "--resume", "--quiet"]) == 0
    resumed = load_sweep(out)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(reference))
    # resuming a complete sweep runs nothing and changes nothing
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert main([*cmd[1:], "--resume", "--quiet"]) == 0
    assert sorted((out / "runs").glob("part-*.parquet")) == parts
    pd.testing.assert_frame_equal(comparable(load_sweep(out)), comparable(reference))


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
        ({"replications": 0}, "whole number from 1 to 1,000,000 (got 0)"),
        (
            {
                "parameters": {
                    "touchpoints.call_centre.capacity": {"type": "int", "low": 0, "high": 2}
                }
            },
            "value 0 is not allowed",
        ),
        (
            {
                "parameters": {
                    "population.arrivals_per_day": {"type": "int", "low": 1.2, "high": 1.8}
                }
            },
            "no integer between 1.2 and 1.8",
        ),
        ({"parameters": {"seed": {"low": 0.0, "high": 1.0}}}, "may not be called 'seed'"),
        ({"design": {"kind": "morris", "samples": 0}}, "design.samples"),
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
    assert "resume it (--resume, resume=True)" in capsys.readouterr().err
    # a different sweep into the same directory: refused, nothing lost
    other = tmp_path / "other.toml"
    other.write_text(_to_toml(small_sweep(replications=1, seed=99)))
    assert main(["sweep", str(other), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "holds a different sweep ('sweep': its seed differs)" in capsys.readouterr().err
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


def _y_plus_one(point, strategy, seed, identity):
    return {"y": point["x"] + 1.0}


def _y_times_two(point, strategy, seed, identity):
    return {"y": point["x"] * 2.0}


def test_resume_refuses_a_changed_model_or_design(tmp_path, monkeypatch):
    """A resume adds runs only to the very same sweep: same points, same model code."""
    params = {"x": {"low": 0.0, "high": 1.0}}
    design = {"kind": "lhs", "samples": 4, "seed": 1}
    out = tmp_path / "o"
    js.sweep(out=out, workers=1, model=_y_plus_one, parameters=params, design=design)
    again = js.sweep(
        out=out, workers=1, model=_y_plus_one, parameters=params, design=design, resume=True
    )
    assert len(again) == 4
    other_code = _y_times_two
    other_code.__qualname__ = _y_plus_one.__qualname__  # same name, other code
    try:
        with pytest.raises(js.ScenarioError, match="holds a different sweep"):
            js.sweep(
                out=out, workers=1, model=other_code, parameters=params, design=design, resume=True
            )
    finally:
        other_code.__qualname__ = "_y_times_two"
    # the same spec whose design would now give other points (as a newer scipy might)
    sweep_module = importlib.import_module(
        "journeysim.experiments.sweeps"
    )  # the module, not js.sweep
    real = sweep_module.make_design

    def shifted(design, parameters):
        points, unit = real(design, parameters)
        return points + 0.001, unit

    monkeypatch.setattr(sweep_module, "make_design", shifted)
    with pytest.raises(js.ScenarioError, match="holds a different sweep"):
        js.sweep(
            out=out, workers=1, model=_y_plus_one, parameters=params, design=design, resume=True
        )
    assert len(load_sweep(out)) == 4


def _die_late(point, strategy, seed, identity):
    if point["x"] == 3:
        time.sleep(0.2)
        os._exit(1)
    return {"y": 1.0}


def test_a_pool_that_breaks_between_two_submissions_is_replaced_too(tmp_path, monkeypatch):
    """The pool may break while the parent is busy storing a row: the next submission then
    fails at once, and that must be handled like a run failing with the pool."""
    from journeysim.experiments.store import SweepStore

    real_add = SweepStore.add

    def slow_add(self, row):
        real_add(self, row)
        time.sleep(0.3)  # a compaction with fsync, say: the worker dies meanwhile

    monkeypatch.setattr(SweepStore, "add", slow_add)
    params = {"x": {"type": "int", "low": 0, "high": 7}}
    data = js.sweep(out=tmp_path / "o", workers=2, model=_die_late, parameters=params)
    assert data["x"].tolist() == list(range(8))
    assert data.loc[data["status"] == "failed", "x"].tolist() == [3]


def test_a_model_that_cannot_travel_fails_before_anything_is_written(tmp_path):
    import threading

    guard = threading.Lock()

    def locked(point, strategy, seed, identity):
        with guard:
            return {"y": float(point["x"])}

    params = {"x": {"type": "int", "low": 0, "high": 3}}
    with pytest.raises(js.JourneysimError, match="model cannot be sent to a worker"):
        js.sweep(out=tmp_path / "o", workers=2, model=locked, parameters=params)
    assert not (tmp_path / "o").exists()
    # nothing is left locked: the same directory takes a sweep at once
    data = js.sweep(out=tmp_path / "o", workers=1, model=_y_plus_one, parameters=params)
    assert len(data) == 4


def test_sweep_file_errors_use_the_scenario_translator(tmp_path):
    """One translator: a typo in a sweep file gets the same kind of line as in a scenario."""
    path = tmp_path / "s.toml"
    path.write_text(
        'scenario = "x.toml"\nreplicatons = 2\n\n[parameters.a]\nlow = 0.0\nhigh = 1.0\n'
    )
    with pytest.raises(js.ScenarioError) as info:
        js.experiments.load_sweep_spec(path)
    message = str(info.value)
    assert message.startswith(
        f"{path}:2: replicatons: unknown field (did you mean 'replications'?)"
    )
    path.write_text('scenario = "x.toml"\nreplications = 2 2\nseed = 1\n')
    with pytest.raises(js.ScenarioError, match=r"s.toml:2: not valid TOML"):
        js.experiments.load_sweep_spec(path)
