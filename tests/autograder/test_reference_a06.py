"""The references of assignment 06 against independent formulas and properties."""
import math

import numpy as np
import pytest

from autograder.reference import a06 as ref


def _naive_penalized(w, X, y, lam):
    """The two-term Bernoulli form with math.fsum, plus the penalty written out by index."""
    terms = []
    for x, label in zip(X, y):
        p = 1.0 / (1.0 + math.exp(-float(np.dot(x, w))))
        terms.append(-(label * math.log(p) + (1 - label) * math.log(1.0 - p)))
    return math.fsum(terms) + lam / 2 * math.fsum(float(w[j]) ** 2 for j in range(len(w) - 1))


def _data(seed, n=25, d=4):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=(n, d - 1)), np.ones(n)])
    return X, rng.integers(0, 2, n), rng.normal(size=d), rng.uniform(0.1, 5.0)


@pytest.mark.parametrize("seed", range(4))
def test_penalized_nll_matches_the_two_term_form(seed):
    X, y, w, lam = _data(seed)
    assert ref.l2_logistic_nll(w, X, y, lam) == pytest.approx(_naive_penalized(w, X, y, lam), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_gradient_matches_central_differences(seed):
    X, y, w, lam = _data(seed)
    h = 1e-6
    numeric = [(_naive_penalized(w + h * e, X, y, lam) - _naive_penalized(w - h * e, X, y, lam)) / (2 * h)
               for e in np.eye(len(w))]
    assert np.allclose(ref.l2_logistic_nll_grad(w, X, y, lam), numeric, rtol=1e-6, atol=1e-6)


def test_the_bias_is_not_penalized():
    X, y, w, lam = _data(9)
    moved = w.copy()
    moved[-1] += 3.0
    no_penalty = ref.l2_logistic_nll(moved, X, y, 0.0) - ref.l2_logistic_nll(w, X, y, 0.0)
    assert ref.l2_logistic_nll(moved, X, y, lam) - ref.l2_logistic_nll(w, X, y, lam) == pytest.approx(no_penalty)


@pytest.mark.parametrize("lam", [0.01, 1.0, 100.0])
def test_fit_is_optimal_and_finite_on_separable_data(lam):
    X = np.column_stack([np.linspace(-2, 2, 20), np.ones(20)])
    y = (X[:, 0] > 0.1).astype(int)
    w = ref.fit_logistic_regression(X, y, lam)
    assert np.all(np.isfinite(w))
    assert np.linalg.norm(ref.l2_logistic_nll_grad(w, X, y, lam)) <= 1e-6 * len(y)
    # a minimizer: every small move raises the loss
    for e in np.eye(2) * 1e-3:
        assert ref.l2_logistic_nll(w + e, X, y, lam) > ref.l2_logistic_nll(w, X, y, lam)
        assert ref.l2_logistic_nll(w - e, X, y, lam) > ref.l2_logistic_nll(w, X, y, lam)


def test_split_properties():
    train, test = ref.split_indices(101, 0.3, 5)
    assert len(test) == 30 and not set(train) & set(test)
    assert sorted(np.r_[train, test].tolist()) == list(range(101))
    assert np.array_equal(ref.split_indices(101, 0.3, 5)[1], test)
    assert not np.array_equal(ref.split_indices(101, 0.3, 6)[1], test)


def test_confusion_matrix_and_precision_recall_by_counting():
    y_true = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    y_pred = np.array([1, 0, 0, 1, 0, 0, 0, 1])
    # by hand: TN = 3, FP = 1, FN = 2, TP = 2
    assert ref.confusion_matrix(y_true, y_pred, 2).tolist() == [[3, 1], [2, 2]]
    assert ref.precision_recall(y_true, y_pred) == pytest.approx((2 / 3, 2 / 4))
    assert ref.precision_recall(y_true, np.zeros(8, int)) == (0.0, 0.0)
    assert ref.confusion_matrix(np.array([2]), np.array([0]), 3).tolist() == [[0, 0, 0], [0, 0, 0], [1, 0, 0]]
