"""Scenario files and documents in, validated :class:`Scenario` objects out.

``load_scenario`` reads a TOML file (with optional dotted overrides), ``scenario_from_dict``
validates a document built in Python exactly like a file (same checks, same one-line errors),
and ``rebuild`` validates a changed copy of an already validated scenario (strategy transforms).
"""

from __future__ import annotations

import codecs
import copy
import errno
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from journeysim.errors import ScenarioError
from journeysim.scenario.fields import DAYS_CONTEXT
from journeysim.scenario.messages import first_error, toml_error_line
from journeysim.scenario.overrides import apply_overrides, override_items
from journeysim.scenario.schema import Scenario

__all__ = ["load_scenario", "parse_toml", "read_toml_text", "rebuild", "scenario_from_dict"]


def rebuild(scenario: Scenario, changes: dict[str, Any], source: str = "strategy") -> Scenario:
    """Validate a changed copy of an already validated scenario.

    ``changes`` maps dotted paths to new values in the scenario's *validated* form (durations in
    days), e.g. ``{"touchpoints.call_centre.capacity": 3}``. Strategy transforms use this, so a
    changed scenario passes exactly the checks a file does (graph, probabilities, ranges).
    """
    raw = scenario.model_dump(mode="python")
    raw = apply_overrides(raw, changes, source=source)
    try:
        rebuilt = Scenario.model_validate(raw, context=DAYS_CONTEXT)
    except ValidationError as exc:
        raise first_error(exc, source, None, Scenario) from None
    rebuilt._source = scenario._source
    return rebuilt


def load_scenario(
    path: str | Path,
    overrides: dict[str, Any] | list[str] | None = None,
    *,
    override_source: str = "--set",
) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path:
        A TOML scenario file.
    overrides:
        Dotted-path overrides applied before validation, as a mapping
        (``{"touchpoints.call_centre.capacity": 8}``) or as ``"key=value"`` strings
        (the CLI's ``--set``; values are read as TOML, bare words as strings).
    override_source:
        What error messages name as the source of a problem in an overridden field (the CLI's
        ``--set``, a sweep file's ``[overrides]``).

    Raises
    ------
    ScenarioError
        One line naming the file, the field and what is allowed.
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a path to a scenario file, not {type(path).__name__}")
    path = Path(path)
    source = str(path)
    text = read_toml_text(path)
    raw = parse_toml(text, source)
    if not overrides:
        return Scenario.from_document(raw, source, text)
    items = override_items(overrides)
    raw = apply_overrides(raw, dict(items), source=override_source)
    try:
        return Scenario.from_document(raw, source, text)
    except ScenarioError as exc:
        raise _blame_overrides(exc, [key for key, _ in items], override_source) from None


#: Largest file read as a scenario or sweep file: they are small text files.
MAX_FILE_BYTES = 10 * 2**20

_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def read_toml_text(path: Path) -> str:
    """The text of a TOML file, or one clear error.

    Missing, a broken link or a link loop, a directory, a device (``/dev/null``,
    ``/dev/zero``) or pipe, a file too large to be a scenario, UTF-16 or otherwise not UTF-8
    text: each is said as such. A UTF-8 byte-order mark (some editors write one) is skipped.
    """
    source = str(path)
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            message = "symbolic link loop: the link points (through others) back to itself"
        elif exc.errno == errno.ENOENT and path.is_symlink():
            message = f"broken symbolic link: its target {os.readlink(path)!r} does not exist"
        elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
            message = "file not found"
        elif exc.errno == errno.ENAMETOOLONG:
            message = "file name too long"
        else:
            message = f"cannot read it: {exc.strerror or exc}"
        raise ScenarioError(message, source=source) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError("is a directory; give a .toml file", source=source)
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise ScenarioError(f"is not a regular file ({kind}); give a .toml file", source=source)
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"is {info.st_size / 2**20:,.0f} MiB: scenario and sweep files are small text files "
            f"(at most {MAX_FILE_BYTES // 2**20} MiB); is this the right file?",
            source=source,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read it: {exc.strerror or exc}", source=source) from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ScenarioError("is UTF-16 text: TOML files are UTF-8; save it as UTF-8", source=source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not a UTF-8 text file (byte {exc.start}): TOML files are UTF-8 text",
            source=source,
        ) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Read TOML text; a syntax error (with its line) or too deep a nesting is one line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = toml_error_line(str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ScenarioError(f"not valid TOML: {message}", source=source, line=line) from None
    except RecursionError:
        raise ScenarioError(
            "not valid TOML: arrays or tables nested too deeply (more than Python can read)",
            source=source,
        ) from None


def _blame_overrides(exc: ScenarioError, keys: list[str], override_source: str) -> ScenarioError:
    """An error in an overridden field is the override's, not the file's (nor its line)."""
    field = exc.field or ""
    for key in keys:
        if field and (field == key or field.startswith(key + ".") or key.startswith(field + ".")):
            return ScenarioError(exc.message, source=override_source, field=exc.field)
    return ScenarioError(
        f"{exc.message} (with {', '.join(keys)} overridden)",
        source=exc.source,
        field=exc.field,
        line=exc.line,
    )


def scenario_from_dict(
    document: dict[str, Any],
    overrides: dict[str, Any] | list[str] | None = None,
    *,
    source: str = "<dict>",
) -> Scenario:
    """Validate a scenario document built in Python, exactly like a file.

    Parameters
    ----------
    document:
        The scenario as nested dicts, as a TOML file would read (durations with units,
        e.g. ``{"simulation": {"horizon": "365 d"}, ...}``). It is copied, never changed.
    overrides:
        Dotted-path overrides, as for :func:`load_scenario`.
    source:
        What error messages name as the origin of the document.

    Returns
    -------
    Scenario
        The validated scenario; ``scenario.with_overrides(...)`` works on it as on a file's.

    Raises
    ------
    ScenarioError
        One line naming the source, the field and what is allowed.
    TypeError
        If ``document`` is not a mapping.
    """
    if not isinstance(document, dict):
        raise TypeError(f"document must be a dict, not {type(document).__name__}")
    raw = copy.deepcopy(document)
    if overrides:
        raw = apply_overrides(raw, overrides)
    return Scenario.from_document(raw, source)
