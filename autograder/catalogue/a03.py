"""Catalogue of assignment 03: typical mistakes and alternative correct solutions.

Every version is self-contained (it may not call the notebook's other
functions), so that it can also be tested on its own in-process.
"""

WRONG = {
    "sigmoid": [
        ("naive_overflows", """
def sigmoid(z):
    return 1 / (1 + np.exp(-z))
"""),
        ("np_where_computes_both_branches", """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
"""),
        ("sign_flipped", """
def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(np.asarray(z) >= 0, e / (1 + e), 1 / (1 + e))
"""),
        ("clipped_inputs_too_tightly", """
def sigmoid(z):
    z = np.clip(z, -10, 10)
    return 1 / (1 + np.exp(-z))
"""),
        ("flattens_shape", """
def sigmoid(z):
    z = np.atleast_1d(np.asarray(z, dtype=float)).ravel()
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
"""),
    ],
    "sigmoid_derivative": [
        ("naive_overflows", """
def sigmoid_derivative(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2
"""),
        ("missing_one_minus", """
def sigmoid_derivative(z):
    s = 0.5 * (1 + np.tanh(np.asarray(z, dtype=float) / 2))
    return s * s
"""),
        ("sigma_times_one_minus_z", """
def sigmoid_derivative(z):
    s = 0.5 * (1 + np.tanh(np.asarray(z, dtype=float) / 2))
    return s * (1 - z)
"""),
        ("one_sided_difference", """
def sigmoid_derivative(z):
    f = lambda t: 0.5 * (1 + np.tanh(np.asarray(t, dtype=float) / 2))
    h = 1e-4
    return (f(z + h) - f(z)) / h
"""),
    ],
    "log_sigmoid": [
        ("log_of_sigmoid", """
def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return np.log(s)
"""),
        ("log1p_overflows", """
def log_sigmoid(z):
    return -np.log1p(np.exp(-z))
"""),
        ("wrong_sign_inside", """
def log_sigmoid(z):
    return -np.logaddexp(0, z)
"""),
        ("np_where_both_branches", """
def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, -np.log1p(np.exp(-z)), z - np.log1p(np.exp(z)))
"""),
    ],
    "predict_proba": [
        ("scores_not_probabilities", """
def predict_proba(X, w):
    return X @ w
"""),
        ("sign_flipped", """
def predict_proba(X, w):
    return 1 / (1 + np.exp(X @ w))
"""),
        ("naive_overflows", """
def predict_proba(X, w):
    return 1 / (1 + np.exp(-(X @ w)))
"""),
        ("column_vector", """
def predict_proba(X, w):
    z = (X @ w).reshape(-1, 1)
    return 0.5 * (1 + np.tanh(z / 2))
"""),
    ],
    "predict": [
        ("strict_inequality", """
def predict(X, w):
    return (X @ w > 0).astype(int)
"""),
        ("booleans_not_ints", """
def predict(X, w):
    return X @ w >= 0
"""),
        ("rounded_probabilities", """
def predict(X, w):
    return np.round(0.5 * (1 + np.tanh((X @ w) / 2)))
"""),
        ("inverted", """
def predict(X, w):
    return (X @ w < 0).astype(int)
"""),
    ],
}

CORRECT = {
    "sigmoid": [
        ("exp_of_minus_abs", """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
"""),
        ("masks", """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out
"""),
        ("tanh", """
def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))
"""),
        ("logaddexp", """
def sigmoid(z):
    return np.exp(-np.logaddexp(0, -np.asarray(z, dtype=float)))
"""),
    ],
    "sigmoid_derivative": [
        ("sigma_one_minus_sigma", """
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return s * (1 - s)
"""),
        ("symmetry", """
def sigmoid_derivative(z):
    def sig(t):
        return 0.5 * (1 + np.tanh(0.5 * t))
    z = np.asarray(z, dtype=float)
    return sig(z) * sig(-z)
"""),
    ],
    "log_sigmoid": [
        ("min_minus_log1p", """
def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))
"""),
        ("logaddexp", """
def log_sigmoid(z):
    return -np.logaddexp(0.0, -np.asarray(z, dtype=float))
"""),
        ("masks", """
def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = -np.log1p(np.exp(-z[pos]))
    out[~pos] = z[~pos] - np.log1p(np.exp(z[~pos]))
    return out
"""),
    ],
    "predict_proba": [
        ("stable_where", """
def predict_proba(X, w):
    z = X @ w
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
"""),
        ("loop", """
import math

def predict_proba(X, w):
    out = np.zeros(len(X))
    for i, x in enumerate(X):
        z = float(np.dot(x, w))
        out[i] = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    return out
"""),
    ],
    "predict": [
        ("score_threshold", """
def predict(X, w):
    return np.where(X @ w >= 0, 1, 0)
"""),
        ("probability_threshold", """
def predict(X, w):
    z = X @ w
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return (p >= 0.5).astype(int)
"""),
    ],
}
