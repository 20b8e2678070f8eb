"""Checks for the visible tests: each failure says what is wrong, in words.

They compare a student's result with a worked example written in the test
cell.  The graded (hidden) tests are stricter and live elsewhere; passing
these is necessary, not sufficient.

>>> expect_labels(np.array([0, 1]), [0, 1], "make_labels(...)")
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "expect_array", "expect_close", "expect_labels", "expect_scalar", "expect_shape",
    "expect_unchanged", "expect_no_overflow", "agrees",
]


def _num(x) -> str:
    """A number as a student writes it: -1.0, not np.float64(-1.0)."""
    x = float(x)
    return repr(x + 0.0) if x == x else "nan"


def _diagnose(arr: np.ndarray, expected: np.ndarray, n: int | None) -> str:
    """The same diagnoses as the hidden checks: a sign, a mean for a sum, ddof=1, a constant factor."""
    both = np.isfinite(arr) & np.isfinite(expected)
    if not both.all() or not np.any(expected != 0):
        return ""
    if np.allclose(arr, -expected, rtol=1e-6, atol=1e-12):
        return (" It has the opposite sign (for a loss or its gradient: the NEGATIVE log-likelihood "
                "has a minus sign in front of the sum).")
    nonzero = np.abs(expected) > 1e-12
    ratio = arr[nonzero] / expected[nonzero]
    if not np.allclose(np.abs(arr[~nonzero]), 0.0, atol=1e-12) or not np.allclose(ratio, ratio[0], rtol=1e-6):
        return ""
    k = float(ratio[0])
    if n and n > 1 and np.isclose(k, 1.0 / n, rtol=1e-6):
        return (f" It is the expected value divided by N = {n}: it looks like the mean over the "
                "observations, but the loss (and so its gradient) is a sum.")
    if n and n > 1 and np.isclose(k, np.sqrt((n - 1) / n), rtol=1e-6):
        return (" It looks like you divided by the sample standard deviation (ddof=1); use the "
                "population one (ddof=0, numpy's default for np.std).")
    if ratio.size > 1 and not np.isclose(k, 1.0, rtol=1e-9):
        return f" Every value is {k:.6g} times the expected one: a constant factor is off."
    return ""


def _fail(message: str):
    raise AssertionError(message)


def _as_array(value, call: str) -> np.ndarray:
    if value is None:
        _fail(f"{call} returned None. Did you forget the `return` statement?")
    try:
        arr = np.asarray(value)
    except Exception:
        _fail(f"{call} returned {type(value).__name__}, which is not an array of numbers.")
    if arr.dtype == object:
        _fail(f"{call} returned {type(value).__name__} ({value!r:.80}), not an array of numbers.")
    return arr


def expect_array(value, call: str) -> np.ndarray:
    """The value is a numpy array (not a list, not None)."""
    arr = _as_array(value, call)
    if not isinstance(value, np.ndarray):
        _fail(f"{call} returned a {type(value).__name__}; return a numpy array instead "
              "(for example with np.array(...) or by using numpy operations).")
    return arr


def expect_shape(value, shape, call: str) -> np.ndarray:
    arr = _as_array(value, call)
    shape = tuple(shape)
    if arr.shape != shape:
        hint = ""
        if arr.shape == shape[::-1] and len(shape) == 2:
            hint = (" It looks transposed: rows and columns are swapped (a gradient has the shape of "
                    "its weights, (C, d) for W).")
        elif arr.size == int(np.prod(shape)):
            hint = " The number of entries is right: check how you arrange them."
        _fail(f"{call} has shape {arr.shape}, expected {shape}.{hint}")
    return arr


def expect_labels(value, expected, call: str) -> None:
    """An integer array of exactly these labels."""
    expected = np.asarray(expected)
    arr = expect_shape(expect_array(value, call), expected.shape, call)
    if arr.dtype.kind == "b":
        _fail(f"{call} returned booleans (True/False); labels must be the integers 0 and 1. "
              "Convert with .astype(int).")
    if arr.dtype.kind not in "iu":
        _fail(f"{call} returned an array of dtype {arr.dtype}; labels must be integers. "
              "Convert with .astype(int).")
    wrong = np.flatnonzero(arr.reshape(-1) != expected.reshape(-1))
    if wrong.size:
        i = int(wrong[0])
        _fail(f"{call} gave {arr.reshape(-1).tolist()}, expected {expected.reshape(-1).tolist()} "
              f"(the first difference is at position {i}).")


def expect_close(value, expected, call: str, *, atol: float = 1e-12, rtol: float = 1e-9,
                 n: int | None = None) -> None:
    """Numbers (array or scalar) close to the expected ones.

    ``n``: the number of observations behind the value, so that a mean instead
    of a sum (or ddof=1 instead of ddof=0) is named as such.
    """
    expected = np.asarray(expected, dtype=float)
    arr = expect_shape(value, expected.shape, call).astype(float)
    if np.isnan(arr).any() and not np.isnan(expected).any():
        _fail(f"{call} contains nan (not a number): look for 0/0, inf - inf or log of a negative "
              "number in your computation.")
    if not np.allclose(arr, expected, atol=atol, rtol=rtol, equal_nan=True):
        diff = np.abs(arr - expected)
        diff = np.where(np.isnan(diff) | (np.isinf(diff) & (arr == expected)), 0.0, diff)
        diff = np.where(np.isnan(diff), np.inf, diff)
        i = np.unravel_index(int(np.argmax(diff)), arr.shape) if arr.ndim else ()
        where = f" at index {tuple(int(k) for k in i)}" if arr.ndim else ""
        hint = _diagnose(arr, expected, n)
        if not hint and np.isinf(arr[i]) and np.isfinite(expected[i]):
            hint = (" The true value is finite: a probability that rounded to 0 was logged or divided "
                    "by. Work with log-probabilities directly.")
        _fail(f"{call} is not what the worked example expects{where}: got {_num(arr[i])}, "
              f"expected {_num(expected[i])}.{hint}")


def agrees(compute, expected, *, atol: float = 1e-9, rtol: float = 1e-9) -> bool:
    """True when ``compute()`` runs and returns numbers close to expected: a question, not a test.

    A test of B that builds on the student's A asks this of A first, so that a
    wrong A is reported as A's mistake instead of failing B.
    """
    try:
        arr = np.asarray(compute(), dtype=float)
        return arr.shape == np.shape(expected) and bool(np.allclose(arr, expected, atol=atol, rtol=rtol))
    except Exception:
        return False


def expect_scalar(value, call: str) -> float:
    """A single number (float or numpy scalar), not an array."""
    if isinstance(value, np.ndarray) and value.shape != ():
        _fail(f"{call} returned an array of shape {value.shape}; it should return a single number. "
              "Did you forget to sum or average?")
    try:
        return float(value)
    except Exception:
        _fail(f"{call} returned {type(value).__name__}, expected a single number.")


def expect_unchanged(before: np.ndarray, after: np.ndarray, name: str, call: str) -> None:
    """The function did not modify its argument in place."""
    if before.shape != after.shape or not np.array_equal(before, after, equal_nan=True):
        _fail(f"{call} changed its argument {name} in place. Work on a copy "
              f"({name} = {name}.copy()) or build a new array.")


def expect_no_overflow(fn, *args, call: str):
    """Run fn(*args) with overflow and invalid operations raising, as the spec requires.

    The course's stability rule: a function whose formula goes through exp holds
    for scores as large as |z| = 1000 under np.errstate(over="raise", invalid="raise").
    """
    try:
        with np.errstate(over="raise", invalid="raise"):
            return fn(*args)
    except FloatingPointError as exc:
        if "overflow" in str(exc):
            _fail(f"{call} overflowed ({exc}): exp of a large positive number is inf. A stable "
                  "formula only ever takes exp of numbers <= 0 (shift by the maximum, or use exp(-|z|)).")
        _fail(f"{call} produced an invalid value ({exc}), such as 0/0 or inf - inf. This is underflow, "
              "not overflow: exp of large negative numbers rounds to 0, and a sum of zeros was then "
              "divided by or logged, for example after shifting every row by one global maximum "
              "instead of each row by its own maximum.")
