"""The references of assignment 03 against independent formulas (math module, identities)."""
import math

import numpy as np
import pytest

from autograder.reference import a03 as ref


def _sigma(t):
    # math.exp is exact enough here; branch to avoid OverflowError
    return 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))


def test_sigmoid_matches_math_and_identities():
    z = np.linspace(-40, 40, 801)
    s = ref.sigmoid(z)
    assert np.allclose(s, [_sigma(t) for t in z], rtol=1e-15, atol=0)
    assert ref.sigmoid(0.0) == 0.5
    assert np.allclose(1 - s, ref.sigmoid(-z), rtol=0, atol=2.3e-16)  # 1 - s rounds
    assert np.all(np.diff(s) >= 0)


def test_stable_under_errstate_and_shapes():
    with np.errstate(over="raise", invalid="raise"):
        big = np.array([-1000.0, -710.0, 0.0, 710.0, 1000.0])
        assert np.allclose(ref.sigmoid(big), [0, 0, 0.5, 1, 1])
        assert np.allclose(ref.log_sigmoid(big), [-1000, -710, -math.log(2), 0, 0], rtol=1e-15)
        assert np.allclose(ref.sigmoid_derivative(big), [0, 0, 0.25, 0, 0])
        assert np.allclose(ref.predict_proba(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([1000.0, 1.0])), [1, 0])
    for shape in ((), (5,), (2, 3), (4, 1, 2)):
        z = np.zeros(shape)
        for fn in (ref.sigmoid, ref.sigmoid_derivative, ref.log_sigmoid):
            assert np.shape(fn(z)) == shape


def test_log_sigmoid_matches_math():
    for t in np.linspace(-30, 30, 121):
        assert ref.log_sigmoid(t) == pytest.approx(-math.log1p(math.exp(-t)), rel=1e-14, abs=1e-300)
    assert ref.log_sigmoid(-1000.0) == pytest.approx(-1000.0, rel=1e-15)


def test_derivative_matches_formula_and_central_differences():
    z = np.linspace(-12, 12, 97)
    # sigma (1 - sigma) = sigma(z) sigma(-z): no cancellation in this form
    exact = np.array([_sigma(t) * _sigma(-t) for t in z])
    assert np.allclose(ref.sigmoid_derivative(z), exact, rtol=1e-13, atol=0)
    h = 1e-5
    cd = (ref.sigmoid(z + h) - ref.sigmoid(z - h)) / (2 * h)
    assert np.allclose(ref.sigmoid_derivative(z), cd, atol=1e-9)


def test_predict_proba_and_predict():
    rng = np.random.default_rng(0)
    X, w = rng.normal(size=(40, 3)), rng.normal(size=3)
    scores = [math.fsum(a * b for a, b in zip(x, w)) for x in X]
    assert np.allclose(ref.predict_proba(X, w), [_sigma(t) for t in scores], atol=1e-15)
    labels = ref.predict(X, w)
    assert labels.dtype.kind == "i"
    assert labels.tolist() == [int(_sigma(t) >= 0.5) for t in scores]
    assert ref.predict(np.array([[1.0, 1.0]]), np.array([1.0, -1.0])).tolist() == [1]
