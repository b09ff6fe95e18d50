"""Experimental designs: which parameter points a sweep runs.

Parameters are addressed by dotted path into the scenario (``touchpoints.call_centre.capacity``)
and are floats, integers or categories. Space-filling designs (Latin hypercube, Sobol) come from
``scipy.stats.qmc``; Saltelli and Morris designs for sensitivity analysis from SALib (imported
lazily: it is an optional dependency). Every design is seeded, so a sweep file always describes
the same points.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from journeysim.errors import ScenarioError
from journeysim.scenario.fields import FiniteFloat, FrozenModel, PositiveCount, Seed, bounded_int

__all__ = ["Design", "Parameter", "make_design", "salib_problem"]

#: Fewest Saltelli base samples (N) accepted: below it the indices and their CIs are noise.
MIN_SALTELLI_SAMPLES = 8


class Parameter(FrozenModel):
    """One swept parameter.

    ``float``/``int`` take ``low`` and ``high`` (grids also ``steps``, or explicit ``values``);
    ``categorical`` takes ``values``. ``unit`` turns numbers into durations (``"min"`` ->
    ``"4.5 min"``), since every duration in a scenario carries its unit.
    """

    type: Literal["float", "int", "categorical"] = "float"
    low: FiniteFloat | None = None
    high: FiniteFloat | None = None
    steps: PositiveCount | None = None
    values: list[Any] | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _range(self) -> Parameter:
        if self.values is not None and (self.low is not None or self.high is not None):
            raise ValueError("give either 'values' or 'low'/'high', not both")
        if self.type == "categorical":
            if not self.values:
                raise ValueError("a categorical parameter needs a non-empty 'values' list")
        elif self.values is not None:
            if not self.values:
                raise ValueError("'values' is empty")
            if self.type == "int" and not all(
                isinstance(v, int) and not isinstance(v, bool) for v in self.values
            ):
                raise ValueError(f"an int parameter takes whole numbers; got {self.values}")
        else:
            if self.low is None or self.high is None:
                raise ValueError("give 'low' and 'high' (or 'values')")
            if not self.low < self.high:
                raise ValueError(
                    f"empty range: low ({self.low:g}) must be below high ({self.high:g})"
                )
            if self.type == "int" and math.ceil(self.low) > math.floor(self.high):
                raise ValueError(f"empty range: no integer between {self.low:g} and {self.high:g}")
        return self

    def scale(self, u: np.ndarray) -> list[Any]:
        """Map unit-interval draws to parameter values."""
        if self.values is not None:
            index = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in index]
        assert self.low is not None and self.high is not None
        if self.type == "int":
            lo, hi = math.ceil(self.low), math.floor(self.high)
            return [int(v) for v in np.minimum(lo + np.floor(u * (hi - lo + 1)), hi)]
        return [float(v) for v in self.low + u * (self.high - self.low)]

    def levels(self) -> list[Any]:
        """Grid levels."""
        if self.values is not None:
            return list(self.values)
        assert self.low is not None and self.high is not None
        if self.type == "int":
            lo, hi = math.ceil(self.low), math.floor(self.high)
            if hi - lo >= 1_000_000:
                raise ValueError(
                    f"an int parameter in a grid takes every whole number from {lo:,} to "
                    f"{hi:,}: {hi - lo + 1:,} levels, more than 1,000,000; narrow the range "
                    "or give 'values'"
                )
            return list(range(lo, hi + 1))
        if self.steps is None:
            raise ValueError("a float parameter in a grid needs 'steps' or 'values'")
        return [float(v) for v in np.linspace(self.low, self.high, self.steps)]

    def extremes(self) -> list[Any]:
        """The values a sweep checks before it starts: the ends of a range, or every value."""
        if self.values is not None:
            return list(self.values)
        assert self.low is not None and self.high is not None
        if self.type == "int":
            return [math.ceil(self.low), math.floor(self.high)]
        return [float(self.low), float(self.high)]

    def stored(self, value: Any) -> Any:
        """The value as stored in the results column.

        A Parquet column holds one type, so a list of values mixing text and numbers (say
        ``[2, 4, "unlimited"]``) is stored as text, and a table or list value as JSON.
        """
        if isinstance(value, dict | list):
            return json.dumps(value, sort_keys=True)
        if self.values is not None:
            kinds = {isinstance(v, str) for v in self.values}
            if len(kinds) > 1 or any(isinstance(v, dict | list) for v in self.values):
                return value if isinstance(value, str) else json.dumps(value)
        return value

    def render(self, value: Any) -> Any:
        """The value as written into the scenario (with its unit, if any)."""
        return f"{value} {self.unit}" if self.unit and not isinstance(value, str) else value


Levels = bounded_int(2, 1000)


class Design(FrozenModel):
    """How points are chosen."""

    kind: Literal["grid", "lhs", "sobol", "saltelli", "morris", "list"] = "grid"
    samples: PositiveCount = Field(default=8, description="lhs/sobol points; saltelli N; morris r.")
    levels: Levels = Field(default=4, description="Morris grid levels.")
    seed: Seed = 0
    points: list[dict[str, Any]] | None = None
    max_points: PositiveCount = Field(
        default=100_000, description="Largest design accepted (at most 1,000,000 points)."
    )


def salib_problem(parameters: dict[str, Parameter]) -> dict[str, Any]:
    """The SALib problem dict: every parameter on the unit interval (scaled later)."""
    return {
        "num_vars": len(parameters),
        "names": list(parameters),
        "bounds": [[0.0, 1.0]] * len(parameters),
    }


def make_design(
    design: Design, parameters: dict[str, Parameter]
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Return the points (one row each, a column per parameter) and the unit-cube matrix.

    The matrix (None for grids and lists) is what Sobol/Morris analysis needs alongside the
    outcomes, row for row.
    """
    names = list(parameters)
    unit: np.ndarray | None = None
    if design.kind == "list":
        if not design.points:
            raise ScenarioError("a 'list' design needs 'points'", field="design.points")
        for index, point in enumerate(design.points):
            unknown = set(point) - set(names)
            if unknown:
                raise ScenarioError(
                    f"point {index} sets {sorted(unknown)} which are not in [parameters]",
                    field="design.points",
                )
            missing = [n for n in names if n not in point]
            if missing:
                raise ScenarioError(
                    f"point {index} does not set {missing}; every point sets every parameter",
                    field="design.points",
                )
        frame = pd.DataFrame(design.points, columns=names)
    elif design.kind == "grid":
        levels = []
        for n in names:
            try:
                levels.append(parameters[n].levels())
            except ValueError as exc:
                raise ScenarioError(str(exc), field=f"parameters.{n}") from None
        count = math.prod(len(v) for v in levels)
        _check_size(count, design, len(names))
        frame = pd.DataFrame(list(itertools.product(*levels)), columns=names)
    else:
        d = len(names)
        if design.kind == "lhs":
            from scipy.stats import qmc

            _check_size(design.samples, design, d)
            unit = qmc.LatinHypercube(d=d, seed=design.seed).random(design.samples)
        elif design.kind == "sobol":
            from scipy.stats import qmc

            _check_power_of_two(design, "a Sobol sequence keeps its balance only")
            _check_size(design.samples, design, d)
            unit = qmc.Sobol(d=d, scramble=True, seed=design.seed).random(design.samples)
        elif design.kind == "saltelli":
            _check_power_of_two(design, "Saltelli's estimators converge as they should only")
            if design.samples < MIN_SALTELLI_SAMPLES:
                raise ScenarioError(
                    f"a saltelli design needs samples >= {MIN_SALTELLI_SAMPLES} (got "
                    f"{design.samples}): fewer base samples give Sobol indices that are noise",
                    field="design.samples",
                )
            _check_size(design.samples * (d + 2), design, d)
            from SALib.sample import sobol as sobol_sample

            unit = sobol_sample.sample(
                salib_problem(parameters), design.samples, calc_second_order=False, seed=design.seed
            )
        else:  # morris
            if design.samples < 2:
                raise ScenarioError(
                    f"a morris design needs samples (trajectories) >= 2 (got {design.samples}): "
                    "sigma, the spread of the elementary effects, needs two of them",
                    field="design.samples",
                )
            if design.levels % 2:
                raise ScenarioError(
                    f"a morris design needs an even number of levels (got {design.levels}): "
                    "with an odd number the grid's steps are not symmetric",
                    field="design.levels",
                )
            _check_size(design.samples * (d + 1), design, d)
            from SALib.sample import morris as morris_sample

            unit = morris_sample.sample(
                salib_problem(parameters),
                design.samples,
                num_levels=design.levels,
                seed=design.seed,
            )
        frame = pd.DataFrame(
            {n: parameters[n].scale(unit[:, i]) for i, n in enumerate(names)}, columns=names
        )
    if len(frame) > design.max_points:
        _check_size(len(frame), design, len(names))
    return frame, unit


def _check_power_of_two(design: Design, why: str) -> None:
    n = design.samples
    if n & (n - 1):
        below = 1 << (n.bit_length() - 1)
        raise ScenarioError(
            f"a {design.kind} design needs samples that are a power of 2 (got {n}; try "
            f"{below} or {below * 2}): {why} for powers of 2",
            field="design.samples",
        )


#: Largest design held in memory, in cells (points x parameters): the points, the unit-cube
#: matrix and the manifest's copy of it grow with it (about 100 bytes per cell in all).
MAX_DESIGN_CELLS = 20_000_000
_BYTES_PER_CELL = 100


def _check_size(count: int, design: Design, parameters: int = 1) -> None:
    if count > design.max_points:
        raise ScenarioError(
            f"the {design.kind} design needs {count:,} points, more than max_points "
            f"({design.max_points:,}); reduce it or raise design.max_points",
            field="design.max_points",
        )
    cells = count * max(parameters, 1)
    if cells > MAX_DESIGN_CELLS:
        raise ScenarioError(
            f"the {design.kind} design needs {count:,} points x {parameters} parameters, about "
            f"{cells * _BYTES_PER_CELL / 2**30:.1f} GiB held in memory; at most "
            f"{MAX_DESIGN_CELLS:,} cells: use fewer points or split the sweep",
            field="design",
        )
