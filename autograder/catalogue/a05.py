"""Catalogue of assignment 05: typical mistakes and alternative correct solutions."""

WRONG = {
    "softmax": [
        ("no_max_subtraction", """
def softmax(Z):
    E = np.exp(Z)
    return E / np.sum(E, axis=-1, keepdims=True)
"""),
        ("wrong_axis", """
def softmax(Z):
    E = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return E / np.sum(E, axis=0, keepdims=True)
"""),
        ("sum_without_keepdims", """
def softmax(Z):
    E = np.exp(Z - np.max(Z))
    return E / np.sum(E, axis=-1)
"""),
        ("global_max_shift", """
def softmax(Z):
    E = np.exp(Z - np.max(Z))
    return E / np.sum(E, axis=-1, keepdims=True)
"""),
    ],
    "log_softmax": [
        ("log_of_softmax", """
def log_softmax(Z):
    E = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return np.log(E / np.sum(E, axis=-1, keepdims=True))
"""),
        ("no_max_subtraction", """
def log_softmax(Z):
    return Z - np.log(np.sum(np.exp(Z), axis=-1, keepdims=True))
"""),
        ("wrong_axis", """
def log_softmax(Z):
    M = np.max(Z, axis=0, keepdims=True)
    return Z - M - np.log(np.sum(np.exp(Z - M), axis=0, keepdims=True))
"""),
        ("global_max_shift", """
def log_softmax(Z):
    M = np.max(Z)
    return Z - M - np.log(np.sum(np.exp(Z - M), axis=-1, keepdims=True))
"""),
        ("forgets_the_shift_in_the_result", """
def log_softmax(Z):
    M = np.max(Z, axis=-1, keepdims=True)
    return Z - np.log(np.sum(np.exp(Z - M), axis=-1, keepdims=True))
"""),
    ],
    "one_hot": [
        ("columns_from_max_label", """
def one_hot(y, C):
    Y = np.zeros((len(y), np.max(y) + 1))
    Y[np.arange(len(y)), y] = 1.0
    return Y
"""),
        ("integers", """
def one_hot(y, C):
    Y = np.zeros((len(y), C), dtype=int)
    Y[np.arange(len(y)), y] = 1
    return Y
"""),
        ("transposed", """
def one_hot(y, C):
    Y = np.zeros((C, len(y)))
    Y[y, np.arange(len(y))] = 1.0
    return Y
"""),
        ("sets_whole_columns", """
def one_hot(y, C):
    Y = np.zeros((len(y), C))
    Y[:, y] = 1.0
    return Y
"""),
    ],
    "softmax_nll": [
        ("naive_log_of_softmax", """
def softmax_nll(W, X, y):
    Z = X @ W.T
    P = np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)
    return float(-np.sum(np.log(P[np.arange(len(y)), y])))
"""),
        ("mean_not_sum", """
def softmax_nll(W, X, y):
    Z = X @ W.T
    M = np.max(Z, axis=1, keepdims=True)
    L = Z - M - np.log(np.sum(np.exp(Z - M), axis=1, keepdims=True))
    return float(-np.mean(L[np.arange(len(y)), y]))
"""),
        ("sums_over_all_classes", """
def softmax_nll(W, X, y):
    Z = X @ W.T
    M = np.max(Z, axis=1, keepdims=True)
    L = Z - M - np.log(np.sum(np.exp(Z - M), axis=1, keepdims=True))
    return float(-np.sum(L))
"""),
        ("global_max_shift", """
def softmax_nll(W, X, y):
    # cs231n-style: one shift for the whole batch
    Z = X @ W.T
    Z = Z - np.max(Z)
    L = Z - np.log(np.sum(np.exp(Z), axis=1, keepdims=True))
    return float(-np.sum(L[np.arange(len(y)), y]))
"""),
        ("stable_softmax_then_log", """
def softmax_nll(W, X, y):
    Z = X @ W.T
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    return float(-np.sum(np.log(P[np.arange(len(y)), y])))
"""),
        ("transposed_W", """
def softmax_nll(W, X, y):
    Z = X @ W
    M = np.max(Z, axis=1, keepdims=True)
    L = Z - M - np.log(np.sum(np.exp(Z - M), axis=1, keepdims=True))
    return float(-np.sum(L[np.arange(len(y)), y]))
"""),
    ],
    "softmax_nll_grad": [
        ("transposed_result", """
def softmax_nll_grad(W, X, y):
    Z = X @ W.T
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(len(y)), y] = 1.0
    return X.T @ (P - Y)
"""),
        ("opposite_sign", """
def softmax_nll_grad(W, X, y):
    Z = X @ W.T
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(len(y)), y] = 1.0
    return (Y - P).T @ X
"""),
        ("forgets_one_hot", """
def softmax_nll_grad(W, X, y):
    Z = X @ W.T
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    return P.T @ X
"""),
        ("unstable_softmax", """
def softmax_nll_grad(W, X, y):
    E = np.exp(X @ W.T)
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(len(y)), y] = 1.0
    return (P - Y).T @ X
"""),
        ("global_max_shift", """
def softmax_nll_grad(W, X, y):
    Z = X @ W.T
    E = np.exp(Z - np.max(Z))
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(len(y)), y] = 1.0
    return (P - Y).T @ X
"""),
        ("mean_not_sum", """
def softmax_nll_grad(W, X, y):
    Z = X @ W.T
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(len(y)), y] = 1.0
    return (P - Y).T @ X / len(y)
"""),
    ],
    "predict_class": [
        ("argmax_over_observations", """
def predict_class(X, W):
    return np.argmax(X @ W.T, axis=0)
"""),
        ("argmin", """
def predict_class(X, W):
    return np.argmin(X @ W.T, axis=1)
"""),
        ("max_score_not_class", """
def predict_class(X, W):
    return np.max(X @ W.T, axis=1)
"""),
        ("float_labels", """
def predict_class(X, W):
    return np.argmax(X @ W.T, axis=1).astype(float)
"""),
    ],
}

CORRECT = {
    "softmax": [
        ("row_loop", """
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    if Z.ndim == 1:
        e = np.exp(Z - Z.max())
        return e / e.sum()
    out = np.empty_like(Z)
    for i, row in enumerate(Z):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out
"""),
        ("exp_of_log_softmax", """
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))
"""),
    ],
    "log_softmax": [
        ("logsumexp_by_hand", """
def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    m = np.max(Z, axis=-1, keepdims=True)
    logsumexp = m + np.log(np.sum(np.exp(Z - m), axis=-1, keepdims=True))
    return Z - logsumexp
"""),
        ("row_loop", """
def log_softmax(Z):
    Z = np.array(Z, dtype=float)
    rows = Z.reshape(-1, Z.shape[-1])
    out = np.empty_like(rows)
    for i, row in enumerate(rows):
        s = row - row.max()
        out[i] = s - np.log(np.exp(s).sum())
    return out.reshape(Z.shape)
"""),
    ],
    "one_hot": [
        ("identity_rows", """
def one_hot(y, C):
    return np.eye(C)[y]
"""),
        ("comparison", """
def one_hot(y, C):
    return (np.asarray(y)[:, None] == np.arange(C)[None, :]).astype(float)
"""),
    ],
    "softmax_nll": [
        ("one_hot_sum", """
def softmax_nll(W, X, y):
    Z = X @ W.T
    M = Z.max(axis=1, keepdims=True)
    logp = Z - M - np.log(np.exp(Z - M).sum(axis=1, keepdims=True))
    Y = np.eye(W.shape[0])[y]
    return float(-np.sum(Y * logp))
"""),
        ("loop_with_logsumexp", """
def softmax_nll(W, X, y):
    total = 0.0
    for x_i, y_i in zip(X, y):
        z = W @ x_i
        m = np.max(z)
        total += m + np.log(np.sum(np.exp(z - m))) - z[y_i]
    return total
"""),
    ],
    "softmax_nll_grad": [
        ("per_class_rows", """
def softmax_nll_grad(W, X, y):
    Z = X @ W.T
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    G = np.zeros(W.shape)
    for c in range(W.shape[0]):
        G[c] = (P[:, c] - (y == c)) @ X
    return G
"""),
        ("subtract_at_label", """
def softmax_nll_grad(W, X, y):
    Z = np.dot(X, W.T)
    Z = Z - np.max(Z, axis=1)[:, None]
    D = np.exp(Z) / np.exp(Z).sum(axis=1)[:, None]
    D[np.arange(X.shape[0]), y] -= 1.0
    return np.dot(D.T, X)
"""),
    ],
    "predict_class": [
        ("einsum", """
def predict_class(X, W):
    return np.einsum("nd,cd->nc", X, W).argmax(axis=1)
"""),
        ("loop", """
def predict_class(X, W):
    labels = np.zeros(len(X), dtype=int)
    for i, x in enumerate(X):
        labels[i] = int(np.argmax(W @ x))
    return labels
"""),
    ],
}
