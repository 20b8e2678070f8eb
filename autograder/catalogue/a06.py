"""Catalogue of assignment 06: typical mistakes and alternative correct solutions.

Every version is self-contained (it computes its own gradient), so that it
can be tested on its own as well as in a notebook.
"""

WRONG = {
    "split_indices": [
        ("test_set_overlaps_training_set", """
def split_indices(N, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(N)
    return order, order[:round(test_fraction * N)]
"""),
        ("not_seeded", """
def split_indices(N, test_fraction, seed):
    order = np.random.permutation(N)
    n_test = round(test_fraction * N)
    return order[n_test:], order[:n_test]
"""),
        ("floor_instead_of_round", """
def split_indices(N, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(N)
    n_test = int(test_fraction * N)
    return order[n_test:], order[:n_test]
"""),
        ("seed_ignored", """
def split_indices(N, test_fraction, seed):
    order = np.random.default_rng(0).permutation(N)
    n_test = round(test_fraction * N)
    return order[n_test:], order[:n_test]
"""),
    ],
    "l2_logistic_nll": [
        ("penalizes_the_bias", """
def l2_logistic_nll(w, X, y, lam):
    m = (2 * y - 1) * (X @ w)
    return float(np.sum(np.logaddexp(0, -m)) + lam / 2 * np.sum(w ** 2))
"""),
        ("lam_not_halved", """
def l2_logistic_nll(w, X, y, lam):
    m = (2 * y - 1) * (X @ w)
    return float(np.sum(np.logaddexp(0, -m)) + lam * np.sum(w[:-1] ** 2))
"""),
        ("mean_not_sum", """
def l2_logistic_nll(w, X, y, lam):
    m = (2 * y - 1) * (X @ w)
    return float(np.mean(np.logaddexp(0, -m)) + lam / 2 * np.sum(w[:-1] ** 2))
"""),
        ("naive_log_of_sigmoid", """
def l2_logistic_nll(w, X, y, lam):
    m = (2 * y - 1) * (X @ w)
    return float(-np.sum(np.log(1 / (1 + np.exp(-m)))) + lam / 2 * np.sum(w[:-1] ** 2))
"""),
    ],
    "l2_logistic_nll_grad": [
        ("penalizes_the_bias", """
def l2_logistic_nll_grad(w, X, y, lam):
    s = 2 * y - 1
    return -(np.exp(-np.logaddexp(0, s * (X @ w))) * s) @ X + lam * w
"""),
        ("lam_halved", """
def l2_logistic_nll_grad(w, X, y, lam):
    s = 2 * y - 1
    penalty = lam / 2 * w
    penalty[-1] = 0.0
    return -(np.exp(-np.logaddexp(0, s * (X @ w))) * s) @ X + penalty
"""),
        ("mean_not_sum", """
def l2_logistic_nll_grad(w, X, y, lam):
    s = 2 * y - 1
    penalty = lam * w
    penalty[-1] = 0.0
    return -(np.exp(-np.logaddexp(0, s * (X @ w))) * s) @ X / len(y) + penalty
"""),
        ("zeroes_the_bias_of_w_in_place", """
def l2_logistic_nll_grad(w, X, y, lam):
    s = 2 * y - 1
    grad = -(np.exp(-np.logaddexp(0, s * (X @ w))) * s) @ X
    w[-1] = 0.0
    return grad + lam * w
"""),
    ],
    "fit_logistic_regression": [
        ("fixed_number_of_steps", """
def fit_logistic_regression(X, y, lam):
    w = np.zeros(X.shape[1])
    s = 2 * y - 1
    for _ in range(100):
        grad = -(np.exp(-np.logaddexp(0, s * (X @ w))) * s) @ X + lam * np.append(w[:-1], 0.0)
        w = w - 0.01 * grad
    return w
"""),
        ("forgets_the_penalty", """
def fit_logistic_regression(X, y, lam):
    w = np.zeros(X.shape[1])
    s = 2 * y - 1
    lr = 4.0 / np.linalg.norm(X, 2) ** 2
    for _ in range(5000):
        grad = -(np.exp(-np.logaddexp(0, s * (X @ w))) * s) @ X
        if np.linalg.norm(grad) < 1e-8:
            break
        w = w - lr * grad
    return w
"""),
        ("penalizes_the_bias", """
def fit_logistic_regression(X, y, lam):
    w = np.zeros(X.shape[1])
    for _ in range(50):
        p = np.exp(-np.logaddexp(0, -(X @ w)))
        grad = X.T @ (p - y) + lam * w
        H = X.T @ ((p * (1 - p))[:, None] * X) + lam * np.eye(len(w))
        w = w - np.linalg.solve(H, grad)
    return w
"""),
        ("returns_the_whole_path", """
def fit_logistic_regression(X, y, lam):
    path = [np.zeros(X.shape[1])]
    for _ in range(30):
        w = path[-1]
        p = np.exp(-np.logaddexp(0, -(X @ w)))
        grad = X.T @ (p - y) + lam * np.append(w[:-1], 0.0)
        H = X.T @ ((p * (1 - p))[:, None] * X) + lam * np.diag(np.append(np.ones(len(w) - 1), 0.0))
        path.append(w - np.linalg.solve(H, grad))
    return np.array(path)
"""),
    ],
    "confusion_matrix": [
        ("transposed", """
def confusion_matrix(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=int)
    for t, p in zip(y_true, y_pred):
        M[p, t] += 1
    return M
"""),
        ("size_from_the_data", """
def confusion_matrix(y_true, y_pred, C):
    k = int(max(y_true.max(), y_pred.max())) + 1
    M = np.zeros((k, k), dtype=int)
    for t, p in zip(y_true, y_pred):
        M[t, p] += 1
    return M
"""),
        ("float_counts", """
def confusion_matrix(y_true, y_pred, C):
    M = np.zeros((C, C))
    for t, p in zip(y_true, y_pred):
        M[t, p] += 1
    return M
"""),
    ],
    "precision_recall": [
        ("swapped", """
def precision_recall(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    return float(tp / max(np.sum(y_true == 1), 1)), float(tp / max(np.sum(y_pred == 1), 1))
"""),
        ("nan_for_zero_denominator", """
def precision_recall(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    return float(tp / np.sum(y_pred == 1)), float(tp / np.sum(y_true == 1))
"""),
        ("precision_over_all_observations", """
def precision_recall(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    actual = np.sum(y_true == 1)
    return float(tp / len(y_true)), float(tp / actual) if actual else 0.0
"""),
    ],
}

CORRECT = {
    "split_indices": [
        ("argsort_of_uniforms", """
def split_indices(N, test_fraction, seed):
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random(N))
    n_test = int(round(test_fraction * N))
    return np.sort(order[n_test:]), np.sort(order[:n_test])
"""),
        ("choice_and_setdiff", """
def split_indices(N, test_fraction, seed):
    rng = np.random.default_rng(seed)
    test = rng.choice(N, size=round(test_fraction * N), replace=False)
    train = np.setdiff1d(np.arange(N), test)
    return train, test.astype(int)
"""),
    ],
    "l2_logistic_nll": [
        ("loop_over_observations", """
def l2_logistic_nll(w, X, y, lam):
    total = 0.0
    for x_i, y_i in zip(X, y):
        m = (2 * y_i - 1) * (x_i @ w)
        total += np.log1p(np.exp(-m)) if m >= 0 else -m + np.log1p(np.exp(m))
    weights = w[:-1]
    return total + 0.5 * lam * float(weights @ weights)
"""),
        ("two_terms_with_softplus", """
def l2_logistic_nll(w, X, y, lam):
    z = X @ w
    def softplus(t):
        return np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))
    nll = np.sum(y * softplus(-z) + (1 - y) * softplus(z))
    return float(nll + lam / 2 * np.linalg.norm(w[:-1]) ** 2)
"""),
    ],
    "l2_logistic_nll_grad": [
        ("residual_form", """
def l2_logistic_nll_grad(w, X, y, lam):
    p = np.exp(-np.logaddexp(0, -(X @ w)))
    return X.T @ (p - y) + lam * np.append(w[:-1], 0.0)
"""),
        ("loop_and_mask", """
def l2_logistic_nll_grad(w, X, y, lam):
    grad = np.zeros(len(w))
    for x_i, y_i in zip(X, y):
        z = x_i @ w
        p = 1 / (1 + np.exp(-z)) if z >= 0 else np.exp(z) / (1 + np.exp(z))
        grad += (p - y_i) * x_i
    mask = np.ones(len(w))
    mask[-1] = 0
    return grad + lam * mask * w
"""),
    ],
    "fit_logistic_regression": [
        ("gradient_descent_until_converged", """
def fit_logistic_regression(X, y, lam):
    # The NLL's curvature is at most ||X||^2 / 4, the penalty's lam: 1 / L is a safe step.
    step = 1.0 / (np.linalg.norm(X, 2) ** 2 / 4 + lam)
    s = 2 * y - 1
    w = np.zeros(X.shape[1])
    for _ in range(200000):
        grad = -(np.exp(-np.logaddexp(0, s * (X @ w))) * s) @ X + lam * np.append(w[:-1], 0.0)
        if np.linalg.norm(grad) <= 1e-7 * max(1, len(y)):
            break
        w = w - step * grad
    return w
"""),
        ("irls", """
def fit_logistic_regression(X, y, lam):
    d = X.shape[1]
    P = lam * np.diag([1.0] * (d - 1) + [0.0])
    w = np.zeros(d)
    for _ in range(100):
        z = X @ w
        p = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
        s = np.maximum(p * (1 - p), 1e-12)
        target = z + (y - p) / s  # the working response of iteratively reweighted least squares
        w_new = np.linalg.solve(X.T @ (s[:, None] * X) + P, X.T @ (s * target))
        if np.max(np.abs(w_new - w)) < 1e-12:
            w = w_new
            break
        w = w_new
    return w
"""),
    ],
    "confusion_matrix": [
        ("bincount", """
def confusion_matrix(y_true, y_pred, C):
    flat = np.bincount(C * np.asarray(y_true) + np.asarray(y_pred), minlength=C * C)
    return flat.reshape(C, C)
"""),
        ("masks", """
def confusion_matrix(y_true, y_pred, C):
    return np.array([[np.sum((y_true == i) & (y_pred == j)) for j in range(C)] for i in range(C)])
"""),
    ],
    "precision_recall": [
        ("explicit_counts", """
def precision_recall(y_true, y_pred):
    tp = fp = fn = 0
    for t, p in zip(y_true, y_pred):
        tp += int(t == 1 and p == 1)
        fp += int(t == 0 and p == 1)
        fn += int(t == 1 and p == 0)
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    return precision, recall
"""),
        ("np_divide_where", """
def precision_recall(y_true, y_pred):
    tp = float(np.sum(y_true * y_pred))
    counts = np.array([np.sum(y_pred), np.sum(y_true)], dtype=float)
    ratios = np.divide(tp, counts, out=np.zeros(2), where=counts > 0)
    return float(ratios[0]), float(ratios[1])
"""),
    ],
}
