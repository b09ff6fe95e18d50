"""Plots: matplotlib views of results, comparisons and sweeps.

Every function takes ``ax=None`` (a new figure when None), returns the Axes (or a Figure for
multi-panel views) and never calls ``plt.show()``: plots compose in notebooks, scripts and
reports. Confidence bands are 95% Student-t intervals across replications. Functions accept a
single run's :class:`~journeysim.engine.results.Results` or a
:class:`~journeysim.experiments.Comparison` (one line per strategy).

The views live in one module per family (``journeys``, ``customers``, ``comparisons``,
``operations``, ``sweeps``, ``files``); everything public is re-exported here.
"""

from journeysim.plots.comparisons import comparison_forest, cost_benefit
from journeysim.plots.customers import cohort_retention, survival_curve, timeline, timeline_panel
from journeysim.plots.differences import timeline_differences
from journeysim.plots.files import save_figures
from journeysim.plots.journeys import (
    journey_graph,
    touchpoint_utilisation,
    touchpoint_waits,
    wait_distribution,
)
from journeysim.plots.operations import service_profile
from journeysim.plots.payback import payback_curve
from journeysim.plots.sweeps import response_curve, response_heatmap, sensitivity_bars
from journeysim.plots.trace import customer_trace_plot

__all__ = [
    "cohort_retention",
    "comparison_forest",
    "cost_benefit",
    "customer_trace_plot",
    "journey_graph",
    "payback_curve",
    "response_curve",
    "response_heatmap",
    "save_figures",
    "sensitivity_bars",
    "service_profile",
    "survival_curve",
    "timeline",
    "timeline_differences",
    "timeline_panel",
    "touchpoint_utilisation",
    "touchpoint_waits",
    "wait_distribution",
]
