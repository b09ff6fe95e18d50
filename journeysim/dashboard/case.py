"""What one click of the classroom dashboard computes, as plain functions over the public API.

The dashboard page only collects :class:`ClassroomSettings` and shows what
:func:`classroom_comparison` returns; a notebook or a test gets the same numbers by calling it
(or, spelled out, :func:`journeysim.widgets.trainer_scenario`,
:func:`journeysim.widgets.budget_mix_strategy` and :func:`journeysim.compare`).

* Both arms (the baseline and the plan) run the business as the controls set it: ``staff``
  servers on duty at the staffed touchpoint in every open hour, every segment's patience
  ``patience_minutes`` and the horizon ``horizon_days``.
* The plan spends ``budget_per_day``: ``crm_share`` on CRM retention offers, the rest on CEM
  quality at the staffed touchpoint and at delivery or the product (see
  :mod:`journeysim.widgets` for what the money buys), with the scenario's loyalty programme on
  top when ``loyalty`` is on.
* With ``pure_plans`` the same budget is also run all on CRM and all on CEM.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from journeysim.confidence import MIN_REPLICATIONS
from journeysim.errors import ScenarioError
from journeysim.experiments.comparison import compare
from journeysim.report import format_kpi, number
from journeysim.scenario.strategy_config import LoyaltyConfig
from journeysim.widgets import budget_mix_strategy, trainer_scenario

if TYPE_CHECKING:
    from journeysim.experiments.comparison import Comparison
    from journeysim.scenario.schema import Scenario
    from journeysim.strategies.base import Strategy

__all__ = [
    "HORIZONS",
    "TABLE_KPIS",
    "ClassroomSettings",
    "classroom_case",
    "classroom_comparison",
    "classroom_defaults",
    "kpi_cells",
    "staffed_touchpoint",
]

#: Horizons offered on the page (days).
HORIZONS = (90, 180, 365, 730)

#: KPI rows of the dashboard's table, top to bottom.
TABLE_KPIS = (
    "retention_rate",
    "nps",
    "csat",
    "ces",
    "revenue",
    "cost",
    "profit",
    "mean_wait_minutes",
    "service_level",
    "abandonment_rate",
)

#: Touchpoints whose staffing the "staff" control sets, in order of preference.
_STAFFED = ("call_centre", "contact_centre", "support_chat", "support")

#: The loyalty programme the "loyalty" switch adds when the scenario defines none (retail's).
_DEFAULT_LOYALTY = LoyaltyConfig(
    enrolment=0.5,
    points_per_currency=1.0,
    reward_threshold=300.0,
    reward_value=9.0,
    goal_gradient=0.3,
    post_reward_dip=0.2,
    loyalty_per_reward=0.15,
    fixed_cost_per_day=80.0,
)


@dataclass(frozen=True)
class ClassroomSettings:
    """The dashboard's controls.

    Attributes
    ----------
    budget_per_day:
        Money per day the plan spends on CRM and CEM together (scenario currency).
    crm_share:
        Share of that budget spent on CRM retention offers (0-1); the rest goes to CEM.
    staff:
        Servers on duty at the staffed touchpoint in every open hour (both arms).
    patience_minutes:
        Every customer's mean wait tolerance in a queue, minutes (both arms).
    loyalty:
        Run the loyalty programme on top of the plan (its cost comes on top of the budget).
    horizon_days:
        Simulated days.
    replications:
        Paired replications per strategy (at least 3 for 95% intervals).
    seed:
        Root seed (the same seed gives the same numbers).
    pure_plans:
        Also run the budget all on CRM and all on CEM.
    """

    budget_per_day: float = 300.0
    crm_share: float = 0.5
    staff: int = 2
    patience_minutes: float = 4.0
    loyalty: bool = False
    horizon_days: int = 180
    replications: int = 3
    seed: int = 0
    pure_plans: bool = False

    def updated(self, **changes: Any) -> ClassroomSettings:
        """A copy with ``changes`` applied (unknown names raise TypeError)."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The settings as a plain dict."""
        return asdict(self)


def staffed_touchpoint(scenario: Scenario) -> str:
    """The touchpoint the "staff" control sets: the call or contact centre if there is one.

    Otherwise the first touchpoint with a finite number of servers.

    Raises
    ------
    ScenarioError
        If every touchpoint has unlimited capacity (there is nobody to staff).
    """
    for name in _STAFFED:
        if name in scenario.touchpoints and _finite(scenario.touchpoints[name].capacity):
            return name
    for name, touchpoint in scenario.touchpoints.items():
        if _finite(touchpoint.capacity):
            return name
    raise ScenarioError(
        "the dashboard needs a touchpoint with a finite number of servers to staff; "
        "every touchpoint has unlimited capacity",
        source=scenario.name,
        field="touchpoints",
    )


def _finite(capacity: Any) -> bool:
    return isinstance(capacity, int) or (isinstance(capacity, float) and math.isfinite(capacity))


def classroom_defaults(scenario: Scenario) -> ClassroomSettings:
    """Settings that start from the scenario as written.

    ``staff`` is the most servers the staffed touchpoint's rota puts on duty (its capacity
    without a rota) and ``patience_minutes`` the segments' share-weighted mean patience
    (rounded to half a minute; 4 min when patience is unlimited or a distribution table).
    """
    touchpoint = scenario.touchpoints[staffed_touchpoint(scenario)]
    staff = int(touchpoint.capacity)
    if touchpoint.schedule:
        staff = max([staff, *(window.servers for window in touchpoint.schedule)])
    weighted = total = 0.0
    for segment in scenario.segments.values():
        if isinstance(segment.patience, float) and math.isfinite(segment.patience):
            weighted += segment.share * segment.patience * 24 * 60
            total += segment.share
    patience = round(2 * weighted / total) / 2 if total else 4.0
    return ClassroomSettings(staff=max(1, staff), patience_minutes=max(0.5, patience))


def _loyalty_config(scenario: Scenario) -> LoyaltyConfig:
    for name in ("loyalty", "hybrid"):
        spec = scenario.strategies.get(name)
        if spec is not None and spec.loyalty is not None:
            return spec.loyalty
    return _DEFAULT_LOYALTY


def classroom_case(
    scenario: Scenario, settings: ClassroomSettings
) -> tuple[Scenario, list[str | Strategy]]:
    """The scenario both arms run and the strategies compared (``"baseline"`` first).

    Raises
    ------
    ScenarioError
        If a setting is out of range (one line naming it and what is allowed).
    """
    _check(settings)
    where = staffed_touchpoint(scenario)
    case = trainer_scenario(
        scenario,
        staff=settings.staff,
        patience_minutes=settings.patience_minutes,
        staffed_touchpoint=where,
        horizon=f"{settings.horizon_days} d",
    )
    loyalty = _loyalty_config(case) if settings.loyalty else None

    def plan(share: float, name: str) -> Strategy:
        return budget_mix_strategy(
            case, settings.budget_per_day, share, where, loyalty=loyalty, name=name
        )

    strategies: list[str | Strategy] = ["baseline", plan(settings.crm_share, "plan")]
    if settings.pure_plans:
        strategies += [plan(1.0, "all_crm"), plan(0.0, "all_cem")]
    return case, strategies


def _check(settings: ClassroomSettings) -> None:
    rules = [
        ("budget_per_day", settings.budget_per_day >= 0, "at least 0"),
        ("crm_share", 0 <= settings.crm_share <= 1, "between 0 and 1"),
        ("staff", int(settings.staff) == settings.staff and settings.staff >= 1, "1 or more"),
        ("patience_minutes", settings.patience_minutes > 0, "more than 0"),
        ("horizon_days", settings.horizon_days >= 1, "at least 1"),
        ("replications", settings.replications >= 1, "at least 1"),
    ]
    for field, ok, allowed in rules:
        if not ok:
            value = getattr(settings, field)
            raise ScenarioError(f"must be {allowed} (got {value!r})", field=field)


def classroom_comparison(
    scenario: Scenario,
    settings: ClassroomSettings,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
) -> Comparison:
    """Run one click of the dashboard: :func:`journeysim.compare` on :func:`classroom_case`.

    Parameters
    ----------
    scenario:
        The scenario as loaded (the controls are applied to a copy).
    settings:
        The controls.
    workers, executor:
        As for :func:`journeysim.compare`.

    Returns
    -------
    Comparison
        Baseline, ``plan`` (and ``all_crm``, ``all_cem`` with ``pure_plans``), paired by
        replication under common random numbers.
    """
    case, strategies = classroom_case(scenario, settings)
    return compare(
        case,
        strategies,
        replications=int(settings.replications),
        seed=int(settings.seed),
        workers=workers,
        executor=executor,
    )


def kpi_cells(comparison: Comparison, kpis: Sequence[str] = TABLE_KPIS) -> list[dict[str, Any]]:
    """The dashboard's KPI table as display strings, one dict per (KPI, strategy).

    Returns
    -------
    list of dict
        Keys ``kpi, strategy, mean, mean_text, ci_text, diff, diff_text, diff_ci_text,
        significant``: the mean and its 95% interval, the paired difference against the
        baseline and its interval (``""`` for the baseline's own difference, and for every
        interval below :data:`~journeysim.confidence.MIN_REPLICATIONS` replications);
        ``significant`` when the difference's interval excludes zero.
    """
    table = comparison.table.set_index(["strategy", "kpi"])
    cells = []
    for kpi in kpis:
        for name in comparison.strategies:
            if (name, kpi) not in table.index:
                continue
            row = table.loc[(name, kpi)]
            enough = row["n"] >= MIN_REPLICATIONS and not math.isnan(row["ci_low"])
            base = name == comparison.baseline
            diff_enough = enough and not math.isnan(row["diff_ci_low"])
            cells.append(
                {
                    "kpi": kpi,
                    "strategy": name,
                    "mean": float(row["mean"]),
                    "mean_text": format_kpi(kpi, row["mean"]),
                    "ci_text": _interval(kpi, row["ci_low"], row["ci_high"]) if enough else "",
                    "diff": float(row["diff"]),
                    "diff_text": "" if base else _difference(kpi, row["diff"]),
                    "diff_ci_text": ""
                    if base or not diff_enough
                    else _interval(kpi, row["diff_ci_low"], row["diff_ci_high"], signed=True),
                    "significant": bool(
                        not base
                        and diff_enough
                        and (row["diff_ci_low"] > 0 or row["diff_ci_high"] < 0)
                    ),
                }
            )
    return cells


def _difference(kpi: str, value: float) -> str:
    from journeysim.kpis import KPIS

    if math.isnan(value):
        return "n/a"
    kind = KPIS[kpi].kind if kpi in KPIS else None
    if kind == "share":
        return f"{100 * value:+.1f} pp"
    return number(value, signed=True)


def _interval(kpi: str, low: float, high: float, signed: bool = False) -> str:
    if signed:
        return f"[{_difference(kpi, low)}, {_difference(kpi, high)}]"
    return f"[{format_kpi(kpi, low)}, {format_kpi(kpi, high)}]"
