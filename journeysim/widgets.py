"""Classroom widgets: move a budget between CRM and CEM and see what happens.

:func:`trainer_case` is a plain function over the public API (usable without widgets, and what
the tests call); :func:`trainer_dashboard` wraps it in ``ipywidgets.interactive`` sliders for
a notebook. ipywidgets is imported only inside :func:`trainer_dashboard` (optional extra
``notebooks``).

How the budget buys things (stated so a class can argue with it):

* CRM: every EUR 100 a day funds retention offers to 5% of active customers each period
  (10% discount, churn hazard x 0.65 for 60 days, EUR 1.50 per offer).
* CEM: every EUR 100 a day raises quality by 0.3 points (and steadies it) at the staffed
  touchpoint and at delivery or the product, whichever the scenario has.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd

from journeysim.confidence import few_replications_warning
from journeysim.experiments import Comparison, compare
from journeysim.scenario.strategy_config import (
    CEMConfig,
    CRMConfig,
    LoyaltyConfig,
    TouchpointInvestment,
)
from journeysim.simulation import simulate
from journeysim.strategies.base import CompositeStrategy, Strategy
from journeysim.strategies.cem import CEMPolicy
from journeysim.strategies.crm import CRMPolicy
from journeysim.strategies.loyalty import LoyaltyPolicy

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from journeysim.scenario import Scenario

__all__ = [
    "budget_mix_strategy",
    "staffing_table",
    "trainer_case",
    "trainer_dashboard",
    "trainer_scenario",
]


def budget_mix_strategy(
    scenario: Scenario,
    budget_per_day: float,
    crm_share: float,
    staffed_touchpoint: str,
    *,
    loyalty: LoyaltyConfig | None = None,
    name: str = "budget_mix",
) -> CompositeStrategy:
    """A hybrid strategy spending ``budget_per_day``: ``crm_share`` on CRM, the rest on CEM.

    With ``loyalty`` a loyalty programme runs on top (its rewards and running cost are paid
    on top of the budget). ``name`` is the strategy's name in tables and plots.
    """
    crm_budget = budget_per_day * crm_share
    cem_budget = budget_per_day - crm_budget
    crm = CRMConfig(
        at_risk_share=min(0.5, 0.05 * crm_budget / 100.0),
        offer_discount=0.10,
        offer_duration="60 d",
        offer_churn_reduction=0.35,
        cost_per_offer=1.5,
    )
    targets = [staffed_touchpoint] + [
        t for t in ("delivery", "product") if t in scenario.touchpoints and t != staffed_touchpoint
    ][:1]
    gain = 0.3 * cem_budget / 100.0
    cem = CEMConfig(
        touchpoints={
            name: TouchpointInvestment(
                quality=gain,
                consistency=-min(gain / 2, scenario.touchpoints[name].consistency),
                cost_per_day=cem_budget / len(targets),
            )
            for name in targets
        }
    )
    parts: list[Strategy] = [CRMPolicy(crm, scenario), CEMPolicy(cem)]
    if loyalty is not None:
        parts.append(LoyaltyPolicy(loyalty))
    return CompositeStrategy(name, parts)


def trainer_scenario(
    scenario: Scenario,
    staff: int = 2,
    patience_minutes: float = 4.0,
    staffed_touchpoint: str = "call_centre",
    horizon: str = "180 d",
) -> Scenario:
    """The scenario as the trainer's controls set it (both arms of a comparison run it).

    ``staff`` servers are on duty at ``staffed_touchpoint`` in every hour it is open (a rota
    in the scenario is replaced by this flat one: peaks are then under- or over-staffed, and
    every scheduled server-hour is paid); every segment's patience becomes
    ``patience_minutes`` (exponential mean); the horizon becomes ``horizon``.

    Raises
    ------
    ScenarioError
        If a value is not allowed (e.g. a touchpoint the scenario does not have).
    """
    overrides: dict[str, Any] = {
        "simulation.horizon": horizon,
        f"touchpoints.{staffed_touchpoint}.capacity": int(staff),
    }
    touchpoint = scenario.touchpoints.get(staffed_touchpoint)
    if touchpoint is not None and touchpoint.schedule is not None:
        overrides[f"touchpoints.{staffed_touchpoint}.schedule"] = []  # `staff` in every hour
    for segment in scenario.segments:
        overrides[f"segments.{segment}.patience"] = f"{patience_minutes} min"
    return scenario.with_overrides(overrides)


def trainer_case(
    scenario: Scenario,
    crm_share: float = 0.5,
    budget_per_day: float = 300.0,
    staff: int = 2,
    patience_minutes: float = 4.0,
    staffed_touchpoint: str = "call_centre",
    replications: int = 5,
    seed: int = 0,
    horizon: str = "180 d",
    workers: int | None = None,
) -> tuple[Comparison, Figure]:
    """Compare the baseline with a CRM/CEM budget mix; return the comparison and a figure.

    ``staff`` is the number of servers on duty at the staffed touchpoint in every hour it is
    open (its rota becomes flat: peaks are then under- or over-staffed, and every scheduled
    server-hour is paid), and ``patience_minutes`` every segment's patience, in both arms (they
    describe the business, not the strategy).

    The defaults (5 paired replications of 180 days) give visible 95% intervals within a
    classroom's patience: measured on the retail scenario, one click (2 x 5 runs and the
    figure) costs 8.5 CPU-seconds, so about 9 s on one idle core and 3-5 s on a 4-core laptop
    with ``workers=None`` (all cores; wall time on a heavily shared 2-core machine was 21-62 s).
    Below 3 replications no intervals are drawn and the figure says so.
    """
    from journeysim import plots

    case = trainer_scenario(scenario, staff, patience_minutes, staffed_touchpoint, horizon)
    mix = budget_mix_strategy(case, budget_per_day, crm_share, staffed_touchpoint)
    result = compare(case, ["baseline", mix], replications=replications, seed=seed, workers=workers)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    plots.timeline(result, "nps", ax=axes[0])
    plots.cohort_retention(result, ax=axes[1])
    plots.comparison_forest(result, kpis=("retention_rate", "nps", "profit"), ax=axes[2])
    warning = few_replications_warning(replications)
    fig.suptitle(
        f"{100 * crm_share:.0f}% of EUR {budget_per_day:.0f}/day on CRM, "
        f"{100 * (1 - crm_share):.0f}% on CEM; {staff} staff; patience {patience_minutes:g} min"
        + (f"\nWARNING: {warning}" if warning else f" ({replications} paired replications)"),
        color="firebrick" if warning else "black",
    )
    fig.tight_layout()
    return result, fig


def staffing_table(
    scenario: Scenario,
    staff: tuple[int, ...] = (1, 2, 3, 4),
    staffed_touchpoint: str = "call_centre",
    replications: int = 2,
    seed: int = 0,
    horizon: str = "180 d",
) -> pd.DataFrame:
    """The baseline at each staffing level: what more staff buy and what they cost.

    Each level puts ``staff`` servers on duty in every open hour (as the trainer's slider
    does); common random numbers across levels (same seeds), replication means.

    Returns
    -------
    DataFrame
        One row per level: the touchpoint's service level, mean wait, abandonment and
        utilisation, and the run's NPS, retention, staff cost and profit.
    """
    rows = []
    for level in staff:
        overrides: dict[str, Any] = {
            "simulation.horizon": horizon,
            f"touchpoints.{staffed_touchpoint}.capacity": int(level),
        }
        if scenario.touchpoints[staffed_touchpoint].schedule is not None:
            overrides[f"touchpoints.{staffed_touchpoint}.schedule"] = []
        case = scenario.with_overrides(overrides)
        for r in range(replications):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # overload notes: the point here
                res = simulate(case, "baseline", seed=seed, identity=(r,))
            tp = res.touchpoints.set_index("touchpoint").loc[staffed_touchpoint]
            kpi = res.kpis.iloc[0]
            rows.append(
                {
                    "staff": level,
                    "service_level": tp["service_level"],
                    "mean_wait_minutes": tp["mean_wait_minutes"],
                    "abandonment_rate": tp["abandonment_rate"],
                    "utilisation": tp["utilisation"],
                    "nps": kpi["nps"],
                    "retention_rate": kpi["retention_rate"],
                    "cost_staff": kpi.get("cost_staff", 0.0),
                    "profit": kpi["profit"],
                }
            )
    return pd.DataFrame(rows).groupby("staff", as_index=False).mean()


def trainer_dashboard(scenario: Scenario, **fixed: Any) -> Any:
    """Sliders for :func:`trainer_case` (``ipywidgets.interactive``); ``.result`` holds its output.

    Extra keyword arguments are passed to :func:`trainer_case` unchanged (e.g. ``horizon``).
    """
    import ipywidgets as widgets

    def show(crm_share: float, budget_per_day: float, staff: int, patience_minutes: float):
        result, fig = trainer_case(
            scenario,
            crm_share=crm_share,
            budget_per_day=budget_per_day,
            staff=staff,
            patience_minutes=patience_minutes,
            **fixed,
        )
        plt.show()  # notebook display only: the library never calls show outside this widget
        return result, fig

    return widgets.interactive(
        show,
        {"manual": True, "manual_name": "Run simulation"},
        crm_share=widgets.FloatSlider(
            value=0.5, min=0.0, max=1.0, step=0.1, description="CRM share"
        ),
        budget_per_day=widgets.FloatSlider(
            value=300.0, min=0.0, max=1000.0, step=50.0, description="Budget/day"
        ),
        staff=widgets.IntSlider(value=2, min=1, max=5, description="Staff"),
        patience_minutes=widgets.FloatSlider(
            value=4.0, min=1.0, max=15.0, step=1.0, description="Patience (min)"
        ),
    )
