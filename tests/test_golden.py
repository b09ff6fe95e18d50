"""Golden regression: every shipped scenario x strategy at a fixed seed gives the stored numbers.

The files in ``tests/golden/`` were produced by ``python tests/golden/regenerate.py``. A change
of numbers must be deliberate: regenerate them, and say in the commit why the numbers moved.
"""

from __future__ import annotations

import json

import pytest

from tests.golden.regenerate import HERE, ROOT, VARIANTS, golden_runs

CASES = sorted(p.stem for p in HERE.glob("*.json"))


def test_every_shipped_scenario_and_variant_has_a_golden_file():
    shipped = {p.stem for p in (ROOT / "scenarios").glob("*.toml")}
    assert shipped | set(VARIANTS) == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_numbers_are_unchanged(case):
    expected = json.loads((HERE / f"{case}.json").read_text())
    if case in VARIANTS:
        got = golden_runs(ROOT / "scenarios" / "retail.toml", VARIANTS[case])
    else:
        got = golden_runs(ROOT / "scenarios" / f"{case}.toml")
    assert sorted(got) == sorted(expected), "strategies differ"
    for strategy, record in expected.items():
        for key, value in record.items():
            assert got[strategy][key] == value, f"{case}/{strategy}: {key} changed"
