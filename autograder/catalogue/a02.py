"""Catalogue of assignment 02: typical mistakes and alternative correct solutions."""

WRONG = {
    "bernoulli_pmf": [
        ("swapped_outcomes", """
def bernoulli_pmf(y, q):
    return (1 - q) ** y * q ** (1 - y)
"""),
        ("sum_not_product", """
def bernoulli_pmf(y, q):
    return q ** y + (1 - q) ** (1 - y)
"""),
        ("loop_without_broadcasting", """
def bernoulli_pmf(y, q):
    return np.array([qi ** yi * (1 - qi) ** (1 - yi) for yi, qi in zip(y, q)])
"""),
        ("ignores_label", """
def bernoulli_pmf(y, q):
    return q * np.ones(np.shape(y))
"""),
    ],
    "bernoulli_log_pmf": [
        ("naive_nan_at_edges", """
def bernoulli_log_pmf(y, q):
    return y * np.log(q) + (1 - y) * np.log(1 - q)
"""),
        ("clipped_epsilon", """
def bernoulli_log_pmf(y, q):
    q = np.clip(q, 1e-15, 1 - 1e-15)
    return y * np.log(q) + (1 - y) * np.log(1 - q)
"""),
        ("log10", """
def bernoulli_log_pmf(y, q):
    return np.where(np.asarray(y) == 1, np.log10(q), np.log10(1 - np.asarray(q)))
"""),
        ("epsilon_inside_log", """
def bernoulli_log_pmf(y, q):
    eps = 1e-12
    return np.where(np.asarray(y) == 1, np.log(q + eps), np.log(1 - np.asarray(q) + eps))
"""),
        ("nan_to_num", """
def bernoulli_log_pmf(y, q):
    return np.nan_to_num(y * np.log(q) + (1 - y) * np.log(1 - q))
"""),
    ],
    "bernoulli_nll": [
        ("mean_not_sum", """
def bernoulli_nll(q, y):
    y = np.asarray(y)
    return float(-np.mean(np.where(y == 1, np.log(q), np.log(1 - q))))
"""),
        ("log_likelihood_not_negative", """
def bernoulli_nll(q, y):
    y = np.asarray(y)
    return float(np.sum(np.where(y == 1, np.log(q), np.log(1 - q))))
"""),
        ("naive_nan_at_edges", """
def bernoulli_nll(q, y):
    return float(-np.sum(y * np.log(q) + (1 - y) * np.log(1 - q)))
"""),
        ("epsilon_inside_log", """
def bernoulli_nll(q, y):
    y = np.asarray(y)
    p = np.where(y == 1, q, 1 - q)
    return float(-np.sum(np.log(p + 1e-12)))
"""),
        ("product_underflows", """
def bernoulli_nll(q, y):
    y = np.asarray(y)
    return float(-np.log(np.prod(np.where(y == 1, q, 1 - q)) + 1e-300))
"""),
    ],
    "bernoulli_mle": [
        ("fraction_of_zeros", """
def bernoulli_mle(y):
    return float(np.mean(np.asarray(y) == 0))
"""),
        ("count_not_fraction", """
def bernoulli_mle(y):
    return float(np.sum(y))
"""),
        ("median", """
def bernoulli_mle(y):
    return float(np.median(y))
"""),
        ("half", """
def bernoulli_mle(y):
    return 0.5
"""),
    ],
}

CORRECT = {
    "bernoulli_pmf": [
        ("np_where", """
def bernoulli_pmf(y, q):
    y, q = np.broadcast_arrays(np.asarray(y), np.asarray(q, dtype=float))
    return np.where(y == 1, q, 1 - q)
"""),
        ("linear_in_y", """
def bernoulli_pmf(y, q):
    return y * q + (1 - y) * (1 - q)
"""),
    ],
    "bernoulli_log_pmf": [
        ("log_of_pmf", """
def bernoulli_log_pmf(y, q):
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        return np.log(q ** y * (1 - q) ** (1 - y))
"""),
        ("masks", """
def bernoulli_log_pmf(y, q):
    y, q = np.broadcast_arrays(np.asarray(y, dtype=float), np.asarray(q, dtype=float))
    out = np.zeros(y.shape)
    with np.errstate(divide="ignore"):
        ones = y == 1
        out[ones] = np.log(q[ones])
        out[~ones] = np.log1p(-q[~ones])
    return out if out.ndim else float(out)
"""),
        ("xlogy", """
def bernoulli_log_pmf(y, q):
    y = np.asarray(y, dtype=float)
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y == 0, 0.0, y * np.log(q))
        b = np.where(y == 1, 0.0, (1 - y) * np.log(1 - q))
    return a + b
"""),
    ],
    "bernoulli_nll": [
        ("count_ones", """
def bernoulli_nll(q, y):
    k = int(np.sum(y))
    n = len(y)
    with np.errstate(divide="ignore"):
        log_q = np.log(q) if k > 0 else 0.0
        log_1mq = np.log(1 - q) if n - k > 0 else 0.0
    return float(-(k * log_q + (n - k) * log_1mq))
"""),
        ("loop", """
import math

def bernoulli_nll(q, y):
    total = 0.0
    for label in y:
        p = q if label == 1 else 1 - q
        if p == 0:
            return math.inf
        total -= math.log(p)
    return total
"""),
    ],
    "bernoulli_mle": [
        ("mean", """
def bernoulli_mle(y):
    return float(np.mean(y))
"""),
        ("count", """
def bernoulli_mle(y):
    return np.count_nonzero(y) / len(y)
"""),
    ],
}
