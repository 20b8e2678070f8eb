"""The references of assignment 04 against independent formulas."""
import math

import numpy as np
import pytest

from autograder.reference import a04 as ref


def _naive_nll(w, X, y):
    """The two-term Bernoulli form with math.fsum, for moderate scores only."""
    terms = []
    for x, label in zip(X, y):
        z = float(np.dot(x, w))
        p = 1.0 / (1.0 + math.exp(-z))
        terms.append(-(label * math.log(p) + (1 - label) * math.log(1.0 - p)))
    return math.fsum(terms)


@pytest.mark.parametrize("seed", range(5))
def test_nll_matches_the_two_term_form(seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=(20, 3)), np.ones(20)])
    y = rng.integers(0, 2, 20)
    w = rng.normal(size=4)
    assert ref.logistic_nll(w, X, y) == pytest.approx(_naive_nll(w, X, y), rel=1e-12)


def test_nll_huge_margins():
    X = np.array([[1000.0], [-1000.0], [30.0]])
    y = np.array([1, 1, 0])
    with np.errstate(over="raise", invalid="raise"):
        value = ref.logistic_nll(np.array([1.0]), X, y)
        grad = ref.logistic_nll_grad(np.array([1.0]), X, y)
    # log(1 + e^-1000) ~ 0, log(1 + e^1000) = 1000 + log(1 + e^-1000), log(1 + e^30) = 30 + log1p(e^-30)
    assert value == pytest.approx(1000.0 + 30.0 + math.log1p(math.exp(-30.0)), rel=1e-15)
    # contributions: 0, -(1)(1)(-1000) ... = (sigma(z) - y) x summed
    expected = (0.0 - 0.0) + (0.0 - 1.0) * -1000.0 + (1.0 / (1.0 + math.exp(-30.0)) - 0.0) * 30.0
    assert grad[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_gradient_is_the_residual_form_and_the_slope(seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=(15, 2)), np.ones(15)])
    y = rng.integers(0, 2, 15)
    w = rng.normal(size=3)
    residual = X.T @ (1.0 / (1.0 + np.exp(-(X @ w))) - y)
    assert np.allclose(ref.logistic_nll_grad(w, X, y), residual, rtol=1e-12, atol=1e-12)
    h = 1e-6
    slope = [(_naive_nll(w + h * e, X, y) - _naive_nll(w - h * e, X, y)) / (2 * h) for e in np.eye(3)]
    assert np.allclose(ref.logistic_nll_grad(w, X, y), slope, rtol=1e-6, atol=1e-6)


def test_numerical_gradient_exact_on_cubics_and_keeps_w():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = w.copy()
    g = ref.numerical_gradient(lambda v: float(np.sum(v ** 3)), w, eps=1e-3)
    assert g.shape == w.shape
    assert np.allclose(g, 3 * w ** 2 + 1e-6, atol=1e-9)
    assert np.array_equal(w, before)


def test_gradient_descent_closed_form():
    # grad of |w - c|^2 / 2 with lr: w_k = c + (1 - lr)^k (w0 - c)
    c = np.array([1.0, -2.0, 0.5])
    w0 = np.zeros(3)
    path = ref.gradient_descent(lambda w: w - c, w0, 0.3, 6)
    assert path.shape == (7, 3)
    for k in range(7):
        assert np.allclose(path[k], c + 0.7 ** k * (w0 - c), rtol=1e-14, atol=1e-14)
    assert np.array_equal(w0, np.zeros(3))
    assert ref.gradient_descent(lambda w: w, np.ones((2, 2)), 0.1, 0).shape == (1, 2, 2)
