"""Hidden checks of assignment 03: the sigmoid and the logistic regression model."""
from __future__ import annotations

import numpy as np

from ..reference import a03 as ref
from .core import uses, Call, Check, GRAD_RTOL, against, as_numeric, register

#: Inputs of the stability checks: large enough that exp(|z|) overflows.
HUGE = np.array([-1000.0, -800.0, -710.0, -50.0, 0.0, 50.0, 710.0, 800.0, 1000.0])


def _shapes_calls(rng, low=-8.0, high=8.0):
    return [
        Call((float(rng.uniform(low, high)),), about="a single Python float z"),
        Call((np.asarray(rng.uniform(low, high)),), about="a 0-d numpy array z"),
        Call((rng.uniform(low, high, 7),), about="z of shape (7,)"),
        Call((rng.uniform(low, high, (2, 3)),), about="z of shape (2, 3)"),
        Call((rng.uniform(low, high, (4, 1, 2)),), about="z of shape (4, 1, 2)"),
        Call((0.5,), fixed=True, about="the single Python float z = 0.5"),
        Call((np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 7.0]]),), fixed=True,
             about="z = [[-2, 0, 3], [1.5, -0.5, 7]] of shape (2, 3)"),
        Call((np.array([[[1.0, -1.0]], [[2.0, -2.0]]]),), fixed=True, about="z of shape (2, 1, 2)"),
    ]


def _random_calls(rng):
    calls = []
    for n, scale in ((5, 1.0), (30, 4.0), (100, 15.0)):
        z = rng.normal(size=n) * scale
        calls.append(Call((z,), about=f"{n} random values z of typical size {scale:g}"))
    calls.append(Call((np.array([0.0, -1.0, 1.0, -2.5, 2.5]),), fixed=True, about="z = [0, -1, 1, -2.5, 2.5]"))
    # Beyond |z| = 10, where an input clipped "for safety" starts to change the values.
    calls.append(Call((np.array([-30.0, -15.0, 12.0, 25.0]),), fixed=True, about="z = [-30, -15, 12, 25]"))
    return calls


def _stable_calls(rng):
    return [
        Call((HUGE,), errstate=True, fixed=True,
             about="z with values as large as |z| = 1000 (under np.errstate(over='raise'))"),
        Call((-1000.0,), errstate=True, fixed=True,
             about="z = -1000 (a single float, under np.errstate(over='raise'))"),
        Call((1000.0,), errstate=True, fixed=True,
             about="z = 1000 (a single float, under np.errstate(over='raise'))"),
    ]


# --- sigmoid ----------------------------------------------------------------------
register(Check("sigmoid.random", "sigmoid", _random_calls,
               against(ref.sigmoid, "prob", input_name="z"), "sigma(z) for random z"))
register(Check("sigmoid.shapes", "sigmoid", _shapes_calls,
               against(ref.sigmoid, "prob", input_name="z"),
               "a scalar gives a scalar, an array of any shape the same shape"))
register(Check("sigmoid.stable", "sigmoid", _stable_calls,
               against(ref.sigmoid, "prob", input_name="z"),
               "no overflow and the right values for |z| up to 1000"))


# --- sigmoid_derivative -------------------------------------------------------------
def _derivative_random(rng):
    calls = _random_calls(rng)
    calls.append(Call((rng.uniform(-6, 6, (2, 3)),), about="z of shape (2, 3)"))
    calls.append(Call((float(rng.uniform(-3, 3)),), about="a single Python float z"))
    return calls


def _judge_central_differences(call, returned):
    """The student's derivative against the slope of the reference sigmoid."""
    z = np.asarray(call.args[0], dtype=float)
    got, message = as_numeric(returned, z, scalar=(z.shape == ()))
    if message:
        return message
    h = 1e-5
    slope = (ref.sigmoid(z + h) - ref.sigmoid(z - h)) / (2 * h)
    err = np.abs(got.astype(float) - slope)
    err = np.where(np.isnan(err), np.inf, err)
    if np.all(err <= 1e-8):
        return None
    i = np.unravel_index(int(np.argmax(err)), np.shape(err)) if np.ndim(err) else ()
    return (f"does not match the slope of sigmoid measured by central differences "
            f"(sigmoid(z + h) - sigmoid(z - h)) / 2h: at z = {float(z[i]):.4g} yours is "
            f"{float(got[i]):.8g}, the measured slope {float(slope[i]):.8g}. "
            "The derivative is sigma(z) * (1 - sigma(z))")


def _derivative_differences(rng):
    return [Call((np.sort(rng.uniform(-10, 10, 25)),), about="25 random z in [-10, 10]"),
            Call((np.array([0.0, 0.5, -0.5, 3.0, -3.0]),), fixed=True, about="z = [0, 0.5, -0.5, 3, -3]")]


register(Check("sigmoid_derivative.random", "sigmoid_derivative", _derivative_random,
               against(ref.sigmoid_derivative, "grad", input_name="z"),
               "sigma'(z) = sigma(z)(1 - sigma(z)) for random z"))
register(Check("sigmoid_derivative.central_differences", "sigmoid_derivative",
               _derivative_differences, _judge_central_differences,
               "the derivative agrees with central differences of sigmoid"))
register(Check("sigmoid_derivative.stable", "sigmoid_derivative", _stable_calls,
               against(ref.sigmoid_derivative, "prob", input_name="z"),
               "no overflow and the right values for |z| up to 1000"))


# --- log_sigmoid --------------------------------------------------------------------
def _judge_log_sigmoid(call, returned):
    expected = np.asarray(ref.log_sigmoid(*call.args))
    got, message = as_numeric(returned, expected, scalar=(expected.shape == ()))
    if message:
        return message
    z = np.asarray(call.args[0], dtype=float)
    bad = np.isneginf(got) & np.isfinite(expected)
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), bad.shape) if bad.ndim else ()
        return (f"returned -inf at z = {float(z[i]):g} ({call.about}), where log sigma(z) is about "
                f"{float(expected[i]):.6g}. Taking np.log of sigmoid(z) fails there because sigmoid(z) "
                "rounds to 0; use log sigma(z) = -log(1 + e^(-z)) = min(z, 0) - log(1 + e^(-|z|))")
    return against(ref.log_sigmoid, "loss", input_name="z")(call, returned)


register(Check("log_sigmoid.random", "log_sigmoid", _random_calls, _judge_log_sigmoid,
               "log sigma(z) for random z"))
register(Check("log_sigmoid.shapes", "log_sigmoid", _shapes_calls, _judge_log_sigmoid,
               "a scalar gives a scalar, an array of any shape the same shape"))
register(Check("log_sigmoid.stable", "log_sigmoid", _stable_calls, _judge_log_sigmoid,
               "no overflow and the right values for |z| up to 1000 (log_sigmoid(-1000) is about -1000)"))


# --- predict_proba ---------------------------------------------------------------------
def _proba_random(rng):
    """Random data in which one row always has a score between 12 and 30 in size.

    Moderate scores alone would let a sigmoid that clips its input at +-10
    pass on some draws and fail on others: the grade must not be luck.
    """
    calls = []
    for n, d in ((1, 1), (10, 2), (40, 5)):
        X = np.column_stack([rng.normal(size=(n, d - 1)), np.ones(n)]) if d > 1 else rng.normal(size=(n, d))
        w = rng.normal(size=d) * 2
        score = rng.uniform(12.0, 30.0) * rng.choice([-1.0, 1.0])
        X[rng.integers(n)] = w * (score / (w @ w))  # this row's score x.w is `score`
        calls.append(Call((X, w), about=f"X of shape ({n}, {d}) and w of shape ({d},)"))
    calls.append(Call((np.array([[1.0, 1.0], [-2.0, 1.0], [12.0, 1.0], [-20.0, 1.0]]), np.array([1.5, 0.5])),
                      fixed=True, about="X = [[1, 1], [-2, 1], [12, 1], [-20, 1]], w = [1.5, 0.5] (scores up to 29.5)"))
    return calls


def _proba_stable(rng):
    X = np.column_stack([np.linspace(-1.0, 1.0, 9)[[4, 0, 8, 2, 6, 1, 7, 3, 5]], np.ones(9)])
    w = np.array([1000.0, 0.0])
    return [Call((X, w), errstate=True, fixed=True,
                 about="scores X @ w as large as |X @ w| = 1000 (under np.errstate(over='raise'))")]


register(Check("predict_proba.random", "predict_proba", _proba_random,
               against(ref.predict_proba, "prob", input_index=None),
               "p(y=1 | x_i, w) = sigma(x_i . w), shape (N,)"))
register(Check("predict_proba.stable", "predict_proba", _proba_stable,
               against(ref.predict_proba, "prob", input_index=None),
               "no overflow for scores as large as 1000"))


# --- predict ---------------------------------------------------------------------------
def _predict_random(rng):
    calls = []
    for n, d in ((6, 2), (50, 3), (20, 5)):
        X, w = rng.normal(size=(n, d)), rng.normal(size=d)
        calls.append(Call((X, w), about=f"random X of shape ({n}, {d}) and w of shape ({d},)"))
    X = np.column_stack([np.linspace(-1.25, 1.25, 12), np.ones(12)])
    calls.append(Call((X, np.array([800.0, -1.0])), fixed=True, about="scores as large as |x.w| = 1000"))
    return calls


def _predict_boundary(rng):
    w = np.array([1.0, -2.0, 0.5])
    X = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 2.0], [1.0, 1.0, 1.0], [4.0, 1.0, -3.0]])
    return [Call((X, w), fixed=True, about="rows whose score x.w is exactly 0, so p = 0.5 (class 1)")]


register(Check("predict.random", "predict", _predict_random,
               against(ref.predict, "labels", input_index=None),
               "the most likely label 1 where p(y=1 | x, w) >= 0.5"))
register(Check("predict.boundary", "predict", _predict_boundary,
               against(ref.predict, "labels", input_index=None),
               "p = 0.5 exactly (score 0) is class 1"))


# Solutions often build on the functions before them (README.md: the wrong one pays).
uses("sigmoid_derivative", "sigmoid")
uses("predict_proba", "sigmoid")
uses("predict", "predict_proba")
