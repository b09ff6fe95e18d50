"""Small scenario builders shared by the tests (validated through the public path)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RETAIL = ROOT / "scenarios" / "retail.toml"

MINIMAL: dict[str, Any] = {
    "name": "minimal",
    "simulation": {"horizon": "60 d", "period": "10 d"},
    "population": {"arrivals_per_day": 5},
    "segments": {
        "all": {
            "share": 1.0,
            "basket": {"mean": 50.0, "sd": 10.0},
            "time_between_needs": "7 d",
            "patience": "10 min",
            "churn": {"a": 1.0, "b": 9.0},
        }
    },
    "touchpoints": {
        "web": {"service": {"mean": "5 min"}},
        "desk": {
            "capacity": 1,
            "service": {"distribution": "exponential", "mean": "6 min"},
            "staff_cost_per_server_day": 100.0,
        },
    },
    "journey": {
        "entry": {"web": 0.7, "desk": 0.3},
        "routes": {"web": {"purchase": 0.6, "desk": 0.1, "exit": 0.3}, "desk": {"purchase": 1.0}},
    },
}


def minimal(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`MINIMAL` with dotted-path changes applied (``None`` deletes)."""
    raw = copy.deepcopy(MINIMAL)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = raw
        for part in parents:
            node = node[part]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return raw


def to_toml(raw: dict[str, Any]) -> str:
    """Serialise a nested dict of tables/scalars as TOML (enough for test scenarios)."""
    lines: list[str] = []

    def scalar(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return '"' + value.replace('"', '\\"') + '"'
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k} = {scalar(v)}" for k, v in value.items()) + " }"
        if isinstance(value, list):
            return "[" + ", ".join(scalar(v) for v in value) + "]"
        return repr(value)

    def table(prefix: str, node: dict[str, Any], depth: int) -> None:
        plain = {k: v for k, v in node.items() if not (isinstance(v, dict) and depth < 2)}
        nested = {k: v for k, v in node.items() if isinstance(v, dict) and depth < 2}
        if prefix:
            lines.append(f"[{prefix}]")
        for key, value in plain.items():
            lines.append(f"{key} = {scalar(value)}")
        for key, value in nested.items():
            table(f"{prefix}.{key}" if prefix else key, value, depth + 1)

    table("", raw, 0)
    return "\n".join(lines) + "\n"


def write_scenario(tmp_path: Path, raw: dict[str, Any], name: str = "scenario.toml") -> Path:
    """Write ``raw`` as a TOML scenario file and return its path."""
    path = tmp_path / name
    path.write_text(to_toml(raw), encoding="utf-8")
    return path


def paired_gap(result: Any, strategy: str, kpi: str, reference: str) -> tuple[float, float, float]:
    """Mean and 95% CI of ``strategy - reference`` for ``kpi``, replication by replication."""
    from journeysim.experiments import mean_ci

    runs = result.runs.set_index(["strategy", "replication"])[kpi]
    ci = mean_ci((runs[strategy] - runs[reference]).to_numpy(dtype=float))
    return ci["mean"], ci["ci_low"], ci["ci_high"]
