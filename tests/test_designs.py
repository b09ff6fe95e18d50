"""Experimental designs: sizes, seeding, parameter types, and bad input."""

import numpy as np
import pytest

from journeysim import ScenarioError
from journeysim.experiments.designs import Design, Parameter, make_design

PARAMS = {
    "a": Parameter(type="float", low=0.0, high=1.0, steps=3),
    "b": Parameter(type="int", low=1, high=4),
    "c": Parameter(type="categorical", values=["x", "y"]),
}


def test_grid_is_full_factorial():
    points, matrix = make_design(Design(kind="grid"), PARAMS)
    assert len(points) == 3 * 4 * 2
    assert matrix is None
    assert sorted(points["b"].unique()) == [1, 2, 3, 4]
    assert set(points["c"]) == {"x", "y"}


@pytest.mark.parametrize("kind", ["lhs", "sobol", "saltelli", "morris"])
def test_sampled_designs_are_seeded_and_in_range(kind):
    design = Design(kind=kind, samples=8, seed=3)
    a, ma = make_design(design, PARAMS)
    b, mb = make_design(design, PARAMS)
    assert a.equals(b) and np.array_equal(ma, mb)
    assert a["a"].between(0, 1).all()
    assert set(a["b"]) <= {1, 2, 3, 4} and a["b"].map(type).eq(int).all()
    assert set(a["c"]) <= {"x", "y"}
    other, _ = make_design(design.model_copy(update={"seed": 4}), PARAMS)
    assert not a.equals(other)


def test_design_sizes():
    assert len(make_design(Design(kind="saltelli", samples=8), PARAMS)[0]) == 8 * (3 + 2)
    assert len(make_design(Design(kind="morris", samples=4), PARAMS)[0]) == 4 * (3 + 1)


def test_list_design():
    points, _ = make_design(Design(kind="list", points=[{"a": 0.5, "b": 2, "c": "x"}]), PARAMS)
    assert points.to_dict("records") == [{"a": 0.5, "b": 2, "c": "x"}]
    with pytest.raises(ScenarioError, match="not in \\[parameters\\]"):
        make_design(Design(kind="list", points=[{"zz": 1}]), PARAMS)


def test_too_many_points():
    with pytest.raises(ScenarioError, match="needs 24 points, more than max_points \\(10\\)"):
        make_design(Design(kind="grid", max_points=10), PARAMS)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"low": 2.0, "high": 1.0}, "empty range"),
        ({"low": 1.0, "high": 1.0}, "empty range"),
        ({"type": "categorical", "values": []}, "non-empty 'values'"),
        ({"low": 1.0}, "give 'low' and 'high'"),
    ],
)
def test_bad_parameters(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        Parameter(**kwargs)


def test_units_are_added_to_durations():
    assert Parameter(low=1, high=2, unit="min").render(4.5) == "4.5 min"
    assert Parameter(type="categorical", values=["8 min"]).render("8 min") == "8 min"


def test_extremes_are_what_a_sweep_checks_first():
    assert Parameter(low=0.5, high=2.0).extremes() == [0.5, 2.0]
    assert Parameter(type="int", low=0.5, high=3.7).extremes() == [1, 3]
    assert Parameter(type="categorical", values=["a", "b"]).extremes() == ["a", "b"]


def test_stored_values_keep_one_type_per_column():
    mixed = Parameter(type="categorical", values=[2, 4, "unlimited"])
    assert [mixed.stored(v) for v in (2, "unlimited")] == ["2", "unlimited"]
    assert Parameter(type="int", low=1, high=3).stored(2) == 2
    assert Parameter(values=[[1, 2], [3]]).stored([1, 2]) == "[1, 2]"


def test_an_int_range_without_integers_is_empty():
    with pytest.raises(ValueError, match="no integer between 1.2 and 1.8"):
        Parameter(type="int", low=1.2, high=1.8)


@pytest.mark.parametrize(
    ("design", "message"),
    [
        (Design(kind="sobol", samples=12), "power of 2 \\(got 12; try 8 or 16\\)"),
        (Design(kind="saltelli", samples=24), "power of 2 \\(got 24; try 16 or 32\\)"),
        (Design(kind="saltelli", samples=4), "samples >= 8 \\(got 4\\)"),
        (Design(kind="morris", samples=1), "trajectories\\) >= 2 \\(got 1\\)"),
        (Design(kind="morris", samples=4, levels=5), "even number of levels \\(got 5\\)"),
    ],
)
def test_sample_sizes_the_analysis_needs(design, message):
    with pytest.raises(ScenarioError, match=message) as info:
        make_design(design, PARAMS)
    assert info.value.field in {"design.samples", "design.levels"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"values": [1, 2], "low": 0, "high": 3}, "either 'values' or 'low'/'high'"),
        ({"type": "int", "values": [1.5, 2]}, "int parameter takes whole numbers"),
    ],
)
def test_ambiguous_parameters_are_refused(settings, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        Parameter(**settings)
