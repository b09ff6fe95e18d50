"""BG/NBD and MBG/NBD repeat-purchase models: likelihood and expected purchases.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", *Marketing Science*
24(2)): while alive, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``
(shape r, rate alpha, in purchases per time unit); after each *repeat* purchase they drop out
with probability ``p ~ Beta(a, b)``. For a customer with ``x`` repeat purchases, the last at
``t_x``, observed for ``T`` since their first purchase:

    L = B(a, b + x) / B(a, b) * G                                (alive at T)
      + [x > 0] B(a + 1, b + x - 1) / B(a, b) * G_x              (dropped after the last)
    G = Gamma(r + x) alpha^r / (Gamma(r) (alpha + T)^(r + x)),  G_x likewise with t_x.

MBG/NBD (Batislam, Denizel & Filiztekin 2007, *Int. J. Research in Marketing* 24(3)) lets a
customer also drop out right after the first purchase:

    L = B(a, b + x + 1) / B(a, b) * G + B(a + 1, b + x) / B(a, b) * G_x.

The engine decides churn after every journey, the first (acquisition) journey included, so with
every journey a purchase and ``psychology.churn_effects = false`` it is MBG/NBD; both are fitted
and reported (docs/calibration.md).

Expected repeat purchases in ``(0, t]`` for a new customer (FHL 2005 eq. 7; Batislam et al.):

    BG/NBD:  E[X(t)] = (a + b - 1)/(a - 1) [1 - (alpha/(alpha + t))^r 2F1(r, b; a + b - 1; z)]
    MBG/NBD: E[X(t)] = b/(a - 1) [1 - (alpha/(alpha + t))^r 2F1(r, b + 1; a + b; z)]

with ``z = t / (alpha + t)``. The MBG/NBD form follows from the BG/NBD one: given p, an MBG
customer buys (1 - p) times what a BG customer does, and (1 - p) Beta(a, b) is B(a, b + 1)/B(a, b)
times the Beta(a, b + 1) density. (Formulas are checked against quadrature in the tests.)
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["MODELS", "expected_repeats", "negloglik"]

MODELS = ("bgnbd", "mbgnbd")
Model = Literal["bgnbd", "mbgnbd"]


def negloglik(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, model: Model = "bgnbd"
) -> float:
    """Negative log-likelihood of ``(r, alpha, a, b)`` for RFM data ``(x, t_x, T)``."""
    from scipy.special import betaln, gammaln, logsumexp

    r, alpha, a, b = params
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = common - (r + x) * np.log(alpha + T)
    gone = common - (r + x) * np.log(alpha + t_x)
    base = betaln(a, b)
    if model == "bgnbd":
        first = betaln(a, b + x) - base + alive
        with np.errstate(invalid="ignore", divide="ignore"):
            second = np.where(x > 0, betaln(a + 1, b + np.maximum(x, 1) - 1) - base + gone, -np.inf)
    else:
        first = betaln(a, b + x + 1) - base + alive
        second = betaln(a + 1, b + x) - base + gone
    ll = logsumexp(np.vstack([first, second]), axis=0)
    return float(-np.sum(ll))


def expected_repeats(
    t: np.ndarray | float, r: float, alpha: float, a: float, b: float, model: Model = "bgnbd"
) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in ``(0, t]`` after the first purchase."""
    from scipy.special import hyp2f1

    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    if abs(a - 1.0) < 1e-6:  # the closed form is 0/0 at a = 1: integrate numerically
        return _expected_numeric(t, r, alpha, a, b, model)
    decay = (alpha / (alpha + t)) ** r
    if model == "bgnbd":
        return (a + b - 1) / (a - 1) * (1 - decay * hyp2f1(r, b, a + b - 1, z))
    return b / (a - 1) * (1 - decay * hyp2f1(r, b + 1, a + b, z))


def _expected_numeric(
    t: np.ndarray, r: float, alpha: float, a: float, b: float, model: Model
) -> np.ndarray:
    """E[X(t)] by quadrature over p (any a > 0).

    Given p, a buyer alive from time 0 makes (1 - exp(-lambda p t)) / p repeat purchases in
    expectation; over lambda ~ Gamma(r, alpha) that is (1 - (alpha / (alpha + p t))^r) / p.
    An MBG/NBD buyer is alive at 0 only with probability 1 - p.
    """
    from scipy import integrate, stats

    beta = stats.beta(a, b)

    def given(p: float, tt: float) -> float:
        value = r * tt / alpha if p <= 0 else (1 - (alpha / (alpha + p * tt)) ** r) / p
        return value * (1 - p) if model == "mbgnbd" else value

    out = [
        integrate.quad(lambda p, tt=tt: given(p, tt) * beta.pdf(p), 0, 1, limit=200)[0]
        for tt in np.atleast_1d(t)
    ]
    return np.asarray(out).reshape(np.shape(t))
