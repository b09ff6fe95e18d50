"""One translator from pydantic validation errors to one-line :class:`ScenarioError` messages.

Scenario files, ``--set`` overrides, strategy rebuilds and sweep files all end up here, so a
user sees the same kind of message whatever they got wrong: the file (and line, when the TOML
text is known), the dotted field, what is wrong and what is allowed.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from journeysim.errors import ScenarioError

__all__ = ["find_line", "first_error", "toml_error_line"]


def first_error(
    exc: ValidationError, source: str, text: str | None, root: type[BaseModel]
) -> ScenarioError:
    """Turn pydantic's first error into one line a user can act on.

    ``root`` is the model that was validated (a scenario, a sweep file): unknown keys are
    answered with the fields allowed at that place, found by walking its model classes.

    An unknown key is reported before a missing one: a typo in a required key produces both,
    and the typo is what the user has to fix.
    """
    errors = exc.errors()
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    inner = (error.get("ctx") or {}).get("error")
    if isinstance(inner, ScenarioError):  # raised by a model validator with its own field
        parts = inner.field.split(".") if inner.field else []
        line = find_line(text, parts) if text else None
        return ScenarioError(inner.message, source=source, field=inner.field, line=line)
    loc = [str(part) for part in error["loc"]]
    # Literal-or-type unions report the failing branch in loc; drop pydantic's branch labels.
    loc = [part for part in loc if not _is_branch_label(part)]
    field = ".".join(loc) or None
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if error["type"] == "extra_forbidden":
        allowed = _allowed_fields(root, loc[:-1])
        message = f"unknown field; allowed: {', '.join(allowed)}" if allowed else "unknown field"
        close = difflib.get_close_matches(loc[-1], allowed, n=1) if allowed else []
        if close:
            message = f"unknown field (did you mean {close[0]!r}?); allowed: {', '.join(allowed)}"
    elif error["type"] == "missing":
        message = "required field is missing"
    if error["type"] == "literal_error" or "Input should be" in message:
        message += f" (got {error.get('input')!r})"
    line = find_line(text, loc) if text else None
    return ScenarioError(message, source=source, field=field, line=line)


def _is_branch_label(part: str) -> bool:
    return part.startswith(("literal[", "function-", "constrained-", "tagged-union")) or part in (
        "int",
        "float",
        "str",
        "bool",
        "none",
    )


def _allowed_fields(root: type[BaseModel], loc: list[str]) -> list[str]:
    """Names of the fields allowed at ``loc``, found by walking the model classes."""
    model: Any = root
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return []
        if part in fields:
            model = _inner_model(fields[part].annotation)
        else:  # a user-chosen key inside a dict[str, Model]
            continue
    fields = getattr(model, "model_fields", None)
    return sorted(fields) if fields else []


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    for arg in reversed(args):  # dict[str, Model] -> Model
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def find_line(text: str, loc: list[str]) -> int | None:
    """Best-effort line of ``loc`` in the TOML text: table header, then the key below it."""
    if not loc:
        return None
    lines = text.splitlines()
    header_index = -1
    for depth in range(len(loc), 0, -1):
        table = r"\.".join(re.escape(p) for p in loc[:depth])
        pattern = re.compile(rf"^\s*\[\s*{table}\s*\]\s*(#.*)?$")
        for index, line in enumerate(lines):
            if pattern.match(line):
                header_index = index
                break
        if header_index >= 0:
            key = loc[depth] if depth < len(loc) else None
            if key is None:
                return header_index + 1
            key_pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for index in range(header_index + 1, len(lines)):
                if lines[index].lstrip().startswith("["):
                    break
                if key_pattern.match(lines[index]):
                    return index + 1
            return header_index + 1
    # a top-level key (name, description ...): above the first table header
    key_pattern = re.compile(rf"^\s*{re.escape(loc[0])}\s*=")
    for index, line in enumerate(lines):
        if line.lstrip().startswith("["):
            break
        if key_pattern.match(line):
            return index + 1
    # a table written only through its sub-tables ([segments.retail] for "segments": the
    # shares of all segments): its first sub-table
    table = r"\.".join(re.escape(p) for p in loc)
    prefix = re.compile(rf"^\s*\[\s*{table}\s*\.")
    for index, line in enumerate(lines):
        if prefix.match(line):
            return index + 1
    return None


def toml_error_line(message: str) -> int | None:
    """The line number a ``tomllib`` error message names, if any."""
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None
