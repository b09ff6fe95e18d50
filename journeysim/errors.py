"""Errors a user can act on.

Every problem with user input becomes a :class:`ScenarioError` whose ``str`` is a single line
naming the file, the field and what is allowed. The CLI prints that line and exits with code 2;
Python users can catch the exception. Nothing else in the package should turn bad input into a
traceback.
"""

from __future__ import annotations


class JourneysimError(Exception):
    """Base class of the errors journeysim raises on purpose."""


class ScenarioError(JourneysimError, ValueError):
    """A scenario file, an override or another user input is invalid.

    Parameters
    ----------
    message:
        What is wrong and what is allowed.
    source:
        The file (or ``"--set"`` for an override) the problem comes from.
    field:
        Dotted path of the offending field, e.g. ``touchpoints.call_centre.capacity``.
    line:
        Line number in the file, where it is known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.field = field
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source if self.line is None else f"{self.source}:{self.line}")
        if self.field:
            parts.append(self.field)
        return ": ".join([*parts, self.message])
