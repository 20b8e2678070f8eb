"""Hidden checks of assignment 01: binary classification."""
from __future__ import annotations

import numpy as np

from ..reference import a01 as ref
from .core import Call, Check, against, as_numeric, register


def _shape(a) -> str:
    return "x".join(str(s) for s in np.shape(a))


# --- make_labels -------------------------------------------------------------
def _labels_random(rng):
    """Random mpg values that always include one car exactly at the target.

    Whether a car lands exactly on the target must not be left to chance:
    an implementation either handles the boundary or not, on every grading.
    """
    def cars(n, target):
        mpg = np.round(rng.uniform(8.0, 47.0, n), 1)
        mpg[rng.integers(n)] = target
        return mpg

    calls = []
    for n in (1, 7, 50):
        calls.append(Call((cars(n, 30.0),), about=f"{n} random mpg values, default target"))
    for target in (25.0, 17.5):
        calls.append(Call((cars(30, target),), {"target": target},
                          about=f"30 random mpg values with target={target}"))
    calls.append(Call((cars(12, 21.0), 21.0), about="12 random mpg values with the target passed by position"))
    calls.append(Call((np.array([18.0, 31.5, 29.9, 44.0, 22.0]), 22.0), fixed=True,
                      about="mpg [18, 31.5, 29.9, 44, 22] with target=22 passed by position"))
    return calls


def _labels_boundary(rng):
    mpg = np.array([29.9, 30.0, 30.0000001, 12.0, 30.0])
    return [
        Call((mpg,), fixed=True, about="mpg values exactly at the target of 30 (which meet the target)"),
        Call((np.array([25.0, 24.99, 40.0]),), {"target": 25.0}, fixed=True, about="mpg exactly at target=25.0"),
        Call((np.array([], dtype=float),), fixed=True, about="an empty array of mpg values"),
    ]


register(Check("make_labels.random", "make_labels", _labels_random,
               against(ref.make_labels, "labels", input_name="mpg"),
               "labels of random cars, with the default and other targets"))
register(Check("make_labels.boundary", "make_labels", _labels_boundary,
               against(ref.make_labels, "labels", input_name="mpg"),
               "a car exactly at the target meets it (label 1)"))


# --- standardize -------------------------------------------------------------
def _standardize_random(rng):
    calls = []
    for n, d in ((20, 1), (50, 2), (9, 4)):
        scale = rng.uniform(0.5, 2000.0, d)
        shift = rng.uniform(-3000.0, 3000.0, d)
        X = rng.normal(size=(n, d)) * scale + shift
        calls.append(Call((X,), about=f"X of shape ({n}, {d}) whose columns have very different scales"))
    # ddof=1 differs from ddof=0 by sqrt(N / (N - 1)): largest for few rows.
    calls.append(Call((np.array([[1.0, 3000.0], [2.0, 1000.0], [4.0, 2000.0]]),), fixed=True,
                      about="X = [[1, 3000], [2, 1000], [4, 2000]] (columns of very different scales)"))
    calls.append(Call((np.array([[5.0], [-1.0], [2.0], [2.0]]),), fixed=True,
                      about="a single column X = [[5], [-1], [2], [2]]"))
    return calls


def _standardize_properties(rng):
    X = np.column_stack([rng.uniform(1600, 5200, 40), rng.uniform(60, 460, 40)])
    few = np.array([[3504.0, 307.0], [3693.0, 350.0], [2130.0, 97.0]])
    return [Call((X,), about="car weights and displacements, shape (40, 2)"),
            Call((few,), fixed=True, about="the weights and displacements of three cars, shape (3, 2)")]


def _judge_standardized(call, returned):
    X = call.args[0]
    got, message = as_numeric(returned, X)
    if message:
        return message
    mean, std = got.mean(axis=0), got.std(axis=0)
    if not np.allclose(mean, 0.0, atol=1e-9):
        return f"each column of the result must have mean 0; yours have means {np.round(mean, 6).tolist()}"
    if not np.allclose(std, 1.0, atol=1e-9):
        return (f"each column of the result must have (population, ddof=0) standard deviation 1; "
                f"yours have {np.round(std, 6).tolist()}")
    return against(ref.standardize, "loss")(call, returned)


register(Check("standardize.random", "standardize", _standardize_random,
               against(ref.standardize, "loss", input_name="x"),
               "standardizing random data column by column"))
register(Check("standardize.properties", "standardize", _standardize_properties,
               _judge_standardized, "every column ends with mean 0 and standard deviation 1"))


# --- add_bias ----------------------------------------------------------------
def _bias_random(rng):
    calls = []
    for n, d in ((1, 1), (6, 2), (25, 4)):
        calls.append(Call((rng.normal(size=(n, d)) * 10,), about=f"X of shape ({n}, {d})"))
    calls.append(Call((np.array([[2.0, 3.0, -1.0], [4.0, 5.0, 0.5]]),), fixed=True,
                      about="X = [[2, 3, -1], [4, 5, 0.5]]"))
    calls.append(Call((np.array([[7.0]]),), fixed=True, about="a single row and column X = [[7]]"))
    return calls


register(Check("add_bias.random", "add_bias", _bias_random,
               against(ref.add_bias, "exact", input_index=None),
               "a column of ones appended as the last column"))


# --- linear_classify ---------------------------------------------------------
def _classify_random(rng):
    calls = []
    for n, d in ((10, 2), (40, 3), (5, 5)):
        X = rng.normal(size=(n, d))
        w = rng.normal(size=d)
        calls.append(Call((X, w), about=f"random X of shape ({n}, {d}) and w of shape ({d},)"))
    calls.append(Call((np.array([[1.0, 2.0, 1.0], [3.0, -1.0, 1.0], [-2.0, 0.5, 1.0]]),
                       np.array([0.5, -1.0, 0.25])), fixed=True,
                      about="X = [[1, 2, 1], [3, -1, 1], [-2, 0.5, 1]], w = [0.5, -1, 0.25]"))
    return calls


def _classify_boundary(rng):
    # Integer-valued data, so that X @ w is exactly 0 for some rows.
    w = np.array([2.0, -1.0, 1.0])
    X = np.array([[1.0, 2.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 0.0], [2.0, 1.0, -3.0], [0.0, 1.0, 1.0]])
    return [Call((X, w), fixed=True, about="rows whose score x.w is exactly 0 (class 1 by the rule x.w >= 0)")]


register(Check("linear_classify.random", "linear_classify", _classify_random,
               against(ref.linear_classify, "labels", input_index=None),
               "labels of random points"))
register(Check("linear_classify.boundary", "linear_classify", _classify_boundary,
               against(ref.linear_classify, "labels", input_index=None),
               "a point exactly on the boundary (score 0) is class 1"))


# --- accuracy ----------------------------------------------------------------
def _accuracy_random(rng):
    calls = []
    for n in (4, 33, 200):
        y_true = rng.integers(0, 2, n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
        calls.append(Call((y_pred, y_true), about=f"{n} random predictions and labels"))
    calls.append(Call((np.array([1, 0, 1, 1, 0, 0, 1]), np.array([1, 1, 1, 0, 0, 1, 1])), fixed=True,
                      about="y_pred=[1, 0, 1, 1, 0, 0, 1], y_true=[1, 1, 1, 0, 0, 1, 1]"))
    return calls


def _accuracy_edges(rng):
    y = np.array([1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0])
    return [
        Call((y.copy(), y.copy()), fixed=True, about="predictions that are all correct"),
        Call((1 - y, y.copy()), fixed=True, about="predictions that are all wrong"),
        Call((np.array([1]), np.array([1])), fixed=True, about="a single correct prediction"),
        Call((np.array([0, 0, 1]), np.array([1, 0, 1])), fixed=True, about="y_pred=[0, 0, 1], y_true=[1, 0, 1]"),
    ]


register(Check("accuracy.random", "accuracy", _accuracy_random,
               against(ref.accuracy, "exact", input_index=None),
               "the fraction of correct predictions"))
register(Check("accuracy.edges", "accuracy", _accuracy_edges,
               against(ref.accuracy, "exact", input_index=None),
               "all correct gives 1.0, all wrong gives 0.0"))
