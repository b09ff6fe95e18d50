"""Regenerate the golden regression files: ``python tests/golden/regenerate.py``.

For every shipped scenario and every strategy it defines (plus ``baseline``), one run at a
fixed seed and a short horizon. Each file keeps the full KPI row and a SHA-256 of the
timeline, touchpoints and cohorts tables (and of the baseline's event log), so the test in
``tests/test_golden.py`` notices any change of numbers, however small.

Numbers change only deliberately: run this, look at ``git diff tests/golden``, and say in the
commit why the numbers moved (and bump the version, see the README's development section).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SEED = 20261130
HORIZON = "180 d"


def table_hash(frame) -> str:  # noqa: ANN001 - a DataFrame
    """SHA-256 of a table's CSV text (full float precision)."""
    text = frame.to_csv(index=False, float_format="%.17g")
    return hashlib.sha256(text.encode()).hexdigest()


def plain(value):  # noqa: ANN001, ANN201
    """A JSON-safe scalar that keeps every bit of a float."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    return value


#: Variants of the retail scenario that take the engine's other paths (churn per journey,
#: one-off customers of the pure queueing mode, psychology off).
VARIANTS: dict[str, dict[str, object]] = {
    "retail-journey-churn": {"simulation.churn": "journey"},
    "retail-one-off": {"population.returning": False, "simulation.churn": "journey"},
    "retail-no-psychology": {"psychology.enabled": False},
}


def golden_runs(scenario_path: Path, overrides: dict[str, object] | None = None) -> dict[str, dict]:
    """The golden record of every strategy of one shipped scenario (with ``overrides``)."""
    import journeysim as js

    # from an empty start: the shipped burn-in (years of simulated time) would make every golden
    # run several times slower, and tests/test_segments.py checks the burn-in on its own
    changes = {
        "simulation.horizon": HORIZON,
        "simulation.burn_in": "0 d",
        "simulation.start": "empty",
        **(overrides or {}),
    }
    scenario = js.load_scenario(scenario_path, overrides=changes)
    out: dict[str, dict] = {}
    for strategy in ["baseline", *sorted(scenario.strategies)]:
        results = js.simulate(scenario, strategy, seed=SEED, event_log=strategy == "baseline")
        record = {
            "kpis": {k: plain(v) for k, v in results.kpis.iloc[0].items()},
            "timeline": table_hash(results.timeline),
            "touchpoints": table_hash(results.touchpoints),
            "cohorts": table_hash(results.cohorts),
        }
        if results.events is not None:
            record["events"] = table_hash(results.events)
        out[strategy] = record
    return out


def main() -> None:
    """Write ``tests/golden/<scenario>.json`` for every shipped scenario."""
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        target = HERE / f"{path.stem}.json"
        target.write_text(json.dumps(golden_runs(path), indent=1, sort_keys=True) + "\n")
        print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)
    for name, overrides in VARIANTS.items():
        target = HERE / f"{name}.json"
        runs = golden_runs(ROOT / "scenarios" / "retail.toml", overrides)
        target.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")
        print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
