"""journeysim.errors: one line naming file, line, field and what is wrong."""

from __future__ import annotations

import pytest

from journeysim.errors import JourneysimError, ScenarioError


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({}, "must be positive"),
        ({"source": "shop.toml"}, "shop.toml: must be positive"),
        ({"source": "shop.toml", "line": 12}, "shop.toml:12: must be positive"),
        (
            {"source": "shop.toml", "line": 12, "field": "touchpoints.desk.capacity"},
            "shop.toml:12: touchpoints.desk.capacity: must be positive",
        ),
        (
            {"source": "shop.toml", "field": "touchpoints.desk.capacity"},
            "shop.toml: touchpoints.desk.capacity: must be positive",
        ),
        ({"field": "seed"}, "seed: must be positive"),
        ({"source": "--set", "field": "population.x"}, "--set: population.x: must be positive"),
        # a line without a file has nothing to attach to
        ({"line": 3, "field": "seed"}, "seed: must be positive"),
    ],
)
def test_one_line_format(kwargs, text):
    error = ScenarioError("must be positive", **kwargs)
    assert str(error) == text
    assert "\n" not in str(error)


def test_parts_are_kept():
    error = ScenarioError("bad", source="a.toml", field="f", line=2)
    assert (error.message, error.source, error.field, error.line) == ("bad", "a.toml", "f", 2)
    assert error.args == ("a.toml:2: f: bad",)


def test_line_zero_is_shown():
    assert str(ScenarioError("bad", source="a.toml", line=0)) == "a.toml:0: bad"


def test_is_a_value_error_and_a_journeysim_error():
    error = ScenarioError("bad")
    assert isinstance(error, ValueError)
    assert isinstance(error, JourneysimError)
    assert isinstance(error, Exception)
    with pytest.raises(ValueError, match="bad"):
        raise error


def test_journeysim_error_is_not_a_value_error():
    assert not issubclass(JourneysimError, ValueError)
    assert issubclass(JourneysimError, Exception)
