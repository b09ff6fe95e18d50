"""Input hardening (issue 16): every kind of bad input ends in one clear error, never later.

One test (or a few) per kind: non-finite and extreme numbers, booleans as numbers, structure
the validator must see, output locations, seeds, damaged sweep directories, memory, Python
API misuse, resource use and messages.
"""

from __future__ import annotations

import math
import typing

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

import journeysim as js
from journeysim.errors import ScenarioError
from journeysim.experiments.designs import Design, Parameter
from journeysim.experiments.sweeps import SweepSpec
from journeysim.scenario import scenario_from_dict
from journeysim.scenario.schema import Scenario
from tests.helpers import minimal

# -- 1. non-finite and extreme numbers ---------------------------------------------------------


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(annotation: typing.Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in seen:
                seen.append(annotation)
                for field in annotation.model_fields.values():
                    visit(field.annotation)
        for arg in typing.get_args(annotation):
            visit(arg)

    visit(root)
    return seen


def _numeric(annotation: typing.Any) -> bool:
    if annotation in (float, int):
        return True
    return any(_numeric(arg) for arg in typing.get_args(annotation))


NUMERIC_FIELDS = [
    (model, name, field)
    for root in (Scenario, SweepSpec, Design, Parameter)
    for model in _models(root)
    for name, field in model.model_fields.items()
    if _numeric(field.annotation)
]


def test_the_schema_has_numeric_fields_to_check():
    assert len(NUMERIC_FIELDS) > 60


@pytest.mark.parametrize(
    "value", [math.inf, -math.inf, math.nan, "inf", "nan", "12", 1e300, -1e300, 10**400, True]
)
def test_every_numeric_field_refuses_non_finite_extreme_text_and_bool(value):
    """inf, nan and text are valid TOML; 1e300 overflows later; a bool is not a number."""
    accepted = []
    for model, name, field in NUMERIC_FIELDS:
        annotation = field.annotation
        if field.metadata:
            annotation = typing.Annotated[(annotation, *field.metadata)]
        adapter = TypeAdapter(annotation)
        if value == math.inf and name == "patience":
            continue  # infinite patience is "unlimited"
        try:
            adapter.validate_python(value)
        except (ValidationError, ValueError):
            continue
        accepted.append(f"{model.__name__}.{name}")
    assert not accepted, f"{value!r} accepted by {accepted}"


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"simulation__horizon": "1e300 d"}, "simulation.horizon", "to 100,000 d"),
        ({"segments__all__basket": {"mean": 1e-300}}, "basket.mean", "from 1e-06 to 1e12"),
        ({"segments__all__basket": {"mean": math.inf}}, "basket.mean", "got inf"),
        ({"population": {"arrivals_per_day": math.inf}}, "arrivals_per_day", "at most 1,000,000"),
        ({"segments__all__churn": {"a": math.inf, "b": 1.0}}, "churn.a", "got inf"),
        ({"money": {"fixed_cost_per_day": 1e308}}, "money.fixed_cost_per_day", "to 1e12"),
        ({"touchpoints__desk__service": {"mean": "1e300 d"}}, "service.mean", "100,000 d"),
    ],
)
def test_issue_examples_of_extreme_numbers_fail_validation(changes, field, fragment):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(minimal(**changes))
    assert field in str(caught.value) and fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_cem_quality_nan_is_an_error_not_zero():
    raw = minimal()
    raw["strategies"] = {"better": {"cem": {"touchpoints": {"desk": {"quality": math.nan}}}}}
    with pytest.raises(ScenarioError, match=r"strategies.better.cem.touchpoints.desk.quality"):
        scenario_from_dict(raw)


# -- 2. booleans are not numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"touchpoints__desk__capacity": True}, "touchpoints.desk.capacity"),
        ({"population": {"arrivals_per_day": True}}, "population.arrivals_per_day"),
    ],
)
def test_booleans_are_not_numbers(changes, field):
    with pytest.raises(ScenarioError, match="a boolean is not a number") as caught:
        scenario_from_dict(minimal(**changes))
    assert field in str(caught.value)


@pytest.mark.parametrize("seed", [1.5, True, "a", None])
def test_simulate_refuses_a_seed_that_is_not_an_integer(seed):
    scenario = scenario_from_dict(minimal())
    with pytest.raises(TypeError, match="seed must be an integer"):
        js.simulate(scenario, seed=seed)


# -- 3. structure the validator must see -------------------------------------------------------


def _failing_pair() -> dict:
    raw = minimal()
    raw["touchpoints"]["web"].update(failure_probability=1.0, recovery="desk")
    raw["touchpoints"]["desk"].update(failure_probability=1.0, recovery="web")
    return raw


def test_touchpoints_that_always_fail_into_each_other_never_end():
    with pytest.raises(ScenarioError, match="no path from this touchpoint to purchase or exit"):
        scenario_from_dict(_failing_pair())


def test_a_touchpoint_that_fails_sometimes_still_routes():
    raw = _failing_pair()
    raw["touchpoints"]["web"]["failure_probability"] = 0.5
    raw["touchpoints"]["desk"]["failure_probability"] = 0.5
    scenario_from_dict(raw)  # both can still leave along their routes


def test_a_touchpoint_named_like_the_virtual_entry_node_is_refused():
    raw = minimal()
    raw["touchpoints"]["entry"] = raw["touchpoints"].pop("web")
    raw["journey"] = {
        "entry": {"entry": 0.7, "desk": 0.3},
        "routes": {"entry": {"purchase": 1.0}, "desk": {"purchase": 1.0}},
    }
    with pytest.raises(ScenarioError, match="'entry' is reserved") as caught:
        scenario_from_dict(raw)
    assert "unreachable" not in str(caught.value)


# -- 1 (planned work) and 7. absurd runs are refused before they start, with an estimate -------


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        (
            {"simulation": {"horizon": "730 d", "period": "1 h"}},
            "simulation.period",
            "17,520 reporting periods",
        ),
        ({"population": {"arrivals_per_day": 1e6}}, "population.arrivals_per_day", "visits of"),
        ({"segments__all__time_between_needs": "0.1 s"}, "population.arrivals_per_day", "visits"),
    ],
)
def test_absurd_planned_work_is_refused_with_an_estimate(changes, field, fragment):
    scenario = scenario_from_dict(minimal(**changes))
    with pytest.raises(ScenarioError) as caught:
        js.simulate(scenario)
    message = str(caught.value)
    assert field in message and fragment in message and "\n" not in message


def test_a_large_run_is_announced_by_the_cli(tmp_path, capsys):
    from journeysim.cli import main
    from tests.helpers import write_scenario

    raw = minimal(population={"arrivals_per_day": 2000.0})
    raw["simulation"] = {"horizon": "400 d", "period": "30 d"}
    path = write_scenario(tmp_path, raw)
    from journeysim.scenario.workload import estimate_work, work_note

    assert work_note(estimate_work(js.load_scenario(path))) is not None
    assert main(["run", str(path), "--set", "simulation.period=1 h"]) == 2
    assert "reporting periods" in capsys.readouterr().err


def test_cohort_counts_are_sparse():
    """17,520 periods: memory follows the churns, not periods squared (was 2.3 GiB)."""
    import tracemalloc

    from journeysim.engine.recorder import Recorder

    tracemalloc.start()
    recorder = Recorder(
        {}, horizon=730.0, period=1 / 24, warmup=0.0, annual_discount_rate=0.1, gross_margin=1.0
    )
    recorder.acquire(0, False)
    recorder.churn(0, 5)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert recorder.n_periods == 17_520
    assert size < 50 * 2**20


def test_runaway_word_of_mouth_stops_with_a_clear_error(monkeypatch):
    import journeysim.engine.model as model

    monkeypatch.setattr(model, "REFERRALS_PER_PROSPECT", 0)
    monkeypatch.setattr(model, "max_active_customers", lambda: 300)
    raw = minimal()
    raw["referrals"] = {"per_promoter_per_day": 1e6}
    with pytest.raises(ScenarioError, match="referrals.per_promoter_per_day: word of mouth runs"):
        js.simulate(scenario_from_dict(raw))


def test_a_design_too_large_for_memory_is_refused_with_an_estimate():
    from journeysim.experiments.designs import make_design

    parameters = {f"p{i}": Parameter(low=0.0, high=1.0) for i in range(40)}
    design = Design(kind="lhs", samples=1_000_000, max_points=1_000_000)
    with pytest.raises(ScenarioError, match="GiB held in memory"):
        make_design(design, parameters)
    with pytest.raises(ValidationError, match="from 1 to 1,000,000"):
        Design(max_points=10**9)
