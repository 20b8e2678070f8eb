"""The references of assignment 05 against independent formulas."""
import math

import numpy as np
import pytest

from autograder.reference import a05 as ref


def _softmax_row(z):
    exps = [math.exp(v) for v in z]
    total = math.fsum(exps)
    return [e / total for e in exps]


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (1, 5), (6,)])
def test_softmax_and_log_softmax_match_the_definition(shape):
    Z = np.random.default_rng(len(shape) + shape[0]).normal(size=shape) * 4
    rows = np.atleast_2d(Z)
    expected = np.array([_softmax_row(r) for r in rows]).reshape(Z.shape)
    assert np.allclose(ref.softmax(Z), expected, rtol=0, atol=1e-15)
    assert np.allclose(ref.log_softmax(Z), np.log(expected), rtol=1e-13, atol=1e-13)


def test_stable_for_huge_scores():
    Z = np.array([[1000.0, 1000.0 + math.log(3.0)], [-1000.0, 0.0]])
    with np.errstate(over="raise", invalid="raise"):
        P = ref.softmax(Z)
        L = ref.log_softmax(Z)
    assert np.allclose(P, [[0.25, 0.75], [0.0, 1.0]], atol=1e-15)
    assert L[1, 0] == pytest.approx(-1000.0, rel=1e-15)
    assert L[0, 1] == pytest.approx(math.log(0.75), rel=1e-13)


def test_one_hot():
    Y = ref.one_hot(np.array([1, 0, 1]), 4)
    assert Y.dtype == float and Y.shape == (3, 4)
    assert np.array_equal(Y, np.eye(4)[[1, 0, 1]])


def _nll_loop(W, X, y):
    total = []
    for x, label in zip(X, y):
        scores = [float(np.dot(w, x)) for w in W]
        total.append(-math.log(_softmax_row(scores)[label]))
    return math.fsum(total)


@pytest.mark.parametrize("seed", range(4))
def test_nll_and_gradient(seed):
    rng = np.random.default_rng(seed)
    C, d, N = 3, 4, 12
    X = np.column_stack([rng.normal(size=(N, d - 1)), np.ones(N)])
    y = rng.integers(0, C, N)
    W = rng.normal(size=(C, d))
    assert ref.softmax_nll(W, X, y) == pytest.approx(_nll_loop(W, X, y), rel=1e-12)
    G = ref.softmax_nll_grad(W, X, y)
    assert G.shape == (C, d)
    h = 1e-6
    for c in range(C):
        for j in range(d):
            E = np.zeros_like(W)
            E[c, j] = h
            slope = (_nll_loop(W + E, X, y) - _nll_loop(W - E, X, y)) / (2 * h)
            assert G[c, j] == pytest.approx(slope, rel=1e-5, abs=1e-6)
    assert np.allclose(G.sum(axis=0), 0.0, atol=1e-12), "rows of P - Y sum to 0"


def test_two_classes_reduce_to_logistic_regression():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 3))
    W = rng.normal(size=(2, 3))
    p1 = ref.softmax(X @ W.T)[:, 1]
    assert np.allclose(p1, 1 / (1 + np.exp(-(X @ (W[1] - W[0])))), atol=1e-15)
    assert np.array_equal(ref.predict_class(X, W), (X @ (W[1] - W[0]) > 0).astype(int))
