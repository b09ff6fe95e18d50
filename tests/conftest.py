"""Test-wide settings.

The shipped scenarios start from an established customer base: a burn-in of a few simulated
years before day 0 (``simulation.burn_in``), which costs two to four times a one-year run. Most
tests use a shipped scenario as a realistic fixture for something else, at a short horizon, and
do not need that base; paying for it in every one would multiply the suite's time. So, in the
tests, a shipped scenario file is read *without* its burn-in and steady start (an empty start,
as before the steady-state start existed), unless the test sets ``simulation.burn_in`` and
``simulation.start`` itself (an override is applied after reading):
``tests/test_shipped_operations.py`` and ``tests/validation/test_steady_start.py`` do, with
the file's values.
Scenarios built in Python, other files and the CLI in a subprocess are not affected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from journeysim.scenario import loading

SHIPPED = (Path(__file__).resolve().parents[1] / "scenarios").resolve()


@pytest.fixture(autouse=True, scope="session")
def _shipped_scenarios_without_burn_in():
    original = loading.parse_toml

    def parse_toml(text: str, source: str, *args: Any, **kwargs: Any) -> Any:
        raw = original(text, source, *args, **kwargs)
        try:
            shipped = Path(source).resolve().parent == SHIPPED
        except (OSError, ValueError):
            shipped = False
        if shipped and isinstance(raw, dict) and isinstance(raw.get("simulation"), dict):
            raw["simulation"].pop("burn_in", None)
            raw["simulation"].pop("start", None)  # a steady start needs its burn-in
        return raw

    loading.parse_toml = parse_toml
    yield
    loading.parse_toml = original
