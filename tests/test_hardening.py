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
    assert main(["validate", str(path), "--set", "simulation.period=1 h"]) == 2
    assert "reporting periods" in capsys.readouterr().err
    assert main(["validate", str(path)]) == 0
    assert "journeysim: note: a large run" in capsys.readouterr().err


def test_the_burn_in_and_a_steady_base_count_in_the_planned_work():
    """A burn-in is simulated too, and a steady start's base (arrivals x mean lifetime,
    here 50 x 10 (3 + 9 - 1) / 2 = 2,750 customers) buys all along it."""
    from journeysim.scenario.workload import estimate_work, work_note

    raw = minimal(segments__all__churn={"a": 3.0, "b": 9.0}, population={"arrivals_per_day": 50})
    plain = estimate_work(scenario_from_dict(raw))
    raw["simulation"].update(burn_in="100000 d", start="steady", churn="period")
    steady = estimate_work(scenario_from_dict(raw))
    assert steady.prospects == pytest.approx(plain.prospects + 2750)
    assert steady.journeys >= plain.journeys + 2750 * 100060 / 7
    assert work_note(steady) is not None  # days of computing: the CLI says so first


def test_a_sweep_point_with_absurd_work_is_refused_before_the_sweep(tmp_path):
    from tests.helpers import write_scenario

    path = write_scenario(tmp_path, minimal(**_TINY))
    with pytest.raises(
        ScenarioError,
        match=r"parameters.population.arrivals_per_day: value 1000000.0 is not allowed",
    ):
        js.sweep(
            scenario=str(path),
            parameters={"population.arrivals_per_day": {"values": [5.0, 1e6]}},
            out=tmp_path / "out",
            workers=1,
        )
    assert not (tmp_path / "out").exists()


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


# -- 4. output locations are checked before the work; writing is all or nothing ----------------


@pytest.mark.parametrize(
    ("out", "fragment"),
    [("/proc/journeysim-out", "cannot write in /proc"), ("FILE/sub", "is a file")],
)
def test_an_unwritable_output_fails_before_the_run(tmp_path, capsys, out, fragment):
    from journeysim.cli import main

    (tmp_path / "FILE").write_text("x")
    out = out.replace("FILE", str(tmp_path / "FILE"))
    path = _tiny_file(tmp_path)
    assert main(["run", str(path), "--out", out]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert "valid" not in err  # no run happened


def test_a_read_only_file_system_is_found_before_the_run(tmp_path, monkeypatch):
    import errno
    import os
    import tempfile

    from journeysim.atomic import output_problem

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert "Read-only file system" in output_problem(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_failed_write_leaves_nothing_half_written(tmp_path):
    import pandas as pd

    from journeysim.engine.results import write_tables

    class Unwritable(pd.DataFrame):
        def to_parquet(self, *args, **kwargs):
            raise OSError(28, "No space left on device")

    tables = {"kpis": pd.DataFrame({"a": [1]}), "timeline": Unwritable({"b": [2]})}
    with pytest.raises(ScenarioError, match=r"\(No space left on device\); nothing was written"):
        write_tables(tables, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


# -- 5. seeds out of range ---------------------------------------------------------------------


def test_seeds_of_2_to_the_64_are_refused_up_front(tmp_path, capsys):
    from journeysim.cli import main

    scenario = scenario_from_dict(minimal())
    with pytest.raises(ValueError, match="0 to 2\\*\\*64 - 1"):
        js.simulate(scenario, seed=2**64)
    with pytest.raises(ValueError, match="0 to 2\\*\\*64 - 1"):
        js.replicate(scenario, replications=2, seed=2**70, workers=1)
    with pytest.raises(ScenarioError, match="seed: must be a whole number"):
        js.sweep(model=_model, parameters={"x": {"low": 0, "high": 1}}, seed=2**64)
    assert main(["run", str(_tiny_file(tmp_path)), "--seed", str(2**70), "--out", "x"]) == 2
    assert "--seed" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# -- 6. damaged sweep directories --------------------------------------------------------------


def _model(point, strategy, seed, identity):
    return {"y": point["x"] * 2.0}


def _function_sweep(out, **changes):
    fields = {
        "parameters": {"x": {"low": 0.0, "high": 1.0}},
        "design": {"kind": "lhs", "samples": 6, "seed": 1},
        "batch_size": 4,
    }
    fields.update(changes)
    return js.sweep(model=_model, out=out, workers=1, **fields)


def test_a_manifest_that_is_not_json_is_named(tmp_path):
    _function_sweep(tmp_path / "out")
    (tmp_path / "out" / "manifest.json").write_text("{ not json")
    with pytest.raises(ScenarioError, match="manifest.json: is damaged \\(not JSON"):
        js.load_sweep(tmp_path / "out")


def test_a_truncated_part_is_named_with_what_to_do(tmp_path):
    _function_sweep(tmp_path / "out")
    part = tmp_path / "out" / "runs" / "part-00000.parquet"
    part.write_bytes(part.read_bytes()[:100])
    with pytest.raises(ScenarioError, match="part-00000.parquet: damaged results part") as caught:
        js.load_sweep(tmp_path / "out")
    assert "--resume" in str(caught.value)
    with pytest.raises(ScenarioError, match="damaged results part"):
        _function_sweep(tmp_path / "out", resume=True)


@pytest.mark.parametrize(
    "line",
    [
        '{"hello": "world"}',
        '{"point": 0, "strategy": "crm", "replication": 0, "seed": 0, '
        '"key": "0123456789abcdef0123456789abcdef", "status": "ok"}',
        "[1, 2, 3]",
        "not json",
    ],
)
def test_a_foreign_journal_line_is_never_a_row(tmp_path, line):
    _function_sweep(tmp_path / "out", batch_size=100)
    journal = tmp_path / "out" / "runs" / "journal.jsonl"
    rows = js.load_sweep(tmp_path / "out")
    journal.write_text(line + "\n" + '{"cut short": ')  # plus a last line cut by a kill
    with pytest.raises(ScenarioError, match="journal.jsonl: line 1 is not a run of this sweep"):
        js.load_sweep(tmp_path / "out")
    journal.write_text('{"cut short": ')  # only a cut last line: ignored
    assert len(js.load_sweep(tmp_path / "out")) == len(rows)


# -- 8. Python API misuse ----------------------------------------------------------------------


def test_simulate_accepts_a_path_or_a_document_and_refuses_other_things(tmp_path):
    path = _tiny_file(tmp_path)
    by_path = js.simulate(str(path), seed=3).kpis
    by_dict = js.simulate(minimal(**_TINY), seed=3).kpis
    assert by_path.drop(columns="scenario").equals(by_dict.drop(columns="scenario"))
    with pytest.raises(TypeError, match="scenario must be a Scenario"):
        js.simulate(42)
    with pytest.raises(TypeError, match="strategy must be a strategy name"):
        js.simulate(by_path_scenario(path), strategy=3)


def by_path_scenario(path):
    return js.load_scenario(path)


def test_one_override_string_is_a_type_error_naming_the_argument(tmp_path):
    with pytest.raises(TypeError, match=r'overrides must be a mapping .* or a list of "key=value"'):
        js.load_scenario(_tiny_file(tmp_path), overrides="touchpoints.desk.capacity=3")


def test_a_transform_that_returns_no_scenario_is_named():
    from journeysim.strategies.base import Strategy

    class Broken(Strategy):
        name = "broken"

        def transform(self, scenario):
            return None

    with pytest.raises(TypeError, match=r"Broken.transform \(strategy 'broken'\) must return"):
        js.simulate(scenario_from_dict(minimal(**_TINY)), Broken())


def test_compare_takes_a_comma_separated_string():
    raw = minimal(**_TINY)
    raw["strategies"] = {"better": {"cem": {"touchpoints": {"desk": {"quality": 1.0}}}}}
    scenario = scenario_from_dict(raw)
    result = js.compare(scenario, "baseline, better", replications=2, workers=1)
    assert result.strategies == ["baseline", "better"]


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: js.register_strategy("x", None), "factory must be callable"),
        (lambda: js.register_strategy("", lambda s: None), "name must be a non-empty"),
        (lambda: js.replicate(scenario_from_dict(minimal()), seed="a"), "seed must be an integer"),
        (lambda: js.replicate(scenario_from_dict(minimal()), workers="2"), "workers must be a"),
    ],
)
def test_api_misuse_names_the_argument(call, fragment):
    with pytest.raises(TypeError, match=fragment):
        call()


def test_a_sweep_model_returning_a_non_mapping_stops_the_sweep(tmp_path):
    with pytest.raises(TypeError, match="must return a mapping"):
        js.sweep(
            model=lambda point, strategy, seed, identity: [1.0],
            parameters={"x": {"low": 0.0, "high": 1.0}},
            design={"kind": "lhs", "samples": 2},
            out=tmp_path / "out",
            workers=1,
        )


# -- 9. resource use ---------------------------------------------------------------------------


def test_workers_are_capped_at_the_useful_number():
    from journeysim.experiments.engines import useful_workers

    with pytest.warns(UserWarning, match="workers 1000: using"):
        assert useful_workers(1000, runs=3) <= 3
    assert useful_workers(None, runs=1) == 1


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "a/b", "..", ".hidden"])
def test_a_sweep_name_stays_a_plain_name(name):
    with pytest.raises(ScenarioError, match="name: .* is not a plain name"):
        js.sweep(model=_model, parameters={"x": {"low": 0, "high": 1}}, name=name)


def test_deeply_nested_toml_is_a_clear_error(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 100_000)
    with pytest.raises(ScenarioError, match="nested too deeply"):
        js.load_scenario(path)


# -- shared small scenario ---------------------------------------------------------------------

_TINY = {"simulation": {"horizon": "20 d", "period": "10 d"}}


def _tiny_file(tmp_path):
    from tests.helpers import write_scenario

    return write_scenario(tmp_path, minimal(**_TINY), name="tiny.toml")


# -- 10. messages ------------------------------------------------------------------------------


def test_special_files_are_named_for_what_they_are(tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    broken = tmp_path / "broken.toml"
    broken.symlink_to(tmp_path / "gone.toml")
    cases = [
        (loop, "symbolic link loop"),
        (broken, "broken symbolic link"),
        ("/dev/null", "not a regular file (a character device)"),
        ("/dev/zero", "not a regular file (a character device)"),
        (tmp_path / "nope.toml", "file not found"),
    ]
    for path, fragment in cases:
        with pytest.raises(ScenarioError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
            js.load_scenario(path)


def test_a_byte_order_mark_is_skipped_and_utf16_is_named(tmp_path):
    from tests.helpers import to_toml

    text = to_toml(minimal(**_TINY))
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert js.load_scenario(path).name == "minimal"
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(ScenarioError, match="is UTF-16 text"):
        js.load_scenario(path)


def test_top_level_keys_and_shares_have_line_numbers(tmp_path):
    from tests.helpers import write_scenario

    raw = minimal()
    raw["description"] = 3
    path = write_scenario(tmp_path, raw)
    with pytest.raises(ScenarioError, match=r"scenario.toml:2: description"):
        js.load_scenario(path)
    raw = minimal()
    raw["segments"]["all"]["share"] = 0.5
    path = write_scenario(tmp_path, raw)
    text = path.read_text().splitlines()
    line = text.index("[segments]") + 1
    with pytest.raises(ScenarioError, match=rf"scenario.toml:{line}: segments: shares must sum"):
        js.load_scenario(path)


def test_sweep_errors_name_the_parameter_or_design_key(tmp_path):
    grid = {"kind": "grid"}
    wide = {"x": {"type": "int", "low": 0, "high": 1e9}}
    with pytest.raises(ScenarioError, match=r"parameters\.x: an int parameter in a grid"):
        js.sweep(model=_model, parameters=wide, design=grid, out=tmp_path / "a")
    with pytest.raises(ScenarioError, match=r"parameters\.x\.low: must be a number"):
        js.sweep(model=_model, parameters={"x": {"low": math.inf, "high": 1}})
    with pytest.raises(ScenarioError, match=r"design\.samples: must be a whole number"):
        js.sweep(model=_model, parameters={"x": {"low": 0, "high": 1}}, design={"samples": 0})
    path = tmp_path / "sweep.toml"
    path.write_text('name = "s"\n[design]\nkind = "lhs"\nsamples = true\n')
    with pytest.raises(ScenarioError, match=r"sweep.toml:4: design.samples: expected a whole"):
        js.sweep(path, model=_model)


def test_ctrl_c_with_workers_prints_aborted_and_exits_at_once(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.helpers import ROOT, write_scenario

    raw = minimal(population={"arrivals_per_day": 40.0})
    raw["simulation"] = {"horizon": "3000 d", "period": "30 d"}
    path = write_scenario(tmp_path, raw)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "journeysim.cli",
        "compare",
        str(path),
        "--strategies",
        "baseline",
        "--replications",
        "2",
        "--workers",
        "2",
        "--quiet",
    ]
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    children = f"/proc/{process.pid}/task/{process.pid}/children"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not open(children).read().split():
        time.sleep(0.1)  # the workers are up: the run is under way
    time.sleep(0.5)
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "journeysim: aborted (interrupted)"
    assert "Traceback" not in err
    assert time.monotonic() - started < 5


# -- 11 (progress). long single runs show progress; results are identical with it --------------


def test_progress_over_simulated_days_changes_no_number(capsys):
    raw = minimal()
    raw["simulation"]["churn"] = "period"
    raw["referrals"] = {"per_promoter_per_day": 0.01}
    scenario = scenario_from_dict(raw)
    plain = js.simulate(scenario, seed=11)
    shown = js.simulate(scenario, seed=11, progress=True)
    for table in ("kpis", "timeline", "touchpoints", "cohorts"):
        assert getattr(plain, table).equals(getattr(shown, table)), table
    assert "active customers" in capsys.readouterr().err
