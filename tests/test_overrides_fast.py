"""PointOverrides: a sweep point's overrides validated by the model holding them, exactly like
validating the whole scenario again (same scenario, same key material, same one-line error)."""

import json
import re

import pytest

from journeysim.errors import ScenarioError
from journeysim.scenario.loading import load_scenario
from journeysim.scenario.overrides import PointOverrides
from journeysim.scenario.schema import Scenario
from tests.helpers import ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
DURATION = re.compile(r"^(\d+(?:\.\d+)?) ?(s|min|h|d)$")


def _full(base, point):
    """Today's path: the whole document validated again, its key material dumped."""
    scenario = base.with_overrides(point)
    return scenario, json.dumps(scenario.model_dump(mode="json"), sort_keys=True, default=str)


def _outcome(function):
    try:
        scenario, material = function()
    except ScenarioError as exc:
        return "error", str(exc)
    return scenario, material


def _leaves(node, path=()):
    """(dotted path, value) of every number, bool and duration in a document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, bool | int | float) or (isinstance(node, str) and DURATION.match(node)):
        yield ".".join(path), node


def _variants(value):
    """A value the field likely takes and one it likely refuses."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, -1]
    if isinstance(value, float):
        return [value * 1.5 + 0.01, -1.0]
    number, unit = DURATION.match(value).groups()
    return [f"{float(number) * 2:g} {unit}", f"-1 {unit}"]


def _assert_same(base, fast, point):
    expected = _outcome(lambda: _full(base, point))
    got = _outcome(lambda: fast.apply(point))
    if expected[0] == "error":
        assert got == expected, point
        return
    assert got[0] == expected[0], point  # the validated scenario, field by field
    assert got[0].document == expected[0].document, point
    assert got[1] == expected[1], point  # the run key's material, byte for byte


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_field_of_every_shipped_scenario_matches_full_validation(path):
    base = load_scenario(path)
    fast = PointOverrides(base, base.document, base.with_overrides)
    checked = 0
    for key, value in _leaves(base.document):
        for variant in _variants(value):
            _assert_same(base, fast, {key: variant})
            checked += 1
    assert checked > 50


#: Points only a rule across tables rejects (the touched table alone is fine).
CROSS_FIELD = [
    ({"segments.value.share": 0.9}, "segments", "shares must sum to 1"),
    (
        {"touchpoints.call_centre.recovery": "nowhere"},
        "touchpoints.call_centre.recovery",
        "unknown",
    ),
    (  # a priority names the scenario's segments
        {"touchpoints.call_centre.priority": {"nobody": 0}},
        "touchpoints.call_centre.priority",
        "unknown segment",
    ),
    (  # a touchpoint that always fails never takes its routes: purchase becomes unreachable
        {"touchpoints.checkout.failure_probability": 1.0, "touchpoints.checkout.recovery": "web"},
        "touchpoints",
        "",
    ),
]


@pytest.mark.parametrize(("point", "field", "words"), CROSS_FIELD)
def test_rules_across_tables_still_reject_a_point(point, field, words):
    base = load_scenario(ROOT / "scenarios" / "retail.toml")
    fast = PointOverrides(base, base.document, base.with_overrides)
    with pytest.raises(ScenarioError) as full:
        base.with_overrides(point)
    with pytest.raises(ScenarioError) as got:
        fast.apply(point)
    assert str(got.value) == str(full.value)
    assert (got.value.field or "").startswith(field) and words in got.value.message


def test_the_rule_keys_name_real_fields():
    """Every pattern in Scenario.override_rule_keys names a field path of the schema."""
    for pattern in Scenario.override_rule_keys:
        model = Scenario
        for part in pattern.split("."):
            if part == "*":
                continue
            fields = model.model_fields
            assert part in fields, pattern
            annotation = fields[part].annotation
            inner = [a for a in getattr(annotation, "__args__", ()) if hasattr(a, "model_fields")]
            model = inner[-1] if inner else annotation


def test_a_bad_value_is_one_line_naming_source_field_and_what_is_allowed():
    base = load_scenario(ROOT / "scenarios" / "retail.toml")
    fast = PointOverrides(base, base.document, base.with_overrides)
    with pytest.raises(ScenarioError) as caught:
        fast.apply({"touchpoints.call_centre.quality": 11})
    error = caught.value
    assert error.field == "touchpoints.call_centre.quality"
    assert "\n" not in str(error) and "from 0 to 10" in str(error)
    with pytest.raises(ScenarioError, match="unknown field"):
        fast.apply({"touchpoints.call_centre.qualty": 7.0})


def test_untouched_tables_are_shared_with_the_base():
    base = load_scenario(ROOT / "scenarios" / "retail.toml")
    fast = PointOverrides(base, base.document, base.with_overrides)
    scenario, _ = fast.apply({"touchpoints.call_centre.quality": 6.0})
    assert scenario.touchpoints["call_centre"].quality == 6.0
    assert scenario.touchpoints["web"] is base.touchpoints["web"]
    assert scenario.segments is base.segments and scenario.journey is base.journey
    assert base.touchpoints["call_centre"].quality != 6.0  # the base is never changed
    assert base.document["touchpoints"]["call_centre"]["quality"] != 6.0


def test_a_swept_value_the_field_refuses_is_one_line_and_exit_2(tmp_path, capsys):
    from journeysim.cli import main

    sweepfile = tmp_path / "bad.toml"
    sweepfile.write_text(
        f"scenario = {str(ROOT / 'scenarios' / 'retail.toml')!r}\n"
        '[design]\nkind = "lhs"\nsamples = 4\n'
        '[parameters."touchpoints.call_centre.quality"]\nlow = 5.0\nhigh = 11.0\n'
    )
    out = tmp_path / "out"
    assert main(["sweep", str(sweepfile), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(sweepfile) in err
    assert "parameters.touchpoints.call_centre.quality" in err and "from 0 to 10" in err
    assert not out.exists()
