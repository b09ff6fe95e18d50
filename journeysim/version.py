"""The package version, and a digest of the code that decides a run's numbers.

``__version__`` comes from the installed package's metadata (``pyproject.toml`` is the one
place it is written). It is bumped whenever results change for a given seed (see the README's
development section). Because a version can be forgotten, sweeps fingerprint their runs with
:func:`model_digest` as well: a hash of the source of every module that can change a number.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

__all__ = ["__version__", "model_digest"]

try:
    __version__ = metadata.version("journeysim")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

#: Packages and modules whose source decides the numbers of a run (the layers below
#: ``experiments``): a change in any of them may change results for the same seed.
_MODEL_SOURCES = ("scenario", "engine", "strategies", "simulation.py")


@cache
def model_digest() -> str:
    """SHA-256 (hex, 16 characters) of the source of the scenario, engine and strategy layers."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _MODEL_SOURCES:
        path = root / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
