"""journeysim.version: the package version and the digest of the model's source."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import journeysim
import journeysim.version as version_module
from journeysim.experiments import sweeps
from journeysim.experiments.sweeps import SweepSpec
from journeysim.version import __version__, model_digest

PACKAGE = Path(version_module.__file__).resolve().parent


@pytest.fixture
def fresh_digest():
    """Clear the digest's cache before and after (tests point it at other sources)."""
    model_digest.cache_clear()
    yield
    model_digest.cache_clear()


def test_version_is_the_installed_metadata():
    assert __version__ == importlib.metadata.version("journeysim")
    assert journeysim.__version__ == __version__


def test_model_digest_is_16_hex_characters():
    assert re.fullmatch(r"[0-9a-f]{16}", model_digest())


def test_model_digest_is_stable(fresh_digest):
    first = model_digest()
    model_digest.cache_clear()
    assert model_digest() == first


def copy_model_sources(tmp_path):
    root = tmp_path / "journeysim"
    root.mkdir()
    for name in ("scenario", "engine", "strategies", "experiments"):
        shutil.copytree(PACKAGE / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("simulation.py", "version.py", "kpis.py"):
        shutil.copy(PACKAGE / name, root / name)
    return root


def digest_of(root, monkeypatch):
    monkeypatch.setattr(version_module, "__file__", str(root / "version.py"))
    model_digest.cache_clear()
    return model_digest()


def test_model_digest_follows_the_model_layers(tmp_path, monkeypatch, fresh_digest):
    real = model_digest()
    root = copy_model_sources(tmp_path)
    assert digest_of(root, monkeypatch) == real  # same sources, same digest

    # a layer above the model (experiments) or a bottom helper does not count
    (root / "experiments" / "sweeps.py").write_text("# changed\n", encoding="utf-8")
    (root / "kpis.py").write_text("# changed\n", encoding="utf-8")
    assert digest_of(root, monkeypatch) == real

    for changed in ("engine/churn.py", "scenario/schema.py", "strategies/crm.py", "simulation.py"):
        path = root / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n# a change\n")
        assert digest_of(root, monkeypatch) != real, changed
        path.write_bytes(original)
    assert digest_of(root, monkeypatch) == real

    (root / "engine" / "new_rule.py").write_text("X = 1\n", encoding="utf-8")
    assert digest_of(root, monkeypatch) != real


def a_model(x):
    return {"y": x}


def fingerprint():
    spec = SweepSpec(parameters={"x": {"low": 0.0, "high": 1.0}})
    points = pd.DataFrame({"x": [0.25, 0.75]})
    return sweeps._fingerprint(spec, None, a_model, points)


def test_sweep_fingerprint_is_stable():
    assert fingerprint() == fingerprint()


def test_sweep_fingerprint_changes_with_model_digest(monkeypatch):
    before = fingerprint()
    monkeypatch.setattr(sweeps, "model_digest", lambda: "0123456789abcdef")
    changed = fingerprint()
    assert changed != before
    monkeypatch.setattr(sweeps, "model_digest", lambda: "fedcba9876543210")
    assert fingerprint() not in (before, changed)


def test_sweep_fingerprint_changes_with_version(monkeypatch):
    before = fingerprint()
    monkeypatch.setattr(sweeps, "__version__", "999.0")
    assert fingerprint() != before
