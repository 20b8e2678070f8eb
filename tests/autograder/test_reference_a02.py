"""The references of assignment 02 against independent, plain-Python formulas."""
import math

import numpy as np
import pytest

from autograder.reference import a02 as ref


def _log_p(y, q):
    if (y == 1 and q == 1) or (y == 0 and q == 0):
        return 0.0
    if (y == 1 and q == 0) or (y == 0 and q == 1):
        return -math.inf
    return math.log(q) if y == 1 else math.log(1 - q)


def test_pmf_and_log_pmf_match_the_definitions():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    q = np.concatenate([rng.uniform(0, 1, 196), [0.0, 1.0, 0.0, 1.0]])
    y[-4:] = [0, 1, 1, 0]
    pmf = ref.bernoulli_pmf(y, q)
    log_pmf = ref.bernoulli_log_pmf(y, q)
    for yi, qi, p, lp in zip(y, q, pmf, log_pmf):
        assert p == qi ** yi * (1 - qi) ** (1 - yi)
        expected = _log_p(int(yi), float(qi))
        assert (lp == expected) if math.isinf(expected) or expected == 0 else lp == pytest.approx(expected, rel=1e-15)
    assert not np.isnan(log_pmf).any()


def test_log_pmf_edges_are_exact():
    out = ref.bernoulli_log_pmf(np.array([1, 0, 1, 0]), np.array([1.0, 0.0, 0.0, 1.0]))
    assert out[0] == 0.0 and out[1] == 0.0 and np.isneginf(out[2]) and np.isneginf(out[3])


def test_broadcasting_shapes():
    assert ref.bernoulli_pmf(np.zeros(6, int), np.full((3, 1), 0.2)).shape == (3, 6)
    assert ref.bernoulli_log_pmf(1, np.array([0.1, 0.2])).shape == (2,)
    assert np.shape(ref.bernoulli_pmf(1, 0.3)) == ()


def test_nll_is_the_fsum_of_log_probabilities():
    rng = np.random.default_rng(1)
    for n in (1, 10, 500):
        y = rng.integers(0, 2, n)
        q = float(rng.uniform(0.01, 0.99))
        expected = -math.fsum(_log_p(int(v), q) for v in y)
        assert ref.bernoulli_nll(q, y) == pytest.approx(expected, rel=1e-13)
    assert ref.bernoulli_nll(1.0, np.ones(3, int)) == 0.0
    assert ref.bernoulli_nll(0.0, np.zeros(3, int)) == 0.0
    assert ref.bernoulli_nll(0.0, np.array([0, 1])) == math.inf


def test_mle_minimizes_the_nll():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 97)
    q_star = ref.bernoulli_mle(y)
    assert q_star == pytest.approx(sum(int(v) for v in y) / 97, rel=1e-15)
    grid = np.linspace(0.001, 0.999, 999)
    best = grid[np.argmin([ref.bernoulli_nll(q, y) for q in grid])]
    assert abs(best - q_star) <= 0.001
    # the derivative -k/q + (N-k)/(1-q) vanishes there
    k = int(y.sum())
    assert -k / q_star + (97 - k) / (1 - q_star) == pytest.approx(0.0, abs=1e-9)
