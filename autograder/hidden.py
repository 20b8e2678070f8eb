"""What the hidden test cells call: ``check(check_id, fn)``.

A hidden test cell in `source/` reads, for example::

    from autograder.hidden import check
    check("sigmoid.stable", sigmoid)

``check`` runs the student's function on inputs chosen by the grader and has
the results judged against the reference implementation.  There are two modes:

* **Trusted mode** (``python -m autograder grade``): the grader's sandboxed
  executor sets ``_channel`` before any student code runs.  The inputs come
  from the grader, the student's function runs here, and its results travel
  back as plain numbers (``autograder.wire``: JSON, numeric dtypes only).  The
  judgement happens in the grader's own process, which the student's kernel
  cannot reach, and the grader scores a test cell only on the verdicts it
  reached itself.  Monkeypatching ``numpy``, ``math`` or ``builtins`` in the
  notebook, returning objects whose ``__eq__`` always says True, or replacing
  this very function cannot fake a pass: none of them changes the numbers the
  grader compares, and a check that never reports back counts as failed.
  Nothing of the references is imported into the kernel in this mode.

* **Local mode** (plain ``nbgrader autograde``, validating the source
  notebooks): no channel is set, so the same checks are prepared and judged in
  this process.  The results still go through the same encoding (plain
  arrays, so ``__eq__`` tricks fail), but a notebook that patches numpy itself
  can influence a local judgement; that is why the course grades with the
  trusted grader.
"""
from __future__ import annotations

import warnings as _warnings

import numpy as _np

from . import wire as _wire

# Captured at import time.  The sandboxed executor imports this module before
# any student code runs, so these are numpy's own objects even if a notebook
# later replaces ``np.errstate`` or ``np.ndarray.copy``.
_errstate = _np.errstate
_ndarray = _np.ndarray
_array = _np.array

#: Set by the grader's executor (trusted mode); an object with ``request(dict) -> dict``.
_channel = None


# --- test functions for graded functions that take a function ---------------
def _quadratic(A, b, shape, c=0.0):
    A = _array(A, dtype=float)
    b = _array(b, dtype=float)

    def f(w):
        v = _np.asarray(w, dtype=float).reshape(-1)
        return float(0.5 * v @ A @ v + b @ v + c)

    return f


def _curved(a, A, shape):
    """f(w) = sum(exp(a * w)) + 0.5 w.A.w: strong curvature exposes one-sided differences."""
    a = _array(a, dtype=float)
    A = _array(A, dtype=float)

    def f(w):
        v = _np.asarray(w, dtype=float).reshape(-1)
        return float(_np.sum(_np.exp(a * v)) + 0.5 * v @ A @ v)

    return f


def _affine_grad(A, b, shape):
    """grad_fn(w) = A w - b (the gradient of a quadratic), in the shape of w."""
    A = _array(A, dtype=float)
    b = _array(b, dtype=float)
    shape = tuple(int(s) for s in shape)

    def grad_fn(w):
        v = _np.asarray(w, dtype=float).reshape(-1)
        return (A @ v - b).reshape(shape)

    return grad_fn


def _tanh_grad(A, shape):
    """A non-linear gradient field: grad_fn(w) = tanh(A w) + w."""
    A = _array(A, dtype=float)
    shape = tuple(int(s) for s in shape)

    def grad_fn(w):
        v = _np.asarray(w, dtype=float).reshape(-1)
        return (_np.tanh(A @ v) + v).reshape(shape)

    return grad_fn


TEST_FUNCTIONS = {
    "quadratic": _quadratic,
    "curved": _curved,
    "affine_grad": _affine_grad,
    "tanh_grad": _tanh_grad,
}


def build_function(spec: _wire.FunctionSpec):
    try:
        make = TEST_FUNCTIONS[spec.name]
    except KeyError:
        raise ValueError(f"unknown test function {spec.name!r}") from None
    return make(**spec.params)


# --- running the student's function ------------------------------------------
def run_calls(fn, calls: list) -> list:
    """Call ``fn`` on each encoded call; return encoded outcomes.

    Each outcome holds the returned value (or the exception the call raised)
    and the array arguments as they were after the call, so that the grader
    can tell whether the function modified its inputs.
    """
    outcomes = []
    # Warnings inside a check (a library's RuntimeWarning) are not the
    # student's output: keep them off stderr, where plain nbgrader would zero
    # the whole test cell for them.
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        for call in calls:
            outcomes.append(_run_one(fn, call))
    return outcomes


def _run_one(fn, call: dict) -> dict:
    args = _wire.decode(call["args"], build_function)
    kwargs = _wire.decode(call["kwargs"], build_function)
    try:
        if call.get("errstate"):
            # The spec's test of stability: overflow and invalid operations raise.
            with _errstate(over="raise", invalid="raise", divide="ignore"):
                value = fn(*args, **kwargs)
        else:
            value = fn(*args, **kwargs)
        outcome = {"value": _wire.encode_result(value)}
    except Exception as exc:  # the student's error is data for the judge
        outcome = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    outcome["args_after"] = [
        _wire.encode_result(a) if isinstance(a, _ndarray) else None for a in args
    ]
    return outcome


def check(check_id: str, fn) -> None:
    """Run the hidden check ``check_id`` on the student's function ``fn``.

    Raises AssertionError with a message a student can act on when the check fails.
    """
    if not callable(fn):
        raise AssertionError(f"{check_id}: expected a function, got {type(fn).__name__}")
    if _channel is not None:
        reply = _channel.request({"op": "check", "id": check_id})
        if "calls" not in reply:
            raise AssertionError(reply.get("message", f"{check_id}: the grader refused this check"))
        outcomes = run_calls(fn, reply["calls"])
        verdict = _channel.request({"op": "results", "id": check_id, "outcomes": outcomes})
    else:
        from . import cases  # local mode: references imported here, on purpose only now

        calls, judge = cases.prepare(check_id)
        verdict = judge(run_calls(fn, calls))
    if not verdict.get("ok"):
        raise AssertionError(verdict.get("message", f"{check_id} failed"))
