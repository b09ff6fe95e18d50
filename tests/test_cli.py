"""The journeysim command line: tables, files, and one-line errors with exit code 2."""

import shutil
import subprocess
import sys

import pandas as pd
import pytest

import journeysim as js
from journeysim.cli import main
from tests.helpers import RETAIL, minimal, write_scenario

SHORT = ["--set", "simulation.horizon=90 d", "--set", "population.arrivals_per_day=8"]


def test_validate_ok(capsys):
    assert main(["validate", str(RETAIL)]) == 0
    assert "valid scenario 'retail'" in capsys.readouterr().out


def test_run_prints_kpi_table(capsys):
    assert main(["run", str(RETAIL), "--seed", "3", *SHORT]) == 0
    out = capsys.readouterr().out
    for label in ("retention (per period)", "NPS", "CSAT", "CES", "revenue", "mean wait (min)"):
        assert label in out


def test_run_writes_all_tables(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(RETAIL), "--out", str(out), *SHORT]) == 0
    for name in ("kpis", "timeline", "touchpoints", "cohorts"):
        csv = pd.read_csv(out / f"{name}.csv")
        parquet = pd.read_parquet(out / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0
    assert len(pd.read_csv(out / "kpis.csv")) == 1


def test_replications_give_one_kpi_row_each_and_ci_table(tmp_path, capsys):
    out = tmp_path / "reps"
    args = ["run", str(RETAIL), "--replications", "3", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(out), *SHORT]) == 0
    text = capsys.readouterr().out
    assert "95% CI" in text and "3 replications" in text
    kpis = pd.read_csv(out / "kpis.csv")
    assert list(kpis["replication"]) == [0, 1, 2]
    assert kpis["customers_acquired"].nunique() == 3  # independent replications


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "missing.toml"], "missing.toml: file not found"),
        (["run", str(RETAIL), "--strategy", "nosuch"], f"{RETAIL}: strategy: unknown strategy"),
        (["run", str(RETAIL), "--out", str(RETAIL)], f"--out: {RETAIL} is a file, not a dir"),
        (["compare", str(RETAIL), "--out", str(RETAIL)], f"--out: {RETAIL} is a file, not a dir"),
        (["run", str(RETAIL), "--set", "touchpoints.x.capacity=1"], "no 'x' under touchpoints"),
        (["run", str(RETAIL), "--set", "touchpoints.store.capacity=-1"], "from 1 to 1,000,000"),
        (["run", str(RETAIL), "--seed", "-4"], "--seed"),
        (["run", str(RETAIL), "--replications", "0"], "--replications"),
        (["run", str(RETAIL), "--bogus"], "No such option"),
        (["validate"], "Missing argument"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(args, fragment, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_validate_bad_file_names_file_field_and_line(tmp_path, capsys):
    path = write_scenario(tmp_path, minimal(population={"arrivals_per_day": -1}))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "population.arrivals_per_day" in err
    assert "above 0 and at most 1,000,000" in err


def test_console_script_exit_code_and_no_traceback(tmp_path):
    exe = shutil.which("journeysim") or str(
        __import__("pathlib").Path(sys.executable).with_name("journeysim")
    )
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    proc = subprocess.run([exe, "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not valid TOML" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version_and_help_read_well(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"journeysim {js.__version__}"
    assert main(["sweep", "--help"]) == 0
    text = capsys.readouterr().out
    assert "<local|dask>" in text and "ADDRESS" in text and "<bool>  Complete" not in text
