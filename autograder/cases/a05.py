"""Hidden checks of assignment 05: softmax regression.

W is never square here (C != d), so a transposed W cannot pass by accident;
softmax and log_softmax get both square and non-square score matrices, so
that normalizing over the wrong axis (or dividing without keepdims) fails
whatever the shape; the stability cases have scores of size ~1000 and run
under np.errstate(over="raise", invalid="raise").
"""
from __future__ import annotations

import numpy as np

from .. import wire
from ..reference import a05 as ref
from .core import nll_judge, uses, GRAD_RTOL, Call, Check, against, as_numeric, compare, register


def _score_matrices(rng):
    calls = []
    for shape in ((5, 3), (4, 7), (4, 4), (1, 6)):
        kind = "square " if shape[0] == shape[1] else ""
        calls.append(Call((rng.normal(size=shape) * 3.0,), about=f"a {kind}score matrix Z of shape {shape}"))
    fixed = (
        (np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.5, 2.5, -2.0]]), "the square Z = [[1, 2, 0.5], [0, -1, 3], [2.5, 2.5, -2]]"),
        (np.array([[0.5, -1.0, 2.0, 0.0], [3.0, 1.0, -2.0, 1.5]]), "Z = [[0.5, -1, 2, 0], [3, 1, -2, 1.5]] of shape (2, 4)"),
        (np.array([[2.0, -1.0, 0.0, 4.0]]), "a single row Z = [[2, -1, 0, 4]]"),
        (np.array([[3.0], [-2.0], [0.5]]), "a single column Z = [[3], [-2], [0.5]] (C = 1)"),
        (np.array([[1.0, -1.0], [0.0, 2.0], [-3.0, 0.5], [4.0, 4.0]]), "two classes, Z of shape (4, 2)"),
    )
    calls += [Call((Z,), fixed=True, about=about) for Z, about in fixed]
    return calls


def _score_vectors(rng):
    return ([Call((rng.normal(size=c) * 3.0,), about=f"a single score vector of shape ({c},)") for c in (3, 6)]
            + [Call((np.array([1.0, -2.0, 0.5, 3.0]),), fixed=True, about="the vector [1, -2, 0.5, 3]")])


def _huge_scores(rng):
    Z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0], [1000.0, -1000.0, 0.0]])
    big = rng.uniform(-1000.0, 1000.0, size=(4, 5))
    # One row near +1000 and one near -1000 in the same batch: shifting by the GLOBAL
    # maximum leaves the second row at exp(-2000) = 0 everywhere, 0/0.
    return [
        Call((Z,), errstate=True, fixed=True, about="rows of scores near +1000, near -1000 and spanning both"),
        Call((big,), errstate=True, about="a (4, 5) score matrix with entries up to 1000 in size"),
        Call((np.array([-1000.0, 1000.0, 999.0]),), errstate=True, fixed=True,
             about="the vector [-1000, 1000, 999]"),
        Call((np.array([[-1000.0, -998.0]]),), errstate=True, fixed=True,
             about="a single row [[-1000, -998]] (two classes)"),
    ]


def _row_sum_judge(kind):
    base = against(ref.softmax, "prob")

    def judge(call: Call, returned: wire.Returned) -> str | None:
        expected = ref.softmax(*call.args)
        got, message = as_numeric(returned, expected)
        if message:
            return message
        if np.all(np.isfinite(got)):
            sums = got.sum(axis=-1)
            if not np.allclose(sums, 1.0, rtol=0, atol=1e-9):
                hint = ""
                if got.ndim == 2 and np.allclose(got.sum(axis=0), 1.0, atol=1e-9):
                    hint = (": your columns sum to 1, so you normalized over the wrong axis; each ROW "
                            "(one observation) is a distribution over classes")
                elif got.ndim == 2:
                    hint = (": divide each row by its own sum, e.g. np.sum(E, axis=-1, keepdims=True) "
                            "(without keepdims, a square matrix is divided column-wise by accident)")
                shown = np.round(np.atleast_1d(sums), 6).tolist()
                return f"the rows of the result must sum to 1; yours sum to {shown}" + f" for {call.about}" + hint
        return base(call, returned)

    return judge


register(Check("softmax.random", "softmax", _score_matrices, _row_sum_judge("matrix"),
               "row-wise softmax of square and non-square score matrices"))
register(Check("softmax.vector", "softmax", _score_vectors, _row_sum_judge("vector"),
               "the softmax of a single (C,) score vector"))
register(Check("softmax.stable", "softmax", _huge_scores, _row_sum_judge("stable"),
               "softmax of scores as large as 1000 (no overflow, no 0/0)"))

register(Check("log_softmax.random", "log_softmax", _score_matrices,
               against(ref.log_softmax, "loss", input_name="Z"),
               "row-wise log-softmax of square and non-square score matrices"))
register(Check("log_softmax.vector", "log_softmax", _score_vectors,
               against(ref.log_softmax, "loss", input_name="Z"),
               "the log-softmax of a single (C,) score vector"))
register(Check("log_softmax.stable", "log_softmax", _huge_scores,
               against(ref.log_softmax, "loss", input_name="Z"),
               "log-softmax of scores as large as 1000 (finite, e.g. about -2000, never -inf)"))


# --- one_hot -------------------------------------------------------------------------
def _one_hot_judge(call: Call, returned: wire.Returned) -> str | None:
    expected = ref.one_hot(*call.args, **call.kwargs)
    got, message = as_numeric(returned, expected)
    if message:
        if returned.array is not None and returned.array.ndim == 2 and returned.array.shape[0] == expected.shape[0]:
            message += ": one column per class 0 .. C-1, so C columns even when some classes do not occur in y"
        return message
    if got.dtype.kind != "f":
        return (f"returned an array of dtype {got.dtype}; one_hot must return floats (e.g. start from "
                f"np.zeros((N, C))) for {call.about}")
    return against(ref.one_hot, "exact", input_index=None)(call, returned)


def _one_hot_random(rng):
    calls = []
    for n, c in ((10, 3), (7, 5), (1, 2)):
        y = rng.integers(0, c, n)
        y[0] = c - 1
        calls.append(Call((rng.permutation(y).astype(np.int64), c), about=f"{n} random labels in 0..{c - 1}, C={c}"))
    calls.append(Call((np.array([2, 0, 1, 2, 1], dtype=np.int64), 3), fixed=True, about="y = [2, 0, 1, 2, 1], C=3"))
    calls.append(Call((np.array([1], dtype=np.int64), 2), fixed=True, about="a single label y = [1], C=2"))
    return calls


def _one_hot_extra(rng):
    y = np.array([0, 2, 1, 1, 0, 2, 2, 0], dtype=np.int64)
    return [
        Call((y, 6), fixed=True, about="labels in 0..2 with C=6 (the classes 3, 4, 5 never occur)"),
        Call((np.array([0, 0, 0], dtype=np.int64), 4), fixed=True, about="y=[0, 0, 0] with C=4"),
        Call((y,), {"C": 5}, fixed=True, about="C passed by keyword"),
    ]


register(Check("one_hot.random", "one_hot", _one_hot_random, _one_hot_judge,
               "a single 1.0 per row, in the column of the label"))
register(Check("one_hot.extra_classes", "one_hot", _one_hot_extra, _one_hot_judge,
               "C columns even when the largest label is smaller than C - 1"))


# --- softmax_nll, softmax_nll_grad ---------------------------------------------------
def _problem(rng, n, c, d, scale=1.0):
    X = np.column_stack([rng.normal(size=(n, d - 1)), np.ones(n)])
    y = rng.integers(0, c, n).astype(np.int64)
    W = rng.normal(size=(c, d)) * scale
    return W, X, y


#: A small problem with C != d, every class present, of moderate scores.
FIXED_W = np.array([[0.5, -1.0, 0.2], [1.5, 0.3, -0.4], [-0.7, 0.8, 0.1], [0.0, -0.5, 0.6]])
FIXED_X = np.array([[1.0, 2.0, 1.0], [-0.5, 1.0, 1.0], [2.0, -1.0, 1.0], [0.0, 0.5, 1.0], [1.5, 1.5, 1.0]])
FIXED_Y = np.array([0, 1, 2, 3, 1], dtype=np.int64)


def _nll_random(rng):
    calls = []
    for n, c, d in ((12, 3, 5), (9, 4, 2), (1, 2, 3), (30, 3, 4)):
        W, X, y = _problem(rng, n, c, d)
        calls.append(Call((W, X, y), about=f"W of shape ({c}, {d}), X of shape ({n}, {d})"))
    calls.append(Call((FIXED_W, FIXED_X, FIXED_Y), fixed=True,
                      about="W of shape (4, 3), X of shape (5, 3) and labels [0, 1, 2, 3, 1]"))
    calls.append(Call((np.array([[1.0, -0.5], [-1.0, 0.5]]), np.array([[2.0, 1.0], [-1.0, 1.0], [0.5, 1.0]]),
                       np.array([1, 0, 0], dtype=np.int64)), fixed=True,
                      about="two classes: W of shape (2, 2), X of shape (3, 2)"))
    return calls


def _nll_stable(rng):
    W, X, y = _problem(rng, 10, 3, 4)
    W *= 1000.0 / np.max(np.abs(X @ W.T))
    W2 = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]])
    X2 = np.array([[1000.0, 1.0], [-1000.0, 1.0], [1000.0, 1.0]])
    y2 = np.array([0, 0, 1], dtype=np.int64)
    # Row 1's scores are all near -1000 while row 0's reach 1001: a shift by the global maximum
    # underflows row 1 to 0/0.  Row 0's label has a score 2 below the best, row 2's label
    # 2000 below: exponentiating and then taking the log gives log(0) there.
    W3 = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, -1.0]])
    X3 = np.array([[1000.0, 1.0], [-1000.0, 1.0], [1000.0, -999.0]])
    y3 = np.array([2, 1, 1], dtype=np.int64)
    return [
        Call((W, X, y), errstate=True, about="scores x.w_c as large as 1000 in size, W of shape (3, 4)"),
        Call((W2, X2, y2), errstate=True, fixed=True,
             about="scores +-1000: one confidently right and two confidently wrong observations"),
        Call((W3, X3, y3), errstate=True, fixed=True,
             about="one observation with every score near +1000, one with every score near -1000, and one "
                   "whose true class scores about 2000 below the best"),
    ]


register(Check("softmax_nll.random", "softmax_nll", _nll_random,
               nll_judge(ref.softmax_nll),
               "the NLL (a sum over observations) for a non-square W of shape (C, d)"))
register(Check("softmax_nll.stable", "softmax_nll", _nll_stable,
               nll_judge(ref.softmax_nll),
               "the NLL is finite and accurate for scores as large as 1000"))


def _grad_judge(call: Call, returned: wire.Returned) -> str | None:
    W = call.args[0]
    expected = ref.softmax_nll_grad(*call.args)
    got, message = as_numeric(returned, expected)
    if message:
        if returned.array is not None and returned.array.shape == W.shape[::-1]:
            message += ": it looks transposed; the gradient has the shape of W, (C, d), so use (P - Y).T @ X"
        return message
    message = against(ref.softmax_nll_grad, "grad", input_index=None)(call, returned)
    if not message:
        return None
    n = len(call.args[2])
    if np.allclose(got, -expected, rtol=1e-6, atol=1e-9):
        message += ". It has the opposite sign: the gradient of the NLL is (P - Y)^T X, not (Y - P)^T X"
    elif n > 1 and np.allclose(got * n, expected, rtol=1e-6, atol=1e-9):
        message += ". It looks like the mean over observations; the spec's NLL is a sum"
    return message


def _fd_judge(call: Call, returned: wire.Returned) -> str | None:
    W, X, y = call.args
    eps = 1e-5
    expected = np.zeros_like(W)
    for index in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[index] = eps
        expected[index] = (ref.softmax_nll(W + E, X, y) - ref.softmax_nll(W - E, X, y)) / (2 * eps)
    got, message = as_numeric(returned, expected)
    if message:
        return message + " (the gradient has the shape of W)"
    scale = float(np.max(np.abs(expected)))
    message = compare(got, expected, atol=GRAD_RTOL * scale + 1e-7)
    if message:
        return ("is not the slope of the NLL: compared with central differences of the NLL in each entry "
                "W[c, j], " + message + f" (for {call.about})")
    return None


def _fd_calls(rng):
    return [Call(_problem(rng, n, c, d), about=f"W of shape ({c}, {d}), X of shape ({n}, {d})")
            for n, c, d in ((8, 3, 2), (20, 4, 3))] + [
        Call((FIXED_W, FIXED_X, FIXED_Y), fixed=True,
             about="W of shape (4, 3), X of shape (5, 3) and labels [0, 1, 2, 3, 1]")]


register(Check("softmax_nll_grad.random", "softmax_nll_grad", _nll_random, _grad_judge,
               "the gradient (shape (C, d)) compared with the reference gradient"))
register(Check("softmax_nll_grad.finite_differences", "softmax_nll_grad", _fd_calls, _fd_judge,
               "the gradient matches central differences of the NLL"))
register(Check("softmax_nll_grad.stable", "softmax_nll_grad", _nll_stable, _grad_judge,
               "the gradient is finite and accurate for scores as large as 1000"))


# --- predict_class -----------------------------------------------------------------
def _predict_random(rng):
    calls = []
    for n, c, d in ((15, 3, 5), (6, 4, 2), (40, 2, 3), (1, 3, 4)):
        W, X, _ = _problem(rng, n, c, d)
        calls.append(Call((X, W), about=f"X of shape ({n}, {d}), W of shape ({c}, {d})"))
    calls.append(Call((FIXED_X, FIXED_W), fixed=True, about="X of shape (5, 3), W of shape (4, 3)"))
    calls.append(Call((FIXED_X[:1], FIXED_W[:2]), fixed=True, about="a single row X of shape (1, 3), two classes"))
    return calls


register(Check("predict_class.random", "predict_class", _predict_random,
               against(ref.predict_class, "labels", input_index=None),
               "the class with the largest score x.w_c, as integers"))


# Solutions often build on the functions before them (README.md: the wrong one pays).
uses("softmax_nll", "log_softmax")
uses("softmax_nll_grad", "softmax", "one_hot")
