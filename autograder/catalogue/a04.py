"""Catalogue of assignment 04: typical mistakes and alternative correct solutions."""

WRONG = {
    "logistic_nll": [
        ("naive_log_of_sigmoid", """
def logistic_nll(w, X, y):
    z = (2 * y - 1) * (X @ w)
    return float(-np.sum(np.log(1 / (1 + np.exp(-z)))))
"""),
        ("mean_not_sum", """
def logistic_nll(w, X, y):
    m = (2 * y - 1) * (X @ w)
    return float(np.mean(np.logaddexp(0, -m)))
"""),
        ("forgets_label_sign", """
def logistic_nll(w, X, y):
    return float(np.sum(np.logaddexp(0, -(X @ w))))
"""),
        ("stable_sigmoid_then_log", """
def logistic_nll(w, X, y):
    m = (2 * y - 1) * (X @ w)
    p = np.where(m >= 0, 1 / (1 + np.exp(-np.abs(m))), np.exp(-np.abs(m)) / (1 + np.exp(-np.abs(m))))
    return float(-np.sum(np.log(p)))
"""),
        ("log_likelihood_not_negative", """
def logistic_nll(w, X, y):
    m = (2 * y - 1) * (X @ w)
    return float(-np.sum(np.logaddexp(0, -m)))
"""),
    ],
    "logistic_nll_grad": [
        ("missing_minus", """
def logistic_nll_grad(w, X, y):
    s = 2 * y - 1
    m = s * (X @ w)
    return ((1 - np.exp(-np.logaddexp(0, -m))) * s) @ X
"""),
        ("sigmoid_instead_of_one_minus", """
def logistic_nll_grad(w, X, y):
    s = 2 * y - 1
    m = s * (X @ w)
    return -(np.exp(-np.logaddexp(0, -m)) * s) @ X
"""),
        ("mean_not_sum", """
def logistic_nll_grad(w, X, y):
    s = 2 * y - 1
    m = s * (X @ w)
    return -((np.exp(-np.logaddexp(0, m)) * s) @ X) / len(y)
"""),
        ("naive_sigmoid_overflows", """
def logistic_nll_grad(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (p - y)
"""),
        ("forgets_label_sign", """
def logistic_nll_grad(w, X, y):
    z = X @ w
    return -(np.exp(-np.logaddexp(0, z))) @ X
"""),
    ],
    "numerical_gradient": [
        ("forward_differences", """
def numerical_gradient(f, w, eps=1e-6):
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    f0 = f(w)
    for i in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[i] = eps
        grad[i] = (f(w + e) - f0) / eps
    return grad
"""),
        ("divides_by_eps", """
def numerical_gradient(f, w, eps=1e-6):
    grad = np.zeros_like(w, dtype=float)
    for i in np.ndindex(w.shape):
        e = np.zeros_like(w, dtype=float)
        e[i] = eps
        grad[i] = (f(w + e) - f(w - e)) / eps
    return grad
"""),
        ("flat_result", """
def numerical_gradient(f, w, eps=1e-6):
    flat = np.array(w, dtype=float).ravel()
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = eps
        grad[i] = (f((flat + e).reshape(w.shape)) - f((flat - e).reshape(w.shape))) / (2 * eps)
    return grad
"""),
        ("hard_coded_eps", """
def numerical_gradient(f, w, eps=1e-6):
    h = 1e-4
    grad = np.zeros_like(w, dtype=float)
    for i in np.ndindex(w.shape):
        e = np.zeros_like(w, dtype=float)
        e[i] = h
        grad[i] = (f(w + e) - f(w - e)) / (2 * h)
    return grad
"""),
        ("modifies_w_without_restoring", """
def numerical_gradient(f, w, eps=1e-6):
    grad = np.zeros_like(w, dtype=float)
    for i in np.ndindex(w.shape):
        w[i] += eps
        f_plus = f(w)
        w[i] -= 2 * eps
        f_minus = f(w)
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
"""),
    ],
    "gradient_descent": [
        ("final_weights_only", """
def gradient_descent(grad_fn, w0, lr, steps):
    w = np.array(w0, dtype=float)
    for _ in range(steps):
        w = w - lr * grad_fn(w)
    return w
"""),
        ("path_without_w0", """
def gradient_descent(grad_fn, w0, lr, steps):
    w = np.array(w0, dtype=float)
    path = []
    for _ in range(steps):
        w = w - lr * grad_fn(w)
        path.append(w)
    return np.array(path)
"""),
        ("modifies_w0_in_place", """
def gradient_descent(grad_fn, w0, lr, steps):
    w = w0
    path = [w.copy()]
    for _ in range(steps):
        w -= lr * grad_fn(w)
        path.append(w.copy())
    return np.array(path)
"""),
        ("ascent", """
def gradient_descent(grad_fn, w0, lr, steps):
    path = [np.array(w0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] + lr * grad_fn(path[-1]))
    return np.array(path)
"""),
        ("stops_when_gradient_sums_to_zero", """
def gradient_descent(grad_fn, w0, lr, steps):
    w = np.array(w0, dtype=float)
    path = [w.copy()]
    for _ in range(steps):
        g = grad_fn(w)
        if abs(np.sum(g)) < 1e-12:
            break
        w = w - lr * g
        path.append(w.copy())
    return np.array(path)
"""),
        ("aliased_path", """
def gradient_descent(grad_fn, w0, lr, steps):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(steps):
        w -= lr * grad_fn(w)
        path.append(w)
    return np.array(path)
"""),
    ],
}

CORRECT = {
    "logistic_nll": [
        ("two_term_form_with_masks", """
def logistic_nll(w, X, y):
    z = X @ w
    # -log sigma(z) = log(1 + e^{-z}), written so that exp never sees a large positive number
    def softplus(t):
        return np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))
    return float(np.sum(y * softplus(-z) + (1 - y) * softplus(z)))
"""),
        ("loop_over_observations", """
def logistic_nll(w, X, y):
    total = 0.0
    for x_i, y_i in zip(X, y):
        m = (2 * y_i - 1) * np.dot(x_i, w)
        if m >= 0:
            total += np.log1p(np.exp(-m))
        else:
            total += -m + np.log1p(np.exp(m))
    return total
"""),
    ],
    "logistic_nll_grad": [
        ("residual_form", """
def logistic_nll_grad(w, X, y):
    z = X @ w
    p = np.exp(-np.logaddexp(0, -z))  # sigma(z), stable
    return X.T @ (p - y)
"""),
        ("loop_with_stable_sigmoid", """
def logistic_nll_grad(w, X, y):
    grad = np.zeros(X.shape[1])
    for x_i, y_i in zip(X, y):
        s = 2 * y_i - 1
        m = s * (x_i @ w)
        if m >= 0:
            one_minus = np.exp(-m) / (1 + np.exp(-m))
        else:
            one_minus = 1 / (1 + np.exp(m))
        grad -= one_minus * s * x_i
    return grad
"""),
    ],
    "numerical_gradient": [
        ("flat_view_of_a_copy", """
def numerical_gradient(f, w, eps=1e-6):
    w = np.array(w, dtype=float)
    grad = np.zeros(w.size)
    flat = w.reshape(-1)
    for i in range(w.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f(w)
        flat[i] = old - eps
        f_minus = f(w)
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.reshape(w.shape)
"""),
        ("write_then_restore", """
def numerical_gradient(f, w, eps=1e-6):
    # cs231n's eval_numerical_gradient: nudges w in place, restores every entry before returning
    grad = np.zeros(w.shape)
    it = np.nditer(w, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = w[ix]
        w[ix] = old + eps
        f_plus = f(w)
        w[ix] = old - eps
        f_minus = f(w)
        w[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * eps)
        it.iternext()
    return grad
"""),
        ("ndenumerate", """
def numerical_gradient(f, w, eps=1e-6):
    grad = np.empty(np.shape(w))
    for index, _ in np.ndenumerate(w):
        step = np.zeros(np.shape(w))
        step[index] = eps
        grad[index] = (f(w + step) - f(w - step)) / (2 * eps)
    return grad
"""),
    ],
    "gradient_descent": [
        ("preallocated", """
def gradient_descent(grad_fn, w0, lr, steps):
    path = np.empty((steps + 1,) + np.shape(w0))
    path[0] = w0
    for k in range(steps):
        path[k + 1] = path[k] - lr * grad_fn(path[k])
    return path
"""),
        ("in_place_on_a_copy", """
def gradient_descent(grad_fn, w0, lr, steps):
    w = w0.astype(float)
    path = [w.copy()]
    for _ in range(steps):
        w -= lr * grad_fn(w)
        path.append(w.copy())
    return np.stack(path)
"""),
    ],
}
