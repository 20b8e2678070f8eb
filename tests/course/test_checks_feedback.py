"""The visible checks give the diagnoses the hidden checks give, in plain numbers."""
import numpy as np
import pytest

from course import checks


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_numbers_print_as_plain_floats():
    message = _message(checks.expect_close, np.float64(-1.0), 2.0, "f(x)")
    assert "got -1.0, expected 2.0" in message
    assert "np.float64" not in message and "array(" not in message


@pytest.mark.parametrize("got,expected,n,words", [
    ([-1.5, -0.5], [1.5, 0.5], 3, "opposite sign"),
    ([0.5, 1 / 6], [1.5, 0.5], 3, "mean over the observations"),
    (np.array([-1.0, 0.0, 1.0]), np.array([-1.0, 0.0, 1.0]) * np.sqrt(3 / 2), 3, "ddof=1"),
    ([2.0, 4.0], [1.0, 2.0], None, "2 times the expected"),
])
def test_the_hidden_checks_diagnoses(got, expected, n, words):
    assert words in _message(checks.expect_close, np.array(got), expected, "f(x)", n=n)


def test_no_diagnosis_for_an_unrelated_mistake():
    message = _message(checks.expect_close, np.array([1.0, 5.0]), [1.0, 2.0], "f(x)", n=2)
    assert "sign" not in message and "mean" not in message and "times" not in message


def test_transposed_shape_says_so():
    assert "transposed" in _message(checks.expect_shape, np.zeros((2, 3)), (3, 2), "grad")


def test_overflow_and_underflow_are_told_apart():
    overflow = _message(checks.expect_no_overflow, lambda z: 1 / (1 + np.exp(-z)), np.array([-1000.0]),
                        call="sigmoid")
    assert "overflowed" in overflow and "exp of a large positive number" in overflow

    def global_shift(Z):
        E = np.exp(Z - np.max(Z))
        return E / E.sum(axis=1, keepdims=True)

    underflow = _message(checks.expect_no_overflow, global_shift, np.array([[1000.0, 999.0], [-1000.0, -999.0]]),
                         call="softmax")
    assert "0/0" in underflow and "its own maximum" in underflow
    assert "large positive" not in underflow


def test_agrees_asks_without_failing():
    assert checks.agrees(lambda: np.array([1.0, 2.0]), [1.0, 2.0])
    assert not checks.agrees(lambda: np.array([1.0, 2.5]), [1.0, 2.0])
    assert not checks.agrees(lambda: 1 / 0, 1.0)
    assert not checks.agrees(lambda: np.zeros(3), np.zeros(2))
