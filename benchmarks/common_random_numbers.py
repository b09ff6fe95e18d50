"""How much common random numbers tighten strategy differences (the README table).

Runs ``journeysim.compare`` on the retail scenario twice, with and without common random
numbers, and prints, for a few strategy/KPI pairs, the difference against the baseline and the
half-width of its 95% confidence interval in both modes. The ratio is what CRN buys: the same
precision with (ratio squared) times fewer replications.

Run: ``python benchmarks/common_random_numbers.py [--days 365] [--replications 10] [--seed 0]
[--burn-in "0 d"]`` (the burn-in defaults to the scenario's own).
Not a test: nothing here is asserted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import journeysim
from journeysim.report import number

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "retail.toml"
PAIRS = [
    ("cem", "nps", 1.0),
    ("cem", "revenue", 1.0),
    ("cem", "profit", 1.0),
    ("crm", "retention_rate", 100.0),  # in percentage points
    ("crm", "revenue", 1.0),
    ("loyalty", "retention_rate", 100.0),
    ("loyalty", "profit", 1.0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--burn-in", default=None, help='e.g. "0 d" (default: the scenario\'s)')
    args = parser.parse_args()
    changes = {"simulation.horizon": f"{args.days} d"}
    if args.burn_in is not None:
        changes["simulation.burn_in"] = args.burn_in
        if args.burn_in.split()[0] in ("0", "0.0"):
            changes["simulation.start"] = "empty"  # a steady start needs its burn-in
    scenario = journeysim.load_scenario(SCENARIO, changes)
    burn_in = scenario.simulation.burn_in
    strategies = ["baseline", "crm", "cem", "loyalty"]
    tables = {}
    for crn in (True, False):
        result = journeysim.compare(
            scenario,
            strategies,
            replications=args.replications,
            seed=args.seed,
            workers=args.workers,
            common_random_numbers=crn,
        )
        tables[crn] = result.table.set_index(["strategy", "kpi"])
    print(
        f"retail, {args.days} days after a {burn_in:g}-day burn-in, {args.replications} "
        f"replications, seed {args.seed}: "
        "difference against the baseline and 95% CI half-width"
    )
    print("| strategy − baseline | KPI | difference | half-width, CRN | without | narrower by |")
    print("| --- | --- | --- | --- | --- | --- |")
    for strategy, kpi, scale in PAIRS:
        row = {crn: tables[crn].loc[(strategy, kpi)] for crn in tables}
        half = {crn: (r["diff_ci_high"] - r["diff_ci_low"]) / 2 * scale for crn, r in row.items()}
        print(
            f"| {strategy} | {kpi} | {number(row[True]['diff'] * scale, signed=True)} "
            f"| {number(half[True])} | {number(half[False])} | {half[False] / half[True]:.1f}× |"
        )


if __name__ == "__main__":
    main()
