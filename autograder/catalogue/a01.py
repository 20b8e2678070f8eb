"""Catalogue of assignment 01: typical mistakes and alternative correct solutions."""

WRONG = {
    "make_labels": [
        ("strict_inequality", """
def make_labels(mpg, target=30.0):
    return (np.asarray(mpg) > target).astype(int)
"""),
        ("booleans_not_ints", """
def make_labels(mpg, target=30.0):
    return np.asarray(mpg) >= target
"""),
        ("ignores_target", """
def make_labels(mpg, target=30.0):
    return (np.asarray(mpg) >= 30).astype(int)
"""),
        ("inverted", """
def make_labels(mpg, target=30.0):
    return (np.asarray(mpg) < target).astype(int)
"""),
        ("object_dtype", """
def make_labels(mpg, target=30.0):
    return np.array([1 if m >= target else 0 for m in mpg], dtype=object)
"""),
    ],
    "standardize": [
        ("sample_std", """
def standardize(X):
    return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
"""),
        ("whole_array_statistics", """
def standardize(X):
    return (X - X.mean()) / X.std()
"""),
        ("in_place", """
def standardize(X):
    X -= X.mean(axis=0)
    X /= X.std(axis=0)
    return X
"""),
        ("centres_only", """
def standardize(X):
    return X - X.mean(axis=0)
"""),
    ],
    "add_bias": [
        ("ones_first", """
def add_bias(X):
    return np.column_stack([np.ones(len(X)), X])
"""),
        ("zeros", """
def add_bias(X):
    return np.column_stack([X, np.zeros(len(X))])
"""),
        ("row_of_ones", """
def add_bias(X):
    return np.vstack([X, np.ones(X.shape[1])])
"""),
    ],
    "linear_classify": [
        ("strict_inequality", """
def linear_classify(X, w):
    return (X @ w > 0).astype(int)
"""),
        ("sign", """
def linear_classify(X, w):
    return np.sign(X @ w).astype(int)
"""),
        ("scores_not_labels", """
def linear_classify(X, w):
    return X @ w
"""),
        ("booleans_not_ints", """
def linear_classify(X, w):
    return X @ w >= 0
"""),
    ],
    "accuracy": [
        ("count_not_fraction", """
def accuracy(y_pred, y_true):
    return float(np.sum(y_pred == y_true))
"""),
        ("error_rate", """
def accuracy(y_pred, y_true):
    return float(np.mean(y_pred != y_true))
"""),
        ("integer_division", """
def accuracy(y_pred, y_true):
    return np.sum(y_pred == y_true) // len(y_true)
"""),
    ],
}

CORRECT = {
    "make_labels": [
        ("list_comprehension", """
def make_labels(mpg, target=30.0):
    return np.array([1 if m >= target else 0 for m in mpg], dtype=int)
"""),
        ("np_where", """
def make_labels(mpg, target=30.0):
    mpg = np.asarray(mpg, dtype=float)
    return np.where(mpg < target, 0, 1)
"""),
    ],
    "standardize": [
        ("explicit_formula", """
def standardize(X):
    X = np.array(X, dtype=float)
    N = X.shape[0]
    mu = X.sum(axis=0) / N
    sigma = np.sqrt(((X - mu) ** 2).sum(axis=0) / N)
    return (X - mu) / sigma
"""),
        ("column_loop", """
def standardize(X):
    Z = np.empty(np.shape(X))
    for j in range(Z.shape[1]):
        column = X[:, j]
        Z[:, j] = (column - np.mean(column)) / np.std(column)
    return Z
"""),
    ],
    "add_bias": [
        ("hstack", """
def add_bias(X):
    return np.hstack([X, np.ones((X.shape[0], 1))])
"""),
        ("fill_new_array", """
def add_bias(X):
    N, d = X.shape
    out = np.ones((N, d + 1))
    out[:, :d] = X
    return out
"""),
    ],
    "linear_classify": [
        ("astype", """
def linear_classify(X, w):
    return (np.dot(X, w) >= 0).astype(int)
"""),
        ("loop", """
def linear_classify(X, w):
    labels = np.zeros(len(X), dtype=int)
    for i, x in enumerate(X):
        if sum(xj * wj for xj, wj in zip(x, w)) >= 0:
            labels[i] = 1
    return labels
"""),
    ],
    "accuracy": [
        ("mean", """
def accuracy(y_pred, y_true):
    return float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))
"""),
        ("count_nonzero", """
def accuracy(y_pred, y_true):
    return np.count_nonzero(y_pred == y_true) / y_true.size
"""),
    ],
}
