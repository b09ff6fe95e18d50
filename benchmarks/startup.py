"""Start-up cost: ``import journeysim``, ``journeysim --help`` and ``journeysim validate``.

Each command runs in a fresh interpreter, ``--rounds`` times, the trees interleaved round by
round (so a busy moment of a shared machine hits both alike). For every command it reports the
median wall-clock seconds, the median CPU seconds (user + system of the child), the peak
resident memory (MB) and the same figures minus ``python -c pass`` (the interpreter's own
start-up), and which heavy third-party packages the command left in ``sys.modules``.

The commands, with ``PYTHONPATH`` set to each tree (so an installed ``journeysim`` elsewhere
does not interfere; ``python -m journeysim.cli`` is what the console script runs):

* ``pass``: ``python -c pass``;
* ``import``: ``python -c "import journeysim"``;
* ``help``: ``python -m journeysim.cli --help``;
* ``validate``: ``python -m journeysim.cli validate scenarios/retail.toml``.

With ``--instructions`` it also counts each command's CPU instructions under ``valgrind
--tool=callgrind`` (once per tree: the count repeats to within a fraction of a percent,
whatever else the machine does).

Run: ``python benchmarks/startup.py [OTHER_TREE ...] [--rounds 7] [--instructions]``; the
first tree is this checkout. Example, today's main beside this branch:
``python benchmarks/startup.py /work/base``. Not a test: wall-clock is never asserted anywhere
(``tests/test_startup.py`` checks which modules are imported, which is deterministic).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

#: Third-party packages whose presence after start-up the benchmark reports.
HEAVY = (
    "pandas",
    "pyarrow",
    "scipy",
    "matplotlib",
    "numpy",
    "networkx",
    "simpy",
    "pydantic",
    "rich",
    "tqdm",
    "cloudpickle",
)

COMMANDS: dict[str, list[str]] = {
    "pass": ["-c", "pass"],
    "import": ["-c", "import journeysim"],
    "help": ["-m", "journeysim.cli", "--help"],
    "validate": ["-m", "journeysim.cli", "validate", "scenarios/retail.toml"],
}

# Runs a command's module in this interpreter and prints the heavy packages it left loaded.
PROBE = """
import runpy, sys, json
argv = json.loads(sys.argv[1]); heavy = json.loads(sys.argv[2])
try:
    if argv[0] == "-c":
        exec(argv[1])
    else:
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
except SystemExit:
    pass
sys.stdout = sys.__stdout__
print("MODULES", json.dumps([h for h in heavy if h in sys.modules]))
"""


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}


def measure(tree: Path, args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of ``python *args``."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(tree),
        cwd=tree,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{tree}: python {' '.join(args)} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def heavy_modules(tree: Path, args: list[str]) -> list[str]:
    """The heavy packages ``python *args`` has imported when it ends."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        env=_env(tree),
        cwd=tree,
        check=True,
    ).stdout
    line = [x for x in out.splitlines() if x.startswith("MODULES ")][-1]
    return json.loads(line.removeprefix("MODULES "))


def instructions(tree: Path, args: list[str]) -> int:
    """CPU instructions of ``python *args`` under callgrind."""
    sys.path.insert(0, str(Path(__file__).parent))
    from callgrind import callgrind

    count, _ = callgrind(args, env={"PYTHONPATH": str(tree)}, cwd=str(tree))
    return count


def _medians(rows: list[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(statistics.median(column) for column in zip(*rows, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path, help="other source trees to compare")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--instructions", action="store_true")
    opts = parser.parse_args()
    trees = [HERE, *(t.resolve() for t in opts.trees)]

    samples = {(t, c): [] for t in trees for c in COMMANDS}
    for _ in range(opts.rounds):
        for command, args in COMMANDS.items():
            for tree in trees:
                samples[tree, command].append(measure(tree, args))

    base = {t: _medians(samples[t, "pass"]) for t in trees}
    print(f"python {sys.version.split()[0]}, median of {opts.rounds} interleaved rounds")
    header = f"{'tree':<24} {'command':<9} {'wall s':>7} {'cpu s':>7} {'MB':>6}"
    print(f"{header} {'wall-pass':>9} {'MB-pass':>8}  heavy modules loaded")
    table = {}
    for tree in trees:
        for command, args in COMMANDS.items():
            wall, cpu, rss = _medians(samples[tree, command])
            heavy = heavy_modules(tree, args) if command != "pass" else []
            table[tree, command] = wall, cpu, rss
            print(
                f"{str(tree)[-24:]:<24} {command:<9} {wall:7.3f} {cpu:7.3f} {rss:6.0f} "
                f"{wall - base[tree][0]:9.3f} {rss - base[tree][2]:8.0f}  "
                f"{', '.join(heavy) or '-'}"
            )
    for other in trees[1:]:
        print(f"\nratio {HERE.name} / {other} (wall, cpu, MB):")
        for command in COMMANDS:
            ours, theirs = table[HERE, command], table[other, command]
            ratios = ", ".join(f"{a / b:.2f}" for a, b in zip(ours, theirs, strict=True))
            print(f"  {command:<9} {ratios}")
    if opts.instructions:
        print("\ninstructions (callgrind, millions):")
        for tree in trees:
            counts = {c: instructions(tree, a) / 1e6 for c, a in COMMANDS.items()}
            row = ", ".join(f"{c} {n:,.0f}" for c, n in counts.items())
            print(f"  {str(tree)[-24:]:<24} {row}")


if __name__ == "__main__":
    main()
