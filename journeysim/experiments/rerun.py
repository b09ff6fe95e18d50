"""Re-run one stored sweep run alone, with every table (and the event log if asked).

A sweep keeps only each run's outcomes. Every run is a pure function of the scenario at its
design point, the strategy, the sweep seed and the run's identity (stored in the row), so any
row can be repeated on its own to look inside it: timeline, touchpoints, cohorts, event log.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from journeysim.engine.results import Results
from journeysim.errors import ScenarioError
from journeysim.experiments.store import load_sweep, read_manifest
from journeysim.experiments.sweeps import ScenarioModel, SweepSpec, _render

__all__ = ["rerun"]


def rerun(
    sweep_dir: str | Path,
    row: int | pd.Series | dict[str, Any],
    *,
    event_log: bool = False,
    check: bool = True,
) -> Results:
    """Repeat one stored run of a sweep and return its full :class:`Results`.

    Parameters
    ----------
    sweep_dir:
        The sweep's results directory.
    row:
        The run: a row of :func:`journeysim.load_sweep` (a Series or dict with at least
        ``key``), or its position in that table.
    event_log:
        Also record the event log.
    check:
        Compare the re-run's KPIs with the stored outcomes (exact, NaN equal to NaN) and raise
        if they differ (a changed scenario file or engine).

    Returns
    -------
    Results
        The run's tables; ``kpis`` equal to the stored outcomes.

    Raises
    ------
    ScenarioError
        Unknown row, a run that did not succeed, a sweep of a model function (not the
        simulator), a scenario file that changed since the sweep, or outcomes that differ.
    """
    from journeysim.simulation import simulate

    out = Path(sweep_dir)
    manifest = read_manifest(out)
    spec = SweepSpec.model_validate(manifest["spec"])
    data = load_sweep(out)
    stored = _find(data, row, out)
    if stored["status"] != "ok":
        raise ScenarioError(
            f"run {stored['key']} has status {stored['status']!r} ({stored['error']}): "
            "nothing to repeat",
            source=str(out),
        )
    path = manifest.get("scenario_path")
    if path is None:
        raise ScenarioError(
            "this sweep's manifest names no scenario file (a model-function sweep, or written "
            "before rerun existed)",
            source=str(out),
        )
    model = ScenarioModel(path, spec.overrides, spec.outcomes, source=str(out))
    values = {name: _raw(spec, name, stored[name]) for name in spec.parameters}
    material, payload = model.prepare(_render(spec, values))
    scenario = model.scenario(payload)
    digest = hashlib.sha256(material.encode()).digest()
    key = hashlib.sha256(digest + f"|{stored['strategy']}|{stored['replication']}".encode())
    if key.hexdigest()[:32] != stored["key"]:
        raise ScenarioError(
            f"the scenario at this point is not the one the sweep ran ({path} or the sweep's "
            "overrides changed since)",
            source=str(out),
        )
    identity = _identity(stored, digest, spec)
    results = simulate(
        scenario, str(stored["strategy"]), int(stored["seed"]), event_log, identity=identity
    )
    if check:
        kpis = results.kpis.iloc[0]
        for name in spec.outcomes or [c for c in results.kpis.columns if c in stored]:
            if name not in stored or name not in kpis:
                continue
            a, b = float(kpis[name]), float(stored[name])
            if not (a == b or (math.isnan(a) and math.isnan(b))):
                raise ScenarioError(
                    f"re-run of {stored['key']} gives {name} = {a!r}, stored {b!r} (a changed "
                    "engine or scenario)",
                    source=str(out),
                )
    return results


def _find(data: pd.DataFrame, row: Any, out: Path) -> pd.Series:
    if isinstance(row, int) and not isinstance(row, bool):
        if not 0 <= row < len(data):
            raise ScenarioError(f"no row {row}: the sweep has {len(data)} runs", source=str(out))
        return data.iloc[row]
    key = row["key"] if isinstance(row, dict | pd.Series) and "key" in row else None
    found = data[data["key"] == key] if key is not None else data.iloc[0:0]
    if not len(found):
        raise ScenarioError(f"no stored run with key {key!r}", source=str(out))
    return found.iloc[0]


def _raw(spec: SweepSpec, name: str, value: Any) -> Any:
    """The design value behind a stored results cell (see ``Parameter.stored``)."""
    parameter = spec.parameters[name]
    if parameter.values is not None:
        for candidate in parameter.values:
            if parameter.stored(candidate) == value:
                return candidate
    if hasattr(value, "item"):
        value = value.item()
    if parameter.type == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _identity(stored: pd.Series, digest: bytes, spec: SweepSpec) -> tuple[int, ...]:
    text = stored.get("identity")
    if isinstance(text, str) and text:
        return tuple(int(v) for v in json.loads(text))
    replication = int(stored["replication"])
    if spec.common_random_numbers:
        return (replication,)
    point_id = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    return (*point_id, replication)
