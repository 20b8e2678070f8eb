"""Reference implementations of assignment 06 (generalization and regularization).

The penalty is lam/2 * ||w[:-1]||^2: the bias (the last weight, as the
column of ones is last) is never penalized.  ``fit_logistic_regression`` is
Newton's method on the penalized NLL, which is strictly convex for lam > 0
(its Hessian is X^T S X + lam I' with I' the identity without its last
diagonal entry); the bias direction is safe because its curvature comes from
X^T S X alone, and a damped step (halving until the loss decreases) keeps
Newton from overshooting while the margins are still large.
"""
from __future__ import annotations

import numpy as np

from .a04 import logistic_nll, logistic_nll_grad

__all__ = ["split_indices", "l2_logistic_nll", "l2_logistic_nll_grad", "fit_logistic_regression",
           "confusion_matrix", "precision_recall"]


def split_indices(N, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(int(N))
    n_test = int(round(test_fraction * N))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _penalized(w):
    w = np.asarray(w, dtype=float)
    return np.concatenate([w[:-1], [0.0]])


def l2_logistic_nll(w, X, y, lam):
    w = np.asarray(w, dtype=float)
    return float(logistic_nll(w, X, y) + lam / 2.0 * np.sum(w[:-1] ** 2))


def l2_logistic_nll_grad(w, X, y, lam):
    return logistic_nll_grad(w, X, y) + lam * _penalized(w)


def fit_logistic_regression(X, y, lam, tol=None, max_steps=200):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    N, d = X.shape
    tol = 1e-9 * max(1, N) if tol is None else tol
    ridge = lam * np.diag(np.r_[np.ones(d - 1), 0.0])
    w = np.zeros(d)
    loss = l2_logistic_nll(w, X, y, lam)
    for _ in range(max_steps):
        g = l2_logistic_nll_grad(w, X, y, lam)
        if np.linalg.norm(g) <= tol:
            break
        z = X @ w
        s = np.exp(-np.logaddexp(0.0, -z)) * np.exp(-np.logaddexp(0.0, z))  # sigma(z)(1 - sigma(z))
        H = X.T @ (s[:, None] * X) + ridge
        step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            candidate = w - t * step
            new = l2_logistic_nll(candidate, X, y, lam)
            if new <= loss:
                break
            t /= 2.0
        w, loss = candidate, new
    return w


def confusion_matrix(y_true, y_pred, C):
    out = np.zeros((int(C), int(C)), dtype=np.int64)
    np.add.at(out, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return out


def precision_recall(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    tp = float(np.sum((y_true == 1) & (y_pred == 1)))
    predicted = float(np.sum(y_pred == 1))
    actual = float(np.sum(y_true == 1))
    return (tp / predicted if predicted else 0.0, tp / actual if actual else 0.0)
