"""Parameter sweeps: many runs, resumable, results streamed to a Parquet dataset.

A sweep is a design (which points), a set of strategies and a number of replications. Each run
(point x strategy x replication) has a **key**, a hash of the validated scenario at that point,
the strategy and the replication. Its random streams derive from the sweep seed and its
**identity**: with ``common_random_numbers = true`` (the default) the identity is
``(replication,)``, so replication ``r`` meets the same customers, needs and draws at every
design point and under every strategy, and differences between points are paired (the same
streams as replication ``r`` of :func:`journeysim.compare` with the same seed); with ``false``
it is ``(point hash..., replication)``, independent streams per point (sweeps written before
this option existed ran that way). Never from the strategy, and never from the order of
execution, so every engine and any number of workers give identical results. Each row stores
its ``seed`` and ``identity``, so :func:`rerun` can repeat any stored run alone.

Runs go to a :class:`~journeysim.experiments.store.SweepStore` the moment they finish
(see there for why a kill loses nothing); ``resume`` reads the keys already stored and runs
only the missing ones.
A run that raises is retried, then recorded with ``status = "failed"`` and its error; a point
the scenario rejects (say, two swept values that contradict each other), or that the run
itself refuses with a :class:`~journeysim.errors.ScenarioError` (word of mouth with no steady
state to start from), is recorded with ``status = "invalid"``. Neither stops the sweep.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator

from journeysim.atomic import output_problem
from journeysim.errors import JourneysimError, ScenarioError
from journeysim.experiments.designs import Design, Parameter, make_design
from journeysim.experiments.engines import make_executor, process_pool, stop_pool
from journeysim.experiments.store import MANIFEST, SweepStore, load_sweep
from journeysim.kpis import KPI_COLUMNS
from journeysim.scenario.fields import FrozenModel, PositiveCount, Seed, bounded_int
from journeysim.scenario.messages import first_error
from journeysim.version import __version__, model_digest

__all__ = [
    "MANIFEST",
    "FunctionModel",
    "ScenarioModel",
    "SweepSpec",
    "load_sweep",
    "load_sweep_spec",
    "sweep",
]

#: Columns every result row has besides parameters and outcomes.
META_COLUMNS = (
    "point",
    "strategy",
    "replication",
    "seed",
    "identity",
    "key",
    "status",
    "error",
    "attempts",
)


Retries = bounded_int(0, 100)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.+=-]{0,99}$")


class SweepSpec(FrozenModel):
    """A sweep, as written in a sweep file (TOML) or given in Python."""

    name: str = Field(
        default="sweep",
        description="Name of the sweep; also the default results directory NAME-results, so "
        "it is a plain name (no path separators).",
    )
    scenario: str | None = Field(default=None, description="Scenario file (relative to sweep).")
    strategies: list[str] = Field(default_factory=lambda: ["baseline"], min_length=1)
    replications: PositiveCount = 1
    seed: Seed = 0
    common_random_numbers: bool = Field(
        default=True,
        description="Replication r shares its random numbers across design points (paired).",
    )
    outcomes: list[str] = Field(default_factory=list, description="KPIs kept (all).")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Fixed overrides.")
    design: Design = Design()
    parameters: dict[str, Parameter] = Field(min_length=1)
    batch_size: PositiveCount = 50
    retries: Retries = 1

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not _NAME.match(name) or ".." in name:
            raise ValueError(
                f"{name!r} is not a plain name: use letters, digits, '-', '_' or '.' (up to 100, "
                "no path separators, no '..'): the default results directory is NAME-results "
                "in the working directory"
            )
        return name


def load_sweep_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read a sweep file; return the spec and the directory relative paths start from."""
    from journeysim.scenario.loading import parse_toml, read_toml_text

    path = Path(path)
    text = read_toml_text(path)
    raw = parse_toml(text, str(path))
    return _validate_spec(raw, str(path), text), path.parent


def _validate_spec(raw: dict[str, Any], source: str, text: str | None = None) -> SweepSpec:
    try:
        spec = SweepSpec.model_validate(_list_parameters(raw))
    except ValidationError as exc:
        raise first_error(exc, source, text, SweepSpec) from None
    for name in spec.parameters:
        if name in META_COLUMNS:
            raise ScenarioError(
                f"a parameter may not be called {name!r} (a result column has that name)",
                source=source,
                field=f"parameters.{name}",
            )
    return spec


def _list_parameters(raw: dict[str, Any]) -> dict[str, Any]:
    """A ``list`` design's points say which values each parameter takes.

    So its ``[parameters]`` may be left out, or give only a ``type``/``unit``: the values are
    filled in from the points (which also tells the store which columns mix text and numbers).
    """
    design = raw.get("design")
    if not isinstance(design, dict) or design.get("kind") != "list":
        return raw
    points = design.get("points")
    if not isinstance(points, list):
        return raw
    parameters = dict(raw.get("parameters") or {})
    seen: dict[str, dict[str, Any]] = {}
    for point in points:
        for name, value in point.items() if isinstance(point, dict) else ():
            seen.setdefault(name, {})[json.dumps(value, sort_keys=True, default=str)] = value
    for name, values in seen.items():
        given = parameters.get(name, {})
        if isinstance(given, dict) and not {"low", "high", "values"} & set(given):
            parameters[name] = {**given, "values": list(values.values())}
    return {**raw, "parameters": parameters}


# --------------------------------------------------------------------------------------------
# models: what one run does


class ScenarioModel:
    """The default model of a sweep: the scenario at a point, simulated, KPIs returned.

    The scenario file is validated once; each point's overrides are validated against it by
    :class:`~journeysim.scenario.overrides.PointOverrides` (only the tables they touch, and the
    journey graph only when they can change it), in the driver to key the run and reject bad
    points, and again in the worker, which receives the point (a few values), not a scenario.
    """

    def __init__(
        self,
        scenario: str | Path,
        overrides: dict[str, Any],
        outcomes: list[str],
        source: str = "sweep()",
    ) -> None:
        from journeysim.scenario.loading import load_scenario

        self.path = str(scenario)
        self.source = source
        self.base = load_scenario(
            scenario, overrides or None, override_source=f"{source} [overrides]"
        )
        self.outcomes = outcomes
        self._points: Any = None

    def __getstate__(self) -> dict[str, Any]:
        # the point validator's caches are rebuilt where the model lands
        return {k: v for k, v in self.__dict__.items() if k != "_points"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._points = None

    def _at(self, point: dict[str, Any]) -> tuple[Any, str]:
        if self._points is None:
            from journeysim.scenario.overrides import PointOverrides

            self._points = PointOverrides(self.base, self.base.document, self.base.with_overrides)
        return self._points.apply(point)

    def prepare(self, point: dict[str, Any]) -> tuple[str, Any]:
        """Validate the scenario at ``point``: (key material, payload for :meth:`run`).

        The payload is the point itself (what a worker needs to rebuild the scenario).
        """
        from journeysim.scenario.workload import check_planned_work

        try:
            scenario, material = self._at(point)
            check_planned_work(scenario)  # an absurd point is invalid, not a run that hangs
        except ScenarioError as exc:  # the sweep's point is at fault, not the scenario file
            raise ScenarioError(exc.message, source=self.source, field=exc.field) from None
        return material, point

    def scenario(self, payload: Any) -> Any:
        """The validated scenario of a payload of :meth:`prepare` (a point)."""
        return self._at(payload)[0]

    def run(self, payload: Any, strategy: str, seed: int, identity: tuple[int, ...]) -> dict:
        """Simulate one run and return its outcomes."""
        from journeysim.simulation import simulate

        row = simulate(self.scenario(payload), strategy, seed, identity=identity).kpis.iloc[0]
        keep = self.outcomes or list(KPI_COLUMNS)
        return {k: float(row[k]) for k in keep}


class FunctionModel:
    """Wrap ``f(point, strategy, seed, identity) -> dict`` as a sweep model.

    The function runs through exactly the machinery the simulator does (design, keys, engines,
    storage, analysis), which is how the analysis is checked on functions with known answers.
    """

    def __init__(self, function: Callable[..., dict[str, float]]) -> None:
        self.function = function

    def prepare(self, point: dict[str, Any]) -> tuple[str, Any]:
        """Key material is the point itself."""
        return json.dumps(point, sort_keys=True, default=str), point

    def run(self, payload: Any, strategy: str, seed: int, identity: tuple[int, ...]) -> dict:
        """Call the function; its result must be a mapping of outcome names to numbers."""
        result = self.function(payload, strategy, seed, identity)
        if not isinstance(result, Mapping):
            raise ModelContractError(
                f"the sweep model {_callable_name(self.function)} must return a mapping "
                f"{{outcome: number}}, not {type(result).__name__}"
            )
        for name, value in result.items():
            if (
                not isinstance(name, str)
                or isinstance(value, bool)
                or not isinstance(value, numbers.Real)
            ):
                raise ModelContractError(
                    f"the sweep model {_callable_name(self.function)} must return a mapping "
                    f"{{outcome (str): number}}; got {name!r}: {value!r}"
                )
        return dict(result)


class ModelContractError(TypeError):
    """A sweep model broke its contract (a programming error: the sweep stops, no retry)."""


def _callable_name(function: Any) -> str:
    return getattr(function, "__qualname__", None) or type(function).__name__


#: A shipped model: (digest of its cloudpickle bytes, the bytes).
Shipped = tuple[str, bytes]

#: Models unpickled in this process, by digest: a worker unpickles a sweep's model once, not
#: once per run (unpickling a scenario costs about 2 ms). Only the last few are kept.
_MODELS: dict[str, Any] = {}
_MODELS_KEPT = 4


def _ship(model: Any) -> Shipped:
    import cloudpickle

    blob = cloudpickle.dumps(model)
    return hashlib.sha256(blob).hexdigest(), blob


def _unshipped(shipped: Shipped) -> Any:
    digest, blob = shipped
    model = _MODELS.get(digest)
    if model is None:
        import cloudpickle

        model = cloudpickle.loads(blob)
        while len(_MODELS) >= _MODELS_KEPT:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[digest] = model
    return model


#: What a worker returns for one run: (status, error, attempts, outcomes).
Result = tuple[str, str | None, int, dict[str, float]]


def _execute_chunk(
    shipped: Shipped,
    runs: list[tuple[Any, str, tuple[int, ...]]],
    seed: int,
    retries: int,
) -> tuple[list[Result], float]:
    """Worker side: a chunk of runs ``(payload, strategy, identity)``; never raises.

    The model travels as cloudpickle bytes, so a model (or a function) defined in a notebook or
    a script's ``__main__`` reaches any worker, whatever the start method; it is unpickled once
    per worker process. Returns the results and the seconds the chunk took (the driver sizes
    chunks from it).
    """
    import time

    start = time.perf_counter()
    model = _unshipped(shipped)
    results = [
        _attempt(model, p, strategy, seed, identity, retries) for p, strategy, identity in runs
    ]
    return results, time.perf_counter() - start


def _attempt(
    model: Any, payload: Any, strategy: str, seed: int, identity: tuple[int, ...], retries: int
) -> Result:
    """One run with retries; a failure becomes a row."""
    error = None
    for attempt in range(1, retries + 2):
        try:
            return "ok", None, attempt, model.run(payload, strategy, seed, identity)
        except ModelContractError as exc:  # not bad luck: retrying cannot help
            return CONTRACT, str(exc), attempt, {}
        except ScenarioError as exc:  # the run refuses the point (e.g. no steady state):
            return "invalid", str(exc), attempt, {}  # the same every time, like a bad value
        except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
            error = f"{type(exc).__name__}: {exc}"
    return "failed", error, retries + 1, {}


# --------------------------------------------------------------------------------------------
# the runner


@dataclass
class _Task:
    point: int
    values: dict[str, Any]
    strategy: str
    replication: int
    key: str
    identity: tuple[int, ...]
    payload: Any
    error: str | None = None  # set when the scenario rejects the point: nothing to run


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
    timeout: float = 10.0,
    **fields: Any,
) -> pd.DataFrame:
    """Run a parameter sweep and return its results (one row per run).

    Parameters
    ----------
    spec:
        A sweep file, a :class:`SweepSpec`, or None to build one from ``fields`` (``scenario``,
        ``parameters``, ``design``, ``strategies``, ``replications``, ``seed``, ``outcomes``,
        ``overrides``, ``batch_size``, ``retries``).
    out:
        Results directory (manifest + Parquet parts). None: a temporary directory.
    workers, engine, scheduler:
        Where runs execute: ``local`` (in-process for one worker, local processes otherwise;
        default all cores) or ``dask`` (the cluster at ``scheduler``, or a ``LocalCluster``
        of ``workers`` processes started for the sweep).
    resume:
        Complete a sweep already started in ``out``: only missing runs are run.
    progress:
        Show a progress bar (runs, points done, runs/s, ETA).
    model:
        Instead of the simulator, a function ``f(point, strategy, seed, identity) -> dict`` run
        through exactly the same machinery (used to check the analysis on known functions).
    timeout:
        Seconds to wait for a Dask scheduler before giving up with a clear error.
    **fields:
        Sweep settings when ``spec`` is None (or to replace some of a given spec's).

    Returns
    -------
    pandas.DataFrame
        :func:`load_sweep` of the results directory.

    Raises
    ------
    ScenarioError
        Bad input (unknown parameter path, empty range, design too large, unknown strategy or
        outcome, unreachable scheduler, a directory holding another sweep), raised before
        anything is written.
    """
    spec, base_dir, source = _resolve_spec(spec, fields)
    if model is None:
        if spec.scenario is None:
            raise ScenarioError("a sweep needs a 'scenario' file", source=source, field="scenario")
        runner: Any = ScenarioModel(base_dir / spec.scenario, spec.overrides, spec.outcomes, source)
        _check_strategies(runner.base, spec, source)
        _check_outcomes(spec, source)
    else:
        runner = FunctionModel(model)
    try:
        points, unit = make_design(spec.design, spec.parameters)
    except ScenarioError as exc:
        raise ScenarioError(exc.message, source=exc.source or source, field=exc.field) from None
    _precheck(spec, runner, points)
    total = len(points) * len(spec.strategies) * spec.replications
    if out is None:
        import tempfile

        out = tempfile.mkdtemp(prefix="journeysim-sweep-")
    out = Path(out)
    problem = output_problem(out)
    if problem:
        raise ScenarioError(problem, source=source)
    manifest = {
        "format": 1,
        "fingerprint": _fingerprint(spec, runner, model, points),
        "spec": spec.model_dump(mode="json"),
        "points": len(points),
        "runs": total,
        "design_matrix": unit.tolist() if unit is not None else None,
    }
    if isinstance(runner, ScenarioModel):  # lets rerun() rebuild any point alone
        manifest["scenario_path"] = str(Path(runner.path).resolve())
    store = SweepStore(out, spec.batch_size)
    describe = f"sweep {spec.name!r}"
    store.check(manifest, resume, describe)  # a wrong directory fails before a cluster starts
    try:  # a model that cannot travel to a worker fails here, before anything is written
        shipped = _ship(runner)
    except Exception as exc:
        raise JourneysimError(
            f"the sweep's model cannot be sent to a worker ({type(exc).__name__}: {exc})"
        ) from None
    # Connect before writing: an unreachable scheduler must not leave a results directory.
    executor, close, parallelism = make_executor(engine, workers, scheduler, timeout, runs=total)
    bar: _Progress | None = None
    failure: OSError | None = None
    try:
        done = store.open(manifest, resume, describe)
        bar = _Progress(total, len(done), len(points), progress)
        tasks = _tasks(spec, runner, points, done, bar)
        if executor is None:
            import cloudpickle

            local = cloudpickle.loads(shipped[1])  # exactly what a worker would run
            for task in tasks:
                result = (
                    _invalid(task)
                    if task.error is not None
                    else _attempt(
                        local, task.payload, task.strategy, spec.seed, task.identity, spec.retries
                    )
                )
                store.add(_row(spec, task, result))
                bar.finished(task.point)
        else:
            # a local pool broken by a dying worker is replaced; a Dask cluster heals itself
            renew = (lambda: process_pool(parallelism)) if engine == "local" else None
            flight = _Flight(parallelism, total - len(done))
            _run_parallel(executor, tasks, shipped, spec, store, bar, flight, out, renew)
    except OSError as exc:  # a full disk, a directory gone read-only ...
        failure = exc
    except BaseException:  # an interrupt: stop the workers now, finished runs are stored
        if isinstance(executor, ProcessPoolExecutor):
            stop_pool(executor)
        raise
    finally:
        if bar is not None:
            bar.close()
        try:
            store.close()
        except OSError as exc:  # the runs are in the journal, flushed as each finished
            failure = failure or exc
        close()
    if failure is not None:
        raise JourneysimError(
            f"{out}: cannot write the sweep's results ({failure.strerror or failure}); the runs "
            "finished so far are saved: make room and run again with --resume"
        )
    return load_sweep(out)


def _resolve_spec(
    spec: str | Path | SweepSpec | None, fields: dict[str, Any]
) -> tuple[SweepSpec, Path, str]:
    base_dir = Path.cwd()
    source = "sweep()"
    if isinstance(spec, str | Path):
        source = str(spec)
        spec, base_dir = load_sweep_spec(spec)
        if fields:  # e.g. a smaller design for a quick look: validated like the file
            spec = _validate_spec({**spec.model_dump(mode="json"), **fields}, source)
    elif spec is None:
        spec = _validate_spec(fields, source)
    elif fields:
        spec = _validate_spec({**spec.model_dump(mode="json"), **fields}, source)
    return spec, base_dir, source


class _Flight:
    """How many runs go into one task, and how many tasks may be in flight.

    At most ``2 x parallelism`` tasks are in flight (each worker has one running and one
    waiting), so the driver holds that many chunks of runs, never the sweep, however many runs
    it has; finished runs go to the store at once. A chunk is sized to take about
    :attr:`TARGET` seconds from the measured time per run (one run until something is measured;
    at most :attr:`MAX` runs), and to at most an even share of the runs left, so the last
    chunks still keep every worker busy. Long runs thus travel one per task; runs of a few
    milliseconds travel in dozens, so per-task costs (pickling, a process pool's pipe, a Dask
    scheduler's bookkeeping) are paid once per chunk.
    """

    TARGET = 0.1
    MAX = 64

    def __init__(self, parallelism: int, remaining: int) -> None:
        self.tasks = 2 * parallelism
        self.remaining = max(remaining, 0)
        self.per_run: float | None = None
        self.runs = 0  # runs in flight now
        self.peak = 0  # most runs ever in flight at once

    def chunk(self) -> int:
        """Runs to put into the next task."""
        if self.per_run is None:
            return 1
        size = int(self.TARGET / max(self.per_run, 1e-6))
        share = -(-self.remaining // self.tasks)
        return max(1, min(self.MAX, size, share))

    def sent(self, runs: int) -> None:
        """A task of ``runs`` runs was submitted."""
        self.runs += runs
        self.peak = max(self.peak, self.runs)

    def back(self, runs: int, seconds: float | None = None) -> None:
        """A task of ``runs`` runs came back (``seconds``: the worker's time, if it ran)."""
        self.runs -= runs
        if seconds is not None and runs:
            self.remaining = max(self.remaining - runs, 0)
            rate = seconds / runs
            self.per_run = rate if self.per_run is None else 0.7 * self.per_run + 0.3 * rate


def _run_parallel(
    executor: Executor,
    tasks: Iterator[_Task],
    shipped: Shipped,
    spec: SweepSpec,
    store: SweepStore,
    bar: _Progress,
    flight: _Flight,
    out: Path,
    renew: Callable[[], Executor] | None = None,
) -> None:
    """Keep a bounded number of chunks in flight; store each run as it comes back.

    A worker process that dies (killed, out of memory, a crash in native code) breaks a local
    pool and every run in flight with it, and does not say which run killed it. Those runs are
    then run again one at a time on a fresh pool (``renew``): the innocent ones finish, and a run
    that kills its worker even alone is recorded as failed, so the sweep completes and
    ``--resume`` does not trip over it again. A Dask worker lost more often than the cluster
    tolerates (``KilledWorker``) fails its run (a chunk's runs are tried again one at a time).
    """
    pending: dict[Future, list[_Task]] = {}
    suspects: list[_Task] = []  # in flight when a worker died: rerun alone
    breaks: dict[str, int] = {}  # how often a run was in flight when its pool broke
    alone: Future | None = None  # the run currently running alone
    exhausted = False
    owned: list[Executor] = []  # pools made here to replace broken ones

    def submit(chunk: list[_Task]) -> Future:
        runs = [(task.payload, task.strategy, task.identity) for task in chunk]
        flight.sent(len(chunk))
        try:
            return executor.submit(_execute_chunk, shipped, runs, spec.seed, spec.retries)
        except BrokenExecutor as exc:  # the pool broke between two submissions
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    def fill() -> None:
        nonlocal exhausted
        while not exhausted and len(pending) < flight.tasks:
            chunk: list[_Task] = []
            size = flight.chunk()
            while len(chunk) < size:
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                    break
                if task.error is not None:  # nothing to run: store the rejection at once
                    store.add(_row(spec, task, _invalid(task)))
                    bar.finished(task.point)
                    continue
                chunk.append(task)
            if chunk:
                pending[submit(chunk)] = chunk

    try:
        while True:
            if suspects:
                if not pending:
                    task = suspects.pop(0)
                    alone = submit([task])
                    pending[alone] = [task]
            else:
                fill()
            if not pending:
                return
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                chunk = pending.pop(future)
                seconds = None
                try:
                    results, seconds = future.result()
                except BrokenExecutor as exc:
                    if renew is None:
                        raise _lost_worker(exc, out) from exc
                    broken = True
                    flight.back(len(chunk))
                    if future is not alone:
                        for task in chunk:
                            breaks[task.key] = breaks.get(task.key, 0) + 1
                            suspects.append(task)
                        continue
                    attempts = breaks.get(chunk[0].key, 0) + 1
                    results = [
                        ("failed", f"the worker process died running it ({exc})", attempts, {})
                    ]
                except Exception as exc:
                    if type(exc).__name__ != "KilledWorker":
                        for other in pending:
                            other.cancel()
                        raise _lost_worker(exc, out) from exc
                    flight.back(len(chunk))
                    if len(chunk) > 1:  # which of them killed the workers? each alone
                        suspects.extend(chunk)
                        continue
                    results = [("failed", f"the worker died running it ({exc})", 1, {})]
                else:
                    flight.back(len(chunk), seconds)
                for task, result in zip(chunk, results, strict=True):
                    store.add(_row(spec, task, result))
                    bar.finished(task.point)
            if broken and renew is not None:
                for chunk in pending.values():  # all broken with the pool
                    flight.back(len(chunk))
                    for task in chunk:
                        breaks[task.key] = breaks.get(task.key, 0) + 1
                        suspects.append(task)
                pending.clear()
                executor.shutdown(wait=False, cancel_futures=True)
                executor = renew()
                owned.append(executor)
            if alone is not None and alone not in pending:
                alone = None
    except BaseException:
        for pool in owned:
            stop_pool(pool)
        owned.clear()
        raise
    finally:
        for pool in owned:
            pool.shutdown(cancel_futures=True)


def _lost_worker(exc: BaseException, out: Path) -> JourneysimError:
    return JourneysimError(
        f"a worker was lost ({type(exc).__name__}: {exc}); finished runs are saved "
        f"in {out}: run again with --resume to complete the sweep"
    )


def _tasks(
    spec: SweepSpec, runner: Any, points: pd.DataFrame, done: set[str], bar: _Progress
) -> Iterator[_Task]:
    """The runs still to do, point by point, lazily (a design may have millions of runs).

    Runs whose key is stored already (resume) or was yielded already (designs that revisit a
    point, as Morris trajectories and integer parameters do) are skipped. Invalid points are
    stored at once as rows with ``status = "invalid"``.
    """
    yielded: set[str] = set()
    names = list(points.columns)
    # row by row: a million-point design is never turned into a million dicts at once
    for index, row in enumerate(points.itertuples(index=False, name=None)):
        values = dict(zip(names, row, strict=True))
        rendered = _render(spec, values)
        error = None
        try:
            material, payload = runner.prepare(rendered)
        except ScenarioError as exc:
            error = f"{exc.field}: {exc.message}" if exc.field else exc.message
            material, payload = "invalid|" + json.dumps(rendered, sort_keys=True, default=str), None
        digest = hashlib.sha256(material.encode()).digest()
        point_id = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
        todo = []
        for strategy in spec.strategies:
            for replication in range(spec.replications):
                key = hashlib.sha256(digest + f"|{strategy}|{replication}".encode()).hexdigest()
                key = key[:32]
                if key in yielded:  # the design revisits this point: not a run of its own
                    bar.duplicate()
                    continue
                yielded.add(key)
                if key in done:  # stored before a resume: counted as done already
                    continue
                identity = (
                    (replication,) if spec.common_random_numbers else (*point_id, replication)
                )
                todo.append(
                    _Task(index, values, strategy, replication, key, identity, payload, error)
                )
        bar.expect(index, len(todo))
        yield from todo


def _render(spec: SweepSpec, values: dict[str, Any]) -> dict[str, Any]:
    return {name: spec.parameters[name].render(_plain(v)) for name, v in values.items()}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


#: Status of a run whose model broke its contract: the sweep stops with a TypeError.
CONTRACT = "contract"


def _row(spec: SweepSpec, task: _Task, result: tuple[str, str | None, int, dict]) -> dict:
    status, error, attempts, outcomes = result
    if status == CONTRACT:
        raise TypeError(error)
    row: dict[str, Any] = {"point": task.point}
    row.update({name: spec.parameters[name].stored(_plain(v)) for name, v in task.values.items()})
    row.update(
        {
            "strategy": task.strategy,
            "replication": task.replication,
            "seed": spec.seed,
            "identity": json.dumps(list(task.identity)),
            "key": task.key,
            "status": status,
            "error": error,
            "attempts": attempts,
        }
    )
    row.update(outcomes)
    return row


def _invalid(task: _Task) -> tuple[str, str | None, int, dict]:
    return "invalid", task.error, 0, {}


# --------------------------------------------------------------------------------------------
# checks before anything is written


def _precheck(spec: SweepSpec, runner: Any, points: pd.DataFrame) -> None:
    """Fail early on what would otherwise fail mid-sweep.

    The first point is validated (an unknown parameter path fails here). Then each parameter's
    extreme values (``low``/``high``, or every listed value) are tried one at a time; an error
    *about that parameter's own field* (a value outside what the scenario allows) stops the
    sweep before it starts. Errors that come from a combination of values are left to the
    points that have them, which are recorded as invalid.
    """
    if not len(points):
        return
    first = points.iloc[0].to_dict()
    if not isinstance(runner, ScenarioModel):
        runner.prepare(_render(spec, first))
        return
    try:
        runner.prepare(_render(spec, first))
    except ScenarioError as exc:
        if any(_about(exc, name) for name in spec.parameters):
            raise  # an unknown path, or a value the field never takes
        # otherwise a combination of values the scenario rejects: that point is invalid
    for name, parameter in spec.parameters.items():
        for value in parameter.extremes():
            try:
                runner.prepare(_render(spec, {**first, name: value}))
            except ScenarioError as exc:
                if _about(exc, name):
                    raise ScenarioError(
                        f"value {parameter.render(value)!r} is not allowed: {exc.message}",
                        source=exc.source,
                        field=f"parameters.{name}",
                    ) from None


def _about(exc: ScenarioError, name: str) -> bool:
    """Whether a scenario error is about parameter ``name``'s own field (or inside it)."""
    field = exc.field or ""
    # Not an error on a parent table: those come from rules across fields (shares summing to
    # 1, a service time's sd), which other swept values may satisfy at the real points.
    return field == name or field.startswith(name + ".")


def _fingerprint(spec: SweepSpec, runner: Any, model: Any, points: pd.DataFrame) -> str:
    """What must be equal for ``--resume`` to add runs to a stored sweep.

    The spec, the scenario document (or the model function's code), the design's points as
    generated here (a newer scipy or SALib may draw other points from the same seed) and the
    journeysim version plus a digest of the model layers' source (a changed engine may simulate
    differently even if nobody bumped the version): a resume never mixes runs of two different
    sweeps in one dataset.
    """
    material = spec.model_dump(mode="json", exclude={"batch_size", "retries"})
    if isinstance(runner, ScenarioModel):
        material["scenario_document"] = runner.base.model_dump(mode="json")
    else:
        module = getattr(model, "__module__", "")
        material["model"] = f"{module}.{getattr(model, '__qualname__', repr(model))}"
        code = getattr(model, "__code__", None)
        if code is not None:
            material["model_code"] = _code_digest(code)
    material["points"] = hashlib.sha256(
        points.to_json(orient="split", double_precision=15).encode()
    ).hexdigest()
    material["journeysim"] = __version__
    material["model_digest"] = model_digest()
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _code_digest(code: Any) -> str:
    """A hash of a function's bytecode and constants, nested code included.

    Stable across processes: nested code objects are hashed, never ``repr``-ed (memory address).
    """
    digest = hashlib.sha256(code.co_code)
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            digest.update(_code_digest(const).encode())
        else:
            digest.update(repr(const).encode())
    return digest.hexdigest()


def _check_strategies(scenario: Any, spec: SweepSpec, source: str) -> None:
    from journeysim.strategies.registry import available_strategies

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


# --------------------------------------------------------------------------------------------
# progress


class _Progress:
    """A tqdm bar over runs (runs/s, ETA) that also counts the points whose runs are all done."""

    def __init__(self, total: int, initial: int, points: int, enabled: bool) -> None:
        from tqdm.auto import tqdm

        self.points = points
        self.points_done = 0
        self.remaining: dict[int, int] = {}
        self.bar = tqdm(
            total=total,
            initial=initial,
            disable=not enabled,
            unit="run",
            desc="sweep",
            smoothing=0.1,
            dynamic_ncols=True,
        )

    def expect(self, point: int, runs: int) -> None:
        """The runner is about to submit ``runs`` runs of ``point``."""
        if runs:
            self.remaining[point] = runs
        else:
            self._point_done()

    def duplicate(self) -> None:
        """A design row repeats a run already planned: one run fewer in total."""
        self.bar.total -= 1
        self.bar.refresh()

    def finished(self, point: int) -> None:
        """One run of ``point`` is stored."""
        self.remaining[point] -= 1
        if not self.remaining[point]:
            del self.remaining[point]
            self._point_done()
        self.bar.update(1)

    def _point_done(self) -> None:
        self.points_done += 1
        self.bar.set_postfix_str(f"points {self.points_done}/{self.points}", refresh=False)

    def close(self) -> None:
        """Close the bar."""
        self.bar.close()
