"""PNG files of every view that fits a result: what the CLI's ``--plots`` writes."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd

from journeysim.errors import ScenarioError
from journeysim.plots.comparisons import comparison_forest, cost_benefit
from journeysim.plots.customers import cohort_retention, survival_curve, timeline_panel
from journeysim.plots.differences import timeline_differences
from journeysim.plots.journeys import (
    journey_graph,
    touchpoint_utilisation,
    touchpoint_waits,
    wait_distribution,
)
from journeysim.plots.payback import payback_curve
from journeysim.plots.sweeps import affects, response_curve, response_heatmap, sensitivity_bars

if TYPE_CHECKING:
    from journeysim.scenario import Scenario


def save_figures(
    data: Any,
    out: str | Path,
    scenario: Scenario | None = None,
    sweep_dir: str | Path | None = None,
) -> list[Path]:
    """Write the views that fit ``data`` as PNGs into ``out``; return their paths.

    This is what ``--plots`` of ``journeysim run``, ``compare`` and ``sweep`` calls, so each
    command's charts stay in one place.

    Parameters
    ----------
    data:
        One run's Results (customer, timeline and touchpoint views; the wait distribution too
        when it carries an event log), a Comparison (the same per strategy, plus the forest and
        cost-benefit charts) or a sweep DataFrame (response curves and, with two or more
        parameters, a heatmap).
    out:
        Directory for the PNG files (created if needed).
    scenario:
        Adds the journey graph (coloured by waits when ``data`` is one run).
    sweep_dir:
        The sweep's results directory: with a Saltelli or Morris design, sensitivity bars of
        its outcomes are added (needs SALib).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {}
    if isinstance(data, pd.DataFrame):  # sweep results
        params = [c for c in data.columns if "." in c]
        units = _sweep_units(sweep_dir)
        kpis = [c for c in ("nps", "retention_rate", "profit") if c in data] or [data.columns[-1]]
        ok = data[data["status"] == "ok"]
        shown = [k for k in kpis if ok[k].notna().any()] if len(ok) else kpis
        for kpi in kpis:
            if kpi not in shown:
                warnings.warn(
                    f"no sweep plots of {kpi}: it is undefined (NaN) in every run", stacklevel=2
                )
        kpi = shown[0] if shown else kpis[0]
        for p in params[:3]:
            figures[f"response_{p}_{kpi}"] = response_curve(data, p, kpi, unit=units.get(p)).figure
        if len(params) >= 2:  # per strategy, the first two parameters that can reach it
            for strategy in dict.fromkeys(ok["strategy"]):
                reach = [p for p in params if affects(p, strategy)]
                if len(reach) < 2:
                    warnings.warn(
                        f"no heatmap of {strategy}: fewer than two swept parameters can affect it",
                        stacklevel=2,
                    )
                    continue
                figures[f"response_heatmap_{strategy}"] = response_heatmap(
                    data, reach[0], reach[1], kpi, strategy=strategy, units=units
                ).figure
        indices = _sweep_indices(sweep_dir, shown) if sweep_dir is not None and shown else None
        if indices is not None:
            for kpi in dict.fromkeys(indices["kpi"]):
                figures[f"sensitivity_{kpi}"] = sensitivity_bars(indices, kpi).figure
    else:
        figures["cohort_retention"] = cohort_retention(data).figure
        figures["survival"] = survival_curve(data, scenario).figure
        figures["timelines"] = timeline_panel(data)
        figures["touchpoint_waits"] = touchpoint_waits(data).figure
        figures["touchpoint_utilisation"] = touchpoint_utilisation(data).figure
        if getattr(data, "events", None) is not None:
            figures["wait_distribution"] = wait_distribution(data).figure
        if hasattr(data, "baseline"):  # a Comparison
            figures["comparison_forest"] = comparison_forest(data)
            figures["cost_benefit"] = cost_benefit(data).figure
            if len(data.strategies) > 1:
                figures["payback"] = payback_curve(data).figure
                figures["payback_discounted"] = payback_curve(data, discounted=True).figure
                figures["timeline_differences"] = timeline_differences(data)
        if scenario is not None:
            figures["journey_graph"] = journey_graph(scenario, data).figure
    paths = []
    for name, fig in figures.items():
        path = out / f"{name.replace('.', '_')}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


def _sweep_units(sweep_dir: str | Path | None) -> dict[str, str | None]:
    """Each swept parameter's unit, from the sweep's manifest (empty without one)."""
    import json

    from journeysim.experiments.sweeps import MANIFEST

    if sweep_dir is None or not (Path(sweep_dir) / MANIFEST).exists():
        return {}
    spec = json.loads((Path(sweep_dir) / MANIFEST).read_text())["spec"]
    return {name: p.get("unit") for name, p in spec.get("parameters", {}).items()}


def _sweep_crn(sweep_dir: str | Path | None) -> bool:
    """Whether the sweep ran with common random numbers across points."""
    import json

    from journeysim.experiments.sweeps import MANIFEST

    if sweep_dir is None or not (Path(sweep_dir) / MANIFEST).exists():
        return False
    spec = json.loads((Path(sweep_dir) / MANIFEST).read_text())["spec"]
    return bool(spec.get("common_random_numbers", False))


def _sweep_indices(sweep_dir: str | Path, kpis: list[str]) -> pd.DataFrame | None:
    """Sensitivity indices of a sweep whose design supports them (else None)."""
    import json

    from journeysim.experiments.sensitivity import sensitivity
    from journeysim.experiments.sweeps import MANIFEST

    manifest = Path(sweep_dir) / MANIFEST
    if not manifest.exists():
        return None
    kind = json.loads(manifest.read_text())["spec"]["design"]["kind"]
    if kind not in ("saltelli", "morris"):
        return None
    try:
        return sensitivity(sweep_dir, kpis)
    except ScenarioError as exc:  # e.g. points that failed: the other plots are still drawn
        warnings.warn(f"no sensitivity plots: {exc}", stacklevel=2)
        return None
