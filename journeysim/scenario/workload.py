"""The planned work of a run, estimated before it starts: refuse the absurd, note the large.

A scenario can be valid field by field and still ask for a run that would take days or more
memory than the machine has (a period of one hour on a two-year horizon, a million arrivals a
day, a need every second). :func:`estimate_work` gives the order of magnitude from the
scenario alone; :func:`check_planned_work` refuses a run beyond the limits below, with the
estimate in the message, and :func:`work_note` is the line the CLI prints for a large one.

The estimates are upper bounds that ignore churn (every customer stays to the horizon): a run
with heavy churn does much less. Journeys per customer are ``1 + (horizon / 2) / time between
needs`` (a customer arrives on average half-way); visits per journey come from the journey
graph as an absorbing Markov chain (fundamental matrix ``(I - Q)^-1``, Kemeny & Snell 1960),
failure edges included.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from journeysim.errors import ScenarioError
from journeysim.scenario.schema import steady_lifetime

if TYPE_CHECKING:
    from journeysim.scenario.schema import Scenario

__all__ = [
    "BYTES_PER_CUSTOMER",
    "MAX_PERIODS",
    "MAX_VISITS",
    "REFERRALS_PER_PROSPECT",
    "VISITS_PER_SECOND",
    "Workload",
    "check_planned_work",
    "estimate_work",
    "max_active_customers",
    "work_note",
]

#: Reporting periods at most: the cohort table has periods x (periods + 1) cells.
MAX_PERIODS = 5_000
#: Visits at most in one run (about nine hours of computing at :data:`VISITS_PER_SECOND`).
MAX_VISITS = 1_000_000_000
#: Prospects at most in one run (each is a customer object while active).
MAX_CUSTOMERS = 200_000_000
#: Referred customers at most per expected organic prospect (and at least 100,000 in all): word
#: of mouth beyond this feeds itself without bound (no finite market holds it back).
REFERRALS_PER_PROSPECT = 100
#: Order of magnitude of the engine's speed, for the time estimate (one core).
VISITS_PER_SECOND = 30_000
#: Memory of one active returning customer: its object and pending need, about 0.9 KB in a
#: baseline run (benchmarks/scale.py), with room for strategies' per-customer state.
BYTES_PER_CUSTOMER = 2_000
#: Above these a run is large enough for the CLI to say so before it starts.
NOTE_SECONDS = 600.0
NOTE_BYTES = 2 * 2**30


@dataclass(frozen=True)
class Workload:
    """Upper-bound estimates of one run's work (churn ignored).

    Attributes
    ----------
    prospects:
        Expected organic prospects (arrivals per day x horizon).
    journeys:
        Expected journeys if nobody churned.
    visits:
        Expected touchpoint visits (journeys x visits per journey).
    periods:
        Reporting periods (timeline rows, cohort table rows).
    memory_bytes:
        Memory of the customers if none churned, plus the cohort table.
    seconds:
        Run time at :data:`VISITS_PER_SECOND`.
    """

    prospects: float
    journeys: float
    visits: float
    periods: int
    memory_bytes: float
    seconds: float

    def describe(self) -> str:
        """One phrase: ``~2.0e+09 visits of ~1.8e+07 customers, ~3.7 h, ~210 GiB``."""
        return (
            f"about {_count(self.visits)} visits of {_count(self.prospects)} customers, "
            f"{_duration(self.seconds)} and up to {_size(self.memory_bytes)} of memory"
        )


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e6 else f"{n:.1e}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"~{seconds:.0f} s"
    if seconds < 7200:
        return f"~{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"~{seconds / 3600:.1f} h"
    return f"~{seconds / 86400:,.0f} days"


def _size(n: float) -> str:
    return f"~{n / 2**30:,.1f} GiB" if n >= 2**30 else f"~{n / 2**20:,.0f} MiB"


#: Journey graphs up to this many touchpoints are solved in plain Python (tens of
#: microseconds, and ``journeysim validate`` need not import numpy); larger ones with numpy.
_PURE_PYTHON_NODES = 12


def visits_per_journey(scenario: Scenario) -> float:
    """Expected touchpoint visits of one journey (absorbing Markov chain, failures included)."""
    names = list(scenario.touchpoints)
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    q = [[0.0] * n for _ in range(n)]
    for source, row in scenario.journey.routes.items():
        i = index[source]
        tp = scenario.touchpoints[source]
        for target, p in row.items():
            if target in index:
                q[i][index[target]] += p * (1.0 - tp.failure_probability)
        if tp.recovery is not None and tp.failure_probability > 0:
            q[i][index[tp.recovery]] += tp.failure_probability
    start = [0.0] * n
    for target, p in scenario.journey.entry.items():
        if target in index:
            start[index[target]] += p
    # visits v solve (I - Q)^T v = start
    a = [[float(i == j) - q[j][i] for j in range(n)] for i in range(n)]
    visits = _solve(a, start) if n <= _PURE_PYTHON_NODES else _solve_numpy(a, start)
    if visits is None:  # no exit (the graph check refuses such scenarios)
        return math.inf
    total = math.fsum(visits)
    return total if math.isfinite(total) and total >= 0 else math.inf


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """``x`` with ``a @ x = b`` (Gaussian elimination, partial pivoting); None if singular."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if m[pivot][col] == 0.0:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        top = m[col]
        for r in range(col + 1, n):
            row = m[r]
            factor = row[col] / top[col]
            if factor:
                for c in range(col, n + 1):
                    row[c] -= factor * top[c]
    x = [0.0] * n
    for r in reversed(range(n)):
        row = m[r]
        x[r] = (row[n] - sum(row[c] * x[c] for c in range(r + 1, n))) / row[r]
    return x


def _solve_numpy(a: list[list[float]], b: list[float]) -> list[float] | None:
    """:func:`_solve` by LAPACK, for large graphs."""
    import numpy as np  # imported here: small graphs (and ``journeysim validate``) need none

    try:
        return np.linalg.solve(np.array(a), np.array(b)).tolist()
    except np.linalg.LinAlgError:
        return None


def estimate_work(scenario: Scenario) -> Workload:
    """Upper-bound estimates of a run's prospects, journeys, visits, periods and memory."""
    sim = scenario.simulation
    horizon = sim.horizon
    prospects = scenario.population.arrivals_per_day * horizon
    if scenario.population.returning:
        per_customer = sum(
            seg.share * (1.0 + horizon / 2.0 / seg.time_between_needs)
            for seg in scenario.segments.values()
        )
    else:
        per_customer = 1.0
    journeys = prospects * per_customer
    if sim.start == "steady":  # a stationary base buys all through the burn-in and horizon
        span = sim.burn_in + horizon
        arrivals = scenario.population.arrivals_per_day
        for seg in scenario.segments.values():
            base = arrivals * seg.share * steady_lifetime(sim, seg)
            prospects += base
            journeys += base * span / seg.time_between_needs
        journeys += arrivals * sim.burn_in  # the burn-in's new customers' first journeys
    visits = journeys * visits_per_journey(scenario)
    periods = max(1, math.ceil(horizon / sim.period - 1e-9))
    customers = prospects * (BYTES_PER_CUSTOMER if scenario.population.returning else 1_000)
    memory = customers + 8.0 * periods * (periods + 1)
    seconds = visits / VISITS_PER_SECOND
    return Workload(prospects, journeys, visits, periods, memory, seconds)


def check_planned_work(scenario: Scenario) -> Workload:
    """Refuse a run whose planned work is absurd; return the estimate otherwise.

    Raises
    ------
    ScenarioError
        Naming the field to change and the estimate: more than :data:`MAX_PERIODS` periods,
        :data:`MAX_VISITS` visits or :data:`MAX_CUSTOMERS` prospects.
    """
    work = estimate_work(scenario)
    source = scenario.source or f"scenario {scenario.name!r}"
    if work.periods > MAX_PERIODS:
        cells = work.periods * (work.periods + 1)
        raise ScenarioError(
            f"{work.periods:,} reporting periods (horizon / period): the cohort table alone "
            f"would hold {cells:,} cells ({_size(8.0 * cells)}); at most {MAX_PERIODS:,} "
            "periods: choose a longer period",
            source=source,
            field="simulation.period",
        )
    memory = _physical_memory()
    if memory and work.memory_bytes > memory:
        raise ScenarioError(
            f"this run would need {work.describe()}, more than this machine's "
            f"{_size(memory)}: lower the arrival rate or the horizon",
            source=source,
            field="population.arrivals_per_day",
        )
    if work.prospects > MAX_CUSTOMERS or work.visits > MAX_VISITS:
        raise ScenarioError(
            f"this run would simulate {work.describe()} (at most {_count(MAX_VISITS)} visits "
            f"and {_count(MAX_CUSTOMERS)} customers): lower the arrival rate or the horizon, "
            "or lengthen the time between needs",
            source=source,
            field="population.arrivals_per_day",
        )
    return work


def _physical_memory() -> float:
    """Bytes of physical memory (0 if the platform does not say)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return 0.0


def max_active_customers() -> int:
    """Active customers a run may hold: half the physical memory, at most MAX_CUSTOMERS."""
    memory = _physical_memory()
    if not memory:
        return MAX_CUSTOMERS
    return int(min(MAX_CUSTOMERS, memory / 2 / BYTES_PER_CUSTOMER))


def work_note(work: Workload, runs: int = 1) -> str | None:
    """A line announcing a large run (``None`` for an ordinary one)."""
    if work.seconds * runs < NOTE_SECONDS and work.memory_bytes < NOTE_BYTES:
        return None
    each = " each" if runs > 1 else ""
    return f"a large run{each}: up to {work.describe()} (estimates that ignore churn)"
