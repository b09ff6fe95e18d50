"""Atomic file writes: a reader (or a crash) never sees a half-written file.

Every file journeysim writes for a user (result tables, sweep manifests and parts) goes
through :func:`write_atomic`: the content is written to ``NAME.tmp`` beside the target, flushed
to disk, and renamed over the target in one step (``os.replace`` is atomic on POSIX and Windows
within one file system).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["TMP_SUFFIX", "write_atomic", "write_text_atomic"]

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
