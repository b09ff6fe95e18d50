"""Dotted-path overrides (``touchpoints.call_centre.capacity=8``) of a raw scenario document.

Overrides are applied to the document *before* validation, so an override is checked exactly
like the file itself (units included: a duration must again say ``"8 min"``).
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

from journeysim.errors import ScenarioError

__all__ = ["apply_overrides", "override_items", "parse_override"]


def parse_override(item: str) -> tuple[str, Any]:
    """Split ``"a.b.c=value"`` and read the value as TOML (``8``, ``0.5``, ``true``, ``"8 min"``).

    A value that is not valid TOML is taken as a plain string, so ``--set x.patience=8 min``
    works without shell quoting gymnastics.
    """
    if "=" not in item:
        raise ScenarioError(f"override {item!r} must look like dotted.key=value", source="--set")
    key, value = item.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ScenarioError(f"override {item!r} has an empty key", source="--set")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except RecursionError:
        raise ScenarioError(f"override {key!r}: value nested too deeply", source="--set") from None
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key, parsed


def apply_overrides(
    raw: dict[str, Any], overrides: dict[str, Any] | list[str], source: str = "--set"
) -> dict[str, Any]:
    """Return a deep copy of ``raw`` with dotted-path overrides applied.

    Intermediate keys must already exist (so a typo in a touchpoint name is caught here, with the
    known names listed); the last key may be new, and pydantic then decides whether it is allowed.
    """
    result = copy.deepcopy(raw)
    items = override_items(overrides)
    for key, value in items:
        parts = key.split(".")
        node: Any = result
        for depth, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                known = ", ".join(sorted(node)) if isinstance(node, dict) else "none"
                where = ".".join(parts[:depth]) or "top level"
                raise ScenarioError(
                    f"override path {key!r}: no {part!r} under {where} (known: {known})",
                    source=source,
                    field=key,
                )
            node = node[part]
        if not isinstance(node, dict):
            raise ScenarioError(
                f"override path {key!r}: {'.'.join(parts[:-1])} is not a table", source=source
            )
        node[parts[-1]] = value
    return result


def override_items(overrides: dict[str, Any] | list[str]) -> list[tuple[str, Any]]:
    """Overrides as ``(dotted key, value)`` pairs, from a mapping or ``"key=value"`` strings."""
    if isinstance(overrides, str):
        raise TypeError(
            'overrides must be a mapping {"dotted.key": value} or a list of "key=value" '
            f"strings, not the string {overrides!r}"
        )
    if isinstance(overrides, list | tuple):
        return [parse_override(item) for item in overrides]
    if isinstance(overrides, dict):
        return list(overrides.items())
    raise TypeError(
        'overrides must be a mapping {"dotted.key": value} or a list of "key=value" strings, '
        f"not {type(overrides).__name__}"
    )
