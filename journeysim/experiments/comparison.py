"""Many runs: replications with confidence intervals.

The many-runs layer only ever calls :func:`journeysim.simulate`; it accepts any
:class:`concurrent.futures.Executor` (in-process, local processes, a Dask client's executor).
Replication ``r`` always runs with identity ``(r,)`` below the root seed, so results do not
depend on which worker ran what, or in which order they finished.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from journeysim.confidence import mean_ci
from journeysim.errors import ScenarioError
from journeysim.experiments.engines import process_pool, stop_pool, useful_workers
from journeysim.kpis import KPI_COLUMNS, SEGMENT_COLUMNS
from journeysim.scenario.fields import check_seed
from journeysim.scenario.schema import Scenario
from journeysim.scenario.workload import check_planned_work
from journeysim.simulation import simulate
from journeysim.strategies.base import Strategy

__all__ = ["Comparison", "Replications", "compare", "mean_ci", "replicate", "run_many", "summarise"]


@dataclass
class Replications:
    """Per-replication KPIs, their summary and every replication's tables.

    Attributes
    ----------
    runs:
        One row per replication (column ``replication``) with every KPI.
    summary:
        One row per KPI: ``mean``, ``sd``, ``ci_low``, ``ci_high`` (95%, Student t), ``n``.
    timelines, cohorts, touchpoints:
        Every replication's table, long, with ``strategy, replication`` prepended (the plots
        draw their 95% bands from these).
    strategies:
        The one strategy's name, as a list (so the plots read a Replications like a
        Comparison of one strategy).
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    timelines: pd.DataFrame = field(default_factory=pd.DataFrame)
    cohorts: pd.DataFrame = field(default_factory=pd.DataFrame)
    touchpoints: pd.DataFrame = field(default_factory=pd.DataFrame)
    strategies: list[str] = field(default_factory=list)


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
    workers = 1 if executor is not None else useful_workers(workers, n)
    results: list[Any] = [None] * n
    bar = _progress(n, description, progress)
    try:
        if executor is None and (workers == 1 or n <= 1):
            for index, task in enumerate(tasks):
                results[index] = function(task)
                bar.update(1)
            return results
        own = executor is None
        pool = executor or process_pool(min(workers, n))
        try:
            futures = {pool.submit(function, task): index for index, task in enumerate(tasks)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update(1)
        except BaseException:
            if own:  # an interrupt or a failed run: do not wait for the runs in progress
                own = False
                stop_pool(pool)
            raise
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
    from journeysim.strategies.registry import resolve_strategy

    _check_replications(replications)
    check_seed(seed)
    resolve_strategy(strategy, scenario)  # an unknown name fails here, before any run
    check_planned_work(scenario)
    tasks = [(scenario, strategy, seed, (r,)) for r in range(replications)]
    outputs = run_many(
        tasks, workers, executor, progress, description=_name(strategy), function=_run_tables
    )
    runs = _stack([o["kpis"] for o in outputs], range(replications))
    name = str(runs["strategy"].iloc[0]) if "strategy" in runs else _name(strategy)
    labels = [(name, r) for r in range(replications)]
    return Replications(
        runs=runs,
        summary=summarise(runs),
        timelines=_long_tables(labels, outputs, "timeline"),
        cohorts=_long_tables(labels, outputs, "cohorts"),
        touchpoints=_long_tables(labels, outputs, "touchpoints"),
        strategies=[name],
    )


def _long_tables(
    labels: Sequence[tuple[str, int]], outputs: Sequence[dict[str, pd.DataFrame]], key: str
) -> pd.DataFrame:
    """One long table of every run's ``key`` table with ``strategy, replication`` prepended."""
    frames = []
    for (name, r), output in zip(labels, outputs, strict=True):
        frame = output[key].drop(columns=["strategy"], errors="ignore")
        frame.insert(0, "replication", r)
        frame.insert(0, "strategy", name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


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


@dataclass
class Comparison:
    """Strategies side by side, with paired differences against a baseline.

    Attributes
    ----------
    table:
        One row per (strategy, KPI): ``mean, ci_low, ci_high`` (95%) and the paired difference
        against the baseline ``diff, diff_ci_low, diff_ci_high``, plus ``n`` replications.
    runs:
        Per-run KPIs: ``strategy, replication`` and every KPI.
    timelines, cohorts, touchpoints:
        Every run's table, long, with ``strategy, replication`` prepended.
    baseline:
        The reference strategy of the differences.
    strategies:
        Strategy names in the order given.
    common_random_numbers:
        Whether replication ``r`` of every strategy shared its random numbers.
    segments:
        Every run's per-segment table, long, with ``strategy, replication`` prepended.
    segment_table:
        As ``table``, per segment: one row per (strategy, segment, KPI) with ``mean, ci_low,
        ci_high, diff, diff_ci_low, diff_ci_high, n`` (differences paired by replication
        against the baseline's same segment).
    seed, scenario_name, currency, annual_discount_rate:
        What the comparison ran (for reports) and how money is shown and discounted.
    """

    table: pd.DataFrame
    runs: pd.DataFrame
    timelines: pd.DataFrame
    cohorts: pd.DataFrame
    touchpoints: pd.DataFrame
    baseline: str
    strategies: list[str]
    common_random_numbers: bool = True
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    segment_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    seed: int = 0
    scenario_name: str = ""
    currency: str = "EUR"
    annual_discount_rate: float = 0.1

    @property
    def replications(self) -> int:
        """Replications per strategy."""
        return int(self.runs["replication"].nunique()) if len(self.runs) else 0

    def payback(self) -> pd.DataFrame:
        """Cumulative and discounted profit difference vs the baseline by period, with CIs.

        See :func:`journeysim.experiments.payback.payback_table`.
        """
        from journeysim.experiments.payback import payback_table

        return payback_table(self)

    def break_even(self) -> pd.DataFrame:
        """Break-even period per strategy with its interval, NPV and ROI at the horizon.

        See :func:`journeysim.experiments.payback.break_even_table`.
        """
        from journeysim.experiments.payback import break_even_table

        return break_even_table(self)

    def wide(self, kpis: Sequence[str] | None = None) -> pd.DataFrame:
        """The table as KPI rows x strategy columns of ``mean`` (a quick overview)."""
        if isinstance(kpis, str):
            kpis = [kpis]
        if kpis is not None:
            kpis = list(dict.fromkeys(kpis))
        table = self.table if kpis is None else self.table[self.table["kpi"].isin(kpis)]
        if kpis is not None:
            unknown = [k for k in kpis if k not in set(self.table["kpi"])]
            if unknown:
                raise ScenarioError(f"unknown KPIs {unknown}", field="kpis")
        wide = table.pivot(index="kpi", columns="strategy", values="mean")
        order = list(kpis) if kpis is not None else list(dict.fromkeys(table["kpi"]))
        return wide.loc[order, self.strategies]


def _run_tables(args: tuple[Scenario, Any, int, tuple[int, ...]]) -> dict[str, pd.DataFrame]:
    scenario, strategy, seed, identity = args
    results = simulate(scenario, strategy, seed, identity=identity)
    return {
        "kpis": results.kpis,
        "timeline": results.timeline,
        "cohorts": results.cohorts,
        "touchpoints": results.touchpoints,
        "segments": results.segments,
    }


def compare(
    scenario: Scenario,
    strategies: Sequence[str | Strategy] = ("baseline", "crm", "cem", "loyalty"),
    replications: int = 10,
    seed: int = 0,
    workers: int | None = None,
    *,
    baseline: str | None = None,
    common_random_numbers: bool = True,
    executor: Executor | None = None,
    progress: bool = False,
) -> Comparison:
    """Run several strategies on one scenario and compare them with the baseline.

    Parameters
    ----------
    scenario:
        The scenario (see :func:`journeysim.load_scenario`).
    strategies:
        Strategy names (or :class:`Strategy` instances); the first is the baseline unless
        ``baseline`` names another. A string is read as comma-separated names
        (``"baseline,cem"``), as on the command line.
    replications, seed, workers, executor, progress:
        As for :func:`replicate`.
    baseline:
        Name of the reference strategy (default: the first).
    common_random_numbers:
        True (default): replication ``r`` of every strategy runs with the same random numbers
        (same customers, needs and draws), so differences are paired and tight. False: each
        strategy gets independent streams.

    Returns
    -------
    Comparison
        ``.table`` with means, 95% CIs and paired differences against the baseline.
    """
    from journeysim.strategies.registry import resolve_strategy

    _check_replications(replications)
    if isinstance(strategies, str):  # "baseline,cem": the CLI's spelling, not its characters
        strategies = [name.strip() for name in strategies.split(",") if name.strip()]
    if isinstance(strategies, Strategy):
        strategies = [strategies]
    if not strategies:
        raise ScenarioError("give at least one strategy", field="strategies")
    names = [_name(s) for s in strategies]
    if len(set(names)) != len(names):
        raise ScenarioError(f"strategies listed twice: {', '.join(names)}", field="strategies")
    for strategy in strategies:  # unknown names fail here, before any run
        resolve_strategy(strategy, scenario)
    check_seed(seed)
    check_planned_work(scenario)
    reference = baseline or names[0]
    if reference not in names:
        raise ScenarioError(f"baseline {reference!r} is not among the strategies", field="baseline")
    tasks = []
    for index, strategy in enumerate(strategies):
        for r in range(replications):
            identity = (r,) if common_random_numbers else (r, index + 1)
            tasks.append((scenario, strategy, seed, identity))
    outputs = run_many(
        tasks, workers, executor, progress, description="compare", function=_run_tables
    )
    labels = [(name, r) for name in names for r in range(replications)]

    def long(key: str) -> pd.DataFrame:
        return _long_tables(labels, outputs, key)

    runs = long("kpis")
    runs["strategy"] = pd.Categorical(runs["strategy"], categories=names)  # keep given order
    kpis = [k for k in KPI_COLUMNS if k in runs]
    rows = _paired_rows(runs, names, reference, kpis)
    runs["strategy"] = runs["strategy"].astype(str)
    segments = long("segments")
    segment_rows = []
    for segment in dict.fromkeys(segments["segment"]):
        own = segments[segments["segment"] == segment]
        for row in _paired_rows(own, names, reference, list(SEGMENT_COLUMNS)):
            segment_rows.append({"segment": segment, **row})
    segment_table = pd.DataFrame(
        segment_rows,
        columns=[
            "segment",
            "strategy",
            "kpi",
            "mean",
            "ci_low",
            "ci_high",
            "diff",
            "diff_ci_low",
            "diff_ci_high",
            "n",
        ],
    )
    return Comparison(
        segments=segments,
        segment_table=segment_table,
        table=pd.DataFrame(rows),
        runs=runs,
        timelines=long("timeline"),
        cohorts=long("cohorts"),
        touchpoints=long("touchpoints"),
        baseline=reference,
        strategies=names,
        common_random_numbers=common_random_numbers,
        seed=int(seed),
        scenario_name=scenario.name,
        currency=scenario.money.currency,
        annual_discount_rate=scenario.money.annual_discount_rate,
    )


def _paired_rows(
    runs: pd.DataFrame, names: Sequence[str], reference: str, columns: Sequence[str]
) -> list[dict[str, Any]]:
    """Mean, 95% CI and paired difference against ``reference`` per (strategy, column)."""
    base = runs[runs["strategy"] == reference].set_index("replication")
    rows = []
    for name in names:
        own = runs[runs["strategy"] == name].set_index("replication")
        for kpi in columns:
            values = own[kpi].to_numpy(dtype=float)
            stats_ = mean_ci(values[~np.isnan(values)])
            diffs = (own[kpi] - base[kpi]).to_numpy(dtype=float)
            diff = mean_ci(diffs[~np.isnan(diffs)])
            rows.append(
                {
                    "strategy": name,
                    "kpi": kpi,
                    "mean": stats_["mean"],
                    "ci_low": stats_["ci_low"],
                    "ci_high": stats_["ci_high"],
                    "diff": diff["mean"],
                    "diff_ci_low": diff["ci_low"],
                    "diff_ci_high": diff["ci_high"],
                    "n": stats_["n"],
                }
            )
    return rows
