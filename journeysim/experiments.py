"""Many runs: replications with confidence intervals.

The many-runs layer only ever calls :func:`journeysim.simulate`; it accepts any
:class:`concurrent.futures.Executor` (in-process, local processes, a Dask client's executor).
Replication ``r`` always runs with identity ``(r,)`` below the root seed, so results do not
depend on which worker ran what, or in which order they finished.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from journeysim.errors import ScenarioError
from journeysim.results import KPI_COLUMNS
from journeysim.scenario import Scenario
from journeysim.simulation import simulate
from journeysim.strategies import Strategy

__all__ = ["Replications", "replicate", "summarise", "run_many"]


@dataclass
class Replications:
    """Per-replication KPIs and their summary.

    Attributes
    ----------
    runs:
        One row per replication (column ``replication``) with every KPI.
    summary:
        One row per KPI: ``mean``, ``sd``, ``ci_low``, ``ci_high`` (95%, Student t), ``n``.
    """

    runs: pd.DataFrame
    summary: pd.DataFrame


def summarise(runs: pd.DataFrame, kpis: Sequence[str] = KPI_COLUMNS) -> pd.DataFrame:
    """Mean, standard deviation and 95% Student-t confidence interval per KPI column."""
    rows = []
    for kpi in kpis:
        if kpi not in runs:
            continue
        values = runs[kpi].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        rows.append({"kpi": kpi, **mean_ci(values)})
    return pd.DataFrame(rows)


def mean_ci(values: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Mean, sd and the ``level`` Student-t confidence interval of ``values``."""
    n = len(values)
    if n == 0:
        return {"mean": math.nan, "sd": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0}
    mean = float(np.mean(values))
    if n == 1:
        return {"mean": mean, "sd": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 1}
    sd = float(np.std(values, ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return {"mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def _run_kpis(args: tuple[Scenario, Any, int, tuple[int, ...]]) -> pd.DataFrame:
    scenario, strategy, seed, identity = args
    return simulate(scenario, strategy, seed, identity=identity).kpis


def run_many(
    tasks: Sequence[tuple[Scenario, Any, int, tuple[int, ...]]],
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    description: str = "runs",
    function: Callable[[Any], Any] = _run_kpis,
) -> list[Any]:
    """Run ``function(task)`` for every task, in parallel, returning results in task order.

    ``executor`` wins over ``workers``; ``workers=1`` runs in-process; ``None`` uses every core.
    """
    n = len(tasks)
    if workers is not None and workers < 1:
        raise ScenarioError("workers must be at least 1", field="workers")
    workers = workers or os.cpu_count() or 1
    results: list[Any] = [None] * n
    bar = _progress(n, description, progress)
    try:
        if executor is None and (workers == 1 or n <= 1):
            for index, task in enumerate(tasks):
                results[index] = function(task)
                bar.update(1)
            return results
        own = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=min(workers, n))
        try:
            futures = {pool.submit(function, task): index for index, task in enumerate(tasks)}
            from concurrent.futures import as_completed

            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update(1)
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
        return results
    finally:
        bar.close()


def _progress(total: int, description: str, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, disable=not enabled, unit="run")


def replicate(
    scenario: Scenario,
    strategy: str | Strategy = "baseline",
    replications: int = 10,
    seed: int = 0,
    workers: int | None = None,
    *,
    executor: Executor | None = None,
    progress: bool = False,
) -> Replications:
    """Run ``replications`` independent replications and summarise every KPI.

    Parameters
    ----------
    scenario, strategy, seed:
        As for :func:`journeysim.simulate`; replication ``r`` runs with identity ``(r,)``.
    replications:
        Number of replications (at least 1).
    workers:
        Local processes to use (``None``: every core, ``1``: in-process).
    executor:
        Any :class:`concurrent.futures.Executor` to run on instead (e.g. a Dask client's).
    progress:
        Show a progress bar.
    """
    _check_replications(replications)
    tasks = [(scenario, strategy, seed, (r,)) for r in range(replications)]
    frames = run_many(tasks, workers, executor, progress, description=_name(strategy))
    runs = _stack(frames, range(replications))
    return Replications(runs=runs, summary=summarise(runs))


def _check_replications(replications: int) -> None:
    if not isinstance(replications, int) or replications < 1:
        raise ScenarioError(
            f"replications must be an integer of at least 1 (got {replications!r})",
            field="replications",
        )


def _name(strategy: str | Strategy) -> str:
    return strategy if isinstance(strategy, str) else strategy.name


def _stack(frames: Sequence[pd.DataFrame], replications: Iterable[int]) -> pd.DataFrame:
    runs = pd.concat(frames, ignore_index=True)
    runs.insert(0, "replication", list(replications))
    return runs
