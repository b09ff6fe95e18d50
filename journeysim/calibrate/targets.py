"""Target KPIs and survey answers: simulation-based calibration of scenario parameters.

Given parameters (dotted paths with ranges) and observed targets with tolerances, find values
that reproduce the targets. The loss of a parameter point is

    L = sum_k ((mean_k - target_k) / tolerance_k)^2,

``mean_k`` the mean of KPI ``k`` over ``replications`` runs. Every point runs the same
replication identities ``(0,), (1,), ...`` from the same root seed: common random numbers, so
differences between points are the parameters' effect, not noise. The search is a Latin
hypercube design over the box (scipy.stats.qmc; all runs of the design in parallel on the sweep
engines, with progress) followed by Nelder-Mead from the best point (scipy.optimize), within
``budget`` points in all. A target is met when its mean is within its tolerance.

Identification: the near-optimal set is every evaluated point with loss <= best + 1 + the
number of targets (a loose analogue of a chi-square band); its spread per parameter is
reported, together with a profile (the lowest loss seen in each tenth of the range). A
parameter whose near-optimal spread covers much of its range is not identified by the targets.

Survey answers: :func:`survey_targets` turns answers joined to journeys (LTR, CSAT, CES with
the journey's wait) into targets - NPS, mean LTR, its standard deviation and the mean LTR gap
between journeys that waited and those that did not - computed identically from simulated
event logs (:func:`survey_statistics`), so behaviour-rule parameters such as
``psychology.wait_penalty_per_hour`` and ``psychology.ltr_noise`` are fitted by the same search.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from journeysim.confidence import mean_ci
from journeysim.errors import ScenarioError
from journeysim.experiments.comparison import run_many
from journeysim.scenario.schema import Scenario
from journeysim.simulation import simulate

__all__ = [
    "TargetCalibration",
    "calibrate_targets",
    "survey_statistics",
    "survey_targets",
]

Statistics = Callable[[Any], dict[str, float]]


def _kpis(results: Any) -> dict[str, float]:
    row = results.kpis.iloc[0]
    return {k: float(v) for k, v in row.items() if isinstance(v, int | float | np.number)}


def survey_statistics(results_or_log: Any, waited_minutes: float = 5.0) -> dict[str, float]:
    """Survey moments from a run with the event log (or from a journey log frame).

    Returns ``nps``, ``mean_ltr``, ``sd_ltr`` and ``ltr_wait_gap`` (mean LTR of journeys that
    waited more than ``waited_minutes`` in all minus that of the others; NaN if either is empty).
    """
    from journeysim.calibrate.export import journey_log

    log = results_or_log
    if not isinstance(log, pd.DataFrame):
        log = journey_log(results_or_log)
    waits = log.groupby("journey_id")["wait"].sum()
    ltr = log.dropna(subset=["ltr"]).groupby("journey_id")["ltr"].last()
    if ltr.empty:
        return {"nps": math.nan, "mean_ltr": math.nan, "sd_ltr": math.nan, "ltr_wait_gap": math.nan}
    waited = waits.reindex(ltr.index).fillna(0) > waited_minutes
    gap = (
        float(ltr[waited].mean() - ltr[~waited].mean())
        if waited.any() and (~waited).any()
        else math.nan
    )
    out = {
        "nps": float(100 * ((ltr >= 9).mean() - (ltr <= 6).mean())),
        "mean_ltr": float(ltr.mean()),
        "sd_ltr": float(ltr.std(ddof=1)) if len(ltr) > 1 else math.nan,
        "ltr_wait_gap": gap,
    }
    for col in ("csat", "ces"):  # answers joined to journeys may carry these too
        if col in log and log[col].notna().any():
            out[f"mean_{col}"] = float(log[col].mean())
    return out


def survey_targets(
    answers: pd.DataFrame, tolerances: dict[str, float] | None = None, waited_minutes: float = 5.0
) -> dict[str, tuple[float, float]]:
    """Targets from survey answers joined to journeys (a journey log with ``ltr``, ``wait``).

    Tolerances default to two standard errors of each statistic (bootstrap-free formulas:
    sd/sqrt(n) for means; 100 sqrt((p + d - (p - d)^2) / n) for NPS).
    """
    stats = survey_statistics(answers, waited_minutes)
    ltr = answers.dropna(subset=["ltr"]).groupby("journey_id")["ltr"].last()
    n = max(len(ltr), 1)
    p, d = float((ltr >= 9).mean()), float((ltr <= 6).mean())
    se = {
        "nps": 100 * math.sqrt(max(p + d - (p - d) ** 2, 1e-9) / n),
        "mean_ltr": stats["sd_ltr"] / math.sqrt(n),
        "sd_ltr": stats["sd_ltr"] / math.sqrt(2 * max(n - 1, 1)),
        "ltr_wait_gap": 2 * stats["sd_ltr"] / math.sqrt(n),
    }
    for col in ("csat", "ces"):
        if col in answers and answers[col].notna().sum() > 1:
            values = answers[col].dropna()
            se[f"mean_{col}"] = float(values.std(ddof=1)) / math.sqrt(len(values))
    tol = tolerances or {}
    return {
        k: (v, tol.get(k, 2 * se[k]))
        for k, v in stats.items()
        if math.isfinite(v) and math.isfinite(se.get(k, math.nan))
    }


@dataclass
class TargetCalibration:
    """Result of :func:`calibrate_targets`."""

    best: dict[str, float]
    loss: float
    targets: pd.DataFrame  # kpi, target, tolerance, mean, ci_low, ci_high, met
    evaluations: pd.DataFrame  # one row per point: parameters, loss, KPI means
    identification: pd.DataFrame  # parameter, low, high, best, near_low, near_high, share
    profiles: dict[str, pd.DataFrame]

    @property
    def unmet(self) -> list[str]:
        """Targets the best point does not meet."""
        return list(self.targets.loc[~self.targets["met"], "kpi"])


def _evaluate_task(args: tuple[Scenario, Any, int, tuple[int, ...], Any, bool]) -> dict:
    scenario, strategy, seed, identity, statistics, log = args
    results = simulate(scenario, strategy, seed, event_log=log, identity=identity)
    return (statistics or _kpis)(results)


def calibrate_targets(
    scenario: Scenario,
    parameters: dict[str, tuple[float, float]],
    targets: dict[str, tuple[float, float]],
    *,
    replications: int = 5,
    seed: int = 0,
    budget: int = 30,
    initial: int | None = None,
    strategy: str = "baseline",
    statistics: Statistics | None = None,
    event_log: bool = False,
    workers: int | None = 1,
    executor: Executor | None = None,
    progress: bool = False,
) -> TargetCalibration:
    """Find parameter values whose simulated KPIs meet ``targets``.

    Parameters
    ----------
    scenario:
        The scenario to calibrate (parameters are overrides of its document).
    parameters:
        Dotted path -> (low, high), e.g. ``{"psychology.ltr_noise": (0.5, 3.0)}``.
    targets:
        KPI -> (target, tolerance), e.g. ``{"nps": (32, 3)}``.
    replications:
        Runs per point (common random numbers across points).
    seed:
        Root seed of every run (the same at every point: common random numbers).
    budget, initial:
        Points evaluated in all; ``initial`` of them (default: about two thirds) in the design.
    strategy:
        Strategy every run uses (default: the scenario as it is).
    statistics:
        Function of a run's results returning the statistics the targets name (default: the KPI
        row); use :func:`survey_statistics` with ``event_log=True`` for survey targets.
    event_log:
        Keep the runs' event logs (needed by :func:`survey_statistics`).
    workers, executor:
        As for the sweeps: local processes (``1``: in-process) or any Executor (e.g. Dask's).
    progress:
        Show a progress bar per batch.

    Raises
    ------
    ScenarioError
        An empty range, an unknown parameter path, or a point whose overrides do not validate.
    """
    from scipy.optimize import minimize
    from scipy.stats import qmc

    names = list(parameters)
    if not names or not targets:
        raise ScenarioError("give at least one parameter and one target", field="parameters")
    lows = np.array([parameters[n][0] for n in names], dtype=float)
    highs = np.array([parameters[n][1] for n in names], dtype=float)
    if np.any(highs <= lows):
        raise ScenarioError("every parameter range needs low < high", field="parameters")
    for k, (_, tol) in targets.items():
        if not tol > 0:
            raise ScenarioError(f"target {k!r} needs a positive tolerance", field="targets")
    scenario.with_overrides({n: float(lows[i]) for i, n in enumerate(names)})  # paths check
    rows: list[dict[str, Any]] = []

    def batch(units: np.ndarray) -> list[float]:
        points = lows + np.clip(units, 0, 1) * (highs - lows)
        tasks = []
        for point in points:
            spec = scenario.with_overrides({n: float(v) for n, v in zip(names, point, strict=True)})
            tasks += [
                (spec, strategy, seed, (r,), statistics, event_log) for r in range(replications)
            ]
        outs = run_many(
            tasks, workers, executor, progress, description="calibration", function=_evaluate_task
        )
        losses = []
        for i, point in enumerate(points):
            runs = pd.DataFrame(outs[i * replications : (i + 1) * replications])
            row: dict[str, Any] = dict(zip(names, map(float, point), strict=True))
            loss = 0.0
            for k, (target, tol) in targets.items():
                if k not in runs:
                    raise ScenarioError(
                        f"unknown target {k!r}; known: {', '.join(runs)}", field="targets"
                    )
                mean = float(runs[k].mean())
                row[k] = mean
                loss += ((mean - target) / tol) ** 2 if math.isfinite(mean) else 1e6
            row["loss"] = loss
            row["_runs"] = runs
            rows.append(row)
            losses.append(loss)
        return losses

    dim = len(names)
    n0 = initial or max(2, min(budget, int(round(budget * 2 / 3))))
    design = qmc.LatinHypercube(d=dim, seed=seed).random(n0)
    batch(design)
    remaining = budget - n0
    if remaining > 0:
        start = (
            np.array([rows[int(np.argmin([r["loss"] for r in rows]))][n] for n in names]) - lows
        ) / (highs - lows)
        minimize(
            lambda u: batch(np.atleast_2d(u))[0],
            start,
            method="Nelder-Mead",
            options={
                "maxfev": remaining,
                "xatol": 1e-3,
                "fatol": 1e-3,
                "initial_simplex": np.vstack(
                    [
                        start,
                        *(
                            np.clip(
                                start + (1.0 / n0) * np.eye(dim)[i] * np.where(start > 0.5, -1, 1),
                                0,
                                1,
                            )
                            for i in range(dim)
                        ),
                    ]
                ),
            },
        )
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "_runs"} for r in rows])
    best_i = int(frame["loss"].idxmin())
    best = {n: float(frame.loc[best_i, n]) for n in names}
    runs = rows[best_i]["_runs"]
    trows = []
    for k, (target, tol) in targets.items():
        ci = mean_ci(runs[k].to_numpy(float))
        trows.append(
            {
                "kpi": k,
                "target": target,
                "tolerance": tol,
                "mean": ci["mean"],
                "ci_low": ci["ci_low"],
                "ci_high": ci["ci_high"],
                "met": abs(ci["mean"] - target) <= tol,
            }
        )
    threshold = frame["loss"].min() + 1 + len(targets)
    near = frame[frame["loss"] <= threshold]
    ident, profiles = [], {}
    for i, n in enumerate(names):
        span = highs[i] - lows[i]
        ident.append(
            {
                "parameter": n,
                "low": lows[i],
                "high": highs[i],
                "best": best[n],
                "near_low": float(near[n].min()),
                "near_high": float(near[n].max()),
                "near_points": len(near),
                "share_of_range": float((near[n].max() - near[n].min()) / span),
            }
        )
        bins = pd.cut(frame[n], np.linspace(lows[i], highs[i], 11), include_lowest=True)
        profiles[n] = (
            frame.groupby(bins, observed=True)["loss"].min().rename("min_loss").reset_index()
        )
    return TargetCalibration(
        best, float(frame["loss"].min()), pd.DataFrame(trows), frame, pd.DataFrame(ident), profiles
    )


def load_targets_file(path: str | Any) -> dict[str, Any]:
    """Read a calibration-experiment file (TOML; docs/calibration.md).

    ``scenario`` (path, relative to the file), ``[parameters]`` (dotted path = [low, high]),
    ``[targets]`` (KPI = [value, tolerance]) and optional ``replications``, ``budget``,
    ``seed``, ``strategy``. Returns keyword arguments for :func:`calibrate_targets` plus
    ``scenario_path``.

    Raises
    ------
    ScenarioError
        One line naming the file and the field.
    """
    import tomllib
    from pathlib import Path

    path = Path(path)
    name = str(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ScenarioError("no such file", source=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", source=name) from None
    allowed = {"scenario", "parameters", "targets", "replications", "budget", "seed", "strategy"}
    for key in raw:
        if key not in allowed:
            raise ScenarioError(
                f"unknown key; allowed: {', '.join(sorted(allowed))}", source=name, field=key
            )
    out: dict[str, Any] = {}
    if "scenario" in raw:
        out["scenario_path"] = (path.parent / str(raw["scenario"])).resolve()
    for table, what in (("parameters", "[low, high]"), ("targets", "[value, tolerance]")):
        items = raw.get(table)
        if not isinstance(items, dict) or not items:
            raise ScenarioError(
                f"needs a [{table}] table of KEY = {what}", source=name, field=table
            )
        parsed = {}
        for key, pair in items.items():
            ok = (
                isinstance(pair, list)
                and len(pair) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) for x in pair)
            )
            if not ok:
                raise ScenarioError(
                    f"write {what} (two numbers)", source=name, field=f"{table}.{key}"
                )
            parsed[key] = (float(pair[0]), float(pair[1]))
        out[table] = parsed
    for key, kind in (("replications", int), ("budget", int), ("seed", int), ("strategy", str)):
        if key in raw:
            if (
                not isinstance(raw[key], kind)
                or isinstance(raw[key], bool)
                or (kind is int and raw[key] < (0 if key == "seed" else 1))
            ):
                raise ScenarioError(
                    f"must be a {'positive integer' if kind is int else 'name'}",
                    source=name,
                    field=key,
                )
            out[key] = raw[key]
    return out


def calibrated_toml(scenario: Scenario, result: TargetCalibration) -> str:
    """The scenario's document with the best values, each commented with how it was found."""
    import copy

    from journeysim.calibrate.document import Fitted, to_toml

    doc = copy.deepcopy(scenario.document)
    met = ", ".join(
        f"{r.kpi} {r.mean:.4g} vs {r.target:g} +- {r.tolerance:g} ({'met' if r.met else 'NOT met'})"
        for r in result.targets.itertuples()
    )
    ident = result.identification.set_index("parameter")
    for path, value in result.best.items():
        row = ident.loc[path]
        note = (
            f"target calibration, {len(result.evaluations)} points: best {value:.4g}, "
            f"near-optimal {row['near_low']:.4g}-{row['near_high']:.4g} "
            f"({100 * row['share_of_range']:.0f}% of the range searched); targets: {met}"
        )
        node = doc
        keys = path.split(".")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = Fitted(round(value, 6), note)
    header = (
        f"Scenario {scenario.name!r} with parameters calibrated to target KPIs "
        "(journeysim.calibrate.calibrate_targets)."
    )
    return to_toml(doc, header)
