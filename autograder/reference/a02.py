"""Reference implementations of assignment 02 (Bernoulli distribution, maximum likelihood).

Written with the two outcomes kept apart (``np.where`` on the label) so that
the 0 log 0 cases never form: a probability of 1 gives a log of exactly 0 and
an impossible outcome gives -inf, with no nan anywhere.
"""
from __future__ import annotations

import numpy as np

__all__ = ["bernoulli_pmf", "bernoulli_log_pmf", "bernoulli_nll", "bernoulli_mle"]


def bernoulli_pmf(y, q):
    """p(y) = q if y == 1 else 1 - q, elementwise with broadcasting."""
    y = np.asarray(y, dtype=float)
    q = np.asarray(q, dtype=float)
    return np.where(y == 1, q, 1.0 - q)


def bernoulli_log_pmf(y, q):
    """log p(y) = log q if y == 1 else log(1 - q); log 0 = -inf, never nan."""
    y = np.asarray(y, dtype=float)
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(y == 1, np.log(q), np.log1p(-q))


def bernoulli_nll(q, y):
    """-sum_i log p(y_i) for one q: k ones and N - k zeros."""
    y = np.asarray(y, dtype=float)
    q = float(q)
    ones = float(np.sum(y == 1))
    zeros = float(y.size) - ones
    with np.errstate(divide="ignore"):
        # 0 * log 0 would be nan: leave out the outcomes that do not occur.
        total = (ones * np.log(q) if ones else 0.0) + (zeros * np.log1p(-q) if zeros else 0.0)
    return float(-total)


def bernoulli_mle(y):
    """The fraction of ones: the q that maximizes prod_i q^y_i (1-q)^(1-y_i)."""
    y = np.asarray(y, dtype=float)
    return float(np.sum(y) / y.size)
