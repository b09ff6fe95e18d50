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
    damaged = (
        "is damaged ({}): restore it from a copy, or move this results directory away and run "
        "the sweep again"
    )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ScenarioError(damaged.format(f"not JSON: {exc}"), source=str(path)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read it: {exc.strerror or exc}", source=str(path)) from None
    spec = manifest.get("spec") if isinstance(manifest, dict) else None
    if (
        not isinstance(spec, dict)
        or not isinstance(spec.get("strategies"), list)
        or not isinstance(manifest.get("fingerprint"), str)
    ):
        raise ScenarioError(damaged.format("not a sweep manifest"), source=str(path))
    return manifest


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
    journal = _read_journal(directory / JOURNAL, manifest)
    frames = [_read_part(p) for p in _parts(directory)]
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
                keys = self._stored_keys(manifest)
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
        self._rows = _read_journal(journal, manifest)
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

    def _stored_keys(self, manifest: dict[str, Any]) -> set[str]:
        """Keys of the stored runs, reading only the key column (never the whole dataset)."""
        keys: set[str] = set()
        for part in _parts(self.directory):
            keys.update(_read_part(part, columns=["key"])["key"])
        keys.update(row["key"] for row in _read_journal(self.directory / JOURNAL, manifest))
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


def _read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A Parquet part, or one line naming it if it is damaged (say, cut short by a full disk)."""
    try:
        return pd.read_parquet(path, columns=columns)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
        reason = " ".join(str(exc).split())[:160]
        raise ScenarioError(
            f"damaged results part ({type(exc).__name__}: {reason}): delete this file and run "
            "the sweep again with --resume to redo its runs",
            source=str(path),
        ) from None


_ROW_KEYS = ("point", "strategy", "replication", "key", "status")


def _foreign(row: Any, manifest: dict[str, Any] | None) -> str | None:
    """Why a journal line is not a run of this sweep (None if it is one)."""
    if not isinstance(row, dict):
        return f"a JSON {type(row).__name__}, not a run"
    missing = [k for k in _ROW_KEYS if k not in row]
    if missing:
        return f"no {', '.join(missing)}"
    key = row["key"]
    if not isinstance(key, str) or not key:
        return f"run key {key!r} is not one journeysim writes"
    if manifest is None:
        return None
    spec = manifest.get("spec", {})
    if row["strategy"] not in spec.get("strategies", []):
        return f"strategy {row['strategy']!r} is not in this sweep"
    if "seed" in spec and row.get("seed") != spec["seed"]:
        return f"seed {row.get('seed')!r} is not this sweep's ({spec['seed']})"
    points, replications = manifest.get("points"), spec.get("replications")
    point, replication = row["point"], row["replication"]
    if not isinstance(point, int) or (isinstance(points, int) and not 0 <= point < points):
        return f"point {point!r} is not in this sweep's design"
    if not isinstance(replication, int) or (
        isinstance(replications, int) and not 0 <= replication < replications
    ):
        return f"replication {replication!r} is not in this sweep"
    return None


def _read_journal(path: Path, manifest: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The runs in the journal; a damaged or foreign line is an error naming it.

    Only the last line may be cut short (a kill while it was written): that run had not
    finished writing, so it is ignored (and run again on resume). Any other line that is not
    a run of this sweep (``manifest``) would otherwise slip into the results.
    """
    if not path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            f"cannot read the journal ({exc}): delete it and run the sweep again with --resume",
            source=str(path),
        ) from None
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            if number == len(lines):  # a line cut by a kill: that run had not finished writing
                continue
            row, why = None, "not JSON"
        else:
            why = _foreign(row, manifest)
        if why is not None:
            raise ScenarioError(
                f"line {number} is not a run of this sweep ({why}): remove that line (the "
                "sweep's own runs are unaffected) and try again",
                source=str(path),
            )
        rows.append(row)
    return rows
