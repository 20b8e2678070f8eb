"""The machinery of hidden checks: inputs, references, judgements, messages.

A check is a set of calls to one graded function (``Call``), built from a
random generator, and a judgement of each returned value against the
reference implementation.  ``prepare(check_id)`` gives the calls in wire form
and a ``judge`` that turns the kernel's outcomes into a verdict
``{"ok": bool, "message": str}``.  It runs in the trusted grader process in
trusted mode, and in the kernel only in local mode (see autograder.hidden).

Inputs are deterministic: the generator is seeded by ``check_seed(check_id)``,
a pure function of the check id and, when the course has one, of a secret
(``AUTOGRADER_CHECK_SECRET`` or the file ``.autograder/check_secret`` in the
course root), so the same code gets the same verdict and message on every
grading and for every student, while the random part cannot be precomputed
from the public code.  Calls marked ``fixed`` never use the generator; they
alone must catch every class of mistake (``prepare(..., fixed_only=True)``,
tested against the catalogue).  See README.md in this folder.

Every judgement works on plain float/int arrays decoded by autograder.wire,
with numpy functions imported here, never on objects from the student's code.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import wire
from ..hidden import build_function

# Tolerances of the spec (COURSE_SPEC.md, "Conventions").
PROB_ATOL = 1e-12
LOSS_RTOL, LOSS_ATOL = 1e-9, 1e-12
GRAD_RTOL = 1e-6


@dataclass
class Call:
    """One call of the graded function: its arguments and how to name them."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    errstate: bool = False  # run under np.errstate(over="raise", invalid="raise")
    about: str = ""  # e.g. "z of shape (3, 4) with values in [-8, 8]"
    fixed: bool = False  # built without the generator: the same on every grading


Judge = Callable[[Call, wire.Returned], "str | None"]


@dataclass
class Check:
    id: str
    function: str
    make_calls: Callable[[np.random.Generator], list]
    judge: Judge
    what: str  # one line: what the check is about, shown on failure
    check_inputs_unchanged: bool = True
    #: graded functions that solutions of this one usually call (named in its failure messages)
    uses: tuple = ()


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    if check.id in REGISTRY:
        raise ValueError(f"duplicate check id {check.id}")
    if not check.id.startswith(check.function + "."):
        raise ValueError(f"check id {check.id} must start with {check.function}.")
    REGISTRY[check.id] = check
    return check


def fail(message: str) -> dict:
    # A repr such as "<function f at 0x7f...>" would make the same code's message differ per run.
    return {"ok": False, "message": re.sub(r" at 0x[0-9a-fA-F]+", "", message)}


def uses(function: str, *helpers: str) -> None:
    """Record that solutions of ``function`` usually call ``helpers`` (other graded functions).

    The checks of ``function`` still judge it on its own contract; a failure
    message then says that a wrong helper may be the cause, so the student
    fixes that first (see README.md, "One wrong function costs its own points").
    """
    for check in REGISTRY.values():
        if check.function == function:
            check.uses = tuple(helpers)


def _blame_helpers(check: Check, verdict: dict) -> dict:
    if verdict["ok"] or not check.uses:
        return verdict
    names = " or ".join(check.uses)
    return fail(verdict["message"] + f" If your {check.function} calls your {names}, first make "
                f"{'that function' if len(check.uses) == 1 else 'those functions'} pass "
                f"{'its' if len(check.uses) == 1 else 'their'} own tests: a wrong {names} makes "
                f"{check.function} wrong too.")


SECRET_ENV = "AUTOGRADER_CHECK_SECRET"
SECRET_FILE = os.path.join(".autograder", "check_secret")


def course_secret(root: str | os.PathLike | None = None) -> bytes:
    """The course's secret for check inputs, or b"" when it has none.

    From the environment, else from ``.autograder/check_secret`` in the course
    root (``root``, by default the course this package belongs to).  The
    secret must stay the same for the life of a course: changing it changes
    the random part of every check, and with it possibly released grades.
    """
    value = os.environ.get(SECRET_ENV)
    if value:
        return value.encode()
    if root is None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, SECRET_FILE), "rb") as fh:
            return fh.read().strip()
    except OSError:
        return b""


def check_seed(check_id: str, secret: bytes | None = None) -> int:
    """The seed of a check's random inputs: a pure function of its id (and the secret)."""
    if secret is None:
        secret = course_secret()
    digest = hmac.new(secret or b"linear-classification", check_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def prepare(check_id: str, seed: int | None = None, *, fixed_only: bool = False):
    """Build the calls of a check (wire form) and the judge of their outcomes.

    ``seed`` defaults to ``check_seed(check_id)``: the same inputs on every
    grading.  ``fixed_only`` keeps only the calls built without the generator.
    """
    try:
        check = REGISTRY[check_id]
    except KeyError:
        raise KeyError(f"unknown hidden check {check_id!r}") from None
    if seed is None:
        seed = check_seed(check_id)
    calls = check.make_calls(np.random.default_rng(seed))
    if fixed_only:
        calls = [c for c in calls if c.fixed]
    wire_calls = [
        {"args": wire.encode(tuple(c.args)), "kwargs": wire.encode(dict(c.kwargs)), "errstate": c.errstate}
        for c in calls
    ]

    def judge(outcomes: Any) -> dict:
        try:
            return _blame_helpers(check, _judge(check, calls, outcomes))
        except wire.WireError as exc:
            return fail(f"{check.function}: the grader could not read the result ({exc}).")

    return wire_calls, judge


def _judge(check: Check, calls: list, outcomes: Any) -> dict:
    name = check.function
    if not isinstance(outcomes, list) or len(outcomes) != len(calls):
        return fail(f"{name}: the check did not run to the end ({check.what}).")
    for call, outcome in zip(calls, outcomes):
        if not isinstance(outcome, dict):
            return fail(f"{name}: the check did not run to the end ({check.what}).")
        where = f" for {call.about}" if call.about else ""
        if "error" in outcome:
            error = str(outcome["error"])
            if call.errstate and error.startswith("FloatingPointError"):
                return fail(f"{name} is not numerically stable{where}: {stability_advice(error)}")
            return fail(f"{name} raised an error{where}: {error}")
        returned = wire.decode_result(outcome.get("value"))
        message = check.judge(call, returned)
        if message and call.about and call.about not in message:
            # Every verdict names the input it failed on; judges need not repeat it.
            message = f"{message.rstrip('.')} (for {call.about})"
        if message:
            return fail(f"{name}: {message}" + ("" if message.rstrip().endswith(".") else "."))
        if check.check_inputs_unchanged:
            message = _inputs_changed(call, outcome.get("args_after", []))
            if message:
                return fail(f"{name} {message}")
    return {"ok": True, "message": f"{name}: {check.what}: passed"}


def _inputs_changed(call: Call, after: list) -> str | None:
    for i, arg in enumerate(call.args):
        if not isinstance(arg, np.ndarray):
            continue
        got = wire.decode_result(after[i]) if i < len(after) and after[i] is not None else None
        if got is None or got.array is None or got.array.shape != arg.shape or not np.array_equal(
                got.array, arg, equal_nan=True):
            return (f"changed its argument number {i + 1} in place; a function must not modify "
                    "its inputs (work on a copy, e.g. X = X.copy(), or build a new array).")
    return None


def stability_advice(error: str) -> str:
    """What a FloatingPointError under np.errstate(over="raise", invalid="raise") means.

    Overflow and 0/0 have opposite causes (exp of a large positive number, and
    exp of large negative numbers that all round to 0), so they get different advice.
    """
    if "overflow" in error:
        return (f"an intermediate step overflowed ({error}): exp of a large positive number is inf. "
                "Rewrite it so that exp only ever sees numbers <= 0 (e.g. shift by the maximum, or "
                "use exp(-|z|)).")
    return (f"it produced an invalid value ({error}), such as 0/0 or inf - inf. This happens when "
            "every term of a sum underflows to 0 (exp of a large negative number) and is then divided "
            "by or logged, for example after shifting all rows by one global maximum instead of each "
            "row by its own maximum, or when an overflowed inf meets another inf.")


# --- judgements ------------------------------------------------------------
def describe_array(a: np.ndarray) -> str:
    return f"an array of shape {a.shape}" if a.ndim else "a scalar"


def as_numeric(returned: wire.Returned, expected: np.ndarray, *, integer: bool = False,
               scalar: bool = False) -> tuple[np.ndarray | None, str | None]:
    """Check type, dtype and shape; return the array or a message."""
    if returned.array is None:
        shown = returned.text or returned.type_name
        hint = ""
        if "dtype=object" in returned.text:
            hint = ": an array of dtype object holds Python objects, not numbers (build it with dtype=int or float)"
        return None, (f"returned {shown} ({returned.type_name}), expected {describe_array(expected)} of numbers"
                      + hint)
    got = returned.array
    if scalar:
        if got.shape != ():
            return None, f"returned an array of shape {got.shape}, expected a single number (a float)"
        return got, None
    if got.shape != expected.shape:
        return None, f"returned shape {got.shape}, expected shape {expected.shape}"
    if integer and got.dtype.kind not in "iu":
        kind = "booleans" if got.dtype.kind == "b" else f"dtype {got.dtype}"
        return None, (f"returned {kind}, expected an integer array of labels "
                      "(convert with .astype(int))")
    return got, None


def compare(got: np.ndarray, expected: np.ndarray, *, atol: float = 0.0, rtol: float = 0.0,
            inputs: np.ndarray | None = None, input_name: str = "input") -> str | None:
    """None if close, else a message naming the worst entry."""
    got = got.astype(np.complex128 if got.dtype.kind == "c" else np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    both_inf = np.isinf(expected) & (got == expected)
    finite = np.isfinite(expected)
    bad_nonfinite = (~np.isfinite(got)) & ~both_inf
    err = np.where(finite & np.isfinite(got), np.abs(got - np.where(finite, expected, 0)), np.inf)
    err = np.where(both_inf, 0.0, err)
    tol = atol + rtol * np.abs(np.where(finite, expected, 0))
    mismatch = (err > tol) | bad_nonfinite
    if not mismatch.any():
        return None
    idx = np.unravel_index(np.argmax(np.where(mismatch, err, -1.0)), got.shape) if got.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if got.ndim else ""
    extra = ""
    if inputs is not None and inputs.shape == got.shape:
        extra = f" ({input_name} = {float(inputs[idx]):.6g})"
    n = int(mismatch.sum())
    count = f"{n} of {mismatch.size} values differ" if got.ndim else "the value differs"
    return (f"{count} from the expected result; the worst{where}{extra}: "
            f"yours {float(np.real(got[idx])) + 0.0:.10g}, expected {float(expected[idx]) + 0.0:.10g}")


def against(reference: Callable, kind: str, *, input_index: int | None = 0, input_name: str = "input") -> Judge:
    """A judge comparing with ``reference(*args)`` under the spec's tolerance for ``kind``.

    kind: "prob" (abs 1e-12), "loss" (rel 1e-9 + abs 1e-12), "grad" (rel 1e-6 of the
    largest entry), "labels" (integer array, exact), "exact" (float, exact up to 1e-12).
    """
    def judge(call: Call, returned: wire.Returned) -> str | None:
        expected = np.asarray(reference(*call.args, **call.kwargs))
        got, message = as_numeric(returned, expected, integer=(kind == "labels"),
                                  scalar=(expected.shape == ()))
        if message:
            return message
        inputs = None
        if input_index is not None and input_index < len(call.args):
            candidate = call.args[input_index]
            if isinstance(candidate, np.ndarray) and candidate.shape == expected.shape:
                inputs = candidate
        if kind == "prob":
            tol = dict(atol=PROB_ATOL)
        elif kind == "loss":
            tol = dict(atol=LOSS_ATOL, rtol=LOSS_RTOL)
        elif kind == "grad":
            scale = float(np.max(np.abs(expected))) if expected.size else 0.0
            tol = dict(atol=GRAD_RTOL * max(scale, 1e-12))
        elif kind in ("labels", "exact"):
            tol = dict(atol=1e-12)
        else:
            raise ValueError(kind)
        message = compare(got, expected, inputs=inputs, input_name=input_name, **tol)
        if message and call.errstate and np.all(np.isfinite(expected)) and not np.all(np.isfinite(got)):
            message += (". The true values are all finite: a probability that rounded to 0 was logged "
                        "(log 0 = -inf) or divided by. Work with log-probabilities directly, with exp only of "
                        "numbers <= 0: log sigma(z) = min(z, 0) - log(1 + e^(-|z|)), and log softmax = "
                        "z - m - log(sum(exp(z - m))) with m the maximum of each row")
        return message

    return judge


def nll_judge(reference: Callable, labels_index: int = 2) -> Judge:
    """``against(reference, "loss")`` for a negative log-likelihood, naming a mean or a flipped sign."""
    base = against(reference, "loss", input_index=None)

    def judge(call: Call, returned: wire.Returned) -> str | None:
        message = base(call, returned)
        if not message or returned.array is None or returned.array.shape != ():
            return message
        got, expected = float(returned.array), float(reference(*call.args, **call.kwargs))
        n = len(call.args[labels_index])
        if not np.isfinite(expected) or not np.isfinite(got):
            return message
        if n > 1 and abs(got * n - expected) <= 1e-9 * abs(expected) + 1e-12:
            return message + ". It looks like the mean over the observations; the spec's NLL is a sum"
        if expected != 0 and abs(got + expected) <= 1e-9 * abs(expected):
            return message + ". It has the opposite sign: the NEGATIVE log-likelihood is minus the sum of log p"
        return message

    return judge


def build(spec: wire.FunctionSpec):
    """The trusted side's copy of a test function (the kernel builds its own)."""
    return build_function(spec)
