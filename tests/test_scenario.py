"""Scenario files: validation, overrides and every kind of bad input (one clear line)."""

import copy
import math
import tomllib

import pytest
import tomli_w

import journeysim as js
from journeysim import ScenarioError, load_scenario
from journeysim.scenario import parse_override
from tests.helpers import RETAIL, minimal, write_scenario


def load_raw(tmp_path, raw, overrides=None):
    return load_scenario(write_scenario(tmp_path, raw), overrides)


def test_retail_scenario_is_valid_and_durations_are_days():
    scenario = load_scenario(RETAIL)
    assert scenario.simulation.horizon == 365.0
    assert math.isclose(scenario.touchpoints["call_centre"].service.mean, 9 / 1440)
    assert set(scenario.touchpoints) >= {
        "web",
        "app",
        "store",
        "call_centre",
        "checkout",
        "delivery",
        "support",
    }


def test_scenario_is_immutable():
    scenario = load_scenario(RETAIL)
    with pytest.raises(Exception, match="frozen"):
        scenario.name = "other"  # type: ignore[misc]


def test_overrides_from_python_and_cli_strings_validate_the_same(tmp_path):
    path = write_scenario(tmp_path, minimal())
    a = load_scenario(path, {"touchpoints.desk.capacity": 3, "segments.all.patience": "2 min"})
    b = load_scenario(path, ["touchpoints.desk.capacity=3", "segments.all.patience=2 min"])
    assert a == b
    assert a.touchpoints["desk"].capacity == 3
    assert math.isclose(a.segments["all"].patience, 2 / 1440)


def test_with_overrides_revalidates_the_document():
    scenario = load_scenario(RETAIL)
    changed = scenario.with_overrides({"touchpoints.call_centre.capacity": 4})
    assert changed.touchpoints["call_centre"].capacity == 4
    assert scenario.touchpoints["call_centre"].capacity == 1
    with pytest.raises(ScenarioError, match="from 1 to 1,000,000"):
        scenario.with_overrides({"touchpoints.call_centre.capacity": -1})


def test_parse_override_reads_toml_values():
    assert parse_override("a.b=8") == ("a.b", 8)
    assert parse_override("a.b=0.5") == ("a.b", 0.5)
    assert parse_override("a.b=true") == ("a.b", True)
    assert parse_override("a.b=8 min") == ("a.b", "8 min")
    assert parse_override('a.b="x"') == ("a.b", "x")


def test_unlimited_patience_is_infinite(tmp_path):
    scenario = load_raw(tmp_path, minimal(segments__all__patience="unlimited"))
    assert math.isinf(scenario.segments["all"].patience)


# -- bad input: each kind gives one line naming the file and the field --------------------------

BAD = {
    "missing key": (minimal(population=None), "population", "required field is missing"),
    "unknown key": (
        minimal(touchpoints__web={"service": {"mean": "5 min"}, "qualty": 7}),
        "touchpoints.web.qualty",
        "unknown field (did you mean 'quality'?); allowed: capacity,",
    ),
    "typo in a required key": (
        minimal(population={"arrivals_per_dya": 5}),
        "population.arrivals_per_dya",  # the typo, not the "missing" key it causes
        "did you mean 'arrivals_per_day'?",
    ),
    "sd on an exponential service": (
        minimal(touchpoints__web={"service": {"mean": "5 min", "sd": "1 min"}}),
        "touchpoints.web.service",
        "takes no 'sd'",
    ),
    "negative duration": (
        minimal(segments__all__patience="-4 min"),
        "segments.all.patience",
        "durations must be positive",
    ),
    "wrong type": (
        minimal(population={"arrivals_per_day": "many"}),
        "population.arrivals_per_day",
        "got the text 'many'",
    ),
    "zero rate": (
        minimal(population={"arrivals_per_day": 0}),
        "population.arrivals_per_day",
        "above 0 and at most 1,000,000",
    ),
    "negative capacity": (
        minimal(
            touchpoints__desk={"capacity": -2, "service": {"mean": "6 min"}},
        ),
        "touchpoints.desk.capacity",
        "from 1 to 1,000,000",
    ),
    "probability above one": (
        minimal(touchpoints__web={"service": {"mean": "5 min"}, "failure_probability": 1.5}),
        "touchpoints.web.failure_probability",
        "a number from 0 to 1 (got 1.5)",
    ),
    "routes not summing to one": (
        minimal(
            journey={"entry": {"web": 0.5, "desk": 0.3}, "routes": minimal()["journey"]["routes"]}
        ),
        "journey.entry",
        "sum to 1 (got 0.8)",
    ),
    "unit missing": (
        minimal(simulation={"horizon": 60, "period": "10 d"}),
        "simulation.horizon",
        "needs a unit",
    ),
    "unit unknown": (
        minimal(simulation={"horizon": "2 months", "period": "10 d"}),
        "simulation.horizon",
        "unknown time unit",
    ),
    "segment shares": (
        minimal(segments__all__share=0.5),
        "segments",
        "shares must sum to 1",
    ),
    "unknown route target": (
        minimal(
            journey={
                "entry": {"web": 1.0},
                "routes": {"web": {"shop": 1.0}, "desk": {"purchase": 1.0}},
            }
        ),
        "journey.routes.web.shop",
        "unknown node 'shop'",
    ),
    "unreachable touchpoint": (
        minimal(
            journey={
                "entry": {"web": 1.0},
                "routes": {"web": {"purchase": 1.0}, "desk": {"purchase": 1.0}},
            }
        ),
        "touchpoints.desk",
        "unreachable",
    ),
    "cycle without exit": (
        minimal(
            journey={
                "entry": {"web": 1.0},
                "routes": {"web": {"desk": 1.0}, "desk": {"web": 1.0}},
            }
        ),
        "journey.routes.desk",
        "no path from this touchpoint to purchase or exit",
    ),
    "touchpoint without routes": (
        minimal(journey={"entry": {"web": 1.0}, "routes": {"web": {"desk": 1.0}}}),
        "journey.routes.desk",
        "has no routes",
    ),
    "failure without recovery": (
        minimal(touchpoints__web={"service": {"mean": "5 min"}, "failure_probability": 0.1}),
        "touchpoints.web",
        "needs a 'recovery'",
    ),
    "unknown service distribution": (
        minimal(touchpoints__web={"service": {"distribution": "weibull", "mean": "5 min"}}),
        "touchpoints.web.service.distribution",
        "'exponential', 'deterministic', 'lognormal' or 'gamma'",
    ),
    "lognormal without sd": (
        minimal(touchpoints__web={"service": {"distribution": "lognormal", "mean": "5 min"}}),
        "touchpoints.web.service",
        "needs a positive 'sd'",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_scenario_gives_one_line_with_file_and_field(tmp_path, kind):
    raw, field, fragment = BAD[kind]
    with pytest.raises(ScenarioError) as info:
        load_raw(tmp_path, raw)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "scenario.toml"))
    assert info.value.field == field, message
    assert fragment in message


def test_error_names_the_line_of_the_field(tmp_path):
    path = write_scenario(tmp_path, minimal(population={"arrivals_per_day": -1}))
    line = next(
        i + 1
        for i, text in enumerate(path.read_text().splitlines())
        if text.startswith("arrivals_per_day")
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.line == line
    assert f"scenario.toml:{line}:" in str(info.value)


def test_malformed_toml_names_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\n[simulation\nhorizon = "1 d"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.line == 2
    assert "not valid TOML" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="nope.toml: file not found"):
        load_scenario(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("touchpoints.dsk.capacity=2", "no 'dsk' under touchpoints (known: desk, web)"),
        ("touchpoints.desk.capacity=zero", "got the text"),
        ("touchpoints.desk.capacity=0", "from 1 to 1,000,000"),
        ("touchpoints.desk.speed=3", "unknown field"),
        ("segments.all.patience=5", "needs a unit"),
        ("nokey", "must look like dotted.key=value"),
        ("a..b=1", "empty key"),
        ("population.arrivals_per_day.x=1", "is not a table"),
    ],
)
def test_bad_overrides(tmp_path, override, fragment):
    path = write_scenario(tmp_path, minimal())
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, [override])
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_files_that_are_not_scenario_text(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory; give a .toml file"):
        load_scenario(tmp_path)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\x80\x81 name = 1")
    with pytest.raises(ScenarioError, match=r"binary.toml: not a UTF-8 text file"):
        load_scenario(binary)


def test_an_error_in_an_overridden_field_is_the_overrides_not_the_files(tmp_path):
    path = write_scenario(tmp_path, minimal())
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, ["touchpoints.desk.capacity=two"])
    assert str(info.value).startswith("--set: touchpoints.desk.capacity: ")  # no file line
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, ["touchpoints.desk.capcity=2"])
    assert str(info.value).startswith("--set: touchpoints.desk.capcity: unknown field")
    # a file field that the override makes inconsistent: the file's field, and the override
    raw = minimal()
    raw["strategies"] = {"cem": {"cem": {"touchpoints": {"desk": {"capacity": 1}}}}}
    path = write_scenario(tmp_path, raw, "with_cem.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, {"touchpoints.desk.capacity": "unlimited"})
    message = str(info.value)
    assert message.startswith(f"{path}") and "strategies.cem.cem.touchpoints.desk" in message
    assert message.endswith("(with touchpoints.desk.capacity overridden)")


def test_scenario_from_dict_validates_exactly_like_a_file(tmp_path):
    document = tomllib.loads(RETAIL.read_text())
    from_dict = js.scenario_from_dict(document)
    # the tests read shipped files without their start and burn-in unless asked
    # (tests/conftest.py)
    own = {f"simulation.{key}": document["simulation"][key] for key in ("burn_in", "start")}
    assert from_dict.model_dump() == load_scenario(RETAIL, own).model_dump()
    assert from_dict.source == "<dict>"
    assert (
        from_dict.with_overrides({"touchpoints.call_centre.capacity": 3})
        .touchpoints["call_centre"]
        .capacity
        == 3
    )
    # the same one-line errors as a file, naming the source given
    broken = minimal(**{"touchpoints__desk__capacity": 0})
    with pytest.raises(ScenarioError) as info:
        js.scenario_from_dict(broken, source="my dict")
    assert str(info.value).startswith(
        "my dict: touchpoints.desk.capacity: must be a whole number from 1"
    )
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(broken))
    with pytest.raises(ScenarioError) as from_file:
        load_scenario(path)
    assert from_file.value.message == info.value.message
    assert from_file.value.field == info.value.field


def test_scenario_from_dict_copies_its_input_and_applies_overrides():
    document = minimal()
    before = copy.deepcopy(document)
    scenario = js.scenario_from_dict(document, overrides={"touchpoints.desk.capacity": 4})
    assert scenario.touchpoints["desk"].capacity == 4
    assert document == before
    with pytest.raises(TypeError, match="dict"):
        js.scenario_from_dict("scenarios/retail.toml")
    with pytest.raises(TypeError, match="mapping"):
        js.scenario_from_dict(document, overrides="touchpoints.desk.capacity=4")


def test_rebuild_and_overrides_are_public():
    scenario = js.scenario_from_dict(minimal())
    bigger = js.rebuild(scenario, {"touchpoints.desk.capacity": 5})
    assert bigger.touchpoints["desk"].capacity == 5
    with pytest.raises(ScenarioError, match="whole number from 1"):
        js.rebuild(scenario, {"touchpoints.desk.capacity": 0})
    assert js.parse_override("a.b=2") == ("a.b", 2)
    assert js.apply_overrides({"a": {"b": 1}}, {"a.b": 2}) == {"a": {"b": 2}}
