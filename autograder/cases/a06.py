"""Hidden checks of assignment 06: generalization and regularization.

Every class of mistake has a fixed input that exposes it whatever the random
draw: a bias weight far from 0 (penalizing the bias), a penalty with lam != 2
(lam versus lam/2), several observations (mean versus sum), a confusion
matrix that is not symmetric (transposed), precision != recall (swapped),
no predicted or no actual positives (0/0).  Those inputs are the calls marked
``fixed=True``, built without the generator (README.md); randomness only adds
coverage.

``split_indices`` is judged by its properties (any seeded shuffle is fine):
a partition of 0..N-1 with round(test_fraction * N) test indices, the same
split for the same seed (asked twice in one check) and different splits for
different seeds.  ``fit_logistic_regression`` is judged by optimality: the
reference gradient of the penalized NLL at the returned w must be at most
1e-6 * max(1, N) in norm, so Newton, IRLS and gradient descent all pass,
and a fit that stops after a fixed number of steps does not.  The data are
standardized features with a bias column and lam >= 1, where gradient
descent with the step 1 / L converges in well under a second.
"""
from __future__ import annotations

import numpy as np

from .. import wire
from ..reference import a04 as ref04
from ..reference import a06 as ref
from .core import GRAD_RTOL, Call, Check, against, as_numeric, compare, register, uses


def _standardized(rng, n, d):
    """X of shape (n, d): d - 1 standardized features, then the column of ones."""
    F = rng.normal(size=(n, d - 1)) @ (np.eye(d - 1) + 0.3 * rng.normal(size=(d - 1, d - 1)))
    F = (F - F.mean(axis=0)) / F.std(axis=0)
    return np.column_stack([F, np.ones(n)])


def _fixed_standardized(n, d):
    """Like ``_standardized``, but a fixed formula of the row index: no generator at all."""
    i = np.arange(n)
    F = np.column_stack([np.sin(1.3 * (j + 1) * i + 0.7 * j) + 0.4 * np.cos(0.37 * (j + 2) * i + 1.1)
                         for j in range(d - 1)])
    F = (F - F.mean(axis=0)) / F.std(axis=0)
    return np.column_stack([F, np.ones(n)])


def _fixed_noisy_labels(X, bias):
    """Labels of a linear rule plus a fixed wiggle of the row index: not separable, fixed."""
    i = np.arange(len(X))
    w = np.r_[np.linspace(1.2, -0.8, X.shape[1] - 1), bias]
    return (X @ w + 1.5 * np.sin(2.9 * i + 0.5) > 0).astype(np.int64)


def _noisy_labels(rng, X, bias):
    """Labels from a logistic model (not separable), both classes present."""
    w = np.r_[rng.normal(size=X.shape[1] - 1), bias]
    y = (rng.uniform(size=len(X)) < 1.0 / (1.0 + np.exp(-(X @ w)))).astype(np.int64)
    y[:2] = [0, 1]
    return y


# --- split_indices -----------------------------------------------------------------
def _split_partition_calls(rng):
    calls = []
    # 0.3 * 17 = 5.1: floor and round agree; 0.3 * 15 = 4.5 would be a tie, avoided on purpose
    for n, fraction in ((10, 0.3), (17, 0.3), (50, 0.2), (23, 0.35)):
        seed = int(rng.integers(0, 1000))
        calls.append(Call((n, fraction, seed), about=f"N={n}, test_fraction={fraction}, seed={seed}"))
    # 0.29 * 10 = 2.9: round gives 3, int() gives 2
    for n, fraction, seed in ((17, 0.3, 7), (23, 0.35, 11)):
        calls.append(Call((n, fraction, seed), fixed=True, about=f"N={n}, test_fraction={fraction}, seed={seed}"))
    calls.append(Call((10, 0.29, 4), fixed=True,
                      about="N=10, test_fraction=0.29, seed=4 (round(2.9) = 3 test indices)"))
    calls.append(Call((12, 0.0, 1), fixed=True, about="N=12, test_fraction=0.0 (an empty test set)"))
    return calls


def _as_index_pair(returned: wire.Returned, n: int):
    if len(returned.parts) != 2:
        shown = returned.text or returned.type_name
        return None, (f"returned {shown} ({returned.type_name}), expected a tuple (train_idx, test_idx) "
                      "of two integer arrays")
    out = []
    for name, part in zip(("train_idx", "test_idx"), returned.parts):
        if part.array is None or part.array.ndim != 1:
            return None, f"{name} must be a 1-d integer array"
        if part.array.size and part.array.dtype.kind not in "iu":
            return None, (f"{name} has dtype {part.array.dtype}; indices must be integers "
                          "(np.random.default_rng(seed).permutation(N) gives integers)")
        out.append(part.array.astype(np.int64))
    return out, None


def _partition_judge(call: Call, returned: wire.Returned) -> str | None:
    n, fraction, _ = call.args
    pair, message = _as_index_pair(returned, n)
    if message:
        return message
    train, test = pair
    shared = np.intersect1d(train, test)
    if shared.size:
        return (f"train and test share the indices {shared[:5].tolist()}: every observation must be in "
                "exactly one of them, or the test set measures nothing the model has not seen")
    every = np.concatenate([train, test])
    if every.size != np.unique(every).size:
        return "an index appears twice: shuffle 0 .. N-1 once and cut it in two"
    missing = np.setdiff1d(np.arange(n), every)
    extra = np.setdiff1d(every, np.arange(n))
    if missing.size or extra.size:
        return (f"together train and test must hold each of 0 .. {n - 1} once; "
                + (f"missing {missing[:5].tolist()}" if missing.size else f"out of range {extra[:5].tolist()}"))
    expected = int(round(fraction * n))
    if test.size != expected:
        return (f"the test set has {test.size} indices, expected round(test_fraction * N) = "
                f"round({fraction * n:g}) = {expected}")
    return None


def _split_seed_calls(rng):
    memo: dict = {}
    n = 40
    calls = []
    # The fixed seeds 2000 .. 2004 first (same seed twice, then four others), random ones after.
    for seed, fixed in ((2000, True), (int(rng.integers(0, 1000)), False)):
        calls += [Call((n, 0.25, seed), fixed=fixed, about=f"N={n}, test_fraction=0.25, seed={seed}"),
                  Call((n, 0.25, seed), fixed=fixed, about=f"N={n}, test_fraction=0.25, seed={seed} a second time")]
        for other in range(1, 5):
            calls.append(Call((n, 0.25, seed + other), fixed=fixed,
                              about=f"N={n}, test_fraction=0.25, seed={seed + other}"))
    for c in calls:
        c.memo = memo  # one record per prepared check: the judge compares calls with each other
    return calls


def _seed_judge(call: Call, returned: wire.Returned) -> str | None:
    message = _partition_judge(call, returned)
    if message:
        return message
    pair, _ = _as_index_pair(returned, call.args[0])
    key = tuple(sorted(pair[1].tolist()))
    seed = call.args[2]
    seen = call.memo.setdefault("by_seed", {})
    if seed in seen and seen[seed] != key:
        return ("the same seed gave two different splits: create the generator from the seed "
                "(np.random.default_rng(seed)) inside the function, so that a split can be reproduced")
    seen[seed] = key
    if len(seen) >= 5 and len({v for v in seen.values()}) == 1:
        return ("five different seeds gave the same split: the seed argument is ignored "
                "(use np.random.default_rng(seed), not a fixed seed)")
    return None


register(Check("split_indices.partition", "split_indices", _split_partition_calls, _partition_judge,
               "train and test indices are disjoint, cover 0 .. N-1 and the test set has "
               "round(test_fraction * N) of them"))
register(Check("split_indices.seeded", "split_indices", _split_seed_calls, _seed_judge,
               "the same seed gives the same split, different seeds different splits"))


# --- l2_logistic_nll -----------------------------------------------------------------
def _fixed_penalty_call():
    """A large bias weight, lam = 3 and several observations: penalizing the bias,
    lam instead of lam/2 and the mean instead of the sum all change the value a lot."""
    X = np.array([[1.0, -0.5, 1.0], [-1.0, 2.0, 1.0], [0.5, 0.5, 1.0], [2.0, -1.0, 1.0]])
    y = np.array([1, 0, 1, 0], dtype=np.int64)
    w = np.array([0.8, -1.2, 4.0])
    return Call((w, X, y, 3.0), fixed=True, about="w = [0.8, -1.2, 4.0] (a large bias), 4 observations, lam = 3")


def _l2_random_calls(rng):
    calls = [_fixed_penalty_call()]
    for n, d, lam in ((6, 2, 0.5), (30, 4, 2.0), (1, 3, 1.0)):
        X = _standardized(rng, n, d) if n > 2 else np.column_stack([rng.normal(size=(n, d - 1)), np.ones(n)])
        y = rng.integers(0, 2, n).astype(np.int64)
        w = rng.normal(size=d)
        calls.append(Call((w, X, y, lam), about=f"random w of shape ({d},), X of shape ({n}, {d}), lam = {lam}"))
    return calls


def _huge_calls(rng):
    X = np.array([[1000.0, 1.0], [-1000.0, 1.0], [1000.0, 1.0], [-1000.0, 1.0]])
    y = np.array([1, 0, 0, 1], dtype=np.int64)
    w = rng.uniform(0.8, 1.0) * np.array([1.0, 0.0])
    return [Call((np.array([1.0, 0.0]), X, y, 2.0), errstate=True, fixed=True,
                 about="scores +-1000, two confidently right and two confidently wrong, lam = 2"),
            Call((w, X, y, 2.0), errstate=True,
                 about="scores of about +-1000, two confidently right and two confidently wrong, lam = 2")]


def _l2_hint(call: Call, got: float) -> str:
    w, X, y, lam = call.args
    nll = ref04.logistic_nll(w, X, y)
    guesses = (
        (nll + lam / 2 * np.sum(w ** 2), "the penalty includes the bias (the last weight); leave it out"),
        (nll + lam * np.sum(w[:-1] ** 2), "the penalty is lam * sum(w**2), twice the spec's lam / 2 * sum(w**2)"),
        (nll, "the penalty is missing"),
        (nll / len(y) + lam / 2 * np.sum(w[:-1] ** 2), "the NLL is a mean; the spec's NLL is a sum"),
        (nll + lam / 2 * np.sqrt(np.sum(w[:-1] ** 2)), "the penalty uses the norm, not the squared norm"),
    )
    for value, hint in guesses:
        if np.isclose(got, value, rtol=1e-9, atol=1e-12):
            return ". " + hint[0].upper() + hint[1:]
    return ""


def _l2_judge(call: Call, returned: wire.Returned) -> str | None:
    message = against(ref.l2_logistic_nll, "loss", input_index=None)(call, returned)
    if message and returned.array is not None and returned.array.shape == ():
        return message + f" for {call.about}" + _l2_hint(call, float(returned.array))
    return message


register(Check("l2_logistic_nll.random", "l2_logistic_nll", _l2_random_calls, _l2_judge,
               "the NLL (a sum) plus lam / 2 times the squared norm of the weights without the bias"))
register(Check("l2_logistic_nll.stable", "l2_logistic_nll", _huge_calls, _l2_judge,
               "the penalized NLL is finite and accurate for scores as large as |x.w| = 1000"))


# --- l2_logistic_nll_grad ------------------------------------------------------------
def _grad_hint(call: Call, got: np.ndarray) -> str:
    w, X, y, lam = call.args
    g = ref04.logistic_nll_grad(w, X, y)
    pen = np.r_[w[:-1], 0.0]
    guesses = (
        (g + lam * w, "the bias (the last component) is penalized too; its penalty term must be 0"),
        (g + 2 * lam * pen, "the penalty's gradient is 2 lam w: the derivative of lam / 2 * w_j**2 is lam * w_j"),
        (g + lam / 2 * pen, "the penalty's gradient is lam / 2 * w: the derivative of lam / 2 * w_j**2 is lam * w_j"),
        (g, "the penalty's gradient lam * w (without the bias) is missing"),
        (g / len(y) + lam * pen, "the NLL part is a mean; the spec's NLL is a sum"),
        (g - lam * pen, "the penalty's gradient has the wrong sign: the penalty grows with |w_j|"),
    )
    for value, hint in guesses:
        if np.allclose(got, value, rtol=1e-6, atol=1e-9):
            return ". " + hint[0].upper() + hint[1:]
    return ""


def _l2_grad_judge(call: Call, returned: wire.Returned) -> str | None:
    expected = ref.l2_logistic_nll_grad(*call.args)
    got, message = as_numeric(returned, expected)
    if message:
        return message + " (the gradient has the shape of w)"
    message = against(ref.l2_logistic_nll_grad, "grad", input_index=None)(call, returned)
    if message:
        return message + f" for {call.about}" + _grad_hint(call, got)
    return None


def _l2_fd_judge(call: Call, returned: wire.Returned) -> str | None:
    w, X, y, lam = call.args
    eps = 1e-5
    expected = np.array([(ref.l2_logistic_nll(w + e, X, y, lam) - ref.l2_logistic_nll(w - e, X, y, lam)) / (2 * eps)
                         for e in eps * np.eye(w.size)])
    got, message = as_numeric(returned, expected)
    if message:
        return message + " (the gradient has the shape of w)"
    message = compare(got, expected, atol=GRAD_RTOL * float(np.max(np.abs(expected))) + 1e-6)
    if message:
        return ("is not the slope of the penalized NLL: compared with central differences of "
                "l2_logistic_nll, " + message + f" for {call.about}" + _grad_hint(call, got))
    return None


def _fd_calls(rng):
    calls = [_fixed_penalty_call()]
    X = _standardized(rng, 20, 4)
    y = _noisy_labels(rng, X, -0.5)
    calls.append(Call((rng.normal(size=4), X, y, 1.5), about="random w of shape (4,), X of shape (20, 4), lam = 1.5"))
    return calls


register(Check("l2_logistic_nll_grad.random", "l2_logistic_nll_grad", _l2_random_calls, _l2_grad_judge,
               "the gradient of the penalized NLL, compared with the reference gradient"))
register(Check("l2_logistic_nll_grad.finite_differences", "l2_logistic_nll_grad", _fd_calls, _l2_fd_judge,
               "the gradient matches central differences of the penalized NLL"))
register(Check("l2_logistic_nll_grad.stable", "l2_logistic_nll_grad", _huge_calls, _l2_grad_judge,
               "the gradient is finite and accurate for scores as large as |x.w| = 1000"))


# --- fit_logistic_regression --------------------------------------------------------
def _fit_calls(rng):
    calls = []
    for n, d, bias, lam in ((40, 3, 0.0, 1.0), (60, 4, -1.5, 2.0)):
        # fixed: the second has 14 of 60 labels 1, so its bias is far from 0 (penalizing it shows)
        X = _fixed_standardized(n, d)
        y = _fixed_noisy_labels(X, bias)
        calls.append(Call((X, y, lam), fixed=True,
                          about=f"a fixed standardized X of shape ({n}, {d}) with a bias column, "
                                f"{int(y.sum())} of {n} labels 1, lam = {lam}"))
    for n, d, bias, lam in ((40, 3, 0.0, 1.0), (60, 4, -1.5, 2.0)):
        X = _standardized(rng, n, d)
        y = _noisy_labels(rng, X, bias)
        calls.append(Call((X, y, lam), about=f"standardized X of shape ({n}, {d}) with a bias column, "
                                             f"{int(y.sum())} of {n} labels 1, lam = {lam}"))
    return calls


def _separable_calls(rng):
    """Perfectly separable data: without the penalty the weights would grow for ever."""
    X = _fixed_standardized(30, 3)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0.3).astype(np.int64)
    shuffle = rng.permutation(30)
    return [Call((X, y, 1.0), fixed=True,
                 about="30 observations that a line separates perfectly, lam = 1"),
            Call((X[shuffle], y[shuffle], 1.0),
                 about="the same 30 observations in another order, lam = 1")]


def _fit_judge(call: Call, returned: wire.Returned) -> str | None:
    X, y, lam = call.args
    n, d = X.shape
    got, message = as_numeric(returned, np.zeros(d))
    if message:
        return message + " (one weight per column of X, the bias last)"
    if not np.all(np.isfinite(got)):
        return "returned weights that are not finite (inf or nan): check the step size"
    w = got.astype(float)
    allowed = 1e-6 * max(1, n)
    norm = float(np.linalg.norm(ref.l2_logistic_nll_grad(w, X, y, lam)))
    if norm <= allowed:
        return None
    start = float(np.linalg.norm(ref.l2_logistic_nll_grad(np.zeros(d), X, y, lam)))
    text = (f"is not the minimizer of l2_logistic_nll: the gradient norm at your w is {norm:.3g} "
            f"(at w = 0 it is {start:.3g}; at most {allowed:.3g} is allowed)")
    g = ref04.logistic_nll_grad(w, X, y)
    alternatives = (
        (g + lam * w, "your w minimizes a loss that also penalizes the bias (the last weight)"),
        (g + lam / 2 * np.r_[w[:-1], 0.0], "your w minimizes a loss whose penalty has the gradient lam / 2 * w, "
                                           "not lam * w"),
        (g + 2 * lam * np.r_[w[:-1], 0.0], "your w minimizes a loss with twice the penalty"),
        (g / n + lam * np.r_[w[:-1], 0.0], "your w minimizes the MEAN NLL plus the penalty, not the sum"),
    )
    for value, hint in alternatives:
        if np.linalg.norm(value) <= 1e-3 * max(1.0, start):
            return text + f". It looks as if {hint}"
    return (text + ". Keep iterating until the gradient norm is below the tolerance (a fixed number of "
            "steps is not enough), or use Newton's method")


register(Check("fit_logistic_regression.optimal", "fit_logistic_regression", _fit_calls, _fit_judge,
               "the returned w minimizes l2_logistic_nll (its gradient norm is at most 1e-6 * N)"))
register(Check("fit_logistic_regression.separable", "fit_logistic_regression", _separable_calls, _fit_judge,
               "on separable data the penalty keeps the minimizer finite, and the fit finds it"))


# --- confusion_matrix ----------------------------------------------------------------
def _confusion_calls(rng):
    # Not symmetric: 3 true 1s predicted 0, one true 0 predicted 1; a transposed matrix fails.
    fixed_true = np.array([0, 0, 0, 1, 1, 1, 1, 0], dtype=np.int64)
    fixed_pred = np.array([0, 1, 0, 0, 0, 0, 1, 0], dtype=np.int64)
    calls = [Call((fixed_true, fixed_pred, 2), fixed=True,
                  about="y_true = [0 0 0 1 1 1 1 0], y_pred = [0 1 0 0 0 0 1 0]")]
    y_true = rng.integers(0, 4, 25).astype(np.int64)
    y_pred = np.where(rng.uniform(size=25) < 0.6, y_true, rng.integers(0, 4, 25)).astype(np.int64)
    y_true[:2], y_pred[:2] = [0, 3], [3, 1]  # never symmetric
    calls.append(Call((y_true, y_pred, 4), about="25 random labels of 4 classes"))
    # Class 2 never occurs and class 3 is never predicted: C fixes the shape, not the data.
    calls.append(Call((np.array([0, 1, 3, 1]), np.array([0, 1, 1, 2]), 4), fixed=True,
                      about="C = 4 where class 2 never occurs in y_true and 3 never in y_pred"))
    calls.append(Call((np.zeros(5, dtype=np.int64), np.zeros(5, dtype=np.int64), 2), fixed=True,
                      about="every label 0 (the matrix is still 2 by 2)"))
    return calls


def _confusion_judge(call: Call, returned: wire.Returned) -> str | None:
    expected = ref.confusion_matrix(*call.args)
    got, message = as_numeric(returned, expected, integer=True)
    if message:
        if "shape" in message:
            message += " = (C, C), whatever labels occur"
        return message
    if np.array_equal(got, expected):
        return None
    hint = ""
    if np.array_equal(got, expected.T):
        hint = (". It is transposed: entry [i, j] counts the observations of TRUE class i "
                "PREDICTED as class j")
    elif got.sum() != expected.sum():
        hint = f". The entries must add up to the number of observations, {int(expected.sum())}"
    return f"differs from the expected counts {expected.tolist()}: yours {got.tolist()}" + hint


register(Check("confusion_matrix.values", "confusion_matrix", _confusion_calls, _confusion_judge,
               "entry [i, j] counts the observations of true class i predicted as class j"))


# --- precision_recall ----------------------------------------------------------------
def _pr_calls(rng):
    # 2 true positives, 1 false positive, 3 false negatives: precision 2/3, recall 2/5
    calls = [Call((np.array([1, 1, 1, 1, 1, 0, 0, 0]), np.array([1, 1, 0, 0, 0, 1, 0, 0])), fixed=True,
                  about="y_true = [1 1 1 1 1 0 0 0], y_pred = [1 1 0 0 0 1 0 0]")]
    y_true = (rng.uniform(size=30) < 0.3).astype(np.int64)
    y_pred = np.where(rng.uniform(size=30) < 0.7, y_true, 1 - y_true).astype(np.int64)
    y_true[:4], y_pred[:4] = [1, 1, 0, 1], [1, 0, 1, 0]
    calls.append(Call((y_true, y_pred), about="30 random labels"))
    return calls


def _pr_zero_calls(rng):
    return [
        Call((np.array([1, 0, 1, 0]), np.zeros(4, dtype=np.int64)), fixed=True,
             about="y_pred all 0 (no predicted positives: precision is 0/0, reported as 0.0)"),
        Call((np.zeros(3, dtype=np.int64), np.array([1, 0, 0])), fixed=True,
             about="y_true all 0 (no actual positives: recall is 0/0, reported as 0.0)"),
        Call((np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64)), fixed=True,
             about="every label and prediction 0 (both ratios are 0/0)"),
    ]


def _pr_judge(call: Call, returned: wire.Returned) -> str | None:
    expected = np.array(ref.precision_recall(*call.args))
    if returned.array is None or returned.array.shape != (2,):
        shown = returned.text or returned.type_name
        return f"returned {shown} ({returned.type_name}), expected the pair (precision, recall) of two floats"
    got = returned.array.astype(float)
    if np.isnan(got).any():
        return ("returned nan for a ratio whose denominator is 0; the spec reports it as 0.0 "
                "(check the denominator before dividing)")
    message = compare(got, expected, atol=1e-12)
    if not message:
        return None
    if np.allclose(got, expected[::-1], atol=1e-12):
        return (message + ". Precision and recall are swapped: precision = TP / (predicted positives), "
                "recall = TP / (actual positives)")
    return message


register(Check("precision_recall.values", "precision_recall", _pr_calls, _pr_judge,
               "precision = TP / (TP + FP) and recall = TP / (TP + FN) of class 1"))
register(Check("precision_recall.zero_division", "precision_recall", _pr_zero_calls, _pr_judge,
               "a ratio whose denominator is 0 is 0.0, never nan"))


# fit_logistic_regression's contract is stated through the gradient (its norm at the returned w),
# and a Newton or gradient-descent fit calls it: a wrong l2_logistic_nll_grad makes the fit wrong
# too, which the grader cannot tell apart, so the fit's messages name it (README.md).
uses("fit_logistic_regression", "l2_logistic_nll_grad")
