"""Hidden checks of assignment 04: maximum likelihood for logistic regression.

logistic_nll and logistic_nll_grad are compared with the references on random
data and on huge margins (|x.w| ~ 1000, run under np.errstate so that any
overflow fails); the gradient is also compared with central differences of
the reference NLL, so a student's gradient is judged against the slope of the
loss itself.  numerical_gradient and gradient_descent take a function: they
get a ``wire.FunctionSpec`` built on both sides from hidden.TEST_FUNCTIONS.
"""
from __future__ import annotations

import numpy as np

from .. import wire
from ..reference import a04 as ref
from .core import nll_judge, GRAD_RTOL, Call, Check, against, as_numeric, build, compare, register


def _data(rng, n, d, scale=1.0):
    """Random X with a bias column (last), y in {0, 1} with both labels when n > 1."""
    X = np.column_stack([rng.normal(size=(n, d - 1)), np.ones(n)])
    y = rng.integers(0, 2, n)
    if n > 1:
        y[:2] = [0, 1]
        y = rng.permutation(y)
    w = rng.normal(size=d) * scale
    return X, y.astype(np.int64), w


def _random_calls(rng):
    calls = []
    for n, d in ((1, 2), (8, 3), (40, 5)):
        X, y, w = _data(rng, n, d)
        calls.append(Call((w, X, y), about=f"random w of shape ({d},), X of shape ({n}, {d}) and labels y"))
    X, y, w = _data(rng, 10, 3)
    calls.append(Call((w, X, np.ones(10, dtype=np.int64)), about="labels that are all 1"))
    calls.append(Call((w, X, np.zeros(10, dtype=np.int64)), about="labels that are all 0"))
    calls.append(Call((np.array([0.7, -0.3]), np.array([[2.0, 1.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 1.0]]),
                       np.array([1, 0, 1, 1], dtype=np.int64)), fixed=True,
                      about="w = [0.7, -0.3], X = [[2, 1], [0, 1], [1, 1], [-1, 1]], y = [1, 0, 1, 1]"))
    # The first component of the gradient cancels exactly (0.5 - 0.5): a gradient judged by
    # its sum or its norm alone would not notice a wrong sign in one component.
    calls.append(Call((np.zeros(2), np.array([[1.0, 1.0], [-1.0, 1.0]]), np.array([1, 1], dtype=np.int64)),
                      fixed=True, about="w = 0, X = [[1, 1], [-1, 1]], y = [1, 1] (the first component cancels)"))
    return calls


def _huge_margin_calls(rng):
    X, y, _ = _data(rng, 12, 3)
    w = rng.normal(size=3)
    w *= 1000.0 / np.max(np.abs(X @ w))  # the largest |x.w| is exactly 1000
    fixed_X = np.array([[1000.0, 1.0], [-1000.0, 1.0], [1000.0, 1.0], [-1000.0, 1.0], [0.0, 1.0]])
    fixed_y = np.array([1, 0, 0, 1, 1], dtype=np.int64)
    return [
        Call((w, X, y), errstate=True,
             about="scores x.w as large as 1000 in size, some on the right side of the boundary and "
                   "some on the wrong side"),
        Call((np.array([1.0, 0.0]), fixed_X, fixed_y), errstate=True, fixed=True,
             about="scores +-1000: two confidently right and two confidently wrong observations"),
    ]


# --- logistic_nll --------------------------------------------------------------
register(Check("logistic_nll.random", "logistic_nll", _random_calls,
               nll_judge(ref.logistic_nll),
               "the NLL (a sum over observations) of random data"))
register(Check("logistic_nll.stable", "logistic_nll", _huge_margin_calls,
               nll_judge(ref.logistic_nll),
               "the NLL is finite and accurate for scores as large as |x.w| = 1000"))


# --- logistic_nll_grad -----------------------------------------------------------
def _grad_judge(call: Call, returned: wire.Returned) -> str | None:
    expected = ref.logistic_nll_grad(*call.args)
    got, message = as_numeric(returned, expected)
    if message:
        return message + " (the gradient has the shape of w)"
    message = against(ref.logistic_nll_grad, "grad", input_index=None)(call, returned)
    if message:
        return message + _grad_hint(got, expected, call)
    return None


def _grad_hint(got, expected, call) -> str:
    n = len(call.args[2])
    if n > 1 and np.allclose(got * n, expected, rtol=1e-6, atol=1e-9):
        return ". It looks like the mean over observations; the spec's NLL is a sum"
    if np.allclose(got, -expected, rtol=1e-6, atol=1e-9):
        return ". It has the opposite sign: the gradient of the NEGATIVE log-likelihood points uphill"
    return ""


def _finite_difference_judge(call: Call, returned: wire.Returned) -> str | None:
    w, X, y = call.args
    eps = 1e-5
    expected = np.zeros_like(w)
    for j in range(w.size):
        e = np.zeros_like(w)
        e[j] = eps
        expected[j] = (ref.logistic_nll(w + e, X, y) - ref.logistic_nll(w - e, X, y)) / (2 * eps)
    got, message = as_numeric(returned, expected)
    if message:
        return message + " (the gradient has the shape of w)"
    scale = float(np.max(np.abs(expected)))
    message = compare(got, expected, atol=GRAD_RTOL * scale + 1e-7)
    if message:
        return ("is not the slope of the NLL: compared with central differences "
                "(NLL(w + eps e_j) - NLL(w - eps e_j)) / (2 eps) of the NLL, " + message
                + (f" (for {call.about})" if call.about else "")
                + ". Check each step of your derivation")
    return None


def _fd_calls(rng):
    calls = []
    for n, d in ((6, 2), (30, 4)):
        X, y, w = _data(rng, n, d)
        calls.append(Call((w, X, y), about=f"random w of shape ({d},) and X of shape ({n}, {d})"))
    calls.append(Call((np.array([0.4, -0.8, 0.2]),
                       np.array([[1.0, 2.0, 1.0], [-0.5, 1.0, 1.0], [2.0, -1.0, 1.0], [0.0, 0.5, 1.0]]),
                       np.array([1, 0, 0, 1], dtype=np.int64)), fixed=True,
                      about="w = [0.4, -0.8, 0.2] and X of shape (4, 3)"))
    return calls


register(Check("logistic_nll_grad.random", "logistic_nll_grad", _random_calls, _grad_judge,
               "the gradient of the NLL on random data, compared with the reference gradient"))
register(Check("logistic_nll_grad.finite_differences", "logistic_nll_grad", _fd_calls,
               _finite_difference_judge,
               "the gradient matches central differences of the NLL"))
register(Check("logistic_nll_grad.stable", "logistic_nll_grad", _huge_margin_calls, _grad_judge,
               "the gradient is finite and accurate for scores as large as |x.w| = 1000"))


# --- numerical_gradient ----------------------------------------------------------
def _curved_spec(rng, shape):
    size = int(np.prod(shape))
    B = rng.normal(size=(size, size))
    A = B @ B.T / size
    a = rng.uniform(0.8, 2.0, size) * rng.choice([-1.0, 1.0], size)
    return wire.FunctionSpec("curved", {"a": a.tolist(), "A": A.tolist(), "shape": list(shape)})


#: f(w) = sum(exp(a * w)) + w.A.w / 2 with fixed a and A: with eps = 0.1 central
#: differences differ from the true gradient by about eps^2 a^3 / 6 (~5e-3 here), so an
#: implementation that ignores eps (a hard-coded h) is far outside the tolerance.
FIXED_CURVED = wire.FunctionSpec("curved", {"a": [1.5, -1.2, 0.9],
                                            "A": [[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 1.5]],
                                            "shape": [3]})


def _numgrad_curved(rng):
    calls = []
    for d in (1, 4):
        w = rng.uniform(-1.0, 1.0, d)
        calls.append(Call((_curved_spec(rng, (d,)), w), {"eps": 1e-3},
                          about=f"a strongly curved f and w of shape ({d},), eps=1e-3"))
    w = rng.uniform(-1.0, 1.0, 3)
    calls.append(Call((_curved_spec(rng, (3,)), w, 1e-3), about="eps=1e-3 passed by position"))
    calls.append(Call((FIXED_CURVED, np.array([0.5, -0.3, 0.8])), {"eps": 0.1}, fixed=True,
                      about="a strongly curved f, w = [0.5, -0.3, 0.8] and eps=0.1 (not the default)"))
    calls.append(Call((FIXED_CURVED, np.array([-0.2, 0.6, 0.1]), 0.05), fixed=True,
                      about="a strongly curved f, w = [-0.2, 0.6, 0.1] and eps=0.05 passed by position"))
    return calls


def _numgrad_default(rng):
    """A steep quadratic (curvature 50 to 200) near its minimum (gradient of size ~1).

    With the default eps = 1e-6, central differences are exact up to rounding
    (~1e-8 here), while one-sided differences are off by eps/2 * curvature
    >= 2.5e-5, far outside the tolerance of 1e-6: the verdict never depends
    on the random draw.
    """
    d = 3
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(rng.uniform(50.0, 200.0, d)) @ Q.T
    w = rng.normal(size=d)
    gradient = rng.uniform(0.5, 2.0, d) * rng.choice([-1.0, 1.0], d)
    spec = wire.FunctionSpec("quadratic", {"A": A.tolist(), "b": (gradient - A @ w).tolist(),
                                           "shape": [d]})
    A_fixed = np.array([[120.0, 20.0, 0.0], [20.0, 80.0, 10.0], [0.0, 10.0, 150.0]])
    w_fixed = np.array([0.3, -0.7, 0.2])
    spec_fixed = wire.FunctionSpec("quadratic", {"A": A_fixed.tolist(),
                                                 "b": (np.array([1.0, -0.5, 2.0]) - A_fixed @ w_fixed).tolist(),
                                                 "shape": [3]})
    return [Call((spec, w), about="a steep quadratic f, w of shape (3,), default eps"),
            Call((spec_fixed, w_fixed), fixed=True, about="a steep quadratic f, w = [0.3, -0.7, 0.2], default eps")]


def _numgrad_matrix(rng):
    calls = []
    for shape in ((2, 3), (3, 1)):
        W = rng.uniform(-1.0, 1.0, shape)
        calls.append(Call((_curved_spec(rng, shape), W), {"eps": 1e-3},
                          about=f"a curved f of a matrix W of shape {shape}, eps=1e-3"))
    matrix_f = wire.FunctionSpec("curved", {"a": [1.0, -1.5, 0.5, 2.0, -0.8, 1.2], "A": np.eye(6).tolist(),
                                            "shape": [2, 3]})
    calls.append(Call((matrix_f, np.array([[0.2, -0.4, 0.6], [0.1, 0.3, -0.5]])), {"eps": 1e-3}, fixed=True,
                      about="a curved f of W = [[0.2, -0.4, 0.6], [0.1, 0.3, -0.5]], eps=1e-3"))
    return calls


def _numgrad_judge(call: Call, returned: wire.Returned) -> str | None:
    spec, w = call.args[0], call.args[1]
    eps = call.args[2] if len(call.args) > 2 else call.kwargs.get("eps", 1e-6)
    f = build(spec)
    expected = ref.numerical_gradient(f, w, eps)
    if returned.array is not None and returned.array.shape != expected.shape:
        hint = ""
        if returned.array.size == expected.size:
            hint = " (the right number of entries: return them in the shape of w, e.g. np.zeros_like(w))"
        return (f"returned shape {returned.array.shape}, expected {expected.shape}, the shape of w"
                + hint + f" for {call.about}")
    got, message = as_numeric(returned, expected)
    if message:
        return message
    scale = float(np.max(np.abs(expected)))
    message = compare(got, expected, atol=GRAD_RTOL * max(scale, 1e-12))
    if not message:
        return None
    forward = np.zeros_like(expected)
    backward = np.zeros_like(expected)
    f0 = f(w)
    for index in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[index] = eps
        forward[index] = (f(w + e) - f0) / eps
        backward[index] = (f0 - f(w - e)) / eps
    hint = ""
    if np.allclose(got, forward, rtol=1e-6, atol=1e-9) or np.allclose(got, backward, rtol=1e-6, atol=1e-9):
        hint = (". These are one-sided differences; use central differences "
                "(f(w + eps e_i) - f(w - eps e_i)) / (2 eps), which are far more accurate")
    elif np.allclose(got, 2 * expected, rtol=1e-6, atol=1e-9):
        hint = ". It is twice the expected value: divide by 2 eps, the distance between w - eps e_i and w + eps e_i"
    return message + f" for {call.about}" + hint


register(Check("numerical_gradient.curved", "numerical_gradient", _numgrad_curved, _numgrad_judge,
               "central differences of a strongly curved function, with the eps given"))
register(Check("numerical_gradient.default_eps", "numerical_gradient", _numgrad_default, _numgrad_judge,
               "central differences with the default eps=1e-6"))
register(Check("numerical_gradient.matrix", "numerical_gradient", _numgrad_matrix, _numgrad_judge,
               "a matrix-shaped w: the result has the shape of w, and w is left unchanged"))


# --- gradient_descent ------------------------------------------------------------
def _affine_spec(rng, shape):
    size = int(np.prod(shape))
    Q, _ = np.linalg.qr(rng.normal(size=(size, size)))
    A = Q @ np.diag(rng.uniform(0.5, 2.0, size)) @ Q.T
    return wire.FunctionSpec("affine_grad", {"A": A.tolist(), "b": rng.normal(size=size).tolist(),
                                             "shape": list(shape)})


def _tanh_spec(rng, shape):
    size = int(np.prod(shape))
    return wire.FunctionSpec("tanh_grad", {"A": rng.normal(size=(size, size)).tolist(), "shape": list(shape)})


def _gd_affine(rng):
    calls = []
    for d, lr, steps in ((3, 0.3, 7), (1, 0.1, 4)):
        w0 = rng.normal(size=d)
        calls.append(Call((_affine_spec(rng, (d,)), w0, lr, steps),
                          about=f"grad_fn(w) = A w - b, w0 of shape ({d},), lr={lr}, steps={steps}"))
    # At w0 the gradient [1, -1, 0] sums to 0 although it is not 0: a stopping rule on
    # sum(grad) (or any test that is not per component) quits before the first step.
    cancelling = wire.FunctionSpec("affine_grad", {"A": [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]],
                                                   "b": [-1.0, 1.0, 0.0], "shape": [3]})
    calls.append(Call((cancelling, np.zeros(3), 0.25, 5), fixed=True,
                      about="grad_fn(w) = A w - b whose gradient at w0 = 0 is [1, -1, 0] (it sums to 0), "
                            "lr=0.25, steps=5"))
    return calls


def _gd_tanh(rng):
    W0 = rng.normal(size=(2, 3))
    w0 = rng.normal(size=4)
    fixed_tanh = wire.FunctionSpec("tanh_grad", {"A": [[0.5, -1.0, 0.0, 0.2], [1.0, 0.3, -0.4, 0.0],
                                                       [0.0, 0.6, 0.8, -1.2], [-0.3, 0.0, 1.1, 0.4]],
                                                 "shape": [2, 2]})
    return [
        Call((fixed_tanh, np.array([[1.0, -0.5], [0.25, 2.0]]), 0.3, 4), fixed=True,
             about="a non-linear grad_fn, w0 = [[1, -0.5], [0.25, 2]], lr=0.3, steps=4"),
        Call((_tanh_spec(rng, (2, 3)), W0, 0.2, 6),
             about="a non-linear grad_fn, a matrix w0 of shape (2, 3), lr=0.2, steps=6"),
        Call((_tanh_spec(rng, (4,)), w0), {"lr": 0.05, "steps": 3},
             about="a non-linear grad_fn, lr and steps passed by keyword"),
    ]


def _gd_zero(rng):
    simple = wire.FunctionSpec("affine_grad", {"A": [[2.0, 0.0], [0.0, 1.0]], "b": [1.0, -1.0], "shape": [2]})
    return [
        Call((simple, np.array([3.0, -1.0]), 0.5, 0), fixed=True, about="w0 = [3, -1], steps=0 (the path is just w0)"),
        Call((simple, np.array([3.0, -1.0]), 0.5, 1), fixed=True, about="w0 = [3, -1], lr=0.5, steps=1"),
    ]


def _gd_judge(call: Call, returned: wire.Returned) -> str | None:
    spec, w0 = call.args[0], call.args[1]
    rest = list(call.args[2:])
    lr = rest[0] if rest else call.kwargs["lr"]
    steps = rest[1] if len(rest) > 1 else call.kwargs["steps"]
    expected = ref.gradient_descent(build(spec), w0, lr, steps)
    where = f" for {call.about}"
    if returned.array is None:
        return (f"returned {returned.text or returned.type_name} ({returned.type_name}), expected an array "
                f"of shape {expected.shape}: w0, w1, ..., w_steps stacked (np.array(path))" + where)
    got = returned.array
    if got.shape != expected.shape:
        hint = ""
        if got.shape == w0.shape:
            hint = ": it looks like only the final w; return the whole path, starting with w0"
        elif got.shape == (steps,) + w0.shape:
            hint = ": one row short; the path starts with w0 itself, so it has steps + 1 entries"
        elif got.ndim == w0.ndim + 1 and got.shape[1:] == w0.shape and got.shape[0] < steps:
            hint = (": the path stops early; take exactly `steps` steps (a gradient whose entries sum "
                    "to 0 is not 0, and the spec has no stopping rule)")
        return f"returned shape {got.shape}, expected {expected.shape} = (steps + 1, *w0.shape){hint}" + where
    scale = max(float(np.max(np.abs(expected))), 1.0)
    message = compare(got, expected, atol=1e-9 * scale)
    if not message:
        return None
    if steps > 0 and np.allclose(got, np.broadcast_to(got[-1], got.shape), rtol=0, atol=1e-12 * scale):
        return ("every entry of the path is the same array (the final w)" + where + ": store a copy of w "
                "at each step (path.append(w.copy())) or build a new array with w = w - lr * g")
    if not np.allclose(got[0], w0, rtol=0, atol=1e-12 * scale):
        return "the first entry of the path must be w0 itself" + where
    ascent = ref.gradient_descent(lambda w: -np.asarray(build(spec)(w)), w0, lr, steps)
    hint = " (each step is w_{k+1} = w_k - lr * grad_fn(w_k))"
    if np.allclose(got, ascent, rtol=1e-9, atol=1e-9 * scale):
        hint = ": your steps go uphill; descent subtracts lr * grad_fn(w_k)"
    return "the path differs: " + message + where + hint


register(Check("gradient_descent.affine", "gradient_descent", _gd_affine, _gd_judge,
               "the whole path w0, ..., w_steps for a linear gradient"))
register(Check("gradient_descent.nonlinear", "gradient_descent", _gd_tanh, _gd_judge,
               "the whole path for a non-linear gradient and a matrix-shaped w0"))
register(Check("gradient_descent.zero_steps", "gradient_descent", _gd_zero, _gd_judge,
               "steps=0 gives just w0 (shape (1, *w0.shape)); steps=1 gives w0 and w1"))
