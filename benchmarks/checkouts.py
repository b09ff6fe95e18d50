"""Same-run speed ratio of two source trees (e.g. this checkout vs an old main beside it).

Runs ``simulate`` of one scenario in fresh interpreters, alternating between the trees
(``PYTHONPATH`` points at each), and reports each round's CPU seconds of the run alone (import
and validation excluded) and the median ratio. CPU time, not wall time: other processes on a
shared machine move it much less.

With ``--instructions`` it counts CPU instructions per journey under ``valgrind
--tool=callgrind`` instead (a short and a long horizon, the difference divided by the extra
journeys: setup cancels out), which the load of a shared machine cannot move.

Run: ``python benchmarks/checkouts.py OTHER_TREE [--scenario scenarios/retail.toml]
[--horizon "365 d"] [--rounds 5] [--instructions]``. Example: ``git worktree add ../oldmain
<commit>`` and
``python benchmarks/checkouts.py ../oldmain``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CODE = """
import sys, time, journeysim as js
scenario = js.load_scenario(sys.argv[1], overrides={"simulation.horizon": sys.argv[2]})
start = time.process_time()
row = js.simulate(scenario, "baseline", seed=1).kpis.iloc[0]
print("CPU", time.process_time() - start, int(row["journeys"]))
"""


def run(tree: Path, scenario: str, horizon: str) -> tuple[float, int]:
    """CPU seconds of one run with the package from ``tree``, and its journeys."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, "-c", CODE, scenario, horizon],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tree,
    ).stdout
    _, seconds, journeys = out.split()[-3:]
    return float(seconds), int(journeys)


def instructions_per_journey(tree: Path, scenario: str, short: float, long: float) -> float:
    """Callgrind instructions of one journey with the package from ``tree``."""
    from callgrind import callgrind

    counts = []
    for days in (short, long):
        instructions, stdout = callgrind(
            ["-c", CODE, scenario, f"{days} d"], env={"PYTHONPATH": str(tree)}, cwd=str(tree)
        )
        counts.append((instructions, int(stdout.split()[-1])))
    (i0, j0), (i1, j1) = counts
    return (i1 - i0) / (j1 - j0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other source tree (its root)")
    parser.add_argument("--scenario", default="scenarios/retail.toml")
    parser.add_argument("--horizon", default="365 d")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="count instructions")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    other = args.other.resolve()
    scenario = str((here / args.scenario).resolve())
    if args.instructions:
        this_i = instructions_per_journey(here, scenario, 30.0, 90.0)
        other_i = instructions_per_journey(other, scenario, 30.0, 90.0)
        print(
            json.dumps(
                {
                    "instructions_per_journey": {"this": round(this_i), "other": round(other_i)},
                    "ratio_this_vs_other": round(this_i / other_i, 4),
                },
                indent=1,
            )
        )
        return
    ratios, rows = [], []
    for rnd in range(args.rounds):
        order = [("this", here), ("other", other)]
        if rnd % 2:
            order.reverse()
        seconds = {}
        for name, tree in order:
            seconds[name], journeys = run(tree, scenario, args.horizon)
            rows.append({"round": rnd, "tree": name, "cpu_s": round(seconds[name], 3)})
        ratios.append(seconds["this"] / seconds["other"])
    print(
        json.dumps(
            {
                "runs": rows,
                "journeys": journeys,
                "ratio_this_vs_other_median": round(statistics.median(ratios), 3),
                "ratios": [round(r, 3) for r in ratios],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
