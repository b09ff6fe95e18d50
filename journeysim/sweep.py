"""Parameter sweeps: many runs, resumable, results streamed to a Parquet dataset.

A sweep is a design (which points), a set of strategies and a number of replications. Each run
(point x strategy x replication) has a **key**, a hash of the validated scenario at that point,
the strategy and the replication; its random streams derive from the sweep seed and the point
and replication (not the strategy, so strategies share random numbers, and never the order of
execution). Results are written as runs finish:

* every finished run is appended at once to ``runs/journal.jsonl`` (one append-only file), so a
  sweep killed at any moment, SIGKILL included, loses no finished run;
* every ``batch_size`` runs the journal is compacted into a Parquet part written atomically
  (temporary file + rename), so the dataset is a handful of files, never one per run;
* ``resume`` reads the keys already stored and runs only the missing ones; loading
  de-duplicates by key, so the final dataset equals that of an uninterrupted sweep.

A run that raises is retried, then recorded with ``status = "failed"`` and its error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from journeysim.designs import Design, Parameter, make_design
from journeysim.engines import make_executor
from journeysim.errors import ScenarioError
from journeysim.fields import FrozenModel
from journeysim.results import KPI_COLUMNS

__all__ = ["ScenarioModel", "SweepSpec", "load_sweep", "load_sweep_spec", "sweep"]

MANIFEST = "manifest.json"
RUNS = "runs"
JOURNAL = "journal.jsonl"


class SweepSpec(FrozenModel):
    """A sweep, as written in a sweep file (TOML) or given in Python."""

    name: str = "sweep"
    scenario: str | None = Field(default=None, description="Scenario file (relative to sweep).")
    strategies: list[str] = Field(default_factory=lambda: ["baseline"], min_length=1)
    replications: int = Field(default=1, ge=1)
    seed: int = Field(default=0, ge=0)
    outcomes: list[str] = Field(default_factory=list, description="KPIs kept (all).")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Fixed overrides.")
    design: Design = Design()
    parameters: dict[str, Parameter] = Field(min_length=1)
    batch_size: int = Field(default=50, ge=1)
    retries: int = Field(default=1, ge=0)


def load_sweep_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read a sweep file; return the spec and the directory relative paths start from."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError("file not found", source=str(path))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", source=str(path)) from None
    return _validate_spec(raw, str(path)), path.parent


def _validate_spec(raw: dict[str, Any], source: str) -> SweepSpec:
    try:
        return SweepSpec.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        raise ScenarioError(message, source=source, field=field or None) from None


class ScenarioModel:
    """The default model of a sweep: the scenario at a point, simulated, KPIs returned."""

    def __init__(
        self, scenario: str | Path, overrides: dict[str, Any], outcomes: list[str]
    ) -> None:
        from journeysim.scenario import load_scenario

        self.path = str(scenario)
        self.base = load_scenario(scenario, overrides or None)
        self.outcomes = outcomes

    def prepare(self, point: dict[str, Any]) -> tuple[str, Any]:
        """Validate the scenario at ``point``: (key material, payload for :meth:`run`)."""
        try:
            scenario = self.base.with_overrides(point)
        except ScenarioError as exc:
            raise ScenarioError(exc.message, source=self.path, field=exc.field) from None
        material = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, default=str)
        return material, scenario

    def run(self, payload: Any, strategy: str, seed: int, identity: tuple[int, ...]) -> dict:
        """Simulate one run and return its outcomes."""
        from journeysim.simulation import simulate

        row = simulate(payload, strategy, seed, identity=identity).kpis.iloc[0]
        keep = self.outcomes or [k for k in KPI_COLUMNS]
        return {k: float(row[k]) for k in keep}


class FunctionModel:
    """Wrap ``f(point, strategy, seed, identity) -> dict`` as a sweep model (tests, toys)."""

    def __init__(self, function: Callable[..., dict[str, float]]) -> None:
        self.function = function

    def prepare(self, point: dict[str, Any]) -> tuple[str, Any]:
        """Key material is the point itself."""
        return json.dumps(point, sort_keys=True, default=str), point

    def run(self, payload: Any, strategy: str, seed: int, identity: tuple[int, ...]) -> dict:
        """Call the function."""
        return self.function(payload, strategy, seed, identity)


def _execute(
    blob: bytes,
    payload: Any,
    strategy: str,
    seed: int,
    identity: tuple[int, ...],
    retries: int,
) -> tuple[str, str | None, int, dict[str, float]]:
    """Worker side: run with retries; never raise (a failure becomes a row)."""
    import cloudpickle

    model = cloudpickle.loads(blob)
    error = None
    for attempt in range(1, retries + 2):
        try:
            return "ok", None, attempt, model.run(payload, strategy, seed, identity)
        except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
            error = f"{type(exc).__name__}: {exc}"
    return "failed", error, retries + 1, {}


@dataclass
class _Task:
    point: int
    values: dict[str, Any]
    strategy: str
    replication: int
    key: str
    identity: tuple[int, ...]
    payload: Any


def sweep(
    spec: str | Path | SweepSpec | None = None,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = False,
    model: Callable[..., dict[str, float]] | None = None,
    **fields: Any,
) -> pd.DataFrame:
    """Run a parameter sweep and return its results (one row per run).

    Parameters
    ----------
    spec:
        A sweep file, a :class:`SweepSpec`, or None to build one from ``fields`` (``scenario``,
        ``parameters``, ``design``, ``strategies``, ``replications``, ``seed``, ``outcomes``,
        ``overrides``).
    out:
        Results directory (manifest + Parquet parts). None: a temporary directory.
    workers, engine, scheduler:
        Where runs execute: ``local`` (in-process for one worker, processes otherwise) or
        ``dask`` (the cluster at ``scheduler``, or a ``LocalCluster`` of ``workers``).
    resume:
        Complete a sweep already started in ``out``: only missing runs are run.
    progress:
        Show a progress bar (runs, points done, runs/s, ETA).
    **fields:
        Sweep settings when ``spec`` is None (or to replace some of a given spec's).
    model:
        Instead of the simulator, a function ``f(point, strategy, seed, identity) -> dict`` run
        through exactly the same machinery (used to check the analysis on known functions).

    Returns
    -------
    pandas.DataFrame
        :func:`load_sweep` of the results directory.
    """
    base_dir = Path.cwd()
    source = "<sweep>"
    if isinstance(spec, str | Path):
        source = str(spec)
        spec, base_dir = load_sweep_spec(spec)
        if fields:  # e.g. a smaller design for a quick look: validated like the file
            spec = _validate_spec({**spec.model_dump(mode="json"), **fields}, source)
    elif spec is None:
        spec = _validate_spec(fields, source)
    elif fields:
        spec = _validate_spec({**spec.model_dump(mode="json"), **fields}, source)
    assert isinstance(spec, SweepSpec)
    if model is None:
        if spec.scenario is None:
            raise ScenarioError("a sweep needs a 'scenario' file", source=source, field="scenario")
        runner: Any = ScenarioModel(base_dir / spec.scenario, spec.overrides, spec.outcomes)
        _check_strategies(runner.base, spec, source)
        _check_outcomes(spec, source)
    else:
        runner = FunctionModel(model)
    points, unit = make_design(spec.design, spec.parameters)
    total = len(points) * len(spec.strategies) * spec.replications
    if out is None:
        import tempfile

        out = tempfile.mkdtemp(prefix="journeysim-sweep-")
    out = Path(out)
    fingerprint = _fingerprint(spec, runner, model)
    # Validate the first point before anything is written: a bad parameter path fails here.
    if len(points):
        runner.prepare(_render(spec, points.iloc[0].to_dict()))
    done = _prepare_output(out, spec, fingerprint, points, unit, total, resume)
    import cloudpickle

    blob = cloudpickle.dumps(runner)
    tasks = _tasks(spec, runner, points, done)
    executor, close, parallelism = make_executor(engine, workers, scheduler)
    writer = _Writer(out / RUNS, spec.batch_size)
    bar = _bar(total, len(done), progress, len(points))
    try:
        if executor is None:
            for task in tasks:
                writer.add(
                    _row(
                        spec,
                        task,
                        _execute(
                            blob,
                            task.payload,
                            task.strategy,
                            spec.seed,
                            task.identity,
                            spec.retries,
                        ),
                    )
                )
                bar.update(1)
        else:
            _run_parallel(executor, tasks, blob, spec, writer, bar, 2 * parallelism)
    finally:
        bar.close()
        writer.close()
        close()
    return load_sweep(out)


def _run_parallel(
    executor: Any,
    tasks: Iterator[_Task],
    blob: bytes,
    spec: SweepSpec,
    writer: _Writer,
    bar: Any,
    window: int,
) -> None:
    pending: dict[Future, _Task] = {}
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            task = next(tasks, None)
            if task is None:
                exhausted = True
                break
            future = executor.submit(
                _execute, blob, task.payload, task.strategy, spec.seed, task.identity, spec.retries
            )
            pending[future] = task
        if not pending:
            return
        finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in finished:
            task = pending.pop(future)
            writer.add(_row(spec, task, future.result()))
            bar.update(1)


def _tasks(spec: SweepSpec, runner: Any, points: pd.DataFrame, done: set[str]) -> Iterator[_Task]:
    for index, values in enumerate(points.to_dict("records")):
        material, payload = runner.prepare(_render(spec, values))
        digest = hashlib.sha256(material.encode()).digest()
        point_id = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
        for strategy in spec.strategies:
            for replication in range(spec.replications):
                key = hashlib.sha256(digest + f"|{strategy}|{replication}".encode()).hexdigest()[
                    :32
                ]
                if key in done:
                    continue
                yield _Task(
                    index, values, strategy, replication, key, (*point_id, replication), payload
                )


def _render(spec: SweepSpec, values: dict[str, Any]) -> dict[str, Any]:
    return {name: spec.parameters[name].render(_plain(v)) for name, v in values.items()}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _row(spec: SweepSpec, task: _Task, result: tuple[str, str | None, int, dict]) -> dict:
    status, error, attempts, outcomes = result
    row: dict[str, Any] = {"point": task.point}
    row.update({name: _plain(v) for name, v in task.values.items()})
    row.update(
        {
            "strategy": task.strategy,
            "replication": task.replication,
            "seed": spec.seed,
            "key": task.key,
            "status": status,
            "error": error,
            "attempts": attempts,
        }
    )
    row.update(outcomes)
    return row


class _Writer:
    """Journal every row at once; compact the journal into Parquet parts in batches."""

    def __init__(self, directory: Path, batch_size: int) -> None:
        self.directory = directory
        self.batch_size = batch_size
        self.journal = directory / JOURNAL
        self.rows: list[dict] = _read_journal(self.journal)
        self.handle = self.journal.open("a", encoding="utf-8")
        if self.rows:
            self._compact()

    def add(self, row: dict) -> None:
        self.handle.write(json.dumps(row, default=str) + "\n")
        self.handle.flush()
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self._compact()

    def _compact(self) -> None:
        if not self.rows:
            return
        existing = sorted(self.directory.glob("part-*.parquet"))
        number = int(existing[-1].stem.split("-")[1]) + 1 if existing else 0
        path = self.directory / f"part-{number:05d}.parquet"
        tmp = path.with_name(path.name + ".tmp")
        pd.DataFrame(self.rows).to_parquet(tmp, index=False)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        self.rows = []
        self.handle.close()
        self.handle = self.journal.open("w", encoding="utf-8")  # rows are safe in the part now

    def close(self) -> None:
        self._compact()
        self.handle.close()


def _read_journal(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut by a kill: that run had not finished writing
            continue
    return rows


def load_sweep(out: str | Path) -> pd.DataFrame:
    """Load a sweep's results: one row per run, de-duplicated by key, in design order."""
    out = Path(out)
    directory = out / RUNS
    if not (out / MANIFEST).exists():
        raise ScenarioError("no sweep results here (manifest.json missing)", source=str(out))
    frames = [pd.read_parquet(p) for p in sorted(directory.glob("part-*.parquet"))]
    journal = _read_journal(directory / JOURNAL)
    if journal:
        frames.append(pd.DataFrame(journal))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    data = pd.concat(frames, ignore_index=True).drop_duplicates("key", keep="first")
    manifest = json.loads((out / MANIFEST).read_text())
    order = {name: i for i, name in enumerate(manifest["spec"]["strategies"])}
    data = data.assign(_s=data["strategy"].map(order))
    data = data.sort_values(["point", "_s", "replication"]).drop(columns="_s")
    return data.reset_index(drop=True)


def _fingerprint(spec: SweepSpec, runner: Any, model: Any) -> str:
    material = spec.model_dump(mode="json", exclude={"batch_size", "retries"})
    if isinstance(runner, ScenarioModel):
        material["scenario_document"] = runner.base.model_dump(mode="json")
    else:
        material["model"] = getattr(model, "__qualname__", repr(model))
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _prepare_output(
    out: Path,
    spec: SweepSpec,
    fingerprint: str,
    points: pd.DataFrame,
    unit: np.ndarray | None,
    total: int,
    resume: bool,
) -> set[str]:
    manifest_path = out / MANIFEST
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("fingerprint") != fingerprint:
            raise ScenarioError(
                f"{out} holds a different sweep ({manifest.get('spec', {}).get('name')!r}); "
                "choose another --out directory",
                source=str(out),
            )
        if not resume:
            raise ScenarioError(
                f"{out} already holds results of this sweep; use --resume to complete it",
                source=str(out),
            )
        existing = load_sweep(out)
        return set(existing["key"]) if len(existing) else set()
    if out.exists() and any(out.iterdir()):
        raise ScenarioError(f"{out} is not empty and holds no sweep", source=str(out))
    (out / RUNS).mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": 1,
        "fingerprint": fingerprint,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": spec.model_dump(mode="json"),
        "points": len(points),
        "runs": total,
        "design_matrix": unit.tolist() if unit is not None else None,
    }
    tmp = manifest_path.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, default=str))
    os.replace(tmp, manifest_path)
    return set()


def _check_strategies(scenario: Any, spec: SweepSpec, source: str) -> None:
    from journeysim.strategies import available_strategies

    known = available_strategies(scenario)
    for name in spec.strategies:
        if name not in known:
            raise ScenarioError(
                f"unknown strategy {name!r}; available: {', '.join(known)}",
                source=source,
                field="strategies",
            )


def _check_outcomes(spec: SweepSpec, source: str) -> None:
    for kpi in spec.outcomes:
        if kpi not in KPI_COLUMNS:
            raise ScenarioError(
                f"unknown outcome {kpi!r}; allowed: {', '.join(KPI_COLUMNS)}",
                source=source,
                field="outcomes",
            )


def _bar(total: int, initial: int, enabled: bool, points: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        disable=not enabled,
        unit="run",
        desc=f"sweep ({points} points)",
        smoothing=0.1,
    )
