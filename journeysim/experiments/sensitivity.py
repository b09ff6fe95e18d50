"""Global sensitivity analysis of sweep results: Sobol indices and Morris screening.

The analysis reads the sweep's manifest (parameters and the unit-cube design matrix) and its
results, averages each design point's outcome over replications, and hands both to SALib
(imported lazily: ``pip install 'journeysim[sensitivity]'``). Saltelli designs give Sobol
first-order and total indices with bootstrap confidence intervals; Morris designs give
mu* (mean absolute elementary effect), its confidence interval and sigma.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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
        Morris: ``kpi, parameter, mu_star, mu_star_conf, mu, sigma``.
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
    means = per_values.reindex(
        pd.MultiIndex.from_frame(points[names])
        if len(names) > 1
        else pd.Index(points[names[0]], name=names[0])
    )
    if means.isna().any().any():
        distinct = means[~means.index.duplicated()]  # Morris trajectories revisit points
        lacking = distinct.isna().any(axis=1).to_numpy()
        tried = attempted.groupby(names, dropna=False).size()
        tried = tried.reindex(distinct.index).fillna(0).to_numpy() > 0
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
                        "sigma": result["sigma"][i],
                    }
                )
    return pd.DataFrame(rows)
