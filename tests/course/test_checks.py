import numpy as np
import pytest

from course import checks


def test_expect_labels_accepts_right_labels():
    checks.expect_labels(np.array([0, 1, 1]), [0, 1, 1], "f(x)")


@pytest.mark.parametrize("value,words", [
    (None, "return"),
    ([0, 1, 1], "numpy array"),
    (np.array([False, True, True]), "booleans"),
    (np.array([0.0, 1.0, 1.0]), "integers"),
    (np.array([0, 1]), "shape"),
    (np.array([1, 1, 1]), "first difference is at position 0"),
])
def test_expect_labels_says_what_is_wrong(value, words):
    with pytest.raises(AssertionError, match=words):
        checks.expect_labels(value, [0, 1, 1], "f(x)")


def test_expect_close():
    checks.expect_close(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-13], "g")
    with pytest.raises(AssertionError, match="at index"):
        checks.expect_close(np.array([1.0, 2.5]), [1.0, 2.0], "g")
    with pytest.raises(AssertionError, match="nan"):
        checks.expect_close(np.array([np.nan]), [1.0], "g")
    with pytest.raises(AssertionError, match="transposed"):
        checks.expect_close(np.zeros((2, 3)), np.zeros((3, 2)), "g")


def test_expect_scalar_and_unchanged():
    assert checks.expect_scalar(np.float64(0.5), "acc") == 0.5
    with pytest.raises(AssertionError, match="single number"):
        checks.expect_scalar(np.array([0.5, 0.5]), "acc")
    X = np.ones(3)
    checks.expect_unchanged(X.copy(), X, "X", "f(X)")
    with pytest.raises(AssertionError, match="in place"):
        checks.expect_unchanged(X.copy(), X * 2, "X", "f(X)")


def test_expect_no_overflow():
    assert checks.expect_no_overflow(lambda z: z + 1, 1.0, call="f") == 2.0
    with pytest.raises(AssertionError, match="overflowed"):
        checks.expect_no_overflow(lambda z: np.exp(z), np.array(1000.0), call="naive")
