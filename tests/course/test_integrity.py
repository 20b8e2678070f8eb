"""course.integrity: library shortcuts in graded functions are named, in words."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from course import integrity


def _notebook_functions(code: str) -> dict:
    namespace = {"np": np, "__name__": "__main__"}
    exec(textwrap.dedent(code), namespace)
    return namespace


CASES = {
    "global_import": ("""
        from scipy.special import expit
        def sigmoid(z):
            return expit(z)
        """, "sigmoid", "implement the sigmoid yourself; scipy.special.expit is not allowed here"),
    "module_attribute": ("""
        import scipy.special
        def softmax(Z):
            return scipy.special.softmax(Z, axis=1)
        """, "softmax", "implement softmax yourself; scipy.special.softmax is not allowed here"),
    "import_inside": ("""
        def log_softmax(Z):
            from scipy.special import logsumexp
            return Z - logsumexp(Z, axis=1, keepdims=True)
        """, "log_softmax", "scipy.special.logsumexp is not allowed here"),
    "through_another_function": ("""
        from scipy.special import expit
        def helper(z):
            return expit(z)
        def predict_proba(X, w):
            return helper(X @ w)
        """, "predict_proba", "(your predict_proba calls helper, which uses it)"),
    "scikit_learn_model": ("""
        from sklearn.linear_model import LogisticRegression
        def fit_logistic_regression(X, y, lam):
            model = LogisticRegression(C=1 / lam).fit(X[:, :-1], y)
            return np.append(model.coef_, model.intercept_)
        """, "fit_logistic_regression",
        "implement logistic regression yourself; sklearn.linear_model.LogisticRegression is not allowed here"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_shortcuts_are_named(case):
    code, name, message = CASES[case]
    fn = _notebook_functions(code)[name]
    with pytest.raises(AssertionError) as info:
        integrity.expect_own_code(fn)
    assert message in str(info.value)


def test_own_code_passes_even_next_to_an_imported_library():
    fns = _notebook_functions("""
        from sklearn.linear_model import LogisticRegression   # the comparison cell's import
        def sigmoid(z):
            return np.exp(-np.logaddexp(0.0, -z))
        def predict_proba(X, w):
            return sigmoid(X @ w)
        """)
    integrity.expect_own_code(fns["predict_proba"])
    assert integrity.forbidden_uses(fns["predict_proba"]) == []


def test_the_allowed_packages_are_a_setting():
    fn = _notebook_functions(CASES["global_import"][0])["sigmoid"]
    integrity.expect_own_code(fn, packages=("sklearn",))  # scipy allowed here


def test_import_guard_explains_a_forbidden_import_only_while_grading():
    """In a fresh interpreter: with COURSE_FORBIDDEN_PACKAGES set, importing scipy gives
    placeholders that raise the message; without it, the real scipy."""
    code = textwrap.dedent("""
        import os, sys
        import course
        from scipy.special import expit
        try:
            expit(0.0)
            print("REAL", float(expit(0.0)))
        except ImportError as exc:
            print("BLOCKED", exc)
        """)
    for env, expected in (({"COURSE_FORBIDDEN_PACKAGES": "scipy,sklearn"},
                           "BLOCKED implement the sigmoid yourself; scipy.special.expit is not allowed here"),
                          ({}, "REAL 0.5")):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**_base_env(), **env}, timeout=120)
        assert done.stdout.strip() == expected, done.stdout + done.stderr


def _base_env():
    import os

    return {k: v for k, v in os.environ.items() if k != "COURSE_FORBIDDEN_PACKAGES"}


def test_package_dirs_finds_the_installed_packages():
    dirs = integrity.package_dirs(["scipy", "sklearn", "no_such_package_here"])
    assert len(dirs) == 2 and dirs[0].endswith("scipy") and dirs[1].endswith("sklearn")
