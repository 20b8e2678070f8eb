"""The functions a student hands to the explorers and figures, for the tests.

``REFERENCE[builder]``: the reference implementations (a correct student),
in the order the builder takes them.  ``wrong(assignment, function, name)``
compiles one typical mistake from the catalogue, as a student's cell would
define it.
"""
from __future__ import annotations

import numpy as np

from autograder import reference as R
from autograder.catalogue import entries


def make_train(softmax_nll, softmax_nll_grad):
    """Assignment 05's given ``train``, closed over a student's two functions."""
    def train(W_start, X, y, lr, steps):
        W = W_start.copy()
        history = [softmax_nll(W, X, y)]
        for _ in range(steps):
            W = W - lr * softmax_nll_grad(W, X, y)
            history.append(softmax_nll(W, X, y))
        return W, np.array(history)
    return train


REFERENCE = {
    "build_classifier_explorer": (R.linear_classify, R.accuracy, R.standardize),
    "build_nll_explorer": (R.bernoulli_nll, R.bernoulli_mle, R.bernoulli_pmf),
    "build_sigmoid_explorer": (R.predict_proba, R.predict),
    "build_loss_surface_explorer": (R.logistic_nll, R.logistic_nll_grad, R.gradient_descent),
    "build_pointwise_loss_explorer": (R.logistic_nll, R.logistic_nll_grad),
    "build_iris_explorer": (make_train(R.softmax_nll, R.softmax_nll_grad), R.predict_class),
    "build_regularization_explorer": (R.split_indices, R.fit_logistic_regression, R.linear_classify),
}


def reference_args(name: str) -> tuple:
    """The reference functions for ``build_x`` or ``explore_x``."""
    if name.startswith("explore_"):
        name = "build_" + name[len("explore_"):] + "_explorer"
    return REFERENCE[name]


def wrong(assignment: str, function: str, name: str, **helpers):
    """The catalogue's wrong ``function`` called ``name`` (e.g. "missing_minus")."""
    table, _ = entries(assignment)
    code = dict(table[function])[name]
    scope = {"np": np, **helpers}
    exec(compile(code, f"<{assignment}:{function}:{name}>", "exec"), scope)
    return scope[function]
