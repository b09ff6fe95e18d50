"""Where a sweep's results live: a manifest, a journal and Parquet parts, safe against kills.

Layout of a results directory::

    OUT/manifest.json            the sweep definition, its fingerprint, the design matrix
    OUT/runs/part-00000.parquet  batches of finished runs
    OUT/runs/journal.jsonl       finished runs not yet in a part
    OUT/.lock                    locked while a sweep writes here

Why a journal *and* parts: a run must be safe the moment it finishes (a sweep can be killed at
any time, SIGKILL included), but one Parquet file per run would make thousands of tiny files.
So every finished run is appended to the journal as one JSON line (flushed to the operating
system at once, which is all a process kill needs), and every ``batch_size`` runs the journal is
compacted into a new part, written to a temporary file and renamed (a part is complete or
absent). A kill between the rename and the journal's truncation leaves a run in both places;
loading de-duplicates by run key, so that is harmless. A line cut short by a kill is a run that
had not finished writing: it is ignored and run again on resume.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from journeysim.atomic import write_atomic, write_text_atomic
from journeysim.errors import ScenarioError

__all__ = ["JOURNAL", "MANIFEST", "RUNS", "SweepStore", "load_sweep", "read_manifest"]

MANIFEST = "manifest.json"
RUNS = "runs"
JOURNAL = "journal.jsonl"
LOCK = ".lock"

# Directories locked by this process. The POSIX record lock below belongs to the process, so it
# cannot stop a second sweep of the same process (two threads of a notebook) from writing to the
# same directory; this set does.
_HELD: set[Path] = set()
_HELD_GUARD = threading.Lock()


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a results directory (a clear error if there is none)."""
    path = Path(out) / MANIFEST
    if not path.is_file():
        raise ScenarioError("no sweep results here (manifest.json missing)", source=str(out))
    return json.loads(path.read_text(encoding="utf-8"))


def load_sweep(out: str | Path) -> pd.DataFrame:
    """Load a sweep's results: one row per run, de-duplicated by key, in design order.

    Parameters
    ----------
    out:
        The results directory of :func:`journeysim.sweep` (or ``journeysim sweep --out``).
        It may belong to a sweep that is still running or was interrupted: every run stored
        so far is returned.

    Returns
    -------
    pandas.DataFrame
        Columns ``point``, one per parameter (its dotted path), ``strategy``, ``replication``,
        ``seed``, ``key``, ``status`` (``ok`` / ``failed`` / ``invalid``), ``error``,
        ``attempts``, then the outcomes. Rows are ordered by point, strategy (in the sweep's
        order) and replication, so a resumed sweep loads exactly like an uninterrupted one.
    """
    out = Path(out)
    manifest = read_manifest(out)
    directory = out / RUNS
    # The journal first, then the parts: a compaction by a sweep still running moves rows from
    # the journal into a new part, which this order sees in one place or the other (or both,
    # and duplicates are dropped); the other order could miss them.
    journal = _read_journal(directory / JOURNAL)
    frames = [pd.read_parquet(p) for p in _parts(directory)]
    if journal:
        frames.append(pd.DataFrame(journal))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    data = pd.concat(frames, ignore_index=True).drop_duplicates("key", keep="first")
    order = {name: i for i, name in enumerate(manifest["spec"]["strategies"])}
    data = data.assign(_s=data["strategy"].map(order))
    data = data.sort_values(["point", "_s", "replication"], kind="stable").drop(columns="_s")
    return data.reset_index(drop=True)


class SweepStore:
    """The results directory of one sweep, opened for writing.

    Parameters
    ----------
    out:
        The directory; created if missing.
    batch_size:
        Finished runs per Parquet part.
    """

    def __init__(self, out: str | Path, batch_size: int) -> None:
        self.out = Path(out)
        self.directory = self.out / RUNS
        self.batch_size = batch_size
        self._lock: Any = None
        self._held: Path | None = None
        self._journal: Any = None
        self._rows: list[dict[str, Any]] = []

    # -- opening -------------------------------------------------------------------------------

    def open(
        self, manifest: dict[str, Any], resume: bool, describe: str = "this sweep"
    ) -> set[str]:
        """Lock the directory, check or write the manifest; return the run keys already stored.

        A directory holding a different sweep (another fingerprint), or results of this sweep
        without ``resume``, is refused before anything is touched.
        """
        out = self.out
        manifest_path = out / MANIFEST
        self.check(manifest, resume, describe)
        out.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        try:
            if manifest_path.exists():
                self.check(manifest, resume, describe)  # again, now that the lock is ours
                for stale in self.directory.glob("*.tmp"):  # a part cut short by a kill
                    stale.unlink()
                keys = self._stored_keys()
            else:
                self.directory.mkdir(parents=True, exist_ok=True)
                document = {"created": datetime.now(UTC).isoformat(timespec="seconds")}
                document.update(manifest)
                write_text_atomic(manifest_path, json.dumps(document, indent=1, default=str))
                keys = set()
        except BaseException:
            self._release_lock()
            raise
        journal = self.directory / JOURNAL
        self._rows = _read_journal(journal)
        if self._rows:  # runs of a killed sweep: into a part first, then the journal is emptied
            self._journal = journal.open("a", encoding="utf-8")
            self._compact()
        else:  # at most a line cut short by a kill: drop it, or the next run would extend it
            self._journal = journal.open("w", encoding="utf-8")
        return keys

    def check(self, manifest: dict[str, Any], resume: bool, describe: str = "this sweep") -> None:
        """Refuse a directory this sweep may not write to, without touching anything."""
        out = self.out
        if not (out / MANIFEST).exists():
            if out.exists() and (not out.is_dir() or not _only_sweep_leftovers(out)):
                raise ScenarioError(f"{out} is not empty and holds no sweep", source=str(out))
            return
        stored = read_manifest(out)
        if stored.get("fingerprint") != manifest["fingerprint"]:
            old_spec, new_spec = stored.get("spec", {}), manifest.get("spec", {})
            changed = sorted(
                k for k in {**old_spec, **new_spec} if old_spec.get(k) != new_spec.get(k)
            )
            changed = [k for k in changed if k not in ("batch_size", "retries")]
            what = (
                f"its {', '.join(changed)} {'differs' if len(changed) == 1 else 'differ'}"
                if changed
                else "its scenario, model, design points or journeysim version differ"
            )
            raise ScenarioError(
                f"{out} holds a different sweep ({old_spec.get('name')!r}: {what}); choose "
                "another output directory",
                source=str(out),
            )
        if not resume:
            raise ScenarioError(
                f"{out} already holds results of {describe}; resume it (--resume, "
                "resume=True) to complete it, or choose another output directory",
                source=str(out),
            )

    def _stored_keys(self) -> set[str]:
        """Keys of the stored runs, reading only the key column (never the whole dataset)."""
        keys: set[str] = set()
        for part in _parts(self.directory):
            keys.update(pd.read_parquet(part, columns=["key"])["key"])
        keys.update(row["key"] for row in _read_journal(self.directory / JOURNAL))
        return keys

    def _acquire_lock(self) -> None:
        held = self.out.resolve()
        with _HELD_GUARD:
            if held in _HELD:
                raise ScenarioError(
                    f"{self.out} is in use by another running sweep", source=str(self.out)
                )
            _HELD.add(held)
        self._held = held
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock
            return
        try:
            handle = open(self.out / LOCK, "a")  # noqa: SIM115 - held until close()
        except OSError as exc:
            self._release_lock()
            raise ScenarioError(
                f"cannot write here: {exc.strerror}", source=str(self.out)
            ) from None
        try:
            # a POSIX record lock, not flock: it is not inherited by forked worker processes,
            # so a killed sweep's lingering workers never keep the directory locked
            fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            self._release_lock()
            raise ScenarioError(
                f"{self.out} is in use by another running sweep", source=str(self.out)
            ) from None
        self._lock = handle

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the descriptor releases the lock
            self._lock = None
        if self._held is not None:
            with _HELD_GUARD:
                _HELD.discard(self._held)
            self._held = None

    # -- writing -------------------------------------------------------------------------------

    def add(self, row: dict[str, Any]) -> None:
        """Store one finished run: at once in the journal, in a part with its batch."""
        self._journal.write(json.dumps(row, default=str) + "\n")
        self._journal.flush()
        self._rows.append(row)
        if len(self._rows) >= self.batch_size:
            self._compact()

    def close(self) -> None:
        """Compact what is left of the journal and release the directory."""
        try:
            if self._journal is not None:
                self._compact()
                self._journal.close()
                self._journal = None
        finally:
            self._release_lock()

    def _compact(self) -> None:
        if not self._rows:
            return
        existing = _parts(self.directory)
        number = int(existing[-1].stem.split("-")[1]) + 1 if existing else 0
        path = self.directory / f"part-{number:05d}.parquet"
        frame = pd.DataFrame(self._rows)
        write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False), sync=True)
        self._rows = []
        self._journal.close()
        # the rows are safe in the part now: start an empty journal
        self._journal = (self.directory / JOURNAL).open("w", encoding="utf-8")


def _only_sweep_leftovers(out: Path) -> bool:
    """Whether ``out`` holds only what a sweep killed before its manifest leaves behind.

    That is the lock file, a manifest cut short while written and an empty runs directory:
    such a directory may be started afresh.
    """
    for entry in out.iterdir():
        if entry.name in (LOCK, MANIFEST + ".tmp") and entry.is_file():
            continue
        if entry.name == RUNS and entry.is_dir() and not any(entry.iterdir()):
            continue
        return False
    return True


def _parts(directory: Path) -> list[Path]:
    """The Parquet parts in the order they were written (numerically: part-100000 > 99999)."""
    return sorted(directory.glob("part-*.parquet"), key=lambda p: int(p.stem.split("-")[1]))


def _read_journal(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut by a kill: that run had not finished writing
            continue
    return rows
