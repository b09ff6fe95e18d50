"""Count the CPU instructions of a Python command under ``valgrind --tool=callgrind``.

Instruction counts are repeatable to the instruction for the same binary, inputs and
environment, whatever else the machine is doing, so the benchmarks compare them where
wall-clock time on a shared machine swings by 20-40%.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

#: Thread-pool sizes of numpy's BLAS and OpenMP libraries (pinned to 1 under valgrind).
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def callgrind(args: list[str], env: dict[str, str] | None = None, cwd: str | None = None):
    """Run ``python *args`` under callgrind; return (instructions, the command's stdout)."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={os.path.join(tmp, 'out')}",
                sys.executable,
                *args,
            ],
            capture_output=True,
            text=True,
            check=True,
            # string hashing shapes dict work: fix it so counts repeat; one thread for the
            # numeric libraries (OpenBLAS's idle worker threads spin, and valgrind counts
            # their instructions: the same run moved by up to 1,300 per visit without this)
            env={
                **os.environ,
                **(env or {}),
                "PYTHONHASHSEED": "0",
                **dict.fromkeys(_THREAD_VARIABLES, "1"),
            },
            cwd=cwd,
        )
    collected = re.search(r"Collected : ([0-9]+)", done.stderr)
    assert collected, done.stderr[-500:]
    return int(collected.group(1)), done.stdout
