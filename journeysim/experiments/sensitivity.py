"""Global sensitivity analysis of sweep results: Sobol indices and Morris screening.

The analysis reads the sweep's manifest (parameters and the unit-cube design matrix) and its
results, averages each design point's outcome over replications, and hands both to SALib
(imported lazily: ``pip install 'journeysim[sensitivity]'``). Saltelli designs give Sobol
first-order and total indices with bootstrap confidence intervals; Morris designs give
mu* (mean absolute elementary effect), its confidence interval and sigma.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from journeysim.confidence import t_half_width
from journeysim.errors import ScenarioError
from journeysim.experiments.designs import make_design, salib_problem
from journeysim.experiments.store import load_sweep, read_manifest
from journeysim.experiments.sweeps import META_COLUMNS, SweepSpec, _plain

__all__ = ["sensitivity"]


def sensitivity(
    out: str | Path,
    kpis: list[str] | str | None = None,
    strategy: str | None = None,
    *,
    seed: int = 0,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Sensitivity indices of chosen KPIs from a sweep run with a Saltelli or Morris design.

    Parameters
    ----------
    out:
        The sweep's results directory.
    kpis:
        Outcome columns to analyse (default: every outcome of the sweep).
    strategy:
        Strategy whose runs are analysed (default: the sweep's first).
    seed:
        Seed of the bootstrap behind the confidence intervals.
    conf_level:
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Sobol: ``kpi, parameter, S1, S1_conf, ST, ST_conf``;
        Morris: ``kpi, parameter, mu_star, mu_star_conf, mu, mu_conf, sigma`` (``mu_conf``:
        Student-t half-width of the signed mean elementary effect over the trajectories).
        A KPI undefined (NaN) at some design points (retention on a horizon with no complete
        period after acquisition, NPS without survey answers) is left out with a warning that
        names it; the others are analysed.
    """
    out = Path(out)
    manifest = read_manifest(out)
    spec = SweepSpec.model_validate(manifest["spec"])
    kind = spec.design.kind
    if kind not in ("saltelli", "morris"):
        raise ScenarioError(
            f"sensitivity needs a 'saltelli' or 'morris' design (this sweep used {kind!r})",
            source=str(out),
            field="design.kind",
        )
    data = load_sweep(out)
    strategy = strategy or spec.strategies[0]
    if strategy not in spec.strategies:
        raise ScenarioError(
            f"unknown strategy {strategy!r}; this sweep ran: {', '.join(spec.strategies)}",
            source=str(out),
            field="strategy",
        )
    attempted = data[data["strategy"] == strategy]
    data = attempted[attempted["status"] == "ok"]
    if isinstance(kpis, str):
        kpis = [kpis]
    known = [c for c in data.columns if c not in META_COLUMNS and c not in spec.parameters]
    kpis = kpis or known
    for kpi in kpis:
        if kpi not in known:
            raise ScenarioError(f"unknown outcome {kpi!r}; known: {', '.join(known)}")
    matrix = np.asarray(manifest["design_matrix"], dtype=float)
    # Identical points (Morris trajectories revisit some) share one run key, so outcomes are
    # matched to design rows by parameter values, not by row number.
    names = list(spec.parameters)
    points, _ = make_design(spec.design, spec.parameters)
    for name in names:  # compare like with like: values as the results columns store them
        points[name] = [spec.parameters[name].stored(_plain(v)) for v in points[name]]
    per_values = data.groupby(names, dropna=False)[kpis].mean()
    index = (
        pd.MultiIndex.from_frame(points[names])
        if len(names) > 1
        else pd.Index(points[names[0]], name=names[0])
    )
    means = per_values.reindex(index)
    # a point lacks a run only when no successful row exists (a KPI may be NaN in an ok run)
    ran = data.groupby(names, dropna=False).size().reindex(index).notna().to_numpy()
    if not ran.all():
        distinct = ~index.duplicated()  # Morris trajectories revisit points
        lacking = ~ran & distinct
        tried = attempted.groupby(names, dropna=False).size()
        tried = tried.reindex(index).fillna(0).to_numpy() > 0
        failed, unrun = int((lacking & tried).sum()), int((lacking & ~tried).sum())
        reasons = []
        if failed:
            reasons.append(
                f"{failed} only failed or were invalid (see the 'status' and 'error' columns)"
            )
        if unrun:
            reasons.append(f"{unrun} have not run yet (resume the sweep)")
        raise ScenarioError(
            f"{failed + unrun} design points have no successful run of {strategy!r}: "
            f"{'; '.join(reasons)}; the indices need every point",
            source=str(out),
        )
    undefined = {}
    for kpi in kpis:
        missing = int(means[kpi].isna().to_numpy()[~index.duplicated()].sum())
        if missing:
            undefined[kpi] = missing
    if undefined:
        total = int((~index.duplicated()).sum())
        text = "; ".join(
            f"{kpi} is undefined (NaN) at "
            + ("every" if n == total else f"{n} of {total}")
            + f" design points{_why(kpi)}"
            for kpi, n in undefined.items()
        )
        kpis = [k for k in kpis if k not in undefined]
        if not kpis:
            raise ScenarioError(f"nothing to analyse: {text}", source=str(out))
        warnings.warn(f"not analysed: {text}; analysing {', '.join(kpis)}", stacklevel=2)
    problem = salib_problem(spec.parameters)
    rows = []
    for kpi in kpis:
        y = means[kpi].to_numpy(dtype=float)
        if kind == "saltelli":
            from SALib.analyze import sobol

            # SALib reads seed 0 as "no seed" (global random state): shift it by one so every
            # seed, 0 included, gives reproducible confidence intervals
            result = sobol.analyze(
                problem, y, calc_second_order=False, conf_level=conf_level, seed=seed + 1
            )
            for i, name in enumerate(problem["names"]):
                rows.append(
                    {
                        "kpi": kpi,
                        "parameter": name,
                        "S1": result["S1"][i],
                        "S1_conf": result["S1_conf"][i],
                        "ST": result["ST"][i],
                        "ST_conf": result["ST_conf"][i],
                    }
                )
        else:
            from SALib.analyze import morris

            result = morris.analyze(
                problem,
                matrix,
                y,
                conf_level=conf_level,
                num_levels=spec.design.levels,
                seed=seed,
            )
            for i, name in enumerate(problem["names"]):
                rows.append(
                    {
                        "kpi": kpi,
                        "parameter": name,
                        "mu_star": result["mu_star"][i],
                        "mu_star_conf": result["mu_star_conf"][i],
                        "mu": result["mu"][i],
                        "mu_conf": float(
                            t_half_width(result["sigma"][i], spec.design.samples, conf_level)
                        ),
                        "sigma": result["sigma"][i],
                    }
                )
    return pd.DataFrame(rows)


#: Why a KPI can be undefined in a run (said when it is left out).
_WHY = {
    "retention_rate": "retention needs a complete period after a customer's acquisition period",
    "churn_rate": "churn needs a complete period after a customer's acquisition period",
    "nps": "NPS needs survey answers",
    "csat": "CSAT needs survey answers",
    "ces": "CES needs survey answers",
    "mean_wait_minutes": "waits need a queued touchpoint with visits",
}


def _why(kpi: str) -> str:
    reason = _WHY.get(kpi)
    return f" ({reason})" if reason else ""
