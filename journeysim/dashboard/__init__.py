"""The classroom dashboard: CRM vs CEM trade-offs in the browser, without Jupyter.

``journeysim dashboard [SCENARIO]`` serves one page (Panel, optional extra ``dashboard``):
controls for the budget split between CRM offers and CEM investment, staff, customers' wait
tolerance, the loyalty programme and the horizon; results as the key figures with paired
differences and 95% intervals, the payback curve, NPS / retention / revenue over time and the
journey map; class exercises (:data:`PRESETS`) with what to look for.

The computations are plain functions (:mod:`journeysim.dashboard.case`) importable without
Panel; the page itself lives in :mod:`journeysim.dashboard.app`, imported only when served.
"""

from journeysim.dashboard.case import (
    ClassroomSettings,
    classroom_case,
    classroom_comparison,
    classroom_defaults,
    kpi_cells,
    staffed_touchpoint,
)
from journeysim.dashboard.presets import PRESETS, Preset, apply_preset

__all__ = [
    "PRESETS",
    "ClassroomSettings",
    "Preset",
    "apply_preset",
    "classroom_case",
    "classroom_comparison",
    "classroom_defaults",
    "kpi_cells",
    "missing_extra",
    "staffed_touchpoint",
]

EXTRA_HINT = "the dashboard needs the optional extra: pip install 'journeysim[dashboard]'"


def missing_extra() -> str | None:
    """None when the dashboard's web framework (Panel) imports, else the one-line hint."""
    import importlib

    try:
        importlib.import_module("panel")
    except ImportError:
        return EXTRA_HINT
    return None
