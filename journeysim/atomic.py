"""Atomic file writes: a reader (or a crash) never sees a half-written file.

Every file journeysim writes for a user (result tables, sweep manifests and parts) goes
through :func:`write_atomic`: the content is written to ``NAME.tmp`` beside the target, flushed
to disk, and renamed over the target in one step (``os.replace`` is atomic on POSIX and Windows
within one file system).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "TMP_SUFFIX",
    "output_problem",
    "write_all_atomic",
    "write_atomic",
    "write_text_atomic",
]

#: Suffix of the temporary file written beside the target (left over only by a kill).
TMP_SUFFIX = ".tmp"


def write_atomic(path: str | Path, write: Callable[[Path], object], *, sync: bool = False) -> Path:
    """Call ``write(tmp_path)`` and rename the result over ``path``; return ``path``.

    Parameters
    ----------
    path:
        The file to write.
    write:
        Writes the whole content to the path it is given (e.g. ``frame.to_parquet``).
    sync:
        Flush the written file to disk before the rename (sweep parts: a power cut then keeps
        either the old file or the whole new one).

    Raises
    ------
    OSError
        If writing or renaming fails; the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    try:
        write(tmp)
        if sync:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | Path, text: str, *, sync: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), sync=sync)


def write_all_atomic(files: dict[Path, Callable[[Path], object]]) -> list[Path]:
    """Write several files all or nothing: every one to its temporary name, then the renames.

    If any write fails (disk full, a value the format cannot hold), every temporary file is
    removed and no target is touched, so a directory never holds some tables of a new result
    beside others of an old one (or alone).

    Raises
    ------
    OSError
        Or whatever a writer raised; nothing was renamed.
    """
    written: list[tuple[Path, Path]] = []
    try:
        for path, write in files.items():
            tmp = path.with_name(path.name + TMP_SUFFIX)
            written.append((tmp, path))
            write(tmp)
    except BaseException:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in written:
        os.replace(tmp, path)
    return [path for _, path in written]


def output_problem(path: str | Path) -> str | None:
    """What stops journeysim from creating and writing directory ``path`` (None: nothing).

    Checked before any work: the nearest existing ancestor must be a directory in which a file
    can be created (a probe file is created and removed). This finds an output under a file,
    under ``/proc``, on a read-only file system or without permission while it is still cheap
    to say so. (A full disk can only be found when writing; :func:`write_all_atomic` then
    leaves nothing behind.)

    Returns
    -------
    str or None
        One phrase naming the problem, for the caller's error message.
    """
    path = Path(path)
    probe = path
    while True:
        if probe.is_symlink() and not probe.exists():
            return f"{probe} is a broken symbolic link (or a link loop)"
        if probe.exists() or probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        if probe == path:
            return f"{path} is a file, not a directory"
        return f"cannot create {path}: {probe} is a file"
    try:
        handle, name = tempfile.mkstemp(prefix=".journeysim-probe-", dir=probe)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        return f"cannot write in {probe}: {exc.strerror or exc}"
    return None
