"""What the hidden test cells call: ``check(check_id, fn)``.

A hidden test cell in `source/` reads, for example::

    from autograder.hidden import check
    check("sigmoid.stable", sigmoid)

``check`` runs the student's function on inputs chosen by the grader and has
the results judged against the reference implementation.  There are two modes:

* **Trusted mode** (``python -m autograder grade``): ``check`` is never
  called.  The notebook runs with the hidden part of every test cell removed,
  and its channel answers nothing.  The hidden checks run afterwards in a
  separate, fresh kernel that holds only the instructor's imports and the
  submission's solution cells: ``run_checks`` (one grader-written cell)
  first asks the grader for the plan (the calls, and a token that later
  results must carry), only then executes the solution cells, runs every
  call with what it captured before any student code ran, and sends back the
  outcomes as plain numbers (``autograder.wire``).  The grader judges them in
  its own process and replies with an acknowledgement only: no verdict, no
  expected value ever enters a kernel (autograder.checkrun).

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
_warnings_catch = _warnings.catch_warnings
_warnings_simplefilter = _warnings.simplefilter


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


# --- trusted mode: the check kernel's one harness cell ----------------------------
def run_checks(solutions: list) -> None:
    """Run the hidden checks the grader plans, on the functions of ``solutions``.

    ``solutions`` holds ``[grade_id, source]`` of the submission's solution
    cells.  Everything used after the first line of student code runs is
    bound here first, as locals: a solution cell that replaces this module's
    attributes, ``np.errstate`` or ``warnings`` changes nothing below.
    """
    channel, errstate, ndarray = _channel, _errstate, _ndarray
    encode_result, decode, build = _wire.encode_result, _wire.decode, build_function
    catch, simplefilter = _warnings_catch, _warnings_simplefilter
    callable_, isinstance_, type_, str_, exception = callable, isinstance, type, str, Exception
    exec_, compile_, transform = exec, compile, _python_source
    if channel is None:
        raise RuntimeError("run_checks runs only in the grader's check kernel")
    request = channel.request
    plan = request({"op": "plan"})
    if "checks" not in plan:
        return  # refused: a replay after a restart, or a second plan
    token, checks = plan["token"], plan["checks"]

    namespace = _student_namespace()
    for number, (grade_id, source) in enumerate(solutions):
        # the grader learns which cell hangs or ends the kernel, and grades without it next time
        request({"op": "solution", "token": token, "number": number})
        try:
            exec_(compile_(transform(source), f"<solution cell {grade_id}>", "exec"), namespace)
        except BaseException:  # noqa: BLE001 - a broken cell leaves what it defined before the error
            pass

    request({"op": "ready", "token": token})

    def run_one(fn, call):
        args = decode(call["args"], build)
        kwargs = decode(call["kwargs"], build)
        try:
            if call.get("errstate"):
                with errstate(over="raise", invalid="raise", divide="ignore"):
                    value = fn(*args, **kwargs)
            else:
                value = fn(*args, **kwargs)
            outcome = {"value": encode_result(value)}
        except exception as exc:
            outcome = {"error": f"{type_(exc).__name__}: {exc}"[:500]}
        outcome["args_after"] = [encode_result(a) if isinstance_(a, ndarray) else None for a in args]
        return outcome

    for item in checks:
        fn = namespace.get(item["function"])
        if not callable_(fn):
            outcomes = {"missing": True}
        else:
            with catch():
                simplefilter("ignore")
                outcomes = [run_one(fn, call) for call in item["calls"]]
        request({"op": "results", "token": token, "id": str_(item["id"]), "outcomes": outcomes})


def _student_namespace() -> dict:
    """A copy of the shell's namespace after the instructor's imports (never the shell's own)."""
    import builtins

    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:
        shell = None
    namespace = dict(shell.user_ns) if shell is not None else {}
    namespace.update({"__name__": "__main__", "__builtins__": builtins})
    return namespace


def _python_source(source: str) -> str:
    """IPython syntax (magics, ``!``) turned into plain Python, as a notebook cell would run it."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return source
