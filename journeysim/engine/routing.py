"""Routing rules: where a customer goes after a touchpoint (or at the start of a journey).

A rule is compiled once per node and called once per visit: ``next(customer, now, u)``
returns the next node (a touchpoint's runtime node or a terminal name) for the visit's routing
number ``u``, the first draw of every visit (see :mod:`journeysim.engine`). Rules that depend on
the customer's state or the time take them from the arguments; they must still use ``u`` as
their only randomness, so a changed rule never shifts another rule's draws.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeysim.scenario.schema import StateWeights

__all__ = ["SegmentRouting", "RoutingRule", "StateRouting", "StaticRouting", "compile_routing"]


class RoutingRule:
    """Base of routing rules."""

    __slots__ = ()

    def next(self, customer: Any, now: float, u: float) -> Any:
        """The next node for routing number ``u`` in [0, 1)."""
        raise NotImplementedError


class StaticRouting(RoutingRule):
    """Fixed probabilities: inverse-CDF lookup of ``u`` in the cumulative row.

    Zero-probability edges are dropped; the last edge takes whatever rounding leaves (its
    cumulative bound is infinity), so every ``u`` has a target.
    """

    __slots__ = ("cum", "targets")

    def __init__(self, row: dict[str, float], resolve: Callable[[str], Any]) -> None:
        self.cum: list[float] = []
        self.targets: list[Any] = []
        total = 0.0
        for target, p in row.items():
            if p <= 0:
                continue
            total += p
            self.cum.append(total)
            self.targets.append(resolve(target))
        self.cum[-1] = math.inf

    def next(self, customer: Any, now: float, u: float) -> Any:
        """The target whose cumulative interval holds ``u``."""
        return self.targets[bisect_right(self.cum, u)]


#: State features a :class:`StateRouting` rule can weigh: name -> value for (customer, now, met).
FEATURES: dict[str, Callable[[Any, float, float], float]] = {
    "satisfaction": lambda c, now, met: c.satisfaction - met,
    "loyalty": lambda c, now, met: c.loyalty,
    "complaints": lambda c, now, met: float(c.complaints),
    "recent_failure": lambda c, now, met: 1.0 if c.recent_failure else 0.0,
    "tenure_years": lambda c, now, met: (now - c.acquired_at) / 365.0,
    "member": lambda c, now, met: 1.0 if c.member else 0.0,
}


#: Beyond this |exponent| ``exp`` overflows or, summed over a row, could reach inf or 0; a row
#: with such an edge is computed relative to its largest exponent (``_stable``), which gives
#: the same shares exactly in real arithmetic.
EXPONENT_LIMIT = 700.0


class StateRouting(RoutingRule):
    """Probabilities shifted by the customer's state: p_j x exp(sum_k w_jk x_k), renormalised.

    A multinomial-logit shift around the file's row: with every feature at 0 (a new customer
    whose satisfaction is at the "met" level, no loyalty, complaints, failures or membership)
    the row is the file's. ``u`` (the visit's routing number) stays the only randomness: the
    target is where ``u x total weight`` falls in the cumulative weights. Only the features
    some edge weighs are computed.

    Parameters
    ----------
    row:
        Target -> probability (the file's row; zero-probability edges are dropped).
    weights:
        Target -> :class:`~journeysim.scenario.schema.StateWeights`; missing targets weigh 0.
    resolve:
        Target name -> runtime node.
    satisfaction_when_met:
        The satisfaction level that counts as 0 for the ``satisfaction`` feature.
    """

    __slots__ = (
        "base",
        "targets",
        "features",
        "coefs",
        "met",
        "used",
        "shifted",
        "one",
        "before",
    )

    def __init__(
        self,
        row: dict[str, float],
        weights: dict[str, StateWeights],
        resolve: Callable[[str], Any],
        satisfaction_when_met: float,
    ) -> None:
        names = [t for t, p in row.items() if p > 0]
        self.base = [row[t] for t in names]
        self.targets = [resolve(t) for t in names]
        used = [
            f
            for f in FEATURES
            if any(getattr(w, f) != 0.0 for t, w in weights.items() if t in names)
        ]
        self.used = used
        self.features = [FEATURES[f] for f in used]
        self.coefs = [
            [getattr(weights[t], f) if t in weights else 0.0 for f in used] for t in names
        ]
        self.met = satisfaction_when_met
        # the edges some feature shifts, with their non-zero (feature index, weight) terms: an
        # edge without any keeps p x exp(0) = p, and a zero term adds nothing to the exponent
        # (features are finite), so next() skips them and gives the same numbers
        self.shifted = [
            (i, [(k, b) for k, b in enumerate(coefs) if b != 0.0])
            for i, coefs in enumerate(self.coefs)
            if any(b != 0.0 for b in coefs)
        ]
        # One shifted edge (the usual row: "unhappy customers call", "loyal ones use the
        # app"): next() takes a shorter path with the same float operations. ``one`` is the
        # edge and its (feature, weight) terms; ``before`` the cumulative weights of the edges
        # ahead of it, as next()'s running sum adds them (they do not depend on the customer)
        self.one: tuple[int, tuple[tuple[Callable[..., float], float], ...]] | None = None
        self.before: list[float] = []
        if len(self.shifted) == 1:
            i, terms = self.shifted[0]
            self.one = (i, tuple((self.features[k], b) for k, b in terms))
            acc = 0.0
            for v in self.base[:i]:
                acc += v
                self.before.append(acc)

    def weighs(self, feature: str) -> bool:
        """Whether some edge of the row has a non-zero weight on ``feature``."""
        return feature in self.used

    def probabilities(self, customer: Any, now: float) -> list[float]:
        """The row's probabilities for ``customer`` at ``now`` (they sum to 1)."""
        met = self.met
        exponents = self._exponents([f(customer, now, met) for f in self.features])
        top = max(exponents)
        if top > EXPONENT_LIMIT or min(exponents) < -EXPONENT_LIMIT:
            w = self._stable(exponents)
        else:
            w = [p * math.exp(e) for p, e in zip(self.base, exponents, strict=True)]
        total = sum(w)
        return [v / total for v in w]

    def _exponents(self, x: list[float]) -> list[float]:
        """Each edge's exponent, sum of weight x feature, for the features ``x``."""
        return [sum(b * v for b, v in zip(coefs, x, strict=True)) for coefs in self.coefs]

    def _stable(self, exponents: list[float]) -> list[float]:
        """The row's weights divided by exp(largest exponent): no overflow, no all-zero row.

        For customers whose features take extreme values (decades of tenure, dozens of
        complaints with a weight of 20): ``p_j exp(e_j - max e)`` has the same shares.
        """
        top = max(exponents)
        return [p * math.exp(e - top) for p, e in zip(self.base, exponents, strict=True)]

    def _next_stable(self, customer: Any, now: float, u: float) -> Any:
        """:meth:`next` for a row with an extreme exponent (see :meth:`_stable`)."""
        met = self.met
        w = self._stable(self._exponents([f(customer, now, met) for f in self.features]))
        threshold = u * sum(w)
        acc = 0.0
        for i, v in enumerate(w):
            acc += v
            if threshold < acc:
                return self.targets[i]
        return self.targets[-1]

    def next(self, customer: Any, now: float, u: float) -> Any:
        """The target whose share of the shifted row holds ``u`` (as :meth:`probabilities`)."""
        met = self.met
        one = self.one
        if one is not None:
            # the general path below for one shifted edge: the same exponent (its terms in
            # the same order), the same weights and sum; the running sum of the edges ahead of
            # it is ``before`` (bisect finds the first one above the threshold, as the loop)
            i, terms = one
            exponent = 0.0
            for f, b in terms:
                exponent += b * f(customer, now, met)
            if not -EXPONENT_LIMIT <= exponent <= EXPONENT_LIMIT:
                return self._next_stable(customer, now, u)
            w = self.base.copy()
            w[i] *= math.exp(exponent)
            threshold = u * sum(w)
            before = self.before
            j = bisect_right(before, threshold)
            if j < i:
                return self.targets[j]
            acc = before[-1] if i else 0.0
            n = len(w)
            while j < n:
                acc += w[j]
                if threshold < acc:
                    return self.targets[j]
                j += 1
            return self.targets[-1]
        x = []
        for f in self.features:  # a loop, not a comprehension: one call less per visit
            x.append(f(customer, now, met))
        w = self.base.copy()
        for i, terms in self.shifted:
            exponent = 0.0
            for k, b in terms:
                exponent += b * x[k]
            if not -EXPONENT_LIMIT <= exponent <= EXPONENT_LIMIT:
                return self._next_stable(customer, now, u)
            w[i] *= math.exp(exponent)
        threshold = u * sum(w)
        acc = 0.0
        i = 0
        for v in w:
            acc += v
            if threshold < acc:
                return self.targets[i]
            i += 1
        return self.targets[-1]


class SegmentRouting(RoutingRule):
    """One rule per segment at a node: dispatches on the customer's segment."""

    __slots__ = ("rules",)

    def __init__(self, rules: dict[str, RoutingRule]) -> None:
        self.rules = rules

    def next(self, customer: Any, now: float, u: float) -> Any:
        """The segment's rule decides."""
        return self.rules[customer.segment].next(customer, now, u)


def compile_routing(
    row: dict[str, float],
    weights: dict[str, StateWeights] | None,
    resolve: Callable[[str], Any],
    satisfaction_when_met: float,
) -> RoutingRule:
    """The fastest rule for a row: static unless some edge has a non-zero state weight."""
    if weights:
        rule = StateRouting(row, weights, resolve, satisfaction_when_met)
        if rule.features:
            return rule
    return StaticRouting(row, resolve)
