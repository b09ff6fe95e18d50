"""The results directory: journal + atomic parts, de-duplication, locking, torn writes."""

import json
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import journeysim as js
from journeysim.experiments.store import JOURNAL, RUNS, SweepStore, _read_journal, read_manifest
from tests.helpers import ROOT

SPEC = {
    "parameters": {"x": {"type": "int", "low": 0, "high": 9}},
    "replications": 2,
    "batch_size": 4,
}


def _square(point, strategy, seed, identity):
    return {"y": float(point["x"] ** 2), "stream": float(identity[0] % 1000)}


def comparable(frame):
    return frame.drop(columns=["error"]).reset_index(drop=True)


@pytest.fixture
def reference(tmp_path):
    return js.sweep(out=tmp_path / "reference", workers=1, model=_square, **SPEC)


def test_parts_are_batches_and_the_journal_ends_empty(tmp_path, reference):
    runs = tmp_path / "reference" / RUNS
    parts = sorted(runs.glob("part-*.parquet"))
    assert len(parts) == 5  # 20 runs in batches of 4
    assert [len(pd.read_parquet(p)) for p in parts] == [4] * 5
    assert (runs / JOURNAL).read_text() == ""
    assert len(reference) == 20 and reference["key"].is_unique
    manifest = read_manifest(tmp_path / "reference")
    assert manifest["runs"] == 20 and manifest["points"] == 10 and manifest["created"]


def test_a_torn_journal_line_is_a_run_that_did_not_finish(tmp_path, reference):
    """What a kill in the middle of writing leaves: parts, journal lines, half a line, a tmp."""
    out = tmp_path / "killed"
    js.sweep(out=out, workers=1, model=_square, **SPEC)
    runs = out / RUNS
    parts = sorted(runs.glob("part-*.parquet"))
    for part in parts[2:]:
        part.unlink()
    rows = reference.iloc[8:11].drop(columns=["error"]).to_dict("records")
    lines = [json.dumps(r) for r in rows]
    lines[-1] = lines[-1][: len(lines[-1]) // 2]  # cut short
    (runs / JOURNAL).write_text("\n".join(lines))
    (runs / "part-00002.parquet.tmp").write_bytes(b"PAR1 half a part")
    stored = js.load_sweep(out)
    assert len(stored) == 10  # 8 in parts + 2 whole journal lines
    resumed = js.sweep(out=out, workers=1, model=_square, resume=True, **SPEC)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(reference))
    assert not list(runs.glob("*.tmp"))


def test_a_torn_last_line_does_not_swallow_the_next_run(tmp_path, reference):
    """After a resume the journal must start clean: a new run appended to a cut line would be
    unreadable, and lost if the sweep were killed again before its batch is written."""
    out = tmp_path / "reference"
    runs = out / RUNS
    (runs / JOURNAL).write_text('{"point": 9, "key": "abc", "stat')  # no newline: cut short
    store = SweepStore(out, batch_size=100)
    store.open(read_manifest(out), resume=True)
    row = reference.iloc[0].to_dict() | {"key": "new-run"}
    store.add(row)  # not compacted yet: the journal alone holds it
    assert [r["key"] for r in _read_journal(runs / JOURNAL)] == ["new-run"]
    store.close()


def test_a_run_in_a_part_and_in_the_journal_is_loaded_once(tmp_path, reference):
    """A kill between a part's rename and the journal's truncation duplicates rows."""
    out = tmp_path / "reference"
    first = pd.read_parquet(sorted((out / RUNS).glob("part-*.parquet"))[0])
    rows = first.to_dict("records")
    (out / RUNS / JOURNAL).write_text("".join(json.dumps(r, default=str) + "\n" for r in rows))
    pd.testing.assert_frame_equal(comparable(js.load_sweep(out)), comparable(reference))


def test_a_directory_in_use_by_another_sweep_is_refused(tmp_path, reference):
    out = tmp_path / "reference"
    holder = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from journeysim.experiments.store import SweepStore, read_manifest
        store = SweepStore({str(out)!r}, 4)
        store.open(read_manifest({str(out)!r}), resume=True)
        print("locked", flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(js.ScenarioError, match="in use by another running sweep"):
            js.sweep(out=out, workers=1, model=_square, resume=True, **SPEC)
    finally:
        proc.kill()
        proc.wait()
    # the holder died (as a killed sweep does): its lock went with it
    again = js.sweep(out=out, workers=1, model=_square, resume=True, **SPEC)
    pd.testing.assert_frame_equal(comparable(again), comparable(reference))


def test_a_second_sweep_of_the_same_process_cannot_write_to_a_held_directory(tmp_path, reference):
    """A record lock belongs to the process: a second store in the same process (another
    notebook thread) must still be refused, and closing it must not free the first's lock."""
    from journeysim.experiments.store import SweepStore, read_manifest

    out = tmp_path / "reference"
    first = SweepStore(out, 4)
    first.open(read_manifest(out), resume=True)
    try:
        second = SweepStore(out, 4)
        with pytest.raises(js.ScenarioError, match="in use by another running sweep"):
            second.open(read_manifest(out), resume=True)
        second.close()  # a refused store holds nothing, and releasing it frees nothing
        with pytest.raises(js.ScenarioError, match="in use by another running sweep"):
            js.sweep(out=out, workers=1, model=_square, resume=True, **SPEC)
    finally:
        first.close()
    again = js.sweep(out=out, workers=1, model=_square, resume=True, **SPEC)
    pd.testing.assert_frame_equal(comparable(again), comparable(reference))


def test_a_sweep_killed_before_its_manifest_can_start_again(tmp_path):
    out = tmp_path / "o"
    (out / RUNS).mkdir(parents=True)
    (out / ".lock").touch()  # all a kill right after taking the lock leaves behind
    data = js.sweep(out=out, workers=1, model=_square, **SPEC)
    assert len(data) == 20


def test_directories_that_are_not_sweeps(tmp_path):
    with pytest.raises(js.ScenarioError, match="manifest.json missing"):
        js.load_sweep(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(js.ScenarioError, match="is not empty and holds no sweep"):
        js.sweep(out=tmp_path, workers=1, model=_square, **SPEC)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_parts_are_numbered_past_five_digits(tmp_path):
    """part-100000 sorts after part-99999: a long sweep never overwrites its newest part."""
    from journeysim.experiments.store import _parts

    for number in (99_998, 99_999, 100_000):
        (tmp_path / f"part-{number:05d}.parquet").touch()
    assert [p.stem for p in _parts(tmp_path)] == ["part-99998", "part-99999", "part-100000"]
